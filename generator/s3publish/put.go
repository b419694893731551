package s3publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/wandstore/wandstore/generator"
)

// metaSHA256Key is the user metadata (x-amz-meta-sha256) holding the hex
// SHA-256 of an object's bytes.
const metaSHA256Key = "sha256"

// Cache-Control values. Fingerprinted files never change under their name;
// everything else (pages, sitemaps, search index, robots.txt) may change on
// any build, so browsers and CDNs keep it a minute, then revalidate (the
// ETag makes that a 304). A build that must be seen at once purges the CDN.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheShort     = "public, max-age=60, must-revalidate"
)

// Put uploads data to path unless the bucket already holds the same bytes
// there (see Config.Overwrite), with a Content-Type from the extension, a
// Cache-Control (immutable under assets/, short elsewhere) and the SHA-256
// in x-amz-meta-sha256; never a compressed copy (ErrCompressedCopy). An S3 PUT replaces the object at once: readers see
// the old object or the new one. It returns an error wrapping
// ErrInvalidPath for a bad path, ErrNoBucket or ErrAccess, or the client's
// error after its retries, or the context's.
func (p *Publisher) Put(ctx context.Context, path string, data []byte) error {
	key, err := p.key(path)
	if err != nil {
		return err
	}
	if generator.IsCompressedCopy(path) {
		return fmt.Errorf("s3publish: %q: %w", path, ErrCompressedCopy)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.ensureListed(ctx); err != nil {
		return err
	}
	shaSum, md5Sum := sha256.Sum256(data), md5.Sum(data)
	sha, md := hex.EncodeToString(shaSum[:]), hex.EncodeToString(md5Sum[:])
	size := int64(len(data))
	if !p.cfg.Overwrite {
		same, err := p.holds(ctx, key, path, size, sha, md)
		if err != nil {
			return err
		}
		if same {
			p.skipped.Add(1)
			return nil
		}
	}
	rctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	_, err = p.client.PutObject(rctx, p.cfg.Bucket, key, bytes.NewReader(data), size, minio.PutObjectOptions{
		ContentType:        contentType(path),
		CacheControl:       cacheControl(path),
		ContentDisposition: contentDisposition(path),
		UserMetadata:       map[string]string{metaSHA256Key: sha},
		SendContentMd5:     true, // the server checks the bytes arrived whole
		DisableMultipart:   true, // one PUT, so the ETag stays the MD5
		// An unsigned payload (Content-MD5 guards it) rather than the
		// aws-chunked streaming signature minio-go uses over plain HTTP: the
		// same request whether the endpoint is https (R2) or http (tests),
		// and zero-byte files work.
		DisableContentSha256: true,
	})
	if err != nil {
		return p.fail("put", path, err)
	}
	p.mu.Lock()
	if p.index != nil {
		p.index[key] = remote{size: size, etag: md, sha256: sha}
	}
	p.mu.Unlock()
	p.uploaded.Add(1)
	p.bytes.Add(size)
	return nil
}

// cacheControl: a year, immutable, for fingerprinted assets (any path with
// an "assets" folder: the generator puts only fingerprinted files there);
// a minute with revalidation for the rest.
func cacheControl(p string) string {
	if strings.HasPrefix(p, "assets/") || strings.Contains(p, "/assets/") {
		return cacheImmutable
	}
	return cacheShort
}

// contentDisposition is "attachment" for SVG files: a bucket sends no
// Content-Security-Policy, so an SVG opened on its own would be a document
// on the origin every store shares; downloaded, it is not (an <img> shows
// it all the same). The generator also strips SVGs of anything that runs.
func contentDisposition(p string) string {
	if strings.EqualFold(path.Ext(p), ".svg") {
		return "attachment"
	}
	return ""
}

// contentTypes maps extensions to media types. A fixed table rather than
// mime.TypeByExtension, whose answers depend on the machine's
// /etc/mime.types.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json; charset=utf-8",
	".map":         "application/json; charset=utf-8",
	".webmanifest": "application/manifest+json; charset=utf-8",
	".xml":         "application/xml; charset=utf-8",
	".xsl":         "application/xml; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".csv":         "text/csv; charset=utf-8",
	".svg":         "image/svg+xml; charset=utf-8",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".gif":         "image/gif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".pdf":         "application/pdf",
	".wasm":        "application/wasm",
	".mp4":         "video/mp4",
	".webm":        "video/webm",
}

// contentType is the media type for a path's extension;
// application/octet-stream when unknown.
func contentType(p string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	return "application/octet-stream"
}

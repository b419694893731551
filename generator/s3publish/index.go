package s3publish

import (
	"context"
	"strings"

	"github.com/minio/minio-go/v7"
)

// remote is what the bucket holds at a key, as far as this publisher knows.
type remote struct {
	size   int64
	etag   string // unquoted; the MD5 of the bytes for a single-part upload without SSE-KMS/SSE-C
	sha256 string // from x-amz-meta-sha256, when known
}

// ensureListed lists the prefix once. Concurrent callers wait for the one
// listing; a failed listing is not kept, so the next call tries again.
func (p *Publisher) ensureListed(ctx context.Context) error {
	if p.listed.Load() {
		return nil
	}
	p.listMu.Lock()
	defer p.listMu.Unlock()
	if p.listed.Load() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, p.cfg.ListTimeout)
	defer cancel()
	index := map[string]remote{}
	// Plain ListObjectsV2: object metadata is not part of a standard
	// listing (only MinIO's extension has it), so the ETag is the hash used.
	for obj := range p.client.ListObjects(lctx, p.cfg.Bucket, minio.ListObjectsOptions{Prefix: p.prefix, Recursive: true}) {
		if obj.Err != nil {
			return p.fail("list", p.prefix, obj.Err)
		}
		index[obj.Key] = remote{size: obj.Size, etag: strings.Trim(obj.ETag, `"`)}
	}
	p.mu.Lock()
	p.index = index
	p.mu.Unlock()
	p.listedN.Store(int64(len(index)))
	p.listed.Store(true)
	return nil
}

// holds reports whether the bucket already has exactly these bytes at key.
func (p *Publisher) holds(ctx context.Context, key, path string, size int64, sha, md5 string) (bool, error) {
	p.mu.Lock()
	r, ok := p.index[key]
	p.mu.Unlock()
	if !ok || r.size != size {
		return false, nil
	}
	if r.sha256 != "" {
		return r.sha256 == sha, nil
	}
	if isMD5(r.etag) {
		return r.etag == md5, nil
	}
	// A multipart (or encrypted) object's ETag is not the MD5 of its
	// bytes: ask for the SHA-256 this publisher stored beside it. Rare,
	// since Put never uploads in parts.
	sctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	info, err := p.client.StatObject(sctx, p.cfg.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return false, nil
		}
		return false, p.fail("stat", path, err)
	}
	return metaSHA256(info) == sha, nil
}

// metaSHA256 is the x-amz-meta-sha256 of an object, or "".
func metaSHA256(info minio.ObjectInfo) string {
	for k, v := range info.UserMetadata {
		if strings.EqualFold(k, metaSHA256Key) {
			return v
		}
	}
	return ""
}

func isMD5(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	for _, c := range etag {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

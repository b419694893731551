// Package s3publish is a generator.Publisher that writes to an
// S3-compatible bucket (Cloudflare R2, AWS S3, MinIO) under a key prefix.
//
// It uploads only what differs: the bucket's prefix is listed once, lazily,
// and a Put whose bytes the bucket already holds (same MD5 ETag, or the
// same SHA-256 in the object's x-amz-meta-sha256) is skipped. Every object
// gets a Content-Type from its extension and a Cache-Control: a year and
// immutable for fingerprinted files under assets/, a minute with
// revalidation for pages and everything else.
//
// A bucket holds identity bodies only: S3 and R2 answer every request for
// a key with the same bytes, so they cannot pick an encoding by the
// browser's Accept-Encoding, and an object stored compressed would reach
// clients that cannot decode it. The CDN in front of the bucket compresses
// (Cloudflare does for R2's public and custom-domain access; CloudFront
// with "compress objects automatically"). The generator therefore writes
// no compressed copies into a bucket (generator.PrecompressAuto), and Put
// refuses one (ErrCompressedCopy).
//
// A Publisher is meant for one build (or one batch of builds): objects
// changed in the bucket by anyone else after the listing are not seen until
// Refresh.
package s3publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/wandstore/wandstore/generator"
)

// Errors, translated from the S3 client's at the package boundary.
var (
	// ErrInvalidPath: a path with "..", ".", an empty element or a leading
	// or trailing "/".
	ErrInvalidPath = errors.New("invalid path")
	// ErrNoBucket: the bucket does not exist.
	ErrNoBucket = errors.New("no such bucket")
	// ErrAccess: the credentials are missing, wrong or not allowed to do this.
	ErrAccess = errors.New("access denied")
	// ErrCompressedCopy: a Put of a build's compressed copy (a text
	// file's ".br" or ".gz", generator.IsCompressedCopy), which a bucket
	// cannot serve to the browsers that accept it only (see the package
	// comment).
	ErrCompressedCopy = errors.New("a bucket takes no compressed copies: its CDN compresses (build with generator.PrecompressOff or PrecompressAuto)")
)

// Defaults for Config's zero values.
const (
	DefaultRegion      = "auto"
	DefaultTimeout     = 60 * time.Second
	DefaultListTimeout = 5 * time.Minute
	DefaultMaxRetries  = 5
)

// Config says which bucket to publish to and how to reach it.
type Config struct {
	// Endpoint is host[:port], without scheme:
	// "<account>.r2.cloudflarestorage.com", "127.0.0.1:9000". Required.
	Endpoint string
	// Secure uses HTTPS.
	Secure bool
	// Region is the signing region; default "auto" (what R2 expects).
	Region string
	// Bucket is the bucket's name. Required; it must exist.
	Bucket string
	// Prefix is prepended to every path ("shop" publishes
	// "s/x/index.html" as "shop/s/x/index.html"); slashes around it are
	// trimmed. Empty publishes at the bucket's root.
	Prefix string
	// AccessKey and SecretKey (and SessionToken, for temporary
	// credentials) sign requests. Required. Never logged: Config's String
	// and LogValue leave them out.
	AccessKey, SecretKey, SessionToken string
	// Timeout bounds each request, retries included; default
	// DefaultTimeout. The caller's context deadline applies too.
	Timeout time.Duration
	// ListTimeout bounds the listing of the prefix; default
	// DefaultListTimeout.
	ListTimeout time.Duration
	// MaxRetries is how many times the client tries a request that failed
	// with a 5xx, a throttle or a network error, with exponential backoff
	// and jitter; default DefaultMaxRetries. 1 disables retries.
	MaxRetries int
	// Overwrite uploads even when the bucket already holds the same bytes
	// (to rewrite Content-Type or Cache-Control after a policy change).
	Overwrite bool
	// Transport replaces the HTTP transport (tests; proxies).
	Transport http.RoundTripper
}

// String describes the destination without credentials.
func (c Config) String() string {
	scheme := "https"
	if !c.Secure {
		scheme = "http"
	}
	return fmt.Sprintf("s3://%s/%s (%s://%s, region %s)", c.Bucket, strings.Trim(c.Prefix, "/"), scheme, c.Endpoint, c.region())
}

// LogValue keeps the credentials out of logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

func (c Config) region() string {
	if c.Region == "" {
		return DefaultRegion
	}
	return c.Region
}

// Stats counts what a Publisher did.
type Stats struct {
	Listed   int   // objects found under the prefix by the listing
	Uploaded int   // objects uploaded
	Skipped  int   // Puts not uploaded: the bucket held the same bytes
	Deleted  int   // objects deleted
	Bytes    int64 // bytes uploaded
}

// Publisher publishes into a bucket. It is safe for concurrent use.
type Publisher struct {
	cfg    Config
	client *minio.Client
	prefix string // "" or "dir/"

	listMu sync.Mutex  // one listing at a time
	listed atomic.Bool // index holds the bucket's state
	mu     sync.Mutex  // guards index
	index  map[string]remote

	uploaded, skipped, deleted atomic.Int64
	bytes                      atomic.Int64
	listedN                    atomic.Int64
}

var _ generator.Publisher = (*Publisher)(nil)

// New checks cfg, connects and checks that the bucket exists. It returns
// an error wrapping ErrNoBucket if it does not, ErrAccess if the
// credentials are refused, and a plain error for a bad Config.
func New(ctx context.Context, cfg Config) (*Publisher, error) {
	if cfg.Endpoint == "" || strings.Contains(cfg.Endpoint, "://") || strings.Contains(cfg.Endpoint, "/") {
		return nil, fmt.Errorf("s3publish: endpoint %q must be host[:port], without scheme or path", cfg.Endpoint)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("s3publish: no bucket")
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("s3publish: no credentials (an access key and a secret key are required)")
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if !fs.ValidPath(prefix) {
			return nil, fmt.Errorf("s3publish: prefix %q: %w", cfg.Prefix, ErrInvalidPath)
		}
		prefix += "/"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ListTimeout <= 0 {
		cfg.ListTimeout = DefaultListTimeout
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:       cfg.Secure,
		Region:       cfg.region(),
		BucketLookup: minio.BucketLookupPath, // R2, MinIO and gofakes3 all take path style
		MaxRetries:   cfg.MaxRetries,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3publish: %w", err)
	}
	p := &Publisher{cfg: cfg, client: client, prefix: prefix}
	rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	ok, err := client.BucketExists(rctx, cfg.Bucket)
	if err != nil {
		return nil, p.fail("check bucket", "", err)
	}
	if !ok {
		return nil, fmt.Errorf("s3publish: bucket %q: %w", cfg.Bucket, ErrNoBucket)
	}
	return p, nil
}

// Config returns the configuration in use (with defaults filled in).
func (p *Publisher) Config() Config { return p.cfg }

// Stats returns what the publisher has done so far.
func (p *Publisher) Stats() Stats {
	return Stats{
		Listed:   int(p.listedN.Load()),
		Uploaded: int(p.uploaded.Load()),
		Skipped:  int(p.skipped.Load()),
		Deleted:  int(p.deleted.Load()),
		Bytes:    p.bytes.Load(),
	}
}

// key maps a publish path to the object key, or fails with ErrInvalidPath.
func (p *Publisher) key(path string) (string, error) {
	if !fs.ValidPath(path) || path == "." {
		return "", fmt.Errorf("s3publish: %q: %w", path, ErrInvalidPath)
	}
	return p.prefix + path, nil
}

// fail wraps a client error with the operation and path, translating the
// codes callers may act on into this package's errors.
func (p *Publisher) fail(op, path string, err error) error {
	what := op
	if path != "" {
		what += " " + path
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchBucket":
		return fmt.Errorf("s3publish: %s: bucket %q: %w", what, p.cfg.Bucket, ErrNoBucket)
	case resp.Code == "AccessDenied" || resp.Code == "InvalidAccessKeyId" || resp.Code == "SignatureDoesNotMatch" ||
		resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("s3publish: %s: %w (%s)", what, ErrAccess, resp.Code)
	}
	return fmt.Errorf("s3publish: %s: %w", what, err)
}

// Delete removes the object. Deleting a missing object is not an error.
// It returns an error wrapping ErrInvalidPath for a bad path, ErrNoBucket
// or ErrAccess, or the client's error after its retries, or the context's.
func (p *Publisher) Delete(ctx context.Context, path string) error {
	key, err := p.key(path)
	if err != nil {
		return err
	}
	// Listed first, so a listing cannot run across the delete and bring
	// the object back into the index.
	if err := p.ensureListed(ctx); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	if err := p.client.RemoveObject(rctx, p.cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code != "NoSuchKey" {
			return p.fail("delete", path, err)
		}
	}
	p.mu.Lock()
	if p.index != nil {
		delete(p.index, key)
	}
	p.mu.Unlock()
	p.deleted.Add(1)
	return nil
}

// Exists reports whether the bucket holds path. The first call lists the
// prefix (one request per 1,000 objects); later calls answer from that
// listing, kept up to date by this publisher's own Puts and Deletes. It
// returns an error wrapping ErrInvalidPath for a bad path, or the listing's
// error (ErrNoBucket, ErrAccess, the client's or the context's); a failed
// listing is tried again on the next call.
func (p *Publisher) Exists(ctx context.Context, path string) (bool, error) {
	key, err := p.key(path)
	if err != nil {
		return false, err
	}
	if err := p.ensureListed(ctx); err != nil {
		return false, err
	}
	p.mu.Lock()
	_, ok := p.index[key]
	p.mu.Unlock()
	return ok, nil
}

// Refresh drops the listing: the next Put, Delete or Exists lists the
// prefix again (for a long-lived publisher, between builds).
func (p *Publisher) Refresh() {
	p.listMu.Lock()
	defer p.listMu.Unlock()
	p.listed.Store(false)
	p.mu.Lock()
	p.index = nil
	p.mu.Unlock()
}

package s3publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/publishertest"
)

// request is one request the fake S3 server received.
type request struct {
	method, key string // key: the object key, without the bucket
	list        bool
	header      http.Header
}

// fakeS3 is gofakes3 on 127.0.0.1 behind a handler that records every
// request in order and can fail some.
type fakeS3 struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	requests []request
	// fail, if set, answers a request with a status instead of passing it
	// on (0: pass).
	fail atomic.Pointer[func(r *http.Request) int]
}

func newFakeS3(t *testing.T, opts ...gofakes3.Option) *fakeS3 {
	t.Helper()
	f := &fakeS3{t: t}
	opts = append([]gofakes3.Option{gofakes3.WithAutoBucket(true), gofakes3.WithLogger(gofakes3.DiscardLog())}, opts...)
	s3 := gofakes3.New(s3mem.New(), opts...).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail := f.fail.Load(); fail != nil {
			if code := (*fail)(r); code != 0 {
				f.record(r)
				http.Error(w, "injected", code)
				return
			}
		}
		f.record(r)
		s3.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) record(r *http.Request) {
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, request{method: r.Method, key: key, list: r.Method == http.MethodGet && key == "", header: r.Header.Clone()})
}

// endpoint is host:port, as Config wants it.
func (f *fakeS3) endpoint() string {
	u, _ := url.Parse(f.srv.URL)
	return u.Host
}

// reset forgets the requests so far and returns them.
func (f *fakeS3) reset() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// count counts requests by method (object requests only; "LIST" for
// listings).
func count(reqs []request) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		switch {
		case r.list:
			out["LIST"]++
		case r.key != "":
			out[r.method]++
		}
	}
	return out
}

// puts lists the keys PUT, in order.
func puts(reqs []request) []string {
	var out []string
	for _, r := range reqs {
		if r.method == http.MethodPut && r.key != "" {
			out = append(out, r.key)
		}
	}
	return out
}

func (f *fakeS3) config(bucket, prefix string) Config {
	return Config{
		Endpoint: f.endpoint(), Bucket: bucket, Prefix: prefix,
		AccessKey: "test-access", SecretKey: "test-secret-do-not-log",
		Timeout: 10 * time.Second,
	}
}

func (f *fakeS3) open(bucket, prefix string) *Publisher {
	f.t.Helper()
	p, err := New(context.Background(), f.config(bucket, prefix))
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return p
}

// stat HEADs an object with a client of the test's own.
func (f *fakeS3) stat(bucket, key string) (minio.ObjectInfo, error) {
	p := f.open(bucket, "")
	return p.client.StatObject(context.Background(), bucket, key, minio.StatObjectOptions{})
}

// getter reads objects back for the conformance suite.
type getter struct{ *Publisher }

func (g getter) Get(ctx context.Context, p string) ([]byte, error) {
	key, err := g.key(p)
	if err != nil {
		return nil, err
	}
	obj, err := g.client.GetObject(ctx, g.cfg.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if minio.ToErrorResponse(err).Code == "NoSuchKey" {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return data, err
}

func TestConformance(t *testing.T) {
	f := newFakeS3(t)
	var n atomic.Int64
	publishertest.Run(t, func(t *testing.T) generator.Publisher {
		// One bucket; each subtest under a prefix of its own, which also
		// checks that a prefix confines the publisher.
		return getter{f.open("conformance", fmt.Sprintf("run%d/site", n.Add(1)))}
	})
}

func TestContentTypeCacheControlAndHash(t *testing.T) {
	f := newFakeS3(t)
	p := f.open("site", "shop")
	ctx := context.Background()
	files := map[string]struct{ data, ctype, cache string }{
		"s/a/assets/app.0123456789.css":   {"body{}", "text/css; charset=utf-8", cacheImmutable},
		"s/a/assets/logo.0123456789.svg":  {"<svg/>", "image/svg+xml; charset=utf-8", cacheImmutable},
		"s/a/assets/photo.0123456789.JPG": {"\xff\xd8", "image/jpeg", cacheImmutable},
		"s/a/index.html":                  {"<p>hi</p>", "text/html; charset=utf-8", cacheShort},
		"s/a/sitemap.xml":                 {"<urlset/>", "application/xml; charset=utf-8", cacheShort},
		"s/a/search.json":                 {"[]", "application/json; charset=utf-8", cacheShort},
		"robots.txt":                      {"User-agent: *", "text/plain; charset=utf-8", cacheShort},
		"s/a/unknown.bin":                 {"\x00", "application/octet-stream", cacheShort},
	}
	for name, fl := range files {
		if err := p.Put(ctx, name, []byte(fl.data)); err != nil {
			t.Fatal(err)
		}
	}
	sent := map[string]http.Header{}
	for _, r := range f.reset() {
		if r.method == http.MethodPut {
			sent[r.key] = r.header
		}
	}
	for name, fl := range files {
		info, err := f.stat("site", "shop/"+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.ContentType != fl.ctype {
			t.Errorf("%s: stored Content-Type %q, want %q", name, info.ContentType, fl.ctype)
		}
		if ce := info.Metadata.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s: stored Content-Encoding %q", name, ce)
		}
		sum := sha256.Sum256([]byte(fl.data))
		if got := metaSHA256(info); got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: x-amz-meta-sha256 = %q", name, got)
		}
		// gofakes3 does not keep Cache-Control (it stores only x-amz-*,
		// Content-Type, -Disposition and -Encoding), so check what was sent.
		h := sent["shop/"+name]
		if h == nil {
			t.Fatalf("%s: no PUT recorded", name)
		}
		if got := h.Get("Cache-Control"); got != fl.cache {
			t.Errorf("%s: sent Cache-Control %q, want %q", name, got, fl.cache)
		}
		if h.Get("Content-Md5") == "" {
			t.Errorf("%s: no Content-MD5 sent", name)
		}
		// An SVG opened on its own downloads rather than renders on the
		// origin every store shares (an <img> shows it all the same).
		wantDisp := ""
		if strings.HasSuffix(name, ".svg") {
			wantDisp = "attachment"
		}
		if got := info.Metadata.Get("Content-Disposition"); got != wantDisp {
			t.Errorf("%s: stored Content-Disposition %q, want %q", name, got, wantDisp)
		}
	}
}

func TestSameBytesAreNotUploadedAgain(t *testing.T) {
	f := newFakeS3(t)
	ctx := context.Background()
	p := f.open("site", "")
	f.reset()
	for i := range 20 {
		if err := p.Put(ctx, fmt.Sprintf("p/%d/index.html", i), fmt.Appendf(nil, "page %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Put(ctx, "p/0/index.html", []byte("page 0")); err != nil {
		t.Fatal(err)
	}
	if got := count(f.reset()); got["PUT"] != 20 || got["LIST"] != 1 {
		t.Errorf("first publisher: requests %v, want 20 PUTs and one listing", got)
	}
	if st := p.Stats(); st.Uploaded != 20 || st.Skipped != 1 {
		t.Errorf("stats %+v", st)
	}

	// A new publisher (a new build, its manifest lost) learns what the
	// bucket holds from one listing, and uploads only what differs.
	p = f.open("site", "")
	f.reset()
	for i := range 20 {
		data := fmt.Appendf(nil, "page %d", i)
		if i == 7 {
			data = []byte("page 7, edited")
		}
		if err := p.Put(ctx, fmt.Sprintf("p/%d/index.html", i), data); err != nil {
			t.Fatal(err)
		}
		if ok, err := p.Exists(ctx, fmt.Sprintf("p/%d/index.html", i)); err != nil || !ok {
			t.Fatalf("Exists: %v %v", ok, err)
		}
	}
	reqs := f.reset()
	if got := count(reqs); got["PUT"] != 1 || got["LIST"] != 1 || got["HEAD"] != 0 {
		t.Errorf("second publisher: requests %v, want one listing and one PUT, no HEADs", got)
	}
	if got := puts(reqs); len(got) != 1 || got[0] != "p/7/index.html" {
		t.Errorf("uploaded %v, want only the edited page", got)
	}
	if st := p.Stats(); st.Listed != 20 || st.Uploaded != 1 || st.Skipped != 19 {
		t.Errorf("stats %+v", st)
	}

	// Overwrite uploads anyway.
	cfg := f.config("site", "")
	cfg.Overwrite = true
	p, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.reset()
	if err := p.Put(ctx, "p/1/index.html", []byte("page 1")); err != nil {
		t.Fatal(err)
	}
	if got := count(f.reset()); got["PUT"] != 1 {
		t.Errorf("Overwrite: requests %v, want a PUT", got)
	}
}

func TestMultipartETagFallsBackToMetadata(t *testing.T) {
	f := newFakeS3(t)
	p := f.open("site", "")
	ctx := context.Background()
	if err := p.Put(ctx, "a.html", []byte("same")); err != nil {
		t.Fatal(err)
	}
	// As if the listing had shown a multipart ETag: the SHA-256 is asked
	// for with one HEAD.
	p.mu.Lock()
	p.index["a.html"] = remote{size: 4, etag: "0123456789abcdef0123456789abcdef-2"}
	p.mu.Unlock()
	f.reset()
	if err := p.Put(ctx, "a.html", []byte("same")); err != nil {
		t.Fatal(err)
	}
	if got := count(f.reset()); got["HEAD"] != 1 || got["PUT"] != 0 {
		t.Errorf("requests %v, want one HEAD and no PUT", got)
	}
}

func TestDeleteRemovesTheObject(t *testing.T) {
	f := newFakeS3(t)
	p := f.open("site", "pre")
	ctx := context.Background()
	for _, name := range []string{"s/a/products/x/index.html", "s/a/products/xy/index.html"} {
		if err := p.Put(ctx, name, []byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Delete(ctx, "s/a/products/x/index.html"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.stat("site", "pre/s/a/products/x/index.html"); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("deleted object: stat err = %v", err)
	}
	if _, err := f.stat("site", "pre/s/a/products/xy/index.html"); err != nil {
		t.Errorf("neighbour: %v", err)
	}
	// A fresh listing agrees.
	if ok, err := f.open("site", "pre").Exists(ctx, "s/a/products/x/index.html"); err != nil || ok {
		t.Errorf("Exists after delete = %v, %v", ok, err)
	}
	if st := p.Stats(); st.Deleted != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestRetriesServerErrors(t *testing.T) {
	f := newFakeS3(t)
	p := f.open("site", "")
	var failures atomic.Int64
	fail := func(r *http.Request) int {
		if r.Method == http.MethodPut && failures.Add(1) <= 2 {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	f.fail.Store(&fail)
	f.reset()
	if err := p.Put(context.Background(), "a.html", []byte("a")); err != nil {
		t.Fatalf("Put after two 503s: %v", err)
	}
	if got := count(f.reset()); got["PUT"] != 3 {
		t.Errorf("PUT attempts = %d, want 3", got["PUT"])
	}
}

func TestDeadlineBoundsRetries(t *testing.T) {
	f := newFakeS3(t)
	cfg := f.config("site", "")
	cfg.Timeout = 300 * time.Millisecond
	cfg.MaxRetries = 100
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	always := func(r *http.Request) int {
		if r.Method == http.MethodPut || r.Method == http.MethodDelete {
			return http.StatusInternalServerError
		}
		return 0
	}
	f.fail.Store(&always)
	start := time.Now()
	if err := p.Put(context.Background(), "a.html", []byte("a")); err == nil {
		t.Fatal("Put succeeded against a failing server")
	}
	if err := p.Delete(context.Background(), "a.html"); err == nil {
		t.Fatal("Delete succeeded against a failing server")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("gave up after %s, want about 2×300ms", d)
	}
	// The caller's deadline applies too.
	cfg.Timeout = time.Minute
	p, err = New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := p.Put(ctx, "a.html", []byte("a")); err == nil {
		t.Fatal("Put succeeded against a failing server")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("caller's deadline ignored: gave up after %s", d)
	}
}

func TestNewErrors(t *testing.T) {
	f := newFakeS3(t)
	strict := newFakeS3(t, gofakes3.WithAutoBucket(false))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		is   error
		want string
	}{
		{"no bucket", func(c *Config) { *c = strict.config("missing", "") }, ErrNoBucket, "missing"},
		{"no keys", func(c *Config) { c.SecretKey = "" }, nil, "no credentials"},
		{"scheme in endpoint", func(c *Config) { c.Endpoint = "http://" + c.Endpoint }, nil, "host[:port]"},
		{"bad prefix", func(c *Config) { c.Prefix = "a/../b" }, ErrInvalidPath, "prefix"},
		{"no bucket name", func(c *Config) { c.Bucket = "" }, nil, "no bucket"},
		{"refused", func(c *Config) {
			deny := func(*http.Request) int { return http.StatusForbidden }
			f.fail.Store(&deny)
		}, ErrAccess, "access denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer f.fail.Store(nil)
			cfg := f.config("site", "")
			tc.cfg(&cfg)
			_, err := New(ctx, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("err = %v, want %q (%v)", err, tc.want, tc.is)
			}
			if strings.Contains(err.Error(), cfg.SecretKey) && cfg.SecretKey != "" {
				t.Error("error shows the secret key")
			}
		})
	}
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	cfg := Config{Endpoint: "acc.r2.cloudflarestorage.com", Secure: true, Bucket: "b", Prefix: "/p/", AccessKey: "AKIDSECRET", SecretKey: "s3cr3t", SessionToken: "tok3n"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("publishing", "to", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v %+v %s", cfg, cfg, cfg), buf.String()} {
		for _, secret := range []string{"AKIDSECRET", "s3cr3t", "tok3n"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows a credential", s)
			}
		}
	}
	if got := cfg.String(); got != "s3://b/p (https://acc.r2.cloudflarestorage.com, region auto)" {
		t.Errorf("String() = %q", got)
	}
}

func TestContentTypes(t *testing.T) {
	for p, want := range map[string]string{
		"a/index.html": "text/html; charset=utf-8", "x.JS": "text/javascript; charset=utf-8",
		"f.woff2": "font/woff2", "i.webp": "image/webp", "i.gif": "image/gif", "favicon.ico": "image/x-icon",
		"i.png": "image/png", "i.jpeg": "image/jpeg", "noext": "application/octet-stream",
	} {
		if got := contentType(p); got != want {
			t.Errorf("contentType(%q) = %q, want %q", p, got, want)
		}
	}
	for p, want := range map[string]string{
		"assets/app.1.css": cacheImmutable, "s/a/assets/x.png": cacheImmutable,
		"s/a/index.html": cacheShort, "s/assetsx/a.css": cacheShort, "sitemap.xml": cacheShort,
	} {
		if got := cacheControl(p); got != want {
			t.Errorf("cacheControl(%q) = %q, want %q", p, got, want)
		}
	}
}

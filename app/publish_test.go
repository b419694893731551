package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/internal/testkit"
)

// fakeBucket is an S3 server on 127.0.0.1 that counts object PUTs.
type fakeBucket struct {
	srv  *httptest.Server
	mu   sync.Mutex
	puts []string
}

func newFakeBucket(t *testing.T) *fakeBucket {
	t.Helper()
	f := &fakeBucket{}
	s3 := gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			f.mu.Lock()
			f.puts = append(f.puts, r.URL.Path)
			f.mu.Unlock()
		}
		s3.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBucket) takePuts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.puts
	f.puts = nil
	return p
}

func (f *fakeBucket) get(t *testing.T, bucket, key string) (string, string) {
	t.Helper()
	c, err := minio.New(strings.TrimPrefix(f.srv.URL, "http://"), &minio.Options{Creds: credentials.NewStaticV4("k", "s", ""), BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := c.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	info, _ := obj.Stat()
	return string(data), info.ContentType
}

func TestBuildPublishToBucket(t *testing.T) {
	f := newFakeBucket(t)
	content, state := testkit.ContentDir(t, shopArchive), t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
	args := []string{"build", "--content", content, "--publish", "s3://shop-bucket/live/", "--s3-endpoint", f.srv.URL,
		"--state-dir", state, "--site-url", "https://example.test"}
	stdout, stderr, err := run(t, args...)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	first := f.takePuts()
	if len(first) < 5 {
		t.Fatalf("uploaded %d objects", len(first))
	}
	for _, p := range first {
		if !strings.HasPrefix(p, "/shop-bucket/live/") {
			t.Errorf("PUT outside the prefix: %s", p)
		}
	}
	if !strings.Contains(stdout, "s3://shop-bucket/live") || !strings.Contains(stdout, " uploaded") {
		t.Errorf("no bucket summary:\n%s", stdout)
	}
	page, ctype := f.get(t, "shop-bucket", "live/s/shop/products/mug/index.html")
	if !strings.Contains(page, "1.234,50\u00a0€") || ctype != "text/html; charset=utf-8" {
		t.Errorf("product page: %q, %.60q", ctype, page)
	}
	for _, out := range []string{stdout, stderr} {
		if strings.Contains(out, "very-secret-value") || strings.Contains(out, "AKIATESTKEY") {
			t.Error("output shows a credential")
		}
	}
	if _, err := os.Stat(filepath.Join(state, "manifest-shop.json")); err != nil {
		t.Errorf("manifest not in --state-dir: %v", err)
	}
	if _, err := os.Stat("public"); err == nil {
		t.Error("--publish wrote to the local --out folder")
	}

	// Again: nothing uploaded.
	stdout, stderr, err = run(t, args...)
	if err != nil {
		t.Fatalf("second build: %v\n%s", err, stderr)
	}
	if got := f.takePuts(); len(got) != 0 {
		t.Errorf("second build uploaded %v", got)
	}
	if !strings.Contains(stdout, ": 0 uploaded") {
		t.Errorf("second build's summary:\n%s", stdout)
	}

	// --force uploads everything again (to rewrite headers after a policy
	// change), even bytes the bucket holds.
	if _, stderr, err = run(t, append(args, "--force", "--quiet")...); err != nil {
		t.Fatalf("forced build: %v\n%s", err, stderr)
	}
	if got := f.takePuts(); len(got) != len(first) {
		t.Errorf("forced build uploaded %d objects, want %d", len(got), len(first))
	}
}

func TestBuildPublishDefaultStateDir(t *testing.T) {
	f := newFakeBucket(t)
	content := testkit.ContentDir(t, shopArchive)
	wd := t.TempDir()
	t.Chdir(wd)
	t.Setenv("WANDSTORE_S3_ACCESS_KEY", "k")
	t.Setenv("WANDSTORE_S3_SECRET_KEY", "s")
	t.Setenv("WANDSTORE_PUBLISH", "s3://bkt/site/v1")
	t.Setenv("WANDSTORE_S3_ENDPOINT", f.srv.URL)
	if _, stderr, err := run(t, "build", "--content", content, "--site-url", "https://example.test/", "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	host := strings.ReplaceAll(strings.TrimPrefix(f.srv.URL, "http://"), ":", "_")
	if _, err := os.Stat(filepath.Join(wd, ".wandstore", "publish", host, "bkt", "site", "v1", "manifest-shop.json")); err != nil {
		t.Errorf("manifest not in the default state folder: %v", err)
	}
	if len(f.takePuts()) == 0 {
		t.Error("nothing uploaded")
	}
	if _, err := os.Stat(filepath.Join(wd, "public")); err == nil {
		t.Error("--publish wrote to the local --out folder")
	}
}

func TestBuildPublishUsageErrors(t *testing.T) {
	content := testkit.ContentDir(t, shopArchive)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("WANDSTORE_S3_ACCESS_KEY", "")
	t.Setenv("WANDSTORE_S3_SECRET_KEY", "")
	f := newFakeBucket(t)
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--publish", "s3://b/p", "--s3-endpoint", f.srv.URL}, "needs keys"},
		{map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}, []string{"--publish", "s3://b/p"}, "needs --s3-endpoint"},
		{nil, []string{"--publish", "https://b/p", "--s3-endpoint", f.srv.URL}, "want s3://bucket/prefix"},
		{nil, []string{"--publish", "s3://key:hunter2@b/p", "--s3-endpoint", f.srv.URL}, "credentials do not belong in the URL"},
		{map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}, []string{"--publish", "s3://b/p", "--s3-endpoint", "ftp://x"}, "--s3-endpoint"},
		{map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}, []string{"--publish", "s3://b/../x", "--s3-endpoint", f.srv.URL}, "invalid path"},
	} {
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		_, stderr, err := run(t, append([]string{"build", "--content", content, "--state-dir", t.TempDir()}, tc.args...)...)
		if err == nil || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: err=%v, stderr=%q, want %q", tc.args, err, stderr, tc.want)
		}
		if strings.Contains(stderr, "hunter2") {
			t.Error("stderr shows the password from the URL")
		}
		for k := range tc.env {
			t.Setenv(k, "")
		}
	}
}

// build writes compressed copies into --out by default and none with
// --precompress=false; --precompress with --publish is refused (a bucket
// takes identity bodies only), and a bucket build uploads no copy.
func TestBuildPrecompressFlag(t *testing.T) {
	content := testkit.ContentDir(t, shopArchive)
	copies := func(out string) []string {
		t.Helper()
		var found []string
		filepath.WalkDir(out, func(p string, e os.DirEntry, err error) error {
			if err == nil && generator.IsCompressedCopy(p) {
				found = append(found, p)
			}
			return err
		})
		return found
	}
	on, off := t.TempDir(), t.TempDir()
	if _, stderr, err := run(t, "build", "--content", content, "--out", on, "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	if got := copies(on); len(got) == 0 {
		t.Error("a build into --out wrote no compressed copies")
	}
	if _, stderr, err := run(t, "build", "--content", content, "--out", off, "--quiet", "--precompress=false"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	if got := copies(off); len(got) != 0 {
		t.Errorf("--precompress=false wrote %v", got)
	}

	f := newFakeBucket(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
	bucket := []string{"build", "--content", content, "--publish", "s3://shop-bucket/live/", "--s3-endpoint", f.srv.URL, "--state-dir", t.TempDir(), "--site-url", "https://example.test/", "--quiet"}
	_, _, err := run(t, append(bucket, "--precompress")...)
	if err == nil || !strings.Contains(err.Error(), "--precompress with --publish") {
		t.Fatalf("--precompress with --publish: %v, want a refusal", err)
	}
	if got := f.takePuts(); len(got) != 0 {
		t.Fatalf("the refused build uploaded %v", got)
	}
	if _, stderr, err := run(t, bucket...); err != nil {
		t.Fatalf("bucket build: %v\n%s", err, stderr)
	}
	puts := f.takePuts()
	for _, p := range puts {
		if generator.IsCompressedCopy(p) {
			t.Errorf("uploaded %s", p)
		}
	}
	if len(puts) < 5 {
		t.Errorf("the bucket build uploaded %d objects", len(puts))
	}
}

// A bucket publish needs to know where the pages live: without --site-url
// (or a base_url in store.yaml) it refuses, naming the store, and uploads
// nothing; a base_url outside a given --site-url is reported.
func TestBucketPublishNeedsTheSiteURL(t *testing.T) {
	f := newFakeBucket(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
	content := testkit.ContentDir(t, shopArchive)
	bucket := []string{"--publish", "s3://shop-bucket/live/", "--s3-endpoint", f.srv.URL, "--state-dir", t.TempDir()}
	_, stderr, err := run(t, append([]string{"build", "--content", content}, bucket...)...)
	if err == nil || !strings.Contains(err.Error(), "needs --site-url") || !strings.Contains(err.Error(), "shop") {
		t.Fatalf("bucket publish without --site-url: %v\n%s", err, stderr)
	}
	if puts := f.takePuts(); len(puts) != 0 {
		t.Errorf("uploaded %d objects before refusing", len(puts))
	}

	// With a base_url of its own the store needs no --site-url; a
	// --site-url it is not under is reported, and the build goes on.
	own := testkit.ContentDir(t, strings.Replace(shopArchive, "currency: EUR", "currency: EUR\nbase_url: https://shop.example/", 1))
	if _, stderr, err := run(t, append([]string{"build", "--content", own}, bucket...)...); err != nil {
		t.Fatalf("bucket publish of a store with a base_url: %v\n%s", err, stderr)
	}
	if puts := f.takePuts(); len(puts) == 0 {
		t.Error("nothing uploaded")
	}
	_, stderr, err = run(t, append([]string{"build", "--content", own, "--site-url", "https://other.example/"}, bucket...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "store shop: its base_url https://shop.example/ is not under --site-url https://other.example/") {
		t.Errorf("disagreeing base_url not reported:\n%s", stderr)
	}
}

package s3publish

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/minio/minio-go/v7"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/generator"
)

const pot = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 20"><circle r="5"/></svg>`

// teaShop is a small store: three products, two collections, an image.
func teaShop() fstest.MapFS {
	file := func(s string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(strings.TrimLeft(s, "\n")), Mode: 0o644}
	}
	return fstest.MapFS{
		"tea/store.yaml": file(`
name: Test Tea
currency: USD
locale: en-US
theme:
  logo: { src: images/pot.svg, alt: Test Tea }
settings:
  products_per_page: 2
  featured_products: [sencha]
`),
		"tea/images/pot.svg": file(pot),
		"tea/products/sencha.md": file(`
---
title: Sencha
tags: [green]
created: 2026-02-01
price: "8.00"
images: [{ src: images/pot.svg, alt: A cup }]
---
Green.
`),
		"tea/products/matcha.md": file(`
---
title: Matcha
tags: [green]
created: 2026-03-01
price: "20.00"
---
Ground.
`),
		"tea/products/teapot.md": file(`
---
title: Teapot
tags: [iron]
created: 2025-12-01
price: "60.00"
---
Iron.
`),
		"tea/collections/green.yaml": file(`
title: Green teas
rules:
  conditions: [{ field: tag, relation: equals, value: green }]
`),
	}
}

type bucketSite struct {
	t     *testing.T
	s3    *fakeS3
	fs    fstest.MapFS
	state string
}

// build publishes the store to s3://site/www with a new publisher (as a new
// build process would) and returns the summary, the publisher's counts
// and the requests the bucket received.
func (b *bucketSite) build() (*generator.Summary, Stats, []request) {
	b.t.Helper()
	pub := b.s3.open("site", "www")
	b.s3.reset()
	sum, err := generator.Build(context.Background(), generator.Options{
		Source: contentdir.New(b.fs), Publisher: pub, StateDir: b.state,
		SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 4,
	})
	if err != nil {
		b.t.Fatalf("build: %v", err)
	}
	return sum, pub.Stats(), b.s3.reset()
}

func (b *bucketSite) get(key string) (string, error) {
	p := b.s3.open("site", "")
	obj, err := p.client.GetObject(context.Background(), "site", key, minio.GetObjectOptions{})
	if err != nil {
		return "", err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	return string(data), err
}

var assetRef = regexp.MustCompile(`(?:href|src)="(?:https://shop\.test)?/(s/tea/assets/[^"]+)"`)

func TestBuildPublishesToTheBucket(t *testing.T) {
	b := &bucketSite{t: t, s3: newFakeS3(t), fs: teaShop(), state: t.TempDir()}

	// First build: everything is uploaded, assets before the pages that
	// refer to them.
	sum, st, reqs := b.build()
	order := puts(reqs)
	t.Logf("first build: %d files, %d PUTs, %d listing(s)", sum.Files, len(order), count(reqs)["LIST"])
	if len(order) != sum.Files || st.Uploaded != sum.Files || sum.Written != sum.Files {
		t.Fatalf("first build uploaded %d objects (stats %+v) for %d files", len(order), st, sum.Files)
	}
	if n := count(reqs)["LIST"]; n != 1 {
		t.Errorf("listed the bucket %d times, want once", n)
	}
	pos := map[string]int{}
	for i, k := range order {
		pos[k] = i
	}
	pages, refs := 0, 0
	for i, key := range order {
		if !strings.HasSuffix(key, ".html") {
			continue
		}
		pages++
		body, err := b.get(key)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range assetRef.FindAllStringSubmatch(body, -1) {
			refs++
			at, ok := pos["www/"+m[1]]
			if !ok {
				t.Errorf("%s refers to %s, which was never uploaded", key, m[1])
			} else if at > i {
				t.Errorf("%s (PUT #%d) refers to %s, uploaded later (#%d)", key, i, m[1], at)
			}
		}
	}
	if pages < 5 || refs < 3*pages {
		t.Errorf("only %d pages with %d asset references checked", pages, refs)
	}
	if !slices.ContainsFunc(order, func(k string) bool {
		return strings.HasPrefix(k, "www/s/tea/assets/pot.") && strings.HasSuffix(k, ".svg")
	}) {
		t.Errorf("the image was not uploaded: %v", order)
	}

	// Second build, nothing changed: nothing uploaded.
	sum, st, reqs = b.build()
	if got := count(reqs); got["PUT"] != 0 || got["DELETE"] != 0 || got["HEAD"] != 0 || got["LIST"] != 1 {
		t.Errorf("no-change build: requests %v, want one listing only", got)
	}
	if sum.Written != 0 || sum.Skipped != sum.Files {
		t.Errorf("no-change build: %+v", sum)
	}

	// The manifest lost (a fresh CI machine): everything is rendered again,
	// but the bucket already holds the bytes, so nothing is uploaded.
	b.state = t.TempDir()
	sum, st, reqs = b.build()
	if got := count(reqs); got["PUT"] != 0 || st.Skipped != sum.Files {
		t.Errorf("lost-manifest build: requests %v, stats %+v, want no PUTs and %d skipped", got, st, sum.Files)
	}
	t.Logf("lost-manifest build: %d rendered, %d identical in the bucket, %d PUTs", sum.Rendered, st.Skipped, count(reqs)["PUT"])

	// One product changes: its page and the pages listing it, nothing else.
	b.fs["tea/products/teapot.md"].Data = []byte(strings.Replace(string(b.fs["tea/products/teapot.md"].Data), `price: "60.00"`, `price: "5.00"`, 1))
	sum, st, reqs = b.build()
	order = puts(reqs)
	t.Logf("one-product change: %d PUTs: %v", len(order), order)
	var want []string
	for _, p := range sum.Changed {
		want = append(want, "www/"+p)
	}
	slices.Sort(order)
	if !slices.Equal(order, want) {
		t.Errorf("uploaded %v, want the changed files %v", order, want)
	}
	if !slices.Contains(order, "www/s/tea/products/teapot/index.html") {
		t.Error("the changed product's page was not uploaded")
	}
	for _, k := range order {
		if strings.Contains(k, "/products/") && k != "www/s/tea/products/teapot/index.html" || strings.Contains(k, "/assets/") || strings.Contains(k, "/collections/green/") {
			t.Errorf("unrelated file uploaded: %s", k)
		}
	}
	if len(order) == 0 || len(order) > sum.Files/3 {
		t.Errorf("%d of %d files uploaded for a one-product change", len(order), sum.Files)
	}
	if body, _ := b.get("www/s/tea/products/teapot/index.html"); !strings.Contains(body, "$5.00") {
		t.Error("the new price is not in the bucket")
	}

	// A product is removed: its page leaves the bucket.
	delete(b.fs, "tea/products/matcha.md")
	sum, st, reqs = b.build()
	if !slices.Contains(sum.Removed, "s/tea/products/matcha/index.html") {
		t.Errorf("removed = %v", sum.Removed)
	}
	if _, err := b.s3.stat("site", "www/s/tea/products/matcha/index.html"); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("removed product's page is still in the bucket: %v", err)
	}
	if got := count(reqs)["DELETE"]; got != len(sum.Removed) || st.Deleted != got {
		t.Errorf("%d DELETEs, stats %+v, for %d removed files", got, st, len(sum.Removed))
	}

	// An object deleted behind the build's back is put back.
	p := b.s3.open("site", "")
	if err := p.client.RemoveObject(context.Background(), "site", "www/s/tea/products/sencha/index.html", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, reqs = b.build()
	if got := puts(reqs); !slices.Equal(got, []string{"www/s/tea/products/sencha/index.html"}) {
		t.Errorf("repair build uploaded %v", got)
	}
	// Every request carried the prefix: nothing outside www/.
	for _, r := range reqs {
		if r.key != "" && !strings.HasPrefix(r.key, "www/") && r.method != http.MethodHead {
			t.Errorf("request outside the prefix: %s %s", r.method, r.key)
		}
	}
}

// A bucket holds identity bodies only (see the package comment): a build
// uploads no compressed copy and sends no Content-Encoding, although the
// same build into a folder writes copies of its larger text files; and a
// copy handed to Put is refused.
func TestBucketGetsNoCompressedCopies(t *testing.T) {
	b := &bucketSite{t: t, s3: newFakeS3(t), fs: teaShop(), state: t.TempDir()}
	sum, _, reqs := b.build()
	if sum.Compressed != 0 {
		t.Errorf("a bucket build compressed %d files", sum.Compressed)
	}
	var html int
	for _, r := range reqs {
		if r.method != http.MethodPut || r.key == "" {
			continue
		}
		if strings.HasSuffix(r.key, ".br") || strings.HasSuffix(r.key, ".gz") {
			t.Errorf("uploaded %s", r.key)
		}
		if ce := r.header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s uploaded with Content-Encoding %q", r.key, ce)
		}
		if strings.HasSuffix(r.key, ".html") {
			html++
		}
	}
	// The same content into a folder: copies, so the bucket's lack of them
	// is the choice, not pages too small to compress.
	dir := t.TempDir()
	local, err := generator.Build(context.Background(), generator.Options{
		Source: contentdir.New(b.fs), Out: dir, SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if html == 0 || local.Compressed == 0 {
		t.Fatalf("%d pages uploaded; %d files compressed in a folder: the test proves nothing", html, local.Compressed)
	}
	pub := b.s3.open("site", "www")
	err = pub.Put(context.Background(), "s/tea/index.html.br", []byte("\x0b\x02\x80hi\x03"))
	if !errors.Is(err, ErrCompressedCopy) {
		t.Errorf("Put of a compressed copy: %v, want ErrCompressedCopy", err)
	}
	if _, err := b.s3.stat("site", "www/s/tea/index.html.br"); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("the refused copy is in the bucket: %v", err)
	}
	// A build told to precompress into the bucket fails, naming why.
	_, err = generator.Build(context.Background(), generator.Options{
		Source: contentdir.New(b.fs), Publisher: pub, StateDir: t.TempDir(), SiteURL: "https://shop.test/",
		RenderVersion: "test", Workers: 2, Precompress: generator.PrecompressOn,
	})
	if !errors.Is(err, ErrCompressedCopy) {
		t.Errorf("a precompressing build into a bucket: %v, want ErrCompressedCopy", err)
	}
}

package generator

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog/contentdir"
)

// benchProducts is the size of the generated store the benchmarks build.
const benchProducts = 10000

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchContent writes (once per test binary) a content folder with one
// store of benchProducts products: 1-3 options, up to 12 variants, sales,
// sold-out variants, 24 collections (smart and hand-picked) and 40 images.
func benchContent(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "wandstore-bench-")
		if benchErr == nil {
			benchErr = writeBenchStore(filepath.Join(benchDir, "big"), benchProducts)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

func writeBenchStore(dir string, n int) error {
	for _, d := range []string{"products", "collections", "images"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	write := func(name, data string) error { return os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644) }
	if err := write("store.yaml", `name: Big Store
currency: USD
locale: en-US
description: Ten thousand things.
settings:
  products_per_page: 24
  featured_collections: [tag-0, tag-1, tag-2]
  featured_products: [product-00001, product-00002, product-00003, product-00004]
`); err != nil {
		return err
	}
	for i := 0; i < 40; i++ {
		if err := write(fmt.Sprintf("images/img-%02d.svg", i), fmt.Sprintf(
			`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><rect width="800" height="800" fill="#%06x"/></svg>`, i*40503)); err != nil {
			return err
		}
	}
	woods := []string{"Oak", "Elder", "Holly", "Yew"}
	lengths := []string{"10 in", "12 in", "14 in"}
	for i := 1; i <= n; i++ {
		var v strings.Builder
		opts := ""
		switch i % 3 {
		case 0: // no options
			fmt.Fprintf(&v, "price: \"%d.%02d\"\ninventory: %d\n", 5+i%300, i%100, i%7)
		case 1: // one option
			opts = "options: [{ name: Wood, values: [Oak, Elder, Holly, Yew] }]\n"
			v.WriteString("variants:\n")
			for j, w := range woods {
				fmt.Fprintf(&v, "  - { sku: P%05d-%d, options: [%s], price: \"%d.00\", inventory: %d }\n", i, j, w, 10+i%200+j, (i+j)%5)
			}
		default: // two options, some on sale
			opts = "options: [{ name: Wood, values: [Oak, Elder, Holly, Yew] }, { name: Length, values: [10 in, 12 in, 14 in] }]\n"
			v.WriteString("variants:\n")
			for j, w := range woods {
				for k, l := range lengths {
					cmp := ""
					if i%5 == 0 {
						cmp = fmt.Sprintf(", compare_at: \"%d.00\"", 40+i%200+j+k)
					}
					fmt.Fprintf(&v, "  - { sku: P%05d-%d%d, options: [%s, %s], price: \"%d.00\"%s, inventory: %d }\n", i, j, k, w, l, 20+i%200+j+k, cmp, (i+j+k)%4)
				}
			}
		}
		doc := fmt.Sprintf(`---
title: Product %05d
vendor: Vendor %d
type: Type %d
tags: [tag-%d, tag-%d, common]
created: 2026-%02d-%02d
images:
  - { src: images/img-%02d.svg, alt: Picture of product %05d }
  - { src: images/img-%02d.svg, alt: Another view of product %05d }
%s%s---
Product %05d is a **fine** thing, made with care. It comes in several
options and is sold by Vendor %d. See [our guide](https://example.com/guide).

- hand made
- long lasting
`, i, i%50, i%12, i%20, (i+7)%20, 1+i%12, 1+i%28, i%40, i, (i+1)%40, i, opts, v.String(), i, i%50)
		if err := write(fmt.Sprintf("products/product-%05d.md", i), doc); err != nil {
			return err
		}
	}
	for c := 0; c < 20; c++ {
		if err := write(fmt.Sprintf("collections/tag-%d.yaml", c), fmt.Sprintf(
			"title: Tag %d\nsort: manual\nrules:\n  conditions: [{ field: tag, relation: equals, value: tag-%d }]\n", c, c)); err != nil {
			return err
		}
	}
	var picks []string
	for i := 1; i <= 100; i++ {
		picks = append(picks, fmt.Sprintf("product-%05d", i*97%n+1))
	}
	for c := 0; c < 4; c++ {
		if err := write(fmt.Sprintf("collections/picks-%d.yaml", c), fmt.Sprintf(
			"title: Picks %d\nsort: price-asc\nproducts: [%s]\n", c, strings.Join(picks[c*25:c*25+25], ", "))); err != nil {
			return err
		}
	}
	return nil
}

// benchOut makes an output folder under WANDSTORE_BENCH_DIR (default: the
// system temp folder). Point it at a tmpfs (/dev/shm) to measure the
// generator rather than a shared disk: on these machines a mkdir on disk
// costs 30-800 µs and varies minute to minute. Hugo's benchmark uses the same.
func benchOut(b *testing.B) string {
	b.Helper()
	dir, err := os.MkdirTemp(os.Getenv("WANDSTORE_BENCH_DIR"), "wandstore-bench-out-")
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// peakHeap samples the live heap every few milliseconds until stopped.
type peakHeap struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func startPeakHeap() *peakHeap {
	p := &peakHeap{stop: make(chan struct{}), done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(p.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > p.peak.Load() {
				p.peak.Store(v)
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) mb() float64 {
	close(p.stop)
	<-p.done
	return float64(p.peak.Load()) / (1 << 20)
}

// BenchmarkBuildFull10k is a cold build of the 10,000-product store:
// load, validate, plan, render and write every file into an empty folder.
func BenchmarkBuildFull10k(b *testing.B) {
	src := contentdir.New(os.DirFS(benchContent(b)))
	var files, products int
	var phases = map[string]time.Duration{}
	runtime.GC()
	heap := startPeakHeap()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		out := benchOut(b)
		b.StartTimer()
		sum, err := Build(context.Background(), Options{Source: src, Out: out, SiteURL: "https://big.test/", RenderVersion: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		files, products = sum.Files, sum.Stores[0].Products
		for k, v := range sum.Phases {
			phases[k] += v
		}
		os.RemoveAll(out)
		b.StartTimer()
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(files)/sec, "files/s")
	b.ReportMetric(float64(products)/sec, "product-pages/s")
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(heap.mb(), "peak-heap-MB")
	for _, ph := range []string{"load", "validate", "plan", "render"} {
		b.ReportMetric(phases[ph].Seconds()*1000/float64(b.N), ph+"-ms")
	}
}

var priceRE = regexp.MustCompile(`price: "[0-9.]+"`)

// BenchmarkBuildIncremental10k changes one product's price and rebuilds:
// the cost of a merchant's edit against the already-built store.
func BenchmarkBuildIncremental10k(b *testing.B) {
	dir := benchContent(b)
	src := contentdir.New(os.DirFS(dir))
	out := benchOut(b)
	defer os.RemoveAll(out)
	opts := Options{Source: src, Out: out, SiteURL: "https://big.test/", RenderVersion: "bench"}
	if _, err := Build(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "big", "products", "product-00042.md")
	orig, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	defer os.WriteFile(file, orig, 0o644)
	var rendered, written int
	phases := map[string]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		price := fmt.Sprintf(`price: "%d.00"`, 500+i%2) // toggles, so every round is a real change
		changed := priceRE.ReplaceAllString(string(orig), price)
		if changed == string(orig) {
			b.Fatal("bench product has no price to change")
		}
		if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := Build(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		rendered, written = sum.Rendered, sum.Written
		for k, v := range sum.Phases {
			phases[k] += v
		}
	}
	b.ReportMetric(float64(rendered), "rendered/op")
	b.ReportMetric(float64(written), "written/op")
	for _, ph := range []string{"load", "validate", "plan", "render"} {
		b.ReportMetric(phases[ph].Seconds()*1000/float64(b.N), ph+"-ms")
	}
}

// BenchmarkHugo10k builds the same 10,000 product files with Hugo (Debian's
// hugo package) and a product template of the same content, as the baseline
// for BenchmarkBuildFull10k. It is skipped when hugo is not installed;
// `just bench` installs it.
func BenchmarkHugo10k(b *testing.B) {
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		b.Skip("hugo not installed (apt-get install hugo, or run `just bench`)")
	}
	content := benchContent(b)
	site := b.TempDir()
	if err := os.MkdirAll(filepath.Join(site, "layouts", "_default"), 0o755); err != nil {
		b.Fatal(err)
	}
	// The same product files, as Hugo content.
	if err := os.Symlink(filepath.Join(content, "big", "products"), filepath.Join(site, "content")); err != nil {
		b.Fatal(err)
	}
	files := map[string]string{
		"config.toml": "baseURL = 'https://big.test/'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap', 'robotsTXT', '404']\n",
		"layouts/_default/single.html": `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} – Big Store</title>
<link rel="canonical" href="{{ .Permalink }}"><meta name="description" content="{{ .Summary | plainify }}"></head><body>
<header><a href="/">Big Store</a></header><main><h1>{{ .Title }}</h1><p>{{ .Params.vendor }}</p>
{{ range .Params.images }}<img src="/{{ .src }}" alt="{{ .alt }}" width="800" height="800">{{ end }}
<form method="post"><select name="variant">{{ range .Params.variants }}<option>{{ delimit .options " / " }} – ${{ .price }}</option>{{ end }}</select>
<button>Add to cart</button></form><div>{{ .Content }}</div></main><footer>Big Store</footer></body></html>`,
		"layouts/_default/list.html": `<!DOCTYPE html><html><body>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(site, name), []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var maxRSS int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		out := benchOut(b)
		b.StartTimer()
		cmd := exec.Command(hugo, "--quiet", "--source", site, "--destination", out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("hugo: %v\n%s", err, msg)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(benchProducts)/sec, "product-pages/s")
	b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MB")
}

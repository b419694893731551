package generator

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/internal/benchstore"
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

func writeBenchStore(dir string, n int) error { return benchstore.Write(dir, n) }

// TestMain removes the benchmarks' generated stores (benchContent,
// photoContent) when the package's tests and benchmarks are done: each
// `go test -bench` run wrote them into the temporary folder and left them.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{benchDir, photoDir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// benchOut makes an output folder under WANDSTORE_BENCH_DIR (default: the
// system temp folder). Point it at a tmpfs (/dev/shm) to measure the
// generator rather than a shared disk: on these machines a mkdir on disk
// costs 30-800 µs and varies minute to minute. Hugo's benchmark uses the same.
// The folder is removed when the benchmark ends, failed or not (a build of
// 10,000 products is 2 GB of a tmpfs); callers may remove it sooner.
func benchOut(b *testing.B) string {
	b.Helper()
	dir, err := os.MkdirTemp(os.Getenv("WANDSTORE_BENCH_DIR"), "wandstore-bench-out-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
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
// load, validate, plan, render and write every file into an empty folder,
// with the compressed copies (WANDSTORE_BENCH_PRECOMPRESS=off: without).
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
		sum, err := Build(context.Background(), Options{Source: src, Out: out, SiteURL: "https://big.test/", RenderVersion: "bench", Precompress: benchPrecompress()})
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

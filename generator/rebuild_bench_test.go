package generator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/internal/benchstore"
)

// rebuildProducts is the store size BenchmarkRebuild builds:
// WANDSTORE_BENCH_PRODUCTS, default 10,000 (100000 measures the 100k
// target; it takes minutes to set up, so it is not the default).
func rebuildProducts(b *testing.B) int {
	n := benchProducts
	if s := os.Getenv("WANDSTORE_BENCH_PRODUCTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 10 {
			b.Fatalf("WANDSTORE_BENCH_PRODUCTS=%q: want a number of products, at least 10", s)
		}
		n = v
	}
	return n
}

// BenchmarkRebuild is what `wandgen build` costs after a merchant edits
// one product file: a fresh builder (nothing in memory, as in a new
// process; the render version is the executable's hash, as the CLI's),
// the same content folder, output folder and state folder as the last
// build. It reports ms per rebuild and the phase split.
// WANDSTORE_BENCH_PRODUCTS sets the store size; WANDSTORE_REBUILD_PROFILE
// names a file for a CPU profile of the rebuilds alone (not the setup).
func BenchmarkRebuild(b *testing.B) {
	n := rebuildProducts(b)
	content := b.TempDir()
	if err := benchstore.Write(filepath.Join(content, "big"), n); err != nil {
		b.Fatal(err)
	}
	src := contentdir.New(os.DirFS(content))
	out := benchOut(b)
	defer os.RemoveAll(out)
	opts := Options{Source: src, Out: out, SiteURL: "https://big.test/"}
	if _, err := Build(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	file := benchstore.RebuildProduct(filepath.Join(content, "big"), n)
	// A first rebuild, untimed, with the price the rounds toggle from:
	// the full build was made right after the content was written, so its
	// parse cache checks every file's bytes once (see contentdir's racy
	// entries; a merchant's files are older), and the product's first move
	// to the end of the price orders re-renders every listing page it
	// passes, which is not what one edit costs.
	if err := benchstore.SetPrice(file, "501.00"); err != nil {
		b.Fatal(err)
	}
	if _, err := Build(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	if prof := os.Getenv("WANDSTORE_REBUILD_PROFILE"); prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var rendered, written int
	phases := map[string]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Toggles from 501, so every round is a real change.
		if err := benchstore.SetPrice(file, fmt.Sprintf("%d.00", 500+i%2)); err != nil {
			b.Fatal(err)
		}
		resetExecutableHash()
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
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/rebuild")
	b.ReportMetric(float64(rendered), "rendered/op")
	b.ReportMetric(float64(written), "written/op")
	for _, ph := range []string{"load", "validate", "images", "plan", "render", "other"} {
		b.ReportMetric(phases[ph].Seconds()*1000/float64(b.N), ph+"-ms")
	}
}

// resetExecutableHash forgets the executable's hash, as a new process has
// not worked it out yet.
func resetExecutableHash() { exeOnce = sync.Once{}; exeHash, exeMemo = "", "" }

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wandstore/wandstore/internal/benchstore"
)

// BenchmarkCLIRebuild is `wandgen build` as a merchant runs it after
// editing one product: a new process of the real binary (built here once),
// the same content, output and state folders as the last build. It
// reports wall ms per rebuild, process start included (the phase split is
// generator's BenchmarkRebuild). WANDSTORE_BENCH_PRODUCTS sets the store
// size (default 10,000); WANDSTORE_BENCH_DIR where the output goes (point
// it at a tmpfs, /dev/shm, to measure the program rather than the disk).
func BenchmarkCLIRebuild(b *testing.B) {
	n := 10000
	if s := os.Getenv("WANDSTORE_BENCH_PRODUCTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 10 {
			b.Fatalf("WANDSTORE_BENCH_PRODUCTS=%q: want a number of products, at least 10", s)
		}
		n = v
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("no go command to build wandgen with")
	}
	bin := filepath.Join(b.TempDir(), "wandgen")
	if msg, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	content := b.TempDir()
	if err := benchstore.Write(filepath.Join(content, "big"), n); err != nil {
		b.Fatal(err)
	}
	out, err := os.MkdirTemp(os.Getenv("WANDSTORE_BENCH_DIR"), "wandstore-cli-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(out)
	build := func() {
		cmd := exec.Command(bin, "build", "--content", content, "--out", out, "--site-url", "https://big.test/", "--quiet")
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("wandgen build: %v\n%s", err, msg)
		}
	}
	build() // the full build
	file := benchstore.RebuildProduct(filepath.Join(content, "big"), n)
	// A first rebuild, untimed, with the price the rounds toggle from: it
	// records the files written just before the full build (see
	// docs/REBUILD.md), and the product's first move to the end of the
	// price orders re-renders every listing page it passes.
	if err := benchstore.SetPrice(file, "501.00"); err != nil {
		b.Fatal(err)
	}
	build()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := benchstore.SetPrice(file, fmt.Sprintf("%d.00", 500+i%2)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		build()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/rebuild")
}

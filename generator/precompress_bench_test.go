package generator

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/wandstore/wandstore/catalog/contentdir"
)

// BenchmarkPrecompressLevels compresses the text files of the
// 10,000-product build (every 10th file, so the slow levels finish) with
// each candidate level, reporting the copies' size as a share of the
// files' (ratio-%) and the time per MB of input on one core (ms/MB).
func BenchmarkPrecompressLevels(b *testing.B) {
	src := contentdir.New(os.DirFS(benchContent(b)))
	out := benchOut(b)
	defer os.RemoveAll(out)
	if _, err := Build(context.Background(), Options{Source: src, Out: out, SiteURL: "https://big.test/", RenderVersion: "bench", Precompress: PrecompressOff}); err != nil {
		b.Fatal(err)
	}
	var files [][]byte
	var total int
	i := 0
	err := filepath.WalkDir(out, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !Precompressible(p) {
			return err
		}
		if i++; i%10 != 0 {
			return nil
		}
		data, err := os.ReadFile(p)
		if err == nil && len(data) >= MinPrecompress {
			files = append(files, data)
			total += len(data)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d files, %d bytes (every 10th text file of the build)", len(files), total)
	type level struct {
		name string
		new  func(w io.Writer) io.WriteCloser
	}
	var levels []level
	for _, q := range []int{1, 2, 3, 4, 5, 6, 9, 11} {
		levels = append(levels, level{"brotli-" + strconv.Itoa(q), func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, q) }})
	}
	for _, q := range []int{5, 7, 9} {
		levels = append(levels, level{"brotli-v2-" + strconv.Itoa(q), func(w io.Writer) io.WriteCloser { return brotli.NewWriterV2(w, q) }})
	}
	for _, l := range []int{1, 6, 9} {
		levels = append(levels, level{"gzip-" + strconv.Itoa(l), func(w io.Writer) io.WriteCloser { z, _ := gzip.NewWriterLevel(w, l); return z }})
	}
	for _, l := range []int{1, 5, 6, 9} {
		levels = append(levels, level{"kgzip-" + strconv.Itoa(l), func(w io.Writer) io.WriteCloser { z, _ := kgzip.NewWriterLevel(w, l); return z }})
	}
	for _, l := range levels {
		b.Run(l.name, func(b *testing.B) {
			var compressed int
			var buf bytes.Buffer
			w := l.new(&buf) // reused, as the build pools its writers
			for i := 0; i < b.N; i++ {
				compressed = 0
				for _, f := range files {
					buf.Reset()
					w.(interface{ Reset(io.Writer) }).Reset(&buf)
					encode(w, f)
					compressed += buf.Len()
				}
			}
			b.ReportMetric(100*float64(compressed)/float64(total), "ratio-%")
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/(float64(total)/1e6), "ms/MB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkPrecompressCost builds the 10,000-product store cold with and
// without compressed copies, alternating within each round so both see
// the same machine, and reports each build's time, what compression adds
// (cost-%), and the bytes of the files and of their copies.
func BenchmarkPrecompressCost(b *testing.B) {
	src := contentdir.New(os.DirFS(benchContent(b)))
	var ms [2]float64
	var sum *Summary
	for i := 0; i < b.N; i++ {
		for k, pre := range []Precompress{PrecompressOff, PrecompressOn} {
			out := benchOut(b)
			start := time.Now()
			s, err := Build(context.Background(), Options{Source: src, Out: out, SiteURL: "https://big.test/", RenderVersion: "bench", Precompress: pre})
			if err != nil {
				b.Fatal(err)
			}
			ms[k] += float64(time.Since(start).Milliseconds())
			if pre == PrecompressOn {
				sum = s
			}
			os.RemoveAll(out)
		}
	}
	off, on := ms[0]/float64(b.N), ms[1]/float64(b.N)
	b.ReportMetric(off, "off-ms")
	b.ReportMetric(on, "on-ms")
	b.ReportMetric(100*(on-off)/off, "cost-%")
	b.ReportMetric(float64(sum.Bytes)/1e6, "files-MB")
	b.ReportMetric(float64(sum.Compressed), "compressed-files")
	b.ReportMetric(float64(sum.CompressedBytes)/1e6, "copies-MB")
	b.ReportMetric(0, "ns/op")
}

// benchPrecompress is the Precompress of the Live and incremental
// benchmarks: on (a folder's default), or off with
// WANDSTORE_BENCH_PRECOMPRESS=off, to measure what compression adds.
func benchPrecompress() Precompress {
	if os.Getenv("WANDSTORE_BENCH_PRECOMPRESS") == "off" {
		return PrecompressOff
	}
	return PrecompressAuto
}

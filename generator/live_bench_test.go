package generator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
)

// BenchmarkLiveProductChange is the webhook path's publishing cost: one
// product changes (catalog.Store.With, then Live.Update: plan, render and
// publish what changed) in stores of 1,000, 10,000 and 100,000 products
// (the same generator as BenchmarkBuildFull10k), output on
// WANDSTORE_BENCH_DIR. Two changes: change=title renames a product within
// its place in title order (the files it touches are the same few at any
// size: what shows how the cost grows with the catalog), and
// change=title-price also raises its prices by a dollar, which moves it
// past every product of the prices between in price order (a larger
// catalog has more of those: more listing pages really change). It reports
// the p50 and p99 of each change and what was rendered and written.
func BenchmarkLiveProductChange(b *testing.B) {
	for _, n := range []int{1000, benchProducts, 100000} {
		b.Run(fmt.Sprintf("products=%d", n), func(b *testing.B) {
			dir := benchContent(b)
			if n != benchProducts {
				dir = b.TempDir()
				if err := writeBenchStore(filepath.Join(dir, "big"), n); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			st, err := contentdir.New(os.DirFS(dir)).Load(ctx, "big")
			if err != nil {
				b.Fatal(err)
			}
			if err := st.Validate(); err != nil {
				b.Fatal(err)
			}
			out := benchOut(b)
			defer os.RemoveAll(out)
			live, err := NewLive(Options{Out: out, SiteURL: "https://big.test/", RenderVersion: "bench", Precompress: benchPrecompress()})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := live.Update(ctx, st); err != nil {
				b.Fatal(err)
			}
			round := 0
			for _, change := range []string{"title", "title-price"} {
				b.Run("change="+change, func(b *testing.B) {
					var took []time.Duration
					var rendered, written, compressed int
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						round++
						p := st.Products[(round*7919)%len(st.Products)]
						start := time.Now()
						q := *p
						q.Title = fmt.Sprintf("%s (v%d)", p.Title, round)
						if change == "title-price" {
							q.Variants = slices.Clone(p.Variants)
							for j := range q.Variants {
								q.Variants[j].Price.Amount += 100
							}
						}
						next, err := st.With(catalog.Change{Products: []*catalog.Product{&q}})
						if err != nil {
							b.Fatal(err)
						}
						sum, err := live.Update(ctx, next)
						if err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
						if os.Getenv("WANDSTORE_BENCH_FLUSH") != "" {
							// One change at a time: its compressed copies,
							// written after Update returns, not competing
							// with the next change.
							b.StopTimer()
							if err := live.Flush(); err != nil {
								b.Fatal(err)
							}
							b.StartTimer()
						}
						rendered += sum.Rendered
						written += sum.Written
						compressed += sum.Compressed
						st = next
					}
					b.StopTimer()
					if err := live.Flush(); err != nil {
						b.Fatal(err)
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(took[min(len(took)-1, len(took)*99/100)].Microseconds())/1000, "p99-ms")
					b.ReportMetric(float64(rendered)/float64(b.N), "rendered/op")
					b.ReportMetric(float64(written)/float64(b.N), "written/op")
					b.ReportMetric(float64(compressed)/float64(b.N), "compressed/op")
				})
			}
		})
	}
}

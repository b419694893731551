package generator

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wandstore/wandstore/catalog/contentdir"
)

// photoProducts is how many products, each with its own 1,600 px JPEG,
// BenchmarkBuildPhotos builds.
const photoProducts = 1000

var (
	photoOnce sync.Once
	photoDir  string
	photoErr  error
)

// photoContent writes (once per test binary) a store of photoProducts
// products, each with its own 1600x1600 JPEG photo (about 200 KB).
func photoContent(b *testing.B) string {
	b.Helper()
	photoOnce.Do(func() {
		photoDir, photoErr = os.MkdirTemp("", "wandstore-photos-")
		if photoErr != nil {
			return
		}
		dir := filepath.Join(photoDir, "photos")
		for _, d := range []string{"products", "images"} {
			if photoErr = os.MkdirAll(filepath.Join(dir, d), 0o755); photoErr != nil {
				return
			}
		}
		photoErr = os.WriteFile(filepath.Join(dir, "store.yaml"), []byte("name: Photo Store\ncurrency: USD\nlocale: en-US\nsettings:\n  products_per_page: 24\n"), 0o644)
		base := picture(1600, 1600, false).(*image.NRGBA)
		errs := make([]error, photoProducts)
		parallel(photoProducts, 4, func(i int) {
			img := image.NewNRGBA(base.Bounds())
			copy(img.Pix, base.Pix)
			draw.Draw(img, image.Rect(200+i%800, 200+i/4%800, 600+i%800, 600+i/4%800), image.NewUniform(color.NRGBA{uint8(i), uint8(i * 7), uint8(i * 13), 255}), image.Point{}, draw.Src)
			name := fmt.Sprintf("p%04d", i)
			if err := os.WriteFile(filepath.Join(dir, "images", name+".jpg"), jpegOf(b, img), 0o644); err != nil {
				errs[i] = err
				return
			}
			errs[i] = os.WriteFile(filepath.Join(dir, "products", name+".md"), fmt.Appendf(nil,
				"---\ntitle: Product %d\nimages: [{ src: images/%s.jpg, alt: Photo of product %d }]\nvariants: [{ price: \"%d.00\" }]\n---\n", i, name, i, 5+i%90), 0o644)
		})
		for _, err := range errs {
			if err != nil && photoErr == nil {
				photoErr = err
			}
		}
	})
	if photoErr != nil {
		b.Fatal(photoErr)
	}
	return photoDir
}

// BenchmarkBuildPhotos builds a store of 1,000 products with a 1,600 px
// JPEG each: cold (an empty state folder: every photo resized), warm (the
// same folder again: nothing resized or written) and into a new folder
// with the cache of the first (nothing resized, every file written).
//
//	go test ./generator -run '^$' -bench BuildPhotos -benchtime 1x
func BenchmarkBuildPhotos(b *testing.B) {
	content := photoContent(b)
	opts := func(out, state string) Options {
		return Options{Source: contentdir.New(os.DirFS(content)), Out: out, StateDir: state, SiteURL: "https://shop.test/", RenderVersion: "bench"}
	}
	build := func(b *testing.B, o Options) *Summary {
		sum, err := Build(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		return sum
	}
	b.Run("cold", func(b *testing.B) {
		var sum *Summary
		for b.Loop() {
			b.StopTimer()
			out := b.TempDir()
			b.StartTimer()
			sum = build(b, opts(out, filepath.Join(out, ".wandstore")))
		}
		b.ReportMetric(float64(sum.Resized), "resized")
		b.ReportMetric(sum.Phases["images"].Seconds(), "images-s")
	})
	out := b.TempDir()
	state := filepath.Join(out, ".wandstore")
	build(b, opts(out, state))
	b.Run("warm", func(b *testing.B) {
		var sum *Summary
		for b.Loop() {
			sum = build(b, opts(out, state))
		}
		b.ReportMetric(float64(sum.Resized), "resized")
		b.ReportMetric(float64(sum.Written), "written")
	})
	b.Run("new-folder", func(b *testing.B) {
		var sum *Summary
		for b.Loop() {
			b.StopTimer()
			fresh := b.TempDir()
			b.StartTimer()
			sum = build(b, opts(fresh, state))
		}
		b.ReportMetric(float64(sum.Resized), "resized")
		b.ReportMetric(float64(sum.Written), "written")
	})
}

package generator

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/PuerkitoBio/goquery"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/generator/imaging"
)

// picture is a w x h image with gradients and detail, like a photo;
// with alpha its left quarter is transparent.
func picture(w, h int, alpha bool) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha && x < w/4 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x*x + y*3) % 256), a})
		}
	}
	return img
}

func jpegOf(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (s *site) writeBytes(name string, data []byte) {
	s.fs[name] = &fstest.MapFile{Data: data, Mode: 0o644}
}

// rasterShop is shop with a JPEG photo for sencha (1800x1200: published
// at 320, 640, 1200 and 1600) and a transparent PNG for the teapot
// (500x500: 320 and 500, and a JPEG for link previews).
func rasterShop(t *testing.T) *site {
	s := newSite(t, shop)
	s.writeBytes("tea/images/sencha.jpg", jpegOf(t, picture(1800, 1200, false)))
	s.writeBytes("tea/images/pot.png", pngOf(t, picture(500, 500, true)))
	s.edit("tea/products/sencha.md", "images/sencha.svg", "images/sencha.jpg")
	s.edit("tea/products/teapot.md", "images/pot.svg", "images/pot.png")
	return s
}

// srcset parses a srcset into its widths by URL.
func srcset(t *testing.T, attr string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, c := range strings.Split(attr, ", ") {
		u, w, ok := strings.Cut(c, " ")
		n, err := strconv.Atoi(strings.TrimSuffix(w, "w"))
		if !ok || err != nil || !strings.HasSuffix(w, "w") {
			t.Fatalf("srcset candidate %q", c)
		}
		out[u] = n
	}
	return out
}

func TestRasterImagesGetSrcset(t *testing.T) {
	s := rasterShop(t)
	s.build()
	d := s.doc("s/tea/products/sencha/index.html")
	img := d.Find(`[data-testid=gallery-image] img`).First()
	set, _ := img.Attr("srcset")
	ws := srcset(t, set)
	var widths []int
	for u, w := range ws {
		widths = append(widths, w)
		data := s.read(strings.TrimPrefix(u, "/"))
		info, err := imaging.Inspect([]byte(data))
		if err != nil || info.Format != imaging.JPEG || info.Width != w || info.Height != (w*1200+900)/1800 {
			t.Errorf("%s: %+v %v, want a %d px wide JPEG", u, info, err, w)
		}
	}
	slices.Sort(widths)
	if !slices.Equal(widths, []int{320, 640, 800, 960, 1200, 1600}) {
		t.Errorf("gallery widths = %v", widths)
	}
	if sz, _ := img.Attr("sizes"); sz != components.GallerySizes {
		t.Errorf("gallery sizes = %q", sz)
	}
	if w, _ := img.Attr("width"); w != "1800" {
		t.Errorf("width = %q, want the photo's", w)
	}
	if h, _ := img.Attr("height"); h != "1200" {
		t.Errorf("height = %q, want the photo's", h)
	}
	if fp, _ := img.Attr("fetchpriority"); fp != "high" {
		t.Errorf("the first image's fetchpriority = %q", fp)
	}
	src, _ := img.Attr("src")
	if ws[src] != 640 {
		t.Errorf("src %q is not the 640 px rendition", src)
	}
	og, _ := d.Find(`meta[property="og:image"]`).Attr("content")
	info, err := imaging.Inspect([]byte(s.read(strings.TrimPrefix(og, "https://shop.test/"))))
	if err != nil || info.Format != imaging.JPEG || info.Width != 1200 {
		t.Errorf("og:image %s: %+v %v, want a 1200 px JPEG", og, info, err)
	}
	ld := jsonLD(t, d)["Product"]
	if imgs, _ := ld["image"].([]any); len(imgs) != 1 || imgs[0] != og {
		t.Errorf("JSON-LD image = %v, want the share image", ld["image"])
	}

	// The teapot keeps its transparency (PNG) in srcset; its preview is a JPEG.
	d = s.doc("s/tea/products/teapot/index.html")
	set, _ = d.Find(`[data-testid=gallery-image] img`).Attr("srcset")
	for u, w := range srcset(t, set) {
		if !strings.HasSuffix(u, ".png") || (w != 320 && w != 500) {
			t.Errorf("teapot rendition %s %dw", u, w)
		}
	}
	og, _ = d.Find(`meta[property="og:image"]`).Attr("content")
	if info, err := imaging.Inspect([]byte(s.read(strings.TrimPrefix(og, "https://shop.test/")))); err != nil || info.Format != imaging.JPEG || info.Width != 500 {
		t.Errorf("teapot og:image %s: %+v %v", og, info, err)
	}

	// Cards in a listing: the card's sizes.
	d = s.doc("s/tea/collections/all/index.html")
	n := 0
	d.Find(`[data-testid=product-card] img[srcset]`).Each(func(_ int, c *goquery.Selection) {
		n++
		if sz, _ := c.Attr("sizes"); sz != components.CardSizes {
			t.Errorf("card sizes = %q", sz)
		}
	})
	if n == 0 {
		t.Error("no card has a srcset")
	}
	// The original, larger than any rendition, is not published.
	matches, _ := filepath.Glob(filepath.Join(s.out, "s/tea/assets/sencha-*"))
	if len(matches) != len(components.ImageWidths) {
		t.Errorf("sencha's files = %v, want its %d widths", matches, len(components.ImageWidths))
	}
}

// A second build resizes nothing; a build into a new folder with the same
// state folder publishes every rendition without resizing; a changed
// image is resized again, and its old renditions are removed.
func TestImageCache(t *testing.T) {
	s := rasterShop(t)
	first := s.build()
	if first.Resized != 2 {
		t.Fatalf("first build resized %d images, want 2", first.Resized)
	}
	if again := s.build(); again.Resized != 0 || again.Written != 0 {
		t.Fatalf("second build resized %d images and wrote %v", again.Resized, again.Changed)
	}
	state := filepath.Join(s.out, ".wandstore")
	other := t.TempDir()
	fresh := s.build(func(o *Options) { o.Out, o.StateDir = other, state })
	if fresh.Resized != 0 || fresh.Written == 0 {
		t.Fatalf("a build into a new folder resized %d and wrote %d files", fresh.Resized, fresh.Written)
	}
	old, _ := filepath.Glob(filepath.Join(s.out, "s/tea/assets/sencha-*"))
	s.writeBytes("tea/images/sencha.jpg", jpegOf(t, picture(1000, 1000, false)))
	changed := s.build()
	if changed.Resized != 1 {
		t.Fatalf("after a change, resized %d images, want 1", changed.Resized)
	}
	for _, f := range old {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("old rendition %s is still published", f)
		}
	}
	set, _ := s.doc("s/tea/products/sencha/index.html").Find(`[data-testid=gallery-image] img`).Attr("srcset")
	var widths []int
	for _, w := range srcset(t, set) {
		widths = append(widths, w)
	}
	slices.Sort(widths)
	if !slices.Equal(widths, []int{320, 640, 800, 960, 1000}) {
		t.Errorf("widths of the 1000 px photo = %v", widths)
	}
}

// Bad image files stop the build, naming the store and file, before
// anything of any store is published.
func TestBadImagesStopTheBuild(t *testing.T) {
	good := jpegOf(t, picture(300, 200, false))
	goodPNG := pngOf(t, picture(300, 200, false))
	bomb := pngOf(t, picture(4, 4, false))
	binary.BigEndian.PutUint32(bomb[16:], 60000)
	binary.BigEndian.PutUint32(bomb[20:], 60000)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29]))
	var g bytes.Buffer
	if err := gif.Encode(&g, picture(4, 4, false), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"truncated JPEG", "sencha.jpg", good[:len(good)*2/3], "corrupt jpeg data"},
		{"truncated PNG", "sencha.png", goodPNG[:len(goodPNG)/2], "corrupt png data"},
		{"JPEG header only", "sencha.jpg", good[:40], "cannot read the image size"},
		{"decompression bomb", "sencha.png", bomb, "60000x60000 pixels is too large"},
		{"a GIF named .jpg", "sencha.jpg", g.Bytes(), "its bytes look like image/gif"},
		{"a BMP", "sencha.bmp", []byte("BM\x00\x00"), "cannot read the image size"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t, shop+`
-- other/store.yaml --
name: Other
currency: USD
-- other/products/x.md --
---
title: X
variants: [{ price: "1.00" }]
---
`)
			s.writeBytes("tea/images/"+c.file, c.data)
			s.edit("tea/products/sencha.md", "images/sencha.svg", "images/"+c.file)
			_, err := Build(context.Background(), s.options())
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "images/"+c.file) {
				t.Fatalf("err = %v, want %q naming images/%s", err, c.want, c.file)
			}
			var files []string
			filepath.Walk(s.out, func(p string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() && !strings.Contains(p, ".wandstore") {
					files = append(files, p)
				}
				return nil
			})
			if len(files) > 0 {
				t.Errorf("published %d files, e.g. %s", len(files), files[0])
			}
		})
	}
}

// A store's share_image is the preview of pages without a raster picture
// of their own; an SVG one is refused.
func TestStoreShareImage(t *testing.T) {
	s := newSite(t, shop)
	s.writeBytes("tea/images/share.png", pngOf(t, picture(1400, 700, false)))
	s.edit("tea/store.yaml", "  contact_email: hi@tea.test", "  contact_email: hi@tea.test\n  share_image: { src: images/share.png, alt: Our tea room }")
	s.build()
	for _, page := range []string{"s/tea/index.html", "s/tea/products/sencha/index.html", "s/tea/search/index.html"} {
		og, _ := s.doc(page).Find(`meta[property="og:image"]`).Attr("content")
		info, err := imaging.Inspect([]byte(s.read(strings.TrimPrefix(og, "https://shop.test/"))))
		if err != nil || info.Format != imaging.JPEG || info.Width != 1200 || info.Height != 600 {
			t.Errorf("%s: og:image %q: %+v %v, want the 1200 px JPEG of share.png", page, og, info, err)
		}
	}

	s.edit("tea/store.yaml", "images/share.png", "images/logo.svg")
	_, err := Build(context.Background(), s.options())
	if err == nil || !strings.Contains(err.Error(), "store.yaml: settings.share_image.src") || !strings.Contains(err.Error(), "link previews do not show .svg") {
		t.Fatalf("err = %v", err)
	}
}

// Live resizes a product's new image once and publishes its renditions;
// later changes to the product resize nothing; a product no longer shown
// takes its image's renditions with it.
func TestLiveImages(t *testing.T) {
	ctx := context.Background()
	s := rasterShop(t)
	st, err := s.options().Source.Load(ctx, "tea")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	live, err := NewLive(Options{Out: s.out, SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Flush() }) // copies written in the background, before the folder goes
	sum, err := live.Update(ctx, st)
	if err != nil || sum.Resized != 2 {
		t.Fatalf("first update: resized %v, %v", sum, err)
	}
	p := st.Product("sencha")
	next, err := st.With(catalog.Change{Products: []*catalog.Product{edited(p, func(p *catalog.Product) { p.Title = "Sencha Supreme" })}})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err = live.Update(ctx, next); err != nil || sum.Resized != 0 || !sum.Stores[0].Delta {
		t.Fatalf("title change: %+v %v", sum, err)
	}
	gone, err := next.With(catalog.Change{RemoveProducts: []string{"sencha"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = live.Update(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(s.out, "s/tea/assets/sencha-*")); len(left) != 0 {
		t.Errorf("renditions of a removed product's image are still published: %v", left)
	}
}

// A server that did not build (the islands server's generator.Site)
// names the same renditions as the build, without resizing: its cards
// show the published files.
func TestSiteNamesTheBuildsRenditions(t *testing.T) {
	s := rasterShop(t)
	sum := s.build()
	got, err := Site(sum.Catalogs[0], "https://shop.test/")
	if err != nil {
		t.Fatal(err)
	}
	built := sum.Sites["tea"]
	if len(built.Raster) != 2 || !reflect.DeepEqual(got.Raster, built.Raster) {
		t.Fatalf("Site().Raster = %+v\nbuild published %+v", got.Raster, built.Raster)
	}
	for _, f := range got.Raster {
		for _, r := range f.Widths {
			if !s.exists(strings.TrimPrefix(r.Path, "/")) {
				t.Errorf("%s was not published", r.Path)
			}
		}
	}
}

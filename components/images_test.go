package components

import (
	"net/url"
	"testing"

	"github.com/wandstore/wandstore/catalog"
)

func imageSite(t *testing.T) *Site {
	t.Helper()
	base, _ := url.Parse("https://shop.test/s/tea/")
	return NewSite(&catalog.Store{Handle: "tea", Name: "Tea"}, base)
}

func TestShopifySrcset(t *testing.T) {
	s := imageSite(t)
	for _, c := range []struct {
		name string
		img  catalog.Image
		want string
	}{
		{"known width: no width above it, its own width last",
			catalog.Image{Src: "https://cdn.shopify.com/s/files/1/0001/products/sencha.jpg?v=1700000000", Width: 1000, Height: 800},
			"https://cdn.shopify.com/s/files/1/0001/products/sencha.jpg?v=1700000000&width=320 320w, " +
				"https://cdn.shopify.com/s/files/1/0001/products/sencha.jpg?v=1700000000&width=640 640w, " +
				"https://cdn.shopify.com/s/files/1/0001/products/sencha.jpg?v=1700000000&width=800 800w, " +
				"https://cdn.shopify.com/s/files/1/0001/products/sencha.jpg?v=1700000000&width=960 960w, " +
				"https://cdn.shopify.com/s/files/1/0001/products/sencha.jpg?v=1700000000&width=1000 1000w"},
		{"a shop's own domain (/cdn/shop/), an old width replaced",
			catalog.Image{Src: "https://tea.example/cdn/shop/files/pot.png?width=2000&v=2", Width: 4000, Height: 4000},
			"https://tea.example/cdn/shop/files/pot.png?v=2&width=320 320w, https://tea.example/cdn/shop/files/pot.png?v=2&width=640 640w, https://tea.example/cdn/shop/files/pot.png?v=2&width=800 800w, " +
				"https://tea.example/cdn/shop/files/pot.png?v=2&width=960 960w, https://tea.example/cdn/shop/files/pot.png?v=2&width=1200 1200w, https://tea.example/cdn/shop/files/pot.png?v=2&width=1600 1600w"},
		{"unknown width (a CSV export): the standard widths",
			catalog.Image{Src: "https://cdn.shopify.com/s/files/x.jpg"},
			"https://cdn.shopify.com/s/files/x.jpg?width=320 320w, https://cdn.shopify.com/s/files/x.jpg?width=640 640w, https://cdn.shopify.com/s/files/x.jpg?width=800 800w, " +
				"https://cdn.shopify.com/s/files/x.jpg?width=960 960w, https://cdn.shopify.com/s/files/x.jpg?width=1200 1200w, https://cdn.shopify.com/s/files/x.jpg?width=1600 1600w"},
		{"an SVG on Shopify's CDN", catalog.Image{Src: "https://cdn.shopify.com/s/files/logo.svg", Width: 100, Height: 100}, ""},
		{"another site's image", catalog.Image{Src: "https://images.example/x.jpg", Width: 2000, Height: 2000}, ""},
		{"a local SVG", catalog.Image{Src: "images/x.svg", Width: 800, Height: 800}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := s.Srcset(c.img); got != c.want {
				t.Errorf("srcset =\n %s\nwant\n %s", got, c.want)
			}
		})
	}
}

func TestShareImage(t *testing.T) {
	s := imageSite(t)
	s.Raster["images/a.png"] = ImageFiles{Width: 500, Height: 500, Widths: []Rendition{{"/s/tea/assets/a-320.1.png", 320}, {"/s/tea/assets/a-500.2.png", 500}}, Share: "/s/tea/assets/a-500.3.jpg"}
	for img, want := range map[catalog.Image]string{
		{Src: "images/a.png"}: "https://shop.test/s/tea/assets/a-500.3.jpg",
		{Src: "images/a.svg"}: "",
		{Src: "https://cdn.shopify.com/s/files/x.png?v=1", Width: 3000}: "https://cdn.shopify.com/s/files/x.png?v=1&width=1200",
		{Src: "https://cdn.shopify.com/s/files/x.jpg", Width: 800}:      "https://cdn.shopify.com/s/files/x.jpg",
		{Src: "https://cdn.shopify.com/s/files/x.svg"}:                  "",
	} {
		if got := s.ShareImage(img); got != want {
			t.Errorf("ShareImage(%s) = %q, want %q", img.Src, got, want)
		}
	}
	if got := s.Image(catalog.Image{Src: "images/a.png"}); got != "/s/tea/assets/a-500.2.png" {
		t.Errorf("src = %q, want the widest rendition up to 640 px", got)
	}
	// No width or height from the source (a Shopify CSV export): the
	// box keeps the layout's proportions and says nothing false about
	// the image's own size.
	if w, h := sizeAttrs(s, catalog.Image{Src: "https://cdn.shopify.com/x.jpg"}, 16, 9); w != "1000" || h != "562" {
		t.Errorf("unknown size: %s x %s", w, h)
	}
}

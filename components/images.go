package components

import (
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
)

// Rendition is one published width of a raster image.
type Rendition struct {
	Path  string
	Width int
}

// ImageFiles are the files published for one of a store's JPEG or PNG
// images (the generator resizes them).
type ImageFiles struct {
	// Width and Height are the image's size as displayed.
	Width, Height int
	// Widths are its renditions, narrowest first; the widest is at most
	// 1,600 pixels.
	Widths []Rendition
	// Share is a JPEG about 1,200 pixels wide, for link previews.
	Share string
}

// srcWidth is the width of an image's src when it has a srcset: what a
// browser that ignores srcset, a search result and a cart line show.
const srcWidth = 640

// src is the rendition an <img> names in src.
func (f ImageFiles) src() string {
	best := f.Widths[0]
	for _, r := range f.Widths {
		if r.Width <= srcWidth {
			best = r
		}
	}
	return best.Path
}

// The sizes attributes, from app.css's layout (border-box; .wrap is at
// most 72rem wide with 1rem padding, so content is at most 70rem): the
// width each kind of image is displayed at, so the browser picks the
// narrowest rendition that is sharp. e2e's TestImageSizes checks them
// against the rendered widths at many screen widths.
const (
	// CardSizes: .grid has columns of at least 10.5rem, 1.25rem apart:
	// one column below 388px, then two, three, four, five and six.
	CardSizes = "(max-width: 24.24rem) calc(100vw - 2rem), (max-width: 35.99rem) calc(50vw - 1.625rem), " +
		"(max-width: 47.74rem) calc(33.33vw - 1.5rem), (max-width: 59.49rem) calc(25vw - 1.4375rem), " +
		"(max-width: 71.24rem) calc(20vw - 1.4rem), 10.625rem"
	// TeaserSizes: .collections has columns of at least 14rem, 1.25rem
	// apart: one below 500px, then two, three and four.
	TeaserSizes = "(max-width: 31.24rem) calc(100vw - 2rem), (max-width: 46.49rem) calc(50vw - 1.625rem), " +
		"(max-width: 61.74rem) calc(33.33vw - 1.5rem), (max-width: 71.99rem) calc(25vw - 1.4375rem), 16.5625rem"
	// GallerySizes: the gallery is the page's width below 48rem, then half
	// of it (less half the 2rem gap) beside the product's details.
	GallerySizes = "(max-width: 47.99rem) calc(100vw - 2rem), (max-width: 71.99rem) calc(50vw - 2rem), 34rem"
	// ThumbSizes: gallery thumbnails are 64px wide.
	ThumbSizes = "64px"
	// CartLineSizes: a cart line's picture is 4.5rem, 6rem from 40rem.
	CartLineSizes = "(min-width: 40rem) 6rem, 4.5rem"
)

// ImageWidths are the widths a raster image is offered at: the
// generator's renditions of a store's own JPEG and PNG files, and a
// Shopify CDN image's resized copies (never wider than the image, when its
// width is known). 320 and 640 serve grid cards (160 to 360 CSS pixels on
// a phone, at 1x to 3x); a product's gallery on a phone (358 to 396 CSS
// pixels) takes 800 at 1.75x and 2x, 960 at 2.25x to 2.5x (the common
// Android densities: each step up is a third or more bytes on the image a
// phone waits for first); 1200 on a phone at 3x or a laptop at 2x, and
// 1600 wider screens. CardSizes and its siblings tell the browser which
// to pick. (The generator's imagePipeline changes with them.)
var ImageWidths = []int{320, 640, 800, 960, 1200, 1600}

// shopifyCDN reports whether an image URL is served by Shopify's CDN,
// which resizes on request (?width=N).
func shopifyCDN(u *url.URL) bool {
	return u.Scheme == "https" && (u.Host == "cdn.shopify.com" || strings.HasPrefix(u.Path, "/cdn/shop/"))
}

// withWidth returns a Shopify CDN URL asking for width w, keeping its
// other query parameters.
func withWidth(u *url.URL, w int) string {
	v := *u
	q := v.Query()
	q.Set("width", strconv.Itoa(w))
	v.RawQuery = q.Encode()
	return v.String()
}

// Srcset is an image's srcset attribute: its published renditions, or
// for a Shopify CDN image its widths as Shopify resizes them; "" when
// there is no choice to offer (an SVG, another site's image).
func (s *Site) Srcset(img catalog.Image) string {
	if f, ok := s.Raster[img.Src]; ok && len(f.Widths) > 1 {
		parts := make([]string, len(f.Widths))
		for i, r := range f.Widths {
			parts[i] = r.Path + " " + strconv.Itoa(r.Width) + "w"
		}
		return strings.Join(parts, ", ")
	}
	u, err := url.Parse(img.Src)
	if err != nil || !shopifyCDN(u) || strings.EqualFold(path.Ext(u.Path), ".svg") {
		return ""
	}
	var parts []string
	for _, w := range ImageWidths {
		if img.Width > 0 && w >= img.Width {
			break
		}
		parts = append(parts, withWidth(u, w)+" "+strconv.Itoa(w)+"w")
	}
	if img.Width > 0 && img.Width < ImageWidths[len(ImageWidths)-1] {
		parts = append(parts, withWidth(u, img.Width)+" "+strconv.Itoa(img.Width)+"w")
	}
	return strings.Join(parts, ", ")
}

// ImageSize is an image's displayed size: a local raster image's as its
// file says, else as the source gives it; 0, 0 when unknown.
func (s *Site) ImageSize(img catalog.Image) (w, h int) {
	if f, ok := s.Raster[img.Src]; ok {
		return f.Width, f.Height
	}
	if img.Width > 0 && img.Height > 0 {
		return img.Width, img.Height
	}
	return 0, 0
}

// ShareImage is the absolute URL of a raster picture of img for link
// previews (og:image), "" when it has none: social networks do not show
// SVG.
func (s *Site) ShareImage(img catalog.Image) string {
	if f, ok := s.Raster[img.Src]; ok {
		return s.abs(f.Share)
	}
	u, err := url.Parse(img.Src)
	if err != nil || u.Scheme != "https" {
		return ""
	}
	switch strings.ToLower(path.Ext(u.Path)) {
	case ".jpg", ".jpeg", ".png", ".webp", ".gif":
	default:
		return ""
	}
	if shopifyCDN(u) && (img.Width == 0 || img.Width > 1200) {
		return withWidth(u, 1200)
	}
	return img.Src
}

// StoreShareImage is the store's link-preview picture (settings'
// share_image)
// (or its logo, when that is a JPEG or PNG), "" when it has none.
func (s *Site) StoreShareImage() string {
	if img := s.ShareImage(s.Store.Settings.ShareImage); img != "" {
		return img
	}
	return s.ShareImage(s.Store.Theme.Logo)
}

// sizeAttrs are width and height attributes: the image's own size, or
// when it is unknown (a Shopify CSV export gives none) the given
// proportions at 1,000 pixels wide, so the page still reserves its box.
func sizeAttrs(s *Site, img catalog.Image, ratioW, ratioH int) (string, string) {
	w, h := s.ImageSize(img)
	if w <= 0 || h <= 0 {
		w, h = 1000, 1000*ratioH/ratioW
	}
	return strconv.Itoa(w), strconv.Itoa(h)
}

// srcsetAttrs are an image's srcset and sizes attributes, in that order;
// none for an image with one size (srcset "", an SVG).
func srcsetAttrs(srcset, sizes string) templ.Attributer {
	if srcset == "" {
		return templ.OrderedAttributes{}
	}
	return templ.OrderedAttributes{{Key: "srcset", Value: srcset}, {Key: "sizes", Value: sizes}}
}

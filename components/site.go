// Package components holds WandStore's templ components: the layout, the
// pages the generator pre-renders, product cards and the island
// placeholders. The same components render pre-built pages and, in the
// islands server, live fragments.
package components

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/i18n"
)

// Site is what every page of one store needs to know: the store, where it
// lives, and the fingerprinted names of its assets.
type Site struct {
	Store *catalog.Store
	// BaseURL is the store's absolute public address, ending in "/"
	// ("https://wands.example/" or "http://localhost:8080/s/magic-wands/").
	// Canonical links, Open Graph and sitemaps use it.
	BaseURL string
	// BasePath is BaseURL's path ("/s/magic-wands/"); links within the
	// store use it so a build works on any host and port.
	BasePath string
	// CSS, HTMX, IslandsJS, SearchJS and ProductJS are the fingerprinted
	// asset paths.
	CSS, HTMX, IslandsJS, SearchJS, ProductJS string
	// Images maps an image's Src ("images/x.svg") to its published path.
	// Absolute https sources are used as they are.
	Images map[string]string
	// Raster holds, by Src, the resized files of the store's JPEG and PNG
	// images (see Srcset).
	Raster map[string]ImageFiles
	// Nav lists the collections in the header, in order.
	Nav []NavLink
}

// NewSite returns the Site of a store whose pages live at base (an
// absolute URL ending in "/"): its addresses, with no asset paths and no
// nav yet. The generator completes it with the fingerprinted assets and the
// nav of what it publishes (generator.Site, or a build's Summary.Sites); a
// Site from NewSite alone serves where those do not matter, such as the
// islands server's tests.
func NewSite(st *catalog.Store, base *url.URL) *Site {
	return &Site{Store: st, BaseURL: base.String(), BasePath: base.Path, Images: map[string]string{}, Raster: map[string]ImageFiles{}}
}

// ContentSecurityPolicy is what every page may load and run: its own
// origin's scripts, styles and fetches only (no inline script), images
// from itself and https. Pages carry it in a <meta http-equiv> too, so a
// bucket or CDN that sends no headers still enforces it; the servers add
// frame-ancestors 'none' in the header (a meta cannot carry it).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; form-action 'self' https:; base-uri 'self'; object-src 'none'"

// NavLink is a header or footer link.
type NavLink struct {
	Title, Path, Handle string
}

// Path joins p to the store's base path: Path("products/x/").
func (s *Site) Path(p string) string { return s.BasePath + strings.TrimPrefix(p, "/") }

// URL is the absolute URL of a store path, for canonical links and sitemaps.
func (s *Site) URL(p string) string { return s.BaseURL + strings.TrimPrefix(p, "/") }

// AbsURL makes a root-relative path absolute on the store's origin.
func (s *Site) AbsURL(rootPath string) string {
	u, err := url.Parse(s.BaseURL)
	if err != nil {
		return rootPath
	}
	u.Path, u.RawQuery = rootPath, ""
	return u.String()
}

// ProductPath is the product page's path.
func (s *Site) ProductPath(handle string) string { return s.Path("products/" + handle + "/") }

// CollectionPath is the path of a collection page in a sort order (SortManual
// for the default) and page (1-based).
func (s *Site) CollectionPath(handle string, order catalog.SortOrder, page int) string {
	p := "collections/" + handle + "/"
	if order != "" && order != catalog.SortManual {
		p += string(order) + "/"
	}
	if page > 1 {
		p += "page/" + strconv.Itoa(page) + "/"
	}
	return s.Path(p)
}

// IslandPath is where the islands server answers a fragment for this store.
func (s *Site) IslandPath(name string) string { return s.Path("islands/" + name) }

// Image returns the published path of an image, or "" when it has none.
func (s *Site) Image(img catalog.Image) string {
	if img.Src == "" {
		return ""
	}
	if strings.HasPrefix(img.Src, "https://") {
		return img.Src
	}
	if f, ok := s.Raster[img.Src]; ok && len(f.Widths) > 0 {
		return f.src()
	}
	return s.Images[img.Src]
}

// Lang is the page language from the store's locale ("en-US" -> "en-US").
func (s *Site) Lang() string {
	if s.Store.Locale == "" {
		return "en"
	}
	return s.Store.Locale
}

// T is the interface message key in the store's language (see package
// i18n), with args formatted into it.
func (s *Site) T(key string, args ...any) string { return s.Msg().T(key, args...) }

// N is the plural form of key for n, in the store's language.
func (s *Site) N(key string, n int, args ...any) string { return s.Msg().N(key, n, args...) }

// Msg is the store's message catalog (its locale's language, else English).
func (s *Site) Msg() *i18n.Messages { return i18n.For(s.Store.Locale) }

// Money formats an amount for the store's shoppers.
func (s *Site) Money(m catalog.Money) string { return m.Format(s.Store.Locale) }

// Meta is a page's head: what search engines and link previews see.
type Meta struct {
	Title       string // full <title>
	Description string
	Canonical   string // absolute
	OGType      string // "website", "product"
	Image       string // absolute image URL for previews
	NoIndex     bool   // search and error pages
	JSONLD      []any  // structured data blocks
	Section     string // nav handle to mark current
	// Islands are the island routes on the page besides the header's cart
	// badge, filled by one request (RoutePage); Product is the product
	// whose page it is, whose view that request records.
	Islands []string
	Product string
}

// WithIslands is m for a page holding these islands (routes), of product
// when the page is a product's.
func (m Meta) WithIslands(product string, routes ...string) Meta {
	m.Product = product
	m.Islands = append(m.Islands[:len(m.Islands):len(m.Islands)], routes...)
	return m
}

// marker stands for a message's argument while it is split around it.
const marker = "\x00"

// Parts is the message key with one argument, split around that argument:
// the text before and after it, so markup (a link, a number in its own
// element) can go between them in the language's own order ("Page %s",
// "%sページ目").
func (s *Site) Parts(key string) (before, after string) {
	before, after, _ = strings.Cut(s.T(key, marker), marker)
	return before, after
}

// NParts is the plural form of key for n, split around n (formatted for
// the language): "Subtotal (", "3", " items)".
func (s *Site) NParts(key string, n int) (before, num, after string) {
	num = s.Msg().Int(int64(n))
	msg := s.N(key, n)
	i := strings.Index(msg, num)
	if i < 0 {
		return msg, num, ""
	}
	return msg[:i], num, msg[i+len(num):]
}

// SortLabel is the shopper-facing name of a sort order in the store's
// language ("Price, low to high").
func (s *Site) SortLabel(o catalog.SortOrder) string {
	switch o {
	case catalog.SortPriceAsc:
		return s.T("sort.price_asc")
	case catalog.SortPriceDesc:
		return s.T("sort.price_desc")
	case catalog.SortTitleAsc:
		return s.T("sort.title_asc")
	case catalog.SortTitleDesc:
		return s.T("sort.title_desc")
	case catalog.SortNewest:
		return s.T("sort.newest")
	}
	return s.T("sort.featured")
}

// AllProducts is the built-in collection of every published product
// (AllHandle), titled in the store's language.
func (s *Site) AllProducts() *catalog.Collection {
	return s.Store.AllProducts(AllHandle, s.T("collection.all"))
}

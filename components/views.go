package components

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
)

// AllHandle is the built-in collection of every published product
// (/collections/all/), as in Shopify. A store's own "all" collection wins.
const AllHandle = "all"

// eagerCards is how many cards of a grid load without lazy loading: the
// ones a phone or laptop shows in the first viewport.
const eagerCards = 4

// ProductCardView is what a card shows, already formatted. The generator
// hashes it to know which listing pages a product change touches.
type ProductCardView struct {
	Handle, Title, Vendor, Path string
	Image, ImageAlt             string
	ImageWidth, ImageHeight     string
	ImageSrcset                 string // "" for an image with one size (an SVG)
	Price, CompareAt            string
	From, SoldOut, OnSale       bool
	// Badge is an experiment's badge text (the islands' recommendations),
	// shown when the card has no sold-out or sale badge.
	Badge string
}

// NewCard builds a product's card.
func NewCard(s *Site, p *catalog.Product) ProductCardView {
	c := ProductCardView{Handle: p.Handle, Title: p.Title, Vendor: p.Vendor, Path: s.ProductPath(p.Handle)}
	if img := p.MainImage(); img.Src != "" {
		c.Image, c.ImageAlt = s.Image(img), altText(img, p.Title)
		c.ImageWidth, c.ImageHeight = sizeAttrs(s, img, 1, 1)
		c.ImageSrcset = s.Srcset(img)
	}
	c.Price = s.Money(p.MinPrice())
	c.From = p.PriceVaries()
	c.SoldOut = !p.Available()
	if d := p.DefaultVariant(); d != nil && d.OnSale() && !c.From {
		c.CompareAt = s.Money(d.CompareAt)
	}
	c.OnSale = p.OnSale()
	return c
}

func altText(img catalog.Image, fallback string) string {
	if strings.TrimSpace(img.Alt) != "" {
		return img.Alt
	}
	return fallback
}

// CollectionTeaser is a collection tile on the home page.
type CollectionTeaser struct {
	Title, Path, Image, ImageAlt, ImageWidth, ImageHeight string
	ImageSrcset                                           string
}

// NewTeaser builds a collection's tile.
func NewTeaser(s *Site, c *catalog.Collection) CollectionTeaser {
	t := CollectionTeaser{Title: c.Title, Path: s.CollectionPath(c.Handle, catalog.SortManual, 1)}
	if c.Image.Src != "" {
		t.Image, t.ImageAlt = s.Image(c.Image), altText(c.Image, c.Title)
		t.ImageWidth, t.ImageHeight = sizeAttrs(s, c.Image, 16, 9)
		t.ImageSrcset = s.Srcset(c.Image)
	}
	return t
}

// HomeView is the home page's content.
type HomeView struct {
	Meta        Meta
	Collections []CollectionTeaser
	Featured    []ProductCardView
}

// NewHomeView builds the home page; featured cards are given by the caller,
// who also hashes them.
func NewHomeView(s *Site, cols []CollectionTeaser, featured []ProductCardView) HomeView {
	st := s.Store
	desc := st.Description
	if desc == "" {
		desc = s.T("home.description", st.Name)
	}
	org := map[string]any{
		"@context": "https://schema.org", "@type": "Organization",
		"name": st.Name, "url": s.BaseURL,
	}
	if logo := s.Image(st.Theme.Logo); logo != "" {
		org["logo"] = s.abs(logo)
	}
	if e := st.Settings.ContactEmail; e != "" {
		org["email"] = e
	}
	site := map[string]any{
		"@context": "https://schema.org", "@type": "WebSite", "name": st.Name, "url": s.BaseURL,
		"potentialAction": map[string]any{
			"@type":       "SearchAction",
			"target":      s.URL("search/") + "?q={search_term_string}",
			"query-input": "required name=search_term_string",
		},
	}
	m := Meta{Title: st.Name, Description: desc, Canonical: s.BaseURL, OGType: "website", JSONLD: []any{org, site}}
	m.Image = s.StoreShareImage()
	return HomeView{Meta: m, Collections: cols, Featured: featured}
}

// abs makes an asset path absolute for link previews and structured data.
func (s *Site) abs(p string) string {
	if strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
		return p
	}
	return s.AbsURL(p)
}

// CollectionView is one page of a collection listing.
type CollectionView struct {
	Meta            Meta
	Crumbs          []NavLink
	Handle, Title   string
	DescriptionHTML string
	Order           catalog.SortOrder
	Sorts           []NavLink // Handle holds the sort order
	Cards           []ProductCardView
	Total           int
	Page, Pages     int
	Prev, Next      string
	PageLinks       []NavLink   // Handle "current" marks this page
	Filters         *FilterView // the filter form; nil for none
	// FiltersHTML, when set, is CollectionFilters already rendered for
	// Filters: every page of a listing in one order has the same form, so
	// a build renders it once (see RenderedFilters).
	FiltersHTML templ.Component
}

// NewCollectionView builds page `page` (1-based) of c in `order`, showing
// cards (already sliced to the page).
func NewCollectionView(s *Site, c *catalog.Collection, order catalog.SortOrder, page, pages, total int, cards []ProductCardView) CollectionView {
	v := CollectionView{
		Handle: c.Handle, Title: c.Title, DescriptionHTML: c.DescriptionHTML, Order: order,
		Cards: cards, Total: total, Page: page, Pages: pages,
	}
	self := s.CollectionPath(c.Handle, order, page)
	v.Crumbs = []NavLink{{Title: s.T("breadcrumbs.home"), Path: s.Path("")}, {Title: c.Title, Path: self}}
	for _, o := range catalog.SortOrders {
		v.Sorts = append(v.Sorts, NavLink{Title: s.SortLabel(o), Path: s.CollectionPath(c.Handle, o, 1), Handle: string(o)})
	}
	if page > 1 {
		v.Prev = s.CollectionPath(c.Handle, order, page-1)
	}
	if page < pages {
		v.Next = s.CollectionPath(c.Handle, order, page+1)
	}
	prev := 0
	for _, n := range pageWindow(page, pages) {
		if n > prev+1 {
			v.PageLinks = append(v.PageLinks, NavLink{Title: "…", Handle: "gap"}) // pages left out
		}
		prev = n
		l := NavLink{Title: strconv.Itoa(n), Path: s.CollectionPath(c.Handle, order, n)}
		if n == page {
			l.Handle = "current"
		}
		v.PageLinks = append(v.PageLinks, l)
	}

	title := c.Title
	if c.SEO.Title != "" {
		title = c.SEO.Title
	}
	if page > 1 {
		title = s.T("collection.page_title", title, strconv.Itoa(page))
	}
	desc := c.SEO.Description
	if desc == "" {
		desc = PlainText(c.DescriptionHTML, 160)
	}
	if desc == "" {
		desc = s.T("collection.description", c.Title, s.Store.Name)
	}
	// A re-sorted listing shows the same products as the default order:
	// point search engines at the default order's page.
	canonical := s.URL(strings.TrimPrefix(s.CollectionPath(c.Handle, catalog.SortManual, page), s.BasePath))
	m := Meta{Title: titled(s, title), Description: desc, Canonical: canonical, OGType: "website", Section: c.Handle}
	if m.Image = s.ShareImage(c.Image); m.Image == "" {
		m.Image = s.StoreShareImage()
	}
	m.JSONLD = []any{breadcrumbLD(s, v.Crumbs)}
	v.Meta = m
	return v
}

// pageWindow lists the page numbers a pager shows, in order: first, last,
// and two either side of the current one.
func pageWindow(page, pages int) []int {
	out := []int{1}
	for n := max(2, page-2); n <= min(pages-1, page+2); n++ {
		out = append(out, n)
	}
	if pages > 1 {
		out = append(out, pages)
	}
	return out
}

// titled is a page's title with the store's name after it, unless the
// title already names the store (a merchant's SEO title often does).
func titled(s *Site, title string) string {
	if strings.Contains(strings.ToLower(title), strings.ToLower(s.Store.Name)) {
		return title
	}
	return title + " – " + s.Store.Name
}

// ImageView is an image with its dimensions as attribute strings.
type ImageView struct {
	Src, Alt, Width, Height string
	Srcset                  string // "" for an image with one size (an SVG)
}

// VariantOption is a variant in the picker.
type VariantOption struct {
	ID, Label           string
	Available, Selected bool
	// What the page shows while this variant is chosen: its price,
	// compare-at price ("" when not on sale), availability line, and the
	// index of its image in ProductView.Images (-1: the product's first).
	Price, CompareAt, Availability string
	Image                          int
}

// ProductView is a product page's content.
type ProductView struct {
	Meta                  Meta
	Crumbs                []NavLink
	Handle, Title, Vendor string
	Price, CompareAt      string
	Availability          string
	Available, HasOptions bool
	PickerLabel           string
	Variants              []VariantOption
	Images                []ImageView
	DescriptionHTML       string
	MoreFrom              []NavLink
}

// variantShows is what a product page shows of a variant: its price, its
// compare-at price when on sale, and its availability line.
func variantShows(s *Site, vr *catalog.Variant) (price, compareAt, availability string) {
	price = s.Money(vr.Price)
	if vr.OnSale() {
		compareAt = s.Money(vr.CompareAt)
	}
	switch {
	case !vr.Available:
		availability = s.T("product.sold_out")
	case vr.Tracked && vr.Inventory <= 5:
		availability = s.N("product.few_left", vr.Inventory)
	default:
		availability = s.T("product.in_stock")
	}
	return price, compareAt, availability
}

// NewProductView builds a product page; cols are the collections that list
// the product (breadcrumb and "more from" links).
func NewProductView(s *Site, p *catalog.Product, cols []*catalog.Collection) ProductView {
	v := ProductView{
		Handle: p.Handle, Title: p.Title, Vendor: p.Vendor, DescriptionHTML: p.DescriptionHTML,
		Available: p.Available(), HasOptions: len(p.Options) > 0,
	}
	def := p.DefaultVariant()
	if def != nil {
		v.Price, v.CompareAt, v.Availability = variantShows(s, def)
	}
	if !v.Available {
		v.Availability = s.T("product.sold_out")
	}
	names := make([]string, len(p.Options))
	for i, o := range p.Options {
		names[i] = o.Name
	}
	v.PickerLabel = s.T("product.choose", strings.Join(names, " / "))
	if len(names) == 0 {
		v.PickerLabel = s.T("product.choose_option")
	}
	for _, vr := range p.Variants {
		label := vr.Title + " – " + s.Money(vr.Price)
		if !vr.Available {
			label += " – " + s.T("product.sold_out")
		}
		o := VariantOption{ID: vr.ID, Label: label, Available: vr.Available, Selected: def != nil && vr.ID == def.ID, Image: -1}
		o.Price, o.CompareAt, o.Availability = variantShows(s, &vr)
		if vr.Image >= 0 && vr.Image < len(p.Images) {
			o.Image = vr.Image
		}
		v.Variants = append(v.Variants, o)
	}
	var abs []string
	for _, img := range p.Images {
		src := s.Image(img)
		w, h := sizeAttrs(s, img, 1, 1)
		v.Images = append(v.Images, ImageView{Src: src, Alt: altText(img, p.Title), Width: w, Height: h, Srcset: s.Srcset(img)})
		if share := s.ShareImage(img); share != "" {
			abs = append(abs, share) // structured data: the large raster picture
		} else {
			abs = append(abs, s.abs(src))
		}
	}

	v.Crumbs = []NavLink{{Title: s.T("breadcrumbs.home"), Path: s.Path("")}}
	if len(cols) > 0 {
		v.Crumbs = append(v.Crumbs, NavLink{Title: cols[0].Title, Path: s.CollectionPath(cols[0].Handle, catalog.SortManual, 1)})
	}
	v.Crumbs = append(v.Crumbs, NavLink{Title: p.Title, Path: s.ProductPath(p.Handle)})
	for i, c := range cols {
		if i == 3 {
			break
		}
		v.MoreFrom = append(v.MoreFrom, NavLink{Title: c.Title, Path: s.CollectionPath(c.Handle, catalog.SortManual, 1), Handle: c.Handle})
	}

	plain := PlainText(p.DescriptionHTML, 5000) // once: the sanitizer is the costly part of a page
	desc := p.SEO.Description
	if desc == "" {
		desc = truncate(plain, 160)
	}
	canonical := s.URL("products/" + p.Handle + "/")
	m := Meta{Title: titled(s, p.SEOTitle()), Description: desc, Canonical: canonical, OGType: "product"}
	if len(p.Images) > 0 {
		m.Image = s.ShareImage(p.Images[0])
	}
	if m.Image == "" {
		m.Image = s.StoreShareImage()
	}
	if len(cols) > 0 {
		m.Section = cols[0].Handle
	}
	m.JSONLD = []any{productLD(p, canonical, plain, abs), breadcrumbLD(s, v.Crumbs)}
	v.Meta = m
	return v
}

// Structured data types: structs, not maps, so encoding is cheap and the
// key order is fixed.
type ldBrand struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

type ldOffer struct {
	Type          string `json:"@type"`
	Name          string `json:"name,omitempty"`
	SKU           string `json:"sku,omitempty"`
	Price         string `json:"price"`
	PriceCurrency string `json:"priceCurrency"`
	Availability  string `json:"availability"`
	ItemCondition string `json:"itemCondition"`
	URL           string `json:"url"`
}

type ldProduct struct {
	Context     string    `json:"@context"`
	Type        string    `json:"@type"`
	Name        string    `json:"name"`
	URL         string    `json:"url"`
	Description string    `json:"description,omitempty"`
	Image       []string  `json:"image,omitempty"`
	SKU         string    `json:"sku,omitempty"`
	Brand       *ldBrand  `json:"brand,omitempty"`
	Offers      []ldOffer `json:"offers"`
}

type ldListItem struct {
	Type     string `json:"@type"`
	Position int    `json:"position"`
	Name     string `json:"name"`
	Item     string `json:"item"`
}

type ldBreadcrumbs struct {
	Context string       `json:"@context"`
	Type    string       `json:"@type"`
	Items   []ldListItem `json:"itemListElement"`
}

func productLD(p *catalog.Product, url, description string, images []string) ldProduct {
	ld := ldProduct{
		Context: "https://schema.org", Type: "Product", Name: p.Title, URL: url,
		Description: description, Image: images, Offers: make([]ldOffer, 0, len(p.Variants)),
	}
	for _, vr := range p.Variants {
		o := ldOffer{
			Type: "Offer", SKU: vr.SKU, Price: vr.Price.Decimal(), PriceCurrency: vr.Price.Currency,
			Availability: "https://schema.org/InStock", ItemCondition: "https://schema.org/NewCondition", URL: url,
		}
		if !vr.Available {
			o.Availability = "https://schema.org/OutOfStock"
		}
		if vr.Title != catalog.DefaultVariantTitle {
			o.Name = vr.Title
		}
		ld.Offers = append(ld.Offers, o)
	}
	if p.Vendor != "" {
		ld.Brand = &ldBrand{Type: "Brand", Name: p.Vendor}
	}
	if d := p.DefaultVariant(); d != nil {
		ld.SKU = d.SKU
	}
	return ld
}

func breadcrumbLD(s *Site, crumbs []NavLink) ldBreadcrumbs {
	items := make([]ldListItem, len(crumbs))
	for i, c := range crumbs {
		items[i] = ldListItem{Type: "ListItem", Position: i + 1, Name: c.Title, Item: s.AbsURL(c.Path)}
	}
	return ldBreadcrumbs{Context: "https://schema.org", Type: "BreadcrumbList", Items: items}
}

// SimpleMeta is the head of a page with no structured data (search, cart,
// 404).
func SimpleMeta(s *Site, title, path string, noIndex bool) Meta {
	m := Meta{Title: titled(s, title), OGType: "website", NoIndex: noIndex, Image: s.StoreShareImage()}
	if path != "" {
		m.Canonical = s.URL(path)
	}
	return m
}

// Template helpers.

func ogType(m Meta) string {
	if m.OGType == "" {
		return "website"
	}
	return m.OGType
}

func themeColor(s *Site) string {
	if c := s.Store.Theme.Colors.Primary; c != "" {
		return c
	}
	return DefaultTheme.Colors.Primary
}

// favicon is the store's logo, or an empty icon: either way the browser
// does not ask for /favicon.ico, which a store under /s/<handle>/ does not own.
func favicon(s *Site) string {
	if logo := s.Image(s.Store.Theme.Logo); logo != "" {
		return logo
	}
	return "data:,"
}

func current(on bool) templ.Attributes {
	if on {
		return templ.Attributes{"aria-current": "page"}
	}
	return templ.Attributes{}
}

// galleryPriority is a gallery image's fetch priority: high for the
// first (the page's largest paint), low for the others. They sit beside it
// in a horizontal scroller, near enough for the browser to load them at
// once despite loading="lazy", and at high priority they took the phone's
// bandwidth from the first.
func galleryPriority(first bool) templ.Attributes {
	if first {
		return templ.Attributes{"fetchpriority": "high"}
	}
	return templ.Attributes{"fetchpriority": "low"}
}

func loading(eager bool) string {
	if eager {
		return "eager"
	}
	return "lazy"
}

func decoding(eager bool) string {
	if eager {
		return "auto"
	}
	return "async"
}

// loaderRequest is how the page loader asks for its islands: a POST on a
// product page (it records the view), else a GET.
func loaderRequest(s *Site, m Meta) templ.Attributer {
	method := "data-islands-get"
	if m.Product != "" {
		method = "data-islands-post"
	}
	return templ.OrderedAttributes{{Key: method, Value: s.IslandPath(RoutePage)}}
}

// islandsVals are the page loader's values: the islands to fill (the cart
// badge and the page's) and the product whose page it is.
func islandsVals(m Meta) string {
	v := map[string]string{"i": strings.Join(append([]string{RouteCartBadge}, m.Islands...), ",")}
	if m.Product != "" {
		v["product"] = m.Product
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// mediaID is the id of a product page's i-th gallery image, the target of
// its thumbnail's link.
func mediaID(i int) string { return "media-" + strconv.Itoa(i+1) }

// thumbHeight is a 64-pixel-wide thumbnail's height, keeping the image's
// proportions (square when they are unknown).
func thumbHeight(img ImageView) string {
	w, err1 := strconv.Atoi(img.Width)
	h, err2 := strconv.Atoi(img.Height)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return "64"
	}
	return strconv.Itoa(max(1, 64*h/w))
}

// searchMessages are the search page script's messages (it hard-codes
// none), carried in a JSON block the page holds (data, not a script the
// CSP would have to allow). Counts are plural forms keyed by the CLDR
// category Intl.PluralRules gives the page's language ("one", "other");
// "%s" stands for the number (or, in didYouMean, the suggested words).
func searchMessages(s *Site) map[string]any {
	found := map[string]string{"other": s.T("search.found.other")}
	if s.Msg().Has("search.found.one") {
		found["one"] = s.T("search.found.one")
	}
	return map[string]any{
		"found":       found,
		"didYouMean":  s.T("search.did_you_mean"),
		"unavailable": s.T("search.unavailable"),
		"more":        s.T("search.more"),
		"sizes":       CardSizes,
	}
}

// pageNumber is a pager's page number with its words ("Page 2") for
// screen readers only, with no space templ would put between them.
func pageNumber(before, number, after string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		var b strings.Builder
		for i, part := range []string{before, number, after} {
			switch {
			case part == "":
			case i == 1:
				b.WriteString(templ.EscapeString(part))
			default:
				b.WriteString(`<span class="visually-hidden">` + templ.EscapeString(part) + `</span>`)
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}

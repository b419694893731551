// Package catalog is WandStore's domain: stores, their products, variants
// and collections, money, and the validation that keeps a catalog from
// producing a broken page. It knows nothing of HTML, HTTP or storage; sources
// that read a catalog live in sub-packages (contentdir, ...).
package catalog

import (
	"context"
	"io/fs"
	"time"
)

// Store is one shop: its settings, theme and catalog.
type Store struct {
	Handle      string // URL-safe id, e.g. "magic-wands"
	Name        string
	BaseURL     string // absolute, ends in "/"; empty means "decided by the build"
	Currency    string // ISO 4217
	Locale      string // BCP 47, e.g. "en-US"
	Description string
	Theme       Theme
	Settings    Settings
	Checkout    Checkout // the store's own checkout (store.yaml's checkout block)
	// Experiments are the store's A/B tests (store.yaml's experiments
	// block; see experiments.go).
	Experiments []Experiment

	Products    []*Product    // in source order
	Collections []*Collection // in source order

	// Assets holds the files pages refer to (images), keyed by the path
	// products use in Image.Src ("images/elder-wand.svg"). Nil for sources
	// whose images are remote URLs.
	Assets fs.FS

	products    overlay[string, *Product] // by handle
	skus        overlay[string, *Product] // by variant SKU
	collections map[string]*Collection
	// For CollectionsOf: the hand-picked collections listing each product
	// handle (by collection handle, which a collection's copy keeps), the
	// smart collections, and each collection's place in Collections.
	listedIn overlay[string, *[]string]
	smart    []*Collection
	place    map[string]int
}

// Theme is a store's look, written into its CSS as custom properties.
type Theme struct {
	Colors Colors
	Fonts  Fonts
	Logo   Image
}

// Colors are CSS colours ("#4b2e83"); empty ones take the default theme's.
type Colors struct {
	Primary, Accent, Background, Text, Muted string
}

// Fonts are CSS font-family lists.
type Fonts struct {
	Heading, Body string
}

// Settings are a store's merchant-editable options.
type Settings struct {
	ProductsPerPage     int
	FeaturedCollections []string
	FeaturedProducts    []string
	Announcement        string
	ContactEmail        string
	// ShareImage is what a link preview (og:image) of a page without a
	// picture of its own shows: a JPEG or PNG (previews do not show SVG).
	ShareImage Image
}

// DefaultProductsPerPage is the collection page size when a store sets none.
const DefaultProductsPerPage = 24

// Product is one item for sale, with one or more variants.
type Product struct {
	Handle          string
	SourceID        string // the source's own id: Shopify's numeric product/collection id ("632910392"); empty when the source has none
	Title           string
	Vendor          string
	Type            string
	Tags            []string
	DescriptionHTML string // untrusted HTML: render only through a sanitizer
	SEO             SEO
	Images          []Image
	Options         []Option
	Variants        []Variant
	Status          Status
	CreatedAt       time.Time // zero when unknown
	UpdatedAt       time.Time

	// File is where the product came from ("products/elder-wand.md"),
	// for error messages.
	File string
}

// Status says whether a product is published.
type Status string

// Product statuses, as Shopify names them.
const (
	StatusActive   Status = "active"
	StatusDraft    Status = "draft"
	StatusArchived Status = "archived"
)

// SEO overrides the title and description search engines see.
type SEO struct {
	Title, Description string
}

// Image is a picture with its alternative text. Src is a path into the
// store's Assets ("images/x.svg") or an absolute https URL.
type Image struct {
	Src           string
	Alt           string
	Width, Height int
}

// Option is a product dimension such as "Size" with its values in order.
type Option struct {
	Name   string
	Values []string
}

// Variant is one purchasable combination of option values.
type Variant struct {
	ID        string // stable id: the SKU when there is one, else derived from the options
	SKU       string
	Title     string   // option values joined by " / ", or DefaultVariantTitle
	Options   []string // one value per product option, in option order
	Price     Money
	CompareAt Money // zero Amount when not on sale
	Available bool
	// Inventory is the stock on hand; meaningful only when Tracked.
	Inventory int
	Tracked   bool
	Image     int // index into Product.Images, -1 for none
}

// OnSale reports whether the variant is offered below its compare-at price.
func (v Variant) OnSale() bool { return v.CompareAt.Amount > v.Price.Amount }

// Collection is a group of products: a hand-picked list or rules.
type Collection struct {
	Handle          string
	SourceID        string // the source's own id: Shopify's numeric product/collection id ("632910392"); empty when the source has none
	Title           string
	DescriptionHTML string
	Image           Image
	SEO             SEO
	Sort            SortOrder
	ProductHandles  []string // hand-picked members, in manual order
	Rules           *Rules   // smart collection; nil for a hand-picked one
	File            string

	products []*Product      // resolved members in the collection's own order
	handles  map[string]bool // ProductHandles as a set (a hand-picked one's)
}

// Rules select a smart collection's products.
type Rules struct {
	MatchAny   bool
	Conditions []Condition
}

// Condition is one rule ("tag equals wand").
type Condition struct {
	Field    string
	Relation string
	Value    string
}

// Source reads catalogs. Implementations: contentdir (a folder of plain
// files), shopify/productcsv and shopify/productsjson (Shopify's exports), shopify (the
// Storefront API).
type Source interface {
	// Stores lists the handles of the stores the source holds.
	Stores(ctx context.Context) ([]string, error)
	// Load reads one store. It returns an error wrapping fs.ErrNotExist
	// when there is no such store, and a ValidationErrors when the store's
	// files are malformed. The store returned is not yet validated: call
	// Validate.
	Load(ctx context.Context, handle string) (*Store, error)
}

// CachingSource is a Source that can keep what it parsed between loads, so
// that a load parses only what changed since the last one (contentdir: the
// files whose bytes changed). Its stores and errors are exactly Load's.
type CachingSource interface {
	Source
	// LoadCached is Load with its cache in the folder dir, tagged with
	// version (the running code's: another version's cache is not used).
	// It writes nothing: save writes the cache (best effort), once the
	// caller has accepted the store (a build writes nothing for content
	// that does not validate). save is nil with an error.
	LoadCached(ctx context.Context, handle, dir, version string) (st *Store, save func(), err error)
}

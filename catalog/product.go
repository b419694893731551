package catalog

import (
	"regexp"
	"strconv"
	"strings"
)

// Published reports whether shoppers may see the product.
func (p *Product) Published() bool { return p.Status == "" || p.Status == StatusActive }

// Available reports whether any variant can be bought.
func (p *Product) Available() bool {
	for _, v := range p.Variants {
		if v.Available {
			return true
		}
	}
	return false
}

// MinPrice is the lowest variant price: an available variant's if there is
// one, else any variant's. Zero for a product without variants.
func (p *Product) MinPrice() Money {
	var best Money
	found := false
	for pass := 0; pass < 2 && !found; pass++ {
		for _, v := range p.Variants {
			if pass == 0 && !v.Available {
				continue
			}
			if !found || v.Price.Amount < best.Amount {
				best, found = v.Price, true
			}
		}
	}
	return best
}

// PriceVaries reports whether variants have different prices.
func (p *Product) PriceVaries() bool {
	for _, v := range p.Variants {
		if v.Price.Amount != p.Variants[0].Price.Amount {
			return true
		}
	}
	return false
}

// DefaultVariant is the variant a shopper sees first: the first available
// one, else the first. Nil for a product without variants.
func (p *Product) DefaultVariant() *Variant {
	for i := range p.Variants {
		if p.Variants[i].Available {
			return &p.Variants[i]
		}
	}
	if len(p.Variants) > 0 {
		return &p.Variants[0]
	}
	return nil
}

// Variant returns the variant with the id, or nil.
func (p *Product) Variant(id string) *Variant {
	for i := range p.Variants {
		if p.Variants[i].ID == id {
			return &p.Variants[i]
		}
	}
	return nil
}

// OnSale reports whether any variant is on sale.
func (p *Product) OnSale() bool {
	for _, v := range p.Variants {
		if v.OnSale() {
			return true
		}
	}
	return false
}

// MainImage is the first image, or a zero Image.
func (p *Product) MainImage() Image {
	if len(p.Images) > 0 {
		return p.Images[0]
	}
	return Image{}
}

// SEOTitle is the title search engines see.
func (p *Product) SEOTitle() string {
	if p.SEO.Title != "" {
		return p.SEO.Title
	}
	return p.Title
}

// VariantTitle names a variant by its option values ("Elder / 11 in").
func VariantTitle(values []string) string {
	if len(values) == 0 {
		return DefaultVariantTitle
	}
	return strings.Join(values, " / ")
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns text into handle form: lower-case letters and digits in
// dash-separated words ("Elder / 11 in" -> "elder-11-in"); "" when nothing
// is left.
func Slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// NewVariantID gives a variant an id that survives reordering the variants
// list: its SKU, else its option values as a slug, else "default"; an id
// already in taken gets a numeric suffix. Every source uses it, so a store
// imported from one source and read back from its content folder keeps its
// variant ids (and shoppers' carts).
func NewVariantID(sku string, options []string, taken map[string]bool) string {
	id := sku
	if id == "" {
		id = Slug(strings.Join(options, "-"))
	}
	if id == "" {
		id = "default"
	}
	base := id
	for n := 2; taken[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	taken[id] = true
	return id
}

// DefaultVariantTitle is the title of the one variant of a product without
// options, as Shopify names it; it is not shown to shoppers.
const DefaultVariantTitle = "Default Title"

// ShowsVariant reports whether a variant's title tells shoppers something
// (it is neither empty nor DefaultVariantTitle).
func ShowsVariant(title string) bool { return title != "" && title != DefaultVariantTitle }

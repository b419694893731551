package components

import (
	"strconv"

	"github.com/wandstore/wandstore/catalog"
)

// The views below are what the islands server fills in for the live
// fragments (fragments.templ). They are plain, already formatted values so
// components need not know the islands' shopper state.

// CartLineView is one line of the cart drawer.
type CartLineView struct {
	Product, Variant    string // handle and variant id, posted back by the line's forms
	Title, VariantTitle string
	Path                string // product page; "" when the product is gone
	Image, ImageAlt     string
	ImageSrcset         string // "" for an image with one size (an SVG)
	UnitPrice           string
	LineTotal           string
	// PriceWas is the unit price when the shopper added the line, when
	// the catalog's has changed since ("" when it has not, or is not
	// known): the line is priced at UnitPrice.
	PriceWas string
	// Problem says what stops the line from being bought as it is
	// ("No longer available"); "" when nothing does.
	Problem  string
	Quantity int
}

// CartView is the cart drawer's content.
type CartView struct {
	Lines    []CartLineView
	Count    int    // items (the sum of quantities)
	Subtotal string // formatted
	// Token names exactly what the shopper is shown (lines, quantities,
	// prices): the checkout form sends it back, and an order is made only
	// if the cart and its prices still match it.
	Token string
	// Message is the outcome of the request that rendered the drawer
	// ("Quantity updated"); Error is a failure the shopper can act on.
	Message, Error string
}

// PreferencesView is the shopper's preferences form.
type PreferencesView struct {
	Name  string
	Sort  string    // the chosen sort order
	Sorts []NavLink // offered orders: Handle is the value, Title the label
	Saved bool      // the request saved them
	Error string    // why they were not saved
}

// PreferenceSorts are the orders a shopper may pick for their own lists
// (PreferencesView.Sorts). The default keeps each list's own order (most
// recent or most relevant first), so it is not called "Featured" here.
func PreferenceSorts(s *Site) []NavLink {
	out := make([]NavLink, 0, len(catalog.SortOrders))
	for _, o := range catalog.SortOrders {
		label := s.SortLabel(o)
		if o == catalog.SortManual {
			label = s.T("preferences.sort_own")
		}
		out = append(out, NavLink{Handle: string(o), Title: label})
	}
	return out
}

// showVariant reports whether a variant title says anything: a product
// without options has one variant called "Default Title".
func showVariant(title string) bool { return catalog.ShowsVariant(title) }

// lineID names a cart line's quantity input; the index keeps it unique and
// free of whatever characters a handle or variant id holds.
func lineID(i int) string { return "cart-qty-" + strconv.Itoa(i) }

// noticeClass is the class of a status message: errors look different, not
// only by colour (see app.css).
func noticeClass(isError bool) string {
	if isError {
		return "notice error"
	}
	return "notice"
}

func savedMessage(s *Site, saved bool) string {
	if saved {
		return s.T("preferences.saved")
	}

	return ""
}

package components

import (
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The checkout's views: the form (email, address, country, shipping
// method) with the totals the server computed, and the order's own page.

// OrderLineView is one line of a checkout summary or an order, formatted.
type OrderLineView struct {
	Title, VariantTitle, Quantity, UnitPrice, LineTotal string
	// PriceWas, at checkout, is the unit price when the line was added to
	// the cart, when it has changed since ("" otherwise, and on orders).
	PriceWas string
}

// CheckoutView is the checkout form as the islands server fills it: the
// shopper's input kept as typed, what is wrong with it, and the totals
// priced from the cart in the database at this moment.
type CheckoutView struct {
	Email, Name, Line1, Line2, City, Region, PostalCode, Country, Method string

	Countries []NavLink // Handle: the ISO code, Title: its name in the store's language
	Methods   []ShippingOptionView

	Lines                              []OrderLineView
	Subtotal, Shipping, Tax, Total     string
	TaxRate                            string // "10" (percent)
	TaxInclusive, FreeShipping, HasTax bool
	CartToken, Quote                   string            // what the form was priced for (see islands)
	Errors                             map[string]string // by field name
	Error                              string            // about the whole form
	Notice                             string            // "the total changed": read it before ordering
	PaymentLabel                       string
}

// ShippingOptionView is one shipping method offered for the country.
type ShippingOptionView struct {
	ID, Name, Price string
	Free            bool
}

// OrderPageView is an order's confirmation page.
type OrderPageView struct {
	Number, Date, Email            string
	Lines                          []OrderLineView
	Subtotal, Shipping, Tax, Total string
	TaxRate                        string
	TaxInclusive, HasTax           bool
	ShippingName                   string
	AddressLines                   []string
	PaymentLabel                   string
}

// OrderSummaryView is one order in the account page's history.
type OrderSummaryView struct {
	Number, Date, Total, Path string
	Items                     int
}

// OrderPath is an order's confirmation page: <base path>orders/<token>/,
// answered by the islands server to the shopper who placed it.
func (s *Site) OrderPath(token string) string { return s.Path("orders/" + token + "/") }

// OrdersPrefix is the path under which the islands server answers order
// pages (a CDN or front server routes it there, as it does islands/).
func (s *Site) OrdersPrefix() string { return s.Path("orders/") }

// CountryName is a country's name in the store's language ("Japan",
// "日本"), or its code when unknown.
func (s *Site) CountryName(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	tag, err := language.Parse(s.Lang())
	if err != nil {
		tag = language.English
	}
	if n := display.Regions(tag).Name(r); n != "" {
		return n
	}
	return code
}

func invalid(v CheckoutView, name string) string {
	if v.Errors[name] != "" {
		return "true"
	}
	return "false"
}

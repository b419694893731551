package catalog

import "slices"

// Checkout is a store's own checkout (store.yaml's checkout block): the
// countries it ships to, its shipping methods and its tax rates. Amounts
// are in the store's currency, in the same convention as its prices (a
// country whose tax is inclusive has rates that include it too). The zero
// Checkout ships nowhere: a store checking out locally needs one.
type Checkout struct {
	// Countries are the ISO 3166-1 alpha-2 codes the store ships to, in
	// the order the form lists them (the first is the default).
	Countries []string
	Shipping  []ShippingMethod
	Tax       []TaxRate
	// Payment names the payment method ("invoice" by default: pay on
	// delivery or by invoice).
	Payment string
}

// ShippingMethod is one way of delivering an order, with its rate.
type ShippingMethod struct {
	ID   string // stable, URL-safe: "owl-post"
	Name string // as shoppers read it: "Owl post"
	// Countries it delivers to; empty means every country the store ships to.
	Countries []string
	Rate      Money
	// FreeOver, when not zero, makes the method free for an order whose
	// subtotal is at least this much.
	FreeOver Money
}

// Serves reports whether the method delivers to country.
func (m ShippingMethod) Serves(country string) bool {
	return len(m.Countries) == 0 || slices.Contains(m.Countries, country)
}

// TaxRate is a country's sales tax or VAT.
type TaxRate struct {
	Country string
	// Rate is the percentage in millionths of the whole: 10% is 100000,
	// 8.875% is 88750.
	Rate int64
	// Inclusive: prices (and shipping rates) already contain the tax, which
	// is shown as a part of the total; otherwise it is added on top.
	Inclusive bool
	// Shipping: shipping is taxed at the same rate.
	Shipping bool
}

// RateDenominator is what TaxRate.Rate is a fraction of.
const RateDenominator = 1_000_000

// Ships reports whether the store ships to country.
func (c Checkout) Ships(country string) bool { return slices.Contains(c.Countries, country) }

// MethodsFor lists the shipping methods that deliver to country, in order.
func (c Checkout) MethodsFor(country string) []ShippingMethod {
	if !c.Ships(country) {
		return nil
	}
	var out []ShippingMethod
	for _, m := range c.Shipping {
		if m.Serves(country) {
			out = append(out, m)
		}
	}
	return out
}

// Method returns the shipping method with the id, or nil.
func (c Checkout) Method(id string) *ShippingMethod {
	for i := range c.Shipping {
		if c.Shipping[i].ID == id {
			return &c.Shipping[i]
		}
	}
	return nil
}

// TaxFor returns country's tax rate; a country with none is taxed at 0.
func (c Checkout) TaxFor(country string) TaxRate {
	for _, t := range c.Tax {
		if t.Country == country {
			return t
		}
	}
	return TaxRate{Country: country}
}

// Enabled reports whether the store has a checkout of its own configured.
func (c Checkout) Enabled() bool { return len(c.Countries) > 0 && len(c.Shipping) > 0 }

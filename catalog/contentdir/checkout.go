package contentdir

import (
	"fmt"
	"slices"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/totals"
)

// store.yaml's checkout block:
//
//	checkout:
//	  countries: [US, CA]          # where the store ships; the first is the form's default
//	  payment: invoice             # the only one today: pay on delivery or by invoice
//	  shipping:
//	    - id: owl-post
//	      name: Owl post
//	      rate: "4.99"
//	      free_over: "50.00"       # optional: free for a subtotal of at least this
//	      countries: [US]          # optional: every country of the store by default
//	  tax:
//	    - country: US
//	      rate: "8.875"            # percent, at most four decimals
//	      inclusive: false         # prices contain the tax (true) or it is added (false)
//	      shipping: true           # shipping is taxed too
type checkoutFile struct {
	Countries []string       `yaml:"countries"`
	Payment   string         `yaml:"payment"`
	Shipping  []shippingFile `yaml:"shipping"`
	Tax       []taxFile      `yaml:"tax"`
}

type shippingFile struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name"`
	Rate      string   `yaml:"rate"`
	FreeOver  string   `yaml:"free_over"`
	Countries []string `yaml:"countries"`
}

type taxFile struct {
	Country   string `yaml:"country"`
	Rate      string `yaml:"rate"`
	Inclusive bool   `yaml:"inclusive"`
	Shipping  bool   `yaml:"shipping"`
}

// Payments a store may name in checkout.payment.
var payments = []string{"invoice"}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// readCheckout checks store.yaml's checkout block into the store's
// Checkout, recording each problem on its field.
func (l *loader) readCheckout(f *checkoutFile) {
	const file = "store.yaml"
	if f == nil {
		return
	}
	co := catalog.Checkout{Payment: f.Payment}
	if co.Payment == "" {
		co.Payment = "invoice"
	}
	if !slices.Contains(payments, co.Payment) {
		l.fail(file, 0, "checkout.payment", fmt.Sprintf("%q is not a payment method: use invoice (pay on delivery or by invoice)", f.Payment))
	}
	if len(f.Countries) == 0 {
		l.fail(file, 0, "checkout.countries", "is required: the ISO 3166-1 codes of the countries the store ships to, such as [US, CA]")
	}
	for i, c := range f.Countries {
		field := fmt.Sprintf("checkout.countries[%d]", i)
		switch {
		case !validCountry(c):
			l.fail(file, 0, field, fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code such as US or JP (upper case)", c))
		case slices.Contains(co.Countries, c):
			l.fail(file, 0, field, fmt.Sprintf("%s is listed twice", c))
		default:
			co.Countries = append(co.Countries, c)
		}
	}
	if len(f.Shipping) == 0 {
		l.fail(file, 0, "checkout.shipping", "is required: at least one shipping method (id, name, rate)")
	}
	for i, sf := range f.Shipping {
		field := fmt.Sprintf("checkout.shipping[%d]", i)
		m := catalog.ShippingMethod{ID: sf.ID, Name: sf.Name}
		switch {
		case !catalog.ValidHandle(sf.ID):
			l.fail(file, 0, field+".id", fmt.Sprintf("%q must be lower-case letters, digits and dashes, such as owl-post", sf.ID))
		case co.Method(sf.ID) != nil:
			l.fail(file, 0, field+".id", fmt.Sprintf("%q is used by another shipping method", sf.ID))
		}
		if sf.Name == "" {
			l.fail(file, 0, field+".name", "is required: the method's name as shoppers read it")
		}
		m.Rate = l.money(file, field+".rate", sf.Rate)
		if m.Rate.Amount < 0 {
			l.fail(file, 0, field+".rate", fmt.Sprintf("%q must not be negative", sf.Rate))
		}
		if sf.FreeOver != "" {
			m.FreeOver = l.money(file, field+".free_over", sf.FreeOver)
			if m.FreeOver.Amount <= 0 {
				l.fail(file, 0, field+".free_over", fmt.Sprintf("%q must be more than zero (leave it out for no free shipping)", sf.FreeOver))
			}
		}
		for j, c := range sf.Countries {
			if !slices.Contains(co.Countries, c) {
				// Kept: a method limited to bad codes is still limited.
				l.fail(file, 0, fmt.Sprintf("%s.countries[%d]", field, j), fmt.Sprintf("%q is not one of checkout.countries", c))
			}
			m.Countries = append(m.Countries, c)
		}
		co.Shipping = append(co.Shipping, m)
	}
	for i, c := range f.Countries {
		if validCountry(c) && len(co.Shipping) > 0 && len(co.MethodsFor(c)) == 0 && slices.Index(f.Countries, c) == i {
			l.fail(file, 0, fmt.Sprintf("checkout.countries[%d]", i), fmt.Sprintf("no shipping method delivers to %s", c))
		}
	}
	for i, tf := range f.Tax {
		field := fmt.Sprintf("checkout.tax[%d]", i)
		tr := catalog.TaxRate{Country: tf.Country, Inclusive: tf.Inclusive, Shipping: tf.Shipping}
		switch {
		case !slices.Contains(co.Countries, tf.Country):
			l.fail(file, 0, field+".country", fmt.Sprintf("%q is not one of checkout.countries", tf.Country))
		case slices.ContainsFunc(co.Tax, func(t catalog.TaxRate) bool { return t.Country == tf.Country }):
			l.fail(file, 0, field+".country", fmt.Sprintf("%s has another tax rate already", tf.Country))
		}
		r, err := totals.ParseRate(tf.Rate)
		if err != nil {
			l.fail(file, 0, field+".rate", err.Error())
		}
		tr.Rate = r
		co.Tax = append(co.Tax, tr)
	}
	l.store.Checkout = co
}

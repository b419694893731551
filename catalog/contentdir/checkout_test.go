package contentdir

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wandstore/wandstore/catalog"
)

func TestCheckoutBlock(t *testing.T) {
	fsys := fstest.MapFS{"s/store.yaml": {Data: []byte(`name: S
currency: USD
checkout:
  countries: [US, CA]
  shipping:
    - { id: owl-post, name: Owl post, rate: "4.99", free_over: "50.00" }
    - { id: broom, name: Broom express, rate: "15", countries: [US] }
  tax:
    - { country: CA, rate: "13", inclusive: false, shipping: true }
`)}}
	st, _, err := New(fsys).StoreFile("s")
	if err != nil {
		t.Fatal(err)
	}
	co := st.Checkout
	if !co.Enabled() || co.Payment != "invoice" || len(co.Countries) != 2 || co.Countries[0] != "US" {
		t.Fatalf("checkout = %+v", co)
	}
	owl := co.Method("owl-post")
	if owl == nil || owl.Rate != (catalog.Money{Amount: 499, Currency: "USD"}) || owl.FreeOver.Amount != 5000 {
		t.Errorf("owl-post = %+v", owl)
	}
	if ms := co.MethodsFor("CA"); len(ms) != 1 || ms[0].ID != "owl-post" {
		t.Errorf("methods for CA = %+v", ms)
	}
	if ms := co.MethodsFor("FR"); len(ms) != 0 {
		t.Errorf("methods for a country not shipped to = %+v", ms)
	}
	if tr := co.TaxFor("CA"); tr.Rate != 130000 || tr.Inclusive || !tr.Shipping {
		t.Errorf("tax CA = %+v", tr)
	}
	if tr := co.TaxFor("US"); tr.Rate != 0 {
		t.Errorf("tax US = %+v, want none", tr)
	}
}

func TestCheckoutBlockBad(t *testing.T) {
	fsys := fstest.MapFS{"s/store.yaml": {Data: []byte(`name: S
currency: JPY
checkout:
  countries: [JP, jp, JP, FR]
  payment: bitcoin
  shipping:
    - { id: Yamato!, name: "", rate: "600.5", countries: [JP] }
    - { id: sagawa, name: Sagawa, rate: "-1", free_over: "0", countries: [DE] }
  tax:
    - { country: DE, rate: "10" }
    - { country: JP, rate: "10%" }
`)}}
	_, _, err := New(fsys).StoreFile("s")
	ve, ok := catalog.AsValidationErrors(err)
	if !ok {
		t.Fatalf("err = %v, want validation errors", err)
	}
	want := map[string]string{
		"checkout.payment":                  "not a payment method",
		"checkout.countries[1]":             "not an ISO 3166-1",
		"checkout.countries[2]":             "listed twice",
		"checkout.shipping[0].id":           "lower-case",
		"checkout.shipping[0].name":         "is required",
		"checkout.shipping[0].rate":         "no decimals",
		"checkout.shipping[1].rate":         "must not be negative",
		"checkout.shipping[1].free_over":    "more than zero",
		"checkout.shipping[1].countries[0]": "not one of checkout.countries",
		"checkout.tax[0].country":           "not one of checkout.countries",
		"checkout.tax[1].rate":              "not a percentage",
	}
	got := map[string]string{}
	for _, e := range ve {
		if e.File != "store.yaml" {
			t.Errorf("error in file %q: %v", e.File, e)
		}
		got[e.Field] += e.Message
	}
	for f, msg := range want {
		if !strings.Contains(got[f], msg) {
			t.Errorf("%s: got %q, want a message containing %q\nall: %v", f, got[f], msg, err)
		}
	}
	// No method serves FR (sagawa's countries are all bad): said on the country.
	if !strings.Contains(got["checkout.countries[3]"], "no shipping method delivers to FR") {
		t.Errorf("countries[3]: %q", got["checkout.countries[3]"])
	}
	// Errors carry their line in store.yaml.
	for _, e := range ve {
		if e.Field == "checkout.payment" && e.Line != 5 {
			t.Errorf("checkout.payment on line %d, want 5", e.Line)
		}
	}
}

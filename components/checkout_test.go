package components

import (
	"strings"
	"testing"
)

func checkoutFixture() CheckoutView {
	return CheckoutView{
		Email: "ada@example.com", Name: `Ada "<b>" Lovelace`, Line1: "1 Main St", City: "Springfield", PostalCode: "12345",
		Country: "CA", Method: "owl-post",
		Countries: []NavLink{{Handle: "US", Title: "United States"}, {Handle: "CA", Title: "Canada"}},
		Methods:   []ShippingOptionView{{ID: "owl-post", Name: "Owl post", Price: "$6.00"}, {ID: "broom", Name: "Broom", Price: "$19.00", Free: true}},
		Lines:     []OrderLineView{{Title: "Elder Wand", VariantTitle: "11 in", Quantity: "2", UnitPrice: "$129.00", LineTotal: "$258.00"}},
		Subtotal:  "$258.00", Shipping: "$6.00", Tax: "$34.32", Total: "$298.32", TaxRate: "13", HasTax: true,
		CartToken: "c0ffee", Quote: "beef", Errors: map[string]string{"city": "Please fill in this field."},
		Error: "Please correct the fields marked below.", PaymentLabel: "Pay on delivery or by invoice",
	}
}

func TestGoldenCheckoutForm(t *testing.T) {
	s, _ := fixture()
	d := golden(t, "checkout-form", CheckoutForm(s, checkoutFixture()))
	f := d.Find("form#checkout")
	if m, _ := f.Attr("method"); m != "post" {
		t.Error("the form must post without JavaScript")
	}
	if v, _ := d.Find("[name=name]").Attr("value"); v != `Ada "<b>" Lovelace` {
		t.Errorf("name = %q", v)
	}
	if d.Find("[name=country] option[selected]").AttrOr("value", "") != "CA" {
		t.Error("the chosen country is not selected")
	}
	if d.Find("[name=method][checked]").AttrOr("value", "") != "owl-post" {
		t.Error("the chosen method is not checked")
	}
	if d.Find("[data-testid=checkout-problem-city]").Text() != "Please fill in this field." || d.Find("#co-city").AttrOr("aria-invalid", "") != "true" {
		t.Error("the city's problem")
	}
	if d.Find("#co-email").AttrOr("aria-invalid", "") != "false" {
		t.Error("a good field marked invalid")
	}
	if text(d, "checkout-total") != "$298.32" || text(d, "checkout-tax") != "$34.32" {
		t.Error("totals")
	}
	if !strings.Contains(d.Find("[data-testid=checkout-methods]").Text(), "Free") {
		t.Error("a free method shows Free")
	}
	// Inclusive tax is a note under the total, not a line added to it.
	v := checkoutFixture()
	v.TaxInclusive = true
	_, d = render(t, CheckoutForm(s, v))
	if d.Find("tr.tax-included [data-testid=checkout-tax]").Length() != 1 {
		t.Error("inclusive tax not shown as included")
	}
}

func TestGoldenOrderPage(t *testing.T) {
	s, _ := fixture()
	v := OrderPageView{Number: "WS-7K3MQ-9PXA2", Date: "December 6, 2026", Email: "ada@example.com",
		Lines:    []OrderLineView{{Title: "Elder Wand", VariantTitle: "11 in", Quantity: "2", UnitPrice: "$129.00", LineTotal: "$258.00"}},
		Subtotal: "$258.00", Shipping: "Free", Tax: "$43.00", Total: "$258.00", TaxRate: "20", TaxInclusive: true, HasTax: true,
		ShippingName: "Owl post", AddressLines: []string{"Ada <Lovelace>", "1 Main St", "SW1A 1AA London", "United Kingdom"},
		PaymentLabel: "Pay on delivery or by invoice"}
	d := golden(t, "order-page", OrderPage(s, v))
	if text(d, "order-number") != "WS-7K3MQ-9PXA2" || text(d, "order-total") != "$258.00" || text(d, "order-shipping") != "Free" {
		t.Error("number, total or shipping")
	}
	if !strings.Contains(d.Find("[data-testid=order-address]").Text(), "Ada <Lovelace>") {
		t.Error("address")
	}
	d = golden(t, "order-history", OrderHistory(s, []OrderSummaryView{{Number: "WS-7K3MQ-9PXA2", Date: "December 6, 2026", Total: "$258.00", Items: 2, Path: s.OrderPath("0123456789abcdef0123456789abcdef")}}))
	if d.Find("[data-testid=order-history-item] a").AttrOr("href", "") != s.OrderPath("0123456789abcdef0123456789abcdef") {
		t.Error("history link")
	}
	if !strings.Contains(d.Text(), "2 items") {
		t.Errorf("item count: %q", d.Text())
	}
	_, d = render(t, OrderHistory(s, nil))
	if d.Find("[data-testid=order-history-empty]").Length() != 1 {
		t.Error("empty history")
	}
}

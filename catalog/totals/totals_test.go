package totals

import (
	"errors"
	"testing"

	"github.com/wandstore/wandstore/catalog"
)

func usd(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "USD"} }
func jpy(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "JPY"} }

func TestCompute(t *testing.T) {
	owl := &catalog.ShippingMethod{ID: "owl", Rate: usd(500), FreeOver: usd(5000)}
	flat := &catalog.ShippingMethod{ID: "flat", Rate: usd(799)}
	yamato := &catalog.ShippingMethod{ID: "yamato", Rate: jpy(600), FreeOver: jpy(5000)}
	jpTax := catalog.TaxRate{Country: "JP", Rate: 100000, Inclusive: true, Shipping: true}
	cases := []struct {
		name                              string
		currency                          string
		lines                             []Line
		m                                 *catalog.ShippingMethod
		tax                               catalog.TaxRate
		subtotal, shipping, taxAmt, total int64
		free                              bool
	}{
		{"below threshold pays shipping", "USD", []Line{{usd(2499), 2}}, owl, catalog.TaxRate{}, 4998, 500, 0, 5498, false},
		{"exactly at threshold ships free", "USD", []Line{{usd(2500), 2}}, owl, catalog.TaxRate{}, 5000, 0, 0, 5000, true},
		{"above threshold ships free", "USD", []Line{{usd(12900), 1}}, owl, catalog.TaxRate{}, 12900, 0, 0, 12900, true},
		{"no threshold: always the rate", "USD", []Line{{usd(100000), 1}}, flat, catalog.TaxRate{}, 100000, 799, 0, 100799, false},
		{"no method", "USD", []Line{{usd(100), 3}}, nil, catalog.TaxRate{}, 300, 0, 0, 300, false},
		// 8.875% of 19.99 = 1.7741... -> 1.77 added.
		{"exclusive tax added", "USD", []Line{{usd(1999), 1}}, flat, catalog.TaxRate{Rate: 88750}, 1999, 799, 177, 2975, false},
		// Shipping taxed: 8.875% of 27.98 = 2.4832 -> 2.48.
		{"exclusive tax on shipping too", "USD", []Line{{usd(1999), 1}}, flat, catalog.TaxRate{Rate: 88750, Shipping: true}, 1999, 799, 248, 3046, false},
		// 20% inclusive of 12.00: 12 x 0.2/1.2 = 2.00 exactly.
		{"inclusive tax extracted", "USD", []Line{{usd(1200), 1}}, nil, catalog.TaxRate{Rate: 200000, Inclusive: true}, 1200, 0, 200, 1200, false},
		// Half up: 5% of 0.10 = 0.005 -> 0.01; of 0.09 = 0.0045 -> 0.00.
		{"half rounds up", "USD", []Line{{usd(10), 1}}, nil, catalog.TaxRate{Rate: 50000}, 10, 0, 1, 11, false},
		{"below half rounds down", "USD", []Line{{usd(9), 1}}, nil, catalog.TaxRate{Rate: 50000}, 9, 0, 0, 9, false},
		// Per order, not per line: 3 lines of 0.10 at 5% are 0.015 -> 0.02,
		// where per-line rounding would give 0.03.
		{"rounded once per order", "USD", []Line{{usd(10), 1}, {usd(10), 1}, {usd(10), 1}}, nil, catalog.TaxRate{Rate: 50000}, 30, 0, 2, 32, false},
		// JPY: 10% inclusive of 1,080 + 600 shipping = 1,680 x 10/110 = 152.7 -> 153 yen.
		{"JPY inclusive with shipping taxed", "JPY", []Line{{jpy(1080), 1}}, yamato, jpTax, 1080, 600, 153, 1680, false},
		// JPY free over 5,000 yen: 2 x 2,500.
		{"JPY free over 5000", "JPY", []Line{{jpy(2500), 2}}, yamato, jpTax, 5000, 0, 455, 5000, true},
		// JPY exclusive 8% of 999 = 79.92 -> 80 yen, never fractions.
		{"JPY exclusive", "JPY", []Line{{jpy(999), 1}}, nil, catalog.TaxRate{Rate: 80000}, 999, 0, 80, 1079, false},
		{"zero rate", "USD", []Line{{usd(1234), 1}}, nil, catalog.TaxRate{Rate: 0}, 1234, 0, 0, 1234, false},
		{"empty order", "USD", nil, owl, catalog.TaxRate{Rate: 100000}, 0, 500, 0, 500, false},
		// Large amounts do not overflow: 10^13 cents at 25%.
		{"large", "USD", []Line{{usd(10_000_000_000_000), 99}}, nil, catalog.TaxRate{Rate: 250000}, 990_000_000_000_000, 0, 247_500_000_000_000, 1_237_500_000_000_000, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Compute(c.currency, c.lines, c.m, c.tax)
			if err != nil {
				t.Fatal(err)
			}
			want := Totals{
				Subtotal:  catalog.Money{Amount: c.subtotal, Currency: c.currency},
				Shipping:  catalog.Money{Amount: c.shipping, Currency: c.currency},
				Tax:       catalog.Money{Amount: c.taxAmt, Currency: c.currency},
				Total:     catalog.Money{Amount: c.total, Currency: c.currency},
				Inclusive: c.tax.Inclusive, Rate: c.tax.Rate, FreeShip: c.free,
			}
			if got != want {
				t.Errorf("Compute =\n %+v\nwant\n %+v", got, want)
			}
			// Invariants whatever the case: the total is the parts.
			extra := int64(0)
			if !got.Inclusive {
				extra = got.Tax.Amount
			}
			if got.Total.Amount != got.Subtotal.Amount+got.Shipping.Amount+extra {
				t.Errorf("total %d is not subtotal+shipping(+tax)", got.Total.Amount)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	cases := []struct {
		name  string
		lines []Line
		m     *catalog.ShippingMethod
		tax   catalog.TaxRate
		want  error
	}{
		{"line in another currency", []Line{{jpy(100), 1}}, nil, catalog.TaxRate{}, ErrCurrency},
		{"shipping in another currency", []Line{{usd(100), 1}}, &catalog.ShippingMethod{Rate: jpy(5)}, catalog.TaxRate{}, ErrCurrency},
		{"negative price", []Line{{usd(-1), 1}}, nil, catalog.TaxRate{}, ErrNegative},
		{"negative quantity", []Line{{usd(1), -1}}, nil, catalog.TaxRate{}, ErrNegative},
		{"too large", []Line{{usd(maxAmount), 2}}, nil, catalog.TaxRate{}, ErrTooLarge},
	}
	for _, c := range cases {
		if _, err := Compute("USD", c.lines, c.m, c.tax); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Compute("USD", nil, nil, catalog.TaxRate{Rate: catalog.RateDenominator + 1}); err == nil {
		t.Error("a rate over 100% was accepted")
	}
}

func TestParseRate(t *testing.T) {
	good := map[string]int64{"10": 100000, "8.875": 88750, "0": 0, "100": 1000000, "0.0001": 1, "7.5": 75000}
	for s, want := range good {
		got, err := ParseRate(s)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", s, got, err, want)
		}
		if back := FormatRate(got); back != s {
			t.Errorf("FormatRate(%d) = %q, want %q", got, back, s)
		}
	}
	for _, s := range []string{"", "-5", "10%", "1e2", "100.01", "5.", ".5", "0.00001", "1,5", "abc"} {
		if got, err := ParseRate(s); err == nil {
			t.Errorf("ParseRate(%q) = %d, want an error", s, got)
		}
	}
}

func TestDivRoundHalfUp(t *testing.T) {
	for _, c := range []struct{ a, b, d, want int64 }{
		{1, 1, 2, 1}, {1, 1, 3, 0}, {2, 1, 3, 1}, {5, 1, 10, 1}, {4, 1, 10, 0}, {15, 1, 10, 2}, {25, 1, 10, 3}, {0, 7, 3, 0},
	} {
		if got := divRound(c.a, c.b, c.d); got != c.want {
			t.Errorf("divRound(%d,%d,%d) = %d, want %d", c.a, c.b, c.d, got, c.want)
		}
	}
}

// BenchmarkCompute prices 100 lines (twice the most a cart holds,
// shopper.MaxCartLines) with shipping and inclusive tax.
func BenchmarkCompute(b *testing.B) {
	lines := make([]Line, 100)
	for i := range lines {
		lines[i] = Line{UnitPrice: usd(int64(100 + i)), Quantity: 1 + i%99}
	}
	m := &catalog.ShippingMethod{Rate: usd(600), FreeOver: usd(5000)}
	tax := catalog.TaxRate{Rate: 200000, Inclusive: true, Shipping: true}
	for b.Loop() {
		if _, err := Compute("USD", lines, m, tax); err != nil {
			b.Fatal(err)
		}
	}
}

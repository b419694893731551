package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in, currency string
		want         int64
	}{
		{"129.00", "USD", 12900},
		{"129", "USD", 12900},
		{"0.5", "USD", 50},
		{"0.05", "USD", 5},
		{"0", "USD", 0},
		{"007.50", "USD", 750},
		{" 12.00 ", "USD", 1200},
		{"\t12.00\n", "USD", 1200},
		{"-3.00", "USD", -300},
		{"+3", "USD", 300},
		{"1200", "JPY", 1200},
		{"0", "JPY", 0},
		{"1.234", "KWD", 1234},
		{"1.2", "KWD", 1200},
		{"1", "KWD", 1000},
		{"999999999999999.99", "USD", 99999999999999999},
		{"999999999999999.999", "KWD", 999999999999999999},
		{"12.5", "XYZ", 1250}, // an unlisted code has two decimals
	}
	for _, tt := range tests {
		m, err := ParseMoney(tt.in, tt.currency)
		if err != nil {
			t.Errorf("ParseMoney(%q, %s): %v", tt.in, tt.currency, err)
			continue
		}
		if m.Amount != tt.want || m.Currency != tt.currency {
			t.Errorf("ParseMoney(%q, %s) = %d %s, want %d %s", tt.in, tt.currency, m.Amount, m.Currency, tt.want, tt.currency)
		}
	}
}

func TestParseMoneyRejects(t *testing.T) {
	tests := []struct {
		in, currency string
		msg          string // fragment of the error
	}{
		{"12.5", "JPY", "no minor unit"},
		{"12.0", "JPY", "no minor unit"}, // even a zero decimal: JPY takes none
		{"1.999", "USD", "at most 2 decimals"},
		{"1.2345", "KWD", "at most 3 decimals"},
		{"1,200", "USD", "not a plain decimal"},
		{"1,20", "EUR", "not a plain decimal"}, // a decimal comma is not guessed at
		{"1 200", "USD", "not a plain decimal"},
		{"1_200", "USD", "not a plain decimal"},
		{"1e3", "USD", "not a plain decimal"},
		{"0x10", "USD", "not a plain decimal"},
		{"NaN", "USD", "not a plain decimal"},
		{"Inf", "USD", "not a plain decimal"},
		{"$12", "USD", "not a plain decimal"},
		{"12 USD", "USD", "not a plain decimal"},
		{"１２", "USD", "not a plain decimal"}, // full-width digits
		{"", "USD", "empty"},
		{"   ", "USD", "empty"},
		{"12.", "USD", "not a plain decimal"},
		{".5", "USD", "not a plain decimal"},
		{"-", "USD", "not a plain decimal"},
		{"--3", "USD", "not a plain decimal"},
		{"+-3", "USD", "not a plain decimal"},
		{"- 3", "USD", "not a plain decimal"},
		{"1.2.3", "USD", "not a plain decimal"},
		{"1000000000000000", "USD", "too large"},     // 16 digits before the point
		{"1000000000000000", "JPY", "too large"},     //
		{"99999999999999999999", "JPY", "too large"}, // overflows int64
		{"9223372036854775808", "JPY", "too large"},
	}
	for _, tt := range tests {
		m, err := ParseMoney(tt.in, tt.currency)
		if err == nil {
			t.Errorf("ParseMoney(%q, %s) = %d, want an error", tt.in, tt.currency, m.Amount)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseMoney(%q, %s) error %q, want it to mention %q", tt.in, tt.currency, err, tt.msg)
		}
	}
}

func TestParseMoneyCurrency(t *testing.T) {
	for _, code := range []string{"", "usd", "Usd", "US", "USDX", "U5D", "US ", "€UR"} {
		if _, err := ParseMoney("1.00", code); !errors.Is(err, ErrCurrency) {
			t.Errorf("ParseMoney(1.00, %q) error = %v, want ErrCurrency", code, err)
		}
		if ValidCurrency(code) {
			t.Errorf("ValidCurrency(%q) = true", code)
		}
	}
	for _, code := range []string{"USD", "JPY", "KWD", "XYZ"} {
		if !ValidCurrency(code) {
			t.Errorf("ValidCurrency(%q) = false", code)
		}
	}
}

func TestCurrencyDigits(t *testing.T) {
	for code, want := range map[string]int{"USD": 2, "EUR": 2, "JPY": 0, "CLP": 0, "KRW": 0, "KWD": 3, "BHD": 3, "XYZ": 2} {
		if got := CurrencyDigits(code); got != want {
			t.Errorf("CurrencyDigits(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestMoneyDecimal(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{Money{5, "USD"}, "0.05"},
		{Money{50, "USD"}, "0.50"},
		{Money{0, "USD"}, "0.00"},
		{Money{12900, "USD"}, "129.00"},
		{Money{123450, "EUR"}, "1234.50"},
		{Money{-5, "USD"}, "-0.05"},
		{Money{-300, "USD"}, "-3.00"},
		{Money{1200, "JPY"}, "1200"},
		{Money{0, "JPY"}, "0"},
		{Money{-1200, "JPY"}, "-1200"},
		{Money{1234, "KWD"}, "1.234"},
		{Money{5, "KWD"}, "0.005"},
		{Money{1000, "KWD"}, "1.000"},
	}
	for _, tt := range tests {
		if got := tt.m.Decimal(); got != tt.want {
			t.Errorf("%#v.Decimal() = %q, want %q", tt.m, got, tt.want)
		}
	}
	if got, want := (Money{12900, "USD"}).String(), "129.00 USD"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestMoneyIsZero(t *testing.T) {
	if !(Money{}).IsZero() || !(Money{0, "USD"}).IsZero() {
		t.Error("a zero amount should be zero")
	}
	if (Money{1, "USD"}).IsZero() || (Money{-1, "USD"}).IsZero() {
		t.Error("a non-zero amount should not be zero")
	}
}

// The expected strings follow CLDR (checked against ICU's Intl.NumberFormat)
// except where noted: the code writes ambiguous symbols as the ISO code.
const (
	nbsp  = "\u00a0" // no-break space: between number and symbol
	nnbsp = "\u202f" // narrow no-break space: French digit groups
)

func TestMoneyFormat(t *testing.T) {
	tests := []struct {
		amount   int64
		currency string
		locale   string
		want     string
	}{
		{123450, "USD", "en-US", "$1,234.50"},
		{100000000, "USD", "en-US", "$1,000,000.00"},
		{99999, "USD", "en-US", "$999.99"},
		{5, "USD", "en-US", "$0.05"},
		{0, "USD", "en-US", "$0.00"},
		{-123450, "USD", "en-US", "-$1,234.50"},
		{123450, "EUR", "en-US", "€1,234.50"},
		{123450, "GBP", "en-GB", "£1,234.50"},
		{123450, "EUR", "de-DE", "1.234,50" + nbsp + "€"},
		{123456750, "EUR", "de-DE", "1.234.567,50" + nbsp + "€"},
		{-123450, "EUR", "de-DE", "-1.234,50" + nbsp + "€"},
		{0, "EUR", "de-DE", "0,00" + nbsp + "€"},
		{123450, "EUR", "de", "1.234,50" + nbsp + "€"}, // a bare language
		{123450, "CHF", "de-DE", "1.234,50" + nbsp + "CHF"},
		{123450, "EUR", "fr-FR", "1" + nnbsp + "234,50" + nbsp + "€"},
		{-123450, "EUR", "fr-FR", "-1" + nnbsp + "234,50" + nbsp + "€"},
		{1234550, "EUR", "es-ES", "12.345,50" + nbsp + "€"},
		{123450, "EUR", "nl-NL", "€" + nbsp + "1.234,50"},
		{123450, "BRL", "pt-BR", "R$" + nbsp + "1.234,50"},
		{123450, "SEK", "sv-SE", "1" + nbsp + "234,50" + nbsp + "kr"},
		{1200, "JPY", "ja-JP", "¥1,200"},
		{0, "JPY", "ja-JP", "¥0"},
		{1234, "JPY", "en-US", "¥1,234"},
		{1200, "KRW", "ko-KR", "₩1,200"},
		{123450, "CNY", "zh-CN", "¥1,234.50"},
		{1200, "CLP", "es-CL", "$1.200"},
		{1234567, "CLP", "es-CL", "$1.234.567"},
		{0, "CLP", "es-CL", "$0"},
		{123450, "MXN", "es-MX", "$1,234.50"},
		{123450, "CAD", "en-CA", "$1,234.50"},
		{1234, "KWD", "en-US", "KWD" + nbsp + "1.234"},
		{123456750, "INR", "en-IN", "₹12,34,567.50"},
		{12345, "INR", "en-IN", "₹123.45"},
		{100000, "INR", "en-IN", "₹1,000.00"},
		// "$" alone would be ambiguous outside the currency's home.
		{1250, "CAD", "en-US", "CAD" + nbsp + "12.50"},
		{1200, "CLP", "en-US", "CLP" + nbsp + "1,200"},
		{123450, "USD", "de-DE", "1.234,50" + nbsp + "USD"},
		{-1250, "CAD", "en-US", "-CAD" + nbsp + "12.50"},
		// So would "kr" and "¥" for the yuan, outside their home languages.
		{123450, "SEK", "en-US", "SEK" + nbsp + "1,234.50"},
		{123450, "CNY", "en-US", "CNY" + nbsp + "1,234.50"},
		// Unknown locales are written the English way.
		{123450, "USD", "xx-YY", "$1,234.50"},
		{123450, "EUR", "", "€1,234.50"},
	}
	for _, tt := range tests {
		m := Money{Amount: tt.amount, Currency: tt.currency}
		if got := m.Format(tt.locale); got != tt.want {
			t.Errorf("Money{%d, %s}.Format(%q) = %q, want %q", tt.amount, tt.currency, tt.locale, got, tt.want)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"129.00", "129", "0.5", "-3.00", "+3", " 12.00 ", "1.999", "1,200", "1e3", "",
		"007.50", "999999999999999.99", "1000000000000000", "-0", "-0.001", "12.", ".5"} {
		for i := range currencies {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, s string, c uint8) {
		cur := currencies[int(c)%len(currencies)]
		m, err := ParseMoney(s, cur)
		if err != nil {
			return
		}
		if m.Currency != cur {
			t.Fatalf("ParseMoney(%q, %s) currency %q", s, cur, m.Currency)
		}
		d := m.Decimal()
		back, err := ParseMoney(d, cur)
		if err != nil {
			t.Fatalf("ParseMoney(%q, %s) = %d, but its Decimal %q does not parse: %v", s, cur, m.Amount, d, err)
		}
		if back != m {
			t.Fatalf("ParseMoney(%q, %s) = %d; Decimal %q parses back to %d", s, cur, m.Amount, d, back.Amount)
		}
		for _, loc := range []string{"en-US", "de-DE", "fr-FR", "en-IN"} {
			if out := m.Format(loc); out == "" {
				t.Fatalf("Format(%s) of %v is empty", loc, m)
			}
		}
	})
}

// currencies the fuzz target picks from: two, zero and three decimals.
var currencies = []string{"USD", "JPY", "KWD", "CLP", "EUR"}

func TestMoneyTimes(t *testing.T) {
	m := Money{Amount: 1250, Currency: "USD"}
	if got := m.Times(3); got != (Money{Amount: 3750, Currency: "USD"}) {
		t.Errorf("Times(3) = %+v", got)
	}
	if got := (Money{Amount: 1200, Currency: "JPY"}).Times(0); got != (Money{Currency: "JPY"}) {
		t.Errorf("Times(0) = %+v", got)
	}
}

package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Money is an amount in a currency's minor unit (cents for USD, yen for JPY,
// fils for KWD) with its ISO 4217 code. Integer minor units keep sums exact.
type Money struct {
	Amount   int64  // in minor units
	Currency string // ISO 4217 code, upper case
}

// ErrCurrency reports a currency code that is not ISO 4217 shaped.
var ErrCurrency = errors.New("currency must be a three-letter ISO 4217 code")

// zero and three-decimal currencies per ISO 4217; every other code has two.
var currencyDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// CurrencyDigits returns how many minor-unit digits a currency has (0 for
// JPY, 3 for KWD, 2 for most).
func CurrencyDigits(code string) int {
	if d, ok := currencyDigits[code]; ok {
		return d
	}
	return 2
}

// ValidCurrency reports whether code looks like an ISO 4217 code.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}

// ParseMoney reads an amount written in the currency's major unit ("129.00",
// "1200", "-3.5") into minor units. It rejects more decimals than the currency
// has ("12.5" in JPY, "1.999" in USD), thousands separators and exponents, so a
// merchant's typo never becomes a silently different price.
func ParseMoney(s, currency string) (Money, error) {
	if !ValidCurrency(currency) {
		return Money{}, ErrCurrency
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Money{}, errors.New("empty amount")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	digits := CurrencyDigits(currency)
	if whole == "" || !AllDigits(whole) || (hasDot && (frac == "" || !AllDigits(frac))) {
		return Money{}, fmt.Errorf("%q is not a plain decimal amount", s)
	}
	if len(frac) > digits {
		if digits == 0 {
			return Money{}, fmt.Errorf("%q: %s has no minor unit, so no decimals", s, currency)
		}
		return Money{}, fmt.Errorf("%q: %s takes at most %d decimals", s, currency, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || len(whole) > 15 {
		return Money{}, fmt.Errorf("%q is too large", s)
	}
	if neg {
		n = -n
	}
	return Money{Amount: n, Currency: currency}, nil
}

// AllDigits reports whether s is one or more ASCII digits.
func AllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Times is m multiplied by n (a line total: a unit price times a
// quantity), in the same currency.
func (m Money) Times(n int) Money { return Money{Amount: m.Amount * int64(n), Currency: m.Currency} }

// IsZero reports whether the amount is zero, whatever the currency (a
// variant's CompareAt is zero when it is not on sale).
func (m Money) IsZero() bool { return m.Amount == 0 }

// Decimal writes m in the major unit with a dot and no grouping ("129.00",
// "1200"): the form JSON-LD and Open Graph want.
func (m Money) Decimal() string {
	d := CurrencyDigits(m.Currency)
	a := m.Amount
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	s := strconv.FormatInt(a, 10)
	if d == 0 {
		return sign + s
	}
	if len(s) <= d {
		s = strings.Repeat("0", d-len(s)+1) + s
	}
	return sign + s[:len(s)-d] + "." + s[len(s)-d:]
}

// numberFormat is how a locale writes numbers and where the symbol goes.
type numberFormat struct {
	group, decimal string
	symbolAfter    bool // "12,50 €" rather than "€12.50"
	space          bool // a no-break space between symbol and number
	indian         bool // groups of two above the thousands: "12,34,567"
}

var localeFormats = map[string]numberFormat{
	"en": {group: ",", decimal: "."},
	"ja": {group: ",", decimal: "."},
	"ko": {group: ",", decimal: "."},
	"zh": {group: ",", decimal: "."},
	"hi": {group: ",", decimal: ".", indian: true},
	"de": {group: ".", decimal: ",", symbolAfter: true, space: true},
	"es": {group: ".", decimal: ",", symbolAfter: true, space: true},
	"it": {group: ".", decimal: ",", symbolAfter: true, space: true},
	"nl": {group: ".", decimal: ",", space: true},
	"pt": {group: ".", decimal: ",", symbolAfter: true, space: true},
	"fr": {group: "\u202f", decimal: ",", symbolAfter: true, space: true},
	"sv": {group: "\u00a0", decimal: ",", symbolAfter: true, space: true},
	"da": {group: ".", decimal: ",", symbolAfter: true, space: true},
	"nb": {group: "\u00a0", decimal: ",", symbolAfter: true, space: true},
	"pl": {group: "\u00a0", decimal: ",", symbolAfter: true, space: true},
}

// Region-specific exceptions to the language's format.
var regionFormats = map[string]numberFormat{
	"de-CH": {group: "’", decimal: ".", space: true},
	"en-IN": {group: ",", decimal: ".", indian: true},
	"es-CL": {group: ".", decimal: ",", space: false},
	"es-MX": {group: ",", decimal: "."},
	"pt-BR": {group: ".", decimal: ",", space: true},
}

// Symbols for the currencies whose symbol is unambiguous in their home
// locales; others are written with their code ("CHF 12.50").
var currencySymbols = map[string]string{
	"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩", "INR": "₹", "CNY": "¥",
	"CLP": "$", "MXN": "$", "CAD": "$", "AUD": "$", "NZD": "$", "BRL": "R$", "PLN": "zł",
	"SEK": "kr", "NOK": "kr", "DKK": "kr", "VND": "₫", "ILS": "₪", "TRY": "₺",
}

// symbolHomes limits a symbol several currencies share ("$", "kr", "¥") to
// the locales (full tags) or languages where it means this currency;
// elsewhere the code disambiguates it ("CAD 12.50", "SEK 12.50").
var symbolHomes = map[string][]string{
	"USD": {"en"}, "CLP": {"es-CL"}, "MXN": {"es-MX"}, "CAD": {"en-CA", "fr-CA"}, "AUD": {"en-AU"}, "NZD": {"en-NZ"},
	"CNY": {"zh"}, "SEK": {"sv"}, "NOK": {"nb", "nn", "no"}, "DKK": {"da"}, "PLN": {"pl"},
}

// Format writes m for shoppers of locale (a BCP 47 tag such as "en-US",
// "de-DE", "ja-JP"): grouping, decimal mark and symbol placement follow the
// locale, the number of decimals follows the currency (so JPY and CLP never
// show ".00"). Unknown locales are written as en-US.
func (m Money) Format(locale string) string {
	locale, lang, nf := numberFormatOf(locale)
	num := groupNumber(m.Decimal(), nf)
	neg := strings.HasPrefix(num, "-")
	num = strings.TrimPrefix(num, "-")

	sym, ok := currencySymbols[m.Currency]
	if homes, limited := symbolHomes[m.Currency]; ok && limited {
		ok = slices.Contains(homes, locale) || slices.Contains(homes, lang)
	}
	if !ok {
		sym = m.Currency
	}
	var out string
	sep := ""
	if nf.space || !ok {
		sep = "\u00a0"
	}
	if nf.symbolAfter {
		out = num + sep + sym
	} else {
		out = sym + sep + num
	}
	if neg {
		out = "-" + out
	}
	return out
}

// numberFormatOf is how locale writes numbers (its region's exception,
// else its language's), with the locale and language it applies to:
// en-US for unknown ones.
func numberFormatOf(locale string) (string, string, numberFormat) {
	lang, _, _ := strings.Cut(locale, "-")
	lang = strings.ToLower(lang)
	nf, ok := regionFormats[locale]
	if !ok {
		nf, ok = localeFormats[lang]
	}
	if !ok {
		return "en-US", "en", localeFormats["en"]
	}
	return locale, lang, nf
}

// FormatInt writes n with locale's digit grouping ("1,234", "1.234",
// "1\u202f234").
func FormatInt(n int64, locale string) string {
	_, _, nf := numberFormatOf(locale)
	return groupNumber(strconv.FormatInt(n, 10), nf)
}

func groupNumber(dec string, nf numberFormat) string {
	sign := ""
	if strings.HasPrefix(dec, "-") {
		sign, dec = "-", dec[1:]
	}
	whole, frac, hasFrac := strings.Cut(dec, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && groupBefore(len(whole)-i, nf.indian) {
			b.WriteString(nf.group)
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString(nf.decimal)
		b.WriteString(frac)
	}
	return sign + b.String()
}

// groupBefore reports whether a group separator goes before a digit that
// has left digits from it to the end of the whole part.
func groupBefore(left int, indian bool) bool {
	if indian && left > 3 {
		return left%2 == 1 // 12,34,567
	}
	return left%3 == 0
}

// String writes m with its code, for logs and errors ("129.00 USD").
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

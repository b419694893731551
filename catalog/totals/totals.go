// Package totals computes an order's money: subtotal, shipping, tax and
// total, from priced lines, a shipping method and a tax rate. It is pure
// (no I/O, no clock) and works in integer minor units (catalog.Money), so a
// zero-decimal currency such as JPY needs nothing special: its minor unit
// is the yen.
//
// Rounding: tax is rounded once per order (one rate applies to one order,
// as each destination country has one rate), half up (a half minor unit
// goes away from zero). Rounding once per order and rate keeps the error
// under half a minor unit in total and makes the tax line equal to the
// rate applied to what the shopper sees; it is what EU VAT invoices and
// Japan's qualified invoices (one rounding per invoice and rate) do.
// Rounding each line would let per-line errors add up (a cart of 99 lines
// could be 49 minor units off). Half up rather than half even: with one
// rounding per order there is no sum of roundings whose bias half even
// would cancel, and half up is the rule merchants and tax offices expect.
//
// Inclusive tax (prices contain it) is extracted: tax = gross × r / (1 + r);
// the total is the gross. Exclusive tax is added: tax = net × r; the total
// is net + tax. Shipping is in the tax base when the rate says so.
// Shipping is free when the method has a threshold and the subtotal (the
// goods, as priced, before shipping) is at least that threshold.
package totals

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/wandstore/wandstore/catalog"
)

// Line is one priced line of an order.
type Line struct {
	UnitPrice catalog.Money
	Quantity  int
}

// Totals is an order's money. Tax is part of Total either way: added to
// it (exclusive) or contained in it (inclusive).
type Totals struct {
	Subtotal  catalog.Money
	Shipping  catalog.Money
	Tax       catalog.Money
	Total     catalog.Money
	Inclusive bool  // the tax is contained in the prices
	Rate      int64 // the tax rate applied, in catalog.RateDenominator parts
	FreeShip  bool  // the method's free-over threshold was reached
}

// Errors of Compute.
var (
	ErrCurrency = errors.New("totals: amounts in different currencies")
	ErrNegative = errors.New("totals: negative amount or quantity")
	ErrTooLarge = errors.New("totals: amount too large")
)

// maxAmount bounds every amount (10^15 minor units, as catalog.ParseMoney
// does), so no sum overflows int64.
const maxAmount = 1_000_000_000_000_000

// Compute adds up the lines in currency, applies the shipping method
// (nil: no shipping) and the tax rate.
func Compute(currency string, lines []Line, m *catalog.ShippingMethod, tax catalog.TaxRate) (Totals, error) {
	zero := catalog.Money{Currency: currency}
	t := Totals{Subtotal: zero, Shipping: zero, Tax: zero, Total: zero, Inclusive: tax.Inclusive, Rate: tax.Rate}
	if tax.Rate < 0 || tax.Rate > catalog.RateDenominator {
		return t, fmt.Errorf("totals: tax rate %d out of range", tax.Rate)
	}
	for _, l := range lines {
		if l.UnitPrice.Currency != currency {
			return t, ErrCurrency
		}
		if l.UnitPrice.Amount < 0 || l.Quantity < 0 {
			return t, ErrNegative
		}
		if l.UnitPrice.Amount > maxAmount || l.Quantity > 1_000_000 {
			return t, ErrTooLarge
		}
		t.Subtotal.Amount += l.UnitPrice.Amount * int64(l.Quantity)
		if t.Subtotal.Amount > maxAmount {
			return t, ErrTooLarge
		}
	}
	if m != nil {
		if m.Rate.Currency != currency || (!m.FreeOver.IsZero() && m.FreeOver.Currency != currency) {
			return t, ErrCurrency
		}
		if m.Rate.Amount < 0 || m.FreeOver.Amount < 0 {
			return t, ErrNegative
		}
		if m.Rate.Amount > maxAmount {
			return t, ErrTooLarge
		}
		t.Shipping.Amount = m.Rate.Amount
		if !m.FreeOver.IsZero() && t.Subtotal.Amount >= m.FreeOver.Amount {
			t.Shipping.Amount, t.FreeShip = 0, true
		}
	}
	base := t.Subtotal.Amount
	if tax.Shipping {
		base += t.Shipping.Amount
	}
	if tax.Inclusive {
		t.Tax.Amount = divRound(base, tax.Rate, catalog.RateDenominator+tax.Rate)
		t.Total.Amount = t.Subtotal.Amount + t.Shipping.Amount
	} else {
		t.Tax.Amount = divRound(base, tax.Rate, catalog.RateDenominator)
		t.Total.Amount = t.Subtotal.Amount + t.Shipping.Amount + t.Tax.Amount
	}
	return t, nil
}

// divRound is a × b / d rounded half up, for a, b >= 0 and d > 0, without
// overflow.
func divRound(a, b, d int64) int64 {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	q, r := new(big.Int).QuoRem(n, big.NewInt(d), new(big.Int))
	if r.Lsh(r, 1).Cmp(big.NewInt(d)) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// ParseRate reads a percentage ("10", "8.875", "0") into
// catalog.RateDenominator parts: at most four decimals, from 0 to 100.
func ParseRate(s string) (int64, error) {
	whole, frac, dot := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(whole) > 3 || len(frac) > 4 || (dot && frac == "") || !catalog.AllDigits(whole) || (frac != "" && !catalog.AllDigits(frac)) {
		return 0, fmt.Errorf("%q is not a percentage such as 10 or 8.875 (at most four decimals)", s)
	}
	frac += strings.Repeat("0", 4-len(frac))
	n, _ := strconv.ParseInt(whole+frac, 10, 64)
	// A percent with four decimals is in millionths of the whole.
	if n > catalog.RateDenominator {
		return 0, fmt.Errorf("%q is more than 100%%", s)
	}
	return n, nil
}

// FormatRate writes a rate as a percentage without trailing zeros
// ("10", "8.875").
func FormatRate(r int64) string {
	whole, frac := r/10000, r%10000
	if frac == 0 {
		return fmt.Sprint(whole)
	}
	s := fmt.Sprintf("%d.%04d", whole, frac)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return s
}

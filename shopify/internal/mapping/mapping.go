// Package mapping holds what Shopify's export formats (product CSV,
// products.json) and the Storefront API map the same way: options of a
// one-store import, image addresses, stock, prices, dropping what would not
// validate, and a file as a catalog.Source.
package mapping

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/wandstore/wandstore/catalog"
)

// Options describe the one store an export becomes.
type Options struct {
	Store    string // the store's handle; required
	Name     string // default: the handle
	Currency string // ISO 4217; default USD
	Locale   string // default en-US
	// File names the export in problems; default given to WithDefaults.
	File string
}

// WithDefaults fills what o leaves empty (file names the export when o.File
// is empty) and checks the handle and currency.
func (o Options) WithDefaults(file string) (Options, error) {
	if o.Name == "" {
		o.Name = o.Store
	}
	o.Currency = strings.ToUpper(strings.TrimSpace(o.Currency))
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.Locale == "" {
		o.Locale = "en-US"
	}
	if o.File == "" {
		o.File = file
	}
	if !catalog.ValidHandle(o.Store) {
		return o, fmt.Errorf("store handle %q must be lower-case letters, digits and dashes", o.Store)
	}
	if !catalog.ValidCurrency(o.Currency) {
		return o, fmt.Errorf("currency %q: %w", o.Currency, catalog.ErrCurrency)
	}
	return o, nil
}

// ImageURL makes an image address one the catalog takes: Shopify's CDN
// answers on https, so protocol-relative and http addresses become https.
func ImageURL(src string) string {
	switch {
	case strings.HasPrefix(src, "//"):
		return "https:" + src
	case len(src) > 7 && strings.EqualFold(src[:7], "http://"):
		return "https://" + src[7:]
	}
	return src
}

// SetStock sets a variant's stock the way the content format can say it:
// tracked with its count (available while above zero), or not tracked
// (always available). Negative counts (oversold) are zero. available, when
// known, can mark the variant sold out; a source saying a tracked variant
// with no stock is available (it sells when out of stock) makes it
// untracked.
func SetStock(v *catalog.Variant, tracked bool, qty int, available *bool) {
	v.Available, v.Tracked, v.Inventory = true, false, 0
	if tracked {
		qty = max(qty, 0)
		if qty == 0 && available != nil && *available {
			tracked = false
		} else {
			v.Tracked, v.Inventory, v.Available = true, qty, qty > 0
		}
	}
	if available != nil && !*available {
		v.Available = false
	}
}

var thousandsRE = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$`)

// ParsePrice reads a price as Shopify writes it into currency's minor
// units: "19.99", "1200.00" in JPY (decimals beyond the currency's are
// accepted when they are zeros, as Shopify writes ".00" for every
// currency) and, when grouping is true (spreadsheets), "1,200.00" with
// commas only in groups of three. Anything else gives an error naming the
// value.
func ParsePrice(s, currency string, grouping bool) (catalog.Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return catalog.Money{}, errors.New("no price")
	}
	orig := s
	if grouping && thousandsRE.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if whole, frac, ok := strings.Cut(s, "."); ok {
		d := catalog.CurrencyDigits(currency)
		if len(frac) > d && strings.Trim(frac[d:], "0") == "" {
			s = whole
			if d > 0 {
				s += "." + frac[:d]
			}
		}
	}
	m, err := catalog.ParseMoney(s, currency)
	if err != nil {
		return catalog.Money{}, fmt.Errorf("price in %s: %w", currency, err)
	}
	if m.Amount < 0 {
		return catalog.Money{}, fmt.Errorf("%q must not be negative", orig)
	}
	return m, nil
}

// Prune drops the products Validate finds fault with, so the store
// returned always validates, and reports each problem on the product's
// line in file (lines[i] is product i's).
func Prune(s *catalog.Store, file string, lines []int) catalog.ValidationErrors {
	for i, p := range s.Products {
		p.File = strconv.Itoa(i)
	}
	err := s.Validate()
	for _, p := range s.Products {
		p.File = file
	}
	ve, _ := catalog.AsValidationErrors(err)
	bad := map[int]bool{}
	var out catalog.ValidationErrors
	for _, e := range ve {
		i, convErr := strconv.Atoi(e.File)
		if convErr != nil || i < 0 || i >= len(s.Products) {
			continue // store-level problems are ruled out by Options
		}
		bad[i] = true
		msg := e.Message + "; product skipped"
		if e.Field != "" {
			msg = e.Field + ": " + msg
		}
		out = append(out, &catalog.FieldError{Store: s.Handle, File: file, Line: lines[i],
			Field: "product " + strconv.Quote(s.Products[i].Handle), Message: msg})
	}
	if len(bad) > 0 {
		kept := s.Products[:0]
		for i, p := range s.Products {
			if !bad[i] {
				kept = append(kept, p)
			}
		}
		clear(s.Products[len(kept):])
		s.Products = kept
	}
	return out
}

// ReadFunc reads an export into a store and its problems.
type ReadFunc func(r io.Reader, opts Options) (*catalog.Store, catalog.ValidationErrors, error)

// FileSource reads one store from an export file, read again at each Load.
// It is strict, as a build's source should be: a file with any problem
// gives a catalog.ValidationErrors naming each line. `wandgen import` is the
// lenient way: it imports the good rows and lists the rest.
type FileSource struct {
	path string
	opts Options
	read ReadFunc
}

var _ catalog.Source = (*FileSource)(nil)

// NewFileSource returns a Source for the export at path; opts.File
// defaults to the file's base name.
func NewFileSource(path string, opts Options, read ReadFunc) *FileSource {
	if opts.File == "" {
		opts.File = filepath.Base(path)
	}
	return &FileSource{path: path, opts: opts, read: read}
}

// Stores lists the one store the file holds.
func (s *FileSource) Stores(ctx context.Context) ([]string, error) {
	return []string{s.opts.Store}, nil
}

// Load reads the store. Another handle gives an error wrapping
// fs.ErrNotExist; a file with problems gives a catalog.ValidationErrors.
func (s *FileSource) Load(ctx context.Context, handle string) (*catalog.Store, error) {
	if handle != s.opts.Store {
		return nil, fmt.Errorf("store %q: %w", handle, fs.ErrNotExist)
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", handle, err)
	}
	defer f.Close()
	st, problems, err := s.read(f, s.opts)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", handle, err)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return st, nil
}

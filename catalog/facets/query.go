package facets

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wandstore/wandstore/catalog"
)

// URL parameters, Shopify's names (storefront filtering), so links made
// for a Shopify theme read the same here.
const (
	ParamOption       = "filter.v.option." // + the option's name in lower case
	ParamPriceMin     = "filter.v.price.gte"
	ParamPriceMax     = "filter.v.price.lte"
	ParamAvailability = "filter.v.availability" // "1": in stock only
	ParamVendor       = "filter.p.vendor"
	ParamType         = "filter.p.product_type"
	ParamSort         = "sort_by"
	ParamPage         = "page"
)

// Query is a canonical filter, sort and page: every value names one the
// index has (as the index writes it), prices are minor units, at least 0
// and Min <= Max.
type Query struct {
	// Values are the chosen values by parameter name (ParamVendor,
	// ParamType, ParamOption+"size"), each list in the index's order.
	Values         map[string][]string
	Min, Max       int64
	HasMin, HasMax bool
	InStock        bool
	Sort           catalog.SortOrder // SortManual: the collection's own
	Page           int               // 1-based; 0 means 1
}

// Filtered reports whether q filters anything (not only sorts or pages).
func (q Query) Filtered() bool {
	return len(q.Values) > 0 || q.HasMin || q.HasMax || q.InStock
}

// Issue is something in a query that could not be used as written; the
// query went on without it, or clamped it.
type Issue struct {
	Code  IssueCode
	Value string // what the shopper wrote (PriceNotNumber, PriceNegative)
}

// IssueCode says what was wrong.
type IssueCode int

// Issue codes.
const (
	// PriceNotNumber: a price bound that is not a number; it is ignored.
	PriceNotNumber IssueCode = iota + 1
	// PriceNegative: a price bound below zero; it is ignored.
	PriceNegative
	// PriceSwapped: the lower bound was above the upper; they are swapped.
	PriceSwapped
	// PageBeyond: a page after the last; the last is shown (Apply).
	PageBeyond
)

// sortNames are Shopify's sort_by values; WandStore's own names are
// accepted too.
var sortNames = map[catalog.SortOrder]string{
	catalog.SortManual:    "manual",
	catalog.SortPriceAsc:  "price-ascending",
	catalog.SortPriceDesc: "price-descending",
	catalog.SortTitleAsc:  "title-ascending",
	catalog.SortTitleDesc: "title-descending",
	catalog.SortNewest:    "created-descending",
}

// SortParam is the sort_by value of an order ("price-ascending").
func SortParam(o catalog.SortOrder) string {
	if n, ok := sortNames[o]; ok {
		return n
	}
	return sortNames[catalog.SortManual]
}

// parseSort reads a sort_by value; anything unknown is the default order.
func parseSort(s string) catalog.SortOrder {
	for o, n := range sortNames {
		if s == n || s == string(o) {
			return o
		}
	}
	return catalog.SortManual
}

// maxPage bounds a page number read from a URL before Apply clamps it to
// the last page.
const maxPage = 1 << 20

// Parse reads a query from URL parameters. Parameters it does not know,
// values the collection does not have and repeated single-valued
// parameters (all but the first non-empty one) are ignored; a price that
// is not a number or is negative is ignored with an Issue, and bounds the
// wrong way round are swapped with one. The result is canonical: two
// requests that mean the same filter parse to equal Queries and Encode
// alike.
func (x *Index) Parse(v url.Values) (Query, []Issue) {
	var q Query
	var issues []Issue
	for name, vals := range v {
		var g *group
		switch {
		case name == ParamVendor:
			g = x.groupOf(Vendor, "")
		case name == ParamType:
			g = x.groupOf(Type, "")
		case strings.HasPrefix(name, ParamOption):
			g = x.groupOf(Option, strings.TrimPrefix(name, ParamOption))
		}
		if g == nil {
			continue
		}
		chosen := make([]bool, len(g.values))
		for _, s := range vals {
			if i, ok := g.byFolded[fold(s)]; ok {
				chosen[i] = true
			}
		}
		var labels []string
		for i, c := range chosen {
			if c {
				labels = append(labels, g.values[i].label)
			}
		}
		if len(labels) > 0 {
			if q.Values == nil {
				q.Values = map[string][]string{}
			}
			q.Values[g.param()] = labels
		}
	}
	q.Min, q.HasMin = x.parsePrice(first(v[ParamPriceMin]), &issues)
	q.Max, q.HasMax = x.parsePrice(first(v[ParamPriceMax]), &issues)
	if q.HasMin && q.HasMax && q.Min > q.Max {
		q.Min, q.Max = q.Max, q.Min
		issues = append(issues, Issue{Code: PriceSwapped})
	}
	q.InStock = first(v[ParamAvailability]) == "1"
	q.Sort = parseSort(first(v[ParamSort]))
	q.Page = 1
	if p := first(v[ParamPage]); catalog.AllDigits(p) {
		if n, err := strconv.Atoi(p); err != nil || n > maxPage {
			q.Page = maxPage // out of range: Apply shows the last page
		} else if n > 1 {
			q.Page = n
		}
	}
	return q, issues
}

// first is the first non-empty value, or "".
func first(vals []string) string {
	for _, s := range vals {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// parsePrice reads a price in the major unit, leniently: "12", "12.5",
// "12,50" (a decimal comma), a currency's extra decimals rounded away.
func (x *Index) parsePrice(s string, issues *[]Issue) (int64, bool) {
	if s == "" {
		return 0, false
	}
	orig := s
	if len(s) > 32 {
		s = s[:32] + "…"
		*issues = append(*issues, Issue{Code: PriceNotNumber, Value: s})
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if whole == "" {
		whole = "0"
	}
	digits := catalog.CurrencyDigits(x.currency)
	if !catalog.AllDigits(whole) || (frac != "" && !catalog.AllDigits(frac)) || len(whole) > 13 || (whole == "0" && frac == "" && !strings.ContainsAny(s, "0")) {
		*issues = append(*issues, Issue{Code: PriceNotNumber, Value: orig})
		return 0, false
	}
	round := len(frac) > digits && frac[digits] >= '5'
	if len(frac) > digits {
		frac = frac[:digits]
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, _ := strconv.ParseInt(whole+frac, 10, 64) // at most 13+3 digits
	if round {
		n++
	}
	if neg && n != 0 {
		*issues = append(*issues, Issue{Code: PriceNegative, Value: orig})
		return 0, false
	}
	return n, true
}

// groupOf finds a facet by kind (and option key).
func (x *Index) groupOf(k Kind, key string) *group {
	for _, g := range x.groups {
		if g.kind == k && g.key == key {
			return g
		}
	}
	return nil
}

// param is the URL parameter that chooses the group's values.
func (g *group) param() string {
	switch g.kind {
	case Vendor:
		return ParamVendor
	case Type:
		return ParamType
	}
	return ParamOption + g.key
}

// Encode writes q as a URL query, canonically: parameters by name, values
// in the index's order, defaults (first page, the collection's own order)
// left out. "" for the unfiltered first page in the default order.
func (q Query) Encode(currency string) string {
	v := url.Values{}
	for name, vals := range q.Values {
		v[name] = slices.Clone(vals)
	}
	if q.HasMin {
		v.Set(ParamPriceMin, catalog.Money{Amount: q.Min, Currency: currency}.Decimal())
	}
	if q.HasMax {
		v.Set(ParamPriceMax, catalog.Money{Amount: q.Max, Currency: currency}.Decimal())
	}
	if q.InStock {
		v.Set(ParamAvailability, "1")
	}
	if q.Sort != "" && q.Sort != catalog.SortManual {
		v.Set(ParamSort, SortParam(q.Sort))
	}
	if q.Page > 1 {
		v.Set(ParamPage, strconv.Itoa(q.Page))
	}
	return v.Encode()
}

// Without returns q less one chosen value of a parameter (the link that
// removes it), on its first page.
func (q Query) Without(param, label string) Query {
	out := q
	out.Page = 1
	out.Values = map[string][]string{}
	for name, vals := range q.Values {
		if name == param {
			vals = slices.DeleteFunc(slices.Clone(vals), func(s string) bool { return s == label })
		}
		if len(vals) > 0 {
			out.Values[name] = vals
		}
	}
	return out
}

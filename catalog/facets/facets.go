// Package facets filters, sorts and pages one collection's products the
// way Shopify's Search & Discovery filters do: by option values, price
// range, availability, vendor and product type, each combinable with every
// sort order. An Index is built once per collection and catalog version
// (its products never change: a catalog change makes a new one) and
// answers a Query in microseconds on 10,000 products (BenchmarkApply10k):
// each facet value is a bitset over the collection's products, each sort
// order a permutation computed once.
//
// Values of one facet are alternatives (Red or Blue), facets combine (Red
// and in stock and under 50): a value's count is how many products the
// query would list with that value chosen instead of its facet's current
// choice (Shopify's counts). Option values match per product; with "in
// stock" chosen an option value matches only through an available variant
// that has it, so "Size M, in stock" leaves out a product whose M is sold
// out.
package facets

import (
	"slices"
	"strings"
	"sync"

	"github.com/wandstore/wandstore/catalog"
)

// Kind is what a facet filters on.
type Kind int

// Facet kinds, in the order an Index lists its groups: options (in the
// order the collection's products first name them), then vendor, then type.
const (
	Option Kind = iota
	Vendor
	Type
)

// Index is a collection's products ready to filter. Safe for concurrent use.
type Index struct {
	products []*catalog.Product // in the collection's own order
	sort     catalog.SortOrder  // the collection's default order (SortManual's meaning)
	currency string

	minPrice, maxPrice []int64 // per product, over its variants
	avail              bitset  // products with an available variant
	groups             []*group
	lo, hi             int64 // the collection's lowest and highest variant price

	permMu sync.Mutex
	perms  map[catalog.SortOrder][]int32 // positions in order, computed on first use
}

type group struct {
	kind     Kind
	key      string // Option: the option's name in lower case; else ""
	name     string // Option: the option's name as first written
	values   []*value
	byFolded map[string]int
}

type value struct {
	label string // as first written
	any   bitset // products with the value
	// avail are the products with an available variant that has the value
	// (for options; for vendor and type the same as any ∩ Index.avail).
	avail bitset
}

// MaxValues bounds the values a facet keeps (the first ones met, in the
// collection's order); a collection whose products name more (a vendor per
// product) lists the rest unfiltered. It bounds what a query may name, so
// neither a page nor a cache key grows without limit.
const MaxValues = 100

// New indexes products, a collection's members in its own order; order is
// the collection's default sort (what SortManual lists by) and currency the
// store's.
func New(products []*catalog.Product, order catalog.SortOrder, currency string) *Index {
	n := len(products)
	x := &Index{products: products, sort: order, currency: currency, avail: newBitset(n),
		minPrice: make([]int64, n), maxPrice: make([]int64, n), perms: map[catalog.SortOrder][]int32{}}
	options := map[string]*group{}
	var optionOrder []*group
	vendor := &group{kind: Vendor, byFolded: map[string]int{}}
	typ := &group{kind: Type, byFolded: map[string]int{}}
	first := true
	for i, p := range products {
		lo, hi, any := int64(0), int64(0), false
		for _, v := range p.Variants {
			if !any || v.Price.Amount < lo {
				lo = v.Price.Amount
			}
			if !any || v.Price.Amount > hi {
				hi = v.Price.Amount
			}
			any = true
		}
		x.minPrice[i], x.maxPrice[i] = lo, hi
		if !any { // no price: outside every range
			x.minPrice[i], x.maxPrice[i] = 1<<62+1, -1<<62-1
		}
		if any {
			if first || lo < x.lo {
				x.lo = lo
			}
			if first || hi > x.hi {
				x.hi = hi
			}
			first = false
		}
		available := p.Available()
		if available {
			x.avail.set(i)
		}
		for j, o := range p.Options {
			key := fold(o.Name)
			if key == "" {
				continue
			}
			g := options[key]
			if g == nil {
				g = &group{kind: Option, key: key, name: strings.TrimSpace(o.Name), byFolded: map[string]int{}}
				options[key] = g
				optionOrder = append(optionOrder, g)
			}
			for _, v := range p.Variants {
				if j >= len(v.Options) {
					continue
				}
				val := g.add(v.Options[j], n)
				if val == nil {
					continue
				}
				val.any.set(i)
				if v.Available {
					val.avail.set(i)
				}
			}
		}
		for _, gv := range []struct {
			g     *group
			label string
		}{{vendor, p.Vendor}, {typ, p.Type}} {
			if val := gv.g.add(gv.label, n); val != nil {
				val.any.set(i)
				if available {
					val.avail.set(i)
				}
			}
		}
	}
	for _, g := range append(optionOrder, vendor, typ) {
		if len(g.values) > 0 {
			x.groups = append(x.groups, g)
		}
	}
	return x
}

// add returns the value labelled label (case and surrounding space
// ignored), adding it if there is room; nil for an empty label or a full
// group.
func (g *group) add(label string, n int) *value {
	k := fold(label)
	if k == "" {
		return nil
	}
	if i, ok := g.byFolded[k]; ok {
		return g.values[i]
	}
	if len(g.values) == MaxValues {
		return nil
	}
	v := &value{label: strings.TrimSpace(label), any: newBitset(n), avail: newBitset(n)}
	g.byFolded[k] = len(g.values)
	g.values = append(g.values, v)
	return v
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Len is how many products the collection has.
func (x *Index) Len() int { return len(x.products) }

// Currency is the currency prices are in.
func (x *Index) Currency() string { return x.currency }

// perm is the collection's positions in order, computed once per order.
func (x *Index) perm(order catalog.SortOrder) []int32 {
	if order == catalog.SortManual || !order.Valid() {
		order = x.sort
	}
	if !order.Sorts() {
		order = catalog.SortManual
	}
	x.permMu.Lock()
	defer x.permMu.Unlock()
	if p, ok := x.perms[order]; ok {
		return p
	}
	type keyed struct {
		i int32
		k catalog.SortKey
	}
	ks := make([]keyed, len(x.products))
	for i, p := range x.products {
		ks[i] = keyed{int32(i), order.Key(p)}
	}
	// Stable, with the keys of catalog.SortProducts: the same order as the
	// pre-rendered pages.
	slices.SortStableFunc(ks, func(a, b keyed) int { return order.Compare(a.k, b.k) })
	p := make([]int32, len(ks))
	for i, k := range ks {
		p[i] = k.i
	}
	x.perms[order] = p
	return p
}

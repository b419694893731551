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
	priced             bool  // lo and hi are set

	permMu sync.Mutex
	perms  map[catalog.SortOrder][]int32 // positions in order, computed on first use
}

type group struct {
	kind     Kind
	key      string // Option: the option's name in lower case; else ""
	name     string // Option: the option's name as first written
	values   []*value
	byFolded map[string]int
	byRaw    map[string]*value // labels as met, so most need no folding
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
	return newIndex(products, order, currency, true)
}

// Values are the facets and values products offer, without counts (see
// Result.Values): what a pre-rendered filter form shows. Cheaper than New
// (no bitsets, no prices).
func Values(products []*catalog.Product) Result {
	x := newIndex(products, catalog.SortManual, "", false)
	r := Result{Groups: make([]Group, len(x.groups))}
	for i, g := range x.groups {
		out := Group{Kind: g.kind, Name: g.name, Param: g.param(), Values: make([]Value, len(g.values))}
		for j, v := range g.values {
			out.Values[j] = Value{Label: v.label}
		}
		r.Groups[i] = out
	}
	return r
}

func newIndex(products []*catalog.Product, order catalog.SortOrder, currency string, bits bool) *Index {
	n := len(products)
	nb := n // bits per value; -1: none (Values)
	if !bits {
		nb = -1
	}
	x := &Index{products: products, sort: order, currency: currency, avail: newBitset(n),
		minPrice: make([]int64, n), maxPrice: make([]int64, n), perms: map[catalog.SortOrder][]int32{}}
	options := map[string]*group{}
	optionByRaw := map[string]*group{}
	var optionOrder []*group
	vendor := &group{kind: Vendor, byFolded: map[string]int{}, byRaw: map[string]*value{}}
	typ := &group{kind: Type, byFolded: map[string]int{}, byRaw: map[string]*value{}}
	for i, p := range products {
		available := bits && p.Available()
		if bits {
			x.price(i, p)
		}
		if available {
			x.avail.set(i)
		}
		for j, o := range p.Options {
			g := optionByRaw[o.Name]
			if g == nil {
				key := fold(o.Name)
				if key == "" {
					continue
				}
				if g = options[key]; g == nil {
					g = &group{kind: Option, key: key, name: strings.TrimSpace(o.Name), byFolded: map[string]int{}, byRaw: map[string]*value{}}
					options[key] = g
					optionOrder = append(optionOrder, g)
				}
				optionByRaw[o.Name] = g
			}
			for _, v := range p.Variants {
				if j >= len(v.Options) {
					continue
				}
				val := g.add(v.Options[j], nb)
				if val == nil || !bits {
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
			if val := gv.g.add(gv.label, nb); val != nil && bits {
				val.any.set(i)
				if available {
					val.avail.set(i)
				}
			}
		}
	}
	for _, g := range append(optionOrder, vendor, typ) {
		if len(g.values) > 0 {
			g.byRaw = nil // built; Parse folds what a shopper writes
			x.groups = append(x.groups, g)
		}
	}
	return x
}

// price notes product i's price range, and the collection's.
func (x *Index) price(i int, p *catalog.Product) {
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
		return
	}
	if !x.priced || lo < x.lo {
		x.lo = lo
	}
	if !x.priced || hi > x.hi {
		x.hi = hi
	}
	x.priced = true
}

// add returns the value labelled label (case and surrounding space
// ignored), adding it if there is room; nil for an empty label or a full
// group.
func (g *group) add(label string, n int) *value {
	if v, ok := g.byRaw[label]; ok {
		return v
	}
	v := g.addFolded(label, n)
	if v != nil && len(g.byRaw) < 4*MaxValues {
		g.byRaw[label] = v
	}
	return v
}

func (g *group) addFolded(label string, n int) *value {
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
	v := &value{label: strings.TrimSpace(label)}
	if n >= 0 {
		v.any, v.avail = newBitset(n), newBitset(n)
	}
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

// Offers lists what p adds to a collection's facets, in the order New
// meets it: two products that offer the same list leave any collection's
// Values the same when one takes the other's place.
func Offers(p *catalog.Product) []string {
	var out []string
	for j, o := range p.Options {
		for _, v := range p.Variants {
			if j < len(v.Options) {
				out = append(out, "o\x00"+o.Name+"\x00"+v.Options[j])
			}
		}
	}
	return append(out, "v\x00"+p.Vendor, "t\x00"+p.Type)
}

package facets

import "github.com/wandstore/wandstore/catalog"

// Result is one page of a filtered, sorted collection, with the facets to
// refine it.
type Result struct {
	Products []*catalog.Product // this page's
	Total    int                // products matching, on every page
	Page     int                // 1-based, clamped to [1, Pages]
	Pages    int                // at least 1
	Groups   []Group
	// InStock is how many products would match with "in stock" chosen.
	InStock int
	// Lo and Hi bound the collection's variant prices (minor units).
	Lo, Hi int64
	Issues []Issue // PageBeyond, when the page asked for was past the last
}

// Group is a facet with its values and their counts.
type Group struct {
	Kind  Kind
	Name  string // an option's name as written; "" for vendor and type
	Param string // the URL parameter choosing its values
	// Values in the order the collection first names them (options), or
	// as found (vendor, type): see Index.
	Values []Value
}

// Value is a facet value: its label, how many products the query would
// list with it chosen (alone in its facet), and whether it is chosen.
type Value struct {
	Label    string
	Count    int
	Selected bool
}

// Apply filters by q, sorts by q.Sort and returns page q.Page of per
// products (clamped to the last page, with an Issue when it was beyond).
func (x *Index) Apply(q Query, per int) Result {
	n := len(x.products)
	per = max(per, 1)
	// base: the filters that are not a facet's values (price, stock).
	base := newBitset(n)
	base.fill(n)
	if q.HasMin || q.HasMax {
		x.priceMask(base, q)
	}
	priced := make(bitset, len(base))
	copy(priced, base)
	if q.InStock {
		base.and(x.avail)
	}
	// Each chosen facet's products (values are alternatives).
	chosen := make([]bitset, len(x.groups))
	for gi, g := range x.groups {
		labels := q.Values[g.param()]
		if len(labels) == 0 {
			continue
		}
		m := newBitset(n)
		for _, l := range labels {
			if i, ok := g.byFolded[fold(l)]; ok {
				m.or(g.values[i].bits(q.InStock))
			}
		}
		chosen[gi] = m
	}
	all := x.combine(base, chosen, -1)
	r := Result{Total: all.count(), Lo: x.lo, Hi: x.hi}
	r.Pages = max(1, (r.Total+per-1)/per)
	r.Page = max(q.Page, 1)
	if r.Page > r.Pages {
		r.Page = r.Pages
		r.Issues = append(r.Issues, Issue{Code: PageBeyond})
	}
	skip := (r.Page - 1) * per
	for _, i := range x.perm(q.Sort) {
		if !all.has(int(i)) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		r.Products = append(r.Products, x.products[i])
		if len(r.Products) == per {
			break
		}
	}
	// Counts: each facet's values against every other filter.
	for gi, g := range x.groups {
		others := x.combine(base, chosen, gi)
		out := Group{Kind: g.kind, Name: g.name, Param: g.param(), Values: make([]Value, len(g.values))}
		picked := q.Values[out.Param]
		for i, v := range g.values {
			out.Values[i] = Value{Label: v.label, Count: others.countAnd(v.bits(q.InStock))}
			for _, l := range picked {
				if l == v.label {
					out.Values[i].Selected = true
				}
			}
		}
		r.Groups = append(r.Groups, out)
	}
	// "In stock" counts every filter but itself, options through their
	// available variants.
	stock := priced
	stock.and(x.avail)
	for _, g := range x.groups {
		if labels := q.Values[g.param()]; len(labels) > 0 {
			m := newBitset(n)
			for _, l := range labels {
				if i, ok := g.byFolded[fold(l)]; ok {
					m.or(g.values[i].avail)
				}
			}
			stock.and(m)
		}
	}
	r.InStock = stock.count()
	return r
}

// bits are the value's products: through an available variant when only
// products in stock are asked for.
func (v *value) bits(inStock bool) bitset {
	if inStock {
		return v.avail
	}
	return v.any
}

// combine is base ∩ every chosen facet but skip's (-1: none skipped).
func (x *Index) combine(base bitset, chosen []bitset, skip int) bitset {
	m := make(bitset, len(base))
	copy(m, base)
	for gi, c := range chosen {
		if c != nil && gi != skip {
			m.and(c)
		}
	}
	return m
}

// priceMask keeps in m the products with a variant priced within q's
// bounds. Only a product whose range straddles both bounds has its
// variants read.
func (x *Index) priceMask(m bitset, q Query) {
	lo, hi := q.Min, q.Max
	if !q.HasMin {
		lo = -1 << 62
	}
	if !q.HasMax {
		hi = 1 << 62
	}
	minP, maxP := x.minPrice, x.maxPrice
	for i := range minP {
		switch {
		case maxP[i] < lo || minP[i] > hi: // no variant, or all outside
		case minP[i] >= lo || maxP[i] <= hi: // an end of its range is within
			continue
		default:
			if x.variantWithin(i, lo, hi) {
				continue
			}
		}
		m[i>>6] &^= 1 << (uint(i) & 63)
	}
}

func (x *Index) variantWithin(i int, lo, hi int64) bool {
	for _, v := range x.products[i].Variants {
		if v.Price.Amount >= lo && v.Price.Amount <= hi {
			return true
		}
	}
	return false
}

// Values is r without its counts, products and price range: what a
// pre-rendered filter form shows, which changes only when a value comes or
// goes (not at every sale or stock change).
func (r Result) Values() Result {
	out := Result{Groups: make([]Group, len(r.Groups))}
	for i, g := range r.Groups {
		g.Values = append([]Value(nil), g.Values...)
		for j := range g.Values {
			g.Values[j].Count, g.Values[j].Selected = 0, false
		}
		out.Groups[i] = g
	}
	return out
}

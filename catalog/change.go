package catalog

import (
	"fmt"
	"reflect"
	"slices"
	"time"
)

// Change is a set of edits to one store's catalog: what a webhook (or a
// reconciliation) found changed.
type Change struct {
	// Products are added, or replace the product with the same handle.
	Products []*Product
	// RemoveProducts are the handles of products that no longer exist;
	// hand-picked collections stop listing them.
	RemoveProducts []string
	// Collections are added, or replace the collection with the same
	// handle.
	Collections []*Collection
	// RemoveCollections are the handles of collections that no longer
	// exist.
	RemoveCollections []string
}

// Empty reports whether the change changes nothing.
func (c Change) Empty() bool {
	return len(c.Products) == 0 && len(c.RemoveProducts) == 0 && len(c.Collections) == 0 && len(c.RemoveCollections) == 0
}

// With returns a new, indexed store: s with the change applied. s itself is
// not modified, so whoever still reads it (a server answering from the old
// catalog) is unaffected; products and collections the change does not
// touch are shared between the two, and so are most of the lookup tables
// (see overlay): a change costs about what it touches, plus a copy of the
// product list. s must be valid; the products and collections the change
// brings are validated against the rest of the store (handles, prices,
// variants, images, SKUs another product has) and any problem is returned
// as a ValidationErrors, with no store.
func (s *Store) With(c Change) (*Store, error) {
	if !s.products.indexed() {
		s.Index()
	}
	n := *s

	removeP := make(map[string]bool, len(c.RemoveProducts))
	for _, h := range c.RemoveProducts {
		removeP[h] = true
	}
	replace := make(map[string]*Product, len(c.Products))
	var added []*Product
	for _, p := range c.Products {
		if _, dup := replace[p.Handle]; dup {
			return nil, ValidationErrors{&FieldError{Store: s.Handle, File: p.File, Field: "handle", Message: fmt.Sprintf("%q is changed twice in one change", p.Handle)}}
		}
		replace[p.Handle] = p
		if s.products.get(p.Handle) == nil {
			added = append(added, p)
		}
		delete(removeP, p.Handle) // an upsert wins over a removal in the same change
	}
	// The products that left or were replaced, and what replaced them.
	oldOf := make(map[*Product]*Product, len(c.Products)+len(removeP))
	for _, p := range c.Products {
		if o := s.products.get(p.Handle); o != nil {
			oldOf[o] = p
		}
	}
	removed := 0
	for h := range removeP {
		if o := s.products.get(h); o != nil {
			oldOf[o] = nil
			removed++
		}
	}
	n.Products = withProducts(s.Products, oldOf, removed, added)

	byHandle := make(map[string]*Product, len(replace)+len(removeP))
	skus := map[string]*Product{}
	for o, p := range oldOf {
		byHandle[o.Handle] = p
		for _, v := range o.Variants {
			if v.SKU != "" && s.skus.get(v.SKU) == o {
				skus[v.SKU] = nil
			}
		}
	}
	for _, p := range c.Products {
		byHandle[p.Handle] = p
		for _, v := range p.Variants {
			if v.SKU != "" {
				if _, taken := skus[v.SKU]; !taken || skus[v.SKU] == nil {
					skus[v.SKU] = p
				}
			}
		}
	}
	n.products = s.products.with(byHandle)
	n.skus = s.skus.with(skus)

	removeC := make(map[string]bool, len(c.RemoveCollections))
	for _, h := range c.RemoveCollections {
		removeC[h] = true
	}
	replaceC := make(map[string]*Collection, len(c.Collections))
	var addedC []*Collection
	for _, col := range c.Collections {
		replaceC[col.Handle] = col
		if s.collections[col.Handle] == nil {
			addedC = append(addedC, col)
		}
		delete(removeC, col.Handle)
	}
	// A collection the change does not touch is shared with s. The others
	// are copied, because members are resolved into the collection itself
	// and the old store's copies must keep theirs; their members are
	// worked out from the old ones where they can be (see rematch).
	n.Collections = make([]*Collection, 0, len(s.Collections)+len(addedC))
	n.collections = make(map[string]*Collection, len(s.Collections)+len(addedC))
	n.place, n.smart = make(map[string]int, len(s.Collections)+len(addedC)), nil
	relisted := map[string]*[]string{} // product handle -> the hand-picked collections naming it, where that changed
	for _, col := range append(slices.Clip(s.Collections), addedC...) {
		if removeC[col.Handle] {
			continue
		}
		var cp *Collection
		rehandled := false              // cp's handle set was built again
		unlist := func(x *Collection) { // hand-picked lists drop the removed products
			if slices.ContainsFunc(x.ProductHandles, func(h string) bool { return removeP[h] }) {
				x.ProductHandles = slices.DeleteFunc(slices.Clone(x.ProductHandles), func(h string) bool { return removeP[h] })
			}
		}
		switch r := replaceC[col.Handle]; {
		case r != nil:
			x := *r
			unlist(&x)
			x.products, x.handles = nil, handleSet(&x)
			cp, rehandled = &x, true
			n.resolve(cp)
		case col.Rules != nil:
			cp = col
			if members, touched := s.rematch(&n, col, oldOf, added); touched {
				x := *col
				x.products = members
				cp = &x
			}
		default:
			cp = col
			listed := slices.ContainsFunc(c.RemoveProducts, func(h string) bool { return col.handles[h] })
			if listed || slices.ContainsFunc(c.Products, func(p *Product) bool { return col.handles[p.Handle] }) {
				x := *col
				if listed {
					unlist(&x)
					x.handles, rehandled = handleSet(&x), true
				}
				x.products = nil
				cp = &x
				n.resolve(cp)
			}
		}
		n.Collections = append(n.Collections, cp)
		if _, dup := n.collections[cp.Handle]; !dup {
			n.collections[cp.Handle], n.place[cp.Handle] = cp, len(n.Collections)-1
		}
		if cp.Rules != nil {
			n.smart = append(n.smart, cp)
		}
		if rehandled {
			var old map[string]bool
			if s.collections[col.Handle] == col { // else new to the store: it listed nothing
				old = col.handles
			}
			s.relist(relisted, cp.Handle, old, cp.handles)
		}
	}
	for h := range removeC {
		if c := s.collections[h]; c != nil {
			s.relist(relisted, h, c.handles, nil)
		}
	}
	n.listedIn = s.listedIn.with(relisted)

	v := validator{store: s.Handle}
	if len(c.Products) > 0 {
		// SKUs must stay unique: the new products' against every other
		// product's (and each other's). Only colliding SKUs go in the map.
		taken := map[string]string{}
		for _, p := range c.Products {
			for _, vr := range p.Variants {
				if owner := s.skus.get(vr.SKU); vr.SKU != "" && owner != nil {
					if _, changed := oldOf[owner]; !changed {
						taken[vr.SKU] = owner.File
					}
				}
			}
		}
		for _, p := range c.Products {
			n.validateProduct(&v, p, taken)
		}
	}
	for _, col := range n.Collections {
		if replaceC[col.Handle] != nil {
			n.validateCollection(&v, col)
		}
	}
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	return &n, nil
}

// relist records in updates, for the product handles a hand-picked
// collection stopped or started naming (old to now), the collections that
// name each (from s, or an earlier update).
func (s *Store) relist(updates map[string]*[]string, collection string, old, now map[string]bool) {
	current := func(h string) []string {
		if l, ok := updates[h]; ok {
			return *l
		}
		if l := s.listedIn.get(h); l != nil {
			return slices.Clone(*l)
		}
		return nil
	}
	for h := range old {
		if !now[h] {
			l := slices.DeleteFunc(current(h), func(c string) bool { return c == collection })
			updates[h] = &l
		}
	}
	for h := range now {
		if !old[h] {
			l := append(current(h), collection)
			updates[h] = &l
		}
	}
}

// withProducts returns ps with the products in oldOf replaced by their
// value (removed when nil; removed of them) and added appended. A few
// changes are found by scanning for their pointers, many by one pass
// looking each product up.
func withProducts(ps []*Product, oldOf map[*Product]*Product, removed int, added []*Product) []*Product {
	out := make([]*Product, len(ps), len(ps)+len(added))
	copy(out, ps)
	if len(oldOf) <= 16 {
		for o, p := range oldOf {
			if i := slices.Index(out, o); i >= 0 {
				out[i] = p
			}
		}
	} else {
		for i, o := range out {
			if p, ok := oldOf[o]; ok {
				out[i] = p
			}
		}
	}
	if removed > 0 {
		out = slices.DeleteFunc(out, func(p *Product) bool { return p == nil })
	}
	return append(out, added...)
}

// resolve works out a collection's members from scratch (Index's rule).
func (s *Store) resolve(c *Collection) {
	if c.Rules != nil {
		s.resolveSmart([]*Collection{c})
		return
	}
	for _, h := range c.ProductHandles {
		if p := s.Product(h); p != nil && p.Published() && !slices.Contains(c.products, p) {
			c.products = append(c.products, p)
		}
	}
}

// rematch gives a smart collection of s its members in n, where each
// product in oldOf was replaced by its value (or removed: nil), the
// products new to n were added at its end, and the other products are the
// same. It reports whether the members changed at all; when they did not
// the old slice is returned. Products that stay members (or stay out) are
// swapped in place; otherwise old members stay, in the store's order, and
// only the new products are matched.
func (s *Store) rematch(n *Store, c *Collection, oldOf map[*Product]*Product, added []*Product) ([]*Product, bool) {
	member := func(p *Product) bool { return p != nil && p.Published() && c.Rules.Match(p) }
	touched, inPlace := false, true
	for o, p := range oldOf {
		was, is := member(o), member(p)
		touched = touched || was || is
		inPlace = inPlace && was == is
	}
	for _, p := range added {
		if member(p) {
			touched, inPlace = true, false
		}
	}
	if !touched {
		return c.products, false
	}
	if inPlace && len(oldOf) <= 16 {
		out := slices.Clone(c.products)
		for o, p := range oldOf {
			if member(o) {
				if i := slices.Index(out, o); i >= 0 {
					out[i] = p
				}
			}
		}
		return out, true
	}
	var out []*Product
	j := 0 // walks the old members, a subsequence of s.Products
	old := c.products
	for _, p := range n.Products {
		if s.products.get(p.Handle) == p { // the same product as in s
			for j < len(old) {
				if _, gone := oldOf[old[j]]; !gone {
					break
				}
				j++
			}
			if j < len(old) && old[j] == p {
				out = append(out, p)
				j++
			}
			continue
		}
		if member(p) {
			out = append(out, p)
		}
	}
	return out, true
}

// Diff returns the change that makes from's products and collections
// those of to (products and collections compared by content), and
// whether that is all that differs: false when the stores differ in
// anything a Change cannot carry (name, currency, locale, settings,
// theme...). A server that re-reads a catalog applies the difference as a
// change, like any other, rather than swapping in the store it read.
func Diff(from, to *Store) (Change, bool) {
	var ch Change
	if from.Handle != to.Handle || from.Name != to.Name || from.BaseURL != to.BaseURL || from.Currency != to.Currency ||
		from.Locale != to.Locale || from.Description != to.Description ||
		!reflect.DeepEqual(from.Theme, to.Theme) || !reflect.DeepEqual(from.Settings, to.Settings) {
		return ch, false
	}
	for _, p := range to.Products {
		if old := from.Product(p.Handle); old == nil || !sameProduct(old, p) {
			ch.Products = append(ch.Products, p)
		}
	}
	for _, p := range from.Products {
		if to.Product(p.Handle) == nil {
			ch.RemoveProducts = append(ch.RemoveProducts, p.Handle)
		}
	}
	for _, c := range to.Collections {
		if old := from.Collection(c.Handle); old == nil || !sameCollection(old, c) {
			ch.Collections = append(ch.Collections, c)
		}
	}
	for _, c := range from.Collections {
		if to.Collection(c.Handle) == nil {
			ch.RemoveCollections = append(ch.RemoveCollections, c.Handle)
		}
	}
	return ch, true
}

// sameProduct reports whether two products say the same (times compared
// as instants: two reads of one timestamp may carry different locations).
func sameProduct(a, b *Product) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		return false
	}
	x, y := *a, *b
	x.CreatedAt, x.UpdatedAt, y.CreatedAt, y.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// sameCollection reports whether two collections are defined alike (their
// resolved members aside).
func sameCollection(a, b *Collection) bool {
	return a.Handle == b.Handle && a.SourceID == b.SourceID && a.Title == b.Title && a.DescriptionHTML == b.DescriptionHTML &&
		a.Image == b.Image && a.SEO == b.SEO && a.Sort == b.Sort && a.File == b.File &&
		slices.Equal(a.ProductHandles, b.ProductHandles) && reflect.DeepEqual(a.Rules, b.Rules)
}

package catalog

import (
	"fmt"
	"slices"
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
// touch are shared between the two. s must be valid; the products and
// collections the change brings are validated against the rest of the
// store (handles, prices, variants, images, SKUs another product has) and
// any problem is returned as a ValidationErrors, with no store.
func (s *Store) With(c Change) (*Store, error) {
	if s.products == nil {
		s.Index()
	}
	n := *s
	n.products, n.collections, n.memberOf = nil, nil, nil

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
		if s.products[p.Handle] == nil {
			added = append(added, p)
		}
		delete(removeP, p.Handle) // an upsert wins over a removal in the same change
	}
	n.Products = make([]*Product, 0, len(s.Products)+len(added))
	for _, p := range s.Products {
		switch {
		case removeP[p.Handle]:
		case replace[p.Handle] != nil:
			n.Products = append(n.Products, replace[p.Handle])
		default:
			n.Products = append(n.Products, p)
		}
	}
	n.Products = append(n.Products, added...)

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
	// Every collection is copied, because members are resolved into the
	// collection itself and the old store's copies must keep theirs. The
	// members are worked out from the old ones: only the changed products
	// are matched against rules, so a change costs a walk over the
	// products, not a rule evaluation per product and collection.
	oldOf := make(map[*Product]bool, len(c.Products)+len(c.RemoveProducts)) // products that left or were replaced
	newP := make(map[*Product]bool, len(c.Products))
	for _, p := range c.Products {
		newP[p] = true
		if o := s.products[p.Handle]; o != nil {
			oldOf[o] = true
		}
	}
	for h := range removeP {
		if o := s.products[h]; o != nil {
			oldOf[o] = true
		}
	}
	n.products = make(map[string]*Product, len(n.Products))
	for _, p := range n.Products {
		if _, dup := n.products[p.Handle]; !dup {
			n.products[p.Handle] = p
		}
	}
	n.Collections = make([]*Collection, 0, len(s.Collections)+len(addedC))
	n.collections = make(map[string]*Collection, len(s.Collections)+len(addedC))
	n.memberOf = make(map[*Product][]*Collection, len(n.Products))
	for _, col := range append(slices.Clip(s.Collections), addedC...) {
		if removeC[col.Handle] {
			continue
		}
		fresh := false
		if r := replaceC[col.Handle]; r != nil {
			col, fresh = r, true
		}
		cp := *col
		if len(removeP) > 0 && slices.ContainsFunc(cp.ProductHandles, func(h string) bool { return removeP[h] }) {
			cp.ProductHandles = slices.DeleteFunc(slices.Clone(cp.ProductHandles), func(h string) bool { return removeP[h] })
		}
		switch {
		case fresh:
			cp.products = nil
			n.resolve(&cp)
		case cp.Rules != nil:
			cp.products = s.rematch(&n, col, oldOf, newP)
		case slices.ContainsFunc(col.products, func(p *Product) bool { return oldOf[p] }) ||
			slices.ContainsFunc(c.Products, func(p *Product) bool { return slices.Contains(col.ProductHandles, p.Handle) }):
			cp.products = nil
			n.resolve(&cp)
		}
		n.Collections = append(n.Collections, &cp)
		if _, dup := n.collections[cp.Handle]; !dup {
			n.collections[cp.Handle] = &cp
		}
		for _, p := range cp.products {
			n.memberOf[p] = append(n.memberOf[p], &cp)
		}
	}

	v := validator{store: s.Handle}
	if len(c.Products) > 0 {
		// SKUs must stay unique: the new products' against every other
		// product's (and each other's). Only colliding SKUs go in the map.
		mine := map[string]bool{}
		for _, p := range c.Products {
			for _, vr := range p.Variants {
				if vr.SKU != "" {
					mine[vr.SKU] = true
				}
			}
		}
		skus := map[string]string{}
		for _, p := range n.Products {
			if replace[p.Handle] == p {
				continue
			}
			for _, vr := range p.Variants {
				if mine[vr.SKU] {
					skus[vr.SKU] = p.File
				}
			}
		}
		for _, p := range c.Products {
			n.validateProduct(&v, p, skus)
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

// resolve works out a collection's members from scratch (Index's rule).
func (s *Store) resolve(c *Collection) {
	if c.Rules != nil {
		for _, p := range s.Products {
			if p.Published() && c.Rules.Match(p) {
				c.products = append(c.products, p)
			}
		}
		return
	}
	for _, h := range c.ProductHandles {
		if p := s.products[h]; p != nil && p.Published() && !slices.Contains(c.products, p) {
			c.products = append(c.products, p)
		}
	}
}

// rematch gives a smart collection of s its members in n, where the
// products in newP replaced those in oldOf (or were added) and the other
// products are the same: old members stay, in the store's order, and only
// the new products are matched. The old member slice is reused when nothing
// changed.
func (s *Store) rematch(n *Store, c *Collection, oldOf, newP map[*Product]bool) []*Product {
	touched := slices.ContainsFunc(c.products, func(p *Product) bool { return oldOf[p] })
	for p := range newP {
		if !touched && p.Published() && c.Rules.Match(p) {
			touched = true
		}
	}
	if !touched {
		return c.products
	}
	var out []*Product
	j := 0 // walks the old members, a subsequence of s.Products
	old := c.products
	for _, p := range n.Products {
		if newP[p] {
			if p.Published() && c.Rules.Match(p) {
				out = append(out, p)
			}
			continue
		}
		for j < len(old) && oldOf[old[j]] {
			j++
		}
		if j < len(old) && old[j] == p {
			out = append(out, p)
			j++
		}
	}
	return out
}

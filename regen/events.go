package regen

import (
	"slices"

	"github.com/wandstore/wandstore/catalog"
)

// productsChanged tells Options.ProductsChanged which products a publish
// touched (changed, added or removed), so the pages open on them refresh
// their price and stock (islands: live events). Called once the pages
// are published, so a page that looks again finds them.
func (r *Regen) productsChanged(store string, changes []catalog.Change) {
	if r.opts.ProductsChanged == nil {
		return
	}
	if handles := ChangedProducts(changes); len(handles) > 0 {
		r.opts.ProductsChanged(store, handles)
	}
}

// ChangedProducts are the handles of the products changes touch, sorted,
// each once.
func ChangedProducts(changes []catalog.Change) []string {
	var out []string
	for _, ch := range changes {
		for _, p := range ch.Products {
			out = append(out, p.Handle)
		}
		out = append(out, ch.RemoveProducts...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

package generator

import (
	"reflect"
	"slices"
	"strconv"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
	"github.com/wandstore/wandstore/components"
)

// swap is one published product a change touches: old is the version
// published before (nil for a product new to the listings), new the one
// to publish (nil for a product removed or unpublished).
type swap struct{ old, new *catalog.Product }

// planDelta plans only what changed between the store the cache was last
// planned from (as published) and st: the pages of the products that
// changed, the listing pages that show them, the search index and sitemap
// shards that hold them, and the home page. Its cost follows the change,
// not the catalog: no page's inputs are hashed, no file listed and no
// shard rebuilt unless the change touches it (what remains of the
// catalog's size is a walk comparing product pointers).
//
// It returns nil, having changed nothing, when the change is not one it
// can plan alone: the store's settings, theme or collections' definitions
// changed, a product brings an image file not yet published, a sitemap
// shard would overflow, or so many products changed that a full plan costs
// about the same. The caller then plans in full.
func (b *builder) planDelta(st *catalog.Store, pc *planCache) *storePlan {
	if pc == nil || pc.st == nil || pc.site == nil || pc.manifest == nil {
		return nil
	}
	prev := pc.st
	if !sameShell(prev, st) {
		return nil
	}
	swaps := productSwaps(prev, st, max(64, pc.count/8))
	if swaps == nil {
		return nil
	}
	added := map[int]int{} // sitemap shard -> products it gains
	for _, sw := range swaps {
		if sw.new == nil {
			continue
		}
		for _, img := range sw.new.Images {
			if _, known := pc.images[img.Src]; localImage(img) && !known {
				return nil
			}
		}
		if sw.old == nil {
			k := pc.sitemap.shard(sw.new.Handle)
			added[k]++
			if len(pc.sitemap.entries[k])+added[k] > b.opts.SitemapShardSize {
				return nil
			}
		}
	}

	// From here on the cache is updated in place: a failure before the
	// plan is published must drop it (Live does).
	site := *pc.site
	site.Store = st // the same shell; the new catalog, so the old one is not kept alive
	p := &storePlan{handle: st.Handle, manifest: pc.manifest, site: &site, delta: true}
	pl := &planner{b: b, p: p, pc: pc, st: st, s: &site, root: pc.root, site: pc.siteIn, per: st.ProductsPerPage(),
		delta: true, imagesDone: map[string]bool{}, plans: pc.products, search: pc.search, sitemap: pc.sitemap, pageCounts: pc.pageCounts}
	pc.beginDelta()
	for _, sw := range swaps {
		if sw.old != nil {
			countImages(pc.imageRefs, -1, sw.old.Images...)
		}
		if sw.new != nil {
			countImages(pc.imageRefs, 1, sw.new.Images...)
		}
	}
	for _, sw := range swaps {
		pl.images(sw.old)
		pl.images(sw.new)
		if sw.old != nil {
			delete(pc.products, sw.old)
			pl.search.remove(sw.old.Handle)
			pl.sitemap.remove(sw.old.Handle)
			pc.count--
			if sw.new == nil {
				p.remove = append(p.remove, pl.productPath(sw.old.Handle))
			}
		}
		if sw.new != nil {
			pp := pl.planProduct(sw.new)
			pc.products[sw.new] = pp
			pl.add(pp.job)
			pl.search.put(sw.new.Handle, pp.search)
			pl.sitemap.put(sw.new.Handle, pp.sitemap)
			pc.count++
		}
	}
	pl.home(nil)
	pagesChanged := false
	for _, c := range st.Collections {
		had, ok := pc.sorts[sortKey{c.Handle, catalog.SortManual}]
		if ok && sameMembers(had.members, c.Products()) {
			continue // no member changed: every page of it is as published
		}
		if repl, ok := replacedIn(c, had.members, swaps); ok {
			if pos, ok := pl.inPlace(c, len(c.Products()), repl); ok {
				pl.listingsInPlace(c, c.Products(), repl, pos)
				continue
			}
		}
		before := pc.pageCounts[c.Handle]
		pl.listings(c)
		pagesChanged = pagesChanged || pl.pageCounts[c.Handle] != before
	}
	if st.Collection(components.AllHandle) == nil {
		// The built-in "all": its members are the published products in
		// store order, which the cache holds (and owns): replacements are
		// made in place, anything else lists it again.
		all := &catalog.Collection{Handle: components.AllHandle, Title: pl.s.T("collection.all"), Sort: catalog.SortManual}
		members := pc.sorts[sortKey{all.Handle, catalog.SortManual}].members
		if !pl.allInPlace(all, members, swaps) {
			all = pl.s.AllProducts()
			before := pc.pageCounts[all.Handle]
			pl.listings(all)
			pagesChanged = pagesChanged || pl.pageCounts[all.Handle] != before
		}
	}
	if pagesChanged {
		pl.sitemaps(allCollections(pl.s), pc.sitemapPages)
	} else {
		pl.productSitemaps()
	}
	pl.searchShards()
	pc.st, pc.site = st, &site
	p.summary = StoreSummary{Handle: st.Handle, Name: st.Name, Path: site.BasePath, BaseURL: site.BaseURL, Products: pc.count, Delta: true}
	pc.end(pc.jobs)
	return p
}

// replacedIn returns the swaps that replace a member of c in place (the
// old version listed by c before, the new one now, at the same place), and
// whether those are all that changed of its members: no product joined or
// left it.
func replacedIn(c *catalog.Collection, had []*catalog.Product, swaps []swap) ([]swap, bool) {
	members := c.Products()
	if len(members) != len(had) {
		return nil, false
	}
	var repl []swap
	for _, sw := range swaps {
		if sw.old == nil || sw.new == nil {
			if (sw.old != nil && slices.Contains(had, sw.old)) || (sw.new != nil && slices.Contains(members, sw.new)) {
				return nil, false
			}
			continue
		}
		i := slices.Index(had, sw.old)
		switch {
		case i >= 0 && members[i] == sw.new:
			repl = append(repl, sw)
		case i >= 0 || slices.Contains(members, sw.new):
			return nil, false // joined or left
		}
	}
	return repl, true
}

// allInPlace updates the built-in "all" listing for swaps that all
// replace a product (members is the cache's own list of it, updated in
// place), and reports whether it could.
func (pl *planner) allInPlace(all *catalog.Collection, members []*catalog.Product, swaps []swap) bool {
	var repl []swap
	for _, sw := range swaps {
		if sw.old == nil || sw.new == nil {
			return false
		}
		repl = append(repl, sw)
	}
	pos, ok := pl.inPlace(all, len(members), repl)
	if !ok {
		return false
	}
	for i, sw := range repl {
		members[pos[i]] = sw.new
	}
	pl.listingsInPlace(all, members, repl, pos)
	return true
}

// inPlace reports whether the cache holds what listingsInPlace needs for
// a collection of n members (every order's sorted list, with its ranks
// where it sorts, and its pages), and returns the place of each swap's old
// product among the members.
func (pl *planner) inPlace(c *catalog.Collection, n int, repl []swap) ([]int, bool) {
	pc := pl.pc
	for _, order := range catalog.SortOrders {
		k := sortKey{c.Handle, order}
		if _, ok := pc.listings[k]; !ok {
			return nil, false
		}
		if sl := pc.sorts[k]; len(sl.sorted) != n || (sl.rank == nil && pl.eff(c, order).Sorts()) {
			return nil, false
		}
	}
	return pc.positions(c.Handle, repl)
}

// listingsInPlace updates a collection's listings, in every order, for
// members in which each swap's new product took its old one's place and
// nothing else changed: each sorted list moves the product from its old
// place to its new one (a rotation over the places between), and only the
// pages within the places moved are planned again. pos are the places of
// the swaps' old products (inPlace, which checks the cache holds what this
// needs).
func (pl *planner) listingsInPlace(c *catalog.Collection, members []*catalog.Product, repl []swap, pos []int) {
	pc := pl.pc
	// Replacements that offer what they replace leave the form's values
	// as they were: no walk over the collection.
	known := pc.facets[c.Handle]
	for _, sw := range repl {
		if known != nil && !slices.Equal(facets.Offers(sw.old), facets.Offers(sw.new)) {
			known = nil
		}
	}
	cm, meta, fr := pl.listingMeta(c, members, known)
	pc.keepFacets(c.Handle, fr)
	frf := func() *facets.Result { return fr }
	total := len(members)
	pages := max(1, (total+pl.per-1)/pl.per)
	for _, order := range catalog.SortOrders {
		k := sortKey{c.Handle, order}
		sl, g := pc.sorts[k], pc.listings[k]
		// The filter form changed (a facet's values or counts, the price
		// range): every page shows it.
		header := meta + "/" + string(order) + "/" + strconv.Itoa(pages) + "/" + strconv.Itoa(total)
		every := g.header != header
		lo, hi := total, -1
		if eff := pl.eff(c, order); eff.Sorts() {
			for i, sw := range repl {
				a, b, ok := sl.move(eff, sw.old, sw.new, pos[i])
				if !ok {
					panic("generator: a sorted listing lost a member") // positions came from its own ranks
				}
				lo, hi = min(lo, a, b), max(hi, a, b)
			}
		} else {
			sl.sorted = members
			for i := range repl {
				lo, hi = min(lo, pos[i]), max(hi, pos[i])
			}
		}
		sl.members = members
		pc.sorts[k] = sl
		if every {
			lo, hi = 0, total-1
		}
		for n := lo/pl.per + 1; hi >= 0 && n <= hi/pl.per+1; n++ {
			page := sl.sorted[(n-1)*pl.per : min(n*pl.per, total)]
			if every || !slices.Equal(g.pages[n-1].members, page) {
				g.pages[n-1] = pl.listingPage(cm, meta, frf, order, n, pages, total, slices.Clone(page))
			}
		}
		g.header = header
		pc.listings[k] = g
	}
}

// eff is the order a listing of c in order sorts by.
func (pl *planner) eff(c *catalog.Collection, order catalog.SortOrder) catalog.SortOrder {
	if order == catalog.SortManual {
		return c.Sort
	}
	return order
}

// images publishes the image files of p that a change made shown again
// and removes those it left shown by nothing (once each: the counts are
// the change's result).
func (pl *planner) images(p *catalog.Product) {
	if p == nil {
		return
	}
	for _, img := range p.Images {
		im, ok := pl.pc.images[img.Src]
		if !localImage(img) || !ok || pl.imagesDone[img.Src] {
			continue
		}
		pl.imagesDone[img.Src] = true
		n := pl.pc.imageRefs[img.Src]
		for _, a := range im.assets {
			path := pl.root + a.rel
			_, published := pl.p.manifest.Files[path]
			switch {
			case n > 0 && !published:
				pl.add(a.job(pl.root))
			case n <= 0 && published:
				pl.p.remove = append(pl.p.remove, path)
			}
		}
		if n <= 0 {
			delete(pl.pc.imageRefs, img.Src)
		}
	}
}

// sameShell reports whether two versions of a store show the same shell
// (settings, theme, base URL) and define the same collections, so that
// only products differ.
func sameShell(a, b *catalog.Store) bool {
	if a.Handle != b.Handle || !reflect.DeepEqual(storeInputs(a), storeInputs(b)) || len(a.Collections) != len(b.Collections) {
		return false
	}
	for i, x := range a.Collections {
		y := b.Collections[i]
		if x == y {
			continue
		}
		if x.Handle != y.Handle || x.Title != y.Title || x.DescriptionHTML != y.DescriptionHTML || x.Image != y.Image ||
			x.SEO != y.SEO || x.Sort != y.Sort || !sameStrings(x.ProductHandles, y.ProductHandles) ||
			(x.Rules != y.Rules && !reflect.DeepEqual(x.Rules, y.Rules)) {
			return false
		}
	}
	return true
}

// productSwaps lists the published products that differ between two
// versions of a store whose products keep their order (catalog.Store.With
// replaces in place, removes, and appends what it adds), or nil when the
// order changed or more than limit differ.
func productSwaps(prev, st *catalog.Store, limit int) []swap {
	op, np := prev.Products, st.Products
	swaps := []swap{}
	note := func(o, n *catalog.Product) {
		if o != nil && !o.Published() {
			o = nil
		}
		if n != nil && !n.Published() {
			n = nil
		}
		if o != nil || n != nil {
			swaps = append(swaps, swap{o, n})
		}
	}
	for i, j := 0, 0; i < len(op) || j < len(np); {
		switch {
		case i < len(op) && j < len(np) && op[i] == np[j]:
			i, j = i+1, j+1
			continue
		case i < len(op) && j < len(np) && op[i].Handle == np[j].Handle:
			note(op[i], np[j])
			i, j = i+1, j+1
		case i < len(op) && st.Product(op[i].Handle) == nil:
			note(op[i], nil)
			i++
		case j < len(np) && prev.Product(np[j].Handle) == nil:
			note(nil, np[j])
			j++
		default:
			return nil
		}
		if len(swaps) > limit {
			return nil
		}
	}
	return swaps
}

// sameMembers reports whether two member lists are the same: the same
// slice (catalog.Store.With keeps a collection's members when the change
// does not touch them) or equal.
func sameMembers(a, b []*catalog.Product) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || slices.Equal(a, b)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || slices.Equal(a, b)
}

package generator

import (
	"slices"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
	"github.com/wandstore/wandstore/components"
)

// productPlan is what a plan works out per product: its card (and the
// card's hash, which feeds every listing that shows it), its page's input
// hash, its collections, its search index entry and its sitemap entry.
type productPlan struct {
	card             components.ProductCardView // when hasCard (see planner.cardView)
	hasCard          bool
	cardHash, pageIn string
	cols             []*catalog.Collection
	search, sitemap  []byte
	job              job      // the product page's
	key              [16]byte // what it is found by on disk (productKey), in a build that keeps plans there
	index            int32    // the product's place among the store's published products, in a one-off build
}

// planCache carries a store's plan into its next plan, for a long-lived
// builder (Live) that re-plans the store after every change. Products are
// values that a change replaces, never edits (catalog.Store.With), so a
// product pointer seen before has the same plan as before, as long as
// what every product plan depends on (the site: settings, theme, assets,
// navigation, and the collections' definitions) is the same: the key.
// Listings are keyed by page path and reused while the page shows the same
// product pointers in the same place of a listing of the same length.
//
// A nil *planCache is valid and caches nothing (a one-off Build).
type planCache struct {
	key string
	// manifest is what the store has published, when known in memory.
	manifest *Manifest
	// images are a store's image files, read and fingerprinted once.
	images map[string]storeImage

	products map[*catalog.Product]*productPlan
	next     map[*catalog.Product]*productPlan

	sorts     map[sortKey]sortedList
	nextSorts map[sortKey]sortedList

	listings     map[sortKey]listingGroup
	nextListings map[sortKey]listingGroup

	// facets are each collection's filter form values as last planned:
	// a delta that replaces products offering the same (facets.Offers)
	// keeps them without walking the collection.
	facets map[string]*facets.Result

	jobs int // how many jobs the last plan had: the next one's capacity

	// What a delta plan (planDelta) starts from: the store the cache was
	// planned from, its Site, folder and site-wide inputs hash, the
	// search index's and the sitemap's shards, the default-order page
	// count of each collection, how many pages' sitemap shards there are,
	// and how many products are published.
	st           *catalog.Store
	site         *components.Site
	root, siteIn string
	search       *shardSet
	sitemap      *shardSet
	pageCounts   map[string]int
	sitemapPages int
	count        int
	// imageRefs counts, by source path, what shows each image file (the
	// logo, published products, collections): an image's asset is
	// published while its count is above zero.
	imageRefs map[string]int
}

type sortKey struct {
	collection string
	order      catalog.SortOrder
}

// sortedList is a collection's members (as resolved) and their order;
// rank maps each member to its place among the members (the tie-break of
// a stable sort), nil when the order does not sort.
type sortedList struct {
	members, sorted []*catalog.Product
	rank            map[*catalog.Product]int
}

// listingGroup is a collection's pages in one order, with the header they
// were planned for (see plan).
type listingGroup struct {
	header string
	pages  []listing
}

// listing is one collection page: the products it shows (a copy, so no
// catalog's sorted list is kept alive) and its job.
type listing struct {
	members []*catalog.Product
	job     job
}

func newPlanCache() *planCache {
	return &planCache{images: map[string]storeImage{}}
}

// begin starts a plan whose shared inputs hash to key: a different key
// drops every product plan.
func (pc *planCache) begin(key string) {
	if pc == nil {
		return
	}
	if key != pc.key {
		pc.products, pc.sorts, pc.listings, pc.facets = nil, nil, nil, nil
	}
	pc.key = key
	pc.next = make(map[*catalog.Product]*productPlan, len(pc.products))
	pc.nextSorts = make(map[sortKey]sortedList, len(pc.sorts))
	pc.nextListings = make(map[sortKey]listingGroup, len(pc.listings))
}

// beginDelta starts a delta plan: entries are updated in place.
func (pc *planCache) beginDelta() {
	pc.next, pc.nextSorts, pc.nextListings = pc.products, pc.sorts, pc.listings
}

// end makes this plan's entries (a plan of jobs jobs) the ones the next
// plan may reuse, and forgets the rest (products that were replaced or
// removed).
func (pc *planCache) end(jobs int) {
	if pc == nil {
		return
	}
	pc.jobs = jobs
	pc.products, pc.next = pc.next, nil
	pc.sorts, pc.nextSorts = pc.nextSorts, nil
	pc.listings, pc.nextListings = pc.nextListings, nil
}

// product returns the plan of a product seen by the previous plan, or nil.
// Safe for concurrent use.
func (pc *planCache) product(p *catalog.Product) *productPlan {
	if pc == nil {
		return nil
	}
	return pc.products[p] // read-only during a plan
}

// sorted is c.Sorted(order): from the previous plan when the collection
// has the same members; when a few members were replaced in place (a
// product changed), by moving just those in the previous order; else
// sorted afresh.
func (pc *planCache) sorted(c *catalog.Collection, order catalog.SortOrder) []*catalog.Product {
	if pc == nil {
		return c.Sorted(order)
	}
	eff := order
	if eff == catalog.SortManual {
		eff = c.Sort
	}
	k := sortKey{c.Handle, order}
	members := c.Products()
	sl, ok := pc.sorts[k]
	switch {
	case ok && slices.Equal(sl.members, members):
	case !eff.Sorts():
		sl = sortedList{members: members, sorted: members}
	default:
		if !ok || !sl.resort(members, eff) {
			sl = sortedList{members: members, sorted: catalog.SortProducts(members, eff), rank: make(map[*catalog.Product]int, len(members))}
			for i, p := range members {
				sl.rank[p] = i
			}
		}
	}
	pc.nextSorts[k] = sl
	return sl.sorted
}

// positions returns the place among a collection's members of each
// swap's old product, from a sorted list's ranks, or false when the cache
// does not know one.
func (pc *planCache) positions(collection string, repl []swap) ([]int, bool) {
	var rank map[*catalog.Product]int
	for _, order := range catalog.SortOrders {
		if sl := pc.sorts[sortKey{collection, order}]; sl.rank != nil {
			rank = sl.rank
			break
		}
	}
	if rank == nil {
		return nil, false
	}
	pos := make([]int, len(repl))
	for i, sw := range repl {
		p, ok := rank[sw.old]
		if !ok {
			return nil, false
		}
		pos[i] = p
	}
	return pos, true
}

// move replaces old, the member at place i, with p in the sorted list:
// old is found by its key and place, p goes where a stable sort puts it,
// and the products between shift by one. It returns the two places (the
// range of the list that changed), or false, having changed nothing, when
// old is not there. The list and its ranks are updated in place.
func (sl *sortedList) move(order catalog.SortOrder, old, p *catalog.Product, i int) (int, int, bool) {
	type target struct {
		key  catalog.SortKey
		rank int
	}
	cmp := func(e *catalog.Product, t target) int {
		if c := order.Compare(order.Key(e), t.key); c != 0 {
			return c
		}
		return sl.rank[e] - t.rank
	}
	s := sl.sorted
	a, found := slices.BinarySearchFunc(s, target{order.Key(old), i}, cmp)
	if !found || s[a] != old {
		return 0, 0, false
	}
	b, _ := slices.BinarySearchFunc(s, target{order.Key(p), i}, cmp)
	if b > a {
		b-- // old, before it, leaves
		copy(s[a:b], s[a+1:b+1])
	} else {
		copy(s[b+1:a+1], s[b:a])
	}
	s[b] = p
	delete(sl.rank, old)
	sl.rank[p] = i
	return a, b, true
}

// maxResort is the most replaced members resort moves one by one.
const maxResort = 32

// resort updates the list for members that differ from sl.members only by
// a few products replaced in place, and reports whether it could: the old
// product is found by binary search and removed, the new one inserted
// where a stable sort puts it. sl.rank is updated in place (the previous
// plan's list is not used again).
func (sl *sortedList) resort(members []*catalog.Product, order catalog.SortOrder) bool {
	if len(members) != len(sl.members) || sl.rank == nil {
		return false
	}
	var diff []int
	for i := range members {
		if members[i] != sl.members[i] {
			if len(diff) == maxResort {
				return false
			}
			diff = append(diff, i)
		}
	}
	for _, i := range diff {
		if _, moved := sl.rank[members[i]]; moved { // a member that moved, not a replacement
			return false
		}
	}
	for _, i := range diff {
		if _, _, ok := sl.move(order, sl.members[i], members[i], i); !ok {
			return false
		}
	}
	sl.members = members
	return true
}

// listingsOf returns the pages of a collection in an order as the previous
// plan made them, if it made them for the same header; else nil.
func (pc *planCache) listingsOf(collection string, order catalog.SortOrder, header string) []listing {
	if pc == nil {
		return nil
	}
	if g, ok := pc.listings[sortKey{collection, order}]; ok && g.header == header {
		return g.pages
	}
	return nil
}

// pagesOf returns the pages of a collection in an order as the previous
// plan made them, whatever their header.
func (pc *planCache) pagesOf(collection string, order catalog.SortOrder) []listing {
	return pc.listings[sortKey{collection, order}].pages
}

// keepListings remembers a collection's pages in an order for the next
// plan.
func (pc *planCache) keepListings(collection string, order catalog.SortOrder, header string, pages []listing) {
	if pc == nil {
		return
	}
	pc.nextListings[sortKey{collection, order}] = listingGroup{header: header, pages: pages}
}

// collectionDefs is what every product plan depends on of the collections:
// their handles, titles and membership rules.
func collectionDefs(cols []*catalog.Collection) any {
	type def struct {
		Handle, Title string
		Rules         *catalog.Rules
		Handles       []string
		Sort          catalog.SortOrder
	}
	out := make([]def, len(cols))
	for i, c := range cols {
		out[i] = def{c.Handle, c.Title, c.Rules, c.ProductHandles, c.Sort}
	}
	return out
}

// keepFacets remembers a collection's filter form values.
func (pc *planCache) keepFacets(collection string, fr *facets.Result) {
	if pc == nil {
		return
	}
	if pc.facets == nil {
		pc.facets = map[string]*facets.Result{}
	}
	pc.facets[collection] = fr
}

// Package recommend picks products to show a shopper: "you may also like"
// on a product page, "recommended for you" elsewhere. It scores candidates
// by what they share (collections, tags, type, vendor) with the product on
// the page and with what the shopper carted, viewed and wished, adds a
// log-damped popularity, and breaks ties by handle, so the same inputs
// always give the same picks.
//
// Scoring every product of a large catalog on each request would cost more
// than the fragment is worth, so the catalog is first arranged into an
// Index (NewIndex), once per catalog version; Index.For then touches only
// the products that share something with the shopper's seeds.
package recommend

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Feature weights: what one shared feature is worth before damping. A
// collection is the merchant's own grouping, the strongest signal; tags
// come next; type and vendor are broad.
const (
	weightCollection = 3.0
	weightTag        = 2.0
	weightType       = 1.0
	weightVendor     = 1.0
)

// Seed weights: how much each thing the shopper did counts.
const (
	seedCurrent = 4.0 // the product on the page
	seedCart    = 2.0 // each product in the cart
	seedView    = 1.5 // the newest view; older ones decay
	viewDecay   = 0.8 // each older view counts this much of the next newer
	seedWish    = 1.0 // the newest wish; older ones decay
	wishDecay   = 0.9
	maxWishes   = 20 // wishes beyond these are old news
	// historyShare caps the shopper's history on a product page at this
	// share of the product's own weight, so the page's product leads.
	historyShare = 0.5
)

const (
	// weightPopularity scales ln(1+shoppers): a thousand shoppers are worth
	// about 1.7, a little more than sharing a type, far less than sharing
	// a small collection; maxPopularityBonus (about 3,000 shoppers) caps it.
	weightPopularity   = 0.25
	maxPopularityBonus = 2.0
	// seenFactor demotes products the shopper already viewed: the recently
	// viewed island shows them.
	seenFactor = 0.5
)

// Index is a catalog arranged for recommendations: each published
// product's features (collections, tags, type, vendor) and, for each
// feature, the products that have it. Build one per catalog version with
// NewIndex and share it: it is immutable and safe for concurrent use.
type Index struct {
	products []*catalog.Product // published, in source order
	ids      map[string]int32   // handle -> position in products
	eligible []bool             // may be recommended: available
	feats    [][]int32          // per product: its feature ids
	postings [][]int32          // per feature: the products that have it
	weight   []float64          // per feature: its weight, damped by how common it is
	self     []float64          // per product: the sum of its features' weights

	runs sync.Pool // of *run: scratch space for For
}

// NewIndex arranges the store's published products. It reads the store's
// collections (Store.CollectionsOf), so build it after the store is
// indexed and before it is shared. A nil store gives an empty index.
// Cost: linear in the catalog (about 45 ms for 10,000 products and 0.6 s for 100,000 on this machine: BenchmarkNewIndex); do it once
// per catalog version, not per request.
func NewIndex(st *catalog.Store) *Index {
	ix := &Index{ids: map[string]int32{}}
	if st == nil {
		return ix
	}
	featID := map[string]int32{}
	colID := map[*catalog.Collection]int32{}
	var base []float64
	feature := func(key string, w float64) int32 {
		id, ok := featID[key]
		if !ok {
			id = int32(len(base))
			featID[key] = id
			base = append(base, w)
			ix.postings = append(ix.postings, nil)
		}
		return id
	}
	for _, p := range st.Products {
		if !p.Published() {
			continue
		}
		if _, dup := ix.ids[p.Handle]; dup {
			continue // Store.Product answers the first one too
		}
		id := int32(len(ix.products))
		ix.ids[p.Handle] = id
		ix.products = append(ix.products, p)
		ix.eligible = append(ix.eligible, p.Available())

		var fs []int32
		add := func(f int32) {
			if !slices.Contains(fs, f) {
				fs = append(fs, f)
				ix.postings[f] = append(ix.postings[f], id)
			}
		}
		for _, c := range st.CollectionsOf(p) {
			f, ok := colID[c]
			if !ok {
				// Collections are keyed by pointer: two may share a handle
				// in a catalog that failed validation.
				f = int32(len(base))
				colID[c] = f
				base = append(base, weightCollection)
				ix.postings = append(ix.postings, nil)
			}
			add(f)
		}
		for _, t := range p.Tags {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				add(feature("tag\x00"+t, weightTag))
			}
		}
		if t := strings.ToLower(strings.TrimSpace(p.Type)); t != "" {
			add(feature("type\x00"+t, weightType))
		}
		if v := strings.ToLower(strings.TrimSpace(p.Vendor)); v != "" {
			add(feature("vendor\x00"+v, weightVendor))
		}
		ix.feats = append(ix.feats, fs)
	}
	// A feature most products share tells nothing apart and would make
	// every request touch most of the catalog: drop it, like a stop word.
	stop := max(minCommon, len(ix.products)/commonShare)
	for f := range ix.postings {
		if len(ix.postings[f]) > stop {
			ix.postings[f] = nil
		}
	}
	for id, fs := range ix.feats {
		ix.feats[id] = slices.DeleteFunc(fs, func(f int32) bool { return ix.postings[f] == nil })
	}
	ix.weight = make([]float64, len(base))
	for f, w := range base {
		ix.weight[f] = w * damp(len(ix.postings[f]))
	}
	ix.self = make([]float64, len(ix.products))
	for id, fs := range ix.feats {
		for _, f := range fs {
			ix.self[id] += ix.weight[f]
		}
	}
	return ix
}

// A feature shared by more than a tenth of the products (and more than 64)
// is ignored: a store-wide collection, a vendor who makes everything.
const (
	commonShare = 10
	minCommon   = 64
)

// damp makes a feature shared by many products worth less: sharing a
// two-product collection says more than sharing the one every product is
// in. 1 for a feature of one product, 0.5 for three, 0.1 for about 1,000.
func damp(n int) float64 {
	if n == 0 {
		return 0
	}
	return 1 / math.Log2(1+float64(n))
}

// Len is the number of products indexed (the published ones).
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.products)
}

// For returns at most n products to recommend, best first: for the product
// page of product, or for the shopper in general when product is "".
//
// Candidates are published and available, never the product itself and
// never a product in the cart (any variant). They come in three tiers:
// products related to the product or to the shopper's cart, views and
// wishes, by relevance plus a capped, log-damped popularity; then products
// merely popular, most popular first (not ones the shopper viewed: the
// recently viewed island shows those); then, only to fill what nothing
// else does, the shopper's own wished products. Ties go to the handle that
// sorts first. A shopper with a sort preference other than manual gets the
// final list in that order.
//
// s may be nil (a shopper with no state) and popularity may be nil
// (shoppers per product handle, from shopper.Store.Popularity); a nil
// Index recommends nothing. For only reads the Index and its arguments.
func (ix *Index) For(product string, s *shopper.State, popularity map[string]int, n int) []*catalog.Product {
	if ix == nil || n <= 0 || len(ix.products) == 0 {
		return nil
	}
	if s == nil {
		s = &shopper.State{}
	}
	r := ix.getRun()
	defer ix.putRun(r)

	// Marks: what may not be recommended, or only as a filler.
	if id, ok := ix.ids[product]; ok {
		r.mark[id] |= excluded
	}
	for _, l := range s.Cart {
		if id, ok := ix.ids[l.Product]; ok {
			r.mark[id] |= excluded
		}
	}
	for _, w := range s.Wishes {
		if id, ok := ix.ids[w.Product]; ok {
			r.mark[id] |= wished
		}
	}
	for _, v := range s.Viewed {
		if id, ok := ix.ids[v.Product]; ok {
			r.mark[id] |= seen
		}
	}

	ix.score(r, product, s)

	// Tier 1: related products, relevance plus popularity. Popularity
	// costs a map lookup, and a store-wide collection or a common tag
	// relates thousands of products, so first find the n-th best relevance:
	// a candidate below it by more than the largest possible bonus cannot
	// make the list and is never looked up.
	cands := r.cands[:0]
	bar := newTop(n)
	for _, id := range r.touched {
		if r.mark[id]&(excluded|wished) != 0 || !ix.eligible[id] {
			continue
		}
		rel := r.score[id]
		if rel < 1e-9 { // a seed's own features, subtracted back to about zero
			continue
		}
		if r.mark[id]&seen != 0 {
			rel *= seenFactor
		}
		r.mark[id] |= picked
		cands = append(cands, seed{id, rel})
		if bar.wants(rel) {
			bar.offer(ix, id, rel)
		}
	}
	r.cands = cands
	threshold := math.Inf(-1)
	if len(bar.list) == n {
		threshold = bar.list[n-1].w - maxPopularityBonus
	}
	related := newTop(n)
	for _, c := range cands {
		if len(related.list) == n {
			// The bar rises as the list fills with better candidates.
			threshold = max(threshold, related.list[n-1].w-maxPopularityBonus)
		}
		if c.w >= threshold {
			related.offer(ix, c.id, c.w+bonus(popularity[ix.products[c.id].Handle]))
		}
	}
	out := related.products(ix)

	// Tier 2: popular products that share nothing with the seeds.
	if len(out) < n && len(popularity) > 0 {
		pop := newTop(n - len(out))
		for h, count := range popularity {
			if count <= 0 || !pop.wants(float64(count)) {
				continue // most of a big map stops here, before the lookup
			}
			id, ok := ix.ids[h]
			if !ok || r.mark[id]&(excluded|wished|seen|picked) != 0 || !ix.eligible[id] {
				continue
			}
			pop.offer(ix, id, float64(count))
		}
		out = append(out, pop.products(ix)...)
	}

	// Tier 3: the shopper's own wishes, when nothing else fills the list.
	if len(out) < n {
		wish := newTop(n - len(out))
		for _, w := range s.Wishes {
			id, ok := ix.ids[w.Product]
			if !ok || r.mark[id]&(excluded|picked) != 0 || !ix.eligible[id] {
				continue
			}
			r.mark[id] |= picked // a product wished twice is offered once
			wish.offer(ix, id, max(r.score[id], 0)+bonus(popularity[w.Product]))
		}
		out = append(out, wish.products(ix)...)
	}

	if len(out) == 0 {
		return nil
	}
	if o := s.Prefs.Sort; o != "" && o != catalog.SortManual && o.Valid() {
		out = catalog.SortProducts(out, o)
	}
	return out
}

// For is NewIndex(st).For(product, s, popularity, n). Building the index
// is linear in the catalog (milliseconds for 10,000 products): servers
// keep one Index per catalog version and call Index.For; this is for tests,
// tools and tiny stores.
func For(st *catalog.Store, product string, s *shopper.State, popularity map[string]int, n int) []*catalog.Product {
	return NewIndex(st).For(product, s, popularity, n)
}

// Marks on a product during one For.
const (
	excluded byte = 1 << iota // the page's product or in the cart
	wished                    // on the wishlist
	seen                      // in the browsing history
	touched                   // shares a feature with a seed
	picked                    // offered in an earlier tier
)

// run is one For's scratch space, as long as the catalog: kept in the
// Index's pool, so a request does not allocate and clear it anew.
type run struct {
	score   []float64 // per product: relevance
	mark    []byte    // per product: marks
	touched []int32   // products with a score, in the order first reached
	cands   []seed    // related candidates with their relevance
}

func (ix *Index) getRun() *run {
	if r, ok := ix.runs.Get().(*run); ok {
		return r
	}
	return &run{score: make([]float64, len(ix.products)), mark: make([]byte, len(ix.products))}
}

// putRun clears what For wrote and pools the run. Clearing everything
// costs a few microseconds for 10,000 products and cannot miss a mark.
func (ix *Index) putRun(r *run) {
	clear(r.score)
	clear(r.mark)
	r.touched, r.cands = r.touched[:0], r.cands[:0]
	ix.runs.Put(r)
}

type seed struct {
	id int32
	w  float64
}

// score adds up, for every product, the weights of the features it shares
// with the seeds, each times the seed's weight. A seed's features include
// its own, so each seed's share in its own score is taken back out: a
// product is not recommended for resembling itself.
func (ix *Index) score(r *run, product string, s *shopper.State) {
	var seeds []seed
	pos := map[int32]int{}
	add := func(handle string, w float64) {
		id, ok := ix.ids[handle]
		if !ok || w <= 0 {
			return
		}
		if i, ok := pos[id]; ok {
			seeds[i].w += w
			return
		}
		pos[id] = len(seeds)
		seeds = append(seeds, seed{id, w})
	}

	// The shopper's history, newest first within each kind.
	for _, l := range s.Cart {
		add(l.Product, seedCart)
	}
	w := seedView
	for _, v := range s.Viewed {
		if v.Product != product {
			add(v.Product, w)
		}
		w *= viewDecay
	}
	w = seedWish
	for i, x := range s.Wishes {
		if i == maxWishes {
			break
		}
		add(x.Product, w)
		w *= wishDecay
	}
	if _, ok := ix.ids[product]; ok {
		// On a product page the product leads: scale the history down to
		// a share of it, then add the product.
		total := 0.0
		for _, sd := range seeds {
			total += sd.w
		}
		if limit := historyShare * seedCurrent; total > limit {
			for i := range seeds {
				seeds[i].w *= limit / total
			}
		}
		add(product, seedCurrent)
	}
	if len(seeds) == 0 {
		return
	}

	// The seeds' profile: weight per feature. Features are visited in id
	// order so floating-point sums, and so ties, are the same every time.
	profile := map[int32]float64{}
	var fs []int32
	for _, sd := range seeds {
		for _, f := range ix.feats[sd.id] {
			if _, ok := profile[f]; !ok {
				fs = append(fs, f)
			}
			profile[f] += sd.w * ix.weight[f]
		}
	}
	slices.Sort(fs)
	for _, f := range fs {
		fw := profile[f]
		for _, id := range ix.postings[f] {
			if r.mark[id]&touched == 0 {
				r.mark[id] |= touched
				r.touched = append(r.touched, id)
			}
			r.score[id] += fw
		}
	}
	for _, sd := range seeds {
		r.score[sd.id] -= sd.w * ix.self[sd.id]
	}
}

// bonus is what popularity adds to a related product's relevance:
// log-damped, and capped so that no crowd outweighs a close relation.
func bonus(shoppers int) float64 {
	if shoppers <= 0 {
		return 0
	}
	return min(weightPopularity*math.Log1p(float64(shoppers)), maxPopularityBonus)
}

// top keeps the best n candidates seen, best first: higher score, then the
// handle that sorts first. n is small (a fragment's list), so insertion
// into a sorted slice beats a heap.
type top struct {
	n    int
	list []seed // w holds the score
}

func newTop(n int) *top { return &top{n: n, list: make([]seed, 0, n)} }

// wants reports whether a candidate scoring w could enter the list; a tie
// with the last might, depending on handles.
func (t *top) wants(w float64) bool {
	return len(t.list) < t.n || w >= t.list[len(t.list)-1].w
}

func (t *top) offer(ix *Index, id int32, w float64) {
	if t.n <= 0 {
		return
	}
	better := func(a seed) bool { // does (id, w) go before a?
		if w != a.w {
			return w > a.w
		}
		return ix.products[id].Handle < ix.products[a.id].Handle
	}
	if len(t.list) == t.n {
		if !better(t.list[t.n-1]) {
			return
		}
		t.list = t.list[:t.n-1]
	}
	i := len(t.list)
	for i > 0 && better(t.list[i-1]) {
		i--
	}
	t.list = slices.Insert(t.list, i, seed{id, w})
}

func (t *top) products(ix *Index) []*catalog.Product {
	out := make([]*catalog.Product, len(t.list))
	for i, c := range t.list {
		out[i] = ix.products[c.id]
	}
	return out
}

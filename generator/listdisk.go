package generator

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
)

// diskListings keeps a store's listings in the state folder between builds
// (listings-<store>.cache), so a build in a new process (`wandgen build`)
// sorts and hashes only the listings a change touches. Without it every
// build sorted every collection in every order and hashed every listing
// page: two thirds of a rebuild's plan at 10,000 products.
//
// For each collection it keeps the members (by handle, in the collection's
// order), the hash of what its pages show of it (meta: its fields and the
// filter form's values), and for each order the members' sorted order and
// each page's input hash; and for each product the key its plan is found
// by (productKey: every field, and the collections that show it). A page's
// input hash is a function of the site and collections' definitions (the
// file's tag, as the plan cache's), the meta, the order, the page's number,
// the page count, the total and its products' card hashes; a product's card
// is a function of the product (its key). So a listing whose members are
// the same handles in the same order with the same keys is what it was;
// when a few members changed in place, they move in the kept order (as
// Live's sortedList.move does in memory) and only the pages whose products
// changed or moved are hashed again. Anything else (members added,
// removed or reordered) plans the collection afresh.
//
// A file with another tag, another version, or damaged anywhere is ignored
// and written anew. Nothing in it says what was published (the manifest
// does): it only saves working out again what the plan would work out.
type diskListings struct {
	path, key string
	raw       []byte              // the file as read
	keys      map[string][16]byte // product handle -> key, as last planned
	old       map[string]*diskCollection
	next      map[string]*diskCollection
}

// diskCollection is one collection's listings as kept.
type diskCollection struct {
	members []string // as read: handles, in the collection's order
	idx     []int32  // as planned: the members' places among the store's published products
	meta    string   // the hash of what its pages show of it
	orders  map[catalog.SortOrder]*diskOrder
}

// diskOrder is a collection's listing in one order: perm[j] is the member
// (its place in members) at place j (nil: the members' own order), and ins
// the pages' input hashes.
type diskOrder struct {
	perm []int32
	ins  []string
}

// listingsCacheVersion changes with the file's format or with what a
// listing page's input hash covers.
const listingsCacheVersion = 1

const listingsCacheMagic = "wandstore listings cache\n"

// decodedListings is a listings cache as read: the file, its tag and what
// it holds (nil when missing or damaged).
type decodedListings struct {
	path, key string
	raw       []byte
	keys      map[string][16]byte
	cols      map[string]*diskCollection
}

// readDiskListings reads and decodes a store's listings cache, whatever
// its tag (which diskListingsFrom checks): a build reads it while the
// content validates (see prefetch).
func readDiskListings(stateDir, store string) *decodedListings {
	d := &decodedListings{path: filepath.Join(stateDir, "listings-"+store+".cache")}
	if data, err := os.ReadFile(d.path); err == nil {
		d.raw = data
		d.key, d.keys, d.cols = decodeListings(data)
	}
	return d
}

func diskListingsFrom(d *decodedListings, key string) *diskListings {
	dl := &diskListings{path: d.path, key: key, raw: d.raw, next: map[string]*diskCollection{}}
	if d.key == key {
		dl.keys, dl.old = d.keys, d.cols
	}
	return dl
}

// collection is what was kept of collection handle with these members
// (plans[i] is members[i]'s plan), and which of them changed (their places
// among members), when the members are the same handles in the same order;
// else nil.
func (dl *diskListings) collection(handle string, members []*catalog.Product, plans []*productPlan) (*diskCollection, []int) {
	dc := dl.old[handle]
	if dc == nil || len(dc.members) != len(members) {
		return nil, nil
	}
	var changed []int
	for i, p := range members {
		if p.Handle != dc.members[i] {
			return nil, nil
		}
		if was, ok := dl.keys[p.Handle]; !ok || was != plans[i].key {
			changed = append(changed, i)
		}
	}
	return dc, changed
}

// keep records a collection's listings for the next build.
func (dl *diskListings) keep(handle string, dc *diskCollection) { dl.next[handle] = dc }

// sortedPerm is the stable sort of members in order, as places among
// them: from the kept order when there is one (moving the changed members,
// when few), else sorted afresh.
func sortedPerm(members []*catalog.Product, order catalog.SortOrder, kept []int32, changed []int) []int32 {
	if kept != nil && len(kept) == len(members) {
		if len(changed) == 0 {
			return kept
		}
		if len(changed) <= maxResort {
			return movePerm(members, order, kept, changed)
		}
	}
	ps := catalog.SortProducts(members, order)
	rank := make(map[*catalog.Product]int32, len(members))
	for i, p := range members {
		rank[p] = int32(i)
	}
	perm := make([]int32, len(ps))
	for j, p := range ps {
		perm[j] = rank[p]
	}
	return perm
}

// movePerm is kept (a stable sort of members before the changed ones
// changed) with each changed member taken out and put back where a stable
// sort puts it now: by its key, then its place among the members.
func movePerm(members []*catalog.Product, order catalog.SortOrder, kept []int32, changed []int) []int32 {
	out := make([]int32, 0, len(kept))
	gone := make(map[int32]bool, len(changed))
	for _, i := range changed {
		gone[int32(i)] = true
	}
	for _, m := range kept {
		if !gone[m] {
			out = append(out, m)
		}
	}
	for _, i := range changed {
		key := order.Key(members[i])
		at, _ := slices.BinarySearchFunc(out, int32(i), func(m, target int32) int {
			if c := order.Compare(order.Key(members[m]), key); c != 0 {
				return c
			}
			return int(m - target)
		})
		out = slices.Insert(out, at, int32(i))
	}
	return out
}

// listingsDisk is listings for a build that keeps its listings on disk
// (see diskListings): a collection whose members did not change is planned
// from what was kept, without sorting it or hashing its pages; one whose
// members changed in place has only the pages that show a changed member
// or a member that moved hashed again.
func (pl *planner) listingsDisk(c *catalog.Collection) {
	dl := pl.dl
	members := c.Products()
	plans := make([]*productPlan, len(members)) // looked up once: the members' keys and places
	for i, p := range members {
		plans[i] = pl.plans[p]
	}
	kept, changed := dl.collection(c.Handle, members, plans)
	cm := listingCollection(c)
	fr := sync.OnceValue(func() *facets.Result { v := facets.Values(members); return &v })
	var meta string
	if kept != nil && len(changed) == 0 {
		meta = kept.meta // the same products: the same facet values
	} else {
		meta = pl.listingMetaHash(c, fr())
	}
	isChanged := make(map[int32]bool, len(changed))
	for _, i := range changed {
		isChanged[int32(i)] = true
	}
	next := &diskCollection{idx: make([]int32, len(members)), meta: meta, orders: map[catalog.SortOrder]*diskOrder{}}
	for i, pp := range plans {
		next.idx[i] = pp.index
	}
	for _, order := range catalog.SortOrders {
		eff := order
		if eff == catalog.SortManual {
			eff = c.Sort
		}
		var was *diskOrder
		if kept != nil {
			was = kept.orders[order]
		}
		var perm []int32
		if eff.Sorts() {
			var keptPerm []int32
			if was != nil {
				keptPerm = was.perm
			}
			perm = sortedPerm(members, eff, keptPerm, changed)
		}
		at := func(p []int32, j int) int32 {
			if p == nil {
				return int32(j)
			}
			return p[j]
		}
		total := len(members)
		pages := max(1, (total+pl.per-1)/pl.per)
		sameMeta := kept != nil && meta == kept.meta
		ins := make([]string, pages)
		for n := 1; n <= pages; n++ {
			lo, hi := (n-1)*pl.per, min(n*pl.per, total)
			ms := make([]*catalog.Product, hi-lo)
			same := sameMeta && was != nil && len(was.ins) == pages && (was.perm == nil) == (perm == nil)
			for j := lo; j < hi; j++ {
				m := at(perm, j)
				ms[j-lo] = members[m]
				if same && (isChanged[m] || at(was.perm, j) != m) {
					same = false
				}
			}
			if same {
				ins[n-1] = was.ins[n-1]
				pl.add(pl.listingJob(cm, fr, order, n, pages, total, ms, ins[n-1]))
				continue
			}
			l := pl.listingPage(cm, meta, fr, order, n, pages, total, ms)
			ins[n-1] = l.job.in
		}
		next.orders[order] = &diskOrder{perm: perm, ins: ins}
		if order == catalog.SortManual {
			pl.pageCounts[c.Handle] = pages
		}
	}
	dl.keep(c.Handle, next)
}

// save writes the listings this build planned, with the keys of products
// (those of plans), when they differ from what it read; best effort,
// atomically. Its bytes are a function of what it holds (collections by
// handle, orders and products in their order), so an unchanged plan
// writes nothing.
func (dl *diskListings) save(products []*catalog.Product, plans []*productPlan) {
	size := len(listingsCacheMagic) + len(dl.key) + 16 + len(products)*32
	for _, dc := range dl.next {
		size += len(dc.meta) + 3*len(dc.idx) + 64
		for _, do := range dc.orders {
			size += 3*len(do.perm) + 34*len(do.ins) + 16
		}
	}
	b := make([]byte, 0, size)
	b = append(b, listingsCacheMagic...)
	b = binary.AppendUvarint(b, listingsCacheVersion)
	b = appendBytes(b, []byte(dl.key))
	b = binary.AppendUvarint(b, uint64(len(products)))
	for i, p := range products {
		b = appendBytes(b, []byte(p.Handle))
		b = append(b, plans[i].key[:]...)
	}
	handles := make([]string, 0, len(dl.next))
	for h := range dl.next {
		handles = append(handles, h)
	}
	slices.Sort(handles)
	b = binary.AppendUvarint(b, uint64(len(handles)))
	for _, h := range handles {
		dc := dl.next[h]
		b = appendBytes(b, []byte(h))
		b = appendBytes(b, []byte(dc.meta))
		b = binary.AppendUvarint(b, uint64(len(dc.idx)))
		for _, m := range dc.idx {
			b = binary.AppendUvarint(b, uint64(m))
		}
		b = binary.AppendUvarint(b, uint64(len(dc.orders)))
		for _, order := range catalog.SortOrders {
			do, ok := dc.orders[order]
			if !ok {
				continue
			}
			b = appendBytes(b, []byte(order))
			b = binary.AppendUvarint(b, uint64(len(do.perm)))
			for _, m := range do.perm {
				b = binary.AppendUvarint(b, uint64(m))
			}
			b = binary.AppendUvarint(b, uint64(len(do.ins)))
			for _, in := range do.ins {
				b = appendBytes(b, []byte(in))
			}
		}
	}
	if bytes.Equal(b, dl.raw) {
		return // as it was: a build that changed nothing leaves the state folder alone
	}
	if err := os.MkdirAll(filepath.Dir(dl.path), 0o755); err != nil || writeAtomic(dl.path, b) != nil {
		os.Remove(dl.path)
	}
}

// decodeListings reads a listings cache: its tag, the products' keys by
// handle and the collections' listings; nils when it is another version's
// or damaged.
func decodeListings(data []byte) (string, map[string][16]byte, map[string]*diskCollection) {
	rest, ok := bytes.CutPrefix(data, []byte(listingsCacheMagic))
	if !ok {
		return "", nil, nil
	}
	r := &cacheReader{rest: rest}
	if r.uv() != listingsCacheVersion || r.bad {
		return "", nil, nil
	}
	key := string(r.field())
	n := r.count(17) // a handle's length and a key
	handles := make([]string, n)
	keys := make(map[string][16]byte, n)
	for i := range handles {
		handles[i] = string(r.field())
		if len(r.rest) < 16 {
			return "", nil, nil
		}
		keys[handles[i]] = [16]byte(r.rest[:16])
		r.rest = r.rest[16:]
	}
	cols := map[string]*diskCollection{}
	for range r.count(4) {
		h := string(r.field())
		dc := &diskCollection{meta: string(r.field()), orders: map[catalog.SortOrder]*diskOrder{}}
		dc.members = make([]string, r.count(1))
		for i := range dc.members {
			m := r.uv()
			if m >= uint64(len(handles)) {
				return "", nil, nil
			}
			dc.members[i] = handles[m]
		}
		for range r.count(2) {
			order := catalog.SortOrder(r.field())
			do := &diskOrder{}
			if np := r.count(1); np > 0 {
				if np != len(dc.members) {
					return "", nil, nil
				}
				do.perm = make([]int32, np)
				for j := range do.perm {
					m := r.uv()
					if m >= uint64(np) {
						return "", nil, nil
					}
					do.perm[j] = int32(m)
				}
			}
			do.ins = make([]string, r.count(1))
			for j := range do.ins {
				do.ins[j] = string(r.field())
			}
			dc.orders[order] = do
		}
		cols[h] = dc
	}
	if r.bad || len(r.rest) != 0 {
		return "", nil, nil
	}
	return key, keys, cols
}

// cacheReader reads the state folder's binary caches: varints and
// length-prefixed fields; the first problem sets bad and empties rest.
type cacheReader struct {
	rest []byte
	bad  bool
}

func (r *cacheReader) uv() uint64 {
	v, n := binary.Uvarint(r.rest)
	if n <= 0 {
		r.bad, r.rest = true, nil
		return 0
	}
	r.rest = r.rest[n:]
	return v
}

func (r *cacheReader) field() []byte {
	n := r.uv()
	if n > uint64(len(r.rest)) {
		r.bad, r.rest = true, nil
		return nil
	}
	f := r.rest[:n:n]
	r.rest = r.rest[n:]
	return f
}

// count reads a count of things that take at least least bytes each: 0,
// and bad set, when the rest could not hold that many.
func (r *cacheReader) count(least int) int {
	n := r.uv()
	if n > uint64(len(r.rest))/uint64(least) {
		r.bad, r.rest = true, nil
		return 0
	}
	return int(n)
}

package islands

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/recommend"
)

// Catalog is one store as the islands server sees it: the catalog, where the
// store's pages live (for links and full-page answers) and a version that
// changes with the catalog, so cached fragments of an old catalog are never
// served.
type Catalog struct {
	Store   *catalog.Store
	Site    *components.Site
	Version string

	// recs is the recommendation index: Store's, or, for a moment after
	// a change, the previous catalog's (see Catalogs.Set).
	recs atomic.Pointer[recommend.Index]

	// facets are its collections ready to filter (filters.go).
	facets facetIndexes
}

// Recs is the catalog's recommendation index. Right after a change it may
// rank by the previous catalog: read the products it names from Store.
func (x *Catalog) Recs() *recommend.Index { return x.recs.Load() }

// Catalogs holds the stores served, safe for concurrent use; Set replaces a
// store's catalog (after a rebuild) without a restart.
type Catalogs struct {
	mu     sync.RWMutex
	byName map[string]*Catalog
	paths  []string // islands path prefixes, longest first
	byPath map[string]*Catalog
	// building lists the stores whose recommendation index is being
	// rebuilt, with whether a newer catalog came meanwhile (build again).
	building map[string]bool
}

// NewCatalogs returns a holder with the given stores.
func NewCatalogs(cs ...*Catalog) *Catalogs {
	c := &Catalogs{byName: map[string]*Catalog{}, byPath: map[string]*Catalog{}, building: map[string]bool{}}
	for _, x := range cs {
		c.Set(x)
	}
	return c
}

// Set adds or replaces a store's catalog.
//
// The recommendation index of a store's first catalog is built at once. A
// new catalog of a store already served takes its predecessor's index
// while its own is built in the background (linear in the catalog: about
// 0.6 s at 100,000 products: BenchmarkNewIndex), so publishing a change does not wait for
// it; builds are coalesced, the last catalog's always built.
func (c *Catalogs) Set(x *Catalog) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.byName[x.Store.Handle]
	if x.recs.Load() == nil {
		if old == nil || old.recs.Load() == nil {
			x.recs.Store(recommend.NewIndex(x.Store))
		} else {
			x.recs.Store(old.recs.Load())
			c.rebuild(x.Store.Handle)
		}
	}
	if old != nil {
		delete(c.byPath, islandsPrefix(old))
		delete(c.byPath, old.Site.OrdersPrefix())
	}
	c.byName[x.Store.Handle] = x
	c.byPath[islandsPrefix(x)] = x
	c.byPath[x.Site.OrdersPrefix()] = x
	c.paths = c.paths[:0]
	for p := range c.byPath {
		c.paths = append(c.paths, p)
	}
	sort.Slice(c.paths, func(i, j int) bool { return len(c.paths[i]) > len(c.paths[j]) })
}

// rebuild builds the recommendation index of a store's current catalog
// in the background, again while newer catalogs arrive. Between two
// builds it waits rebuildGap times as long as the last build took, so a
// stream of changes to a large catalog (a build takes about 0.6 s at
// 100,000 products) costs at most a fifth of a core in rebuilds, and the
// ranking lags the catalog by about that long. The caller holds c.mu.
func (c *Catalogs) rebuild(handle string) {
	if _, busy := c.building[handle]; busy {
		c.building[handle] = true
		return
	}
	c.building[handle] = false
	go func() {
		for {
			c.mu.Lock()
			x := c.byName[handle]
			c.building[handle] = false
			c.mu.Unlock()
			start := time.Now()
			if x != nil {
				x.recs.Store(recommend.NewIndex(x.Store))
			}
			took := time.Since(start)
			c.mu.Lock()
			again := c.building[handle]
			if !again {
				delete(c.building, handle)
			}
			c.mu.Unlock()
			if !again {
				return
			}
			time.Sleep(rebuildGap * took)
		}
	}()
}

// rebuildGap is how many times a recommendation index's build time passes
// before the next build of the same store.
const rebuildGap = 4

// Get returns a store's catalog by handle.
func (c *Catalogs) Get(handle string) (*Catalog, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	x, ok := c.byName[handle]
	return x, ok
}

// All returns every catalog, by handle.
func (c *Catalogs) All() []*Catalog {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Catalog, 0, len(c.byName))
	for _, x := range c.byName {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Store.Handle < out[j].Store.Handle })
	return out
}

// match finds the store whose islands path prefixes urlPath and returns the
// rest of the path ("cart/add").
func (c *Catalogs) match(urlPath string) (*Catalog, string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, p := range c.paths {
		if rest, ok := strings.CutPrefix(urlPath, p); ok {
			x := c.byPath[p]
			if p == x.Site.OrdersPrefix() {
				// An order's page (<base path>orders/<token>/) is the
				// orders/ route, as under islands/.
				rest = components.RouteOrder + rest
			}
			return x, rest, true
		}
	}
	return nil, "", false
}

func islandsPrefix(x *Catalog) string { return x.Site.IslandPath("") }

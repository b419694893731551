package islands

import (
	"sort"
	"strings"
	"sync"

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
	// Recs is the recommendation index of Store; Set builds it when nil.
	Recs *recommend.Index
}

// Catalogs holds the stores served, safe for concurrent use; Set replaces a
// store's catalog (after a rebuild) without a restart.
type Catalogs struct {
	mu     sync.RWMutex
	byName map[string]*Catalog
	paths  []string // islands path prefixes, longest first
	byPath map[string]*Catalog
}

// NewCatalogs returns a holder with the given stores.
func NewCatalogs(cs ...*Catalog) *Catalogs {
	c := &Catalogs{byName: map[string]*Catalog{}, byPath: map[string]*Catalog{}}
	for _, x := range cs {
		c.Set(x)
	}
	return c
}

// Set adds or replaces a store's catalog.
func (c *Catalogs) Set(x *Catalog) {
	if x.Recs == nil {
		x.Recs = recommend.NewIndex(x.Store)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.byName[x.Store.Handle]; old != nil {
		delete(c.byPath, islandsPrefix(old))
	}
	c.byName[x.Store.Handle] = x
	c.byPath[islandsPrefix(x)] = x
	c.paths = c.paths[:0]
	for p := range c.byPath {
		c.paths = append(c.paths, p)
	}
	sort.Slice(c.paths, func(i, j int) bool { return len(c.paths[i]) > len(c.paths[j]) })
}

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
			return c.byPath[p], rest, true
		}
	}
	return nil, "", false
}

func islandsPrefix(x *Catalog) string { return x.Site.IslandPath("") }

// Rendered fragments, cached per shopper, state version and catalog
// version.

package islands

import (
	"context"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/ops"
)

// fragmentKey names a rendered fragment in the cache: the store, the
// shopper and their state's version (so any write of theirs retires every
// cached fragment of theirs at once), the catalog version, the fragment and
// its parameters.
func fragmentKey(c *Catalog, id shopper.ID, version int64, name, params string) string {
	return fmt.Sprintf("%s|%s|%d|%s|%s|%s", c.Store.Handle, id, version, c.Version, name, params)
}

// serveFragment answers a GET fragment: from the cache when it holds it,
// else rendered (and cached for the next minute). A hit needs two small
// cache reads (the state's version, then the fragment); the state itself
// is read and decoded only to render.
func (s *Server) serveFragment(q *request, params string, render func(st *shopper.State) (templ.Component, error)) {
	ctx := q.r.Context()
	useCache := s.cache != nil && !q.fresh
	var key string
	if useCache {
		cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
		ver, ok, err := s.cache.StateVersion(cctx, q.cat.Store.Handle, q.id)
		cancel()
		if err != nil {
			s.cacheError("state_version", err)
		}
		if ok && ver < q.seen {
			s.metrics.stale.WithLabelValues("state_version").Inc()
			ok = false
		}
		if ok {
			key = fragmentKey(q.cat, q.id, ver, q.route, params)
			if html, hit := s.cachedFragment(ctx, q.cat.Store.Handle, key); hit {
				writeHTML(q, http.StatusOK, html)
				return
			}
		}
	}
	st, err := s.state(q)
	if err != nil {
		s.internalError(q, err)
		return
	}
	if k := fragmentKey(q.cat, q.id, st.Version, q.route, params); useCache && k != key {
		// The hot copy was missing (now refilled) or changed meanwhile.
		key = k
		if html, hit := s.cachedFragment(ctx, q.cat.Store.Handle, key); hit {
			writeHTML(q, http.StatusOK, html)
			return
		}
	}
	c, err := render(st)
	if err != nil {
		s.internalError(q, err)
		return
	}
	html, err := renderBytes(ctx, c)
	if err != nil {
		s.internalError(q, err)
		return
	}
	if useCache {
		cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
		if err := s.cache.PutFragment(cctx, key, html); err != nil {
			s.cacheError("fragment_put", err)
		}
		cancel()
	}
	writeHTML(q, http.StatusOK, html)
}

// cachedFragment reads a rendered fragment from the cache; an error is a
// miss. Hits, misses and errors are counted.
func (s *Server) cachedFragment(ctx context.Context, store, key string) ([]byte, bool) {
	cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
	defer cancel()
	html, ok, err := s.cache.Fragment(cctx, key)
	switch {
	case err != nil:
		s.metrics.fragments.WithLabelValues("error").Inc()
		s.ops.Add(store, ops.Fragments, "miss", 1)
		s.cacheError("fragment_get", err)
		return nil, false
	case ok:
		s.metrics.fragments.WithLabelValues("hit").Inc()
		s.ops.Add(store, ops.Fragments, "hit", 1)
		return html, true
	}
	s.metrics.fragments.WithLabelValues("miss").Inc()
	s.ops.Add(store, ops.Fragments, "miss", 1)
	return nil, false
}

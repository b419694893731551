// The hot-state protocol: reads take the hot copy (Olric) unless it is
// older than what the shopper was told, else the durable store; a committed
// write replaces the hot copy and tells the shopper its version.

package islands

import (
	"context"
	"fmt"

	"github.com/wandstore/wandstore/islands/shopper"
)

// state returns the shopper's state: the hot copy, else the durable one
// (which then becomes the hot copy). A cache error is a miss.
func (s *Server) state(q *request) (*shopper.State, error) {
	store := q.cat.Store.Handle
	if q.fresh {
		return &shopper.State{Store: store, Shopper: q.id}, nil
	}
	ctx := q.r.Context()
	if s.cache != nil {
		cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
		st, ok, err := s.cache.State(cctx, store, q.id)
		cancel()
		switch {
		case err != nil:
			s.cacheError("state_get", err)
		case ok && st.Version >= q.seen:
			return st, nil
		case ok:
			// Older than what this shopper was told: a copy a write could
			// not replace (its owner died) or a replica of before it.
			s.metrics.stale.WithLabelValues("state").Inc()
		}
	}
	st, err := s.store.Load(ctx, store, q.id)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	s.putState(ctx, st)
	return st, nil
}

// putState refreshes the hot copy after a durable read or write. If that
// fails the hot copy is dropped, so no stale copy outlives the write.
func (s *Server) putState(ctx context.Context, st *shopper.State) {
	if s.cache == nil {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
	defer cancel()
	if err := s.cache.PutState(cctx, st); err != nil {
		s.cacheError("state_put", err)
		if err := s.cache.DropState(cctx, st.Store, st.Shopper); err != nil {
			s.cacheError("state_drop", err)
		}
	}
}

// acknowledge follows a committed write: the hot copy is replaced, and the
// shopper's version cookie carries the new version, so whichever member
// answers them next shows nothing older, whatever the cache holds.
func (s *Server) acknowledge(q *request, st *shopper.State) {
	s.putState(q.r.Context(), st)
	if st.Version <= q.seen {
		return
	}
	q.seen = st.Version
	s.cookie(q, versionCookie(q), s.codec.EncodeVersion(q.cat.Store.Handle, q.id, st.Version), q.cat.Site.BasePath)
}

// cacheError counts and logs (at debug) a cache call that failed; the
// caller goes on without the cache.
func (s *Server) cacheError(op string, err error) {
	s.metrics.cacheErrors.WithLabelValues(op).Inc()
	s.log.Debug("cache error, falling back", "op", op, "err", err)
}

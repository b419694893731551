package islands

import (
	"context"
	"slices"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/experiments"
	"github.com/wandstore/wandstore/islands/shopper"
)

// ExperimentLog records what the store's experiments need
// (experiments/record.Recorder): a shopper exposed to a variant, when an
// island renders what the variant changes (the control's own rendering
// included), and the goals they reach. It gathers in memory and writes in
// batches: no call here waits on the database.
type ExperimentLog interface {
	Expose(store, experiment, variant, shopper string)
	Convert(store, shopper string, goal catalog.Goal, value int64)
	// Results are st's experiments' results so far (the dashboard's).
	Results(ctx context.Context, st *catalog.Store) ([]experiments.Result, error)
}

// experimentResults are the results of the experiments of store ("":
// every served store), by store, for the dashboard.
func (s *Server) experimentResults(ctx context.Context, store string) (map[string][]experiments.Result, error) {
	out := map[string][]experiments.Result{}
	for _, c := range s.cats.All() {
		if (store != "" && c.Store.Handle != store) || len(c.Store.Experiments) == 0 {
			continue
		}
		rs, err := s.exp.Results(ctx, c.Store)
		if err != nil {
			return out, err
		}
		out[c.Store.Handle] = rs
	}
	return out, nil
}

// treatment is what the running experiments of q's store change for its
// shopper; the zero Treatment when none runs. A new shopper (no cookie
// yet) sees the islands' own rendering and is not counted: their id is
// drawn afresh on every request until they have a cookie, so a variant by
// it would change from one request to the next, and a client that keeps
// no cookie would be a new visitor each time.
func (s *Server) treatment(q *request) experiments.Treatment {
	now := s.now()
	if q.fresh || !experiments.Running(q.cat.Store, now) {
		return experiments.Treatment{}
	}
	return experiments.Treat(q.cat.Store, string(q.id), now)
}

// expose records that q's shopper was shown c (a Change of a running
// experiment) as its variant renders it.
func (s *Server) expose(q *request, c experiments.Change) {
	if s.exp == nil || c.Experiment == "" || q.fresh {
		return
	}
	s.exp.Expose(q.cat.Store.Handle, c.Experiment, c.Variant, string(q.id))
}

// convert records that q's shopper reached goal (value: an order's total
// in minor units), when some experiment of the store runs.
func (s *Server) convert(q *request, goal catalog.Goal, value int64) {
	if s.exp == nil || !experiments.Running(q.cat.Store, s.now()) {
		return
	}
	s.exp.Convert(q.cat.Store.Handle, string(q.id), goal, value)
}

// greeting is the cart badge's greeting for st: the shopper's own name
// wins; without one, a greeting experiment's variant text (the control
// shows none). The exposure is recorded only when the experiment decides
// what is shown, that is without a name.
func (s *Server) greeting(q *request, st *shopper.State, t experiments.Treatment) (name, banner string) {
	if st.Prefs.Name != "" {
		return st.Prefs.Name, ""
	}
	s.expose(q, t.Greeting)
	return "", t.Greeting.Value
}

// listSort is the order of the shopper's lists (recently viewed,
// wishlist): theirs when they chose one; without, a sort experiment's
// variant (the control keeps the lists' own order).
func (s *Server) listSort(q *request, st *shopper.State, t experiments.Treatment) shopper.Preferences {
	prefs := st.Prefs
	if prefs.Sort != "" || t.Sort.Experiment == "" {
		return prefs
	}
	s.expose(q, t.Sort)
	prefs.Sort = catalog.SortOrder(t.Sort.Value)
	return prefs
}

// recommend picks the recommendations of st's shopper on current's page
// by strategy (catalog.RecommendStrategies; "" is the island's own: the
// semantic blend when an Advisor is set, else the behavioural picks).
func (s *Server) recommend(q *request, st *shopper.State, current string, pop map[string]int, strategy string) []*catalog.Product {
	recs := q.cat.Recs()
	switch {
	case strategy == "default" || (strategy == "" && s.ai == nil) || (strategy == "semantic" && s.ai == nil):
		return recs.For(current, st, pop, listSize)
	case strategy == "popular":
		return popular(q.cat.Store, st, current, pop, listSize)
	}
	return recs.Blend(current, st, pop, listSize, s.ai.Neighbours(q.cat.Store))
}

// popular is the "popular" strategy: the store's products that can be
// bought, most popular first (the catalog's order among equals, so a store
// with no history yet still shows a list), never the page's product or
// one already in the cart.
func popular(st *catalog.Store, sh *shopper.State, current string, pop map[string]int, n int) []*catalog.Product {
	skip := map[string]bool{current: true}
	for _, l := range sh.Cart {
		skip[l.Product] = true
	}
	var ps []*catalog.Product
	for _, p := range st.PublishedProducts() {
		if !skip[p.Handle] && p.Available() {
			ps = append(ps, p)
		}
	}
	slices.SortStableFunc(ps, func(a, b *catalog.Product) int { return pop[b.Handle] - pop[a.Handle] })
	return ps[:min(n, len(ps))]
}

package ai

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/recommend"
)

// Advisor is the islands server's recommend.Advisor: semantic neighbours
// per store (from the model's embeddings when there is an endpoint, else
// the built-in TF-IDF) and, with a chat model, a line of copy per segment.
// Neighbours are computed in the background, once per catalog version
// (the newest asked for): a request never waits on them.
type Advisor struct {
	emb  *Embedder   // nil: offline (TF-IDF)
	copy *Copywriter // nil: no copy
	log  *slog.Logger
	k    int

	base   context.Context // cancelled by Close
	cancel context.CancelFunc

	mu     sync.Mutex
	stores map[string]*storeNeighbours
	bg     sync.WaitGroup
	// built, when set, is told of each computation (tests).
	built func(store string, nb *recommend.Neighbours, embedded int, err error)
}

type storeNeighbours struct {
	cat      *catalog.Store // the catalog nb was computed from
	nb       *recommend.Neighbours
	building bool
	want     *catalog.Store // the newest catalog asked for while building
}

var _ recommend.Advisor = (*Advisor)(nil)

// MaxVectorProducts is the largest catalog whose neighbours are computed
// from embeddings: recommend.VectorNeighbours compares every pair (about
// 2 s for 2,000 products of 768 dimensions on this machine, growing with
// the square), once per catalog version; a larger catalog gets the TF-IDF
// neighbours, whose cost grows far slower.
const MaxVectorProducts = 3000

// AdvisorOptions configure an Advisor.
type AdvisorOptions struct {
	// Embedder computes vectors with a model; nil uses TF-IDF.
	Embedder *Embedder
	// Copywriter writes the lines of copy; nil writes none.
	Copywriter *Copywriter
	Log        *slog.Logger
	// Neighbours per product; default recommend.DefaultNeighbours.
	Neighbours int
	// Built, when set, is called after each store's neighbours are
	// computed: embedded is how many texts the model embedded, err the
	// model's failure (then the neighbours are TF-IDF's).
	Built func(store string, nb *recommend.Neighbours, embedded int, err error)
}

// NewAdvisor returns an Advisor.
func NewAdvisor(o AdvisorOptions) *Advisor {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Neighbours <= 0 {
		o.Neighbours = recommend.DefaultNeighbours
	}
	a := &Advisor{emb: o.Embedder, copy: o.Copywriter, log: o.Log, k: o.Neighbours, stores: map[string]*storeNeighbours{}, built: o.Built}
	a.base, a.cancel = context.WithCancel(context.Background())
	return a
}

// Warm starts computing the neighbours of each catalog.
func (a *Advisor) Warm(stores ...*catalog.Store) {
	for _, st := range stores {
		a.Neighbours(st)
	}
}

// Neighbours answers st's neighbours when computed, else the store's
// previous catalog's (or nil) while st's are computed in the background.
func (a *Advisor) Neighbours(st *catalog.Store) *recommend.Neighbours {
	if st == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.stores[st.Handle]
	if e == nil {
		e = &storeNeighbours{}
		a.stores[st.Handle] = e
	}
	if e.cat == st {
		return e.nb
	}
	if e.building {
		e.want = st
		return e.nb
	}
	e.building = true
	a.bg.Add(1)
	go a.compute(e, st)
	return e.nb
}

// compute computes st's neighbours, then those of the newest catalog
// asked for meanwhile, if any.
func (a *Advisor) compute(e *storeNeighbours, st *catalog.Store) {
	defer a.bg.Done()
	for st != nil {
		var nb *recommend.Neighbours
		embedded := 0
		var err error
		start := time.Now()
		if a.emb != nil && len(st.Products) > MaxVectorProducts {
			a.log.Warn("ai: too many products for embedding neighbours; the offline similarity stands in",
				"store", st.Handle, "products", len(st.Products), "max", MaxVectorProducts)
		} else if a.emb != nil {
			ctx, cancel := context.WithTimeout(a.base, 10*time.Minute)
			var hs []string
			var vecs [][]float32
			hs, vecs, embedded, err = a.emb.Vectors(ctx, st)
			cancel()
			if err == nil {
				nb = recommend.VectorNeighbours(st, hs, vecs, a.k, a.emb.Client.EmbedModel())
			} else {
				a.log.Warn("ai: embeddings failed; the offline similarity stands in", "store", st.Handle, "err", err)
			}
		}
		if nb == nil {
			nb = recommend.TextNeighbours(st, a.k)
		}
		a.log.Info("ai: semantic neighbours ready", "store", st.Handle, "source", nb.Source,
			"products", nb.Len(), "embedded", embedded, "took", time.Since(start).Round(time.Millisecond))
		if a.built != nil {
			a.built(st.Handle, nb, embedded, err)
		}
		a.mu.Lock()
		e.cat, e.nb = st, nb
		st, e.want = e.want, nil
		if st == nil {
			e.building = false
		}
		a.mu.Unlock()
	}
}

// Copy is seg's line of copy within the budget, or "" (always "" without
// a chat model).
func (a *Advisor) Copy(ctx context.Context, seg recommend.Segment) string {
	if a == nil || a.copy == nil {
		return ""
	}
	return a.copy.Copy(ctx, seg)
}

// Close cancels the background work under way (a slow model's
// embeddings, lines of copy) and waits for it to end.
func (a *Advisor) Close() {
	a.cancel()
	if a.copy != nil {
		a.copy.cancel()
	}
	a.Wait()
}

// Wait waits for the background work under way: neighbours and copy.
func (a *Advisor) Wait() {
	a.bg.Wait()
	if a.copy != nil {
		a.copy.Wait()
	}
}

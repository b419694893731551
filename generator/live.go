package generator

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
)

// Live is a long-lived builder for servers that keep stores fresh as their
// catalogs change (Shopify webhooks): it keeps each store's plan and
// manifest in memory between updates, so publishing a changed catalog
// costs the pages the change touches, not a build. A product that did not
// change (the same *catalog.Product: catalog.Store.With shares them) is
// not re-planned, a listing that shows the same products is not re-hashed,
// a sorted listing is updated by moving the changed products, and only
// files whose inputs changed are rendered; of those, only the ones whose
// bytes changed are published.
//
// The first Update of a store is a full build against the manifest on disk
// (as Build does, checking that unchanged files are still published). The
// manifest is saved in the background, at most twice a second (Flush
// saves at once and waits): a crash in between costs the next build some
// needless work. Paths published for the first time are saved at once,
// before they are written, so no crash leaves a page the next build does
// not know to remove. Live does not write the site's front door
// (the list of stores): Build does.
//
// Live is safe for concurrent use; updates of one store are serialised.
type Live struct {
	b *builder

	mu     sync.Mutex
	stores map[string]*liveStore

	saveMu   sync.Mutex // one save at a time, in order
	saveErr  error
	saves    sync.WaitGroup
	lastSave time.Time
	wake     chan struct{} // closed by Flush: pending saves go at once
	flushing int           // Flushes waiting: saves go at once
}

// saveEvery is the least time between two manifest saves: a burst of
// changes is saved once, and a save (JSON of every file's entry) does not
// compete with every change for the CPU.
const saveEvery = 500 * time.Millisecond

type liveStore struct {
	mu    sync.Mutex
	st    *catalog.Store
	man   *Manifest // what is published
	cache *planCache
	site  *components.Site
	// saved is the newest manifest handed to the saver. Atomic: the
	// background save reads it under saveMu alone, while Update, holding
	// ls.mu, may wait for saveMu (saveNow); locking ls.mu there deadlocked.
	saved atomic.Pointer[Manifest]
}

// NewLive checks the options as Build does; Source is not used (Update is
// given the catalogs).
func NewLive(opts Options) (*Live, error) {
	b, err := newBuilder(opts)
	if err != nil {
		return nil, err
	}
	return &Live{b: b, stores: map[string]*liveStore{}, wake: make(chan struct{})}, nil
}

// Update publishes st, a validated store (a whole catalog, usually the
// previous one with a change: catalog.Store.With), and returns what it
// did. On an error nothing is assumed published: the next update of the
// store plans from scratch against the last manifest known good.
func (l *Live) Update(ctx context.Context, st *catalog.Store) (*Summary, error) {
	start := time.Now()
	l.mu.Lock()
	ls := l.stores[st.Handle]
	if ls == nil {
		ls = &liveStore{}
		l.stores[st.Handle] = ls
	}
	l.mu.Unlock()

	ls.mu.Lock()
	defer ls.mu.Unlock()
	trusted := ls.man != nil
	if !trusted {
		man, err := loadManifest(l.b.opts.StateDir, st.Handle)
		if err != nil {
			return nil, err
		}
		ls.man, ls.cache = man, newPlanCache()
	}
	sum := &Summary{Phases: map[string]time.Duration{}, Sites: map[string]*components.Site{}}
	ls.cache.manifest = ls.man
	t := time.Now()
	p, err := l.b.plan(ctx, st, ls.cache)
	sum.Phases["plan"] = time.Since(t)
	if err != nil {
		ls.reset()
		return nil, fmt.Errorf("plan: %w", err)
	}
	if m := intent(p); m != nil {
		// New paths are on disk in the manifest before they are published
		// (see intent): this save cannot wait for the next batch.
		if err := l.saveNow(ls, m); err != nil {
			ls.reset()
			return nil, err
		}
	}
	t = time.Now()
	next, err := l.b.execute(ctx, p, sum, trusted)
	sum.Phases["render"] = time.Since(t)
	if err != nil {
		// Some files may be published and others not: forget what is
		// cached and check against the publisher next time.
		ls.reset()
		return nil, fmt.Errorf("render: %w", err)
	}
	ls.st, ls.man, ls.site = st, next, p.site
	sum.Sites[st.Handle] = p.site
	sum.Catalogs = []*catalog.Store{st}
	sort.Strings(sum.Changed)
	sort.Strings(sum.Removed)
	sum.Duration = time.Since(start)
	if sum.Written > 0 || sum.Deleted > 0 || !trusted {
		l.save(ls, next)
	}
	return sum, nil
}

// reset forgets a store's in-memory state after a failure: the next Update
// starts from the manifest on disk, as a first one does.
func (ls *liveStore) reset() { ls.man, ls.cache, ls.st = nil, nil, nil }

// Store returns the catalog last published for handle, or nil.
func (l *Live) Store(handle string) *catalog.Store {
	l.mu.Lock()
	ls := l.stores[handle]
	l.mu.Unlock()
	if ls == nil {
		return nil
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.st
}

// save writes a manifest in the background, at most every saveEvery;
// saves of a store happen in order, and a save already overtaken by a
// newer manifest is skipped (the newer one's save follows).
func (l *Live) save(ls *liveStore, m *Manifest) {
	ls.saved.Store(m)
	l.saves.Add(1)
	go func() {
		defer l.saves.Done()
		l.saveMu.Lock()
		wait, wake := saveEvery-time.Since(l.lastSave), l.wake
		if l.flushing > 0 {
			wait = 0
		}
		l.saveMu.Unlock()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-wake:
				t.Stop()
			}
		}
		l.saveMu.Lock()
		defer l.saveMu.Unlock()
		if ls.saved.Load() != m {
			return
		}
		if err := m.save(l.b.opts.StateDir); err != nil {
			l.b.log.Error("saving the manifest", "store", m.Store, "err", err)
			l.saveErr = err
		}
		l.lastSave = time.Now()
	}()
}

// saveNow writes m at once, in order with the background saves: one in
// progress finishes first, and those not yet written are overtaken by m
// (and by what is handed to save after it). The caller holds ls.mu; the
// background save does not take it, so the two cannot wait on each other.
func (l *Live) saveNow(ls *liveStore, m *Manifest) error {
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	ls.saved.Store(m)
	l.lastSave = time.Now()
	return m.save(l.b.opts.StateDir)
}

// Flush waits for the manifests being saved and returns the first save
// error since the last Flush.
func (l *Live) Flush() error {
	l.saveMu.Lock()
	l.flushing++
	close(l.wake)
	l.wake = make(chan struct{})
	l.saveMu.Unlock()
	l.saves.Wait()
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	l.flushing--
	err := l.saveErr
	l.saveErr = nil
	return err
}

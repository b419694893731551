package generator

import (
	"context"
	"fmt"
	"maps"
	"slices"
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
// costs the pages the change touches, not a build.
//
// The first Update of a store is a full build against the manifest on disk
// (as Build does, checking that unchanged files are still published).
// After that, an Update whose catalog differs from the last one published
// only in products (catalog.Store.With's products, sharing the others) is
// planned as a delta (planDelta): only the changed products' pages, the
// listing pages that show them, the search index and sitemap shards that
// hold them and the home page are planned, rendered and published. Any
// other change (settings, theme, collections' definitions, a reconcile's
// fresh catalog) is planned in full, reusing what did not change: a
// product that did not change (the same *catalog.Product) is not
// re-planned, a listing that shows the same products is not re-hashed, a
// sorted listing is updated by moving the changed products, and only
// files whose inputs changed are rendered; of those, only the ones whose
// bytes changed are published.
//
// Every update's manifest changes are appended to the store's manifest
// log before it returns (paths published for the first time before they
// are written, so no crash leaves a page the next build does not know to
// remove); the log is folded into a new snapshot in the background once it
// outgrows the manifest. Live does not write the site's front door (the
// list of stores): Build does.
//
// Live is safe for concurrent use; updates of one store are serialised.
type Live struct {
	b *builder

	mu     sync.Mutex
	stores map[string]*liveStore

	saveMu  sync.Mutex // one snapshot written at a time
	saveErr error
	saves   sync.WaitGroup
}

type liveStore struct {
	mu    sync.Mutex
	st    *catalog.Store
	man   *Manifest // what is published
	log   *manifestLog
	cache *planCache
	// compacting is set while a snapshot of the manifest is being
	// written: one at a time, so no older snapshot lands after a newer.
	compacting atomic.Bool
}

// compactAfter is how many log lines, beyond the manifest's size, a store
// gathers before its log is folded into a snapshot: a snapshot costs
// the whole manifest, so it is written once per as many changed entries.
const compactAfter = 1024

// NewLive checks the options as Build does; Source is not used (Update is
// given the catalogs).
func NewLive(opts Options) (*Live, error) {
	b, err := newBuilder(opts, false)
	if err != nil {
		return nil, err
	}
	b.later = b.compress
	return &Live{b: b, stores: map[string]*liveStore{}}, nil
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
		ls.log = &manifestLog{stateDir: l.b.opts.StateDir, store: st.Handle, gen: man.Log}
	}
	sum := &Summary{Phases: map[string]time.Duration{}, Sites: map[string]*components.Site{}}
	resized := l.b.images.resized.Load()
	defer func() { sum.Resized = int(l.b.images.resized.Load() - resized) }()
	ls.cache.manifest = ls.man
	t := time.Now()
	var p *storePlan
	if trusted && !l.b.opts.Force {
		p = l.b.planDelta(st, ls.cache)
	}
	if p == nil {
		var err error
		if p, err = l.b.plan(ctx, st, ls.cache); err != nil {
			ls.reset()
			return nil, fmt.Errorf("plan: %w", err)
		}
	}
	sum.Phases["plan"] = time.Since(t)
	// New paths are in the manifest's log before they are published (see
	// intent).
	if err := ls.record(l.b.intent(p)); err != nil {
		ls.reset()
		return nil, err
	}
	t = time.Now()
	lines, err := l.b.execute(ctx, p, sum, trusted)
	sum.Phases["render"] = time.Since(t)
	if err == nil {
		err = ls.record(lines)
	}
	if err != nil {
		// Some files may be published and others not: forget what is
		// cached and check against the publisher next time.
		ls.reset()
		return nil, fmt.Errorf("render: %w", err)
	}
	ls.st = st
	if len(p.later) > 0 {
		l.compressLater(ls, ls.man, p.later)
	}
	sum.Sites[st.Handle] = p.site
	sum.Catalogs = []*catalog.Store{st}
	sort.Strings(sum.Changed)
	sort.Strings(sum.Removed)
	sum.Duration = time.Since(start)
	if ls.log.lines > len(ls.man.Files)+compactAfter {
		l.compact(ls)
	}
	return sum, nil
}

// record applies manifest changes to the store's manifest and appends
// them to its log. The caller holds ls.mu.
func (ls *liveStore) record(lines []logLine) error {
	if len(lines) == 0 {
		return nil
	}
	ls.man.apply(lines)
	return ls.log.append(lines)
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

// compact folds a store's log into a snapshot in the background: the
// manifest as it is now is written with the next log generation, to which
// later updates append, and the older logs are removed once it is. A
// crash at any point leaves a snapshot and the logs that follow it. The
// caller holds ls.mu.
func (l *Live) compact(ls *liveStore) {
	if !ls.compacting.CompareAndSwap(false, true) {
		return // the log outgrew the manifest again while a snapshot is written: the next update tries again
	}
	snap := &Manifest{Version: manifestVersion, Store: ls.man.Store, Files: maps.Clone(ls.man.Files), Log: ls.log.rotate()}
	l.saves.Add(1)
	go func() {
		defer l.saves.Done()
		defer ls.compacting.Store(false)
		l.saveMu.Lock()
		defer l.saveMu.Unlock()
		if err := snap.write(l.b.opts.StateDir); err != nil {
			l.b.log.Error("saving the manifest", "store", snap.Store, "err", err)
			l.saveErr = err
			return
		}
		gens, err := logGens(l.b.opts.StateDir, snap.Store)
		if err == nil {
			removeLogs(l.b.opts.StateDir, snap.Store, slices.DeleteFunc(gens, func(g int) bool { return g >= snap.Log }))
		}
	}()
}

// Flush waits for the compressed copies and the manifest snapshots being
// written and returns the first error since the last Flush.
func (l *Live) Flush() error {
	l.saves.Wait()
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	err := l.saveErr
	l.saveErr = nil
	return err
}

// pendingCopies is a file published by an update whose compressed copies
// are still to be written: its path, the digest of its bytes and the
// bytes.
type pendingCopies struct {
	path, out string
	data      []byte
}

// compressLater writes the compressed copies of the files an update
// published, in the background, so a change is published without waiting
// for them: until they are written a server compresses the file itself
// (see encLater for the entry meanwhile). The copies are compressed first; then, under
// the store's lock, each file whose entry still has these bytes (no later
// update rewrote it) gets its copies and its entry says so. The caller
// holds ls.mu.
func (l *Live) compressLater(ls *liveStore, man *Manifest, files []pendingCopies) {
	l.saves.Add(1)
	go func() {
		defer l.saves.Done()
		z := l.b.zs.get()
		made := make([]copies, len(files))
		for i, f := range files {
			made[i] = z.copies(f.data)
		}
		l.b.zs.put(z)
		ls.mu.Lock()
		defer ls.mu.Unlock()
		if ls.man != man {
			return // reset after a failure: the next update checks everything
		}
		ctx := context.Background()
		var lines []logLine
		for i, f := range files {
			e, ok := man.Files[f.path]
			if !ok || e.Out != f.out || e.Enc != encLater {
				continue // rewritten or removed since
			}
			e.Enc = made[i].enc()
			if err := l.b.putCopies(ctx, f.path, made[i]); err != nil {
				l.b.log.Error("writing compressed copies", "path", f.path, "err", err)
				e.Enc = "" // none: the next update makes them
			}
			lines = append(lines, logLine{Path: f.path, Entry: e})
		}
		if err := ls.record(lines); err != nil {
			l.b.log.Error("recording compressed copies", "store", man.Store, "err", err)
			l.saveMu.Lock()
			l.saveErr = err
			l.saveMu.Unlock()
		}
	}()
}

package generator

import (
	"sync"

	"github.com/wandstore/wandstore/catalog"
)

// stateFiles are a store's files in the state folder that its plan reads
// (the manifest, the kept product plans and listings), read and decoded by
// a goroutine of their own while the content validates, so the plan finds
// them ready: at 10,000 products they are about 100 ms of a rebuild's
// plan, and validation uses one core.
type stateFiles struct {
	manifest func() (*Manifest, error)
	plans    func() *decodedPlans
	listings func() *decodedListings
}

// prefetch starts reading the first store's state files (a build of many
// stores plans each while the one before renders, so only the first waits
// for its files; reading every store's ahead would hold them all). Each
// is read once: the plan takes it, waiting if it is still being read.
func (b *builder) prefetch(stores []*catalog.Store) {
	if len(stores) == 0 || b.opts.Force {
		return
	}
	h := stores[0].Handle
	f := readState(b.opts.StateDir, h)
	b.pre.Store(h, f)
	go func() {
		f.manifest()
		f.plans()
		f.listings()
	}()
}

// stateOf takes a store's prefetched state files, or reads them now; a
// store's files are taken once (a second plan of it reads them again).
func (b *builder) stateOf(handle string) *stateFiles {
	if v, ok := b.pre.LoadAndDelete(handle); ok {
		return v.(*stateFiles)
	}
	return readState(b.opts.StateDir, handle)
}

// readState is a store's state files in dir, each read when first asked
// for, and once.
func readState(dir, handle string) *stateFiles {
	return &stateFiles{
		manifest: sync.OnceValues(func() (*Manifest, error) { return loadManifest(dir, handle) }),
		plans:    sync.OnceValue(func() *decodedPlans { return readDiskPlans(dir, handle) }),
		listings: sync.OnceValue(func() *decodedListings { return readDiskListings(dir, handle) }),
	}
}

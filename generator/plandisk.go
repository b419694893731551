package generator

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/internal/atomicfile"
)

// diskPlans keeps a store's product plans in the state folder between
// builds (plan-<store>.cache), so a build in a new process (`wandgen
// build`) works out only the plans of the products that changed: what a
// product plan costs is hashing the product, its card and its page's
// inputs as JSON, and rendering its search entry (its description as
// plain text) and its sitemap entry.
//
// A product's plan is a function of the product, the collections that
// show it (their handles and titles, in its order) and what every product
// plan shares: the site's inputs (which hold the render version, the
// store's settings and theme, its assets and navigation), the collections'
// definitions and the store's image files as published. An entry is found
// by a hash of the product's binary form and its collections; the file is
// tagged with a hash of the rest, and a file with another tag, another
// version or damaged anywhere is ignored and written anew.
type diskPlans struct {
	path, key string
	old       map[[16]byte]*diskPlan

	mu      sync.Mutex
	next    map[[16]byte]*diskPlan
	changed bool
}

// diskPlan is what a product plan keeps on disk: the rest (the card,
// the page's job) is cheap to make again.
type diskPlan struct {
	cardHash, pageIn string
	search, sitemap  []byte
	raw              []byte // read: its whole record in the file (key first), which save copies as it is
}

// planCacheVersion changes with the plan cache's format or with what a
// product plan holds.
const planCacheVersion = 1

const planCacheMagic = "wandstore plan cache\n"

// readDiskPlans reads and decodes a store's plan cache, whatever its tag
// (which diskPlansFrom checks): a build reads it while the content
// validates (see prefetch).
func readDiskPlans(stateDir, store string) *decodedPlans {
	path := filepath.Join(stateDir, "plan-"+store+".cache")
	d := &decodedPlans{path: path}
	if data, err := os.ReadFile(path); err == nil {
		d.key, d.plans = decodePlans(data)
	}
	return d
}

// decodedPlans is a plan cache as read: its tag and its entries (nil when
// missing or damaged).
type decodedPlans struct {
	path, key string
	plans     map[[16]byte]*diskPlan
}

func diskPlansFrom(d *decodedPlans, key string) *diskPlans {
	dp := &diskPlans{path: d.path, key: key, next: map[[16]byte]*diskPlan{}}
	if d.plans != nil && d.key == key {
		dp.old = d.plans
	} else {
		dp.old, dp.changed = map[[16]byte]*diskPlan{}, true
	}
	return dp
}

// planShared is the hash of what every product plan of a store shares:
// shared (the site's inputs and the collections' definitions, hashed) and
// the image files as published (their names, renditions and sizes).
func planShared(shared string, s *components.Site) string {
	images, err := json.Marshal(struct {
		Images map[string]string
		Raster map[string]components.ImageFiles
	}{s.Images, s.Raster})
	if err != nil {
		panic("generator: hashing images: " + err.Error()) // strings and plain structs only
	}
	return newInputs("product-plans", shared, images).sum()
}

// keyBufs are productKey's buffers, reused: a rebuild keys every product.
var keyBufs = sync.Pool{New: func() any { return new([]byte) }}

// productKey is the hash a product's plan is found by.
func productKey(pr *catalog.Product, cols []*catalog.Collection) [16]byte {
	buf := keyBufs.Get().(*[]byte)
	defer keyBufs.Put(buf)
	b, _ := pr.AppendBinary((*buf)[:0])
	for _, c := range cols {
		b = binary.AppendUvarint(b, uint64(len(c.Handle)))
		b = append(b, c.Handle...)
		b = binary.AppendUvarint(b, uint64(len(c.Title)))
		b = append(b, c.Title...)
	}
	*buf = b
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}

// get returns the plan kept for key, keeping it for the next build.
func (dp *diskPlans) get(key [16]byte) *diskPlan {
	e := dp.old[key] // read-only while planning
	if e != nil {
		dp.mu.Lock()
		dp.next[key] = e
		dp.mu.Unlock()
	}
	return e
}

// put keeps a plan worked out by this build.
func (dp *diskPlans) put(key [16]byte, pp *productPlan) {
	dp.mu.Lock()
	dp.next[key] = &diskPlan{cardHash: pp.cardHash, pageIn: pp.pageIn, search: pp.search, sitemap: pp.sitemap}
	dp.changed = true
	dp.mu.Unlock()
}

// save writes the plans this build used, when they differ from those it
// read; best effort, atomically. Streamed: a plan as read is copied as it
// is, the others encoded as they go.
func (dp *diskPlans) save() {
	if !dp.changed && len(dp.next) == len(dp.old) {
		return
	}
	err := atomicfile.WriteWith(dp.path, func(w io.Writer) error {
		b := make([]byte, 0, 8<<10)
		b = append(b, planCacheMagic...)
		b = binary.AppendUvarint(b, planCacheVersion)
		b = appendBytes(b, []byte(dp.key))
		b = binary.AppendUvarint(b, uint64(len(dp.next)))
		for k, e := range dp.next {
			if e.raw != nil {
				b = append(b, e.raw...)
			} else {
				b = append(b, k[:]...)
				b = appendBytes(b, []byte(e.cardHash))
				b = appendBytes(b, []byte(e.pageIn))
				b = appendBytes(b, e.search)
				b = appendBytes(b, e.sitemap)
			}
			if len(b) >= 4<<10 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		os.Remove(dp.path) // none is better than one this build could not bring up to date
	}
}

func appendBytes(b, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

// decodePlans reads a plan cache: its tag and entries; nil entries when it
// is another version's or damaged.
func decodePlans(data []byte) (string, map[[16]byte]*diskPlan) {
	rest, ok := bytes.CutPrefix(data, []byte(planCacheMagic))
	if !ok {
		return "", nil
	}
	r := &cacheReader{rest: rest}
	if r.uv() != planCacheVersion || r.bad {
		return "", nil
	}
	key := string(r.field())
	n := r.count(20) // an entry takes 20 bytes at least
	out := make(map[[16]byte]*diskPlan, n)
	for i := 0; i < n && !r.bad; i++ {
		start := len(data) - len(r.rest)
		if len(r.rest) < 16 {
			return "", nil
		}
		k := [16]byte(r.rest[:16])
		r.rest = r.rest[16:]
		e := &diskPlan{cardHash: string(r.field()), pageIn: string(r.field()), search: r.field(), sitemap: r.field()}
		if r.bad {
			return "", nil
		}
		e.raw = data[start : len(data)-len(r.rest) : len(data)-len(r.rest)]
		out[k] = e
	}
	if r.bad || len(r.rest) != 0 {
		return "", nil
	}
	return key, out
}

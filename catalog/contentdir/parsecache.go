package contentdir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
	"unsafe"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/atomicfile"
)

// The parse cache keeps, per store, what each product and collection file
// parsed into, in a fast binary form (codec.go), so a load parses only the
// files that changed since the last one: a build after a one-product edit
// decodes one file's YAML and Markdown, not the catalog's.
//
// A file's entry is used while the file's size, modification time, inode
// and change time are the ones recorded; when any differs the file is read
// and its SHA-256 compared with the recorded one (a checkout or a CI cache
// restore changes every time stamp, not the bytes). A file whose
// modification or change time is within racyWindow before the load that
// recorded it is "racy": a later edit in the same time-stamp tick could
// leave every stat field the same, so its entry is checked against its
// bytes until a load records it long after. An entry also records the
// image files whose dimensions it read, by their stat fields: a changed
// image parses its products again. Only files without problems are cached,
// so a file with a problem is parsed, and reported, every time.
//
// The cache is one file per store, parse-<store>.cache, in the folder
// given to LoadCached. It is tagged with parseCacheVersion, the caller's
// version (the running code's) and the store's currency (prices are parsed
// in it): any difference, or a file that does not decode, is ignored and
// written anew, never trusted.

// parseCacheVersion changes whenever the cache's format or what a file
// parses into changes.
const parseCacheVersion = 1

const parseCacheMagic = "wandstore parse cache\n"

// racyWindow is how close to a load a file's modification time must be
// for its entry to be checked against its bytes on every later load: more
// than any file system's time-stamp granularity (FAT's is 2 s).
var racyWindow = 3 * time.Second // a variable for tests

// statKey is what identifies a file's version without reading it.
type statKey struct {
	size, mtime, ino, ctime int64
}

func keyOf(info fs.FileInfo) statKey {
	k := statKey{size: info.Size()}
	if t := info.ModTime(); !t.IsZero() {
		k.mtime = t.UnixNano()
	}
	k.ino, k.ctime = atomicfile.InodeCtime(info)
	return k
}

type cacheEntry struct {
	key    statKey
	racy   bool
	sum    [sha256.Size]byte
	images []imageRef
	kind   byte   // 'p' product, 'c' collection
	data   string // the encoded product or collection (read: a part of the cache file's one string)
	raw    string // read: the entry's whole record in the file (its name first), which save copies as it is
}

// imageRef is an image file whose dimensions a file's entry holds.
type imageRef struct {
	src string
	key statKey
}

type parseCache struct {
	path, version, currency string
	start                   time.Time // when the load began: racy entries are newer than start-racyWindow
	fsys                    fs.FS

	old map[string]*cacheEntry // as read

	mu      sync.Mutex
	next    map[string]*cacheEntry // what this load found
	changed bool
	images  map[string]imageStat // image files stat'ed by this load
}

type imageStat struct {
	key statKey
	ok  bool
}

// LoadCached is Load with a parse cache in the folder dir (created when
// missing), tagged with version: the caller's code version, so another
// build of the program never trusts this one's entries. The store and its
// problems are exactly Load's; only the work differs, and the store is
// not indexed yet (catalog.Store.Validate indexes it). save writes the
// cache (see catalog.CachingSource); a cache that cannot be written is not
// an error: the load is as good, only the next one slower.
func (s *Source) LoadCached(ctx context.Context, handle, dir, version string) (*catalog.Store, func(), error) {
	l, err := s.readStoreFile(handle)
	if err != nil {
		return nil, nil, err
	}
	if l.spec.Kind == KindContent && len(l.errs) == 0 {
		l.cache = openParseCache(filepath.Join(dir, "parse-"+handle+".cache"), version, l.store.Currency, l.fsys)
	}
	st, err := s.load(ctx, l)
	if err != nil {
		return nil, nil, err
	}
	if l.cache == nil {
		return st, func() {}, nil
	}
	return st, l.cache.save, nil
}

func openParseCache(path, version, currency string, fsys fs.FS) *parseCache {
	c := &parseCache{path: path, version: version, currency: currency, start: time.Now(), fsys: fsys,
		images: map[string]imageStat{}}
	data, err := os.ReadFile(path)
	if err == nil {
		// The entries' strings are parts of data as a string: its bytes,
		// never written to again (nothing else holds data), not a copy (a
		// second copy of a 10 MB cache is 10 MB of fresh memory, which is
		// what a short-lived process pays most for).
		c.old = c.decode(data, unsafe.String(unsafe.SliceData(data), len(data))) // nil when corrupt or another version's
	}
	c.next = make(map[string]*cacheEntry, len(c.old)) // as many as last time, most likely
	if c.old == nil {
		c.old = map[string]*cacheEntry{}
		c.changed = true
	}
	return c
}

// decode reads a cache file's entries; nil when it is not this version's
// cache, or damaged anywhere. text is data as a string: each entry's form
// is a part of it, so the products decoded from it share its bytes rather
// than allocating each of their strings.
func (c *parseCache) decode(data []byte, text string) map[string]*cacheEntry {
	rest, ok := bytes.CutPrefix(data, []byte(parseCacheMagic))
	if !ok {
		return nil
	}
	d := &decoder{b: rest}
	if d.int() != parseCacheVersion || d.str() != c.version || d.str() != c.currency {
		return nil
	}
	n := d.uint()
	out := make(map[string]*cacheEntry, n)
	for i := 0; i < n && d.err == nil; i++ {
		start := len(data) - len(d.b)
		p := d.str()
		e := &cacheEntry{key: d.statKey(), racy: d.bool()}
		if len(d.b) < len(e.sum) {
			return nil
		}
		copy(e.sum[:], d.b)
		d.b = d.b[len(e.sum):]
		if k := d.list(); k > 0 {
			e.images = make([]imageRef, k)
			for j := range e.images {
				e.images[j] = imageRef{src: d.str(), key: d.statKey()}
			}
		}
		if len(d.b) == 0 || (d.b[0] != 'p' && d.b[0] != 'c') {
			return nil
		}
		e.kind = d.b[0]
		d.b = d.b[1:]
		size := d.uint()
		if size > len(d.b) {
			return nil
		}
		off := len(data) - len(d.b)
		e.data = text[off : off+size]
		e.raw = text[start : off+size]
		d.b = d.b[size:]
		out[p] = e
	}
	if d.err != nil || len(d.b) != 0 {
		return nil
	}
	return out
}

func (d *decoder) statKey() statKey {
	return statKey{size: d.int(), mtime: d.int(), ino: d.int(), ctime: d.int()}
}

func (e *encoder) statKey(k statKey) {
	e.int(k.size)
	e.int(k.mtime)
	e.int(k.ino)
	e.int(k.ctime)
}

// imageKey stats an image file once per load.
func (c *parseCache) imageKey(src string) imageStat {
	c.mu.Lock()
	st, ok := c.images[src]
	c.mu.Unlock()
	if ok {
		return st
	}
	if info, err := fs.Stat(c.fsys, src); err == nil {
		st = imageStat{key: keyOf(info), ok: true}
	}
	c.mu.Lock()
	c.images[src] = st
	c.mu.Unlock()
	return st
}

// usable reports whether an entry's images are as it recorded them.
func (c *parseCache) usable(e *cacheEntry) bool {
	for _, im := range e.images {
		if st := c.imageKey(im.src); !st.ok || st.key != im.key {
			return false
		}
	}
	return true
}

// byStat returns the entry of a file whose stat fields are the ones
// recorded, unless the entry is racy.
func (c *parseCache) byStat(file string, key statKey) *cacheEntry {
	e := c.old[file]
	if e == nil || e.racy || e.key != key || !c.usable(e) {
		return nil
	}
	c.mu.Lock()
	c.next[file] = e
	c.mu.Unlock()
	return e
}

// bySum returns the entry of a file whose bytes are the ones recorded,
// recording its new stat fields.
func (c *parseCache) bySum(file string, key statKey, sum [sha256.Size]byte) *cacheEntry {
	e := c.old[file]
	if e == nil || e.sum != sum || !c.usable(e) {
		return nil
	}
	n := *e
	n.key, n.racy, n.raw = key, c.racy(key), ""
	c.mu.Lock()
	c.next[file] = &n
	c.changed = c.changed || n.key != e.key || n.racy != e.racy
	c.mu.Unlock()
	return &n
}

// racy reports whether a file was modified (or its status changed) too
// close to this load's start for its stat fields to tell a later edit.
// A file system that gives no time stamps (embed.FS, fstest.MapFS) tells
// nothing: its files are always checked against their bytes.
func (c *parseCache) racy(k statKey) bool {
	return k.mtime == 0 || max(k.mtime, k.ctime) >= c.start.Add(-racyWindow).UnixNano()
}

// put records what a file without problems parsed into.
func (c *parseCache) put(file string, key statKey, sum [sha256.Size]byte, images []string, p *catalog.Product, col *catalog.Collection) {
	e := &cacheEntry{key: key, racy: c.racy(key), sum: sum}
	if p != nil {
		e.kind = 'p'
		b, _ := p.AppendBinary(nil)
		e.data = string(b)
	} else {
		e.kind = 'c'
		b, _ := col.AppendBinary(nil)
		e.data = string(b)
	}
	sort.Strings(images)
	for i, src := range images {
		if i > 0 && src == images[i-1] {
			continue
		}
		st := c.imageKey(src)
		if !st.ok {
			return // an image that cannot be stat'ed: not cached
		}
		e.images = append(e.images, imageRef{src: src, key: st.key})
	}
	c.mu.Lock()
	c.next[file] = e
	c.changed = true
	c.mu.Unlock()
}

// save writes the entries this load found, when they differ from what it
// read: atomically, so a crash leaves the old cache or the new one.
func (c *parseCache) save() {
	if !c.changed && len(c.next) == len(c.old) {
		return
	}
	files := make([]string, 0, len(c.next))
	for f := range c.next {
		files = append(files, f)
	}
	sort.Strings(files)
	// Streamed: an entry as read is copied as it is, the others encoded
	// into a small buffer written out as it fills (the whole file, built
	// in memory, cost more in fresh pages than in encoding).
	err := atomicfile.WriteWith(c.path, func(w io.Writer) error {
		enc := encoder{b: make([]byte, 0, 8<<10)}
		enc.b = append(enc.b, parseCacheMagic...)
		enc.int(parseCacheVersion)
		enc.str(c.version)
		enc.str(c.currency)
		enc.uint(len(files))
		for _, f := range files {
			e := c.next[f]
			if e.raw != "" { // as read: its record is copied, not encoded again
				if _, err := w.Write(enc.b); err != nil {
					return err
				}
				enc.b = enc.b[:0]
				if _, err := io.WriteString(w, e.raw); err != nil {
					return err
				}
				continue
			}
			enc.str(f)
			enc.statKey(e.key)
			enc.bool(e.racy)
			enc.b = append(enc.b, e.sum[:]...)
			enc.list(len(e.images), e.images == nil)
			for _, im := range e.images {
				enc.str(im.src)
				enc.statKey(im.key)
			}
			enc.b = append(enc.b, e.kind)
			enc.uint(len(e.data))
			enc.b = append(enc.b, e.data...)
		}
		_, err := w.Write(enc.b)
		return err
	})
	if err != nil {
		os.Remove(c.path) // better none than one this load could not bring up to date
	}
}

// cached is a file's product or collection from its entry; false when the
// entry does not decode into a file of that name (then the file is parsed).
func cached(file string, e *cacheEntry) (*catalog.Product, *catalog.Collection, bool) {
	switch e.kind {
	case 'p':
		p, err := catalog.DecodeProduct(e.data)
		if err != nil || p.File != file {
			return nil, nil, false
		}
		return p, nil, true
	case 'c':
		c, err := catalog.DecodeCollection(e.data)
		if err != nil || c.File != file {
			return nil, nil, false
		}
		return nil, c, true
	}
	return nil, nil, false
}

package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
)

// shardSet spreads per-product entries (search index entries, sitemap
// URLs) over a fixed number of files by a hash of the product's handle, so
// a change to one product rewrites the one file that holds it, whatever
// the catalog's size. The number of shards is a power of two fixed when
// the set is made (a full plan); a delta plan keeps it.
type shardSet struct {
	entries []map[string][]byte // by shard: handle -> entry
	dirty   []bool              // shards changed since the last files()
	sums    []string            // digest of each shard's last file
}

// searchShardSize is the number of products a search index shard holds
// on average: a change rewrites about this many entries (~200 KB), and a
// shopper's search downloads catalog/searchShardSize files.
const searchShardSize = 1000

// newShardSet makes a set for n products of which each shard should hold
// about per on average.
func newShardSet(n, per int) *shardSet {
	k := 1
	for k*per < n {
		k *= 2
	}
	s := &shardSet{entries: make([]map[string][]byte, k), dirty: make([]bool, k), sums: make([]string, k)}
	for i := range s.entries {
		s.entries[i] = map[string][]byte{}
		s.dirty[i] = true
	}
	return s
}

func (s *shardSet) shard(handle string) int {
	h := fnv.New32a()
	h.Write([]byte(handle))
	return int(h.Sum32() & uint32(len(s.entries)-1))
}

func (s *shardSet) put(handle string, entry []byte) int {
	k := s.shard(handle)
	s.entries[k][handle] = entry
	s.dirty[k] = true
	return k
}

func (s *shardSet) remove(handle string) {
	k := s.shard(handle)
	if _, ok := s.entries[k][handle]; ok {
		delete(s.entries[k], handle)
		s.dirty[k] = true
	}
}

// each calls f with every shard changed since the last call (all of them
// the first time) and its entries in handle order, and records the digest
// f returns as the shard's.
func (s *shardSet) each(f func(k int, entries [][]byte) string) {
	for k, dirty := range s.dirty {
		if !dirty {
			continue
		}
		handles := slices.Sorted(maps.Keys(s.entries[k]))
		es := make([][]byte, len(handles))
		for i, h := range handles {
			es[i] = s.entries[k][h]
		}
		s.sums[k] = f(k, es)
		s.dirty[k] = false
	}
}

// searchShards adds the jobs of the search index's shards that changed,
// and of search.json, which names every shard with its digest (so a
// browser never combines shards of two versions from its cache).
func (pl *planner) searchShards() {
	changed := false
	pl.search.each(func(k int, entries [][]byte) string {
		d := searchIndexDigest(entries)
		pl.add(job{path: pl.root + "search-" + strconv.Itoa(k) + ".json", in: d, render: func(_ context.Context, w io.Writer) error {
			return writeSearchIndex(w, entries)
		}})
		changed = true
		return d
	})
	if !changed {
		return
	}
	type index struct {
		Shards []string `json:"shards"`
	}
	idx := index{Shards: make([]string, len(pl.search.sums))}
	for k, sum := range pl.search.sums {
		idx.Shards[k] = pl.s.Path("search-"+strconv.Itoa(k)+".json") + "?v=" + sum[:12]
	}
	data, err := json.Marshal(idx)
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	data = append(data, '\n')
	pl.add(job{path: pl.root + "search.json", in: digest(data), render: staticBytes(data)})
}

// sitemapPages is the sitemap's part that is not products: the home page
// and every collection's default-order pages, by shards of at most shard
// URLs (sitemap-pages-1.xml, ...).
func sitemapPages(s *components.Site, root string, cols []*catalog.Collection, pages map[string]int, shard int) []sitemapFile {
	var b bytes.Buffer
	urls := [][]byte{entry(&b, "url", sitemapURL{Loc: s.BaseURL})}
	for _, c := range cols {
		for n := 1; n <= pages[c.Handle]; n++ {
			urls = append(urls, entry(&b, "url", sitemapURL{Loc: s.AbsURL(s.CollectionPath(c.Handle, catalog.SortManual, n))}))
		}
	}
	var files []sitemapFile
	for i, n := 0, 1; i < len(urls); i, n = i+shard, n+1 {
		files = append(files, sitemapFile{path: root + "sitemap-pages-" + strconv.Itoa(n) + ".xml", data: urlset(urls[i:min(i+shard, len(urls))])})
	}
	return files
}

// sitemapShardSize is the number of products a sitemap shard holds on
// average (when the protocol's limit, or the one set, allows): a change
// rewrites about this many URLs.
const sitemapShardSize = 1000

// sitemapShards makes the product part of the sitemap for these
// handles: a power of two of shards of sitemapShardSize URLs on average
// (at most half full), doubled while one would exceed limit URLs.
func sitemapShards(handles []string, limit int) *shardSet {
	for per := max(1, min(sitemapShardSize, limit/2)); ; per /= 2 {
		s := newShardSet(len(handles), per)
		counts := make([]int, len(s.entries))
		over := false
		for _, h := range handles {
			k := s.shard(h)
			counts[k]++
			over = over || counts[k] > limit
		}
		if !over || per == 1 {
			return s
		}
	}
}

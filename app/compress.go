package app

import (
	"bytes"
	"container/list"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/internal/httpenc"
)

// The static server answers a browser that accepts Brotli or gzip with
// the compressed copy the build wrote beside the file (<file>.br,
// <file>.gz: generator.Precompress), once it has checked that the copy
// decodes to the file's bytes as they are now (servePrecompressed). A
// file without a sound copy (written by hand, a build with
// --precompress=false, a copy not yet written) is compressed as it is
// served, keeping the compressed bytes in memory by file version (its
// ETag), so it is compressed once however often it is asked for, and a
// file a webhook rewrote is compressed again.

// compressible reports whether the file at name is text worth
// compressing: what the build gives copies, and source maps.
func compressible(name string) bool {
	return generator.Precompressible(name) || strings.EqualFold(path.Ext(name), ".map")
}

// maxCompressCache bounds the compressed copies kept, in bytes.
const maxCompressCache = 64 << 20

// compressCache holds compressed files, least recently used out first.
type compressCache struct {
	mu    sync.Mutex
	items map[string]*list.Element
	order *list.List
	size  int
	max   int
}

// compressed is a file compressed, and its media type.
type compressed struct {
	key, ctype string
	data       []byte
}

func newCompressCache(max int) *compressCache {
	return &compressCache{items: map[string]*list.Element{}, order: list.New(), max: max}
}

// get returns the file compressed with enc: from the cache when key (the
// file, its version and the encoding) is there, else read (only then),
// compressed and kept.
func (c *compressCache) get(key, name, enc string, read func() ([]byte, error)) (*compressed, error) {
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*compressed), nil
	}
	c.mu.Unlock()
	data, err := read()
	if err != nil {
		return nil, err
	}
	v := &compressed{key: key, ctype: contentTypeOf(name, data), data: compress(enc, data)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; !ok && len(v.data) <= c.max {
		c.items[key] = c.order.PushFront(v)
		c.size += len(v.data)
		for c.size > c.max {
			last := c.order.Back()
			old := last.Value.(*compressed)
			c.order.Remove(last)
			delete(c.items, old.key)
			c.size -= len(old.data)
		}
	}
	return v, nil
}

// compress encodes a file's data with enc, to be kept.
func compress(enc string, data []byte) []byte { return httpenc.Encode(enc, httpenc.Files, data) }

// serveCompressed answers the file f (name, at version etag) compressed
// with enc, reading it only when the cache does not hold it; false when
// it cannot be read (the caller serves it as it is).
func (h *siteHandler) serveCompressed(w http.ResponseWriter, r *http.Request, name, etag, enc string, f io.ReadSeeker) bool {
	v, err := h.compressed.get(name+"\x00"+etag+"\x00"+enc, name, enc, func() ([]byte, error) { return io.ReadAll(f) })
	if err != nil {
		f.Seek(0, io.SeekStart)
		return false
	}
	// A representation of its own: another ETag than the file's.
	serveEncoded(w, r, enc, strings.TrimSuffix(etag, `"`)+"-"+enc+`"`, v.ctype, int64(len(v.data)), bytes.NewReader(v.data))
	return true
}

// serveEncoded answers body, n bytes of a file's representation in enc,
// with its own etag. ServeContent leaves Content-Length out of an encoded
// answer, so it is set here: a Range request never reaches an encoded
// answer, so the length is the body's.
func serveEncoded(w http.ResponseWriter, r *http.Request, enc, etag, ctype string, n int64, body io.ReadSeeker) {
	hdr := w.Header()
	hdr.Set("Content-Encoding", enc)
	hdr.Set("ETag", etag)
	hdr.Set("Content-Type", ctype)
	hdr.Set("Content-Length", strconv.FormatInt(n, 10))
	http.ServeContent(w, r, "", time.Time{}, body)
}

// contentTypeOf is a file's media type by its extension, else sniffed.
func contentTypeOf(name string, data []byte) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

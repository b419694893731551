package app

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// The static server compresses text files as it serves them (Brotli or
// gzip, as the browser accepts), keeping the compressed bytes in memory
// by file version (its ETag), so a file is compressed once however often
// it is asked for, and a file a webhook rewrote is compressed again. A
// build writes no compressed copies: the build and every change of a
// running server stay what they cost, and a bucket's CDN (Cloudflare R2's
// included) compresses on its own.

// compressible are the extensions worth compressing: text.
var compressible = map[string]bool{
	".html": true, ".css": true, ".js": true, ".json": true, ".xml": true, ".txt": true, ".svg": true,
	".webmanifest": true, ".map": true,
}

// minCompress is the smallest file worth compressing: below it the
// headers cost more than the bytes saved.
const minCompress = 1024

// maxCompressCache bounds the compressed copies kept, in bytes.
const maxCompressCache = 64 << 20

// encoding picks the response encoding for a request: "br", "gzip" or ""
// (identity). Quality values of zero refuse an encoding.
func encoding(r *http.Request) string {
	accepts := func(name string) bool {
		for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
			enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(enc), name) {
				q := strings.ReplaceAll(params, " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
		return false
	}
	switch {
	case accepts("br"):
		return "br"
	case accepts("gzip"):
		return "gzip"
	}
	return ""
}

// compressCache holds compressed files, least recently used out first.
type compressCache struct {
	mu    sync.Mutex
	items map[string]*list.Element
	order *list.List
	size  int
	max   int
}

type compressed struct {
	key  string
	data []byte
}

func newCompressCache(max int) *compressCache {
	return &compressCache{items: map[string]*list.Element{}, order: list.New(), max: max}
}

// get returns data compressed with enc, from the cache when key (the
// file, its version and the encoding) is there.
func (c *compressCache) get(key, enc string, data []byte) []byte {
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*compressed).data
	}
	c.mu.Unlock()
	out := compress(enc, data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; !ok && len(out) <= c.max {
		c.items[key] = c.order.PushFront(&compressed{key, out})
		c.size += len(out)
		for c.size > c.max {
			last := c.order.Back()
			v := last.Value.(*compressed)
			c.order.Remove(last)
			delete(c.items, v.key)
			c.size -= len(v.data)
		}
	}
	return out
}

// compress encodes data: Brotli at quality 6 and gzip at level 6, both
// fast enough to do on a first request and near their best ratios on
// pages and stylesheets.
func compress(enc string, data []byte) []byte {
	var b bytes.Buffer
	var w io.WriteCloser
	if enc == "br" {
		w = brotli.NewWriterLevel(&b, 6)
	} else {
		w, _ = gzip.NewWriterLevel(&b, 6) // a valid level: no error
	}
	_, _ = w.Write(data) // into memory: cannot fail
	_ = w.Close()
	return b.Bytes()
}

// serveCompressed answers a file's bytes compressed when the browser
// accepts it and the file is text worth it; false when it does not apply
// (the caller serves the file as it is).
func (h *siteHandler) serveCompressed(w http.ResponseWriter, r *http.Request, name, etag string, data []byte) bool {
	if len(data) < minCompress || !compressible[strings.ToLower(path.Ext(name))] {
		return false
	}
	w.Header().Add("Vary", "Accept-Encoding")
	enc := encoding(r)
	if enc == "" {
		return false
	}
	out := h.compressed.get(name+"\x00"+etag+"\x00"+enc, enc, data)
	hdr := w.Header()
	hdr.Set("Content-Encoding", enc)
	hdr.Set("ETag", strings.TrimSuffix(etag, `"`)+"-"+enc+`"`) // a representation of its own
	if hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", contentTypeOf(name, data))
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(out))
	return true
}

// contentTypeOf is a file's media type by its extension, else sniffed.
func contentTypeOf(name string, data []byte) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

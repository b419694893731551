package app

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/internal/httpenc"
	"github.com/wandstore/wandstore/islands"
)

// siteHandler serves the built folder the way a CDN or bucket would:
// folder URLs answer with their index.html, fingerprinted assets are cached
// forever, pages are revalidated, a store's unknown URLs get its 404 page.
type siteHandler struct {
	root       string
	log        *slog.Logger
	odd        oddLog
	compressed *compressCache
	verdicts   verdicts
}

// newSiteHandler sends island paths (every store's <base>islands/) and
// /healthz, /readyz, /metrics to the islands server, which sets its own
// headers, and everything else to the built files.
//
// A root of "" serves no files (serve --islands-only): every path that is
// not an island's is 404.
func newSiteHandler(root string, log *slog.Logger, isl *islands.Server) http.Handler {
	var static http.Handler = &siteHandler{root: root, log: log, compressed: newCompressCache(maxCompressCache)}
	if root == "" {
		static = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "not found: this server answers the islands only (serve --islands-only); the pages are published elsewhere", http.StatusNotFound)
		})
	}
	dynamic := isl.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isl.Serves(r.URL.Path) {
			dynamic.ServeHTTP(w, r)
			return
		}
		islands.SecurityHeaders(w.Header())
		static.ServeHTTP(w, r)
	})
}

func (h *siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	// Paths no file can have: answered without asking the file system,
	// and logged at most once a minute per kind (a scanner sends
	// thousands), shortened.
	switch {
	case strings.IndexByte(p, 0) >= 0:
		h.odd.note(h.log, "nul", p)
		http.Error(w, "bad request: the path holds a NUL byte", http.StatusBadRequest)
		return
	case !utf8.ValidString(p):
		h.odd.note(h.log, "not-utf8", p)
		http.Error(w, "bad request: the path is not UTF-8", http.StatusBadRequest)
		return
	case len(p) > maxPath:
		h.odd.note(h.log, "long", p)
		h.notFound(w, r, p[:maxPath])
		return
	}
	for _, seg := range strings.Split(p, "/") {
		if len(seg) > maxSegment {
			h.odd.note(h.log, "long", p)
			h.notFound(w, r, p)
			return
		}
		if strings.HasPrefix(seg, ".") { // manifests, temp files
			h.notFound(w, r, p)
			return
		}
	}
	// The build's compressed copies are served in place of their file
	// (Content-Encoding), never as files of their own.
	if generator.IsCompressedCopy(p) {
		h.notFound(w, r, p)
		return
	}
	name := filepath.Join(h.root, filepath.FromSlash(p))
	st, err := os.Stat(name)
	switch {
	case err == nil && st.IsDir():
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		name = filepath.Join(name, "index.html")
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG):
		// A file's name used as a folder (/index.html/x) is not found too.
		h.notFound(w, r, p)
		return
	case err != nil:
		h.odd.note(h.log, "stat-error", p, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if strings.Contains(p, "/assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	if !h.serveFile(w, r, name, http.StatusOK) {
		h.notFound(w, r, p)
	}
}

// maxCompressFile is the largest file compressed on the way out (a
// search index shard of a very large store is still far below it).
const maxCompressFile = 8 << 20

// The longest path, and path segment, a built file can have (file systems
// allow 255 bytes a name); longer ones are not looked up.
const (
	maxPath    = 1024
	maxSegment = 255
)

// oddLog logs odd requests at most once a minute per kind, with the path
// cut to maxLogged bytes: one line tells the operator; a flood does not
// fill the disk.
type oddLog struct {
	mu   sync.Mutex
	last map[string]time.Time
	// skipped counts, per kind, the requests not logged since the last
	// line.
	skipped map[string]int
}

const maxLogged = 120

func (o *oddLog) note(log *slog.Logger, kind, p string, args ...any) {
	o.mu.Lock()
	now := time.Now()
	if o.last == nil {
		o.last, o.skipped = map[string]time.Time{}, map[string]int{}
	}
	if now.Sub(o.last[kind]) < time.Minute {
		o.skipped[kind]++
		o.mu.Unlock()
		return
	}
	skipped := o.skipped[kind]
	o.last[kind], o.skipped[kind] = now, 0
	o.mu.Unlock()
	n := len(p)
	if n > maxLogged {
		p = p[:maxLogged] + "..."
	}
	log.Warn("odd request path", append([]any{"kind", kind, "path", strconv.Quote(p), "len", n, "unlogged_since_last", skipped}, args...)...)
}

// serveFile answers with the file; false if it does not exist.
func (h *siteHandler) serveFile(w http.ResponseWriter, r *http.Request, name string, status int) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return false
	}
	if status == http.StatusOK {
		// Last-Modified alone has one-second precision: a page rewritten
		// by a webhook within the second of its previous write would be
		// answered 304 to a reload. The ETag (checked first) changes with
		// every write: each one renames a new file over the old.
		etag := `"` + strconv.FormatInt(st.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(st.Size(), 36) + `"`
		// A range of an encoded body is a range of bytes no client
		// wants: a Range request is answered from the file as it is.
		if h.compressed != nil && st.Size() >= generator.MinPrecompress && compressible(name) {
			w.Header().Add("Vary", "Accept-Encoding")
			if encs := httpenc.Accepted(r); len(encs) > 0 && r.Header.Get("Range") == "" {
				for _, enc := range encs {
					if h.servePrecompressed(w, r, name, etag, enc, f, st.Size()) {
						return true
					}
				}
				if st.Size() <= maxCompressFile && h.serveCompressed(w, r, name, etag, encs[0], f) {
					return true
				}
			}
		}
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, name, st.ModTime(), f)
		return true
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = f.WriteTo(w)
	}
	return true
}

// notFound answers with the store's 404 page when the path is inside a
// store, else the site's.
func (h *siteHandler) notFound(w http.ResponseWriter, r *http.Request, p string) {
	w.Header().Set("Cache-Control", "no-cache")
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	if len(parts) >= 2 && parts[0] == "s" && !strings.HasPrefix(parts[1], ".") {
		if h.serveFile(w, r, filepath.Join(h.root, "s", parts[1], "404.html"), http.StatusNotFound) {
			return
		}
	}
	if h.serveFile(w, r, filepath.Join(h.root, "404.html"), http.StatusNotFound) {
		return
	}
	http.Error(w, "404 page not found", http.StatusNotFound)
}

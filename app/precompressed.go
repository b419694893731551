package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// copySuffix is the file suffix of a copy in each encoding.
var copySuffix = map[string]string{"br": ".br", "gzip": ".gz"}

// maxVerify is the largest file whose compressed copy is checked and
// served (a sitemap of 50,000 URLs is a few MB).
const maxVerify = 64 << 20

// maxVerdicts bounds the checks remembered; past it they are forgotten
// (and made again, one per file version, as requests come).
const maxVerdicts = 1 << 16

// verdicts remembers, by file version and copy version, whether a
// compressed copy decodes to its file's bytes.
type verdicts struct {
	mu sync.Mutex
	m  map[string]bool
}

func (v *verdicts) get(key string) (sound, known bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	sound, known = v.m[key]
	return sound, known
}

func (v *verdicts) put(key string, sound bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerdicts {
		v.m = map[string]bool{}
	}
	v.m[key] = sound
}

// servePrecompressed answers with the build's copy of f (name, at version
// etag) in enc, and reports whether it did. It does not when the copy is
// missing, or does not decode to exactly the file's bytes: a copy older
// or newer than its file (a crash between writes, a file rewritten by
// hand or by a build that writes no copies), or tampered with, is never
// served. The check reads the file and decodes the copy once per version
// of each (by modification time and size; every write renames a new file
// into place), far cheaper than compressing.
func (h *siteHandler) servePrecompressed(w http.ResponseWriter, r *http.Request, name, etag, enc string, f *os.File, size int64) bool {
	if size > maxVerify {
		return false
	}
	cf, err := os.Open(name + copySuffix[enc])
	if err != nil {
		return false
	}
	defer cf.Close()
	cst, err := cf.Stat()
	if err != nil || !cst.Mode().IsRegular() {
		return false
	}
	version := strconv.FormatInt(cst.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(cst.Size(), 36)
	key := name + "\x00" + enc + "\x00" + etag + "\x00" + version
	sound, known := h.verdicts.get(key)
	var data []byte
	if !known {
		if data, err = io.ReadAll(io.LimitReader(f, size+1)); err != nil {
			_, _ = f.Seek(0, io.SeekStart)
			return false
		}
		sound = int64(len(data)) == size && decodesTo(enc, cf, data)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return false
		}
		if _, err := cf.Seek(0, io.SeekStart); err != nil {
			return false
		}
		h.verdicts.put(key, sound)
	}
	if !sound {
		h.odd.note(h.log, "stale-copy", name+copySuffix[enc])
		return false
	}
	// A representation of its own: another ETag than the file's, and than
	// the other encoding's.
	serveEncoded(w, r, enc, strings.TrimSuffix(etag, `"`)+"-"+version+"-"+enc+`"`, h.contentType(name, f, data), cst.Size(), cf)
	return true
}

// contentType is the media type of the file f (name), sniffing its first
// bytes only when the extension does not say (head, when already read).
func (h *siteHandler) contentType(name string, f *os.File, head []byte) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	if head == nil {
		var b [512]byte
		n, _ := f.ReadAt(b[:], 0)
		head = b[:n]
	}
	return http.DetectContentType(head)
}

// decodesTo reports whether the copy r, in enc, decodes to exactly want.
// It decodes at most one byte more than want, whatever the copy claims.
func decodesTo(enc string, r io.Reader, want []byte) bool {
	var dec io.Reader
	switch enc {
	case "br":
		dec = brotli.NewReader(r)
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return false
		}
		dec = zr // trailing bytes that are not another member: an error
	default:
		return false
	}
	got, err := io.ReadAll(io.LimitReader(dec, int64(len(want))+1))
	return err == nil && bytes.Equal(got, want)
}

// Package httpenc is content coding for HTTP answers: which of Brotli and
// gzip a request accepts, and encoding bytes in one of them. The static
// server compresses files with it, the islands server its fragments.
package httpenc

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Accepted lists the encodings r accepts, of "br" and "gzip", best first.
// Quality values of zero refuse an encoding.
func Accepted(r *http.Request) []string {
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
	var encs []string
	for _, enc := range []string{"br", "gzip"} {
		if accepts(enc) {
			encs = append(encs, enc)
		}
	}
	return encs
}

// Level is how hard Encode works: a Brotli quality and a gzip level.
type Level struct{ Brotli, Gzip int }

var (
	// Files is for an answer compressed once and kept (a static file):
	// both near their best ratios on pages and stylesheets, fast enough
	// to do on a first request.
	Files = Level{Brotli: 6, Gzip: 6}
	// Answers is for an answer compressed on every request (an island's
	// fragment): a few kilobytes in tens of microseconds, still a third
	// or less of the bytes.
	Answers = Level{Brotli: 4, Gzip: 5}
)

// Encode encodes data with enc ("br", else gzip) at level. Its writers
// are pooled: a new Brotli or gzip writer allocates more than half a
// megabyte of tables, more than the answer it would compress.
func Encode(enc string, level Level, data []byte) []byte {
	var b bytes.Buffer
	k := poolKey{br: enc == "br", q: level.Gzip}
	if k.br {
		k.q = level.Brotli
	}
	pool := writerPool(k)
	w, _ := pool.Get().(resetWriter)
	if w == nil {
		if k.br {
			w = brotli.NewWriterLevel(&b, k.q)
		} else {
			w, _ = gzip.NewWriterLevel(&b, k.q) // a valid level: no error
		}
	} else {
		w.Reset(&b)
	}
	_, _ = w.Write(data) // into memory: cannot fail
	_ = w.Close()
	pool.Put(w)
	return b.Bytes()
}

// resetWriter is a Brotli or gzip writer.
type resetWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

type poolKey struct {
	br bool
	q  int
}

var pools sync.Map // poolKey -> *sync.Pool

func writerPool(k poolKey) *sync.Pool {
	if p, ok := pools.Load(k); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(k, &sync.Pool{})
	return p.(*sync.Pool)
}

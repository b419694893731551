// Rendering answers: into a buffer first (an error never leaves half a
// page), then written as personal, uncacheable HTML.

package islands

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/internal/httpenc"
)

// renderBytes renders c into memory, so a failed render writes nothing.
func renderBytes(ctx context.Context, c templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return buf.Bytes(), nil
}

// writeHTML answers HTML (personal: Handler marks every answer so). An
// answer of minCompress bytes or more goes compressed to a client that
// accepts Brotli or gzip: a page's islands are a few kilobytes a phone
// waits for.
func writeHTML(q *request, status int, html []byte) {
	h := q.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	addVary(h, "Accept-Encoding")
	if len(html) >= minCompress {
		if encs := httpenc.Accepted(q.r); len(encs) > 0 {
			h.Set("Content-Encoding", encs[0])
			html = httpenc.Encode(encs[0], httpenc.Answers, html)
		}
	}
	q.w.WriteHeader(status)
	_, _ = q.w.Write(html)
}

// addVary adds name to the answer's Vary header, on the one line: a
// proxy (nginx) may read only the first Vary line, and "Cookie" there is
// what keeps one shopper's answer from another (routes.go).
func addVary(h http.Header, name string) {
	if v := h.Get("Vary"); v != "" {
		h.Set("Vary", v+", "+name)
	} else {
		h.Set("Vary", name)
	}
}

// minCompress is the smallest answer compressed: below it, the headers
// outweigh what is saved.
const minCompress = 1024

// render answers c with status, or a 500 if it fails to render.
func (s *Server) render(q *request, status int, c templ.Component) {
	html, err := renderBytes(q.r.Context(), c)
	if err != nil {
		s.internalError(q, err)
		return
	}
	writeHTML(q, status, html)
}

// internalError logs the cause and tells the shopper only that something
// went wrong.
func (s *Server) internalError(q *request, err error) {
	s.log.Error("island failed", "store", q.cat.Store.Handle, "route", q.route, "err", err)
	http.Error(q.w, q.cat.Site.T("error.internal"), http.StatusInternalServerError)

}

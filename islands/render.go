// Rendering answers: into a buffer first (an error never leaves half a
// page), then written as personal, uncacheable HTML.

package islands

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
)

// renderBytes renders c into memory, so a failed render writes nothing.
func renderBytes(ctx context.Context, c templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return buf.Bytes(), nil
}

// writeHTML answers HTML (personal: Handler marks every answer so).
func writeHTML(w http.ResponseWriter, status int, html []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(html)
}

// render answers c with status, or a 500 if it fails to render.
func (s *Server) render(q *request, status int, c templ.Component) {
	html, err := renderBytes(q.r.Context(), c)
	if err != nil {
		s.internalError(q, err)
		return
	}
	writeHTML(q.w, status, html)
}

// internalError logs the cause and tells the shopper only that something
// went wrong.
func (s *Server) internalError(q *request, err error) {
	s.log.Error("island failed", "store", q.cat.Store.Handle, "route", q.route, "err", err)
	http.Error(q.w, q.cat.Site.T("error.internal"), http.StatusInternalServerError)

}

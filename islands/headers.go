package islands

import (
	"net/http"

	"github.com/wandstore/wandstore/components"
)

// SecurityHeaders sets the headers every WandStore response carries (the
// islands' and, in the demo server, the static files'): no inline scripts,
// no framing, no sniffing. form-action allows https targets as well as
// 'self': a checkout form posted without JavaScript is redirected (303) to
// the shop's checkout, and browsers apply form-action to that redirect.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", components.ContentSecurityPolicy+"; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
}

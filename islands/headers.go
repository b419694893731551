package islands

import (
	"net/http"
)

// SecurityHeaders sets the headers every WandStore response carries (the
// islands' and, in the demo server, the static files'): no inline scripts,
// no framing, no sniffing. form-action allows https targets as well as
// 'self': a checkout form posted without JavaScript is redirected (303) to
// the shop's checkout, and browsers apply form-action to that redirect.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; form-action 'self' https:; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
}

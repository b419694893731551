// htmx's side of the protocol: the header names the server reads and writes,
// spelled only here, and the one decision they drive: an htmx request is
// answered with a fragment to swap in, any other (a plain form post, a
// link) with a full page or a redirect to one.

package islands

import "net/http"

// htmx headers (htmx 2: https://htmx.org/reference/#headers).
const (
	// hxRequest is on every request htmx makes, as "true".
	hxRequest = "HX-Request"
	// hxTrigger names events htmx fires on the body when the response
	// arrives, before the swap: for answers that replace something other
	// than the islands listening.
	hxTrigger = "HX-Trigger"
	// hxTriggerAfterSettle names events fired after the swap has settled,
	// so the island just replaced does not refetch itself.
	hxTriggerAfterSettle = "HX-Trigger-After-Settle"
	// hxRedirect makes htmx navigate the whole page to a URL (a client-side
	// redirect: a 303 would be followed by the request and swapped in).
	hxRedirect = "HX-Redirect"
	// hxPushURL makes htmx push a URL into the history: a filtered
	// listing's canonical URL.
	hxPushURL = "HX-Push-Url"
	// hxTriggerID, on a request, is the id of the element that made it
	// (the same name as hxTrigger, a response header).
	hxTriggerID = "HX-Trigger"
)

// isHTMX reports whether htmx made r, and so whether it is answered with a
// fragment (else a full page, or a 303 to one).
func isHTMX(r *http.Request) bool { return r.Header.Get(hxRequest) == "true" }

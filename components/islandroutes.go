package components

// The contract between the pages and the islands server, spelled once: the
// routes the pages' placeholders and forms ask (under Site.IslandPath) and
// the islands server answers, and the events its answers announce
// (HX-Trigger) that the live fragments listen for. Both sides use these
// names, so neither can drift from the other.

// Island routes, relative to a store's islands path ("cart/badge" is
// <base path>islands/cart/badge).
const (
	RoutePage            = "page"                        // GET: a page's islands at once (?i=routes&product=); POST: and record the product's view
	RouteCartBadge       = "cart/badge"                  // GET: the header's cart link
	RouteCart            = "cart"                        // GET: the cart drawer
	RouteCartPage        = RouteCart + pageSuffix        // GET: the drawer as a full page
	RouteCartAdd         = "cart/add"                    // POST: add a variant
	RouteCartSet         = "cart/set"                    // POST: set a line's quantity (0 removes it)
	RouteCheckout        = "checkout"                    // GET: the checkout form (a full page); POST: from the cart, go to it; with action=quote, price it again; with action=place, order
	RouteOrder           = "orders/"                     // GET: + an order's token + "/": its confirmation page (also at <base path>orders/, see Site.OrderPath)
	RouteViews           = "views"                       // POST: record a product view
	RouteRecentlyViewed  = "recently-viewed"             // GET
	RouteRecommendations = "recommendations"             // GET, ?product=
	RouteWishlistButton  = "wishlist/button"             // GET, ?product=
	RouteWishlistToggle  = "wishlist/toggle"             // POST
	RouteWishlist        = "wishlist"                    // GET: the wishlist
	RouteWishlistPage    = RouteWishlist + pageSuffix    // GET: the wishlist as a full page
	RoutePreferences     = "preferences"                 // GET: the form; POST: save it
	RoutePreferencesPage = RoutePreferences + pageSuffix // GET: the form as a full page
	RouteEvents          = "events"                      // GET, ?product= (repeated): the page's live event stream (Server-Sent Events)
)

// pageSuffix turns a fragment's route into its full-page route ("cart" ->
// "cart/page"): the same content inside FragmentPage, for shoppers without
// JavaScript (IslandPage's fallback link, and the islands server's 303
// after a plain form post).
const pageSuffix = "/page"

// Events the islands server announces after a write (HX-Trigger), and the
// live fragments refresh on.
const (
	EventCartChanged     = "cart-changed"
	EventPrefsChanged    = "prefs-changed"
	EventWishlistChanged = "wishlist-changed"
)

// hx-trigger values of the islands that listen for events (from:body: htmx
// fires response events on the body). None listens to "load" in a live
// fragment: a fragment that fetched itself on load would loop.
const (
	fromBody = " from:body"
	// cartBadgeTrigger: the count and the greeting.
	cartBadgeTrigger = EventCartChanged + fromBody + ", " + EventPrefsChanged + fromBody
	// cartDrawerTrigger: the lines.
	cartDrawerTrigger = EventCartChanged + fromBody
	// wishlistTrigger: the products, in the shopper's sort order.
	wishlistTrigger = EventWishlistChanged + fromBody + ", " + EventPrefsChanged + fromBody
)

package islands

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/session"
)

func TestNewShopperGetsASignedCookieAndPrivateAnswers(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	a := c.get("cart/badge")
	must(t, a.status == 200, "badge: %d %s", a.status, a.body)
	if cc := a.header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	// A GET never issues a cookie: a first page's islands run at once and
	// must not become several shoppers. The first write issues it.
	if n := len((&http.Response{Header: a.header}).Cookies()); n != 0 {
		t.Errorf("a cookie-less GET issued %d cookies", n)
	}
	a = c.post("views", "product", e.cat.Store.PublishedProducts()[0].Handle)
	cookies := sessionCookies(a.header)
	must(t, len(cookies) == 1, "cookies: %v", cookies)
	ck := cookies[0]
	if ck.Name != session.CookieName || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Errorf("cookie = %+v", ck)
	}
	if a.header.Get("Content-Security-Policy") == "" || a.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
	// The same shopper keeps the cookie; no new one is issued.
	if b := c.get("cart/badge"); len((&http.Response{Header: b.header}).Cookies()) != 0 {
		t.Error("a valid cookie was replaced")
	}
}

func TestSecureCookieBehindTrustedHTTPSProxy(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	a := e.shopper().do("POST", e.base+"views", url.Values{"product": {e.cat.Store.PublishedProducts()[0].Handle}}, true, "X-Forwarded-Proto", "https")
	all := (&http.Response{Header: a.header}).Cookies()
	if c := sessionCookies(a.header); len(c) != 1 || !c[0].Secure || len(all) != 2 || !all[0].Secure || !all[1].Secure {
		t.Errorf("cookies over https must be Secure: %+v", all)
	}
}

func TestBadCookiesStartANewSessionAndAreNeverLookedUp(t *testing.T) {
	e := newEnv(t)
	victim := e.shopper()
	p, v := e.variant(untracked)
	must(t, victim.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "add")
	good := victim.jar.Cookies(mustURL(e.ts.URL))[0].Value
	id := string(victim.id())

	other := strings.Repeat("a", 32)
	for name, value := range map[string]string{
		"tampered id":  strings.Replace(good, id, other, 1),
		"tampered mac": good[:len(good)-3] + "AAA",
		"garbage":      "not-a-cookie",
		"no mac":       "v1." + id + ".1",
		"overlong":     strings.Repeat("x", 4000),
	} {
		c := e.shopper()
		c.jar.SetCookies(mustURL(e.ts.URL), []*http.Cookie{{Name: session.CookieName, Value: value, Path: "/"}})
		a := c.get("cart/badge")
		if a.status != 200 {
			t.Errorf("%s: status %d (a bad cookie must not be an error)", name, a.status)
			continue
		}
		if got := a.doc(t).Find("[data-testid=cart-count]").Text(); got != "0" {
			t.Errorf("%s: sees a cart of %s: the bad cookie's id was used", name, got)
		}
		// The first write replaces the bad cookie with a new session.
		w := c.post("views", "product", p.Handle)
		fresh := sessionCookies(w.header)
		if w.status != 200 || len(fresh) != 1 || fresh[0].Value == value {
			t.Errorf("%s: no new session issued on the first write", name)
		}
		if c.id() == victim.id() || string(c.id()) == other {
			t.Errorf("%s: new session reuses a forged id", name)
		}
		if len(victim.state().Viewed) != 0 {
			t.Errorf("%s: the write went to the forged id's shopper", name)
		}
	}
	if n := e.metric(`wandstore_session_rejected_total{reason="signature"}`); n != "4" {
		t.Errorf("signature rejections = %q, want 4 (two cookies, two requests each)", n)
	}
}

func TestAddToCartUpdatesBadgeAndDrawer(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	a := c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	must(t, a.status == 200, "add: %d %s", a.status, a.body)
	if a.header.Get("HX-Trigger") != "cart-changed" {
		t.Errorf("HX-Trigger = %q", a.header.Get("HX-Trigger"))
	}
	if msg := a.doc(t).Find("[data-testid=buy-status-message]").Text(); !strings.Contains(msg, "Added 2 × "+p.Title) {
		t.Errorf("message = %q", msg)
	}
	must(t, c.cartCount() == 2, "badge count")
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "3")
	must(t, c.cartCount() == 5, "lines merge")

	d := c.get("cart").doc(t)
	lines := d.Find("[data-testid=cart-line]")
	must(t, lines.Length() == 1, "lines = %d", lines.Length())
	want := catalog.Money{Amount: v.Price.Amount * 5, Currency: v.Price.Currency}.Format(e.cat.Store.Locale)
	if got := d.Find("[data-testid=cart-subtotal]").Text(); !strings.Contains(got, want) {
		t.Errorf("subtotal = %q, want %s", got, want)
	}
	// Durable: the database has it.
	st := c.state()
	must(t, len(st.Cart) == 1 && st.Cart[0].Quantity == 5, "stored cart: %+v", st.Cart)
}

func TestBadCartInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	sp, sv := e.variant(soldOut)
	tp, tv := e.variant(func(p *catalog.Product, v *catalog.Variant) bool { return v.Available && v.Tracked && v.Inventory < 90 })
	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "seed")
	for name, tc := range map[string]struct {
		form []string
		msg  string
	}{
		"zero":          {[]string{"product", p.Handle, "variant", v.ID, "quantity", "0"}, "quantity from 1 to 99"},
		"negative":      {[]string{"product", p.Handle, "variant", v.ID, "quantity", "-4"}, "quantity from 1 to 99"},
		"too many":      {[]string{"product", p.Handle, "variant", v.ID, "quantity", "100"}, "quantity from 1 to 99"},
		"not a number":  {[]string{"product", p.Handle, "variant", v.ID, "quantity", "lots"}, "quantity from 1 to 99"},
		"fraction":      {[]string{"product", p.Handle, "variant", v.ID, "quantity", "1.5"}, "quantity from 1 to 99"},
		"sold out":      {[]string{"product", sp.Handle, "variant", sv.ID, "quantity", "1"}, "sold out"},
		"no product":    {[]string{"product", "no-such-wand", "variant", "x", "quantity", "1"}, "no longer available"},
		"bad handle":    {[]string{"product", "../etc", "variant", "x", "quantity", "1"}, "no longer available"},
		"wrong variant": {[]string{"product", p.Handle, "variant", "nope", "quantity", "1"}, "choose an option"},
		"over stock":    {[]string{"product", tp.Handle, "variant", tv.ID, "quantity", strconv.Itoa(tv.Inventory + 1)}, "in stock"},
	} {
		a := c.post("cart/add", tc.form...)
		msg := a.doc(t).Find("[data-testid=buy-status-message]").Text()
		if a.status != 200 || !strings.Contains(msg, tc.msg) || a.header.Get("HX-Trigger") != "" {
			t.Errorf("%s: %d %q (HX-Trigger %q), want a message containing %q", name, a.status, msg, a.header.Get("HX-Trigger"), tc.msg)
		}
	}
	st := c.state()
	must(t, len(st.Cart) == 1 && st.Cart[0].Quantity == 1, "cart changed by bad input: %+v", st.Cart)

	// Without htmx the same mistake is a full page with the message, 422.
	a := c.do("POST", e.base+"cart/add", url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {"0"}}, false)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "quantity from 1 to 99") || !strings.Contains(a.body, "<html") {
		t.Errorf("plain post error: %d", a.status)
	}
}

func TestHugeBodyIsRefused(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	a := c.do("POST", e.base+"cart/add", url.Values{"product": {strings.Repeat("a", 64<<10)}}, true)
	if a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d", a.status)
	}
}

func TestPlainFormPostsWorkWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	a := c.do("POST", e.base+"cart/add", url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {"1"}}, false)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != e.base+"cart/page" {
		t.Fatalf("plain add: %d %s", a.status, a.header.Get("Location"))
	}
	page := c.do("GET", e.base+"cart/page", nil, false)
	d := page.doc(t)
	if page.status != 200 || d.Find("html main [data-testid=cart-line]").Length() != 1 || d.Find("link[rel=stylesheet]").Length() != 1 {
		t.Errorf("cart page: %d", page.status)
	}
	a = c.do("POST", e.base+"cart/set", url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {"0"}}, false)
	if a.status != http.StatusSeeOther || len(c.state().Cart) != 0 {
		t.Errorf("plain remove: %d", a.status)
	}
}

func TestChangeQuantityAndRemove(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	a := c.post("cart/set", "product", p.Handle, "variant", v.ID, "quantity", "4")
	must(t, a.status == 200 && a.header.Get("HX-Trigger") == "", "set: %d", a.status)
	if oob := a.doc(t).Find("[data-testid=cart-badge][hx-swap-oob]"); oob.Find("[data-testid=cart-count]").Text() != "4" {
		t.Error("the drawer answer does not update the badge out of band")
	}
	must(t, c.cartCount() == 4, "count after set")
	a = c.post("cart/set", "product", p.Handle, "variant", v.ID, "quantity", "100")
	if !strings.Contains(a.body, "quantity from 0 to 99") || c.cartCount() != 4 {
		t.Error("bad quantity accepted")
	}
	a = c.post("cart/set", "product", p.Handle, "variant", "other", "quantity", "1")
	if !strings.Contains(a.body, "no longer available") && !strings.Contains(a.body, "not in your cart") {
		t.Errorf("unknown line: %s", a.body)
	}
	c.post("cart/set", "product", p.Handle, "variant", v.ID, "quantity", "0")
	must(t, c.cartCount() == 0, "removed")
}

func TestRecentlyViewedExcludesCurrentProduct(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	ps := e.cat.Store.PublishedProducts()[:3]
	for _, p := range ps {
		must(t, c.post("views", "product", p.Handle).status == 200, "view")
	}
	d := c.get("recently-viewed?product=" + ps[2].Handle).doc(t)
	var titles []string
	d.Find("[data-testid=product-card] h3").Each(func(_ int, s *goquerySel) { titles = append(titles, s.Text()) })
	want := []string{ps[1].Title, ps[0].Title} // newest first, current left out
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("recently viewed = %v, want %v", titles, want)
	}
	if a := c.post("views", "product", "no-such"); a.status != 400 {
		t.Errorf("view of an unknown product: %d", a.status)
	}
}

func TestRecommendationsNeverIncludeCartItems(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, _ := e.variant(untracked)
	c.post("views", "product", p.Handle)
	before := c.get("recommendations?product=" + p.Handle).doc(t)
	var first string
	before.Find("[data-testid=product-card] h3 a").Each(func(i int, s *goquerySel) {
		if i == 0 {
			first, _ = s.Attr("href")
		}
	})
	must(t, first != "", "no recommendations for %s", p.Handle)
	// Cart the first recommendation: it must disappear from the next answer.
	handle := strings.TrimSuffix(strings.TrimPrefix(first, e.cat.Site.Path("products/")), "/")
	rp := e.cat.Store.Product(handle)
	rv := rp.DefaultVariant()
	must(t, c.post("cart/add", "product", rp.Handle, "variant", rv.ID, "quantity", "1").status == 200, "cart it")
	after := c.get("recommendations?product=" + p.Handle).body
	if strings.Contains(after, `href="`+first+`"`) {
		t.Errorf("carted product %s still recommended", handle)
	}
	if strings.Contains(after, `href="`+e.cat.Site.ProductPath(p.Handle)+`"`) {
		t.Error("the product itself is recommended")
	}
}

func TestWishlistAndPreferences(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p := e.cat.Store.PublishedProducts()[0]
	a := c.post("wishlist/toggle", "product", p.Handle)
	must(t, a.status == 200 && a.header.Get("HX-Trigger") == "wishlist-changed", "toggle: %d", a.status)
	if pressed, _ := a.doc(t).Find("button").Attr("aria-pressed"); pressed != "true" {
		t.Errorf("aria-pressed = %q", pressed)
	}
	if !strings.Contains(c.get("wishlist").body, e.cat.Site.ProductPath(p.Handle)) {
		t.Error("wishlist lacks the product")
	}
	c.post("wishlist/toggle", "product", p.Handle)
	if strings.Contains(c.get("wishlist").body, e.cat.Site.ProductPath(p.Handle)) {
		t.Error("second toggle did not remove")
	}

	a = c.post("preferences", "name", "Hermione <script>", "sort", "price-desc")
	must(t, a.status == 200 && a.header.Get("HX-Trigger-After-Settle") == "prefs-changed", "prefs: %d %s", a.status, a.body)
	badge := c.get("cart/badge")
	if g := badge.doc(t).Find("[data-testid=greeting]").Text(); !strings.Contains(g, "Hermione <script>") || strings.Contains(badge.body, "<script>") {
		t.Errorf("greeting = %q (escaped: %v)", g, !strings.Contains(badge.body, "<script>"))
	}
	for _, bad := range [][]string{{"name", strings.Repeat("x", 41)}, {"name", "a\x00b"}, {"sort", "cheapest"}} {
		a = c.post("preferences", bad...)
		if !strings.Contains(a.doc(t).Find("[data-testid=preferences]").Text(), "Please") {
			t.Errorf("bad preference %v accepted", bad)
		}
	}
	must(t, c.state().Prefs.Name == "Hermione <script>" && c.state().Prefs.Sort == catalog.SortPriceDesc, "stored prefs: %+v", c.state().Prefs)

	// The sort preference orders the shopper's lists.
	ps := e.cat.Store.PublishedProducts()[:4]
	for _, p := range ps {
		c.post("views", "product", p.Handle)
	}
	var prices []int64
	c.get("recently-viewed").doc(t).Find("[data-testid=product-card] h3 a").Each(func(_ int, s *goquerySel) {
		href, _ := s.Attr("href")
		h := strings.TrimSuffix(strings.TrimPrefix(href, e.cat.Site.Path("products/")), "/")
		prices = append(prices, e.cat.Store.Product(h).MinPrice().Amount)
	})
	for i := 1; i < len(prices); i++ {
		if prices[i] > prices[i-1] {
			t.Errorf("recently viewed not sorted by price, high to low: %v", prices)
		}
	}
}

func TestCheckoutPlacesOrderAndEmptiesCart(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "3")
	// The cart's button leads to the checkout form.
	a := c.post("checkout")
	must(t, a.status == 200 && a.header.Get("HX-Redirect") == e.base+"checkout", "checkout: %d %q", a.status, a.header.Get("HX-Redirect"))
	must(t, c.cartCount() == 3, "the cart's button ordered something")
	token := c.placeOrder(nil)
	must(t, c.cartCount() == 0, "cart not emptied")
	page := c.do("GET", e.cat.Site.OrderPath(token), nil, false)
	if page.status != 200 || !strings.Contains(page.doc(t).Find("[data-testid=order-page]").Text(), p.Title) {
		t.Errorf("order page: %d", page.status)
	}
	if other := e.shopper().do("GET", e.cat.Site.OrderPath(token), nil, false); other.status != 404 {
		t.Errorf("another shopper sees the order: %d", other.status)
	}
	if again := c.post("checkout"); !strings.Contains(again.body, "Your cart is empty") {
		t.Error("empty checkout not refused")
	}
}

func TestTwoShoppersNeverShareACart(t *testing.T) {
	e := newEnv(t)
	a, b := e.shopper(), e.shopper()
	p, v := e.variant(untracked)
	a.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	must(t, a.cartCount() == 2, "a")
	must(t, b.cartCount() == 0, "b sees a's cart")
	if strings.Contains(b.get("cart").body, p.Title) {
		t.Error("b's drawer shows a's line")
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	// A shopper with a cart: the refused posts carry their cookie.
	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "seed the cart")
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	} {
		a := c.do("POST", e.base+"cart/add", url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {"1"}}, true, hdr...)
		if a.status != http.StatusForbidden {
			t.Errorf("%v: status %d", hdr, a.status)
		}
	}
	if st := c.state(); len(st.Cart) != 1 || st.Cart[0].Quantity != 1 {
		t.Errorf("a cross-origin post changed the cart: %+v", st.Cart)
	}
}

func TestRateLimitsAnswer429WithRetryAfter(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Limits = Limits{PerIP: 1000, PerShopper: 5, Window: time.Minute} })
	c := e.shopper()
	c.post("views", "product", e.cat.Store.PublishedProducts()[0].Handle) // the first write makes the shopper
	var last answer
	for range 9 {
		last = c.get("cart/badge")
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("status %d after 10 requests with a limit of 5", last.status)
	}
	// A sliding window admits again once the current window's count has
	// weighed off: up to 1.2 windows away, when the limit was reached just
	// as a window began.
	if ra, err := strconv.Atoi(last.header.Get("Retry-After")); err != nil || ra < 1 || ra > 73 {
		t.Errorf("Retry-After = %q", last.header.Get("Retry-After"))
	}
	if e.shopper().get("cart/badge").status != 200 {
		t.Error("another shopper is limited too")
	}
	ip := newEnv(t, func(o *Options) { o.Limits = Limits{PerIP: 3, PerShopper: 1000, Window: time.Minute} })
	var s int
	for range 5 {
		s = ip.shopper().get("cart/badge").status // new shoppers, one address
	}
	if s != http.StatusTooManyRequests {
		t.Errorf("per-IP limit not applied: %d", s)
	}
}

func TestClientIPFromTrustedProxyOnly(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	r := &http.Request{RemoteAddr: "10.1.2.3:5000", Header: http.Header{"X-Forwarded-For": {"6.6.6.6, 203.0.113.7, 10.9.9.9"}}}
	if got := e.srv.clientIP(r); got.String() != "203.0.113.7" {
		t.Errorf("behind a trusted proxy: %s", got)
	}
	r.RemoteAddr = "198.51.100.1:5000" // not a proxy: its header is a lie
	if got := e.srv.clientIP(r); got.String() != "198.51.100.1" {
		t.Errorf("untrusted peer: %s", got)
	}
}

func TestFragmentCacheHitsAndWritesRetireThem(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	c.get("cart/badge")
	hitsBefore := e.metric(`wandstore_fragment_cache_total{result="hit"}`)
	must(t, c.cartCount() == 1, "count")
	if hits := e.metric(`wandstore_fragment_cache_total{result="hit"}`); hits == hitsBefore || hits == "" {
		t.Errorf("second badge request was not a cache hit (%s -> %s)", hitsBefore, hits)
	}
	// A write bumps the state version: the cached badge is not served.
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	must(t, c.cartCount() == 2, "stale cached badge served after a write")
}

func TestCacheOutageFallsBackToTheDatabase(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	// Stop the Olric member: every cache call now fails.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, e.cache.Close(ctx) == nil, "close cache")
	must(t, c.cartCount() == 2, "read after the cache died")
	a := c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	must(t, a.status == 200, "write after the cache died: %d", a.status)
	must(t, c.cartCount() == 3, "count after a write without cache")
	for range 3 {
		must(t, c.get("recommendations").status == 200, "recommendations without cache")
	}
	if errs := e.metric(`wandstore_cache_errors_total{op="state_get"}`); errs == "" || errs == "0" {
		t.Error("cache errors not counted")
	}
	ready := e.ops("/readyz")
	ready.Body.Close()
	if ready.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with a dead cache: %d", ready.StatusCode)
	}
}

func TestRestartKeepsTheCart(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	// A new server on the same data folder (and a cold cache).
	e.ts.Close()
	must(t, e.db.Close() == nil, "close db")
	e.openDB()
	e.cache = openCache(t)
	srv, err := New(Options{Store: e.db, Cache: e.cache, Catalogs: NewCatalogs(e.cat), SessionKeys: e.keys})
	must(t, err == nil, "new: %v", err)
	e.srv = srv
	e.ts = newTestServer(t, srv)
	must(t, c.cartCount() == 2, "cart lost across a restart")
}

// The operations handler answers health, readiness and metrics; the
// public port only a bare /healthz, and the other two to the admin token
// alone: a shopper cannot read checkout counts or the database's state.
func TestHealthEndpoints(t *testing.T) {
	const token = "admin-token-for-the-test"
	e := newEnv(t, func(o *Options) { o.AdminToken = token })
	e.shopper().get("cart/badge") // an island answered: its latency is in the metrics
	want := map[string]string{"/healthz": "ok", "/readyz": `"database":"ok"`, "/metrics": "wandstore_island_request_seconds"}
	body := func(resp *http.Response) string {
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	for path, w := range want {
		resp := e.ops(path)
		if b := body(resp); resp.StatusCode != 200 || !strings.Contains(b, w) {
			t.Errorf("ops %s: %d %.200s", path, resp.StatusCode, b)
		}
	}
	public := func(path, auth string) *http.Response {
		req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err == nil, "%s: %v", path, err)
		return resp
	}
	if resp := public("/healthz", ""); resp.StatusCode != 200 || body(resp) != "ok\n" {
		t.Error("public /healthz")
	}
	for _, path := range []string{"/readyz", "/metrics"} {
		for _, auth := range []string{"", "Bearer wrong", token, "Bearer " + token + "x"} {
			if resp := public(path, auth); resp.StatusCode != 404 || strings.Contains(body(resp), "wandstore_") {
				t.Errorf("public %s with %q: %d", path, auth, resp.StatusCode)
			}
		}
		if resp := public(path, "Bearer "+token); resp.StatusCode != 200 || !strings.Contains(body(resp), want[path]) {
			t.Errorf("public %s with the admin token: %d", path, resp.StatusCode)
		}
	}
}

func TestUnknownIslandAndMethod(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	if a := c.get("nope"); a.status != 404 {
		t.Errorf("unknown island: %d", a.status)
	}
	if a := c.do("GET", e.base+"cart/add", nil, true); a.status != 405 {
		t.Errorf("GET of a POST island: %d", a.status)
	}
	if a := c.do("GET", "/s/unknown-store/islands/cart", nil, true); a.status != 404 {
		t.Errorf("unknown store: %d", a.status)
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

// sessionCookies are the shopper cookies a response sets (not the version
// cookies).
func sessionCookies(h http.Header) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == session.CookieName {
			out = append(out, c)
		}
	}
	return out
}

// Read-your-writes whatever the cache holds: after an acknowledged write,
// a hot copy (or a cached fragment) older than it is a miss for that
// shopper, as when a write could not replace the copy on a member that
// died and an older replica is served once routing moves.
func TestReadYourWritesOverStaleHotCopy(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "add 1")
	old := c.state() // version 1, one item
	must(t, c.get("cart/badge").doc(t).Find("[data-testid=cart-count]").Text() == "1", "badge after first add")
	w := c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	must(t, w.status == 200, "add 2")
	var tok *http.Cookie
	for _, ck := range (&http.Response{Header: w.header}).Cookies() {
		if ck.Name == session.VersionCookiePrefix+e.cat.Store.Handle {
			tok = ck
		}
	}
	must(t, tok != nil && tok.Path == e.cat.Site.BasePath && tok.HttpOnly, "version cookie: %+v", tok)

	// The hot copy goes back to version 1 (what a dead owner's replica
	// would hold); version 1's badge fragment is still cached.
	must(t, e.cache.PutState(t.Context(), old) == nil, "put stale")
	if got := c.get("cart/badge").doc(t).Find("[data-testid=cart-count]").Text(); got != "3" {
		t.Fatalf("badge after the stale copy = %s, want 3 (the acknowledged write)", got)
	}
	must(t, e.cache.PutState(t.Context(), old) == nil, "put stale")
	if got := c.get("cart").doc(t).Find("[data-testid=cart-count-total]").Text(); got != "3" {
		t.Fatalf("drawer after the stale copy = %s, want 3", got)
	}
	if n := e.metric(`wandstore_cache_stale_total{what="state_version"}`); n != "2" {
		t.Errorf("stale reads counted %q, want 2", n)
	}
	// The miss repaired the hot copy.
	hot, ok, err := e.cache.State(t.Context(), e.cat.Store.Handle, c.id())
	must(t, err == nil && ok && hot.Version == old.Version+1, "hot copy after the read: %+v %v %v", hot, ok, err)

	// Without the version cookie (another device) the stale copy may be
	// served: the guarantee is per shopper session, as the test shows by
	// failing the other way if it were not the cookie that made the
	// difference.
	must(t, e.cache.PutState(t.Context(), old) == nil, "put stale")
	sid := ""
	for _, ck := range c.jar.Cookies(mustURL(e.ts.URL + e.cat.Site.BasePath)) {
		if ck.Name == session.CookieName {
			sid = ck.Value
		}
	}
	nocookie := e.shopper()
	nocookie.jar.SetCookies(mustURL(e.ts.URL), []*http.Cookie{{Name: session.CookieName, Value: sid, Path: "/"}})
	if got := nocookie.get("cart/badge").doc(t).Find("[data-testid=cart-count]").Text(); got != "1" {
		t.Errorf("without the version cookie the badge shows %s; the stale copy (1) was expected, so the cookie is what protects", got)
	}

	// A tampered version cookie is ignored (counted), never an error.
	bad := e.shopper()
	bad.jar.SetCookies(mustURL(e.ts.URL), []*http.Cookie{
		{Name: session.CookieName, Value: sid, Path: "/"},
		{Name: tok.Name, Value: tok.Value[:len(tok.Value)-2] + "AA", Path: tok.Path},
	})
	must(t, bad.get("cart/badge").status == 200, "tampered version cookie")
	if n := e.metric(`wandstore_session_rejected_total{reason="version_signature"}`); n != "1" {
		t.Errorf("tampered version cookies counted %q, want 1", n)
	}
}

// Checkout orders exactly the cart the shopper was shown: if another tab
// changed it, or a price moved, since the drawer was rendered, nothing is
// ordered and the cart is shown again as it is now (htmx and no-JS alike).
func TestCheckoutRefusesACartOtherThanShown(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	shown := c.cartToken()
	must(t, shown != "", "no checkout token in the drawer")

	// Another tab adds one more.
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	a := c.post("checkout", "cart", shown)
	must(t, a.status == 200 && strings.Contains(a.body, "Your cart changed"), "htmx: %d %s", a.status, a.body)
	must(t, a.doc(t).Find("[data-testid=cart-count-total]").Text() == "2", "the drawer shows the cart as it is now")
	f := c.do("POST", e.base+"checkout", url.Values{"cart": {shown}}, false)
	must(t, f.status == http.StatusUnprocessableEntity && strings.Contains(f.body, "Your cart changed"), "no-JS: %d", f.status)
	must(t, len(c.state().Cart) == 1 && c.state().Cart[0].Quantity == 2, "the cart was changed by a refused checkout")

	// A missing or forged token is no better.
	for _, tok := range []string{"", "00000000000000000000000000000000"} {
		a := c.do("POST", e.base+"checkout", url.Values{"cart": {tok}}, true)
		must(t, strings.Contains(a.body, "Your cart changed"), "token %q: %s", tok, a.body)
	}

	// A price change after the drawer was shown: refused too.
	shown = c.cartToken()
	changed := *p
	changed.Variants = append([]catalog.Variant(nil), p.Variants...)
	for i := range changed.Variants {
		if changed.Variants[i].ID == v.ID {
			changed.Variants[i].Price.Amount += 100
		}
	}
	st2, err := e.cat.Store.With(catalog.Change{Products: []*catalog.Product{&changed}})
	must(t, err == nil, "with: %v", err)
	e.srv.cats.Set(&Catalog{Store: st2, Site: e.cat.Site, Version: e.cat.Version + "-2"})
	a = c.post("checkout", "cart", shown)
	must(t, strings.Contains(a.body, "Your cart changed"), "after a price change: %s", a.body)

	// The cart as shown now goes on to the checkout form.
	a = c.post("checkout", "cart", c.cartToken())
	must(t, a.status == 200 && a.header.Get("HX-Redirect") == e.base+"checkout", "checkout of the shown cart: %d %s", a.status, a.body)
}

// A cookie has one spelling: the same value quoted, or its MAC spelled
// with the last base64 character's unused bits set (which a lenient
// decoder reads as the same bytes), is a bad cookie, not the shopper.
// (A newline inside, which the decoder also skips, cannot come in a
// header: session's FuzzDecode keeps it as a seed.)
func TestCookiesHaveOneSpelling(t *testing.T) {
	e := newEnv(t)
	victim := e.shopper()
	p, v := e.variant(untracked)
	must(t, victim.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "add")
	good := victim.jar.Cookies(mustURL(e.ts.URL))[0].Value
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, good[len(good)-1])
	alt := alphabet[i^1] // the last character's low bits are unused: 32 bytes are 256 of its 258 bits
	for name, value := range map[string]string{
		"as sent":     good, // the control: this one is the shopper
		"quoted":      `"` + good + `"`,
		"unused bits": good[:len(good)-1] + string(alt),
	} {
		c := e.shopper()
		a := c.do("GET", e.base+"cart/badge", nil, true, "Cookie", session.CookieName+"="+value)
		got := a.doc(t).Find("[data-testid=cart-count]").Text()
		if want := map[bool]string{true: "1", false: "0"}[name == "as sent"]; got != want {
			t.Errorf("%s: sees a cart of %s, want %s", name, got, want)
		}
	}
}

// The cart is priced from the catalog served now, and a line whose price
// changed since the shopper added it says what it was; adding it again
// (at the price now shown) clears that.
func TestCartShowsAPriceChangedSinceAdded(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	money := func(amount int64) string {
		return e.cat.Site.Money(catalog.Money{Amount: amount, Currency: v.Price.Currency})
	}
	old, now := v.Price.Amount, v.Price.Amount+4500
	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2").status == 200, "add")
	d := c.get("cart").doc(t)
	must(t, d.Find("[data-testid=cart-line-price-changed]").Length() == 0, "a notice before any change")

	e.reprice(p, v.ID, now)
	d = c.get("cart").doc(t)
	if got := d.Find("[data-testid=cart-line-price]").Text(); got != money(now) {
		t.Errorf("line priced %q, want the catalog's %q", got, money(now))
	}
	if got := d.Find("[data-testid=cart-subtotal]").Text(); !strings.Contains(got, money(2*now)) {
		t.Errorf("subtotal %q, want %q", got, money(2*now))
	}
	if got := d.Find("[data-testid=cart-line-price-changed]").Text(); !strings.Contains(got, money(old)) {
		t.Errorf("price-changed notice %q lacks the price when added, %q", got, money(old))
	}

	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "add again")
	d = c.get("cart").doc(t)
	must(t, d.Find("[data-testid=cart-line-price-changed]").Length() == 0, "the notice stays after adding at the new price")
}

// The checkout form names it too: the shopper reviews the price they are
// about to pay against the one they added the line at.
func TestCheckoutShowsAPriceChangedSinceAdded(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	money := func(amount int64) string {
		return e.cat.Site.Money(catalog.Money{Amount: amount, Currency: v.Price.Currency})
	}
	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "add")
	d := c.get("checkout").doc(t)
	must(t, d.Find("[data-testid=checkout-line]").Length() == 1, "checkout lines:\n%s", c.get("checkout").body)
	must(t, d.Find("[data-testid=checkout-line-price-changed]").Length() == 0, "a notice before any change")
	e.reprice(p, v.ID, v.Price.Amount+700)
	d = c.get("checkout").doc(t)
	if got := d.Find("[data-testid=checkout-line-price-changed]").Text(); !strings.Contains(got, money(v.Price.Amount)) {
		t.Errorf("checkout notice %q lacks the price when added, %q", got, money(v.Price.Amount))
	}
}

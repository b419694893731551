package admin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/islands/store"
	"github.com/wandstore/wandstore/ops"
)

const token = "test-admin-token-0123456789"

type env struct {
	t   *testing.T
	srv *httptest.Server
	rec *ops.Recorder
	db  *store.DB
	now *testkit.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := store.Open(t.Context(), testkit.DSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := testkit.NewClock(time.Now().UTC())
	rec, err := ops.Open(t.Context(), db.Writer(), ops.Options{Member: "m1:3320", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{
		Token: token, Ops: rec, Reports: db, Now: c.Now,
		Stores: func() []Store { return []Store{{"wands", "Magic Wands Emporium"}, {"tea", "Kitsune Tea"}} },
		Membership: func() shopper.Membership {
			return shopper.Membership{Self: "m1:3320", Members: []string{"m1:3320", "m2:3320"}, Coordinator: "m1:3320", Expected: 2}
		},
		Queue: func(context.Context) (map[string]int, error) { return map[string]int{"pending": 2, "failed": 1}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, rec: rec, db: db, now: c}
}

// get asks for path with the header pairs given, without following
// redirects.
func (e *env) do(c *http.Client, method, path string, body url.Values, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c == nil {
		c = noRedirect(nil)
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func noRedirect(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// record puts figures in: requests of two stores, a cart, a webhook, an
// event; then an order in the database.
func (e *env) record() {
	e.t.Helper()
	for i := range 50 {
		e.rec.Request("wands", "cart", 200, time.Duration(i+1)*time.Millisecond)
	}
	e.rec.Request("wands", "cart", 500, 3*time.Second)
	e.rec.Request("tea", "recommendations", 200, 2*time.Millisecond)
	e.rec.Add("wands", ops.Fragments, "hit", 3)
	e.rec.Add("wands", ops.Fragments, "miss", 1)
	e.rec.Add("wands", ops.Limited, "ip", 2)
	e.rec.Add("wands", ops.Webhooks, "received", 4)
	e.rec.Add("wands", ops.Webhooks, "applied", 4)
	e.rec.Gauge("wands", ops.WebhookLag, 850)
	e.rec.Add("wands", ops.Carts, "created", 1)
	e.rec.Leads("shopify-webhooks", true)
	e.rec.Event(ops.Event{Store: "wands", Kind: ops.KindReconcile, Written: 2, Detail: "repaired 2 files webhooks had missed"})
	id := shopper.NewID()
	if _, err := e.db.AddToCart(e.t.Context(), "wands", id, "elder", "elder-13", 1, 12900); err != nil {
		e.t.Fatal(err)
	}
}

func TestUnauthenticatedGets401AndNoData(t *testing.T) {
	e := newEnv(t)
	e.record()
	for _, hdr := range [][]string{
		nil,
		{"Authorization", "Bearer wrong-token"},
		{"Cookie", CookieName + "=9999999999.forged"},
	} {
		res, body := e.do(nil, "GET", Path, nil, hdr...)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%v: status %d, want 401", hdr, res.StatusCode)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%v: Cache-Control %q", hdr, got)
		}
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%v: no WWW-Authenticate", hdr)
		}
		for _, leak := range []string{"m1:3320", "Magic Wands", "cart", "repaired", "<svg"} {
			if strings.Contains(body, leak) {
				t.Errorf("%v: the 401 page shows %q", hdr, leak)
			}
		}
		if !strings.Contains(body, `name="token"`) {
			t.Errorf("%v: no login form", hdr)
		}
	}
}

func TestBearerTokenShowsTheDashboard(t *testing.T) {
	e := newEnv(t)
	e.record()
	res, body := e.do(nil, "GET", Path, nil, "Authorization", "Bearer "+token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	for _, want := range []string{
		"m1:3320",              // this member, and the leader
		"Magic Wands Emporium", // the store picker
		`<th scope="row">cart</th>`,
		`<th scope="row">cart</th><td>51</td><td>1</td>`, // wands' cart route: requests, 5xx
		"75.0%",                                // fragment cache hits: 3 of 4
		"repaired 2 files webhooks had missed", // the reconcile event
		"pending <strong>2</strong>",           // the webhook queue
		"<svg",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	// One store: the other's route is gone.
	_, body = e.do(nil, "GET", Path+"?store=wands&range=day", nil, "Authorization", "Bearer "+token)
	if strings.Contains(body, `<th scope="row">recommendations</th>`) {
		t.Error("tea's route shown on wands' dashboard")
	}
	if !strings.Contains(body, `<option value="day" selected>`) {
		t.Error("the day's range is not selected")
	}
}

// The login form sets a signed, HttpOnly, SameSite=Strict cookie that
// opens the dashboard; a forged or expired one does not.
func TestLoginFormAndCookie(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	res, _ := e.do(c, "POST", Path+"login", url.Values{"token": {"not-it"}})
	if res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Fatalf("wrong token: status %d, cookies %v", res.StatusCode, res.Cookies())
	}
	res, _ = e.do(c, "POST", Path+"login", url.Values{"token": {token}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != Path {
		t.Fatalf("login: status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	var ck *http.Cookie
	for _, x := range res.Cookies() {
		if x.Name == CookieName {
			ck = x
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != Path || ck.MaxAge <= 0 {
		t.Fatalf("session cookie %+v", ck)
	}
	if res, _ := e.do(c, "GET", Path, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("with the cookie: status %d", res.StatusCode)
	}
	// Tampered: the expiry moved on, the signature kept.
	_, sig, _ := strings.Cut(ck.Value, ".")
	if res, _ := e.do(nil, "GET", Path, nil, "Cookie", CookieName+"=9999999999."+sig); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered cookie: status %d", res.StatusCode)
	}
	// Expired.
	e.now.Advance(sessionLife + time.Second)
	if res, _ := e.do(nil, "GET", Path, nil, "Cookie", CookieName+"="+ck.Value); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired cookie: status %d", res.StatusCode)
	}
	// Sign out clears it.
	res, _ = e.do(c, "POST", Path+"logout", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res, _ := e.do(c, "GET", Path, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: status %d", res.StatusCode)
	}
}

// Past maxFails failures a client is refused, even with the token, until
// the window ends.
func TestFailuresAreRateLimited(t *testing.T) {
	e := newEnv(t)
	for i := range maxFails {
		if res, _ := e.do(nil, "GET", Path, nil, "Authorization", "Bearer guess"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i, res.StatusCode)
		}
	}
	res, _ := e.do(nil, "GET", Path, nil, "Authorization", "Bearer "+token)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: status %d, Retry-After %q", maxFails, res.StatusCode, res.Header.Get("Retry-After"))
	}
	res, _ = e.do(nil, "POST", Path+"login", url.Values{"token": {token}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("login while blocked: status %d", res.StatusCode)
	}
	e.now.Advance(failWindow)
	if res, _ := e.do(nil, "GET", Path, nil, "Authorization", "Bearer "+token); res.StatusCode != http.StatusOK {
		t.Fatalf("after the window: status %d", res.StatusCode)
	}
}

func TestBadSetupsAndMethods(t *testing.T) {
	db, err := store.Open(t.Context(), testkit.DSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := ops.Open(t.Context(), db.Writer(), ops.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{Ops: rec}, {Token: token}, {Token: "short", Ops: rec}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	e := newEnv(t)
	if res, _ := e.do(nil, "GET", Path+"login", nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET login: %d", res.StatusCode)
	}
	if res, _ := e.do(nil, "POST", Path, url.Values{}, "Authorization", "Bearer "+token); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST dashboard: %d", res.StatusCode)
	}
	if res, _ := e.do(nil, "GET", Path+"nothing", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", res.StatusCode)
	}
	// Another site's form cannot sign the operator in or out.
	for _, path := range []string{Path + "login", Path + "logout"} {
		res, _ := e.do(nil, "POST", path, url.Values{"token": {token}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
			t.Errorf("cross-site POST %s: %d, cookies %v", path, res.StatusCode, res.Cookies())
		}
	}
	big := url.Values{"token": {strings.Repeat("x", 8<<10)}}
	if res, _ := e.do(nil, "POST", Path+"login", big); res.StatusCode != http.StatusBadRequest {
		t.Errorf("huge login body: %d", res.StatusCode)
	}
}

// A proxy's own Basic credentials are not an attempt at the token: they
// neither count as a failure nor hide a session cookie.
func TestOtherAuthorizationSchemesAreNotAttempts(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	if res, _ := e.do(c, "POST", Path+"login", url.Values{"token": {token}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	for i := range maxFails + 2 {
		res, _ := e.do(c, "GET", Path, nil, "Authorization", "Basic cHJveHk6c2VjcmV0")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d with a proxy's Basic header and the session: %d", i, res.StatusCode)
		}
	}
}

// Failures are counted per IPv6 /64: changing address inside it does not
// reset the count. A full table drops expired entries, not every block.
func TestFailuresByClient(t *testing.T) {
	now := time.Now()
	f := newFailures(func() time.Time { return now })
	for i := range maxFails {
		f.fail(netip.MustParseAddr(fmt.Sprintf("2001:db8:1:2::%x", i+1)))
	}
	if _, blocked := f.blocked(netip.MustParseAddr("2001:db8:1:2:ffff::9")); !blocked {
		t.Error("a new address in the same /64 is not blocked")
	}
	if _, blocked := f.blocked(netip.MustParseAddr("2001:db8:1:3::1")); blocked {
		t.Error("another /64 is blocked")
	}
	for i := range maxClients {
		f.fail(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if _, blocked := f.blocked(netip.MustParseAddr("2001:db8:1:2::1")); !blocked {
		t.Error("filling the table cleared a live block")
	}
}

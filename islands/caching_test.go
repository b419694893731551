package islands

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every island answer, errors included, is one shopper's: no cache may
// store it, and a cache that does anyway must key it by the cookies. A
// refused request issues no shopper cookie.
func TestEveryAnswerIsPersonalAndRefusalsIssueNoCookie(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Limits = Limits{PerIP: 12, PerShopper: 1000} })
	p := e.cat.Store.PublishedProducts()[0]
	type call struct {
		name, method, path, body string
		status                   int
		cookie                   bool // a new shopper's cookie is issued
	}
	big := strings.Repeat("x", maxBody+1)
	calls := []call{
		{"fragment", "GET", "cart/badge", "", 200, false},
		{"write", "POST", "views", "product=" + p.Handle, 200, true},
		{"bad parameter", "GET", "wishlist/button", "", 400, false},
		{"unknown order", "GET", "orders/WS-0000-nothing", "", 404, false},
		{"unknown route", "GET", "no-such-island", "", 404, false},
		{"wrong method", "DELETE", "cart/badge", "", 405, false},
		{"too large", "POST", "cart/add", "product=" + big, 413, false},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			var f url.Values
			if c.body != "" {
				f, _ = url.ParseQuery(c.body)
			}
			a := e.shopper().do(c.method, e.base+c.path, f, true)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			checkPersonal(t, a)
			if got := a.header.Get("Set-Cookie") != ""; got != c.cookie {
				t.Errorf("Set-Cookie %q: want a cookie %v", a.header.Values("Set-Cookie"), c.cookie)
			}
		})
	}
	// The rate limit's refusal too.
	s := e.shopper()
	var last answer
	for i := 0; i < 20; i++ {
		last = s.do("POST", e.base+"views", url.Values{"product": {p.Handle}}, true)
		if last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("never limited: %d", last.status)
	}
	checkPersonal(t, last)
	if c := last.header.Get("Set-Cookie"); c != "" {
		t.Errorf("a 429 issued a cookie: %s", c)
	}
}

func checkPersonal(t *testing.T, a answer) {
	t.Helper()
	if cc := a.header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if v := a.header.Get("Vary"); !strings.Contains(v, "Cookie") {
		t.Errorf("Vary %q", v)
	}
}

package islands

import (
	"compress/gzip"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/wandstore/wandstore/components"
)

// A page's islands arrive in one answer, each marked to be swapped in by
// its id, with the same content each island's own route answers.
func TestPageIslandsInOneAnswer(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2").status == 200, "cart it")
	a := c.get("page?i=" + url.QueryEscape("cart/badge,recommendations,recently-viewed"))
	must(t, a.status == 200, "page: %d %s", a.status, a.body)
	d := a.doc(t)
	for _, id := range []string{"cart-badge", "recommendations", "recently-viewed"} {
		sel := d.Find("#" + id)
		if sel.Length() != 1 {
			t.Fatalf("%s: %d elements in\n%s", id, sel.Length(), a.body)
		}
		if oob, _ := sel.Attr("hx-swap-oob"); oob != "true" {
			t.Errorf("%s hx-swap-oob = %q", id, oob)
		}
	}
	if got := d.Find("#cart-badge [data-testid=cart-count]").Text(); got != "2" {
		t.Errorf("badge count %q, want 2", got)
	}
	// The same bytes as the badge's own route, but for the marker.
	alone := c.get("cart/badge").body
	if !strings.Contains(a.body, strings.Replace(alone, `<a class="cart-link"`, `<a hx-swap-oob="true" class="cart-link"`, 1)) {
		t.Errorf("page's badge differs from the badge's own answer:\n%s\n%s", a.body, alone)
	}
	checkPersonal(t, a)
}

// A product page's loader posts: the view is recorded before the islands
// are rendered, so they show the state after it (the product is left out
// of its own recently viewed, and appears on the next product's page).
func TestPageIslandsRecordTheView(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	ps := e.cat.Store.PublishedProducts()[:2]
	islands := strings.Join([]string{components.RouteCartBadge, components.RouteWishlistButton, components.RouteRecommendations, components.RouteRecentlyViewed}, ",")
	a := c.post("page", "i", islands, "product", ps[0].Handle)
	must(t, a.status == 200, "page: %d %s", a.status, a.body)
	d := a.doc(t)
	if d.Find("#wishlist-button[hx-swap-oob]").Length() != 1 {
		t.Errorf("no wishlist button in\n%s", a.body)
	}
	if d.Find("#recently-viewed [data-testid=product-card]").Length() != 0 {
		t.Error("the product is in its own recently viewed")
	}
	if n := len(c.state().Viewed); n != 1 {
		t.Fatalf("%d views recorded, want 1", n)
	}
	b := c.post("page", "i", islands, "product", ps[1].Handle).doc(t)
	if got := b.Find("#recently-viewed [data-testid=product-card] h3").Text(); got != ps[0].Title {
		t.Errorf("recently viewed on the next page = %q, want %q", got, ps[0].Title)
	}
}

// Each fragment of a page's answer is cached as its own route's: asked
// again with nothing changed, every one is a hit.
func TestPageIslandsAreCachedPerFragment(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	must(t, c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1").status == 200, "cart it")
	path := "page?i=" + url.QueryEscape("cart/badge,recommendations,recently-viewed")
	first := c.get(path).body
	hits := e.metric(`wandstore_fragment_cache_total{result="hit"}`)
	second := c.get(path).body
	if second != first {
		t.Errorf("answers differ:\n%s\n%s", first, second)
	}
	after := e.metric(`wandstore_fragment_cache_total{result="hit"}`)
	if hits == after {
		t.Errorf("no cache hits on the second page answer (hits %s -> %s)", hits, after)
	}
	// The badge alone now hits what the page's answer cached.
	before := after
	c.get("cart/badge")
	if e.metric(`wandstore_fragment_cache_total{result="hit"}`) == before {
		t.Error("the badge's own route missed the fragment the page's answer cached")
	}
}

func TestPageIslandsBadInput(t *testing.T) {
	e := newEnv(t)
	p := e.cat.Store.PublishedProducts()[0]
	for _, c := range []struct {
		name, method, query string
		form                []string
		status              int
	}{
		{"unknown island", "GET", "i=cart/badge,nope", nil, 400},
		{"a write route", "GET", "i=cart/add", nil, 400},
		{"too many", "GET", "i=" + strings.Repeat("cart/badge,", 8) + "cart/badge", nil, 400},
		{"view without product", "POST", "", []string{"i", "cart/badge"}, 400},
		{"view of unknown product", "POST", "", []string{"i", "cart/badge", "product", "no-such"}, 400},
		{"too large", "POST", "", []string{"i", "cart/badge", "product", strings.Repeat("x", maxBody)}, 413},
		{"wishlist button without product", "GET", "i=cart/badge,wishlist/button", nil, 200},
		{"unknown product for recommendations", "GET", "i=recommendations&product=" + p.Handle + "x", nil, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := e.shopper()
			var a answer
			if c.method == "GET" {
				a = s.do("GET", e.base+"page?"+c.query, nil, true)
			} else {
				a = s.post("page", c.form...)
			}
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if c.status == 200 && strings.Contains(a.body, "wishlist-button") {
				t.Errorf("a wishlist button without a product: %s", a.body)
			}
			if c.method == "POST" && len(s.state().Viewed) != 0 {
				t.Error("a refused view was recorded")
			}
		})
	}
}

func TestOutOfBand(t *testing.T) {
	for in, want := range map[string]string{
		`<div id="a" class="x"></div>`:     `<div hx-swap-oob="true" id="a" class="x"></div>`,
		"\n<section class=\"s\" id=\"b\">": "\n<section hx-swap-oob=\"true\" class=\"s\" id=\"b\">",
		`<div class="x"></div>`:            "",
		`text <div id="a">`:                "",
		``:                                 "",
	} {
		if got := string(outOfBand([]byte(in))); got != want {
			t.Errorf("outOfBand(%q) = %q, want %q", in, got, want)
		}
	}
}

// A page's islands go compressed to a client that accepts it, in the
// encoding it prefers, and decode to the same bytes as the plain answer;
// a small answer goes as it is. Vary stays one line that names both the
// cookie and the encoding (a proxy may read only the first line).
func TestAnswersAreCompressed(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, _ := e.variant(untracked)
	path := e.base + "page?i=" + url.QueryEscape("cart/badge,wishlist/button,recommendations,recently-viewed") + "&product=" + p.Handle
	plain := c.do("GET", path, nil, true, "Accept-Encoding", "identity")
	must(t, plain.status == 200 && plain.header.Get("Content-Encoding") == "", "plain: %d %v", plain.status, plain.header)
	must(t, len(plain.body) >= minCompress, "the page's islands are %d bytes: too small to test compression", len(plain.body))
	for _, c2 := range []struct{ accept, enc string }{{"gzip, deflate, br", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}} {
		a := c.do("GET", path, nil, true, "Accept-Encoding", c2.accept)
		if got := a.header.Get("Content-Encoding"); got != c2.enc {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", c2.accept, got, c2.enc)
			continue
		}
		var r io.Reader = strings.NewReader(a.body)
		if c2.enc == "br" {
			r = brotli.NewReader(r)
		} else {
			z, err := gzip.NewReader(r)
			must(t, err == nil, "gzip: %v", err)
			r = z
		}
		got, err := io.ReadAll(r)
		must(t, err == nil, "decode %s: %v", c2.enc, err)
		if string(got) != plain.body {
			t.Errorf("%s answer decodes to\n%s\nwant\n%s", c2.enc, got, plain.body)
		}
		if len(a.body) >= len(plain.body)/2 {
			t.Errorf("%s answer is %d bytes of %d", c2.enc, len(a.body), len(plain.body))
		}
		if vary := a.header.Values("Vary"); len(vary) != 1 || !strings.Contains(vary[0], "Cookie") || !strings.Contains(vary[0], "Accept-Encoding") {
			t.Errorf("Vary %q", vary)
		}
	}
	small := c.do("GET", e.base+"cart/badge", nil, true, "Accept-Encoding", "br")
	must(t, small.status == 200 && len(small.body) < minCompress, "badge: %d, %d bytes", small.status, len(small.body))
	if enc := small.header.Get("Content-Encoding"); enc != "" {
		t.Errorf("a %d-byte answer went %s", len(small.body), enc)
	}
}

package islands

import (
	"net/http"
	"net/url"
	"testing"
)

// Without JavaScript an error is a page with a way back: to the store page
// the shopper came from, or (coming from elsewhere) the store's home.
func TestErrorPagesLinkBack(t *testing.T) {
	e := newEnv(t)
	p, v := e.variant(untracked)
	page := e.cat.Site.ProductPath(p.Handle)
	for _, tc := range []struct{ referer, want string }{
		{e.ts.URL + page + "?variant=" + v.ID, page + "?variant=" + v.ID},
		{"https://elsewhere.example" + page, e.cat.Site.Path("")},
		{"", e.cat.Site.Path("")},
	} {
		a := e.shopper().do("POST", e.base+"cart/add", url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {"0"}}, false, "Referer", tc.referer)
		if a.status != http.StatusUnprocessableEntity {
			t.Fatalf("a bad quantity without htmx: %d", a.status)
		}
		back, ok := a.doc(t).Find("[data-testid=error-back]").Attr("href")
		if !ok || back != tc.want {
			t.Errorf("from %q: back to %q, want %q", tc.referer, back, tc.want)
		}
	}
}

// The page's wishlist button without JavaScript asks to save: it saves an
// unsaved product and never removes a saved one.
func TestWishlistSaveWithoutJSNeverRemoves(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, _ := e.variant(untracked)
	for i := 0; i < 2; i++ {
		a := c.do("POST", e.base+"wishlist/toggle", url.Values{"product": {p.Handle}, "want": {"on"}}, false)
		if a.status != http.StatusSeeOther {
			t.Fatalf("save %d: %d", i, a.status)
		}
		if !c.state().Wished(p.Handle) {
			t.Fatalf("after save %d the product is not in the wishlist", i)
		}
	}
	// The button's own toggle still removes.
	c.post("wishlist/toggle", "product", p.Handle)
	if c.state().Wished(p.Handle) {
		t.Fatal("the toggle did not remove")
	}
}

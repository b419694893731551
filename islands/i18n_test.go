package islands

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/i18n"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

// TestNewRefusesBrokenMessages: the islands server does not start with a
// message file that does not load (every shopper would see keys).
func TestNewRefusesBrokenMessages(t *testing.T) {
	e := newEnv(t)
	restore := i18n.Override(fstest.MapFS{
		"locales/en/core.yaml": {Data: []byte("greeting: \"Hi, %s\"\n")},
		"locales/de/core.yaml": {Data: []byte("greeting: \"Hallo, %d\"\n")},
	})
	defer restore()
	_, err := New(Options{Store: e.db, Cache: e.cache, Catalogs: NewCatalogs(e.cat), SessionKeys: e.keys})
	if err == nil || !strings.Contains(err.Error(), `de "greeting"`) {
		t.Fatalf("New = %v, want an error naming the broken message", err)
	}
}

// kitsuneCatalog is the Japanese demo store as the islands server sees it.
func kitsuneCatalog(t *testing.T) *Catalog {
	t.Helper()
	st := testkit.DemoStore(t, "kitsune-tea")
	base, err := url.Parse("http://127.0.0.1/s/" + st.Handle + "/")
	if err != nil {
		t.Fatal(err)
	}
	return &Catalog{Store: st, Site: components.NewSite(st, base), Version: "demo"}
}

// TestJapaneseAnswers: the islands speak the store's language: the
// messages of a refused add, of a quantity out of range and of an
// addition, the order's date, and the pages without JavaScript.
func TestJapaneseAnswers(t *testing.T) {
	ja := kitsuneCatalog(t)
	e := newEnv(t, func(o *Options) { o.Catalogs = NewCatalogs(demoCatalog(t), ja) })
	e.cat, e.base = ja, ja.Site.IslandPath("")
	m := i18n.For(ja.Store.Locale)
	var p *catalog.Product
	var v *catalog.Variant
	for _, pr := range ja.Store.Products {
		for i := range pr.Variants {
			if vr := &pr.Variants[i]; p == nil && pr.Published() && vr.Available && vr.Tracked && vr.Inventory > 1 && vr.Inventory < 98 {
				p, v = pr, vr
			}
		}
	}
	if p == nil {
		t.Fatal("kitsune-tea needs a tracked variant in stock")
	}
	label := p.Title
	if catalog.ShowsVariant(v.Title) {
		label += " (" + v.Title + ")"
	}
	c := e.shopper()
	status := func(a answer) string {
		return a.doc(t).Find("[data-testid=buy-status-message]").Text()
	}
	more := c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", strconv.Itoa(v.Inventory+1))
	must(t, status(more) == m.N("add.only_more", v.Inventory, label), "beyond the stock: %q", status(more))
	zero := c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "0")
	must(t, status(zero) == m.T("quantity.range", "1", strconv.Itoa(shopper.MaxQuantity)), "quantity 0: %q", status(zero))
	added := c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	must(t, status(added) == m.T("add.added", "1", label), "added: %q", status(added))
	badge := c.get("cart/badge").doc(t)
	must(t, strings.Contains(badge.Text(), m.T("cart.link")) && strings.Contains(badge.Text(), m.N("cart.count", 1)[len("1"):]), "badge: %q", badge.Text())

	page := c.do("GET", e.base+"cart/page", nil, false)
	d := page.doc(t)
	must(t, d.Find("h1").Text() == m.T("cart.title"), "cart page title %q", d.Find("h1").Text())
	must(t, strings.Contains(d.Find("title").Text(), m.T("cart.title")), "cart page <title> %q", d.Find("title").Text())

	done := c.post("checkout")
	date := done.doc(t).Find("[data-testid=order-date]").Text()
	must(t, date == m.T("order.placed", m.Date(time.Now())) || date == m.T("order.placed", m.Date(time.Now().Add(-time.Minute))), "order date %q", date)
	must(t, strings.Contains(done.body, m.T("order.thanks")), "order confirmation: %s", done.body)
}

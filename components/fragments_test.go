package components

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
)

const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`

func cartFixture(s *Site) CartView {
	return CartView{
		Count: 3, Subtotal: "$303.00", Message: "Quantity updated.",
		Lines: []CartLineView{
			{
				Product: "elder-wand", Variant: "ew-11", Title: "Elder Wand", VariantTitle: "11 in",
				Path: s.ProductPath("elder-wand"), Image: "/s/wands/assets/elder.2222222222.svg", ImageAlt: "A knotted elder wand",
				UnitPrice: "$129.00", LineTotal: "$258.00", Quantity: 2,
			},
			{
				Product: "cloak", Variant: "default", Title: "Travel Cloak", VariantTitle: "Default Title",
				UnitPrice: "$45.00", LineTotal: "$45.00", Quantity: 1, Problem: "No longer available",
			},
		},
	}
}

func cards(s *Site, st *catalog.Store) []ProductCardView {
	return []ProductCardView{NewCard(s, st.Product("elder-wand")), NewCard(s, st.Product("cloak"))}
}

func render(t *testing.T, c templ.Component) (string, *goquery.Document) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	out := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return out, doc
}

func text(d *goquery.Document, testid string) string {
	return strings.TrimSpace(d.Find("[data-testid=" + testid + "]").Text())
}

func attr(sel *goquery.Selection, name string) string {
	v, _ := sel.Attr(name)
	return v
}

func TestGoldenCartBadgeLive(t *testing.T) {
	s, _ := fixture()
	d := golden(t, "cart-badge-live", CartBadgeLive(s, 3, "Ana", ""))
	a := d.Find("a#cart-badge.cart-link[data-testid=cart-badge]")
	if a.Length() != 1 {
		t.Fatal("want one a#cart-badge.cart-link")
	}
	if got := attr(a, "href"); got != "/s/wands/cart/" {
		t.Errorf("href = %q", got)
	}
	if got := attr(a, "hx-get"); got != "/s/wands/islands/cart/badge" {
		t.Errorf("hx-get = %q", got)
	}
	trig := attr(a, "hx-trigger")
	if strings.Contains(trig, "load") || !strings.Contains(trig, "cart-changed from:body") || !strings.Contains(trig, "prefs-changed from:body") {
		t.Errorf("hx-trigger = %q", trig)
	}
	if attr(a, "hx-swap") != "outerHTML" {
		t.Error("hx-swap must be outerHTML")
	}
	if got := text(d, "cart-count"); got != "3" {
		t.Errorf("count = %q", got)
	}
	if got := text(d, "greeting"); got != "Hi, Ana" {
		t.Errorf("greeting = %q", got)
	}
	if got := strings.Join(strings.Fields(a.Text()), " "); got != "Hi, Ana Cart 3 items" {
		t.Errorf("link text = %q", got)
	}
}

func TestCartBadgeLiveWithoutGreeting(t *testing.T) {
	s, _ := fixture()
	_, d := render(t, CartBadgeLive(s, 1, "", ""))
	if d.Find("[data-testid=greeting]").Length() != 0 {
		t.Error("greeting shown without a name")
	}
	if got := strings.Join(strings.Fields(d.Find("#cart-badge").Text()), " "); got != "Cart 1 item" {
		t.Errorf("link text = %q", got)
	}
}

func TestCartBadgeOOB(t *testing.T) {
	s, _ := fixture()
	_, live := render(t, CartBadgeLive(s, 2, "Ana", ""))
	_, oob := render(t, CartBadgeOOB(s, 2, "Ana", ""))
	a := oob.Find("#cart-badge")
	if attr(a, "hx-swap-oob") != "true" {
		t.Error("hx-swap-oob missing")
	}
	// Apart from the oob marker, the same element as CartBadgeLive.
	a.RemoveAttr("hx-swap-oob")
	want, _ := live.Find("#cart-badge").Html()
	got, _ := a.Html()
	if got != want || attr(a, "hx-trigger") != attr(live.Find("#cart-badge"), "hx-trigger") {
		t.Errorf("oob badge differs from the live one:\n%s\n%s", got, want)
	}
}

func TestGoldenCartDrawer(t *testing.T) {
	s, _ := fixture()
	d := golden(t, "cart-drawer", CartDrawer(s, cartFixture(s)))
	root := d.Find("body > div")
	if attr(root, "id") != "cart-drawer" || attr(root, "data-testid") != "cart-drawer" {
		t.Fatalf("root = %v", root.Nodes)
	}
	if attr(root, "hx-get") != "/s/wands/islands/cart" || attr(root, "hx-trigger") != "cart-changed from:body" || attr(root, "hx-swap") != "outerHTML" {
		t.Error("drawer does not refresh on cart-changed")
	}
	if got := d.Find("[role=status][aria-live=polite]").Text(); got != "Quantity updated." {
		t.Errorf("status = %q", got)
	}
	lines := d.Find("[data-testid=cart-line]")
	if lines.Length() != 2 {
		t.Fatalf("lines = %d", lines.Length())
	}
	first := lines.First()
	if href := attr(first.Find("h3 a"), "href"); href != "/s/wands/products/elder-wand/" {
		t.Errorf("title link = %q", href)
	}
	if got := first.Find("[data-testid=cart-line-variant]").Text(); got != "11 in" {
		t.Errorf("variant = %q", got)
	}
	if got := attr(first.Find("input[name=quantity][type=number]"), "value"); got != "2" {
		t.Errorf("quantity = %q", got)
	}
	if attr(first.Find("img"), "alt") != "A knotted elder wand" {
		t.Error("image alt")
	}
	second := lines.Eq(1)
	if second.Find("h3 a").Length() != 0 || strings.TrimSpace(second.Find("h3").Text()) != "Travel Cloak" {
		t.Error("a line without a path must not link")
	}
	if second.Find("[data-testid=cart-line-variant]").Length() != 0 {
		t.Error(`"Default Title" shown`)
	}
	if got := second.Find("[data-testid=cart-line-problem]").Text(); got != "No longer available" {
		t.Errorf("problem = %q", got)
	}
	remove := second.Find("form.remove")
	if attr(remove.Find("input[name=quantity]"), "value") != "0" || attr(remove.Find("input[name=product]"), "value") != "cloak" ||
		attr(remove.Find("input[name=variant]"), "value") != "default" {
		t.Error("remove form must post the line with quantity 0")
	}
	// Accessible names say which line a control acts on.
	if got := first.Find("label[for=cart-qty-0]").Text(); got != "Quantity of Elder Wand" {
		t.Errorf("quantity label = %q", got)
	}
	if got := first.Find("[data-testid=cart-line-remove]").Text(); got != "Remove Elder Wand" {
		t.Errorf("remove button = %q", got)
	}
	if got := first.Find("[data-testid=cart-line-update]").Text(); got != "Update Elder Wand" {
		t.Errorf("update button = %q", got)
	}
	qty := first.Find("input[type=number]")
	if attr(qty, "min") != "0" || attr(qty, "max") != "99" {
		t.Error("quantity bounds")
	}
	if got := text(d, "cart-subtotal"); got != "$303.00" {
		t.Errorf("subtotal = %q", got)
	}
	co := d.Find("form.checkout")
	if attr(co, "action") != "/s/wands/islands/checkout" || co.Find("[data-testid=checkout]").Text() != "Check out" {
		t.Error("checkout form")
	}
	for _, f := range d.Find("form").EachIter() {
		if attr(f, "hx-target") != "#cart-drawer" || attr(f, "hx-swap") != "outerHTML" {
			t.Errorf("form %s does not swap the drawer", attr(f, "action"))
		}
	}
}

func TestGoldenCartDrawerEmpty(t *testing.T) {
	s, _ := fixture()
	d := golden(t, "cart-drawer-empty", CartDrawer(s, CartView{Subtotal: "$0.00", Error: "That item is no longer sold."}))
	if got := text(d, "cart-empty"); got != "Your cart is empty." {
		t.Errorf("empty = %q", got)
	}
	if d.Find("a[href='/s/wands/collections/all/']").Length() != 1 {
		t.Error("no link to all products")
	}
	if d.Find("form").Length() != 0 || d.Find("[data-testid=checkout]").Length() != 0 {
		t.Error("an empty cart offers checkout")
	}
	if got := d.Find("[role=status] .notice.error").Text(); got != "That item is no longer sold." {
		t.Errorf("error = %q", got)
	}
}

func TestGoldenBuyStatus(t *testing.T) {
	d := golden(t, "buy-status", BuyStatus("Added to your cart.", false))
	p := d.Find("p[data-testid=buy-status-message]")
	if p.Text() != "Added to your cart." || p.HasClass("error") {
		t.Errorf("ok message = %q (class %q)", p.Text(), attr(p, "class"))
	}
	_, d = render(t, BuyStatus("Sold out.", true))
	if !d.Find("[data-testid=buy-status-message]").HasClass("error") {
		t.Error("error not marked")
	}
}

func TestGoldenRecommendationsWithCopy(t *testing.T) {
	s, st := fixture()
	d := golden(t, "recommendations-copy", RecommendationsList(s, "You may also like", "Picked for you because wands pair well.", cards(s, st)))
	p := d.Find("section#recommendations > h2#recommendations-title + p[data-testid=recommendations-copy]")
	if p.Length() != 1 || !strings.HasSuffix(p.Text(), "Picked for you because wands pair well.") || p.Find(".ai-copy-label").Text() != s.T("ai.copy_label") {
		t.Fatalf("copy line = %q", p.Text())
	}
	// Without copy, or without cards, it is ProductList's.
	for _, c := range []struct {
		copy  string
		cards []ProductCardView
	}{{"", cards(s, st)}, {"Picked", nil}} {
		got, _ := render(t, RecommendationsList(s, "T", c.copy, c.cards))
		want, _ := render(t, ProductList(s, "recommendations", "T", c.cards))
		if got != want {
			t.Errorf("copy %q, %d cards: %s, want %s", c.copy, len(c.cards), got, want)
		}
	}
	// A model's answer with markup and island attributes stays text.
	out, d := render(t, RecommendationsList(s, "T", `<script>alert(1)</script><div hx-post="/s/wands/islands/cart/add" hx-trigger="load">x</div>`, cards(s, st)))
	if d.Find("script").Length() != 0 || d.Find("[hx-post], [hx-trigger]").Length() != 0 || !strings.Contains(out, "&lt;script&gt;") {
		t.Fatalf("model markup rendered: %s", out)
	}
}

func TestGoldenProductList(t *testing.T) {
	s, st := fixture()
	d := golden(t, "product-list", ProductList(s, "recommendations", "You may also like", cards(s, st)))
	sec := d.Find("section#recommendations[data-testid=recommendations]")
	if sec.Length() != 1 {
		t.Fatal("want section#recommendations")
	}
	if sec.Find("h2#recommendations-title").Text() != "You may also like" || attr(sec, "aria-labelledby") != "recommendations-title" {
		t.Error("heading")
	}
	if sec.Find("ul.grid [data-testid=product-card]").Length() != 2 {
		t.Error("cards")
	}
	// The list is below the page's own content: its pictures wait until
	// the shopper scrolls near them, so they take nothing from the page's
	// first paint. The wishlist page's list is that page's content.
	if n := sec.Find(`img[loading=lazy]`).Length(); n != 2 {
		t.Errorf("%d of 2 pictures load lazily", n)
	}
	if _, w := render(t, WishlistList(s, cards(s, st))); w.Find(`img[loading=eager]`).Length() != 2 {
		t.Error("the wishlist page's first pictures do not load eagerly")
	}
	for _, a := range []string{"hx-get", "hx-trigger"} {
		if _, ok := sec.Attr(a); ok {
			t.Errorf("live list has %s: it would load itself again", a)
		}
	}

	out, d := render(t, ProductList(s, "recently-viewed", "Recently viewed", nil))
	if out != `<div id="recently-viewed" data-testid="recently-viewed"></div>` {
		t.Errorf("empty list = %s", out)
	}
	_ = d
}

func TestGoldenWishlistButton(t *testing.T) {
	s, _ := fixture()
	d := golden(t, "wishlist-button-off", WishlistButton(s, "elder-wand", false))
	f := d.Find("form#wishlist-button[data-testid=wishlist-button]")
	if attr(f, "action") != "/s/wands/islands/wishlist/toggle" || attr(f, "hx-target") != "#wishlist-button" || attr(f, "hx-swap") != "outerHTML" {
		t.Error("wishlist form")
	}
	if attr(f.Find("input[name=product]"), "value") != "elder-wand" {
		t.Error("hidden product")
	}
	b := f.Find("button[data-testid=wishlist-toggle]")
	if b.Text() != "Save to wishlist" || attr(b, "aria-pressed") != "false" {
		t.Errorf("off button = %q pressed=%q", b.Text(), attr(b, "aria-pressed"))
	}
	d = golden(t, "wishlist-button-on", WishlistButton(s, "elder-wand", true))
	b = d.Find("[data-testid=wishlist-toggle]")
	if strings.Join(strings.Fields(b.Text()), " ") != "Saved ✓ (remove)" || attr(b, "aria-pressed") != "true" {
		t.Errorf("on button = %q pressed=%q", b.Text(), attr(b, "aria-pressed"))
	}
}

func TestGoldenWishlistList(t *testing.T) {
	s, st := fixture()
	d := golden(t, "wishlist", WishlistList(s, cards(s, st)))
	w := d.Find("#wishlist[data-testid=wishlist]")
	if w.Find("[data-testid=product-card]").Length() != 2 {
		t.Error("cards")
	}
	trig := attr(w, "hx-trigger")
	if strings.Contains(trig, "load") || !strings.Contains(trig, "wishlist-changed from:body") || !strings.Contains(trig, "prefs-changed from:body") {
		t.Errorf("hx-trigger = %q", trig)
	}
	d = golden(t, "wishlist-empty", WishlistList(s, nil))
	if got := text(d, "wishlist-empty"); got != "Your wishlist is empty." {
		t.Errorf("empty = %q", got)
	}
	if d.Find("#wishlist .grid").Length() != 0 {
		t.Error("grid without cards")
	}
}

func TestGoldenPreferences(t *testing.T) {
	s, _ := fixture()
	v := PreferencesView{Name: "Ana", Sort: "price-asc", Sorts: PreferenceSorts(s), Saved: true}
	d := golden(t, "preferences", PreferencesForm(s, v))
	f := d.Find("form#preferences-form[data-testid=preferences]")
	if attr(f, "action") != "/s/wands/islands/preferences" || attr(f, "hx-target") != "#preferences-form" || attr(f, "hx-swap") != "outerHTML" {
		t.Error("preferences form")
	}
	name := f.Find("input[name=name]")
	if attr(name, "value") != "Ana" || attr(name, "maxlength") != "40" {
		t.Error("name input")
	}
	if strings.TrimSpace(d.Find("label[for="+attr(name, "id")+"]").Text()) != "Your name (for greetings)" {
		t.Error("name label")
	}
	sel := f.Find("select[name=sort]")
	if strings.TrimSpace(d.Find("label[for="+attr(sel, "id")+"]").Text()) != "Sort my lists by" {
		t.Error("sort label")
	}
	if sel.Find("option").Length() != len(catalog.SortOrders) {
		t.Error("sort options")
	}
	if got := sel.Find("option[selected]"); got.Length() != 1 || attr(got, "value") != "price-asc" {
		t.Error("selected sort")
	}
	if got := text(d, "preferences-status"); got != "Preferences saved." {
		t.Errorf("status = %q", got)
	}
	if d.Find("[data-testid=preferences-save]").Text() != "Save" {
		t.Error("save button")
	}

	_, d = render(t, PreferencesForm(s, PreferencesView{Name: "x", Sorts: PreferenceSorts(s), Error: "Names are at most 40 characters."}))
	if got := d.Find("[data-testid=preferences-status] .notice.error").Text(); got != "Names are at most 40 characters." {
		t.Errorf("error = %q", got)
	}
	if d.Find("option[selected]").Length() != 0 {
		t.Error("no sort chosen, none selected") // the browser then shows the first, the default
	}
}

func TestGoldenFragmentPage(t *testing.T) {
	s, _ := fixture()
	m := SimpleMeta(s, "Your cart", "", true)
	d := golden(t, "fragment-page", FragmentPage(s, m, "Your cart", CartDrawer(s, cartFixture(s))))
	if d.Find("main#main > h1").Text() != "Your cart" {
		t.Error("h1")
	}
	if d.Find("main#main > #cart-drawer [data-testid=cart-line]").Length() != 2 {
		t.Error("body not inside main")
	}
	if d.Find("header #cart-badge").Length() != 1 {
		t.Error("not a whole page")
	}
}

// allFragments renders every fragment with shopper- and merchant-controlled
// text set to markup.
func allFragments(s *Site, st *catalog.Store, evil string) map[string]templ.Component {
	cv := cartFixture(s)
	for i := range cv.Lines {
		cv.Lines[i].Title, cv.Lines[i].VariantTitle, cv.Lines[i].Problem = evil, evil, evil
		cv.Lines[i].Product, cv.Lines[i].Variant, cv.Lines[i].ImageAlt = evil, evil, evil
	}
	cv.Message, cv.Subtotal = evil, evil
	cs := cards(s, st)
	for i := range cs {
		cs[i].Title, cs[i].Vendor, cs[i].ImageAlt = evil, evil, evil
	}
	sorts := append(PreferenceSorts(s), NavLink{Handle: evil, Title: evil})
	return map[string]templ.Component{
		"badge":        CartBadgeLive(s, 2, evil, ""),
		"badge-oob":    CartBadgeOOB(s, 2, evil, ""),
		"banner":       CartBadgeLive(s, 2, "", evil),
		"drawer":       CartDrawer(s, cv),
		"drawer-error": CartDrawer(s, CartView{Error: evil}),
		"buy":          BuyStatus(evil, true),
		"list":         ProductList(s, "recommendations", evil, cs),
		"list-ai-copy": RecommendationsList(s, evil, evil, cs),
		"wish-button":  WishlistButton(s, evil, true),
		"wishlist":     WishlistList(s, cs),
		"prefs":        PreferencesForm(s, PreferencesView{Name: evil, Sort: evil, Sorts: sorts, Error: evil}),
		"page":         FragmentPage(s, SimpleMeta(s, evil, "", true), evil, BuyStatus(evil, false)),
	}
}

func TestFragmentsEscapeText(t *testing.T) {
	s, st := fixture()
	for name, c := range allFragments(s, st, hostile) {
		out, d := render(t, c)
		for _, sc := range d.Find("script").EachIter() {
			if _, ok := sc.Attr("src"); !ok || strings.Contains(sc.Text(), "alert") {
				t.Errorf("%s: injected <script> element", name)
			}
		}
		if n := d.Find("img[onerror]").Length(); n != 0 {
			t.Errorf("%s: injected <img onerror>", name)
		}
		if !strings.Contains(out, "&lt;script&gt;") {
			t.Errorf("%s: hostile text missing or not escaped", name)
		}
	}
}

// Every form works without JavaScript: it posts to the same URL htmx posts
// to; every control has a label and every button says what it does.
func TestFragmentFormsWorkWithoutJS(t *testing.T) {
	s, st := fixture()
	forms := 0
	for name, c := range allFragments(s, st, "Wand") {
		_, d := render(t, c)
		for _, f := range d.Find("form").EachIter() {
			forms++
			post, action := attr(f, "hx-post"), attr(f, "action")
			if attr(f, "method") == "get" && action == "/s/wands/search/" && post == "" {
				// The header's search box: a plain GET to the search page.
			} else if attr(f, "method") != "post" || post == "" || action != post || !strings.HasPrefix(action, "/s/wands/islands/") {
				t.Errorf("%s: form method=%q action=%q hx-post=%q", name, attr(f, "method"), action, post)
			}
			if f.Find("button[type=submit]").Length() == 0 {
				t.Errorf("%s: form %s has no submit button", name, action)
			}
		}
		for _, b := range d.Find("button").EachIter() {
			if strings.TrimSpace(b.Text()) == "" {
				t.Errorf("%s: button without text", name)
			}
		}
		for _, in := range d.Find("input:not([type=hidden]), select").EachIter() {
			id := attr(in, "id")
			if id == "" || d.Find("label[for='"+id+"']").Length() != 1 {
				t.Errorf("%s: %s without a label", name, goquery.NodeName(in))
			}
		}
		ids := map[string]bool{}
		for _, e := range d.Find("[id]").EachIter() {
			id := attr(e, "id")
			if ids[id] {
				t.Errorf("%s: duplicate id %q", name, id)
			}
			ids[id] = true
		}
	}
	if forms < 6 {
		t.Errorf("only %d forms checked", forms)
	}
}

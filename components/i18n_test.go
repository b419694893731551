package components

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/i18n"
	"golang.org/x/net/html"
)

func yen(a int64) catalog.Money { return catalog.Money{Amount: a, Currency: "JPY"} }

// jaFixture is a Japanese store whose catalog text is Japanese too, so
// any English on its pages is interface text that missed the catalog.
func jaFixture() (*Site, *catalog.Store) {
	st := &catalog.Store{
		Handle: "cha", Name: "狐茶房", Currency: "JPY", Locale: "ja-JP", Description: "京都の日本茶専門店。",
		Theme:    catalog.Theme{Colors: catalog.Colors{Primary: "#2f5b3a"}, Logo: catalog.Image{Src: "images/logo.svg", Alt: "狐茶房"}},
		Settings: catalog.Settings{ProductsPerPage: 2, Announcement: "送料無料", ContactEmail: "cha@kitsune.test"},
	}
	sencha := &catalog.Product{
		Handle: "sencha", Title: "宇治煎茶", Vendor: "宇治茶園", Type: "煎茶",
		DescriptionHTML: "<p>爽やかな<strong>煎茶</strong>。</p>",
		Images:          []catalog.Image{{Src: "images/sencha.svg", Alt: "煎茶の茶葉", Width: 800, Height: 800}, {Src: "images/sencha.svg", Alt: "淹れた煎茶", Width: 800, Height: 600}},
		Options:         []catalog.Option{{Name: "容量", Values: []string{"百グラム", "二百グラム"}}},
		Variants: []catalog.Variant{
			{ID: "s-100", Title: "百グラム", Options: []string{"百グラム"}, Price: yen(1200), CompareAt: yen(1500), Available: true, Tracked: true, Inventory: 3, Image: -1},
			{ID: "s-200", Title: "二百グラム", Options: []string{"二百グラム"}, Price: yen(2200), Available: false, Tracked: true, Image: -1},
		},
		CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	}
	pot := &catalog.Product{
		Handle: "kyusu", Title: "常滑焼 急須", Vendor: "常滑窯",
		Images:   []catalog.Image{{Src: "images/kyusu.svg", Alt: "朱泥の急須", Width: 800, Height: 800}},
		Variants: []catalog.Variant{{ID: "default", Title: "Default Title", Price: yen(5800), Available: true, Image: -1}},
	}
	st.Products = []*catalog.Product{sencha, pot}
	st.Collections = []*catalog.Collection{{Handle: "cha", Title: "日本茶", Sort: catalog.SortManual, ProductHandles: []string{"sencha", "kyusu"}, DescriptionHTML: "<p>日本茶のすべて。</p>"}}
	st.Index()
	s := &Site{
		Store: st, BaseURL: "https://cha.test/s/cha/", BasePath: "/s/cha/",
		CSS: "/s/cha/assets/app.0000000000.css", HTMX: "/s/cha/assets/htmx.0000000000.js", SearchJS: "/s/cha/assets/search.0000000000.js", ProductJS: "/s/cha/assets/product.0000000000.js",
		Images: map[string]string{
			"images/logo.svg": "/s/cha/assets/logo.1111111111.svg", "images/sencha.svg": "/s/cha/assets/sencha.2222222222.svg",
			"images/kyusu.svg": "/s/cha/assets/kyusu.3333333333.svg",
		},
		Nav: []NavLink{{Title: "日本茶", Path: "/s/cha/collections/cha/", Handle: "cha"}},
	}
	return s, st
}

// englishWords are the words of the English messages, lowercased, but
// names ("WandStore", "JavaScript"), which Japanese writes the same.
func englishWords() map[string]bool {
	out := map[string]bool{}
	for _, w := range i18n.For("en").Words() {
		if !i18n.IsName(w) {
			out[strings.ToLower(w)] = true
		}
	}
	return out
}

var latinWord = regexp.MustCompile(`\p{Latin}{2,}`)

// shownText is what a shopper (or their screen reader, or a search
// engine's snippet) reads on a page: its text nodes outside scripts and
// styles (noscript's too), the values of the search page's messages, and
// the attributes that carry words.
func shownText(t *testing.T, d *goquery.Document) []string {
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			out = append(out, n.Data)
		case n.Type == html.ElementNode && n.Data == "script":
			if attrOf(n, "type") == "application/json" && n.FirstChild != nil {
				var v any
				if err := json.Unmarshal([]byte(n.FirstChild.Data), &v); err != nil {
					t.Errorf("messages block: %v", err)
				}
				out = append(out, jsonStrings(v)...)
			}
			return
		case n.Type == html.ElementNode && n.Data == "style":
			return
		case n.Type == html.ElementNode && n.Data == "noscript" && n.FirstChild != nil && n.FirstChild.Type == html.TextNode:
			// Parsed as if scripts ran: its markup is text. Read it as markup.
			inner, err := goquery.NewDocumentFromReader(strings.NewReader(n.FirstChild.Data))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, shownText(t, inner)...)
			return
		}
		if n.Type == html.ElementNode {
			for _, a := range []string{"aria-label", "placeholder", "alt", "title"} {
				if v := attrOf(n, a); v != "" {
					out = append(out, v)
				}
			}
			if n.Data == "meta" {
				switch attrOf(n, "name") + attrOf(n, "property") {
				case "description", "og:title", "og:description", "og:site_name":
					out = append(out, attrOf(n, "content"))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range d.Nodes {
		walk(n)
	}
	return out
}

func attrOf(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// jsonStrings are the string values in v (not its keys).
func jsonStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		var out []string
		for _, x := range v {
			out = append(out, jsonStrings(x)...)
		}
		return out
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, jsonStrings(x)...)
		}
		return out
	}
	return nil
}

// englishOn lists the English interface words a page shows.
func englishOn(t *testing.T, d *goquery.Document, english map[string]bool) []string {
	var found []string
	for _, text := range shownText(t, d) {
		for _, w := range latinWord.FindAllString(text, -1) {
			if english[strings.ToLower(w)] && !slices.Contains(found, w) {
				found = append(found, w)
			}
		}
	}
	return found
}

// TestGoldenJapanese renders every page and fragment of a Japanese store
// (golden files under testdata/golden/ja-*) and finds no English
// interface word on any of them.
func TestGoldenJapanese(t *testing.T) {
	s, st := jaFixture()
	p := st.Product("sencha")
	cards := []ProductCardView{NewCard(s, p), NewCard(s, st.Product("kyusu"))}
	cart := CartView{
		Count: 3, Subtotal: s.Money(yen(8200)), Token: "t",
		Lines: []CartLineView{
			{Product: "sencha", Variant: "s-100", Title: "宇治煎茶", VariantTitle: "百グラム", Path: s.ProductPath("sencha"), UnitPrice: s.Money(yen(1200)), LineTotal: s.Money(yen(2400)), Quantity: 2},
			{Product: "kyusu", Variant: "default", Title: "常滑焼 急須", VariantTitle: "Default Title", UnitPrice: s.Money(yen(5800)), LineTotal: s.Money(yen(5800)), Quantity: 1, Problem: s.T("cart.problem_gone")},
		},
		Message: s.T("cart.updated"),
	}
	prefs := PreferencesView{Name: "花子", Sort: "price-asc", Sorts: PreferenceSorts(s), Saved: true}
	title := s.T("cart.title")
	pages := map[string]templ.Component{
		"ja-home":       HomePage(s, NewHomeView(s, []CollectionTeaser{NewTeaser(s, st.Collection("cha")), NewTeaser(s, s.AllProducts())}, cards)),
		"ja-collection": CollectionPage(s, NewCollectionView(s, st.Collection("cha"), catalog.SortPriceAsc, 2, 3, 5, cards[:1])),
		"ja-product":    ProductPage(s, NewProductView(s, p, st.CollectionsOf(p))),
		"ja-search":     SearchPage(s, SimpleMeta(s, s.T("search.title"), "search/", false), s.Path("search.json"), cards),
		"ja-404":        NotFoundPage(s, SimpleMeta(s, s.T("notfound.title"), "", true)),
		"ja-cart":       IslandPage(s, SimpleMeta(s, title, "cart/", false), title, RouteCart, "cart-drawer", s.T("cart.open")),
		"ja-wishlist":   IslandPage(s, SimpleMeta(s, s.T("wishlist.title"), "wishlist/", false), s.T("wishlist.title"), RouteWishlist, "wishlist", s.T("wishlist.open")),
		"ja-fragments": templ.Join(
			CartBadgeLive(s, 3, "花子", ""), CartDrawer(s, cart), CartDrawer(s, CartView{}),
			ProductList(s, "recommendations", s.T("recommendations.for_you"), cards),
			WishlistButton(s, "sencha", true), WishlistButton(s, "sencha", false),
			WishlistList(s, cards), WishlistList(s, nil), PreferencesForm(s, prefs),
			BuyStatus(s.T("add.added", "2", "宇治煎茶"), false),
		),
		"ja-error-page": ErrorPage(s, SimpleMeta(s, s.T("add.failed"), "", true), s.T("add.failed"), BuyStatus(s.N("add.only_more", 2, "宇治煎茶"), true), NavLink{Title: s.T("error.back"), Path: s.Path("")}),
	}
	english := englishWords()
	for name, c := range pages {
		d := golden(t, name, c)
		if found := englishOn(t, d, english); len(found) > 0 {
			t.Errorf("%s shows English interface words: %v", name, found)
		}
		if lang, ok := d.Find("html").Attr("lang"); name != "ja-fragments" && (!ok || lang != "ja-JP") {
			t.Errorf("%s: lang = %q", name, lang)
		}
	}
}

// TestEnglishWordsAreFound: the check above finds an English page's
// words (it would pass on anything if the word list or the text were
// empty).
func TestEnglishWordsAreFound(t *testing.T) {
	s, _ := fixture()
	d := golden(t, "404", NotFoundPage(s, SimpleMeta(s, "Page not found", "", true)))
	found := englishOn(t, d, englishWords())
	for _, w := range []string{"Skip", "Search", "Cart", "Page"} {
		if !slices.Contains(found, w) {
			t.Errorf("%q not found on the English 404 (found %v)", w, found)
		}
	}
}

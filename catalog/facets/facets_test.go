package facets

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

func usd(s string) catalog.Money {
	m, err := catalog.ParseMoney(s, "USD")
	if err != nil {
		panic(err)
	}
	return m
}

// wand is a product with a Wood option; variants are (wood, price, available).
func wand(handle, title, vendor, typ string, created int, vs ...any) *catalog.Product {
	p := &catalog.Product{Handle: handle, Title: title, Vendor: vendor, Type: typ,
		CreatedAt: time.Date(2020, 1, created, 0, 0, 0, 0, time.UTC)}
	var woods []string
	for i := 0; i < len(vs); i += 3 {
		w := vs[i].(string)
		woods = append(woods, w)
		p.Variants = append(p.Variants, catalog.Variant{ID: w, Options: []string{w}, Price: usd(vs[i+1].(string)), Available: vs[i+2].(bool)})
	}
	p.Options = []catalog.Option{{Name: "Wood", Values: woods}}
	return p
}

func testIndex() *Index {
	return New([]*catalog.Product{
		wand("elder", "Elder Wand", "Ollivanders", "Wand", 1, "Elder", "129.00", true, "Holly", "99.00", false),
		wand("holly", "Holly Wand", "Ollivanders", "Wand", 2, "Holly", "49.00", true),
		wand("yew", "Yew Wand", "Gregorovitch", "Wand", 3, "Yew", "79.00", false),
		wand("broom", "Broom", "Quality Quidditch", "Broom", 4, "Oak", "299.00", true),
		wand("cheap", "Cheap Wand", "gregorovitch", "wand", 5, "Elder", "9.50", true, "Yew", "300.00", true),
	}, catalog.SortManual, "USD")
}

func handles(ps []*catalog.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Handle
	}
	return out
}

func parse(t *testing.T, x *Index, raw string) (Query, []Issue) {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return x.Parse(v)
}

func TestApplyCombinesFiltersSortAndPage(t *testing.T) {
	x := testIndex()
	for _, tc := range []struct {
		query string
		per   int
		want  []string
		total int
	}{
		{"", 10, []string{"elder", "holly", "yew", "broom", "cheap"}, 5},
		{"filter.p.vendor=Ollivanders", 10, []string{"elder", "holly"}, 2},
		// Case and space do not matter; values of one facet are alternatives.
		{"filter.p.vendor=+GREGOROVITCH&filter.p.vendor=Quality+Quidditch", 10, []string{"yew", "broom", "cheap"}, 3},
		{"filter.p.product_type=Wand&filter.v.option.wood=Holly", 10, []string{"elder", "holly"}, 2},
		// In stock: the Elder wand's Holly variant is sold out.
		{"filter.v.option.wood=Holly&filter.v.availability=1", 10, []string{"holly"}, 1},
		{"filter.v.availability=1&sort_by=price-ascending", 10, []string{"cheap", "holly", "elder", "broom"}, 4},
		// A variant within the range is enough (cheap: 9.50 and 300).
		{"filter.v.price.gte=100&filter.v.price.lte=200", 10, []string{"elder"}, 1},
		{"filter.v.price.gte=250&sort_by=title-descending", 10, []string{"cheap", "broom"}, 2},
		{"filter.v.price.lte=80&sort_by=created-descending&page=2", 2, []string{"holly"}, 3},
		{"sort_by=title-ascending&page=2", 2, []string{"elder", "holly"}, 5},
	} {
		q, issues := parse(t, x, tc.query)
		r := x.Apply(q, tc.per)
		if got := handles(r.Products); !slices.Equal(got, tc.want) || r.Total != tc.total || len(issues) != 0 {
			t.Errorf("%q: got %v (total %d, issues %v), want %v (total %d)", tc.query, got, r.Total, issues, tc.want, tc.total)
		}
	}
}

// The unfiltered listing in each order is the pre-rendered pages' order.
func TestApplySortsAsThePages(t *testing.T) {
	x := testIndex()
	for _, o := range catalog.SortOrders {
		r := x.Apply(Query{Sort: o}, 100)
		if want := handles(catalog.SortProducts(x.products, o)); !slices.Equal(handles(r.Products), want) {
			t.Errorf("%s: %v, want %v", o, handles(r.Products), want)
		}
	}
}

func TestApplyCounts(t *testing.T) {
	x := testIndex()
	q, _ := parse(t, x, "filter.p.vendor=Ollivanders&filter.v.availability=1")
	r := x.Apply(q, 10)
	counts := map[string]map[string]int{}
	for _, g := range r.Groups {
		counts[g.Param] = map[string]int{}
		for _, v := range g.Values {
			counts[g.Param][v.Label] = v.Count
			if v.Selected != (g.Param == ParamVendor && v.Label == "Ollivanders") {
				t.Errorf("%s=%s selected %v", g.Param, v.Label, v.Selected)
			}
		}
	}
	// A vendor's count ignores the vendor choice but keeps "in stock".
	if got := counts[ParamVendor]; got["Ollivanders"] != 2 || got["Gregorovitch"] != 1 || got["Quality Quidditch"] != 1 {
		t.Errorf("vendor counts %v", got)
	}
	// Wood counts keep the vendor and "in stock": Elder and Holly, each once.
	if got := counts[ParamOption+"wood"]; got["Elder"] != 1 || got["Holly"] != 1 || got["Yew"] != 0 || got["Oak"] != 0 {
		t.Errorf("wood counts %v", got)
	}
	if r.InStock != 2 || r.Lo != 950 || r.Hi != 30000 {
		t.Errorf("in stock %d, price range %d..%d", r.InStock, r.Lo, r.Hi)
	}
	if len(r.Groups) != 3 || r.Groups[0].Name != "Wood" {
		t.Errorf("groups %+v", r.Groups)
	}
}

func TestParseBadInput(t *testing.T) {
	x := testIndex()
	for _, tc := range []struct {
		query  string
		issues []IssueCode
		want   string // the canonical query
	}{
		{"filter.v.price.gte=abc&filter.v.price.lte=50", []IssueCode{PriceNotNumber}, "filter.v.price.lte=50.00"},
		{"filter.v.price.gte=-5", []IssueCode{PriceNegative}, ""},
		{"filter.v.price.gte=80&filter.v.price.lte=20", []IssueCode{PriceSwapped}, "filter.v.price.gte=20.00&filter.v.price.lte=80.00"},
		{"filter.v.price.gte=12,5&filter.v.price.lte=0.999", []IssueCode{PriceSwapped}, "filter.v.price.gte=1.00&filter.v.price.lte=12.50"},
		{"filter.v.price.gte=" + string(make([]byte, 40)), []IssueCode{PriceNotNumber}, ""},
		// Unknown parameters and values, empty values: ignored.
		{"utm_source=x&filter.p.colour=red&filter.p.vendor=Nobody&filter.v.option.size=M&filter.v.price.lte=", nil, ""},
		// Repeated values: once; repeated single values: the first.
		{"filter.p.vendor=Ollivanders&filter.p.vendor=ollivanders&page=2&page=3&sort_by=&sort_by=price-descending&filter.v.availability=1&filter.v.availability=0",
			nil, "filter.p.vendor=Ollivanders&filter.v.availability=1&page=2&sort_by=price-descending"},
		{"page=-3&page=x&sort_by=best-selling", nil, ""},
		{"page=99999999999999999999", nil, "page=1048576"},
	} {
		q, issues := parse(t, x, tc.query)
		var codes []IssueCode
		for _, is := range issues {
			codes = append(codes, is.Code)
		}
		if got := q.Encode("USD"); got != tc.want || !slices.Equal(codes, tc.issues) {
			t.Errorf("%q: got %q %v, want %q %v", tc.query, got, codes, tc.want, tc.issues)
		}
	}
}

// Equal meanings encode alike, whatever the parameters' order.
func TestEncodeIsCanonical(t *testing.T) {
	x := testIndex()
	a, _ := parse(t, x, "filter.v.option.wood=yew&filter.v.option.wood=Elder&filter.p.vendor=Ollivanders&zzz=1")
	b, _ := parse(t, x, "filter.p.vendor=OLLIVANDERS&filter.v.option.wood=Elder&filter.v.option.wood=Yew")
	if a.Encode("USD") != b.Encode("USD") || a.Encode("USD") != "filter.p.vendor=Ollivanders&filter.v.option.wood=Elder&filter.v.option.wood=Yew" {
		t.Errorf("%q != %q", a.Encode("USD"), b.Encode("USD"))
	}
	if w := a.Without(ParamOption+"wood", "Elder").Encode("USD"); w != "filter.p.vendor=Ollivanders&filter.v.option.wood=Yew" {
		t.Errorf("without: %q", w)
	}
}

func TestApplyPageBeyondTheLast(t *testing.T) {
	x := testIndex()
	q, _ := parse(t, x, "page=9")
	r := x.Apply(q, 2)
	if r.Page != 3 || r.Pages != 3 || handles(r.Products)[0] != "cheap" || len(r.Issues) != 1 || r.Issues[0].Code != PageBeyond {
		t.Errorf("page %d of %d: %v %v", r.Page, r.Pages, handles(r.Products), r.Issues)
	}
	// Nothing matches: one empty page, no issue.
	q, _ = parse(t, x, "filter.v.price.gte=1000&page=2")
	if r := x.Apply(q, 2); r.Total != 0 || r.Pages != 1 || r.Page != 1 || len(r.Products) != 0 {
		t.Errorf("empty: %+v", r)
	}
}

func TestFacetValuesAreBounded(t *testing.T) {
	var ps []*catalog.Product
	for i := range MaxValues + 20 {
		ps = append(ps, wand(fmt.Sprint("p", i), "P", fmt.Sprint("vendor ", i), "", 1, "Oak", "1.00", true))
	}
	x := New(ps, catalog.SortManual, "USD")
	r := x.Apply(Query{}, 10)
	if g := r.Groups[1]; g.Param != ParamVendor || len(g.Values) != MaxValues {
		t.Errorf("%s has %d values", g.Param, len(g.Values))
	}
	// A vendor past the bound cannot be chosen: the filter is ignored.
	q, _ := parse(t, x, "filter.p.vendor=vendor+110")
	if q.Filtered() {
		t.Errorf("%+v", q)
	}
}

// Values are what an index offers, without counts.
func TestValues(t *testing.T) {
	x := testIndex()
	want := x.Apply(Query{}, 1).Values()
	got := Values(x.products)
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got.Groups) != 3 || len(got.Groups[0].Values) != 4 {
		t.Errorf("Values %+v\nwant %+v", got, want)
	}
}

// BenchmarkValues10k is what a build pays per collection of 10,000
// products for its pages' filter form.
func BenchmarkValues10k(b *testing.B) {
	ps := bigProducts(10000)
	b.ReportAllocs()
	for b.Loop() {
		Values(ps)
	}
}

// BenchmarkApply10k filters a 10,000-product collection by a vendor, an
// option value, a price range and availability, sorted by price, page 3,
// facet counts included.
func BenchmarkApply10k(b *testing.B) {
	x := bigIndex(10000)
	q, _ := x.Parse(url.Values{
		ParamVendor:          {"Vendor 3", "Vendor 7"},
		ParamOption + "size": {"M", "L"},
		ParamPriceMin:        {"20"},
		ParamPriceMax:        {"200"},
		ParamAvailability:    {"1"},
		ParamSort:            {"price-ascending"},
		ParamPage:            {"3"},
	})
	x.Apply(q, 24) // the sort's permutation is computed once per index
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r := x.Apply(q, 24); r.Total == 0 {
			b.Fatal("nothing matched")
		}
	}
}

// BenchmarkNew10k builds the index of a 10,000-product collection (once
// per catalog version), with one sort order's permutation.
func BenchmarkNew10k(b *testing.B) {
	ps := bigProducts(10000)
	b.ReportAllocs()
	for b.Loop() {
		New(ps, catalog.SortManual, "USD").perm(catalog.SortPriceAsc)
	}
}

func bigIndex(n int) *Index { return New(bigProducts(n), catalog.SortManual, "USD") }

// bigProducts makes n products of 20 vendors, 12 types, two options
// (Size: 4 values, Colour: 10), 4 variants each, a spread of prices and
// some sold out.
func bigProducts(n int) []*catalog.Product {
	sizes := []string{"S", "M", "L", "XL"}
	ps := make([]*catalog.Product, n)
	for i := range ps {
		p := &catalog.Product{Handle: fmt.Sprint("p-", i), Title: fmt.Sprint("Product ", (i*7919)%n),
			Vendor: fmt.Sprint("Vendor ", i%20), Type: fmt.Sprint("Type ", i%12),
			CreatedAt: time.Unix(int64(i*3600), 0),
			Options:   []catalog.Option{{Name: "Size", Values: sizes}, {Name: "Colour"}}}
		colour := fmt.Sprint("Colour ", i%10)
		for j, sz := range sizes {
			p.Variants = append(p.Variants, catalog.Variant{ID: sz, Options: []string{sz, colour},
				Price: catalog.Money{Amount: int64(500 + (i*37+j*250)%30000), Currency: "USD"}, Available: (i+j)%5 != 0})
		}
		ps[i] = p
	}
	return ps
}

func TestOffers(t *testing.T) {
	a := wand("elder", "Elder Wand", "Ollivanders", "Wand", 1, "Elder", "129.00", true, "Holly", "99.00", false)
	b := wand("elder", "The Elder Wand", "Ollivanders", "Wand", 1, "Elder", "10.00", false, "Holly", "9.00", true)
	c := wand("elder", "Elder Wand", "Gregorovitch", "Wand", 1, "Elder", "129.00", true, "Holly", "99.00", false)
	if !slices.Equal(Offers(a), Offers(b)) || slices.Equal(Offers(a), Offers(c)) {
		t.Errorf("%q %q %q", Offers(a), Offers(b), Offers(c))
	}
}

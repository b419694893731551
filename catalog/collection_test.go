package catalog

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func usd(a int64) Money { return Money{Amount: a, Currency: "USD"} }

// ruleProducts are the products the rule tests match against.
func ruleProducts() []*Product {
	return []*Product{
		{Handle: "elder-wand", Title: "Elder Wand", Vendor: "Ollivanders", Type: "Wand", Tags: []string{"Elder", "legendary"},
			Variants: []Variant{
				{Price: usd(12900), CompareAt: usd(14900), Tracked: true, Inventory: 3, Available: true},
				{Price: usd(9900), Tracked: true, Inventory: 0},
			}},
		{Handle: "holly-wand", Title: "Holly Wand", Vendor: "Ollivanders", Type: "Wand", Tags: []string{"holly"},
			Variants: []Variant{{Price: usd(5000), Available: true}}},
		{Handle: "cloak", Title: "Invisibility Cloak", Vendor: "Peverell", Type: "Cloak",
			Variants: []Variant{{Price: usd(50000), CompareAt: usd(40000), Tracked: true, Inventory: 12, Available: true}}},
	}
}

func matching(ps []*Product, match func(*Product) bool) string {
	var out []*Product
	for _, p := range ps {
		if match(p) {
			out = append(out, p)
		}
	}
	return handles(out)
}

func TestConditionMatch(t *testing.T) {
	tests := []struct {
		field, relation, value string
		want                   string // handles of the matching products
	}{
		// A tag condition holds when any tag does; text ignores case.
		{"tag", "equals", "elder", "elder-wand"},
		{"tag", "equals", "eld", ""},
		{"tag", "contains", "LEG", "elder-wand"},
		{"tag", "starts_with", "hol", "holly-wand"},
		{"tag", "ends_with", "ary", "elder-wand"},
		// Negative tag relations hold when no tag matches: elder-wand has a
		// tag other than "elder", but is still excluded.
		{"tag", "not_equals", "elder", "holly-wand cloak"},
		{"tag", "not_contains", "l", "cloak"},
		{"tag", "not_equals", "nothing", "elder-wand holly-wand cloak"},
		{"title", "equals", "holly wand", "holly-wand"},
		{"title", "not_equals", "Holly Wand", "elder-wand cloak"},
		{"title", "contains", "WAND", "elder-wand holly-wand"},
		{"title", "not_contains", "wand", "cloak"},
		{"title", "starts_with", "invis", "cloak"},
		{"title", "ends_with", "Cloak", "cloak"},
		{"type", "equals", "wand", "elder-wand holly-wand"},
		{"type", "not_equals", "wand", "cloak"},
		{"vendor", "equals", "peverell", "cloak"},
		{"vendor", "starts_with", "Olli", "elder-wand holly-wand"},
		// Prices are in the major unit and compared in minor units; a
		// variant field holds when any variant does.
		{"price", "equals", "99", "elder-wand"},
		{"price", "equals", "99.00", "elder-wand"},
		{"price", "equals", "129.00", "elder-wand"},
		{"price", "greater_than", "500", ""},
		{"price", "greater_than", "499.99", "cloak"},
		{"price", "greater_than", "128.99", "elder-wand cloak"},
		{"price", "less_than", "50", ""},
		{"price", "less_than", "50.01", "holly-wand"},
		{"price", "less_than", "1", ""},
		{"price", "not_equals", "129", "elder-wand holly-wand cloak"},
		{"price", "equals", "abc", ""},
		{"price", "equals", "99.001", ""},
		{"compare_at_price", "greater_than", "0", "elder-wand cloak"},
		{"compare_at_price", "equals", "149", "elder-wand"},
		{"compare_at_price", "less_than", "1", "elder-wand holly-wand"},
		{"inventory", "greater_than", "10", "cloak"},
		{"inventory", "greater_than", "2", "elder-wand cloak"},
		{"inventory", "equals", "3", "elder-wand"},
		{"inventory", "equals", "x", ""},
		// Unknown fields and relations, and relations of the wrong kind,
		// match nothing (Validate reports them).
		{"colour", "equals", "red", ""},
		{"title", "is", "Holly Wand", ""},
		{"title", "greater_than", "a", ""},
		{"price", "contains", "1", ""},
	}
	ps := ruleProducts()
	for _, tt := range tests {
		c := Condition{Field: tt.field, Relation: tt.relation, Value: tt.value}
		if got := matching(ps, c.Match); got != tt.want {
			t.Errorf("%s %s %q matches [%s], want [%s]", tt.field, tt.relation, tt.value, got, tt.want)
		}
	}
}

func TestRulesMatch(t *testing.T) {
	ps := ruleProducts()
	wand := Condition{Field: "type", Relation: "equals", Value: "wand"}
	cheap := Condition{Field: "price", Relation: "less_than", Value: "100"}
	peverell := Condition{Field: "vendor", Relation: "equals", Value: "Peverell"}
	holly := Condition{Field: "tag", Relation: "equals", Value: "holly"}
	tests := []struct {
		name  string
		rules Rules
		want  string
	}{
		{"all", Rules{Conditions: []Condition{wand, cheap}}, "elder-wand holly-wand"},
		{"all narrows", Rules{Conditions: []Condition{wand, cheap, holly}}, "holly-wand"},
		{"all, none", Rules{Conditions: []Condition{wand, peverell}}, ""},
		{"any", Rules{MatchAny: true, Conditions: []Condition{peverell, holly}}, "holly-wand cloak"},
		{"any, none", Rules{MatchAny: true, Conditions: []Condition{{Field: "tag", Relation: "equals", Value: "x"}}}, ""},
		{"no conditions", Rules{}, ""},
		{"no conditions, any", Rules{MatchAny: true}, ""},
	}
	for _, tt := range tests {
		if got := matching(ps, tt.rules.Match); got != tt.want {
			t.Errorf("%s: matches [%s], want [%s]", tt.name, got, tt.want)
		}
	}
}

func indexStore() *Store {
	ps := ruleProducts()
	ps = append(ps, &Product{Handle: "secret-wand", Title: "Secret Wand", Type: "Wand", Status: StatusDraft,
		Variants: []Variant{{Price: usd(100), Available: true}}})
	return &Store{
		Handle: "s", Currency: "USD", Products: ps,
		Collections: []*Collection{
			{Handle: "picked", Sort: SortManual, ProductHandles: []string{"holly-wand", "unknown", "secret-wand", "elder-wand", "holly-wand"}},
			{Handle: "wands", Sort: SortPriceAsc, Rules: &Rules{Conditions: []Condition{{Field: "type", Relation: "equals", Value: "wand"}}}},
			{Handle: "empty", Sort: SortManual},
			{Handle: "cloaks", Sort: SortManual, Rules: &Rules{Conditions: []Condition{{Field: "type", Relation: "equals", Value: "cloak"}}}},
		},
	}
}

func TestIndex(t *testing.T) {
	s := indexStore()
	// Lookups index the store on first use.
	if p := s.Product("secret-wand"); p == nil || p.Title != "Secret Wand" {
		t.Errorf("Product(secret-wand) = %v; drafts are still found", p)
	}
	if s.Product("nope") != nil || s.Collection("nope") != nil {
		t.Error("unknown handles should give nil")
	}
	for handle, want := range map[string]string{
		// unknown and draft members skipped, duplicates once, picked order kept
		"picked": "holly-wand elder-wand",
		// rules: source order, drafts excluded although they match
		"wands":  "elder-wand holly-wand",
		"empty":  "",
		"cloaks": "cloak",
	} {
		c := s.Collection(handle)
		if c == nil {
			t.Fatalf("Collection(%s) = nil", handle)
		}
		if got := handles(c.Products()); got != want {
			t.Errorf("%s.Products() = [%s], want [%s]", handle, got, want)
		}
	}
	collections := func(p *Product) string {
		var hs []string
		for _, c := range s.CollectionsOf(p) {
			hs = append(hs, c.Handle)
		}
		return strings.Join(hs, " ")
	}
	if got := collections(s.Product("elder-wand")); got != "picked wands" {
		t.Errorf("CollectionsOf(elder-wand) = [%s]", got)
	}
	if got := collections(s.Product("cloak")); got != "cloaks" {
		t.Errorf("CollectionsOf(cloak) = [%s]", got)
	}
	if got := collections(s.Product("secret-wand")); got != "" {
		t.Errorf("CollectionsOf(secret-wand) = [%s], want none: drafts are in no collection", got)
	}
	if got := handles(s.PublishedProducts()); got != "elder-wand holly-wand cloak" {
		t.Errorf("PublishedProducts() = [%s]", got)
	}
}

// Index may run again after the catalog changes; slices handed out before
// must not change under their holder.
func TestIndexAgain(t *testing.T) {
	s := indexStore()
	s.Index()
	before := s.Collection("picked").Products()
	s.Collection("picked").ProductHandles = []string{"cloak"}
	s.Products[3].Status = StatusActive // publish secret-wand
	s.Index()
	if got := handles(before); got != "holly-wand elder-wand" {
		t.Errorf("a slice from before Index changed to [%s]", got)
	}
	if got := handles(s.Collection("picked").Products()); got != "cloak" {
		t.Errorf("picked after Index = [%s], want [cloak]", got)
	}
	if got := handles(s.Collection("wands").Products()); got != "elder-wand holly-wand secret-wand" {
		t.Errorf("wands after Index = [%s]", got)
	}
	if got := len(s.CollectionsOf(s.Product("holly-wand"))); got != 1 {
		t.Errorf("holly-wand is in %d collections after Index, want 1 (wands)", got)
	}
}

// Duplicate handles resolve to the first (Validate reports the second).
func TestIndexDuplicateHandles(t *testing.T) {
	first := &Product{Handle: "a", Title: "first"}
	s := &Store{Products: []*Product{first, {Handle: "a", Title: "second"}},
		Collections: []*Collection{{Handle: "c", Title: "first"}, {Handle: "c", Title: "second"}}}
	if s.Product("a") != first {
		t.Error("Product(a) is not the first product")
	}
	if c := s.Collection("c"); c.Title != "first" {
		t.Errorf("Collection(c) = %q", c.Title)
	}
}

func TestProductsPerPage(t *testing.T) {
	if got := (&Store{}).ProductsPerPage(); got != 24 {
		t.Errorf("default = %d, want 24", got)
	}
	if got := (&Store{Settings: Settings{ProductsPerPage: 7}}).ProductsPerPage(); got != 7 {
		t.Errorf("set = %d, want 7", got)
	}
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// sortProducts: handles a..e with prices, titles and dates chosen so that
// every order has ties that must keep the input order.
func sortProducts() []*Product {
	one := func(price int64) []Variant { return []Variant{{Price: usd(price), Available: true}} }
	return []*Product{
		{Handle: "a", Title: "banana", Variants: one(1000), CreatedAt: date("2026-01-02")},
		{Handle: "b", Title: "Apple", Variants: one(2000), CreatedAt: date("2026-01-03")},
		{Handle: "c", Title: "cherry", Variants: one(1000)}, // no date
		// The sold-out variant is cheaper, but the price shown (and sorted
		// by) is the cheapest available one.
		{Handle: "d", Title: "apple", CreatedAt: date("2025-12-31"),
			Variants: []Variant{{Price: usd(500)}, {Price: usd(3000), Available: true}}},
		{Handle: "e", Title: "Date", Variants: one(2000), CreatedAt: date("2026-01-03")},
	}
}

func TestSortProducts(t *testing.T) {
	tests := []struct {
		order SortOrder
		want  string
	}{
		{SortManual, "a b c d e"},
		{SortPriceAsc, "a c b e d"},
		{SortPriceDesc, "d b e a c"},
		{SortTitleAsc, "b d a c e"},
		{SortTitleDesc, "e c a b d"},
		{SortNewest, "b e a d c"},
		{"best-selling", "a b c d e"},
	}
	for _, tt := range tests {
		in := sortProducts()
		orig := slices.Clone(in)
		got := SortProducts(in, tt.order)
		if h := handles(got); h != tt.want {
			t.Errorf("SortProducts(%s) = [%s], want [%s]", tt.order, h, tt.want)
		}
		if !slices.Equal(in, orig) {
			t.Errorf("SortProducts(%s) changed its input", tt.order)
		}
	}
	if got := SortProducts(nil, SortPriceAsc); len(got) != 0 {
		t.Errorf("SortProducts(nil) = %v", got)
	}
}

func TestCollectionSorted(t *testing.T) {
	ps := sortProducts()
	s := &Store{Products: ps, Collections: []*Collection{
		{Handle: "c", Sort: SortPriceDesc, ProductHandles: []string{"e", "d", "c", "b", "a"}},
		{Handle: "m", Sort: SortManual, ProductHandles: []string{"e", "d", "c", "b", "a"}},
	}}
	s.Index()
	c, m := s.Collection("c"), s.Collection("m")
	if got := handles(c.Sorted(SortManual)); got != "d e b c a" {
		t.Errorf("Sorted(manual) with default price-desc = [%s]", got)
	}
	// Ties (Apple, apple) keep the collection's order.
	if got := handles(c.Sorted(SortTitleAsc)); got != "d b a c e" {
		t.Errorf("Sorted(title-asc) = [%s]", got)
	}
	if got := handles(m.Sorted(SortManual)); got != "e d c b a" {
		t.Errorf("manual collection Sorted(manual) = [%s]", got)
	}
}

func TestSortOrder(t *testing.T) {
	labels := map[SortOrder]string{
		SortManual: "Featured", SortPriceAsc: "Price, low to high", SortPriceDesc: "Price, high to low",
		SortTitleAsc: "Alphabetically, A-Z", SortTitleDesc: "Alphabetically, Z-A", SortNewest: "Newest",
	}
	for o, want := range labels {
		if got := o.Label(); got != want {
			t.Errorf("%s.Label() = %q, want %q", o, got, want)
		}
		if !o.Valid() {
			t.Errorf("%s.Valid() = false", o)
		}
	}
	if len(SortOrders) != len(labels) {
		t.Errorf("SortOrders has %d orders, want %d", len(SortOrders), len(labels))
	}
	for _, o := range []SortOrder{"", "best-selling", "Price-Asc"} {
		if o.Valid() {
			t.Errorf("%q.Valid() = true", o)
		}
	}
}

func TestProductPrices(t *testing.T) {
	v := func(price int64, available bool) Variant { return Variant{Price: usd(price), Available: available} }
	tests := []struct {
		name     string
		variants []Variant
		min      Money
		varies   bool
	}{
		{"available preferred", []Variant{v(1000, false), v(3000, true), v(2000, true)}, usd(2000), true},
		{"none available", []Variant{v(3000, false), v(1000, false)}, usd(1000), true},
		{"one", []Variant{v(500, true)}, usd(500), false},
		{"same prices", []Variant{v(500, true), v(500, false)}, usd(500), false},
		{"free", []Variant{v(0, true), v(100, true)}, usd(0), true},
		{"no variants", nil, Money{}, false},
	}
	for _, tt := range tests {
		p := &Product{Variants: tt.variants}
		if got := p.MinPrice(); got != tt.min {
			t.Errorf("%s: MinPrice() = %v, want %v", tt.name, got, tt.min)
		}
		if got := p.PriceVaries(); got != tt.varies {
			t.Errorf("%s: PriceVaries() = %v, want %v", tt.name, got, tt.varies)
		}
	}
}

func TestDefaultVariant(t *testing.T) {
	p := &Product{Variants: []Variant{{ID: "a"}, {ID: "b", Available: true}, {ID: "c", Available: true}}}
	if got := p.DefaultVariant(); got != &p.Variants[1] {
		t.Errorf("DefaultVariant() = %v, want the first available (b)", got)
	}
	if !p.Available() {
		t.Error("Available() = false")
	}
	p.Variants[1].Available, p.Variants[2].Available = false, false
	if got := p.DefaultVariant(); got != &p.Variants[0] {
		t.Errorf("DefaultVariant() = %v, want the first (a) when none is available", got)
	}
	if p.Available() {
		t.Error("Available() = true with every variant sold out")
	}
	if got := (&Product{}).DefaultVariant(); got != nil {
		t.Errorf("DefaultVariant() of no variants = %v", got)
	}
	if got := p.Variant("c"); got != &p.Variants[2] {
		t.Errorf("Variant(c) = %v", got)
	}
	if got := p.Variant("z"); got != nil {
		t.Errorf("Variant(z) = %v", got)
	}
}

func TestOnSale(t *testing.T) {
	tests := []struct {
		price, compareAt int64
		want             bool
	}{
		{1000, 1500, true},
		{1000, 1001, true},
		{1000, 1000, false},
		{1000, 900, false},
		{1000, 0, false},
		{0, 100, true},
	}
	for _, tt := range tests {
		v := Variant{Price: usd(tt.price), CompareAt: usd(tt.compareAt)}
		if got := v.OnSale(); got != tt.want {
			t.Errorf("Variant{%d, compare %d}.OnSale() = %v", tt.price, tt.compareAt, got)
		}
		p := &Product{Variants: []Variant{{Price: usd(1), CompareAt: usd(0)}, v}}
		if got := p.OnSale(); got != tt.want {
			t.Errorf("Product with %d/%d OnSale() = %v", tt.price, tt.compareAt, got)
		}
	}
}

func TestProductHelpers(t *testing.T) {
	p := &Product{Title: "Elder Wand", Images: []Image{{Src: "a.svg"}, {Src: "b.svg"}}}
	if got := p.MainImage().Src; got != "a.svg" {
		t.Errorf("MainImage() = %q", got)
	}
	if got := (&Product{}).MainImage(); got != (Image{}) {
		t.Errorf("MainImage() of no images = %v", got)
	}
	if got := p.SEOTitle(); got != "Elder Wand" {
		t.Errorf("SEOTitle() = %q", got)
	}
	p.SEO.Title = "The Elder Wand | Wands"
	if got := p.SEOTitle(); got != "The Elder Wand | Wands" {
		t.Errorf("SEOTitle() = %q", got)
	}
	for status, want := range map[Status]bool{"": true, StatusActive: true, StatusDraft: false, StatusArchived: false, "bogus": false} {
		if got := (&Product{Status: status}).Published(); got != want {
			t.Errorf("Published() with status %q = %v", status, got)
		}
	}
	if got := VariantTitle([]string{"Elder", "11 in"}); got != "Elder / 11 in" {
		t.Errorf("VariantTitle = %q", got)
	}
	if got := VariantTitle(nil); got != "Default Title" {
		t.Errorf("VariantTitle(nil) = %q", got)
	}
}

func TestAllProducts(t *testing.T) {
	s := indexStore()
	all := s.AllProducts("all", "All products")
	if all.Handle != "all" || all.Title != "All products" || all.Sort != SortManual {
		t.Errorf("AllProducts = %+v", all)
	}
	if got := handles(all.Products()); got != "elder-wand holly-wand cloak" {
		t.Errorf("AllProducts().Products() = [%s], want the published products in source order", got)
	}
	if got := handles(all.Sorted(SortPriceAsc)); got != "holly-wand elder-wand cloak" {
		t.Errorf("AllProducts().Sorted(price-asc) = [%s]", got)
	}
	if s.Collection("all") != nil || len(s.CollectionsOf(s.Product("cloak"))) != 1 {
		t.Error("AllProducts changed the store's collections")
	}
}

// equals compares as lower case, whether or not the strings are ASCII.
func TestMatchTextEquals(t *testing.T) {
	for _, c := range []struct {
		have, want string
		eq         bool
	}{
		{"Wand", "wand", true}, {"WAND", "wanD", true}, {"wand", "wands", false}, {"tag-3", "tag-3", true},
		{"Éclair", "éclair", true}, {"Straße", "STRASSE", false}, {"@[`{", "@[`{", true}, {"@", "`", false},
		{"", "", true}, {"a", "", false},
	} {
		lowerEqual := strings.ToLower(c.have) == strings.ToLower(c.want) //lint:ignore SA6005 the reference is lower-casing, not folding
		if got := matchText(c.have, "equals", c.want); got != c.eq || got != lowerEqual {
			t.Errorf("matchText(%q, equals, %q) = %v, want %v", c.have, c.want, got, c.eq)
		}
		if got := matchText(c.have, "not_equals", c.want); got == c.eq {
			t.Errorf("matchText(%q, not_equals, %q) = %v", c.have, c.want, got)
		}
	}
}

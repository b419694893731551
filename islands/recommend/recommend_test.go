package recommend

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

func product(handle, title, typ, vendor string, tags ...string) *catalog.Product {
	return &catalog.Product{
		Handle: handle, Title: title, Type: typ, Vendor: vendor, Tags: tags,
		Variants: []catalog.Variant{{ID: handle + "-v", Title: "Default Title", Price: catalog.Money{Amount: 1000, Currency: "USD"}, Available: true, Image: -1}},
	}
}

// shop is a small store: four wands (two pairs that share a tag and a
// vendor), three apparel items, a broom on its own, and two products that
// must never be recommended (a draft and a sold-out wand).
func shop() *catalog.Store {
	draft := product("draft", "Draft Wand", "Wand", "Ollivanders", "oak")
	draft.Status = catalog.StatusDraft
	soldout := product("soldout", "Sold-out Wand", "Wand", "Ollivanders", "oak")
	soldout.Variants[0].Available = false
	st := &catalog.Store{
		Handle: "wands", Name: "Wands", Currency: "USD",
		Products: []*catalog.Product{
			product("wand-a", "Oak Wand A", "Wand", "Ollivanders", "oak"),
			product("wand-b", "Oak Wand B", "Wand", "Ollivanders", "Oak"), // tags match without case
			product("wand-c", "Yew Wand C", "Wand", "Gregorovitch", "yew"),
			product("wand-d", "Yew Wand D", "Wand", "Gregorovitch", "yew"),
			product("cloak", "Travel Cloak", "Apparel", "Malkin", "travel"),
			product("hat", "Travel Hat", "Apparel", "Malkin", "travel"),
			product("boots", "Winter Boots", "Apparel", "Malkin", "winter"),
			product("broom", "Nimbus Broom", "Broom", "Nimbus"),
			draft, soldout,
		},
		Collections: []*catalog.Collection{
			{Handle: "wands", Title: "Wands", ProductHandles: []string{"wand-a", "wand-b", "wand-c", "wand-d", "draft", "soldout"}},
			{Handle: "apparel", Title: "Apparel", ProductHandles: []string{"cloak", "hat", "boots"}},
			{Handle: "brooms", Title: "Brooms", ProductHandles: []string{"broom"}},
		},
	}
	st.Index()
	return st
}

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func state(opts ...func(*shopper.State)) *shopper.State {
	s := &shopper.State{Store: "wands"}
	for _, o := range opts {
		o(s)
	}
	return s
}

func viewed(handles ...string) func(*shopper.State) { // newest first
	return func(s *shopper.State) {
		for i, h := range handles {
			s.Viewed = append(s.Viewed, shopper.View{Product: h, At: t0.Add(-time.Duration(i) * time.Minute)})
		}
	}
}

func carted(handles ...string) func(*shopper.State) {
	return func(s *shopper.State) {
		for _, h := range handles {
			s.Cart = append(s.Cart, shopper.CartLine{Product: h, Variant: "other-variant", Quantity: 1})
		}
	}
}

func wishes(handles ...string) func(*shopper.State) {
	return func(s *shopper.State) {
		for _, h := range handles {
			s.Wishes = append(s.Wishes, shopper.WishItem{Product: h})
		}
	}
}

func sortedBy(o catalog.SortOrder) func(*shopper.State) {
	return func(s *shopper.State) { s.Prefs.Sort = o }
}

func handles(ps []*catalog.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Handle
	}
	return out
}

func TestFor(t *testing.T) {
	ix := NewIndex(shop())
	for _, tc := range []struct {
		name    string
		product string
		state   *shopper.State
		pop     map[string]int
		n       int
		want    []string
	}{
		{
			name:    "product page: same tag and vendor first, then same collection; never itself, drafts or sold out",
			product: "wand-a", state: state(), n: 10,
			want: []string{"wand-b", "wand-c", "wand-d"},
		},
		{
			name:    "excludes every product in the cart, whatever the variant",
			product: "wand-a", state: state(carted("wand-b")), n: 10,
			want: []string{"wand-c", "wand-d"},
		},
		{
			name:    "the page's product is excluded even when the shopper viewed and wished it",
			product: "wand-c", state: state(viewed("wand-c"), wishes("wand-c")), n: 10,
			want: []string{"wand-d", "wand-a", "wand-b"},
		},
		{
			name:    "popularity breaks ties",
			product: "wand-a", state: state(), pop: map[string]int{"wand-d": 10}, n: 10,
			want: []string{"wand-b", "wand-d", "wand-c"},
		},
		{
			name:    "popularity does not beat a close relation",
			product: "wand-a", state: state(), pop: map[string]int{"wand-c": 1000, "broom": 5000}, n: 10,
			want: []string{"wand-b", "wand-c", "wand-d", "broom"},
		},
		{
			name:    "nothing related: popular products, published and available only",
			product: "broom", state: state(), pop: map[string]int{"hat": 3, "wand-a": 7, "draft": 100, "soldout": 100, "ghost": 9},
			n: 10, want: []string{"wand-a", "hat"},
		},
		{
			name:  "home page, history: what the shopper viewed leads to its neighbours",
			state: state(viewed("cloak")), n: 10,
			want: []string{"hat", "boots"},
		},
		{
			name:  "home page, history: the most recent view weighs more",
			state: state(viewed("wand-c", "cloak")), n: 2,
			want: []string{"wand-d", "hat"},
		},
		{
			name:  "home page, history: the other way round",
			state: state(viewed("cloak", "wand-c")), n: 2,
			want: []string{"hat", "wand-d"},
		},
		{
			name:  "home page, cart: neighbours of the cart, not the cart",
			state: state(carted("cloak", "hat")), n: 10,
			want: []string{"boots"},
		},
		{
			name:  "viewed products may come back, after unseen ones",
			state: state(viewed("wand-a", "wand-b")), n: 10,
			// wand-b gains more from the newer view of wand-a than wand-a
			// from wand-b; both are demoted as already seen.
			want: []string{"wand-c", "wand-d", "wand-b", "wand-a"},
		},
		{
			name:    "product page: the product's neighbours lead, then the neighbours of the history",
			product: "cloak", state: state(viewed("wand-c")), n: 10,
			want: []string{"hat", "boots", "wand-d", "wand-a", "wand-b"},
		},
		{
			name:  "wished items only fill what nothing else does",
			state: state(wishes("cloak")), n: 3,
			want: []string{"hat", "boots", "cloak"},
		},
		{
			name:  "wished items left out when others fill the list",
			state: state(wishes("cloak")), n: 2,
			want: []string{"hat", "boots"},
		},
		{
			name:  "wished items after popular ones",
			state: state(wishes("broom")), pop: map[string]int{"hat": 1}, n: 5,
			want: []string{"hat", "broom"},
		},
		{
			name:  "a new shopper on the home page gets what is popular",
			state: state(), pop: map[string]int{"hat": 5, "broom": 3, "wand-b": 3, "draft": 100, "soldout": 100}, n: 10,
			want: []string{"hat", "broom", "wand-b"},
		},
		{
			name:  "a new shopper and no popularity: nothing honest to show",
			state: state(), n: 10,
		},
		{
			name:    "n is respected",
			product: "wand-a", state: state(), pop: map[string]int{"hat": 5}, n: 1,
			want: []string{"wand-b"},
		},
		{
			name: "n of zero", product: "wand-a", state: state(), n: 0,
		},
		{
			name:    "a nil state is a new shopper",
			product: "wand-a", n: 10,
			want: []string{"wand-b", "wand-c", "wand-d"},
		},
		{
			name:    "an unknown product and history are ignored",
			product: "nope", state: state(viewed("gone"), carted("gone"), wishes("gone")), pop: map[string]int{"hat": 1}, n: 10,
			want: []string{"hat"},
		},
		{
			name:    "the shopper's sort preference orders the final list",
			product: "wand-a", state: state(sortedBy(catalog.SortTitleDesc)), n: 10,
			want: []string{"wand-d", "wand-c", "wand-b"},
		},
		{
			name:    "manual sort keeps the ranking",
			product: "wand-a", state: state(sortedBy(catalog.SortManual)), n: 10,
			want: []string{"wand-b", "wand-c", "wand-d"},
		},
		{
			name:    "an invalid sort preference keeps the ranking",
			product: "wand-a", state: state(sortedBy("sideways")), n: 10,
			want: []string{"wand-b", "wand-c", "wand-d"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := handles(ix.For(tc.product, tc.state, tc.pop, tc.n))
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("For(%q) = %v, want %v", tc.product, got, tc.want)
			}
			// The package-level For agrees with the index.
			if again := handles(For(shop(), tc.product, tc.state, tc.pop, tc.n)); !slices.Equal(again, got) {
				t.Errorf("For on a fresh index = %v, want %v", again, got)
			}
		})
	}
}

func TestForEmpty(t *testing.T) {
	var nilIndex *Index
	if got := nilIndex.For("x", nil, nil, 5); got != nil {
		t.Errorf("nil index: %v", got)
	}
	if got := For(nil, "x", state(viewed("x")), map[string]int{"x": 1}, 5); got != nil {
		t.Errorf("nil store: %v", got)
	}
	if got := For(&catalog.Store{}, "", nil, nil, 5); got != nil {
		t.Errorf("empty store: %v", got)
	}
	empty := &catalog.Product{Handle: "bare"} // no variants: not available
	st := &catalog.Store{Products: []*catalog.Product{empty}}
	st.Index()
	if got := For(st, "", nil, map[string]int{"bare": 3}, 5); got != nil {
		t.Errorf("unavailable product recommended: %v", handles(got))
	}
}

// A feature most of a big catalog shares (a store-wide collection, a
// vendor who makes everything) relates nothing: only real neighbours are
// recommended.
func TestForIgnoresCommonFeatures(t *testing.T) {
	st := &catalog.Store{Handle: "big"}
	all := &catalog.Collection{Handle: "everything", Title: "Everything"}
	for i := range 200 {
		p := product(fmt.Sprintf("p%03d", i), fmt.Sprintf("P %d", i), "Thing", "Acme")
		if i < 2 {
			p.Tags = []string{"pair"}
		}
		st.Products = append(st.Products, p)
		all.ProductHandles = append(all.ProductHandles, p.Handle)
	}
	st.Collections = []*catalog.Collection{all}
	st.Index()
	if got := handles(NewIndex(st).For("p000", nil, nil, 5)); !slices.Equal(got, []string{"p001"}) {
		t.Errorf("For = %v, want [p001]", got)
	}
}

// An Index serves many requests at once.
func TestForConcurrent(t *testing.T) {
	st := bigStore(300, 9)
	ix := NewIndex(st)
	rng := rand.New(rand.NewPCG(7, 8))
	pop := popularity(st, rng)
	states := make([]*shopper.State, 20)
	want := make([][]string, len(states))
	for i := range states {
		states[i] = randomState(st, rng)
		want[i] = handles(ix.For(st.Products[i].Handle, states[i], pop, 6))
	}
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for k := range 200 {
				i := (g + k) % len(states)
				if got := handles(ix.For(st.Products[i].Handle, states[i], pop, 6)); !slices.Equal(got, want[i]) {
					err = fmt.Errorf("state %d: %v, want %v", i, got, want[i])
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// Every pick is published, available, not the page's product and not in
// the cart, whatever the shopper did; and the same inputs give the same
// picks.
func TestForInvariants(t *testing.T) {
	st := bigStore(500, 7)
	ix := NewIndex(st)
	rng := rand.New(rand.NewPCG(3, 4))
	pop := popularity(st, rng)
	for i := range 200 {
		s := randomState(st, rng)
		product := ""
		if i%2 == 0 {
			product = st.Products[rng.IntN(len(st.Products))].Handle
		}
		got := ix.For(product, s, pop, 8)
		if len(got) > 8 {
			t.Fatalf("%d picks", len(got))
		}
		seen := map[string]bool{}
		for _, p := range got {
			switch {
			case !p.Published() || !p.Available():
				t.Errorf("picked unpublished or unavailable %s", p.Handle)
			case p.Handle == product:
				t.Errorf("picked the page's product %s", p.Handle)
			case s.InCart(p.Handle):
				t.Errorf("picked %s from the cart", p.Handle)
			case seen[p.Handle]:
				t.Errorf("picked %s twice", p.Handle)
			}
			seen[p.Handle] = true
		}
		if again := ix.For(product, s, pop, 8); !slices.Equal(handles(again), handles(got)) {
			t.Fatalf("not deterministic: %v then %v", handles(got), handles(again))
		}
	}
}

// bigStore builds n products in collections of about 50, with a few shared
// tags, types and vendors, a store-wide collection, and a few drafts and
// sold-out products.
func bigStore(n int, seed uint64) *catalog.Store {
	rng := rand.New(rand.NewPCG(seed, seed))
	st := &catalog.Store{Handle: "big", Name: "Big", Currency: "USD"}
	all := &catalog.Collection{Handle: "everything", Title: "Everything"}
	cols := make([]*catalog.Collection, n/50+1)
	for i := range cols {
		cols[i] = &catalog.Collection{Handle: fmt.Sprintf("c%03d", i), Title: fmt.Sprintf("C %d", i)}
	}
	for i := range n {
		h := fmt.Sprintf("p%05d", i)
		p := product(h, fmt.Sprintf("Product %d", rng.IntN(n)), fmt.Sprintf("type-%d", rng.IntN(40)), fmt.Sprintf("vendor-%d", rng.IntN(100)),
			fmt.Sprintf("tag-%d", rng.IntN(n/20+1)), fmt.Sprintf("tag-%d", rng.IntN(n/20+1)), fmt.Sprintf("tag-%d", rng.IntN(20)))
		p.CreatedAt = t0.Add(-time.Duration(rng.IntN(1000)) * time.Hour)
		p.Variants[0].Price.Amount = int64(100 + rng.IntN(10000))
		switch rng.IntN(50) {
		case 0:
			p.Status = catalog.StatusDraft
		case 1:
			p.Variants[0].Available = false
		}
		st.Products = append(st.Products, p)
		all.ProductHandles = append(all.ProductHandles, h)
		j := rng.IntN(len(cols))
		cols[j].ProductHandles = append(cols[j].ProductHandles, h)
		cols[i%len(cols)].ProductHandles = append(cols[i%len(cols)].ProductHandles, h)
	}
	st.Collections = append(cols, all)
	st.Index()
	return st
}

func popularity(st *catalog.Store, rng *rand.Rand) map[string]int {
	pop := make(map[string]int, len(st.Products))
	for _, p := range st.Products {
		if n := rng.IntN(200) - 50; n > 0 {
			pop[p.Handle] = n
		}
	}
	return pop
}

func randomState(st *catalog.Store, rng *rand.Rand) *shopper.State {
	s := &shopper.State{Store: st.Handle}
	pick := func() string { return st.Products[rng.IntN(len(st.Products))].Handle }
	for range rng.IntN(shopper.MaxViewed + 1) {
		s.Viewed = append(s.Viewed, shopper.View{Product: pick(), At: t0})
	}
	for range rng.IntN(6) {
		s.Cart = append(s.Cart, shopper.CartLine{Product: pick(), Variant: "x", Quantity: 1})
	}
	for range rng.IntN(12) {
		s.Wishes = append(s.Wishes, shopper.WishItem{Product: pick()})
	}
	if rng.IntN(3) == 0 {
		s.Prefs.Sort = catalog.SortPriceAsc
	}
	return s
}

// The islands server calls Index.For on every recommendations fragment it
// renders (a cache miss); it should cost well under a millisecond on a
// 10,000-product store.
func BenchmarkFor(b *testing.B) {
	st := bigStore(10_000, 1)
	ix := NewIndex(st)
	rng := rand.New(rand.NewPCG(5, 6))
	pop := popularity(st, rng)
	full := &shopper.State{Store: st.Handle}
	for i := range shopper.MaxViewed {
		full.Viewed = append(full.Viewed, shopper.View{Product: st.Products[i*37].Handle})
	}
	for i := range 5 {
		full.Cart = append(full.Cart, shopper.CartLine{Product: st.Products[i*101+7].Handle, Quantity: 1})
	}
	for i := range 10 {
		full.Wishes = append(full.Wishes, shopper.WishItem{Product: st.Products[i*53+3].Handle})
	}
	page := st.Products[4242].Handle
	for _, bc := range []struct {
		name    string
		product string
		s       *shopper.State
	}{
		{"product-page/new-shopper", page, &shopper.State{}},
		{"product-page/history", page, full},
		{"home/new-shopper", "", &shopper.State{}},
		{"home/history", "", full},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(ix.For(bc.product, bc.s, pop, 8)) == 0 {
					b.Fatal("no picks")
				}
			}
		})
	}
}

// NewIndex runs once per catalog version.
func BenchmarkNewIndex(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("products=%d", n), func(b *testing.B) {
			st := bigStore(n, 1)
			b.ReportAllocs()
			for b.Loop() {
				NewIndex(st)
			}
		})
	}
}

package recommend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// teaShop: products whose features (collections, tags, type, vendor)
// relate nothing across kinds, but whose descriptions do: the kettle and
// the sencha are both about brewing green tea.
func teaShop() *catalog.Store {
	desc := func(p *catalog.Product, d string) *catalog.Product { p.DescriptionHTML = d; return p }
	st := &catalog.Store{
		Handle: "tea", Name: "Tea", Currency: "USD",
		Products: []*catalog.Product{
			desc(product("kettle", "Cast Iron Kettle", "Teaware", "Iwachu"), "<p>A cast iron kettle for brewing <b>sencha</b> and other green tea.</p>"),
			desc(product("sencha", "Sencha Asahi", "Tea", "Uji Farms"), "<p>Steamed green tea; brew it at 70&deg;C, ideally from a cast iron kettle.</p>"),
			desc(product("mug", "Enamel Mug", "Teaware", "Iwachu"), "<p>A camping mug.</p>"),
			desc(product("socks", "Wool Socks", "Apparel", "Knits"), "<p>Warm socks for winter walks.</p>"),
			desc(product("scarf", "Wool Scarf", "Apparel", "Knits"), "<p>A warm scarf for winter.</p>"),
			desc(product("oolong", "Oolong", "Tea", "Uji Farms"), "<p>Sold out: a green tea for the cast iron kettle.</p>"),
		},
	}
	st.Products[5].Variants[0].Available = false
	st.Index()
	return st
}

func TestTextNeighbours(t *testing.T) {
	st := teaShop()
	nb := TextNeighbours(st, 3)
	near := nb.Of("kettle")
	if len(near) == 0 || near[0].Handle != "sencha" {
		t.Fatalf("kettle's neighbours = %v, want sencha first", near)
	}
	for _, n := range near {
		if n.Handle == "oolong" {
			t.Fatalf("a sold-out product is a neighbour: %v", near)
		}
		if n.Score <= 0 || n.Score > 1+1e-9 {
			t.Fatalf("score %v out of (0, 1]", n.Score)
		}
	}
	if s := nb.Of("socks"); len(s) == 0 || s[0].Handle != "scarf" {
		t.Fatalf("socks' neighbours = %v, want scarf", s)
	}
	if nb.Source != "tf-idf" || TextNeighbours(nil, 3).Len() != 0 {
		t.Fatal("source or nil store")
	}
}

func TestBlendShowsASemanticNeighbourWithoutHistory(t *testing.T) {
	st := teaShop()
	ix := NewIndex(st)
	fresh := &shopper.State{Store: "tea"}
	behav := handles(ix.For("kettle", fresh, nil, 3))
	if slices.Contains(behav, "sencha") {
		t.Fatalf("the behavioural picks already hold sencha (%v): the test shows nothing", behav)
	}
	blend := handles(ix.Blend("kettle", fresh, nil, 3, TextNeighbours(st, DefaultNeighbours)))
	if !slices.Contains(blend, "sencha") {
		t.Fatalf("blend = %v, want sencha in it (behavioural %v)", blend, behav)
	}
	// The behavioural picks keep their lead: the best one stays first.
	if len(behav) > 0 && blend[0] != behav[0] {
		t.Fatalf("blend = %v, behavioural = %v: the behavioural best lost its place", blend, behav)
	}
	for _, h := range behav {
		if !slices.Contains(blend, h) && len(blend) < 3 {
			t.Fatalf("blend %v dropped %s while it had room", blend, h)
		}
	}
	if slices.Contains(blend, "kettle") || slices.Contains(blend, "oolong") {
		t.Fatalf("blend %v holds the page's product or a sold-out one", blend)
	}
	// Without neighbours, Blend is For.
	if got := handles(ix.Blend("kettle", fresh, nil, 3, nil)); !slices.Equal(got, behav) {
		t.Fatalf("Blend without neighbours = %v, For = %v", got, behav)
	}
}

func TestBlendRespectsTheCartAndHistory(t *testing.T) {
	st := teaShop()
	ix := NewIndex(st)
	nb := TextNeighbours(st, DefaultNeighbours)
	// Sencha in the cart: never recommended, on any page.
	s := &shopper.State{Store: "tea", Cart: []shopper.CartLine{{Product: "sencha", Variant: "sencha-v", Quantity: 1}}}
	if got := handles(ix.Blend("kettle", s, nil, 3, nb)); slices.Contains(got, "sencha") {
		t.Fatalf("blend = %v recommends the cart", got)
	}
	// A shopper who viewed the kettle gets sencha on the home page.
	s = &shopper.State{Store: "tea", Viewed: []shopper.View{{Product: "kettle", At: t0}}}
	if got := handles(ix.Blend("", s, nil, 3, nb)); !slices.Contains(got, "sencha") {
		t.Fatalf("blend for a kettle viewer = %v, want sencha", got)
	}
	// A shopper with no history and no page: nothing semantic to go on.
	fresh := &shopper.State{Store: "tea"}
	pop := map[string]int{"mug": 5}
	if got, want := handles(ix.Blend("", fresh, pop, 3, nb)), handles(ix.For("", fresh, pop, 3)); !slices.Equal(got, want) {
		t.Fatalf("blend = %v, For = %v", got, want)
	}
}

func TestVectorNeighbours(t *testing.T) {
	st := teaShop()
	hs := []string{"kettle", "sencha", "mug", "socks", "oolong"}
	vecs := [][]float32{{1, 0, 0}, {0.9, 0.1, 0}, {0, 1, 0}, nil, {1, 0, 0}}
	nb := VectorNeighbours(st, hs, vecs, 2, "m")
	if got := nb.Of("kettle"); len(got) != 1 || got[0].Handle != "sencha" {
		t.Fatalf("kettle = %v, want [sencha] (oolong is sold out, mug orthogonal)", got)
	}
	if nb.Of("socks") != nil || nb.Source != "m" {
		t.Fatal("a product without a vector has neighbours")
	}
}

func TestTermsAndPlainText(t *testing.T) {
	if got := Terms("Green-Tea 緑茶の急須, a"); !slices.Equal(got, []string{"green", "tea", "緑茶", "茶の", "の急", "急須"}) {
		t.Fatalf("Terms = %q", got)
	}
	if got := PlainText(`<p>Tea &amp; <script>x</script>cakes</p>`); got != "Tea & x cakes" {
		t.Fatalf("PlainText = %q", got)
	}
}

// describe gives bigStore's products descriptions of 30 words drawn from
// a vocabulary of 5,000 (a few common words, most rare), as a catalog's
// text would be.
func describe(st *catalog.Store, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for _, p := range st.Products {
		var b strings.Builder
		for range 30 {
			w := int(math.Pow(rng.Float64(), 2) * 5000) // skewed: low ids common
			fmt.Fprintf(&b, "w%d ", w)
		}
		p.DescriptionHTML = "<p>" + b.String() + "</p>"
	}
}

// BenchmarkTextNeighbours: the offline similarity, once per catalog
// version in the background.
func BenchmarkTextNeighbours(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("products=%d", n), func(b *testing.B) {
			st := bigStore(n, 1)
			describe(st, 1)
			for b.Loop() {
				TextNeighbours(st, DefaultNeighbours)
			}
		})
	}
}

// BenchmarkBlend: a request's picks with the neighbours blended in, beside
// For alone, on 10,000 products.
func BenchmarkBlend(b *testing.B) {
	st := bigStore(10_000, 1)
	describe(st, 1)
	ix, nb := NewIndex(st), TextNeighbours(st, DefaultNeighbours)
	rng := rand.New(rand.NewPCG(2, 2))
	pop := popularity(st, rng)
	states := make([]*shopper.State, 256)
	for i := range states {
		states[i] = randomState(st, rng)
	}
	for _, blend := range []bool{false, true} {
		b.Run(fmt.Sprintf("blend=%v", blend), func(b *testing.B) {
			i := 0
			for b.Loop() {
				s := states[i%len(states)]
				p := st.Products[i%len(st.Products)].Handle
				if blend {
					ix.Blend(p, s, pop, 8, nb)
				} else {
					ix.For(p, s, pop, 8)
				}
				i++
			}
		})
	}
}

// BenchmarkVectorNeighbours: a model's vectors (768 dimensions) compared
// pair by pair, once per catalog version in the background.
func BenchmarkVectorNeighbours(b *testing.B) {
	const n, dim = 2_000, 768
	st := bigStore(n, 1)
	rng := rand.New(rand.NewPCG(3, 3))
	hs := make([]string, n)
	vecs := make([][]float32, n)
	for i, p := range st.Products {
		hs[i] = p.Handle
		vecs[i] = make([]float32, dim)
		for d := range vecs[i] {
			vecs[i][d] = float32(rng.NormFloat64())
		}
	}
	for b.Loop() {
		VectorNeighbours(st, hs, vecs, DefaultNeighbours, "bench")
	}
}

package e2e

import (
	"slices"
	"testing"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/recommend"
)

// TestSemanticRecommendationsOffline: the demo has no AI endpoint, so its
// recommendations blend in the built-in TF-IDF neighbours. On a product's
// page, a new shopper sees its nearest product by text even when the
// behavioural picks (collections, tags, type, vendor) leave it out.
func TestSemanticRecommendationsOffline(t *testing.T) {
	st := testkit.DemoStore(t, demoStore)
	ix, nb := recommend.NewIndex(st), recommend.TextNeighbours(st, recommend.DefaultNeighbours)
	var page, want string
	for _, p := range st.Products {
		near := nb.Of(p.Handle)
		if !p.Published() || len(near) == 0 {
			continue
		}
		behav := ix.For(p.Handle, nil, nil, 8)
		handles := make([]string, len(behav))
		for i, q := range behav {
			handles[i] = q.Handle
		}
		if !slices.Contains(handles, near[0].Handle) {
			page, want = p.Handle, near[0].Handle
			break
		}
	}
	if page == "" {
		t.Skip("demo content: every product's nearest neighbour is already a behavioural pick")
	}
	var got []string
	for range 3 { // the neighbours are computed in the background at start
		got = recommendationsOn(t, newPage(t), st.Product(page))
		if slices.Contains(got, want) {
			return
		}
	}
	t.Fatalf("on %s a new shopper is recommended %v, without its nearest product by text, %s", page, got, want)
}

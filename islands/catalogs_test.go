package islands

import (
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// A store's new catalog is served at once with the previous catalog's
// recommendation index, and its own replaces it shortly after, built in
// the background: publishing a change does not wait for it.
func TestCatalogsRebuildRecommendationsInTheBackground(t *testing.T) {
	first := demoCatalog(t)
	st := first.Store
	cats := NewCatalogs(first)
	if first.Recs() == nil {
		t.Fatal("a store's first catalog has no recommendation index")
	}
	p := *st.Products[0]
	p.Title = "Renamed"
	next, err := st.With(catalog.Change{Products: []*catalog.Product{&p}})
	if err != nil {
		t.Fatal(err)
	}
	second := &Catalog{Store: next, Site: first.Site, Version: "2"}
	cats.Set(second)
	if second.Recs() == nil {
		t.Fatal("a new catalog was served without a recommendation index")
	}
	deadline := time.Now().Add(5 * time.Second)
	for second.Recs() == first.Recs() {
		if time.Now().After(deadline) {
			t.Fatal("the new catalog's own index was never built")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Its index knows the new product, not the old one.
	for _, r := range second.Recs().For("", nil, nil, len(next.Products)) {
		if r == st.Products[0] {
			t.Fatal("the rebuilt index still holds the replaced product")
		}
	}
}

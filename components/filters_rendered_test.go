package components

import (
	"bytes"
	"context"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
)

// A listing page with its filter form rendered once beforehand
// (FiltersHTML, as a build does for every page of a listing) is the same
// page, byte for byte, as one rendering the form itself.
func TestRenderedFiltersAreTheSamePage(t *testing.T) {
	s, st := fixture()
	c := st.Collection("wands")
	ctx := context.Background()
	for _, order := range []catalog.SortOrder{catalog.SortManual, catalog.SortPriceAsc} {
		v := NewCollectionView(s, c, order, 1, 2, 5, []ProductCardView{NewCard(s, st.Product("cloak"))})
		v.Filters = NewFilterView(s, c.Handle, facets.Values(c.Products()), facets.Query{Sort: order}, nil)
		var plain, pre bytes.Buffer
		if err := CollectionPage(s, v).Render(ctx, &plain); err != nil {
			t.Fatal(err)
		}
		html, err := RenderedFilters(ctx, s, v)
		if err != nil {
			t.Fatal(err)
		}
		v.FiltersHTML = html
		if err := CollectionPage(s, v).Render(ctx, &pre); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(plain.Bytes(), []byte(`id="filter-form"`)) {
			t.Fatal("the page has no filter form: the test proves nothing")
		}
		if !bytes.Equal(plain.Bytes(), pre.Bytes()) {
			t.Errorf("%s: the page with the form rendered beforehand differs", order)
		}
	}
}

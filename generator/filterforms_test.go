package generator

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/catalog/facets"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/content"
)

// TestSharedFilterFieldsMatchTheForm: a listing's filter form, its fields
// rendered once for every order (filterForms), is byte for byte the form
// rendered on its own (CollectionFilters), for every collection of the
// demo store in every order.
func TestSharedFilterFieldsMatchTheForm(t *testing.T) {
	ctx := context.Background()
	st, err := contentdir.New(content.FS).Load(ctx, "magic-wands")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://shop.test/s/magic-wands/")
	s := components.NewSite(st, base)
	var forms filterForms
	checked := 0
	for _, c := range st.Collections {
		fr := facets.Values(c.Products())
		for _, order := range catalog.SortOrders {
			var want strings.Builder
			direct := components.CollectionView{Filters: components.NewFilterView(s, c.Handle, fr, facets.Query{Sort: order}, nil)}
			if err := components.CollectionFilters(s, direct).Render(ctx, &want); err != nil {
				t.Fatal(err)
			}
			var v components.CollectionView
			if err := forms.use(ctx, s, &v, c.Handle, &fr, order); err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			if err := v.FiltersHTML.Render(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s in order %s: the form with shared fields differs from the form:\n got %s\nwant %s", c.Handle, order, got.String(), want.String())
			}
			if !strings.Contains(got.String(), `class="filter-fields"`) {
				t.Errorf("%s in order %s: no fields in the form", c.Handle, order)
			}
			checked++
		}
	}
	n := 0
	forms.fields.Range(func(any, any) bool { n++; return true })
	if checked < 10 || n != len(st.Collections) {
		t.Errorf("%d forms checked with %d fields rendered, want the fields once for each of %d collections", checked, n, len(st.Collections))
	}
}

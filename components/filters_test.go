package components

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
)

func filtered(t *testing.T, raw string) (*Site, CollectionView) {
	t.Helper()
	s, st := fixture()
	c := st.Collection("wands")
	x := facets.New(c.Products(), c.Sort, st.Currency)
	vals, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, issues := x.Parse(vals)
	return s, NewFilteredCollectionView(s, c, x.Apply(q, st.ProductsPerPage()), q, issues)
}

func doc(t *testing.T, c templ.Component, fragments ...any) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if len(fragments) > 0 {
		err = templ.RenderFragments(context.Background(), &buf, c, fragments...)
	} else {
		err = c.Render(context.Background(), &buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A filtered listing's sort and page links keep its filter and ask the
// islands server; search engines are sent to the collection.
func TestFilteredCollectionView(t *testing.T) {
	s, v := filtered(t, "filter.p.vendor=Ollivanders&filter.p.vendor=Madam+Malkin&sort_by=price-descending&filter.v.price.lte=200")
	if v.Total != 2 || len(v.Cards) != 2 || v.Cards[0].Handle != "elder-wand" {
		t.Fatalf("%d cards %+v", v.Total, v.Cards)
	}
	if !v.Meta.NoIndex || v.Meta.Canonical != "https://wands.test/s/wands/collections/wands/" || !strings.Contains(v.Meta.Title, "(filtered)") {
		t.Errorf("meta %+v", v.Meta)
	}
	for _, l := range v.Sorts {
		if !strings.HasPrefix(l.Path, s.IslandPath("collections/wands/?")) || !strings.Contains(l.Path, "filter.v.price.lte=200.00") {
			t.Errorf("sort link %q", l.Path)
		}
	}
	d := doc(t, CollectionPage(s, v))
	if n := d.Find("[data-testid=filter-chip]").Length(); n != 3 {
		t.Errorf("%d chips, want 3 (two vendors, the price)", n)
	}
	if _, ok := d.Find("#collection-results").Attr("hx-target"); !ok {
		t.Error("a live listing's links do not target the results")
	}
	if d.Find(`input[name="filter.p.vendor"][checked]`).Length() != 2 || d.Find(`input[name=sort_by]`).AttrOr("value", "") != "price-descending" {
		t.Error("the form does not keep the filter and the order")
	}
	if d.Find("legend").FilterFunction(func(_ int, e *goquery.Selection) bool { return e.Text() == "Brand" }).Length() != 1 {
		t.Error("no Brand facet")
	}
	// Facets fold; the one with a value ticked is open.
	if open := d.Find("details.facet[open] summary"); open.Length() != 1 || open.Text() != "Brand" || d.Find("details.facet").Length() != 3 {
		t.Errorf("open facets: %q of %d", open.Text(), d.Find("details.facet").Length())
	}
}

// An htmx answer is the results and, out of band, the fields.
func TestFilterFragments(t *testing.T) {
	s, v := filtered(t, "filter.v.option.length=13+in")
	v.Filters.OOB = true
	d := doc(t, CollectionPage(s, v), FragmentCollectionResults, FragmentFilterFields)
	if d.Find("header, h1, #filter-form").Length() != 0 {
		t.Error("the fragments carry the page around them")
	}
	if d.Find("#collection-results").Length() != 1 || d.Find("#filter-fields[hx-swap-oob=true]").Length() != 1 {
		t.Error("missing fragment")
	}
}

func TestFilteredEmptyAndIssues(t *testing.T) {
	s, v := filtered(t, "filter.v.price.gte=abc&filter.v.price.lte=-4&page=7")
	d := doc(t, CollectionPage(s, v))
	msgs := d.Find("[data-testid=filter-message]")
	if msgs.Length() != 3 || !strings.Contains(msgs.First().Text(), "abc") {
		t.Errorf("messages: %q", msgs.Text())
	}
	_, v = filtered(t, "filter.v.price.gte=1000")
	d = doc(t, CollectionPage(s, v))
	if d.Find("[data-testid=filters-empty] a").AttrOr("href", "") != "/s/wands/collections/wands/" {
		t.Error("an empty result has no way to clear the filters")
	}
	_, v = filtered(t, "page=7&sort_by=title-ascending")
	d = doc(t, CollectionPage(s, v))
	if !strings.Contains(d.Find("[data-testid=filter-message]").Text(), "last page") || v.Page != 1 {
		t.Errorf("page beyond: page %d, %q", v.Page, d.Find("[data-testid=filter-message]").Text())
	}
}

// The filter form of a pre-rendered page: closed, with labelled fields in
// fieldsets, counts for the whole collection.
func TestStaticFilterForm(t *testing.T) {
	s, st := fixture()
	c := st.Collection("wands")
	v := NewCollectionView(s, c, catalog.SortManual, 1, 1, 2, nil)
	v.Filters = NewFilterView(s, c.Handle, facets.New(c.Products(), c.Sort, st.Currency).Apply(facets.Query{}, 2).Values(), facets.Query{}, nil)
	d := doc(t, CollectionPage(s, v))
	if _, open := d.Find("details.filters").Attr("open"); open || d.Find("form#filter-form[method=get]").AttrOr("action", "") != "/s/wands/islands/collections/wands/" {
		t.Error("form")
	}
	d.Find("#filter-form input[type=checkbox], #filter-form input[type=number]").Each(func(_ int, e *goquery.Selection) {
		id, _ := e.Attr("id")
		if d.Find("label[for="+id+"]").Length() != 1 || e.Closest("fieldset").Find("legend").Length() != 1 {
			t.Errorf("input %s has no label or legend", id)
		}
	})
	// Counts change at every sale: a pre-rendered form shows values only.
	// (htmx fills them in when the form is opened: FilterCounts).
	if d.Find("#filter-form .count").Text() != "" || d.Find("[data-testid=filter-value]").Length() != 5 {
		t.Errorf("counts %q, %d values", d.Find("#filter-form .count").Text(), d.Find("[data-testid=filter-value]").Length())
	}
	if _, ok := d.Find("details#filters").Attr("hx-get"); !ok {
		t.Error("the form does not ask for its counts when opened")
	}
	_, live := filtered(t, "filter.v.availability=1")
	if got := doc(t, CollectionPage(s, live)).Find(`label[for=f-stock] .count`).Text(); got != "(2)" {
		t.Errorf("in stock count %q", got)
	}
	if _, ok := d.Find("#collection-results").Attr("hx-target"); ok {
		t.Error("a pre-rendered listing's links are plain")
	}
}

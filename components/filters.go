package components

import (
	"context"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
)

// RouteCollectionFilter is the islands route of a collection's filtered
// listing: + the collection's handle and "/", with the filter, sort and
// page in the query (facets' parameter names). GET only; its answer is the
// same for every shopper (public, cacheable).
const RouteCollectionFilter = "collections/"

// Fragments of CollectionPage an htmx filter request is answered with
// (templ.RenderFragments): the results, and the filter form's fields with
// their counts (swapped out of band).
const (
	FragmentCollectionResults = "collection-results"
	FragmentFilterFields      = "filter-fields"
)

// FilterPath is the islands URL of a collection filtered by q.
func (s *Site) FilterPath(handle string, q facets.Query) string {
	p := s.IslandPath(RouteCollectionFilter + handle + "/")
	if enc := q.Encode(s.Store.Currency); enc != "" {
		p += "?" + enc
	}
	return p
}

// FilterView is a collection listing's filter form and, on a filtered
// listing, what is filtered.
type FilterView struct {
	Action string // the islands route the form asks (FilterPath)
	Sort   string // the listing's sort_by value ("" for the default order)
	// Active: the listing is filtered. Live: the islands server rendered
	// it, so its sort and page links ask the server again (htmx). OOB:
	// the fields go out of band (an htmx answer).
	Active, Live, OOB bool
	// Counts: the form shows how many products each choice would list,
	// and the price range (a live listing's; a pre-rendered form shows
	// the values only, which change far less often).
	Counts bool
	// CountsURL, on a form without counts, is where htmx asks for the
	// fields with their counts when the form is first opened.
	CountsURL    string
	InStock      bool
	InStockCount string
	Currency     string
	Min, Max     string // the price inputs, in the major unit
	Lo, Hi       string // the collection's price range, as placeholders
	Groups       []FilterGroupView
	Chips        []NavLink // what is filtered: each a link that removes it
	Clear        string    // the listing unfiltered
	Messages     []string  // what in the request was ignored or changed
	// FieldsHTML, when set, is the fields' checkboxes and price inputs
	// already rendered (RenderedFilterFields): a pre-rendered listing's
	// are the same in every order, so the build renders them once a
	// collection.
	FieldsHTML templ.Component
}

// FilterGroupView is a facet: a fieldset of checkboxes.
type FilterGroupView struct {
	Legend, Param string
	Open          bool // a value is ticked
	Values        []FilterValueView
}

// FilterValueView is a facet value's checkbox.
type FilterValueView struct {
	ID, Label, Count string
	Checked, Empty   bool // Empty: nothing would match with it (Counts only)
}

// NewFilterView builds the filter form of a collection listing from a
// facets result for query q (the unfiltered result, with q holding only
// the order, on a pre-rendered page), with the issues met reading q.
func NewFilterView(s *Site, handle string, r facets.Result, q facets.Query, issues []facets.Issue) *FilterView {
	cur := s.Store.Currency
	msg := s.Msg()
	f := &FilterView{
		Action: s.IslandPath(RouteCollectionFilter + handle + "/"), Active: q.Filtered(), InStock: q.InStock,
		InStockCount: msg.Int(int64(r.InStock)), Currency: cur,
		Lo: money(r.Lo, cur), Hi: money(r.Hi, cur), Clear: s.CollectionPath(handle, q.Sort, 1),
	}
	if q.Sort != catalog.SortManual && q.Sort != "" {
		f.Sort = facets.SortParam(q.Sort)
	}
	if !q.Filtered() {
		f.CountsURL = s.FilterPath(handle, facets.Query{Sort: q.Sort})
	}
	if q.HasMin {
		f.Min = money(q.Min, cur)
	}
	if q.HasMax {
		f.Max = money(q.Max, cur)
	}
	for gi, g := range r.Groups {
		gv := FilterGroupView{Legend: g.Name, Param: g.Param}
		switch g.Kind {
		case facets.Vendor:
			gv.Legend = s.T("filters.vendor")
		case facets.Type:
			gv.Legend = s.T("filters.type")
		}
		for vi, v := range g.Values {
			gv.Values = append(gv.Values, FilterValueView{
				ID: "f" + strconv.Itoa(gi) + "-" + strconv.Itoa(vi), Label: v.Label, Count: msg.Int(int64(v.Count)),
				Checked: v.Selected,
			})
			if v.Selected {
				gv.Open = true
				f.Chips = append(f.Chips, NavLink{Title: s.T("filters.chip", gv.Legend, v.Label), Path: s.FilterPath(handle, q.Without(g.Param, v.Label))})
			}
		}
		f.Groups = append(f.Groups, gv)
	}
	if q.HasMin || q.HasMax {
		nq := q
		nq.HasMin, nq.HasMax, nq.Page = false, false, 1
		var title string
		switch {
		case q.HasMin && q.HasMax:
			title = s.T("filters.chip_price", s.Money(catalog.Money{Amount: q.Min, Currency: cur}), s.Money(catalog.Money{Amount: q.Max, Currency: cur}))
		case q.HasMin:
			title = s.T("filters.chip_price_from", s.Money(catalog.Money{Amount: q.Min, Currency: cur}))
		default:
			title = s.T("filters.chip_price_to", s.Money(catalog.Money{Amount: q.Max, Currency: cur}))
		}
		f.Chips = append(f.Chips, NavLink{Title: title, Path: s.FilterPath(handle, nq)})
	}
	if q.InStock {
		nq := q
		nq.InStock, nq.Page = false, 1
		f.Chips = append(f.Chips, NavLink{Title: s.T("filters.in_stock"), Path: s.FilterPath(handle, nq)})
	}
	for _, is := range append(issues, r.Issues...) {
		switch is.Code {
		case facets.PriceNotNumber:
			f.Messages = append(f.Messages, s.T("filters.error.price_not_number", is.Value))
		case facets.PriceNegative:
			f.Messages = append(f.Messages, s.T("filters.error.price_negative", is.Value))
		case facets.PriceSwapped:
			f.Messages = append(f.Messages, s.T("filters.error.price_swapped"))
		case facets.PageBeyond:
			f.Messages = append(f.Messages, s.T("filters.error.page_beyond", msg.Int(int64(r.Pages))))
		}
	}
	return f
}

// money is an amount in the major unit, as a number input takes it.
func money(amount int64, currency string) string {
	return catalog.Money{Amount: amount, Currency: currency}.Decimal()
}

// NewFilteredCollectionView is a collection listing filtered by q, as the
// islands server renders it: its sort and page links keep the filter (and
// ask the islands server), search engines are told not to index it and
// pointed at the collection's first page.
func NewFilteredCollectionView(s *Site, c *catalog.Collection, r facets.Result, q facets.Query, issues []facets.Issue) CollectionView {
	cards := make([]ProductCardView, len(r.Products))
	for i, p := range r.Products {
		cards[i] = NewCard(s, p)
	}
	q.Page = r.Page
	v := NewCollectionView(s, c, q.Sort, r.Page, r.Pages, r.Total, cards)
	at := func(order catalog.SortOrder, page int) string {
		nq := q
		nq.Sort, nq.Page = order, page
		return s.FilterPath(c.Handle, nq)
	}
	for i := range v.Sorts {
		v.Sorts[i].Path = at(catalog.SortOrder(v.Sorts[i].Handle), 1)
	}
	if v.Prev != "" {
		v.Prev = at(q.Sort, r.Page-1)
	}
	if v.Next != "" {
		v.Next = at(q.Sort, r.Page+1)
	}
	for i, l := range v.PageLinks {
		if l.Path != "" {
			n, _ := strconv.Atoi(l.Title)
			v.PageLinks[i].Path = at(q.Sort, n)
		}
	}
	v.Meta.NoIndex = true
	v.Meta.Canonical = s.URL(strings.TrimPrefix(s.CollectionPath(c.Handle, catalog.SortManual, 1), s.BasePath))
	if q.Filtered() {
		v.Meta.Title = s.T("filters.page_title", v.Meta.Title)
	}
	v.Filters = NewFilterView(s, c.Handle, r, q, issues)
	v.Filters.Live, v.Filters.Counts = true, true
	for i := range v.Filters.Groups {
		for j := range v.Filters.Groups[i].Values {
			fv := &v.Filters.Groups[i].Values[j]
			fv.Empty = fv.Count == "0" && !fv.Checked
		}
	}
	return v
}

// Filtered reports whether the listing is filtered (not only sorted).
func (v CollectionView) Filtered() bool { return v.Filters != nil && v.Filters.Active }

// resultsAttrs: a live listing's links ask the islands server and swap the
// results in place (htmx), pushing their URL.
func resultsAttrs(v CollectionView) templ.Attributes {
	if v.Filters == nil || !v.Filters.Live {
		return nil
	}
	return templ.Attributes{"hx-target": "#" + FragmentCollectionResults, "hx-swap": "outerHTML"}
}

// boost makes a live listing's sort and page links htmx requests.
func boost(v CollectionView) templ.Attributes {
	if v.Filters == nil || !v.Filters.Live {
		return nil
	}
	return templ.Attributes{"hx-boost": "true"}
}

// IDFilters is the filter form's <details>: htmx names it (HX-Trigger)
// when it asks for the counts on first opening.
const IDFilters = "filters"

// countsOnOpen: a form without counts asks for them (the fields, out of
// band) when first opened, with htmx.
func countsOnOpen(f *FilterView) templ.Attributes {
	if f.Counts || f.CountsURL == "" {
		return nil
	}
	return templ.Attributes{"hx-get": f.CountsURL, "hx-trigger": "toggle once", "hx-swap": "none"}
}

func oob(on bool) templ.Attributes {
	if !on {
		return nil
	}
	return templ.Attributes{"hx-swap-oob": "true"}
}

func placeholder(show bool, v string) string {
	if !show {
		return ""
	}
	return v
}

// collectionFilters is a listing page's filter form: the one rendered
// already (CollectionView.FiltersHTML), else CollectionFilters.
func collectionFilters(s *Site, v CollectionView) templ.Component {
	if v.FiltersHTML != nil {
		return v.FiltersHTML
	}
	return CollectionFilters(s, v)
}

// RenderedFilterFields renders f's checkboxes and price inputs once, for
// FilterView.FieldsHTML of the forms that show the same ones (a
// collection's, in every order; the sort input is not part of them).
func RenderedFilterFields(ctx context.Context, s *Site, f *FilterView) (templ.Component, error) {
	var b strings.Builder
	if err := filterFieldSets(s, f).Render(ctx, &b); err != nil {
		return nil, err
	}
	return templ.Raw(b.String()), nil
}

// RenderedFilters renders v's filter form (CollectionFilters) once, for
// CollectionView.FiltersHTML of every page of the listing.
func RenderedFilters(ctx context.Context, s *Site, v CollectionView) (templ.Component, error) {
	var b strings.Builder
	if err := CollectionFilters(s, v).Render(ctx, &b); err != nil {
		return nil, err
	}
	return templ.Raw(b.String()), nil
}

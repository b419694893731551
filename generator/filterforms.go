package generator

import (
	"context"
	"sync"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
	"github.com/wandstore/wandstore/components"
)

// filterForms renders each listing's filter form once per plan: every page
// of a collection in one sort order has the same form (the values the
// whole collection offers, without counts), and the form was about a
// third of a listing page's rendering. The form's fields, most of it, are
// the same in every order, so they are rendered once a collection: a
// build of 1,000 small stores rendered 120,000 forms, 7% of its CPU.
type filterForms struct {
	m      sync.Map // filterKey -> *filterForm
	fields sync.Map // *facets.Result -> *filterForm (its html: the fields)
}

type filterKey struct {
	fr    *facets.Result
	order catalog.SortOrder
}

type filterForm struct {
	mu   sync.Mutex
	view *components.FilterView
	html templ.Component
}

// use gives v the filter form of the listing of handle in order, whose
// facet values are fr: rendered by the first page that asks, and shared by
// the others (a failed rendering, a cancelled build's, is not kept).
func (f *filterForms) use(ctx context.Context, s *components.Site, v *components.CollectionView, handle string, fr *facets.Result, order catalog.SortOrder) error {
	e, _ := f.m.LoadOrStore(filterKey{fr, order}, &filterForm{})
	form := e.(*filterForm)
	form.mu.Lock()
	defer form.mu.Unlock()
	if form.html == nil {
		fields, err := f.fieldsOf(ctx, s, handle, fr)
		if err != nil {
			return err
		}
		view := components.NewFilterView(s, handle, *fr, facets.Query{Sort: order}, nil)
		view.FieldsHTML = fields
		with := *v
		with.Filters = view
		html, err := components.RenderedFilters(ctx, s, with)
		if err != nil {
			return err
		}
		form.view, form.html = view, html
	}
	v.Filters, v.FiltersHTML = form.view, form.html
	return nil
}

// fieldsOf is the fields of the filter forms of the listing whose facet
// values are fr, rendered by the first order that asks.
func (f *filterForms) fieldsOf(ctx context.Context, s *components.Site, handle string, fr *facets.Result) (templ.Component, error) {
	e, _ := f.fields.LoadOrStore(fr, &filterForm{})
	form := e.(*filterForm)
	form.mu.Lock()
	defer form.mu.Unlock()
	if form.html == nil {
		html, err := components.RenderedFilterFields(ctx, s, components.NewFilterView(s, handle, *fr, facets.Query{}, nil))
		if err != nil {
			return nil, err
		}
		form.html = html
	}
	return form.html, nil
}

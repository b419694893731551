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
// the others.
func (f *filterForms) use(ctx context.Context, s *components.Site, v *components.CollectionView, handle string, fr *facets.Result, order catalog.SortOrder) error {
	view, html, err := once(&f.m, filterKey{fr, order}, func() (*components.FilterView, templ.Component, error) {
		fields, err := f.fieldsOf(ctx, s, handle, fr)
		if err != nil {
			return nil, nil, err
		}
		view := components.NewFilterView(s, handle, *fr, facets.Query{Sort: order}, nil)
		view.FieldsHTML = fields
		with := *v
		with.Filters = view
		html, err := components.RenderedFilters(ctx, s, with)
		return view, html, err
	})
	if err != nil {
		return err
	}
	v.Filters, v.FiltersHTML = view, html
	return nil
}

// fieldsOf is the fields of the filter forms of the listing whose facet
// values are fr, rendered by the first order that asks.
func (f *filterForms) fieldsOf(ctx context.Context, s *components.Site, handle string, fr *facets.Result) (templ.Component, error) {
	_, html, err := once(&f.fields, fr, func() (*components.FilterView, templ.Component, error) {
		html, err := components.RenderedFilterFields(ctx, s, components.NewFilterView(s, handle, *fr, facets.Query{}, nil))
		return nil, html, err
	})
	return html, err
}

// once is the form of key in m, rendered by the first caller and shared
// by the others; a failed rendering (a cancelled build's) is not kept, so
// the next caller renders it again.
func once(m *sync.Map, key any, render func() (*components.FilterView, templ.Component, error)) (*components.FilterView, templ.Component, error) {
	e, _ := m.LoadOrStore(key, &filterForm{})
	form := e.(*filterForm)
	form.mu.Lock()
	defer form.mu.Unlock()
	if form.html == nil {
		view, html, err := render()
		if err != nil {
			return nil, nil, err
		}
		form.view, form.html = view, html
	}
	return form.view, form.html, nil
}

package store

import (
	"context"
	"slices"
	"unicode/utf8"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// SetPreferences replaces the shopper's preferences. Returns
// ErrPreferences for a name that is not UTF-8 or longer than
// shopper.MaxGreetingName runes, or a sort order not in
// catalog.SortOrders (empty is allowed: the list's own order).
func (d *DB) SetPreferences(ctx context.Context, store string, id shopper.ID, p shopper.Preferences) (*shopper.State, error) {
	if !utf8.ValidString(p.Name) || utf8.RuneCountInString(p.Name) > shopper.MaxGreetingName {
		return nil, ErrPreferences
	}
	if p.Sort != "" && !slices.Contains(catalog.SortOrders, p.Sort) {
		return nil, ErrPreferences
	}
	return d.write(ctx, "set preferences", store, id, &p, nil, nil)
}

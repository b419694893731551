package store

import (
	"context"
	"fmt"
)

// Popularity counts, per product, the distinct shoppers who viewed it or
// have it in their cart in the store. One query: UNION (not UNION ALL)
// makes (product, shopper) pairs distinct across both tables and across a
// cart's variants of one product. It reads the whole store, so callers
// cache its result.
func (d *DB) Popularity(ctx context.Context, store string) (map[string]int, error) {
	views := d.r.NewSelect().TableExpr("views").Column("product", "shopper").Where("store = ?", store)
	carts := d.r.NewSelect().TableExpr("cart_lines").Column("product", "shopper").Where("store = ?", store)
	var rows []struct {
		Product string `bun:"product"`
		N       int    `bun:"n"`
	}
	if err := d.r.NewSelect().TableExpr("(?) AS u", views.Union(carts)).
		ColumnExpr("u.product, COUNT(*) AS n").
		GroupExpr("u.product").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: popularity: %w", err)
	}
	pop := make(map[string]int, len(rows))
	for _, r := range rows {
		pop[r.Product] = r.N
	}
	return pop, nil
}

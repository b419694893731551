package store

import (
	"context"
	"fmt"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

var _ shopper.Reports = (*DB)(nil)

// OrderTotals lists the orders placed in [from, to) of store ("": all),
// oldest first, with their total (the subtotal for an order recorded
// before totals were: migration 4). The orders' id order is their
// creation order; created_at bounds the range.
func (d *DB) OrderTotals(ctx context.Context, store string, from, to time.Time) ([]shopper.OrderTotal, error) {
	var rows []struct {
		Store    string    `bun:"store"`
		At       time.Time `bun:"created_at"`
		Currency string    `bun:"currency"`
		Total    int64     `bun:"total"`
	}
	q := d.r.NewSelect().TableExpr("orders AS o").
		Join("LEFT JOIN order_details AS od ON od.order_id = o.id").
		ColumnExpr("o.store, o.created_at, o.currency").
		ColumnExpr("COALESCE(od.total_amount, o.subtotal_amount) AS total").
		Where("o.created_at >= ?", normTime(from)).Where("o.created_at < ?", normTime(to)).
		OrderExpr("o.created_at, o.id")
	if store != "" {
		q.Where("o.store = ?", store)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: order totals: %w", err)
	}
	out := make([]shopper.OrderTotal, len(rows))
	for i, r := range rows {
		out[i] = shopper.OrderTotal{Store: r.Store, At: r.At.UTC(), Currency: r.Currency, Total: r.Total}
	}
	return out, nil
}

// IdleCarts lists the last write of each shopper of store ("": all) whose
// cart holds lines, when it is in [from, to). It starts from cart_lines,
// which holds only the carts in progress, so it needs no index on the
// shoppers' updated_at (which every shopper write would then maintain).
func (d *DB) IdleCarts(ctx context.Context, store string, from, to time.Time) ([]time.Time, error) {
	var at []time.Time
	sub := d.r.NewSelect().TableExpr("cart_lines AS c").ColumnExpr("DISTINCT c.store, c.shopper")
	if store != "" {
		sub.Where("c.store = ?", store)
	}
	q := d.r.NewSelect().TableExpr("(?) AS cs", sub).
		Join("JOIN shoppers AS s ON s.store = cs.store AND s.id = cs.shopper").
		ColumnExpr("s.updated_at").
		Where("s.updated_at >= ?", normTime(from)).Where("s.updated_at < ?", normTime(to)).
		OrderExpr("s.updated_at")
	if err := q.Scan(ctx, &at); err != nil {
		return nil, fmt.Errorf("store: idle carts: %w", err)
	}
	for i := range at {
		at[i] = at[i].UTC()
	}
	return at, nil
}

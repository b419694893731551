package store

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/islands/shopper"
)

// AddToCart adds qty (1..shopper.MaxQuantity) of a variant at price (the
// line's Price from now on), merging with an existing line (whose place in
// the cart is kept); the line's total is capped at shopper.MaxQuantity. Returns shopper.ErrQuantity, or
// shopper.ErrCartFull when the variant is new and the cart already has
// shopper.MaxCartLines lines.
func (d *DB) AddToCart(ctx context.Context, store string, id shopper.ID, product, variant string, qty int, price int64) (*shopper.State, error) {
	if qty < 1 || qty > shopper.MaxQuantity {
		return nil, shopper.ErrQuantity
	}
	return d.write(ctx, "add to cart", store, id, nil, func(ctx context.Context, tx bun.Tx, seq int64) error {
		p, err := d.hot(ctx)
		if err != nil {
			return err
		}
		// The line's total is capped with CASE: LEAST would do on
		// PostgreSQL, MIN on SQLite; CASE is both.
		_, err = tx.Tx.StmtContext(ctx, p.addLine).ExecContext(ctx, store, string(id), product, variant,
			qty, seq, d.clock(), price, shopper.MaxQuantity, shopper.MaxQuantity)
		return err
	}, func(_ context.Context, _ bun.Tx, st *shopper.State) error {
		// Only a new line can take the cart past the limit.
		if len(st.Cart) > shopper.MaxCartLines {
			return shopper.ErrCartFull
		}
		return nil
	})
}

// SetQuantity sets a line's quantity (0..shopper.MaxQuantity); 0 removes
// the line. Returns shopper.ErrQuantity, or shopper.ErrNotInCart when the
// cart has no such line.
func (d *DB) SetQuantity(ctx context.Context, store string, id shopper.ID, product, variant string, qty int) (*shopper.State, error) {
	if qty < 0 || qty > shopper.MaxQuantity {
		return nil, shopper.ErrQuantity
	}
	return d.write(ctx, "set quantity", store, id, nil, func(ctx context.Context, tx bun.Tx, _ int64) error {
		const where = "store = ? AND shopper = ? AND product = ? AND variant = ?"
		var res sql.Result
		var err error
		if qty == 0 {
			res, err = tx.NewDelete().Model((*cartLineRow)(nil)).
				Where(where, store, string(id), product, variant).Exec(ctx)
		} else {
			res, err = tx.NewUpdate().Model((*cartLineRow)(nil)).
				Set("quantity = ?", qty).
				Where(where, store, string(id), product, variant).Exec(ctx)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return shopper.ErrNotInCart
		}
		return nil
	}, nil)
}

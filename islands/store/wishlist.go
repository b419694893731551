package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/islands/shopper"
)

// ToggleWishlist adds the product to the wishlist (first: newest first),
// or removes it if it is there; on reports which. Returns
// shopper.ErrWishlistFull when adding to a wishlist of
// shopper.MaxWishlist entries.
func (d *DB) ToggleWishlist(ctx context.Context, store string, id shopper.ID, product string) (*shopper.State, bool, error) {
	var on bool
	st, err := d.write(ctx, "toggle wishlist", store, id, nil, func(ctx context.Context, tx bun.Tx, seq int64) error {
		on = false
		res, err := tx.NewDelete().Model((*wishRow)(nil)).
			Where("w.store = ? AND w.shopper = ? AND w.product = ?", store, string(id), product).
			Exec(ctx)
		if err != nil {
			return err
		}
		if removed, err := res.RowsAffected(); err != nil || removed > 0 {
			return err
		}
		w := &wishRow{Store: store, Shopper: string(id), Product: product, Seq: seq, AddedAt: d.clock()}
		if _, err := tx.NewInsert().Model(w).Exec(ctx); err != nil {
			return err
		}
		on = true
		return nil
	}, func(_ context.Context, _ bun.Tx, st *shopper.State) error {
		if len(st.Wishes) > shopper.MaxWishlist {
			return shopper.ErrWishlistFull
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return st, on, nil
}

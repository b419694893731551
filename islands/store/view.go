package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/islands/shopper"
)

// RecordView puts the product first in the browsing history (moving it
// there if it was already in it, with the new time), keeping the newest
// shopper.MaxViewed entries. A zero at means now.
func (d *DB) RecordView(ctx context.Context, store string, id shopper.ID, product string, at time.Time) (*shopper.State, error) {
	if at.IsZero() {
		at = d.clock()
	} else {
		at = normTime(at)
	}
	return d.write(ctx, "record view", store, id, nil, func(ctx context.Context, tx bun.Tx, seq int64) error {
		v := &viewRow{Store: store, Shopper: string(id), Product: product, Seq: seq, At: at}
		_, err := tx.NewInsert().Model(v).
			On("CONFLICT (store, shopper, product) DO UPDATE").
			Set("seq = EXCLUDED.seq").
			Set("at = EXCLUDED.at").
			Exec(ctx)
		return err
	}, func(ctx context.Context, tx bun.Tx, st *shopper.State) error {
		// A new product took the history past the limit: drop the oldest
		// (at most one, unless MaxViewed shrank since it was written).
		if len(st.Viewed) <= shopper.MaxViewed {
			return nil
		}
		var old []string
		for _, v := range st.Viewed[shopper.MaxViewed:] {
			old = append(old, v.Product)
		}
		if _, err := tx.NewDelete().Model((*viewRow)(nil)).
			Where("v.store = ? AND v.shopper = ? AND v.product IN (?)", store, string(id), bun.List(old)).
			Exec(ctx); err != nil {
			return err
		}
		st.Viewed = st.Viewed[:shopper.MaxViewed]
		return nil
	})
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wandstore/wandstore/islands/shopper"
)

// ExternalCart returns the id of the cart the shopper was last handed to
// the store's own checkout with, "" when there is none.
func (d *DB) ExternalCart(ctx context.Context, store string, id shopper.ID) (string, error) {
	row := new(externalCartRow)
	err := d.r.NewSelect().Model(row).Column("cart_id").
		Where("x.store = ? AND x.shopper = ?", store, string(id)).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: external cart: %w", err)
	}
	return row.CartID, nil
}

// SetExternalCart keeps cartID as the shopper's cart at the store's own
// checkout ("" forgets it). It leaves the shopper's state and version
// alone: no fragment shows the id, so no cached fragment needs retiring.
// The shopper row must exist (the foreign key): a shopper who checks out
// has a cart, so it does.
func (d *DB) SetExternalCart(ctx context.Context, store string, id shopper.ID, cartID string) error {
	var err error
	if cartID == "" {
		_, err = d.w.NewDelete().Model((*externalCartRow)(nil)).
			Where("x.store = ? AND x.shopper = ?", store, string(id)).
			Exec(ctx)
	} else {
		row := &externalCartRow{Store: store, Shopper: string(id), CartID: cartID, UpdatedAt: d.clock()}
		_, err = d.w.NewInsert().Model(row).
			On("CONFLICT (store, shopper) DO UPDATE").
			Set("cart_id = EXCLUDED.cart_id").
			Set("updated_at = EXCLUDED.updated_at").
			Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: set external cart: %w", err)
	}
	return nil
}

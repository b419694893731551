package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// orderNumber is a new order's number as the shopper sees it: "WS-" and
// ten random characters of Crockford's base32 in two groups
// ("WS-7K3MQ-9PXA2"), 50 bits from crypto/rand. A sequence would tell
// anyone who orders twice how much a store sells (and, shared by every
// store, how much the platform does); a random number tells nothing and
// cannot be guessed. The orders table keeps numbers unique: a collision
// (about one in two thousand at a million orders) fails that checkout,
// which the shopper retries.
func orderNumber() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // no I, L, O, U
	var b [10]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	out := []byte("WS-xxxxx-xxxxx")
	for i, c := range b {
		pos := 3 + i
		if i >= 5 {
			pos++
		}
		out[pos] = alphabet[c&31]
	}
	return string(out)
}

// PlaceOrder records an order with the given lines (frozen titles and
// prices) and empties the cart, in one transaction with the version bump.
// Returns shopper.ErrEmptyCart when lines is empty, shopper.ErrQuantity
// when a line's quantity is outside 1..shopper.MaxQuantity, and
// shopper.ErrCartChanged (nothing ordered, nothing changed) when the cart
// does not hold exactly these lines' products, variants and quantities, in
// cart order: the order is always of the cart the shopper was shown.
func (d *DB) PlaceOrder(ctx context.Context, store string, id shopper.ID, lines []shopper.OrderLine, subtotal catalog.Money) (*shopper.Order, *shopper.State, error) {
	if len(lines) == 0 {
		return nil, nil, shopper.ErrEmptyCart
	}
	for _, l := range lines {
		if l.Quantity < 1 || l.Quantity > shopper.MaxQuantity {
			return nil, nil, shopper.ErrQuantity
		}
	}
	var ord *shopper.Order
	st, err := d.write(ctx, "place order", store, id, nil, func(ctx context.Context, tx bun.Tx, _ int64) error {
		// The bump above locked the shopper's row (PostgreSQL) or the
		// database (SQLite): the cart cannot change under this check.
		var cart []cartLineRow
		if err := tx.NewSelect().Model(&cart).Column("product", "variant", "quantity").
			Where("c.store = ? AND c.shopper = ?", store, string(id)).
			OrderExpr("c.seq").Scan(ctx); err != nil {
			return err
		}
		if len(cart) != len(lines) {
			return shopper.ErrCartChanged
		}
		for i, c := range cart {
			if l := lines[i]; c.Product != l.Product || c.Variant != l.Variant || c.Quantity != l.Quantity {
				return shopper.ErrCartChanged
			}
		}
		o := &orderRow{Store: store, Shopper: string(id), Number: orderNumber(), SubtotalAmount: subtotal.Amount,
			Currency: subtotal.Currency, CreatedAt: d.clock()}
		if _, err := tx.NewInsert().Model(o).Returning("id").Exec(ctx); err != nil {
			return err
		}
		rows := make([]orderLineRow, len(lines))
		for i, l := range lines {
			rows[i] = orderLineRow{OrderID: o.ID, Line: i, Product: l.Product, Variant: l.Variant,
				Title: l.Title, VariantTitle: l.VariantTitle, SKU: l.SKU, Quantity: l.Quantity,
				UnitAmount: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*cartLineRow)(nil)).
			Where("c.store = ? AND c.shopper = ?", store, string(id)).
			Exec(ctx); err != nil {
			return err
		}
		ord = &shopper.Order{ID: o.ID, Number: o.Number, Store: store, Shopper: id,
			Lines: slices.Clone(lines), Subtotal: subtotal, CreatedAt: o.CreatedAt}
		return nil
	}, nil)
	if err != nil {
		return nil, nil, err
	}
	return ord, st, nil
}

// Order returns one of the shopper's orders in a store by number, with its
// lines in order. Another shopper's order, or another store's, is none:
// (nil, nil), exactly like a number that does not exist.
func (d *DB) Order(ctx context.Context, store string, id shopper.ID, number string) (*shopper.Order, error) {
	o := new(orderRow)
	err := d.r.NewSelect().Model(o).
		Where("o.number = ? AND o.store = ? AND o.shopper = ?", number, store, string(id)).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: order: %w", err)
	}
	var rows []orderLineRow
	if err := d.r.NewSelect().Model(&rows).
		Where("ol.order_id = ?", o.ID).
		OrderExpr("ol.line").
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: order lines: %w", err)
	}
	ord := &shopper.Order{ID: o.ID, Number: o.Number, Store: o.Store, Shopper: shopper.ID(o.Shopper),
		Subtotal:  catalog.Money{Amount: o.SubtotalAmount, Currency: o.Currency},
		CreatedAt: normTime(o.CreatedAt), Lines: make([]shopper.OrderLine, len(rows))}
	for i, r := range rows {
		ord.Lines[i] = shopper.OrderLine{Product: r.Product, Variant: r.Variant, Title: r.Title,
			VariantTitle: r.VariantTitle, SKU: r.SKU, Quantity: r.Quantity,
			UnitPrice: catalog.Money{Amount: r.UnitAmount, Currency: r.Currency}}
	}
	return ord, nil
}

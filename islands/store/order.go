package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

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

// orderToken is a new order's confirmation-page token: 128 bits from
// crypto/rand as 32 hex digits. The page is answered only to the shopper
// who placed the order; the token keeps it unguessable even so.
func orderToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// PlaceOrder records an order (its lines with frozen titles and prices,
// its details and totals) and empties the cart, in one transaction with
// the version bump; with notify, its confirmation email is queued in the
// same transaction (order_emails). Returns shopper.ErrEmptyCart when o has
// no lines, shopper.ErrQuantity when a line's quantity is outside
// 1..shopper.MaxQuantity, and shopper.ErrCartChanged (nothing ordered,
// nothing changed) when the cart does not hold exactly these lines'
// products, variants and quantities, in cart order: the order is always of
// the cart the shopper was shown.
func (d *DB) PlaceOrder(ctx context.Context, store string, id shopper.ID, o *shopper.Order, notify bool) (*shopper.Order, *shopper.State, error) {
	lines := o.Lines
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
		or := &orderRow{Store: store, Shopper: string(id), Number: orderNumber(), SubtotalAmount: o.Subtotal.Amount,
			Currency: o.Subtotal.Currency, CreatedAt: d.clock()}
		if _, err := tx.NewInsert().Model(or).Returning("id").Exec(ctx); err != nil {
			return err
		}
		rows := make([]orderLineRow, len(lines))
		for i, l := range lines {
			rows[i] = orderLineRow{OrderID: or.ID, Line: i, Product: l.Product, Variant: l.Variant,
				Title: l.Title, VariantTitle: l.VariantTitle, SKU: l.SKU, Quantity: l.Quantity,
				UnitAmount: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
		a := o.Address
		det := &orderDetailRow{OrderID: or.ID, Token: orderToken(), Email: o.Email, Name: a.Name, Line1: a.Line1,
			Line2: a.Line2, City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country,
			ShippingMethod: o.Shipping.Method, ShippingName: o.Shipping.Name, ShippingAmount: o.Shipping.Amount.Amount,
			TaxAmount: o.Tax.Amount, TaxRate: o.TaxRate, TaxInclusive: o.TaxInclusive, TotalAmount: o.Total.Amount,
			Payment: o.Payment}
		if _, err := tx.NewInsert().Model(det).Exec(ctx); err != nil {
			return err
		}
		if notify && o.Email != "" {
			if _, err := tx.NewInsert().Model(&orderEmailRow{OrderID: or.ID, NextAt: or.CreatedAt}).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Model((*cartLineRow)(nil)).
			Where("c.store = ? AND c.shopper = ?", store, string(id)).
			Exec(ctx); err != nil {
			return err
		}
		ord = new(shopper.Order)
		*ord = *o
		ord.ID, ord.Number, ord.Token, ord.Store, ord.Shopper, ord.CreatedAt = or.ID, or.Number, det.Token, store, id, or.CreatedAt
		ord.Lines = slices.Clone(lines)
		return nil
	}, nil)
	if err != nil {
		return nil, nil, err
	}
	return ord, st, nil
}

// Order returns one of the shopper's orders in a store by its token, with
// its lines in order. Another shopper's order, or another store's, is
// none: (nil, nil), exactly like a token that does not exist.
func (d *DB) Order(ctx context.Context, store string, id shopper.ID, token string) (*shopper.Order, error) {
	det := new(orderDetailRow)
	err := d.r.NewSelect().Model(det).Where("od.token = ?", token).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: order: %w", err)
	}
	o, err := d.orderByID(ctx, det.OrderID, det)
	if err != nil || o == nil {
		return nil, err
	}
	if o.Store != store || o.Shopper != id {
		return nil, nil
	}
	return o, nil
}

// orderByID reads an order, its lines and (when det is nil) its details.
func (d *DB) orderByID(ctx context.Context, orderID int64, det *orderDetailRow) (*shopper.Order, error) {
	o := new(orderRow)
	err := d.r.NewSelect().Model(o).Where("o.id = ?", orderID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: order: %w", err)
	}
	if det == nil {
		det = new(orderDetailRow)
		if err := d.r.NewSelect().Model(det).Where("od.order_id = ?", orderID).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: order details: %w", err)
		}
	}
	var rows []orderLineRow
	if err := d.r.NewSelect().Model(&rows).
		Where("ol.order_id = ?", o.ID).
		OrderExpr("ol.line").
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: order lines: %w", err)
	}
	money := func(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: o.Currency} }
	ord := &shopper.Order{ID: o.ID, Number: o.Number, Token: det.Token, Store: o.Store, Shopper: shopper.ID(o.Shopper),
		Subtotal: money(o.SubtotalAmount), CreatedAt: normTime(o.CreatedAt), Lines: make([]shopper.OrderLine, len(rows)),
		Email: det.Email,
		Address: shopper.Address{Name: det.Name, Line1: det.Line1, Line2: det.Line2, City: det.City, Region: det.Region,
			PostalCode: det.PostalCode, Country: det.Country},
		Shipping: shopper.Shipping{Method: det.ShippingMethod, Name: det.ShippingName, Amount: money(det.ShippingAmount)},
		Tax:      money(det.TaxAmount), TaxRate: det.TaxRate, TaxInclusive: det.TaxInclusive, Total: money(det.TotalAmount),
		Payment: det.Payment}
	for i, r := range rows {
		ord.Lines[i] = shopper.OrderLine{Product: r.Product, Variant: r.Variant, Title: r.Title,
			VariantTitle: r.VariantTitle, SKU: r.SKU, Quantity: r.Quantity,
			UnitPrice: catalog.Money{Amount: r.UnitAmount, Currency: r.Currency}}
	}
	return ord, nil
}

// Orders lists the shopper's last limit orders in the store (those the
// checkout recorded), newest first.
func (d *DB) Orders(ctx context.Context, store string, id shopper.ID, limit int) ([]shopper.OrderSummary, error) {
	var rows []struct {
		Number    string    `bun:"number"`
		Token     string    `bun:"token"`
		Total     int64     `bun:"total_amount"`
		Currency  string    `bun:"currency"`
		CreatedAt time.Time `bun:"created_at"`
		Items     int       `bun:"items"`
	}
	err := d.r.NewSelect().TableExpr("orders AS o").
		Join("JOIN order_details AS od ON od.order_id = o.id").
		ColumnExpr("o.number, od.token, od.total_amount, o.currency, o.created_at").
		ColumnExpr("(SELECT COALESCE(SUM(ol.quantity), 0) FROM order_lines AS ol WHERE ol.order_id = o.id) AS items").
		Where("o.store = ? AND o.shopper = ?", store, string(id)).
		OrderExpr("o.id DESC").Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: orders: %w", err)
	}
	out := make([]shopper.OrderSummary, len(rows))
	for i, r := range rows {
		out[i] = shopper.OrderSummary{Number: r.Number, Token: r.Token, Items: r.Items, CreatedAt: normTime(r.CreatedAt),
			Total: catalog.Money{Amount: r.Total, Currency: r.Currency}}
	}
	return out, nil
}

// ClaimEmails implements shopper.Outbox. Each due row is claimed by an
// update that checks it is still due and its attempts unchanged (a
// compare-and-set), so a row two members read at once goes to one.
func (d *DB) ClaimEmails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]shopper.OutboxEmail, error) {
	now = normTime(now)
	var due []orderEmailRow
	if err := d.w.NewSelect().Model(&due).
		Where("oe.sent_at IS NULL AND oe.next_at <= ?", now).
		OrderExpr("oe.next_at").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: claim emails: %w", err)
	}
	var out []shopper.OutboxEmail
	for _, e := range due {
		res, err := d.w.NewUpdate().Model((*orderEmailRow)(nil)).
			Set("next_at = ?", now.Add(lease)).Set("attempts = attempts + 1").
			Where("order_id = ? AND attempts = ? AND sent_at IS NULL AND next_at <= ?", e.OrderID, e.Attempts, now).
			Exec(ctx)
		if err != nil {
			return out, fmt.Errorf("store: claim email: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another member took it
		}
		o, err := d.orderByID(ctx, e.OrderID, nil)
		if err != nil {
			return out, err
		}
		if o != nil {
			out = append(out, shopper.OutboxEmail{Order: o, Attempts: e.Attempts + 1})
		}
	}
	return out, nil
}

// EmailSent implements shopper.Outbox.
func (d *DB) EmailSent(ctx context.Context, orderID int64, at time.Time) error {
	_, err := d.w.NewUpdate().Model((*orderEmailRow)(nil)).Set("sent_at = ?", normTime(at)).Set("last_error = ''").
		Where("order_id = ?", orderID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: email sent: %w", err)
	}
	return nil
}

// never is the next attempt of an email given up on.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// EmailFailed implements shopper.Outbox.
func (d *DB) EmailFailed(ctx context.Context, orderID int64, next time.Time, reason string) error {
	if next.IsZero() {
		next = never
	}
	if len(reason) > 500 {
		reason = reason[:500]
	}
	_, err := d.w.NewUpdate().Model((*orderEmailRow)(nil)).Set("next_at = ?", normTime(next)).Set("last_error = ?", reason).
		Where("order_id = ?", orderID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: email failed: %w", err)
	}
	return nil
}

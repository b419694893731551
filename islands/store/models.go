package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Row models for queries. The schema itself is in migrate.go.

type shopperRow struct {
	bun.BaseModel `bun:"table:shoppers,alias:s"`

	Store     string    `bun:"store,pk"`
	ID        string    `bun:"id,pk"`
	Name      string    `bun:"name"`
	Sort      string    `bun:"sort"`
	Version   int64     `bun:"version"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

type cartLineRow struct {
	bun.BaseModel `bun:"table:cart_lines,alias:c"`

	Store    string    `bun:"store,pk"`
	Shopper  string    `bun:"shopper,pk"`
	Product  string    `bun:"product,pk"`
	Variant  string    `bun:"variant,pk"`
	Quantity int       `bun:"quantity"`
	Seq      int64     `bun:"seq"`
	AddedAt  time.Time `bun:"added_at"`
	Price    int64     `bun:"price"` // unit price when last added (minor units)
}

type viewRow struct {
	bun.BaseModel `bun:"table:views,alias:v"`

	Store   string    `bun:"store,pk"`
	Shopper string    `bun:"shopper,pk"`
	Product string    `bun:"product,pk"`
	Seq     int64     `bun:"seq"`
	At      time.Time `bun:"at"`
}

type wishRow struct {
	bun.BaseModel `bun:"table:wishlist,alias:w"`

	Store   string    `bun:"store,pk"`
	Shopper string    `bun:"shopper,pk"`
	Product string    `bun:"product,pk"`
	Seq     int64     `bun:"seq"`
	AddedAt time.Time `bun:"added_at"`
}

type orderRow struct {
	bun.BaseModel `bun:"table:orders,alias:o"`

	ID             int64     `bun:"id,pk,autoincrement"`
	Number         string    `bun:"number,nullzero"`
	Store          string    `bun:"store"`
	Shopper        string    `bun:"shopper"`
	SubtotalAmount int64     `bun:"subtotal_amount"`
	Currency       string    `bun:"currency"`
	CreatedAt      time.Time `bun:"created_at"`
}

type orderLineRow struct {
	bun.BaseModel `bun:"table:order_lines,alias:ol"`

	OrderID      int64  `bun:"order_id,pk"`
	Line         int    `bun:"line,pk"`
	Product      string `bun:"product"`
	Variant      string `bun:"variant"`
	Title        string `bun:"title"`
	VariantTitle string `bun:"variant_title"`
	SKU          string `bun:"sku"`
	Quantity     int    `bun:"quantity"`
	UnitAmount   int64  `bun:"unit_amount"`
	Currency     string `bun:"currency"`
}

type orderDetailRow struct {
	bun.BaseModel `bun:"table:order_details,alias:od"`

	OrderID        int64  `bun:"order_id,pk"`
	Token          string `bun:"token"`
	Email          string `bun:"email"`
	Name           string `bun:"name"`
	Line1          string `bun:"line1"`
	Line2          string `bun:"line2"`
	City           string `bun:"city"`
	Region         string `bun:"region"`
	PostalCode     string `bun:"postal_code"`
	Country        string `bun:"country"`
	ShippingMethod string `bun:"shipping_method"`
	ShippingName   string `bun:"shipping_name"`
	ShippingAmount int64  `bun:"shipping_amount"`
	TaxAmount      int64  `bun:"tax_amount"`
	TaxRate        int64  `bun:"tax_rate"`
	TaxInclusive   bool   `bun:"tax_inclusive"`
	TotalAmount    int64  `bun:"total_amount"`
	Payment        string `bun:"payment"`
}

type orderEmailRow struct {
	bun.BaseModel `bun:"table:order_emails,alias:oe"`

	OrderID   int64     `bun:"order_id,pk"`
	Attempts  int       `bun:"attempts"`
	NextAt    time.Time `bun:"next_at"`
	SentAt    time.Time `bun:"sent_at,nullzero"`
	LastError string    `bun:"last_error"`
}

type externalCartRow struct {
	bun.BaseModel `bun:"table:external_carts,alias:x"`

	Store     string    `bun:"store,pk"`
	Shopper   string    `bun:"shopper,pk"`
	CartID    string    `bun:"cart_id"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// stateRow is one row of the union that reads a shopper's whole state in
// one statement (so one snapshot, with no transaction needed). Kind says
// which table it comes from and what the generic columns hold:
//
//	kind  a        b        n         seq      at          price
//	's'   name     sort     0         version  updated_at  0      (shoppers)
//	'c'   product  variant  quantity  seq      added_at    price  (cart_lines)
//	'v'   product  ''       0         seq      at          0      (views)
//	'w'   product  ''       0         seq      added_at    0      (wishlist)
type stateRow struct {
	Kind  string    `bun:"kind"`
	A     string    `bun:"a"`
	B     string    `bun:"b"`
	N     int       `bun:"n"`
	Seq   int64     `bun:"seq"`
	At    time.Time `bun:"at"`
	Price int64     `bun:"price"`
}

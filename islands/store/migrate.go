package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"github.com/wandstore/wandstore/internal/migration"
)

// Migrations are Go functions compiled into the binary (nothing to ship
// beside it). They build their DDL with Bun's query builder from the
// frozen m1* structs below, not from the live models, so the dialect picks
// the column types (INTEGER PRIMARY KEY AUTOINCREMENT on SQLite, BIGSERIAL
// on PostgreSQL, TIMESTAMPTZ there) and a later change to a model never
// rewrites history. Each runs in one transaction (DDL is transactional in
// both SQLite and PostgreSQL) and uses IF NOT EXISTS, so a crash between
// its commit and its bookkeeping row makes the rerun a no-op.
func migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migration.InTx("20260301000001", "shoppers_carts_views_wishlist_orders", up1))
	ms.Add(migration.InTx("20261125000002", "external_carts", up2))
	ms.Add(migration.InTx("20261206000003", "session_keys", up3))
	ms.Add(migration.InTx("20261207000004", "order_details_order_emails", up4))
	ms.Add(migration.InTx("20261208000005", "cart_line_prices", up5))
	return ms
}

// MigrationInfo is one migration and whether this database has it.
type MigrationInfo struct {
	Name, Comment string
	Applied       bool
	AppliedAt     time.Time // zero when not applied
}

func (d *DB) migrator() *migrate.Migrator {
	return migrate.NewMigrator(d.w, migrations(), migrate.WithMarkAppliedOnSuccess(true))
}

// Migrate brings the schema up to date, applying every migration not yet
// applied, in order. It is safe to call on every start, and from several
// processes at once: on PostgreSQL they take turns (an advisory lock), on
// SQLite the single writer serializes them.
func (d *DB) Migrate(ctx context.Context) error {
	return migration.Up(ctx, d.w, migrations(), "store", d.log)
}

// MigrationStatus lists every migration this binary knows, oldest first,
// with whether the database has it. It creates the (empty) bookkeeping
// tables if they are missing.
func (d *DB) MigrationStatus(ctx context.Context) ([]MigrationInfo, error) {
	m := d.migrator()
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	out := make([]MigrationInfo, len(ms))
	for i, mg := range ms {
		out[i] = MigrationInfo{Name: mg.Name, Comment: mg.Comment, Applied: mg.IsApplied()}
		if mg.IsApplied() {
			out[i].AppliedAt = mg.MigratedAt
		}
	}
	return out, nil
}

// The schema of migration 1, frozen.

type m1Shopper struct {
	bun.BaseModel `bun:"table:shoppers"`

	Store     string    `bun:"store,pk,notnull"`
	ID        string    `bun:"id,pk,notnull"`
	Name      string    `bun:"name,notnull"`
	Sort      string    `bun:"sort,notnull"`
	Version   int64     `bun:"version,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// seq columns order a shopper's lists: the shopper's version at the write
// that put the row there (versions only grow), so "added order" and "newest
// first" need no tie-break on equal timestamps and no SQLite rowid.

type m1CartLine struct {
	bun.BaseModel `bun:"table:cart_lines"`

	Store    string    `bun:"store,pk,notnull"`
	Shopper  string    `bun:"shopper,pk,notnull"`
	Product  string    `bun:"product,pk,notnull"`
	Variant  string    `bun:"variant,pk,notnull"`
	Quantity int       `bun:"quantity,notnull"`
	Seq      int64     `bun:"seq,notnull"`
	AddedAt  time.Time `bun:"added_at,notnull"`
}

type m1View struct {
	bun.BaseModel `bun:"table:views"`

	Store   string    `bun:"store,pk,notnull"`
	Shopper string    `bun:"shopper,pk,notnull"`
	Product string    `bun:"product,pk,notnull"`
	Seq     int64     `bun:"seq,notnull"`
	At      time.Time `bun:"at,notnull"`
}

type m1Wish struct {
	bun.BaseModel `bun:"table:wishlist"`

	Store   string    `bun:"store,pk,notnull"`
	Shopper string    `bun:"shopper,pk,notnull"`
	Product string    `bun:"product,pk,notnull"`
	Seq     int64     `bun:"seq,notnull"`
	AddedAt time.Time `bun:"added_at,notnull"`
}

type m1Order struct {
	bun.BaseModel `bun:"table:orders"`

	ID int64 `bun:"id,pk,autoincrement"`
	// Number is derived from ID, so it is written by an UPDATE right after
	// the INSERT, in the same transaction: nullable for that instant.
	Number         string    `bun:"number,unique,nullzero"`
	Store          string    `bun:"store,notnull"`
	Shopper        string    `bun:"shopper,notnull"`
	SubtotalAmount int64     `bun:"subtotal_amount,notnull"`
	Currency       string    `bun:"currency,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

type m1OrderLine struct {
	bun.BaseModel `bun:"table:order_lines"`

	OrderID      int64  `bun:"order_id,pk,notnull"`
	Line         int    `bun:"line,pk,notnull"` // position in the order, from 0
	Product      string `bun:"product,notnull"`
	Variant      string `bun:"variant,notnull"`
	Title        string `bun:"title,notnull"`
	VariantTitle string `bun:"variant_title,notnull"`
	SKU          string `bun:"sku,notnull"`
	Quantity     int    `bun:"quantity,notnull"`
	UnitAmount   int64  `bun:"unit_amount,notnull"`
	Currency     string `bun:"currency,notnull"`
}

// up1 creates the first schema. Every per-shopper query filters on a
// primary-key prefix (store, shopper); Popularity scans one store's
// views and cart lines by the same prefix; Order finds an order by its
// unique number and its lines by the (order_id, line) key. No other
// index is needed yet.
func up1(ctx context.Context, db bun.IDB) error {
	const fkShopper = "(store, shopper) REFERENCES shoppers (store, id) ON DELETE CASCADE"
	tables := []*bun.CreateTableQuery{
		db.NewCreateTable().Model((*m1Shopper)(nil)).
			ColumnExpr("CHECK (version >= 1)"),
		db.NewCreateTable().Model((*m1CartLine)(nil)).
			ColumnExpr("CHECK (quantity BETWEEN 1 AND 99)").
			ForeignKey(fkShopper),
		db.NewCreateTable().Model((*m1View)(nil)).
			ForeignKey(fkShopper),
		db.NewCreateTable().Model((*m1Wish)(nil)).
			ForeignKey(fkShopper),
		db.NewCreateTable().Model((*m1Order)(nil)),
		db.NewCreateTable().Model((*m1OrderLine)(nil)).
			ColumnExpr("CHECK (quantity >= 1)").
			ForeignKey("(order_id) REFERENCES orders (id) ON DELETE CASCADE"),
	}
	return migration.CreateTables(ctx, tables...)
}

// The schema of migration 2, frozen.

// m2ExternalCart is the cart a shopper was last handed to a store's own
// checkout with (a Shopify cart id), one per shopper and store.
type m2ExternalCart struct {
	bun.BaseModel `bun:"table:external_carts"`

	Store     string    `bun:"store,pk,notnull"`
	Shopper   string    `bun:"shopper,pk,notnull"`
	CartID    string    `bun:"cart_id,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// up2 adds external_carts. It is read and written by its primary key
// (store, shopper) only, and goes with the shopper row.
func up2(ctx context.Context, db bun.IDB) error {
	_, err := db.NewCreateTable().Model((*m2ExternalCart)(nil)).
		ForeignKey("(store, shopper) REFERENCES shoppers (store, id) ON DELETE CASCADE").
		IfNotExists().Exec(ctx)
	return err
}

// The schema of migration 3, frozen.

// m3SessionKey is a key that signs shopper cookies, kept in the database
// so every islands server sharing it signs and verifies alike (see
// DB.SessionKey). One row, id 1, today.
type m3SessionKey struct {
	bun.BaseModel `bun:"table:session_keys"`

	ID        int       `bun:"id,pk,notnull"`
	Key       string    `bun:"key,notnull"` // hex
	CreatedAt time.Time `bun:"created_at,notnull"`
}

func up3(ctx context.Context, db bun.IDB) error {
	_, err := db.NewCreateTable().Model((*m3SessionKey)(nil)).IfNotExists().Exec(ctx)
	return err
}

// The schema of migration 4, frozen.

// m4OrderDetail is what the checkout records about an order beyond its
// lines: the token of its confirmation page, the shopper's email and
// address, the shipping method and the totals. A table of its own (one
// row per order, by its key) rather than columns added to orders: CREATE
// TABLE IF NOT EXISTS reruns as a no-op in both databases, where SQLite
// has no ADD COLUMN IF NOT EXISTS.
type m4OrderDetail struct {
	bun.BaseModel `bun:"table:order_details"`

	OrderID        int64  `bun:"order_id,pk,notnull"`
	Token          string `bun:"token,unique,notnull"`
	Email          string `bun:"email,notnull"`
	Name           string `bun:"name,notnull"`
	Line1          string `bun:"line1,notnull"`
	Line2          string `bun:"line2,notnull"`
	City           string `bun:"city,notnull"`
	Region         string `bun:"region,notnull"`
	PostalCode     string `bun:"postal_code,notnull"`
	Country        string `bun:"country,notnull"`
	ShippingMethod string `bun:"shipping_method,notnull"`
	ShippingName   string `bun:"shipping_name,notnull"`
	ShippingAmount int64  `bun:"shipping_amount,notnull"`
	TaxAmount      int64  `bun:"tax_amount,notnull"`
	TaxRate        int64  `bun:"tax_rate,notnull"`
	TaxInclusive   bool   `bun:"tax_inclusive,notnull"`
	TotalAmount    int64  `bun:"total_amount,notnull"`
	Payment        string `bun:"payment,notnull"`
}

// m4OrderEmail is the outbox of order confirmations: written in the
// order's transaction, drained by a worker that retries with backoff.
// A row is due when sent_at is NULL and next_at has passed; claiming it
// moves next_at forward (a lease), so two members never send it at once.
type m4OrderEmail struct {
	bun.BaseModel `bun:"table:order_emails"`

	OrderID   int64     `bun:"order_id,pk,notnull"`
	Attempts  int       `bun:"attempts,notnull"`
	NextAt    time.Time `bun:"next_at,notnull"`
	SentAt    time.Time `bun:"sent_at,nullzero"`
	LastError string    `bun:"last_error,notnull"`
}

// up4 adds order_details and order_emails, both going with their order,
// and the indexes their reads need: the order history lists a shopper's
// orders in a store newest first, and the worker looks for due emails.
func up4(ctx context.Context, db bun.IDB) error {
	const fkOrder = "(order_id) REFERENCES orders (id) ON DELETE CASCADE"
	if err := migration.CreateTables(ctx,
		db.NewCreateTable().Model((*m4OrderDetail)(nil)).ForeignKey(fkOrder),
		db.NewCreateTable().Model((*m4OrderEmail)(nil)).ForeignKey(fkOrder),
	); err != nil {
		return err
	}
	if _, err := db.NewCreateIndex().Table("orders").Index("orders_shopper_idx").
		Column("store", "shopper", "id").IfNotExists().Exec(ctx); err != nil {
		return err
	}
	_, err := db.NewCreateIndex().Table("order_emails").Index("order_emails_due_idx").
		Column("next_at").Where("sent_at IS NULL").IfNotExists().Exec(ctx)
	return err
}

// up5 keeps each cart line's unit price as the shopper last added it
// (cart_lines.price, minor units), so the cart can say when the catalog's
// price has changed since. Lines already there get 0: not known.
// Neither SQLite nor PostgreSQL's ADD COLUMN takes IF NOT EXISTS in both,
// so the column is looked up first (a rerun after a crash between the
// commit and the bookkeeping row is then a no-op, as for the others).
func up5(ctx context.Context, db bun.IDB) error {
	var n int
	q := "SELECT count(*) FROM information_schema.columns WHERE table_name = 'cart_lines' AND column_name = 'price' AND table_schema = current_schema()"
	if db.Dialect().Name() == dialect.SQLite {
		q = "SELECT count(*) FROM pragma_table_info('cart_lines') WHERE name = 'price'"
	}
	if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := db.NewAddColumn().Table("cart_lines").ColumnExpr("price BIGINT NOT NULL DEFAULT 0").Exec(ctx)
	return err
}

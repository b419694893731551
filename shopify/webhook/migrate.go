package webhook

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/wandstore/wandstore/internal/migration"
)

// Migrations follow islands/store's rules: Go functions building DDL with
// Bun's query builder from frozen structs, one transaction each, IF NOT
// EXISTS. They are recorded in the database's one bookkeeping table
// (bun_migrations, beside islands/store's: names never collide, and Bun's
// migrator looks only at the migrations it is given), under the same lock.
func migrations() *migrate.Migrations {
	ms := migrate.NewMigrations()
	ms.Add(migration.InTx("20261125000001", "webhook_deliveries_versions", up1))
	ms.Add(migration.InTx("20261206000002", "webhook_inventory_items", up2))
	ms.Add(migration.InTx("20261206000004", "drop_webhook_migration_tables", up4))
	return ms
}

func migrateUp(ctx context.Context, db *bun.DB, log *slog.Logger) error {
	return migration.Up(ctx, db, migrations(), "webhook", log)
}

// The schema of migration 1, frozen.

type m1Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID            int64     `bun:"id,pk,autoincrement"`
	WebhookID     string    `bun:"webhook_id,notnull,unique"`
	EventID       string    `bun:"event_id,nullzero,unique"` // NULLs do not collide: unique when present
	Topic         string    `bun:"topic,notnull"`
	Shop          string    `bun:"shop,notnull"`
	APIVersion    string    `bun:"api_version,notnull"`
	TriggeredAt   time.Time `bun:"triggered_at,nullzero"`
	Body          []byte    `bun:"body,notnull"`
	ReceivedAt    time.Time `bun:"received_at,notnull"`
	Status        string    `bun:"status,notnull"`
	Attempts      int       `bun:"attempts,notnull"`
	LastError     string    `bun:"last_error,notnull"`
	NextAttemptAt time.Time `bun:"next_attempt_at,notnull"`
	DoneAt        time.Time `bun:"done_at,nullzero"`
}

type m1Version struct {
	bun.BaseModel `bun:"table:webhook_versions"`

	Shop       string    `bun:"shop,pk,notnull"`
	Kind       string    `bun:"kind,pk,notnull"`
	ResourceID string    `bun:"resource_id,pk,notnull"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
	Deleted    bool      `bun:"deleted,notnull"`
}

// up1: the worker looks for each shop's oldest queued delivery
// (status, shop, id); Prune scans by received_at, rarely, and may scan.
func up1(ctx context.Context, db bun.IDB) error {
	if _, err := db.NewCreateTable().Model((*m1Delivery)(nil)).
		ColumnExpr("CHECK (status IN ('queued', 'done', 'failed'))").
		IfNotExists().Exec(ctx); err != nil {
		return err
	}
	if _, err := db.NewCreateIndex().Model((*m1Delivery)(nil)).Index("webhook_deliveries_queue").
		Column("status", "shop", "id").IfNotExists().Exec(ctx); err != nil {
		return err
	}
	_, err := db.NewCreateTable().Model((*m1Version)(nil)).IfNotExists().Exec(ctx)
	return err
}

// The schema of migration 2, frozen.

// m2InventoryItem says which product an inventory item belongs to, as
// product payloads told it (inventory_levels/update names only the item).
type m2InventoryItem struct {
	bun.BaseModel `bun:"table:webhook_inventory_items"`

	Shop      string    `bun:"shop,pk,notnull"`
	Item      string    `bun:"item,pk,notnull"`
	Store     string    `bun:"store,notnull"`
	Product   string    `bun:"product,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// up2: read and written by its primary key only.
func up2(ctx context.Context, db bun.IDB) error {
	_, err := db.NewCreateTable().Model((*m2InventoryItem)(nil)).IfNotExists().Exec(ctx)
	return err
}

// up4: until this migration the package kept its own bookkeeping tables;
// the migrations they recorded are recorded again in bun_migrations (their
// IF NOT EXISTS makes the rerun a no-op), and the old tables go.
func up4(ctx context.Context, db bun.IDB) error {
	for _, t := range []string{"webhook_migrations", "webhook_migration_locks"} {
		if _, err := db.NewDropTable().TableExpr(t).IfExists().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

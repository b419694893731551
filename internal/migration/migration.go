// Package migration holds what the database's migrations share (those of
// islands/store, shopify/webhook, ops, experiments/record, ai and
// internal/handoff): the form of one (InTx), its tables (CreateTables),
// and the lock that serializes them between processes that share a
// PostgreSQL database (Lock): members of a cluster start together, and two
// concurrent CREATE TABLE IF NOT EXISTS of one table collide in PostgreSQL's
// catalog (a unique violation on pg_type) instead of one waiting for the
// other. SQLite needs nothing: its single writer already serializes DDL.
package migration

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// InTx is a migration whose up runs in one transaction (DDL is
// transactional in SQLite and PostgreSQL), so a crash leaves it undone
// rather than half done.
func InTx(name, comment string, up func(ctx context.Context, db bun.IDB) error) migrate.Migration {
	return migrate.Migration{
		Name:    name,
		Comment: comment,
		Up: func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
			return m.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return up(ctx, tx) })
		},
	}
}

// key names the advisory lock: any 64-bit number the application does not
// use for something else ("wandmigr" in ASCII).
const key int64 = 0x77616e646d696772

// Lock runs f while holding a session-level advisory lock on one connection
// of db (PostgreSQL), so a second process's Lock waits for the first to
// finish. On other databases it simply runs f.
func Lock(ctx context.Context, db *bun.DB, f func(context.Context) error) error {
	if db.Dialect().Name() != dialect.PG {
		return f(ctx)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", key); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even when ctx was cancelled
		// (closing the connection would also release it).
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", key)
	}()
	return f(ctx)
}

// Up applies the migrations of ms not yet applied, in order, under Lock,
// recording each in Bun's bookkeeping table once it succeeds; who ("store",
// "webhook") names them in errors and in the log line of each applied.
func Up(ctx context.Context, db *bun.DB, ms *migrate.Migrations, who string, log *slog.Logger) error {
	return Lock(ctx, db, func(ctx context.Context) error {
		m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("%s: migrate: init: %w", who, err)
		}
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("%s: migrate: %w", who, err)
		}
		if group.IsZero() {
			log.Debug(who + ": schema up to date")
			return nil
		}
		for _, mg := range group.Migrations {
			log.Info(who+": migrated", "migration", mg.Name, "comment", mg.Comment)
		}
		return nil
	})
}

// CreateTables runs each CREATE TABLE as IF NOT EXISTS, in order: a
// migration's tables (their columns, keys and checks set by the caller).
func CreateTables(ctx context.Context, qs ...*bun.CreateTableQuery) error {
	for _, q := range qs {
		if _, err := q.IfNotExists().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

// BenchmarkDurableAddToCart compares AddToCart with the raw driver doing
// the same three statements (version bump, line upsert, state read) in one
// transaction, prepared once, on SQLite and on PostgreSQL (with
// WANDSTORE_PG_DSN): committed adds a second, in parallel over distinct
// shoppers. The ratio store/raw is the cost of Bun and the store's logic.
func BenchmarkDurableAddToCart(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			if backend == "postgres" {
				testkit.SkipWithoutPostgres(b)
			}
			b.Run("store", func(b *testing.B) {
				d, _, _ := openTest(b)
				benchAddToCart(b, d)
			})
			b.Run("raw", func(b *testing.B) {
				d, _, _ := openTest(b)
				benchRawAddToCart(b, d)
			})
		})
	}
}

const (
	rawBump = `INSERT INTO shoppers (store, id, name, sort, version, created_at, updated_at) VALUES (?, ?, '', '', 1, ?, ?)
ON CONFLICT (store, id) DO UPDATE SET version = shoppers.version + 1, updated_at = excluded.updated_at RETURNING version`
	rawLine = `INSERT INTO cart_lines (store, shopper, product, variant, quantity, seq, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (store, shopper, product, variant) DO UPDATE
SET quantity = CASE WHEN cart_lines.quantity + excluded.quantity > 99 THEN 99 ELSE cart_lines.quantity + excluded.quantity END`
	rawState = `SELECT 's' AS kind, name AS a, sort AS b, 0 AS n, version AS seq, updated_at AS at FROM shoppers WHERE store = ? AND id = ?
UNION ALL SELECT 'c', product, variant, quantity, seq, added_at FROM cart_lines WHERE store = ? AND shopper = ?
UNION ALL SELECT 'v', product, '', 0, seq, at FROM views WHERE store = ? AND shopper = ?
UNION ALL SELECT 'w', product, '', 0, seq, added_at FROM wishlist WHERE store = ? AND shopper = ?`
)

func benchRawAddToCart(b *testing.B, d *DB) {
	ctx := b.Context()
	db := d.w.DB
	prep := func(q string) *sql.Stmt {
		st, err := db.PrepareContext(ctx, rebind(q, d.postgres))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	bump, line, state := prep(rawBump), prep(rawLine), prep(rawState)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := string(shopper.NewID())
		for i := 0; pb.Next(); i++ {
			if err := rawAdd(ctx, db, bump, line, state, id, benchVariants[i%len(benchVariants)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, "writes/s")
}

func rawAdd(ctx context.Context, db *sql.DB, bump, line, state *sql.Stmt, id, variant string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	var version int64
	if err := tx.StmtContext(ctx, bump).QueryRowContext(ctx, testStore, id, now, now).Scan(&version); err != nil {
		return err
	}
	if _, err := tx.StmtContext(ctx, line).ExecContext(ctx, testStore, id, "hat", variant, 1, version, now); err != nil {
		return err
	}
	rows, err := tx.StmtContext(ctx, state).QueryContext(ctx, testStore, id, testStore, id, testStore, id, testStore, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r stateRow
		if err := rows.Scan(&r.Kind, &r.A, &r.B, &r.N, &r.Seq, &r.At); err != nil {
			rows.Close()
			return err
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return tx.Commit()
}

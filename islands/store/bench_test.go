package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// The Raw* benchmarks are baselines: the same database/sql pools, the
// same connection pragmas and the same BEGIN IMMEDIATE writer, without
// Bun and without the store's logic, so the reports can state ratios.

var benchVariants = func() []string {
	vs := make([]string, 10)
	for i := range vs {
		vs[i] = fmt.Sprintf("v%d", i)
	}
	return vs
}()

func reportRate(b *testing.B, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// syncLevels: NORMAL is the default (a commit survives a process kill);
// FULL shows the price of surviving power loss too (an fsync a commit).
var syncLevels = []string{"NORMAL", "FULL"}

// BenchmarkAddToCart: committed add-to-cart calls, in parallel over
// distinct shoppers. Each is one transaction of three statements: version
// bump, line upsert, state read.
func BenchmarkAddToCart(b *testing.B) {
	for _, sync := range syncLevels {
		b.Run("sync="+sync, func(b *testing.B) {
			d, _, _ := openTestOpts(b, Options{Synchronous: sync})
			benchAddToCart(b, d)
		})
	}
}

// benchAddToCart runs committed adds in parallel over distinct shoppers.
func benchAddToCart(b *testing.B, d *DB) {
	ctx := b.Context()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := shopper.NewID()
		for i := 0; pb.Next(); i++ {
			if _, err := d.AddToCart(ctx, testStore, id, "hat", benchVariants[i%len(benchVariants)], 1, 1500); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, "writes/s")
}

// BenchmarkRawInsert: one single-row upsert of a cart line per committed
// transaction, through database/sql on the store's own writer pool.
func BenchmarkRawInsert(b *testing.B) {
	for _, sync := range syncLevels {
		b.Run("sync="+sync, func(b *testing.B) { benchRawInsert(b, sync) })
	}
}

func benchRawInsert(b *testing.B, sync string) {
	d, _, _ := openTestOpts(b, Options{Synchronous: sync})
	ctx := b.Context()
	db := d.w.DB
	const upsert = `INSERT INTO cart_lines (store, shopper, product, variant, quantity, seq, added_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (store, shopper, product, variant) DO UPDATE
SET quantity = CASE WHEN cart_lines.quantity + excluded.quantity > 99 THEN 99 ELSE cart_lines.quantity + excluded.quantity END`
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := string(shopper.NewID())
		now := time.Now().UTC()
		if _, err := db.ExecContext(ctx, `INSERT INTO shoppers (store, id, name, sort, version, created_at, updated_at)
VALUES (?, ?, '', '', 1, ?, ?)`, testStore, id, now, now); err != nil {
			b.Error(err)
			return
		}
		for i := 0; pb.Next(); i++ {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := tx.ExecContext(ctx, upsert, testStore, id, "hat", benchVariants[i%len(benchVariants)], 1, i, now); err != nil {
				_ = tx.Rollback()
				b.Error(err)
				return
			}
			if err := tx.Commit(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, "writes/s")
}

// benchShopper fills a typical state: 5 cart lines, 20 views, 5 wishes.
func benchShopper(b *testing.B, d *DB) shopper.ID {
	ctx := b.Context()
	id := shopper.NewID()
	for i := range 5 {
		must[*shopper.State](b)(d.AddToCart(ctx, testStore, id, fmt.Sprintf("p%d", i), "v", 1, 1500))
		if _, _, err := d.ToggleWishlist(ctx, testStore, id, fmt.Sprintf("w%d", i)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range shopper.MaxViewed {
		must[*shopper.State](b)(d.RecordView(ctx, testStore, id, fmt.Sprintf("p%d", i), time.Time{}))
	}
	return id
}

// BenchmarkLoad: one shopper's whole state (30 rows), from one snapshot.
func BenchmarkLoad(b *testing.B) {
	d, _, _ := openTest(b)
	id := benchShopper(b, d)
	ctx := b.Context()
	b.ResetTimer()
	for b.Loop() {
		st, err := d.Load(ctx, testStore, id)
		if err != nil || len(st.Viewed) != shopper.MaxViewed {
			b.Fatal(err)
		}
	}
	reportRate(b, "loads/s")
}

// BenchmarkRawSelect: the same read as Load (shopper row and three lists
// in one UNION ALL), through database/sql on the store's own reader pool.
func BenchmarkRawSelect(b *testing.B) {
	d, _, _ := openTest(b)
	id := string(benchShopper(b, d))
	ctx := b.Context()
	db := d.r.DB
	const state = `SELECT 's' AS kind, name AS a, sort AS b, 0 AS n, version AS seq, updated_at AS at FROM shoppers WHERE store = ? AND id = ?
UNION ALL SELECT 'c', product, variant, quantity, seq, added_at FROM cart_lines WHERE store = ? AND shopper = ?
UNION ALL SELECT 'v', product, '', 0, seq, at FROM views WHERE store = ? AND shopper = ?
UNION ALL SELECT 'w', product, '', 0, seq, added_at FROM wishlist WHERE store = ? AND shopper = ?`
	b.ResetTimer()
	for b.Loop() {
		rows, err := db.QueryContext(ctx, state, testStore, id, testStore, id, testStore, id, testStore, id)
		if err != nil {
			b.Fatal(err)
		}
		var out []stateRow
		for rows.Next() {
			var r stateRow
			if err := rows.Scan(&r.Kind, &r.A, &r.B, &r.N, &r.Seq, &r.At); err != nil {
				b.Fatal(err)
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil || len(out) != 31 {
			b.Fatal(err, len(out))
		}
		_ = rows.Close()
	}
	reportRate(b, "loads/s")
}

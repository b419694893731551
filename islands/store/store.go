// Package store is the durable home of shopper state and orders: a
// shopper.Store on Bun, over SQLite (embedded default) and, later,
// PostgreSQL. Every query goes through Bun's query builder so the same code
// serves both dialects; the few SQLite-only statements are the connection
// pragmas in sqlite.go.
//
// Writes: each one is a single transaction that bumps the shopper's
// version (creating the shopper row on first write), applies the change and
// reads the new state back, so the returned State is exactly what was
// committed. The commit has returned before the method does.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/islands/shopper"
)

var _ shopper.Store = (*DB)(nil)

// ErrPreferences reports preferences a store will not keep: a name longer
// than shopper.MaxGreetingName runes or not UTF-8, or an unknown sort order.
var ErrPreferences = errors.New("store: invalid preferences")

// Options configure Open. The zero value is usable.
type Options struct {
	// Now is the clock for created_at, added_at and the like; tests set it.
	// Default time.Now.
	Now func() time.Time
	// Log receives migration and open notices (never errors: those are
	// returned). Default: discard.
	Log *slog.Logger
	// Synchronous is SQLite's PRAGMA synchronous level for every
	// connection: "OFF", "NORMAL", "FULL" or "EXTRA". Default "NORMAL".
	//
	// Why NORMAL: the database runs in WAL mode. There, COMMIT appends the
	// transaction's pages to the -wal file with write(2) before it returns,
	// so a committed write is in the operating system's page cache and
	// survives the process being killed (kill -9, OOM killer, panic): the
	// next open replays the WAL. What NORMAL does not do is fsync the WAL on
	// every commit (only at checkpoints), so an OS crash or power loss can
	// roll back the commits since the last checkpoint — never corrupt the
	// file. FULL fsyncs the WAL at every commit and closes that window too,
	// at the price of one disk flush per write: measured on this project's
	// VM (ext4), +0.2 to 0.4 ms a commit (BenchmarkAddToCart 1.5-2x slower,
	// a bare one-row transaction 4-6x); on disks without a write cache, a
	// flush costs milliseconds. A storefront cart or browsing history can
	// afford NORMAL; choose FULL where losing the last writes on power loss
	// is unacceptable (e.g. orders with no upstream system of record).
	// Ignored for PostgreSQL.
	Synchronous string
	// MaxReaders bounds the read-only connection pool (SQLite).
	// Default max(4, GOMAXPROCS).
	MaxReaders int
}

// DB is a shopper.Store on a SQL database through Bun. It is safe for
// concurrent use.
type DB struct {
	// w runs every write transaction. For SQLite it is one connection, so
	// this process's writers queue in Go instead of sleeping in SQLite's
	// busy handler; its transactions BEGIN IMMEDIATE so a writer in another
	// process cannot make a transaction fail half way with SQLITE_BUSY.
	w *bun.DB
	// r serves reads (Load, Order, Popularity). For SQLite it is a pool of
	// query_only connections that read WAL snapshots concurrently with the
	// writer. For PostgreSQL r and w will be the same pool.
	r *bun.DB

	now func() time.Time
	log *slog.Logger
}

// Open connects to the database named by dsn and checks it answers. It does
// not migrate: call Migrate.
//
// dsn is a file path ("data/wand.db") or an SQLite URI
// ("file:data/wand.db?cache=private"); the folder must exist. In-memory
// SQLite is refused: the reader and writer pools would see different
// databases. PostgreSQL URLs ("postgres://...") return an error until a
// PostgreSQL driver module is added.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	d := &DB{now: opts.Now, log: opts.Log}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		// When a driver is added: one pool for both r and w, pgdialect;
		// migrations and queries need no change.
		return nil, errors.New("store: PostgreSQL needs a driver module (bun/driver/pgdriver or pgx/v5/stdlib), not wired yet")
	default:
		if err := d.openSQLite(ctx, dsn, opts); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Ping checks both pools reach the database.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.w.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if d.r != d.w {
		if err := d.r.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Close closes the pools. Committed writes are already safe; Close only
// releases connections (and lets SQLite checkpoint the WAL).
// Writer is the database's write pool (for SQLite its one write
// connection, whose transactions BEGIN IMMEDIATE), for companions that keep
// their own tables in the same database, such as islands/webhook: writing
// through it keeps one writer per process. Close closes it.
func (d *DB) Writer() *bun.DB { return d.w }

// Close closes the database.
func (d *DB) Close() error {
	var errs []error
	if d.r != d.w {
		errs = append(errs, d.r.Close())
	}
	errs = append(errs, d.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// clock returns the current time as stored: UTC, microseconds (the
// precision Bun writes), so what a write returns equals what a Load reads.
func (d *DB) clock() time.Time { return normTime(d.now()) }

func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

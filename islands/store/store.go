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
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
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
	// MaxReaders bounds the read-only connection pool (SQLite), or the
	// one pool (PostgreSQL). Default max(4, GOMAXPROCS) for SQLite,
	// max(8, 2 x GOMAXPROCS) for PostgreSQL.
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
	// writer. For PostgreSQL r and w are the same pool.
	r *bun.DB
	// postgres is set when the database is PostgreSQL.
	postgres bool
	// stmts are the hot statements, prepared on first use (prepared.go).
	stmtsMu sync.Mutex // held while preparing
	stmts   atomic.Pointer[prepared]

	now func() time.Time
	log *slog.Logger
}

// Open connects to the database named by dsn and checks it answers. It does
// not migrate: call Migrate.
//
// dsn is one of (see Kind):
//   - a PostgreSQL URL, "postgres://user:pass@host:5432/db?sslmode=disable"
//     (or "postgresql://"): one pool through pgx;
//   - an SQLite file path ("data/wand.db") or URI
//     ("file:data/wand.db?cache=private"); the folder must exist.
//     In-memory SQLite is refused: the reader and writer pools would see
//     different databases.
//
// Anything else (another scheme, a keyword DSN such as "host=... dbname=...")
// is refused with ErrDSN, rather than taken for a file name.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	d := &DB{now: opts.Now, log: opts.Log}
	kind, err := Kind(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case Postgres:
		if err := d.openPostgres(ctx, dsn, opts); err != nil {
			return nil, err
		}
	default:
		if err := d.openSQLite(ctx, dsn, opts); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// The kinds of database Open accepts.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// ErrDSN reports a database name Open does not accept.
var ErrDSN = errors.New("store: unsupported database")

// Kind says which database dsn names: Postgres for a postgres:// or
// postgresql:// URL, SQLite for a file path or a file: URI. Anything else
// is ErrDSN, with a message naming the accepted forms; the DSN itself is
// not repeated (it may hold a password).
func Kind(dsn string) (string, error) {
	lower := strings.ToLower(strings.TrimSpace(dsn))
	switch {
	case lower == "":
		return "", fmt.Errorf("%w: empty database name", ErrDSN)
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return Postgres, nil
	case strings.HasPrefix(lower, "file:"):
		return SQLite, nil
	case strings.Contains(lower, "://"):
		scheme, _, _ := strings.Cut(lower, "://")
		return "", fmt.Errorf("%w: scheme %q: use postgres://user:password@host:port/database, or an SQLite file path or file: URI", ErrDSN, scheme)
	case keywordDSN.MatchString(lower):
		return "", fmt.Errorf("%w: a keyword DSN (host=... dbname=...) is not accepted: write it as postgres://user:password@host:port/database, or give an SQLite file path", ErrDSN)
	}
	return SQLite, nil
}

// keywordDSN matches libpq's "key=value key=value" form.
var keywordDSN = regexp.MustCompile(`^\s*(host|hostaddr|port|dbname|user|password|sslmode|application_name|connect_timeout)\s*=`)

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
// their own tables in the same database, such as shopify/webhook: writing
// through it keeps one writer per process. Close closes it.
func (d *DB) Writer() *bun.DB { return d.w }

// Reader is the database's read pool (for SQLite, read-only connections
// that read beside the one writer), for companions' reads that should not
// queue behind the shoppers' writes (the dashboard's, the handoff's polls).
// Close closes it.
func (d *DB) Reader() *bun.DB { return d.r }

// Close closes the database.
func (d *DB) Close() error {
	var errs []error
	d.stmtsMu.Lock()
	if p := d.stmts.Swap(nil); p != nil {
		errs = append(errs, p.close())
	}
	d.stmtsMu.Unlock()
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

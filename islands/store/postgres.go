package store

import (
	"context"
	"fmt"
	"runtime"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// openPostgres opens one pool for reads and writes through pgx (its
// database/sql adapter) and Bun's PostgreSQL dialect. pgx caches a
// prepared statement per query text and connection, so repeated queries
// are parsed and planned once per connection.
//
// Writers of one shopper are serialized by the row lock the version bump's
// upsert takes (see bump), so no isolation level above READ COMMITTED is
// needed.
func (d *DB) openPostgres(ctx context.Context, dsn string, opts Options) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included: keep only
		// that parsing failed.
		return fmt.Errorf("store: open postgres: the URL does not parse (want postgres://user:password@host:port/database?sslmode=...)")
	}
	sqldb := stdlib.OpenDB(*cfg)
	n := opts.MaxReaders
	if n <= 0 {
		n = max(8, 2*runtime.GOMAXPROCS(0))
	}
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	d.w = bun.NewDB(sqldb, pgdialect.New())
	d.r = d.w
	d.postgres = true
	if err := d.Ping(ctx); err != nil {
		_ = d.Close()
		return err
	}
	d.log.Debug("store: opened postgres", "host", cfg.Host, "port", cfg.Port, "database", cfg.Database, "conns", n)
	return nil
}

package webhook

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// OpenSQLite opens the SQLite file at path (an existing folder; in-memory
// databases are refused) for this package, with islands/store's
// connection settings: WAL, busy_timeout 5 s, foreign_keys on,
// synchronous NORMAL, and write transactions that BEGIN IMMEDIATE. It is
// one connection: the webhook tables see a few small writes per delivery,
// and one connection queues this process's writers in Go instead of in
// SQLite's busy handler. Another pool (islands/store's) may have the same
// file open.
func OpenSQLite(ctx context.Context, path string) (*bun.DB, error) {
	if path == "" || strings.Contains(path, ":memory:") || strings.Contains(path, "mode=memory") {
		return nil, fmt.Errorf("webhook: open %q: need a database file", path)
	}
	p, query, _ := strings.Cut(path, "?")
	v, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("webhook: open %q: %w", path, err)
	}
	v.Set("_txlock", "immediate")
	sqldb := sql.OpenDB(&connector{drv: sqliteshim.Driver(), dsn: p + "?" + v.Encode(), init: []string{
		"PRAGMA busy_timeout = 5000", // first: the others may wait for a lock
		"PRAGMA foreign_keys = ON",
		"PRAGMA synchronous = NORMAL",
	}})
	sqldb.SetMaxOpenConns(1)
	sqldb.SetMaxIdleConns(1)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	var mode string
	if err := sqldb.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("webhook: open %q: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		_ = sqldb.Close()
		return nil, fmt.Errorf("webhook: open %q: journal_mode is %q, want wal", path, mode)
	}
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

// connector runs init on every new connection: pragmas are per connection.
type connector struct {
	drv  driver.Driver
	dsn  string
	init []string
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("webhook: sqlite driver cannot exec")
	}
	for _, stmt := range c.init {
		if _, err := ex.ExecContext(ctx, stmt, nil); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return conn, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

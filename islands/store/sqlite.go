package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// busyTimeoutMS is how long a statement waits for another process's lock
// before failing with SQLITE_BUSY.
const busyTimeoutMS = 5000

var synchronousLevels = map[string]bool{"OFF": true, "NORMAL": true, "FULL": true, "EXTRA": true}

// openSQLite opens a single-connection writer pool and a query_only reader
// pool on the same file.
//
// Pragmas are per connection and database/sql opens connections whenever
// it likes, so they are not set once after Open: a connector runs them on
// every new connection before database/sql sees it. This does not depend
// on driver-specific DSN flags (modernc's _pragma=, mattn's _foreign_keys=),
// so it holds whichever driver sqliteshim picks (-tags cgosqlite).
// journal_mode is a property of the file, set once here.
func (d *DB) openSQLite(ctx context.Context, dsn string, opts Options) error {
	if dsn == "" || strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory") {
		return fmt.Errorf("store: open %q: need a database file (in-memory SQLite is not shared between pools)", dsn)
	}
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "NORMAL"
	}
	if !synchronousLevels[sync] {
		return fmt.Errorf("store: open: synchronous %q: want OFF, NORMAL, FULL or EXTRA", opts.Synchronous)
	}
	wdsn, rdsn, err := sqliteDSNs(dsn)
	if err != nil {
		return fmt.Errorf("store: open %q: %w", dsn, err)
	}
	common := []string{
		fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS), // first: the others may wait for a lock
		"PRAGMA foreign_keys = ON",
		"PRAGMA synchronous = " + sync,
	}

	wsql := sql.OpenDB(&sqliteConnector{drv: sqliteshim.Driver(), dsn: wdsn, init: common})
	wsql.SetMaxOpenConns(1)
	wsql.SetMaxIdleConns(1)
	wsql.SetConnMaxLifetime(0)
	wsql.SetConnMaxIdleTime(0)
	d.w = bun.NewDB(wsql, sqlitedialect.New())

	var mode string
	if err := wsql.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		_ = wsql.Close()
		return fmt.Errorf("store: open %q: %w", dsn, err)
	}
	if !strings.EqualFold(mode, "wal") {
		_ = wsql.Close()
		return fmt.Errorf("store: open %q: journal_mode is %q, want wal (is the file on a network filesystem?)", dsn, mode)
	}

	n := opts.MaxReaders
	if n <= 0 {
		n = max(4, runtime.GOMAXPROCS(0))
	}
	rsql := sql.OpenDB(&sqliteConnector{drv: sqliteshim.Driver(), dsn: rdsn,
		init: append(common[:len(common):len(common)], "PRAGMA query_only = ON")})
	rsql.SetMaxOpenConns(n)
	rsql.SetMaxIdleConns(n)
	rsql.SetConnMaxLifetime(0)
	rsql.SetConnMaxIdleTime(0)
	d.r = bun.NewDB(rsql, sqlitedialect.New())

	if err := d.Ping(ctx); err != nil {
		_ = d.Close()
		return err
	}
	d.log.Debug("store: opened sqlite", "dsn", dsn, "synchronous", sync, "readers", n)
	return nil
}

// sqliteDSNs derives the writer's and the readers' DSN from the caller's.
// The writer's transactions BEGIN IMMEDIATE (_txlock, understood by both
// modernc and mattn): a deferred transaction that reads and then writes
// can fail with SQLITE_BUSY when another connection wrote in between,
// which no busy timeout fixes; an immediate one takes the write lock up
// front, waiting up to busy_timeout for it. Readers keep the default.
func sqliteDSNs(dsn string) (w, r string, err error) {
	path, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", "", err
	}
	q.Del("_txlock")
	r = path
	if len(q) > 0 {
		r += "?" + q.Encode()
	}
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode(), r, nil
}

// sqliteConnector opens driver connections and runs init on each before
// handing it to database/sql.
type sqliteConnector struct {
	drv  driver.Driver
	dsn  string
	init []string
}

func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("store: sqlite driver cannot exec")
	}
	for _, stmt := range c.init {
		if _, err := ex.ExecContext(ctx, stmt, nil); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return conn, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

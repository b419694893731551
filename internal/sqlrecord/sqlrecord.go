// Package sqlrecord is a database/sql driver that accepts every statement
// and records it, answering no rows: tests render the SQL a dialect would
// send (PostgreSQL's DDL and queries) without a server.
package sqlrecord

import (
	"context"
	"database/sql/driver"
	"io"
	"sync"
)

// Driver records statements; use it as a connector: sql.OpenDB(&Driver{}).
type Driver struct {
	mu    sync.Mutex
	stmts []string
}

// Statements returns the statements run so far, in order.
func (r *Driver) Statements() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.stmts...)
}

func (r *Driver) record(q string) {
	r.mu.Lock()
	r.stmts = append(r.stmts, q)
	r.mu.Unlock()
}

// Connect implements driver.Connector.
func (r *Driver) Connect(context.Context) (driver.Conn, error) { return conn{r}, nil }

// Driver implements driver.Connector.
func (r *Driver) Driver() driver.Driver { return r }

// Open implements driver.Driver.
func (r *Driver) Open(string) (driver.Conn, error) { return conn{r}, nil }

type conn struct{ r *Driver }

func (c conn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (c conn) Close() error                        { return nil }
func (c conn) Begin() (driver.Tx, error)           { return c, nil }
func (c conn) Commit() error                       { return nil }
func (c conn) Rollback() error                     { return nil }
func (c conn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	c.r.record(q)
	return driver.RowsAffected(0), nil
}
func (c conn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	c.r.record(q)
	return emptyRows{}, nil
}

type emptyRows struct{}

func (emptyRows) Columns() []string         { return nil }
func (emptyRows) Close() error              { return nil }
func (emptyRows) Next([]driver.Value) error { return io.EOF }

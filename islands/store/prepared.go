package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The hot statements (a shopper's version bump, a cart line's upsert, the
// state read) are written out and prepared once per connection, instead of
// built by Bun for every call: Bun writes the arguments into the SQL text,
// so each call was a new statement to parse and plan (a third of an add to
// cart's time on SQLite), and pgx's statement cache never hit. They are the
// same statements the builder made, in the syntax both databases share;
// placeholders are "?" here and "$n" on PostgreSQL (rebind).
const (
	sqlBump = `INSERT INTO shoppers (store, id, name, sort, version, created_at, updated_at) VALUES (?, ?, '', '', 1, ?, ?)
ON CONFLICT (store, id) DO UPDATE SET version = shoppers.version + 1, updated_at = excluded.updated_at
RETURNING version`
	sqlAddLine = `INSERT INTO cart_lines (store, shopper, product, variant, quantity, seq, added_at, price) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (store, shopper, product, variant) DO UPDATE
SET quantity = CASE WHEN cart_lines.quantity + excluded.quantity > ? THEN ? ELSE cart_lines.quantity + excluded.quantity END, price = excluded.price`
	// sqlState reads a shopper's row and three lists in one statement (one
	// snapshot); see stateRow for what each column holds per kind.
	sqlState = `SELECT 's' AS kind, name AS a, sort AS b, 0 AS n, version AS seq, updated_at AS at, 0 AS price FROM shoppers WHERE store = ? AND id = ?
UNION ALL SELECT 'c', product, variant, quantity, seq, added_at, price FROM cart_lines WHERE store = ? AND shopper = ?
UNION ALL SELECT 'v', product, '', 0, seq, at, 0 FROM views WHERE store = ? AND shopper = ?
UNION ALL SELECT 'w', product, '', 0, seq, added_at, 0 FROM wishlist WHERE store = ? AND shopper = ?`
)

// preparedSQL lists the hand-written statements, for the portability test.
var preparedSQL = []string{sqlBump, sqlAddLine, sqlState}

// prepared are the hot statements, prepared on the write pool (bump,
// addLine, stateW: used inside write transactions) and the read pool
// (stateR: Load).
type prepared struct {
	bump, addLine, stateW, stateR *sql.Stmt
}

// hot returns the prepared statements, preparing them on first use (after
// Migrate has made the tables; a failure is returned and tried again on
// the next call). Once prepared, it takes no lock.
func (d *DB) hot(ctx context.Context) (*prepared, error) {
	if p := d.stmts.Load(); p != nil {
		return p, nil
	}
	d.stmtsMu.Lock()
	defer d.stmtsMu.Unlock()
	if p := d.stmts.Load(); p != nil {
		return p, nil
	}
	p, err := d.prepare(ctx)
	if err != nil {
		return nil, err
	}
	d.stmts.Store(p)
	return p, nil
}

func (d *DB) prepare(ctx context.Context) (*prepared, error) {
	var err error
	prep := func(db *sql.DB, q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.PrepareContext(ctx, rebind(q, d.postgres))
		return st
	}
	p := &prepared{
		bump:    prep(d.w.DB, sqlBump),
		addLine: prep(d.w.DB, sqlAddLine),
		stateW:  prep(d.w.DB, sqlState),
	}
	p.stateR = p.stateW // one pool (PostgreSQL)
	if d.r != d.w {
		p.stateR = prep(d.r.DB, sqlState)
	}
	if err != nil {
		_ = p.close()
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return p, nil
}

func (p *prepared) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{p.bump, p.addLine, p.stateW, p.stateR} {
		if st != nil && (st != p.stateR || p.stateR != p.stateW) {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// rebind turns "?" placeholders into PostgreSQL's "$1", "$2", ... The
// statements above hold no "?" inside strings or comments.
func rebind(q string, postgres bool) string {
	if !postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

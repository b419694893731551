package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Load returns the shopper's state in a store, read by one statement (one
// snapshot). A shopper never seen has an empty State with Version 0, not
// an error.
func (d *DB) Load(ctx context.Context, store string, id shopper.ID) (*shopper.State, error) {
	p, err := d.hot(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	st, err := readState(ctx, p.stateR, store, id)
	if err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	return st, nil
}

// write runs one write transaction: bump the shopper's version (creating
// the row), apply the change (seq is the new version: apply stamps the
// rows it writes with it), read the new state back, and let check veto it
// (limits are checked on the state after the change: one statement fewer
// than counting before, and the veto rolls everything back). prefs, when
// not nil, replaces the shopper's preferences in the bump itself. Errors
// from apply and check that are sentinels are returned as they are.
func (d *DB) write(ctx context.Context, op, store string, id shopper.ID, prefs *shopper.Preferences,
	apply func(ctx context.Context, tx bun.Tx, seq int64) error,
	check func(ctx context.Context, tx bun.Tx, st *shopper.State) error) (*shopper.State, error) {
	var st *shopper.State
	p, err := d.hot(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	err = d.w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		seq, err := d.bump(ctx, tx, p, store, id, prefs)
		if err != nil {
			return err
		}
		if apply != nil {
			if err := apply(ctx, tx, seq); err != nil {
				return err
			}
		}
		if st, err = readState(ctx, tx.Tx.StmtContext(ctx, p.stateW), store, id); err != nil {
			return err
		}
		if check != nil {
			return check(ctx, tx, st)
		}
		return nil
	})
	if err != nil {
		if isSentinel(err) {
			return nil, err
		}
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	return st, nil
}

func isSentinel(err error) bool {
	for _, s := range []error{shopper.ErrCartFull, shopper.ErrNotInCart, shopper.ErrEmptyCart, shopper.ErrCartChanged,
		shopper.ErrQuantity, shopper.ErrWishlistFull, ErrPreferences} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// bump creates the shopper row at version 1 or adds one to its version,
// returning the new version. On PostgreSQL the upsert also locks the row,
// serializing one shopper's writers so the checks on the state after a
// change (cart full, wishlist full) see every other committed change.
// Without new preferences it is the prepared statement; with them, Bun
// builds it (a rare write).
func (d *DB) bump(ctx context.Context, tx bun.Tx, p *prepared, store string, id shopper.ID, prefs *shopper.Preferences) (int64, error) {
	now := d.clock()
	if prefs == nil {
		var v int64
		err := tx.Tx.StmtContext(ctx, p.bump).QueryRowContext(ctx, store, string(id), now, now).Scan(&v)
		return v, err
	}
	row := &shopperRow{Store: store, ID: string(id), Version: 1, CreatedAt: now, UpdatedAt: now,
		Name: prefs.Name, Sort: string(prefs.Sort)}
	_, err := tx.NewInsert().Model(row).
		On("CONFLICT (store, id) DO UPDATE").
		Set("version = s.version + 1").
		Set("updated_at = EXCLUDED.updated_at").
		Set("name = EXCLUDED.name").Set("sort = EXCLUDED.sort").
		Returning("version").Exec(ctx)
	if err != nil {
		return 0, err
	}
	return row.Version, nil
}

// readState reads a shopper's row and three lists with the prepared
// sqlState (one statement, so one snapshot, with no transaction needed).
func readState(ctx context.Context, stmt *sql.Stmt, store string, id shopper.ID) (*shopper.State, error) {
	rows, err := stmt.QueryContext(ctx, store, string(id), store, string(id), store, string(id), store, string(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var got []stateRow
	for rows.Next() {
		var r stateRow
		if err := rows.Scan(&r.Kind, &r.A, &r.B, &r.N, &r.Seq, &r.At, &r.Price); err != nil {
			return nil, err
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Sorted here rather than by an ORDER BY on the union, so the
	// statement stays one both databases read alike.
	slices.SortFunc(got, func(a, b stateRow) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if a.Kind == "c" {
			return cmp.Compare(a.Seq, b.Seq) // added order
		}
		return cmp.Compare(b.Seq, a.Seq) // newest first
	})
	st := &shopper.State{Store: store, Shopper: id}
	for _, r := range got {
		at := normTime(r.At)
		switch r.Kind {
		case "s":
			st.Prefs = shopper.Preferences{Name: r.A, Sort: catalog.SortOrder(r.B)}
			st.Version = r.Seq
		case "c":
			st.Cart = append(st.Cart, shopper.CartLine{Product: r.A, Variant: r.B, Quantity: r.N, AddedAt: at, Price: r.Price})
		case "v":
			st.Viewed = append(st.Viewed, shopper.View{Product: r.A, At: at})
		case "w":
			st.Wishes = append(st.Wishes, shopper.WishItem{Product: r.A, AddedAt: at})
		}
	}
	return st, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/wandstore/wandstore/internal/sqlrecord"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// recorder is a bun.QueryHook that keeps every query sent.
type recorder struct {
	mu sync.Mutex
	qs []string
}

func (r *recorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (r *recorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	r.qs = append(r.qs, e.Query)
	r.mu.Unlock()
}

// sqliteOnly matches SQL that PostgreSQL does not accept or means
// something else there.
var sqliteOnly = regexp.MustCompile(`(?i)\b(INSERT\s+OR|REPLACE\s+INTO|AUTOINCREMENT|ROWID|IFNULL|GLOB|STRFTIME|DATETIME\s*\(|JULIANDAY|PRAGMA|GROUP_CONCAT|(MIN|MAX)\s*\([^()]*,)`)

// TestQueriesArePortable runs every method with a hook that records the
// SQL Bun sends, and rejects SQLite-only constructs and full table scans
// (EXPLAIN QUERY PLAN: every query must go through a key). The pragmas are
// sent by the connector, below Bun, and are the documented exception;
// schema DDL is checked against the PostgreSQL dialect in
// TestSchemaRendersForPostgres.
func TestQueriesArePortable(t *testing.T) {
	d, clk, _ := openTest(t)
	rec := &recorder{}
	d.w = d.w.WithQueryHook(rec)
	d.r = d.r.WithQueryHook(rec)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.Load(ctx, testStore, id))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 2, 1500))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 2, 1500))
	must[*shopper.State](t)(d.SetQuantity(ctx, testStore, id, "hat", "hat-s", 3))
	for i := range shopper.MaxViewed + 2 {
		clk.Advance(time.Second)
		must[*shopper.State](t)(d.RecordView(ctx, testStore, id, productName(i), time.Time{}))
	}
	_, _, _ = d.ToggleWishlist(ctx, testStore, id, "hat")
	_, _, _ = d.ToggleWishlist(ctx, testStore, id, "hat")
	must[*shopper.State](t)(d.SetPreferences(ctx, testStore, id, shopper.Preferences{Name: "x"}))
	ord, _, err := d.PlaceOrder(ctx, testStore, id, draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Quantity: 3,
		UnitPrice: catalog.Money{Amount: 100, Currency: "EUR"}}}, catalog.Money{Amount: 300, Currency: "EUR"}), true)
	if err != nil {
		t.Fatal(err)
	}
	must[*shopper.Order](t)(d.Order(ctx, testStore, id, ord.Token))
	must[[]shopper.OrderSummary](t)(d.Orders(ctx, testStore, id, shopper.MaxOrderHistory))
	for _, e := range must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, clk.Now(), time.Minute, 10)) {
		if err := d.EmailFailed(ctx, e.Order.ID, clk.Now().Add(time.Minute), "451"); err != nil {
			t.Fatal(err)
		}
		if err := d.EmailSent(ctx, e.Order.ID, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	must[string](t)(d.ExternalCart(ctx, testStore, id))
	for _, cart := range []string{"gid://shopify/Cart/a", "gid://shopify/Cart/b", ""} {
		if err := d.SetExternalCart(ctx, testStore, id, cart); err != nil {
			t.Fatal(err)
		}
	}
	must[string](t)(d.ExternalCart(ctx, testStore, id))
	must[map[string]int](t)(d.Popularity(ctx, testStore))
	if _, err := d.SetQuantity(ctx, testStore, id, "none", "none", 0); err != shopper.ErrNotInCart { // a rolled-back write
		t.Fatal(err)
	}
	rec.mu.Lock()
	qs := rec.qs
	rec.qs = nil
	rec.mu.Unlock()
	if len(qs) < 20 {
		t.Fatalf("recorded only %d queries", len(qs))
	}
	// The prepared statements do not go through Bun's hook: check them too.
	qs = append(qs, preparedSQL...)
	seen := map[string]bool{}
	for _, q := range qs {
		if m := sqliteOnly.FindString(q); m != "" {
			t.Errorf("SQLite-only %q in: %s", m, q)
		}
		if testing.Verbose() {
			t.Log(q)
		}
		// Every query reads through a key: no full scan of a table.
		verb := strings.ToUpper(strings.Fields(q)[0])
		if verb != "SELECT" && verb != "INSERT" && verb != "UPDATE" && verb != "DELETE" || seen[q] {
			continue
		}
		seen[q] = true
		// A SCAN of a subquery's rows (a co-routine) is not a table scan.
		plan := queryPlan(t, d, q)
		sub := map[string]bool{}
		for _, step := range plan {
			if name, ok := strings.CutPrefix(step, "CO-ROUTINE "); ok {
				sub[name] = true
			}
			if name, ok := strings.CutPrefix(step, "MATERIALIZE "); ok {
				sub[name] = true
			}
		}
		for _, step := range plan {
			if name, ok := strings.CutPrefix(step, "SCAN "); ok && !sub[strings.Fields(name)[0]] {
				t.Errorf("full scan %q in: %s", step, q)
			}
		}
	}
}

// queryPlan returns SQLite's EXPLAIN QUERY PLAN steps for q; a "?" in it
// (the prepared statements') is bound to a placeholder value.
func queryPlan(t *testing.T, d *DB, q string) []string {
	t.Helper()
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = "x"
	}
	rows, err := d.w.DB.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if testing.Verbose() {
		t.Logf("  plan: %s", strings.Join(steps, " | "))
	}
	return steps
}

func productName(i int) string { return fmt.Sprintf("p%02d", i) }

// TestSchemaRendersForPostgres runs migrations 1 and 2 against the PostgreSQL
// dialect over a driver that only records statements, so the DDL the
// PostgreSQL store will run is checked without a server.
func TestSchemaRendersForPostgres(t *testing.T) {
	rec := &sqlrecord.Driver{}
	db := bun.NewDB(sql.OpenDB(rec), pgdialect.New())
	defer db.Close()
	if err := db.RunInTx(t.Context(), nil, func(ctx context.Context, tx bun.Tx) error {
		if err := up1(ctx, tx); err != nil {
			return err
		}
		return up2(ctx, tx)
	}); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(rec.Statements(), ";\n")
	if testing.Verbose() {
		t.Log(all)
	}
	if m := sqliteOnly.FindString(all); m != "" {
		t.Errorf("SQLite-only %q in PostgreSQL DDL", m)
	}
	for _, want := range []string{
		`CREATE TABLE IF NOT EXISTS "orders" ("id" BIGSERIAL NOT NULL`,
		`CHECK (quantity BETWEEN 1 AND 99)`,
		`FOREIGN KEY (store, shopper) REFERENCES shoppers (store, id) ON DELETE CASCADE`,
		`FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE`,
		`PRIMARY KEY ("store", "shopper", "product", "variant")`,
		`"created_at" TIMESTAMPTZ NOT NULL`,
		`UNIQUE ("number")`,
		`CREATE TABLE IF NOT EXISTS "external_carts"`,
		`PRIMARY KEY ("store", "shopper")`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PostgreSQL DDL lacks %q", want)
		}
	}
}

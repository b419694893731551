package webhook

import (
	"context"
	"database/sql"
	"github.com/uptrace/bun/migrate"
	"github.com/wandstore/wandstore/internal/sqlrecord"
	"github.com/wandstore/wandstore/internal/testkit"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/islands/store"
)

// sqliteOnly matches SQL that PostgreSQL does not accept or means
// something else there (islands/store's list).
var sqliteOnly = regexp.MustCompile(`(?i)\b(INSERT\s+OR|REPLACE\s+INTO|AUTOINCREMENT|ROWID|IFNULL|GLOB|STRFTIME|DATETIME\s*\(|JULIANDAY|PRAGMA|GROUP_CONCAT|(MIN|MAX)\s*\([^()]*,)`)

// exercise runs every query this package has against q.
func exercise(t *testing.T, q *Queue) {
	t.Helper()
	ctx := t.Context()
	d := &Delivery{WebhookID: "w1", EventID: "e1", Topic: TopicProductsUpdate, Shop: testShop,
		Body: []byte(productBody(1, "Wand", "2026-11-25T10:00:00Z"))}
	if _, err := q.enqueue(ctx, d); err != nil {
		t.Fatal(err)
	}
	next, _, err := q.next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next != nil {
		ds, err := q.batch(ctx, next, 10)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.handle(ctx, one(func(context.Context, Delivery) error { return nil }), ds); err != nil {
			t.Fatal(err)
		}
	}
	fail := Delivery{ID: 99, WebhookID: "w2"}
	if err := q.handle(ctx, one(func(context.Context, Delivery) error { return io.ErrUnexpectedEOF }), []Delivery{fail}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Delivery(ctx, "w1"); err != nil && !strings.Contains(err.Error(), "not found") {
		t.Fatal(err)
	}
	if _, err := q.Prune(ctx, d.ReceivedAt); err != nil {
		t.Fatal(err)
	}
	v := q.Versions()
	c := product(t, "1", "2026-11-25T10:00:00Z", false)
	if _, err := v.ShouldApply(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := v.MarkApplied(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Deleted = true
	if _, err := v.MarkApplied(ctx, c); err != nil {
		t.Fatal(err)
	}
}

// recorder is a bun.QueryHook keeping every query sent.
type queryLog struct {
	mu sync.Mutex
	qs []string
}

func (r *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (r *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	r.qs = append(r.qs, e.Query)
	r.mu.Unlock()
}

// TestQueriesArePortable runs every query on SQLite, rejecting
// SQLite-only constructs, and renders the same queries and the schema
// for PostgreSQL over a driver that only records them.
func TestQueriesArePortable(t *testing.T) {
	q, _ := openTest(t, Options{})
	rec := &queryLog{}
	q.db = q.db.WithQueryHook(rec)
	exercise(t, q)
	for _, s := range rec.qs {
		if m := sqliteOnly.FindString(s); m != "" {
			t.Errorf("SQLite-only %q in %s", m, s)
		}
	}

	pg := &sqlrecord.Driver{}
	db := bun.NewDB(sql.OpenDB(pg), pgdialect.New())
	defer db.Close()
	if err := db.RunInTx(t.Context(), nil, func(ctx context.Context, tx bun.Tx) error { return up1(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	exercise(t, &Queue{db: db, now: q.now, log: q.log, max: 3, backoff: defaultBackoff, timeout: q.timeout})
	all := strings.Join(pg.Statements(), ";\n")
	if testing.Verbose() {
		t.Log(all)
	}
	if m := sqliteOnly.FindString(all); m != "" {
		t.Errorf("SQLite-only %q in PostgreSQL SQL", m)
	}
	for _, want := range []string{
		`CREATE TABLE IF NOT EXISTS "webhook_deliveries" ("id" BIGSERIAL NOT NULL`,
		`UNIQUE ("webhook_id")`,
		`UNIQUE ("event_id")`,
		`"body" BYTEA NOT NULL`,
		`"received_at" TIMESTAMPTZ NOT NULL`,
		`PRIMARY KEY ("shop", "kind", "resource_id")`,
		`CREATE INDEX IF NOT EXISTS "webhook_deliveries_queue" ON "webhook_deliveries" ("status", "shop", "id")`,
		`ON CONFLICT DO NOTHING`,
		`ON CONFLICT (shop, kind, resource_id) DO UPDATE SET`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PostgreSQL SQL lacks %q", want)
		}
	}
}

// The worker's query goes through the queue index, not a table scan.
func TestNextUsesIndex(t *testing.T) {
	q, _ := openTest(t, Options{})
	rec := &queryLog{}
	q.db = q.db.WithQueryHook(rec)
	if _, _, err := q.next(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := q.db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+rec.qs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if testing.Verbose() {
		t.Log(plan)
	}
	for _, p := range plan {
		if strings.HasPrefix(p, "SCAN") && !strings.Contains(p, "INDEX") {
			t.Errorf("plan step %q scans a table; plan %q", p, plan)
		}
	}
}

// The webhook tables and islands/store's live in one SQLite file, each
// package with its own migrations, each pool of its own.
func TestSharesFileWithStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wand.db")
	st, err := store.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	q := openQueue(t, openDB(t, path), Options{})
	url := serve(t, q, ReceiverOptions{})
	if post(t, http.DefaultClient, url, newDelivery(TopicProductsUpdate, productBody(1, "Wand", "2026-11-25T10:00:00Z"))) != http.StatusOK {
		t.Fatal("not accepted")
	}
	if _, err := st.AddToCart(t.Context(), "demo", shopper.NewID(), "hat", "hat-s", 1, 1500); err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("store migrations after the webhook ones: %v", err)
	}
	ms, err := st.MigrationStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if !m.Applied {
			t.Errorf("store migration %s not applied", m.Name)
		}
	}
	// Reopening migrates nothing and loses nothing.
	q2 := openQueue(t, openDB(t, path), Options{})
	if n := count(t, q2); n != 1 {
		t.Errorf("%d deliveries after reopening, want 1", n)
	}
}

// One bookkeeping table in the database: the queue's migrations are
// recorded beside the store's, and a database from before (with the
// queue's own webhook_migrations) is brought over.
func TestOneMigrationTable(t *testing.T) { testkit.EachDB(t, testOneMigrationTable) }

func testOneMigrationTable(t *testing.T) {
	dsn := testkit.DSN(t)
	ctx := t.Context()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db := st.Writer()
	// As an older binary left it: the queue's tables and its bookkeeping.
	if err := up1(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewCreateTable().Model((*migrate.Migration)(nil)).ModelTableExpr("webhook_migrations").IfNotExists().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, db, Options{}); err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := db.NewSelect().TableExpr("bun_migrations").Column("name").OrderExpr("name").Scan(ctx, &names); err != nil {
		t.Fatal(err)
	}
	want := []string{"20260301000001", "20261125000001", "20261125000002", "20261206000002", "20261206000003", "20261206000004", "20261207000004", "20261208000005"}
	if !slices.Equal(names, want) {
		t.Errorf("bun_migrations holds %v, want %v", names, want)
	}
	var n int
	err = db.NewSelect().TableExpr("webhook_migrations").ColumnExpr("COUNT(*)").Scan(ctx, &n)
	if err == nil {
		t.Error("webhook_migrations still exists")
	}
	// Opening again changes nothing.
	if _, err := Open(ctx, db, Options{}); err != nil {
		t.Fatal(err)
	}
}

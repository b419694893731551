package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

const testStore = "demo"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// openTest opens a migrated database in a fresh file. It returns the file
// too, for tests that reopen it.
func openTest(t testing.TB) (*DB, *testkit.Clock, string) {
	t.Helper()
	return openTestOpts(t, Options{})
}

// openTestOpts is openTest with options (Now is the fake clock's).
func openTestOpts(t testing.TB, opts Options) (*DB, *testkit.Clock, string) {
	t.Helper()
	path := testkit.DSN(t)
	clk := testkit.NewClock(t0)
	opts.Now = clk.Now
	d := openPathOpts(t, path, opts)
	if err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return d, clk, path
}

func openPath(t testing.TB, path string, clk *testkit.Clock) *DB {
	t.Helper()
	return openPathOpts(t, path, Options{Now: clk.Now})
}

func openPathOpts(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	d, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func cartString(st *shopper.State) string {
	var b strings.Builder
	for i, l := range st.Cart {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.Product + "/" + l.Variant + "x" + strconv.Itoa(l.Quantity))
	}
	return b.String()
}

func viewedString(st *shopper.State) string {
	var ps []string
	for _, v := range st.Viewed {
		ps = append(ps, v.Product)
	}
	return strings.Join(ps, " ")
}

func wishString(st *shopper.State) string {
	var ps []string
	for _, w := range st.Wishes {
		ps = append(ps, w.Product)
	}
	return strings.Join(ps, " ")
}

func TestLoadUnknownShopper(t *testing.T) { testkit.EachDB(t, testLoadUnknownShopper) }

func testLoadUnknownShopper(t *testing.T) {
	d, _, _ := openTest(t)
	id := shopper.NewID()
	st := must[*shopper.State](t)(d.Load(t.Context(), testStore, id))
	if st.Store != testStore || st.Shopper != id || st.Version != 0 || st.Cart != nil || st.Viewed != nil || st.Wishes != nil || st.Prefs != (shopper.Preferences{}) {
		t.Fatalf("unknown shopper: %+v", st)
	}
}

// Every write returns the committed state, and Load reads the same.
func TestWriteReturnsWhatLoadReads(t *testing.T) { testkit.EachDB(t, testWriteReturnsWhatLoadReads) }

func testWriteReturnsWhatLoadReads(t *testing.T) {
	d, clk, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	var last *shopper.State
	steps := []func() (*shopper.State, error){
		func() (*shopper.State, error) { return d.AddToCart(ctx, testStore, id, "hat", "hat-s", 2, 1500) },
		func() (*shopper.State, error) { return d.RecordView(ctx, testStore, id, "hat", time.Time{}) },
		func() (*shopper.State, error) {
			st, _, err := d.ToggleWishlist(ctx, testStore, id, "scarf")
			return st, err
		},
		func() (*shopper.State, error) {
			return d.SetPreferences(ctx, testStore, id, shopper.Preferences{Name: "Ana", Sort: catalog.SortPriceAsc})
		},
		func() (*shopper.State, error) { return d.SetQuantity(ctx, testStore, id, "hat", "hat-s", 5) },
	}
	for i, step := range steps {
		clk.Advance(time.Second)
		st, err := step()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if st.Version != int64(i+1) {
			t.Fatalf("step %d: version %d", i, st.Version)
		}
		loaded := must[*shopper.State](t)(d.Load(ctx, testStore, id))
		if !statesEqual(st, loaded) {
			t.Fatalf("step %d: returned %+v, loaded %+v", i, st, loaded)
		}
		last = st
	}
	if got := cartString(last); got != "hat/hat-sx5" {
		t.Fatalf("cart %q", got)
	}
	if !last.Cart[0].AddedAt.Equal(t0.Add(time.Second)) || last.Cart[0].AddedAt.Location() != time.UTC {
		t.Fatalf("added at %v", last.Cart[0].AddedAt)
	}
	if last.Prefs.Name != "Ana" || last.Prefs.Sort != catalog.SortPriceAsc {
		t.Fatalf("prefs %+v", last.Prefs)
	}
	// Another store is another state.
	if st := must[*shopper.State](t)(d.Load(ctx, "other", id)); st.Version != 0 || len(st.Cart) != 0 {
		t.Fatalf("other store: %+v", st)
	}
}

func statesEqual(a, b *shopper.State) bool {
	if a.Store != b.Store || a.Shopper != b.Shopper || a.Prefs != b.Prefs || a.Version != b.Version ||
		len(a.Cart) != len(b.Cart) || len(a.Viewed) != len(b.Viewed) || len(a.Wishes) != len(b.Wishes) {
		return false
	}
	for i := range a.Cart {
		x, y := a.Cart[i], b.Cart[i]
		if x.Product != y.Product || x.Variant != y.Variant || x.Quantity != y.Quantity || !x.AddedAt.Equal(y.AddedAt) {
			return false
		}
	}
	for i := range a.Viewed {
		if a.Viewed[i].Product != b.Viewed[i].Product || !a.Viewed[i].At.Equal(b.Viewed[i].At) {
			return false
		}
	}
	for i := range a.Wishes {
		if a.Wishes[i].Product != b.Wishes[i].Product || !a.Wishes[i].AddedAt.Equal(b.Wishes[i].AddedAt) {
			return false
		}
	}
	return true
}

func TestStateSurvivesReopen(t *testing.T) { testkit.EachDB(t, testStateSurvivesReopen) }

func testStateSurvivesReopen(t *testing.T) {
	d, clk, path := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 3, 1500))
	must[*shopper.State](t)(d.RecordView(ctx, testStore, id, "scarf", t0))
	must[*shopper.State](t)(d.SetPreferences(ctx, testStore, id, shopper.Preferences{Name: "Bo"}))
	ord, _, err := d.PlaceOrder(ctx, testStore, id, draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Title: "Hat", Quantity: 3,
		UnitPrice: catalog.Money{Amount: 1500, Currency: "EUR"}}}, catalog.Money{Amount: 4500, Currency: "EUR"}), false)
	if err != nil {
		t.Fatal(err)
	}
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "sock", "sock-m", 1, 1500))
	before := must[*shopper.State](t)(d.Load(ctx, testStore, id))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d2 := openPath(t, path, clk)
	if err := d2.Migrate(ctx); err != nil { // a no-op on an up-to-date file
		t.Fatal(err)
	}
	after := must[*shopper.State](t)(d2.Load(ctx, testStore, id))
	if !statesEqual(before, after) {
		t.Fatalf("before %+v\nafter %+v", before, after)
	}
	got := must[*shopper.Order](t)(d2.Order(ctx, testStore, id, ord.Token))
	if got == nil || got.ID != ord.ID || len(got.Lines) != 1 {
		t.Fatalf("order after reopen: %+v", got)
	}
}

func TestMigrationStatus(t *testing.T) { testkit.EachDB(t, testMigrationStatus) }

func testMigrationStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wand.db")
	d := openPath(t, path, testkit.NewClock(t0))
	ctx := t.Context()
	ms := must[[]MigrationInfo](t)(d.MigrationStatus(ctx))
	if len(ms) == 0 || ms[0].Applied {
		t.Fatalf("fresh file: %+v", ms)
	}
	// Before Migrate, the tables do not exist.
	if _, err := d.AddToCart(ctx, testStore, shopper.NewID(), "hat", "hat-s", 1, 1500); err == nil {
		t.Fatal("write before Migrate succeeded")
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal("second Migrate:", err)
	}
	ms = must[[]MigrationInfo](t)(d.MigrationStatus(ctx))
	for _, m := range ms {
		if !m.Applied || m.AppliedAt.IsZero() {
			t.Fatalf("after Migrate: %+v", m)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	for _, c := range []struct {
		dsn  string
		opts Options
	}{
		{":memory:", Options{}},
		{"file::memory:?cache=shared", Options{}},
		{"postgres://u@127.0.0.1:1/wand?connect_timeout=2", Options{}}, // nothing listens on port 1
		{filepath.Join(dir, "a.db"), Options{Synchronous: "sometimes"}},
		{filepath.Join(dir, "missing", "a.db"), Options{}},
	} {
		if d, err := Open(ctx, c.dsn, c.opts); err == nil {
			_ = d.Close()
			t.Errorf("Open(%q, %+v) succeeded", c.dsn, c.opts)
		}
	}
	// A file: URI and a lower-case level are fine.
	d, err := Open(ctx, "file:"+filepath.Join(dir, "b.db")+"?cache=private", Options{Synchronous: "full"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	var sync int
	if err := d.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
}

func TestClosedDB(t *testing.T) { testkit.EachDB(t, testClosedDB) }

func testClosedDB(t *testing.T) {
	d, _, _ := openTest(t)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Ping(context.Background()); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
	if _, err := d.Load(context.Background(), testStore, shopper.NewID()); err == nil || errors.Is(err, shopper.ErrQuantity) {
		t.Fatalf("Load after Close: %v", err)
	}
}

// A DSN is a PostgreSQL URL or an SQLite file; anything else is refused
// before it could be taken for a file name (a keyword DSN once made an
// SQLite file called "host=db dbname=wand").
func TestKind(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:p@db:5432/wand?sslmode=disable": Postgres,
		"postgresql://db/wand":                        Postgres,
		"POSTGRES://db/wand":                          Postgres,
		"data/wand.db":                                SQLite,
		"/var/lib/wandstore/wand.db":                  SQLite,
		"file:wand.db?cache=private":                  SQLite,
	} {
		if got, err := Kind(dsn); err != nil || got != want {
			t.Errorf("Kind(%q) = %q, %v; want %q", dsn, got, err, want)
		}
	}
	for _, dsn := range []string{"", "host=db dbname=wand", "dbname=wand", "pgx://db/wand", "mysql://db/wand", "sqlite://wand.db"} {
		_, err := Kind(dsn)
		if !errors.Is(err, ErrDSN) {
			t.Errorf("Kind(%q): %v, want ErrDSN", dsn, err)
			continue
		}
		if dsn != "" && !strings.Contains(err.Error(), "postgres://") {
			t.Errorf("Kind(%q): %q does not name the accepted forms", dsn, err)
		}
		if d, err := Open(t.Context(), dsn, Options{}); err == nil {
			_ = d.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
	// A password in a DSN that does not parse is not repeated.
	if _, err := Open(t.Context(), "postgres://u:s3cret@db:notaport/wand", Options{}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad URL: %v", err)
	}
}

// Servers sharing a database share one cookie key: the first candidate
// wins, later ones get it back, and it survives a reopen.
func TestSessionKey(t *testing.T) { testkit.EachDB(t, testSessionKey) }

func testSessionKey(t *testing.T) {
	d, clk, dsn := openTest(t)
	ctx := t.Context()
	a := bytes.Repeat([]byte{1}, 32)
	b := bytes.Repeat([]byte{2}, 32)
	got := must[[]byte](t)(d.SessionKey(ctx, a))
	if !bytes.Equal(got, a) {
		t.Fatalf("first key = %x, want the candidate", got)
	}
	if got := must[[]byte](t)(d.SessionKey(ctx, b)); !bytes.Equal(got, a) {
		t.Fatalf("second caller got %x, want the first key", got)
	}
	d2 := openPath(t, dsn, clk)
	if got := must[[]byte](t)(d2.SessionKey(ctx, b)); !bytes.Equal(got, a) {
		t.Fatalf("after reopen: %x, want the first key", got)
	}
	if _, err := d.SessionKey(ctx, []byte("short")); err == nil {
		t.Fatal("a short candidate was accepted")
	}
}

// Members of a cluster start together and each migrates the shared
// database: concurrent migrations must take turns, not collide.
func TestConcurrentMigrate(t *testing.T) { testkit.EachDB(t, testConcurrentMigrate) }

func testConcurrentMigrate(t *testing.T) {
	dsn := testkit.DSN(t)
	const n = 4
	dbs := make([]*DB, n)
	for i := range dbs {
		dbs[i] = openPathOpts(t, dsn, Options{})
	}
	errs := make(chan error, n)
	for _, d := range dbs {
		go func() { errs <- d.Migrate(t.Context()) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
	st := must[[]MigrationInfo](t)(dbs[0].MigrationStatus(t.Context()))
	for _, m := range st {
		if !m.Applied {
			t.Errorf("migration %s not applied", m.Name)
		}
	}
}

package store

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/wandstore/wandstore/islands/shopper"
)

// Pragmas are per connection: every connection of both pools, opened
// concurrently, must have them.
func TestPragmasOnEveryConnection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wand.db")
	const readers = 8
	d, err := Open(t.Context(), path, Options{MaxReaders: readers})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := t.Context()

	// Hold readers connections at once: they are necessarily distinct.
	conns := make([]*sql.Conn, readers)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c, err := d.r.DB.Conn(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if n := d.r.Stats().OpenConnections; n != readers {
		t.Fatalf("reader pool has %d connections, want %d", n, readers)
	}
	for i, c := range conns {
		checkPragmas(t, fmt.Sprintf("reader %d", i), c, 1)
		if _, err := c.ExecContext(ctx, "CREATE TABLE x (a INTEGER)"); err == nil {
			t.Errorf("reader %d: write accepted (query_only off)", i)
		}
		_ = c.Close()
	}
	w, err := d.w.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkPragmas(t, "writer", w, 0)
	_ = w.Close()
	if n := d.w.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("writer pool allows %d connections", n)
	}
}

func checkPragmas(t *testing.T, name string, c *sql.Conn, queryOnly int) {
	t.Helper()
	ctx := t.Context()
	for _, p := range []struct {
		pragma string
		want   string
	}{
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"synchronous", "1"}, // NORMAL
		{"journal_mode", "wal"},
		{"query_only", fmt.Sprint(queryOnly)},
	} {
		var got string
		if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: PRAGMA %s: %v", name, p.pragma, err)
		}
		if got != p.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", name, p.pragma, got, p.want)
		}
	}
}

// The writer's transactions take the write lock at BEGIN: another
// connection that does not wait cannot start a write transaction while
// one is open (a deferred BEGIN would have let it).
func TestWriterBeginsImmediate(t *testing.T) {
	d, _, path := openTest(t)
	ctx := t.Context()
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	other, err := sql.Open(sqliteshim.ShimName, path) // busy_timeout 0: fail at once
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	_, err = other.ExecContext(ctx, "BEGIN IMMEDIATE")
	if err == nil {
		_, _ = other.ExecContext(ctx, "ROLLBACK")
		t.Fatal("second writer began while the first held an open transaction")
	}
	if !strings.Contains(strings.ToLower(err.Error()), "busy") && !strings.Contains(strings.ToLower(err.Error()), "locked") {
		t.Fatalf("want SQLITE_BUSY, got %v", err)
	}
}

// 8 goroutines x 50 AddToCart, on one shopper, on distinct shoppers, and
// through two handles on the same file (as two processes would): no
// SQLITE_BUSY, no lost update, every version handed out once.
func TestConcurrentWriters(t *testing.T) {
	const workers, adds = 8, 50
	run := func(t *testing.T, dbs []*DB, ids []shopper.ID) map[shopper.ID][]int64 {
		var mu sync.Mutex
		versions := map[shopper.ID][]int64{}
		var wg sync.WaitGroup
		for g := range workers {
			wg.Go(func() {
				d, id := dbs[g%len(dbs)], ids[g%len(ids)]
				for range adds {
					st, err := d.AddToCart(t.Context(), testStore, id, "hat", fmt.Sprintf("v%d", g), 1, 1500)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					versions[id] = append(versions[id], st.Version)
					mu.Unlock()
				}
			})
		}
		// A reader meanwhile sees versions only grow.
		stop := make(chan struct{})
		var rg sync.WaitGroup
		rg.Go(func() {
			last := int64(-1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				st, err := dbs[0].Load(t.Context(), testStore, ids[0])
				if err != nil {
					t.Error(err)
					return
				}
				if st.Version < last {
					t.Errorf("version went back from %d to %d", last, st.Version)
				}
				last = st.Version
			}
		})
		wg.Wait()
		close(stop)
		rg.Wait()
		return versions
	}
	check := func(t *testing.T, d *DB, versions map[shopper.ID][]int64, perShopper int) {
		for id, vs := range versions {
			slices.Sort(vs)
			for i, v := range vs {
				if v != int64(i+1) {
					t.Fatalf("shopper %s: versions %v", id, vs)
				}
			}
			st := must[*shopper.State](t)(d.Load(t.Context(), testStore, id))
			if st.Version != int64(perShopper) || st.CartQuantity() != perShopper {
				t.Fatalf("shopper %s: version %d, %d items, want %d", id, st.Version, st.CartQuantity(), perShopper)
			}
			for _, l := range st.Cart {
				if l.Quantity != adds {
					t.Fatalf("line %+v, want quantity %d", l, adds)
				}
			}
		}
	}

	t.Run("same shopper", func(t *testing.T) {
		d, _, _ := openTest(t)
		ids := []shopper.ID{shopper.NewID()}
		check(t, d, run(t, []*DB{d}, ids), workers*adds)
	})
	t.Run("different shoppers", func(t *testing.T) {
		d, _, _ := openTest(t)
		var ids []shopper.ID
		for range workers {
			ids = append(ids, shopper.NewID())
		}
		check(t, d, run(t, []*DB{d}, ids), adds)
	})
	t.Run("two handles", func(t *testing.T) {
		d, clk, path := openTest(t)
		d2 := openPath(t, path, clk)
		ids := []shopper.ID{shopper.NewID()}
		check(t, d, run(t, []*DB{d, d2}, ids), workers*adds)
	})
}

const (
	killPathEnv = "WANDSTORE_STORE_KILL_PATH"
	killIDEnv   = "WANDSTORE_STORE_KILL_ID"
)

// TestKillChild is the child of TestKill9: it writes, says "ack" once the
// commit has returned, and waits to be killed.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killPathEnv)
	if path == "" {
		t.Skip("run by TestKill9")
	}
	d, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.AddToCart(context.Background(), testStore, shopper.ID(os.Getenv(killIDEnv)), "hat", "hat-s", 3, 1500)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ack %d\n", st.Version)
	_, _ = io.Copy(io.Discard, os.Stdin) // until killed (or the parent goes away)
	t.Fatal("not killed")
}

// TestKill9: a write acknowledged to the caller survives SIGKILL of the
// process right after, with synchronous=NORMAL: it is in the WAL.
func TestKill9(t *testing.T) {
	if os.Getenv(killPathEnv) != "" {
		t.Skip("in the child")
	}
	d, clk, path := openTest(t)
	if err := d.Close(); err != nil { // the child is the only one with the file open
		t.Fatal(err)
	}
	id := shopper.NewID()

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killPathEnv+"="+path, killIDEnv+"="+string(id))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ack") {
				acked <- sc.Text()
				return
			}
		}
		close(acked)
	}()
	var ack string
	select {
	case ack = <-acked:
	case <-time.After(60 * time.Second):
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	waitErr := cmd.Wait()
	if ack == "" {
		t.Fatalf("child never acknowledged: %v\n%s", waitErr, stderr.String())
	}
	if waitErr == nil || !strings.Contains(waitErr.Error(), "killed") {
		t.Fatalf("child was not killed: %v", waitErr)
	}
	// The commit is in the WAL, not yet checkpointed into the file.
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("WAL after kill: %v, %v", fi, err)
	}

	d2 := openPath(t, path, clk)
	st := must[*shopper.State](t)(d2.Load(t.Context(), testStore, id))
	if got := cartString(st); got != "hat/hat-sx3" || fmt.Sprintf("ack %d", st.Version) != ack {
		t.Fatalf("after kill -9: cart %q version %d (child said %q)", got, st.Version, ack)
	}
}

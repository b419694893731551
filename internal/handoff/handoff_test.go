package handoff

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
)

// board is a Board under test and a way to age a registration as if its
// server had died (kill -9) a minute ago.
type board struct {
	Board
	age func(t *testing.T, id string)
}

// eachBoard runs f on a folder and on a database of each backend.
func eachBoard(t *testing.T, f func(t *testing.T, b board)) {
	t.Run("folder", func(t *testing.T) {
		dir := t.TempDir()
		f(t, board{Folder(dir), func(t *testing.T, id string) {
			name := filepath.Join(Dir(dir), "servers", id)
			if _, err := os.Stat(name); err != nil {
				if err := os.WriteFile(name, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			old := time.Now().Add(-time.Minute)
			if err := os.Chtimes(name, old, old); err != nil {
				t.Fatal(err)
			}
		}})
	})
	t.Run("database", func(t *testing.T) {
		testkit.EachDB(t, func(t *testing.T) {
			sdb, err := store.Open(t.Context(), testkit.DSN(t), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sdb.Close() })
			b, err := Database(t.Context(), sdb.Writer(), sdb.Reader(), nil)
			if err != nil {
				t.Fatal(err)
			}
			db := b.(*database)
			f(t, board{b, func(t *testing.T, id string) {
				if err := db.beat(t.Context(), id, time.Now().Add(-time.Minute)); err != nil {
					t.Fatal(err)
				}
			}})
		})
	})
}

// With no server registered a build does not wait.
func TestWaitWithoutServers(t *testing.T) {
	eachBoard(t, func(t *testing.T, b board) {
		start := time.Now()
		if err := Wait(t.Context(), b, map[string]string{"shop": "v2"}, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("waited %s with no server", d)
		}
	})
}

// A build waits for every live server's acknowledgement of every store;
// one that does not acknowledge in time is named in the error.
func TestWaitForAcknowledgements(t *testing.T) {
	eachBoard(t, func(t *testing.T, b board) {
		ctx := t.Context()
		stopA := must(b.Register(ctx, "a"))
		defer stopA()
		stopB := must(b.Register(ctx, "b"))
		defer stopB()
		if err := b.Announce(ctx, "shop", "v1"); err != nil {
			t.Fatal(err)
		}
		if err := b.Announce(ctx, "shop", "v2"); err != nil {
			t.Fatal(err)
		}
		if all, err := b.Announcements(ctx); err != nil || len(all) != 1 || all["shop"] != "v2" {
			t.Fatalf("announcements %v %v", all, err)
		}
		want := map[string]string{"shop": "v2"}

		if err := b.Acknowledge(ctx, "a", "shop", "v2"); err != nil {
			t.Fatal(err)
		}
		err := Wait(ctx, b, want, 200*time.Millisecond)
		if !errors.Is(err, ErrNotServed) || !strings.Contains(err.Error(), "server b on store shop") || strings.Contains(err.Error(), "server a") {
			t.Fatalf("one server behind: %v", err)
		}
		// An acknowledgement of an older version is not enough.
		if err := b.Acknowledge(ctx, "b", "shop", "v1"); err != nil {
			t.Fatal(err)
		}
		if err := Wait(ctx, b, want, 200*time.Millisecond); !errors.Is(err, ErrNotServed) {
			t.Fatalf("an old version acknowledged: %v", err)
		}
		go func() {
			time.Sleep(100 * time.Millisecond)
			b.Acknowledge(context.Background(), "b", "shop", "v2")
		}()
		if err := Wait(ctx, b, want, 5*time.Second); err != nil {
			t.Fatalf("both acknowledged: %v", err)
		}
	})
}

// A server that died without removing its registration (kill -9) is
// ignored once its heartbeat is stale; a running one's heartbeat keeps it
// fresh; one that stops removes it and its acknowledgements.
func TestStaleAndStoppedServers(t *testing.T) {
	eachBoard(t, func(t *testing.T, b board) {
		ctx := t.Context()
		stop := must(b.Register(ctx, "live"))
		if err := b.Acknowledge(ctx, "live", "shop", "v1"); err != nil {
			t.Fatal(err)
		}
		b.age(t, "dead")
		if ids := must(b.Servers(ctx)); len(ids) != 1 || ids[0] != "live" {
			t.Fatalf("servers %v, want the live one only", ids)
		}
		b.age(t, "live")
		deadline := time.Now().Add(3 * Heartbeat)
		for {
			if ids := must(b.Servers(ctx)); len(ids) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the heartbeat did not refresh the registration")
			}
			time.Sleep(b.Poll())
		}
		// A server that died under an id leaves acknowledgements; the
		// next start under it does not inherit them.
		if err := b.Acknowledge(ctx, "reborn", "shop", "v9"); err != nil {
			t.Fatal(err)
		}
		stopReborn := must(b.Register(ctx, "reborn"))
		if v := must(b.Acknowledged(ctx, "reborn", "shop")); v != "" {
			t.Errorf("a new start inherits its predecessor's acknowledgement %q", v)
		}
		stopReborn()
		stop()
		if ids := must(b.Servers(ctx)); len(ids) != 0 {
			t.Errorf("servers after stop: %v", ids)
		}
		if v := must(b.Acknowledged(ctx, "live", "shop")); v != "" {
			t.Errorf("acknowledgement left after stop: %q", v)
		}
	})
}

// Waiting ends with the build's context.
func TestWaitCancelled(t *testing.T) {
	eachBoard(t, func(t *testing.T, b board) {
		stop := must(b.Register(t.Context(), "a"))
		defer stop()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := Wait(ctx, b, map[string]string{"shop": "v2"}, time.Minute); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled wait: %v", err)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

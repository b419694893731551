package handoff

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With no server registered a build does not wait.
func TestWaitWithoutServers(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	if err := Wait(t.Context(), dir, map[string]string{"shop": "v2"}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %s with no server", d)
	}
}

// A build waits for every live server's acknowledgement of every store;
// one that does not acknowledge in time is named in the error.
func TestWaitForAcknowledgements(t *testing.T) {
	dir := t.TempDir()
	stopA := must(Register(t.Context(), dir, "a"))
	defer stopA()
	stopB := must(Register(t.Context(), dir, "b"))
	defer stopB()
	if err := Announce(dir, "shop", "v2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := Announced(dir, "shop"); got != "v2" {
		t.Fatalf("announced %q", got)
	}
	if all, err := Announcements(dir); err != nil || len(all) != 1 || all["shop"] != "v2" {
		t.Fatalf("announcements %v %v", all, err)
	}
	want := map[string]string{"shop": "v2"}

	if err := Acknowledge(dir, "a", "shop", "v2"); err != nil {
		t.Fatal(err)
	}
	err := Wait(t.Context(), dir, want, 200*time.Millisecond)
	if !errors.Is(err, ErrNotServed) || !strings.Contains(err.Error(), "server b on store shop") || strings.Contains(err.Error(), "server a") {
		t.Fatalf("one server behind: %v", err)
	}
	// An acknowledgement of an older version is not enough.
	if err := Acknowledge(dir, "b", "shop", "v1"); err != nil {
		t.Fatal(err)
	}
	if err := Wait(t.Context(), dir, want, 200*time.Millisecond); !errors.Is(err, ErrNotServed) {
		t.Fatalf("an old version acknowledged: %v", err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		Acknowledge(dir, "b", "shop", "v2")
	}()
	if err := Wait(t.Context(), dir, want, 5*time.Second); err != nil {
		t.Fatalf("both acknowledged: %v", err)
	}
}

// A server that died without removing its registration (kill -9) is
// ignored once its heartbeat is stale; one that stops removes it and its
// acknowledgements.
func TestStaleAndStoppedServers(t *testing.T) {
	dir := t.TempDir()
	stop := must(Register(t.Context(), dir, "live"))
	if err := Acknowledge(dir, "live", "shop", "v1"); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(serversDir(dir), "dead")
	if err := os.WriteFile(dead, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(dead, old, old); err != nil {
		t.Fatal(err)
	}
	ids := must(Servers(dir))
	if len(ids) != 1 || ids[0] != "live" {
		t.Fatalf("servers %v, want the live one only", ids)
	}
	// The heartbeat keeps a running server's registration fresh.
	name := filepath.Join(serversDir(dir), "live")
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * Heartbeat)
	for {
		if ids := must(Servers(dir)); len(ids) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the heartbeat did not refresh the registration")
		}
		time.Sleep(Poll)
	}
	stop()
	if ids := must(Servers(dir)); len(ids) != 0 {
		t.Errorf("servers after stop: %v", ids)
	}
	if _, err := os.Stat(filepath.Join(Dir(dir), "shop.live.ack")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("acknowledgement left after stop: %v", err)
	}
}

// Waiting ends with the build's context.
func TestWaitCancelled(t *testing.T) {
	dir := t.TempDir()
	stop := must(Register(t.Context(), dir, "a"))
	defer stop()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Wait(ctx, dir, map[string]string{"shop": "v2"}, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

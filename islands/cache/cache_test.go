package cache

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/olric-data/olric"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

// expiresIn reports how far in the future the entry's expiry is.
func expiresIn(t *testing.T, dm olric.DMap, key string) time.Duration {
	t.Helper()
	r, err := dm.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	if r.TTL() == 0 {
		t.Fatalf("%q has no expiry", key)
	}
	return time.Until(time.UnixMilli(r.TTL())) // TTL() is an absolute Unix ms
}

func near(got, want time.Duration) bool {
	return got > want-2*time.Second && got <= want
}

func TestFragment(t *testing.T) {
	c := open(t, memberConfig(t))
	ctx := context.Background()

	html, ok, err := c.Fragment(ctx, "demo|cart|v1")
	if html != nil || ok || err != nil {
		t.Fatalf("miss = (%q, %v, %v), want (nil, false, nil)", html, ok, err)
	}

	want := append([]byte("<div id=\"cart\">3 items &amp; more</div>"), 0, 0xff, '\n')
	if err := c.PutFragment(ctx, "demo|cart|v1", want); err != nil {
		t.Fatal(err)
	}
	want0 := bytes.Clone(want)
	want[0] = 'X' // Olric copied it
	got, ok, err := c.Fragment(ctx, "demo|cart|v1")
	if !ok || err != nil || !bytes.Equal(got, want0) {
		t.Fatalf("hit = (%q, %v, %v), want %q", got, ok, err, want0)
	}
	// The caller owns what it got: appending to it or changing it leaves
	// the cache alone.
	got[0] = '!'
	_ = append(got[:1], "overwritten"...)
	if again, _, _ := c.Fragment(ctx, "demo|cart|v1"); !bytes.Equal(again, want0) {
		t.Fatalf("cached fragment changed through a returned slice: %q", again)
	}
	if d := expiresIn(t, c.fragments, "demo|cart|v1"); !near(d, shopper.FragmentTTL) {
		t.Errorf("fragment expires in %s, want ~%s", d, shopper.FragmentTTL)
	}

	if err := c.PutFragment(ctx, "demo|cart|v1", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := c.Fragment(ctx, "demo|cart|v1"); string(got) != "new" {
		t.Errorf("after overwrite: %q", got)
	}

	if err := c.PutFragment(ctx, "demo|empty", []byte{}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := c.Fragment(ctx, "demo|empty"); !ok || err != nil || len(got) != 0 {
		t.Errorf("empty fragment = (%q, %v, %v)", got, ok, err)
	}

	// Olric's limits come back as errors, wrapped.
	if err := c.PutFragment(ctx, string(bytes.Repeat([]byte("k"), 300)), want); !errors.Is(err, olric.ErrKeyTooLarge) {
		t.Errorf("long key: %v, want ErrKeyTooLarge", err)
	}
	if err := c.PutFragment(ctx, "big", make([]byte, defaultTableSize)); !errors.Is(err, olric.ErrEntryTooLarge) {
		t.Errorf("huge fragment: %v, want ErrEntryTooLarge", err)
	}
}

func TestFragmentExpires(t *testing.T) {
	c := open(t, memberConfig(t))
	c.fragmentTTL = 300 * time.Millisecond
	ctx := context.Background()
	if err := c.PutFragment(ctx, "f", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Fragment(ctx, "f"); !ok || err != nil {
		t.Fatalf("fresh fragment: ok=%v err=%v", ok, err)
	}
	time.Sleep(400 * time.Millisecond)
	if got, ok, err := c.Fragment(ctx, "f"); ok || err != nil {
		t.Fatalf("expired fragment = (%q, %v, %v), want a miss", got, ok, err)
	}
}

func sampleState(store string, id shopper.ID) *shopper.State {
	at := time.Date(2025, 3, 14, 15, 9, 26, 535000000, time.UTC)
	return &shopper.State{
		Store:   store,
		Shopper: id,
		Prefs:   shopper.Preferences{Name: "Zoë <b>", Sort: catalog.SortOrder("price-asc")},
		Cart: []shopper.CartLine{
			{Product: "wand-oak", Variant: "v1", Quantity: 2, AddedAt: at},
			{Product: "cloak", Variant: "v9", Quantity: 1, AddedAt: at.Add(time.Minute)},
		},
		Viewed:  []shopper.View{{Product: "cloak", At: at.Add(2 * time.Minute)}},
		Wishes:  []shopper.WishItem{{Product: "broom", AddedAt: at}},
		Version: 7,
	}
}

func TestState(t *testing.T) {
	c := open(t, memberConfig(t))
	ctx := context.Background()
	id := shopper.NewID()

	st, ok, err := c.State(ctx, "demo", id)
	if st != nil || ok || err != nil {
		t.Fatalf("miss = (%v, %v, %v), want (nil, false, nil)", st, ok, err)
	}

	want := sampleState("demo", id)
	if err := c.PutState(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.State(ctx, "demo", id)
	if !ok || err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("hit = (%+v, %v, %v)\nwant %+v", got, ok, err, want)
	}
	if d := expiresIn(t, c.state, "demo|"+string(id)); !near(d, shopper.StateTTL) {
		t.Errorf("state expires in %s, want ~%s", d, shopper.StateTTL)
	}
	// Same shopper, other store: its own key.
	if _, ok, _ := c.State(ctx, "other", id); ok {
		t.Error("state leaked to another store")
	}

	if err := c.DropState(ctx, "demo", id); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.State(ctx, "demo", id); ok || err != nil {
		t.Errorf("after drop: ok=%v err=%v", ok, err)
	}
	if err := c.DropState(ctx, "demo", id); err != nil {
		t.Errorf("dropping a missing state: %v", err)
	}
	if err := c.PutState(ctx, want); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.State(ctx, "demo", id); !ok || err != nil {
		t.Errorf("put after drop: ok=%v err=%v", ok, err)
	}

	// A value that is not this shopper's state is an error, not a hit.
	if err := c.state.Put(ctx, "demo|"+string(id), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if st, ok, err := c.State(ctx, "demo", id); ok || st != nil || err == nil {
		t.Errorf("garbage = (%v, %v, %v), want an error", st, ok, err)
	}
	other := sampleState("demo", shopper.NewID())
	if err := c.state.Put(ctx, "demo|"+string(id), mustJSON(t, other)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.State(ctx, "demo", id); ok || err == nil {
		t.Errorf("another shopper's state: ok=%v err=%v, want an error", ok, err)
	}
	if err := c.PutState(ctx, nil); err == nil {
		t.Error("PutState(nil) succeeded")
	}
}

func TestStateExpires(t *testing.T) {
	c := open(t, memberConfig(t))
	c.stateTTL = 300 * time.Millisecond
	ctx := context.Background()
	st := sampleState("demo", shopper.NewID())
	if err := c.PutState(ctx, st); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if _, ok, err := c.State(ctx, "demo", st.Shopper); ok || err != nil {
		t.Errorf("expired state: ok=%v err=%v, want a miss", ok, err)
	}
}

func TestCount(t *testing.T) {
	c := open(t, memberConfig(t))
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 250_000_000) // 20 s into a minute, 200 s into a 5-minute window
	c.now = func() time.Time { return now }

	count := func(key string, window time.Duration) int64 {
		t.Helper()
		n, err := c.Count(ctx, key, window)
		if err != nil {
			t.Fatalf("Count(%s, %s): %v", key, window, err)
		}
		return n
	}
	for want := int64(1); want <= 3; want++ {
		if n := count("ip|192.0.2.1", time.Minute); n != want {
			t.Fatalf("count %d, want %d", n, want)
		}
	}
	if n := count("ip|192.0.2.2", time.Minute); n != 1 {
		t.Errorf("another key: %d, want 1", n)
	}
	if n := count("ip|192.0.2.1", 5*time.Minute); n != 1 {
		t.Errorf("another window length: %d, want 1", n)
	}

	// The counter is key|window start, born with the ratelimit DMap's
	// TTL, and Incr keeps it.
	start := now.Unix() - now.Unix()%60
	k := "ip|192.0.2.1|" + strconv.FormatInt(start, 10)
	r, err := c.ratelimit.Get(ctx, k)
	if err != nil {
		t.Fatalf("counter %s: %v", k, err)
	}
	if n, _ := r.Int(); n != 3 {
		t.Errorf("counter holds %d, want 3", n)
	}
	if d := expiresIn(t, c.ratelimit, k); !near(d, countTTL) {
		t.Errorf("counter expires in %s, want ~%s", d, countTTL)
	}

	// The next window starts over; the previous one is still counted.
	now = now.Add(time.Minute)
	if n := count("ip|192.0.2.1", time.Minute); n != 1 {
		t.Errorf("next window: %d, want 1", n)
	}
	now = now.Add(-time.Minute)
	if n := count("ip|192.0.2.1", time.Minute); n != 4 {
		t.Errorf("back in the first window: %d, want 4", n)
	}

	for _, w := range []time.Duration{0, 500 * time.Millisecond, maxCountWindow + time.Second} {
		if _, err := c.Count(ctx, "k", w); err == nil {
			t.Errorf("window %s was accepted", w)
		}
	}
}

func TestPingMembers(t *testing.T) {
	cfg := memberConfig(t)
	c := open(t, cfg)
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if n := c.Members(); n != 1 {
		t.Errorf("Members = %d, want 1", n)
	}
	if want := net.JoinHostPort(cfg.BindAddr, strconv.Itoa(cfg.BindPort)); c.Name() != want {
		t.Errorf("Name = %s, want %s", c.Name(), want)
	}
}

// Open starts from olric.yaml too, and refuses a bad config.
func TestOpen(t *testing.T) {
	cfg := memberConfig(t)
	cfg.File = repoConfig
	c := open(t, cfg)
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}

	if _, err := Open(context.Background(), Config{File: "does-not-exist.yaml"}); err == nil {
		t.Error("Open with a missing file succeeded")
	}
	if _, err := Open(context.Background(), Config{
		BindAddr: "127.0.0.1", BindPort: testkit.MustFreePort(t), MemberlistPort: testkit.MustFreePort(t), LogLevel: "LOUD",
	}); err == nil {
		t.Error("Open with a bad log level succeeded")
	}
}

// A port in use fails Open at once and cleanly. It runs in a child
// process: a member that failed to start leaves Olric's process-wide start
// checkpoints unpassed, and every later Open in the process then waits
// startedGrace (and, under -race, races with Olric's polling goroutine).
func TestOpenPortInUse(t *testing.T) {
	if addr := os.Getenv("CACHE_TEST_TAKEN_PORT"); addr != "" {
		port, _ := strconv.Atoi(addr)
		cfg := memberConfig(t)
		cfg.BindPort = port
		start := time.Now()
		c, err := Open(context.Background(), cfg)
		if err == nil {
			_ = c.Close(context.Background())
			t.Fatal("Open on a port in use succeeded")
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("failing took %s", d)
		}
		t.Logf("port in use: %v", err)
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpenPortInUse$", "-test.v")
	cmd.Env = append(os.Environ(), "CACHE_TEST_TAKEN_PORT="+strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("address already in use")) {
		t.Errorf("child did not report the port in use:\n%s", out)
	}
}

// Close is graceful and can be called twice.
func TestCloseTwice(t *testing.T) {
	c, err := Open(context.Background(), memberConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %s", time.Since(start).Round(time.Millisecond))
	if err := c.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A closed member must fail every call, so callers fall back to the
// database instead of reading the closed member's private memory.
func TestClosedCacheFails(t *testing.T) {
	c := open(t, memberConfig(t))
	ctx := context.Background()
	if err := c.PutFragment(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Fragment(ctx, "k"); ok || !errors.Is(err, ErrClosed) {
		t.Errorf("Fragment after Close: ok=%v err=%v", ok, err)
	}
	if _, err := c.Count(ctx, "n", time.Minute); !errors.Is(err, ErrClosed) {
		t.Errorf("Count after Close: %v", err)
	}
	if err := c.Ping(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping after Close: %v", err)
	}
}

package cache

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// eventually retries f until it returns nil or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, f func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for i := 0; ; i++ {
		err := f()
		if err == nil {
			if i > 0 {
				t.Logf("%s: took %d tries", what, i+1)
			}
			return time.Since(start)
		}
		if i == 0 {
			t.Logf("%s: first try: %v", what, err)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: still failing after %s: %v", what, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Three members on 127.0.0.1 with ReplicaCount 2: what one member writes
// the others read, counters add up across members, and a graceful
// shutdown of the first member (the coordinator) loses nothing.
func TestCluster(t *testing.T) {
	ctx := context.Background()
	ms := startCluster(t, 3, nil, func(_ int, m *Cache) {
		// The counts below start as soon as the third member is ready:
		// membership must be read fresh, as it is once the reuse window
		// (membersTTL) after a change has passed.
		m.membersTTL = 0
	})
	for i, m := range ms {
		eventually(t, 10*time.Second, fmt.Sprintf("member %d sees 3", i+1), func() error {
			if n := m.Members(); n != 3 {
				return fmt.Errorf("sees %d members", n)
			}
			return m.Ping(ctx)
		})
	}
	m1, m2, m3 := ms[0], ms[1], ms[2]

	// Writes through member 1, reads through 2 and 3.
	const n = 100
	frag := func(i int) (string, []byte) {
		return fmt.Sprintf("demo|s%d|cart|v1", i), []byte(fmt.Sprintf("<p>fragment %d</p>", i))
	}
	states := make([]*shopper.State, n)
	for i := range n {
		k, v := frag(i)
		if err := m1.PutFragment(ctx, k, v); err != nil {
			t.Fatal(err)
		}
		states[i] = sampleState("demo", shopper.NewID())
		if err := m1.PutState(ctx, states[i]); err != nil {
			t.Fatal(err)
		}
	}
	readAll := func(from ...*Cache) error {
		for _, m := range from {
			for i := range n {
				k, want := frag(i)
				got, ok, err := m.Fragment(ctx, k)
				if err != nil || !ok || string(got) != string(want) {
					return fmt.Errorf("%s: fragment %s = (%q, %v, %v)", m.Name(), k, got, ok, err)
				}
				st, ok, err := m.State(ctx, "demo", states[i].Shopper)
				if err != nil || !ok || !reflect.DeepEqual(st, states[i]) {
					return fmt.Errorf("%s: state %d = (%v, %v, %v)", m.Name(), i, st, ok, err)
				}
			}
		}
		return nil
	}
	if err := readAll(m2, m3); err != nil {
		t.Fatal(err)
	}

	// Counts made through every member add up, sequentially...
	now := time.Now()
	for _, m := range ms {
		m.now = func() time.Time { return now }
	}
	for i := range 30 {
		want := int64(i + 1)
		if got, err := ms[i%3].Count(ctx, "ip|198.51.100.7", time.Hour); got != want || err != nil {
			t.Fatalf("count %d through member %d = %d, %v", want, i%3+1, got, err)
		}
	}
	// ...and concurrently, once each member's routed client has the
	// cluster's routing table.
	for _, m := range ms {
		if _, err := m.Count(ctx, "warm-up", time.Hour); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "routes refreshed", func() error {
			if _, sig := m.memberSet(); m.refreshing.Load() || m.routesFor.Load() != sig {
				return fmt.Errorf("%s: routing table not refreshed yet", m.Name())
			}
			return nil
		})
	}
	const per = 200
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := m.Count(ctx, "ip|203.0.113.9", time.Hour); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got, err := m2.Count(ctx, "ip|203.0.113.9", time.Hour); got != 3*per+1 || err != nil {
		t.Errorf("concurrent counts through 3 members: %d, %v; want %d", got, err, 3*per+1)
	}

	// Member 1 leaves gracefully; every key stays readable through 2 and 3.
	start := time.Now()
	if err := m1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("member 1 closed in %s", time.Since(start).Round(time.Millisecond))
	took := eventually(t, 15*time.Second, "keys after member 1 left", func() error { return readAll(m2, m3) })
	t.Logf("all %d fragments and %d states readable through members 2 and 3 %s after member 1 closed",
		n, n, took.Round(time.Millisecond))
	for _, m := range []*Cache{m2, m3} {
		if got := m.Members(); got != 2 {
			t.Errorf("%s sees %d members, want 2", m.Name(), got)
		}
	}
	if got, err := m3.Count(ctx, "ip|198.51.100.7", time.Hour); got != 31 || err != nil {
		t.Errorf("counter after member 1 left: %d, %v; want 31", got, err)
	}

	// Writes and drops keep working between the two that are left.
	if err := m2.DropState(ctx, "demo", states[0].Shopper); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Cache{m2, m3} {
		if _, ok, err := m.State(ctx, "demo", states[0].Shopper); ok || err != nil {
			t.Errorf("dropped state through %s: ok=%v err=%v", m.Name(), ok, err)
		}
	}
}

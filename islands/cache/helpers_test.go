package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// member is a test member's config: free ports on 127.0.0.1, quiet logs.
func memberConfig(t testing.TB) Config {
	return Config{
		BindAddr:       "127.0.0.1",
		BindPort:       testkit.MustFreePort(t),
		MemberlistPort: testkit.MustFreePort(t),
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		StartTimeout:   15 * time.Second,
	}
}

func (c Config) memberlistAddr() string {
	return fmt.Sprintf("%s:%d", c.BindAddr, c.MemberlistPort)
}

// startCluster opens n members on 127.0.0.1 (memberConfig, ReplicaCount 2)
// one after the other, each given the gossip addresses up to its own (its
// own is dropped), so none waits on a peer that is not up yet. mod, when
// not nil, adjusts member i's config before it opens; opened, when not nil,
// runs on member i as soon as it is open, before the next one starts.
func startCluster(t *testing.T, n int, mod func(i int, cfg *Config), opened func(i int, m *Cache)) []*Cache {
	t.Helper()
	cfgs := make([]Config, n)
	var peers []string
	for i := range cfgs {
		cfgs[i] = memberConfig(t)
		cfgs[i].ReplicaCount = 2
		if mod != nil {
			mod(i, &cfgs[i])
		}
		peers = append(peers, cfgs[i].memberlistAddr())
	}
	ms := make([]*Cache, n)
	for i := range cfgs {
		cfgs[i].Peers = peers[:i+1]
		start := time.Now()
		ms[i] = open(t, cfgs[i])
		if opened != nil {
			opened(i, ms[i])
		}
		t.Logf("member %d (%s) ready in %s", i+1, ms[i].Name(), time.Since(start).Round(time.Millisecond))
	}
	return ms
}

// open starts a member and shuts it down when the test ends.
func open(t testing.TB, cfg Config) *Cache {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

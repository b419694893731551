package cache

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The fragment benchmarks put and get 2 KiB values on one embedded member,
// beside a mutex-guarded Go map doing the same work (copy in, copy out,
// expiry checked), which is what the embedded member costs over a cache
// that cannot be shared between islands servers.
//
//	go test -run '^$' -bench . -benchmem ./islands/cache/

const benchKeys = 1024

func benchFragment() []byte { return bytes.Repeat([]byte("<li>x</li>"), 2048/10+1)[:2048] }

func benchKey(i int) string { return "demo|" + strconv.Itoa(i%benchKeys) + "|cart|v1" }

func BenchmarkFragmentPut(b *testing.B) {
	c := open(b, memberConfig(b))
	ctx, v := context.Background(), benchFragment()
	b.SetBytes(int64(len(v)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := c.PutFragment(ctx, benchKey(i), v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFragmentGet(b *testing.B) {
	c := open(b, memberConfig(b))
	ctx, v := context.Background(), benchFragment()
	for i := range benchKeys {
		if err := c.PutFragment(ctx, benchKey(i), v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(v)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if got, ok, err := c.Fragment(ctx, benchKey(i)); !ok || err != nil || len(got) != len(v) {
			b.Fatalf("(%d bytes, %v, %v)", len(got), ok, err)
		}
	}
}

// mapCache is the baseline: an in-process map with expiry.
type mapCache struct {
	mu sync.RWMutex
	m  map[string]mapEntry
}

type mapEntry struct {
	v       []byte
	expires time.Time
}

func (c *mapCache) put(k string, v []byte, ttl time.Duration) {
	e := mapEntry{bytes.Clone(v), time.Now().Add(ttl)}
	c.mu.Lock()
	c.m[k] = e
	c.mu.Unlock()
}

func (c *mapCache) get(k string) ([]byte, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	return bytes.Clone(e.v), true
}

func BenchmarkMapFragmentPut(b *testing.B) {
	c, v := &mapCache{m: map[string]mapEntry{}}, benchFragment()
	b.SetBytes(int64(len(v)))
	for i := 0; b.Loop(); i++ {
		c.put(benchKey(i), v, time.Minute)
	}
}

func BenchmarkMapFragmentGet(b *testing.B) {
	c, v := &mapCache{m: map[string]mapEntry{}}, benchFragment()
	for i := range benchKeys {
		c.put(benchKey(i), v, time.Minute)
	}
	b.SetBytes(int64(len(v)))
	for i := 0; b.Loop(); i++ {
		if got, ok := c.get(benchKey(i)); !ok || len(got) != len(v) {
			b.Fatal("miss")
		}
	}
}

// BenchmarkCount is one rate-limit check on one member.
func BenchmarkCount(b *testing.B) {
	c := open(b, memberConfig(b))
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Count(ctx, "ip|"+strconv.Itoa(i%benchKeys), time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFragmentGetCluster reads through one member of three
// (ReplicaCount 2), so most keys live elsewhere and every Get also asks a
// replica: the price of sharing, over loopback.
func BenchmarkFragmentGetCluster(b *testing.B) {
	var peers []string
	var ms []*Cache
	for i := range 3 {
		cfg := memberConfig(b)
		cfg.ReplicaCount = 2
		peers = append(peers, cfg.memberlistAddr())
		cfg.Peers = peers[:i+1]
		ms = append(ms, open(b, cfg))
	}
	for ms[0].Members() != 3 || ms[2].Members() != 3 {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, v := context.Background(), benchFragment()
	for i := range benchKeys {
		if err := ms[0].PutFragment(ctx, benchKey(i), v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(v)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if got, ok, err := ms[1].Fragment(ctx, benchKey(i)); !ok || err != nil || len(got) != len(v) {
			b.Fatalf("(%d bytes, %v, %v)", len(got), ok, err)
		}
	}
}

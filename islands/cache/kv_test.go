package cache

import (
	"testing"
	"time"
)

func TestValueWithTTL(t *testing.T) {
	c := open(t, memberConfig(t))
	ctx := t.Context()
	if _, ok, err := c.Value(ctx, "ai|x"); ok || err != nil {
		t.Fatalf("empty cache: ok %v err %v", ok, err)
	}
	if err := c.PutValue(ctx, "ai|x", []byte("line"), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	v, ok, err := c.Value(ctx, "ai|x")
	if !ok || err != nil || string(v) != "line" {
		t.Fatalf("Value = %q %v %v", v, ok, err)
	}
	v[0] = 'X' // the caller's copy
	if v, _, _ := c.Value(ctx, "ai|x"); string(v) != "line" {
		t.Fatalf("a caller's write reached the cache: %q", v)
	}
	if err := c.PutValue(ctx, "ai|y", []byte("z"), 0); err == nil {
		t.Fatal("a zero TTL is accepted")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok, _ := c.Value(ctx, "ai|x"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the value outlived its TTL by seconds")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

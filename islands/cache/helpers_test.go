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

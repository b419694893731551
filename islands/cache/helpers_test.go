package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"
)

// portsMu keeps this package's tests from handing out the same port twice.
var (
	portsMu   sync.Mutex
	portsUsed = map[int]bool{}
)

// freePort returns a port on 127.0.0.1 that is free for both TCP and UDP
// right now (memberlist binds both on its port).
func freePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		if portsUsed[port] {
			continue
		}
		portsUsed[port] = true
		return port
	}
	t.Fatal("free port: none found")
	return 0
}

// member is a test member's config: free ports on 127.0.0.1, quiet logs.
func memberConfig(t testing.TB) Config {
	return Config{
		BindAddr:       "127.0.0.1",
		BindPort:       freePort(t),
		MemberlistPort: freePort(t),
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

package testkit

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
)

var (
	portsMu   sync.Mutex
	handedOut = map[int]bool{}
)

// FreePort returns a port on 127.0.0.1 that is free for both TCP and UDP
// right now (an Olric member's gossip port binds both), never the same
// twice in a process. Another process may still take it before the caller
// binds it; that fails loudly, not silently.
func FreePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		l.Close()
		if err != nil || handedOut[port] {
			continue
		}
		u.Close()
		handedOut[port] = true
		return port, nil
	}
	return 0, errors.New("testkit: no free port on 127.0.0.1")
}

// MustFreePort is FreePort for a test: it fails t when no port is free.
func MustFreePort(t testing.TB) int {
	t.Helper()
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

package testkit

import (
	"testing"

	"github.com/wandstore/wandstore/internal/freeport"
)

// FreePort returns a port on 127.0.0.1 that is free for both TCP and UDP
// right now (an Olric member's gossip port binds both), never the same
// twice in a process.
func FreePort() (int, error) { return freeport.Get() }

// MustFreePort is FreePort for a test: it fails t when no port is free.
func MustFreePort(t testing.TB) int {
	t.Helper()
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

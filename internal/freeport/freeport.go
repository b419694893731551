// Package freeport hands out ports on 127.0.0.1 that are free for TCP and
// UDP, never the same twice in a process: for an Olric member started on
// free ports (a demo whose default ports are taken) and for tests.
package freeport

import (
	"errors"
	"net"
	"strconv"
	"sync"
)

var (
	portsMu   sync.Mutex
	handedOut = map[int]bool{}
)

// Get returns a port on 127.0.0.1 that is free for both TCP and UDP
// right now (an Olric member's gossip port binds both), never the same
// twice in a process. Another process may still take it before the caller
// binds it; that fails loudly, not silently.
func Get() (int, error) {
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
	return 0, errors.New("freeport: no free port on 127.0.0.1")
}

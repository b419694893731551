// Package freeport hands out ports on 127.0.0.1 that are free for TCP and
// UDP, never the same twice in a process: for an Olric member started on
// free ports (a demo whose default ports are taken) and for tests.
//
// The ports come from below the kernel's ephemeral range, never from it:
// a port the kernel handed out for "127.0.0.1:0" is free again the moment
// it is closed, and any other process's next outgoing connection, DNS
// query or ":0" listener may take it before the caller binds it (an Olric
// member started on such a port failed now and then with "address already
// in use" while other test packages ran beside it). Below that range only
// a program that names the port can collide, and picking at random makes
// two processes naming the same one unlikely.
package freeport

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

var (
	portsMu   sync.Mutex
	handedOut = map[int]bool{}
)

// lowest is the lowest port handed out: above the registered services
// most machines run (PostgreSQL, Redis, the usual 8xxx dev servers).
const lowest = 20000

// ephemeralStart is where the kernel's ephemeral range starts: read from
// Linux's ip_local_port_range, else 32768 (Linux's default; BSDs and
// macOS start at 49152, above it).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > lowest+1000 {
				return n
			}
		}
	}
	return 32768
}

// Get returns a port on 127.0.0.1 that is free for both TCP and UDP
// right now (an Olric member's gossip port binds both), never the same
// twice in a process. Another process may still take it before the caller
// binds it; that fails loudly, not silently.
func Get() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	end := ephemeralStart()
	for range 200 {
		port := lowest + rand.IntN(end-lowest)
		if handedOut[port] || !free(port) {
			continue
		}
		handedOut[port] = true
		return port, nil
	}
	return 0, errors.New("freeport: no free port on 127.0.0.1 below the ephemeral range")
}

// free reports whether port can be bound on 127.0.0.1 for TCP and UDP.
func free(port int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer l.Close()
	u, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	u.Close()
	return true
}

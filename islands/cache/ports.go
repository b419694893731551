package cache

import (
	"errors"
	"net"
	"strconv"
	"sync"
)

// handedOut keeps FreePort from giving the same port twice in a process
// before the first caller has bound it.
var (
	portsMu   sync.Mutex
	handedOut = map[int]bool{}
)

// FreePort returns a port on 127.0.0.1 that is free for both TCP and UDP
// right now (memberlist binds both on its port), for a member started on
// free ports (tests, several demos on one machine). Olric needs concrete
// ports; another process could take one before the member binds it, which
// then fails loudly.
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
	return 0, errors.New("cache: no free port on 127.0.0.1")
}

// portFree reports whether port on host can be bound now, for TCP and,
// when udp, for UDP too (memberlist binds both on its port).
func portFree(host string, port int, udp bool) bool {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	if udp {
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		u.Close()
	}
	return true
}

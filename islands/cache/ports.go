package cache

import (
	"net"
	"strconv"

	"github.com/wandstore/wandstore/internal/freeport"
)

// FreePort returns a port on 127.0.0.1 that is free for both TCP and UDP
// right now (memberlist binds both on its port), for a member started on
// free ports (tests, several demos on one machine). Olric needs concrete
// ports; another process could take one before the member binds it, which
// then fails loudly.
func FreePort() (int, error) { return freeport.Get() }

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

// The client behind a request: the connection's peer, or what a trusted
// proxy says (X-Forwarded-For, X-Forwarded-Proto).

package islands

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// isHTTPS reports whether the client's request came over HTTPS: TLS here,
// or a trusted proxy saying so in X-Forwarded-Proto.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// peer is the address of the connection's other end.
func (s *Server) peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// trustedAddr reports whether a is one of Options.TrustedProxies.
func (s *Server) trustedAddr(a netip.Addr) bool {
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromTrustedProxy reports whether the connection comes from a trusted
// proxy, whose forwarding headers are then believed.
func (s *Server) fromTrustedProxy(r *http.Request) bool { return s.trustedAddr(s.peer(r)) }

// clientIP is the connection's address, unless it is a trusted proxy: then
// the right-most address in X-Forwarded-For that is not itself a trusted
// proxy (the left-most entries are whatever the client claimed).
func (s *Server) clientIP(r *http.Request) netip.Addr {
	peer := s.peer(r)
	if !s.trustedAddr(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !s.trustedAddr(a) {
			return a
		}
	}
	return peer
}

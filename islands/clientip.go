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
func (s *Server) trustedAddr(a netip.Addr) bool { return trusted(s.trusted, a) }

func trusted(proxies []netip.Prefix, a netip.Addr) bool {
	for _, p := range proxies {
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
func (s *Server) clientIP(r *http.Request) netip.Addr { return ClientIP(r, s.trusted) }

// ClientIP is the address of the client behind r: the connection's peer,
// unless the peer is one of the trusted proxies; then the right-most
// address in X-Forwarded-For that is not itself a trusted proxy (the
// left-most entries are whatever the client claimed). The webhook
// receiver's per-source limit uses it too.
func ClientIP(r *http.Request, proxies []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, _ := netip.ParseAddr(host)
	peer = peer.Unmap()
	if !trusted(proxies, peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !trusted(proxies, a) {
			return a
		}
	}
	return peer
}

// DefaultIPv6Prefix is how many leading bits of an IPv6 address name one
// client: a /64 is what one subscriber, one host or one LAN is given (and
// what SLAAC and privacy addresses vary inside), so counting per address
// would give one machine 2^64 budgets.
const DefaultIPv6Prefix = 64

// ClientKey names the client at a for rate limits: an IPv4 address as it
// is, an IPv6 address by its leading ipv6Bits bits (DefaultIPv6Prefix
// when ipv6Bits is not within 1..128), zone dropped. An invalid address
// (no peer) is one key of its own.
func ClientKey(a netip.Addr, ipv6Bits int) string {
	if !a.IsValid() {
		return "invalid"
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	if ipv6Bits < 1 || ipv6Bits > 128 {
		ipv6Bits = DefaultIPv6Prefix
	}
	p, _ := a.Prefix(ipv6Bits)
	return p.String()
}

package cache

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/olric-data/olric/config"
	"gopkg.in/yaml.v3"
)

// peerLookupTimeout bounds the name lookups otherPeers makes.
const peerLookupTimeout = 2 * time.Second

// loadFile reads an Olric config file and returns it with its peers apart
// (the config's Peers empty).
//
// config.Load validates what it reads, and Olric refuses a member that
// lists its own address (memberlist bindAddr:bindPort, compared as
// strings) among its peers: with one file for every member, the file's
// own address is always in it, and the file's bind port is not even the
// address a member started with another port would have. So the peers
// are taken out before Olric sees the file, and put back (without this
// member's own address) once the ports are final.
func loadFile(path string) (*config.Config, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	node := peersNode(&doc)
	if node == nil || len(node.Content) == 0 {
		oc, err := config.Load(path)
		return oc, nil, err
	}
	var peers []string
	if err := node.Decode(&peers); err != nil {
		return nil, nil, fmt.Errorf("memberlist.peers: %w", err)
	}
	node.Content, node.Style = nil, yaml.FlowStyle
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, nil, err
	}
	// config.Load reads only from a file. The copy may hold the
	// authentication password: CreateTemp makes it 0600, and it lives only
	// for the Load.
	f, err := os.CreateTemp("", "wandstore-olric-*.yaml")
	if err != nil {
		return nil, nil, err
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(out)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, nil, werr
	}
	oc, err := config.Load(f.Name())
	if err != nil {
		return nil, nil, err
	}
	return oc, peers, nil
}

// peersNode finds memberlist.peers in a YAML document; nil if absent or
// not a list.
func peersNode(doc *yaml.Node) *yaml.Node {
	find := func(m *yaml.Node, key string) *yaml.Node {
		if m == nil || m.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i+1]
			}
		}
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	n := find(find(doc.Content[0], "memberlist"), "peers")
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n
}

// otherPeers returns peers without repeats and without this member, whose
// gossip addresses (host:port) are self. A peer is this member when its
// port is one of self's (no port: memberlist then uses the member's own)
// and its host is the same text, or resolves to the same address
// (localhost and 127.0.0.1), or is any local address while this member
// binds every address (0.0.0.0). A name that does not resolve is kept:
// it is somebody else's, or Olric will say so.
func otherPeers(peers []string, self ...string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, p := range peers {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if !isSelf(p, self) {
			out = append(out, p)
		}
	}
	return out
}

func isSelf(peer string, self []string) bool {
	for _, s := range self {
		sh, sp, err := net.SplitHostPort(s)
		if err != nil {
			continue
		}
		host, port, err := net.SplitHostPort(peer)
		if err != nil {
			host, port = peer, sp
		}
		if port != sp {
			continue
		}
		if host == sh {
			return true
		}
		mine, theirs := lookup(sh), lookup(host)
		for _, a := range mine {
			for _, b := range theirs {
				if a == b || a.IsUnspecified() && isLocal(b) {
					return true
				}
			}
		}
	}
	return false
}

// lookup resolves host to its addresses (IPv4-mapped ones unmapped);
// none if it does not resolve in time.
func lookup(host string) []netip.Addr {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), peerLookupTimeout)
	defer cancel()
	as, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for i := range as {
		as[i] = as[i].Unmap()
	}
	return as
}

// isLocal reports whether a is an address of this machine.
func isLocal(a netip.Addr) bool {
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(n.IP); ok && b.Unmap() == a {
				return true
			}
		}
	}
	return false
}

// gossipAddrs are the addresses under which peers may list this member:
// its memberlist bind address, and the advertised one when set apart.
func gossipAddrs(oc *config.Config) []string {
	ml := oc.MemberlistConfig
	addrs := []string{net.JoinHostPort(ml.BindAddr, strconv.Itoa(ml.BindPort))}
	host, port := ml.AdvertiseAddr, ml.AdvertisePort
	if host == "" {
		host = ml.BindAddr
	}
	if port == 0 {
		port = ml.BindPort
	}
	if adv := net.JoinHostPort(host, strconv.Itoa(port)); adv != addrs[0] {
		addrs = append(addrs, adv)
	}
	return addrs
}

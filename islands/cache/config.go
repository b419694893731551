package cache

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/olric-data/olric/config"
)

// Config says how to start the embedded Olric member. Fields left at their
// zero value come from File (or, when File is "", from built-in defaults
// that equal the repository's olric.yaml); set fields override it.
type Config struct {
	// File is the path of an Olric member config (olric.yaml, in Olric's
	// own format, read by config.Load; its memberlist.peers are read apart,
	// see Peers). "" uses the built-in defaults.
	File string
	// BindAddr is the address Olric and memberlist bind to and advertise
	// (both share it). Default 127.0.0.1: a member reachable from other
	// machines is an explicit choice.
	BindAddr string
	// BindPort is Olric's TCP port for member-to-member and client
	// requests (default 3320). Olric has no ephemeral ports: 0 means
	// "from the file", not "any".
	BindPort int
	// MemberlistPort is the gossip port, TCP and UDP (default 3322).
	MemberlistPort int
	// Peers are memberlist addresses (host:memberlistPort) of the members
	// to join; when set they replace the file's. This member's own address
	// is dropped from the list (from the file's too), in any form that
	// resolves to it (localhost:3322 for 127.0.0.1:3322), so every member
	// of a cluster can be given the same list.
	Peers []string
	// ExpectedMembers is how many members this one expects the cluster to
	// have, itself included; seeing fewer is a split (see Membership).
	// Default: the peers left after dropping this member's own address,
	// plus one.
	ExpectedMembers int
	// ReplicaCount is how many members hold each key (1 = no replicas).
	// Clusters set 2 or more so a member leaving loses nothing.
	ReplicaCount int
	// LogLevel is the lowest level of Olric's and memberlist's own lines
	// that reaches Log: DEBUG, INFO, WARN or ERROR (default WARN).
	LogLevel string
	// Log receives Olric's and memberlist's lines at their own level,
	// with component=olric. nil means slog.Default().
	Log *slog.Logger
	// FreePortsWhenTaken replaces a port that comes from File or the
	// built-in defaults (BindPort or MemberlistPort left 0) with a free one
	// on 127.0.0.1 when another process holds it, and logs both, instead of
	// failing with "address already in use". For the demo: a second demo,
	// or any program on 3320/3322. A port set here is never replaced, and a
	// member of a real cluster should not move: its peers name its port.
	FreePortsWhenTaken bool
	// StartTimeout bounds how long Open waits for the member to be ready
	// (joined or formed a cluster, routing table bootstrapped). Default
	// 30 s: a member whose peers are all down retries the join for
	// maxJoinAttempts x joinRetryInterval (10 s with olric.yaml) before it
	// forms a cluster of its own.
	StartTimeout time.Duration

	// joinRetry and joinAttempts override the file's memberlist
	// joinRetryInterval and maxJoinAttempts (tests of unreachable peers).
	joinRetry    time.Duration
	joinAttempts int
}

// Defaults shared by the built-in config and olric.yaml; config_test.go
// checks that the file loads to the same values.
const (
	defaultBindAddr       = "127.0.0.1"
	defaultBindPort       = 3320
	defaultMemberlistPort = 3322
	defaultLogLevel       = config.LogLevelWarn
	defaultStartTimeout   = 30 * time.Second
	// defaultTableSize is the kvstore table size in bytes, which is also
	// the largest entry (key + value + ~20 bytes) Olric accepts.
	defaultTableSize = 256 << 10
)

// builtinConfig is olric.yaml written in Go, for Config.File == "".
func builtinConfig() (*config.Config, error) {
	mc, err := config.NewMemberlistConfig("local")
	if err != nil {
		return nil, err
	}
	mc.BindAddr = defaultBindAddr
	mc.BindPort = defaultMemberlistPort
	mc.AdvertisePort = defaultMemberlistPort
	mc.EnableCompression = false

	return &config.Config{
		BindAddr:                 defaultBindAddr,
		BindPort:                 defaultBindPort,
		LogLevel:                 defaultLogLevel,
		LogVerbosity:             3,
		PartitionCount:           271,
		LoadFactor:               1.25,
		ReplicaCount:             1,
		ReadQuorum:               1,
		WriteQuorum:              1,
		ReadRepair:               false,
		ReplicationMode:          config.SyncReplicationMode,
		MemberCountQuorum:        1,
		KeepAlivePeriod:          300 * time.Second,
		BootstrapTimeout:         50 * time.Millisecond,
		RoutingTablePushInterval: 3 * time.Second,
		TriggerBalancerInterval:  15 * time.Second,
		LeaveTimeout:             5 * time.Second,
		JoinRetryInterval:        time.Second,
		MaxJoinAttempts:          10,
		Peers:                    []string{},
		MemberlistConfig:         mc,
		Client: &config.Client{
			Authentication: &config.Authentication{},
			DialTimeout:    time.Second,
			ReadTimeout:    time.Second,
			WriteTimeout:   time.Second,
			MaxRetries:     1,
		},
		DMaps: &config.DMaps{
			Engine: &config.Engine{
				Name:   config.DefaultStorageEngine,
				Config: map[string]interface{}{"tableSize": defaultTableSize},
			},
			CheckEmptyFragmentsInterval: time.Minute,
			TriggerCompactionInterval:   10 * time.Minute,
		},
		Authentication: &config.Authentication{},
	}, nil
}

// olricConfig builds the member config: the file or the built-in
// defaults, then the explicit fields of c, then logging.
func (c Config) olricConfig() (*config.Config, error) {
	var (
		oc  *config.Config
		err error
	)
	filePeers := []string{}
	if c.File == "" {
		oc, err = builtinConfig()
	} else {
		oc, filePeers, err = loadFile(c.File)
	}
	if err != nil {
		return nil, fmt.Errorf("olric config %q: %w", c.File, err)
	}
	oc.Peers = filePeers

	if c.BindAddr != "" {
		oc.BindAddr = c.BindAddr
		oc.MemberlistConfig.BindAddr = c.BindAddr
	}
	if c.BindPort != 0 {
		oc.BindPort = c.BindPort
	}
	if c.MemberlistPort != 0 {
		setGossipPort(oc, c.MemberlistPort)
	}
	lg := c.logger()
	if c.FreePortsWhenTaken {
		if err := c.freeIfTaken(oc, lg.With("component", "cache")); err != nil {
			return nil, err
		}
	}
	if len(c.Peers) > 0 {
		oc.Peers = append([]string(nil), c.Peers...)
	}
	// Olric refuses a peer list that names the member itself; drop it so
	// one list serves the whole cluster.
	oc.Peers = otherPeers(oc.Peers, gossipAddrs(oc)...)
	if c.joinRetry > 0 {
		oc.JoinRetryInterval = c.joinRetry
	}
	if c.joinAttempts > 0 {
		oc.MaxJoinAttempts = c.joinAttempts
	}
	if c.ReplicaCount != 0 {
		oc.ReplicaCount = c.ReplicaCount
	}
	if c.LogLevel != "" {
		oc.LogLevel = strings.ToUpper(c.LogLevel)
	}
	if oc.LogLevel == "" {
		oc.LogLevel = defaultLogLevel
	}

	// Count relies on the ratelimit DMap's default TTL (see countTTL). A
	// custom DMap entry replaces every DMap-wide setting, so carry those
	// over rather than drop them.
	if oc.DMaps == nil {
		oc.DMaps = &config.DMaps{}
	}
	if oc.DMaps.Custom == nil {
		oc.DMaps.Custom = map[string]config.DMap{}
	}
	rl, ok := oc.DMaps.Custom[ratelimitMap]
	if !ok {
		g := oc.DMaps
		rl = config.DMap{MaxIdleDuration: g.MaxIdleDuration, MaxKeys: g.MaxKeys, MaxInuse: g.MaxInuse,
			LRUSamples: g.LRUSamples, EvictionPolicy: g.EvictionPolicy}
	}
	rl.TTLDuration = countTTL
	oc.DMaps.Custom[ratelimitMap] = rl

	// Olric writes through a *log.Logger (memberlist through the same
	// one); hand its lines to slog. Olric filters them by LogLevel too, but
	// ranks INFO above ERROR, so INFO lines pass at WARN: filter here.
	w := &slogWriter{log: lg.With("component", "olric"), min: slogLevel(oc.LogLevel)}
	oc.LogOutput = w
	oc.Logger = log.New(w, "", 0)
	return oc, nil
}

// setGossipPort moves the memberlist port. config.Load sets AdvertisePort
// to the bind port unless the file names one; keep them together unless
// they were set apart.
func setGossipPort(oc *config.Config, port int) {
	if oc.MemberlistConfig.AdvertisePort == oc.MemberlistConfig.BindPort {
		oc.MemberlistConfig.AdvertisePort = port
	}
	oc.MemberlistConfig.BindPort = port
}

// freeIfTaken replaces each port that comes from the file or the defaults
// (not set in c) and that is taken now with a free one, and says so.
func (c Config) freeIfTaken(oc *config.Config, log *slog.Logger) error {
	if c.BindPort == 0 && !portFree(oc.BindAddr, oc.BindPort, false) {
		p, err := FreePort()
		if err != nil {
			return err
		}
		log.Warn("olric port is taken; using a free one instead", "taken", oc.BindPort, "port", p, "addr", oc.BindAddr)
		oc.BindPort = p
	}
	ml := oc.MemberlistConfig
	if c.MemberlistPort == 0 && !portFree(ml.BindAddr, ml.BindPort, true) {
		p, err := FreePort()
		if err != nil {
			return err
		}
		log.Warn("olric gossip port is taken; using a free one instead", "taken", ml.BindPort, "port", p, "addr", ml.BindAddr)
		setGossipPort(oc, p)
	}
	return nil
}

// slogWriter turns Olric's and memberlist's "[LEVEL] text" lines into
// slog records at that level, dropping those below min. A line without a
// level counts as INFO.
type slogWriter struct {
	log *slog.Logger
	min slog.Level
	// closing is set when the member shuts down: its background work then
	// fails with "context canceled" and the like, which Olric logs as
	// errors. Those are the shutdown itself, not a problem, so they are
	// demoted to DEBUG (an operator at 3 a.m. should not read them as one).
	closing atomic.Bool
}

// shutdownNoise are the messages a closing member's own cancellation
// produces.
var shutdownNoise = []string{"context canceled", "use of closed network connection", "server closed", "client is closed"}

// slogLevel maps Olric's level names (and memberlist's ERR) to slog's.
func slogLevel(name string) slog.Level {
	switch name {
	case "DEBUG", "TRACE":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERR", "ERROR":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

func (w *slogWriter) Write(p []byte) (int, error) {
	n := len(p)
	line := string(bytes.TrimRight(p, "\r\n"))
	level := slog.LevelInfo
	if i := strings.IndexByte(line, '['); i >= 0 {
		if j := strings.IndexByte(line[i:], ']'); j > 0 {
			switch tag := line[i+1 : i+j]; tag {
			case "DEBUG", "TRACE", "INFO", "WARN", "ERR", "ERROR":
				level = slogLevel(tag)
				line = strings.TrimSpace(line[:i] + line[i+j+1:])
			}
		}
	}
	if w.closing.Load() && level > slog.LevelDebug {
		for _, s := range shutdownNoise {
			if strings.Contains(line, s) {
				level = slog.LevelDebug
				break
			}
		}
	}
	if level < w.min {
		return n, nil
	}
	w.log.Log(context.Background(), level, line)
	return n, nil
}

var _ io.Writer = (*slogWriter)(nil)

// logger is Log, or slog.Default() when it is nil.
func (c Config) logger() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

package cache

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/olric-data/olric/config"

	"github.com/wandstore/wandstore/internal/testkit"
)

const repoConfig = "../../olric.yaml"

// The file loads with Olric's own loader, and says what the built-in
// defaults say.
func TestOlricYAMLMatchesBuiltin(t *testing.T) {
	file, err := config.Load(repoConfig)
	if err != nil {
		t.Fatalf("config.Load(%s): %v", repoConfig, err)
	}
	builtin, err := builtinConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := builtin.Sanitize(); err != nil {
		t.Fatal(err)
	}
	if err := builtin.Validate(); err != nil {
		t.Fatal(err)
	}
	if a, b := project(file), project(builtin); !reflect.DeepEqual(a, b) {
		t.Errorf("olric.yaml and builtinConfig differ:\nfile:    %+v\nbuiltin: %+v", a, b)
	}
	if file.BindAddr != "127.0.0.1" || file.MemberlistConfig.BindAddr != "127.0.0.1" {
		t.Errorf("olric.yaml binds %s / %s, want loopback", file.BindAddr, file.MemberlistConfig.BindAddr)
	}
	if file.LogLevel != "WARN" {
		t.Errorf("olric.yaml log level %s, want WARN", file.LogLevel)
	}
}

// projection is what olric.yaml sets, in comparable form.
type projection struct {
	BindAddr                                string
	BindPort                                int
	PartitionCount                          uint64
	LoadFactor                              float64
	ReplicaCount, ReadQuorum, WriteQuorum   int
	ReadRepair                              bool
	ReplicationMode                         int
	MemberCountQuorum                       int32
	KeepAlive, Bootstrap, RTPush, Balancer  time.Duration
	Leave, JoinRetry                        time.Duration
	IdleClose                               time.Duration
	MaxJoinAttempts                         int
	ClusterEvents                           bool
	Peers                                   []string
	LogLevel                                string
	LogVerbosity                            int32
	Dial, Read, Write                       time.Duration
	MaxRetries                              int
	MinBackoff, MaxBackoff, PoolTimeout     time.Duration
	PoolSize, MinIdle                       int
	MLAddr                                  string
	MLPort, MLAdvertisePort                 int
	MLCompression                           bool
	MLProbeInterval, MLProbeTimeout, MLPush time.Duration
	MLGossip                                time.Duration
	Engine                                  string
	TableSize                               any
	EmptyFragments, Compaction              time.Duration
	TTL, MaxIdle                            time.Duration
	MaxKeys, MaxInuse                       int
	Eviction                                config.EvictionPolicy
	Custom                                  int
	Password                                string
}

func project(c *config.Config) projection {
	ml := c.MemberlistConfig
	return projection{
		c.BindAddr, c.BindPort, c.PartitionCount, c.LoadFactor,
		c.ReplicaCount, c.ReadQuorum, c.WriteQuorum, c.ReadRepair, c.ReplicationMode, c.MemberCountQuorum,
		c.KeepAlivePeriod, c.BootstrapTimeout, c.RoutingTablePushInterval, c.TriggerBalancerInterval,
		c.LeaveTimeout, c.JoinRetryInterval, c.IdleClose, c.MaxJoinAttempts, c.EnableClusterEventsChannel,
		append([]string{}, c.Peers...), c.LogLevel, c.LogVerbosity,
		c.Client.DialTimeout, c.Client.ReadTimeout, c.Client.WriteTimeout, c.Client.MaxRetries,
		c.Client.MinRetryBackoff, c.Client.MaxRetryBackoff, c.Client.PoolTimeout, c.Client.PoolSize, c.Client.MinIdleConns,
		ml.BindAddr, ml.BindPort, ml.AdvertisePort, ml.EnableCompression,
		ml.ProbeInterval, ml.ProbeTimeout, ml.PushPullInterval, ml.GossipInterval,
		c.DMaps.Engine.Name, c.DMaps.Engine.Config["tableSize"],
		c.DMaps.CheckEmptyFragmentsInterval, c.DMaps.TriggerCompactionInterval,
		c.DMaps.TTLDuration, c.DMaps.MaxIdleDuration, c.DMaps.MaxKeys, c.DMaps.MaxInuse, c.DMaps.EvictionPolicy,
		len(c.DMaps.Custom), c.Authentication.Password,
	}
}

// Explicit Config fields win over the file; the member's own address is
// dropped from Peers; Olric's logger is replaced.
func TestConfigOverrides(t *testing.T) {
	cfg := Config{
		File:           repoConfig,
		BindAddr:       "127.0.0.2",
		BindPort:       4000,
		MemberlistPort: 4002,
		Peers:          []string{"127.0.0.2:4002", "127.0.0.3:4002"},
		ReplicaCount:   2,
		LogLevel:       "debug",
	}
	oc, err := cfg.olricConfig()
	if err != nil {
		t.Fatal(err)
	}
	ml := oc.MemberlistConfig
	got := []any{oc.BindAddr, oc.BindPort, ml.BindAddr, ml.BindPort, ml.AdvertisePort, oc.Peers, oc.ReplicaCount, oc.LogLevel}
	want := []any{"127.0.0.2", 4000, "127.0.0.2", 4002, 4002, []string{"127.0.0.3:4002"}, 2, "DEBUG"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if oc.LogOutput == os.Stderr || oc.LogOutput == os.Stdout {
		t.Error("Olric still logs to a standard stream")
	}

	// Zero fields keep the file's values.
	oc, err = Config{File: repoConfig}.olricConfig()
	if err != nil {
		t.Fatal(err)
	}
	if oc.BindPort != defaultBindPort || oc.MemberlistConfig.BindPort != defaultMemberlistPort ||
		oc.ReplicaCount != 1 || oc.LogLevel != "WARN" || len(oc.Peers) != 0 {
		t.Errorf("file values lost: port %d ml %d rc %d level %s peers %v",
			oc.BindPort, oc.MemberlistConfig.BindPort, oc.ReplicaCount, oc.LogLevel, oc.Peers)
	}

	if _, err := (Config{File: filepath.Join(t.TempDir(), "none.yaml")}).olricConfig(); err == nil {
		t.Error("a missing file loaded")
	}
}

// recorder keeps slog records for assertions.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}
func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler { return &withAttrs{r, as} }
func (r *recorder) WithGroup(string) slog.Handler         { return r }

// below returns the records of component under level l.
func (r *recorder) below(l slog.Level, component string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.recs {
		c := ""
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "component" {
				c = a.Value.String()
			}
			return true
		})
		if rec.Level < l && c == component {
			out = append(out, rec.Level.String()+" "+rec.Message)
		}
	}
	return out
}

// withAttrs is a recorder's logger.With: the records carry the attributes.
type withAttrs struct {
	*recorder
	attrs []slog.Attr
}

func (w *withAttrs) Handle(ctx context.Context, rec slog.Record) error {
	rec = rec.Clone()
	rec.AddAttrs(w.attrs...)
	return w.recorder.Handle(ctx, rec)
}

// find returns the records with message msg, as maps of their attributes.
func (r *recorder) find(msg string) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, rec := range r.recs {
		if rec.Message != msg {
			continue
		}
		attrs := map[string]any{"level": rec.Level}
		rec.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value.Any()
			return true
		})
		out = append(out, attrs)
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.recs)
}

// At the default level nothing of Olric's or memberlist's (component=olric;
// the cache's own lines are component=cache) reaches the logger below WARN
// (Olric's own filter lets INFO through), and nothing reaches stdout or
// stderr; at DEBUG the lines do arrive, through slog.
func TestLogging(t *testing.T) {
	// Capture the process's stdout and stderr while a member runs.
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = outW, errW
	restore := func() {
		os.Stdout, os.Stderr = stdout, stderr
		outW.Close()
		errW.Close()
	}
	captured := make(chan string, 2)
	for _, r := range []*os.File{outR, errR} {
		go func() { b, _ := io.ReadAll(r); captured <- string(b) }()
	}

	quiet := &recorder{}
	cfg := memberConfig(t)
	cfg.Log = slog.New(quiet)
	c, err := Open(context.Background(), cfg)
	if err != nil {
		restore()
		t.Fatal(err)
	}
	ctx := context.Background()
	_ = c.PutFragment(ctx, "k", []byte("v"))
	_, _, _ = c.Fragment(ctx, "k")
	_, _ = c.Count(ctx, "n", time.Minute)
	closeErr := c.Close(ctx)
	restore()
	if closeErr != nil {
		t.Fatal(closeErr)
	}
	if out := <-captured + <-captured; out != "" {
		t.Errorf("Olric wrote to stdout/stderr:\n%s", out)
	}
	if lines := quiet.below(slog.LevelWarn, "olric"); len(lines) > 0 {
		t.Errorf("below WARN at level WARN:\n%s", strings.Join(lines, "\n"))
	}

	loud := &recorder{}
	cfg = memberConfig(t)
	cfg.Log = slog.New(loud)
	cfg.LogLevel = "DEBUG"
	open(t, cfg)
	if len(loud.below(slog.LevelWarn, "olric")) == 0 {
		t.Errorf("no records below WARN at level DEBUG (%d records)", loud.count())
	}
}

// clusterFile writes olric.yaml as one file for a cluster: the given
// peers, its own ports set to port/gossip, and the replacements given
// (old line text, new), each of which must match exactly once.
func clusterFile(t *testing.T, port, gossip int, peers []string, repl ...string) string {
	t.Helper()
	b, err := os.ReadFile(repoConfig)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	quoted := make([]string, len(peers))
	for i, p := range peers {
		quoted[i] = strconv.Quote(p)
	}
	repl = append([]string{
		"  bindPort: 3320\n", fmt.Sprintf("  bindPort: %d\n", port),
		"  bindPort: 3322\n", fmt.Sprintf("  bindPort: %d\n", gossip),
		"  peers: []\n", "  peers: [" + strings.Join(quoted, ", ") + "]\n",
	}, repl...)
	for i := 0; i+1 < len(repl); i += 2 {
		if n := strings.Count(s, repl[i]); n != 1 {
			t.Fatalf("olric.yaml has %q %d times, want once", repl[i], n)
		}
		s = strings.Replace(s, repl[i], repl[i+1], 1)
	}
	file := filepath.Join(t.TempDir(), "olric.yaml")
	if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// One file lists every member, this one included; each member drops its
// own address, whichever ports it was started with, and in whatever form
// the file writes it. (Olric's config.Load alone refuses such a file.)
func TestOneFileListsItself(t *testing.T) {
	peers := []string{"127.0.0.1:4002", "localhost:4012", "127.0.0.1:4022"}
	file := clusterFile(t, 4000, 4002, peers)
	if _, err := config.Load(file); err == nil || !strings.Contains(err.Error(), "peer with itself") {
		t.Fatalf("config.Load of a file listing itself: %v; the workaround may no longer be needed", err)
	}
	for _, tc := range []struct {
		cfg  Config
		want []string
	}{
		{Config{}, []string{"localhost:4012", "127.0.0.1:4022"}},
		{Config{BindPort: 4010, MemberlistPort: 4012}, []string{"127.0.0.1:4002", "127.0.0.1:4022"}},
		{Config{MemberlistPort: 4022}, []string{"127.0.0.1:4002", "localhost:4012"}},
		{Config{MemberlistPort: 4032}, peers},
		// Peers given apart replace the file's.
		{Config{Peers: []string{"127.0.0.1:4002", "127.0.0.1:4042"}}, []string{"127.0.0.1:4042"}},
	} {
		tc.cfg.File = file
		oc, err := tc.cfg.olricConfig()
		if err != nil {
			t.Errorf("%+v: %v", tc.cfg, err)
			continue
		}
		if !reflect.DeepEqual(oc.Peers, tc.want) {
			t.Errorf("gossip port %d: peers %q, want %q", oc.MemberlistConfig.BindPort, oc.Peers, tc.want)
		}
		// What Olric itself checks when the member starts.
		if err := oc.Validate(); err != nil {
			t.Errorf("gossip port %d: %v", oc.MemberlistConfig.BindPort, err)
		}
	}
	// Everything else in the file still loads as written.
	oc, err := Config{File: file}.olricConfig()
	if err != nil {
		t.Fatal(err)
	}
	if oc.BindPort != 4000 || oc.ReplicaCount != 1 || oc.MaxJoinAttempts != 10 || oc.DMaps.Engine.Config["tableSize"] != defaultTableSize {
		t.Errorf("file values lost: %+v", project(oc))
	}
}

func TestOtherPeers(t *testing.T) {
	for _, tc := range []struct {
		peers []string
		self  []string
		want  []string
	}{
		{[]string{"127.0.0.1:3322", "127.0.0.1:3332"}, []string{"127.0.0.1:3322"}, []string{"127.0.0.1:3332"}},
		{[]string{"localhost:3322", "[::1]:3322"}, []string{"127.0.0.1:3322"}, []string{"[::1]:3322"}},
		{[]string{"127.0.0.1:3322"}, []string{"localhost:3322"}, []string{}},
		// A peer without a port is at the member's own port (memberlist).
		{[]string{"127.0.0.1", "127.0.0.2"}, []string{"127.0.0.1:3322"}, []string{"127.0.0.2"}},
		// Bound to every address: any local address is this member.
		{[]string{"127.0.0.1:3322", "192.0.2.1:3322"}, []string{"0.0.0.0:3322"}, []string{"192.0.2.1:3322"}},
		// The advertised address counts too; repeats and blanks go.
		{[]string{"203.0.113.5:7946", "198.51.100.1:3322", " 198.51.100.1:3322", ""},
			[]string{"10.0.0.5:3322", "203.0.113.5:7946"}, []string{"198.51.100.1:3322"}},
	} {
		if got := otherPeers(tc.peers, tc.self...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("otherPeers(%q, %q) = %q, want %q", tc.peers, tc.self, got, tc.want)
		}
	}
}

// Ports from the file that another process holds are replaced with free
// ones, and the log says so; ports set in Config are left alone.
func TestFreePortsWhenTaken(t *testing.T) {
	port, gossip := testkit.MustFreePort(t), testkit.MustFreePort(t)
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", gossip)) // memberlist's UDP side
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	file := clusterFile(t, port, gossip, nil)

	oc, err := Config{File: file, BindPort: port, MemberlistPort: gossip, FreePortsWhenTaken: true}.olricConfig()
	if err != nil {
		t.Fatal(err)
	}
	if oc.BindPort != port || oc.MemberlistConfig.BindPort != gossip {
		t.Errorf("ports set in Config were replaced: %d, %d", oc.BindPort, oc.MemberlistConfig.BindPort)
	}

	rec := &recorder{}
	c := open(t, Config{File: file, FreePortsWhenTaken: true, Log: slog.New(rec)})
	if strings.HasSuffix(c.Name(), fmt.Sprintf(":%d", port)) {
		t.Errorf("member on the taken port: %s", c.Name())
	}
	for _, msg := range []string{"olric port is taken; using a free one instead", "olric gossip port is taken; using a free one instead"} {
		if r := rec.find(msg); len(r) != 1 || r[0]["level"] != slog.LevelWarn {
			t.Errorf("%q logged: %v", msg, r)
		}
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Error(err)
	}
}

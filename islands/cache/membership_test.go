package cache

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

// sees waits until m sees want members, with the split flag and (unless
// "") coordinator given.
func sees(t *testing.T, m *Cache, want int, split bool, coordinator string) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("%s sees %d", m.Name(), want), func() error {
		got := m.Membership()
		if len(got.Members) != want || got.Split != split || coordinator != "" && got.Coordinator != coordinator {
			return fmt.Errorf("membership %+v", got)
		}
		return nil
	})
}

// pinger pings members every 10 ms until stopped, and returns the
// failures it met.
func pinger(ms ...*Cache) (stop func() []error) {
	done := make(chan struct{})
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			for _, m := range ms {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				if err := m.Ping(ctx); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s at %s: %w", m.Name(), time.Now().Format("15:04:05.000"), err))
					mu.Unlock()
				}
				cancel()
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() []error {
		close(done)
		wg.Wait()
		return errs
	}
}

// Three members expecting three. When one leaves, the others' own check
// (Ping) never fails, they see two, report the split, agree on the next
// coordinator, and each logs the change once, not every tick.
func TestMembershipWhenAMemberLeaves(t *testing.T) {
	logs := make([]*recorder, 3)
	ms := startCluster(t, 3, func(i int, cfg *Config) {
		cfg.ExpectedMembers = 3
		logs[i] = &recorder{}
		cfg.Log = slog.New(logs[i])
	}, nil)
	for _, m := range ms {
		sees(t, m, 3, false, ms[0].Name())
		if got := m.Membership(); got.Expected != 3 || got.Self != m.Name() {
			t.Errorf("%s: membership %+v", m.Name(), got)
		}
	}

	stop := pinger(ms[1], ms[2])
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := ms[0].Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[1:] {
		sees(t, m, 2, true, ms[1].Name())
	}
	eventually(t, 3*watchEvery, "change logged", func() error {
		for _, c := range logs[1].find("olric cluster membership changed") {
			if c["members"] == int64(2) {
				return nil
			}
		}
		return errors.New("not yet")
	})
	// Two more ticks of the watcher: no further log lines.
	before := len(logs[1].find("olric cluster membership changed"))
	time.Sleep(2*watchEvery + watchEvery/2)
	if errs := stop(); len(errs) > 0 {
		t.Errorf("Ping failed %d times while a peer left, first: %v", len(errs), errs[0])
	}
	changes := logs[1].find("olric cluster membership changed")
	if len(changes) != before {
		t.Errorf("membership logged again without a change: %d, then %d lines", before, len(changes))
	}
	// Since the three were together: 3 -> 2 members, with the coordinator
	// moving, is one change (memberlist drops the member at once), maybe
	// seen in two ticks, never more.
	var last map[string]any
	for _, c := range changes {
		if c["level"] != slog.LevelWarn {
			t.Errorf("change logged at %v", c["level"])
		}
		last = c
	}
	if last == nil || last["members"] != int64(2) || last["split"] != true || last["expected"] != int64(3) ||
		last["coordinator"] != ms[1].Name() {
		t.Errorf("last change logged: %v", last)
	}
	if len(changes) > 2 {
		t.Errorf("%d change lines for one member leaving: %v", len(changes), changes)
	}
}

// A member whose peers are all unreachable forms a cluster of its own
// after its join attempts, serves, and reports the split (at start too).
func TestLoneMemberIsSplit(t *testing.T) {
	cfg := memberConfig(t)
	nobody := fmt.Sprintf("127.0.0.1:%d", testkit.MustFreePort(t)) // never bound
	cfg.Peers = []string{nobody, cfg.memberlistAddr()}
	cfg.joinRetry, cfg.joinAttempts = 50*time.Millisecond, 3
	rec := &recorder{}
	cfg.Log = slog.New(rec)
	c := open(t, cfg)

	want := shopper.Membership{Self: c.Name(), Members: []string{c.Name()}, Coordinator: c.Name(), Expected: 2, Split: true}
	if got := c.Membership(); !reflect.DeepEqual(got, want) {
		t.Errorf("membership %+v\nwant       %+v", got, want)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	eventually(t, 5*time.Second, "split logged at start", func() error {
		for _, r := range rec.find("olric cluster membership") {
			if r["level"] == slog.LevelWarn && r["split"] == true {
				return nil
			}
		}
		return errors.New("not logged")
	})

	// Closed, it sees nothing.
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.Membership(); len(got.Members) != 0 || !got.Split {
		t.Errorf("closed member's membership: %+v", got)
	}
}

// One file for every member: it lists all three (one of them as
// localhost); each member is started with that file and its own ports,
// as `serve --olric-config olric.yaml --olric-port ... --olric-gossip-port ...`
// would. The first is started with the file's own ports.
func TestOneFileForEveryMember(t *testing.T) {
	var ports, gossip [3]int
	for i := range 3 {
		ports[i], gossip[i] = testkit.MustFreePort(t), testkit.MustFreePort(t)
	}
	file := clusterFile(t, ports[0], gossip[0], []string{
		fmt.Sprintf("127.0.0.1:%d", gossip[0]), fmt.Sprintf("localhost:%d", gossip[1]), fmt.Sprintf("127.0.0.1:%d", gossip[2]),
	},
		"  replicaCount: 1\n", "  replicaCount: 2\n",
		// The first member waits for peers that are not up yet: briefly.
		"  joinRetryInterval: 1s\n", "  joinRetryInterval: 100ms\n",
		"  maxJoinAttempts: 10\n", "  maxJoinAttempts: 3\n")
	ms := make([]*Cache, 3)
	for i := range ms {
		cfg := Config{File: file, Log: slog.New(slog.DiscardHandler), StartTimeout: 15 * time.Second}
		if i > 0 {
			cfg.BindPort, cfg.MemberlistPort = ports[i], gossip[i]
		}
		ms[i] = open(t, cfg)
	}
	for _, m := range ms {
		sees(t, m, 3, false, ms[0].Name())
		if got := m.Membership(); got.Expected != 3 {
			t.Errorf("%s expects %d", m.Name(), got.Expected)
		}
	}
}

// A peer killed with SIGKILL (in a child process) is not this member's
// failure: Ping answers all along, while memberlist takes seconds to
// notice and a routed Put/Get (what Ping used to do) may fail meanwhile.
func TestPingIgnoresADeadPeer(t *testing.T) {
	if spec := os.Getenv("CACHE_TEST_CHILD_MEMBER"); spec != "" {
		runChildMember(t, spec)
		return
	}
	if testing.Short() {
		t.Skip("kills a child member and waits for memberlist to notice")
	}
	var ms []*Cache
	var peers []string
	for range 2 {
		cfg := memberConfig(t)
		cfg.ReplicaCount = 2
		cfg.ExpectedMembers = 3
		peers = append(peers, cfg.memberlistAddr())
		cfg.Peers = peers
		ms = append(ms, open(t, cfg))
	}
	child := startChildMember(t, peers[0])
	for _, m := range ms {
		sees(t, m, 3, false, ms[0].Name())
	}

	routedFailures := 0
	ctx := context.Background()
	probe := func() {
		for i := range 20 {
			k := "probe|" + strconv.Itoa(i)
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			if err := ms[0].ratelimit.Put(cctx, k, i); err != nil {
				routedFailures++
			} else if _, err := ms[0].ratelimit.Get(cctx, k); err != nil {
				routedFailures++
			}
			cancel()
		}
	}
	stop := pinger(ms...)
	start := time.Now()
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	eventually(t, 20*time.Second, "dead peer noticed", func() error {
		probe()
		for _, m := range ms {
			if got := m.Membership(); len(got.Members) != 2 || !got.Split {
				return fmt.Errorf("%s: %+v", m.Name(), got)
			}
		}
		return nil
	})
	t.Logf("dead peer dropped from membership after %s; routed put/get failures meanwhile: %d",
		time.Since(start).Round(time.Millisecond), routedFailures)
	if errs := stop(); len(errs) > 0 {
		t.Errorf("Ping failed %d times while a peer was dead, first: %v", len(errs), errs[0])
	}
}

// startChildMember runs a member in a child process (this test binary)
// that joins peer, and returns once it is ready. The test kills it.
func startChildMember(t *testing.T, peer string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPingIgnoresADeadPeer$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("CACHE_TEST_CHILD_MEMBER=%d,%d,%s", testkit.MustFreePort(t), testkit.MustFreePort(t), peer))
	stdin, err := cmd.StdinPipe() // the child lives until this closes or it is killed
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "child member ready" {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- errors.New("child member exited before it was ready")
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child member not ready after 30s")
	}
	return cmd
}

// runChildMember is the child's side: spec is "port,gossipPort,peer".
func runChildMember(t *testing.T, spec string) {
	parts := strings.SplitN(spec, ",", 3)
	port, _ := strconv.Atoi(parts[0])
	gossip, _ := strconv.Atoi(parts[1])
	cfg := Config{
		BindAddr: "127.0.0.1", BindPort: port, MemberlistPort: gossip, Peers: []string{parts[2]},
		ReplicaCount: 2, Log: slog.New(slog.DiscardHandler), StartTimeout: 20 * time.Second,
	}
	open(t, cfg)
	fmt.Println("child member ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

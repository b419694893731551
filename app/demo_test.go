package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/cache"
	"github.com/wandstore/wandstore/islands/session"
)

// olricFile writes the repository's olric.yaml with the member's ports
// changed, and joins given up on quickly (a test's peers that are not
// there), and returns its path.
func olricFile(t *testing.T, port, gossip int) string {
	t.Helper()
	b, err := os.ReadFile("../olric.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, r := range [][2]string{
		{"  bindPort: 3320\n", fmt.Sprintf("  bindPort: %d\n", port)},
		{"  bindPort: 3322\n", fmt.Sprintf("  bindPort: %d\n", gossip)},
		{"  joinRetryInterval: 1s\n", "  joinRetryInterval: 50ms\n"},
		{"  maxJoinAttempts: 10\n", "  maxJoinAttempts: 2\n"},
	} {
		if strings.Count(s, r[0]) != 1 {
			t.Fatalf("olric.yaml has %q %d times, want once", r[0], strings.Count(s, r[0]))
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	file := filepath.Join(t.TempDir(), "olric.yaml")
	if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// readyzCluster is the "cluster" of /readyz.
type readyzCluster struct {
	Self     string   `json:"self"`
	Members  int      `json:"members"`
	Names    []string `json:"names"`
	Expected int      `json:"expected"`
	Split    bool     `json:"split"`
}

func readyz(t *testing.T, base string) (int, readyzCluster) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Cluster readyzCluster `json:"cluster"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body.Cluster
}

// The demo starts when another program holds the Olric ports its config
// names (as a second demo would hold 3320/3322), on free ones it names in
// its log.
func TestDemoStartsWhenItsOlricPortsAreTaken(t *testing.T) {
	port, gossip := testkit.MustFreePort(t), testkit.MustFreePort(t)
	hold := func(network string, p int) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		var c io.Closer
		var err error
		if network == "tcp" {
			c, err = net.Listen(network, addr)
		} else {
			c, err = net.ListenPacket(network, addr)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	hold("tcp", port)
	hold("tcp", gossip)
	hold("udp", gossip)
	var log testkit.LogBuffer
	d, err := StartDemo(context.Background(), DemoOptions{
		Addr: "127.0.0.1:0", Out: t.TempDir(), Data: t.TempDir(), Log: &log, OlricConfig: olricFile(t, port, gossip),
	})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, log.String())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.Close(ctx)
	})
	code, cl := readyz(t, d.OpsURL)
	if code != http.StatusOK || cl.Self == "" || strings.HasSuffix(cl.Self, ":"+strconv.Itoa(port)) {
		t.Errorf("readyz %d, cluster %+v", code, cl)
	}
	for _, want := range []string{
		fmt.Sprintf("olric port is taken; using a free one instead\" component=cache taken=%d", port),
		fmt.Sprintf("olric gossip port is taken; using a free one instead\" component=cache taken=%d", gossip),
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

// Without an address, the demo listens on localhost:8080, or on a free
// port when that one is taken, and says so; a given address is used as
// given.
func TestListenOrFree(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var buf testkit.LogBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ln, err := listenOrFree(held.Addr().String(), true, log)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() == held.Addr().String() || !strings.HasPrefix(ln.Addr().String(), "127.0.0.1:") {
		t.Errorf("listening on %s", ln.Addr())
	}
	if want := "taken=" + held.Addr().String() + " addr=" + ln.Addr().String(); !strings.Contains(buf.String(), want) {
		t.Errorf("log lacks %q: %s", want, buf.String())
	}
	if _, err := listenOrFree(held.Addr().String(), false, log); err == nil {
		t.Error("a given address that is taken was replaced")
	}
}

// `wandgen demo` honours the flags its help lists: the database, the
// session secret, the trusted proxy and the Olric flags (peers naming the
// member itself, as one list for a whole cluster would, and a peer that
// is not there: the member expects two and reports the split).
func TestDemoCommandHonoursItsFlags(t *testing.T) {
	port, gossip := testkit.MustFreePort(t), testkit.MustFreePort(t)
	dir := t.TempDir()
	data, db := filepath.Join(dir, "data"), filepath.Join(dir, "elsewhere.db")
	secret := bytes.Repeat([]byte{0x5a}, 32)
	self := fmt.Sprintf("127.0.0.1:%d", gossip)
	other := fmt.Sprintf("127.0.0.1:%d", testkit.MustFreePort(t)) // nobody: the member forms a cluster alone
	opsAddr := fmt.Sprintf("127.0.0.1:%d", testkit.MustFreePort(t))
	args := []string{"--addr", "127.0.0.1:0", "--out", filepath.Join(dir, "public"), "--data", data,
		"--db", db, "--session-secret", hex.EncodeToString(secret), "--trusted-proxy", "127.0.0.1",
		"--olric-config", olricFile(t, testkit.MustFreePort(t), testkit.MustFreePort(t)), "--olric-bind", "127.0.0.1",
		"--olric-port", strconv.Itoa(port), "--olric-gossip-port", strconv.Itoa(gossip),
		"--olric-peers", self + "," + other, "--olric-replicas", "1", "--ops-addr", opsAddr}
	base := runDemo(t, args...)

	code, cl := readyz(t, "http://"+opsAddr)
	want := readyzCluster{Self: fmt.Sprintf("127.0.0.1:%d", port), Members: 1, Names: []string{fmt.Sprintf("127.0.0.1:%d", port)}, Expected: 2, Split: true}
	if code != http.StatusOK || fmt.Sprint(cl) != fmt.Sprint(want) {
		t.Errorf("readyz %d, cluster %+v, want %+v", code, cl, want)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("--db: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "wandstore.db")); err == nil {
		t.Error("--db ignored: the database is in --data")
	}

	// A write through the trusted proxy over https: a Secure cookie,
	// signed with the secret.
	req, _ := http.NewRequest("POST", base+"/s/magic-wands/islands/views", strings.NewReader(url.Values{"product": {"elder-wand"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies() // the shopper's, then the store's version cookie
	if len(cookies) != 2 || cookies[0].Name != session.CookieName || !cookies[0].Secure || !cookies[1].Secure {
		t.Fatalf("cookie through the trusted proxy over https: %d %+v", resp.StatusCode, cookies)
	}
	codec, err := session.NewCodec([][]byte{secret}, 365*24*time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := codec.Decode(cookies[0].Value); err != nil {
		t.Errorf("cookie not signed with --session-secret: %v", err)
	}
}

// The --olric-* values reach the member's config; a comma-separated
// --olric-peers value is split.
func TestOlricFlags(t *testing.T) {
	cfg, err := olricConfig(ServeOptions{
		OlricConfig: "x.yaml", OlricBind: "10.0.0.5", OlricPort: 4000, OlricGossipPort: 4002,
		OlricPeers: []string{"10.0.0.5:4002, 10.0.0.6:4002", "10.0.0.7:4002"}, OlricReplicas: 2, OlricExpectedMembers: 3,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := cache.Config{File: "x.yaml", BindAddr: "10.0.0.5", BindPort: 4000, MemberlistPort: 4002,
		Peers: []string{"10.0.0.5:4002", "10.0.0.6:4002", "10.0.0.7:4002"}, ReplicaCount: 2, ExpectedMembers: 3}
	if fmt.Sprintf("%+v", cfg) != fmt.Sprintf("%+v", want) {
		t.Errorf("config %+v\nwant   %+v", cfg, want)
	}
	for _, bad := range []ServeOptions{{OlricPort: 70000}, {OlricGossipPort: -1}, {OlricReplicas: -1}} {
		if _, err := olricConfig(bad, nil); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// runDemo runs `wandgen demo` with args until the test ends and returns
// its URL.
func runDemo(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	var stderr testkit.LogBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, append([]string{"wandgen", "demo"}, args...), stdoutW, &stderr)
		stdoutW.Close()
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdoutR)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "WandStore demo: "); ok {
				urls <- strings.TrimSuffix(u, "/")
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("demo did not stop")
		}
	})
	select {
	case base := <-urls:
		return base
	case err := <-done:
		t.Fatalf("demo stopped: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("demo not up after 60s\n%s", stderr.String())
	}
	return ""
}

package cluster_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// BenchmarkClusterIslands: warm cart-badge fragments over HTTP from real
// `wandgen serve` processes, 16 connections round robin over the members,
// b.N requests. It reports what a member costs rather than a scale-out
// ratio (three members on two cores share them): CPU seconds of the
// member processes per 1,000 requests, requests a second, p50 and p99.
// The kill case kills one of three members with SIGKILL a third of the
// way through and reports the p99 of the requests to the living members.
//
//	go test -run '^$' -bench ClusterIslands -benchtime 4000x ./e2e/cluster/
//
// SQLite cases run always; PostgreSQL ones need WANDSTORE_PG_DSN.
func BenchmarkClusterIslands(b *testing.B) {
	bin := buildWandgen(b)
	for _, c := range []struct {
		name    string
		db      string
		members int
		kill    bool
	}{
		{"sqlite/members=1", "sqlite", 1, false},
		{"postgres/members=1", "postgres", 1, false},
		{"postgres/members=3", "postgres", 3, false},
		{"postgres/members=3/kill", "postgres", 3, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			dsn := filepath.Join(b.TempDir(), "wand.db")
			if c.db == "postgres" {
				testkit.SkipWithoutPostgres(b)
				dsn = testkit.PostgresDSN(b)
			}
			cl := newCluster(b, bin, dsn, c.members)
			cl.startAll(b)
			cl.waitMembers(b, c.members)
			benchBadges(b, cl, c.kill)
		})
	}
}

func benchBadges(b *testing.B, cl *cluster, kill bool) {
	const conns = 16
	// Shoppers with a cart, so the badge is a real fragment; each is read
	// once through every member to warm the fragment cache.
	type client struct {
		http *http.Client
		ip   string
	}
	clients := make([]client, 64)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = client{&http.Client{Jar: jar, Timeout: 10 * time.Second}, fmt.Sprintf("10.2.0.%d", i+1)}
		req, _ := http.NewRequest("POST", cl.ms[0].url()+islands+"cart/add",
			strings.NewReader(url.Values{"product": {"beginners-book-of-charms"}, "variant": {"BBC-HC"}, "quantity": {"1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", clients[i].ip)
		resp, err := clients[i].http.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		for _, m := range cl.ms {
			if r, err := clients[i].http.Get(m.url() + islands + "cart/badge"); err == nil {
				r.Body.Close()
			}
		}
	}
	cpu0 := cl.cpuSeconds(b)
	var (
		next    atomic.Int64
		mu      sync.Mutex
		lat     []time.Duration
		errs    atomic.Int64
		killed  atomic.Bool
		victim  = len(cl.ms) - 1
		killAt  = int64(b.N / 3)
		cpuDead float64
	)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					break
				}
				if kill && n == killAt {
					cpuDead = cl.cpuOf(b, victim)
					cl.kill(b, victim)
					killed.Store(true)
				}
				m := cl.pick(int(n))
				c := clients[(int(n)+w)%len(clients)]
				req, _ := http.NewRequest("GET", m.url()+islands+"cart/badge", nil)
				req.Header.Set("HX-Request", "true")
				req.Header.Set("X-Forwarded-For", c.ip)
				t0 := time.Now()
				resp, err := c.http.Do(req)
				d := time.Since(t0)
				if err != nil {
					if m.up.Load() {
						errs.Add(1)
					}
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
				}
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cl.cpuSeconds(b) + cpuDead - cpu0
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(cpu/float64(b.N)*1000, "cpu-s/1000req")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(errs.Load()), "errors")
}

// cpuSeconds is the user+system CPU time of the members running now.
func (c *cluster) cpuSeconds(t testing.TB) float64 {
	var sum float64
	for i, m := range c.ms {
		if m.up.Load() {
			sum += c.cpuOf(t, i)
		}
	}
	return sum
}

// cpuOf reads member i's utime+stime from /proc (clock ticks of 1/100 s).
func (c *cluster) cpuOf(t testing.TB, i int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.ms[i].cmd.Process.Pid))
	if err != nil {
		t.Fatalf("cpu of member %d: %v", i, err)
	}
	// The command name (field 2) may hold spaces; the rest follows ") ".
	rest := string(raw[strings.LastIndexByte(string(raw), ')')+2:])
	f := strings.Fields(rest)
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

package islands

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/ai"
	"github.com/wandstore/wandstore/ai/aitest"
)

// BenchmarkRecommendationsAI measures what the AI adapter adds to the
// recommendations island, in one run, against three servers side by side
// (each a SQLite file, an embedded Olric member and HTTP on 127.0.0.1,
// serving the demo store):
//
//   - off: no Advisor (behavioural picks);
//   - cached: an ai.Advisor (TF-IDF neighbours blended in) whose lines of
//     copy are all in Olric already (every segment asked once, untimed);
//   - slow: the same, but the model (aitest) answers after 1 s and a line
//     lives 1 ms, so every render misses and waits for the 150 ms budget
//     (or finds every slot taken and goes on at once).
//
// Every request is a new shopper (no cookie), so each one renders the
// fragment: the fragment cache would otherwise hide the adapter. The arms
// take turns in rounds, 4 requests at once, on the demo's products in
// turn. It reports p50 and p99 per arm (µs) and prints p50, p90 and p99:
//
//	go test -run '^$' -bench RecommendationsAI -benchtime 1x ./islands/
//
// WANDSTORE_AI_BENCH_N sets the requests per arm (default 400).
func BenchmarkRecommendationsAI(b *testing.B) {
	n := 400
	if v, err := strconv.Atoi(os.Getenv("WANDSTORE_AI_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	fast := aitest.New(b)
	slow := aitest.New(b)
	slow.SetLatency(time.Second)
	type arm struct {
		name string
		url  string
		adv  *ai.Advisor
		lat  []time.Duration
	}
	arms := []*arm{{name: "off"}, {name: "cached"}, {name: "slow"}}
	var prods []string
	for _, a := range arms {
		db := migratedDB(b)
		c := openCache(b)
		cat := demoCatalog(b)
		opts := Options{
			Store: db, Cache: c, Catalogs: NewCatalogs(cat), SessionKeys: [][]byte{bytes.Repeat([]byte("k"), 32)},
			Limits: Limits{PerIP: math.MaxInt32, PerShopper: math.MaxInt32, Window: time.Minute},
		}
		switch a.name {
		case "cached", "slow":
			m, ttl := fast, ai.DefaultCopyTTL
			if a.name == "slow" {
				m, ttl = slow, time.Millisecond
			}
			client, err := ai.NewClient(ai.Config{Endpoint: m.URL, Model: "stand-in"})
			if err != nil {
				b.Fatal(err)
			}
			a.adv = ai.NewAdvisor(ai.AdvisorOptions{Copywriter: ai.NewCopywriter(client, ai.CopyOptions{Cache: c, TTL: ttl})})
			a.adv.Warm(cat.Store)
			a.adv.Wait()
			b.Cleanup(a.adv.Close)
			opts.AI = a.adv
		}
		srv, err := New(opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(srv.Close)
		ts := httptest.NewServer(srv.Handler())
		b.Cleanup(ts.Close)
		a.url = ts.URL + cat.Site.IslandPath("recommendations") + "?product="
		if prods == nil {
			for _, p := range cat.Store.PublishedProducts() {
				prods = append(prods, p.Handle)
			}
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	get := func(u string) time.Duration {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("HX-Request", "true")
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		return time.Since(start)
	}
	// Untimed: every product once per arm (connections, the cached arm's
	// lines), then wait for the calls it started.
	for _, a := range arms {
		for _, p := range prods {
			get(a.url + url.QueryEscape(p))
		}
		if a.adv != nil {
			a.adv.Wait()
		}
	}
	const conc, rounds = 4, 10
	per := max(n/rounds, conc)
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			for _, a := range arms {
				var mu sync.Mutex
				var wg sync.WaitGroup
				for w := range conc {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := w; i < per; i += conc {
							d := get(a.url + url.QueryEscape(prods[(r*per+i)%len(prods)]))
							mu.Lock()
							a.lat = append(a.lat, d)
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
			}
		}
	}
	b.StopTimer()
	q := func(l []time.Duration, p float64) float64 {
		s := slices.Clone(l)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1)].Microseconds())
	}
	fmt.Fprintf(os.Stderr, "\nrecommendations island, new shopper each request, %d at once, %d requests per arm:\n", conc, len(arms[0].lat))
	fmt.Fprintf(os.Stderr, "%-8s %10s %10s %10s %14s\n", "arm", "p50 µs", "p90 µs", "p99 µs", "p99 vs off µs")
	off99 := q(arms[0].lat, 0.99)
	for _, a := range arms {
		p50, p90, p99 := q(a.lat, 0.5), q(a.lat, 0.9), q(a.lat, 0.99)
		b.ReportMetric(p50, a.name+"-p50-µs")
		b.ReportMetric(p99, a.name+"-p99-µs")
		fmt.Fprintf(os.Stderr, "%-8s %10.0f %10.0f %10.0f %+14.0f\n", a.name, p50, p90, p99, p99-off99)
	}
	fmt.Fprintf(os.Stderr, "model calls: cached arm %d, slow arm %d\n", fast.Chats(), slow.Chats())
}

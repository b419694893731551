package islands

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/cache"
	"github.com/wandstore/wandstore/islands/session"
	"github.com/wandstore/wandstore/islands/shopper"
)

// benchStreams is how many streams BenchmarkLiveStreams opens:
// WANDSTORE_BENCH_STREAMS, default 2000. Each costs two file descriptors
// here (the client's end and the server's).
func benchStreams() int {
	if n, err := strconv.Atoi(os.Getenv("WANDSTORE_BENCH_STREAMS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

// BenchmarkLiveStreams opens N live streams (each its own shopper and
// address, through the trusted front) against a real islands server on
// 127.0.0.1 and reports what they cost: heap and goroutine stacks in use
// per stream (after a GC, less what was in use before), goroutines per
// stream, and how many streams 1 GiB would hold at that cost (an
// extrapolation: measured at N, assumed linear):
//
//	go test -run '^$' -bench LiveStreams -benchtime 1x ./islands/
//
// The clients are bare TCP connections in the same process, whose own
// cost (a socket each, a few hundred bytes) is counted in too.
func BenchmarkLiveStreams(b *testing.B) {
	ib := newIslandsBench(b)
	n := benchStreams()
	addr := ib.ts.Listener.Addr().String()
	path := ib.cat.Site.IslandPath("events")
	// Each shopper asks an island first, so what their requests leave
	// behind (their rate-limit counters, here and in Olric) is there
	// before the count starts: what is counted is the streams.
	shoppers := make([]benchShopper, n)
	for i := range shoppers {
		shoppers[i] = ib.newShopper()
		resp, err := http.DefaultClient.Do(benchGet(ib.ts.URL, ib.cat.Site.IslandPath("cart/badge"), shoppers[i]))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
	http.DefaultClient.CloseIdleConnections()
	before := liveMem()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	buf := make([]byte, 1024)
	start := time.Now()
	for i, sh := range shoppers {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatalf("stream %d: %v", i, err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET %s?product=%s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nX-Forwarded-For: %s\r\nSec-Fetch-Site: same-origin\r\nAccept: text/event-stream\r\n\r\n",
			path, url.QueryEscape(ib.prods[i%len(ib.prods)]), addr, sh.cookie, sh.addr)
		got := 0
		for !bytes.Contains(buf[:got], []byte("retry:")) {
			m, err := c.Read(buf[got:])
			if err != nil {
				b.Fatalf("stream %d: %v after %q", i, err, buf[:got])
			}
			got += m
			if got == len(buf) {
				b.Fatalf("stream %d: no stream in %q", i, buf[:got])
			}
		}
		if !bytes.HasPrefix(buf, []byte("HTTP/1.1 200")) {
			b.Fatalf("stream %d: %q", i, buf[:got])
		}
	}
	opened := time.Since(start)
	if got := ib.srv.Streams(); got != n {
		b.Fatalf("the server holds %d streams, want %d", got, n)
	}
	after := liveMem()
	perStream := float64(after.bytes-before.bytes) / float64(n)
	goroutines := float64(after.goroutines-before.goroutines) / float64(n)
	const gib = 1 << 30
	b.ReportMetric(perStream, "B/stream")
	b.ReportMetric(goroutines, "goroutines/stream")
	b.ReportMetric(gib/perStream, "streams/GiB")
	b.Logf("%d streams opened in %s: %.1f KiB each (heap %.1f KiB + stacks %.1f KiB), %.2f goroutines each; 1 GiB holds about %.0f (extrapolated)",
		n, opened.Round(time.Millisecond), perStream/1024, float64(after.heap-before.heap)/float64(n)/1024,
		float64(after.stack-before.stack)/float64(n)/1024, goroutines, gib/perStream)
}

type memSample struct {
	heap, stack, bytes uint64
	goroutines         int
}

// liveMem is the heap and stacks in use after a GC, and the goroutines.
func liveMem() memSample {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{heap: m.HeapInuse, stack: m.StackInuse, bytes: m.HeapInuse + m.StackInuse, goroutines: runtime.NumGoroutine()}
}

// BenchmarkLiveAcrossMembers times a cart write on member A until the
// event arrives on the shopper's stream held by member B: two islands
// servers on one database, their caches one Olric cluster, HTTP on
// 127.0.0.1. Each write (POST cart/set, alternating the quantity) waits
// for its event before the next; p50 and p99 are reported, from the
// moment the write is sent and from the moment its answer arrived (the
// event may come first: then 0):
//
//	go test -run '^$' -bench LiveAcrossMembers -benchtime 500x ./islands/
func BenchmarkLiveAcrossMembers(b *testing.B) {
	ctx := context.Background()
	db := migratedDB(b)
	var gossip int
	cA := openCache(b, func(cfg *cache.Config) { gossip = cfg.MemberlistPort })
	cB := openCache(b, func(cfg *cache.Config) { cfg.Peers = []string{fmt.Sprintf("127.0.0.1:%d", gossip)} })
	deadline := time.Now().Add(20 * time.Second)
	for cA.Members() < 2 || cB.Members() < 2 {
		if time.Now().After(deadline) {
			b.Fatal("the members do not see each other")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cat := demoCatalog(b)
	member := func(c *cache.Cache) (*Server, *httptest.Server) {
		srv, err := New(Options{Store: db, Cache: c, Catalogs: NewCatalogs(cat), SessionKeys: [][]byte{bytes.Repeat([]byte("k"), 32)},
			Limits: Limits{PerIP: math.MaxInt32, PerShopper: math.MaxInt32, Window: time.Minute}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(srv.Close)
		ts := httptest.NewServer(srv.Handler())
		b.Cleanup(ts.Close)
		return srv, ts
	}
	srvA, tsA := member(cA)
	_, tsB := member(cB)

	// A shopper with one cart line.
	var line [2]string
	for _, p := range cat.Store.PublishedProducts() {
		if v := &p.Variants[0]; v.Available && !v.Tracked {
			line = [2]string{p.Handle, v.ID}
			break
		}
	}
	id := shopper.NewID()
	if _, err := db.AddToCart(ctx, cat.Store.Handle, id, line[0], line[1], 1, 1500); err != nil {
		b.Fatal(err)
	}
	sh := benchShopper{id: id, cookie: session.CookieName + "=" + srvA.codec.Encode(id), addr: "10.9.9.9"}

	// The stream on B.
	req := benchGet(tsB.URL, cat.Site.IslandPath("events"), sh)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("stream on B: %v %v", err, resp)
	}
	defer resp.Body.Close()
	events := make(chan time.Time, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == "event: "+EventCart {
				events <- time.Now()
			}
		}
	}()

	fromSend := make([]time.Duration, 0, b.N)
	fromAnswer := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		form := url.Values{"product": {line[0]}, "variant": {line[1]}, "quantity": {strconv.Itoa(1 + i%2)}}
		w, err := http.NewRequest("POST", tsA.URL+cat.Site.IslandPath("cart/set"), strings.NewReader(form.Encode()))
		if err != nil {
			b.Fatal(err)
		}
		setBenchHeaders(w, sh)
		w.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sent := time.Now()
		wr, err := http.DefaultClient.Do(w)
		if err != nil {
			b.Fatal(err)
		}
		wr.Body.Close()
		answered := time.Now()
		if wr.StatusCode != 200 {
			b.Fatalf("write %d: %d", i, wr.StatusCode)
		}
		select {
		case at := <-events:
			fromSend = append(fromSend, at.Sub(sent))
			fromAnswer = append(fromAnswer, max(0, at.Sub(answered)))
		case <-time.After(5 * time.Second):
			b.Fatalf("write %d: no event on B within 5 s", i)
		}
	}
	b.StopTimer()
	slices.Sort(fromSend)
	slices.Sort(fromAnswer)
	b.ReportMetric(float64(percentile(fromSend, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(fromSend, 99).Microseconds()), "p99-µs")
	b.Logf("%d cart writes on A, each seen on B's stream: from the write sent p50 %s p99 %s max %s; from its answer p50 %s p99 %s",
		len(fromSend), percentile(fromSend, 50), percentile(fromSend, 99), fromSend[len(fromSend)-1],
		percentile(fromAnswer, 50), percentile(fromAnswer, 99))
}

package app

import (
	"bytes"
	"context"
	"fmt"
	"github.com/wandstore/wandstore/internal/testkit"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/shopify/shopifytest"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// BenchmarkWebhookToPublished is the webhook path end to end, over HTTP on
// 127.0.0.1: a signed products/update for one product (new title and
// price) is posted to a server whose store comes from a stand-in shop of
// 1,000, 10,000 or 100,000 products; the clock runs from the 200 answer to the
// moment the changed files are published (the worker's publish done:
// queue pick-up, ordering check, payload mapping, catalog change, plan,
// render, write), and, to be safe, from the moment the request was sent
// (the worker may start before the answer is read). It reports p50/p99 of
// both and of the answer itself (acknowledgment: verify, record, 200).
func BenchmarkWebhookToPublished(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("products=%d", n), func(b *testing.B) {
			benchWebhooks(b, n)
		})
	}
}

// benchPublish is one webhook-driven publish the server made.
type benchPublish struct {
	at       time.Time
	rendered int
}

// benchShopServer starts a server whose store "big" is a stand-in shop of n
// products in 21 collections; it returns the server, the shop's products
// (with their ids) and the publishes the server makes.
func benchShopServer(b *testing.B, n int) (*Server, []shopifytest.Product, chan benchPublish) {
	const token = "shpat_bench"
	srv := shopifytest.New(b, shopifytest.WithToken(token), shopifytest.WithShop("Wand Shop", "USD"))
	ps := make([]shopifytest.Product, n)
	var handles []string
	for i := range ps {
		ps[i] = shopifytest.Product{
			Handle: fmt.Sprintf("product-%05d", i), Title: fmt.Sprintf("Product %05d", i), Tags: []string{fmt.Sprintf("tag-%d", i%20)},
			CreatedAt: "2026-01-01T00:00:00Z", UpdatedAt: "2026-11-01T00:00:00Z", DescriptionHTML: "<p>A fine thing, made with care.</p>",
			Variants: []shopifytest.Variant{{SKU: fmt.Sprintf("P%05d", i), AvailableForSale: true,
				Price: shopifytest.Money{Amount: fmt.Sprintf("%d.00", 5+i%300), CurrencyCode: "USD"}}},
		}
		if i%50 == 0 {
			handles = append(handles, ps[i].Handle)
		}
	}
	srv.SetProducts(ps)
	var cols []shopifytest.Collection
	for c := 0; c < 20; c++ {
		var hs []string
		for i := c; i < n; i += 20 {
			hs = append(hs, ps[i].Handle)
		}
		cols = append(cols, shopifytest.Collection{Handle: fmt.Sprintf("tag-%d", c), Title: fmt.Sprintf("Tag %d", c), ProductHandles: hs})
	}
	cols = append(cols, shopifytest.Collection{Handle: "picks", Title: "Picks", ProductHandles: handles})
	srv.SetCollections(cols)
	ps = srv.Products() // with the ids the stand-in gave them: a payload names its product by id
	b.Setenv("WANDSTORE_BENCH_TOKEN", token)
	b.Setenv(envWebhookSecret, testWebhookSecret)
	dir := b.TempDir()
	writeFile(b, dir+"/big/store.yaml", "name: Big\nsource:\n  kind: shopify\n  shop: wand-shop\n  token_env: WANDSTORE_BENCH_TOKEN\n  endpoint: "+srv.URL()+"\n")

	done := make(chan benchPublish, 1024)
	out := b.TempDir()
	if d := benchDir(); d != "" {
		out = d
		b.Cleanup(func() { os.RemoveAll(d) })
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s, err := startOn(context.Background(), ln, ServeOptions{
		Addr: "127.0.0.1:0", Public: out, Data: b.TempDir(), Content: dir,
		OlricPort: testkit.MustFreePort(b), OlricGossipPort: testkit.MustFreePort(b),
		// A bulk edit as fast as it is acknowledged, from one address.
		Limits: islands.Limits{WebhookPerMinute: 1 << 30, WebhookBurst: 1 << 30},
	})
	if err != nil {
		b.Fatal(err)
	}
	hook := func(_ string, sum *generator.Summary) {
		select {
		case done <- benchPublish{time.Now(), sum.Rendered}:
		default:
		}
	}
	s.publishedHook.Store(&hook)
	b.Cleanup(func() { s.Close(context.Background()) })
	return s, ps, done
}

func benchWebhooks(b *testing.B, n int) {
	s, ps, done := benchShopServer(b, n)
	url := s.URL + "/webhooks/shopify"
	c := &http.Client{}
	var acks, pubs, totals []time.Duration
	rendered := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A new title and a price a dollar up: the product page, the
		// listings it is on (and the few pages a one-dollar move shifts in
		// price order), the home page if it shows it, the search index and
		// the sitemap.
		k := (i * 7919) % n
		p := ps[k]
		p.Title = fmt.Sprintf("%s v%d", p.Title, i)
		p.Variants = slices.Clone(p.Variants)
		p.Variants[0].Price.Amount = fmt.Sprintf("%d.00", 5+k%300+1+i/n)
		body := shopifytest.ProductPayload(p, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(i+1)*time.Second))
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set(webhook.HeaderTopic, webhook.TopicProductsUpdate)
		req.Header.Set(webhook.HeaderShopDomain, "wand-shop.myshopify.com")
		req.Header.Set(webhook.HeaderWebhookID, fmt.Sprintf("bench-%d", i))
		req.Header.Set(webhook.HeaderHmac, webhook.Sign([]byte(testWebhookSecret), body))
		start := time.Now()
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		acked := time.Now()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("webhook answered %d", res.StatusCode)
		}
		select {
		case pub := <-done:
			acks = append(acks, acked.Sub(start))
			pubs = append(pubs, pub.at.Sub(acked))
			totals = append(totals, pub.at.Sub(start))
			rendered += pub.rendered
		case <-time.After(10 * time.Second):
			b.Fatal("not published within 10 s")
		}
	}
	b.StopTimer()
	pct := func(ds []time.Duration, q int) float64 {
		slices.Sort(ds)
		return float64(ds[min(len(ds)-1, len(ds)*q/100)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(pubs, 50), "published-p50-ms")
	b.ReportMetric(pct(pubs, 99), "published-p99-ms")
	b.ReportMetric(pct(totals, 50), "sent-to-published-p50-ms")
	b.ReportMetric(pct(totals, 99), "sent-to-published-p99-ms")
	b.ReportMetric(pct(acks, 50), "ack-p50-ms")
	b.ReportMetric(pct(acks, 99), "ack-p99-ms")
	b.ReportMetric(float64(rendered)/float64(b.N), "rendered/op")
}

func writeFile(b *testing.B, name, data string) {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		b.Fatal(err)
	}
}

// benchDir is an output folder under WANDSTORE_BENCH_DIR (a tmpfs such as
// /dev/shm, as the generator's benchmarks use), or "" for the test's own.
func benchDir() string {
	root := os.Getenv("WANDSTORE_BENCH_DIR")
	if root == "" {
		return ""
	}
	d, err := os.MkdirTemp(root, "wandstore-webhook-bench-")
	if err != nil {
		return ""
	}
	return d
}

// signedUpdate is a signed products/update delivery of p, stamped at.
func signedUpdate(url, id string, p shopifytest.Product, at time.Time) *http.Request {
	body := shopifytest.ProductPayload(p, at)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set(webhook.HeaderTopic, webhook.TopicProductsUpdate)
	req.Header.Set(webhook.HeaderShopDomain, "wand-shop.myshopify.com")
	req.Header.Set(webhook.HeaderWebhookID, id)
	req.Header.Set(webhook.HeaderHmac, webhook.Sign([]byte(testWebhookSecret), body))
	return req
}

// BenchmarkWebhookBurst: a bulk edit. N distinct products/update
// deliveries (new titles) are posted as fast as they are acknowledged to
// a server whose store is a stand-in shop of 1,000 or 10,000 products; the clock
// runs from the last acknowledgment until the queue is drained (every
// delivery applied and published). It reports that time and the
// deliveries applied a second over the whole burst.
//
//	go test -run '^$' -bench WebhookBurst -benchtime 1x ./app/
func BenchmarkWebhookBurst(b *testing.B) {
	for _, size := range [][2]int{{1000, 1000}, {1000, 8000}, {10000, 1000}, {10000, 8000}} {
		products, n := size[0], size[1]
		b.Run(fmt.Sprintf("products=%d/deliveries=%d", products, n), func(b *testing.B) {
			s, ps, _ := benchShopServer(b, products)
			url := s.URL + "/webhooks/shopify"
			c := &http.Client{}
			b.ResetTimer()
			var drain, whole time.Duration
			for r := 0; r < b.N; r++ {
				start := time.Now()
				for i := 0; i < n; i++ {
					p := ps[i%len(ps)]
					p.Title = fmt.Sprintf("%s r%d e%d", p.Title, r, i)
					at := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(r*n+i+1) * time.Second)
					res, err := c.Do(signedUpdate(url, fmt.Sprintf("burst-%d-%d", r, i), p, at))
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						b.Fatalf("webhook answered %d", res.StatusCode)
					}
				}
				lastAck := time.Now()
				deadline := lastAck.Add(5 * time.Minute)
				for {
					counts, err := s.shop.queue.Counts(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					if counts[webhook.StatusQueued] == 0 {
						break
					}
					if time.Now().After(deadline) {
						b.Fatalf("%d deliveries still queued 5 min after the last", counts[webhook.StatusQueued])
					}
					time.Sleep(10 * time.Millisecond)
				}
				drain += time.Since(lastAck)
				whole += time.Since(start)
				if counts, _ := s.shop.queue.Counts(context.Background()); counts[webhook.StatusFailed] > 0 {
					b.Fatalf("%d deliveries failed", counts[webhook.StatusFailed])
				}
			}
			b.StopTimer()
			b.ReportMetric(drain.Seconds()/float64(b.N), "last-ack-to-published-s")
			b.ReportMetric(float64(n*b.N)/whole.Seconds(), "deliveries/s")
		})
	}
}

package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkReceive measures acknowledgment latency: signed POSTs, one at
// a time over a kept-alive connection on 127.0.0.1, to
//
//   - bare: a handler that reads the body and answers 200 (the floor:
//     HTTP on loopback);
//   - receiver: the Receiver, verifying and recording into SQLite, no
//     worker;
//   - receiver+worker: the same while the worker handles each delivery
//     with a 20 ms handler (the acknowledgment must not wait for it).
//
// It reports p50/p99 in µs and deliveries/s. go test -bench Receive
// -run '^$' ./shopify/webhook
func BenchmarkReceive(b *testing.B) {
	body := []byte(benchPayload())
	b.Run("bare", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusOK)
		}))
		defer srv.Close()
		benchPost(b, srv.URL, body)
	})
	b.Run("receiver", func(b *testing.B) {
		q := openQueue(b, openDB(b, filepath.Join(b.TempDir(), "wand.db")), Options{})
		benchPost(b, serve(b, q, ReceiverOptions{Limit: unlimited}), body)
	})
	b.Run("receiver+worker", func(b *testing.B) {
		q := openQueue(b, openDB(b, filepath.Join(b.TempDir(), "wand.db")), Options{})
		runQueue(b, q, func(ctx context.Context, d Delivery) error {
			time.Sleep(20 * time.Millisecond)
			return nil
		})
		benchPost(b, serve(b, q, ReceiverOptions{Limit: unlimited}), body)
	})
}

func benchPost(b *testing.B, url string, body []byte) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer c.CloseIdleConnections()
	sig := Sign(secret, body)
	lat := make([]time.Duration, 0, b.N)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set(HeaderHmac, sig)
		req.Header.Set(HeaderTopic, TopicProductsUpdate)
		req.Header.Set(HeaderShopDomain, testShop)
		req.Header.Set(HeaderWebhookID, fmt.Sprintf("bench-%d-%d", start.UnixNano(), i))
		req.Header.Set(HeaderEventID, fmt.Sprintf("event-%d-%d", start.UnixNano(), i))
		req.Header.Set(HeaderTriggeredAt, "2026-11-25T15:00:00Z")
		req.Header.Set(HeaderAPIVersion, "2026-10")
		t0 := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		lat = append(lat, time.Since(t0))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	el := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(len(lat))/el.Seconds(), "deliveries/s")
}

// benchPayload is a products/update body of a realistic size: a product
// with 12 variants and 4 images (about 8 KB).
func benchPayload() string {
	var v, im []string
	for i := range 12 {
		v = append(v, fmt.Sprintf(`{"id":%d,"product_id":632910392,"title":"Size %d / Oak","price":"199.00","sku":"WAND-%03d","position":%d,"inventory_policy":"deny","compare_at_price":null,"option1":"Size %d","option2":"Oak","option3":null,"created_at":"2026-01-01T10:00:00-05:00","updated_at":"2026-11-25T10:00:00-05:00","taxable":true,"barcode":null,"inventory_item_id":%d,"inventory_quantity":10,"admin_graphql_api_id":"gid://shopify/ProductVariant/%d"}`,
			808950810+i, i, i, i+1, i, 39072856+i, 808950810+i))
	}
	for i := range 4 {
		im = append(im, fmt.Sprintf(`{"id":%d,"product_id":632910392,"position":%d,"alt":"Wand, angle %d","width":2048,"height":2048,"src":"https://cdn.shopify.com/s/files/1/0000/0001/products/wand-%d.jpg?v=1700000000","variant_ids":[]}`,
			850703190+i, i+1, i, i))
	}
	return `{"id":632910392,"title":"Elder Wand","body_html":"<p>` + strings.Repeat("An unbeatable wand of elder wood. ", 20) +
		`</p>","vendor":"Ollivanders","product_type":"Wands","created_at":"2026-01-01T10:00:00-05:00","handle":"elder-wand","updated_at":"2026-11-25T10:00:00-05:00","published_at":"2026-01-01T10:00:00-05:00","status":"active","tags":"elder, legendary","variants":[` +
		strings.Join(v, ",") + `],"options":[{"name":"Size","position":1,"values":["Size 0","Size 1"]},{"name":"Wood","position":2,"values":["Oak"]}],"images":[` +
		strings.Join(im, ",") + `],"image":null}`
}

// unlimited lifts the per-source limit: a benchmark posts from one address
// as fast as it can.
var unlimited = SourceLimit{PerMinute: 1 << 30, Burst: 1 << 30}

package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

var (
	secret     = []byte("shpss_current_secret_for_tests_0001")
	oldSecret  = []byte("shpss_previous_secret_for_tests_002")
	retired    = []byte("shpss_retired_secret_for_tests_0003")
	testShop   = "wand-demo.myshopify.com"
	webhookSeq atomic.Int64
)

// openDB opens the islands database at path and returns its writer, as
// the server shares it; closed at cleanup.
func openDB(t testing.TB, path string) *bun.DB {
	t.Helper()
	sdb, err := store.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sdb.Close() })
	return sdb.Writer()
}

// openTest opens a queue on a fresh file and returns the file too, for
// tests that reopen it.
func openTest(t testing.TB, opts Options) (*Queue, string) {
	t.Helper()
	path := testkit.DSN(t)
	return openQueue(t, openDB(t, path), opts), path
}

func openQueue(t testing.TB, db *bun.DB, opts Options) *Queue {
	t.Helper()
	q, err := Open(t.Context(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// serve runs a receiver on 127.0.0.1 and returns its URL.
func serve(t testing.TB, q *Queue, opts ReceiverOptions) string {
	t.Helper()
	if opts.Secrets == nil {
		opts.Secrets = [][]byte{secret, oldSecret}
	}
	rc, err := NewReceiver(q, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, rc)
	t.Cleanup(srv.Close)
	return srv.URL
}

// newServer serves rc at Path on 127.0.0.1; srv.URL includes Path.
func newServer(t testing.TB, rc *Receiver) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(Path, rc)
	srv := httptest.NewServer(mux)
	srv.URL += Path
	return srv
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// delivery is one request as Shopify would send it.
type delivery struct {
	topic, shop, webhookID, eventID, triggeredAt string
	body                                         []byte
	sig                                          string // "" signs with secret; "-" sends none
}

func newDelivery(topic string, body string) delivery {
	n := webhookSeq.Add(1)
	return delivery{
		topic: topic, shop: testShop, body: []byte(body),
		webhookID:   fmt.Sprintf("b54557e4-8a5f-4b7d-%04d-%012d", n%10000, n),
		triggeredAt: "2026-11-25T15:00:00.123456789Z",
	}
}

func post(t testing.TB, c *http.Client, url string, d delivery) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		t.Fatal(err)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	switch d.sig {
	case "":
		h.Set(HeaderHmac, Sign(secret, d.body))
	case "-":
	default:
		h.Set(HeaderHmac, d.sig)
	}
	h.Set(HeaderTopic, d.topic)
	h.Set(HeaderShopDomain, d.shop)
	h.Set(HeaderWebhookID, d.webhookID)
	if d.eventID != "" {
		h.Set(HeaderEventID, d.eventID)
	}
	h.Set(HeaderTriggeredAt, d.triggeredAt)
	h.Set(HeaderAPIVersion, "2026-10")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func productBody(id int64, title, updatedAt string) string {
	return fmt.Sprintf(`{"id":%d,"title":%q,"handle":"wand-%d","updated_at":%q,"variants":[{"id":%d,"price":"19.00"}]}`,
		id, title, id, updatedAt, id*10)
}

func count(t testing.TB, q *Queue) int {
	t.Helper()
	n, err := q.db.NewSelect().Model((*Delivery)(nil)).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// runQueue runs q.Run in the background until the test ends.
func runQueue(t testing.TB, q *Queue, h Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

// eventually polls cond every few ms until it holds or 5 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// one makes a BatchHandler of a Handler, for batches of one.
func one(h Handler) BatchHandler {
	return func(ctx context.Context, ds []Delivery) []error {
		errs := make([]error, len(ds))
		for i, d := range ds {
			errs[i] = h(ctx, d)
		}
		return errs
	}
}

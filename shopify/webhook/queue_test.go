package webhook

import (
	"context"
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a Handler that remembers what it was given.
type recorder struct {
	mu   sync.Mutex
	seen []Delivery
	at   []time.Time
	fail func(d Delivery, n int) error // n: calls for this webhook id so far, from 1
}

func (r *recorder) handle(_ context.Context, d Delivery) error {
	r.mu.Lock()
	r.seen = append(r.seen, d)
	r.at = append(r.at, time.Now())
	n := 0
	for _, s := range r.seen {
		if s.WebhookID == d.WebhookID {
			n++
		}
	}
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail(d, n)
	}
	return nil
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.seen {
		out = append(out, d.WebhookID)
	}
	return out
}

func status(t *testing.T, q *Queue, webhookID string) Delivery {
	t.Helper()
	d, err := q.Delivery(t.Context(), webhookID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRunInOrderPerShop(t *testing.T) { testkit.EachDB(t, testRunInOrderPerShop) }

func testRunInOrderPerShop(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{})
	var want []string
	for i := range 6 {
		d := newDelivery(TopicProductsUpdate, productBody(int64(100+i), "Wand", "2026-11-25T10:00:00Z"))
		if i%2 == 1 {
			d.shop = "other.myshopify.com"
		}
		if post(t, http.DefaultClient, url, d) != http.StatusOK {
			t.Fatal("not accepted")
		}
		want = append(want, d.webhookID)
	}
	rec := &recorder{}
	runQueue(t, q, rec.handle)
	eventually(t, "Run started", q.running.Load)
	if err := q.Run(t.Context(), rec.handle); err == nil {
		t.Error("a second Run on the same queue started")
	}
	eventually(t, "6 deliveries handled", func() bool { return rec.len() == 6 })
	if got := rec.ids(); !slices.Equal(got, want) {
		t.Errorf("handled %v, want arrival order %v", got, want)
	}
	eventually(t, "all done", func() bool {
		c, err := q.Counts(t.Context())
		return err == nil && c[StatusDone] == 6
	})

	// The receiver's Notify wakes the idle worker at once (Poll is 2 s).
	d := newDelivery(TopicProductsDelete, `{"id":100}`)
	start := time.Now()
	post(t, http.DefaultClient, url, d)
	eventually(t, "the new delivery handled", func() bool { return rec.len() == 7 })
	if el := time.Since(start); el > time.Second {
		t.Errorf("a notified delivery took %v to reach the handler", el)
	}
}

func TestRunRetriesWithBackoff(t *testing.T) { testkit.EachDB(t, testRunRetriesWithBackoff) }

func testRunRetriesWithBackoff(t *testing.T) {
	const step = 30 * time.Millisecond
	q, _ := openTest(t, Options{MaxAttempts: 3, Backoff: func(n int) time.Duration { return time.Duration(n) * step }})
	url := serve(t, q, ReceiverOptions{})
	flaky := newDelivery(TopicProductsUpdate, productBody(1, "Wand", "2026-11-25T10:00:00Z"))
	hopeless := newDelivery(TopicProductsUpdate, productBody(2, "Wand", "2026-11-25T10:00:00Z"))
	hopeless.shop = "b.myshopify.com"
	permanent := newDelivery(TopicProductsUpdate, productBody(3, "Wand", "2026-11-25T10:00:00Z"))
	permanent.shop = "c.myshopify.com"
	panicky := newDelivery(TopicProductsUpdate, productBody(4, "Wand", "2026-11-25T10:00:00Z"))
	panicky.shop = "d.myshopify.com"
	for _, d := range []delivery{flaky, hopeless, permanent, panicky} {
		post(t, http.DefaultClient, url, d)
	}
	rec := &recorder{fail: func(d Delivery, n int) error {
		switch d.WebhookID {
		case flaky.webhookID:
			if n <= 2 {
				return fmt.Errorf("publish attempt %d: bucket unavailable", n)
			}
		case hopeless.webhookID:
			return errors.New("always down")
		case permanent.webhookID:
			return fmt.Errorf("bad payload: %w", ErrPermanent)
		case panicky.webhookID:
			if n == 1 {
				panic("boom")
			}
		}
		return nil
	}}
	runQueue(t, q, rec.handle)
	eventually(t, "all settled", func() bool {
		c, err := q.Counts(t.Context())
		return err == nil && c[StatusQueued] == 0
	})

	got := status(t, q, flaky.webhookID)
	if got.Status != StatusDone || got.Attempts != 3 || got.LastError != "" {
		t.Errorf("flaky: %s after %d attempts (%q), want done after 3", got.Status, got.Attempts, got.LastError)
	}
	rec.mu.Lock()
	var calls []time.Time
	for i, d := range rec.seen {
		if d.WebhookID == flaky.webhookID {
			calls = append(calls, rec.at[i])
		}
	}
	rec.mu.Unlock()
	if len(calls) != 3 {
		t.Fatalf("flaky handled %d times, want 3", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if gap, min := calls[i].Sub(calls[i-1]), time.Duration(i)*step; gap < min {
			t.Errorf("retry %d came %v after the failure, want at least %v", i, gap, min)
		}
	}
	if got := status(t, q, hopeless.webhookID); got.Status != StatusFailed || got.Attempts != 3 || got.LastError != "always down" {
		t.Errorf("hopeless: %s after %d attempts (%q), want failed after 3", got.Status, got.Attempts, got.LastError)
	}
	if got := status(t, q, permanent.webhookID); got.Status != StatusFailed || got.Attempts != 1 {
		t.Errorf("permanent: %s after %d attempts, want failed after 1", got.Status, got.Attempts)
	}
	if got := status(t, q, panicky.webhookID); got.Status != StatusDone || got.Attempts != 2 {
		t.Errorf("panicky: %s after %d attempts, want done after 2", got.Status, got.Attempts)
	}
}

// A shop's next delivery waits for the one before it, retries included;
// other shops do not wait.
func TestRunRetryKeepsShopOrder(t *testing.T) { testkit.EachDB(t, testRunRetryKeepsShopOrder) }

func testRunRetryKeepsShopOrder(t *testing.T) {
	q, _ := openTest(t, Options{Backoff: func(int) time.Duration { return 50 * time.Millisecond }})
	url := serve(t, q, ReceiverOptions{})
	first := newDelivery(TopicProductsUpdate, productBody(1, "v1", "2026-11-25T10:00:00Z"))
	second := newDelivery(TopicProductsUpdate, productBody(1, "v2", "2026-11-25T10:00:01Z"))
	elsewhere := newDelivery(TopicProductsUpdate, productBody(1, "x", "2026-11-25T10:00:00Z"))
	elsewhere.shop = "other.myshopify.com"
	for _, d := range []delivery{first, second, elsewhere} {
		post(t, http.DefaultClient, url, d)
	}
	rec := &recorder{fail: func(d Delivery, n int) error {
		if d.WebhookID == first.webhookID && n == 1 {
			return errors.New("once")
		}
		return nil
	}}
	runQueue(t, q, rec.handle)
	eventually(t, "4 calls", func() bool { return rec.len() == 4 })
	want := []string{first.webhookID, elsewhere.webhookID, first.webhookID, second.webhookID}
	if got := rec.ids(); !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v", got, want)
	}
}

func TestRestartWithQueuedDeliveries(t *testing.T) {
	testkit.EachDB(t, testRestartWithQueuedDeliveries)
}

func testRestartWithQueuedDeliveries(t *testing.T) {
	path := testkit.DSN(t)
	var ids []string
	func() {
		// First life: deliveries are received; the worker takes one and
		// the process stops while it is being handled.
		sdb, err := store.Open(t.Context(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		q, err := Open(t.Context(), sdb.Writer(), Options{Backoff: func(int) time.Duration { return 0 }})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := NewReceiver(q, ReceiverOptions{Secrets: [][]byte{secret}})
		if err != nil {
			t.Fatal(err)
		}
		srv := newServer(t, rc)
		defer srv.Close()
		for i := range 5 {
			d := newDelivery(TopicProductsUpdate, productBody(int64(200+i), "Wand", "2026-11-25T10:00:00Z"))
			if post(t, srv.Client(), srv.URL, d) != http.StatusOK {
				t.Fatal("not accepted")
			}
			ids = append(ids, d.webhookID)
		}
		ctx, cancel := context.WithCancel(t.Context())
		failed := make(chan struct{})
		err = q.Run(ctx, func(context.Context, Delivery) error {
			select {
			case <-failed:
			default:
				close(failed)
				cancel() // the "crash": stop right after this attempt
			}
			return errors.New("interrupted")
		})
		if err != nil {
			t.Fatal(err)
		}
	}()

	// Second life: a new connection on the same file.
	q := openQueue(t, openDB(t, path), Options{})
	if c, err := q.Counts(t.Context()); err != nil || c[StatusQueued] != 5 {
		t.Fatalf("after reopening: %v %v, want 5 queued", c, err)
	}
	rec := &recorder{}
	runQueue(t, q, rec.handle)
	eventually(t, "5 deliveries handled", func() bool { return rec.len() == 5 })
	if got := rec.ids(); !slices.Equal(got, ids) {
		t.Errorf("handled %v, want %v", got, ids)
	}
	eventually(t, "all done", func() bool {
		c, err := q.Counts(t.Context())
		return err == nil && c[StatusDone] == 5
	})
	// The attempt cut short by the stop is not held against the delivery.
	if d := status(t, q, ids[0]); d.Attempts != 1 {
		t.Errorf("the interrupted delivery: %d attempts, want 1", d.Attempts)
	}
}

// The whole path: deliveries over HTTP, out of order and late, through
// the worker and Versions into an applied state.
func TestEndToEndStaleness(t *testing.T) { testkit.EachDB(t, testEndToEndStaleness) }

func testEndToEndStaleness(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{})
	v := q.Versions()
	var mu sync.Mutex
	applied := map[string]string{} // product id -> title, "" when deleted
	runQueue(t, q, func(ctx context.Context, d Delivery) error {
		c, err := d.Change()
		if err != nil {
			return err
		}
		_, err = v.Apply(ctx, c, func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			if c.Deleted {
				applied[c.ID] = ""
				return nil
			}
			var p struct{ Title string }
			if err := jsonUnmarshal(d.Body, &p); err != nil {
				return err
			}
			applied[c.ID] = p.Title
			return nil
		})
		return err
	})
	send := func(d delivery) {
		if post(t, http.DefaultClient, url, d) != http.StatusOK {
			t.Fatal("not accepted")
		}
	}
	// Product 1: the newer update arrives first, the older one after.
	send(newDelivery(TopicProductsUpdate, productBody(1, "New title", "2026-11-25T10:00:02-05:00")))
	send(newDelivery(TopicProductsUpdate, productBody(1, "Old title", "2026-11-25T10:00:01-05:00")))
	// Product 2: deleted, then an update made before the delete arrives.
	send(newDelivery(TopicProductsCreate, productBody(2, "Doomed", "2026-11-25T10:00:00Z")))
	del := newDelivery(TopicProductsDelete, `{"id":2}`)
	del.triggeredAt = "2026-11-25T10:05:00Z"
	send(del)
	send(newDelivery(TopicProductsUpdate, productBody(2, "Zombie", "2026-11-25T10:04:00Z")))

	eventually(t, "5 done", func() bool {
		c, err := q.Counts(t.Context())
		return err == nil && c[StatusDone] == 5
	})
	mu.Lock()
	defer mu.Unlock()
	if applied["1"] != "New title" {
		t.Errorf("product 1 is %q, want the newer title", applied["1"])
	}
	if title, ok := applied["2"]; !ok || title != "" {
		t.Errorf("product 2 is %q (%v), want deleted", title, ok)
	}
}

// The receiver answers while the handler is stuck on an earlier delivery.
func TestAckDoesNotWaitForHandler(t *testing.T) { testkit.EachDB(t, testAckDoesNotWaitForHandler) }

func testAckDoesNotWaitForHandler(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{})
	started, release := make(chan struct{}, 10), make(chan struct{})
	defer close(release)
	runQueue(t, q, func(ctx context.Context, d Delivery) error {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	post(t, http.DefaultClient, url, newDelivery(TopicProductsUpdate, productBody(1, "a", "2026-11-25T10:00:00Z")))
	<-started
	for i := range 5 {
		t0 := time.Now()
		if got := post(t, http.DefaultClient, url, newDelivery(TopicProductsUpdate, productBody(int64(2+i), "b", "2026-11-25T10:00:00Z"))); got != http.StatusOK {
			t.Fatalf("status %d while the handler is busy", got)
		}
		if el := time.Since(t0); el > time.Second {
			t.Errorf("acknowledged in %v while the handler is busy", el)
		}
	}
	if n := count(t, q); n != 6 {
		t.Errorf("%d deliveries, want 6", n)
	}
}

func TestPrune(t *testing.T) { testkit.EachDB(t, testPrune) }

func testPrune(t *testing.T) {
	clk := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clk }
	q, _ := openTest(t, Options{Now: now})
	url := serve(t, q, ReceiverOptions{})
	old := newDelivery(TopicProductsUpdate, productBody(1, "a", "2026-11-20T00:00:00Z"))
	post(t, http.DefaultClient, url, old)
	oldQueued := newDelivery(TopicProductsUpdate, productBody(1, "a", "2026-11-20T00:00:00Z"))
	oldQueued.shop = "other.myshopify.com"
	post(t, http.DefaultClient, url, oldQueued)
	d := status(t, q, old.webhookID)
	if err := q.handle(t.Context(), one(func(context.Context, Delivery) error { return nil }), []Delivery{d}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	clk = clk.Add(72 * time.Hour)
	mu.Unlock()
	post(t, http.DefaultClient, url, newDelivery(TopicProductsUpdate, productBody(2, "b", "2026-11-23T00:00:00Z")))
	n, err := q.Prune(t.Context(), now().Add(-48*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1 (the old done one)", n, err)
	}
	if _, err := q.Delivery(t.Context(), old.webhookID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the pruned delivery: %v, want ErrNotFound", err)
	}
	if c := count(t, q); c != 2 {
		t.Errorf("%d deliveries left, want 2 (queued ones are kept)", c)
	}
}

// RunBatch hands a shop's queued deliveries over together, in order; a
// delivery that fails ends its batch (the rest stay queued, attempts
// untouched) and is retried first, the rest behind it, in order.
func TestRunBatch(t *testing.T) { testkit.EachDB(t, testRunBatch) }

func testRunBatch(t *testing.T) {
	q, _ := openTest(t, Options{Backoff: func(int) time.Duration { return 100 * time.Millisecond }})
	url := serve(t, q, ReceiverOptions{})
	var ids []string
	for i := range 5 {
		d := newDelivery(TopicProductsUpdate, productBody(int64(200+i), "Wand", "2026-11-25T10:00:00Z"))
		if post(t, http.DefaultClient, url, d) != http.StatusOK {
			t.Fatal("not accepted")
		}
		ids = append(ids, d.webhookID)
	}
	var (
		mu      sync.Mutex
		batches [][]string
	)
	failed := false
	h := func(_ context.Context, ds []Delivery) []error {
		mu.Lock()
		defer mu.Unlock()
		var b []string
		for _, d := range ds {
			b = append(b, d.WebhookID)
		}
		batches = append(batches, b)
		errs := make([]error, len(ds))
		if !failed { // the second delivery fails once
			failed = true
			errs[1] = errors.New("shop not ready")
			for i := 2; i < len(ds); i++ {
				errs[i] = ErrNotAttempted
			}
		}
		return errs
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.RunBatch(ctx, h, 10) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	eventually(t, "all done", func() bool {
		c, err := q.Counts(t.Context())
		return err == nil && c[StatusDone] == 5
	})
	mu.Lock()
	defer mu.Unlock()
	if len(batches) != 2 || !slices.Equal(batches[0], ids) || !slices.Equal(batches[1], ids[1:]) {
		t.Fatalf("batches %v, want %v then %v", batches, ids, ids[1:])
	}
	for i, id := range ids {
		d, err := q.Delivery(t.Context(), id)
		if want := map[bool]int{true: 2, false: 1}[i == 1]; err != nil || d.Attempts != want {
			t.Errorf("delivery %d: %d attempts (%v), want %d", i, d.Attempts, err, want)
		}
	}
}

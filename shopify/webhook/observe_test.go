package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// Options.Observe hears each delivery received (once, not its
// duplicate), each refused signature, and each attempt's outcome with the
// lag from receipt to applied.
func TestObserveOutcomes(t *testing.T) {
	var (
		mu   sync.Mutex
		got  []string
		lags []time.Duration
	)
	var clock = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var clockMu sync.Mutex
	now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
	q, _ := openTest(t, Options{Now: now, MaxAttempts: 5, Observe: func(shop, outcome string, lag time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, shop+" "+outcome)
		if outcome == Applied {
			lags = append(lags, lag)
		}
	}})
	url := serve(t, q, ReceiverOptions{})
	good := newDelivery(TopicProductsUpdate, productBody(1, "Wand", "2026-11-25T10:00:00Z"))
	flaky := newDelivery(TopicProductsUpdate, productBody(2, "Wand", "2026-11-25T10:00:00Z"))
	broken := newDelivery(TopicProductsUpdate, productBody(3, "Wand", "2026-11-25T10:00:00Z"))
	forged := newDelivery(TopicProductsUpdate, productBody(4, "Wand", "2026-11-25T10:00:00Z"))
	forged.sig = Sign([]byte("not the secret"), forged.body)
	for _, d := range []delivery{good, good, flaky, broken, forged} {
		post(t, http.DefaultClient, url, d)
	}
	clockMu.Lock()
	clock = clock.Add(1500 * time.Millisecond)
	clockMu.Unlock()
	var ds []Delivery
	for _, id := range []string{good.webhookID, flaky.webhookID, broken.webhookID} {
		d, err := q.Delivery(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	h := func(_ context.Context, ds []Delivery) []error {
		errs := make([]error, len(ds))
		for i, d := range ds {
			switch d.WebhookID {
			case flaky.webhookID:
				errs[i] = errors.New("bucket unavailable")
			case broken.webhookID:
				errs[i] = fmt.Errorf("bad payload: %w", ErrPermanent)
			}
		}
		return errs
	}
	if err := q.handle(t.Context(), h, ds); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		testShop + " " + Received, testShop + " " + Received, testShop + " " + Received, testShop + " " + Rejected,
		testShop + " " + Applied, testShop + " " + Retried, testShop + " " + Failed,
	}
	if !slices.Equal(got, want) {
		t.Errorf("observed\n %q\nwant\n %q", got, want)
	}
	if len(lags) != 1 || lags[0] != 1500*time.Millisecond {
		t.Errorf("lags %v, want [1.5s]", lags)
	}
}

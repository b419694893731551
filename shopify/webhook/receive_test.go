package webhook

import (
	"bytes"
	"github.com/wandstore/wandstore/internal/testkit"
	"net/http"
	"strings"
	"testing"
)

func TestReceiveRecordsSignedDelivery(t *testing.T) {
	testkit.EachDB(t, testReceiveRecordsSignedDelivery)
}

func testReceiveRecordsSignedDelivery(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{})
	d := newDelivery(TopicProductsUpdate, productBody(7001, "Elder wand", "2026-11-25T10:00:00-05:00"))
	d.eventID = "evt-1"
	if got := post(t, http.DefaultClient, url, d); got != http.StatusOK {
		t.Fatalf("status %d, want 200", got)
	}
	got, err := q.Delivery(t.Context(), d.webhookID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusQueued || got.Topic != d.topic || got.Shop != testShop || got.EventID != "evt-1" ||
		got.APIVersion != "2026-10" || !bytes.Equal(got.Body, d.body) || got.Attempts != 0 {
		t.Errorf("recorded %+v", got)
	}
	if want := "2026-11-25T15:00:00.123456Z"; got.TriggeredAt.UTC().Format("2006-01-02T15:04:05.999999Z") != want {
		t.Errorf("triggered_at %v, want %s", got.TriggeredAt, want)
	}
	select {
	case <-q.wake:
	default:
		t.Error("the worker was not notified")
	}
}

func TestReceiveRejectsWithoutSideEffect(t *testing.T) {
	testkit.EachDB(t, testReceiveRejectsWithoutSideEffect)
}

func testReceiveRejectsWithoutSideEffect(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{MaxBody: 4096})
	body := productBody(7002, "Wand", "2026-11-25T10:00:00-05:00")
	cases := []struct {
		name string
		edit func(*delivery)
		want int
	}{
		{"no signature", func(d *delivery) { d.sig = "-" }, http.StatusUnauthorized},
		{"garbage signature", func(d *delivery) { d.sig = "not base64!" }, http.StatusUnauthorized},
		{"wrong secret", func(d *delivery) { d.sig = Sign([]byte("someone else"), d.body) }, http.StatusUnauthorized},
		{"retired secret", func(d *delivery) { d.sig = Sign(retired, d.body) }, http.StatusUnauthorized},
		{"signature over another body", func(d *delivery) {
			d.sig = Sign(secret, d.body)
			d.body = []byte(strings.Replace(string(d.body), "19.00", "0.01", 1))
		}, http.StatusUnauthorized},
		{"truncated signature", func(d *delivery) { s := Sign(secret, d.body); d.sig = s[:len(s)-4] }, http.StatusUnauthorized},
		{"oversized", func(d *delivery) {
			d.body = []byte(`{"id":1,"pad":"` + strings.Repeat("x", 5000) + `"}`)
			d.sig = Sign(secret, d.body)
		}, http.StatusRequestEntityTooLarge},
		{"missing webhook id", func(d *delivery) { d.webhookID = "" }, http.StatusBadRequest},
		{"missing shop", func(d *delivery) { d.shop = "" }, http.StatusBadRequest},
		{"not JSON", func(d *delivery) { d.body = []byte("{"); d.sig = Sign(secret, d.body) }, http.StatusBadRequest},
		{"unknown topic", func(d *delivery) { d.topic = "orders/create" }, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDelivery(TopicProductsUpdate, body)
			c.edit(&d)
			if got := post(t, http.DefaultClient, url, d); got != c.want {
				t.Errorf("status %d, want %d", got, c.want)
			}
			if n := count(t, q); n != 0 {
				t.Errorf("%d deliveries recorded, want 0", n)
			}
		})
	}
}

// A chunked body has no Content-Length: the bound must hold while reading.
func TestReceiveOversizedChunked(t *testing.T) { testkit.EachDB(t, testReceiveOversizedChunked) }

func testReceiveOversizedChunked(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{MaxBody: 1024})
	body := []byte(`{"id":1,"pad":"` + strings.Repeat("x", 4096) + `"}`)
	req, _ := http.NewRequest(http.MethodPost, url, struct{ *bytes.Reader }{bytes.NewReader(body)})
	req.ContentLength = -1
	req.Header.Set(HeaderHmac, Sign(secret, body))
	req.Header.Set(HeaderTopic, TopicProductsUpdate)
	req.Header.Set(HeaderShopDomain, testShop)
	req.Header.Set(HeaderWebhookID, "chunked-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	if n := count(t, q); n != 0 {
		t.Errorf("%d deliveries recorded, want 0", n)
	}
}

func TestReceiveMethodNotAllowed(t *testing.T) { testkit.EachDB(t, testReceiveMethodNotAllowed) }

func testReceiveMethodNotAllowed(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{})
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow=%q, want 405 Allow=POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestReceiveRotation(t *testing.T) { testkit.EachDB(t, testReceiveRotation) }

func testReceiveRotation(t *testing.T) {
	q, _ := openTest(t, Options{})
	// During the rotation both secrets verify.
	during := serve(t, q, ReceiverOptions{Secrets: [][]byte{secret, oldSecret}})
	d := newDelivery(TopicProductsCreate, productBody(7003, "Wand", "2026-11-25T10:00:00Z"))
	d.sig = Sign(oldSecret, d.body)
	if got := post(t, http.DefaultClient, during, d); got != http.StatusOK {
		t.Fatalf("previous secret during rotation: %d, want 200", got)
	}
	// After it, only the current one.
	after := serve(t, q, ReceiverOptions{Secrets: [][]byte{secret}})
	d2 := newDelivery(TopicProductsCreate, productBody(7004, "Wand", "2026-11-25T10:00:00Z"))
	d2.sig = Sign(oldSecret, d2.body)
	if got := post(t, http.DefaultClient, after, d2); got != http.StatusUnauthorized {
		t.Fatalf("retired secret: %d, want 401", got)
	}
	d2.sig = ""
	if got := post(t, http.DefaultClient, after, d2); got != http.StatusOK {
		t.Fatalf("current secret: %d, want 200", got)
	}
	if n := count(t, q); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
	if _, err := NewReceiver(q, ReceiverOptions{Secrets: [][]byte{secret, nil}}); err == nil {
		t.Error("an empty secret was accepted")
	}
}

func TestReceiveDeduplicates(t *testing.T) { testkit.EachDB(t, testReceiveDeduplicates) }

func testReceiveDeduplicates(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{})
	body := productBody(7005, "Wand", "2026-11-25T10:00:00Z")

	// Shopify retrying one delivery: same webhook id.
	d := newDelivery(TopicProductsUpdate, body)
	for range 3 {
		if got := post(t, http.DefaultClient, url, d); got != http.StatusOK {
			t.Fatalf("replay: %d, want 200", got)
		}
	}
	if n := count(t, q); n != 1 {
		t.Fatalf("replayed webhook id: %d deliveries, want 1", n)
	}

	// One event delivered to two subscriptions: different webhook ids,
	// same event id.
	a := newDelivery(TopicProductsUpdate, body)
	a.eventID = "event-42"
	b := newDelivery(TopicProductsUpdate, body)
	b.eventID = "event-42"
	for _, x := range []delivery{a, b} {
		if got := post(t, http.DefaultClient, url, x); got != http.StatusOK {
			t.Fatalf("event: %d, want 200", got)
		}
	}
	if n := count(t, q); n != 2 {
		t.Fatalf("same event id twice: %d deliveries, want 2", n)
	}
	if _, err := q.Delivery(t.Context(), b.webhookID); err == nil {
		t.Error("the second subscription's copy was recorded")
	}

	// Deliveries without an event id do not collide with each other.
	c1, c2 := newDelivery(TopicProductsUpdate, body), newDelivery(TopicProductsUpdate, body)
	post(t, http.DefaultClient, url, c1)
	post(t, http.DefaultClient, url, c2)
	if n := count(t, q); n != 4 {
		t.Fatalf("two deliveries without event id: %d deliveries, want 4", n)
	}
}

// X-Shopify-Shop-Domain in another letter case is the same shop: a stale
// delivery spelt differently must not slip past the versions of the shop.
func TestReceiveNormalisesShopDomain(t *testing.T) {
	testkit.EachDB(t, testReceiveNormalisesShopDomain)
}

func testReceiveNormalisesShopDomain(t *testing.T) {
	q, _ := openTest(t, Options{})
	url := serve(t, q, ReceiverOptions{})
	newer := newDelivery(TopicProductsUpdate, productBody(7001, "Elder wand", "2026-11-25T10:00:00Z"))
	older := newDelivery(TopicProductsUpdate, productBody(7001, "Old wand", "2026-11-25T09:00:00Z"))
	older.shop = "  Wand-Demo.MyShopify.COM "
	for _, d := range []delivery{newer, older} {
		if got := post(t, http.DefaultClient, url, d); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
	}
	got, err := q.Delivery(t.Context(), older.webhookID)
	if err != nil || got.Shop != testShop {
		t.Fatalf("recorded shop %q (%v), want %q", got.Shop, err, testShop)
	}
	v := q.Versions()
	cNew, err := mustDelivery(t, q, newer.webhookID).Change()
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := v.MarkApplied(t.Context(), cNew); !ok || err != nil {
		t.Fatalf("mark newer: %v %v", ok, err)
	}
	cOld, err := got.Change()
	if err != nil {
		t.Fatal(err)
	}
	if apply, err := v.ShouldApply(t.Context(), cOld); apply || err != nil {
		t.Errorf("the older delivery, its shop spelt otherwise, would be applied (%v, %v)", apply, err)
	}
}

func mustDelivery(t *testing.T, q *Queue, id string) Delivery {
	t.Helper()
	d, err := q.Delivery(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

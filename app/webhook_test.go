package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/generator/cdnpurge"
	"github.com/wandstore/wandstore/generator/s3publish"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/shopify/shopifytest"
	"github.com/wandstore/wandstore/shopify/webhook"
)

const testWebhookSecret = "whsec_app_test_secret"

// shopDemo is a demo of one Shopify-backed store (the stand-in shop),
// with webhooks on.
type shopDemo struct {
	t    *testing.T
	shop *shopifytest.Server
	demo *Demo
	out  string
	seq  int
}

func standInProducts() []shopifytest.Product {
	return []shopifytest.Product{
		// Ids set here, so payloads made from these values name the right
		// product.
		{ID: "gid://shopify/Product/1", Handle: "elder-wand", Title: "Elder Wand", UpdatedAt: "2026-11-20T10:00:00Z", CreatedAt: "2026-01-01T00:00:00Z",
			Variants: []shopifytest.Variant{{SKU: "EW", AvailableForSale: true, Price: shopifytest.Money{Amount: "129.00", CurrencyCode: "USD"}}}},
		{ID: "gid://shopify/Product/2", Handle: "holly-wand", Title: "Holly Wand", UpdatedAt: "2026-11-20T10:00:00Z", CreatedAt: "2026-01-02T00:00:00Z",
			Variants: []shopifytest.Variant{{SKU: "HW", AvailableForSale: true, Price: shopifytest.Money{Amount: "49.00", CurrencyCode: "USD"}}}},
	}
}

// standInShop starts a stand-in shop selling standInProducts and returns
// it with a content folder whose store "wands" reads it, its token in the
// environment variable tokenEnv.
func standInShop(t *testing.T, tokenEnv string) (*shopifytest.Server, string) {
	t.Helper()
	const token = "shpat_stand_in"
	srv := shopifytest.New(t, shopifytest.WithToken(token), shopifytest.WithShop("Wand Shop", "USD"))
	srv.SetProducts(standInProducts())
	t.Setenv(tokenEnv, token)
	return srv, testkit.ContentDir(t, `
-- wands/store.yaml --
name: Wands from Shopify
source:
  kind: shopify
  shop: wand-shop
  token_env: `+tokenEnv+`
  endpoint: `+srv.URL()+`
`)
}

func startShopDemo(t *testing.T, mod ...func(*DemoOptions)) *shopDemo {
	t.Helper()
	srv, dir := standInShop(t, "WANDSTORE_WEBHOOK_TEST_TOKEN")
	t.Setenv(envWebhookSecret, testWebhookSecret)
	out := t.TempDir()
	opts := DemoOptions{Addr: "127.0.0.1:0", Content: dir, Out: out, Data: t.TempDir(), OlricPort: testkit.MustFreePort(t), OlricGossipPort: testkit.MustFreePort(t)}
	for _, m := range mod {
		m(&opts)
	}
	d, err := StartDemo(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &shopDemo{t: t, shop: srv, demo: d, out: out}
}

// send posts a products webhook signed with secret and returns the status.
func (s *shopDemo) send(topic string, body []byte, secret string) int {
	s.t.Helper()
	s.seq++
	req, _ := http.NewRequest(http.MethodPost, s.demo.URL+"/webhooks/shopify", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTopic, topic)
	req.Header.Set(webhook.HeaderShopDomain, "wand-shop.myshopify.com")
	req.Header.Set(webhook.HeaderWebhookID, fmt.Sprintf("wh-%d-%d", time.Now().UnixNano(), s.seq))
	req.Header.Set(webhook.HeaderAPIVersion, "2025-07")
	req.Header.Set(webhook.HeaderHmac, webhook.Sign([]byte(secret), body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// page polls a published file until it contains want, and returns how long
// that took.
func (s *shopDemo) waitFor(file, want string, within time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	for {
		data, _ := os.ReadFile(filepath.Join(s.out, file))
		if strings.Contains(string(data), want) {
			return time.Since(start)
		}
		if time.Since(start) > within {
			s.t.Fatalf("%s still lacks %q after %s", file, want, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWebhookUpdatesThePublishedPageAndTheCart(t *testing.T) {
	s := startShopDemo(t)
	page := "s/wands/products/elder-wand/index.html"
	s.waitFor(page, "$129.00", time.Second)

	// A shopper with the wand in the cart.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	base := s.demo.URL + "/s/wands/islands/"
	variant := s.demo.Summary.Catalogs[0].Product("elder-wand").Variants[0].ID
	res, err := c.PostForm(base+"cart/add", url.Values{"product": {"elder-wand"}, "variant": {variant}, "quantity": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cart := func() string {
		res, err := c.Get(base + "cart")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if got := cart(); !strings.Contains(got, "Elder Wand") || !strings.Contains(got, "$129.00") {
		t.Fatalf("cart before: %s", got)
	}

	// Shopify changes the title and price; the webhook carries both.
	ps := standInProducts()
	ps[0].Title, ps[0].Variants[0].Price.Amount = "Elder Wand (reforged)", "149.00"
	s.shop.SetProducts(ps)
	body := shopifytest.ProductPayload(ps[0], time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))

	// A mis-signed delivery changes nothing.
	if code := s.send(webhook.TopicProductsUpdate, body, "wrong secret"); code != http.StatusUnauthorized {
		t.Fatalf("mis-signed webhook: %d, want 401", code)
	}
	if code := s.send(webhook.TopicProductsUpdate, body, testWebhookSecret); code != http.StatusOK {
		t.Fatalf("webhook: %d", code)
	}
	took := s.waitFor(page, "$149.00", time.Second)
	s.waitFor(page, "Elder Wand (reforged)", time.Second)
	waitForCopies(t, s.demo.URL, s.out, "/s/wands/products/elder-wand/", page, time.Second)
	t.Logf("the product page showed the new price %s after the webhook was accepted", took.Round(time.Millisecond))
	// The cart island swaps its catalog as soon as the files are
	// published: within the same second.
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		got := cart()
		if strings.Contains(got, "Elder Wand (reforged)") && strings.Contains(got, "$149.00") {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("cart a second after the page changed: %s", got)
		}
	}
	listing, _ := os.ReadFile(filepath.Join(s.out, "s/wands/collections/all/index.html"))
	if !strings.Contains(string(listing), "$149.00") {
		t.Error("the all-products listing was not updated")
	}

	// An older version, delivered late, does not undo it.
	old := standInProducts()[0]
	old.Title = "Stale Wand"
	if code := s.send(webhook.TopicProductsUpdate, shopifytest.ProductPayload(old, time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)), testWebhookSecret); code != http.StatusOK {
		t.Fatalf("late webhook: %d", code)
	}
	// A delete, then a late update: the page goes and stays gone.
	del := []byte(`{"id": ` + strings.TrimPrefix(idOf(t, s, "elder-wand"), "gid://shopify/Product/") + `}`)
	if code := s.send(webhook.TopicProductsDelete, del, testWebhookSecret); code != http.StatusOK {
		t.Fatalf("delete webhook: %d", code)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(s.out, page)); os.IsNotExist(err) {
			for _, suf := range []string{".br", ".gz"} {
				if _, err := os.Stat(filepath.Join(s.out, page+suf)); !os.IsNotExist(err) {
					t.Errorf("the deleted product's page left its %s copy (%v)", suf, err)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deleted product's page is still published")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := s.send(webhook.TopicProductsUpdate, shopifytest.ProductPayload(ps[0], time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC)), testWebhookSecret); code != http.StatusOK {
		t.Fatal(code)
	}
	// A shop's deliveries are applied in order: once a later one shows,
	// the late update has been handled.
	holly := ps[1]
	holly.Title = "Holly Wand (after)"
	if code := s.send(webhook.TopicProductsUpdate, shopifytest.ProductPayload(holly, time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC)), testWebhookSecret); code != http.StatusOK {
		t.Fatal(code)
	}
	s.waitFor("s/wands/products/holly-wand/index.html", "Holly Wand (after)", time.Second)
	if _, err := os.Stat(filepath.Join(s.out, page)); !os.IsNotExist(err) {
		t.Fatal("a late update brought a deleted product back")
	}
	shards, _ := filepath.Glob(filepath.Join(s.out, "s/wands/search-*.json"))
	if len(shards) == 0 {
		t.Fatal("no search index shards")
	}
	for _, f := range shards {
		if data, _ := os.ReadFile(f); strings.Contains(string(data), "Stale Wand") {
			t.Fatal("the stale version was published")
		}
	}
}

func idOf(t *testing.T, s *shopDemo, handle string) string {
	t.Helper()
	for _, p := range s.shop.Products() {
		if p.Handle == handle {
			return p.ID
		}
	}
	t.Fatalf("no product %s in the stand-in", handle)
	return ""
}

// The same change, with the store published to a bucket (an S3 server
// in-process): the bucket's product page has the new title and price
// within a second of the webhook's answer.
func TestWebhookPublishesToTheBucket(t *testing.T) {
	bucket := newFakeBucket(t)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
	cfg, err := publishConfig("s3://shop/site", bucket.srv.URL, "auto", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s3publish.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := startShopDemo(t, func(o *DemoOptions) { o.Publisher, o.StateDir = pub, t.TempDir() })
	key := "site/s/wands/products/elder-wand/index.html"
	if page, _ := bucket.get(t, "shop", key); !strings.Contains(page, "$129.00") {
		t.Fatal("the server did not publish the store to the bucket at start")
	}
	bucket.takePuts()
	ps := standInProducts()
	ps[0].Title, ps[0].Variants[0].Price.Amount = "Elder Wand (reforged)", "149.00"
	s.shop.SetProducts(ps)
	if code := s.send(webhook.TopicProductsUpdate, shopifytest.ProductPayload(ps[0], time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)), testWebhookSecret); code != http.StatusOK {
		t.Fatalf("webhook: %d", code)
	}
	start := time.Now()
	for {
		page, ctype := bucket.get(t, "shop", key)
		if strings.Contains(page, "$149.00") && strings.Contains(page, "Elder Wand (reforged)") {
			if !strings.HasPrefix(ctype, "text/html") {
				t.Errorf("content type %q", ctype)
			}
			break
		}
		if time.Since(start) > time.Second {
			t.Fatal("the bucket's page lacks the new title and price a second after the webhook")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("in the bucket after %s", time.Since(start).Round(time.Millisecond))
	puts := bucket.takePuts()
	for _, p := range puts {
		if strings.Contains(p, "/products/") && !strings.Contains(p, "elder-wand") {
			t.Errorf("another product's page was uploaded: %s", p)
		}
	}
	if len(puts) == 0 || len(puts) > 20 {
		t.Errorf("%d uploads for one product change: %v", len(puts), puts)
	}
}

// reconcile re-reads the source and publishes only what changed behind the
// last publish's back.
func TestReconcileCommandRepairs(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	if _, stderr, err := run(t, "build", "--content", content, "--out", out, "-q"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	file := filepath.Join(content, "shop/products/mug.md")
	data, _ := os.ReadFile(file)
	os.WriteFile(file, bytes.Replace(data, []byte("title: Mug"), []byte("title: Big Mug"), 1), 0o644)
	stdout, stderr, err := run(t, "reconcile", "--content", content, "--out", out)
	if err != nil {
		t.Fatalf("reconcile: %v\n%s", err, stderr)
	}
	page, _ := os.ReadFile(filepath.Join(out, "s/shop/products/mug/index.html"))
	if !strings.Contains(string(page), "Big Mug") {
		t.Fatal("reconcile did not publish the change")
	}
	if !strings.Contains(stdout, "skipped") {
		t.Fatalf("reconcile printed no summary:\n%s", stdout)
	}
	again, _, err := run(t, "reconcile", "--content", content, "--out", out)
	if err != nil || !strings.Contains(again, ": 0 rendered, 0 written") {
		t.Fatalf("a second reconcile: %v\n%s", err, again)
	}
}

// With a purge endpoint, a webhook's publish is followed by a purge of the
// URLs it changed, Cloudflare-style.
func TestWebhookPurgesTheCDN(t *testing.T) {
	got := make(chan []string, 8)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Files []string `json:"files"`
		}
		if r.Header.Get("Authorization") != "Bearer cdn-token" || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		got <- body.Files
		io.WriteString(w, `{"success": true, "errors": [], "messages": [], "result": {"id": "x"}}`)
	}))
	defer cdn.Close()
	purger, err := cdnpurge.New(cdnpurge.Config{Endpoint: cdn.URL + "/client/v4/zones/z/purge_cache", Token: "cdn-token"})
	if err != nil {
		t.Fatal(err)
	}
	s := startShopDemo(t, func(o *DemoOptions) { o.Purger = purger })
	ps := standInProducts()
	ps[0].Title = "Elder Wand (purged)"
	s.shop.SetProducts(ps)
	if code := s.send(webhook.TopicProductsUpdate, shopifytest.ProductPayload(ps[0], time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)), testWebhookSecret); code != http.StatusOK {
		t.Fatalf("webhook: %d", code)
	}
	want := s.demo.URL + "/s/wands/products/elder-wand/"
	select {
	case files := <-got:
		if !slices.Contains(files, want) {
			t.Fatalf("purged %v; want %s among them", files, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no purge request after the webhook's publish")
	}
}

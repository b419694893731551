package shopify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

const secret = "shpat_very_secret_token"

func oneProduct(srv *shopifytest.Server) {
	srv.SetProducts([]shopifytest.Product{{Handle: "wand", Title: "Wand",
		Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "1.00", CurrencyCode: "USD"}}}}})
}

func load(t *testing.T, c *shopify.Client) error {
	t.Helper()
	_, err := shopify.NewSource(c, "s", shopify.SourceOptions{}).Load(context.Background(), "s")
	return err
}

func TestRetriesThenSucceeds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(*shopifytest.Server)
	}{
		{"429", func(s *shopifytest.Server) { s.Fail(http.StatusTooManyRequests, 2, "") }},
		{"430", func(s *shopifytest.Server) { s.Fail(430, 2, "") }},
		{"500", func(s *shopifytest.Server) { s.Fail(http.StatusInternalServerError, 2, "") }},
		{"503", func(s *shopifytest.Server) { s.Fail(http.StatusServiceUnavailable, 2, "") }},
		{"THROTTLED", func(s *shopifytest.Server) { s.Throttle(2) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := shopifytest.New(t)
			oneProduct(srv)
			tc.inject(srv)
			if err := load(t, newClient(t, srv, nil)); err != nil {
				t.Fatal(err)
			}
			if got := srv.RequestsFor("Shop"); got != 3 {
				t.Errorf("Shop sent %d times, want 3", got)
			}
		})
	}
}

func TestRetriesRunOut(t *testing.T) {
	srv := shopifytest.New(t)
	srv.Fail(http.StatusTooManyRequests, 100, "")
	err := load(t, newClient(t, srv, func(c *shopify.Config) { c.MaxRetries = 2 }))
	var se *shopify.StatusError
	if !errors.Is(err, shopify.ErrThrottled) || !errors.As(err, &se) || se.StatusCode != 429 {
		t.Fatalf("err = %v", err)
	}
	if got := srv.Requests(); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv := shopifytest.New(t)
	oneProduct(srv)
	srv.Fail(430, 1, "1")
	start := time.Now()
	if err := load(t, newClient(t, srv, nil)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v; Retry-After said 1 s", d)
	}

	// A Retry-After beyond a minute gives up at once, deadline or not.
	srv.Fail(http.StatusTooManyRequests, 1, "3600")
	start = time.Now()
	if err := load(t, newClient(t, srv, nil)); !errors.Is(err, shopify.ErrThrottled) || time.Since(start) > time.Second {
		t.Errorf("err = %v after %v", err, time.Since(start))
	}

	// A Retry-After past the caller's deadline gives up at once.
	srv.Fail(http.StatusTooManyRequests, 1, "30")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start = time.Now()
	_, err := shopify.NewSource(newClient(t, srv, nil), "s", shopify.SourceOptions{}).Load(ctx, "s")
	if !errors.Is(err, shopify.ErrThrottled) || time.Since(start) > time.Second {
		t.Errorf("err = %v after %v", err, time.Since(start))
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound} {
		srv := shopifytest.New(t)
		srv.Fail(status, 5, "")
		err := load(t, newClient(t, srv, nil))
		var se *shopify.StatusError
		if !errors.As(err, &se) || se.StatusCode != status {
			t.Errorf("%d: err = %v", status, err)
		}
		if got := srv.Requests(); got != 1 {
			t.Errorf("%d: %d requests, want 1", status, got)
		}
		if unauth := status == 401 || status == 403; errors.Is(err, shopify.ErrUnauthorized) != unauth {
			t.Errorf("%d: errors.Is(ErrUnauthorized) = %v", status, !unauth)
		}
	}
}

func TestDeadlines(t *testing.T) {
	srv := shopifytest.New(t)
	oneProduct(srv)
	srv.SetDelay(3 * time.Second)

	// The caller's deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := shopify.NewSource(newClient(t, srv, nil), "s", shopify.SourceOptions{}).Load(ctx, "s")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("err = %v after %v", err, time.Since(start))
	}

	// Each attempt's own timeout, retried.
	before := srv.Requests()
	start = time.Now()
	err = load(t, newClient(t, srv, func(c *shopify.Config) { c.Timeout = 100 * time.Millisecond; c.MaxRetries = 2 }))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %v", err, time.Since(start))
	}
	if got := srv.Requests() - before; got != 3 {
		t.Errorf("%d attempts, want 3", got)
	}
}

func TestTokensAndBuyerIP(t *testing.T) {
	srv := shopifytest.New(t, shopifytest.WithToken(secret))
	oneProduct(srv)

	c := newClient(t, srv, func(c *shopify.Config) { c.PrivateToken = secret })
	ctx := shopify.WithBuyerIP(context.Background(), "203.0.113.7")
	if _, err := shopify.NewSource(c, "s", shopify.SourceOptions{}).Load(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	h := srv.LastHeader()
	if h.Get("Shopify-Storefront-Private-Token") != secret || h.Get("X-Shopify-Storefront-Access-Token") != "" ||
		h.Get("Shopify-Storefront-Buyer-IP") != "203.0.113.7" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", h)
	}

	pub := newClient(t, srv, func(c *shopify.Config) { c.PrivateToken = ""; c.PublicToken = secret })
	if err := load(t, pub); err != nil {
		t.Fatal(err)
	}
	if h := srv.LastHeader(); h.Get("X-Shopify-Storefront-Access-Token") != secret || h.Get("Shopify-Storefront-Buyer-IP") != "" {
		t.Errorf("public headers = %v", h)
	}

	wrong := newClient(t, srv, func(c *shopify.Config) { c.PrivateToken = "shpat_wrong_token" })
	err := load(t, wrong)
	if !errors.Is(err, shopify.ErrUnauthorized) || strings.Contains(err.Error(), "shpat_wrong_token") {
		t.Errorf("err = %v", err)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	// A server that echoes the request's headers into its error body.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad request, token " + r.Header.Get("Shopify-Storefront-Private-Token")))
	}))
	defer echo.Close()
	c, err := shopify.New(shopify.Config{Endpoint: echo.URL, PrivateToken: secret})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), "Shop", "query Shop { shop { name } }", nil, nil)
	var se *shopify.StatusError
	if err == nil || strings.Contains(err.Error(), secret) || !errors.As(err, &se) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("err = %v", err)
	}
}

func TestGraphQLErrorsSurfaced(t *testing.T) {
	srv := shopifytest.New(t)
	c := newClient(t, srv, nil)
	err := c.Do(context.Background(), "NoSuchThing", "query NoSuchThing { nothing }", nil, nil)
	var ge *shopify.GraphQLErrors
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), `unknown operation "NoSuchThing"`) {
		t.Fatalf("err = %v", err)
	}
	if srv.Requests() != 1 {
		t.Errorf("a GraphQL error was retried: %d requests", srv.Requests())
	}
}

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		cfg  shopify.Config
		want string
	}{
		{shopify.Config{Shop: "my-shop"}, "https://my-shop.myshopify.com/api/2025-01/graphql.json"},
		{shopify.Config{Shop: "https://shop.example.com/", APIVersion: "2025-04"}, "https://shop.example.com/api/2025-04/graphql.json"},
		{shopify.Config{Endpoint: "http://127.0.0.1:9/"}, "http://127.0.0.1:9/api/2025-01/graphql.json"},
	} {
		c, err := shopify.New(tc.cfg)
		if err != nil || c.URL() != tc.want {
			t.Errorf("%+v: %v", tc.cfg, err)
		}
	}
	if _, err := shopify.New(shopify.Config{}); err == nil {
		t.Error("no shop accepted")
	}
}

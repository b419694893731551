package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// parseServeFlags runs serve's and demo's flags over args and returns the
// options they make, or the error.
func parseServeFlags(t *testing.T, args ...string) (ServeOptions, error) {
	t.Helper()
	var got ServeOptions
	app := &cli.App{Name: "wandgen", Flags: serveFlags(), Writer: io.Discard, ErrWriter: io.Discard,
		Action: func(c *cli.Context) error { got = serveOptions(c); return nil }}
	err := app.Run(append([]string{"wandgen"}, args...))
	return got, err
}

// The limits are flags with environment fallbacks; without them, the
// defaults; values that cannot be applied are refused at the start.
func TestLimitFlags(t *testing.T) {
	got, err := parseServeFlags(t)
	want := islands.Limits{PerIP: 1200, PerShopper: 300, Window: time.Minute, IPv6Prefix: 64, WebhookPerMinute: 6000, WebhookBurst: 300}
	if err != nil || got.Limits != want {
		t.Errorf("defaults: %+v %v, want %+v", got.Limits, err, want)
	}
	got, err = parseServeFlags(t, "--rate-limit-ip", "50", "--rate-limit-shopper", "7", "--rate-limit-window", "10s",
		"--ipv6-prefix", "56", "--webhook-rate-limit", "600", "--webhook-burst", "20")
	want = islands.Limits{PerIP: 50, PerShopper: 7, Window: 10 * time.Second, IPv6Prefix: 56, WebhookPerMinute: 600, WebhookBurst: 20}
	if err != nil || got.Limits != want {
		t.Errorf("flags: %+v %v, want %+v", got.Limits, err, want)
	}
	for k, v := range map[string]string{
		"WANDSTORE_RATE_LIMIT_IP": "51", "WANDSTORE_RATE_LIMIT_SHOPPER": "8", "WANDSTORE_RATE_LIMIT_WINDOW": "2m",
		"WANDSTORE_IPV6_PREFIX": "48", "WANDSTORE_WEBHOOK_RATE_LIMIT": "601", "WANDSTORE_WEBHOOK_BURST": "21",
	} {
		t.Setenv(k, v)
	}
	got, err = parseServeFlags(t)
	want = islands.Limits{PerIP: 51, PerShopper: 8, Window: 2 * time.Minute, IPv6Prefix: 48, WebhookPerMinute: 601, WebhookBurst: 21}
	if err != nil || got.Limits != want {
		t.Errorf("environment: %+v %v, want %+v", got.Limits, err, want)
	}
	if got, err = parseServeFlags(t, "--rate-limit-ip", "52"); err != nil || got.Limits.PerIP != 52 {
		t.Errorf("a flag over the environment: %+v %v", got.Limits, err)
	}
	for _, bad := range [][]string{
		{"--rate-limit-ip", "0"}, {"--rate-limit-shopper", "-1"}, {"--rate-limit-window", "500ms"},
		{"--rate-limit-window", "2h"}, {"--ipv6-prefix", "0"}, {"--ipv6-prefix", "129"},
		{"--webhook-rate-limit", "0"}, {"--webhook-burst", "-5"},
	} {
		if _, err := parseServeFlags(t, bad...); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: %v, want an error naming the flag", bad, err)
		}
	}
	t.Setenv("WANDSTORE_IPV6_PREFIX", "200")
	if _, err := parseServeFlags(t); err == nil {
		t.Error("WANDSTORE_IPV6_PREFIX=200 accepted")
	}
}

// `wandgen demo` applies the limit flags: an island's per-client limit and
// window, and the webhook receiver's per-source limit, both per client as
// the trusted proxy names it.
func TestLimitFlagsReachTheServer(t *testing.T) {
	_, dir := standInShop(t, "WANDSTORE_LIMITS_TEST_TOKEN")
	t.Setenv(envWebhookSecret, testWebhookSecret)
	t.Setenv("WANDSTORE_WEBHOOK_BURST", "3") // a fallback, with the flags below
	tmp := t.TempDir()
	base := runDemo(t, "--addr", "127.0.0.1:0", "--content", dir, "--out", filepath.Join(tmp, "public"), "--data", filepath.Join(tmp, "data"),
		"--olric-port", strconv.Itoa(testkit.MustFreePort(t)), "--olric-gossip-port", strconv.Itoa(testkit.MustFreePort(t)),
		"--trusted-proxy", "127.0.0.1", "--rate-limit-ip", "5", "--rate-limit-window", "10s", "--webhook-rate-limit", "60")

	do := func(method, path, client string, body []byte) *http.Response {
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		req.Header.Set("X-Forwarded-For", client)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	var codes []int
	var last *http.Response
	for range 7 {
		last = do("GET", "/s/wands/islands/cart/badge", "2001:db8:5::1", nil)
		codes = append(codes, last.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 200 200 200 200 429 429]" {
		t.Errorf("island answers with --rate-limit-ip 5: %v", codes)
	}
	if ra, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 12 { // the 5 age out from the next window: up to 1.2 windows
		t.Errorf("Retry-After %q with a window of 10s and 5 requests", last.Header.Get("Retry-After"))
	}
	if code := do("GET", "/s/wands/islands/cart/badge", "2001:db8:6::1", nil).StatusCode; code != 200 {
		t.Errorf("another client: %d", code)
	}

	codes = nil
	for range 5 { // unsigned: 401 until the burst of 3 is spent
		last = do("POST", webhook.Path, "203.0.113.40", []byte(`{"id":1}`))
		codes = append(codes, last.StatusCode)
	}
	if fmt.Sprint(codes) != "[401 401 401 429 429]" {
		t.Errorf("webhook answers with a burst of 3: %v", codes)
	}
	if ra, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
		t.Errorf("webhook Retry-After %q at 60 a minute", last.Header.Get("Retry-After"))
	}
	if code := do("POST", webhook.Path, "203.0.113.41", []byte(`{"id":1}`)).StatusCode; code != http.StatusUnauthorized {
		t.Errorf("webhook from another source: %d", code)
	}
}

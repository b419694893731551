package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/mail"
	"github.com/wandstore/wandstore/islands/mail/smtptest"
)

// TestOrderThroughTheDemo places an order through the demo's one port, as
// a browser without JavaScript does, with mail configured by environment:
// the order page is routed to the islands server (outside islands/), and
// the confirmation reaches a real (in-process) SMTP server.
func TestOrderThroughTheDemo(t *testing.T) {
	relay, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	t.Setenv(mail.EnvURL, "smtp://"+relay.Addr)
	t.Setenv(mail.EnvFrom, "Magic Wands <orders@wands.example>")
	d, err := StartDemo(context.Background(), DemoOptions{Addr: "127.0.0.1:0", Out: t.TempDir(), Data: t.TempDir(),
		OlricPort: testkit.MustFreePort(t), OlricGossipPort: testkit.MustFreePort(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, d.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	store := testkit.DemoStore(t, "magic-wands")
	p := store.Product("elder-wand")
	v := p.Variants[0]
	if resp, _ := do("POST", "/s/magic-wands/islands/cart/add", url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add to cart: %d", resp.StatusCode)
	}
	resp, page := do("GET", "/s/magic-wands/islands/checkout", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("checkout page: %d", resp.StatusCode)
	}
	hidden := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no %s in the form", name)
		}
		return m[1]
	}
	form := url.Values{"cart": {hidden("cart")}, "quote": {hidden("quote")}, "action": {"place"},
		"email": {"ada@example.com"}, "name": {"Ada Lovelace"}, "line1": {"1 Main St"}, "city": {"Springfield"},
		"postal_code": {"12345"}, "country": {"US"}, "method": {"owl-post"}}
	resp, body := do("POST", "/s/magic-wands/islands/checkout", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/s/magic-wands/orders/[0-9a-f]{32}/$`).MatchString(loc) {
		t.Fatalf("place: %d %q %s", resp.StatusCode, loc, body)
	}
	resp, body = do("GET", loc, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, p.Title) || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("order page through the demo: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	select {
	case <-relay.Received():
	case <-time.After(15 * time.Second):
		t.Fatal("no confirmation email within 15 s")
	}
	msgs := relay.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ada@example.com" || msgs[0].From != "orders@wands.example" || !strings.Contains(msgs[0].Data, loc) {
		t.Fatalf("relay got %+v", msgs)
	}
}

package mail

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/mail/smtptest"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/islands/store"
)

func jpy(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "JPY"} }

// setup opens a real SQLite database and places one order (queued for
// mail) whose titles and name carry markup and a CR/LF.
func setup(t *testing.T, clk *testkit.Clock) (*store.DB, *shopper.Order, *components.Site) {
	t.Helper()
	ctx := t.Context()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "w.db"), store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	id := shopper.NewID()
	if _, err := db.AddToCart(ctx, "tea", id, "sencha", "100g", 2, 1500); err != nil {
		t.Fatal(err)
	}
	o := &shopper.Order{
		Lines:    []shopper.OrderLine{{Product: "sencha", Variant: "100g", Title: "<b>Uji</b> sencha", VariantTitle: "100g", Quantity: 2, UnitPrice: jpy(1080)}},
		Subtotal: jpy(2160), Email: "ada@example.com",
		Address:  shopper.Address{Name: "Ada\r\nBcc: victim@example.com", Line1: "1-2-3 Gion", City: "Kyoto", PostalCode: "605-0001", Country: "JP"},
		Shipping: shopper.Shipping{Method: "yamato", Name: "ヤマト運輸", Amount: jpy(600)},
		Tax:      jpy(251), TaxRate: 100000, TaxInclusive: true, Total: jpy(2760), Payment: "invoice",
	}
	ord, _, err := db.PlaceOrder(ctx, "tea", id, o, true)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://tea.example/")
	site := components.NewSite(&catalog.Store{Handle: "tea", Name: "Kitsune <Tea>", Currency: "JPY", Locale: "ja-JP"}, base)
	return db, ord, site
}

func TestWorkerSendsThroughSMTP(t *testing.T) {
	clk := testkit.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	db, ord, site := setup(t, clk)
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg, err := ParseConfig("smtp://"+srv.Addr, "Kitsune Tea <shop@tea.example>")
	if err != nil {
		t.Fatal(err)
	}
	w := &Worker{Outbox: db, Config: cfg, Now: clk.Now, Sites: func(s string) *components.Site {
		if s == "tea" {
			return site
		}
		return nil
	}}
	ctx := t.Context()

	// The relay refuses the first try (451): nothing is lost, it is tried
	// again after the backoff, not before.
	srv.Refuse(1)
	if n := w.Drain(ctx); n != 0 {
		t.Fatalf("sent %d while the relay refused", n)
	}
	clk.Advance(Backoff(1) - time.Second)
	if n := w.Drain(ctx); n != 0 {
		t.Fatal("retried before the backoff")
	}
	clk.Advance(time.Second)
	if n := w.Drain(ctx); n != 1 {
		t.Fatalf("second attempt sent %d", n)
	}
	clk.Advance(time.Hour)
	if n := w.Drain(ctx); n != 0 {
		t.Fatal("sent twice")
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("relay got %d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "shop@tea.example" || len(m.To) != 1 || m.To[0] != "ada@example.com" {
		t.Fatalf("envelope %q -> %q", m.From, m.To)
	}
	parsed, err := netmail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	// The name's CR/LF started no header.
	if parsed.Header.Get("Bcc") != "" || strings.Contains(strings.SplitN(m.Data, "\r\n\r\n", 2)[0], "victim") {
		t.Fatalf("header injection: %q", strings.SplitN(m.Data, "\r\n\r\n", 2)[0])
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, ord.Number) || !strings.Contains(subject, "ご注文") {
		t.Errorf("subject %q, %v", subject, err)
	}
	_, params, _ := mime.ParseMediaType(parsed.Header.Get("Content-Type"))
	mr := multipart.NewReader(parsed.Body, params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(b)
	}
	text, html := parts["text/plain"], parts["text/html"]
	link := "https://tea.example/orders/" + ord.Token + "/"
	total := jpy(2760).Format("ja-JP")
	for name, body := range map[string]string{"text": text, "html": html} {
		for _, want := range []string{ord.Number, total, link, "ヤマト運輸", "代金引換", "605-0001 Kyoto", "日本", "様"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part lacks %q:\n%s", name, want, body)
			}
		}
	}
	if !strings.Contains(html, "&lt;b&gt;Uji&lt;/b&gt;") || strings.Contains(html, "<b>Uji") || !strings.Contains(html, "Kitsune &lt;Tea&gt;") {
		t.Errorf("html not escaped:\n%s", html)
	}
	if !strings.Contains(text, "<b>Uji</b> sencha") {
		t.Errorf("text part escaped or lost the title:\n%s", text)
	}
}

// A relay that is not there (closed) loses nothing either; a permanent
// refusal (5xx) gives up instead of retrying for ever.
func TestWorkerRelayDownAndPermanentFailure(t *testing.T) {
	clk := testkit.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	db, _, site := setup(t, clk)
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr
	srv.Close() // down
	cfg, _ := ParseConfig("smtp://"+addr, "shop@tea.example")
	w := &Worker{Outbox: db, Config: cfg, Now: clk.Now, Sites: func(string) *components.Site { return site }}
	if n := w.Drain(t.Context()); n != 0 {
		t.Fatal("sent to a relay that is down")
	}
	clk.Advance(Backoff(1))
	var calls int
	w.send = func(ctx context.Context, cfg Config, to string, msg []byte) error {
		calls++
		return &textprotoError550
	}
	w.Drain(t.Context())
	clk.Advance(24 * time.Hour)
	w.Drain(t.Context())
	if calls != 1 {
		t.Errorf("a 550 was tried %d times, want once", calls)
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig("smtps://user:s3cret@mail.example", "Shop <shop@example.com>")
	if err != nil || c.Host != "mail.example:465" || !c.TLS || c.Username != "user" || c.Password != "s3cret" || c.From.Address != "shop@example.com" {
		t.Fatalf("%+v, %v", c, err)
	}
	if c, err := ParseConfig("smtp://mail.example", "shop@example.com"); err != nil || c.Host != "mail.example:587" || c.TLS {
		t.Fatalf("%+v, %v", c, err)
	}
	for _, bad := range [][2]string{
		{"http://mail.example", "shop@example.com"},
		{"smtp://", "shop@example.com"},
		{"smtp://user:s3cret@mail.example:99999", "shop@example.com"},
		{"smtp://mail.example", ""},
		{"smtp://mail.example", "not an address"},
		{"smtp://mail.example", "shop@example.com\r\nBcc: x@example.com"},
	} {
		_, err := ParseConfig(bad[0], bad[1])
		if err == nil {
			t.Errorf("ParseConfig(%q, %q) accepted", bad[0], bad[1])
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the password is in the error: %v", err)
		}
	}
	if _, ok, err := ConfigFromEnv(func(string) string { return "" }); ok || err != nil {
		t.Error("mail is on without configuration")
	}
}

var textprotoError550 = textprotoErr(550, "no such user")

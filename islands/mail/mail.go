// Package mail sends order confirmations. An order's transaction queues
// its email in an outbox (shopper.Outbox); a Worker drains it, sending each
// through an SMTP relay configured by environment (WANDSTORE_SMTP_URL,
// WANDSTORE_SMTP_FROM), and retries with backoff when the relay refuses or
// is down, so the checkout never waits for mail nor fails because of it,
// and a relay that is down loses nothing. Off unless configured.
//
// A message is plain text and HTML (multipart/alternative), in the store's
// language; every text that comes from a shopper or a merchant is escaped
// in the HTML and stripped of control characters, and headers are encoded
// (RFC 2047), so a name with CR/LF never starts a header of its own.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/wandstore/wandstore/catalog/totals"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Environment variables.
const (
	EnvURL  = "WANDSTORE_SMTP_URL"  // smtp://user:pass@host:587 or smtps://user:pass@host:465
	EnvFrom = "WANDSTORE_SMTP_FROM" // the sender: shop@example.com or "Shop <shop@example.com>"
)

// Config is where and as whom mail is sent.
type Config struct {
	Host     string // host:port
	TLS      bool   // smtps: TLS from the first byte; smtp uses STARTTLS when offered
	Username string
	Password string
	From     *mail.Address
}

// ConfigFromEnv reads EnvURL and EnvFrom; ok is false (and err nil) when
// EnvURL is unset: email is off.
func ConfigFromEnv(getenv func(string) string) (Config, bool, error) {
	raw := getenv(EnvURL)
	if raw == "" {
		return Config{}, false, nil
	}
	c, err := ParseConfig(raw, getenv(EnvFrom))
	return c, err == nil, err
}

// ParseConfig checks an SMTP URL and a sender address. The URL is never
// repeated in an error: it may hold a password.
func ParseConfig(rawURL, from string) (Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return Config{}, fmt.Errorf("%s must be smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]", EnvURL)
	}
	c := Config{TLS: u.Scheme == "smtps"}
	port := u.Port()
	if port == "" {
		port = "587"
		if c.TLS {
			port = "465"
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Config{}, fmt.Errorf("%s: bad port", EnvURL)
	}
	c.Host = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if from == "" {
		return Config{}, fmt.Errorf("%s is required with %s", EnvFrom, EnvURL)
	}
	a, err := mail.ParseAddress(from)
	if err != nil || strings.ContainsAny(from, "\r\n") {
		return Config{}, fmt.Errorf("%s: %q is not an email address", EnvFrom, from)
	}
	c.From = a
	return c, nil
}

// clean drops control characters (CR, LF, ...) from a text headed for a
// message.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// Compose writes the confirmation of o as a complete message (headers and
// body) from cfg.From to the order's email, in site's language.
func Compose(site *components.Site, o *shopper.Order, from *mail.Address, now time.Time) ([]byte, error) {
	to, err := mail.ParseAddress(o.Email)
	if err != nil || to.Name != "" || strings.ContainsAny(o.Email, "\r\n") {
		return nil, fmt.Errorf("mail: order %s: bad recipient", o.Number)
	}
	t := site.T
	store := clean(site.Store.Name)
	name := clean(o.Address.Name)
	link := site.AbsURL(site.OrderPath(o.Token))
	var lines []mailLine
	for _, l := range o.Lines {
		title := clean(l.Title)
		if l.VariantTitle != "" {
			title += " (" + clean(l.VariantTitle) + ")"
		}
		lines = append(lines, mailLine{Title: title, Quantity: l.Quantity, Total: site.Money(l.UnitPrice.Times(l.Quantity))})
	}
	shipping := site.Money(o.Shipping.Amount)
	if o.Shipping.Amount.IsZero() {
		shipping = t("checkout.free")
	}
	taxLabel := ""
	if o.TaxRate > 0 {
		if o.TaxInclusive {
			taxLabel = t("checkout.tax_included", totals.FormatRate(o.TaxRate))
		} else {
			taxLabel = t("checkout.tax_added", totals.FormatRate(o.TaxRate))
		}
	}
	var addr []string
	for _, l := range o.Address.Lines(site.CountryName(o.Address.Country)) {
		if l = strings.TrimSpace(clean(l)); l != "" {
			addr = append(addr, l)
		}
	}
	d := mailData{
		Lang: site.Lang(), Hello: t("checkout.mail_hello", name), Intro: t("checkout.mail_intro"),
		NumberLabel: t("checkout.order_number"), Number: o.Number, Lines: lines,
		SubtotalLabel: t("checkout.subtotal"), Subtotal: site.Money(o.Subtotal),
		ShippingLabel: t("checkout.shipping") + " (" + clean(o.Shipping.Name) + ")", Shipping: shipping,
		TaxLabel: taxLabel, Tax: site.Money(o.Tax), TotalLabel: t("checkout.total"), Total: site.Money(o.Total),
		ShipToLabel: t("checkout.ship_to"), Address: addr,
		PaymentLabel: t("checkout.payment"), Payment: t("checkout.payment_invoice"),
		ViewLabel: t("checkout.mail_view"), Link: link, Signoff: t("checkout.mail_signoff"), Store: store,
	}
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, d); err != nil {
		return nil, err
	}
	if err := htmlTmpl.Execute(&html, d); err != nil {
		return nil, err
	}

	var b bytes.Buffer
	var rnd [12]byte
	rand.Read(rnd[:])
	host := "wandstore.invalid"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		host = from.Address[at+1:]
	}
	mw := multipart.NewWriter(&b)
	subject := t("checkout.mail_subject", o.Number, store)
	hdr := []struct{ k, v string }{
		{"From", (&mail.Address{Name: clean(from.Name), Address: from.Address}).String()},
		{"To", to.Address},
		{"Subject", mime.QEncoding.Encode("utf-8", clean(subject))},
		{"Date", now.UTC().Format(time.RFC1123Z)},
		{"Message-ID", "<" + hex.EncodeToString(rnd[:]) + "@" + host + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "multipart/alternative; boundary=" + mw.Boundary()},
	}
	var head bytes.Buffer
	for _, h := range hdr {
		fmt.Fprintf(&head, "%s: %s\r\n", h.k, h.v)
	}
	head.WriteString("\r\n")
	for _, part := range []struct {
		ctype string
		body  []byte
	}{{"text/plain; charset=utf-8", text.Bytes()}, {"text/html; charset=utf-8", html.Bytes()}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		qp.Write(part.body)
		qp.Close()
	}
	mw.Close()
	return append(head.Bytes(), b.Bytes()...), nil
}

type mailLine struct {
	Title    string
	Quantity int
	Total    string
}

type mailData struct {
	Lang, Hello, Intro, NumberLabel, Number                string
	Lines                                                  []mailLine
	SubtotalLabel, Subtotal, ShippingLabel, Shipping       string
	TaxLabel, Tax, TotalLabel, Total, ShipToLabel          string
	Address                                                []string
	PaymentLabel, Payment, ViewLabel, Link, Signoff, Store string
}

var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`{{.Hello}}

{{.Intro}}

{{.NumberLabel}} {{.Number}}

{{range .Lines}}{{.Quantity}} × {{.Title}}    {{.Total}}
{{end}}
{{.SubtotalLabel}}: {{.Subtotal}}
{{.ShippingLabel}}: {{.Shipping}}
{{if .TaxLabel}}{{.TaxLabel}}: {{.Tax}}
{{end}}{{.TotalLabel}}: {{.Total}}

{{.ShipToLabel}}:
{{range .Address}}{{.}}
{{end}}
{{.PaymentLabel}}: {{.Payment}}

{{.ViewLabel}}
{{.Link}}

{{.Signoff}}
{{.Store}}
`))

var htmlTmpl = template.Must(template.New("html").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Number}}</title></head>
<body style="font-family:sans-serif;line-height:1.5">
<p>{{.Hello}}</p>
<p>{{.Intro}}</p>
<p><strong>{{.NumberLabel}} {{.Number}}</strong></p>
<table cellpadding="4">
{{range .Lines}}<tr><td>{{.Quantity}} ×</td><td>{{.Title}}</td><td align="right">{{.Total}}</td></tr>
{{end}}<tr><td></td><td>{{.SubtotalLabel}}</td><td align="right">{{.Subtotal}}</td></tr>
<tr><td></td><td>{{.ShippingLabel}}</td><td align="right">{{.Shipping}}</td></tr>
{{if .TaxLabel}}<tr><td></td><td>{{.TaxLabel}}</td><td align="right">{{.Tax}}</td></tr>
{{end}}<tr><td></td><td><strong>{{.TotalLabel}}</strong></td><td align="right"><strong>{{.Total}}</strong></td></tr>
</table>
<p><strong>{{.ShipToLabel}}</strong><br>{{range .Address}}{{.}}<br>{{end}}</p>
<p>{{.PaymentLabel}}: {{.Payment}}</p>
<p>{{.ViewLabel}} <a href="{{.Link}}">{{.Link}}</a></p>
<p>{{.Signoff}}<br>{{.Store}}</p>
</body></html>
`))

// Send delivers msg to one recipient through the relay, within ctx.
func Send(ctx context.Context, cfg Config, to string, msg []byte) error {
	d := net.Dialer{}
	host, _, _ := net.SplitHostPort(cfg.Host)
	var conn net.Conn
	var err error
	if cfg.TLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", cfg.Host)
	} else {
		conn, err = d.DialContext(ctx, "tcp", cfg.Host)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !cfg.TLS {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(cfg.From.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// permanent reports an SMTP 5xx answer: trying again will not help.
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code < 600
}

// Worker drains the outbox.
type Worker struct {
	Outbox shopper.Outbox
	Config Config
	// Sites finds a store's site (its language, name and URLs); nil when
	// the store is no longer served (the email waits).
	Sites func(store string) *components.Site
	Log   *slog.Logger
	// Every is how often the outbox is polled; default 2 s.
	Every time.Duration
	// MaxAttempts before giving up; default 12 (about 34 hours of backoff).
	MaxAttempts int
	Now         func() time.Time
	// send replaces Send in tests.
	send func(ctx context.Context, cfg Config, to string, msg []byte) error
}

// lease is how long a claimed email is held before another member may
// try it (a member that died mid-send).
const lease = 2 * time.Minute

// Backoff is the wait before attempt n+1 after n failed: 30 s doubling,
// at most 6 hours.
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Run polls until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	every := w.Every
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		w.Drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Drain sends what is due now; it returns how many were sent.
func (w *Worker) Drain(ctx context.Context) int {
	now := w.now()
	log := w.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	due, err := w.Outbox.ClaimEmails(ctx, now, lease, 20)
	if err != nil {
		log.Warn("mail: outbox", "err", err)
	}
	sent := 0
	for _, e := range due {
		o := e.Order
		err := w.sendOne(ctx, o)
		if err == nil {
			sent++
			if err := w.Outbox.EmailSent(ctx, o.ID, w.now()); err != nil {
				log.Warn("mail: mark sent", "order", o.Number, "err", err)
			}
			log.Info("mail: order confirmation sent", "store", o.Store, "order", o.Number)
			continue
		}
		max := w.MaxAttempts
		if max <= 0 {
			max = 12
		}
		next := w.now().Add(Backoff(e.Attempts))
		if permanent(err) || e.Attempts >= max {
			next = time.Time{}
		}
		log.Warn("mail: order confirmation not sent", "store", o.Store, "order", o.Number, "attempt", e.Attempts, "retry", !next.IsZero(), "err", err)
		if err := w.Outbox.EmailFailed(ctx, o.ID, next, err.Error()); err != nil {
			log.Warn("mail: mark failed", "order", o.Number, "err", err)
		}
	}
	return sent
}

func (w *Worker) sendOne(ctx context.Context, o *shopper.Order) error {
	site := w.Sites(o.Store)
	if site == nil {
		return errors.New("store not served")
	}
	msg, err := Compose(site, o, w.Config.From, w.now())
	if err != nil {
		return &textproto.Error{Code: 550, Msg: err.Error()} // will never compose: give up
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	send := w.send
	if send == nil {
		send = Send
	}
	return send(ctx, w.Config, o.Email, msg)
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

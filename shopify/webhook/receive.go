package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Path is where Shopify is told to deliver.
const Path = "/webhooks/shopify"

// DefaultMaxBody bounds a delivery's body. Shopify's catalog payloads are
// a few to a few hundred KiB (a product with many variants and images).
const DefaultMaxBody = 1 << 20

// maxHeader bounds each recorded header value.
const maxHeader = 255

// The headers Shopify sends with a delivery.
const (
	HeaderHmac        = "X-Shopify-Hmac-Sha256"
	HeaderTopic       = "X-Shopify-Topic"
	HeaderShopDomain  = "X-Shopify-Shop-Domain"
	HeaderWebhookID   = "X-Shopify-Webhook-Id"
	HeaderEventID     = "X-Shopify-Event-Id"
	HeaderTriggeredAt = "X-Shopify-Triggered-At"
	HeaderAPIVersion  = "X-Shopify-API-Version"
)

// ReceiverOptions configure NewReceiver.
type ReceiverOptions struct {
	// Secrets are the app's client secrets (from the environment, never
	// logged): a delivery signed with any of them is accepted. During a
	// rotation pass the current and the previous one; afterwards only the
	// current. At least one, none empty.
	Secrets [][]byte
	// MaxBody bounds the body; larger gets 413. Default DefaultMaxBody.
	MaxBody int64
	// Shop, when set, says whether a shop domain is one of ours; a
	// delivery for another shop is answered 200 and dropped (it is
	// correctly signed: it is some shop that installed the app).
	Shop func(domain string) bool
	// Log receives dropped deliveries and storage errors. Default: the
	// queue's.
	Log *slog.Logger
	// Recorded, when set, is called after a delivery is recorded, for the
	// worker of another process (the cluster's leader) to wake, as Notify
	// wakes this one's. It must not block for long.
	Recorded func()
	// Limit bounds the posts of one source, in this process, before a body
	// is read or a signature computed; past it the answer is 429 with
	// Retry-After. Zero fields take DefaultSourceLimit's.
	Limit SourceLimit
	// Source names the sender of a post for Limit. Default: the
	// connection's address, an IPv6 one by its /64; behind a proxy, pass
	// what names the client (the islands' ClientIP and ClientKey).
	Source func(*http.Request) string
}

// Receiver is the http.Handler for POST /webhooks/shopify (it answers
// whatever path it is mounted on). It verifies the signature, records the
// delivery in the queue in one statement, wakes the worker and answers
// 200: it never waits for the delivery to be processed.
//
// Answers: 405 for a method other than POST; 429 with Retry-After for a
// source over its limit (ReceiverOptions.Limit), whose body is never read
// and whose connection is closed; 413 for a body over MaxBody;
// 401 for a missing or wrong signature; 400 for a signed delivery without
// its topic, shop or webhook id headers, or whose body is not JSON; 200
// for a recorded delivery, a duplicate (same webhook id, or same event
// id) and a topic or shop that is not ours; 500 if the database failed
// (Shopify retries). Nothing is recorded except on the first 200.
type Receiver struct {
	q        *Queue
	secrets  [][]byte
	maxBody  int64
	shop     func(string) bool
	log      *slog.Logger
	recorded func()
	limit    *sourceLimiter
	source   func(*http.Request) string
	macs     atomic.Int64 // signatures computed: tests count them
}

var _ http.Handler = (*Receiver)(nil)

// NewReceiver returns a Receiver recording into q. It returns an error if
// there is no secret or one is empty.
func NewReceiver(q *Queue, opts ReceiverOptions) (*Receiver, error) {
	if q == nil {
		return nil, errors.New("webhook: receiver: nil queue")
	}
	if len(opts.Secrets) == 0 {
		return nil, errors.New("webhook: receiver: no secret")
	}
	secrets := make([][]byte, len(opts.Secrets))
	for i, s := range opts.Secrets {
		if len(s) == 0 {
			return nil, errors.New("webhook: receiver: empty secret")
		}
		secrets[i] = append([]byte(nil), s...)
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Log == nil {
		opts.Log = q.log
	}
	if opts.Source == nil {
		opts.Source = peerSource
	}
	return &Receiver{
		q: q, secrets: secrets, maxBody: opts.MaxBody, shop: opts.Shop, log: opts.Log, recorded: opts.Recorded,
		limit: newSourceLimiter(opts.Limit, q.now), source: opts.Source,
	}, nil
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if wait, ok := rc.limit.allow(rc.source(r)); !ok {
		// Before anything costs: the body stays unread, and the
		// connection is closed rather than drained for reuse.
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		w.Header().Set("Connection", "close")
		rc.q.note("", Limited, 0)
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	if r.ContentLength > rc.maxBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rc.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !rc.verify(r.Header.Get(HeaderHmac), body) {
		rc.q.note(strings.ToLower(strings.TrimSpace(r.Header.Get(HeaderShopDomain))), Rejected, 0)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}

	h := r.Header
	d := Delivery{
		WebhookID: h.Get(HeaderWebhookID),
		EventID:   h.Get(HeaderEventID),
		Topic:     h.Get(HeaderTopic),
		// Domains are case-insensitive: one shop is one key, for the
		// queue's per-shop order and for the versions that keep a stale
		// delivery out, however the header is spelt.
		Shop:       strings.ToLower(strings.TrimSpace(h.Get(HeaderShopDomain))),
		APIVersion: h.Get(HeaderAPIVersion),
		Body:       body,
	}
	if d.WebhookID == "" || d.Topic == "" || d.Shop == "" ||
		len(d.WebhookID) > maxHeader || len(d.EventID) > maxHeader || len(d.Topic) > maxHeader ||
		len(d.Shop) > maxHeader || len(d.APIVersion) > maxHeader {
		http.Error(w, "missing or oversized Shopify headers", http.StatusBadRequest)
		return
	}
	if t, err := time.Parse(time.RFC3339Nano, h.Get(HeaderTriggeredAt)); err == nil {
		d.TriggeredAt = normTime(t)
	}
	if !Supported(d.Topic) {
		rc.log.Info("webhook: topic ignored", "topic", d.Topic, "shop", d.Shop, "webhook_id", d.WebhookID)
		w.WriteHeader(http.StatusOK)
		return
	}
	if rc.shop != nil && !rc.shop(d.Shop) {
		rc.log.Info("webhook: shop ignored", "topic", d.Topic, "shop", d.Shop, "webhook_id", d.WebhookID)
		w.WriteHeader(http.StatusOK)
		return
	}
	if !json.Valid(body) {
		http.Error(w, "body is not JSON", http.StatusBadRequest)
		return
	}
	added, err := rc.q.enqueue(r.Context(), &d)
	if err != nil {
		rc.log.Error("webhook: record failed", "topic", d.Topic, "shop", d.Shop, "webhook_id", d.WebhookID, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if added {
		rc.q.note(d.Shop, Received, 0)
		rc.q.Notify()
		if rc.recorded != nil {
			rc.recorded()
		}
	} else {
		rc.log.Debug("webhook: duplicate", "topic", d.Topic, "shop", d.Shop, "webhook_id", d.WebhookID, "event_id", d.EventID)
	}
	w.WriteHeader(http.StatusOK)
}

// verify reports whether sig is the base64 HMAC-SHA256 of body under one
// of the secrets. The MACs are compared in constant time; every secret is
// tried, so the time says nothing about which matched.
func (rc *Receiver) verify(sig string, body []byte) bool {
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	ok := false
	rc.macs.Add(1)
	for _, s := range rc.secrets {
		m := hmac.New(sha256.New, s)
		m.Write(body)
		if hmac.Equal(m.Sum(nil), got) {
			ok = true
		}
	}
	return ok
}

// Sign returns the X-Shopify-Hmac-Sha256 value for body under secret, as
// Shopify computes it (for tests and tools that send deliveries).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// enqueue records d as queued, due now, unless a delivery with its
// webhook id or event id is already recorded; it reports whether d was
// added. One INSERT: atomic, and committed when it returns.
func (q *Queue) enqueue(ctx context.Context, d *Delivery) (bool, error) {
	now := q.clock()
	d.ReceivedAt, d.NextAttemptAt = now, now
	d.Status, d.Attempts, d.LastError = StatusQueued, 0, ""
	// No conflict target: either unique key (webhook_id, event_id) makes
	// it a duplicate. Returning("NULL") stops Bun asking for the id back,
	// which a skipped row would not have.
	res, err := q.db.NewInsert().Model(d).ExcludeColumn("id").On("CONFLICT DO NOTHING").
		Returning("NULL").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("webhook: record: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("webhook: record: %w", err)
	}
	return n == 1, nil
}

// Package webhook takes Shopify's catalog webhooks in: a Receiver that
// verifies and durably records each delivery and answers at once, a Queue
// whose worker hands the recorded deliveries to a handler (the
// regenerator) at least once, in order of arrival per shop, retrying with
// backoff, and Versions, which tells the handler whether a change is
// newer than what it already applied (deliveries arrive late, twice and
// out of order).
//
// The tables live in the database the caller opens (the same SQLite file
// as the shopper store, or PostgreSQL): every query goes through Bun's
// query builder, and deduplication is INSERT ... ON CONFLICT DO NOTHING,
// which both dialects understand.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/internal/retry"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// Status is where a delivery is in the queue.
type Status string

const (
	// StatusQueued: waiting for the worker, or for its next attempt.
	StatusQueued Status = "queued"
	// StatusDone: the handler returned nil.
	StatusDone Status = "done"
	// StatusFailed: the handler failed MaxAttempts times (or returned
	// ErrPermanent); the delivery is kept for inspection and not retried.
	// Reconciliation repairs what it would have changed.
	StatusFailed Status = "failed"
)

// The topics the receiver records. Any other topic is answered 200 and
// dropped, so Shopify does not retry it.
const (
	TopicProductsCreate        = "products/create"
	TopicProductsUpdate        = "products/update"
	TopicProductsDelete        = "products/delete"
	TopicCollectionsCreate     = "collections/create"
	TopicCollectionsUpdate     = "collections/update"
	TopicCollectionsDelete     = "collections/delete"
	TopicInventoryLevelsUpdate = "inventory_levels/update"
)

var topics = map[string]bool{
	TopicProductsCreate: true, TopicProductsUpdate: true, TopicProductsDelete: true,
	TopicCollectionsCreate: true, TopicCollectionsUpdate: true, TopicCollectionsDelete: true,
	TopicInventoryLevelsUpdate: true,
}

// Supported reports whether the receiver records topic.
func Supported(topic string) bool { return topics[topic] }

// Delivery is one recorded webhook delivery.
type Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:d"`

	// ID orders deliveries by arrival.
	ID int64 `bun:"id,pk,autoincrement"`
	// WebhookID is X-Shopify-Webhook-Id: the same for every retry of one
	// delivery.
	WebhookID string `bun:"webhook_id,notnull"`
	// EventID is X-Shopify-Event-Id, empty when absent: the same for the
	// deliveries of one event to several subscriptions.
	EventID    string `bun:"event_id,nullzero"`
	Topic      string `bun:"topic,notnull"`
	Shop       string `bun:"shop,notnull"` // X-Shopify-Shop-Domain
	APIVersion string `bun:"api_version,notnull"`
	// TriggeredAt is X-Shopify-Triggered-At; zero when absent or
	// unparsable.
	TriggeredAt time.Time `bun:"triggered_at,nullzero"`
	// Body is the raw, verified request body (JSON).
	Body       []byte    `bun:"body,notnull"`
	ReceivedAt time.Time `bun:"received_at,notnull"`

	Status Status `bun:"status,notnull"`
	// Attempts counts the handler calls that finished (with or without
	// error).
	Attempts      int       `bun:"attempts,notnull"`
	LastError     string    `bun:"last_error,notnull"`
	NextAttemptAt time.Time `bun:"next_attempt_at,notnull"`
	// DoneAt is when the delivery became done or failed.
	DoneAt time.Time `bun:"done_at,nullzero"`
}

// Options configure Open. The zero value is usable.
type Options struct {
	// Now is the clock for received_at and the retry schedule. Default
	// time.Now. The worker's sleeps are real time: tests that exercise
	// retries shorten Backoff rather than fake the clock.
	Now func() time.Time
	// Log receives migration notices, ignored deliveries and handler
	// failures. Default: discard.
	Log *slog.Logger
	// MaxAttempts is how many times the handler is tried before a
	// delivery is marked failed. Default 8.
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (n from 1).
	// Default: 1 s doubling, capped at 10 min (with 8 attempts, about 4
	// minutes in all).
	Backoff func(n int) time.Duration
	// HandlerTimeout bounds one handler call. Default 2 min.
	HandlerTimeout time.Duration
	// Poll is the longest the idle worker sleeps without a Notify, so
	// deliveries recorded by another process are found. Default 2 s.
	Poll time.Duration
	// Observe, when set, is told what happens to deliveries, for the
	// operator's dashboard: "received" (recorded, not a duplicate),
	// "rejected" (a bad signature: shop is the unverified header),
	// "limited" (refused by the rate limit, shop ""), and each outcome
	// of an attempt: "applied" (with lag, from received to applied),
	// "retried" or "failed". It must not block.
	Observe func(shop, outcome string, lag time.Duration)
}

// Outcomes told to Options.Observe.
const (
	Received = "received"
	Rejected = "rejected"
	Limited  = "limited"
	Applied  = "applied"
	Retried  = "retried"
	Failed   = "failed"
)

// Queue is the durable queue of deliveries. It is safe for concurrent use;
// Run must be running in one place only (see Run).
type Queue struct {
	db      *bun.DB
	now     func() time.Time
	log     *slog.Logger
	max     int
	backoff func(int) time.Duration
	timeout time.Duration
	poll    time.Duration
	wake    chan struct{}
	running atomic.Bool // Run is running
	observe func(shop, outcome string, lag time.Duration)
}

// note tells Options.Observe, if set, of an outcome.
func (q *Queue) note(shop, outcome string, lag time.Duration) {
	if q.observe != nil {
		q.observe(shop, outcome, lag)
	}
}

// Open migrates this package's tables in db and returns the queue. db is
// the caller's, and stays open after the queue is done with (the caller
// closes it): the islands database's writer, store.DB.Writer, so the
// process keeps one writer.
func Open(ctx context.Context, db *bun.DB, opts Options) (*Queue, error) {
	if db == nil {
		return nil, errors.New("webhook: open: nil database")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Backoff == nil {
		opts.Backoff = defaultBackoff
	}
	if opts.HandlerTimeout <= 0 {
		opts.HandlerTimeout = 2 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	q := &Queue{
		db: db, now: opts.Now, log: opts.Log, max: opts.MaxAttempts, backoff: opts.Backoff,
		timeout: opts.HandlerTimeout, poll: opts.Poll, wake: make(chan struct{}, 1), observe: opts.Observe,
	}
	if err := migrateUp(ctx, db, opts.Log); err != nil {
		return nil, err
	}
	return q, nil
}

func defaultBackoff(n int) time.Duration { return retry.Exponential(n, time.Second, 10*time.Minute, 0) }

// clock is the current time as stored: UTC, microseconds (Bun's
// precision), so stored and compared values agree.
func (q *Queue) clock() time.Time { return normTime(q.now()) }

func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Versions returns the staleness bookkeeping on the queue's database.
func (q *Queue) Versions() *Versions { return &Versions{db: q.db} }

// Delivery returns the delivery recorded under webhookID, or ErrNotFound.
func (q *Queue) Delivery(ctx context.Context, webhookID string) (Delivery, error) {
	var d Delivery
	err := q.db.NewSelect().Model(&d).Where("webhook_id = ?", webhookID).Scan(ctx)
	if err != nil {
		return Delivery{}, notFound(err, "delivery")
	}
	return d, nil
}

// Counts returns how many deliveries are in each status (for health and
// metrics).
func (q *Queue) Counts(ctx context.Context) (map[Status]int, error) {
	var rows []struct {
		Status Status `bun:"status"`
		N      int    `bun:"n"`
	}
	err := q.db.NewSelect().Model((*Delivery)(nil)).Column("status").ColumnExpr("COUNT(*) AS n").
		Group("status").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("webhook: counts: %w", err)
	}
	out := map[Status]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// Prune deletes done and failed deliveries received before cutoff and
// returns how many. Keep them longer than Shopify retries a delivery
// (48 hours), or a late retry is recorded again (harmless: Versions
// refuses it).
func (q *Queue) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := q.db.NewDelete().Model((*Delivery)(nil)).
		Where("status IN (?)", bun.List([]Status{StatusDone, StatusFailed})).
		Where("received_at < ?", normTime(cutoff)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("webhook: prune: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ErrNotFound is returned by lookups of something not recorded.
var ErrNotFound = errors.New("webhook: not found")

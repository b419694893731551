package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Handler applies one delivery. It is called at least once per delivery
// (again after a crash between its return and the bookkeeping), so it
// must be idempotent: Versions makes the catalog part so. Returning an
// error schedules a retry; an error wrapping ErrPermanent fails the
// delivery at once.
type Handler func(ctx context.Context, d Delivery) error

// ErrPermanent, wrapped in a handler's error, says retrying cannot help
// (say, a payload that does not parse): the delivery is marked failed.
var ErrPermanent = errors.New("webhook: permanent failure")

// Notify wakes the worker: a delivery was recorded. It never blocks.
func (q *Queue) Notify() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run hands queued deliveries to h until ctx is done, then returns nil.
// Deliveries left queued by an earlier run (a crash, a restart) are picked
// up first.
//
// Order: per shop, in order of arrival — a shop's next delivery waits
// until the one before it is done or failed, retries included. Among
// shops, the delivery due first goes first. Deliveries are handled one at
// a time.
//
// Run must run in one place per database: there is no lease on a
// delivery being handled, so two workers would hand it out twice (still
// at-least-once, but out of order).
//
// Database errors do not stop Run: it logs them and tries again after a
// pause. It returns an error only for a nil handler or if Run is already
// running on this Queue.
func (q *Queue) Run(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("webhook: run: nil handler")
	}
	if !q.running.CompareAndSwap(false, true) {
		return errors.New("webhook: run: already running")
	}
	defer q.running.Store(false)
	for {
		if ctx.Err() != nil {
			return nil
		}
		d, wait, err := q.next(ctx)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			q.log.Error("webhook: worker: reading the queue", "err", err)
			wait = time.Second
		case d != nil:
			if err := q.handle(ctx, h, d); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				q.log.Error("webhook: worker: recording a result", "webhook_id", d.WebhookID, "err", err)
				wait = time.Second
			} else {
				continue
			}
		}
		t := time.NewTimer(min(wait, q.poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-q.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// next returns the oldest due delivery among each shop's oldest queued
// one, or nil and how long until one is due (q.poll if none is queued).
func (q *Queue) next(ctx context.Context) (*Delivery, time.Duration, error) {
	now := q.clock()
	// Each shop's oldest queued delivery: one pass over the queued part
	// of the (status, shop, id) index.
	heads := q.db.NewSelect().Model((*Delivery)(nil)).ModelTableExpr("webhook_deliveries AS h").
		ColumnExpr("MIN(h.id)").Where("h.status = ?", StatusQueued).GroupExpr("h.shop")
	var ds []Delivery
	err := q.db.NewSelect().Model(&ds).Where("d.id IN (?)", heads).
		OrderExpr("d.next_attempt_at ASC, d.id ASC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("webhook: next: %w", err)
	}
	if len(ds) == 0 {
		return nil, q.poll, nil
	}
	d := ds[0]
	if due := d.NextAttemptAt.Sub(now); due > 0 {
		return nil, due, nil
	}
	return &d, 0, nil
}

// handle calls h with d and records the outcome.
func (q *Queue) handle(ctx context.Context, h Handler, d *Delivery) error {
	herr := q.call(ctx, h, *d)
	if herr != nil && ctx.Err() != nil {
		// Stopped mid-delivery: not the delivery's fault, and it stays
		// queued for the next run.
		return ctx.Err()
	}
	now := q.clock()
	attempts := d.Attempts + 1
	upd := q.db.NewUpdate().Model((*Delivery)(nil)).Where("id = ?", d.ID).
		Set("attempts = ?", attempts)
	switch {
	case herr == nil:
		upd.Set("status = ?", StatusDone).Set("done_at = ?", now).Set("last_error = ?", "")
	case errors.Is(herr, ErrPermanent) || attempts >= q.max:
		q.log.Error("webhook: delivery failed", "topic", d.Topic, "shop", d.Shop, "webhook_id", d.WebhookID,
			"attempts", attempts, "err", herr)
		upd.Set("status = ?", StatusFailed).Set("done_at = ?", now).Set("last_error = ?", truncate(herr.Error()))
	default:
		wait := q.backoff(attempts)
		q.log.Warn("webhook: delivery will be retried", "topic", d.Topic, "shop", d.Shop, "webhook_id", d.WebhookID,
			"attempts", attempts, "in", wait, "err", herr)
		upd.Set("next_attempt_at = ?", normTime(now.Add(wait))).Set("last_error = ?", truncate(herr.Error()))
	}
	// The result is recorded even if ctx ended meanwhile: the handler's
	// work is done and should not be repeated for nothing.
	if _, err := upd.Exec(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("webhook: record result: %w", err)
	}
	return nil
}

// call runs h with a deadline, turning a panic into an error.
func (q *Queue) call(ctx context.Context, h Handler, d Delivery) (err error) {
	ctx, cancel := context.WithTimeout(ctx, q.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(ctx, d)
}

func truncate(s string) string {
	const limit = 1000
	if len(s) > limit {
		return s[:limit]
	}
	return s
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("webhook: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("webhook: %s: %w", what, err)
}

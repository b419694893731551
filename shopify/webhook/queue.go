package webhook

import (
	"cmp"
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

// BatchHandler applies deliveries of one shop, in order, as one change,
// and returns one result per delivery (as a Handler's). ErrNotAttempted
// says a delivery was not tried (one before it failed): it stays queued,
// its attempts unchanged.
type BatchHandler func(ctx context.Context, ds []Delivery) []error

// ErrNotAttempted: see BatchHandler.
var ErrNotAttempted = errors.New("webhook: not attempted")

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
	return q.RunBatch(ctx, func(ctx context.Context, ds []Delivery) []error { return []error{h(ctx, ds[0])} }, 1)
}

// RunBatch is Run handing h up to size deliveries at a time: the due head
// of a shop's queue and the shop's deliveries queued behind it, in order,
// so a burst (a bulk edit of thousands of products) is applied as a few
// changes rather than one by one. Order, retries and results are Run's,
// per delivery.
func (q *Queue) RunBatch(ctx context.Context, h BatchHandler, size int) error {
	if h == nil {
		return errors.New("webhook: run: nil handler")
	}
	size = cmp.Or(size, 1)
	if !q.running.CompareAndSwap(false, true) {
		return errors.New("webhook: run: already running")
	}
	defer q.running.Store(false)
	for {
		if ctx.Err() != nil {
			return nil
		}
		d, wait, err := q.next(ctx)
		var ds []Delivery
		if err == nil && d != nil {
			ds, err = q.batch(ctx, d, size)
		}
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			q.log.Error("webhook: worker: reading the queue", "err", err)
			wait = time.Second
		case len(ds) > 0:
			if err := q.handle(ctx, h, ds); err != nil {
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

// batch returns head and the deliveries of its shop queued behind it, in
// order, up to size in all, stopping at the first one not yet due.
func (q *Queue) batch(ctx context.Context, head *Delivery, size int) ([]Delivery, error) {
	if size <= 1 {
		return []Delivery{*head}, nil
	}
	var ds []Delivery
	err := q.db.NewSelect().Model(&ds).
		Where("d.status = ? AND d.shop = ? AND d.id >= ?", StatusQueued, head.Shop, head.ID).
		OrderExpr("d.id ASC").Limit(int64(size)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("webhook: batch: %w", err)
	}
	now := q.clock()
	for i, d := range ds {
		if d.NextAttemptAt.After(now) {
			ds = ds[:i]
			break
		}
	}
	if len(ds) == 0 || ds[0].ID != head.ID {
		return []Delivery{*head}, nil
	}
	return ds, nil
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

// handle calls h with ds and records each outcome.
func (q *Queue) handle(ctx context.Context, h BatchHandler, ds []Delivery) error {
	herrs := q.call(ctx, h, ds)
	for i := range ds {
		if herrs[i] != nil && ctx.Err() != nil {
			// Stopped mid-delivery: not the delivery's fault, and it stays
			// queued for the next run.
			return ctx.Err()
		}
		if err := q.record(ctx, &ds[i], herrs[i]); err != nil {
			return err
		}
	}
	return nil
}

// record writes the outcome of one delivery.
func (q *Queue) record(ctx context.Context, d *Delivery, herr error) error {
	if errors.Is(herr, ErrNotAttempted) {
		return nil
	}
	now := q.clock()
	attempts := d.Attempts + 1
	var (
		outcome string
		lag     time.Duration
	)
	upd := q.db.NewUpdate().Model((*Delivery)(nil)).Where("id = ?", d.ID).
		Set("attempts = ?", attempts)
	switch {
	case herr == nil:
		outcome, lag = Applied, now.Sub(d.ReceivedAt)
		upd.Set("status = ?", StatusDone).Set("done_at = ?", now).Set("last_error = ?", "")
	case errors.Is(herr, ErrPermanent) || attempts >= q.max:
		q.log.Error("webhook: delivery failed", "topic", d.Topic, "shop", d.Shop, "webhook_id", d.WebhookID,
			"attempts", attempts, "err", herr)
		outcome = Failed
		upd.Set("status = ?", StatusFailed).Set("done_at = ?", now).Set("last_error = ?", truncate(herr.Error()))
	default:
		outcome = Retried
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
	q.note(d.Shop, outcome, lag)
	return nil
}

// call runs h with a deadline, turning a panic into an error for every
// delivery, and a result of the wrong length into one.
func (q *Queue) call(ctx context.Context, h BatchHandler, ds []Delivery) (errs []error) {
	ctx, cancel := context.WithTimeout(ctx, q.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			errs = make([]error, len(ds))
			for i := range errs {
				errs[i] = fmt.Errorf("handler panicked: %v", p)
			}
		}
	}()
	errs = h(ctx, ds)
	if len(errs) != len(ds) {
		err := fmt.Errorf("handler returned %d results for %d deliveries", len(errs), len(ds))
		errs = make([]error, len(ds))
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
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

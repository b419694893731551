package regen

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/cdnpurge"
	"github.com/wandstore/wandstore/islands/store"
	"github.com/wandstore/wandstore/ops"
)

// DefaultReconcileEvery is how often the leader re-reads its Shopify-backed
// stores to repair what a lost webhook missed.
const DefaultReconcileEvery = 15 * time.Minute

// Batch is how many of a shop's queued deliveries the worker applies as one
// change: a bulk edit of thousands of products is published in a few
// renders instead of one each, while a batch's broadcast to the other
// members stays a few MB at most.
const Batch = 500

// wakeChannel is the pub/sub channel on which a member that recorded a
// delivery wakes the leader's worker (Queued).
const wakeChannel = "wandstore.webhooks.queued"

// leaderRole is the role of the one member that applies webhook deliveries
// and reconciles: every member records deliveries, one applies them.
const leaderRole = "shopify-webhooks"

// leadRetry is how often a member that does not lead tries to.
const leadRetry = time.Second

// Leader takes a role that one member at a time holds (store.DB: a
// PostgreSQL advisory lock; with SQLite, always this member).
type Leader interface {
	TryLead(ctx context.Context, role string) (*store.Lead, bool, error)
}

// start is New's part that touches the world: it publishes each of
// Options.Stores as loaded (a full plan against the manifest, which renders
// what the build left out of date), seeds the versions from them as of
// Options.LoadedAt, and subscribes to the other members' changes and, with
// a Queue, to their wake-ups of the worker.
func (r *Regen) start(ctx context.Context) error {
	for _, h := range r.opts.Stores {
		x, ok := r.opts.Catalogs.Get(h)
		if !ok {
			continue
		}
		sum, err := r.opts.Live.Update(ctx, x.Store)
		if err != nil {
			return fmt.Errorf("store %s: publish: %w", h, err)
		}
		r.log.Info("store published", "store", h, "rendered", sum.Rendered, "written", sum.Written, "took", sum.Duration.Round(time.Millisecond))
		r.recordPublish(h, sum, "at the server's start")
	}
	// What the catalogs loaded at the start say is published: a delivery
	// older than that (a retry after downtime) must not roll it back.
	for _, h := range r.opts.Stores {
		x, ok := r.opts.Catalogs.Get(h)
		if !ok {
			continue
		}
		if err := r.Seed(ctx, x.Store, r.opts.LoadedAt); err != nil {
			return err
		}
	}
	if r.opts.Bus == nil {
		return nil
	}
	err := r.opts.Bus.Subscribe(r.ctx, Channel, func(data []byte) { Receive(r.opts.Catalogs, r.opts.SiteURL, r.log, data) })
	if err != nil {
		return err
	}
	if r.opts.Queue != nil {
		if err := r.opts.Bus.Subscribe(r.ctx, wakeChannel, func([]byte) { r.opts.Queue.Notify() }); err != nil {
			return err
		}
	}
	return nil
}

// Queued tells the leader's worker, wherever it runs, that a delivery was
// recorded (webhook.ReceiverOptions.Recorded); the worker also polls, in
// case this is lost. Without a Bus it does nothing.
func (r *Regen) Queued() {
	if r.opts.Bus == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	if _, err := r.opts.Bus.Publish(ctx, wakeChannel, []byte("queued")); err != nil {
		r.log.Debug("webhook: could not wake the leader", "err", err)
	}
}

// Run runs the CDN purges (with a Purger) and, while this member leads,
// the webhook worker (with a Queue) and the periodic reconciliation, until
// ctx is done or Close is called.
func (r *Regen) Run(ctx context.Context) {
	r.runMu.Lock()
	if r.ctx.Err() != nil {
		r.runMu.Unlock()
		return
	}
	r.running.Add(1)
	r.runMu.Unlock()
	defer r.running.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(r.ctx, cancel)()
	var wg sync.WaitGroup
	if r.purges != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.purge(ctx)
		}()
	}
	if len(r.opts.Stores) > 0 && r.opts.Leader != nil {
		r.lead(ctx)
	}
	<-ctx.Done()
	wg.Wait()
}

// Close stops Run and the subscriptions, waits for Run to return, and
// writes Live's manifests.
func (r *Regen) Close() error {
	r.runMu.Lock()
	r.stop()
	r.runMu.Unlock()
	r.running.Wait()
	return r.opts.Live.Flush()
}

// published is told of each change published: it queues the change's URLs
// for the CDN purge and calls Options.Published.
func (r *Regen) published(ctx context.Context, store string, sum *generator.Summary) {
	if r.purges != nil && (len(sum.Changed) > 0 || len(sum.Removed) > 0) {
		select {
		case r.purges <- sum:
		default:
			r.log.Warn("CDN purge backlog full: this change's URLs are not purged (wandgen build --force --purge-endpoint catches up)", "store", store)
		}
	}
	if r.opts.Published != nil {
		r.opts.Published(ctx, store, sum)
	}
}

// purge purges the published changes from the CDN, one at a time, off the
// worker's path.
func (r *Regen) purge(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case sum := <-r.purges:
			pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			st, err := cdnpurge.PurgeSummary(pctx, r.opts.Purger, r.opts.SiteURL, sum)
			cancel()
			if err != nil {
				r.log.Error("CDN purge failed: the pages are published, the CDN may serve old copies until they expire", "err", err)
			} else {
				r.log.Info("CDN purged", "urls", st.URLs, "requests", st.Requests)
			}
		}
	}
}

// lead runs, while this member holds the leader's role (one member of those
// sharing the database; with SQLite, this one), the periodic reconciliation
// and, when this member takes webhooks, their worker. On taking the role it
// first reconciles every store: its own catalogs and manifests may be behind
// what the previous leader published (not when it takes the role at the
// start: its catalogs were just read). It stops acting the moment the role
// may be lost (the database connection that holds it failed), and tries to
// take it again.
func (r *Regen) lead(ctx context.Context) {
	every := r.opts.ReconcileEvery
	// Taken at the start, the role needs no catch-up: the catalogs were
	// just read from the shops.
	fresh := true
	for ctx.Err() == nil {
		l, ok, err := r.opts.Leader.TryLead(ctx, leaderRole)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("could not take the webhook leader's role", "err", err)
		}
		if !ok {
			fresh = false
			select {
			case <-ctx.Done():
				return
			case <-time.After(leadRetry):
			}
			continue
		}
		r.log.Info("this member leads: it applies webhook deliveries and reconciles")
		r.opts.Ops.Leads(leaderRole, true)
		lctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-l.Lost:
				cancel()
			case <-lctx.Done():
			}
		}()
		for _, h := range r.opts.Stores {
			if fresh {
				break
			}
			if _, err := r.reconcile(lctx, h); err != nil && lctx.Err() == nil {
				r.log.Error("reconcile", "store", h, "err", err)
			}
		}
		fresh = false
		var wg sync.WaitGroup
		if r.opts.Queue != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.opts.Queue.RunBatch(lctx, r.HandleBatch, Batch); err != nil {
					r.log.Error("webhook worker", "err", err)
				}
			}()
		}
		t := time.NewTicker(every)
	reconciling:
		for {
			select {
			case <-lctx.Done():
				break reconciling
			case <-t.C:
				for _, h := range r.opts.Stores {
					if _, err := r.reconcile(lctx, h); err != nil && lctx.Err() == nil {
						r.log.Error("reconcile", "store", h, "err", err)
					}
				}
			}
		}
		t.Stop()
		wg.Wait()
		cancel()
		l.Release()
		r.opts.Ops.Leads(leaderRole, false)
		if ctx.Err() == nil {
			r.log.Warn("this member no longer leads the webhook worker; trying to again")
		}
	}
}

// reconcile re-reads a store from its shop and publishes what differs from
// what webhooks left (a lost or failed delivery).
func (r *Regen) reconcile(ctx context.Context, handle string) (*generator.Summary, error) {
	start := time.Now()
	sum, err := r.reconcileOnce(ctx, handle)
	o := r.opts.Ops
	o.Add(handle, ops.Reconciles, "runs", 1)
	if err != nil {
		if ctx.Err() == nil {
			o.Add(handle, ops.Reconciles, "failed", 1)
			o.Event(ops.Event{Store: handle, Kind: ops.KindReconcile, Failed: true, Duration: time.Since(start), Detail: err.Error()})
		}
		return nil, err
	}
	repaired := sum.Written + sum.Deleted
	o.Add(handle, ops.Reconciles, "repaired", int64(repaired))
	detail := "nothing to repair"
	if repaired > 0 {
		detail = fmt.Sprintf("repaired %d files webhooks had missed", repaired)
	}
	o.Event(ops.Event{Store: handle, Kind: ops.KindReconcile, Rendered: sum.Rendered, Written: sum.Written,
		Deleted: sum.Deleted, Duration: time.Since(start), Detail: detail})
	return sum, nil
}

// reconcileOnce is reconcile's work.
func (r *Regen) reconcileOnce(ctx context.Context, handle string) (*generator.Summary, error) {
	loadedAt := time.Now()
	st, err := r.opts.Source.Load(ctx, handle)
	if err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	sum, err := r.Reconcile(ctx, st, loadedAt)
	if err != nil {
		return nil, err
	}
	if sum.Written > 0 || sum.Deleted > 0 {
		r.log.Warn("reconcile repaired pages webhooks had missed", "store", handle, "written", sum.Written, "deleted", sum.Deleted)
	}
	return sum, nil
}

package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/stores"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/cdnpurge"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/regen"
	"github.com/wandstore/wandstore/shopify/checkout"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// Environment variables holding Shopify's webhook signing secret, and the
// one it replaces during a rotation (both are accepted until the previous
// one is removed).
const (
	envWebhookSecret     = "WANDSTORE_WEBHOOK_SECRET"
	envWebhookSecretPrev = "WANDSTORE_WEBHOOK_SECRET_PREVIOUS"
)

// webhookBatch is how many of a shop's queued deliveries the worker applies
// as one change: a bulk edit of thousands of products is published in a
// few renders instead of one each, while a batch's broadcast to the other
// members stays a few MB at most.
const webhookBatch = 500

// DefaultReconcileEvery is how often a server re-reads its Shopify-backed
// stores to repair what a lost webhook missed.
const DefaultReconcileEvery = 15 * time.Minute

// shopifyStores is what a server wires for its Shopify-backed stores: the
// shop's checkout, the webhook receiver and the worker that keeps the
// published pages fresh, and the periodic reconciliation.
type shopifyStores struct {
	src     *stores.Source
	handles []string // the Shopify-backed stores served
	shops   map[string]string
	queue   *webhook.Queue
	regen   *regen.Regen
	live    *generator.Live
	log     *slog.Logger
	worker  bool // this member takes webhooks (and, while it leads, runs their worker)
	// purges carries published changes to the CDN purger, one at a time,
	// off the webhook worker's path; nil without a purger.
	purges chan *generator.Summary

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// setupShopify fills iopts.Checkouts and iopts.Webhooks for the served
// stores that come from a shop. It returns nil when none does.
func (s *Server) setupShopify(ctx context.Context, opts ServeOptions, src catalog.Source, cats *islands.Catalogs, iopts *islands.Options) (*shopifyStores, error) {
	ss, ok := src.(*stores.Source)
	if !ok {
		return nil, nil
	}
	shops, err := ss.Shops()
	if err != nil {
		return nil, err
	}
	sh := &shopifyStores{src: ss, shops: map[string]string{}, log: s.log}
	rereaders := map[string]regen.Rereader{}
	for domain, h := range shops {
		if _, served := cats.Get(h); !served {
			continue
		}
		client, err := ss.Client(h)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", h, err)
		}
		if iopts.Checkouts == nil {
			iopts.Checkouts = map[string]islands.Checkout{}
		}
		iopts.Checkouts[h] = checkout.New(client)
		rs, err := ss.ShopifySource(h)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", h, err)
		}
		rereaders[h] = rs
		sh.shops[domain] = h
		sh.handles = append(sh.handles, h)
	}
	if len(sh.handles) == 0 {
		return nil, nil
	}
	secret := os.Getenv(envWebhookSecret)
	if secret == "" {
		s.log.Warn("Shopify-backed stores without webhooks: set " + envWebhookSecret + " to keep their pages fresh; until then they are refreshed by reconciliation only")
	}
	var secrets [][]byte
	for _, v := range []string{secret, os.Getenv(envWebhookSecretPrev)} {
		if v != "" {
			secrets = append(secrets, []byte(v))
		}
	}
	gopts := generator.Options{Out: opts.Public, SiteURL: opts.SiteURL, Publisher: opts.Publisher, StateDir: opts.StateDir, Log: s.log}
	if sh.live, err = generator.NewLive(gopts); err != nil {
		return nil, err
	}
	// The worker's catalogs start as published: a full plan against the
	// manifest, which renders what the build left out of date.
	for _, h := range sh.handles {
		x, _ := cats.Get(h)
		sum, err := sh.live.Update(ctx, x.Store)
		if err != nil {
			return nil, fmt.Errorf("store %s: publish: %w", h, err)
		}
		s.log.Info("store published", "store", h, "rendered", sum.Rendered, "written", sum.Written, "took", sum.Duration.Round(time.Millisecond))
	}
	if sh.queue, err = webhook.Open(ctx, s.db.Writer(), webhook.Options{Log: s.log}); err != nil {
		return nil, err
	}
	ropts := regen.Options{
		Live: sh.live, Catalogs: cats, Versions: sh.queue.Versions(), Shops: sh.shops, Rereaders: rereaders,
		SiteURL: opts.SiteURL, Log: s.log, RereadDelay: opts.RereadDelay,
	}
	if s.cache != nil {
		ropts.Bus = s.cache
	}
	if opts.Purger != nil {
		sh.purges = make(chan *generator.Summary, 64)
	}
	ropts.Published = func(_ context.Context, store string, sum *generator.Summary) {
		if sh.purges != nil && (len(sum.Changed) > 0 || len(sum.Removed) > 0) {
			select {
			case sh.purges <- sum:
			default:
				s.log.Warn("CDN purge backlog full: this change's URLs are not purged (wandgen build --force --purge-endpoint catches up)", "store", store)
			}
		}
		if f := s.publishedHook.Load(); f != nil {
			(*f)(store, sum)
		}
	}
	if sh.regen, err = regen.New(ropts); err != nil {
		return nil, err
	}
	// What the catalogs loaded at the start say is published: a delivery
	// older than that (a retry after downtime) must not roll it back.
	for _, h := range sh.handles {
		x, _ := cats.Get(h)
		if err := sh.regen.Seed(ctx, x.Store, s.started); err != nil {
			return nil, err
		}
	}
	if len(secrets) > 0 {
		ropts := webhook.ReceiverOptions{
			Secrets: secrets, Log: s.log,
			Shop: func(domain string) bool { _, ok := sh.shops[strings.ToLower(domain)]; return ok },
		}
		if s.cache != nil {
			// Any member takes deliveries; the leader's worker applies them:
			// tell it one is waiting (it also polls, in case this is lost).
			ropts.Recorded = func() {
				ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
				defer cancel()
				if _, err := s.cache.Publish(ctx, webhookChannel, []byte("queued")); err != nil {
					s.log.Debug("webhook: could not wake the leader", "err", err)
				}
			}
		}
		rc, err := webhook.NewReceiver(sh.queue, ropts)
		if err != nil {
			return nil, err
		}
		iopts.Webhooks = rc
		sh.worker = true
	}
	return sh, nil
}

// start runs the webhook worker, the subscription to other members'
// changes and the periodic reconciliation until close.
func (sh *shopifyStores) start(s *Server, cats *islands.Catalogs, siteURL string, every time.Duration, purger *cdnpurge.Purger) error {
	ctx, cancel := context.WithCancel(context.Background())
	sh.stop = cancel
	if sh.purges != nil {
		sh.wg.Add(1)
		go func() {
			defer sh.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case sum := <-sh.purges:
					pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
					st, err := cdnpurge.PurgeSummary(pctx, purger, siteURL, sum)
					cancel()
					if err != nil {
						sh.log.Error("CDN purge failed: the pages are published, the CDN may serve old copies until they expire", "err", err)
					} else {
						sh.log.Info("CDN purged", "urls", st.URLs, "requests", st.Requests)
					}
				}
			}
		}()
	}
	if s.cache != nil {
		err := s.cache.Subscribe(ctx, regen.Channel, func(data []byte) { regen.Receive(cats, siteURL, sh.log, data) })
		if err != nil {
			cancel()
			return err
		}
	}
	if s.cache != nil && sh.worker {
		err := s.cache.Subscribe(ctx, webhookChannel, func([]byte) { sh.queue.Notify() })
		if err != nil {
			cancel()
			return err
		}
	}
	if every <= 0 {
		every = DefaultReconcileEvery
	}
	sh.wg.Add(1)
	go func() {
		defer sh.wg.Done()
		sh.lead(ctx, s, every)
	}()
	return nil
}

// webhookChannel is the Olric channel on which a member that recorded a
// delivery wakes the leader's worker.
const webhookChannel = "wandstore.webhooks.queued"

// leaderRole is the role of the one member that applies webhook deliveries
// and reconciles: every member records deliveries, one applies them.
const leaderRole = "shopify-webhooks"

// leadRetry is how often a member that does not lead tries to.
const leadRetry = time.Second

// lead runs, while this member holds the leader's role (one member of those
// sharing the database; with SQLite, this one), the periodic reconciliation
// and, when this member takes webhooks, their worker. On taking the role it first reconciles every
// store: its own catalogs and manifests may be behind what the previous
// leader published (not when it takes the role at the start: its catalogs
// were just read). It stops acting the moment the role may be lost (the
// database connection that holds it failed), and tries to take it again.
func (sh *shopifyStores) lead(ctx context.Context, s *Server, every time.Duration) {
	// Taken at the start, the role needs no catch-up: the catalogs were
	// just read from the shops.
	fresh := true
	for ctx.Err() == nil {
		l, ok, err := s.db.TryLead(ctx, leaderRole)
		if err != nil && ctx.Err() == nil {
			sh.log.Warn("could not take the webhook leader's role", "err", err)
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
		sh.log.Info("this member leads: it applies webhook deliveries and reconciles")
		lctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-l.Lost:
				cancel()
			case <-lctx.Done():
			}
		}()
		for _, h := range sh.handles {
			if fresh {
				break
			}
			if _, err := sh.reconcile(lctx, h); err != nil && lctx.Err() == nil {
				sh.log.Error("reconcile", "store", h, "err", err)
			}
		}
		fresh = false
		var wg sync.WaitGroup
		if sh.worker {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := sh.queue.RunBatch(lctx, sh.regen.HandleBatch, webhookBatch); err != nil {
					sh.log.Error("webhook worker", "err", err)
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
				for _, h := range sh.handles {
					if _, err := sh.reconcile(lctx, h); err != nil && lctx.Err() == nil {
						sh.log.Error("reconcile", "store", h, "err", err)
					}
				}
			}
		}
		t.Stop()
		wg.Wait()
		cancel()
		l.Release()
		if ctx.Err() == nil {
			sh.log.Warn("this member no longer leads the webhook worker; trying to again")
		}
	}
}

// reconcile re-reads a store from its shop and publishes what differs from
// what webhooks left (a lost or failed delivery).
func (sh *shopifyStores) reconcile(ctx context.Context, handle string) (*generator.Summary, error) {
	loadedAt := time.Now()
	st, err := sh.src.Load(ctx, handle)
	if err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	sum, err := sh.regen.Reconcile(ctx, st, loadedAt)
	if err != nil {
		return nil, err
	}
	if sum.Written > 0 || sum.Deleted > 0 {
		sh.log.Warn("reconcile repaired pages webhooks had missed", "store", handle, "written", sum.Written, "deleted", sum.Deleted)
	}
	return sum, nil
}

func (sh *shopifyStores) close() error {
	if sh == nil {
		return nil
	}
	if sh.stop != nil {
		sh.stop()
	}
	sh.wg.Wait()
	if sh.live != nil {
		return sh.live.Flush()
	}
	return nil
}

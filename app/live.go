package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/stores"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/ops"
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

// shopifyStores is what a server wires for its Shopify-backed stores: the
// shop's checkout, the webhook receiver, and the regenerator that keeps the
// published pages fresh (its worker, reconciliation, purges and
// subscriptions).
type shopifyStores struct {
	queue *webhook.Queue
	regen *regen.Regen
}

// setupShopify fills iopts.Checkouts and iopts.Webhooks for the served
// stores that come from a shop. It returns nil when none does.
func (s *Server) setupShopify(ctx context.Context, opts ServeOptions, src catalog.Source, cats *islands.Catalogs, iopts *islands.Options) (*shopifyStores, error) {
	ss, ok := src.(*stores.Source)
	if !ok {
		return nil, nil
	}
	all, err := ss.Shops()
	if err != nil {
		return nil, err
	}
	var (
		shops     = map[string]string{} // the served stores' shops
		handles   []string
		rereaders = map[string]regen.Rereader{}
	)
	for domain, h := range all {
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
		shops[domain] = h
		handles = append(handles, h)
	}
	if len(handles) == 0 {
		return nil, nil
	}
	sh := &shopifyStores{}
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
	gopts := generator.Options{Out: opts.Public, SiteURL: opts.SiteURL, Publisher: opts.Publisher, StateDir: opts.StateDir, Precompress: opts.Precompress, Log: s.log}
	live, err := generator.NewLive(gopts)
	if err != nil {
		return nil, err
	}
	if sh.queue, err = webhook.Open(ctx, s.db.Writer(), webhook.Options{Log: s.log, Observe: observeWebhooks(s.rec, shops)}); err != nil {
		return nil, err
	}
	ropts := regen.Options{
		Live: live, Catalogs: cats, Versions: sh.queue.Versions(), Shops: shops, Rereaders: rereaders,
		SiteURL: opts.SiteURL, Log: s.log, RereadDelay: opts.RereadDelay,
		Stores: handles, LoadedAt: s.started, Source: ss, Leader: s.db,
		ReconcileEvery: opts.ReconcileEvery, Purger: opts.Purger, Ops: s.rec, ProductsChanged: s.productsChanged,
		Published: func(_ context.Context, store string, sum *generator.Summary) {
			if f := s.publishedHook.Load(); f != nil {
				(*f)(store, sum)
			}
		},
	}
	if s.cache != nil {
		ropts.Bus = s.cache
	}
	if len(secrets) > 0 {
		ropts.Queue = sh.queue // this member takes webhooks and, while it leads, applies them
	}
	if sh.regen, err = regen.New(ctx, ropts); err != nil {
		return nil, err
	}
	if len(secrets) > 0 {
		ropts := webhook.ReceiverOptions{
			Secrets: secrets, Log: s.log,
			Shop: func(domain string) bool { _, ok := shops[strings.ToLower(domain)]; return ok },
		}
		webhookLimit(opts.Limits, iopts.TrustedProxies, &ropts)
		if s.cache != nil {
			// Any member takes deliveries; the leader's worker applies them:
			// tell it one is waiting (it also polls, in case this is lost).
			ropts.Recorded = sh.regen.Queued
		}
		rc, err := webhook.NewReceiver(sh.queue, ropts)
		if err != nil {
			sh.regen.Close()
			return nil, err
		}
		iopts.Webhooks = rc
		iopts.WebhookQueue = func(ctx context.Context) (map[string]int, error) {
			c, err := sh.queue.Counts(ctx)
			out := make(map[string]int, len(c))
			for st, n := range c {
				out[string(st)] = n
			}
			return out, err
		}
	}
	return sh, nil
}

// start runs the regenerator's loops (its worker while this member leads,
// the reconciliation, the CDN purges) until close.
func (sh *shopifyStores) start() {
	go sh.regen.Run(context.Background())
}

func (sh *shopifyStores) close() error {
	if sh == nil {
		return nil
	}
	return sh.regen.Close()
}

// observeWebhooks records what happens to webhook deliveries in rec, by
// the store of their shop (shops: domain to handle; an unknown or
// unverified shop is recorded under no store).
func observeWebhooks(rec *ops.Recorder, shops map[string]string) func(shop, outcome string, lag time.Duration) {
	return func(shop, outcome string, lag time.Duration) {
		h := shops[shop]
		switch outcome {
		case webhook.Limited:
			rec.Add("", ops.Limited, "webhook", 1)
		case webhook.Rejected:
			rec.Add("", ops.Webhooks, outcome, 1)
		case webhook.Applied:
			rec.Add(h, ops.Webhooks, outcome, 1)
			rec.Gauge(h, ops.WebhookLag, lag.Milliseconds())
		default:
			rec.Add(h, ops.Webhooks, outcome, 1)
		}
	}
}

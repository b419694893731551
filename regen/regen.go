// Package regen applies Shopify's catalog webhooks to the stores a server
// publishes: each recorded delivery (shopify/webhook's queue) becomes a
// catalog.Change, the store's catalog is updated (catalog.Store.With),
// the pages it touches are re-rendered and the changed files published
// (generator.Live), the islands server's catalog is swapped, and the
// change is broadcast to every islands member (Olric pub/sub) so they
// swap theirs and their cached fragments of the old catalog stop being
// served.
//
// It is the whole use case, which app only wires: New publishes the
// served Shopify stores as loaded, seeds the versions from them and
// subscribes to the other members' changes; Run runs, while this member
// holds the leader's role (one member of those sharing a database), the
// queue's worker and the periodic reconciliation, and the CDN purges of
// what was published; Close stops them. It knows catalog, generator,
// islands and shopify/...; nothing below it knows it.
package regen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/cdnpurge"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/ops"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// Rereader reads one product or collection from the shop (the Storefront
// API: shopify.Source), for deliveries whose payload is not enough.
type Rereader interface {
	// Product returns the product, or nil when the shop does not publish
	// it (deleted, draft, not on the sales channel).
	Product(ctx context.Context, handle string) (*catalog.Product, catalog.ValidationErrors, error)
	// Collection returns the collection with its members, or nil.
	Collection(ctx context.Context, handle string) (*catalog.Collection, catalog.ValidationErrors, error)
}

// Bus carries changes between islands members (islands/cache.Cache).
type Bus interface {
	Publish(ctx context.Context, channel string, message []byte) (int64, error)
	// Subscribe calls fn with each message on channel until ctx is done.
	Subscribe(ctx context.Context, channel string, fn func(message []byte)) error
}

// Channel is the pub/sub channel changes are broadcast on.
const Channel = "wandstore.catalog"

// Options configure a Regen.
type Options struct {
	Live     *generator.Live   // publishes; required
	Catalogs *islands.Catalogs // the islands server's stores; required
	Versions *webhook.Versions // orders deliveries; required
	// Shops maps a shop's domain (X-Shopify-Shop-Domain,
	// "x.myshopify.com") to its store's handle.
	Shops map[string]string
	// Rereaders read from each store's shop, by store handle.
	Rereaders map[string]Rereader
	// SiteURL is the build's site URL (for the islands' Site).
	SiteURL string
	// Bus, when set, broadcasts every change to the other members, and
	// brings theirs (Receive) and their wake-ups of the worker (Queued).
	Bus Bus
	// RereadDelay is how long to wait before reading a change back from
	// the Storefront API, which may lag the webhook. Default 1 s.
	RereadDelay time.Duration
	// Published, when set, is called after each change is published
	// (metrics, tests), after its CDN purge is queued.
	Published func(ctx context.Context, store string, sum *generator.Summary)
	// ProductsChanged, when set, is told the handles of the products each
	// published change touched, after their pages are (events.go).
	ProductsChanged func(store string, handles []string)
	Log             *slog.Logger

	// What New and Run do besides applying what they are handed.

	// Stores are the handles of the Shopify-backed stores this member
	// serves, each in Catalogs as loaded at LoadedAt: New publishes them
	// (rendering what the build left out of date) and seeds Versions from
	// them; the leader reconciles them. None: New and Run do neither.
	Stores   []string
	LoadedAt time.Time
	// Source reads a store again for reconciliation; required with Stores.
	Source catalog.Source
	// Leader decides which member runs the worker and the reconciliation
	// (store.DB); required with Stores.
	Leader Leader
	// Queue, when set, is where this member's webhook receiver records
	// deliveries: while this member leads, Run's worker applies them
	// (HandleBatch, Batch at a time). Nil: this member takes no webhooks
	// and only reconciles.
	Queue *webhook.Queue
	// ReconcileEvery is how often the leader reconciles; default
	// DefaultReconcileEvery.
	ReconcileEvery time.Duration
	// Purger, when set, purges the URLs each change published changed
	// from the CDN, in the background (Run).
	Purger *cdnpurge.Purger
	// Ops, when set, records the publishes, reconciles and this member's
	// lead for the operator's dashboard.
	Ops *ops.Recorder
}

// Regen is the webhook use case of a server's Shopify-backed stores: it
// applies deliveries (HandleBatch is the queue's webhook.BatchHandler) and
// reconciliations, and Run runs its loops.
type Regen struct {
	opts Options
	log  *slog.Logger

	// applyMu serialises changes and reconciliations: each starts from the
	// catalog the one before it published.
	applyMu sync.Mutex

	// purges carries published changes to the CDN purger, one at a time,
	// off the worker's path; nil without a Purger.
	purges chan *generator.Summary

	// ctx lives until Close (stop): the subscriptions', and Run's bound.
	ctx     context.Context
	stop    context.CancelFunc
	runMu   sync.Mutex // orders Run's start against Close
	running sync.WaitGroup
}

// New checks the options and, for Options.Stores, publishes them, seeds
// the versions from them and subscribes to the other members (see Run's
// loops); the subscriptions last until Close.
func New(ctx context.Context, opts Options) (_ *Regen, err error) {
	if opts.Live == nil || opts.Catalogs == nil || opts.Versions == nil {
		return nil, errors.New("regen: Live, Catalogs and Versions are required")
	}
	if len(opts.Stores) > 0 && (opts.Source == nil || opts.Leader == nil) {
		return nil, errors.New("regen: Stores need a Source and a Leader")
	}
	if opts.RereadDelay <= 0 {
		opts.RereadDelay = time.Second
	}
	if opts.ReconcileEvery <= 0 {
		opts.ReconcileEvery = DefaultReconcileEvery
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	shops := make(map[string]string, len(opts.Shops))
	for d, h := range opts.Shops {
		shops[strings.ToLower(d)] = h
	}
	opts.Shops = shops
	r := &Regen{opts: opts, log: opts.Log}
	if opts.Purger != nil {
		r.purges = make(chan *generator.Summary, 64)
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	if err := r.start(ctx); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// Handle applies one delivery (a webhook.Handler): HandleBatch of one.
func (r *Regen) Handle(ctx context.Context, d webhook.Delivery) error {
	return r.HandleBatch(ctx, []webhook.Delivery{d})[0]
}

// HandleBatch applies deliveries of one shop, in order, as one change (a
// webhook.BatchHandler): each is checked against the versions applied
// (those of the batch before it included), its change is computed against
// the catalog the ones before it made, and the result is published once,
// swapped into the islands once and broadcast once; then each applied
// delivery's version is recorded. A delivery older than what was applied
// is skipped; one that cannot be understood fails permanently (its error
// wraps webhook.ErrPermanent) and the rest go on. A delivery that fails
// otherwise (a read-back the shop is not ready for) ends the batch there:
// the ones before it are published, it gets the error (a retry) and the
// ones after it webhook.ErrNotAttempted (they stay queued, in order).
func (r *Regen) HandleBatch(ctx context.Context, ds []webhook.Delivery) []error {
	errs := make([]error, len(ds))
	if len(ds) == 0 {
		return errs
	}
	store, ok := r.opts.Shops[strings.ToLower(ds[0].Shop)]
	if !ok {
		for i := range ds {
			errs[i] = fmt.Errorf("regen: no store for shop %q: %w", ds[0].Shop, webhook.ErrPermanent)
		}
		return errs
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	cur, err := r.current(store)
	if err != nil {
		return fillErrs(errs, err)
	}
	var (
		work    = cur
		changes []catalog.Change
		applied []webhook.Change
		seen    = map[string]webhook.Change{} // kind/id -> applied in this batch
		stop    = len(ds)
	)
	for i, d := range ds {
		if !strings.EqualFold(d.Shop, ds[0].Shop) {
			errs[i] = fmt.Errorf("regen: batch mixes shops: %w", webhook.ErrNotAttempted)
			continue
		}
		c, pl, err := d.Decode()
		if err != nil {
			errs[i] = err
			continue
		}
		key := string(c.Kind) + "/" + c.ID
		verdict, err := r.decide(ctx, c, seen[key])
		if err != nil {
			errs[i], stop = err, i
			break
		}
		var ch catalog.Change
		switch verdict {
		case webhook.Stale:
			r.log.Info("regen: stale delivery skipped", "store", store, "topic", d.Topic, "id", c.ID, "updated_at", c.UpdatedAt)
			continue
		case webhook.Tie:
			// Shopify's updated_at has one-second precision: two edits in
			// the same second carry the same stamp, and this delivery may
			// be the later one or a repeat of the earlier. The payloads
			// cannot decide; the shop's state now can.
			r.log.Info("regen: same updated_at as applied; reading the shop", "store", store, "topic", d.Topic, "id", c.ID, "updated_at", c.UpdatedAt)
			ch, err = r.tieChange(ctx, store, work, c)
		case webhook.Newer:
			ch, err = r.change(ctx, work, d.Topic, c, pl)
		}
		if err != nil {
			if errors.Is(err, webhook.ErrPermanent) {
				errs[i] = err
				continue
			}
			errs[i], stop = fmt.Errorf("webhook: apply %s %s: %w", c.Kind, c.ID, err), i
			break
		}
		if !ch.Empty() {
			next, err := work.With(ch)
			if err != nil {
				errs[i] = fmt.Errorf("regen: %s: %w: %w", store, err, webhook.ErrPermanent)
				continue
			}
			work, changes = next, append(changes, ch)
		}
		if verdict == webhook.Newer {
			applied = append(applied, c)
			seen[key] = c
		}
	}
	for i := stop + 1; i < len(ds); i++ {
		errs[i] = webhook.ErrNotAttempted
	}
	if len(changes) > 0 {
		start := time.Now()
		sum, err := r.publish(ctx, cur, work, changes)
		if err != nil {
			r.opts.Ops.Event(ops.Event{Store: store, Kind: ops.KindPublish, Failed: true, Duration: time.Since(start),
				Detail: fmt.Sprintf("%d webhook deliveries: %v", len(ds), err)})
			// Nothing of the batch is recorded: every delivery is retried.
			return fillErrs(errs, err)
		}
		r.recordPublish(store, sum, fmt.Sprintf("%d changes from %d webhook deliveries", len(changes), len(ds)))
	}
	for _, c := range applied {
		if _, err := r.opts.Versions.MarkApplied(ctx, c); err != nil {
			// Published but not recorded: a retry applies it again, which
			// is harmless (the same change).
			return fillErrs(errs, err)
		}
	}
	return errs
}

// fillErrs gives err to every delivery of the batch that has no result
// yet, and returns errs.
func fillErrs(errs []error, err error) []error {
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
	return errs
}

// decide orders c against what was applied for its resource: the change
// of this batch for it when there is one (batched; it was judged newer
// than what is recorded, so it supersedes it), else the recorded version.
func (r *Regen) decide(ctx context.Context, c, batched webhook.Change) (webhook.Verdict, error) {
	if batched.ID != "" {
		return webhook.Judge(c, batched, true), nil
	}
	cur, ok, err := r.opts.Versions.Applied(ctx, c.Shop, c.Kind, c.ID)
	if err != nil {
		return webhook.Stale, err
	}
	return webhook.Judge(c, cur, ok), nil
}

// tieChange is the change that makes cur show the product or collection as
// the shop has it now. Without Storefront access to the store there is
// nothing to read: no change (the delivery is skipped, and reconciliation
// repairs any loss).
func (r *Regen) tieChange(ctx context.Context, handle string, cur *catalog.Store, c webhook.Change) (catalog.Change, error) {
	var ch catalog.Change
	rr := r.opts.Rereaders[handle]
	if rr == nil {
		r.log.Warn("regen: same-second delivery skipped: the store has no Storefront access to decide", "store", handle, "id", c.ID)
		return ch, nil
	}
	switch c.Kind {
	case webhook.KindProduct:
		old := productByID(cur, c.ID)
		h := c.Handle
		if h == "" && old != nil {
			h = old.Handle
		}
		if h == "" {
			return ch, nil
		}
		p, err := r.reread(ctx, handle, h, c.UpdatedAt)
		if err != nil {
			return ch, err
		}
		if old != nil && (p == nil || !p.Published() || old.Handle != p.Handle) {
			ch.RemoveProducts = append(ch.RemoveProducts, old.Handle)
		}
		if p != nil && p.Published() {
			p.SourceID = c.ID
			ch.Products = []*catalog.Product{p}
		}
	case webhook.KindCollection:
		old := collectionByID(cur, c.ID)
		h := c.Handle
		if h == "" && old != nil {
			h = old.Handle
		}
		if h == "" {
			return ch, nil
		}
		if err := r.lag(ctx); err != nil {
			return ch, err
		}
		col, _, err := rr.Collection(ctx, h)
		if err != nil {
			return ch, fmt.Errorf("regen: re-read collection %s: %w", h, err)
		}
		if old != nil && (col == nil || old.Handle != col.Handle) {
			ch.RemoveCollections = append(ch.RemoveCollections, old.Handle)
		}
		if col != nil {
			col.SourceID = c.ID
			ch.Collections = []*catalog.Collection{r.knownMembers(cur, col)}
		}
	}
	return ch, nil
}

// Seed records the versions of a store's catalog as just loaded from its
// shop (at the start, and by each reconciliation), so a delivery older than
// what is published, such as a Shopify retry after downtime or a late
// update of a product deleted before the start, is skipped rather than
// applied over it. Products carry their updated_at; collections do not,
// and are left to the deliveries.
func (r *Regen) Seed(ctx context.Context, st *catalog.Store, loadedAt time.Time) error {
	var shop string
	for d, h := range r.opts.Shops {
		if h == st.Handle {
			shop = d
		}
	}
	if shop == "" {
		return nil
	}
	present := make(map[string]time.Time, len(st.Products))
	for _, p := range st.Products {
		if p.SourceID != "" {
			present[p.SourceID] = p.UpdatedAt
		}
	}
	if err := r.opts.Versions.Seed(ctx, shop, webhook.KindProduct, present, loadedAt); err != nil {
		return fmt.Errorf("regen: seed %s: %w", st.Handle, err)
	}
	return nil
}

// current is the store's current catalog: the islands' (the one catalog
// and version every member keeps, by its own changes or the leader's
// broadcasts). A member that takes the leader's role therefore changes
// what the previous leader published, not what it last published itself.
func (r *Regen) current(handle string) (*catalog.Store, error) {
	if x, ok := r.opts.Catalogs.Get(handle); ok {
		return x.Store, nil
	}
	return nil, fmt.Errorf("regen: store %q is not loaded", handle)
}

// change is the catalog change a delivery (its topic, change and payload)
// makes to cur.
func (r *Regen) change(ctx context.Context, cur *catalog.Store, topic string, c webhook.Change, pl webhook.Payload) (catalog.Change, error) {
	var (
		ch  catalog.Change
		err error
	)
	switch topic {
	case webhook.TopicProductsCreate, webhook.TopicProductsUpdate:
		ch, err = r.productChange(ctx, cur, c, pl.Product)
	case webhook.TopicProductsDelete:
		if p := productByID(cur, c.ID); p != nil {
			ch.RemoveProducts = []string{p.Handle}
		}
	case webhook.TopicCollectionsCreate, webhook.TopicCollectionsUpdate:
		ch, err = r.collectionChange(ctx, cur, pl.Collection)
	case webhook.TopicCollectionsDelete:
		if col := collectionByID(cur, c.ID); col != nil {
			ch.RemoveCollections = []string{col.Handle}
		}
	case webhook.TopicInventoryLevelsUpdate:
		ch, err = r.inventoryChange(ctx, cur, c)
	}
	return ch, err
}

// Reconcile publishes fresh, a store's catalog as read again from its
// source (the read began at loadedAt), in place of what webhooks made of it,
// and seeds the versions from it (Seed): whatever a lost or failed
// delivery missed is repaired (only files whose bytes differ are written).
// Run's leader calls it on its timer.
//
// What differs is applied as a change (catalog.Diff), like a delivery's:
// published as a delta and broadcast, so the other members' catalogs
// follow (they do not reconcile themselves). Only a store whose settings,
// theme or name changed is swapped whole; members that do not lead then
// keep their catalog until they lead or restart, and say so.
func (r *Regen) Reconcile(ctx context.Context, fresh *catalog.Store, loadedAt time.Time) (*generator.Summary, error) {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if err := r.Seed(ctx, fresh, loadedAt); err != nil {
		return nil, err
	}
	cur, err := r.current(fresh.Handle)
	if err != nil {
		return nil, err
	}
	if ch, ok := catalog.Diff(cur, fresh); ok {
		if ch.Empty() {
			return r.opts.Live.Update(ctx, cur) // nothing to do but check what is published
		}
		next, err := cur.With(ch)
		if err == nil {
			return r.publish(ctx, cur, next, []catalog.Change{ch})
		}
		r.log.Warn("regen: reconcile: the catalog read is not a change of the one served; swapping it whole", "store", fresh.Handle, "err", err)
	}
	// The islands first, as in publish.
	site, err := generator.Site(fresh, r.opts.SiteURL)
	if err != nil {
		return nil, fmt.Errorf("regen: reconcile %s: %w", fresh.Handle, err)
	}
	r.opts.Catalogs.Set(&islands.Catalog{Store: fresh, Site: site, Version: generator.CatalogVersion(fresh)})
	sum, err := r.opts.Live.Update(ctx, fresh)
	if err != nil {
		return nil, fmt.Errorf("regen: reconcile %s: %w", fresh.Handle, err)
	}
	r.published(ctx, fresh.Handle, sum)
	return sum, nil
}

// publish publishes next, the catalog changes made of cur (a store's
// current catalog): the islands' catalog is swapped and the changes are
// broadcast to the other members first, then the pages they touch are
// rendered and published. So no page shows a price before the islands
// charge it; the other members' islands switch as soon as the broadcast
// reaches them, which is before the pages are written unless the bus
// lags behind the render. A publish that fails leaves the islands on next:
// the delivery is retried (or reconciled), which publishes the pages then.
func (r *Regen) publish(ctx context.Context, cur, next *catalog.Store, changes []catalog.Change) (*generator.Summary, error) {
	site, err := generator.Site(next, r.opts.SiteURL)
	if err != nil {
		return nil, fmt.Errorf("regen: publish %s: %w", cur.Handle, err)
	}
	prev := ""
	if x, ok := r.opts.Catalogs.Get(cur.Handle); ok {
		prev = x.Version
	}
	msg := Message{Store: cur.Handle, From: prev, Version: nextVersion(prev, changes), Changes: changes}
	r.opts.Catalogs.Set(&islands.Catalog{Store: next, Site: site, Version: msg.Version})
	if r.opts.Bus != nil {
		if data, err := json.Marshal(msg); err != nil {
			r.log.Error("regen: encode broadcast", "err", err)
		} else if _, err := r.opts.Bus.Publish(ctx, Channel, data); err != nil {
			// The other members serve the old catalog until the next
			// reconciliation: worth a log, not a retry of the delivery.
			r.log.Warn("regen: broadcast failed", "store", cur.Handle, "err", err)
		}
	}
	sum, err := r.opts.Live.Update(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("regen: publish %s: %w", cur.Handle, err)
	}
	var products, removed, collections int
	for _, ch := range changes {
		products, removed = products+len(ch.Products), removed+len(ch.RemoveProducts)
		collections += len(ch.Collections) + len(ch.RemoveCollections)
	}
	r.log.Info("regen: published", "store", cur.Handle, "changes", len(changes), "products", products, "removed", removed,
		"collections", collections, "rendered", sum.Rendered, "written", sum.Written,
		"deleted", sum.Deleted, "took", sum.Duration.Round(time.Microsecond))
	r.published(ctx, cur.Handle, sum)
	r.productsChanged(cur.Handle, changes)
	return sum, nil
}

// Message is what a batch of deliveries changed, broadcast to the islands
// members: its changes, applied in order to the catalog whose version is
// From, give the catalog Version.
type Message struct {
	Store   string           `json:"store"`
	From    string           `json:"from"`
	Version string           `json:"version"`
	Changes []catalog.Change `json:"changes"`
}

// nextVersion names the catalog changes make: a digest of the previous
// version and the changes, the same on every member that applies the same
// changes in the same order (fragment cache keys carry it).
func nextVersion(prev string, changes []catalog.Change) string {
	data, err := json.Marshal(changes)
	if err != nil {
		data = []byte(time.Now().String()) // cannot happen for catalog values; still a new version
	}
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Receive applies a broadcast change to this member's islands catalog (a
// subscriber of Channel). Its own broadcasts, and changes to a catalog it
// does not have (it missed one: the next reconciliation catches it up), are
// ignored.
func Receive(cats *islands.Catalogs, siteURL string, log *slog.Logger, data []byte) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		log.Warn("regen: bad broadcast", "err", err)
		return
	}
	x, ok := cats.Get(m.Store)
	if !ok || x.Version == m.Version {
		return
	}
	if x.Version != m.From {
		log.Warn("regen: broadcast for another catalog version; waiting for reconciliation", "store", m.Store, "have", x.Version, "from", m.From)
		return
	}
	next := x.Store
	for _, ch := range m.Changes {
		var err error
		if next, err = next.With(ch); err != nil {
			log.Error("regen: broadcast change refused", "store", m.Store, "err", err)
			return
		}
	}
	site, err := generator.Site(next, siteURL)
	if err != nil {
		log.Error("regen: broadcast change", "store", m.Store, "err", err)
		return
	}
	cats.Set(&islands.Catalog{Store: next, Site: site, Version: m.Version})
}

func (r *Regen) productChange(ctx context.Context, cur *catalog.Store, c webhook.Change, rp *shopify.RESTProduct) (catalog.Change, error) {
	var ch catalog.Change
	pu, err := shopify.ProductFromREST(rp, cur.Handle, cur.Currency)
	if err != nil {
		return ch, fmt.Errorf("regen: %w: %w", err, webhook.ErrPermanent)
	}
	// Which product each inventory item belongs to, kept in the database
	// (the Storefront API has no such id): inventory_levels/update names
	// only the item, and may come after a restart or to another member.
	items := make([]string, 0, len(pu.InventoryItems))
	for item := range pu.InventoryItems {
		items = append(items, item)
	}
	if err := r.opts.Versions.SetInventoryItems(ctx, c.Shop, cur.Handle, pu.Product.Handle, items); err != nil {
		return ch, err
	}
	p := pu.Product
	if !pu.Complete && p.Published() {
		if p, err = r.reread(ctx, cur.Handle, p.Handle, c.UpdatedAt); err != nil {
			return ch, err
		}
	}
	// A renamed product (same id, new handle) leaves its old page.
	if old := productByID(cur, pu.ID); old != nil && (p == nil || old.Handle != p.Handle) {
		ch.RemoveProducts = append(ch.RemoveProducts, old.Handle)
	}
	switch {
	case p == nil || !p.Published():
		if cur.Product(pu.Product.Handle) != nil {
			ch.RemoveProducts = append(ch.RemoveProducts, pu.Product.Handle)
		}
	default:
		p.SourceID = pu.ID
		ch.Products = []*catalog.Product{p}
	}
	return ch, nil
}

// reread reads a product back from the shop after RereadDelay; a copy older
// than the webhook's (the Storefront API not caught up yet) is an error,
// so the queue retries.
func (r *Regen) reread(ctx context.Context, store, handle string, updated time.Time) (*catalog.Product, error) {
	rr := r.opts.Rereaders[store]
	if rr == nil {
		return nil, fmt.Errorf("regen: %s: the payload is incomplete and the store has no Storefront access: %w", handle, webhook.ErrPermanent)
	}
	if err := r.lag(ctx); err != nil {
		return nil, err
	}
	p, _, err := rr.Product(ctx, handle)
	if err != nil {
		return nil, fmt.Errorf("regen: re-read %s: %w", handle, err)
	}
	if p != nil && !p.UpdatedAt.IsZero() && p.UpdatedAt.Before(updated.Truncate(time.Second)) {
		return nil, fmt.Errorf("regen: re-read %s: the Storefront API still has the version of %s", handle, p.UpdatedAt.Format(time.RFC3339))
	}
	return p, nil
}

// lag waits RereadDelay before a read from the Storefront API, which may
// not show a change as soon as its webhook arrives.
func (r *Regen) lag(ctx context.Context) error {
	t := time.NewTimer(r.opts.RereadDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Regen) collectionChange(ctx context.Context, cur *catalog.Store, rc *shopify.RESTCollection) (catalog.Change, error) {
	var ch catalog.Change
	cu, err := shopify.CollectionFromREST(rc, cur.Handle)
	if err != nil {
		return ch, fmt.Errorf("regen: %w: %w", err, webhook.ErrPermanent)
	}
	col := cu.Collection
	if old := collectionByID(cur, cu.ID); old != nil && (!cu.Published || old.Handle != col.Handle) {
		ch.RemoveCollections = append(ch.RemoveCollections, old.Handle)
	}
	if !cu.Published {
		if cur.Collection(col.Handle) != nil {
			ch.RemoveCollections = append(ch.RemoveCollections, col.Handle)
		}
		return ch, nil
	}
	if !cu.MembersKnown || !cu.Complete {
		rr := r.opts.Rereaders[cur.Handle]
		if rr == nil {
			return ch, fmt.Errorf("regen: collection %s: the payload lacks its members and the store has no Storefront access: %w", col.Handle, webhook.ErrPermanent)
		}
		if err := r.lag(ctx); err != nil {
			return ch, err
		}
		read, _, err := rr.Collection(ctx, col.Handle)
		if err != nil {
			return ch, fmt.Errorf("regen: re-read collection %s: %w", col.Handle, err)
		}
		if read == nil {
			if cur.Collection(col.Handle) != nil {
				ch.RemoveCollections = append(ch.RemoveCollections, col.Handle)
			}
			return ch, nil
		}
		col = read
	}
	col.SourceID = cu.ID
	ch.Collections = []*catalog.Collection{r.knownMembers(cur, col)}
	return ch, nil
}

// knownMembers leaves out of a hand-picked collection the members the
// store does not have (not yet published here); the reconciliation adds
// them once their products arrive.
func (r *Regen) knownMembers(cur *catalog.Store, col *catalog.Collection) *catalog.Collection {
	if col.Rules == nil {
		kept := col.ProductHandles[:0:0]
		for _, h := range col.ProductHandles {
			if cur.Product(h) != nil {
				kept = append(kept, h)
			}
		}
		col.ProductHandles = kept
	}
	return col
}

// inventoryChange re-reads the product an inventory level belongs to: the
// payload has one location's count, the Storefront API the product's
// availability.
func (r *Regen) inventoryChange(ctx context.Context, cur *catalog.Store, c webhook.Change) (catalog.Change, error) {
	var ch catalog.Change
	item, _, _ := strings.Cut(c.ID, ":")
	store, product, ok, err := r.opts.Versions.InventoryItem(ctx, c.Shop, item)
	if err != nil {
		return ch, err
	}
	if !ok || store != cur.Handle {
		r.log.Warn("regen: inventory item of no known product; the next reconciliation will catch it", "store", cur.Handle, "inventory_item", item)
		return ch, nil
	}
	p, err := r.reread(ctx, cur.Handle, product, time.Time{})
	if err != nil {
		return ch, err
	}
	if p == nil || !p.Published() {
		if cur.Product(product) != nil {
			ch.RemoveProducts = []string{product}
		}
		return ch, nil
	}
	if old := cur.Product(p.Handle); old != nil {
		p.SourceID = old.SourceID
	}
	ch.Products = []*catalog.Product{p}
	return ch, nil
}

func productByID(st *catalog.Store, id string) *catalog.Product {
	if id == "" {
		return nil
	}
	for _, p := range st.Products {
		if p.SourceID == id {
			return p
		}
	}
	return nil
}

func collectionByID(st *catalog.Store, id string) *catalog.Collection {
	if id == "" {
		return nil
	}
	for _, c := range st.Collections {
		if c.SourceID == id {
			return c
		}
	}
	return nil
}

// recordPublish records a publish for the operator's dashboard.
func (r *Regen) recordPublish(store string, sum *generator.Summary, detail string) {
	o := r.opts.Ops
	o.Add(store, ops.Published, "publishes", 1)
	o.Add(store, ops.Published, "rendered", int64(sum.Rendered))
	o.Add(store, ops.Published, "written", int64(sum.Written))
	o.Add(store, ops.Published, "deleted", int64(sum.Deleted))
	o.Event(ops.Event{Store: store, Kind: ops.KindPublish, Rendered: sum.Rendered, Written: sum.Written,
		Deleted: sum.Deleted, Duration: sum.Duration, Detail: detail})
}

package regen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/islands/store"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
	"github.com/wandstore/wandstore/shopify/webhook"
)

const (
	testShop = "wand-shop.myshopify.com"
	siteURL  = "https://shop.test/"
)

// bus records broadcasts.
type bus struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (b *bus) Publish(_ context.Context, _ string, m []byte) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	return 1, nil
}

func (b *bus) Subscribe(context.Context, string, func([]byte)) error { return nil }

type fixture struct {
	t    *testing.T
	shop *shopifytest.Server
	r    *Regen
	cats *islands.Catalogs
	bus  *bus
	db   *store.DB
	out  string
	seq  int
	// initial is the catalog the fixture started with, and its version.
	initial        *catalog.Store
	initialVersion string
	initialSite    *components.Site
}

func products() []shopifytest.Product {
	qty := 3
	return []shopifytest.Product{
		{Handle: "elder-wand", Title: "Elder Wand", UpdatedAt: "2026-11-20T10:00:00Z", CreatedAt: "2026-01-01T00:00:00Z", Tags: []string{"wand"},
			Variants: []shopifytest.Variant{{SKU: "EW", AvailableForSale: true, QuantityAvailable: &qty, Price: shopifytest.Money{Amount: "129.00", CurrencyCode: "USD"}}}},
		{Handle: "holly-wand", Title: "Holly Wand", UpdatedAt: "2026-11-20T10:00:00Z", CreatedAt: "2026-01-02T00:00:00Z",
			Variants: []shopifytest.Variant{{SKU: "HW", AvailableForSale: true, Price: shopifytest.Money{Amount: "49.00", CurrencyCode: "USD"}}}},
	}
}

func newFixture(t *testing.T, mod ...func(*generator.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	srv := shopifytest.New(t, shopifytest.WithShop("Wand Shop", "USD"))
	srv.SetProducts(products())
	loadedAt := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) // after the products' updated_at, before the deliveries
	srv.SetCollections([]shopifytest.Collection{{Handle: "wands", Title: "Wands", ProductHandles: []string{"elder-wand"}}})
	client, err := shopify.New(shopify.Config{Endpoint: srv.URL(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	src := shopify.NewSource(client, "wands", shopify.SourceOptions{})
	st, err := src.Load(ctx, "wands")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	gopts := generator.Options{Out: out, SiteURL: siteURL, RenderVersion: "test"}
	for _, m := range mod {
		m(&gopts)
	}
	live, err := generator.NewLive(gopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Flush() }) // compressed copies are written in the background, before the folder goes
	sum, err := live.Update(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	cats := islands.NewCatalogs(&islands.Catalog{Store: st, Site: sum.Sites["wands"], Version: generator.CatalogVersion(st)})
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "w.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := webhook.Open(ctx, db.Writer(), webhook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := &bus{}
	r, err := New(context.Background(), Options{Live: live, Catalogs: cats, Versions: q.Versions(), Shops: map[string]string{testShop: "wands"},
		Rereaders: map[string]Rereader{"wands": src}, SiteURL: siteURL, Bus: b, RereadDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// As the server does at its start.
	if err := r.Seed(ctx, st, loadedAt); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, shop: srv, r: r, cats: cats, bus: b, db: db, out: out, initial: st, initialVersion: generator.CatalogVersion(st), initialSite: sum.Sites["wands"]}
}

func (f *fixture) handle(topic string, body []byte) error {
	f.seq++
	return f.r.Handle(context.Background(), webhook.Delivery{ID: int64(f.seq), WebhookID: fmt.Sprint("wh-", f.seq), Topic: topic,
		Shop: testShop, Body: body, ReceivedAt: time.Now().UTC(), TriggeredAt: time.Now().UTC()})
}

func (f *fixture) page(handle string) string {
	data, err := os.ReadFile(filepath.Join(f.out, "s/wands/products", handle, "index.html"))
	if err != nil {
		return ""
	}
	return string(data)
}

func (f *fixture) product(handle string) shopifytest.Product {
	for _, p := range f.shop.Products() {
		if p.Handle == handle {
			return p
		}
	}
	f.t.Fatalf("no product %s", handle)
	return shopifytest.Product{}
}

// edit changes a product's title in the stand-in shop, stamped updated,
// as a merchant's edit would, and returns it.
func (f *fixture) edit(handle, title string, updated time.Time) shopifytest.Product {
	ps := f.shop.Products()
	for i := range ps {
		if ps[i].Handle == handle {
			ps[i].Title = title
			ps[i].UpdatedAt = updated.Format(time.RFC3339)
			f.shop.SetProducts(ps)
			return ps[i]
		}
	}
	f.t.Fatalf("no product %s", handle)
	return shopifytest.Product{}
}

// shows reports whether the product's published page carries title.
func (f *fixture) shows(handle, title string) bool {
	page := f.page(handle)
	return strings.Contains(page, ">"+title+"<") || strings.Contains(page, title+"</")
}

func at(hour int) time.Time { return time.Date(2026, 11, 25, hour, 0, 0, 0, time.UTC) }

func TestUpdatePublishesSwapsAndBroadcasts(t *testing.T) {
	f := newFixture(t)
	before, _ := f.cats.Get("wands")
	p := f.product("elder-wand")
	p.Title, p.Variants[0].Price.Amount = "Elder Wand II", "150.00"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	if page := f.page("elder-wand"); !strings.Contains(page, "Elder Wand II") || !strings.Contains(page, "$150.00") {
		t.Fatal("the page was not republished")
	}
	after, _ := f.cats.Get("wands")
	if after.Version == before.Version || after.Store.Product("elder-wand").Title != "Elder Wand II" {
		t.Fatal("the islands catalog was not swapped")
	}
	// Another member, with the catalog as it was, applies the broadcast
	// and reaches the same version.
	other := islands.NewCatalogs(&islands.Catalog{Store: before.Store, Site: before.Site, Version: before.Version})
	if len(f.bus.msgs) != 1 {
		t.Fatalf("%d broadcasts", len(f.bus.msgs))
	}
	Receive(other, siteURL, f.r.log, f.bus.msgs[0])
	got, _ := other.Get("wands")
	if got.Version != after.Version || got.Store.Product("elder-wand").Variants[0].Price.Amount != 15000 {
		t.Fatalf("the other member has version %s, price %d", got.Version, got.Store.Product("elder-wand").Variants[0].Price.Amount)
	}
	// Its own broadcast, received again, changes nothing; one for another
	// version is ignored.
	Receive(other, siteURL, f.r.log, f.bus.msgs[0])
	var m Message
	json.Unmarshal(f.bus.msgs[0], &m)
	m.From, m.Version = "some-other-version", "v-next"
	data, _ := json.Marshal(m)
	Receive(other, siteURL, f.r.log, data)
	if x, _ := other.Get("wands"); x.Version != after.Version {
		t.Fatal("a broadcast for another catalog version was applied")
	}
}

func TestStaleAndRepeatedDeliveriesAreSkipped(t *testing.T) {
	f := newFixture(t)
	p := f.edit("elder-wand", "New", at(12))
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	p.Title = "Old"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(11))); err != nil {
		t.Fatal(err)
	}
	if !f.shows("elder-wand", "New") {
		t.Fatalf("an older delivery overwrote the newer one")
	}
	if len(f.bus.msgs) != 1 {
		t.Fatalf("%d broadcasts; want 1", len(f.bus.msgs))
	}
	// A delivery of the same second is read back from the shop, which
	// still says "New": a repeat changes nothing.
	p.Title = "Same second, older"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	if !f.shows("elder-wand", "New") {
		t.Fatalf("a same-second delivery the shop does not show was published")
	}
}

// Shopify stamps updated_at to the second: two edits in one second carry
// the same stamp, in either order. The shop's final state wins.
func TestSameSecondEditsAreNotLost(t *testing.T) {
	for _, order := range []string{"A then B", "B then A"} {
		t.Run(order, func(t *testing.T) {
			f := newFixture(t)
			a := f.product("elder-wand")
			a.Title = "Edit A"
			b := f.edit("elder-wand", "Edit B", at(12)) // the shop's final state
			first, second := a, b
			if order == "B then A" {
				first, second = b, a
			}
			for _, p := range []shopifytest.Product{first, second} {
				if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
					t.Fatal(err)
				}
			}
			if !f.shows("elder-wand", "Edit B") {
				t.Fatalf("the page lost the shop's final edit of the second")
			}
		})
	}
}

// A delivery older than the catalog the server loaded (a Shopify retry
// after downtime, or a fresh database) must not roll the page back.
func TestDeliveryOlderThanTheLoadedCatalogIsSkipped(t *testing.T) {
	f := newFixture(t) // loaded elder-wand as of 2026-11-20T10:00
	p := f.product("elder-wand")
	p.Title = "Before the start"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	if f.shows("elder-wand", "Before the start") || !f.shows("elder-wand", "Elder Wand") {
		t.Fatal("a delivery older than the loaded catalog republished an old title")
	}
	if len(f.bus.msgs) != 0 {
		t.Fatalf("%d broadcasts; want none", len(f.bus.msgs))
	}
}

// A product deleted before the server started: a late update of it, dated
// before the catalog was loaded, must not republish it.
func TestLateUpdateOfAProductGoneBeforeTheStartIsSkipped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ghost := shopifytest.Product{ID: "gid://shopify/Product/999", Handle: "ghost-wand", Title: "Ghost Wand",
		UpdatedAt: "2026-11-22T00:00:00Z", CreatedAt: "2026-01-01T00:00:00Z",
		Variants: []shopifytest.Variant{{SKU: "GW", AvailableForSale: true, Price: shopifytest.Money{Amount: "9.00", CurrencyCode: "USD"}}}}
	// A previous run applied it (and the shop deleted it while down).
	if _, err := f.r.opts.Versions.MarkApplied(ctx, webhook.Change{Shop: testShop, Kind: webhook.KindProduct, ID: "999",
		UpdatedAt: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	// This start loads a catalog without it.
	x, _ := f.cats.Get("wands")
	if err := f.r.Seed(ctx, x.Store, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(ghost, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	if f.page("ghost-wand") != "" {
		t.Fatal("a late update republished a product the loaded catalog no longer has")
	}
	// A later one (re-created or published again) does apply.
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(ghost, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	if f.page("ghost-wand") == "" {
		t.Fatal("an update after the load did not publish the product")
	}
}

func TestDeleteIsNotUndoneByALateUpdate(t *testing.T) {
	f := newFixture(t)
	p := f.product("elder-wand")
	id := strings.TrimPrefix(p.ID, "gid://shopify/Product/")
	if err := f.r.Handle(context.Background(), webhook.Delivery{WebhookID: "del", Topic: webhook.TopicProductsDelete, Shop: testShop,
		Body: []byte(`{"id":` + id + `}`), TriggeredAt: at(13), ReceivedAt: at(13)}); err != nil {
		t.Fatal(err)
	}
	if f.page("elder-wand") != "" {
		t.Fatal("the deleted product's page is still published")
	}
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	if f.page("elder-wand") != "" {
		t.Fatal("a late update brought the product back")
	}
	if x, _ := f.cats.Get("wands"); x.Store.Product("elder-wand") != nil {
		t.Fatal("the islands still sell the deleted product")
	}
	// The collection that listed it no longer does.
	if x, _ := f.cats.Get("wands"); len(x.Store.Collection("wands").Products()) != 0 {
		t.Fatal("the collection still lists the deleted product")
	}
}

func TestUnpublishedProductIsRemoved(t *testing.T) {
	f := newFixture(t)
	p := f.product("holly-wand")
	p.Status = "draft"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	if f.page("holly-wand") != "" {
		t.Fatal("a draft product stays published")
	}
}

func TestIncompletePayloadIsReadBack(t *testing.T) {
	f := newFixture(t)
	// A payload without variants cannot make a page: the product is read
	// from the Storefront API instead.
	p := f.product("holly-wand")
	body := fmt.Sprintf(`{"id": %s, "handle": "holly-wand", "title": "Holly Wand (payload)", "updated_at": "2026-11-25T12:00:00Z", "status": "active", "published_at": "2026-01-02T00:00:00Z"}`,
		strings.TrimPrefix(p.ID, "gid://shopify/Product/"))
	// While the API still serves the version before the webhook's, the
	// delivery fails, to be retried: not permanently, and nothing changes.
	err := f.handle(webhook.TopicProductsUpdate, []byte(body))
	if err == nil || errors.Is(err, webhook.ErrPermanent) || strings.Contains(f.page("holly-wand"), "payload") {
		t.Fatalf("with the API behind: %v", err)
	}
	ps := products()
	ps[1].Title, ps[1].Variants[0].Price.Amount, ps[1].UpdatedAt = "Holly Wand (from the API)", "55.00", "2026-11-25T12:00:00Z"
	f.shop.SetProducts(ps)
	if err := f.handle(webhook.TopicProductsUpdate, []byte(body)); err != nil {
		t.Fatal(err)
	}
	if page := f.page("holly-wand"); !strings.Contains(page, "Holly Wand (from the API)") || !strings.Contains(page, "$55.00") {
		t.Fatal("the product was not read back from the Storefront API")
	}
}

func TestCollectionMembersAreReadBack(t *testing.T) {
	f := newFixture(t)
	cs := f.shop.Collections()
	cs[0].Title, cs[0].ProductHandles = "All the wands", []string{"holly-wand", "elder-wand", "not-here-yet"}
	f.shop.SetCollections(cs)
	if err := f.handle(webhook.TopicCollectionsUpdate, shopifytest.CollectionPayload(cs[0], at(12))); err != nil {
		t.Fatal(err)
	}
	x, _ := f.cats.Get("wands")
	c := x.Store.Collection("wands")
	if c.Title != "All the wands" || len(c.Products()) != 2 || c.Products()[0].Handle != "holly-wand" {
		t.Fatalf("collection %q lists %d products", c.Title, len(c.Products()))
	}
	data, _ := os.ReadFile(filepath.Join(f.out, "s/wands/collections/wands/index.html"))
	if !strings.Contains(string(data), "All the wands") || !strings.Contains(string(data), "Holly Wand") {
		t.Fatal("the collection page was not republished")
	}
	// collections/delete removes it.
	id := strings.TrimPrefix(cs[0].ID, "gid://shopify/Collection/")
	if err := f.handle(webhook.TopicCollectionsDelete, []byte(`{"id":`+id+`}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.out, "s/wands/collections/wands/index.html")); !os.IsNotExist(err) {
		t.Fatal("the deleted collection's page is still published")
	}
}

func TestInventoryLevelReadsTheProductBack(t *testing.T) {
	f := newFixture(t)
	p := f.product("elder-wand")
	// A product payload teaches which inventory item is whose.
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	// The server restarts (or another member takes over): what the payload
	// taught is in the database, not in the old process.
	r2, err := New(context.Background(), f.r.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.r = r2
	ps := products()
	ps[0].Variants[0].AvailableForSale = false
	zero := 0
	ps[0].Variants[0].QuantityAvailable = &zero
	f.shop.SetProducts(ps)
	var payload struct {
		Variants []struct {
			InventoryItemID json.Number `json:"inventory_item_id"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(shopifytest.ProductPayload(p, at(12)), &payload); err != nil || len(payload.Variants) == 0 {
		t.Fatal("no inventory item in the payload", err)
	}
	body := fmt.Sprintf(`{"inventory_item_id": %s, "location_id": 7, "available": 0, "updated_at": "2026-11-25T13:00:00Z"}`, payload.Variants[0].InventoryItemID)
	if err := f.handle(webhook.TopicInventoryLevelsUpdate, []byte(body)); err != nil {
		t.Fatal(err)
	}
	if x, _ := f.cats.Get("wands"); x.Store.Product("elder-wand").Available() {
		t.Fatal("the islands still sell a sold-out product")
	}
	if page := f.page("elder-wand"); !strings.Contains(strings.ToLower(page), "sold out") {
		t.Fatal("the page does not say sold out")
	}
	// An inventory item no product payload named is left to reconciliation.
	if err := f.handle(webhook.TopicInventoryLevelsUpdate, []byte(`{"inventory_item_id": 424242, "location_id": 7, "available": 1, "updated_at": "2026-11-25T13:00:00Z"}`)); err != nil {
		t.Fatal(err)
	}
}

func TestBadDeliveriesFailPermanently(t *testing.T) {
	f := newFixture(t)
	for name, d := range map[string]webhook.Delivery{
		"unknown shop": {Topic: webhook.TopicProductsUpdate, Shop: "other.myshopify.com", Body: shopifytest.ProductPayload(f.product("elder-wand"), at(12))},
		"not JSON":     {Topic: webhook.TopicProductsUpdate, Shop: testShop, Body: []byte(`{"id": 1, "updated_at": "2026-11-25T12:00:00Z", "title": [}`)},
		"no id":        {Topic: webhook.TopicProductsUpdate, Shop: testShop, Body: []byte(`{"handle": "x", "title": "X", "updated_at": "2026-11-25T12:00:00Z"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			d.WebhookID, d.ReceivedAt = name, time.Now()
			err := f.r.Handle(context.Background(), d)
			if !errors.Is(err, webhook.ErrPermanent) {
				t.Fatalf("Handle = %v; want a permanent failure", err)
			}
		})
	}
	if len(f.bus.msgs) != 0 {
		t.Fatal("a bad delivery was broadcast")
	}
}

func TestReconcileRepairsWhatWasMissed(t *testing.T) {
	f := newFixture(t)
	ps := products()
	ps[1].Title = "Changed without a webhook"
	f.shop.SetProducts(ps)
	client, _ := shopify.New(shopify.Config{Endpoint: f.shop.URL()})
	fresh, err := shopify.NewSource(client, "wands", shopify.SourceOptions{}).Load(context.Background(), "wands")
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Validate(); err != nil {
		t.Fatal(err)
	}
	before, _ := f.cats.Get("wands")
	sum, err := f.r.Reconcile(context.Background(), fresh, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.page("holly-wand"), "Changed without a webhook") || sum.Written == 0 {
		t.Fatal("reconcile did not repair the page")
	}
	after, _ := f.cats.Get("wands")
	if after.Store.Product("holly-wand").Title != "Changed without a webhook" {
		t.Fatal("reconcile did not swap the islands catalog")
	}
	// Only the leader reconciles: another member, with the catalog as it
	// was, follows by the broadcast, and then follows the next delivery's.
	other := islands.NewCatalogs(&islands.Catalog{Store: before.Store, Site: before.Site, Version: before.Version})
	if len(f.bus.msgs) != 1 {
		t.Fatalf("reconcile broadcast %d messages, want 1", len(f.bus.msgs))
	}
	Receive(other, siteURL, f.r.log, f.bus.msgs[0])
	if got, _ := other.Get("wands"); got.Version != after.Version || got.Store.Product("holly-wand").Title != "Changed without a webhook" {
		t.Fatalf("the other member has version %s (leader %s)", got.Version, after.Version)
	}
	p := f.product("elder-wand")
	p.Title = "Elder Wand after the reconcile"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(13))); err != nil {
		t.Fatal(err)
	}
	Receive(other, siteURL, f.r.log, f.bus.msgs[len(f.bus.msgs)-1])
	if got, _ := other.Get("wands"); got.Store.Product("elder-wand").Title != "Elder Wand after the reconcile" {
		t.Fatal("after a reconcile, the other member ignores the leader's changes")
	}
	// Read again, unchanged: nothing published, nothing broadcast.
	n := len(f.bus.msgs)
	if sum, err := f.r.Reconcile(context.Background(), f.r.opts.Live.Store("wands"), time.Now()); err != nil || sum.Written != 0 {
		t.Fatalf("an unchanged reconcile wrote %v (%v)", sum, err)
	}
	if len(f.bus.msgs) != n {
		t.Fatal("an unchanged reconcile was broadcast")
	}
}

// delivery builds a products/update delivery of the fixture's shop.
func (f *fixture) delivery(topic string, body []byte) webhook.Delivery {
	f.seq++
	return webhook.Delivery{ID: int64(f.seq), WebhookID: fmt.Sprint("wh-", f.seq), Topic: topic,
		Shop: testShop, Body: body, ReceivedAt: time.Now().UTC(), TriggeredAt: time.Now().UTC()}
}

// A burst is applied as one change, by the same ordering rules as one
// delivery at a time: the newest of each product wins, an older one in the
// same batch is skipped, a delivery that cannot be understood fails alone,
// and the batch is published and broadcast once.
func TestBatchAppliesInOrderAsOneChange(t *testing.T) {
	f := newFixture(t)
	elder, holly := f.product("elder-wand"), f.product("holly-wand")
	upd := func(p shopifytest.Product, title string, at time.Time) webhook.Delivery {
		p.Title = title
		return f.delivery(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at))
	}
	ds := []webhook.Delivery{
		upd(elder, "Elder one", at(12)),
		upd(holly, "Holly one", at(12)),
		f.delivery(webhook.TopicProductsUpdate, []byte(`{"id": "not a number"}`)),
		upd(elder, "Elder stale", at(11)), // older than the batch's own
		upd(elder, "Elder two", at(13)),
	}
	errs := f.r.HandleBatch(context.Background(), ds)
	for i, err := range errs {
		if bad := i == 2; bad != (err != nil) || bad && !errors.Is(err, webhook.ErrPermanent) {
			t.Errorf("delivery %d: %v", i, err)
		}
	}
	if !f.shows("elder-wand", "Elder two") || !f.shows("holly-wand", "Holly one") {
		t.Fatal("the batch did not publish the newest of each product")
	}
	if len(f.bus.msgs) != 1 {
		t.Fatalf("%d broadcasts; want one for the batch", len(f.bus.msgs))
	}
	x, _ := f.cats.Get("wands")
	if got := x.Store.Product("elder-wand").Title; got != "Elder two" {
		t.Fatalf("islands catalog has %q", got)
	}
	// Recorded: a later single delivery older than the batch's is stale.
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(elder, at(12))); err != nil {
		t.Fatal(err)
	}
	if !f.shows("elder-wand", "Elder two") {
		t.Fatal("the batch's versions were not recorded")
	}
	// The broadcast, applied on another member, gives the same catalog.
	other := islands.NewCatalogs(&islands.Catalog{Store: f.initial, Site: f.initialSite, Version: f.initialVersion})
	Receive(other, siteURL, slog.New(slog.DiscardHandler), f.bus.msgs[0])
	y, ok := other.Get("wands")
	if !ok || y.Version != x.Version || y.Store.Product("elder-wand") == nil || y.Store.Product("elder-wand").Title != "Elder two" {
		t.Fatalf("another member reached %+v (want version %q)", y, x.Version)
	}
}

// watchingPublisher publishes into a folder and calls seen with each path
// before it is written.
type watchingPublisher struct {
	*generator.DirPublisher
	seen func(path string)
}

func (w *watchingPublisher) Put(ctx context.Context, p string, data []byte) error {
	w.seen(p)
	return w.DirPublisher.Put(ctx, p, data)
}

// The islands switch before the pages change: when the changed product's
// page is written, the islands (on this member, and through the broadcast
// on the others) already price it from the new catalog.
func TestIslandsSwitchBeforeThePagesChange(t *testing.T) {
	var (
		mu      sync.Mutex
		f       *fixture
		watched bool
		atWrite []int64 // the islands' price when the page was written
		msgs    int     // broadcasts sent by then
	)
	f = newFixture(t, func(o *generator.Options) {
		dir, err := generator.NewDirPublisher(o.Out)
		if err != nil {
			t.Fatal(err)
		}
		o.Publisher = &watchingPublisher{DirPublisher: dir, seen: func(p string) {
			mu.Lock()
			defer mu.Unlock()
			if !watched || !strings.HasSuffix(p, "products/elder-wand/index.html") {
				return
			}
			c, _ := f.cats.Get("wands")
			atWrite = append(atWrite, c.Store.Product("elder-wand").Variants[0].Price.Amount)
			f.bus.mu.Lock()
			msgs = len(f.bus.msgs)
			f.bus.mu.Unlock()
		}}
	})
	mu.Lock()
	watched = true
	mu.Unlock()
	p := f.product("elder-wand")
	p.Variants[0].Price.Amount = "150.00"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(atWrite) == 0 {
		t.Fatal("the product page was not written")
	}
	for _, price := range atWrite {
		if price != 15000 {
			t.Errorf("the page was written while the islands priced it at %d, not the new 15000", price)
		}
	}
	if msgs != 1 {
		t.Errorf("%d broadcasts sent before the page was written, want 1", msgs)
	}
}

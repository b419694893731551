package regen

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/ops"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// failingSource is a shop that cannot be read.
type failingSource struct{}

func (failingSource) Stores(context.Context) ([]string, error) { return []string{"wands"}, nil }
func (failingSource) Load(context.Context, string) (*catalog.Store, error) {
	return nil, errors.New("shop unreachable")
}

// The dashboard hears of each publish a delivery makes, each reconcile
// (what it repaired, or why it failed) and the lead.
func TestDashboardHearsPublishesAndReconciles(t *testing.T) {
	f := newFixture(t)
	rec, err := ops.Open(t.Context(), f.db.Writer(), ops.Options{Member: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	f.r.opts.Ops = rec
	ctx := t.Context()

	p := f.product("elder-wand")
	p.Title = "Elder Wand, renamed"
	if err := f.handle(webhook.TopicProductsUpdate, shopifytest.ProductPayload(p, at(12))); err != nil {
		t.Fatal(err)
	}
	f.edit("holly-wand", "Holly Wand, changed without a webhook", at(13))
	client, _ := shopify.New(shopify.Config{Endpoint: f.shop.URL()})
	f.r.opts.Source = shopify.NewSource(client, "wands", shopify.SourceOptions{})
	if _, err := f.r.reconcile(ctx, "wands"); err != nil {
		t.Fatal(err)
	}
	f.r.opts.Source = failingSource{}
	if _, err := f.r.reconcile(ctx, "wands"); err == nil {
		t.Fatal("a reconcile of an unreachable shop succeeded")
	}
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	evs, err := rec.Events(ctx, time.Now().Add(-time.Hour), ops.Filter{Store: "wands"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	if len(evs) != 3 || kinds[0] != ops.KindReconcile || kinds[1] != ops.KindReconcile || kinds[2] != ops.KindPublish {
		t.Fatalf("events %v, want reconcile, reconcile, publish (newest first)", kinds)
	}
	if failed := evs[0]; !failed.Failed || !strings.Contains(failed.Detail, "shop unreachable") {
		t.Errorf("the failed reconcile: %+v", failed)
	}
	if repaired := evs[1]; repaired.Failed || repaired.Written == 0 || !strings.Contains(repaired.Detail, "repaired") {
		t.Errorf("the reconcile that repaired: %+v", repaired)
	}
	if pub := evs[2]; pub.Written == 0 || !strings.Contains(pub.Detail, "1 webhook deliveries") {
		t.Errorf("the publish: %+v", pub)
	}
	d, err := rec.Read(ctx, ops.LastHour(time.Now()), ops.Filter{Store: "wands"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		series, label string
		min           int64
	}{
		{ops.Published, "publishes", 1}, {ops.Published, "written", 1},
		{ops.Reconciles, "runs", 2}, {ops.Reconciles, "failed", 1}, {ops.Reconciles, "repaired", 1},
	} {
		if got := ops.Sum(d.Points(c.series, c.label)).Count; got < c.min {
			t.Errorf("%s/%s = %d, want at least %d", c.series, c.label, got, c.min)
		}
	}
}

package webhook

import (
	"context"
	"errors"
	"github.com/wandstore/wandstore/internal/testkit"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestChangeFromPayloads(t *testing.T) {
	recv := mustParse(t, "2026-11-25T15:00:05Z")
	trig := mustParse(t, "2026-11-25T15:00:01Z")
	cases := []struct {
		topic, body string
		trig        time.Time
		want        Change
	}{
		{TopicProductsUpdate, productBody(632910392, "IPod Nano", "2026-11-25T10:00:00-05:00"), trig,
			Change{Kind: KindProduct, ID: "632910392", Handle: "wand-632910392", UpdatedAt: mustParse(t, "2026-11-25T15:00:00Z")}},
		{TopicProductsCreate, `{"id":1,"handle":"a","updated_at":"2026-11-25T10:00:00.5+01:00","variants":null,"unknown":{"x":[1]}}`, trig,
			Change{Kind: KindProduct, ID: "1", Handle: "a", UpdatedAt: mustParse(t, "2026-11-25T09:00:00.5Z")}},
		{TopicProductsDelete, `{"id":788032119674292922}`, trig,
			Change{Kind: KindProduct, ID: "788032119674292922", Deleted: true, UpdatedAt: trig}},
		{TopicCollectionsDelete, `{"id":482865238,"published_scope":"web"}`, time.Time{},
			Change{Kind: KindCollection, ID: "482865238", Deleted: true, UpdatedAt: recv}},
		{TopicCollectionsUpdate, `{"id":482865238,"handle":"smart-ipods","title":"Smart iPods","updated_at":"2026-11-25T10:00:00-05:00"}`, trig,
			Change{Kind: KindCollection, ID: "482865238", Handle: "smart-ipods", UpdatedAt: mustParse(t, "2026-11-25T15:00:00Z")}},
		{TopicInventoryLevelsUpdate, `{"inventory_item_id":271878346596884015,"location_id":24826418,"available":5,"updated_at":"2026-11-25T10:00:00-05:00","admin_graphql_api_id":"gid://shopify/InventoryLevel/24826418?inventory_item_id=271878346596884015"}`, trig,
			Change{Kind: KindInventoryLevel, ID: "271878346596884015:24826418", UpdatedAt: mustParse(t, "2026-11-25T15:00:00Z")}},
	}
	for _, c := range cases {
		d := Delivery{Topic: c.topic, Shop: testShop, Body: []byte(c.body), TriggeredAt: c.trig, ReceivedAt: recv}
		got, err := d.Change()
		if err != nil {
			t.Errorf("%s: %v", c.topic, err)
			continue
		}
		c.want.Shop = testShop
		if c.topic == TopicInventoryLevelsUpdate {
			if got.Available == nil || *got.Available != 5 {
				t.Errorf("%s: available %v, want 5", c.topic, got.Available)
			}
			got.Available = nil
		}
		if !got.UpdatedAt.Equal(c.want.UpdatedAt) {
			t.Errorf("%s: updated_at %v, want %v", c.topic, got.UpdatedAt, c.want.UpdatedAt)
		}
		got.UpdatedAt, c.want.UpdatedAt = time.Time{}, time.Time{}
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.topic, got, c.want)
		}
	}

	bad := []struct{ topic, body string }{
		{TopicProductsUpdate, `{"id":1,"handle":"a"}`},                          // no updated_at
		{TopicProductsUpdate, `{"id":"x","updated_at":"2026-11-25T10:00:00Z"}`}, // id not a number
		{TopicProductsDelete, `{}`},
		{TopicProductsUpdate, `[1,2]`},
		{TopicInventoryLevelsUpdate, `{"inventory_item_id":1,"updated_at":"2026-11-25T10:00:00Z"}`},
		{"orders/create", `{"id":1}`},
	}
	for _, b := range bad {
		_, err := Delivery{Topic: b.topic, Body: []byte(b.body)}.Change()
		if !errors.Is(err, ErrPermanent) {
			t.Errorf("%s %s: err %v, want ErrPermanent", b.topic, b.body, err)
		}
	}
}

// applyAll runs each change through Versions.Apply and returns the ones
// that were applied, by their UpdatedAt (RFC 3339, UTC).
func applyAll(t *testing.T, v *Versions, cs ...Change) []string {
	t.Helper()
	var out []string
	for _, c := range cs {
		before := len(out)
		ok, err := v.Apply(t.Context(), c, func(context.Context) error {
			out = append(out, c.UpdatedAt.UTC().Format(time.RFC3339Nano))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok != (len(out) > before) {
			t.Fatalf("Apply reported %v for %+v, fn calls %v", ok, c, out)
		}
	}
	return out
}

func product(t *testing.T, id, updatedAt string, deleted bool) Change {
	return Change{Shop: testShop, Kind: KindProduct, ID: id, UpdatedAt: mustParse(t, updatedAt), Deleted: deleted}
}

func TestVersionsOutOfOrder(t *testing.T) { testkit.EachDB(t, testVersionsOutOfOrder) }

func testVersionsOutOfOrder(t *testing.T) {
	q, _ := openTest(t, Options{})
	v := q.Versions()
	newer := product(t, "9", "2026-11-25T10:00:02-05:00", false)
	older := product(t, "9", "2026-11-25T10:00:01-05:00", false)
	sub := product(t, "9", "2026-11-25T15:00:02.5Z", false) // same second as newer, later within it

	got := applyAll(t, v, newer, older, newer, sub, newer)
	want := []string{"2026-11-25T15:00:02Z", "2026-11-25T15:00:02.5Z"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("applied %v, want %v", got, want)
	}
	// Other resources, kinds and shops are independent.
	other := []Change{
		product(t, "10", "2026-11-25T10:00:01-05:00", false),
		{Shop: testShop, Kind: KindCollection, ID: "9", UpdatedAt: older.UpdatedAt},
		{Shop: "other.myshopify.com", Kind: KindProduct, ID: "9", UpdatedAt: older.UpdatedAt},
	}
	if got := applyAll(t, v, other...); len(got) != 3 {
		t.Errorf("independent resources: applied %v, want all 3", got)
	}
	// A failing fn marks nothing: the retry applies.
	c := product(t, "11", "2026-11-25T10:00:00Z", false)
	if ok, err := v.Apply(t.Context(), c, func(context.Context) error { return errors.New("publish failed") }); ok || err == nil {
		t.Fatalf("failing fn: ok=%v err=%v", ok, err)
	}
	if got := applyAll(t, v, c); len(got) != 1 {
		t.Errorf("retry after a failed fn: applied %v, want it", got)
	}
}

func TestVersionsDeleteThenLateUpdate(t *testing.T) {
	testkit.EachDB(t, testVersionsDeleteThenLateUpdate)
}

func testVersionsDeleteThenLateUpdate(t *testing.T) {
	q, _ := openTest(t, Options{})
	v := q.Versions()
	upd1 := product(t, "5", "2026-11-25T10:00:00Z", false)
	del := product(t, "5", "2026-11-25T10:00:10Z", true)
	late := product(t, "5", "2026-11-25T10:00:05Z", false) // edited before the delete, delivered after
	same := product(t, "5", "2026-11-25T10:00:10Z", false)

	got := applyAll(t, v, upd1, del, late, same, del)
	want := []string{"2026-11-25T10:00:00Z", "2026-11-25T10:00:10Z"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("applied %v, want %v (the update, the delete once)", got, want)
	}
	cur, ok, err := v.Applied(t.Context(), testShop, KindProduct, "5")
	if err != nil || !ok || !cur.Deleted || !cur.UpdatedAt.Equal(del.UpdatedAt) {
		t.Errorf("applied state %+v %v %v, want deleted at %v", cur, ok, err, del.UpdatedAt)
	}

	// A delete whose trigger time is before the last update (clocks
	// differ) still deletes, and keeps the later time.
	up := product(t, "6", "2026-11-25T10:00:10Z", false)
	early := product(t, "6", "2026-11-25T10:00:05Z", true)
	if got := applyAll(t, v, up, early, product(t, "6", "2026-11-25T10:00:07Z", false)); len(got) != 2 {
		t.Errorf("early delete: applied %v, want the update and the delete", got)
	}
	cur, _, _ = v.Applied(t.Context(), testShop, KindProduct, "6")
	if !cur.Deleted || !cur.UpdatedAt.Equal(up.UpdatedAt) {
		t.Errorf("after an early delete: %+v, want deleted at %v", cur, up.UpdatedAt)
	}

	// MarkApplied alone never moves a version back either.
	if ok, err := v.MarkApplied(t.Context(), late); ok || err != nil {
		t.Errorf("MarkApplied(late update) = %v, %v; want false", ok, err)
	}
}

// Seed marks what a loaded catalog holds as applied (never moving a
// version back) and what it lacks as deleted as of the load, except a
// resource applied after the load began.
func TestVersionsSeed(t *testing.T) { testkit.EachDB(t, testVersionsSeed) }

func testVersionsSeed(t *testing.T) {
	q, _ := openTest(t, Options{})
	v := q.Versions()
	ctx := t.Context()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	mark := func(id string, at time.Time) {
		t.Helper()
		if _, err := v.MarkApplied(ctx, Change{Shop: testShop, Kind: KindProduct, ID: id, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	mark("1", day(10)) // in the catalog, older there
	mark("2", day(20)) // in the catalog, newer here than there: kept
	mark("3", day(10)) // gone from the catalog
	mark("4", day(26)) // applied after the load began: kept alive
	if err := v.Seed(ctx, testShop, KindProduct, map[string]time.Time{"1": day(15), "2": day(12), "5": day(14), "6": {}}, day(25)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]Change{
		"1": {UpdatedAt: day(15)},
		"2": {UpdatedAt: day(20)},
		"3": {UpdatedAt: day(25), Deleted: true},
		"4": {UpdatedAt: day(26)},
		"5": {UpdatedAt: day(14)},
	} {
		got, ok, err := v.Applied(ctx, testShop, KindProduct, id)
		if err != nil || !ok || !got.UpdatedAt.Equal(want.UpdatedAt) || got.Deleted != want.Deleted {
			t.Errorf("product %s: %+v %v %v; want updated %v deleted %v", id, got, ok, err, want.UpdatedAt, want.Deleted)
		}
	}
	if _, ok, _ := v.Applied(ctx, testShop, KindProduct, "6"); ok {
		t.Error("a product without updated_at was recorded")
	}
}

func TestInventoryItems(t *testing.T) { testkit.EachDB(t, testInventoryItems) }

func testInventoryItems(t *testing.T) {
	q, _ := openTest(t, Options{})
	v := q.Versions()
	ctx := t.Context()
	if _, _, ok, err := v.InventoryItem(ctx, testShop, "11"); ok || err != nil {
		t.Fatalf("unknown item: %v %v", ok, err)
	}
	if err := v.SetInventoryItems(ctx, testShop, "wands", "elder-wand", []string{"11", "12"}); err != nil {
		t.Fatal(err)
	}
	// A variant moved to another product (or the product renamed).
	if err := v.SetInventoryItems(ctx, testShop, "wands", "holly-wand", []string{"12"}); err != nil {
		t.Fatal(err)
	}
	for item, want := range map[string]string{"11": "elder-wand", "12": "holly-wand"} {
		store, product, ok, err := v.InventoryItem(ctx, testShop, item)
		if err != nil || !ok || store != "wands" || product != want {
			t.Errorf("item %s: %s %s %v %v; want wands %s", item, store, product, ok, err, want)
		}
	}
	if _, _, ok, _ := v.InventoryItem(ctx, "other.myshopify.com", "11"); ok {
		t.Error("another shop's item found")
	}
}

// Decode decodes a body once, by package shopify's REST model, and hands
// the handler the same payload its change was read from.
func TestDecodeHandsThePayload(t *testing.T) {
	d := Delivery{Topic: TopicProductsUpdate, Shop: testShop, Body: []byte(productBody(632910392, "IPod Nano", "2026-11-25T10:00:00-05:00"))}
	c, p, err := d.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if p.Product == nil || p.Collection != nil || p.InventoryLevel != nil {
		t.Fatalf("payload %+v: want the product only", p)
	}
	if string(p.Product.ID) != c.ID || string(p.Product.Handle) != c.Handle || string(p.Product.Title) != "IPod Nano" {
		t.Errorf("payload product %s %q %q, change %s %q", p.Product.ID, p.Product.Handle, p.Product.Title, c.ID, c.Handle)
	}
	d = Delivery{Topic: TopicCollectionsUpdate, Shop: testShop, Body: []byte(`{"id":7,"handle":"wands","title":"Wands","updated_at":"2026-11-25T10:00:00Z","rules":[{"column":"tag","relation":"equals","condition":"wand"}]}`)}
	if _, p, err = d.Decode(); err != nil || p.Collection == nil || len(p.Collection.Rules) != 1 || p.Product != nil {
		t.Errorf("collection payload %+v, err %v", p, err)
	}
	d = Delivery{Topic: TopicInventoryLevelsUpdate, Shop: testShop, Body: []byte(`{"inventory_item_id":3,"location_id":4,"available":5,"updated_at":"2026-11-25T10:00:00Z"}`)}
	if _, p, err = d.Decode(); err != nil || p.InventoryLevel == nil || p.InventoryLevel.Available == nil || *p.InventoryLevel.Available != 5 {
		t.Errorf("inventory payload %+v, err %v", p, err)
	}
}

// Members that start together seed the same shop's versions at once: they
// must wait for each other, not deadlock (PostgreSQL found rows written in
// map order deadlocked at a cluster's start).
func TestVersionsSeedConcurrently(t *testing.T) { testkit.EachDB(t, testVersionsSeedConcurrently) }

func testVersionsSeedConcurrently(t *testing.T) {
	q, _ := openTest(t, Options{})
	v := q.Versions()
	ctx := t.Context()
	for round := 0; round < 5; round++ {
		present := map[string]time.Time{}
		for i := 0; i < 3*seedBatch; i++ {
			present[strconv.Itoa(i)] = time.Date(2026, 11, 1+round, 0, 0, 0, i, time.UTC)
		}
		errs := make(chan error, 3)
		for m := 0; m < 3; m++ {
			go func() {
				errs <- v.Seed(ctx, testShop, KindProduct, present, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
			}()
		}
		for m := 0; m < 3; m++ {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

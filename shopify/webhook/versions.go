package webhook

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wandstore/wandstore/shopify"
)

// Kind is the kind of resource a change is about.
type Kind string

const (
	KindProduct    Kind = "product"
	KindCollection Kind = "collection"
	// KindInventoryLevel is one inventory item at one location.
	KindInventoryLevel Kind = "inventory_level"
)

// Change is what a delivery says changed, as Versions orders it.
type Change struct {
	Shop string
	Kind Kind
	// ID is the product's or collection's numeric id in decimal; for an
	// inventory level "<inventory_item_id>:<location_id>".
	ID string
	// UpdatedAt is the payload's updated_at. A delete payload has none
	// ({"id": 123}): it is the delivery's X-Shopify-Triggered-At, else
	// when it was received.
	UpdatedAt time.Time
	Deleted   bool
	// Handle is the product's or collection's handle when the payload has
	// it (not on deletes).
	Handle string
	// Available is an inventory level's available quantity; nil when not
	// tracked (null) or not an inventory level.
	Available *int64
}

// Payload is a delivery's body, decoded once by package shopify's REST
// model: the one of its fields the topic says (a */delete body is
// {"id"} in Product or Collection).
type Payload struct {
	Product        *shopify.RESTProduct        // products/*
	Collection     *shopify.RESTCollection     // collections/*
	InventoryLevel *shopify.RESTInventoryLevel // inventory_levels/update
}

// Change parses the delivery's payload (Decode) for what orders it.
func (d Delivery) Change() (Change, error) {
	c, _, err := d.Decode()
	return c, err
}

// Decode decodes the delivery's body and returns the change it says (what
// Versions orders) and the payload, for the handler to map. The error wraps
// ErrPermanent (retrying will not make it parse): a topic this package does
// not record, a body that is not a JSON object in Shopify's REST shape, a
// missing or non-numeric id, or a missing or malformed updated_at on a
// create or update.
func (d Delivery) Decode() (Change, Payload, error) {
	c := Change{Shop: d.Shop}
	var (
		deleteTopic bool
		p           Payload
		err         error
		id, handle  shopify.Text
		updated     shopify.Text
	)
	switch d.Topic {
	case TopicProductsCreate, TopicProductsUpdate, TopicProductsDelete:
		c.Kind, deleteTopic = KindProduct, d.Topic == TopicProductsDelete
		if p.Product, err = shopify.DecodeProduct(d.Body); err == nil {
			id, handle, updated = p.Product.ID, p.Product.Handle, p.Product.UpdatedAt
		}
	case TopicCollectionsCreate, TopicCollectionsUpdate, TopicCollectionsDelete:
		c.Kind, deleteTopic = KindCollection, d.Topic == TopicCollectionsDelete
		if p.Collection, err = shopify.DecodeCollection(d.Body); err == nil {
			id, handle, updated = p.Collection.ID, p.Collection.Handle, p.Collection.UpdatedAt
		}
	case TopicInventoryLevelsUpdate:
		c.Kind = KindInventoryLevel
		if p.InventoryLevel, err = shopify.DecodeInventoryLevel(d.Body); err == nil {
			updated = p.InventoryLevel.UpdatedAt
		}
	default:
		return Change{}, Payload{}, fmt.Errorf("webhook: change: topic %q: %w", d.Topic, ErrPermanent)
	}
	if err != nil {
		return Change{}, Payload{}, fmt.Errorf("webhook: change: %s: %v: %w", d.Topic, err, ErrPermanent)
	}
	if c.Kind == KindInventoryLevel {
		item, err1 := resourceID(p.InventoryLevel.InventoryItemID)
		loc, err2 := resourceID(p.InventoryLevel.LocationID)
		if err1 != nil || err2 != nil {
			return Change{}, Payload{}, fmt.Errorf("webhook: change: %s: bad inventory_item_id or location_id: %w", d.Topic, ErrPermanent)
		}
		c.ID, c.Available = item+":"+loc, p.InventoryLevel.Available
	} else {
		rid, err := resourceID(id)
		if err != nil {
			return Change{}, Payload{}, fmt.Errorf("webhook: change: %s: bad id: %w", d.Topic, ErrPermanent)
		}
		c.ID, c.Handle = rid, string(handle)
	}
	if deleteTopic {
		c.Deleted = true
		c.UpdatedAt = d.TriggeredAt
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = d.ReceivedAt
		}
		c.UpdatedAt = normTime(c.UpdatedAt)
		return c, p, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(updated))
	if err != nil {
		return Change{}, Payload{}, fmt.Errorf("webhook: change: %s: updated_at %q: %w", d.Topic, updated, ErrPermanent)
	}
	c.UpdatedAt = normTime(t)
	return c, p, nil
}

// resourceID accepts a positive integer id (Shopify's REST ids, which
// fit in int64).
func resourceID(n shopify.Text) (string, error) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v <= 0 {
		return "", fmt.Errorf("bad id %q", n)
	}
	return strconv.FormatInt(v, 10), nil
}

// Versions remembers, per shop and resource, the newest updated_at
// applied and whether the resource is deleted, so a late or repeated
// delivery is not applied over a newer one.
type Versions struct {
	db *bun.DB
}

type version struct {
	bun.BaseModel `bun:"table:webhook_versions,alias:v"`

	Shop       string    `bun:"shop,pk"`
	Kind       Kind      `bun:"kind,pk"`
	ResourceID string    `bun:"resource_id,pk"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
	Deleted    bool      `bun:"deleted,notnull"`
}

// Verdict is how a change stands against what was applied for its
// resource (Judge).
type Verdict int

const (
	// Stale: older than, or a repeat of, what was applied; skip it.
	Stale Verdict = iota
	// Newer: apply it.
	Newer
	// Tie: a create or update of a product or collection stamped the same
	// second as the applied one. Shopify's updated_at has one-second
	// precision, so two real edits in one second look alike and the
	// payloads cannot say which is the later: read the shop.
	Tie
)

// Judge orders c against applied, what was last applied for its resource
// (ok false: nothing was). A create or update is newer only if its
// UpdatedAt is after the applied one, which for a deleted resource is the
// delete's time, so a late update never undoes a delete; a delete is newer
// unless the resource is already deleted. A resource never seen is newer.
// This is the one ordering rule: ShouldApply and the regenerator use it.
func Judge(c, applied Change, ok bool) Verdict {
	switch {
	case !ok:
		return Newer
	case c.Deleted && applied.Deleted:
		return Stale
	case c.Deleted, normTime(c.UpdatedAt).After(applied.UpdatedAt):
		return Newer
	case !applied.Deleted && normTime(c.UpdatedAt).Equal(applied.UpdatedAt) && (c.Kind == KindProduct || c.Kind == KindCollection):
		return Tie
	}
	return Stale
}

// ShouldApply reports whether c is newer than what was applied for its
// resource (Judge). A tie is refused: a handler that cares re-reads the
// resource from the source then.
func (v *Versions) ShouldApply(ctx context.Context, c Change) (bool, error) {
	cur, ok, err := v.Applied(ctx, c.Shop, c.Kind, c.ID)
	if err != nil {
		return false, err
	}
	return Judge(c, cur, ok) == Newer, nil
}

// Applied returns what was last applied for a resource: its UpdatedAt
// and Deleted (the other fields are the arguments); ok is false if
// nothing was.
func (v *Versions) Applied(ctx context.Context, shop string, kind Kind, id string) (c Change, ok bool, err error) {
	var rows []version
	err = v.db.NewSelect().Model(&rows).
		Where("v.shop = ?", shop).Where("v.kind = ?", kind).Where("v.resource_id = ?", id).Limit(1).Scan(ctx)
	if err != nil {
		return Change{}, false, fmt.Errorf("webhook: versions: %w", err)
	}
	if len(rows) == 0 {
		return Change{}, false, nil
	}
	r := rows[0]
	return Change{Shop: shop, Kind: kind, ID: id, UpdatedAt: r.UpdatedAt.UTC(), Deleted: r.Deleted}, true, nil
}

// MarkApplied records c as applied, unless what is recorded is already as
// new (by ShouldApply's rule); it reports whether it recorded. It is one
// conditional upsert, so concurrent callers cannot move a version back.
func (v *Versions) MarkApplied(ctx context.Context, c Change) (bool, error) {
	row := &version{Shop: c.Shop, Kind: c.Kind, ResourceID: c.ID, UpdatedAt: normTime(c.UpdatedAt), Deleted: c.Deleted}
	q := v.db.NewInsert().Model(row).On("CONFLICT (shop, kind, resource_id) DO UPDATE").Returning("NULL")
	if c.Deleted {
		q = q.Set("deleted = EXCLUDED.deleted").
			Set("updated_at = CASE WHEN v.updated_at < EXCLUDED.updated_at THEN EXCLUDED.updated_at ELSE v.updated_at END").
			Where("v.deleted = ?", false)
	} else {
		q = q.Set("deleted = EXCLUDED.deleted").Set("updated_at = EXCLUDED.updated_at").
			Where("v.updated_at < EXCLUDED.updated_at")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("webhook: mark applied: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("webhook: mark applied: %w", err)
	}
	return n > 0, nil
}

// Apply runs fn if ShouldApply(c), then MarkApplied(c), and reports
// whether fn ran and succeeded. fn's error is returned as is (wrapped),
// and then nothing is marked, so the retry applies again.
//
// The check and the mark are not one transaction: fn (rendering and
// publishing pages) may take long, and holding a write transaction that
// long would block the receiver's inserts. Should two appliers race,
// MarkApplied still never moves a version back. (The regenerator judges
// whole batches itself, with Judge, and marks after publishing.)
func (v *Versions) Apply(ctx context.Context, c Change, fn func(ctx context.Context) error) (bool, error) {
	ok, err := v.ShouldApply(ctx, c)
	if err != nil || !ok {
		return false, err
	}
	if err := fn(ctx); err != nil {
		return false, fmt.Errorf("webhook: apply %s %s: %w", c.Kind, c.ID, err)
	}
	if _, err := v.MarkApplied(ctx, c); err != nil {
		return false, err
	}
	return true, nil
}

// seedBatch is how many versions one Seed statement writes (5 parameters
// a row, well within SQLite's limit on a statement's parameters).
const seedBatch = 500

// Seed records what a freshly loaded catalog of shop says, read at
// loadedAt, so no delivery older than it can roll a page back: each
// resource of kind in present (id -> its updated_at) is marked applied at
// that time (never moving a recorded version back), and each resource of
// kind recorded as alive, at a version older than loadedAt, but absent
// from present is marked deleted at loadedAt (the catalog no longer has
// it; an update stamped later, such as a re-publication, still applies). A zero updated_at in present
// records nothing for that resource.
func (v *Versions) Seed(ctx context.Context, shop string, kind Kind, present map[string]time.Time, loadedAt time.Time) error {
	// The catalog's versions go in by hundreds (a start or a reconcile of
	// a large shop would otherwise cost a round trip a product), by
	// MarkApplied's rule for an update: only ever forward.
	rows := make([]version, 0, len(present))
	for id, at := range present {
		if !at.IsZero() {
			rows = append(rows, version{Shop: shop, Kind: kind, ResourceID: id, UpdatedAt: normTime(at)})
		}
	}
	// In one order: members seeding at once (a cluster's start) then lock
	// the rows in the same order and wait for each other; in map order
	// PostgreSQL found them deadlocked.
	slices.SortFunc(rows, func(a, b version) int { return strings.Compare(a.ResourceID, b.ResourceID) })
	for len(rows) > 0 {
		n := min(len(rows), seedBatch)
		chunk := rows[:n]
		if _, err := v.db.NewInsert().Model(&chunk).
			On("CONFLICT (shop, kind, resource_id) DO UPDATE").
			Set("deleted = EXCLUDED.deleted").Set("updated_at = EXCLUDED.updated_at").
			Where("v.updated_at < EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return fmt.Errorf("webhook: seed: %w", err)
		}
		rows = rows[n:]
	}
	var alive []version
	if err := v.db.NewSelect().Model(&alive).Column("resource_id").
		Where("v.shop = ?", shop).Where("v.kind = ?", kind).Where("v.deleted = ?", false).
		Where("v.updated_at < ?", normTime(loadedAt)). // applied after the load began: the load may not show it yet
		Scan(ctx); err != nil {
		return fmt.Errorf("webhook: seed: %w", err)
	}
	for _, r := range alive {
		if _, ok := present[r.ResourceID]; ok {
			continue
		}
		if _, err := v.MarkApplied(ctx, Change{Shop: shop, Kind: kind, ID: r.ResourceID, UpdatedAt: loadedAt, Deleted: true}); err != nil {
			return err
		}
	}
	return nil
}

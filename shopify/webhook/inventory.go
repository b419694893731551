package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

type inventoryItem struct {
	bun.BaseModel `bun:"table:webhook_inventory_items,alias:i"`

	Shop      string    `bun:"shop,pk"`
	Item      string    `bun:"item,pk"`
	Store     string    `bun:"store"`
	Product   string    `bun:"product"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// SetInventoryItems records that the inventory items belong to a product
// (its store and handle), replacing what was known of them. Product
// payloads carry the items; inventory_levels/update names only an item, so
// this is how its product is found, across restarts and members.
func (v *Versions) SetInventoryItems(ctx context.Context, shop, store, product string, items []string) error {
	if len(items) == 0 {
		return nil
	}
	now := normTime(time.Now())
	rows := make([]inventoryItem, len(items))
	for i, it := range items {
		rows[i] = inventoryItem{Shop: shop, Item: it, Store: store, Product: product, UpdatedAt: now}
	}
	_, err := v.db.NewInsert().Model(&rows).
		On("CONFLICT (shop, item) DO UPDATE").
		Set("store = EXCLUDED.store").Set("product = EXCLUDED.product").Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("webhook: inventory items: %w", err)
	}
	return nil
}

// InventoryItem returns the store and product handle an inventory item
// belongs to; ok is false when no product payload has named it.
func (v *Versions) InventoryItem(ctx context.Context, shop, item string) (store, product string, ok bool, err error) {
	var rows []inventoryItem
	err = v.db.NewSelect().Model(&rows).Where("i.shop = ? AND i.item = ?", shop, item).Limit(1).Scan(ctx)
	if err != nil {
		return "", "", false, fmt.Errorf("webhook: inventory item: %w", err)
	}
	if len(rows) == 0 {
		return "", "", false, nil
	}
	return rows[0].Store, rows[0].Product, true, nil
}

package shopify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wandstore/wandstore/catalog"
)

// Webhooks carry the Admin REST shapes, not the Storefront API's. The
// mapping below turns a REST payload into the Storefront shape (what the
// Storefront API would answer for the same product) and hands it to the
// same mapper Read uses, so variant ids, prices, stock, images and options
// follow one set of rules whichever way a product arrives.

// ProductUpdate is a products/create or products/update payload mapped
// into the catalog.
type ProductUpdate struct {
	// Product is mapped as Read maps the same product (same variant ids,
	// stock, images and options). Its Status comes from the payload's
	// status and published_at: a draft or archived product, or an active
	// one the online store does not publish (published_at null, given as
	// StatusDraft), is not Published() and the caller takes it down.
	Product *catalog.Product
	// ID is Shopify's numeric product id ("632910392").
	ID string
	// InventoryItems maps each variant's inventory_item_id to its variant
	// id, for inventory_levels/update webhooks, which name only the item.
	InventoryItems map[string]string
	// Complete is false when the payload lacks what a page needs (no
	// variants, a price that cannot be read, a tracked variant without a
	// quantity, a status that is not Shopify's, a product the catalog
	// would reject...): the caller reads the product again from the
	// Storefront API (Source.ProductByID).
	Complete bool
	// Problems says what was left out or changed, as Read's do.
	Problems catalog.ValidationErrors
}

// ProductFromWebhook maps a products/create or products/update webhook
// body for the store (its handle) selling in currency. Unknown fields and
// nulls are taken as Shopify means them (a null compare_at_price is no
// sale, a null inventory_management is untracked stock). It returns an
// error for a body that is not a JSON object in the REST shape
// (DecodeProduct), or has no numeric id or no handle, and for a currency
// that is not ISO 4217.
func ProductFromWebhook(body []byte, store, currency string) (*ProductUpdate, error) {
	rp, err := DecodeProduct(body)
	if err != nil {
		return nil, err
	}
	return ProductFromREST(rp, store, currency)
}

// ProductFromREST maps a product decoded by DecodeProduct, as
// ProductFromWebhook: it returns an error for a product with no numeric id
// or no handle, and for a currency that is not ISO 4217.
func ProductFromREST(rp *RESTProduct, store, currency string) (*ProductUpdate, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if !catalog.ValidCurrency(currency) {
		return nil, fmt.Errorf("product webhook: currency %q: %w", currency, catalog.ErrCurrency)
	}
	id, handle, err := restKey("product", rp.ID, rp.Handle)
	if err != nil {
		return nil, err
	}

	gp, complete, err := rp.storefront(handle, currency)
	if err != nil {
		return nil, err
	}
	m := &mapper{store: store, currency: currency, skus: map[string]string{}}
	p := m.product(gp)
	status, known := restStatus(string(rp.Status), rp.PublishedAt)
	p.Status = status
	if !known {
		m.add(p.File, "status", fmt.Sprintf("%q is not active, draft or archived; taken as draft", rp.Status))
	}
	u := &ProductUpdate{Product: p, ID: id, InventoryItems: map[string]string{}}
	for _, v := range rp.Variants {
		if v.InventoryItemID != "" && v.ID != "" {
			u.InventoryItems[string(v.InventoryItemID)] = VariantID(string(v.ID))
		}
	}
	if len(rp.Variants) == 0 {
		m.add(p.File, "variants", "none in the payload")
	}
	valid := m.valid(p, nil, "the product must be read again")
	u.Complete = complete && valid && len(m.problems) == 0
	u.Problems = m.problems
	return u, nil
}

// CollectionUpdate is a collections/create or collections/update payload
// mapped into the catalog.
type CollectionUpdate struct {
	// Collection has the payload's handle, title, description, image and
	// sort order, and the rules of a smart collection whose rules all map
	// (see MembersKnown); never hand-picked members: the payload has none.
	Collection *catalog.Collection
	// ID is Shopify's numeric collection id.
	ID string
	// Published is false when published_at is null: the online store does
	// not show the collection and the caller takes it down. A payload
	// without published_at is taken as published.
	Published bool
	// MembersKnown says the members follow from the payload: a smart
	// collection whose every rule is one catalog.Rules can say. A custom
	// (hand-picked) collection's payload does not list its products.
	MembersKnown bool
	// Complete says the payload is all a page needs: MembersKnown, a title,
	// and a sort order the catalog has (not best-selling, oldest first, or
	// a smart collection's manual order). Otherwise the caller reads the
	// collection again from the Storefront API (Source.Collection), which
	// lists the members in Shopify's order.
	Complete bool
}

// CollectionFromWebhook maps a collections/create or collections/update
// webhook body for the store (its handle). It returns an error for a body
// that is not JSON, or has no numeric id or no handle.
func CollectionFromWebhook(body []byte, store string) (*CollectionUpdate, error) {
	rc, err := DecodeCollection(body)
	if err != nil {
		return nil, err
	}
	return CollectionFromREST(rc, store)
}

// CollectionFromREST maps a collection decoded by DecodeCollection, as
// CollectionFromWebhook: it returns an error for a collection with no
// numeric id or no handle.
func CollectionFromREST(rc *RESTCollection, store string) (*CollectionUpdate, error) {
	id, handle, err := restKey("collection", rc.ID, rc.Handle)
	if err != nil {
		return nil, err
	}
	gc := &gqlCollection{ID: collectionGIDPrefix + id, Handle: handle, Title: string(rc.Title), DescriptionHTML: string(rc.BodyHTML)}
	if rc.Image != nil {
		gc.Image = rc.Image.storefront()
	}
	c := collection(gc, nil)
	sort, sortKnown := restSortOrders[strings.ToLower(strings.TrimSpace(string(rc.SortOrder)))]
	c.Sort = catalog.SortManual
	if sortKnown {
		c.Sort = sort
	}
	u := &CollectionUpdate{Collection: c, ID: id, Published: rc.PublishedAt == nil || !isNull(rc.PublishedAt)}
	if len(rc.Rules) > 0 {
		if sort == catalog.SortManual {
			sortKnown = false // a smart collection's own order is Shopify's to know
		}
		c.Rules = &catalog.Rules{MatchAny: rc.Disjunctive}
		for _, r := range rc.Rules {
			cond, ok := r.condition()
			if !ok {
				c.Rules = nil
				break
			}
			c.Rules.Conditions = append(c.Rules.Conditions, cond)
		}
	}
	m := &mapper{store: store}
	ownValid := m.valid(nil, c, "")
	if !ownValid && c.Rules != nil {
		ownValid = true
		for _, e := range m.problems {
			if strings.HasPrefix(e.Field, "rules") {
				c.Rules = nil // a rule the catalog would reject
			} else {
				ownValid = false
			}
		}
	}
	u.MembersKnown = c.Rules != nil
	u.Complete = u.MembersKnown && sortKnown && ownValid
	return u, nil
}

const collectionGIDPrefix = "gid://shopify/Collection/"

// restSortOrders maps the REST sort_order values the catalog has.
var restSortOrders = map[string]catalog.SortOrder{
	"manual":       catalog.SortManual,
	"alpha-asc":    catalog.SortTitleAsc,
	"alpha-desc":   catalog.SortTitleDesc,
	"price-asc":    catalog.SortPriceAsc,
	"price-desc":   catalog.SortPriceDesc,
	"created-desc": catalog.SortNewest,
}

// restRuleFields maps smart-collection rule columns to catalog rule
// fields; the others (variant_title, variant_weight, is_price_reduced,
// metafields...) the catalog cannot check.
var restRuleFields = map[string]string{
	"tag":                      "tag",
	"title":                    "title",
	"type":                     "type",
	"vendor":                   "vendor",
	"variant_price":            "price",
	"variant_compare_at_price": "compare_at_price",
	"variant_inventory":        "inventory",
}

func (r RESTRule) condition() (catalog.Condition, bool) {
	field, ok := restRuleFields[strings.ToLower(strings.TrimSpace(string(r.Column)))]
	rel := strings.ToLower(strings.TrimSpace(string(r.Relation)))
	if !ok || !slices.Contains(catalog.RuleRelations, rel) {
		return catalog.Condition{}, false
	}
	return catalog.Condition{Field: field, Relation: rel, Value: strings.TrimSpace(string(r.Condition))}, true
}

// restStatus is a product's catalog status from its REST status and
// published_at; known is false for a status Shopify does not have.
func restStatus(status string, publishedAt json.RawMessage) (s catalog.Status, known bool) {
	switch st := strings.ToLower(strings.TrimSpace(status)); st {
	case "draft", "archived":
		return catalog.Status(st), true
	case "active", "": // no status: before API 2019-10, published_at alone said it
		if publishedAt != nil && isNull(publishedAt) {
			return catalog.StatusDraft, true // active, but not on the online store
		}
		return catalog.StatusActive, true
	}
	return catalog.StatusDraft, false
}

// storefront is the product as the Storefront API would give it; complete
// is false when the payload leaves out what the mapping needs. The error is
// for an inventory_management that is not text.
func (rp *RESTProduct) storefront(handle, currency string) (gp *gqlProduct, complete bool, err error) {
	complete = true
	gp = &gqlProduct{
		ID: productGIDPrefix + string(rp.ID), Handle: handle, Title: string(rp.Title), Vendor: string(rp.Vendor),
		ProductType: string(rp.ProductType), Tags: rp.Tags, DescriptionHTML: string(rp.BodyHTML),
		CreatedAt: string(rp.CreatedAt), UpdatedAt: string(rp.UpdatedAt),
	}
	images := byPosition(rp.Images, func(i RESTImage) int { return int(i.Position) })
	imageOf := map[Text]*gqlImage{} // image id or variant id -> image
	for _, ri := range images {
		img := ri.storefront()
		if img == nil {
			continue
		}
		gp.Images.Edges = append(gp.Images.Edges, struct {
			Node gqlImage `json:"node"`
		}{*img})
		if ri.ID != "" {
			imageOf["image "+ri.ID] = img
		}
		for _, vid := range ri.VariantIDs {
			imageOf["variant "+vid] = img
		}
	}
	var names []string
	for i, o := range byPosition(rp.Options, func(o RESTOption) int { return int(o.Position) }) {
		name := strings.TrimSpace(string(o.Name))
		if name == "" {
			name = "Option " + strconv.Itoa(i+1)
		}
		names = append(names, name)
		vals := make([]string, len(o.Values))
		for j, v := range o.Values {
			vals[j] = string(v)
		}
		gp.Options = append(gp.Options, struct {
			Name         string   `json:"name"`
			Values       []string `json:"values"`
			OptionValues []struct {
				Name string `json:"name"`
			} `json:"optionValues"`
		}{Name: name, Values: vals})
	}
	for _, rv := range byPosition(rp.Variants, func(v RESTVariant) int { return int(v.Position) }) {
		gv := gqlVariant{SKU: string(rv.SKU)}
		if rv.ID != "" {
			gv.ID = variantGIDPrefix + string(rv.ID)
		}
		if rv.Price != "" {
			gv.Price = &gqlMoney{Amount: string(rv.Price), CurrencyCode: currency}
		}
		if rv.CompareAtPrice != "" {
			gv.CompareAtPrice = &gqlMoney{Amount: string(rv.CompareAtPrice), CurrencyCode: currency}
		}
		for i, val := range []Text{rv.Option1, rv.Option2, rv.Option3} {
			if val == "" {
				continue
			}
			if i >= len(names) {
				if val != catalog.DefaultVariantTitle {
					complete = false // values of options the payload does not name
				}
				continue
			}
			gv.SelectedOptions = append(gv.SelectedOptions, struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			}{names[i], string(val)})
		}
		// What the Storefront API says of the same variant: a quantity
		// when Shopify tracks it, and for sale while in stock or when it
		// sells on out of stock (inventory_policy continue).
		var mgmt Text
		if rv.InventoryManagement != nil {
			if err := mgmt.UnmarshalJSON(rv.InventoryManagement); err != nil {
				return nil, false, fmt.Errorf("product webhook: not Shopify's shape: inventory_management: %w", err)
			}
		}
		tracked := strings.EqualFold(string(mgmt), "shopify")
		gv.AvailableForSale = !tracked
		if tracked {
			if rv.InventoryQuantity == nil {
				complete = false
			} else {
				q := int(*rv.InventoryQuantity)
				gv.QuantityAvailable = &q
				gv.AvailableForSale = q > 0 || strings.EqualFold(string(rv.InventoryPolicy), "continue")
			}
		}
		if img := imageOf["image "+rv.ImageID]; rv.ImageID != "" && img != nil {
			gv.Image = img
		} else if img := imageOf["variant "+rv.ID]; rv.ID != "" && img != nil {
			gv.Image = img
		}
		gp.Variants.Edges = append(gp.Variants.Edges, struct {
			Node gqlVariant `json:"node"`
		}{gv})
	}
	return gp, complete, nil
}

func (ri *RESTImage) storefront() *gqlImage {
	if ri.Src == "" {
		return nil
	}
	return &gqlImage{URL: string(ri.Src), AltText: string(ri.Alt), Width: int(ri.Width), Height: int(ri.Height)}
}

// byPosition orders list by position, those without one last, in their
// order.
func byPosition[T any](list []T, pos func(T) int) []T {
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b T) int {
		pa, pb := pos(a), pos(b)
		if (pa > 0) != (pb > 0) {
			if pa > 0 {
				return -1
			}
			return 1
		}
		return pa - pb
	})
	return out
}

// restKey checks what every payload must have: a numeric id and a handle.
func restKey(kind string, rawID, rawHandle Text) (id, handle string, err error) {
	id, handle = string(rawID), strings.TrimSpace(string(rawHandle))
	switch {
	case id == "":
		return "", "", fmt.Errorf("%s webhook: no id", kind)
	case !allDigits(id):
		return "", "", fmt.Errorf("%s webhook: id %q is not a number", kind, id)
	case handle == "":
		return "", "", fmt.Errorf("%s webhook: %s %s has no handle", kind, kind, id)
	}
	return id, handle, nil
}

package shopify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Lenient JSON values for Shopify's REST shapes (products.json, webhook
// payloads), where one field arrives as a string, a number or null
// depending on the shop and the API version. Every field of the REST model
// below that Shopify has been seen to send either way is one of these.

// Text takes a string, a number (kept as written: "19.99", an id's
// digits), a bool, or null ("").
type Text string

func (f *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = Text(s)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9') || b[0] == 't' || b[0] == 'f'):
		*f = Text(b)
	default:
		return fmt.Errorf("want text, got %s", abbrev(b))
	}
	return nil
}

// Int takes a number (whole, or with a zero fraction), a string of
// one, or null (0).
type Int int

func (f *Int) UnmarshalJSON(b []byte) error {
	var s Text
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	str := strings.TrimSpace(string(s))
	if str == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(str, 64)
	if err != nil || n != float64(int(n)) {
		return fmt.Errorf("want a whole number, got %s", abbrev(b))
	}
	*f = Int(n)
	return nil
}

// Tags takes "a, b, c", ["a", "b"] or null.
type Tags []string

func (f *Tags) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var parts []string
	switch {
	case string(b) == "null":
	case len(b) > 0 && b[0] == '[':
		var list []Text
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		for _, t := range list {
			parts = append(parts, string(t))
		}
	default:
		var s Text
		if err := s.UnmarshalJSON(b); err != nil {
			return err
		}
		parts = strings.Split(string(s), ",")
	}
	var out []string
	for _, t := range parts {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	*f = out
	return nil
}

func abbrev(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "..."
	}
	return string(b)
}

// The REST shape of products and collections: what Admin API webhooks
// (products/*, collections/*), the Admin REST API and a storefront's public
// /products.json send. It is the one declaration of that shape: webhook
// deliveries (shopify/webhook, mapped by ProductFromREST and
// CollectionFromREST) and products.json exports (shopify/productsjson) are
// decoded by it. Only what a mapping reads is declared; encoding/json
// ignores the rest.

// RESTProduct is a product in the REST shape.
type RESTProduct struct {
	ID          Text            `json:"id"`
	Handle      Text            `json:"handle"`
	Title       Text            `json:"title"`
	BodyHTML    Text            `json:"body_html"`
	Vendor      Text            `json:"vendor"`
	ProductType Text            `json:"product_type"`
	Tags        Tags            `json:"tags"`
	CreatedAt   Text            `json:"created_at"`
	UpdatedAt   Text            `json:"updated_at"`
	PublishedAt json.RawMessage `json:"published_at"` // nil when absent, null when unpublished
	Status      Text            `json:"status"`
	SEO         *RESTSEO        `json:"seo"`
	Variants    []RESTVariant   `json:"variants"`
	Options     []RESTOption    `json:"options"`
	Images      []RESTImage     `json:"images"`
}

// RESTSEO is a product's search-engine title and description
// (products.json).
type RESTSEO struct {
	Title       Text `json:"title"`
	Description Text `json:"description"`
}

// RESTVariant is a product's variant in the REST shape.
type RESTVariant struct {
	ID             Text `json:"id"`
	Title          Text `json:"title"`
	Position       Int  `json:"position"`
	Option1        Text `json:"option1"`
	Option2        Text `json:"option2"`
	Option3        Text `json:"option3"`
	SKU            Text `json:"sku"`
	Price          Text `json:"price"`
	CompareAtPrice Text `json:"compare_at_price"`
	// Available is products.json's "available" (nil when absent).
	Available       *bool `json:"available"`
	InventoryItemID Text  `json:"inventory_item_id"`
	// InventoryQuantity is nil when absent or null.
	InventoryQuantity *Int `json:"inventory_quantity"`
	// InventoryManagement is kept as sent: absent (nil), null, "" and
	// "shopify" (or another service) say different things (see the
	// mappings).
	InventoryManagement json.RawMessage `json:"inventory_management"`
	InventoryPolicy     Text            `json:"inventory_policy"`
	ImageID             Text            `json:"image_id"`
	// FeaturedImage is products.json's: an image object, its URL as a
	// string, or null.
	FeaturedImage RESTFeaturedImage `json:"featured_image"`
}

// RESTOption is one of a product's options.
type RESTOption struct {
	Name     Text   `json:"name"`
	Position Int    `json:"position"`
	Values   []Text `json:"values"`
}

// RESTImage is a product's (or a collection's) image.
type RESTImage struct {
	ID         Text   `json:"id"`
	Position   Int    `json:"position"`
	Src        Text   `json:"src"`
	Alt        Text   `json:"alt"`
	Width      Int    `json:"width"`
	Height     Int    `json:"height"`
	VariantIDs []Text `json:"variant_ids"`
}

// RESTFeaturedImage takes an image object, its URL as a string, or null.
type RESTFeaturedImage struct{ RESTImage }

func (f *RESTFeaturedImage) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, &f.RESTImage)
	}
	return f.Src.UnmarshalJSON(b)
}

// RESTCollection is a collection (custom or smart) in the REST shape.
type RESTCollection struct {
	ID          Text            `json:"id"`
	Handle      Text            `json:"handle"`
	Title       Text            `json:"title"`
	BodyHTML    Text            `json:"body_html"`
	UpdatedAt   Text            `json:"updated_at"`
	PublishedAt json.RawMessage `json:"published_at"`
	SortOrder   Text            `json:"sort_order"`
	Image       *RESTImage      `json:"image"`
	Rules       []RESTRule      `json:"rules"`
	Disjunctive bool            `json:"disjunctive"`
}

// RESTRule is one rule of a smart collection.
type RESTRule struct {
	Column    Text `json:"column"`
	Relation  Text `json:"relation"`
	Condition Text `json:"condition"`
}

// RESTInventoryLevel is an inventory_levels/update payload: one inventory
// item's available quantity at one location (nil when not tracked).
type RESTInventoryLevel struct {
	InventoryItemID Text   `json:"inventory_item_id"`
	LocationID      Text   `json:"location_id"`
	Available       *int64 `json:"available"`
	UpdatedAt       Text   `json:"updated_at"`
}

// DecodeProduct decodes a product in the REST shape (a products/* webhook
// body). The error says when body is not a JSON object, or does not fit the
// shape; the id and the handle are checked by ProductFromREST.
func DecodeProduct(body []byte) (*RESTProduct, error) {
	return decodeREST[RESTProduct]("product", body)
}

// DecodeCollection decodes a collection in the REST shape (a
// collections/* webhook body), as DecodeProduct.
func DecodeCollection(body []byte) (*RESTCollection, error) {
	return decodeREST[RESTCollection]("collection", body)
}

// DecodeInventoryLevel decodes an inventory_levels/update body, as
// DecodeProduct.
func DecodeInventoryLevel(body []byte) (*RESTInventoryLevel, error) {
	return decodeREST[RESTInventoryLevel]("inventory level", body)
}

// decodeREST decodes a kind ("product") of webhook body.
func decodeREST[T any](kind string, body []byte) (*T, error) {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%s webhook: not a JSON object", kind)
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fmt.Errorf("%s webhook: not Shopify's shape: %w", kind, err)
	}
	return v, nil
}

package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wandstore/wandstore/catalog"
)

// Single reads: one product or collection, as Read maps it, for a caller
// that learns (from a webhook) that one changed and wants it again without
// reading the whole catalog.

// Product reads the product with the handle, mapped as Read maps it, with
// the problems of what was left out or changed. It returns a nil product
// and a nil error when the shop has no such product or the token's sales
// channel does not publish it (the Storefront API answers product: null),
// and a nil product with the problems when the catalog would reject it.
// SKUs are not checked against the other products': a single read sees
// one. The error is for a read that failed (see Read).
func (s *Source) Product(ctx context.Context, handle string) (*catalog.Product, catalog.ValidationErrors, error) {
	return s.readProduct(ctx, "ProductByHandle", queryProductByHandle, map[string]any{"handle": handle}, fmt.Sprintf("product %q", handle))
}

// ProductByID is Product for the product with Shopify's numeric id
// ("632910392", a webhook's id, Product.SourceID). An id that is not a
// number is an error.
func (s *Source) ProductByID(ctx context.Context, numericID string) (*catalog.Product, catalog.ValidationErrors, error) {
	if !allDigits(numericID) {
		return nil, nil, fmt.Errorf("store %q: product id %q is not a number", s.handle, numericID)
	}
	return s.readProduct(ctx, "ProductByID", queryProductByID, map[string]any{"id": productGIDPrefix + numericID}, "product "+numericID)
}

const productGIDPrefix = "gid://shopify/Product/"

func (s *Source) readProduct(ctx context.Context, op, q string, vars map[string]any, what string) (*catalog.Product, catalog.ValidationErrors, error) {
	cur, err := s.shopCurrency(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := &mapper{store: s.handle, currency: cur, skus: map[string]string{}}
	var data struct {
		Product json.RawMessage `json:"product"`
	}
	if err := s.query(ctx, m, op, q, vars, &data); err != nil {
		return nil, nil, fmt.Errorf("store %q: %s: %w", s.handle, what, err)
	}
	if isNull(data.Product) {
		return nil, nil, nil
	}
	var gp gqlProduct
	if err := json.Unmarshal(data.Product, &gp); err != nil {
		m.add("products", what, fmt.Sprintf("not a product: %v; product skipped", strings.TrimPrefix(err.Error(), "json: ")))
		return nil, m.problems, nil
	}
	if err := s.moreVariants(ctx, m, &gp); err != nil {
		return nil, nil, fmt.Errorf("store %q: %s: %w", s.handle, what, err)
	}
	p := m.product(&gp)
	if !m.valid(p, nil, "product skipped") {
		return nil, m.problems, nil
	}
	return p, m.problems, nil
}

// Collection reads the collection with the handle, its members' handles
// read to the last page, mapped as Read maps it. It returns a nil
// collection and a nil error when the shop has no such collection or does
// not publish it, and a nil collection with the problems when the catalog
// would reject it. Members are not checked against the products: a single
// read does not know them. The error is for a read that failed (see Read).
func (s *Source) Collection(ctx context.Context, handle string) (*catalog.Collection, catalog.ValidationErrors, error) {
	cur, err := s.shopCurrency(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := &mapper{store: s.handle, currency: cur}
	var data struct {
		Collection json.RawMessage `json:"collection"`
	}
	if err := s.c.Do(ctx, "CollectionByHandle", queryCollectionByHandle, map[string]any{"handle": handle}, &data); err != nil {
		return nil, nil, fmt.Errorf("store %q: collection %q: %w", s.handle, handle, err)
	}
	if isNull(data.Collection) {
		return nil, nil, nil
	}
	var gc gqlCollection
	if err := json.Unmarshal(data.Collection, &gc); err != nil {
		m.add("collections", fmt.Sprintf("collection %q", handle), fmt.Sprintf("not a collection: %v; collection skipped", strings.TrimPrefix(err.Error(), "json: ")))
		return nil, m.problems, nil
	}
	handles, err := s.collectionHandles(ctx, &gc)
	if err != nil {
		return nil, nil, fmt.Errorf("store %q: collection %q: %w", s.handle, handle, err)
	}
	c := collection(&gc, handles)
	if !m.valid(nil, c, "collection skipped") {
		return nil, m.problems, nil
	}
	return c, m.problems, nil
}

// shopCurrency is the shop's currency, kept from the last Read or from
// the first single read that needed it: a shop does not change its
// currency under a running server, and a build's Read reads it afresh.
// Concurrent first reads may each ask the shop; they agree.
func (s *Source) shopCurrency(ctx context.Context) (string, error) {
	s.mu.Lock()
	cur := s.currency
	s.mu.Unlock()
	if cur != "" {
		return cur, nil
	}
	_, cur, err := s.shop(ctx)
	return cur, err
}

func isNull(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return t == "" || t == "null"
}

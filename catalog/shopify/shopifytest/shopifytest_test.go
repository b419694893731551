package shopifytest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog/shopify/shopifytest"
)

func post(t *testing.T, url, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// The stand-in answers in Shopify's shapes, whoever asks.
func TestShapes(t *testing.T) {
	srv := shopifytest.New(t, shopifytest.WithToken("tok"))
	srv.SetProducts([]shopifytest.Product{
		{Handle: "a", Title: "A", Variants: []shopifytest.Variant{{Price: shopifytest.Money{Amount: "1.0", CurrencyCode: "USD"}}}},
		{Handle: "b", Title: "B"},
		{Handle: "c", Title: "C"},
	})
	url := srv.URL() + "/api/2025-01/graphql.json"
	auth := map[string]string{"X-Shopify-Storefront-Access-Token": "tok", "Content-Type": "application/json"}

	// Dispatch on the name after "query" when there is no operationName.
	status, out := post(t, url, `{"query":"query Products($first: Int!) { products(first: $first) { edges { node { handle } } } }","variables":{"first":2}}`, auth)
	if status != 200 {
		t.Fatalf("status %d: %v", status, out)
	}
	products := out["data"].(map[string]any)["products"].(map[string]any)
	edges := products["edges"].([]any)
	pi := products["pageInfo"].(map[string]any)
	if len(edges) != 2 || pi["hasNextPage"] != true || pi["endCursor"] == nil {
		t.Fatalf("first page = %v", products)
	}
	node := edges[0].(map[string]any)["node"].(map[string]any)
	v := node["variants"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
	if node["id"] != "gid://shopify/Product/1" || v["id"] != "gid://shopify/ProductVariant/10001" ||
		v["compareAtPrice"] != nil || v["quantityAvailable"] != nil || v["price"].(map[string]any)["amount"] != "1.0" {
		t.Errorf("node = %v", node)
	}
	after, _ := json.Marshal(pi["endCursor"])
	_, out = post(t, url, `{"operationName":"Products","query":"query Products { x }","variables":{"first":2,"after":`+string(after)+`}}`, auth)
	products = out["data"].(map[string]any)["products"].(map[string]any)
	if edges := products["edges"].([]any); len(edges) != 1 || products["pageInfo"].(map[string]any)["hasNextPage"] != false {
		t.Errorf("last page = %v", products)
	}

	// Errors: GraphQL ones in the envelope, HTTP ones as statuses.
	_, out = post(t, url, `{"operationName":"Products","query":"query Products { x }","variables":{"first":251}}`, auth)
	if errs, _ := out["errors"].([]any); len(errs) != 1 || out["data"] != nil {
		t.Errorf("first 251 = %v", out)
	}
	if status, _ := post(t, url, `{"operationName":"Shop","query":"query Shop { shop { name } }"}`, nil); status != 401 {
		t.Errorf("no token: %d", status)
	}
	if status, _ := post(t, srv.URL()+"/admin/api/2025-01/graphql.json", `{}`, auth); status != 404 {
		t.Errorf("wrong path: %d", status)
	}
	srv.Fail(430, 1, "2")
	if status, _ := post(t, url, `{"operationName":"Shop","query":"query Shop { shop { name } }"}`, auth); status != 430 {
		t.Errorf("injected: %d", status)
	}
	if got := srv.Requests(); got != 6 {
		t.Errorf("Requests = %d", got)
	}
	if got := srv.RequestsFor("Products"); got != 3 {
		t.Errorf("RequestsFor(Products) = %d", got)
	}

	// A cart lookup for an unknown id is null, not an error.
	_, out = post(t, url, `{"operationName":"Cart","query":"query Cart($id: ID!) { cart(id: $id) { id } }","variables":{"id":"gid://shopify/Cart/nope"}}`, auth)
	if d := out["data"].(map[string]any); d["cart"] != nil || out["errors"] != nil {
		t.Errorf("unknown cart = %v", out)
	}
}

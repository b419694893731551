package shopifytest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/shopify/shopifytest"
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

// Single reads: by handle and by id, null for unknown and unlisted ones;
// ids filled in for collections.
func TestSingleOperations(t *testing.T) {
	srv := shopifytest.New(t)
	srv.SetProducts([]shopifytest.Product{
		{Handle: "a", Title: "A"},
		{Handle: "draft", Title: "D", Status: "draft"},
	})
	srv.SetCollections([]shopifytest.Collection{{Handle: "c", Title: "C", ProductHandles: []string{"a"}}, {ID: "gid://shopify/Collection/77", Handle: "d"}})
	if got := srv.Collections(); got[0].ID != "gid://shopify/Collection/1" || got[1].ID != "gid://shopify/Collection/77" {
		t.Errorf("collection ids = %q, %q", got[0].ID, got[1].ID)
	}
	url := srv.URL() + "/api/2025-01/graphql.json"
	ask := func(op, vars string) map[string]any {
		t.Helper()
		status, out := post(t, url, `{"operationName":"`+op+`","query":"query `+op+` { x }","variables":`+vars+`}`, nil)
		if status != 200 || out["errors"] != nil {
			t.Fatalf("%s %s: %d %v", op, vars, status, out)
		}
		return out["data"].(map[string]any)
	}
	if p, _ := ask("ProductByHandle", `{"handle":"a"}`)["product"].(map[string]any); p == nil || p["id"] != "gid://shopify/Product/1" {
		t.Errorf("by handle = %v", p)
	}
	if p, _ := ask("ProductByID", `{"id":"gid://shopify/Product/1"}`)["product"].(map[string]any); p == nil || p["handle"] != "a" {
		t.Errorf("by id = %v", p)
	}
	for _, q := range [][2]string{{"ProductByHandle", `{"handle":"nope"}`}, {"ProductByHandle", `{"handle":"draft"}`}, {"ProductByID", `{"id":"gid://shopify/Product/2"}`}} {
		if d := ask(q[0], q[1]); d["product"] != nil {
			t.Errorf("%s %s = %v", q[0], q[1], d)
		}
	}
	d := ask("Products", `{"first":10}`)
	if edges := d["products"].(map[string]any)["edges"].([]any); len(edges) != 1 {
		t.Errorf("Products lists %d, want only the active one", len(edges))
	}
	c, _ := ask("CollectionByHandle", `{"handle":"c"}`)["collection"].(map[string]any)
	if c == nil || c["id"] != "gid://shopify/Collection/1" || len(c["products"].(map[string]any)["edges"].([]any)) != 1 {
		t.Errorf("collection = %v", c)
	}
	if d := ask("CollectionByHandle", `{"handle":"nope"}`); d["collection"] != nil {
		t.Errorf("unknown collection = %v", d)
	}
}

func TestProductPayload(t *testing.T) {
	srv := shopifytest.New(t)
	img := shopifytest.Image{ID: "gid://shopify/ProductImage/850703190", URL: "https://cdn.shopify.com/a.jpg", Width: 10, Height: 20}
	srv.SetProducts([]shopifytest.Product{{
		ID: "gid://shopify/Product/632910392", Handle: "elder-wand", Title: "Elder Wand", Tags: []string{"wand", "Deathly Hallows"},
		CreatedAt: "2026-03-01T15:00:00Z", Images: []shopifytest.Image{img},
		Options: []shopifytest.Option{{Name: "Wood", Values: []string{"Elder", "Oak"}}},
		Variants: []shopifytest.Variant{
			{ID: "gid://shopify/ProductVariant/808950810", SKU: "EW", AvailableForSale: true, QuantityAvailable: ptr(3),
				Price: shopifytest.Money{Amount: "129.5", CurrencyCode: "USD"}, CompareAtPrice: &shopifytest.Money{Amount: "150.0", CurrencyCode: "USD"},
				SelectedOptions: []shopifytest.SelectedOption{{Name: "Wood", Value: "Elder"}}, Image: &img},
			{AvailableForSale: true, QuantityAvailable: ptr(0), Price: shopifytest.Money{Amount: "99", CurrencyCode: "USD"},
				SelectedOptions: []shopifytest.SelectedOption{{Name: "Wood", Value: "Oak"}}},
		},
	}, {Handle: "draft", Title: "Draft", Status: "draft"}})
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	body := shopifytest.ProductPayload(srv.Products()[0], at)

	var got map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber() // ids are numbers, as Shopify sends them
	if err := d.Decode(&got); err != nil {
		t.Fatal(err)
	}
	v0 := got["variants"].([]any)[0].(map[string]any)
	v1 := got["variants"].([]any)[1].(map[string]any)
	img0 := got["images"].([]any)[0].(map[string]any)
	for name, c := range map[string][2]any{
		"id":                    {got["id"], json.Number("632910392")},
		"tags":                  {got["tags"], "wand, Deathly Hallows"},
		"status":                {got["status"], "active"},
		"published_at":          {got["published_at"], "2026-03-01T15:00:00Z"},
		"updated_at":            {got["updated_at"], "2026-03-02T09:30:00Z"},
		"variant id":            {v0["id"], json.Number("808950810")},
		"variant product_id":    {v0["product_id"], json.Number("632910392")},
		"price":                 {v0["price"], "129.50"},
		"compare_at_price":      {v0["compare_at_price"], "150.00"},
		"no compare_at_price":   {v1["compare_at_price"], nil},
		"second variant id":     {v1["id"], json.Number("10002")},
		"price 99":              {v1["price"], "99.00"},
		"inventory_management":  {v0["inventory_management"], "shopify"},
		"inventory_quantity":    {v0["inventory_quantity"], json.Number("3")},
		"inventory_policy":      {v0["inventory_policy"], "deny"},
		"sells on":              {v1["inventory_policy"], "continue"},
		"inventory_item_id":     {v0["inventory_item_id"], json.Number("9808950810")},
		"option1":               {v0["option1"], "Elder"},
		"option2":               {v0["option2"], nil},
		"title":                 {v0["title"], "Elder"},
		"image_id":              {v0["image_id"], json.Number("850703190")},
		"image variant_ids":     {img0["variant_ids"], []any{json.Number("808950810")}},
		"image src":             {img0["src"], "https://cdn.shopify.com/a.jpg"},
		"image alt":             {img0["alt"], nil},
		"options":               {got["options"].([]any)[0].(map[string]any)["values"], []any{"Elder", "Oak"}},
		"admin_graphql_api_id":  {got["admin_graphql_api_id"], "gid://shopify/Product/632910392"},
		"main image":            {got["image"].(map[string]any)["id"], json.Number("850703190")},
		"variant graphql id":    {v1["admin_graphql_api_id"], "gid://shopify/ProductVariant/10002"},
		"variant position":      {v1["position"], json.Number("2")},
		"no variant image":      {v1["image_id"], nil},
		"product created_at":    {got["created_at"], "2026-03-01T15:00:00Z"},
		"template_suffix (nil)": {got["template_suffix"], nil},
	} {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("%s = %#v, want %#v", name, c[0], c[1])
		}
	}

	var draft map[string]any
	if err := json.Unmarshal(shopifytest.ProductPayload(srv.Products()[1], at), &draft); err != nil {
		t.Fatal(err)
	}
	if draft["status"] != "draft" || draft["published_at"] != nil || draft["id"] != 2.0 {
		t.Errorf("draft = %v", draft)
	}
	if opts := draft["options"].([]any); len(opts) != 1 || opts[0].(map[string]any)["name"] != "Title" {
		t.Errorf("draft options = %v", opts)
	}

	var coll map[string]any
	if err := json.Unmarshal(shopifytest.CollectionPayload(shopifytest.Collection{ID: "gid://shopify/Collection/482865238", Handle: "c", Title: "C"}, at), &coll); err != nil {
		t.Fatal(err)
	}
	if coll["id"] != 482865238.0 || coll["handle"] != "c" || coll["sort_order"] != "manual" || coll["published_at"] != "2026-03-02T09:30:00Z" {
		t.Errorf("collection = %v", coll)
	}
	if _, ok := coll["image"]; ok {
		t.Errorf("collection without an image has one: %v", coll["image"])
	}
}

func ptr[T any](v T) *T { return &v }

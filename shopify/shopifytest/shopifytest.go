// Package shopifytest is a stand-in for Shopify's Storefront API in tests:
// an httptest server on 127.0.0.1 that answers the GraphQL operations
// package shopify sends (Shop, Products, ProductVariants, ProductByHandle,
// ProductByID, Collections, CollectionProducts, CollectionByHandle,
// CartCreate, CartLinesAdd, Cart) in Shopify's JSON
// shapes: a data/errors envelope, connections of edges/node with
// pageInfo{hasNextPage endCursor}, MoneyV2 amounts as decimal strings,
// userErrors on cart mutations and null for an unknown cart.
//
// It dispatches on the operation name (or the name after query/mutation)
// and honours the first/after variables; it does not parse selection sets,
// so it answers every field package shopify asks for. Knobs inject HTTP
// failures and GraphQL throttling, slow answers, and a required token;
// counters and the last request's headers let tests check what was sent.
//
// ProductPayload and CollectionPayload give the Admin REST webhook bodies
// Shopify sends when a stand-in product or collection changes.
package shopifytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Product is a product as the stand-in serves it. Zero values are served
// as Shopify serves absent data: null altText, width, height,
// quantityAvailable, compareAtPrice and image; an empty SEO has null
// fields.
type Product struct {
	ID              string // default gid://shopify/Product/<n>
	Handle          string
	Title           string
	Vendor          string
	ProductType     string
	Tags            []string
	DescriptionHTML string
	SEO             *SEO
	CreatedAt       string // ISO 8601; empty is served as null
	UpdatedAt       string
	Images          []Image
	Options         []Option // empty: a "Title" option with "Default Title"
	Variants        []Variant
	// Status is "active" (or empty), "draft" or "archived". The
	// Storefront API serves only active products; ProductPayload gives
	// the others with their status and a null published_at.
	Status string

	// Raw, when set, is served verbatim as the product's node (to test
	// nulls, unknown fields and wrong types); the other fields are then
	// used only to find the product by ID.
	Raw json.RawMessage
}

// SEO is a product's or collection's search-engine title and description.
type SEO struct{ Title, Description string }

// Image is a picture on Shopify's CDN.
type Image struct {
	ID            string
	URL           string
	AltText       string
	Width, Height int
}

// Option is a product option with its values.
type Option struct {
	Name   string
	Values []string
}

// Money is a MoneyV2: a decimal string and a currency code.
type Money struct{ Amount, CurrencyCode string }

// SelectedOption is one of a variant's option values.
type SelectedOption struct{ Name, Value string }

// Variant is a product variant.
type Variant struct {
	ID                string // default gid://shopify/ProductVariant/<n>
	SKU               string
	Title             string // default the values joined by " / "
	AvailableForSale  bool
	QuantityAvailable *int
	Price             Money
	CompareAtPrice    *Money
	SelectedOptions   []SelectedOption // empty: Title: Default Title
	Image             *Image
}

// Collection is a collection with its members' handles in order.
type Collection struct {
	ID              string // default gid://shopify/Collection/<n>
	Handle          string
	Title           string
	DescriptionHTML string
	Image           *Image
	SEO             *SEO
	ProductHandles  []string
}

// CartState is what the stand-in holds of a cart.
type CartState struct {
	ID    string
	Lines []Line
	Buyer map[string]any // the buyerIdentity input, nil when none
}

// Line is one cart line.
type Line struct {
	MerchandiseID string
	Quantity      int
}

// Server is the stand-in. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu          sync.Mutex
	token       string
	shopName    string
	currency    string
	products    []Product
	collections []Collection
	failStatus  int
	failN       int
	retryAfter  string
	throttleN   int
	denyStock   bool
	delay       time.Duration
	total       int
	byOp        map[string]int
	last        http.Header
	carts       map[string]*CartState
	nextCart    int
}

// A ServerOption configures a Server.
type ServerOption func(*Server)

// WithToken makes the server answer 401 unless the request carries tok in
// Shopify-Storefront-Private-Token or X-Shopify-Storefront-Access-Token.
func WithToken(tok string) ServerOption { return func(s *Server) { s.token = tok } }

// WithShop sets the shop's name and currency (default "Test Shop", USD).
func WithShop(name, currency string) ServerOption {
	return func(s *Server) { s.shopName, s.currency = name, currency }
}

// New starts a Server on 127.0.0.1, closed when the test ends.
func New(t testing.TB, opts ...ServerOption) *Server {
	t.Helper()
	s := &Server{shopName: "Test Shop", currency: "USD", byOp: map[string]int{}, carts: map[string]*CartState{}}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to give shopify.Config.Endpoint.
func (s *Server) URL() string { return s.srv.URL }

// SetShop changes the shop's name and currency.
func (s *Server) SetShop(name, currency string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shopName, s.currency = name, currency
}

// SetProducts replaces the catalog's products, in order, filling in
// missing ids (product n, from 1: gid://shopify/Product/n; its variant m,
// from 1: gid://shopify/ProductVariant/n*10000+m).
func (s *Server) SetProducts(ps []Product) {
	cp := make([]Product, len(ps))
	for i, p := range ps {
		if p.ID == "" {
			p.ID = "gid://shopify/Product/" + strconv.Itoa(i+1)
		}
		p.Variants = append([]Variant(nil), p.Variants...)
		for j := range p.Variants {
			if p.Variants[j].ID == "" {
				p.Variants[j].ID = "gid://shopify/ProductVariant/" + strconv.Itoa((i+1)*10000+j+1)
			}
		}
		cp[i] = p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.products = cp
}

// Products returns the products served, ids filled in.
func (s *Server) Products() []Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Product(nil), s.products...)
}

// SetCollections replaces the collections, in order, filling in missing
// ids (collection n, from 1: gid://shopify/Collection/n).
func (s *Server) SetCollections(cs []Collection) {
	cp := append([]Collection(nil), cs...)
	for i := range cp {
		if cp[i].ID == "" {
			cp[i].ID = "gid://shopify/Collection/" + strconv.Itoa(i+1)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.collections = cp
}

// Collections returns the collections served, ids filled in.
func (s *Server) Collections() []Collection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Collection(nil), s.collections...)
}

// Fail makes the next n requests answer status (429, 430, 500, 401...),
// with a Retry-After header when retryAfter is not empty.
func (s *Server) Fail(status, n int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failStatus, s.failN, s.retryAfter = status, n, retryAfter
}

// Throttle makes the next n requests answer 200 with a GraphQL error whose
// extensions.code is THROTTLED, as Shopify does when a query's cost is over
// the limit.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttleN = n
}

// DenyInventory makes a query asking for quantityAvailable fail with
// ACCESS_DENIED, as for a token without the
// unauthenticated_read_product_inventory scope.
func (s *Server) DenyInventory(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyStock = deny
}

// SetDelay makes every answer wait d (or until the client gives up).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests is how many requests reached the server, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// RequestsFor is how many requests named the operation op ("Products").
func (s *Server) RequestsFor(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byOp[op]
}

// LastHeader is the headers of the last request.
func (s *Server) LastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last.Clone()
}

// Cart returns what the server holds of a cart.
func (s *Server) Cart(id string) (CartState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.carts[id]
	if !ok {
		return CartState{}, false
	}
	cp := *c
	cp.Lines = append([]Line(nil), c.Lines...)
	return cp, true
}

// EvictCart forgets a cart, as Shopify does when one expires.
func (s *Server) EvictCart(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.carts, id)
}

var (
	pathRE = regexp.MustCompile(`^/api/(?:[0-9]{4}-[0-9]{2}|unstable)/graphql\.json$`)
	opRE   = regexp.MustCompile(`^\s*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)`)
)

type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var req gqlRequest
	decodeErr := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req)
	op := req.OperationName
	if m := opRE.FindStringSubmatch(req.Query); op == "" && m != nil {
		op = m[1]
	}

	s.mu.Lock()
	s.total++
	s.byOp[op]++
	s.last = r.Header.Clone()
	delay := s.delay
	failStatus, retryAfter := 0, ""
	if s.failN > 0 {
		s.failN--
		failStatus, retryAfter = s.failStatus, s.retryAfter
	}
	throttled := false
	if failStatus == 0 && s.throttleN > 0 {
		s.throttleN--
		throttled = true
	}
	token := s.token
	s.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		writeStatus(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	case !pathRE.MatchString(r.URL.Path):
		writeStatus(w, http.StatusNotFound, "Not Found")
		return
	case failStatus != 0:
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeStatus(w, failStatus, http.StatusText(failStatus))
		return
	case token != "" && r.Header.Get("Shopify-Storefront-Private-Token") != token &&
		r.Header.Get("X-Shopify-Storefront-Access-Token") != token:
		writeStatus(w, http.StatusUnauthorized, "[API] Invalid API key or access token (unrecognized login or wrong password)")
		return
	case decodeErr != nil:
		writeStatus(w, http.StatusBadRequest, "Bad Request: body is not a GraphQL request")
		return
	case throttled:
		writeJSON(w, map[string]any{"errors": []any{gqlError("Throttled", "THROTTLED")}})
		return
	}
	stock := strings.Contains(req.Query, "quantityAvailable")
	s.mu.Lock()
	deny := stock && s.denyStock
	s.mu.Unlock()
	if deny {
		e := gqlError("Access denied for quantityAvailable field. Required access: `unauthenticated_read_product_inventory` access scope.", "ACCESS_DENIED")
		e["path"] = []any{"products", "edges", 0, "node", "variants", "edges", 0, "node", "quantityAvailable"}
		writeJSON(w, map[string]any{"data": nil, "errors": []any{e}})
		return
	}
	data, err := s.dispatch(op, req.Variables, stock)
	if err != nil {
		writeJSON(w, map[string]any{"data": nil, "errors": []any{gqlError(err.Error(), "BAD_REQUEST")}})
		return
	}
	writeJSON(w, map[string]any{"data": data})
}

func writeStatus(w http.ResponseWriter, status int, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	_ = json.NewEncoder(w).Encode(v)
}

func gqlError(msg, code string) map[string]any {
	return map[string]any{"message": msg, "extensions": map[string]any{"code": code}}
}

// dispatch answers op; stock says whether quantityAvailable was asked for.
func (s *Server) dispatch(op string, vars map[string]any, stock bool) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "Shop":
		return map[string]any{"shop": map[string]any{"name": s.shopName, "paymentSettings": map[string]any{"currencyCode": s.currency}}}, nil
	case "Products":
		var listed []*Product
		for i := range s.products {
			if s.products[i].listed() {
				listed = append(listed, &s.products[i])
			}
		}
		conn, err := connection(len(listed), vars, func(i int) any { return s.productNode(listed[i], stock) })
		return map[string]any{"products": conn}, err
	case "ProductByHandle", "ProductByID":
		key, want := "handle", func(p *Product) string { return p.Handle }
		if op == "ProductByID" {
			key, want = "id", func(p *Product) string { return p.ID }
		}
		v, ok := vars[key].(string)
		if !ok {
			return nil, fmt.Errorf("variable $%s is required", key)
		}
		for i := range s.products {
			if p := &s.products[i]; p.listed() && want(p) == v {
				return map[string]any{"product": s.productNode(p, stock)}, nil
			}
		}
		return map[string]any{"product": nil}, nil
	case "ProductVariants":
		id, _ := vars["id"].(string)
		for i := range s.products {
			if p := &s.products[i]; p.ID == id && p.Raw == nil && p.listed() {
				conn, err := connection(len(p.Variants), vars, func(j int) any { return variantNode(&p.Variants[j], stock) })
				return map[string]any{"product": map[string]any{"variants": conn}}, err
			}
		}
		return map[string]any{"product": nil}, nil
	case "Collections":
		conn, err := connection(len(s.collections), vars, func(i int) any { return s.collectionNode(&s.collections[i]) })
		return map[string]any{"collections": conn}, err
	case "CollectionProducts":
		h, _ := vars["handle"].(string)
		for i := range s.collections {
			if c := &s.collections[i]; c.Handle == h {
				conn, err := connection(len(c.ProductHandles), vars, func(j int) any { return map[string]any{"handle": c.ProductHandles[j]} })
				return map[string]any{"collection": map[string]any{"products": conn}}, err
			}
		}
		return map[string]any{"collection": nil}, nil
	case "CollectionByHandle":
		h, ok := vars["handle"].(string)
		if !ok {
			return nil, fmt.Errorf("variable $handle is required")
		}
		for i := range s.collections {
			if c := &s.collections[i]; c.Handle == h {
				return map[string]any{"collection": s.collectionNode(c)}, nil
			}
		}
		return map[string]any{"collection": nil}, nil
	case "CartCreate":
		return map[string]any{"cartCreate": s.cartCreate(vars)}, nil
	case "CartLinesAdd":
		return map[string]any{"cartLinesAdd": s.cartLinesAdd(vars)}, nil
	case "Cart":
		id, _ := vars["id"].(string)
		c, ok := s.carts[id]
		if !ok {
			return map[string]any{"cart": nil}, nil
		}
		return map[string]any{"cart": s.cartNode(c)}, nil
	}
	return nil, fmt.Errorf("shopifytest: unknown operation %q", op)
}

// connection serves items [after+1, after+first] of n as edges with
// cursors and pageInfo. A missing first is an error, as in Shopify.
func connection(n int, vars map[string]any, node func(int) any) (map[string]any, error) {
	first, ok := vars["first"].(float64)
	if !ok || first < 0 || first > 250 || first != float64(int(first)) {
		return nil, fmt.Errorf("first must be a whole number from 0 to 250, got %v", vars["first"])
	}
	start := 0
	if a, _ := vars["after"].(string); a != "" {
		idx, err := decodeCursor(a)
		if err != nil {
			return nil, err
		}
		start = idx + 1
	}
	return page(n, start, int(first), node), nil
}

func page(n, start, first int, node func(int) any) map[string]any {
	end := min(start+first, n)
	edges := []any{}
	endCursor := any(nil)
	for i := start; i < end; i++ {
		c := cursor(i)
		edges = append(edges, map[string]any{"cursor": c, "node": node(i)})
		endCursor = c
	}
	return map[string]any{
		"edges":    edges,
		"pageInfo": map[string]any{"hasNextPage": end < n, "hasPreviousPage": start > 0, "endCursor": endCursor},
	}
}

func cursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("shopifytest:" + strconv.Itoa(i)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "shopifytest:"); ok {
			if i, err := strconv.Atoi(n); err == nil && i >= 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("invalid cursor %q", c)
}

func orNull[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func imageNode(img *Image) any {
	if img == nil || img.URL == "" {
		return nil
	}
	return map[string]any{"id": orNull(img.ID), "url": img.URL, "altText": orNull(img.AltText),
		"width": orNull(img.Width), "height": orNull(img.Height)}
}

func seoNode(s *SEO) any {
	if s == nil {
		return map[string]any{"title": nil, "description": nil}
	}
	return map[string]any{"title": orNull(s.Title), "description": orNull(s.Description)}
}

func (s *Server) productNode(p *Product, stock bool) any {
	if p.Raw != nil {
		return p.Raw
	}
	imgs := make([]any, len(p.Images))
	for i := range p.Images {
		imgs[i] = imageNode(&p.Images[i])
	}
	images := page(len(p.Images), 0, 250, func(i int) any { return imgs[i] })
	var opts []any
	for _, o := range p.Options {
		vals := []any{}
		for _, v := range o.Values {
			vals = append(vals, map[string]any{"name": v})
		}
		opts = append(opts, map[string]any{"name": o.Name, "optionValues": vals})
	}
	if len(p.Options) == 0 {
		opts = []any{map[string]any{"name": "Title", "optionValues": []any{map[string]any{"name": "Default Title"}}}}
	}
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id": p.ID, "handle": p.Handle, "title": p.Title, "vendor": p.Vendor, "productType": p.ProductType,
		"tags": tags, "descriptionHtml": p.DescriptionHTML, "seo": seoNode(p.SEO),
		"createdAt": orNull(p.CreatedAt), "updatedAt": orNull(p.UpdatedAt),
		"images": images, "options": opts,
		"variants": page(len(p.Variants), 0, 250, func(j int) any { return variantNode(&p.Variants[j], stock) }),
	}
}

func moneyNode(m *Money) any {
	if m == nil {
		return nil
	}
	return map[string]any{"amount": m.Amount, "currencyCode": m.CurrencyCode}
}

func variantNode(v *Variant, stock bool) any {
	sel := []any{}
	var vals []string
	for _, o := range v.SelectedOptions {
		sel = append(sel, map[string]any{"name": o.Name, "value": o.Value})
		vals = append(vals, o.Value)
	}
	if len(v.SelectedOptions) == 0 {
		sel = []any{map[string]any{"name": "Title", "value": "Default Title"}}
		vals = []string{"Default Title"}
	}
	title := v.Title
	if title == "" {
		title = strings.Join(vals, " / ")
	}
	var qty any
	if v.QuantityAvailable != nil {
		qty = *v.QuantityAvailable
	}
	n := map[string]any{
		"id": v.ID, "sku": orNull(v.SKU), "title": title, "availableForSale": v.AvailableForSale,
		"price": moneyNode(&v.Price), "compareAtPrice": moneyNode(v.CompareAtPrice),
		"selectedOptions": sel, "image": imageNode(v.Image),
	}
	if stock {
		n["quantityAvailable"] = qty
	}
	return n
}

// listed reports whether the Storefront API serves the product.
func (p *Product) listed() bool { return p.Status == "" || p.Status == "active" }

func (s *Server) collectionNode(c *Collection) any {
	return map[string]any{
		"id": c.ID, "handle": c.Handle, "title": c.Title, "descriptionHtml": c.DescriptionHTML,
		"image": imageNode(c.Image), "seo": seoNode(c.SEO),
		"products": page(len(c.ProductHandles), 0, 250, func(j int) any { return map[string]any{"handle": c.ProductHandles[j]} }),
	}
}

func (s *Server) variantExists(id string) bool {
	for i := range s.products {
		for j := range s.products[i].Variants {
			if s.products[i].Variants[j].ID == id {
				return true
			}
		}
	}
	return false
}

// readLines checks cart line inputs as Shopify does, giving userErrors
// under the field path prefix.
func (s *Server) readLines(raw any, prefix ...string) ([]Line, []any) {
	list, _ := raw.([]any)
	var lines []Line
	var errs []any
	for i, l := range list {
		m, _ := l.(map[string]any)
		id, _ := m["merchandiseId"].(string)
		q, _ := m["quantity"].(float64)
		field := append(append([]string(nil), prefix...), strconv.Itoa(i))
		switch {
		case !s.variantExists(id):
			errs = append(errs, userError(append(field, "merchandiseId"), fmt.Sprintf("The merchandise with id %s does not exist.", id), "INVALID"))
		case q < 1:
			errs = append(errs, userError(append(field, "quantity"), "The quantity must be at least 1.", "INVALID"))
		default:
			lines = append(lines, Line{MerchandiseID: id, Quantity: int(q)})
		}
	}
	return lines, errs
}

func userError(field []string, msg, code string) map[string]any {
	return map[string]any{"field": field, "message": msg, "code": code}
}

func merge(into []Line, add []Line) []Line {
	for _, l := range add {
		found := false
		for i := range into {
			if into[i].MerchandiseID == l.MerchandiseID {
				into[i].Quantity += l.Quantity
				found = true
			}
		}
		if !found {
			into = append(into, l)
		}
	}
	return into
}

func (s *Server) cartCreate(vars map[string]any) any {
	input, _ := vars["input"].(map[string]any)
	lines, errs := s.readLines(input["lines"], "input", "lines")
	if len(errs) > 0 {
		return map[string]any{"cart": nil, "userErrors": errs}
	}
	s.nextCart++
	token := fmt.Sprintf("c%04d", s.nextCart)
	c := &CartState{ID: "gid://shopify/Cart/" + token + "?key=k" + token, Lines: merge(nil, lines)}
	if b, ok := input["buyerIdentity"].(map[string]any); ok {
		c.Buyer = b
	}
	s.carts[c.ID] = c
	return map[string]any{"cart": s.cartNode(c), "userErrors": []any{}}
}

func (s *Server) cartLinesAdd(vars map[string]any) any {
	id, _ := vars["cartId"].(string)
	c, ok := s.carts[id]
	if !ok {
		return map[string]any{"cart": nil, "userErrors": []any{userError([]string{"cartId"}, "The specified cart does not exist.", "INVALID")}}
	}
	lines, errs := s.readLines(vars["lines"], "lines")
	if len(errs) > 0 {
		return map[string]any{"cart": nil, "userErrors": errs}
	}
	c.Lines = merge(c.Lines, lines)
	return map[string]any{"cart": s.cartNode(c), "userErrors": []any{}}
}

func (s *Server) cartNode(c *CartState) any {
	total := 0
	for _, l := range c.Lines {
		total += l.Quantity
	}
	token := strings.TrimPrefix(c.ID, "gid://shopify/Cart/")
	token, key, _ := strings.Cut(token, "?key=")
	return map[string]any{
		"id": c.ID, "checkoutUrl": s.srv.URL + "/cart/c/" + token + "?key=" + key, "totalQuantity": total,
		"lines": page(len(c.Lines), 0, 250, func(i int) any {
			return map[string]any{"id": fmt.Sprintf("gid://shopify/CartLine/%d", i+1), "quantity": c.Lines[i].Quantity,
				"merchandise": map[string]any{"id": c.Lines[i].MerchandiseID}}
		}),
	}
}

// ProductPayload is the products/update webhook body Shopify's Admin REST
// API sends for p (a product from Server.Products, so its ids are filled
// in), last changed at updatedAt: numeric ids from the GIDs, prices as
// two-decimal strings ("129.50"), tags joined with ", ", inventory as
// inventory_management "shopify" with inventory_quantity when
// QuantityAvailable is set (inventory_policy "continue" when the variant
// is for sale with none in stock) and null when it is not, status and
// published_at from Status. An image id without a numeric tail becomes
// the product id followed by the image's position, a variant's inventory
// item id is 9 followed by its id. Nothing the REST payload lacks (SEO) is
// sent. A variant not for sale that is untracked cannot be said in REST;
// it is sent as tracked with none in stock.
func ProductPayload(p Product, updatedAt time.Time) []byte {
	pid := numericID(p.ID, "1")
	status := p.Status
	if status == "" {
		status = "active"
	}
	updated := updatedAt.UTC().Format(time.RFC3339)
	created := orNull(p.CreatedAt)
	var published any
	if status == "active" {
		published = p.CreatedAt
		if p.CreatedAt == "" {
			published = updated
		}
	}

	imgs := append([]Image(nil), p.Images...)
	for _, v := range p.Variants {
		if v.Image != nil && v.Image.URL != "" && !slices.ContainsFunc(imgs, func(i Image) bool { return i.URL == v.Image.URL }) {
			imgs = append(imgs, *v.Image)
		}
	}
	imgIDs := make([]json.Number, len(imgs))
	for i, img := range imgs {
		imgIDs[i] = numericID(img.ID, fmt.Sprintf("%s%03d", pid, i+1))
	}
	imageOf := func(img *Image) any {
		if img == nil || img.URL == "" {
			return nil
		}
		return imgIDs[slices.IndexFunc(imgs, func(i Image) bool { return i.URL == img.URL })]
	}

	opts := p.Options
	if len(opts) == 0 {
		opts = []Option{{Name: "Title", Values: []string{"Default Title"}}}
	}
	options := []any{}
	for i, o := range opts {
		options = append(options, map[string]any{"id": json.Number(fmt.Sprintf("%s%02d", pid, i+1)), "product_id": pid,
			"name": o.Name, "position": i + 1, "values": o.Values})
	}

	variants := []any{}
	variantsOf := make([][]json.Number, len(imgs))
	for j, v := range p.Variants {
		vid := numericID(v.ID, fmt.Sprintf("%s%04d", pid, j+1))
		vals := make([]any, 3)
		var named []string
		for i, o := range opts {
			for _, so := range v.SelectedOptions {
				if i < 3 && strings.EqualFold(so.Name, o.Name) {
					vals[i] = so.Value
					named = append(named, so.Value)
				}
			}
		}
		if len(v.SelectedOptions) == 0 {
			vals[0], named = "Default Title", []string{"Default Title"}
		}
		title := v.Title
		if title == "" {
			title = strings.Join(named, " / ")
		}
		var compareAt any
		if v.CompareAtPrice != nil {
			compareAt = restPrice(v.CompareAtPrice.Amount)
		}
		var management any
		qty, policy := 0, "deny"
		switch {
		case v.QuantityAvailable != nil:
			management, qty = "shopify", *v.QuantityAvailable
			if v.AvailableForSale && qty <= 0 {
				policy = "continue"
			}
		case !v.AvailableForSale:
			management = "shopify"
		}
		imageID := imageOf(v.Image)
		if imageID != nil {
			i := slices.Index(imgIDs, imageID.(json.Number))
			variantsOf[i] = append(variantsOf[i], vid)
		}
		variants = append(variants, map[string]any{
			"id": vid, "product_id": pid, "title": title, "price": restPrice(v.Price.Amount), "sku": v.SKU,
			"position": j + 1, "inventory_policy": policy, "compare_at_price": compareAt,
			"fulfillment_service": "manual", "inventory_management": management,
			"option1": vals[0], "option2": vals[1], "option3": vals[2],
			"created_at": created, "updated_at": updated, "taxable": true, "barcode": nil, "grams": 0,
			"image_id": imageID, "weight": 0.0, "weight_unit": "kg",
			"inventory_item_id": json.Number("9" + string(vid)), "inventory_quantity": qty,
			"old_inventory_quantity": qty, "requires_shipping": true,
			"admin_graphql_api_id": "gid://shopify/ProductVariant/" + string(vid),
		})
	}

	images := []any{}
	for i, img := range imgs {
		vids := variantsOf[i]
		if vids == nil {
			vids = []json.Number{}
		}
		images = append(images, map[string]any{
			"id": imgIDs[i], "product_id": pid, "position": i + 1, "created_at": created, "updated_at": updated,
			"alt": orNull(img.AltText), "width": img.Width, "height": img.Height, "src": img.URL,
			"variant_ids": vids, "admin_graphql_api_id": "gid://shopify/ProductImage/" + string(imgIDs[i]),
		})
	}
	var image any
	if len(images) > 0 {
		image = images[0]
	}
	b, err := json.Marshal(map[string]any{
		"id":                   pid,
		"title":                p.Title,
		"body_html":            p.DescriptionHTML,
		"vendor":               p.Vendor,
		"product_type":         p.ProductType,
		"created_at":           created,
		"handle":               p.Handle,
		"updated_at":           updated,
		"published_at":         published,
		"template_suffix":      nil,
		"published_scope":      "web",
		"status":               status,
		"tags":                 strings.Join(p.Tags, ", "),
		"admin_graphql_api_id": "gid://shopify/Product/" + string(pid),
		"variants":             variants,
		"options":              options,
		"images":               images,
		"image":                image,
	})
	if err != nil {
		panic(err) // only maps, strings and numbers: cannot fail
	}
	return b
}

// CollectionPayload is the collections/update webhook body Shopify's Admin
// REST API sends for c (from Server.Collections, so its id is filled in),
// changed at updatedAt: a custom collection in manual order, published.
// Like Shopify's, it does not list the collection's products.
func CollectionPayload(c Collection, updatedAt time.Time) []byte {
	id := numericID(c.ID, "1")
	updated := updatedAt.UTC().Format(time.RFC3339)
	m := map[string]any{
		"id": id, "handle": c.Handle, "title": c.Title, "updated_at": updated, "body_html": c.DescriptionHTML,
		"published_at": updated, "sort_order": "manual", "template_suffix": nil, "published_scope": "web",
		"admin_graphql_api_id": "gid://shopify/Collection/" + string(id),
	}
	if c.Image != nil && c.Image.URL != "" {
		m["image"] = map[string]any{"created_at": updated, "alt": orNull(c.Image.AltText),
			"width": c.Image.Width, "height": c.Image.Height, "src": c.Image.URL}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// numericID is the numeric tail of a GID, or def.
func numericID(gid, def string) json.Number {
	tail := gid[strings.LastIndexByte(gid, '/')+1:]
	if _, err := strconv.ParseUint(tail, 10, 64); err == nil {
		return json.Number(tail)
	}
	return json.Number(def)
}

// restPrice writes a MoneyV2 amount as REST does: at least two decimals
// ("129.5" is "129.50", "1200.0" is "1200.00").
func restPrice(amount string) string {
	whole, frac, _ := strings.Cut(strings.TrimSpace(amount), ".")
	for len(frac) < 2 {
		frac += "0"
	}
	return whole + "." + frac
}

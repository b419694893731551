package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/shopify/internal/mapping"
)

// SourceOptions describe the store a shop's catalog goes into.
type SourceOptions struct {
	Name   string // default: the shop's name in Shopify
	Locale string // default en-US
	// PageSize is how many products or collections one request asks for;
	// default and most MaxPageSize.
	PageSize int
	// Lenient makes Load return the store without the products and
	// collections that could not be mapped instead of failing; Read gives
	// the problems either way.
	Lenient bool
}

// Source reads one store, the shop, from the Storefront API: every
// product and collection the token's sales channel publishes, read again at
// each Load.
//
// Mapping (see Read for what is reported):
//   - the store's currency is shop.paymentSettings.currencyCode; prices are
//     read into minor units ("1200.0" in JPY is 1200);
//   - a product's and a collection's SourceID is the numeric tail of its
//     GID ("gid://shopify/Product/632910392" is "632910392");
//   - a variant's ID is the numeric tail of its GID
//     ("gid://shopify/ProductVariant/42" is "42"; VariantGID turns it back),
//     stable across reads and what the cart takes;
//   - availability is availableForSale; a non-null quantityAvailable makes
//     the variant Tracked with that stock (negative is zero), except that
//     an available variant with no stock sells on when out of stock and so
//     is untracked; a null quantityAvailable, or one the token may not read
//     (no unauthenticated_read_product_inventory scope: the read goes on
//     without it), is untracked;
//   - a null compareAtPrice, or one not above zero, is zero;
//   - a single "Title" option with "Default Title" is no option;
//   - images are Shopify's https CDN URLs with their size and alt text; a
//     variant's image not among the product's first 250 is added to them;
//   - collections are hand-picked lists of their products' handles in
//     Shopify's order (the API gives a smart collection's members, not its
//     rules);
//   - every product is active: the API lists only published ones.
type Source struct {
	c      *Client
	handle string
	opts   SourceOptions

	mu       sync.Mutex
	currency string // the shop's, once read; for the single reads
}

var _ catalog.Source = (*Source)(nil)

// NewSource returns a Source that reads the shop behind c as the store
// handle.
func NewSource(c *Client, handle string, opts SourceOptions) *Source {
	if opts.PageSize <= 0 || opts.PageSize > MaxPageSize {
		opts.PageSize = MaxPageSize
	}
	if opts.Locale == "" {
		opts.Locale = "en-US"
	}
	return &Source{c: c, handle: handle, opts: opts}
}

// Stores lists the one store the source holds.
func (s *Source) Stores(ctx context.Context) ([]string, error) { return []string{s.handle}, nil }

// Load reads the store. Another handle gives an error wrapping
// fs.ErrNotExist. With problems (see Read), Load is strict by default, as
// a build's source should be, and returns them as a
// catalog.ValidationErrors; with SourceOptions.Lenient it returns the
// store without what could not be mapped.
func (s *Source) Load(ctx context.Context, handle string) (*catalog.Store, error) {
	if handle != s.handle {
		return nil, fmt.Errorf("store %q: %w", handle, fs.ErrNotExist)
	}
	st, problems, err := s.Read(ctx)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 && !s.opts.Lenient {
		return nil, problems
	}
	return st, nil
}

// Read reads the whole catalog, following every cursor to the end. It
// returns a store that passes catalog.Store.Validate and the problems of
// what it left out or changed, each a catalog.FieldError whose File is
// "products/<handle>" or "collections/<handle>" and whose Field is the
// path in Shopify's shape ("variants[2].price"):
//   - a variant whose price cannot be read or is in another currency is
//     skipped; a SKU another variant already has is dropped;
//   - a product that cannot be decoded or that the catalog would reject
//     (a handle that is not one, no title, no variant left) is skipped;
//   - a collection member that is not among the products read is dropped
//     from the collection; a collection the catalog would reject is
//     skipped.
//
// The error is for what stops the whole read: the shop cannot be reached,
// refuses the token, or answers what is not the API's shape.
func (s *Source) Read(ctx context.Context) (*catalog.Store, catalog.ValidationErrors, error) {
	if !catalog.ValidHandle(s.handle) {
		return nil, nil, fmt.Errorf("store handle %q must be lower-case letters, digits and dashes", s.handle)
	}
	name, cur, err := s.shop(ctx)
	if err != nil {
		return nil, nil, err
	}
	if s.opts.Name != "" {
		name = s.opts.Name
	}
	m := &mapper{store: s.handle, currency: cur, skus: map[string]string{}}
	st := &catalog.Store{Handle: s.handle, Name: name, Currency: cur, Locale: s.opts.Locale}

	if err := s.readProducts(ctx, m, st); err != nil {
		return nil, nil, fmt.Errorf("store %q: products: %w", s.handle, err)
	}
	if err := s.readCollections(ctx, m, st); err != nil {
		return nil, nil, fmt.Errorf("store %q: collections: %w", s.handle, err)
	}
	m.prune(st)
	st.Index()
	return st, m.problems, nil
}

// shop reads the shop's name (the store handle when it has none) and
// currency, and keeps the currency for the single reads.
func (s *Source) shop(ctx context.Context) (name, currency string, err error) {
	var shop struct {
		Shop struct {
			Name            string `json:"name"`
			PaymentSettings struct {
				CurrencyCode string `json:"currencyCode"`
			} `json:"paymentSettings"`
		} `json:"shop"`
	}
	if err := s.c.Do(ctx, "Shop", queryShop, nil, &shop); err != nil {
		return "", "", fmt.Errorf("store %q: shop: %w", s.handle, err)
	}
	cur := strings.ToUpper(strings.TrimSpace(shop.Shop.PaymentSettings.CurrencyCode))
	if !catalog.ValidCurrency(cur) {
		return "", "", fmt.Errorf("store %q: shop currency %q: %w", s.handle, cur, catalog.ErrCurrency)
	}
	s.mu.Lock()
	s.currency = cur
	s.mu.Unlock()
	name = strings.TrimSpace(shop.Shop.Name)
	if name == "" {
		name = s.handle
	}
	return name, cur, nil
}

func (s *Source) readProducts(ctx context.Context, m *mapper, st *catalog.Store) error {
	after := ""
	for i := 0; ; {
		var page productsData
		if err := s.query(ctx, m, "Products", queryProducts, pageVars(s.opts.PageSize, after), &page); err != nil {
			return err
		}
		if page.Products == nil {
			return errors.New("answer without products") // not an empty shop: a read that went wrong
		}
		for _, e := range page.Products.Edges {
			field := fmt.Sprintf("products[%d]", i)
			i++
			var gp gqlProduct
			if err := json.Unmarshal(e.Node, &gp); err != nil {
				m.add("products", field, fmt.Sprintf("not a product: %v; product skipped", strings.TrimPrefix(err.Error(), "json: ")))
				continue
			}
			if err := s.moreVariants(ctx, m, &gp); err != nil {
				return fmt.Errorf("product %q: %w", gp.Handle, err)
			}
			if p := m.product(&gp); p != nil {
				st.Products = append(st.Products, p)
			}
		}
		if !page.Products.PageInfo.HasNextPage {
			return nil
		}
		if after = page.Products.PageInfo.EndCursor; after == "" {
			return errors.New("hasNextPage without an endCursor")
		}
	}
}

// moreVariants reads the variants past a product's first page.
func (s *Source) moreVariants(ctx context.Context, m *mapper, gp *gqlProduct) error {
	for pi := gp.Variants.PageInfo; pi.HasNextPage; {
		if pi.EndCursor == "" || gp.ID == "" {
			return errors.New("variants: hasNextPage without an endCursor or product id")
		}
		vars := pageVars(MaxPageSize, pi.EndCursor)
		vars["id"] = gp.ID
		var page struct {
			Product *struct {
				Variants variantConn `json:"variants"`
			} `json:"product"`
		}
		if err := s.query(ctx, m, "ProductVariants", queryProductVariants, vars, &page); err != nil {
			return err
		}
		if page.Product == nil {
			return nil // unpublished meanwhile: keep what was read
		}
		gp.Variants.Edges = append(gp.Variants.Edges, page.Product.Variants.Edges...)
		pi = page.Product.Variants.PageInfo
	}
	return nil
}

func (s *Source) readCollections(ctx context.Context, m *mapper, st *catalog.Store) error {
	after := ""
	for i := 0; ; {
		var page collectionsData
		if err := s.c.Do(ctx, "Collections", queryCollections, pageVars(s.opts.PageSize, after), &page); err != nil {
			return err
		}
		if page.Collections == nil {
			return errors.New("answer without collections")
		}
		for _, e := range page.Collections.Edges {
			field := fmt.Sprintf("collections[%d]", i)
			i++
			var gc gqlCollection
			if err := json.Unmarshal(e.Node, &gc); err != nil {
				m.add("collections", field, fmt.Sprintf("not a collection: %v; collection skipped", strings.TrimPrefix(err.Error(), "json: ")))
				continue
			}
			handles, err := s.collectionHandles(ctx, &gc)
			if err != nil {
				return fmt.Errorf("collection %q: %w", gc.Handle, err)
			}
			st.Collections = append(st.Collections, collection(&gc, handles))
		}
		if !page.Collections.PageInfo.HasNextPage {
			return nil
		}
		if after = page.Collections.PageInfo.EndCursor; after == "" {
			return errors.New("hasNextPage without an endCursor")
		}
	}
}

// collection maps a collection with its members' handles.
func collection(gc *gqlCollection, handles []string) *catalog.Collection {
	return &catalog.Collection{
		Handle: gc.Handle, SourceID: sourceID(gc.ID), Title: strings.TrimSpace(gc.Title),
		DescriptionHTML: strings.TrimSpace(gc.DescriptionHTML),
		Image:           image(gc.Image), SEO: seo(gc.SEO), Sort: catalog.SortManual, ProductHandles: handles,
		File: "collections/" + gc.Handle,
	}
}

// collectionHandles lists a collection's members, reading past the first
// page.
func (s *Source) collectionHandles(ctx context.Context, gc *gqlCollection) ([]string, error) {
	var out []string
	conn := gc.Products
	for {
		for _, e := range conn.Edges {
			if h := e.Node.Handle; h != "" && !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
		if !conn.PageInfo.HasNextPage {
			return out, nil
		}
		if conn.PageInfo.EndCursor == "" || gc.Handle == "" {
			return nil, errors.New("products: hasNextPage without an endCursor or collection handle")
		}
		vars := pageVars(MaxPageSize, conn.PageInfo.EndCursor)
		vars["handle"] = gc.Handle
		var page struct {
			Collection *struct {
				Products handleConn `json:"products"`
			} `json:"collection"`
		}
		if err := s.c.Do(ctx, "CollectionProducts", queryCollectionProducts, vars, &page); err != nil {
			return nil, err
		}
		if page.Collection == nil {
			return out, nil
		}
		conn = page.Collection.Products
	}
}

// query sends a catalog query. A token without the
// unauthenticated_read_product_inventory scope is refused quantityAvailable
// (ACCESS_DENIED); the read then goes on without it, every variant
// untracked.
func (s *Source) query(ctx context.Context, m *mapper, op, q string, vars map[string]any, out any) error {
	if m.noInventory {
		q = withoutInventory(q)
	}
	err := s.c.Do(ctx, op, q, vars, out)
	if err != nil && !m.noInventory && inventoryDenied(err) {
		m.noInventory = true
		err = s.c.Do(ctx, op, withoutInventory(q), vars, out)
	}
	return err
}

func withoutInventory(q string) string { return strings.ReplaceAll(q, " quantityAvailable", "") }

func inventoryDenied(err error) bool {
	var ge *GraphQLErrors
	if !errors.As(err, &ge) {
		return false
	}
	for _, g := range ge.Errors {
		if g.Extensions.Code == "ACCESS_DENIED" && strings.Contains(g.Message, "quantityAvailable") {
			return true
		}
		if n := len(g.Path); g.Extensions.Code == "ACCESS_DENIED" && n > 0 && g.Path[n-1] == "quantityAvailable" {
			return true
		}
	}
	return false
}

func pageVars(first int, after string) map[string]any {
	v := map[string]any{"first": first}
	if after != "" {
		v["after"] = after
	}
	return v
}

// mapper turns the API's shapes into catalog types and collects problems.
type mapper struct {
	store    string
	currency string
	skus     map[string]string // sku -> product handle
	problems catalog.ValidationErrors
	// noInventory is set once Shopify refuses quantityAvailable.
	noInventory bool
}

func (m *mapper) add(file, field, msg string) {
	m.problems = append(m.problems, &catalog.FieldError{Store: m.store, File: file, Field: field, Message: msg})
}

func (m *mapper) product(gp *gqlProduct) *catalog.Product {
	file := "products/" + gp.Handle
	if gp.Handle == "" {
		file = "products/" + gp.ID
	}
	p := &catalog.Product{
		Handle: gp.Handle, SourceID: sourceID(gp.ID), Title: strings.TrimSpace(gp.Title), Vendor: strings.TrimSpace(gp.Vendor),
		Type: strings.TrimSpace(gp.ProductType), DescriptionHTML: strings.TrimSpace(gp.DescriptionHTML),
		SEO: seo(gp.SEO), Status: catalog.StatusActive, File: file,
		CreatedAt: m.date(file, "createdAt", gp.CreatedAt), UpdatedAt: m.date(file, "updatedAt", gp.UpdatedAt),
	}
	for _, t := range gp.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(p.Tags, t) {
			p.Tags = append(p.Tags, t)
		}
	}
	for _, e := range gp.Images.Edges {
		if img := image(&e.Node); img.Src != "" && imageIndex(p.Images, img.Src) < 0 {
			p.Images = append(p.Images, img)
		}
	}
	for i, o := range gp.Options {
		opt := catalog.Option{Name: strings.TrimSpace(o.Name)}
		if opt.Name == "" {
			opt.Name = "Option " + strconv.Itoa(i+1)
		}
		vals := o.Values
		for _, ov := range o.OptionValues {
			vals = append(vals, ov.Name)
		}
		for _, v := range vals {
			if strings.TrimSpace(v) != "" && !slices.Contains(opt.Values, v) {
				opt.Values = append(opt.Values, v)
			}
		}
		p.Options = append(p.Options, opt)
	}
	if len(p.Options) == 1 && strings.EqualFold(p.Options[0].Name, "title") &&
		slices.Equal(p.Options[0].Values, []string{catalog.DefaultVariantTitle}) {
		p.Options = nil
	}
	ids := map[string]bool{}
	for i, e := range gp.Variants.Edges {
		if v, ok := m.variant(file, fmt.Sprintf("variants[%d]", i), p, &e.Node, ids); ok {
			p.Variants = append(p.Variants, v)
		}
	}
	return p
}

func (m *mapper) variant(file, field string, p *catalog.Product, gv *gqlVariant, ids map[string]bool) (catalog.Variant, bool) {
	v := catalog.Variant{ID: VariantID(gv.ID), SKU: strings.TrimSpace(gv.SKU), Image: -1}
	if v.ID == "" {
		m.add(file, field+".id", "is missing; variant skipped")
		return v, false
	}
	if ids[v.ID] {
		m.add(file, field+".id", fmt.Sprintf("%q is listed twice; variant skipped", gv.ID))
		return v, false
	}
	for _, o := range p.Options {
		val := ""
		for _, so := range gv.SelectedOptions {
			if strings.EqualFold(strings.TrimSpace(so.Name), o.Name) {
				val = so.Value
				break
			}
		}
		if strings.TrimSpace(val) == "" {
			m.add(file, field+".selectedOptions", fmt.Sprintf("no value for option %q; variant skipped", o.Name))
			return v, false
		}
		v.Options = append(v.Options, val)
	}
	for j, val := range v.Options {
		if !slices.Contains(p.Options[j].Values, val) {
			p.Options[j].Values = append(p.Options[j].Values, val)
		}
	}
	v.Title = catalog.VariantTitle(v.Options)
	if gv.Price == nil {
		m.add(file, field+".price", "is missing; variant skipped")
		return v, false
	}
	var err error
	if v.Price, err = m.money(gv.Price); err != nil {
		m.add(file, field+".price", err.Error()+"; variant skipped")
		return v, false
	}
	if gv.CompareAtPrice != nil {
		ca, err := m.money(gv.CompareAtPrice)
		if err != nil {
			m.add(file, field+".compareAtPrice", err.Error()+"; variant skipped")
			return v, false
		}
		if ca.Amount > 0 {
			v.CompareAt = ca
		}
	}
	// A null quantity is untracked; available with nothing in stock sells
	// on when out of stock, which the catalog says as untracked too.
	qty := 0
	if q := gv.QuantityAvailable; q != nil {
		qty = *q
	}
	mapping.SetStock(&v, gv.QuantityAvailable != nil, qty, &gv.AvailableForSale)
	if gv.Image != nil {
		if img := image(gv.Image); img.Src != "" {
			v.Image = imageIndex(p.Images, img.Src)
			if v.Image < 0 {
				p.Images = append(p.Images, img)
				v.Image = len(p.Images) - 1
			}
		}
	}
	if v.SKU != "" {
		if prev, dup := m.skus[v.SKU]; dup {
			m.add(file, field+".sku", fmt.Sprintf("%q is also the SKU of a variant of %q; read without a SKU", v.SKU, prev))
			v.SKU = ""
		} else {
			m.skus[v.SKU] = p.Handle
		}
	}
	ids[v.ID] = true
	return v, true
}

// money reads a MoneyV2 in the shop's currency. Shopify writes decimals
// as "12.5" or "1200.0" (JPY): zeros beyond the currency's digits are
// dropped, anything else there is an error.
func (m *mapper) money(g *gqlMoney) (catalog.Money, error) {
	cur := strings.ToUpper(strings.TrimSpace(g.CurrencyCode))
	if cur == "" {
		cur = m.currency
	}
	if cur != m.currency {
		return catalog.Money{}, fmt.Errorf("is in %s; the shop sells in %s", cur, m.currency)
	}
	s := strings.TrimSpace(g.Amount)
	if whole, frac, ok := strings.Cut(s, "."); ok {
		if d := catalog.CurrencyDigits(cur); len(frac) > d && strings.Trim(frac[d:], "0") == "" {
			s = whole
			if d > 0 {
				s += "." + frac[:d]
			}
		}
	}
	mo, err := catalog.ParseMoney(s, cur)
	if err != nil {
		return catalog.Money{}, fmt.Errorf("%s: %w", cur, err)
	}
	if mo.Amount < 0 {
		return catalog.Money{}, fmt.Errorf("%q must not be negative", g.Amount)
	}
	return mo, nil
}

func (m *mapper) date(file, field, s string) time.Time {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		m.add(file, field, fmt.Sprintf("%q is not an ISO 8601 time; left out", s))
		return time.Time{}
	}
	return t.UTC()
}

// prune drops what Validate finds fault with, reporting each problem, so
// the store returned validates: bad products first, then collection
// members that are gone, then bad collections.
func (m *mapper) prune(st *catalog.Store) {
	for pass := 0; pass < 3; pass++ {
		ve, _ := catalog.AsValidationErrors(st.Validate())
		if len(ve) == 0 {
			return
		}
		badP, badC := map[string]bool{}, map[string]bool{}
		for _, e := range ve {
			switch {
			case strings.HasPrefix(e.File, "products/"):
				badP[e.File] = true
				m.problems = append(m.problems, &catalog.FieldError{Store: m.store, File: e.File, Field: e.Field, Message: e.Message + "; product skipped"})
			case strings.HasPrefix(e.File, "collections/") && !strings.HasPrefix(e.Field, "products["):
				badC[e.File] = true
				m.problems = append(m.problems, &catalog.FieldError{Store: m.store, File: e.File, Field: e.Field, Message: e.Message + "; collection skipped"})
			}
		}
		st.Products = slices.DeleteFunc(st.Products, func(p *catalog.Product) bool { return badP[p.File] })
		st.Collections = slices.DeleteFunc(st.Collections, func(c *catalog.Collection) bool { return badC[c.File] })
		st.Index()
		for _, c := range st.Collections {
			kept := c.ProductHandles[:0]
			for i, h := range c.ProductHandles {
				if st.Product(h) != nil {
					kept = append(kept, h)
				} else if !badP["products/"+h] {
					m.add(c.File, fmt.Sprintf("products[%d]", i), fmt.Sprintf("no product %q among those read; left out of the collection", h))
				}
			}
			c.ProductHandles = kept
		}
	}
}

// valid reports whether the catalog would take p, or c, on its own,
// reporting what it would not, each problem's message ending in then
// ("product skipped"). A single product's SKUs and a single
// collection's members are not checked: they need the rest of the store.
func (m *mapper) valid(p *catalog.Product, c *catalog.Collection, then string) bool {
	st := &catalog.Store{Handle: m.store, Name: m.store, Currency: m.currency}
	file := ""
	if p != nil {
		st.Products, file = []*catalog.Product{p}, p.File
	}
	if c != nil {
		cp := *c
		cp.ProductHandles = nil
		st.Collections, file = []*catalog.Collection{&cp}, c.File
	}
	ve, _ := catalog.AsValidationErrors(st.Validate())
	ok := true
	for _, e := range ve {
		if e.File == file { // not the stand-in store's own
			ok = false
			m.problems = append(m.problems, &catalog.FieldError{Store: m.store, File: e.File, Field: e.Field, Message: e.Message + "; " + then})
		}
	}
	return ok
}

func image(g *gqlImage) catalog.Image {
	if g == nil {
		return catalog.Image{}
	}
	src := mapping.ImageURL(strings.TrimSpace(g.URL))
	return catalog.Image{Src: src, Alt: g.AltText, Width: max(g.Width, 0), Height: max(g.Height, 0)}
}

func imageIndex(imgs []catalog.Image, src string) int {
	return slices.IndexFunc(imgs, func(i catalog.Image) bool { return i.Src == src })
}

func seo(g *gqlSEO) catalog.SEO {
	if g == nil {
		return catalog.SEO{}
	}
	return catalog.SEO{Title: strings.TrimSpace(g.Title), Description: strings.TrimSpace(g.Description)}
}

const variantGIDPrefix = "gid://shopify/ProductVariant/"

// VariantID is the catalog id of a variant GID: its numeric tail, or the
// GID itself when it has none.
func VariantID(gid string) string {
	gid = strings.TrimSpace(gid)
	tail := gid[strings.LastIndexByte(gid, '/')+1:]
	if tail, _, _ = strings.Cut(tail, "?"); tail != "" && allDigits(tail) {
		return tail
	}
	return gid
}

// sourceID is the numeric tail of a product's or collection's GID
// ("gid://shopify/Product/632910392" is "632910392"); a number is returned
// as it is, and anything else gives "".
func sourceID(gid string) string {
	if id := VariantID(gid); allDigits(id) {
		return id
	}
	return ""
}

// VariantGID is the Shopify GID of a catalog variant id (VariantID's
// inverse); a GID is returned as it is.
func VariantGID(id string) string {
	if allDigits(id) {
		return variantGIDPrefix + id
	}
	return id
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

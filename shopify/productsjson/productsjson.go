// Package productsjson reads products in the shape of Shopify's public
// storefront endpoint /products.json ({"products": [...]}) into a
// catalog.Store. It also takes one product ({"product": {...}}, as
// /products/<handle>.json and the Admin REST API give it) and a bare list of
// products. It is used two ways: by `wandgen import`, which writes the
// store's content folder, and as a catalog.Source.
//
// A product is decoded by package shopify's REST model (RESTProduct), the
// one Shopify's product webhooks are decoded by. The shape is read
// leniently: unknown fields are ignored; null, missing
// and differently typed fields (a price as a string or a number, tags as a
// comma-separated string or a list, ids as numbers or strings) are
// accepted. What cannot be imported is reported as a catalog.FieldError
// naming the product's line in the file and the field
// ("products[3].variants[1].price"), and the rest is imported:
//   - a variant with a bad price or compare-at price, or whose option
//     values are missing or repeat another variant's, is skipped;
//   - a product without a handle or title, that cannot be decoded, whose
//     handle is taken, or left without variants, is skipped;
//   - a SKU already used is dropped from the later variant;
//   - a handle that is not one is made one and reported.
//
// Without a reported problem: http and protocol-relative image addresses
// become https; a product with "published_at": null (and no status) is a
// draft; a variant that sells on when out of stock is untracked; negative
// stock is zero; "available": false marks a variant sold out.
//
// The store returned passes catalog.Store.Validate; products that would
// not are left out and reported on their line.
package productsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/internal/mapping"
)

// ErrNotProducts reports JSON that holds no products: neither
// {"products": [...]}, {"product": {...}} nor a list.
var ErrNotProducts = errors.New(`not Shopify products JSON: want {"products": [...]}`)

// Read reads products JSON. It returns the store (never nil without an
// error) and the problems of the products and variants it skipped or
// changed. The error is for what stops the whole import: bad Options, a
// read failure, JSON that is not well formed, or ErrNotProducts.
func Read(r io.Reader, opts Options) (*catalog.Store, catalog.ValidationErrors, error) {
	opts, err := opts.WithDefaults("products.json")
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", opts.File, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	im := &importer{opts: opts, data: data, handles: map[string]int{}, skus: map[string]string{}}
	if err := im.decode(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", opts.File, err)
	}
	return im.finish(), im.problems, nil
}

type importer struct {
	opts     Options
	data     []byte
	problems catalog.ValidationErrors
	products []*catalog.Product
	lines    []int
	handles  map[string]int    // handle -> line
	skus     map[string]string // sku -> field of the variant that has it
}

// decode walks the top level by tokens, so each product is decoded on its
// own: one that does not fit the shape is reported, not fatal.
func (im *importer) decode() error {
	dec := json.NewDecoder(bytes.NewReader(im.data))
	tok, err := dec.Token()
	if err != nil {
		return syntaxErr(err, im.data)
	}
	switch tok {
	case json.Delim('['):
		return im.list(dec, "products")
	case json.Delim('{'):
	default:
		return ErrNotProducts
	}
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return syntaxErr(err, im.data)
		}
		switch tok {
		case "products":
			found = true
			if t, err := dec.Token(); err != nil {
				return syntaxErr(err, im.data)
			} else if t != json.Delim('[') {
				return ErrNotProducts
			}
			if err := im.list(dec, "products"); err != nil {
				return err
			}
		case "product":
			found = true
			if err := im.one(dec, "product"); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return syntaxErr(err, im.data)
			}
		}
	}
	if !found {
		return ErrNotProducts
	}
	return nil
}

func (im *importer) list(dec *json.Decoder, field string) error {
	for i := 0; dec.More(); i++ {
		if err := im.one(dec, fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return err
		}
	}
	_, err := dec.Token() // ']'
	return syntaxErr(err, im.data)
}

func (im *importer) one(dec *json.Decoder, field string) error {
	line := im.lineAt(dec.InputOffset())
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return syntaxErr(err, im.data)
	}
	var pj shopify.RESTProduct
	if err := json.Unmarshal(raw, &pj); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			im.problem(line, field+"."+te.Field, fmt.Sprintf("a JSON %s is not what Shopify gives here; product skipped", te.Value))
		} else {
			im.problem(line, field, fmt.Sprintf("not a product: %v; product skipped", strings.TrimPrefix(err.Error(), "json: ")))
		}
		return nil
	}
	im.product(line, field, &pj)
	return nil
}

// lineAt is the line of the first non-space byte at or after off.
func (im *importer) lineAt(off int64) int {
	for int(off) < len(im.data) && strings.IndexByte(" \t\r\n,", im.data[off]) >= 0 {
		off++
	}
	return bytes.Count(im.data[:off], []byte("\n")) + 1
}

func syntaxErr(err error, data []byte) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %w", bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))+1, err)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("unexpected end of JSON: %w", io.ErrUnexpectedEOF)
	}
	return err
}

func (im *importer) problem(line int, field, msg string) {
	im.problems = append(im.problems, &catalog.FieldError{Store: im.opts.Store, File: im.opts.File, Line: line, Field: field, Message: msg})
}

func (im *importer) product(line int, field string, pj *shopify.RESTProduct) {
	title := strings.TrimSpace(string(pj.Title))
	handle := strings.ToLower(strings.TrimSpace(string(pj.Handle)))
	if handle == "" {
		handle = catalog.Slug(title)
	}
	given := ""
	if !catalog.ValidHandle(handle) {
		given, handle = handle, catalog.Slug(handle)
	}
	switch {
	case title == "":
		im.problem(line, field+".title", "is empty; product skipped")
		return
	case !catalog.ValidHandle(handle):
		im.problem(line, field+".handle", fmt.Sprintf("%q cannot be made a handle (lower-case letters, digits and dashes); product skipped", pj.Handle))
		return
	}
	if prev, dup := im.handles[handle]; dup {
		im.problem(line, field+".handle", fmt.Sprintf("%q is also the handle of the product on line %d; product skipped", handle, prev))
		return
	}
	p := &catalog.Product{
		Handle: handle, Title: title, Vendor: strings.TrimSpace(string(pj.Vendor)), Type: strings.TrimSpace(string(pj.ProductType)),
		DescriptionHTML: strings.TrimSpace(strings.ReplaceAll(string(pj.BodyHTML), "\r\n", "\n")),
		Status:          catalog.StatusActive,
		File:            im.opts.File,
	}
	if len(pj.Tags) > 0 {
		p.Tags = []string(pj.Tags)
	}
	if pj.SEO != nil {
		p.SEO = catalog.SEO{Title: string(pj.SEO.Title), Description: string(pj.SEO.Description)}
	}
	p.CreatedAt = im.date(line, field+".created_at", string(pj.CreatedAt))
	p.UpdatedAt = im.date(line, field+".updated_at", string(pj.UpdatedAt))
	switch st := strings.ToLower(string(pj.Status)); st {
	case "":
		if string(bytes.TrimSpace(pj.PublishedAt)) == "null" {
			p.Status = catalog.StatusDraft // known and not published
		}
	case "active", "draft", "archived":
		p.Status = catalog.Status(st)
	default:
		im.problem(line, field+".status", fmt.Sprintf("%q must be active, draft or archived; imported as draft", st))
		p.Status = catalog.StatusDraft
	}

	// Images, in position order; ids and variant ids tie variants to them.
	imgs := slices.Clone(pj.Images)
	sort.SliceStable(imgs, func(i, j int) bool {
		a, b := imgs[i].Position, imgs[j].Position
		if (a > 0) != (b > 0) {
			return a > 0
		}
		return a < b
	})
	imageByID := map[string]int{}
	imageOfVariant := map[string]int{}
	for _, ij := range imgs {
		src := mapping.ImageURL(strings.TrimSpace(string(ij.Src)))
		if src == "" {
			continue
		}
		idx := slices.IndexFunc(p.Images, func(img catalog.Image) bool { return img.Src == src })
		if idx < 0 {
			p.Images = append(p.Images, catalog.Image{Src: src, Alt: string(ij.Alt), Width: max(int(ij.Width), 0), Height: max(int(ij.Height), 0)})
			idx = len(p.Images) - 1
		}
		if ij.ID != "" {
			imageByID[string(ij.ID)] = idx
		}
		for _, vid := range ij.VariantIDs {
			imageOfVariant[string(vid)] = idx
		}
	}

	// Options in position order; "Title" with only "Default Title" is none.
	opts := slices.Clone(pj.Options)
	sort.SliceStable(opts, func(i, j int) bool { return opts[i].Position < opts[j].Position })
	if len(opts) == 1 && strings.EqualFold(string(opts[0].Name), "title") && allDefault(pj.Variants) {
		opts = nil
	}
	if len(opts) > catalog.MaxOptions {
		im.problem(line, field+".options", fmt.Sprintf("has %d options; at most %d. Product skipped", len(opts), catalog.MaxOptions))
		return
	}
	for i, o := range opts {
		name := strings.TrimSpace(string(o.Name))
		if name == "" {
			name = "Option " + strconv.Itoa(i+1)
		}
		opt := catalog.Option{Name: name}
		for _, v := range o.Values {
			if s := string(v); strings.TrimSpace(s) != "" && !slices.Contains(opt.Values, s) {
				opt.Values = append(opt.Values, s)
			}
		}
		p.Options = append(p.Options, opt)
	}

	ids := map[string]bool{}
	var kept [][]string
	for i, vj := range pj.Variants {
		vf := fmt.Sprintf("%s.variants[%d]", field, i)
		v, ok := im.variant(line, vf, p, vj, kept)
		if !ok {
			continue
		}
		switch {
		case vj.FeaturedImage.Src != "":
			v.Image = imageIndex(p, string(vj.FeaturedImage.Src))
		case vj.ImageID != "":
			if idx, ok := imageByID[string(vj.ImageID)]; ok {
				v.Image = idx
			}
		default:
			if idx, ok := imageOfVariant[string(vj.ID)]; ok && vj.ID != "" {
				v.Image = idx
			}
		}
		v.Title = catalog.VariantTitle(v.Options)
		v.ID = catalog.NewVariantID(v.SKU, v.Options, ids)
		p.Variants = append(p.Variants, v)
		kept = append(kept, v.Options)
	}
	if len(p.Variants) == 0 {
		im.problem(line, field+".variants", "no variant that could be imported; product skipped")
		return
	}
	if given != "" {
		im.problem(line, field+".handle", fmt.Sprintf("%q is not a handle (lower-case letters, digits and dashes); imported as %q", given, handle))
	}
	im.handles[handle] = line
	im.products = append(im.products, p)
	im.lines = append(im.lines, line)
}

// imageIndex finds a variant's featured image among the product's by its
// URL, adding it when the product's images leave it out.
func imageIndex(p *catalog.Product, src string) int {
	src = mapping.ImageURL(strings.TrimSpace(src))
	if i := slices.IndexFunc(p.Images, func(img catalog.Image) bool { return img.Src == src }); i >= 0 {
		return i
	}
	p.Images = append(p.Images, catalog.Image{Src: src})
	return len(p.Images) - 1
}

func allDefault(vs []shopify.RESTVariant) bool {
	for _, v := range vs {
		if o := strings.TrimSpace(string(v.Option1)); o != "" && !strings.EqualFold(o, "default title") {
			return false
		}
	}
	return true
}

func (im *importer) variant(line int, field string, p *catalog.Product, vj shopify.RESTVariant, kept [][]string) (catalog.Variant, bool) {
	v := catalog.Variant{SKU: strings.TrimSpace(string(vj.SKU)), Image: -1}
	raw := []shopify.Text{vj.Option1, vj.Option2, vj.Option3}
	for i := range p.Options {
		val := string(raw[i])
		if strings.TrimSpace(val) == "" {
			im.problem(line, fmt.Sprintf("%s.option%d", field, i+1), fmt.Sprintf("no value for option %q; variant skipped", p.Options[i].Name))
			return v, false
		}
		if !slices.Contains(p.Options[i].Values, val) {
			p.Options[i].Values = append(p.Options[i].Values, val)
		}
		v.Options = append(v.Options, val)
	}
	for _, o := range kept {
		if slices.Equal(o, v.Options) {
			msg := "same option values as an earlier variant; variant skipped"
			if len(v.Options) == 0 {
				msg = "a product without options has one variant; variant skipped"
			}
			im.problem(line, field, msg)
			return v, false
		}
	}
	cur := im.opts.Currency
	var err error
	if v.Price, err = mapping.ParsePrice(string(vj.Price), cur, false); err != nil {
		im.problem(line, field+".price", err.Error()+"; variant skipped")
		return v, false
	}
	if s := strings.TrimSpace(string(vj.CompareAtPrice)); s != "" {
		ca, err := mapping.ParsePrice(s, cur, false)
		if err != nil {
			im.problem(line, field+".compare_at_price", err.Error()+"; variant skipped")
			return v, false
		}
		if ca.Amount > 0 {
			v.CompareAt = ca
		}
	}
	// Tracked when a quantity is given, unless the variant says it is not
	// managed or sells on when out of stock.
	mgmt := string(bytes.TrimSpace(vj.InventoryManagement))
	tracked := vj.InventoryQuantity != nil && !strings.EqualFold(string(vj.InventoryPolicy), "continue") &&
		mgmt != "null" && mgmt != `""`
	qty := 0
	if vj.InventoryQuantity != nil {
		qty = int(*vj.InventoryQuantity)
	}
	mapping.SetStock(&v, tracked, qty, vj.Available)
	if v.SKU != "" {
		if prev, dup := im.skus[v.SKU]; dup {
			im.problem(line, field+".sku", fmt.Sprintf("%q is also the SKU of %s; imported without a SKU", v.SKU, prev))
			v.SKU = ""
		} else {
			im.skus[v.SKU] = field
		}
	}
	return v, true
}

func (im *importer) date(line int, field, s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		im.problem(line, field, fmt.Sprintf("%q is not an RFC 3339 time; left out", s))
		return time.Time{}
	}
	return t.UTC()
}

func (im *importer) finish() *catalog.Store {
	s := &catalog.Store{Handle: im.opts.Store, Name: im.opts.Name, Currency: im.opts.Currency, Locale: im.opts.Locale,
		Products: im.products}
	im.problems = append(im.problems, mapping.Prune(s, im.opts.File, im.lines)...)
	sort.SliceStable(im.problems, func(i, j int) bool { return im.problems[i].Line < im.problems[j].Line })
	s.Index()
	return s
}

// Options describe the one store the JSON becomes: Store (the handle;
// required), Name (default: the handle), Currency (default USD), Locale
// (default en-US), File (names the file in problems; default
// "products.json").
type Options = mapping.Options

// Source reads one store from a JSON file, read again at each Load. It
// is strict, as a build's source should be: a file with any problem gives a
// catalog.ValidationErrors naming each line. `wandgen import` is the
// lenient way: it imports the good rows and lists the rest.
type Source = mapping.FileSource

// NewSource returns a Source for the file at path; opts.File defaults to
// the file's base name.
func NewSource(path string, opts Options) *Source {
	return mapping.NewFileSource(path, opts, Read)
}

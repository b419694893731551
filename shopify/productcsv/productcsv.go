// Package productcsv reads Shopify's product CSV (the file Shopify's admin
// exports and imports: one row per variant, image rows, rows grouped by
// handle) into a catalog.Store. It is used two ways: by `wandgen import`,
// which writes the store's content folder, and as a catalog.Source, so the
// file itself can be a build's source.
//
// Real exports are messy, so Read is lenient about the file and strict
// about prices: a byte-order mark, CRLF line ends, empty rows, columns in
// any order, unknown columns, both the legacy ("Variant Price") and the
// current ("Price") column names are all accepted. A row that cannot be
// imported is reported as a catalog.FieldError naming the file, the line
// and the column, and the rest is imported:
//   - a variant row with a bad price, compare-at price or quantity, or
//     option values that are missing or repeat another variant's, is
//     skipped; its product imports without it;
//   - a product left without variants, or whose first row lacks a title,
//     is skipped, as is a second block of rows that starts a new product
//     (it has a Title) under a handle already used; rows without a Title
//     under a handle seen before add to that product, as in Shopify;
//   - a SKU already used by another variant is dropped from the later
//     variant, which still imports;
//   - a handle that is not one ("Café Mug") is made one ("caf-mug") and
//     reported, as the product's address changes.
//
// Without a reported problem: an upper-case handle is lower-cased; http and
// protocol-relative image addresses become https (Shopify's CDN serves
// both); an active product with Published FALSE imports as a draft; stock
// that sells on when out of stock (policy "continue") imports as untracked;
// negative stock imports as zero; image sizes are left 0 (unknown).
//
// The store returned passes catalog.Store.Validate; products that would
// not are left out and reported on their first line.
package productcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/wandstore/wandstore/shopify/internal/mapping"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/wandstore/wandstore/catalog"
)

// ErrNotProductCSV reports a file without the columns a product CSV has
// (a Handle or a Title column).
var ErrNotProductCSV = errors.New("not a Shopify product CSV: no Handle or Title column")

// Read reads a product CSV. It returns the store (never nil without an
// error) and the problems of the rows it skipped or changed, each with its
// line. The error is for what stops the whole import: bad Options, a read
// failure, or ErrNotProductCSV.
func Read(r io.Reader, opts Options) (*catalog.Store, catalog.ValidationErrors, error) {
	opts, err := opts.WithDefaults("products.csv")
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffComma(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	im := &importer{opts: opts, byHandle: map[string]*draft{}, skus: map[string]int{}}
	header := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				im.problem(pe.StartLine, -1, fmt.Sprintf("unreadable CSV row: %v; row skipped", pe.Err))
				continue
			}
			return nil, nil, fmt.Errorf("read %s: %w", opts.File, err)
		}
		if blank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			if err := im.columns(rec); err != nil {
				return nil, nil, err
			}
			continue
		}
		im.row(line, rec)
	}
	if header {
		return nil, nil, fmt.Errorf("%s: %w", opts.File, ErrNotProductCSV)
	}
	return im.finish()
}

// sniffComma picks the separator from the header line: a spreadsheet
// saving "CSV" in a European locale writes semicolons, and some tools tabs.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	best, n := ',', bytes.Count(head, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if m := bytes.Count(head, []byte(string(c))); m > n {
			best, n = c, m
		}
	}
	return best
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// Column keys, and the header names (lower case, single spaces) Shopify
// has used for them: the legacy export and the current template.
const (
	colHandle = iota
	colTitle
	colBody
	colVendor
	colType
	colCategory
	colTags
	colPublished
	colStatus
	colOpt1Name
	colOpt1Value
	colOpt2Name
	colOpt2Value
	colOpt3Name
	colOpt3Value
	colSKU
	colPrice
	colCompareAt
	colQty
	colPolicy
	colContinue
	colTracker
	colImageSrc
	colImagePos
	colImageAlt
	colVariantImage
	colSEOTitle
	colSEODesc
	numCols
)

var columnNames = map[string]int{
	"handle": colHandle, "url handle": colHandle,
	"title":       colTitle,
	"body (html)": colBody, "body html": colBody, "body": colBody, "description": colBody,
	"vendor": colVendor,
	"type":   colType, "product type": colType,
	"product category": colCategory, "standard product type": colCategory,
	"tags":      colTags,
	"published": colPublished, "published on online store": colPublished,
	"status":       colStatus,
	"option1 name": colOpt1Name, "option1 value": colOpt1Value,
	"option2 name": colOpt2Name, "option2 value": colOpt2Value,
	"option3 name": colOpt3Name, "option3 value": colOpt3Value,
	"variant sku": colSKU, "sku": colSKU,
	"variant price": colPrice, "price": colPrice,
	"variant compare at price": colCompareAt, "compare-at price": colCompareAt, "compare at price": colCompareAt,
	"variant inventory qty": colQty, "inventory quantity": colQty,
	"variant inventory policy":           colPolicy,
	"continue selling when out of stock": colContinue,
	"variant inventory tracker":          colTracker, "inventory tracker": colTracker,
	"image src": colImageSrc, "product image url": colImageSrc,
	"image position": colImagePos,
	"image alt text": colImageAlt,
	"variant image":  colVariantImage, "variant image url": colVariantImage,
	"seo title": colSEOTitle, "seo description": colSEODesc,
}

var spaces = regexp.MustCompile(`\s+`)

type importer struct {
	opts     Options
	cols     [numCols]int // index in the row, -1 when absent
	names    [numCols]string
	problems catalog.ValidationErrors

	drafts   []*draft
	byHandle map[string]*draft
	cur      *draft // the product whose block is being read
	skipping string // handle of a block being skipped
	skus     map[string]int
}

// draft is a product being read, with what is needed to finish it.
type draft struct {
	p        *catalog.Product
	line     int
	optNames []string // as the first row names them, "" for none
	images   []draftImage
	variants []draftVariant
}

type draftImage struct {
	img catalog.Image
	pos int // Image Position; 0 when not given
	seq int
}

type draftVariant struct {
	v        catalog.Variant
	line     int
	imageSrc string
}

func (im *importer) problem(line int, col int, msg string) {
	field := ""
	if col >= 0 && col < numCols {
		field = im.names[col]
	}
	im.problems = append(im.problems, &catalog.FieldError{Store: im.opts.Store, File: im.opts.File, Line: line, Field: field, Message: msg})
}

func (im *importer) columns(rec []string) error {
	for i := range im.cols {
		im.cols[i] = -1
	}
	for i, h := range rec {
		key := strings.ToLower(spaces.ReplaceAllString(strings.TrimSpace(h), " "))
		if c, ok := columnNames[key]; ok && im.cols[c] < 0 {
			im.cols[c], im.names[c] = i, strings.TrimSpace(h)
		}
	}
	if im.cols[colHandle] < 0 && im.cols[colTitle] < 0 {
		return fmt.Errorf("%s: %w", im.opts.File, ErrNotProductCSV)
	}
	return nil
}

func (im *importer) get(rec []string, col int) string {
	i := im.cols[col]
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (im *importer) row(line int, rec []string) {
	handle := strings.ToLower(im.get(rec, colHandle))
	title := im.get(rec, colTitle)
	if handle == "" {
		switch {
		case title != "":
			handle = catalog.Slug(title)
		case im.cur != nil && im.cols[colHandle] < 0:
			handle = im.cur.p.Handle
		default:
			im.problem(line, colHandle, "is empty; row skipped")
			return
		}
	}
	given := ""
	if !catalog.ValidHandle(handle) {
		if s := catalog.Slug(handle); catalog.ValidHandle(s) {
			given, handle = handle, s
		} else {
			im.problem(line, colHandle, fmt.Sprintf("%q cannot be made a handle (lower-case letters, digits and dashes); row skipped", handle))
			return
		}
	}
	if handle == im.skipping {
		return
	}
	im.skipping = ""
	d := im.cur
	if d == nil || d.p.Handle != handle {
		if prev, seen := im.byHandle[handle]; seen {
			if title != "" {
				im.problem(line, colHandle, fmt.Sprintf("%q is also the handle of the product on line %d; this block of rows is skipped", handle, prev.line))
				im.skipping, im.cur = handle, nil
				return
			}
			d = prev // rows of a product may come apart, as Shopify allows
		} else {
			if title == "" {
				im.problem(line, colTitle, fmt.Sprintf("product %q: the first row of a product needs a title; its rows are skipped", handle))
				im.skipping, im.cur = handle, nil
				return
			}
			d = im.newProduct(line, handle, rec)
			if given != "" {
				im.problem(line, colHandle, fmt.Sprintf("%q is not a handle (lower-case letters, digits and dashes); imported as %q", given, handle))
			}
		}
		im.cur = d
	}
	if src := im.get(rec, colImageSrc); src != "" {
		pos, _ := strconv.Atoi(im.get(rec, colImagePos))
		d.addImage(catalog.Image{Src: mapping.ImageURL(src), Alt: im.get(rec, colImageAlt)}, pos)
	}
	if im.isVariantRow(rec) {
		im.variant(d, line, rec)
	}
}

func (d *draft) addImage(img catalog.Image, pos int) {
	for i := range d.images {
		if d.images[i].img.Src == img.Src {
			if d.images[i].img.Alt == "" {
				d.images[i].img.Alt = img.Alt
			}
			return
		}
	}
	d.images = append(d.images, draftImage{img: img, pos: pos, seq: len(d.images)})
}

func (im *importer) newProduct(line int, handle string, rec []string) *draft {
	p := &catalog.Product{
		Handle: handle, Title: im.get(rec, colTitle), Vendor: im.get(rec, colVendor), Type: im.get(rec, colType),
		DescriptionHTML: strings.TrimSpace(strings.ReplaceAll(im.get(rec, colBody), "\r\n", "\n")),
		Tags:            splitTags(im.get(rec, colTags)),
		SEO:             catalog.SEO{Title: im.get(rec, colSEOTitle), Description: im.get(rec, colSEODesc)},
		Status:          catalog.StatusActive,
		File:            im.opts.File,
	}
	if p.Type == "" {
		// "Apparel & Accessories > Clothing > Shirts": the leaf is the type.
		cat := im.get(rec, colCategory)
		if i := strings.LastIndex(cat, ">"); i >= 0 {
			cat = cat[i+1:]
		}
		p.Type = strings.TrimSpace(cat)
	}
	switch st := strings.ToLower(im.get(rec, colStatus)); st {
	case "":
	case "active", "draft", "archived":
		p.Status = catalog.Status(st)
	default:
		im.problem(line, colStatus, fmt.Sprintf("%q must be active, draft or archived; imported as draft", st))
		p.Status = catalog.StatusDraft
	}
	// An active product hidden from the online store is not for our
	// storefront either.
	if p.Status == catalog.StatusActive && strings.EqualFold(im.get(rec, colPublished), "false") {
		p.Status = catalog.StatusDraft
	}
	d := &draft{p: p, line: line}
	for _, c := range []int{colOpt1Name, colOpt2Name, colOpt3Name} {
		d.optNames = append(d.optNames, im.get(rec, c))
	}
	im.drafts = append(im.drafts, d)
	im.byHandle[handle] = d
	return d
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// isVariantRow tells a variant row from an image-only row: an image row
// carries only Image Src, Image Position and Image Alt Text.
func (im *importer) isVariantRow(rec []string) bool {
	for _, c := range []int{colPrice, colSKU, colOpt1Value, colOpt2Value, colOpt3Value, colCompareAt, colQty} {
		if im.get(rec, c) != "" {
			return true
		}
	}
	return false
}

var optValueCols = [3]int{colOpt1Value, colOpt2Value, colOpt3Value}

func (im *importer) variant(d *draft, line int, rec []string) {
	var vals []string
	for i, c := range optValueCols {
		val := im.get(rec, c)
		name := d.optNames[i]
		switch {
		case i == 0 && (strings.EqualFold(name, "title") || name == "") && (val == "" || strings.EqualFold(val, "default title")):
			// Shopify's "Title: Default Title" is a product without options.
		case name == "" && val != "":
			im.problem(line, c, fmt.Sprintf("%q is a value of an option with no name; variant skipped", val))
			return
		case name != "" && val == "":
			im.problem(line, c, fmt.Sprintf("no value for option %q; variant skipped", name))
			return
		case name != "":
			vals = append(vals, val)
		}
	}
	cur := im.opts.Currency
	v := catalog.Variant{SKU: im.get(rec, colSKU), Options: vals, Image: -1}
	var err error
	if v.Price, err = ParsePrice(im.get(rec, colPrice), cur); err != nil {
		im.problem(line, colPrice, err.Error()+"; variant skipped")
		return
	}
	if s := im.get(rec, colCompareAt); s != "" {
		ca, err := ParsePrice(s, cur)
		if err != nil {
			im.problem(line, colCompareAt, err.Error()+"; variant skipped")
			return
		}
		if ca.Amount > 0 {
			v.CompareAt = ca
		}
	}
	tracked := im.get(rec, colTracker) != ""
	if im.cols[colTracker] < 0 { // no tracker column: a quantity means tracked
		tracked = im.get(rec, colQty) != ""
	}
	qty := 0
	if s := im.get(rec, colQty); s != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			im.problem(line, colQty, fmt.Sprintf("%q is not a whole number; variant skipped", s))
			return
		}
		qty = n
	}
	sellsOut := strings.EqualFold(im.get(rec, colPolicy), "continue") || strings.EqualFold(im.get(rec, colContinue), "true")
	mapping.SetStock(&v, tracked && !sellsOut, qty, nil)
	for _, o := range d.variants {
		if slices.Equal(o.v.Options, v.Options) {
			msg := fmt.Sprintf("same option values as the variant on line %d; variant skipped", o.line)
			if len(v.Options) == 0 {
				msg = fmt.Sprintf("a product without options has one variant, given on line %d; variant skipped", o.line)
			}
			im.problem(line, optValueCols[0], msg)
			return
		}
	}
	if v.SKU != "" {
		if prev, dup := im.skus[v.SKU]; dup {
			im.problem(line, colSKU, fmt.Sprintf("%q is also the SKU of the variant on line %d; imported without a SKU", v.SKU, prev))
			v.SKU = ""
		} else {
			im.skus[v.SKU] = line
		}
	}
	d.variants = append(d.variants, draftVariant{v: v, line: line, imageSrc: mapping.ImageURL(im.get(rec, colVariantImage))})
}

func (im *importer) finish() (*catalog.Store, catalog.ValidationErrors, error) {
	s := &catalog.Store{Handle: im.opts.Store, Name: im.opts.Name, Currency: im.opts.Currency, Locale: im.opts.Locale}
	var lines []int
	for _, d := range im.drafts {
		if len(d.variants) == 0 {
			im.problem(d.line, colHandle, fmt.Sprintf("product %q has no variant that could be imported; product skipped", d.p.Handle))
			continue
		}
		d.finish()
		s.Products = append(s.Products, d.p)
		lines = append(lines, d.line)
	}
	im.problems = append(im.problems, mapping.Prune(s, im.opts.File, lines)...)
	sort.SliceStable(im.problems, func(i, j int) bool { return im.problems[i].Line < im.problems[j].Line })
	s.Index()
	return s, im.problems, nil
}

func (d *draft) finish() {
	p := d.p
	sort.SliceStable(d.images, func(i, j int) bool {
		a, b := d.images[i], d.images[j]
		if (a.pos > 0) != (b.pos > 0) {
			return a.pos > 0 // positioned images first
		}
		return a.pos < b.pos
	})
	for _, di := range d.images {
		p.Images = append(p.Images, di.img)
	}
	for i, name := range d.optNames {
		if name == "" || (i == 0 && strings.EqualFold(name, "title") && allDefault(d.variants)) {
			continue
		}
		o := catalog.Option{Name: name}
		for _, v := range d.variants {
			if len(v.v.Options) > len(p.Options) && !slices.Contains(o.Values, v.v.Options[len(p.Options)]) {
				o.Values = append(o.Values, v.v.Options[len(p.Options)])
			}
		}
		p.Options = append(p.Options, o)
	}
	ids := map[string]bool{}
	for _, dv := range d.variants {
		v := dv.v
		if dv.imageSrc != "" {
			v.Image = slices.IndexFunc(p.Images, func(img catalog.Image) bool { return img.Src == dv.imageSrc })
			if v.Image < 0 {
				p.Images = append(p.Images, catalog.Image{Src: dv.imageSrc})
				v.Image = len(p.Images) - 1
			}
		}
		v.Title = catalog.VariantTitle(v.Options)
		v.ID = catalog.NewVariantID(v.SKU, v.Options, ids)
		p.Variants = append(p.Variants, v)
	}
}

func allDefault(vs []draftVariant) bool {
	for _, v := range vs {
		if len(v.v.Options) > 0 {
			return false
		}
	}
	return true
}

// Options describe the one store the CSV becomes: Store (the handle;
// required), Name (default: the handle), Currency (default USD), Locale
// (default en-US), File (names the file in problems; default
// "products.csv").
type Options = mapping.Options

// Source reads one store from a CSV file, read again at each Load. It
// is strict, as a build's source should be: a file with any problem gives a
// catalog.ValidationErrors naming each line. `wandgen import` is the
// lenient way: it imports the good rows and lists the rest.
type Source = mapping.FileSource

// NewSource returns a Source for the file at path; opts.File defaults to
// the file's base name.
func NewSource(path string, opts Options) *Source {
	return mapping.NewFileSource(path, opts, Read)
}

// ParsePrice reads a price as Shopify writes it into currency's minor
// units: "19.99", "1,200.00" (grouping commas are accepted only in groups
// of three), "1200.00" in JPY (decimals beyond the currency's are accepted
// when they are zeros, as Shopify writes ".00" for every currency).
// Anything else gives an error naming the value.
func ParsePrice(s, currency string) (catalog.Money, error) {
	return mapping.ParsePrice(s, currency, true)
}

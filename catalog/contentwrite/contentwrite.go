// Package contentwrite writes a catalog.Store as a content folder in the
// format contentdir reads (content/README.md): store.yaml,
// products/<handle>.md and collections/<handle>.yaml. Importers use it, so
// a Shopify export becomes files a merchant edits by hand.
//
// What is written reads back through contentdir as the same store, with
// these exceptions, all of them derived or cosmetic:
//   - Variant.ID and Variant.Title are not written; contentdir derives them
//     (the SKU or the option values; the option values joined by " / ").
//   - Product.File, Collection.File and Store.Assets are where a store came
//     from, not part of it.
//   - A description is HTML; it is written as the Markdown body, in a form
//     Markdown passes through unchanged (see descriptionBody): blank lines
//     outside <pre> are dropped and HTML that does not start with a
//     block-level tag is wrapped in a <div>.
//   - A variant that is tracked, has no stock and is still marked available
//     cannot be said in the format; it reads back as sold out.
package contentwrite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/atomicfile"
	"gopkg.in/yaml.v3"
)

// Options say what Write may overwrite.
type Options struct {
	// KeepStoreFile leaves an existing store.yaml alone, so an import adds
	// products without undoing the merchant's theme and settings.
	KeepStoreFile bool
}

// Result says what Write wrote, as paths relative to the store folder.
type Result struct {
	Files []string
}

// Write writes s into dir, the store's own folder (content/<handle>),
// creating it if needed. Every file is written atomically (a temporary
// file, then a rename), so a reader never sees half a file. Files of
// products or collections that s does not hold are left alone. It returns
// an error when s has a product or collection whose handle is not a valid
// file name, or when a file cannot be written.
func Write(dir string, s *catalog.Store, opts Options) (*Result, error) {
	for _, p := range s.Products {
		if !catalog.ValidHandle(p.Handle) {
			return nil, fmt.Errorf("product %q: handle must be lower-case letters, digits and dashes", p.Handle)
		}
	}
	for _, c := range s.Collections {
		if !catalog.ValidHandle(c.Handle) {
			return nil, fmt.Errorf("collection %q: handle must be lower-case letters, digits and dashes", c.Handle)
		}
	}
	res := &Result{}
	write := func(rel string, data []byte) error {
		if err := atomicfile.Write(filepath.Join(dir, filepath.FromSlash(rel)), data); err != nil {
			return err
		}
		res.Files = append(res.Files, rel)
		return nil
	}
	storePath := filepath.Join(dir, "store.yaml")
	_, statErr := os.Stat(storePath)
	if !opts.KeepStoreFile || errors.Is(statErr, os.ErrNotExist) {
		data, err := StoreFile(s)
		if err != nil {
			return nil, err
		}
		if err := write("store.yaml", data); err != nil {
			return nil, err
		}
	}
	for _, p := range s.Products {
		data, err := ProductFile(p)
		if err != nil {
			return nil, fmt.Errorf("product %q: %w", p.Handle, err)
		}
		if err := write("products/"+p.Handle+".md", data); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Collections {
		data, err := CollectionFile(c)
		if err != nil {
			return nil, fmt.Errorf("collection %q: %w", c.Handle, err)
		}
		if err := write("collections/"+c.Handle+".yaml", data); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// The file shapes, mirroring contentdir's; omitempty keeps files short.

type storeFile struct {
	Name        string    `yaml:"name"`
	Currency    string    `yaml:"currency"`
	Locale      string    `yaml:"locale,omitempty"`
	Description string    `yaml:"description,omitempty"`
	BaseURL     string    `yaml:"base_url,omitempty"`
	Theme       themeFile `yaml:"theme,omitempty"`
	Settings    settings  `yaml:"settings,omitempty"`
}

type themeFile struct {
	Colors colors     `yaml:"colors,omitempty"`
	Fonts  fonts      `yaml:"fonts,omitempty"`
	Logo   *imageFile `yaml:"logo,omitempty"`
}

type colors struct {
	Primary    string `yaml:"primary,omitempty"`
	Accent     string `yaml:"accent,omitempty"`
	Background string `yaml:"background,omitempty"`
	Text       string `yaml:"text,omitempty"`
	Muted      string `yaml:"muted,omitempty"`
}

type fonts struct {
	Heading string `yaml:"heading,omitempty"`
	Body    string `yaml:"body,omitempty"`
}

type settings struct {
	ProductsPerPage     int        `yaml:"products_per_page,omitempty"`
	FeaturedCollections []string   `yaml:"featured_collections,omitempty,flow"`
	FeaturedProducts    []string   `yaml:"featured_products,omitempty,flow"`
	Announcement        string     `yaml:"announcement,omitempty"`
	ContactEmail        string     `yaml:"contact_email,omitempty"`
	ShareImage          *imageFile `yaml:"share_image,omitempty"`
}

type imageFile struct {
	Src    string `yaml:"src"`
	Alt    string `yaml:"alt,omitempty"`
	Width  int    `yaml:"width,omitempty"`
	Height int    `yaml:"height,omitempty"`
}

type seoFile struct {
	Title       string `yaml:"title,omitempty"`
	Description string `yaml:"description,omitempty"`
}

type productFile struct {
	Title    string        `yaml:"title"`
	Vendor   string        `yaml:"vendor,omitempty"`
	Type     string        `yaml:"type,omitempty"`
	Tags     []string      `yaml:"tags,omitempty,flow"`
	Created  string        `yaml:"created,omitempty"`
	Updated  string        `yaml:"updated,omitempty"`
	Status   string        `yaml:"status,omitempty"`
	SEO      *seoFile      `yaml:"seo,omitempty"`
	Images   []imageFile   `yaml:"images,omitempty"`
	Options  []optionFile  `yaml:"options,omitempty"`
	Variants []variantFile `yaml:"variants,omitempty"`
	// One-variant shorthand, for a product without options.
	SKU       string `yaml:"sku,omitempty"`
	Price     string `yaml:"price,omitempty"`
	CompareAt string `yaml:"compare_at,omitempty"`
	Inventory *int   `yaml:"inventory,omitempty"`
	Available *bool  `yaml:"available,omitempty"`
}

type optionFile struct {
	Name   string   `yaml:"name"`
	Values []string `yaml:"values,flow"`
}

type variantFile struct {
	SKU       string   `yaml:"sku,omitempty"`
	Options   []string `yaml:"options,omitempty,flow"`
	Price     string   `yaml:"price"`
	CompareAt string   `yaml:"compare_at,omitempty"`
	Inventory *int     `yaml:"inventory,omitempty"`
	Available *bool    `yaml:"available,omitempty"`
	Image     *int     `yaml:"image,omitempty"`
}

type collectionFile struct {
	Title       string     `yaml:"title"`
	Description string     `yaml:"description,omitempty"`
	Image       *imageFile `yaml:"image,omitempty"`
	Sort        string     `yaml:"sort,omitempty"`
	Products    []string   `yaml:"products,omitempty"`
	SEO         *seoFile   `yaml:"seo,omitempty"`
	Rules       *rulesFile `yaml:"rules,omitempty"`
}

type rulesFile struct {
	Match      string          `yaml:"match,omitempty"`
	Conditions []conditionFile `yaml:"conditions"`
}

type conditionFile struct {
	Field    string `yaml:"field"`
	Relation string `yaml:"relation"`
	Value    string `yaml:"value"`
}

// StoreFile renders s's store.yaml.
func StoreFile(s *catalog.Store) ([]byte, error) {
	f := storeFile{
		Name: s.Name, Currency: s.Currency, Locale: s.Locale, Description: s.Description, BaseURL: s.BaseURL,
		Theme: themeFile{Colors: colors(s.Theme.Colors), Fonts: fonts(s.Theme.Fonts), Logo: imagePtr(s.Theme.Logo)},
		Settings: settings{
			ProductsPerPage: s.Settings.ProductsPerPage, FeaturedCollections: s.Settings.FeaturedCollections,
			FeaturedProducts: s.Settings.FeaturedProducts, Announcement: s.Settings.Announcement,
			ContactEmail: s.Settings.ContactEmail,
			ShareImage:   imagePtr(s.Settings.ShareImage),
		},
	}
	return marshal(f)
}

func imagePtr(img catalog.Image) *imageFile {
	if img == (catalog.Image{}) {
		return nil
	}
	return &imageFile{Src: img.Src, Alt: img.Alt, Width: img.Width, Height: img.Height}
}

func seoPtr(s catalog.SEO) *seoFile {
	if s == (catalog.SEO{}) {
		return nil
	}
	return &seoFile{Title: s.Title, Description: s.Description}
}

// ProductFile renders p as products/<handle>.md: YAML front matter, then
// the description.
func ProductFile(p *catalog.Product) ([]byte, error) {
	f := productFile{
		Title: p.Title, Vendor: p.Vendor, Type: p.Type, Tags: p.Tags,
		Created: date(p.CreatedAt), Updated: date(p.UpdatedAt), Status: string(p.Status), SEO: seoPtr(p.SEO),
	}
	for _, img := range p.Images {
		f.Images = append(f.Images, *imagePtrAlways(img))
	}
	for _, o := range p.Options {
		f.Options = append(f.Options, optionFile{Name: o.Name, Values: o.Values})
	}
	for _, v := range p.Variants {
		f.Variants = append(f.Variants, variant(v))
	}
	if len(p.Options) == 0 && len(f.Variants) == 1 && f.Variants[0].Image == nil && f.Variants[0].Price != "" {
		v := f.Variants[0]
		f.Variants = nil
		f.SKU, f.Price, f.CompareAt, f.Inventory, f.Available = v.SKU, v.Price, v.CompareAt, v.Inventory, v.Available
	}
	yml, err := marshal(f)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("---\n")
	b.Write(yml)
	b.WriteString("---\n")
	if body := descriptionBody(p.DescriptionHTML); body != "" {
		b.WriteString(body)
		b.WriteString("\n")
	}
	return []byte(b.String()), nil
}

func imagePtrAlways(img catalog.Image) *imageFile {
	return &imageFile{Src: img.Src, Alt: img.Alt, Width: img.Width, Height: img.Height}
}

func variant(v catalog.Variant) variantFile {
	f := variantFile{SKU: v.SKU, Options: v.Options, Price: v.Price.Decimal()}
	if v.CompareAt != (catalog.Money{}) {
		f.CompareAt = v.CompareAt.Decimal()
	}
	if v.Tracked {
		n := v.Inventory
		f.Inventory = &n
	}
	if !v.Available && !(v.Tracked && v.Inventory <= 0) {
		no := false
		f.Available = &no
	}
	if v.Image >= 0 {
		i := v.Image
		f.Image = &i
	}
	return f
}

// date writes a time as contentdir reads it back: a plain date at
// midnight UTC, else RFC 3339 in UTC.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}

// CollectionFile renders c as collections/<handle>.yaml.
func CollectionFile(c *catalog.Collection) ([]byte, error) {
	f := collectionFile{
		Title: c.Title, Description: descriptionBody(c.DescriptionHTML), Image: imagePtr(c.Image),
		Sort: string(c.Sort), Products: c.ProductHandles, SEO: seoPtr(c.SEO),
	}
	if f.Sort == string(catalog.SortManual) {
		f.Sort = ""
	}
	if c.Rules != nil {
		r := &rulesFile{}
		if c.Rules.MatchAny {
			r.Match = "any"
		}
		for _, cond := range c.Rules.Conditions {
			r.Conditions = append(r.Conditions, conditionFile(cond))
		}
		f.Rules = r
	}
	return marshal(f)
}

func marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// CommonMark's HTML blocks of kind 6: a line starting with one of these
// tags opens a block that passes through unchanged up to a blank line.
var blockStartRE = regexp.MustCompile(`(?i)^<(?:/?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul))(?:[\s/>]|$)`)

var preRE = regexp.MustCompile(`(?is)<(pre|textarea)\b.*?</(pre|textarea)>`)

// descriptionBody turns description HTML into a Markdown body that renders
// back to the same HTML: one CommonMark HTML block, which Markdown copies
// through unchanged. A blank line would end the block and turn what follows
// into Markdown, so blank lines are dropped (HTML ignores them) except
// inside <pre> and <textarea>, where they matter and are kept (such a
// description may not read back byte for byte). HTML not starting with a
// block-level tag (plain text, <span>, <meta>) is wrapped in a <div>.
func descriptionBody(html string) string {
	html = strings.TrimSpace(strings.ReplaceAll(html, "\r\n", "\n"))
	if html == "" {
		return ""
	}
	if !blockStartRE.MatchString(html) {
		html = "<div>\n" + html + "\n</div>"
	}
	// Blank lines outside <pre>/<textarea> go; inside, they stay.
	var b strings.Builder
	last := 0
	for _, loc := range preRE.FindAllStringIndex(html, -1) {
		b.WriteString(dropBlankLines(html[last:loc[0]]))
		b.WriteString(html[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(dropBlankLines(html[last:]))
	return b.String()
}

func dropBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for i, l := range lines {
		// Keep the first and last piece even when empty: they join this
		// stretch to its neighbours mid-line.
		if strings.TrimSpace(l) == "" && i > 0 && i < len(lines)-1 {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

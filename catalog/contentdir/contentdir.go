// Package contentdir reads stores from a folder of plain files a merchant can
// edit: content/<store>/store.yaml, products/<handle>.md (YAML front matter
// and a Markdown description) and collections/<handle>.yaml. The format is
// documented in content/README.md.
package contentdir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"gopkg.in/yaml.v3"
)

// Source reads stores from a file system whose top level holds one folder
// per store.
type Source struct {
	fsys fs.FS
}

var _ catalog.CachingSource = (*Source)(nil)

// New returns a Source reading from fsys (os.DirFS("content"), or the
// embedded demo content).
func New(fsys fs.FS) *Source { return &Source{fsys: fsys} }

// Stores lists the folders that hold a store.yaml, sorted.
func (s *Source) Stores(ctx context.Context) ([]string, error) {
	entries, err := fs.ReadDir(s.fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("list stores: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := fs.Stat(s.fsys, path.Join(e.Name(), "store.yaml")); err == nil {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// Load reads one store. A store folder that does not exist gives an error
// wrapping fs.ErrNotExist; a store whose store.yaml names another source
// (see SourceSpec) gives its store.yaml's problems, or else an error
// wrapping ErrOtherSource, without reading products/ or collections/; files that cannot be parsed give a
// catalog.ValidationErrors naming each file, line and field. Every file is
// read before returning, so a merchant sees all problems at once.
func (s *Source) Load(ctx context.Context, handle string) (*catalog.Store, error) {
	l, err := s.readStoreFile(handle)
	if err != nil {
		return nil, err
	}
	return s.load(ctx, l)
}

// load reads the products and collections of the store whose store.yaml
// l has read.
func (s *Source) load(ctx context.Context, l *loader) (*catalog.Store, error) {
	handle := l.store.Handle
	if l.spec.Kind != KindContent {
		if len(l.errs) > 0 {
			return nil, l.errs
		}
		return nil, fmt.Errorf("store %q: source.kind is %s: %w", handle, l.spec.Kind, ErrOtherSource)
	}
	if err := l.readDir(ctx, "products", ".md", (*loader).readProduct); err != nil {
		return nil, err
	}
	if err := l.readDir(ctx, "collections", ".yaml", (*loader).readCollection); err != nil {
		return nil, err
	}
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	if l.cache == nil {
		l.store.Index() // LoadCached's caller validates, which indexes
	}
	return l.store, nil
}

type loader struct {
	store *catalog.Store
	fsys  fs.FS
	errs  catalog.ValidationErrors
	// docs remembers where each decoded file's fields are, so problems
	// found after decoding still name their line.
	docs  map[string]doc
	sizes *sizeCache
	spec  SourceSpec // store.yaml's source block
	// cache, when set, holds what files parsed into at the last load
	// (LoadCached); imagesRead are the image files whose dimensions the
	// file being read took from the file.
	cache      *parseCache
	imagesRead []string
}

// doc is a decoded file's YAML; its fields' lines are worked out only when
// a problem needs one, so a good file is parsed once.
type doc struct {
	data       []byte
	fields     []field
	parsed     bool
	lineOffset int // lines of the file before the YAML
}

func (d *doc) fieldList() []field {
	if !d.parsed {
		d.parsed = true
		var node yaml.Node
		if yaml.Unmarshal(d.data, &node) == nil {
			d.fields = fieldsOf(&node)
		}
	}
	return d.fields
}

// fail records a problem. A line of 0 is looked up from the field, in the
// file's YAML, when it is there.
func (l *loader) fail(file string, line int, field, msg string) {
	if d, ok := l.docs[file]; ok && line == 0 && field != "" {
		if line = lineOf(d.fieldList(), field); line > 0 {
			line += d.lineOffset
		}
		l.docs[file] = d
	}
	l.errs = append(l.errs, &catalog.FieldError{Store: l.store.Handle, File: file, Line: line, Field: field, Message: msg})
}

// readDir reads every file with the extension (".yaml" also takes ".yml")
// in dir. Files are parsed in parallel, each by a loader of its own, and the
// results are merged in name order, so a build and its error messages are
// the same on every machine.
func (l *loader) readDir(ctx context.Context, dir, ext string, read func(l *loader, file, handle string, data []byte)) error {
	entries, err := fs.ReadDir(l.fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store %q: %w", l.store.Handle, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var names []string
	var infos []fs.DirEntry
	for _, e := range entries {
		name := e.Name()
		fext := path.Ext(name)
		if e.IsDir() || strings.HasPrefix(name, ".") || (fext != ext && !(ext == ".yaml" && fext == ".yml")) {
			continue
		}
		names = append(names, name)
		infos = append(infos, e)
	}
	res := make([]readResult, len(names))
	errs := make([]error, len(names))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(names)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(names) || ctx.Err() != nil {
					return
				}
				file := path.Join(dir, names[i])
				var key statKey
				if l.cache != nil {
					info, err := infos[i].Info()
					if err == nil && infos[i].Type()&fs.ModeSymlink != 0 {
						info, err = fs.Stat(l.fsys, file) // the file the link names, as ReadFile reads it
					}
					if err != nil {
						errs[i] = fmt.Errorf("store %q: %w", l.store.Handle, err)
						continue
					}
					key = keyOf(info)
					if res[i].from(file, l.cache.byStat(file, key)) {
						continue
					}
				}
				data, err := fs.ReadFile(l.fsys, file)
				if err != nil {
					errs[i] = fmt.Errorf("store %q: %w", l.store.Handle, err)
					continue
				}
				var sum [sha256.Size]byte
				if l.cache != nil {
					sum = sha256.Sum256(data)
					if res[i].from(file, l.cache.bySum(file, key, sum)) {
						continue
					}
				}
				sub := &loader{
					store: &catalog.Store{Handle: l.store.Handle, Currency: l.store.Currency, Assets: l.store.Assets},
					fsys:  l.fsys, docs: map[string]doc{}, sizes: l.sizes, cache: l.cache,
				}
				res[i].sub = sub
				parsed.Add(1)
				read(sub, file, strings.TrimSuffix(names[i], path.Ext(names[i])), data)
				if l.cache != nil && len(sub.errs) == 0 && len(sub.store.Products)+len(sub.store.Collections) == 1 {
					var p *catalog.Product
					var c *catalog.Collection
					if len(sub.store.Products) == 1 {
						p = sub.store.Products[0]
					} else {
						c = sub.store.Collections[0]
					}
					l.cache.put(file, key, sum, sub.imagesRead, p, c)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, r := range res {
		if errs[i] != nil {
			return errs[i]
		}
		switch {
		case r.sub != nil:
			l.store.Products = append(l.store.Products, r.sub.store.Products...)
			l.store.Collections = append(l.store.Collections, r.sub.store.Collections...)
			l.errs = append(l.errs, r.sub.errs...)
		case r.p != nil:
			l.store.Products = append(l.store.Products, r.p)
		case r.c != nil:
			l.store.Collections = append(l.store.Collections, r.c)
		}
	}
	return nil
}

// readResult is what a file of readDir gave: from the parse cache a
// product or a collection (no loader of its own: most files of a
// rebuild), else a loader that parsed it.
type readResult struct {
	p   *catalog.Product
	c   *catalog.Collection
	sub *loader
}

// from takes file's product or collection from its parse-cache entry e,
// and reports whether there was one to take.
func (r *readResult) from(file string, e *cacheEntry) bool {
	if e == nil {
		return false
	}
	p, c, ok := cached(file, e)
	if ok {
		r.p, r.c = p, c
	}
	return ok
}

// parsed counts the product and collection files parsed (not taken from
// the parse cache), for tests.
var parsed atomic.Int64

// decode parses YAML strictly: unknown keys are errors, so a typo such as
// "prise:" is reported instead of silently dropping the price. lineOffset is
// how many lines of the file come before data (front matter's "---").
func (l *loader) decode(file string, lineOffset int, data []byte, v any) bool {
	d := doc{data: data, lineOffset: lineOffset}
	err := decodeStrict(data, v)
	if err == nil {
		l.docs[file] = d
		return true
	}
	for _, e := range yamlErrors(err, data, d.fieldList()) {
		line := e.line
		if line > 0 {
			line += lineOffset
		}
		l.fail(file, line, e.field, e.msg)
	}
	return false
}

func (l *loader) money(file, field, val string) catalog.Money {
	if val == "" {
		l.fail(file, 0, field, "is required")
		return catalog.Money{Currency: l.store.Currency}
	}
	m, err := catalog.ParseMoney(val, l.store.Currency)
	if err != nil {
		if !catalog.ValidCurrency(l.store.Currency) {
			return catalog.Money{Currency: l.store.Currency} // reported on store.yaml
		}
		l.fail(file, 0, field, err.Error())
	}
	return m
}

// readStore reads store.yaml into the loader's store and spec; false when
// it cannot be decoded.
func (l *loader) readStore(raw []byte) bool {
	var f storeFile
	if !l.decode("store.yaml", 0, raw, &f) {
		return false
	}
	s := l.store
	s.Name, s.Currency, s.Locale, s.Description = f.Name, strings.ToUpper(f.Currency), f.Locale, f.Description
	s.BaseURL = f.BaseURL
	if s.Locale == "" {
		s.Locale = "en-US"
	}
	s.Theme = catalog.Theme{
		Colors: catalog.Colors(f.Theme.Colors),
		Fonts:  catalog.Fonts(f.Theme.Fonts),
		Logo:   l.image("store.yaml", "theme.logo", f.Theme.Logo),
	}
	s.Settings = catalog.Settings{
		ProductsPerPage:     f.Settings.ProductsPerPage,
		FeaturedCollections: f.Settings.FeaturedCollections,
		FeaturedProducts:    f.Settings.FeaturedProducts,
		Announcement:        f.Settings.Announcement,
		ContactEmail:        f.Settings.ContactEmail,
	}
	if f.Settings.ShareImage != (imageFile{}) {
		s.Settings.ShareImage = l.image("store.yaml", "settings.share_image", f.Settings.ShareImage)
	}
	l.readSource(f.Source, s.Currency)
	l.readCheckout(f.Checkout)
	l.readExperiments(f.Experiments)
	return true
}

var frontMatterEnd = regexp.MustCompile(`(?m)^---[ \t]*\r?$`)

// splitFrontMatter separates "---\n<yaml>\n---\n<markdown>". It tolerates a
// byte-order mark and CRLF line ends, as editors on every OS write them.
func splitFrontMatter(data []byte) (yml, body []byte, bodyLine int, err error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok || strings.TrimSpace(string(first)) != "---" {
		return nil, nil, 0, errors.New(`must start with a "---" line, then YAML front matter, then "---"`)
	}
	loc := frontMatterEnd.FindIndex(rest)
	if loc == nil {
		return nil, nil, 0, errors.New(`front matter is not closed by a "---" line`)
	}
	yml = rest[:loc[0]]
	body = rest[loc[1]:]
	body = bytes.TrimPrefix(body, []byte("\n"))
	return yml, body, bytes.Count(yml, []byte("\n")) + 3, nil
}

func (l *loader) readProduct(file, handle string, data []byte) {
	yml, body, _, err := splitFrontMatter(data)
	if err != nil {
		l.fail(file, 1, "", err.Error())
		return
	}
	var f productFile
	if !l.decode(file, 1, yml, &f) {
		return
	}
	p := &catalog.Product{
		Handle: handle, Title: f.Title, Vendor: f.Vendor, Type: f.Type, Tags: f.Tags,
		SEO:    catalog.SEO(f.SEO),
		Status: catalog.Status(f.Status),
		File:   file,
	}
	p.CreatedAt = l.date(file, "created", f.Created)
	p.UpdatedAt = l.date(file, "updated", f.Updated)
	html, err := markdownToHTML(body)
	if err != nil {
		l.fail(file, 0, "description", err.Error())
	}
	p.DescriptionHTML = html
	for i, im := range f.Images {
		p.Images = append(p.Images, l.image(file, fmt.Sprintf("images[%d]", i), im))
	}
	for _, o := range f.Options {
		p.Options = append(p.Options, catalog.Option{Name: o.Name, Values: o.Values})
	}
	vs := f.Variants
	// topKey is the first one-variant shorthand key given, to name in errors.
	var topKey string
	switch {
	case f.Price != "":
		topKey = "price"
	case f.CompareAt != "":
		topKey = "compare_at"
	case f.SKU != "":
		topKey = "sku"
	case f.Inventory != nil:
		topKey = "inventory"
	case f.Available != nil:
		topKey = "available"
	}
	top := topKey != ""
	switch {
	case top && len(vs) > 0:
		l.fail(file, 0, topKey, "give prices either at the top level (one variant) or in variants, not both")
	case top && len(p.Options) > 0:
		l.fail(file, 0, topKey, "a product with options gives its prices in variants")
	case top:
		vs = []variantFile{{SKU: f.SKU, Price: f.Price, CompareAt: f.CompareAt, Inventory: f.Inventory, Available: f.Available}}
	}
	ids := map[string]bool{}
	for i, vf := range vs {
		field := fmt.Sprintf("variants[%d]", i)
		if top {
			field = ""
		}
		prefix := field
		if prefix != "" {
			prefix += "."
		}
		v := catalog.Variant{
			SKU: vf.SKU, Options: vf.Options, Title: catalog.VariantTitle(vf.Options),
			Price: l.money(file, prefix+"price", vf.Price), Image: -1,
		}
		if vf.CompareAt != "" {
			v.CompareAt = l.money(file, prefix+"compare_at", vf.CompareAt)
		}
		v.Available = true
		if vf.Inventory != nil {
			v.Tracked, v.Inventory = true, *vf.Inventory
			v.Available = *vf.Inventory > 0
		}
		if vf.Available != nil && !*vf.Available {
			v.Available = false
		}
		if vf.Image != nil {
			v.Image = *vf.Image
		}
		v.ID = catalog.NewVariantID(vf.SKU, vf.Options, ids)
		p.Variants = append(p.Variants, v)
	}
	l.store.Products = append(l.store.Products, p)
}

func (l *loader) date(file, field, val string) time.Time {
	if val == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, val); err == nil {
			return t.UTC()
		}
	}
	l.fail(file, 0, field, fmt.Sprintf("%q is not a date such as 2026-03-01", val))
	return time.Time{}
}

func (l *loader) readCollection(file, handle string, data []byte) {
	var f collectionFile
	if !l.decode(file, 0, bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &f) {
		return
	}
	c := &catalog.Collection{
		Handle: handle, Title: f.Title, SEO: catalog.SEO(f.SEO), Sort: catalog.SortOrder(f.Sort),
		ProductHandles: f.Products, File: file,
	}
	if c.Sort == "" {
		c.Sort = catalog.SortManual
	}
	if f.Image != nil {
		c.Image = l.image(file, "image", *f.Image)
	}
	html, err := markdownToHTML([]byte(f.Description))
	if err != nil {
		l.fail(file, 0, "description", err.Error())
	}
	c.DescriptionHTML = html
	if f.Rules != nil {
		r := &catalog.Rules{}
		switch f.Rules.Match {
		case "", "all":
		case "any":
			r.MatchAny = true
		default:
			l.fail(file, 0, "rules.match", fmt.Sprintf("%q must be all or any", f.Rules.Match))
		}
		for _, cond := range f.Rules.Conditions {
			r.Conditions = append(r.Conditions, catalog.Condition(cond))
		}
		c.Rules = r
	}
	l.store.Collections = append(l.store.Collections, c)
}

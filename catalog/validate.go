package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
)

// FieldError is one problem in a store's content, located precisely enough
// for a merchant to fix it: the store, the file (relative to the store) and
// the field path ("variants[1].price").
type FieldError struct {
	Store   string
	File    string // "" for problems not tied to one file
	Line    int    // 0 when unknown
	Field   string // "" when the whole file is at fault
	Message string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Store)
	if e.File != "" {
		b.WriteString(": ")
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}

// ValidationErrors is every problem found in a store; its Error lists them
// one a line.
type ValidationErrors []*FieldError

func (es ValidationErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// AsValidationErrors extracts the ValidationErrors from err, if any.
func AsValidationErrors(err error) (ValidationErrors, bool) {
	var ve ValidationErrors
	if errors.As(err, &ve) {
		return ve, true
	}
	return nil, false
}

var (
	handleRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	localeRE = regexp.MustCompile(`^[a-z]{2,3}(?:-[A-Z]{2}|-[A-Za-z]{4}(?:-[A-Z]{2})?)?$`)
	// Colours and fonts are written into CSS, so they are held to shapes that
	// cannot close a declaration, a rule or a string. A font list is
	// families separated by commas, each a name or a quoted name: a lone
	// quote would open a string that swallows the rest of the stylesheet's
	// line.
	colorRE = regexp.MustCompile(`^(?:#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,20}|(?:rgb|rgba|hsl|hsla)\([0-9.,% /]+\))$`)
	fontRE  = regexp.MustCompile(`^` + fontFamily + `(?: *, *` + fontFamily + `)*$`)
	emailRE = regexp.MustCompile(`^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$`)
)

const fontFamily = `(?:"[\p{L}\p{N} '\-]+"|'[\p{L}\p{N} "\-]+'|[\p{L}\p{N}\-]+(?: [\p{L}\p{N}\-]+)*)`

// ValidHandle reports whether h is a valid store, product or collection
// handle: lower-case letters and digits in dash-separated words.
func ValidHandle(h string) bool { return len(h) <= 255 && handleRE.MatchString(h) }

// MaxOptions is how many options a product may have (Shopify's limit).
const MaxOptions = 3

// Validate checks everything that would make a broken page or a wrong
// price. It returns nil or a ValidationErrors listing every problem found.
func (s *Store) Validate() error {
	v := validator{store: s.Handle}
	s.Index()
	s.validateStore(&v)
	skus := make(map[string]string, s.variants()) // sku -> file; sized, not grown
	seenP := make(map[string]string, len(s.Products))
	for _, p := range s.Products {
		if prev, dup := seenP[p.Handle]; dup && p.Handle != "" {
			v.add(p.File, "handle", fmt.Sprintf("%q is also the handle of %s", p.Handle, prev))
		}
		seenP[p.Handle] = p.File
		s.validateProduct(&v, p, skus)
	}
	seenC := map[string]string{}
	for _, c := range s.Collections {
		if prev, dup := seenC[c.Handle]; dup && c.Handle != "" {
			v.add(c.File, "handle", fmt.Sprintf("%q is also the handle of %s", c.Handle, prev))
		}
		seenC[c.Handle] = c.File
		s.validateCollection(&v, c)
	}
	if len(v.errs) > 0 {
		return v.errs
	}
	return nil
}

type validator struct {
	store  string
	errs   ValidationErrors
	exists map[string]bool // image files already looked up: products share images
}

func (v *validator) add(file, field, msg string) {
	v.errs = append(v.errs, &FieldError{Store: v.store, File: file, Field: field, Message: msg})
}

const storeFile = "store.yaml"

func (s *Store) validateStore(v *validator) {
	if !ValidHandle(s.Handle) {
		v.add("", "handle", fmt.Sprintf("%q must be lower-case letters, digits and dashes", s.Handle))
	}
	if strings.TrimSpace(s.Name) == "" {
		v.add(storeFile, "name", "is required")
	}
	if !ValidCurrency(s.Currency) {
		v.add(storeFile, "currency", fmt.Sprintf("%q must be a three-letter ISO 4217 code such as USD", s.Currency))
	}
	if s.Locale != "" && !localeRE.MatchString(s.Locale) {
		v.add(storeFile, "locale", fmt.Sprintf("%q must be a language tag such as en-US", s.Locale))
	}
	if s.BaseURL != "" {
		u, err := url.Parse(s.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.HasSuffix(u.Path, "/") || u.RawQuery != "" || u.Fragment != "" {
			v.add(storeFile, "base_url", fmt.Sprintf("%q must be an absolute http(s) URL ending in /", s.BaseURL))
		}
	}
	c := s.Theme.Colors
	for _, f := range []struct{ name, val string }{
		{"primary", c.Primary}, {"accent", c.Accent}, {"background", c.Background}, {"text", c.Text}, {"muted", c.Muted},
	} {
		if f.val != "" && !colorRE.MatchString(f.val) {
			v.add(storeFile, "theme.colors."+f.name, fmt.Sprintf("%q is not a CSS colour such as #4b2e83", f.val))
		}
	}
	for _, f := range []struct{ name, val string }{{"heading", s.Theme.Fonts.Heading}, {"body", s.Theme.Fonts.Body}} {
		if f.val != "" && !fontRE.MatchString(f.val) {
			v.add(storeFile, "theme.fonts."+f.name, fmt.Sprintf("%q may hold only font names, quotes, commas and dashes", f.val))
		}
	}
	if s.Theme.Logo.Src != "" {
		s.validateImage(v, storeFile, "theme.logo", -1, s.Theme.Logo)
	}
	if img := s.Settings.ShareImage; img != (Image{}) {
		s.validateImage(v, storeFile, "settings.share_image", -1, img)
		if ext := strings.ToLower(path.Ext(strings.SplitN(img.Src, "?", 2)[0])); img.Src != "" && ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
			v.add(storeFile, "settings.share_image.src", fmt.Sprintf("%q must be a .jpg or .png file: link previews do not show %s", img.Src, ext))
		}
	}
	if n := s.Settings.ProductsPerPage; n < 0 || n > 250 {
		v.add(storeFile, "settings.products_per_page", fmt.Sprintf("%d must be between 1 and 250", n))
	}
	if e := s.Settings.ContactEmail; e != "" && !emailRE.MatchString(e) {
		v.add(storeFile, "settings.contact_email", fmt.Sprintf("%q is not an email address", e))
	}
	for i, h := range s.Settings.FeaturedCollections {
		if s.Collection(h) == nil {
			v.add(storeFile, fmt.Sprintf("settings.featured_collections[%d]", i), fmt.Sprintf("no collection %q", h))
		}
	}
	for i, h := range s.Settings.FeaturedProducts {
		switch p := s.Product(h); {
		case p == nil:
			v.add(storeFile, fmt.Sprintf("settings.featured_products[%d]", i), fmt.Sprintf("no product %q", h))
		case p.Status == StatusDraft || p.Status == StatusArchived: // other statuses are reported on the product
			v.add(storeFile, fmt.Sprintf("settings.featured_products[%d]", i), fmt.Sprintf("product %q is %s, not published", h, p.Status))
		}
	}
}

func (s *Store) validateProduct(v *validator, p *Product, skus map[string]string) {
	// Field names are made only for a problem: a store's thousands of
	// sound products are checked without allocating.
	f := p.File
	if !ValidHandle(p.Handle) {
		v.add(f, "handle", fmt.Sprintf("%q must be lower-case letters, digits and dashes", p.Handle))
	}
	if strings.TrimSpace(p.Title) == "" {
		v.add(f, "title", "is required")
	}
	switch p.Status {
	case "", StatusActive, StatusDraft, StatusArchived:
	default:
		v.add(f, "status", fmt.Sprintf("%q must be active, draft or archived", p.Status))
	}
	for i, img := range p.Images {
		s.validateImage(v, f, "images", i, img)
	}
	if len(p.Options) > MaxOptions {
		v.add(f, "options", fmt.Sprintf("has %d options; at most %d", len(p.Options), MaxOptions))
	}
	for i, o := range p.Options {
		name := strings.TrimSpace(o.Name)
		if name == "" {
			v.add(f, fmt.Sprintf("options[%d].name", i), "is required")
		} else if slices.ContainsFunc(p.Options[:i], func(prev Option) bool {
			return strings.EqualFold(strings.TrimSpace(prev.Name), name)
		}) {
			v.add(f, fmt.Sprintf("options[%d].name", i), fmt.Sprintf("%q is used twice", name))
		}
		if len(o.Values) == 0 {
			v.add(f, fmt.Sprintf("options[%d].values", i), "needs at least one value")
		}
		for j, val := range o.Values {
			if strings.TrimSpace(val) == "" {
				v.add(f, fmt.Sprintf("options[%d].values[%d]", i, j), "is empty")
			} else if seenBefore(o.Values, j) {
				v.add(f, fmt.Sprintf("options[%d].values[%d]", i, j), fmt.Sprintf("%q is listed twice", val))
			}
		}
	}
	if len(p.Variants) == 0 {
		v.add(f, "variants", "a product needs at least one variant (or a top-level price)")
	}
	var combos map[string]int // option values -> first variant, for products of many variants
	if len(p.Variants) > 16 {
		combos = make(map[string]int, len(p.Variants))
	}
	for i, vr := range p.Variants {
		field := func() string { return fmt.Sprintf("variants[%d]", i) }
		if len(vr.Options) != len(p.Options) {
			v.add(f, field()+".options", fmt.Sprintf("gives %d values for %d options", len(vr.Options), len(p.Options)))
		} else {
			for j, val := range vr.Options {
				if !slices.Contains(p.Options[j].Values, val) {
					v.add(f, fmt.Sprintf("%s.options[%d]", field(), j), fmt.Sprintf("%q is not a value of option %q", val, p.Options[j].Name))
				}
			}
			prev, dup := -1, false
			if combos != nil {
				key := strings.Join(vr.Options, "\x00")
				if prev, dup = combos[key]; !dup {
					combos[key] = i
				}
			} else {
				for k := range i {
					if len(p.Variants[k].Options) == len(p.Options) && slices.Equal(p.Variants[k].Options, vr.Options) {
						prev, dup = k, true
						break
					}
				}
			}
			if dup {
				v.add(f, field()+".options", fmt.Sprintf("same option values as variants[%d]", prev))
			}
		}
		if vr.Price.Currency != s.Currency {
			v.add(f, field()+".price", fmt.Sprintf("is in %s; the store sells in %s", vr.Price.Currency, s.Currency))
		}
		if vr.Price.Amount < 0 {
			v.add(f, field()+".price", fmt.Sprintf("%q must not be negative", vr.Price.Decimal()))
		}
		if vr.CompareAt.Amount < 0 {
			v.add(f, field()+".compare_at", fmt.Sprintf("%q must not be negative", vr.CompareAt.Decimal()))
		}
		if vr.Tracked && vr.Inventory < 0 {
			v.add(f, field()+".inventory", fmt.Sprintf("%d must not be negative", vr.Inventory))
		}
		if vr.Image < -1 || vr.Image >= len(p.Images) {
			v.add(f, field()+".image", fmt.Sprintf("%d is not the index of one of the product's %d images", vr.Image, len(p.Images)))
		}
		if vr.SKU != "" {
			if prev, dup := skus[vr.SKU]; dup {
				v.add(f, field()+".sku", fmt.Sprintf("%q is also used in %s", vr.SKU, prev))
			} else {
				skus[vr.SKU] = f
			}
		}
	}
}

// seenBefore reports whether vals[j] is also one of vals[:j] (an option's
// values: a few, so no map).
func seenBefore(vals []string, j int) bool {
	return slices.Contains(vals[:j], vals[j])
}

// ImageTypes are the image files a store may publish, by extension: what
// every browser shows in an <img>, and nothing a browser runs when the
// file is opened on its own (SVGs are cleaned of scripts when published).
var ImageTypes = map[string]string{
	".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif",
}

// validateImage checks the image at list[i] of a file (a product's
// images[2]: list "images", i 2; i < 0 for a lone image, whose field is
// list). The field's name is made only for a problem.
func (s *Store) validateImage(v *validator, file, list string, i int, img Image) {
	field := func() string {
		if i < 0 {
			return list
		}
		return fmt.Sprintf("%s[%d]", list, i)
	}
	src := img.Src
	switch {
	case strings.TrimSpace(src) == "":
		v.add(file, field()+".src", "is required")
	case strings.HasPrefix(src, "https://"):
		if _, err := url.Parse(src); err != nil {
			v.add(file, field()+".src", fmt.Sprintf("%q is not a valid URL", src))
		}
	case strings.Contains(src, "://") || strings.HasPrefix(src, "/") || strings.HasPrefix(src, "data:"):
		v.add(file, field()+".src", fmt.Sprintf("%q must be a path inside the store folder or an https URL", src))
	case !fs.ValidPath(src):
		v.add(file, field()+".src", fmt.Sprintf("%q is not a clean relative path", src))
	case ImageTypes[strings.ToLower(path.Ext(src))] == "":
		v.add(file, field()+".src", fmt.Sprintf("%q is not an image file: use .svg, .png, .jpg, .jpeg, .gif, .webp or .avif", src))
	case s.Assets != nil:
		ok, seen := v.exists[src]
		if !seen {
			st, err := fs.Stat(s.Assets, src)
			ok = err == nil && !st.IsDir()
			if v.exists == nil {
				v.exists = map[string]bool{}
			}
			v.exists[src] = ok
		}
		if !ok {
			v.add(file, field()+".src", fmt.Sprintf("file %q does not exist", src))
		}
	}
	if img.Width < 0 || img.Height < 0 {
		v.add(file, field(), "width and height must not be negative")
	}
}

func (s *Store) validateCollection(v *validator, c *Collection) {
	f := c.File
	if !ValidHandle(c.Handle) {
		v.add(f, "handle", fmt.Sprintf("%q must be lower-case letters, digits and dashes", c.Handle))
	}
	if strings.TrimSpace(c.Title) == "" {
		v.add(f, "title", "is required")
	}
	if c.Sort != "" && !c.Sort.Valid() {
		names := make([]string, len(SortOrders))
		for i, o := range SortOrders {
			names[i] = string(o)
		}
		v.add(f, "sort", fmt.Sprintf("%q must be one of %s", c.Sort, strings.Join(names, ", ")))
	}
	if c.Image.Src != "" {
		s.validateImage(v, f, "image", -1, c.Image)
	}
	if c.Rules != nil && len(c.ProductHandles) > 0 {
		v.add(f, "rules", "a collection has either products or rules, not both")
	}
	for i, h := range c.ProductHandles {
		if s.Product(h) == nil {
			v.add(f, fmt.Sprintf("products[%d]", i), fmt.Sprintf("no product %q", h))
		}
	}
	if c.Rules == nil {
		return
	}
	if len(c.Rules.Conditions) == 0 {
		v.add(f, "rules.conditions", "a smart collection needs at least one condition")
	}
	for i, cond := range c.Rules.Conditions {
		field := fmt.Sprintf("rules.conditions[%d]", i)
		if !slices.Contains(RuleFields, cond.Field) {
			v.add(f, field+".field", fmt.Sprintf("%q must be one of %s", cond.Field, strings.Join(RuleFields, ", ")))
			continue
		}
		if !slices.Contains(RuleRelations, cond.Relation) {
			v.add(f, field+".relation", fmt.Sprintf("%q must be one of %s", cond.Relation, strings.Join(RuleRelations, ", ")))
			continue
		}
		numeric := cond.Field == "price" || cond.Field == "compare_at_price" || cond.Field == "inventory"
		textOnly := strings.Contains(cond.Relation, "contains") || strings.HasSuffix(cond.Relation, "_with")
		ordered := cond.Relation == "greater_than" || cond.Relation == "less_than"
		switch {
		case numeric && textOnly:
			v.add(f, field+".relation", fmt.Sprintf("%q does not apply to the number field %q", cond.Relation, cond.Field))
		case !numeric && ordered:
			v.add(f, field+".relation", fmt.Sprintf("%q applies only to price, compare_at_price and inventory", cond.Relation))
		case cond.Field == "inventory":
			if !AllDigits(strings.TrimPrefix(cond.Value, "-")) {
				v.add(f, field+".value", fmt.Sprintf("%q must be a whole number", cond.Value))
			}
		case numeric && ValidCurrency(s.Currency): // a bad currency is reported on store.yaml
			if _, err := ParseMoney(cond.Value, s.Currency); err != nil {
				v.add(f, field+".value", err.Error())
			}
		}
	}
}

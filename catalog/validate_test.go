package catalog

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// validStore is a small store with no problem at all; each validation test
// breaks one thing in it.
func validStore() *Store {
	usd := func(a int64) Money { return Money{Amount: a, Currency: "USD"} }
	return &Store{
		Handle:   "magic-wands",
		Name:     "Magic Wands",
		BaseURL:  "https://wands.example/",
		Currency: "USD",
		Locale:   "en-US",
		Theme: Theme{
			Colors: Colors{Primary: "#4b2e83", Accent: "#c98a12", Background: "#fffdf8", Text: "rebeccapurple", Muted: "rgb(98, 91, 110)"},
			Fonts:  Fonts{Heading: `Georgia, "Times New Roman", serif`, Body: `system-ui, -apple-system, "Segoe UI", sans-serif`},
			Logo:   Image{Src: "images/logo.svg", Alt: "Magic Wands"},
		},
		Settings: Settings{
			ProductsPerPage:     24,
			FeaturedCollections: []string{"wands"},
			FeaturedProducts:    []string{"elder-wand"},
			ContactEmail:        "hello@wands.example",
		},
		Products: []*Product{
			{
				Handle: "elder-wand", Title: "Elder Wand", File: "products/elder-wand.md",
				Images:  []Image{{Src: "images/elder.svg", Alt: "An elder wand"}, {Src: "https://cdn.example/oak.png"}},
				Options: []Option{{Name: "Wood", Values: []string{"Elder", "Oak"}}, {Name: "Length", Values: []string{"11 in", "13 in"}}},
				Variants: []Variant{
					{ID: "EW-1", SKU: "EW-1", Options: []string{"Elder", "11 in"}, Price: usd(12900), CompareAt: usd(14900), Available: true, Tracked: true, Inventory: 3, Image: 0},
					{ID: "EW-2", SKU: "EW-2", Options: []string{"Oak", "13 in"}, Price: usd(9900), Available: true, Image: 1},
				},
			},
			{
				Handle: "holly-wand", Title: "Holly Wand", File: "products/holly-wand.md", Status: StatusDraft,
				Variants: []Variant{{ID: "default", Price: usd(5000), Available: true, Image: -1}},
			},
		},
		Collections: []*Collection{
			{Handle: "wands", Title: "Wands", File: "collections/wands.yaml", Sort: SortManual,
				Image:          Image{Src: "images/wands.svg"},
				ProductHandles: []string{"elder-wand", "holly-wand"}},
			{Handle: "on-sale", Title: "On sale", File: "collections/on-sale.yaml", Sort: SortPriceAsc,
				Rules: &Rules{Conditions: []Condition{
					{Field: "compare_at_price", Relation: "greater_than", Value: "0"},
					{Field: "inventory", Relation: "less_than", Value: "100"},
					{Field: "tag", Relation: "not_contains", Value: "hidden"},
				}}},
		},
		Assets: fstest.MapFS{
			"images/logo.svg":      {Data: []byte("<svg/>")},
			"images/elder.svg":     {Data: []byte("<svg/>")},
			"images/wands.svg":     {Data: []byte("<svg/>")},
			"images/sub.svg/x.svg": {Data: []byte("<svg/>")},
		},
	}
}

func TestValidateValidStore(t *testing.T) {
	if err := validStore().Validate(); err != nil {
		t.Fatalf("Validate() of a valid store:\n%v", err)
	}
}

// problem is one FieldError a test expects.
type problem struct {
	file, field, msg string
}

const (
	storeYAML = "store.yaml"
	elderMD   = "products/elder-wand.md"
	hollyMD   = "products/holly-wand.md"
	wandsYAML = "collections/wands.yaml"
	saleYAML  = "collections/on-sale.yaml"
)

func TestValidateProblems(t *testing.T) {
	elder := func(s *Store) *Product { return s.Products[0] }
	usd := func(a int64) Money { return Money{Amount: a, Currency: "USD"} }
	tests := []struct {
		name    string
		breakIt func(s *Store)
		want    []problem
	}{
		// store.yaml
		{"store handle", func(s *Store) { s.Handle = "Magic_Wands" }, []problem{{"", "handle", "lower-case letters"}}},
		{"store name", func(s *Store) { s.Name = "  " }, []problem{{storeYAML, "name", "is required"}}},
		{"currency", func(s *Store) {
			s.Currency = "usd"
			for _, p := range s.Products {
				for i := range p.Variants {
					p.Variants[i].Price.Currency = "usd"
					p.Variants[i].CompareAt.Currency = "usd"
				}
			}
			// The rules' price value cannot be read either, but that is
			// reported once, on store.yaml.
		}, []problem{{storeYAML, "currency", "three-letter ISO 4217"}}},
		{"locale", func(s *Store) { s.Locale = "english" }, []problem{{storeYAML, "locale", "language tag"}}},
		{"locale lower-case region", func(s *Store) { s.Locale = "en-us" }, []problem{{storeYAML, "locale", "language tag"}}},
		{"base_url relative", func(s *Store) { s.BaseURL = "wands.example/" }, []problem{{storeYAML, "base_url", "absolute http(s) URL"}}},
		{"base_url no slash", func(s *Store) { s.BaseURL = "https://wands.example/shop" }, []problem{{storeYAML, "base_url", "ending in /"}}},
		{"base_url query", func(s *Store) { s.BaseURL = "https://wands.example/?a=1" }, []problem{{storeYAML, "base_url", "absolute"}}},
		{"base_url fragment", func(s *Store) { s.BaseURL = "https://wands.example/#top" }, []problem{{storeYAML, "base_url", "absolute"}}},
		{"base_url scheme", func(s *Store) { s.BaseURL = "ftp://wands.example/" }, []problem{{storeYAML, "base_url", "absolute"}}},
		{"base_url javascript", func(s *Store) { s.BaseURL = "javascript:alert(1)//" }, []problem{{storeYAML, "base_url", "absolute"}}},
		{"color primary", func(s *Store) { s.Theme.Colors.Primary = "4b2e83" }, []problem{{storeYAML, "theme.colors.primary", "not a CSS colour"}}},
		{"color accent", func(s *Store) { s.Theme.Colors.Accent = "#12345" }, []problem{{storeYAML, "theme.colors.accent", "not a CSS colour"}}},
		{"color background", func(s *Store) { s.Theme.Colors.Background = "#ggg" }, []problem{{storeYAML, "theme.colors.background", "not a CSS colour"}}},
		{"color text", func(s *Store) { s.Theme.Colors.Text = "#1234567" }, []problem{{storeYAML, "theme.colors.text", "not a CSS colour"}}},
		{"color muted", func(s *Store) { s.Theme.Colors.Muted = "rgb(1,2,3);color:red" }, []problem{{storeYAML, "theme.colors.muted", "not a CSS colour"}}},
		{"font heading", func(s *Store) { s.Theme.Fonts.Heading = "Georgia; color: red" }, []problem{{storeYAML, "theme.fonts.heading", "font names"}}},
		{"font body", func(s *Store) { s.Theme.Fonts.Body = "Arial}" }, []problem{{storeYAML, "theme.fonts.body", "font names"}}},
		{"logo missing file", func(s *Store) { s.Theme.Logo.Src = "images/nope.svg" }, []problem{{storeYAML, "theme.logo.src", `file "images/nope.svg" does not exist`}}},
		{"logo blank", func(s *Store) { s.Theme.Logo.Src = "  " }, []problem{{storeYAML, "theme.logo.src", "is required"}}},
		{"products_per_page negative", func(s *Store) { s.Settings.ProductsPerPage = -1 }, []problem{{storeYAML, "settings.products_per_page", "between 1 and 250"}}},
		{"products_per_page too big", func(s *Store) { s.Settings.ProductsPerPage = 251 }, []problem{{storeYAML, "settings.products_per_page", "251 must be between 1 and 250"}}},
		{"contact_email", func(s *Store) { s.Settings.ContactEmail = "hello at wands" }, []problem{{storeYAML, "settings.contact_email", "not an email address"}}},
		{"contact_email injection", func(s *Store) { s.Settings.ContactEmail = `a@b.c"><script>` }, []problem{{storeYAML, "settings.contact_email", "not an email address"}}},
		{"featured collection", func(s *Store) { s.Settings.FeaturedCollections = []string{"wands", "cloaks"} }, []problem{{storeYAML, "settings.featured_collections[1]", `no collection "cloaks"`}}},
		{"featured product unknown", func(s *Store) { s.Settings.FeaturedProducts = []string{"holy-wand"} }, []problem{{storeYAML, "settings.featured_products[0]", `no product "holy-wand"`}}},
		{"featured product draft", func(s *Store) { s.Settings.FeaturedProducts = []string{"elder-wand", "holly-wand"} }, []problem{{storeYAML, "settings.featured_products[1]", `product "holly-wand" is draft, not published`}}},

		// duplicates across files
		{"duplicate product handle", func(s *Store) {
			s.Products = append(s.Products, &Product{Handle: "elder-wand", Title: "Copy", File: "products/copy.md",
				Variants: []Variant{{Price: usd(1), Image: -1}}})
		}, []problem{{"products/copy.md", "handle", `"elder-wand" is also the handle of products/elder-wand.md`}}},
		{"duplicate collection handle", func(s *Store) {
			s.Collections = append(s.Collections, &Collection{Handle: "wands", Title: "Copy", File: "collections/copy.yml"})
		}, []problem{{"collections/copy.yml", "handle", `"wands" is also the handle of collections/wands.yaml`}}},

		// products
		{"product handle", func(s *Store) {
			elder(s).Handle = "elder wand"
			s.Settings.FeaturedProducts = nil
			s.Collections[0].ProductHandles = nil
		},
			[]problem{{elderMD, "handle", `"elder wand" must be lower-case`}}},
		{"product title", func(s *Store) { elder(s).Title = "" }, []problem{{elderMD, "title", "is required"}}},
		{"product status", func(s *Store) { elder(s).Status = "published" }, []problem{{elderMD, "status", `"published" must be active, draft or archived`}}},
		{"image src empty", func(s *Store) { elder(s).Images[1].Src = "" }, []problem{{elderMD, "images[1].src", "is required"}}},
		{"image missing file", func(s *Store) { elder(s).Images[0].Src = "images/elderr.svg" }, []problem{{elderMD, "images[0].src", "does not exist"}}},
		{"image is a folder", func(s *Store) { elder(s).Images[0].Src = "images/sub.svg" }, []problem{{elderMD, "images[0].src", "does not exist"}}},
		{"image is a page", func(s *Store) { elder(s).Images[0].Src = "images/evil.html" }, []problem{{elderMD, "images[0].src", "is not an image file"}}},
		{"image has no type", func(s *Store) { elder(s).Images[0].Src = "images/README" }, []problem{{elderMD, "images[0].src", "is not an image file"}}},
		{"image http", func(s *Store) { elder(s).Images[1].Src = "http://cdn.example/oak.png" }, []problem{{elderMD, "images[1].src", "inside the store folder or an https URL"}}},
		{"image absolute path", func(s *Store) { elder(s).Images[0].Src = "/etc/passwd" }, []problem{{elderMD, "images[0].src", "inside the store folder"}}},
		{"image data URL", func(s *Store) { elder(s).Images[0].Src = "data:image/svg+xml,<svg/>" }, []problem{{elderMD, "images[0].src", "inside the store folder"}}},
		{"image javascript URL", func(s *Store) { elder(s).Images[0].Src = "javascript://x" }, []problem{{elderMD, "images[0].src", "inside the store folder"}}},
		{"image dot-dot", func(s *Store) { elder(s).Images[0].Src = "images/../../secret.svg" }, []problem{{elderMD, "images[0].src", "not a clean relative path"}}},
		{"image dot", func(s *Store) { elder(s).Images[0].Src = "./images/elder.svg" }, []problem{{elderMD, "images[0].src", "not a clean relative path"}}},
		{"image bad https URL", func(s *Store) { elder(s).Images[1].Src = "https://cdn.example/%zz" }, []problem{{elderMD, "images[1].src", "not a valid URL"}}},
		{"image negative size", func(s *Store) { elder(s).Images[0].Height = -1 }, []problem{{elderMD, "images[0]", "must not be negative"}}},
		{"too many options", func(s *Store) {
			p := elder(s)
			p.Options = append(p.Options, Option{Name: "A", Values: []string{"a"}}, Option{Name: "B", Values: []string{"b"}})
			for i := range p.Variants {
				p.Variants[i].Options = append(p.Variants[i].Options, "a", "b")
			}
		}, []problem{{elderMD, "options", "has 4 options; at most 3"}}},
		{"option name", func(s *Store) { elder(s).Options[1].Name = " " }, []problem{{elderMD, "options[1].name", "is required"}}},
		{"option name twice", func(s *Store) { elder(s).Options[1].Name = "wood" }, []problem{{elderMD, "options[1].name", `"wood" is used twice`}}},
		{"option without values", func(s *Store) {
			p := elder(s)
			p.Options = append(p.Options, Option{Name: "Colour"})
		}, []problem{
			{elderMD, "options[2].values", "needs at least one value"},
			{elderMD, "variants[0].options", "gives 2 values for 3 options"},
			{elderMD, "variants[1].options", "gives 2 values for 3 options"},
		}},
		{"option value empty", func(s *Store) { elder(s).Options[1].Values = append(elder(s).Options[1].Values, "") },
			[]problem{{elderMD, "options[1].values[2]", "is empty"}}},
		{"option value twice", func(s *Store) { elder(s).Options[0].Values = append(elder(s).Options[0].Values, "Elder") },
			[]problem{{elderMD, "options[0].values[2]", `"Elder" is listed twice`}}},
		{"no variants", func(s *Store) { elder(s).Variants = nil }, []problem{{elderMD, "variants", "at least one variant"}}},
		{"variant option count", func(s *Store) { elder(s).Variants[1].Options = []string{"Oak"} },
			[]problem{{elderMD, "variants[1].options", "gives 1 values for 2 options"}}},
		{"variant option value", func(s *Store) { elder(s).Variants[1].Options = []string{"Oak", "12 in"} },
			[]problem{{elderMD, "variants[1].options[1]", `"12 in" is not a value of option "Length"`}}},
		{"variants alike", func(s *Store) { elder(s).Variants[1].Options = []string{"Elder", "11 in"} },
			[]problem{{elderMD, "variants[1].options", "same option values as variants[0]"}}},
		{"variants alike without options", func(s *Store) {
			s.Products[1].Variants = append(s.Products[1].Variants, Variant{Price: usd(1), Image: -1})
		}, []problem{{hollyMD, "variants[1].options", "same option values as variants[0]"}}},
		{"variant currency", func(s *Store) { elder(s).Variants[1].Price.Currency = "EUR" },
			[]problem{{elderMD, "variants[1].price", "is in EUR; the store sells in USD"}}},
		{"negative price", func(s *Store) { elder(s).Variants[1].Price = usd(-300) },
			[]problem{{elderMD, "variants[1].price", `"-3.00" must not be negative`}}},
		{"negative compare_at", func(s *Store) { elder(s).Variants[0].CompareAt = usd(-1) },
			[]problem{{elderMD, "variants[0].compare_at", `"-0.01" must not be negative`}}},
		{"negative inventory", func(s *Store) { elder(s).Variants[0].Inventory = -2 },
			[]problem{{elderMD, "variants[0].inventory", "-2 must not be negative"}}},
		{"variant image too big", func(s *Store) { elder(s).Variants[1].Image = 2 },
			[]problem{{elderMD, "variants[1].image", "2 is not the index of one of the product's 2 images"}}},
		{"variant image negative", func(s *Store) { elder(s).Variants[1].Image = -2 },
			[]problem{{elderMD, "variants[1].image", "-2 is not the index"}}},
		{"duplicate sku in a product", func(s *Store) { elder(s).Variants[1].SKU = "EW-1" },
			[]problem{{elderMD, "variants[1].sku", `"EW-1" is also used in products/elder-wand.md`}}},
		{"duplicate sku across products", func(s *Store) { s.Products[1].Variants[0].SKU = "EW-2" },
			[]problem{{hollyMD, "variants[0].sku", `"EW-2" is also used in products/elder-wand.md`}}},

		// collections
		{"collection handle", func(s *Store) { s.Collections[1].Handle = "on sale" }, []problem{{saleYAML, "handle", `"on sale" must be lower-case`}}},
		{"collection title", func(s *Store) { s.Collections[1].Title = "" }, []problem{{saleYAML, "title", "is required"}}},
		{"collection sort", func(s *Store) { s.Collections[0].Sort = "best-selling" },
			[]problem{{wandsYAML, "sort", `"best-selling" must be one of manual, price-asc, price-desc, title-asc, title-desc, newest`}}},
		{"collection image", func(s *Store) { s.Collections[0].Image.Src = "images/none.svg" },
			[]problem{{wandsYAML, "image.src", "does not exist"}}},
		{"products and rules", func(s *Store) { s.Collections[1].ProductHandles = []string{"elder-wand"} },
			[]problem{{saleYAML, "rules", "either products or rules, not both"}}},
		{"unknown member", func(s *Store) { s.Collections[0].ProductHandles = []string{"elder-wand", "x", "holy-wand"} },
			[]problem{{wandsYAML, "products[1]", `no product "x"`}, {wandsYAML, "products[2]", `no product "holy-wand"`}}},
		{"rules without conditions", func(s *Store) { s.Collections[1].Rules.Conditions = nil },
			[]problem{{saleYAML, "rules.conditions", "at least one condition"}}},
		{"rule field", func(s *Store) { s.Collections[1].Rules.Conditions[1].Field = "colour" },
			[]problem{{saleYAML, "rules.conditions[1].field", `"colour" must be one of tag, title`}}},
		{"rule relation", func(s *Store) { s.Collections[1].Rules.Conditions[2].Relation = "is" },
			[]problem{{saleYAML, "rules.conditions[2].relation", `"is" must be one of equals, not_equals`}}},
		{"text relation on a number", func(s *Store) { s.Collections[1].Rules.Conditions[0].Relation = "starts_with" },
			[]problem{{saleYAML, "rules.conditions[0].relation", `"starts_with" does not apply to the number field "compare_at_price"`}}},
		{"contains on a number", func(s *Store) { s.Collections[1].Rules.Conditions[1].Relation = "not_contains" },
			[]problem{{saleYAML, "rules.conditions[1].relation", `does not apply to the number field "inventory"`}}},
		{"ordered relation on text", func(s *Store) { s.Collections[1].Rules.Conditions[2].Relation = "greater_than" },
			[]problem{{saleYAML, "rules.conditions[2].relation", "applies only to price, compare_at_price and inventory"}}},
		{"inventory value", func(s *Store) { s.Collections[1].Rules.Conditions[1].Value = "1.5" },
			[]problem{{saleYAML, "rules.conditions[1].value", `"1.5" must be a whole number`}}},
		{"inventory value empty", func(s *Store) { s.Collections[1].Rules.Conditions[1].Value = "" },
			[]problem{{saleYAML, "rules.conditions[1].value", "must be a whole number"}}},
		{"price value", func(s *Store) { s.Collections[1].Rules.Conditions[0].Value = "1.999" },
			[]problem{{saleYAML, "rules.conditions[0].value", "at most 2 decimals"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validStore()
			tt.breakIt(s)
			checkProblems(t, s.Validate(), s.Handle, tt.want)
		})
	}
}

// CSS values are written into a <style> element as custom properties, so
// anything that can end a declaration, a rule, a string or the element must
// be refused.
func TestValidateThemeInjection(t *testing.T) {
	colours := []string{
		"red;} body{display:none",
		"red;}body{display:none}",
		"#fff;}",
		"red</style><script>alert(1)</script>",
		"rgb(1,2,3)}",
		"url(https://evil.example/x)",
		"expression(alert(1))",
		"var(--x)",
		"red !important",
		"#fff\n}",
	}
	for _, c := range colours {
		t.Run("colour "+c, func(t *testing.T) {
			s := validStore()
			s.Theme.Colors.Accent = c
			checkProblems(t, s.Validate(), "magic-wands", []problem{{storeYAML, "theme.colors.accent", "not a CSS colour"}})
		})
	}
	fonts := []string{
		"red;} body{display:none",
		"Georgia;}body{display:none}",
		"Georgia</style><script>alert(1)</script>",
		`Georgia, "Times`,          // an unclosed string swallows the rest of the line
		`Georgia, 'Times`,          //
		`"Times" New", serif`,      //
		`Georgia\"`,                // escapes
		"Georgia, url(x)",          //
		"Georgia\n}body{color:red", //
		"Georgia,,serif",           // an empty family
		", serif",                  //
	}
	for _, f := range fonts {
		t.Run("font "+f, func(t *testing.T) {
			s := validStore()
			s.Theme.Fonts.Body = f
			checkProblems(t, s.Validate(), "magic-wands", []problem{{storeYAML, "theme.fonts.body", "font names"}})
		})
	}
	for _, ok := range []string{"Georgia", `"Segoe UI"`, "'Segoe UI', serif", `Georgia, "Times New Roman", serif`, "system-ui, -apple-system, sans-serif", "Font Awesome 6",
		`"Hiragino Mincho ProN", "游明朝", serif`, "Noto Sans KR"} {
		s := validStore()
		s.Theme.Fonts.Heading = ok
		if err := s.Validate(); err != nil {
			t.Errorf("font %q refused: %v", ok, err)
		}
	}
	for _, ok := range []string{"#abc", "#abcd", "#aabbcc", "#aabbccdd", "navy", "rgb(1 2 3 / 50%)", "hsla(120, 50%, 50%, 0.5)"} {
		s := validStore()
		s.Theme.Colors.Primary = ok
		if err := s.Validate(); err != nil {
			t.Errorf("colour %q refused: %v", ok, err)
		}
	}
}

// checkProblems asserts err is a ValidationErrors holding exactly want, in
// order.
func checkProblems(t *testing.T, err error, store string, want []problem) {
	t.Helper()
	if err == nil {
		t.Fatalf("Validate() = nil, want %d problems", len(want))
	}
	ve, ok := AsValidationErrors(err)
	if !ok {
		t.Fatalf("Validate() = %T %v, want ValidationErrors", err, err)
	}
	if len(ve) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ve), len(want), err)
	}
	for i, w := range want {
		e := ve[i]
		if e.Store != store || e.File != w.file || e.Field != w.field || !strings.Contains(e.Message, w.msg) {
			t.Errorf("problem %d = {store %q, file %q, field %q, %q}\nwant {store %q, file %q, field %q, containing %q}",
				i, e.Store, e.File, e.Field, e.Message, store, w.file, w.field, w.msg)
		}
	}
}

func TestValidationErrorsError(t *testing.T) {
	es := ValidationErrors{
		{Store: "magic-wands", File: "products/elder-wand.md", Line: 7, Field: "variants[1].price", Message: `"-3.00" must not be negative`},
		{Store: "magic-wands", File: "collections/wands.yaml", Field: "products[2]", Message: `no product "holy-wand"`},
		{Store: "magic-wands", File: "products/x.md", Line: 1, Message: "front matter is not closed"},
		{Store: "Bad_Store", Field: "handle", Message: "must be lower-case"},
		{Store: "magic-wands", Line: 3, Message: "a line without a file is not shown"},
	}
	want := `magic-wands: products/elder-wand.md:7: variants[1].price: "-3.00" must not be negative
magic-wands: collections/wands.yaml: products[2]: no product "holy-wand"
magic-wands: products/x.md:1: front matter is not closed
Bad_Store: handle: must be lower-case
magic-wands: a line without a file is not shown`
	if got := es.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}

	wrapped := fmt.Errorf("load: %w", es)
	got, ok := AsValidationErrors(wrapped)
	if !ok || len(got) != len(es) || got[0] != es[0] {
		t.Errorf("AsValidationErrors(wrapped) = %v, %v", got, ok)
	}
	if _, ok := AsValidationErrors(errors.New("other")); ok {
		t.Error("AsValidationErrors(other) = true")
	}
}

// A validated store is indexed: Validate resolves collections even when the
// caller changed Products after loading.
func TestValidateReindexes(t *testing.T) {
	s := validStore()
	s.Index()
	s.Products = append(s.Products, &Product{Handle: "new", Title: "New", File: "products/new.md",
		Variants: []Variant{{Price: Money{100, "USD"}, Image: -1}}})
	s.Collections[0].ProductHandles = append(s.Collections[0].ProductHandles, "new")
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := handles(s.Collection("wands").Products()); got != "elder-wand new" {
		t.Errorf("wands = %s", got)
	}
}

func handles(ps []*Product) string {
	hs := make([]string, len(ps))
	for i, p := range ps {
		hs[i] = p.Handle
	}
	return strings.Join(hs, " ")
}

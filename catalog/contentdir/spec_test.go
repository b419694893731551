package contentdir

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wandstore/wandstore/catalog"
)

func TestSpecDefaultIsContent(t *testing.T) {
	fsys := fstest.MapFS{"s/store.yaml": {Data: []byte("name: S\ncurrency: USD\n")}}
	got, err := New(fsys).Spec("s")
	if err != nil {
		t.Fatal(err)
	}
	if got != (SourceSpec{Kind: KindContent}) {
		t.Errorf("Spec() = %+v, want kind content and nothing else", got)
	}
	fsys["s/store.yaml"] = &fstest.MapFile{Data: []byte("name: S\ncurrency: USD\nsource: { kind: content }\n")}
	if got, err := New(fsys).Spec("s"); err != nil || got.Kind != KindContent {
		t.Errorf("Spec() = %+v, %v; want kind content", got, err)
	}
	if _, err := New(fsys).Spec("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Spec(missing store) error = %v, want fs.ErrNotExist", err)
	}
}

func TestSpecShopify(t *testing.T) {
	fsys := fstest.MapFS{
		"s/store.yaml": {Data: []byte(`name: Wands from Shopify
locale: en-GB
source:
  kind: shopify
  shop: Magic-Wands
  api_version: 2025-07
  token_env: SHOPIFY_MAGIC_WANDS_TOKEN
  endpoint: http://127.0.0.1:1234
  lenient: true
theme:
  logo: { src: logo.png, alt: Wands }
`)},
		"s/logo.png": {Data: tinyPNG(t)},
		// Ignored: the catalog comes from the shop.
		"s/products/broken.md": {Data: []byte("not front matter")},
	}
	src := New(fsys)
	want := SourceSpec{Kind: KindShopify, Shop: "magic-wands.myshopify.com", APIVersion: "2025-07",
		TokenEnv: "SHOPIFY_MAGIC_WANDS_TOKEN", Endpoint: "http://127.0.0.1:1234", Lenient: true}
	st, got, err := src.StoreFile("s")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("StoreFile() spec = %+v, want %+v", got, want)
	}
	if st.Name != "Wands from Shopify" || st.Locale != "en-GB" || st.Currency != "" || len(st.Products) != 0 {
		t.Errorf("StoreFile() store = %+v", st)
	}
	if l := st.Theme.Logo; l.Width != 7 || l.Height != 5 || st.Assets == nil {
		t.Errorf("logo = %+v, assets %v; want its size read from the store folder", l, st.Assets)
	}
	// Load does not read products/ (the broken file would be a problem).
	if _, err := src.Load(context.Background(), "s"); !errors.Is(err, ErrOtherSource) {
		t.Errorf("Load() error = %v, want ErrOtherSource", err)
	}
}

func TestSpecExports(t *testing.T) {
	for _, kind := range []string{KindShopifyCSV, KindShopifyJSON} {
		fsys := fstest.MapFS{
			"s/store.yaml":          {Data: []byte("name: S\ncurrency: eur\nsource:\n  kind: " + kind + "\n  file: ./export//products.csv\n")},
			"s/export/products.csv": {Data: []byte("Handle,Title\n")},
		}
		st, got, err := New(fsys).StoreFile("s")
		if err != nil {
			t.Fatal(err)
		}
		if want := (SourceSpec{Kind: kind, File: "export/products.csv"}); got != want {
			t.Errorf("%s: spec = %+v, want %+v", kind, got, want)
		}
		if st.Currency != "EUR" {
			t.Errorf("%s: currency = %q, want EUR", kind, st.Currency)
		}
	}
}

func TestSpecBad(t *testing.T) {
	cases := []struct {
		name  string
		store string
		want  []fe
	}{
		{"unknown kind", "name: S\ncurrency: USD\nsource:\n  kind: woocommerce\n",
			[]fe{{"store.yaml", 4, "source.kind", `"woocommerce" is not a source`}}},
		{"unknown key", "name: S\nsource:\n  kind: shopify\n  shop: x\n  token: abc\n",
			[]fe{{"store.yaml", 5, "source.token", "unknown field"}}},
		{"missing shop and token_env", "name: S\nsource:\n  kind: shopify\n",
			// A missing key is reported on its block's line.
			[]fe{{"store.yaml", 2, "source.shop", "is required"}, {"store.yaml", 2, "source.token_env", "is required"}}},
		{"shop with scheme", "name: S\nsource:\n  kind: shopify\n  shop: https://x.myshopify.com/\n  token_env: T\n",
			[]fe{{"store.yaml", 4, "source.shop", "without https://"}}},
		{"token_env not a name", "name: S\nsource:\n  kind: shopify\n  shop: x\n  token_env: MY-TOKEN\n",
			[]fe{{"store.yaml", 5, "source.token_env", "must be an environment variable name"}}},
		{"bad api version and endpoint", "name: S\nsource:\n  kind: shopify\n  shop: x\n  token_env: T\n  api_version: latest\n  endpoint: 127.0.0.1:1234\n",
			[]fe{{"store.yaml", 6, "source.api_version", `"latest"`}, {"store.yaml", 7, "source.endpoint", "not an http or https base URL"}}},
		{"bad currency for shopify", "name: S\ncurrency: dollars\nsource: { kind: shopify, shop: x, token_env: T }\n",
			[]fe{{"store.yaml", 2, "currency", "not an ISO 4217 currency"}}},
		{"keys another kind takes", "name: S\ncurrency: USD\nsource:\n  kind: shopify-csv\n  file: p.csv\n  shop: x\n  token_env: T\n",
			[]fe{{"store.yaml", 6, "source.shop", "not used by kind shopify-csv"}, {"store.yaml", 7, "source.token_env", "not used by kind shopify-csv"}}},
		{"content takes nothing", "name: S\ncurrency: USD\nsource:\n  lenient: true\n",
			[]fe{{"store.yaml", 4, "source.lenient", "not used by kind content"}}},
		{"file outside the folder", "name: S\ncurrency: USD\nsource:\n  kind: shopify-csv\n  file: ../other/p.csv\n",
			[]fe{{"store.yaml", 5, "source.file", "must be a file inside the store folder"}}},
		{"absolute file", "name: S\ncurrency: USD\nsource:\n  kind: shopify-json\n  file: /etc/products.json\n",
			[]fe{{"store.yaml", 5, "source.file", "must be a file inside the store folder"}}},
		{"missing file", "name: S\ncurrency: USD\nsource:\n  kind: shopify-json\n  file: products.json\n",
			[]fe{{"store.yaml", 5, "source.file", "no such file"}}},
		{"no file", "name: S\ncurrency: USD\nsource:\n  kind: shopify-json\n",
			[]fe{{"store.yaml", 3, "source.file", "is required"}}},
		{"export without currency", "name: S\nsource:\n  kind: shopify-csv\n  file: p.csv\n",
			[]fe{{"store.yaml", 0, "currency", "is required"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{"s/store.yaml": {Data: []byte(c.store)}, "s/p.csv": {Data: []byte("Handle\n")}}
			_, err := New(fsys).Spec("s")
			checkProblems(t, err, c.want)
			// Load reports the same problems, and only them.
			_, err = New(fsys).Load(context.Background(), "s")
			checkProblems(t, err, c.want)
		})
	}
}

// A token pasted into token_env is refused without being repeated.
func TestSpecTokenNotEchoed(t *testing.T) {
	for _, tok := range []string{"shpat_0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef", "abcdef0123456789abcdef0123456789"} {
		fsys := fstest.MapFS{"s/store.yaml": {Data: []byte("name: S\nsource: { kind: shopify, shop: x, token_env: " + tok + " }\n")}}
		_, err := New(fsys).Spec("s")
		checkProblems(t, err, []fe{{"store.yaml", 2, "source.token_env", "looks like a token"}})
		if err != nil && strings.Contains(err.Error(), tok) {
			t.Errorf("error %q repeats the token", err)
		}
	}
}

func TestShopDomain(t *testing.T) {
	for in, want := range map[string]string{
		"magic-wands": "magic-wands.myshopify.com", " Magic-Wands.MyShopify.com ": "magic-wands.myshopify.com",
		"shop.example.com": "shop.example.com", "": "",
	} {
		if got := ShopDomain(in); got != want {
			t.Errorf("ShopDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func checkProblems(t *testing.T, err error, want []fe) {
	t.Helper()
	ve, ok := catalog.AsValidationErrors(err)
	if !ok {
		t.Fatalf("error %T %v, want catalog.ValidationErrors", err, err)
	}
	if len(ve) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ve), len(want), err)
	}
	for i, w := range want {
		e := ve[i]
		if e.Store != "s" || e.File != w.file || e.Line != w.line || e.Field != w.field || !strings.Contains(e.Message, w.msg) {
			t.Errorf("problem %d:\n got %q (file %q, line %d, field %q)\nwant file %q, line %d, field %q, message containing %q",
				i, e.Error(), e.File, e.Line, e.Field, w.file, w.line, w.field, w.msg)
		}
	}
}

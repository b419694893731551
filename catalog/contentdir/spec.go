package contentdir

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/wandstore/wandstore/catalog"
	"gopkg.in/yaml.v3"
)

// The kinds of source a store.yaml can name in source.kind.
const (
	// KindContent reads products/ and collections/ from the store folder
	// (the default).
	KindContent = "content"
	// KindShopify reads the catalog from a shop's Storefront API.
	KindShopify = "shopify"
	// KindShopifyCSV reads a Shopify product CSV export in the store folder.
	KindShopifyCSV = "shopify-csv"
	// KindShopifyJSON reads a Shopify products.json in the store folder.
	KindShopifyJSON = "shopify-json"
)

// ErrOtherSource is wrapped by Load for a store whose store.yaml names a
// source other than content: its products and collections come from
// elsewhere, and package catalog/stores reads it.
var ErrOtherSource = errors.New("its catalog comes from another source (see source.kind in store.yaml); read it with catalog/stores")

// SourceSpec is store.yaml's source block: where a store's catalog comes
// from. Load has checked it: Kind is one of the Kind constants; for
// KindShopify, Shop is the shop's domain (see ShopDomain) and TokenEnv an
// environment variable's name; for KindShopifyCSV and KindShopifyJSON,
// File is a clean slash-separated path of a file inside the store folder.
// Fields a kind does not take are empty.
type SourceSpec struct {
	Kind       string
	Shop       string // shopify: the shop's domain, "magic-wands.myshopify.com"
	APIVersion string // shopify: the Storefront API version; "" for the client's default
	TokenEnv   string // shopify: the environment variable holding the private Storefront token
	Endpoint   string // shopify: a base URL used instead of https://<shop>; "" for none
	File       string // shopify-csv, shopify-json: the export, relative to the store folder
	// Lenient loads what maps and reports the rest instead of failing.
	Lenient bool
}

// ShopDomain is the domain of a shop as store.yaml or a Shopify header
// names it: lower-cased, and a bare name ("magic-wands") is
// "magic-wands.myshopify.com".
func ShopDomain(shop string) string {
	shop = strings.ToLower(strings.TrimSpace(shop))
	if shop != "" && !strings.Contains(shop, ".") {
		shop += ".myshopify.com"
	}
	return shop
}

// Spec reads the source block of a store's store.yaml. A store folder that
// does not exist gives an error wrapping fs.ErrNotExist; a store.yaml that
// cannot be parsed, or whose source block is wrong, gives a
// catalog.ValidationErrors naming each line and field.
func (s *Source) Spec(handle string) (SourceSpec, error) {
	_, spec, err := s.StoreFile(handle)
	return spec, err
}

// StoreFile reads a store's store.yaml alone: the store as it describes it
// (name, currency, locale, description, base URL, theme, settings, and the
// store folder as Assets), without products or collections, and where its
// catalog comes from. Errors are as for Spec.
func (s *Source) StoreFile(handle string) (*catalog.Store, SourceSpec, error) {
	l, err := s.readStoreFile(handle)
	if err != nil {
		return nil, SourceSpec{}, err
	}
	if len(l.errs) > 0 {
		return nil, SourceSpec{}, l.errs
	}
	return l.store, l.spec, nil
}

// readStoreFile reads handle's store.yaml into a new loader. When the file
// cannot be decoded, the loader's spec still has the kind its source block
// names, so Load knows whether to read products/ and collections/.
func (s *Source) readStoreFile(handle string) (*loader, error) {
	if !fs.ValidPath(handle) || strings.Contains(handle, "/") || handle == "." {
		return nil, fmt.Errorf("store %q: %w", handle, fs.ErrNotExist)
	}
	root, err := fs.Sub(s.fsys, handle)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", handle, err)
	}
	raw, err := fs.ReadFile(root, "store.yaml")
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", handle, err)
	}
	l := &loader{store: &catalog.Store{Handle: handle, Assets: root}, fsys: root, docs: map[string]doc{},
		sizes: &sizeCache{m: map[string]imageDims{}}, spec: SourceSpec{Kind: KindContent}}
	if !l.readStore(raw) {
		var loose struct {
			Source struct {
				Kind string `yaml:"kind"`
			} `yaml:"source"`
		}
		if yaml.Unmarshal(raw, &loose) == nil && kinds[loose.Source.Kind] {
			l.spec.Kind = loose.Source.Kind
		}
	}
	return l, nil
}

var (
	kinds = map[string]bool{KindContent: true, KindShopify: true, KindShopifyCSV: true, KindShopifyJSON: true}

	envNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	tokenLikeRE  = regexp.MustCompile(`^(shp[a-z]{2}_|[0-9a-fA-F]{32}$)`)
	shopDomainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
	apiVersionRE = regexp.MustCompile(`^(\d{4}-\d{2}|unstable)$`)
)

// readSource checks store.yaml's source block and the currency it needs,
// recording problems on store.yaml's lines.
func (l *loader) readSource(f *sourceFile, currency string) {
	const file = "store.yaml"
	if f == nil {
		return
	}
	sp := SourceSpec{Kind: f.Kind}
	if sp.Kind == "" {
		sp.Kind = KindContent
	}
	if !kinds[sp.Kind] {
		l.fail(file, 0, "source.kind", fmt.Sprintf("%q is not a source: use content, shopify, shopify-csv or shopify-json", f.Kind))
		return
	}
	l.spec.Kind = sp.Kind
	given := map[string]bool{
		"shop": f.Shop != "", "api_version": f.APIVersion != "", "token_env": f.TokenEnv != "",
		"endpoint": f.Endpoint != "", "file": f.File != "", "lenient": f.Lenient != nil,
	}
	takes := map[string][]string{
		KindContent:     nil,
		KindShopify:     {"shop", "api_version", "token_env", "endpoint", "lenient"},
		KindShopifyCSV:  {"file", "lenient"},
		KindShopifyJSON: {"file", "lenient"},
	}[sp.Kind]
	for _, k := range []string{"shop", "api_version", "token_env", "endpoint", "file", "lenient"} {
		if given[k] && !slices.Contains(takes, k) {
			l.fail(file, 0, "source."+k, fmt.Sprintf("is not used by kind %s", sp.Kind))
		}
	}
	if f.Lenient != nil {
		sp.Lenient = *f.Lenient
	}
	switch sp.Kind {
	case KindShopify:
		sp.Shop = ShopDomain(f.Shop)
		switch {
		case f.Shop == "":
			l.fail(file, 0, "source.shop", "is required: the shop's name or domain (magic-wands or magic-wands.myshopify.com)")
		case !shopDomainRE.MatchString(sp.Shop):
			l.fail(file, 0, "source.shop", fmt.Sprintf("%q is not a shop: give its name or domain (magic-wands or magic-wands.myshopify.com), without https:// or a path", f.Shop))
		}
		sp.TokenEnv = f.TokenEnv
		switch {
		case f.TokenEnv == "":
			l.fail(file, 0, "source.token_env", "is required: the name of the environment variable holding the private Storefront token")
		case tokenLikeRE.MatchString(f.TokenEnv):
			// The value is left out of the message: it may be a secret.
			l.fail(file, 0, "source.token_env", "looks like a token: give the name of the environment variable that holds it, never the token itself")
		case !envNameRE.MatchString(f.TokenEnv):
			l.fail(file, 0, "source.token_env", "must be an environment variable name (letters, digits and _, not starting with a digit)")
		}
		sp.APIVersion = f.APIVersion
		if f.APIVersion != "" && !apiVersionRE.MatchString(f.APIVersion) {
			l.fail(file, 0, "source.api_version", fmt.Sprintf("%q is not a Storefront API version such as 2025-07", f.APIVersion))
		}
		sp.Endpoint = f.Endpoint
		if f.Endpoint != "" {
			u, err := url.Parse(f.Endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
				l.fail(file, 0, "source.endpoint", fmt.Sprintf("%q is not an http or https base URL", f.Endpoint))
			}
		}
		if currency != "" && !catalog.ValidCurrency(currency) {
			l.fail(file, 0, "currency", fmt.Sprintf("%q is not an ISO 4217 currency; leave it out to use the shop's", currency))
		}
	case KindShopifyCSV, KindShopifyJSON:
		sp.File = path.Clean(f.File)
		switch {
		case f.File == "":
			l.fail(file, 0, "source.file", "is required: the export's path inside the store folder")
		case strings.Contains(f.File, `\`) || !fs.ValidPath(sp.File) || sp.File == "." || sp.File == "store.yaml":
			l.fail(file, 0, "source.file", fmt.Sprintf("%q must be a file inside the store folder, such as export/products.csv", f.File))
		default:
			if st, err := fs.Stat(l.fsys, sp.File); err != nil {
				l.fail(file, 0, "source.file", fmt.Sprintf("%s: no such file in the store folder", sp.File))
			} else if st.IsDir() {
				l.fail(file, 0, "source.file", fmt.Sprintf("%s is a folder, not a file", sp.File))
			}
		}
		switch {
		case currency == "":
			l.fail(file, 0, "currency", "is required: Shopify's exports do not say which currency their prices are in")
		case !catalog.ValidCurrency(currency):
			l.fail(file, 0, "currency", fmt.Sprintf("%q is not an ISO 4217 currency", currency))
		}
	}
	l.spec = sp
}

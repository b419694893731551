// Package stores reads a content folder in which each store picks where its
// catalog comes from, in the source block of its store.yaml (see
// content/README.md): its own products/ and collections/ (package
// contentdir), a shop's Storefront API (package shopify), or a Shopify
// export in the store folder (packages shopify/productcsv and
// shopify/productsjson).
//
// Whatever the source, store.yaml decides how the store looks: its name
// (when given), locale, description, base URL, theme and settings are laid
// over what the source loaded, and the store folder holds its local
// assets (a logo).
package stores

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"sync"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/productcsv"
	"github.com/wandstore/wandstore/shopify/productsjson"
)

// Options configure a Source.
type Options struct {
	// Getenv reads the environment variable a shopify store's token_env
	// names; default os.Getenv.
	Getenv func(string) string
	// HTTP is the client Shopify's Storefront API is called with; default
	// the shopify package's.
	HTTP *http.Client
	// MaxRetries is passed to shopify.Config: 0 is its default, negative
	// never retries.
	MaxRetries int
}

// ErrNoToken is wrapped by the error of a shopify store whose token_env
// names an environment variable that is not set.
var ErrNoToken = errors.New("token environment variable not set")

// ErrNotShopify is wrapped by Client and ShopifySource for a store whose
// source is not a shop.
var ErrNotShopify = errors.New("the store's source is not shopify")

// Source is a catalog.Source over a content folder with one folder per
// store. It is safe for concurrent use.
type Source struct {
	dir  *contentdir.Source
	fsys fs.FS
	opts Options

	mu    sync.Mutex
	shops map[string]*shop // by store handle
}

// shop is a shopify store's client, kept while its spec and token stay
// the same.
type shop struct {
	spec  contentdir.SourceSpec
	token string
	src   *shopify.Source
	c     *shopify.Client
}

var _ catalog.CachingSource = (*Source)(nil)

// New returns a Source reading the stores in fsys (os.DirFS("content"), or
// the embedded demo content).
func New(fsys fs.FS, opts Options) *Source {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	return &Source{dir: contentdir.New(fsys), fsys: fsys, opts: opts, shops: map[string]*shop{}}
}

// Stores lists the folders that hold a store.yaml, sorted.
func (s *Source) Stores(ctx context.Context) ([]string, error) { return s.dir.Stores(ctx) }

// Spec reads where a store's catalog comes from; errors are as for
// contentdir.Source.Spec.
func (s *Source) Spec(handle string) (contentdir.SourceSpec, error) { return s.dir.Spec(handle) }

// Load reads one store from the source its store.yaml names. A store that
// does not exist gives an error wrapping fs.ErrNotExist. Problems in the
// store's files, in an export's rows or in what a shop serves (unless the
// store is lenient), and a currency in store.yaml that is not the shop's,
// give a catalog.ValidationErrors. A shopify store whose token variable is
// not set gives an error wrapping ErrNoToken that names the variable; the
// shop's failures (unreachable, token refused) are returned as package
// shopify gives them.
func (s *Source) Load(ctx context.Context, handle string) (*catalog.Store, error) {
	st, _, err := s.load(ctx, handle, "", "")
	return st, err
}

// LoadCached is Load with contentdir's parse cache in dir for a store
// whose catalog is its own files (see contentdir.Source.LoadCached). Other
// sources are read as Load reads them, and their save does nothing.
func (s *Source) LoadCached(ctx context.Context, handle, dir, version string) (*catalog.Store, func(), error) {
	return s.load(ctx, handle, dir, version)
}

// load is Load, with the parse cache in dir unless it is empty; save
// writes the cache (it does nothing for a store read from elsewhere).
func (s *Source) load(ctx context.Context, handle, dir, version string) (st *catalog.Store, save func(), err error) {
	if dir == "" {
		st, err = s.dir.Load(ctx, handle)
	} else {
		st, save, err = s.dir.LoadCached(ctx, handle, dir, version)
	}
	if save == nil {
		save = func() {}
	}
	if !errors.Is(err, contentdir.ErrOtherSource) {
		if err != nil {
			return nil, nil, err // a content store's problems
		}
		return st, save, nil
	}
	if st, err = s.loadOther(ctx, handle); err != nil {
		return nil, nil, err
	}
	return st, func() {}, nil
}

// loadOther reads a store whose store.yaml names another source: a shop,
// or a Shopify export in its folder.
func (s *Source) loadOther(ctx context.Context, handle string) (*catalog.Store, error) {
	var st *catalog.Store
	look, spec, err := s.dir.StoreFile(handle)
	if err != nil {
		return nil, err
	}
	switch spec.Kind {
	case contentdir.KindShopify:
		src, err := s.ShopifySource(handle)
		if err != nil {
			return nil, err
		}
		if st, err = src.Load(ctx, handle); err != nil {
			return nil, err
		}
		if look.Currency != "" && look.Currency != st.Currency {
			return nil, catalog.ValidationErrors{&catalog.FieldError{Store: handle, File: "store.yaml", Field: "currency",
				Message: fmt.Sprintf("is %s but the shop sells in %s: leave it out or make them the same", look.Currency, st.Currency)}}
		}
	case contentdir.KindShopifyCSV:
		st, err = s.readExport(handle, look, spec, productcsv.Read)
	case contentdir.KindShopifyJSON:
		st, err = s.readExport(handle, look, spec, productsjson.Read)
	default:
		err = fmt.Errorf("store %q: source kind %q: %w", handle, spec.Kind, contentdir.ErrOtherSource)
	}
	if err != nil {
		return nil, err
	}
	overlay(st, look)
	return st, nil
}

// readExport reads a store's Shopify export from the store folder.
func (s *Source) readExport(handle string, look *catalog.Store, spec contentdir.SourceSpec,
	read func(io.Reader, productcsv.Options) (*catalog.Store, catalog.ValidationErrors, error)) (*catalog.Store, error) {
	data, err := fs.ReadFile(look.Assets, spec.File)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", handle, err)
	}
	st, problems, err := read(bytes.NewReader(data), productcsv.Options{
		Store: handle, Name: look.Name, Currency: look.Currency, Locale: look.Locale, File: spec.File,
	})
	if err != nil {
		return nil, fmt.Errorf("store %q: %s: %w", handle, spec.File, err)
	}
	if len(problems) > 0 && !spec.Lenient {
		return nil, problems
	}
	return st, nil
}

// overlay lays store.yaml's presentation over a store its source loaded.
func overlay(st, look *catalog.Store) {
	if look.Name != "" {
		st.Name = look.Name
	}
	st.Locale = look.Locale
	st.Description = look.Description
	st.BaseURL = look.BaseURL
	st.Theme = look.Theme
	st.Settings = look.Settings
	st.Checkout = look.Checkout
	st.Experiments = look.Experiments
	st.Assets = look.Assets
}

// Shops maps the domain of every shopify store's shop (as
// contentdir.ShopDomain gives it, "magic-wands.myshopify.com") to the
// store's handle, for routing Shopify's webhooks. A store.yaml with
// problems gives its catalog.ValidationErrors; two stores on one shop give
// an error naming both.
func (s *Source) Shops() (map[string]string, error) {
	handles, err := s.dir.Stores(context.Background())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, h := range handles {
		spec, err := s.dir.Spec(h)
		if err != nil {
			return nil, err
		}
		if spec.Kind != contentdir.KindShopify {
			continue
		}
		if other, ok := out[spec.Shop]; ok {
			return nil, fmt.Errorf("stores %q and %q both read shop %s: give each shop one store", other, h, spec.Shop)
		}
		out[spec.Shop] = h
	}
	return out, nil
}

// Client returns the Storefront API client of a shopify store (for its
// cart and checkout), the one Load uses. Errors are ShopifySource's.
func (s *Source) Client(handle string) (*shopify.Client, error) {
	sh, err := s.shop(handle)
	if err != nil {
		return nil, err
	}
	return sh.c, nil
}

// ShopifySource returns the shopify.Source a shopify store is loaded
// from. It is made once and kept while the store's source block and token
// stay the same; an edited store.yaml or a new token makes a new one. A
// store whose source is not a shop gives an error wrapping ErrNotShopify;
// an unset token variable one wrapping ErrNoToken; store.yaml's problems a
// catalog.ValidationErrors.
func (s *Source) ShopifySource(handle string) (*shopify.Source, error) {
	sh, err := s.shop(handle)
	if err != nil {
		return nil, err
	}
	return sh.src, nil
}

func (s *Source) shop(handle string) (*shop, error) {
	look, spec, err := s.dir.StoreFile(handle)
	if err != nil {
		return nil, err
	}
	if spec.Kind != contentdir.KindShopify {
		return nil, fmt.Errorf("store %q: source.kind is %s: %w", handle, spec.Kind, ErrNotShopify)
	}
	token := s.opts.Getenv(spec.TokenEnv)
	if token == "" {
		return nil, fmt.Errorf("store %q: %s: %w (store.yaml source.token_env names it; set it to the shop's private Storefront token)",
			handle, spec.TokenEnv, ErrNoToken)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sh := s.shops[handle]; sh != nil && sh.spec == spec && sh.token == token && sh.src != nil {
		return sh, nil
	}
	c, err := shopify.New(shopify.Config{
		Shop: spec.Shop, Endpoint: spec.Endpoint, APIVersion: spec.APIVersion,
		PrivateToken: token, HTTP: s.opts.HTTP, MaxRetries: s.opts.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", handle, err)
	}
	sh := &shop{spec: spec, token: token, c: c,
		src: shopify.NewSource(c, handle, shopify.SourceOptions{Name: look.Name, Locale: look.Locale, Lenient: spec.Lenient})}
	s.shops[handle] = sh
	return sh, nil
}

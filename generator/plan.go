package generator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
)

// job is one file to publish: its path, the hash of everything it is made
// from, and how to make it.
type job struct {
	path   string
	in     string
	asset  bool // published before pages, so no page refers to a missing asset
	render func(ctx context.Context, w io.Writer) error
}

// storePlan is everything one store (or the site's front door) consists of.
type storePlan struct {
	handle   string
	site     *components.Site
	summary  StoreSummary
	jobs     []job
	manifest *Manifest
}

// inputs hashes a page's inputs: a label, then values (strings, byte
// slices, or anything JSON can encode), each length-prefixed so fields never
// run into one another.
type inputs struct{ h hash.Hash }

func newInputs(parts ...any) *inputs {
	in := &inputs{h: sha256.New()}
	in.add(parts...)
	return in
}

func (in *inputs) add(parts ...any) *inputs {
	for _, p := range parts {
		var b []byte
		switch v := p.(type) {
		case string:
			b = []byte(v)
		case []byte:
			b = v
		default:
			var err error
			if b, err = json.Marshal(v); err != nil {
				panic(fmt.Sprintf("generator: hashing %T: %v", v, err)) // only our own plain structs reach here
			}
		}
		fmt.Fprintf(in.h, "%d:", len(b))
		in.h.Write(b)
	}
	return in
}

func (in *inputs) sum() string { return hex.EncodeToString(in.h.Sum(nil)[:16]) }

func renderComponent(c templ.Component) func(ctx context.Context, w io.Writer) error {
	return func(ctx context.Context, w io.Writer) error { return c.Render(ctx, w) }
}

func staticBytes(data []byte) func(ctx context.Context, w io.Writer) error {
	return func(_ context.Context, w io.Writer) error { _, err := w.Write(data); return err }
}

// fingerprint names an asset by its content: "app.css" -> "app.1a2b3c4d5e.css".
// The name changes whenever the bytes do, so it can be cached forever.
func fingerprint(name string, data []byte) string {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(path.Base(name), ext)
	sum := sha256.Sum256(data)
	return stem + "." + hex.EncodeToString(sum[:5]) + ext
}

// plan lists the files of one store and hashes each one's inputs. pc, when
// not nil, carries per-product and per-listing work from the store's
// previous plan (see planCache) and is updated for the next one.
func (b *builder) plan(ctx context.Context, st *catalog.Store, pc *planCache) (*storePlan, error) {
	base, err := b.baseURL(st)
	if err != nil {
		return nil, err
	}
	var man *Manifest
	if pc != nil && pc.manifest != nil {
		man = pc.manifest // a Live builder's, in memory
	} else if man, err = loadManifest(b.opts.StateDir, st.Handle); err != nil {
		return nil, err
	}
	root := cleanRel(base.Path) // "s/magic-wands/"
	p := &storePlan{handle: st.Handle, manifest: man}
	if pc != nil {
		p.jobs = make([]job, 0, pc.jobs)
	}
	p.summary = StoreSummary{Handle: st.Handle, Name: st.Name, Path: base.Path, BaseURL: base.String()}
	add := func(j job) { p.jobs = append(p.jobs, j) }

	// Assets first: their fingerprinted names are inputs of every page.
	var images map[string]asset
	if pc != nil {
		images = pc.images
	}
	s, assets, err := storeSite(st, base, images)
	if err != nil {
		return nil, err
	}
	p.site = s
	for _, a := range assets {
		add(job{path: root + a.rel, in: digest(a.data), asset: true, render: staticBytes(a.data)})
	}
	products := st.PublishedProducts()
	collections := allCollections(st)
	site := newInputs("site", b.version, storeInputs(st), s.BaseURL, s.CSS, s.HTMX, s.SearchJS, s.Image(st.Theme.Logo), s.Nav).sum()
	pc.begin(newInputs(site, collectionDefs(collections)).sum())

	// Per product, in parallel: its card (and the card's hash, which feeds
	// every listing), its page's input hash, its search index entry and
	// its sitemap entry; from the previous plan when the product is the
	// same.
	plans := make([]*productPlan, len(products))
	parallel(len(products), b.opts.Workers, func(i int) {
		pr := products[i]
		if pp := pc.product(pr); pp != nil {
			plans[i] = pp
			return
		}
		pp := &productPlan{}
		plans[i] = pp
		pp.card = components.NewCard(s, pr)
		pp.cardHash = newInputs(pp.card).sum()
		pp.cols = primaryFirst(st, st.CollectionsOf(pr))
		refs := make([][2]string, len(pp.cols))
		for j, c := range pp.cols {
			refs[j] = [2]string{c.Handle, c.Title}
		}
		imgs := make([]string, len(pr.Images))
		for j, img := range pr.Images {
			imgs[j] = s.Image(img)
		}
		pp.pageIn = newInputs("product", site, pr, refs, imgs).sum()
		pp.search = searchEntry(pr, pp.card)
		pp.sitemap = sitemapEntry(s, pr)
		cols := pp.cols
		pp.job = job{path: root + "products/" + pr.Handle + "/index.html", in: pp.pageIn,
			render: func(ctx context.Context, w io.Writer) error {
				return components.ProductPage(s, components.NewProductView(s, pr, cols)).Render(ctx, w)
			}}
	})
	for i, pr := range products {
		pc.keepProduct(pr, plans[i])
	}
	byProduct := make(map[*catalog.Product]*productPlan, len(products))
	for i, pr := range products {
		byProduct[pr] = plans[i]
	}
	cardsOf := func(ps []*catalog.Product) ([]components.ProductCardView, []string) {
		cv := make([]components.ProductCardView, len(ps))
		hs := make([]string, len(ps))
		for i, pr := range ps {
			pp := byProduct[pr]
			cv[i], hs[i] = pp.card, pp.cardHash
		}
		return cv, hs
	}
	page := func(rel string) string { return root + rel + "index.html" }

	// Home.
	var teasers []components.CollectionTeaser
	for _, h := range st.Settings.FeaturedCollections {
		if c := findCollection(collections, h); c != nil {
			teasers = append(teasers, components.NewTeaser(s, c))
		}
	}
	var featured []*catalog.Product
	for _, h := range st.Settings.FeaturedProducts {
		if pr := st.Product(h); pr != nil && pr.Published() {
			featured = append(featured, pr)
		}
	}
	if len(featured) == 0 { // a store that features nothing shows its first products
		featured = products[:min(8, len(products))]
	}
	fc, fh := cardsOf(featured)
	add(job{path: page(""), in: newInputs("home", site, teasers, fh).sum(),
		render: renderComponent(components.HomePage(s, components.NewHomeView(s, teasers, fc)))})

	// Products: each page's job is made once per product (and kept with
	// its plan), since it only renders that product.
	for i := range products {
		add(plans[i].job)
	}

	// Collections: every sort order, every page. A page's job is kept from
	// the previous plan while the listing's header (the collection, the
	// order, the page count and the total) and the page's products are the
	// same; otherwise its inputs are hashed again (and it renders only if
	// they differ from what was published).
	per := st.ProductsPerPage()
	// Cards at render time: the cache's products (this plan's, once it
	// ends) rather than byProduct, so a kept job holds no plan's map.
	cardAt := func(pr *catalog.Product) *productPlan { return byProduct[pr] }
	if pc != nil {
		cardAt = func(pr *catalog.Product) *productPlan { return pc.products[pr] }
	}
	for _, c := range collections {
		// What a listing page shows of the collection, without its
		// members: kept jobs must not hold a catalog's member lists.
		cm := &catalog.Collection{Handle: c.Handle, Title: c.Title, DescriptionHTML: c.DescriptionHTML, Image: c.Image, SEO: c.SEO, Sort: c.Sort}
		meta := newInputs(c.Handle, c.Title, c.DescriptionHTML, c.SEO, s.Image(c.Image)).sum()
		for _, order := range catalog.SortOrders {
			sorted := pc.sorted(c, order)
			pages := max(1, (len(sorted)+per-1)/per)
			total := len(sorted)
			header := meta + "/" + string(order) + "/" + strconv.Itoa(pages) + "/" + strconv.Itoa(total)
			prev := pc.listingsOf(c.Handle, order, header)
			cur := make([]listing, pages)
			for n := 1; n <= pages; n++ {
				members := sorted[(n-1)*per : min(n*per, total)]
				if n <= len(prev) && slices.Equal(prev[n-1].members, members) {
					cur[n-1] = prev[n-1]
				} else {
					ms := slices.Clone(members)
					_, hs := cardsOf(ms)
					rel := strings.TrimPrefix(s.CollectionPath(c.Handle, order, n), s.BasePath)
					in := newInputs("collection", site, meta, string(order), n, pages, total, hs).sum()
					cur[n-1] = listing{members: ms, job: job{path: page(rel), in: in, render: func(ctx context.Context, w io.Writer) error {
						cv := make([]components.ProductCardView, len(ms))
						for i, pr := range ms {
							cv[i] = cardAt(pr).card
						}
						return components.CollectionPage(s, components.NewCollectionView(s, cm, order, n, pages, total, cv)).Render(ctx, w)
					}}}
				}
				add(cur[n-1].job)
			}
			pc.keepListings(c.Handle, order, header, cur)
		}
	}

	// Search, cart, 404.
	entries := make([][]byte, len(products))
	for i := range products {
		entries[i] = plans[i].search
	}
	index := searchIndex(entries)
	add(job{path: root + "search.json", in: digest(index), render: staticBytes(index)})
	add(job{path: page("search/"), in: newInputs("search", site).sum(),
		render: renderComponent(components.SearchPage(s, components.SimpleMeta(s, "Search", "search/", true), s.Path("search.json")))})
	for _, ip := range []struct{ rel, title, island, id, fallback string }{
		{"cart/", "Your cart", components.RouteCart, "cart-drawer", "Open your cart"},
		{"wishlist/", "Your wishlist", components.RouteWishlist, "wishlist", "Open your wishlist"},
		{"account/", "Your preferences", components.RoutePreferences, "preferences", "Open your preferences"},
	} {
		add(job{path: page(ip.rel), in: newInputs("island-page", site, ip).sum(),
			render: renderComponent(components.IslandPage(s, components.SimpleMeta(s, ip.title, "", true), ip.title, ip.island, ip.id, ip.fallback))})
	}
	add(job{path: root + "404.html", in: newInputs("404", site).sum(),
		render: renderComponent(components.NotFoundPage(s, components.SimpleMeta(s, "Page not found", "", true)))})

	// Sitemaps and robots.txt.
	smEntries := make([][]byte, len(products))
	for i := range products {
		smEntries[i] = plans[i].sitemap
	}
	for _, f := range sitemaps(s, root, smEntries, collections, b.opts.SitemapShardSize) {
		add(job{path: f.path, in: digest(f.data), render: staticBytes(f.data)})
	}
	robots := robotsTxt([]string{s.URL("sitemap.xml")}, s.BasePath)
	add(job{path: root + "robots.txt", in: digest(robots), render: staticBytes(robots)})

	p.summary.Products = len(products)
	p.summary.Pages = len(p.jobs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pc.end(len(p.jobs))
	return p, nil
}

// parallel calls f(0..n-1) on up to workers goroutines and waits.
func parallel(n, workers int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// asset is a file a store's pages refer to, under its fingerprinted name
// ("assets/app.1a2b3c4d5e.css", relative to the store's base path).
type asset struct {
	rel  string
	data []byte
}

// storeSite works out what every page of a store needs to know: where it
// lives, its fingerprinted assets (returned, to be published) and its nav.
// known, when not nil, holds images already read and fingerprinted, by
// source path (a long-lived builder's: a store's image files do not change
// while it runs); storeSite adds the ones it reads.
func storeSite(st *catalog.Store, base *url.URL, known map[string]asset) (*components.Site, []asset, error) {
	s := components.NewSite(st, base)
	var assets []asset
	addAsset := func(name string, data []byte) string {
		rel := "assets/" + fingerprint(name, data)
		assets = append(assets, asset{rel: rel, data: data})
		return s.Path(rel)
	}
	baseCSS, err := fs.ReadFile(components.Static, components.BaseCSSFile)
	if err != nil {
		return nil, nil, err
	}
	css := append([]byte(components.ThemeCSS(st.Theme)), baseCSS...)
	s.CSS = addAsset("app.css", css)
	for _, f := range []struct {
		file string
		dst  *string
	}{{components.HTMXFile, &s.HTMX}, {components.SearchJSFile, &s.SearchJS}} {
		data, err := fs.ReadFile(components.Static, f.file)
		if err != nil {
			return nil, nil, err
		}
		*f.dst = addAsset(path.Base(f.file), data)
	}

	collections := allCollections(st)
	images := map[string]bool{}
	useImage := func(img catalog.Image) {
		if img.Src != "" && !strings.Contains(img.Src, "://") {
			images[img.Src] = true
		}
	}
	useImage(st.Theme.Logo)
	for _, pr := range st.PublishedProducts() {
		for _, img := range pr.Images {
			useImage(img)
		}
	}
	for _, c := range collections {
		useImage(c.Image)
	}
	srcs := make([]string, 0, len(images))
	for src := range images {
		srcs = append(srcs, src)
	}
	sort.Strings(srcs)
	for _, src := range srcs {
		if a, ok := known[src]; ok {
			assets = append(assets, a)
			s.Images[src] = s.Path(a.rel)
			continue
		}
		if st.Assets == nil {
			return nil, nil, fmt.Errorf("store %s: image %q: the source has no files", st.Handle, src)
		}
		data, err := fs.ReadFile(st.Assets, src)
		if err != nil {
			return nil, nil, fmt.Errorf("store %s: image %q: %w", st.Handle, src, err)
		}
		s.Images[src] = addAsset(src, data)
		if known != nil {
			known[src] = assets[len(assets)-1]
		}
	}
	s.Nav = nav(s, st, collections)
	return s, assets, nil
}

// Site returns a store's Site exactly as a build with the given site URL
// publishes it (same asset names), for servers that render pages of a
// built store, such as the islands server's full-page answers. The store
// must be validated.
func Site(st *catalog.Store, siteURL string) (*components.Site, error) {
	site, err := parseSiteURL(siteURL)
	if err != nil {
		return nil, err
	}
	base, err := storeBase(site, st)
	if err != nil {
		return nil, err
	}
	s, _, err := storeSite(st, base, nil)
	return s, err
}

// CatalogVersion is a digest of everything in a store that islands render
// from: settings, theme, products and collections. It changes whenever any
// of them does, so caches keyed by it never serve a fragment of an old
// catalog.
func CatalogVersion(st *catalog.Store) string {
	in := newInputs("catalog", storeInputs(st))
	for _, p := range st.Products {
		in.add(p)
	}
	for _, c := range st.Collections {
		in.add(c.Handle, c.Title, c.ProductHandles, c.Rules, string(c.Sort))
	}
	return in.sum()
}

// storeInputs is the part of a store every page shows (header, footer,
// head): its settings and theme, not its catalog.
func storeInputs(st *catalog.Store) any {
	return struct {
		Handle, Name, BaseURL, Currency, Locale, Description string
		Theme                                                catalog.Theme
		Settings                                             catalog.Settings
	}{st.Handle, st.Name, st.BaseURL, st.Currency, st.Locale, st.Description, st.Theme, st.Settings}
}

// allCollections are the store's collections plus the built-in "all" one.
func allCollections(st *catalog.Store) []*catalog.Collection {
	cols := append([]*catalog.Collection(nil), st.Collections...)
	if st.Collection(components.AllHandle) == nil {
		cols = append(cols, st.AllProducts(components.AllHandle, "All products"))
	}
	return cols
}

// primaryFirst orders a product's collections for its breadcrumb and "more
// from" links: the merchant's featured collections first, in their order,
// then the others in store order. Without this an "On sale" collection that
// sorts first by name would become every sale product's home.
func primaryFirst(st *catalog.Store, cols []*catalog.Collection) []*catalog.Collection {
	rank := func(c *catalog.Collection) int {
		for i, h := range st.Settings.FeaturedCollections {
			if h == c.Handle {
				return i
			}
		}
		return len(st.Settings.FeaturedCollections)
	}
	out := append([]*catalog.Collection(nil), cols...)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func findCollection(cols []*catalog.Collection, h string) *catalog.Collection {
	for _, c := range cols {
		if c.Handle == h {
			return c
		}
	}
	return nil
}

// nav is the header: featured collections (or the first ones), then all.
func nav(s *components.Site, st *catalog.Store, cols []*catalog.Collection) []components.NavLink {
	var out []components.NavLink
	addC := func(c *catalog.Collection) {
		if c == nil || len(out) >= 5 {
			return
		}
		for _, l := range out {
			if l.Handle == c.Handle {
				return
			}
		}
		out = append(out, components.NavLink{Title: c.Title, Path: s.CollectionPath(c.Handle, catalog.SortManual, 1), Handle: c.Handle})
	}
	for _, h := range st.Settings.FeaturedCollections {
		addC(findCollection(cols, h))
	}
	for _, c := range cols {
		if len(st.Settings.FeaturedCollections) > 0 {
			break
		}
		if c.Handle != components.AllHandle {
			addC(c)
		}
	}
	if all := findCollection(cols, components.AllHandle); all != nil {
		if len(out) == 5 {
			out = out[:4]
		}
		addC(all)
	}
	return out
}

// searchEntry is a product's entry in the JSON the search page filters in
// the browser.
func searchEntry(pr *catalog.Product, c components.ProductCardView) []byte {
	type entry struct {
		Title    string   `json:"title"`
		URL      string   `json:"url"`
		Price    string   `json:"price"`
		Vendor   string   `json:"vendor,omitempty"`
		Type     string   `json:"type,omitempty"`
		Tags     []string `json:"tags,omitempty"`
		Image    string   `json:"image,omitempty"`
		ImageAlt string   `json:"imageAlt,omitempty"`
	}
	price := c.Price
	if c.From {
		price = "From " + price
	}
	data, err := json.Marshal(entry{Title: pr.Title, URL: c.Path, Price: price, Vendor: pr.Vendor, Type: pr.Type, Tags: pr.Tags, Image: c.Image, ImageAlt: c.ImageAlt})
	if err != nil {
		panic(fmt.Sprintf("generator: search entry: %v", err)) // strings only: cannot fail
	}
	return data
}

// searchIndex joins the entries into one JSON array.
func searchIndex(entries [][]byte) []byte {
	n := 3
	for _, e := range entries {
		n += len(e) + 1
	}
	buf := make([]byte, 0, n)
	buf = append(buf, '[')
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, e...)
	}
	return append(buf, ']', '\n')
}

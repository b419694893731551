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
	"net/http"
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
	"github.com/wandstore/wandstore/catalog/facets"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/generator/svgsafe"
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
	// delta says jobs are only what a change touches (planDelta), and
	// remove lists the files it unpublishes; else jobs are every file of
	// the store and the others are removed.
	delta  bool
	remove []string
	// later are the files whose copies a Live builder writes after the
	// update (builder.later), filled by execute.
	later []pendingCopies
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
		case int:
			b = strconv.AppendInt(nil, int64(v), 10) // as JSON has it
		case []string:
			if b = plainJSON(v); b == nil {
				b = jsonOf(v)
			}
		default:
			b = jsonOf(v)
		}
		fmt.Fprintf(in.h, "%d:", len(b))
		in.h.Write(b)
	}
	return in
}

func jsonOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("generator: hashing %T: %v", v, err)) // only our own plain structs reach here
	}
	return b
}

// plainJSON is json.Marshal(ss) for strings JSON writes as they are
// (listings hash their members' card hashes: hex), without reflection; nil
// for strings it would escape.
func plainJSON(ss []string) []byte {
	if ss == nil {
		return nil
	}
	n := 2
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return nil
			}
		}
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	}
	return append(b, ']')
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

// planner is one plan of one store under way: what every part of the
// plan needs.
type planner struct {
	b     *builder
	p     *storePlan
	pc    *planCache // nil for a one-off build
	st    *catalog.Store
	s     *components.Site
	root  string        // the store's folder, "s/magic-wands/"
	site  string        // hash of what every page shows
	per   int           // products per listing page
	delta bool          // plans only what a change touches (see planDelta)
	dl    *diskListings // the listings kept on disk, in a build that keeps them
	// plans are the products' plans by product (the cache's, with one).
	plans           map[*catalog.Product]*productPlan
	search, sitemap *shardSet
	pageCounts      map[string]int  // default-order pages per collection
	imagesDone      map[string]bool // image files a delta plan has looked at
	forms           filterForms     // the listings' filter forms, rendered once
}

func (pl *planner) add(j job) { pl.p.jobs = append(pl.p.jobs, j) }

func (pl *planner) page(rel string) string { return pl.root + rel + "index.html" }

// card is a product's plan at render time: the cache's, once the plan
// ends (so a kept job holds no plan's map), else this plan's.
func (pl *planner) card(pr *catalog.Product) *productPlan {
	if pl.pc != nil {
		return pl.pc.products[pr]
	}
	return pl.plans[pr]
}

// cardView is the card of pr, whose plan is pp: the plan's, or made now
// for a plan that came from disk without it.
func (pl *planner) cardView(pr *catalog.Product, pp *productPlan) components.ProductCardView {
	if pp.hasCard {
		return pp.card
	}
	return components.NewCard(pl.s, pr)
}

func (pl *planner) cardsOf(ps []*catalog.Product) ([]components.ProductCardView, []string) {
	cv := make([]components.ProductCardView, len(ps))
	hs := make([]string, len(ps))
	for i, pr := range ps {
		pp := pl.plans[pr]
		cv[i], hs[i] = pl.cardView(pr, pp), pp.cardHash
	}
	return cv, hs
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
	var state *stateFiles
	if pc != nil && pc.manifest != nil {
		man = pc.manifest // a Live builder's, in memory
	} else {
		state = b.stateOf(st.Handle)
		if man, err = state.manifest(); err != nil {
			return nil, err
		}
	}
	root := cleanRel(base.Path) // "s/magic-wands/"
	p := &storePlan{handle: st.Handle, manifest: man}
	if pc != nil {
		p.jobs = make([]job, 0, pc.jobs)
	}
	p.summary = StoreSummary{Handle: st.Handle, Name: st.Name, Path: base.Path, BaseURL: base.String()}

	// Assets first: their fingerprinted names are inputs of every page.
	var images map[string]storeImage
	if pc != nil {
		images = pc.images
	}
	s, assets, err := storeSite(ctx, st, base, images, b.images)
	if err != nil {
		return nil, err
	}
	p.site = s
	pl := &planner{b: b, p: p, pc: pc, st: st, s: s, root: root, per: st.ProductsPerPage(), pageCounts: map[string]int{}}
	for _, a := range assets {
		pl.add(a.job(root))
	}
	products := st.PublishedProducts()
	collections := allCollections(s)
	pl.site = newInputs("site", b.version, storeInputs(st), s.BaseURL, s.CSS, s.HTMX, s.IslandsJS, s.SearchJS, s.ProductJS, s.Image(st.Theme.Logo), s.Nav).sum()
	// What every product's plan depends on: the site and the collections'
	// definitions.
	shared := newInputs(pl.site, collectionDefs(collections)).sum()
	pc.begin(shared)
	// A one-off build keeps its product plans in the state folder instead.
	var dp *diskPlans
	if pc == nil && !b.opts.Force {
		if state == nil {
			state = b.stateOf(st.Handle)
		}
		key := planShared(shared, s)
		dp = diskPlansFrom(state.plans(), key)
		pl.dl = diskListingsFrom(state.listings(), key)
	}

	// Per product, in parallel: its plan (card, page, search and sitemap
	// entries), from the previous plan when the product is the same.
	plans := make([]*productPlan, len(products))
	parallel(len(products), b.opts.Workers, func(i int) {
		if pp := pc.product(products[i]); pp != nil {
			plans[i] = pp
			return
		}
		plans[i] = pl.planProductFrom(products[i], dp)
	})
	if dp != nil {
		dp.save()
	}
	if pc != nil {
		pl.plans = pc.next
	} else {
		pl.plans = make(map[*catalog.Product]*productPlan, len(products))
	}
	for i, pr := range products {
		pl.plans[pr] = plans[i]
		if pc == nil {
			plans[i].index = int32(i)
		}
	}

	pl.home(products)
	for i := range products {
		pl.add(plans[i].job)
	}
	for _, c := range collections {
		pl.listings(c)
	}
	if pl.dl != nil {
		pl.dl.save(products, plans)
	}

	// Search, cart, 404.
	pl.search = newShardSet(len(products), searchShardSize)
	for i, pr := range products {
		pl.search.put(pr.Handle, plans[i].search)
	}
	pl.searchShards()
	// The island pages' static shells hold nothing personal: they are
	// crawlable like any page (their islands are not: robots.txt).
	for _, ip := range []struct{ rel, title, island, id, fallback, desc string }{
		{"cart/", s.T("cart.title"), components.RouteCart, "cart-drawer", s.T("cart.open"), s.T("cart.description", st.Name)},
		{"wishlist/", s.T("wishlist.title"), components.RouteWishlist, "wishlist", s.T("wishlist.open"), s.T("wishlist.description", st.Name)},
		{"account/", s.T("preferences.title"), components.RoutePreferences, "preferences", s.T("preferences.open"), s.T("preferences.description", st.Name)},
	} {
		m := components.SimpleMeta(s, ip.title, ip.rel, false)
		m.Description = ip.desc
		pl.add(job{path: pl.page(ip.rel), in: newInputs("island-page", pl.site, ip).sum(),
			render: renderComponent(components.IslandPage(s, m, ip.title, ip.island, ip.id, ip.fallback))})
	}
	pl.add(job{path: root + "404.html", in: newInputs("404", pl.site).sum(),
		render: renderComponent(components.NotFoundPage(s, components.SimpleMeta(s, s.T("notfound.title"), "", true)))})

	// Sitemaps and robots.txt.
	handles := make([]string, len(products))
	for i, pr := range products {
		handles[i] = pr.Handle
	}
	pl.sitemap = sitemapShards(handles, b.opts.SitemapShardSize)
	for i, pr := range products {
		pl.sitemap.put(pr.Handle, plans[i].sitemap)
	}
	pl.sitemaps(collections, 0)
	robots := robotsTxt([]string{s.URL("sitemap.xml")}, s.BasePath)
	pl.add(job{path: root + "robots.txt", in: digest(robots), render: staticBytes(robots)})

	p.summary.Products = len(products)
	p.summary.Pages = len(p.jobs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if pc != nil {
		pc.st, pc.site, pc.root, pc.siteIn = st, s, root, pl.site
		pc.search, pc.sitemap, pc.pageCounts = pl.search, pl.sitemap, pl.pageCounts
		pc.count = len(products)
		pc.imageRefs = map[string]int{}
		countImages(pc.imageRefs, 1, st.Theme.Logo, st.Settings.ShareImage)
		for _, pr := range products {
			countImages(pc.imageRefs, 1, pr.Images...)
		}
		for _, c := range collections {
			countImages(pc.imageRefs, 1, c.Image)
		}
	}
	pc.end(len(p.jobs))
	return p, nil
}

// planProduct works out a product's plan: its card (and the card's hash,
// which feeds every listing), its page's input hash and job, its search
// index entry and its sitemap entry.
func (pl *planner) planProduct(pr *catalog.Product) *productPlan {
	return pl.planProductFrom(pr, nil)
}

// planProductFrom is planProduct, taking what it can from the plans kept
// on disk when dp is not nil (and keeping what it works out there).
func (pl *planner) planProductFrom(pr *catalog.Product, dp *diskPlans) *productPlan {
	s, st := pl.s, pl.st
	pp := &productPlan{}
	pp.cols = primaryFirst(st, st.CollectionsOf(pr))
	var key [16]byte
	if dp != nil {
		key = productKey(pr, pp.cols)
		pp.key = key
		if e := dp.get(key); e != nil {
			// The card is made when a page that shows it renders
			// (cardView): most of a rebuild's products show on none.
			pp.cardHash, pp.pageIn, pp.search, pp.sitemap = e.cardHash, e.pageIn, e.search, e.sitemap
			pp.job = pl.productJob(pr, pp)
			return pp
		}
	}
	pp.card, pp.hasCard = components.NewCard(s, pr), true
	pp.cardHash = newInputs(pp.card).sum()
	refs := make([][2]string, len(pp.cols))
	for j, c := range pp.cols {
		refs[j] = [2]string{c.Handle, c.Title}
	}
	imgs := make([]string, len(pr.Images))
	for j, img := range pr.Images {
		imgs[j] = s.Image(img)
	}
	pp.pageIn = newInputs("product", pl.site, pr, refs, imgs).sum()
	pp.search = searchEntry(s, pr, pp.card)
	pp.sitemap = sitemapEntry(s, pr)
	pp.job = pl.productJob(pr, pp)
	if dp != nil {
		dp.put(key, pp)
	}
	return pp
}

// productJob is the job of a product's page.
func (pl *planner) productJob(pr *catalog.Product, pp *productPlan) job {
	s, cols := pl.s, pp.cols
	return job{path: pl.productPath(pr.Handle), in: pp.pageIn,
		render: func(ctx context.Context, w io.Writer) error {
			return components.ProductPage(s, components.NewProductView(s, pr, cols)).Render(ctx, w)
		}}
}

func (pl *planner) productPath(handle string) string {
	return pl.root + "products/" + handle + "/index.html"
}

// home plans the home page: the featured collections' teasers and the
// featured products' cards (the first products when none is featured);
// and the search page, which offers those products when a search finds
// nothing.
func (pl *planner) home(products []*catalog.Product) {
	st, s := pl.st, pl.s
	var teasers []components.CollectionTeaser
	for _, h := range st.Settings.FeaturedCollections {
		if c := st.Collection(h); c != nil {
			teasers = append(teasers, components.NewTeaser(s, c))
		} else if h == components.AllHandle {
			teasers = append(teasers, components.NewTeaser(s, s.AllProducts()))
		}
	}
	var featured []*catalog.Product
	for _, h := range st.Settings.FeaturedProducts {
		if pr := st.Product(h); pr != nil && pr.Published() {
			featured = append(featured, pr)
		}
	}
	if len(featured) == 0 { // a store that features nothing shows its first products
		featured = products
		if featured == nil {
			featured = firstPublished(st, 8)
		}
		featured = featured[:min(8, len(featured))]
	}
	fc, fh := pl.cardsOf(featured)
	pl.add(job{path: pl.page(""), in: newInputs("home", pl.site, teasers, fh).sum(),
		render: renderComponent(components.HomePage(s, components.NewHomeView(s, teasers, fc)))})
	// The search page shows the same products when a search finds nothing.
	sm := components.SimpleMeta(s, s.T("search.title"), "search/", false)
	sm.Description = s.T("search.description", st.Name)
	pl.add(job{path: pl.page("search/"), in: newInputs("search", pl.site, fh).sum(),
		render: renderComponent(components.SearchPage(s, sm, s.Path("search.json"), fc))})
}

// firstPublished returns a store's first n published products.
func firstPublished(st *catalog.Store, n int) []*catalog.Product {
	var out []*catalog.Product
	for _, p := range st.Products {
		if len(out) == n {
			break
		}
		if p.Published() {
			out = append(out, p)
		}
	}
	return out
}

// listings plans a collection's pages in every sort order. A page's job
// is kept from the previous plan while the listing's header (the
// collection, the order, the page count and the total) and the page's
// products are the same; otherwise its inputs are hashed again (and it
// renders only if they differ from what was published). A delta plan adds
// only the pages planned again, and removes the pages a listing lost.
func (pl *planner) listings(c *catalog.Collection) {
	if pl.dl != nil {
		pl.listingsDisk(c)
		return
	}
	pc := pl.pc
	cm, meta, fr := pl.listingMeta(c, c.Products(), nil)
	pc.keepFacets(c.Handle, fr)
	frf := func() *facets.Result { return fr }
	for _, order := range catalog.SortOrders {
		sorted := pc.sorted(c, order)
		total := len(sorted)
		pages := max(1, (total+pl.per-1)/pl.per)
		header := meta + "/" + string(order) + "/" + strconv.Itoa(pages) + "/" + strconv.Itoa(total)
		prev := pc.listingsOf(c.Handle, order, header)
		if pl.delta {
			if had := pc.pagesOf(c.Handle, order); len(had) > pages {
				for _, gone := range had[pages:] {
					pl.p.remove = append(pl.p.remove, gone.job.path)
				}
			}
		}
		cur := make([]listing, pages)
		for n := 1; n <= pages; n++ {
			members := sorted[(n-1)*pl.per : min(n*pl.per, total)]
			if n <= len(prev) && slices.Equal(prev[n-1].members, members) {
				cur[n-1] = prev[n-1]
				if !pl.delta {
					pl.add(cur[n-1].job)
				}
				continue
			}
			cur[n-1] = pl.listingPage(cm, meta, frf, order, n, pages, total, slices.Clone(members))
		}
		pc.keepListings(c.Handle, order, header, cur)
		if order == catalog.SortManual {
			pl.pageCounts[c.Handle] = pages
		}
	}
}

// listingMeta is what a listing page shows of a collection, without its
// members (kept jobs must not hold a catalog's member lists), and its hash;
// and the facets of its filter form: the values members (the whole
// collection) offer, without counts, which the hash covers. A value that
// comes or goes plans every page again; counts would do so at every stock
// change (2,500 pages for a 10,000-product collection), so the form shows
// them once the shopper filters (the islands' answer).
// known, when set, are the values already (a delta's: see planCache.facets).
func (pl *planner) listingMeta(c *catalog.Collection, members []*catalog.Product, known *facets.Result) (*catalog.Collection, string, *facets.Result) {
	fr := known
	if fr == nil {
		v := facets.Values(members)
		fr = &v
	}
	return listingCollection(c), pl.listingMetaHash(c, fr), fr
}

// listingCollection is what a listing page shows of a collection: not its
// members.
func listingCollection(c *catalog.Collection) *catalog.Collection {
	return &catalog.Collection{Handle: c.Handle, Title: c.Title, DescriptionHTML: c.DescriptionHTML, Image: c.Image, SEO: c.SEO, Sort: c.Sort}
}

// listingMetaHash is the hash of what every page of a collection's
// listings shows of it, with its filter form's values fr.
func (pl *planner) listingMetaHash(c *catalog.Collection, fr *facets.Result) string {
	return newInputs(c.Handle, c.Title, c.DescriptionHTML, c.SEO, pl.s.Image(c.Image), fr).sum()
}

// listingPage plans page n of a listing showing members (which it keeps:
// the caller's own slice); fr gives the filter form's values when the page
// renders.
func (pl *planner) listingPage(cm *catalog.Collection, meta string, fr func() *facets.Result, order catalog.SortOrder, n, pages, total int, members []*catalog.Product) listing {
	hs := make([]string, len(members))
	for i, pr := range members {
		hs[i] = pl.plans[pr].cardHash
	}
	in := newInputs("collection", pl.site, meta, string(order), n, pages, total, hs).sum()
	l := listing{members: members, job: pl.listingJob(cm, fr, order, n, pages, total, members, in)}
	pl.add(l.job)
	return l
}

// listingJob is the job of page n of a listing showing ms, whose inputs
// hash to in.
func (pl *planner) listingJob(cm *catalog.Collection, fr func() *facets.Result, order catalog.SortOrder, n, pages, total int, ms []*catalog.Product, in string) job {
	s := pl.s
	rel := strings.TrimPrefix(s.CollectionPath(cm.Handle, order, n), s.BasePath)
	return job{path: pl.page(rel), in: in, render: func(ctx context.Context, w io.Writer) error {
		cv := make([]components.ProductCardView, len(ms))
		for i, pr := range ms {
			cv[i] = pl.cardView(pr, pl.card(pr))
		}
		v := components.NewCollectionView(s, cm, order, n, pages, total, cv)
		if err := pl.forms.use(ctx, s, &v, cm.Handle, fr(), order); err != nil {
			return err
		}
		return components.CollectionPage(s, v).Render(ctx, w)
	}}
}

// sitemaps plans sitemap.xml, an index of the pages' shards
// (sitemap-pages-1.xml, ...: the home page and every collection's
// default-order pages) and the products' shards
// (sitemap-products-0.xml, ...). Re-sorted listings are left out: their
// canonical is the default order. had is how many pages' shards the
// previous plan made (a delta plan removes those it no longer makes);
// product shards are planned when changed.
func (pl *planner) sitemaps(cols []*catalog.Collection, had int) {
	s := pl.s
	var index []sitemapURL
	pages := sitemapPages(s, pl.root, cols, pl.pageCounts, pl.b.opts.SitemapShardSize)
	for i, f := range pages {
		pl.add(job{path: f.path, in: digest(f.data), render: staticBytes(f.data)})
		index = append(index, sitemapURL{Loc: s.URL("sitemap-pages-" + strconv.Itoa(i+1) + ".xml")})
	}
	for n := len(pages) + 1; n <= had; n++ {
		pl.p.remove = append(pl.p.remove, pl.root+"sitemap-pages-"+strconv.Itoa(n)+".xml")
	}
	pl.productSitemaps()
	for k := range pl.sitemap.entries {
		index = append(index, sitemapURL{Loc: s.URL("sitemap-products-" + strconv.Itoa(k) + ".xml")})
	}
	data := sitemapIndex(index)
	pl.add(job{path: pl.root + "sitemap.xml", in: digest(data), render: staticBytes(data)})
	if pl.pc != nil {
		pl.pc.sitemapPages = len(pages)
	}
}

// productSitemaps plans the product shards changed since the last plan.
func (pl *planner) productSitemaps() {
	pl.sitemap.each(func(k int, entries [][]byte) string {
		d := urlsetDigest(entries)
		pl.add(job{path: pl.root + "sitemap-products-" + strconv.Itoa(k) + ".xml", in: d, render: func(_ context.Context, w io.Writer) error {
			return writeURLSet(w, entries)
		}})
		return d
	})
}

// countImages adds by to the count of each image file among imgs (those
// that are not absolute URLs).
func countImages(refs map[string]int, by int, imgs ...catalog.Image) {
	for _, img := range imgs {
		if localImage(img) {
			refs[img.Src] += by
		}
	}
}

// localImage reports whether an image is one of the store's files (and
// not an absolute URL): one the store publishes as an asset.
func localImage(img catalog.Image) bool {
	return img.Src != "" && !strings.Contains(img.Src, "://")
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
	data []byte // the file; nil for a raster image's rendition (load)
	// in and load are a rendition's input hash (its published name says
	// it all) and where its bytes come from (the image cache).
	in   string
	load func() ([]byte, error)
}

// newAsset is a file published as it is, under a name fingerprinted by
// its bytes ("assets/app.1a2b3c4d5e.css").
func newAsset(name string, data []byte) asset {
	return asset{rel: "assets/" + fingerprint(name, data), data: data}
}

// job is the asset's job under a store's folder.
func (a asset) job(root string) job {
	if a.load == nil {
		return job{path: root + a.rel, in: digest(a.data), asset: true, render: staticBytes(a.data)}
	}
	return job{path: root + a.rel, in: a.in, asset: true, render: func(_ context.Context, w io.Writer) error {
		data, err := a.load()
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	}}
}

// storeImage is an image file of a store, as published: its assets (one,
// or a raster image's renditions) and, for a raster image, what pages
// are told of it.
type storeImage struct {
	assets []asset
	raster *components.ImageFiles
}

// storeSite works out what every page of a store needs to know: where it
// lives, its fingerprinted assets (returned, to be published) and its nav.
// known, when not nil, holds images already read and fingerprinted, by
// source path (a long-lived builder's: a store's image files do not change
// while it runs); storeSite adds the ones it reads. JPEG and PNG images
// are published as renditions (see rasterImage), resized into cache when
// it is not nil (a Site that publishes nothing needs only their names).
func storeSite(ctx context.Context, st *catalog.Store, base *url.URL, known map[string]storeImage, cache *imageCache) (*components.Site, []asset, error) {
	s := components.NewSite(st, base)
	var assets []asset
	addAsset := func(name string, data []byte) string {
		a := newAsset(name, data)
		assets = append(assets, a)
		return s.Path(a.rel)
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
	}{{components.HTMXFile, &s.HTMX}, {components.IslandsJSFile, &s.IslandsJS}, {components.SearchJSFile, &s.SearchJS}, {components.ProductJSFile, &s.ProductJS}} {
		data, err := fs.ReadFile(components.Static, f.file)
		if err != nil {
			return nil, nil, err
		}
		*f.dst = addAsset(path.Base(f.file), data)
	}

	use := func(src string, im storeImage) {
		assets = append(assets, im.assets...)
		if im.raster != nil {
			s.Raster[src] = *im.raster
			s.Images[src] = s.Image(catalog.Image{Src: src})
		} else {
			s.Images[src] = s.Path(im.assets[0].rel)
		}
	}
	var fresh, raster []string
	for _, src := range localImages(st) {
		if im, ok := known[src]; ok {
			use(src, im)
		} else if isRaster(src) {
			raster = append(raster, src)
		} else {
			fresh = append(fresh, src)
		}
	}
	var imgs []*rasterImage
	if cache != nil && cache.prepared[st.Handle] != nil && known == nil {
		imgs = cache.prepared[st.Handle] // a Build's, read and checked already
		delete(cache.prepared, st.Handle)
	} else if imgs, err = rasterImages(ctx, st, raster, cache); err != nil {
		return nil, nil, err
	}
	for _, r := range imgs {
		im := storeImage{}
		for i, name := range r.names {
			a := asset{rel: "assets/" + name, in: digest([]byte(name))}
			if cache != nil {
				r, i := r, i
				a.load = func() ([]byte, error) { return cache.load(r, i) }
			}
			im.assets = append(im.assets, a)
		}
		f := r.files(s)
		im.raster = &f
		use(r.src, im)
		if known != nil {
			known[r.src] = im
		}
	}
	for _, src := range fresh {
		if st.Assets == nil {
			return nil, nil, fmt.Errorf("store %s: image %q: the source has no files", st.Handle, src)
		}
		data, err := fs.ReadFile(st.Assets, src)
		if err == nil {
			data, err = safeImage(src, data)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("store %s: image %q: %w", st.Handle, src, err)
		}
		im := storeImage{assets: []asset{newAsset(src, data)}}
		use(src, im)
		if known != nil {
			known[src] = im
		}
	}
	s.Nav = nav(s, st, allCollections(s))
	return s, assets, nil
}

// safeImage returns an image file as it may be published on an origin
// every store shares: an SVG with only what draws (svgsafe: no script, no
// handler, no reference out), a raster file only if its bytes are the
// format its name says (a page named photo.png is not published).
func safeImage(name string, data []byte) ([]byte, error) {
	ext := strings.ToLower(path.Ext(name))
	if ext == ".svg" {
		return svgsafe.Clean(data)
	}
	want, ok := catalog.ImageTypes[ext]
	if !ok {
		return nil, fmt.Errorf("%s files are not images a store may publish", ext)
	}
	if got := sniffImage(data); got != want {
		return nil, fmt.Errorf("the file is not a %s image (its bytes look like %s)", want, got)
	}
	return data, nil
}

// sniffImage names a raster image's format from its first bytes.
func sniffImage(data []byte) string {
	if len(data) >= 12 && string(data[4:8]) == "ftyp" && (string(data[8:12]) == "avif" || string(data[8:12]) == "avis") {
		return "image/avif"
	}
	return http.DetectContentType(data)
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
	s, _, err := storeSite(context.Background(), st, base, nil, nil)
	return s, err
}

// CatalogVersion is a digest of everything in a store that islands render
// from: settings, theme, products, collections and experiments. It changes
// whenever any of them does, so caches keyed by it never serve a fragment
// of an old catalog, and a build that changes only an experiment still
// switches the islands. (Pages do not depend on experiments: storeInputs
// leaves them out.)
func CatalogVersion(st *catalog.Store) string {
	// Each product in its binary form (catalog's AppendBinary): every
	// field, as JSON would give, at a fraction of the cost (the CLI
	// computes this on every build that announces to servers).
	in := newInputs("catalog", storeInputs(st))
	var buf []byte
	for _, p := range st.Products {
		buf, _ = p.AppendBinary(buf[:0])
		in.add(buf)
	}
	for _, c := range st.Collections {
		in.add(c.Handle, c.Title, c.ProductHandles, c.Rules, string(c.Sort))
	}
	if len(st.Experiments) > 0 {
		in.add("experiments", st.Experiments)
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
func allCollections(s *components.Site) []*catalog.Collection {
	st := s.Store
	cols := append([]*catalog.Collection(nil), st.Collections...)
	if st.Collection(components.AllHandle) == nil {
		cols = append(cols, s.AllProducts())
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

// searchEntry is a product's entry in the JSON the search page searches in
// the browser: what it shows (title, price, image with its renditions and
// size) and what it searches
// (title, vendor, type, tags, SKUs and the start of the description).
func searchEntry(s *components.Site, pr *catalog.Product, c components.ProductCardView) []byte {
	type entry struct {
		Title    string   `json:"title"`
		URL      string   `json:"url"`
		Price    string   `json:"price"`
		Vendor   string   `json:"vendor,omitempty"`
		Type     string   `json:"type,omitempty"`
		Tags     []string `json:"tags,omitempty"`
		SKUs     []string `json:"skus,omitempty"`
		Text     string   `json:"text,omitempty"`
		Image    string   `json:"image,omitempty"`
		Srcset   string   `json:"srcset,omitempty"`
		Width    string   `json:"w,omitempty"`
		Height   string   `json:"h,omitempty"`
		ImageAlt string   `json:"imageAlt,omitempty"`
	}
	price := c.Price
	if c.From {
		price = s.T("product.price_from", price)
	}
	var skus []string
	for _, v := range pr.Variants {
		if v.SKU != "" && !slices.Contains(skus, v.SKU) {
			skus = append(skus, v.SKU)
		}
	}
	data, err := json.Marshal(entry{Title: pr.Title, URL: c.Path, Price: price, Vendor: pr.Vendor, Type: pr.Type, Tags: pr.Tags,
		SKUs: skus, Text: components.PlainText(pr.DescriptionHTML, searchTextLen), Image: c.Image, ImageAlt: c.ImageAlt,
		Srcset: c.ImageSrcset, Width: c.ImageWidth, Height: c.ImageHeight})
	if err != nil {
		panic(fmt.Sprintf("generator: search entry: %v", err)) // strings only: cannot fail
	}
	return data
}

// searchTextLen is how much of a description the search index holds:
// enough for the words that matter, while an index of 10,000 products
// stays a few megabytes.
const searchTextLen = 160

// writeSearchIndex writes the entries to w as one JSON array, entry by
// entry: a rebuild hashes every shard of the index (searchIndexDigest; at
// 100,000 products joining them first was a fifth of the plan) and writes
// only those that changed. It says the first write's error.
func writeSearchIndex(w io.Writer, entries [][]byte) error {
	ew := &errWriter{w: w}
	ew.Write([]byte{'['})
	for i, e := range entries {
		if i > 0 {
			ew.Write([]byte{','})
		}
		ew.Write(e)
	}
	ew.Write([]byte{']', '\n'})
	return ew.err
}

// searchIndexDigest is the digest of the file writeSearchIndex writes,
// without joining the entries.
func searchIndexDigest(entries [][]byte) string {
	return digestOf(func(w io.Writer) { writeSearchIndex(w, entries) })
}

// Package generator turns stores' catalogs into static pages: it loads and
// validates each store, plans which files its pages need and which of them
// changed since the last build (by the hash of their inputs), renders the
// changed ones on a worker pool and publishes the bytes that differ.
package generator

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/i18n"
	"github.com/wandstore/wandstore/internal/atomicfile"
)

// DefaultSiteURL is where stores without a base URL of their own are served
// in development (`wandgen demo`).
const DefaultSiteURL = "http://localhost:8080/"

// MaxSitemapURLs is the sitemap protocol's limit of URLs per file.
const MaxSitemapURLs = 50000

// Options says what to build and where.
type Options struct {
	// Source reads the catalogs. Required.
	Source catalog.Source
	// Stores limits the build to these handles; empty builds every store.
	Stores []string
	// Out is the output folder, used when Publisher is nil.
	Out string
	// Publisher receives the files; nil means a DirPublisher on Out.
	Publisher Publisher
	// StateDir holds the manifests; default Out/.wandstore.
	StateDir string
	// BeforePublish, when set, is called with the stores about to be
	// published once they have loaded and validated, before anything is
	// written: a build into a served folder tells the servers (app,
	// internal/handoff). An error stops the build with nothing written.
	BeforePublish func(ctx context.Context, stores []*catalog.Store) error
	// SiteURL is the origin for stores without a base_url: such a store is
	// published under <SiteURL>s/<handle>/. Default DefaultSiteURL.
	SiteURL string
	// Workers renders this many pages at once; default GOMAXPROCS.
	Workers int
	// SitemapShardSize is the most URLs a sitemap file holds; default and
	// maximum MaxSitemapURLs.
	SitemapShardSize int
	// Force renders and writes every file, ignoring the manifest (and
	// reads every content file, ignoring the parse cache).
	Force bool
	// Verify checks, for every file whose inputs did not change, that it
	// is still published (and its compressed copies), publishing it again
	// if not: a repair of files removed behind the manifest's back. Without
	// it a build into a folder trusts the manifest when the folder is the
	// one the state folder's last completed build published (see sealed),
	// and checks every file otherwise (a fresh --out with a kept
	// --state-dir, or a build that failed or was killed half-way).
	Verify bool
	// NoParseCache reads every content file, as the first build does,
	// instead of only those changed since the last build (the parse cache
	// in StateDir, for sources that keep one: catalog.CachingSource).
	NoParseCache bool
	// Precompress says whether text files get Brotli and gzip copies
	// beside them; by default into a folder only (see PrecompressAuto).
	Precompress Precompress
	// RenderVersion identifies the renderer's code: a change re-renders
	// everything. Default: a hash of the running executable.
	RenderVersion string
	// Progress, if set, is called as files are planned and rendered.
	Progress func(Progress)
	// Log receives one line per phase and store; nil discards.
	Log *slog.Logger
}

// Progress is a build's position, for progress bars.
type Progress struct {
	Store       string
	Phase       string // "load", "validate", "plan", "render", "publish"
	Done, Total int
}

// Summary counts what a build did.
type Summary struct {
	Stores    []StoreSummary
	Files     int // files the build's pages consist of
	Rendered  int // files rendered (inputs changed)
	Skipped   int // files not rendered: inputs unchanged
	Written   int // files published: bytes changed
	Unchanged int // rendered, but the bytes were the same: not published
	Deleted   int // files removed: no longer part of the store
	// Compressed counts the files given compressed copies (their bytes
	// changed, or their copies were missing), and CompressedBytes the
	// copies' bytes. Live writes the copies after Update returns (Flush
	// waits for them): Compressed counts them, CompressedBytes does not.
	Compressed      int
	CompressedBytes int64
	// Resized counts the JPEG and PNG images decoded and resized: those
	// whose renditions were not yet in the state folder's cache.
	Resized  int
	Bytes    int64
	Duration time.Duration
	Phases   map[string]time.Duration
	// Changed lists the paths published (bytes changed) and Removed the
	// paths deleted, sorted: what a CDN purge or cache invalidation needs.
	Changed, Removed []string
	// Catalogs are the validated stores the build loaded, for a server in
	// the same process (so it need not load them again).
	Catalogs []*catalog.Store
	// Sites are the built stores' Sites (paths and fingerprinted assets as
	// published), by handle, for the same server.
	Sites map[string]*components.Site
}

// StoreSummary is one store's share of a Summary.
type StoreSummary struct {
	Handle, Name, Path string // Path: the store's base URL path, "/s/magic-wands/"
	BaseURL            string
	Products, Pages    int
	Rendered, Written  int
	Skipped, Deleted   int
	// Delta says the store was planned as a change to what it last
	// published (Live): only what the change touches.
	Delta bool
}

// Build loads, validates, plans, renders and publishes. Nothing is written
// unless every store loads and validates: bad content gives an error naming
// the store, file and field, and the output is left as it was. The returned
// error wraps the phase that failed ("validate: ...") and, for content
// problems, a catalog.ValidationErrors.
func Build(ctx context.Context, opts Options) (*Summary, error) {
	start := time.Now()
	if opts.Source == nil {
		return nil, errors.New("generator: no catalog source")
	}
	b, err := newBuilder(opts, true)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Phases: map[string]time.Duration{}, Sites: map[string]*components.Site{}}
	// "other": what no phase covers (the builder's set-up, the seal).
	defer func() { sum.Phases["other"] = time.Since(start) - sumPhases(sum.Phases) }()
	phase := func(name string, f func() error) error {
		t := time.Now()
		err := f()
		sum.Phases[name] += time.Since(t)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}

	var stores []*catalog.Store
	if err := phase("load", func() error { stores, err = b.load(ctx); return err }); err != nil {
		return nil, err
	}
	b.prefetch(stores)
	if err := phase("validate", func() error { return b.validate(stores) }); err != nil {
		return nil, err
	}
	// Every store's images are checked and resized before anything is
	// published: a corrupt file stops the build with nothing written.
	resized := b.images.resized.Load()
	defer func() { sum.Resized = int(b.images.resized.Load() - resized) }()
	if err := phase("images", func() error { return b.prepareImages(ctx, stores) }); err != nil {
		return nil, err
	}
	for _, save := range b.saves {
		save()
	}
	if opts.BeforePublish != nil {
		if err := phase("before publish", func() error { return opts.BeforePublish(ctx, stores) }); err != nil {
			return nil, err
		}
	}
	// Store by store; the next store is planned while this one renders
	// (one plan ahead: a build of many small stores keeps every core busy,
	// and holds at most two stores' plans). The plan phase is the time the
	// build waits for a plan, so the phases never overlap (and "other",
	// what none covers, stays what it says).
	plans, stop := b.planAhead(ctx, stores)
	defer stop()
	for {
		t := time.Now()
		pl, ok := <-plans
		if !ok {
			break
		}
		sum.Phases["plan"] += time.Since(t)
		if pl.err != nil {
			return nil, fmt.Errorf("plan: %w", pl.err)
		}
		p := pl.p
		sum.Sites[p.handle] = p.site
		if err := phase("render", func() error { return b.executeAndSave(ctx, p, sum) }); err != nil {
			return nil, err
		}
	}
	if b.rootIndex(stores) {
		var p *storePlan
		if err := phase("plan", func() error { p, err = b.planRoot(stores); return err }); err != nil {
			return nil, err
		}
		if err := phase("render", func() error { return b.executeAndSave(ctx, p, sum) }); err != nil {
			return nil, err
		}
	}
	// A build that changed the folder, or found no seal, seals it; one
	// that changed nothing leaves it as it was.
	if b.ownDir && (b.changed.Load() || !b.trusted) {
		if err := b.seal(); err != nil {
			return nil, err
		}
	}
	sum.Catalogs = stores
	sort.Strings(sum.Changed)
	sort.Strings(sum.Removed)
	sum.Duration = time.Since(start)
	return sum, nil
}

// planned is a store's plan, or why it failed.
type planned struct {
	p   *storePlan
	err error
}

// planAhead plans the stores in order on a goroutine of its own, handing
// each plan over when the previous one has been taken: the caller renders
// one store while the next is planned. The channel closes after the last
// plan or the first error; stop ends the planning early and waits for it.
func (b *builder) planAhead(ctx context.Context, stores []*catalog.Store) (<-chan planned, func()) {
	ctx, cancel := context.WithCancel(ctx)
	plans := make(chan planned)
	go func() {
		defer close(plans)
		for _, st := range stores {
			p, err := b.plan(ctx, st, nil)
			select {
			case plans <- planned{p: p, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return plans, func() {
		cancel()
		for range plans {
		}
	}
}

// executeAndSave publishes a plan and records its manifest's changes:
// appended to the manifest's log (new paths before they are published, see
// intent), so a build that changes a few files writes a few lines, not the
// whole manifest; the log is folded into a new snapshot once it outgrows a
// quarter of it (or when there is no snapshot yet).
func (b *builder) executeAndSave(ctx context.Context, p *storePlan, sum *Summary) error {
	ml, err := currentLog(b.opts.StateDir, p.manifest)
	if err != nil {
		return err
	}
	if lines := b.intent(p); len(lines) > 0 {
		p.manifest = applied(p.manifest, lines)
		if err := ml.append(lines); err != nil {
			return err
		}
	}
	lines, err := b.execute(ctx, p, sum, b.trusted)
	if err != nil {
		return err
	}
	if len(lines) > 0 {
		p.manifest = applied(p.manifest, lines)
		if err := ml.append(lines); err != nil {
			return err
		}
	}
	if ml.lines == 0 {
		return nil
	}
	if big, err := logOutgrew(b.opts.StateDir, p.manifest); err != nil || big {
		return p.manifest.save(b.opts.StateDir)
	}
	return nil
}

type builder struct {
	opts    Options
	pub     Publisher
	site    *url.URL
	version string
	log     *slog.Logger
	all     bool // building every store the source has
	// compress: text files get compressed copies (Options.Precompress).
	compress bool
	zs       compressors
	shared   sharedCopies
	// later: files' copies are not made by the render workers but after
	// the update, in the background (Live).
	later  bool
	images *imageCache
	// trusted: the manifests are what the folder holds (sealed), so files
	// whose inputs are unchanged are not checked.
	trusted bool
	// ownDir: the builder publishes into Out itself (a DirPublisher of
	// its own), so it keeps the seal.
	ownDir bool
	// changed: the build changed the folder (and removed the seal).
	changed atomic.Bool
	// saves write the state folder's caches (parse cache, render
	// version) once the stores are accepted: content that does not
	// validate writes nothing.
	saves []func()
	// pre holds state files being read ahead of the plan (prefetch), by
	// store handle.
	pre sync.Map
}

// prepareImages checks every store's raster images and resizes those not
// yet in the cache, on every worker.
func (b *builder) prepareImages(ctx context.Context, stores []*catalog.Store) error {
	var errs []error
	for _, st := range stores {
		imgs, err := rasterImages(ctx, st, localImages(st), b.images)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b.images.prepared[st.Handle] = imgs
	}
	return errors.Join(errs...)
}

// newBuilder checks the options; build says it is for one Build, which
// may trust a sealed folder (a Live builder never does: it unseals).
func newBuilder(opts Options, build bool) (*builder, error) {
	b := &builder{opts: opts, pub: opts.Publisher, log: opts.Log}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if b.opts.StateDir == "" && opts.Out != "" {
		b.opts.StateDir = filepath.Join(opts.Out, ".wandstore")
	}
	if b.pub == nil {
		if opts.Out == "" {
			return nil, errors.New("generator: no output folder or publisher")
		}
		// A folder the last build published completely has no temporary
		// files of its own to sweep.
		b.trusted = build && !opts.Verify && !opts.Force && b.sealed()
		dp, err := newDirPublisher(opts.Out, !b.trusted)
		if err != nil {
			return nil, err
		}
		// From the folder's first change the folder may be half-published
		// until the seal.
		dp.beforeChange = func() error { b.changed.Store(true); return b.unseal() }
		b.pub, b.ownDir = dp, true
	}
	switch opts.Precompress {
	case PrecompressAuto:
		_, b.compress = b.pub.(*DirPublisher)
	case PrecompressOn:
		b.compress = true
	case PrecompressOff:
	default:
		return nil, fmt.Errorf("generator: unknown Precompress %d", opts.Precompress)
	}
	if b.opts.StateDir == "" { // no Out either: the default above is Out's
		return nil, errors.New("generator: a publisher without an output folder needs a state folder")
	}
	if b.opts.Workers <= 0 {
		b.opts.Workers = runtime.GOMAXPROCS(0)
	}
	b.images = newImageCache(b.opts.StateDir, b.opts.Workers)
	if b.opts.SitemapShardSize <= 0 || b.opts.SitemapShardSize > MaxSitemapURLs {
		b.opts.SitemapShardSize = MaxSitemapURLs
	}
	u, err := parseSiteURL(opts.SiteURL)
	if err != nil {
		return nil, err
	}
	b.site = u
	// A broken message file fails the build, not a shopper's page.
	if err := i18n.Check(); err != nil {
		return nil, fmt.Errorf("generator: %w", err)
	}
	b.version = opts.RenderVersion
	if b.version == "" {
		var save func()
		b.version, save = executableHash(b.opts.StateDir)
		b.saves = append(b.saves, save)
	}
	return b, nil
}

var (
	exeOnce sync.Once
	exeHash string
	exeMemo string // what the state folder's render-version holds, when the hash was worked out
)

// The seal says that an output folder holds exactly what the state
// folder's manifests record: the last build that published into it
// completed. A build removes the seal before it publishes anything and
// writes a new one when it is done, into the state folder (published) and
// into the output folder (.wandstore/published: the same file when the
// state folder is the default one inside it). A build whose seals match
// trusts its manifests (Options.Verify); a folder emptied, replaced or
// half-published does not match, and is checked file by file.

func (b *builder) sealFiles() (state, out string) {
	return filepath.Join(b.opts.StateDir, "published"), filepath.Join(b.opts.Out, ".wandstore", "published")
}

// sealed reports whether the output folder holds what the manifests say.
func (b *builder) sealed() bool {
	if b.opts.Out == "" {
		return false
	}
	state, out := b.sealFiles()
	a, err := os.ReadFile(state)
	if err != nil || len(a) < 16 {
		return false
	}
	o, err := os.ReadFile(out)
	return err == nil && string(a) == string(o)
}

// unseal removes the state folder's seal: until seal, the folder may not
// hold what the manifests say.
func (b *builder) unseal() error {
	if !b.ownDir {
		return nil
	}
	state, _ := b.sealFiles()
	if err := os.Remove(state); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("generator: %w", err)
	}
	return nil
}

// seal records that the output folder holds what the manifests say.
func (b *builder) seal() error {
	if !b.ownDir {
		return nil
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	seal := []byte(hex.EncodeToString(id[:]) + "\n")
	state, out := b.sealFiles()
	for _, name := range []string{out, state} { // the state's last: it is the one unseal removes
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("generator: %w", err)
		}
		if err := writeAtomic(name, seal); err != nil {
			return fmt.Errorf("generator: %w", err)
		}
	}
	return nil
}

func sumPhases(ph map[string]time.Duration) time.Duration {
	var t time.Duration
	for k, d := range ph {
		if k != "other" {
			t += d
		}
	}
	return t
}

// readMemo reads the render-version memo: none without a state folder
// (not a "render-version" in the working folder).
func readMemo(stateDir, memo string) ([]byte, error) {
	if stateDir == "" {
		return nil, os.ErrNotExist
	}
	return os.ReadFile(memo)
}

// executableHash identifies the code that renders: any change to templates
// or generator code changes the binary, and so re-renders every page.
// Hashing a 60 MB binary costs about 50 ms, so the hash is kept in the
// state folder (render-version) with the executable's path, size,
// modification time, inode and change time, and hashed again only when one
// of them differs (a new build of the program is a new file). save writes
// the memo when it was not there.
func executableHash(stateDir string) (hash string, save func()) {
	memo := filepath.Join(stateDir, "render-version")
	exeOnce.Do(func() {
		exeHash = "unknown"
		name, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(name)
		if err != nil {
			return
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return
		}
		ino, ctime := atomicfile.InodeCtime(info)
		key := fmt.Sprintf("%s\n%d %d %d %d\n", name, info.Size(), info.ModTime().UnixNano(), ino, ctime)
		if data, err := readMemo(stateDir, memo); err == nil {
			if h, ok := strings.CutPrefix(string(data), key); ok && len(h) == 33 && strings.HasSuffix(h, "\n") {
				if _, err := hex.DecodeString(h[:32]); err == nil {
					exeHash = h[:32]
					return
				}
			}
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err == nil {
			exeHash = hex.EncodeToString(h.Sum(nil)[:16])
			exeMemo = key + exeHash + "\n"
		}
	})
	return exeHash, func() {
		if stateDir == "" || exeMemo == "" {
			return
		}
		if data, err := os.ReadFile(memo); err == nil && string(data) == exeMemo {
			return
		}
		if os.MkdirAll(stateDir, 0o755) == nil {
			writeAtomic(memo, []byte(exeMemo)) // best effort: the next run hashes again
		}
	}
}

func (b *builder) progress(store, phase string, done, total int) {
	if b.opts.Progress != nil {
		b.opts.Progress(Progress{Store: store, Phase: phase, Done: done, Total: total})
	}
}

func (b *builder) load(ctx context.Context) ([]*catalog.Store, error) {
	handles := b.opts.Stores
	avail, err := b.opts.Source.Stores(ctx)
	if err != nil {
		return nil, err
	}
	if len(handles) == 0 {
		handles = avail
		b.all = true
		if len(handles) == 0 {
			return nil, errors.New("the source has no stores")
		}
	} else {
		for _, h := range handles {
			if !slices.Contains(avail, h) {
				return nil, fmt.Errorf("no store %q (the source has: %s)", h, strings.Join(avail, ", "))
			}
		}
		b.all = !slices.ContainsFunc(avail, func(h string) bool { return !slices.Contains(handles, h) })
	}
	var stores []*catalog.Store
	var problems catalog.ValidationErrors
	for i, h := range handles {
		b.progress(h, "load", i, len(handles))
		var st *catalog.Store
		var err error
		if cs, ok := b.opts.Source.(catalog.CachingSource); ok && !b.opts.NoParseCache && !b.opts.Force {
			var save func()
			if st, save, err = cs.LoadCached(ctx, h, b.opts.StateDir, b.version); err == nil {
				b.saves = append(b.saves, save)
			}
		} else {
			st, err = b.opts.Source.Load(ctx, h)
		}
		if ve, ok := catalog.AsValidationErrors(err); ok {
			problems = append(problems, ve...) // keep going: report every store's problems at once
			continue
		}
		if err != nil {
			return nil, err
		}
		// "products" counts what is published, as the summary does; drafts
		// are named apart.
		published := len(st.PublishedProducts())
		b.log.Info("loaded", "store", h, "products", published, "drafts", len(st.Products)-published, "collections", len(st.Collections))
		if lang, ok := i18n.Language(st.Locale); !ok {
			b.log.Warn("no messages in the store's language: its pages are in English", "store", h, "locale", st.Locale, "language", lang)
		}
		stores = append(stores, st)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return stores, nil
}

func (b *builder) validate(stores []*catalog.Store) error {
	var problems catalog.ValidationErrors
	for _, st := range stores {
		if ve, ok := catalog.AsValidationErrors(st.Validate()); ok {
			problems = append(problems, ve...)
		}
	}
	// Two stores must not publish into the same folder, or one inside the other.
	paths := map[string]string{}
	for _, st := range stores {
		base, err := b.baseURL(st)
		if err != nil {
			problems = append(problems, &catalog.FieldError{Store: st.Handle, File: "store.yaml", Field: "base_url", Message: err.Error()})
			continue
		}
		p := base.Path
		for other, h := range paths {
			if strings.HasPrefix(p, other) || strings.HasPrefix(other, p) {
				problems = append(problems, &catalog.FieldError{Store: st.Handle, File: "store.yaml", Field: "base_url",
					Message: fmt.Sprintf("publishes to %s, which overlaps store %q at %s: build them separately (--store) into different folders", p, h, other)})
			}
		}
		paths[p] = st.Handle
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// baseURL is where a store is published: its own base_url, or
// <site>/s/<handle>/.
func (b *builder) baseURL(st *catalog.Store) (*url.URL, error) { return storeBase(b.site, st) }

func storeBase(site *url.URL, st *catalog.Store) (*url.URL, error) {
	if st.BaseURL != "" {
		return url.Parse(st.BaseURL)
	}
	return site.JoinPath("s", st.Handle, "/"), nil
}

// parseSiteURL checks a site URL ("" means DefaultSiteURL) and gives it a
// trailing slash.
func parseSiteURL(site string) (*url.URL, error) {
	orig := site
	if site == "" {
		site = DefaultSiteURL
	}
	if !strings.HasSuffix(site, "/") {
		site += "/"
	}
	u, err := url.Parse(site)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("generator: site URL %q must be an absolute http(s) URL", orig)
	}
	return u, nil
}

// rootIndex says whether to write the site's front door (a list of stores
// and a robots.txt naming every store's sitemap): only when every store of
// the source is built and all live under the site URL's /s/.
func (b *builder) rootIndex(stores []*catalog.Store) bool {
	if !b.all {
		return false
	}
	for _, st := range stores {
		if st.BaseURL != "" {
			return false
		}
	}
	return true
}

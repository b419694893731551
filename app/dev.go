package app

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/generator"
)

// `wandgen dev` is the merchant's loop: the demo's build and server on a
// content folder, which it watches; every save rebuilds what changed,
// switches the islands to the new catalog and reloads the open pages
// (Server-Sent Events); a content error is shown in the terminal and over
// the page, and the last good build stays served. Its reload script and
// events exist only in this server, under devPrefix: no build writes them.
// Templates are compiled into the binary, so a change to components/ needs
// the command run again (go run ./cmd/wandgen dev).

// devPrefix is where the dev server's own files are, outside every store.
const devPrefix = "/_wandstore/dev/"

//go:embed devreload.js
var devReloadJS []byte

// devReloadSrc is the reload script's address in the pages, which names
// its bytes.
var devReloadSrc = fmt.Sprintf("%sreload.js?v=%016x", devPrefix, func() uint64 {
	h := fnv.New64a()
	h.Write(devReloadJS)
	return h.Sum64()
}())

// devWatchEvery is how often the content folder is looked at.
const devWatchEvery = 10 * time.Millisecond

// DevOptions configures StartDev: the demo's options; Content is the
// folder watched (required).
type DevOptions = DemoOptions

// Dev is a running `wandgen dev`.
type Dev struct {
	*Server
	hub     *devHub
	stop    context.CancelFunc
	stopped chan struct{}

	// Owned by the watching goroutine: the catalog last published per
	// store, and the incremental builder that publishes a product edit
	// (nil until warmed, and after a full build, whose manifests it
	// does not know).
	published map[string]*catalog.Store
	live      *generator.Live
	// parse is the parse cache's folder for the edits' loads, and
	// parseVersion this process's own tag for it (no other program's
	// entries are trusted); saves are the caches to write once the pages
	// are told to reload.
	parse, parseVersion string
	saves               []func()
	log                 io.Writer
}

// StartDev builds the content folder, serves it with its islands, and
// watches it until Close.
func StartDev(ctx context.Context, opts DevOptions) (*Dev, error) {
	if opts.Content == "" {
		return nil, errors.New("dev: no content folder")
	}
	info, err := os.Stat(opts.Content)
	if err != nil || !info.IsDir() {
		return nil, fmt.Errorf("dev: %s is not a content folder (one sub-folder per store, each with a store.yaml)", opts.Content)
	}
	src, err := source(opts.Content, opts.Stores)
	if err != nil {
		return nil, err
	}
	if hs, err := src.Stores(ctx); err == nil && len(hs) == 0 {
		abs, _ := filepath.Abs(opts.Content)
		return nil, fmt.Errorf("dev: %s holds no store (a sub-folder with a store.yaml): run wandgen dev <content folder>, e.g. wandgen dev content", abs)
	}
	hub := &devHub{subs: map[chan devEvent]bool{}}
	opts.wrap = hub.wrap
	// The folder as the first build reads it: a save during the build, or
	// just after StartDev returns, is a change.
	last := folderState(opts.Content)
	s, err := StartDemo(ctx, opts)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	d := &Dev{Server: s, hub: hub, stop: cancel, stopped: make(chan struct{}), published: map[string]*catalog.Store{}}
	if d.parse, err = os.MkdirTemp("", "wandgen-dev-parse-"); err != nil {
		s.Close(ctx)
		cancel()
		return nil, err
	}
	d.parseVersion = "dev " + filepath.Base(d.parse)
	d.log = opts.Log
	if s.Summary != nil {
		for _, st := range s.Summary.Catalogs {
			d.published[st.Handle] = st
		}
	}
	go d.watch(wctx, opts, last)
	return d, nil
}

// Close stops watching, then the server.
func (d *Dev) Close(ctx context.Context) error {
	d.stop()
	<-d.stopped
	d.hub.close()
	os.RemoveAll(d.parse)
	return d.Server.Close(ctx)
}

// watch rebuilds the stores whose files changed (size, time or name),
// until ctx ends: an edit of product or collection files as a delta
// (update), anything else as a build (rebuild); a change outside every
// store's folder, or a store added or removed, rebuilds them all. The
// pages are told to reload once the folder is still as it was read.
func (d *Dev) watch(ctx context.Context, opts DevOptions, last devFolder) {
	defer close(d.stopped)
	defer d.dropLive()
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	d.warm(ctx, opts)
	t := time.NewTicker(devWatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := folderState(opts.Content)
		changed := changedStores(last.stores, now.stores, opts.Stores)
		files := changedFiles(last.files, now.files)
		last = now
		if changed == nil {
			continue
		}
		saved := time.Now()
		var written int
		var how string
		var err error
		if len(changed) > 0 && productEditsOnly(files, changed) {
			written, how, err = d.update(ctx, opts, changed)
		} else {
			how = "full build"
			var sum *generator.Summary
			if sum, err = d.rebuild(ctx, opts, changed); err == nil {
				written = sum.Written
			}
		}
		if err != nil {
			// A file read while its editor was writing it (truncated, not
			// yet written) is a problem for a moment only: look again a
			// little later before saying so.
			time.Sleep(2 * devWatchEvery)
		}
		if !sameFolder(now, folderState(opts.Content)) {
			// Saved again (or read half-saved) while it built: the next
			// look builds what is there now, and reloads the pages once,
			// as a delta when it can.
			d.saveParses()
			if d.live == nil && err == nil {
				d.warm(ctx, opts)
			}
			continue
		}
		if err != nil {
			fmt.Fprintf(log, "\n%s\nstill serving the last good build; fix the content and save again\n", err)
			d.hub.send(devEvent{name: "problem", data: err.Error()})
			continue
		}
		d.hub.send(devEvent{name: "reload"})
		d.saveParses()
		what := strings.Join(changed, ", ")
		if what == "" {
			what = "every store"
		}
		fmt.Fprintf(log, "rebuilt %s in %s (%s): %d files written\n", what, time.Since(saved).Round(time.Millisecond), how, written)
		if d.live == nil {
			d.warm(ctx, opts) // after the reload is sent: ready for the next save
		}
	}
}

// dropLive forgets the incremental builder, once the manifest snapshots
// it writes in the background are written (a build reads and writes the
// same manifests).
func (d *Dev) dropLive() {
	if d.live != nil {
		d.live.Flush()
		d.live = nil
	}
}

// saveParses writes the parse caches of the loads since the last.
func (d *Dev) saveParses() {
	for _, save := range d.saves {
		save()
	}
	d.saves = nil
}

// warm makes the incremental builder and has it publish every store's
// current catalog (a full plan checked against the manifests on disk,
// which writes nothing that is already published), so the next product
// edit is published as a delta. A failure only leaves the next edit to a
// full build.
func (d *Dev) warm(ctx context.Context, opts DevOptions) {
	start := time.Now()
	d.dropLive()
	live, err := generator.NewLive(generator.Options{
		Out: opts.Out, SiteURL: d.URL + "/", StateDir: opts.StateDir, Precompress: generator.PrecompressOff,
	})
	for _, h := range slices.Sorted(maps.Keys(d.published)) {
		if err != nil {
			break
		}
		_, err = live.Update(ctx, d.published[h])
	}
	if err != nil {
		if live != nil {
			live.Flush()
		}
		if d.log != nil && ctx.Err() == nil {
			fmt.Fprintf(d.log, "dev: the next save is built in full (%v)\n", err)
		}
		return
	}
	d.live = live
	if d.log != nil {
		fmt.Fprintf(d.log, "dev: ready in %s; a product or collection edit is published as a delta\n", time.Since(start).Round(time.Millisecond))
	}
}

// update publishes an edit of stores' product or collection files: each
// store is read again, and what differs from the catalog published is
// applied to it as a change (catalog.Diff) that the incremental builder
// publishes as a delta, the islands switched first. A store whose edit a
// change cannot carry is built in full. It returns the files written and
// how.
func (d *Dev) update(ctx context.Context, opts DevOptions, stores []string) (int, string, error) {
	if d.live == nil {
		sum, err := d.rebuild(ctx, opts, stores)
		if err != nil {
			return 0, "", err
		}
		return sum.Written, "full build", nil
	}
	src, err := source(opts.Content, opts.Stores)
	if err != nil {
		return 0, "", err
	}
	siteURL := d.URL + "/"
	type edit struct{ old, next *catalog.Store }
	var edits []edit
	var full []string
	// As a build: every store's problems at once, under the phase that
	// found them.
	var loadProblems, problems catalog.ValidationErrors
	t := time.Now()
	for _, h := range stores {
		var st *catalog.Store
		var err error
		if cs, ok := src.(catalog.CachingSource); ok {
			var save func()
			if st, save, err = cs.LoadCached(ctx, h, d.parse, d.parseVersion); err == nil {
				d.saves = append(d.saves, save)
			}
		} else {
			st, err = src.Load(ctx, h)
		}
		if ve, ok := catalog.AsValidationErrors(err); ok {
			loadProblems = append(loadProblems, ve...)
			continue
		}
		if err != nil {
			return 0, "", fmt.Errorf("load: %w", err)
		}
		if ve, ok := catalog.AsValidationErrors(st.Validate()); ok {
			problems = append(problems, ve...)
			continue
		}
		old := d.published[h]
		if old == nil {
			full = append(full, h)
			continue
		}
		ch, ok := catalog.Diff(old, st)
		if !ok {
			full = append(full, h)
			continue
		}
		if slices.ContainsFunc(ch.Products, func(p *catalog.Product) bool { return old.Product(p.Handle) == nil }) ||
			slices.ContainsFunc(ch.Collections, func(c *catalog.Collection) bool { return old.Collection(c.Handle) == nil }) {
			// A change adds a product (or collection) after the others;
			// a build lists it in its file's place, which decides ties
			// in a sorted listing: built in full, to publish what a
			// build would.
			full = append(full, h)
			continue
		}
		next := old
		if !ch.Empty() {
			if next, err = old.With(ch); err != nil {
				full = append(full, h)
				continue
			}
		}
		edits = append(edits, edit{old, next})
	}
	if len(loadProblems) > 0 {
		return 0, "", fmt.Errorf("load: %w", loadProblems)
	}
	if len(problems) > 0 {
		return 0, "", fmt.Errorf("validate: %w", problems)
	}
	phases := []string{"load " + time.Since(t).Round(100*time.Microsecond).String()}
	written := 0
	for _, e := range edits {
		if e.next == e.old {
			continue // nothing the pages show changed
		}
		c, err := islandsCatalog(e.next, nil, siteURL)
		if err != nil {
			return 0, "", err
		}
		d.cats.Set(c)
		sum, err := d.live.Update(ctx, e.next)
		if err != nil {
			full = append(full, e.next.Handle) // the builder starts again from the disk
			continue
		}
		d.published[e.next.Handle] = e.next
		written += sum.Written
		for _, ph := range []string{"plan", "render"} {
			phases = append(phases, ph+" "+sum.Phases[ph].Round(100*time.Microsecond).String())
		}
	}
	if len(full) > 0 {
		slices.Sort(full)
		sum, err := d.rebuild(ctx, opts, full)
		if err != nil {
			return 0, "", err
		}
		return written + sum.Written, "full build of " + strings.Join(full, ", "), nil
	}
	return written, "delta: " + strings.Join(phases, ", "), nil
}

// productEditsOnly reports whether every file changed is a product's or a
// collection's file of one of stores: what a catalog change carries.
// Anything else (store.yaml, an image, a file added elsewhere) is built
// in full.
func productEditsOnly(files []string, stores []string) bool {
	if len(files) == 0 {
		return false
	}
	for _, f := range files {
		parts := strings.Split(f, "/")
		if len(parts) != 3 || !slices.Contains(stores, parts[0]) {
			return false
		}
		ext := path.Ext(parts[2])
		switch {
		case parts[1] == "products" && ext == ".md":
		case parts[1] == "collections" && (ext == ".yaml" || ext == ".yml"):
		default:
			return false
		}
	}
	return true
}

// changedFiles are the files (slash paths) added, removed or changed
// between two folder states, sorted.
func changedFiles(before, after map[string]fileKey) []string {
	var out []string
	for p, k := range after {
		if b, ok := before[p]; !ok || b != k {
			out = append(out, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// changedStores are the stores (of only, when given) whose fingerprints
// differ between two folder states, sorted; nil when nothing changed, and
// every store when what changed is not one store's (a file at the top,
// a store folder added or removed).
func changedStores(before, after map[string]uint64, only []string) []string {
	var changed []string
	all := len(before) != len(after)
	for name, h := range after {
		if b, ok := before[name]; !ok || b != h {
			if name == "" {
				all = true
			}
			changed = append(changed, name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			all = true
		}
	}
	if len(changed) == 0 && !all {
		return nil
	}
	if all {
		return append([]string{}, only...) // empty, not nil: every store (or those given)
	}
	var out []string
	for _, name := range changed {
		if len(only) == 0 || slices.Contains(only, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return out
}

// rebuild builds stores (none: every store, or those the options give)
// into the served folder, switching the islands to their new catalogs
// before a page is written.
func (d *Dev) rebuild(ctx context.Context, opts DevOptions, stores []string) (*generator.Summary, error) {
	siteURL := d.URL + "/"
	src, err := source(opts.Content, opts.Stores)
	if err != nil {
		return nil, err
	}
	if len(stores) == 0 {
		stores = opts.Stores
	}
	// The incremental builder does not know what a build publishes.
	d.dropLive()
	sum, err := generator.Build(ctx, generator.Options{
		Source: src, Stores: stores, Out: opts.Out, SiteURL: siteURL, StateDir: opts.StateDir,
		// The dev server sends pages whole (it puts its script in), so
		// compressed copies would only cost the save its time.
		Precompress: generator.PrecompressOff,
		BeforePublish: func(_ context.Context, stores []*catalog.Store) error {
			for _, st := range stores {
				c, err := islandsCatalog(st, nil, siteURL)
				if err != nil {
					return err
				}
				d.cats.Set(c)
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	if len(stores) == len(opts.Stores) {
		// Every store (or every one given) was built: a store removed
		// is no longer published, nor warmed again.
		clear(d.published)
	}
	for _, st := range sum.Catalogs {
		d.published[st.Handle] = st
	}
	return sum, nil
}

// folderState fingerprints every file's name, size and time under dir,
// by store (the top folder a file is in; "" for files at the top): a
// store's changes when one of its files is saved, added, removed or
// renamed.
func folderState(dir string) devFolder {
	hs := map[string]hash.Hash64{}
	files := map[string]fileKey{}
	var buf []byte
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		if e.IsDir() && strings.HasPrefix(e.Name(), ".") {
			return filepath.SkipDir // .git, an editor's folders
		}
		if e.IsDir() {
			// A folder's own time is not looked at: it is read before
			// its files are listed, so a file added or removed between
			// the two would be seen as the folder's change alone, and
			// then again as the file's, a second build for one save.
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil
		}
		rel := filepath.ToSlash(p[len(dir)+1:])
		store, _, nested := strings.Cut(rel, "/")
		if !nested {
			store = ""
		}
		h := hs[store]
		if h == nil {
			h = fnv.New64a()
			hs[store] = h
		}
		key := fileKey{info.Size(), info.ModTime().UnixNano()}
		buf = append(append(buf[:0], rel...), 0)
		buf = strconv.AppendInt(buf, key.size, 10)
		buf = append(buf, 0)
		buf = strconv.AppendInt(buf, key.mtime, 10)
		h.Write(append(buf, '\n'))
		files[rel] = key
		return nil
	})
	out := devFolder{stores: make(map[string]uint64, len(hs)), files: files}
	for k, h := range hs {
		out.stores[k] = h.Sum64()
	}
	return out
}

// fileKey is what a look at a file sees change: its size and time.
type fileKey struct{ size, mtime int64 }

// sameFolder reports whether two states of a folder are alike.
func sameFolder(a, b devFolder) bool { return maps.Equal(a.files, b.files) }

// devFolder is a content folder's state: a fingerprint per store (see
// folderState) and each file's size and time, by slash path.
type devFolder struct {
	stores map[string]uint64
	files  map[string]fileKey
}

// devEvent is one Server-Sent Event.
type devEvent struct{ name, data string }

// devHub sends events to the open pages, and remembers the last problem
// so a page opened after a failed build shows it too.
type devHub struct {
	mu      sync.Mutex
	subs    map[chan devEvent]bool
	problem string
	closed  bool
}

func (h *devHub) send(e devEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.name == "problem" {
		h.problem = e.data
	} else {
		h.problem = ""
	}
	for c := range h.subs {
		select {
		case c <- e:
		default: // a page that does not read is skipped, not waited for
		}
	}
}

func (h *devHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.subs {
		close(c)
		delete(h.subs, c)
	}
}

// wrap serves the dev files and puts the reload script in every page.
func (h *devHub) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case devPrefix + "events":
			h.events(w, r)
			return
		case devPrefix + "reload.js":
			// Its address names its bytes (devReloadSrc), so a reload
			// takes it from the browser's cache: the new page's
			// DOMContentLoaded waits for no request of dev's.
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			if r.URL.RawQuery == devReloadSrc[strings.IndexByte(devReloadSrc, '?')+1:] {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-store")
			}
			w.Write(devReloadJS)
			return
		}
		if strings.Contains(r.URL.Path, "/islands/") || r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		// Pages go whole and fresh, so the script can be put in.
		r.Header.Del("Accept-Encoding")
		r.Header.Del("If-None-Match")
		r.Header.Del("If-Modified-Since")
		rec := &devRecorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if strings.HasPrefix(rec.header.Get("Content-Type"), "text/html") {
			body = bytes.Replace(body, []byte("</head>"), []byte(`<script src="`+devReloadSrc+`" defer></script></head>`), 1)
			rec.header.Set("Cache-Control", "no-store")
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		w.Write(body)
	})
}

// events streams this server's builds to a page: "reload" after each
// good one, "problem" (the error's text) after a failed one, and the last
// problem at once if the last build failed.
func (h *devHub) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	c := make(chan devEvent, 4)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "stopping", http.StatusServiceUnavailable)
		return
	}
	h.subs[c] = true
	problem := h.problem
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		if h.subs[c] {
			delete(h.subs, c)
		}
		h.mu.Unlock()
	}()
	// The server's write timeout would cut the stream: it has none.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	write := func(e devEvent) {
		data, _ := json.Marshal(e.data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, data)
		fl.Flush()
	}
	if problem != "" {
		write(devEvent{name: "problem", data: problem})
	} else {
		fmt.Fprint(w, ": connected\n\n")
		fl.Flush()
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-c:
			if !ok {
				return
			}
			write(e)
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			fl.Flush()
		}
	}
}

// devRecorder keeps a page's answer in memory, to put the script in.
type devRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *devRecorder) Header() http.Header         { return r.header }
func (r *devRecorder) WriteHeader(code int)        { r.status = code }
func (r *devRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func devCommand() *cli.Command {
	return &cli.Command{
		Name:      "dev",
		Usage:     "build a content folder, serve it, and rebuild and reload the open pages on every save",
		ArgsUsage: "[content folder, default: the current folder]",
		Flags:     serveFlags(),
		Action: func(c *cli.Context) error {
			so := serveOptions(c)
			if c.NArg() > 0 {
				so.Content = c.Args().First()
			}
			if so.Content == "" {
				so.Content = "."
			}
			if !c.IsSet("addr") {
				so.Addr = ""
			}
			if !c.IsSet("out") {
				so.Public = filepath.Join(so.Data, "dev")
			}
			d, err := StartDev(c.Context, demoOptions(so, c.App.ErrWriter))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "\nWandStore dev: %s/ (watching %s; save a file and the open pages reload)\n", d.URL, so.Content)
			for _, st := range d.Summary.Stores {
				if st.BaseURL != "" {
					fmt.Fprintf(c.App.Writer, "  %-22s %s\n", st.Name, st.BaseURL)
				}
			}
			printDashboard(c.App.Writer, d.Server)
			return runUntilDoneThen(c, d.Server, d.Close)
		},
	}
}

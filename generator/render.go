package generator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

type result struct {
	path      string
	entry     Entry
	rendered  bool
	written   bool
	skipped   bool
	unchanged bool
	// compressed is the bytes of the copies written, if any.
	compressed int
	// later holds the file's bytes when its copies are to be made after
	// the update (builder.later).
	later []byte
}

// execute renders what changed and publishes what differs: assets first,
// then pages, then removes files the store no longer has. It returns the
// manifest's changes (new entries, and removals), which the caller
// records: a failure records nothing, so the next build redoes this one's
// work.
//
// trusted says the manifest is what is published (a Live builder's, kept in
// memory since it published): files whose inputs are unchanged are then
// skipped without asking the publisher whether they exist.
//
// A full plan's files are all of the store's, and the manifest's other
// files are removed; a delta plan's are what a change touches, and it
// names the files to remove.
func (b *builder) execute(ctx context.Context, p *storePlan, sum *Summary, trusted bool) ([]logLine, error) {
	var assets, pages []job
	for _, j := range p.jobs {
		if old, ok := p.manifest.Files[j.path]; trusted && ok && old.In == j.in && !b.opts.Force && b.copiesMatch(j.path, old) {
			sum.Skipped++
			p.summary.Skipped++
			continue
		}
		if j.asset {
			assets = append(assets, j)
		} else {
			pages = append(pages, j)
		}
	}
	var lines []logLine
	var done atomic.Int64
	total := len(p.jobs)
	for _, batch := range [][]job{assets, pages} {
		results, err := b.runPool(ctx, p, batch, func() {
			b.progress(p.handle, "render", int(done.Add(1)), total)
		})
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			if old, ok := p.manifest.Files[r.path]; !ok || old != r.entry {
				lines = append(lines, logLine{Path: r.path, Entry: r.entry})
			}
			if r.compressed > 0 {
				sum.Compressed++
				sum.CompressedBytes += int64(r.compressed)
			}
			if r.later != nil {
				sum.Compressed++ // its copies are written after the update returns
				p.later = append(p.later, pendingCopies{path: r.path, out: r.entry.Out, data: r.later})
			}
			switch {
			case r.skipped:
				sum.Skipped++
				p.summary.Skipped++
			case r.unchanged:
				sum.Rendered++
				sum.Unchanged++
				p.summary.Rendered++
			case r.written:
				sum.Rendered++
				sum.Written++
				sum.Bytes += int64(r.entry.Size)
				sum.Changed = append(sum.Changed, r.path)
				p.summary.Rendered++
				p.summary.Written++
			}
		}
	}

	// Files the store no longer has (a deleted product, a shorter
	// collection, an old fingerprinted asset).
	gone := p.remove
	if !p.delta {
		planned := make(map[string]bool, len(p.jobs))
		for _, j := range p.jobs {
			planned[j.path] = true
		}
		for old := range p.manifest.Files {
			if !planned[old] {
				gone = append(gone, old)
			}
		}
	}
	sort.Strings(gone)
	gone = slices.Compact(gone)
	for _, old := range gone {
		e, had := p.manifest.Files[old]
		if err := b.removeCopies(ctx, old, e, had); err != nil {
			return nil, err
		}
		if err := b.pub.Delete(ctx, old); err != nil {
			return nil, err
		}
		lines = append(lines, logLine{Path: old, Gone: true})
		sum.Deleted++
		sum.Removed = append(sum.Removed, old)
		p.summary.Deleted++
	}
	files := len(p.jobs)
	if p.delta {
		files = len(p.manifest.Files)
		for _, l := range lines {
			if _, had := p.manifest.Files[l.Path]; had && l.Gone {
				files--
			} else if !had && !l.Gone {
				files++
			}
		}
		p.summary.Pages = files
	}
	sum.Files += files
	sum.Stores = append(sum.Stores, p.summary)
	b.log.Info("published", "store", p.handle, "files", files, "rendered", p.summary.Rendered,
		"written", p.summary.Written, "skipped", p.summary.Skipped, "deleted", p.summary.Deleted)
	return lines, nil
}

// intent returns what to record in the manifest before p is published:
// the paths p writes that its manifest does not list (a new product's
// page, a new listing page), with an empty entry. Deletions come only from
// the manifest, so a page written and then lost to a crash before the
// manifest was saved would stay published for good once its product is
// deleted; recorded first, it is deleted (or, its entry empty, rendered
// again) by the next build.
//
// When the build precompresses, the entry says the file may have copies,
// so they are deleted with it whatever the next build's setting.
func (b *builder) intent(p *storePlan) []logLine {
	var lines []logLine
	for _, j := range p.jobs {
		if _, ok := p.manifest.Files[j.path]; !ok {
			l := logLine{Path: j.path}
			if b.compress && Precompressible(j.path) {
				l.Enc = encLater // every copy a file may have
			}
			lines = append(lines, l)
		}
	}
	return lines
}

// applied returns m with lines applied, leaving m as it is.
func applied(m *Manifest, lines []logLine) *Manifest {
	next := &Manifest{Version: m.Version, Store: m.Store, Files: maps.Clone(m.Files), Log: m.Log}
	next.apply(lines)
	return next
}

// apply applies lines to m in place.
func (m *Manifest) apply(lines []logLine) {
	for _, l := range lines {
		if l.Gone {
			delete(m.Files, l.Path)
		} else {
			m.Files[l.Path] = l.Entry
		}
	}
}

// runPool renders jobs on b.opts.Workers goroutines. The first error cancels
// the rest.
func (b *builder) runPool(ctx context.Context, p *storePlan, jobs []job, tick func()) ([]result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan int)
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	for w := 0; w < min(b.opts.Workers, max(1, len(jobs))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var z *compressor // taken at the worker's first file to compress
			defer func() { b.zs.put(z) }()
			for i := range work {
				r, err := b.do(ctx, p, jobs[i], &z)
				if err != nil {
					cancel(err)
					continue
				}
				results[i] = r
				tick()
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return results, nil
}

// do renders and publishes one job; z is the worker's compressor, taken
// when first needed.
func (b *builder) do(ctx context.Context, p *storePlan, j job, z **compressor) (result, error) {
	old, had := p.manifest.Files[j.path]
	if had && old.In == j.in && !b.opts.Force && b.copiesMatch(j.path, old) {
		ok, err := b.pub.Exists(ctx, j.path)
		if err == nil && ok {
			ok, err = b.copiesPublished(ctx, j.path, old)
		}
		if err != nil {
			return result{}, fmt.Errorf("%s: %w", j.path, err)
		}
		if ok {
			return result{path: j.path, entry: old, skipped: true}, nil
		}
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := j.render(ctx, buf); err != nil {
		return result{}, fmt.Errorf("%s: %w", j.path, err)
	}
	data := buf.Bytes()
	e := Entry{In: j.in, Out: digest(data), Size: len(data)}
	shared := ""
	if j.asset {
		shared = e.Out // the same script or image in every store: compressed once
	}
	if had && old.Out == e.Out && !b.opts.Force {
		if ok, err := b.pub.Exists(ctx, j.path); err == nil && ok {
			// The same bytes: the file stays; its copies are made only
			// if they are missing or the setting changed.
			e.Enc = old.Enc
			if b.copiesMatch(j.path, old) {
				if ok, err := b.copiesPublished(ctx, j.path, old); err == nil && ok {
					return result{path: j.path, entry: e, rendered: true, unchanged: true}, nil
				}
			}
			r := result{path: j.path, rendered: true, unchanged: true}
			if err := b.recompress(ctx, j.path, old, had, data, shared, &e, &r, z); err != nil {
				return result{}, err
			}
			r.entry = e
			return r, nil
		}
	}
	// Copies are compressed before anything is written; a stale copy is
	// removed before the file, and the new ones written after it.
	c, later, enc := b.makeCopies(j.path, data, shared, z)
	e.Enc = enc
	if d, ok := b.pub.(*DirPublisher); ok {
		if err := d.prepare(j.path); err != nil {
			return result{}, fmt.Errorf("publish %s: %w", j.path, err)
		}
	}
	if err := b.removeCopies(ctx, j.path, old, had); err != nil {
		return result{}, err
	}
	if err := b.pub.Put(ctx, j.path, data); err != nil {
		return result{}, err
	}
	if err := b.putCopies(ctx, j.path, c); err != nil {
		return result{}, err
	}
	return result{path: j.path, entry: e, rendered: true, written: true, compressed: c.size(), later: later}, nil
}

// recompress gives a published file whose bytes did not change the copies
// the build wants (a copy lost, or Precompress changed), setting e.Enc.
func (b *builder) recompress(ctx context.Context, p string, old Entry, had bool, data []byte, shared string, e *Entry, r *result, z **compressor) error {
	c, later, enc := b.makeCopies(p, data, shared, z)
	e.Enc, r.later = enc, later
	if err := b.removeCopies(ctx, p, old, had); err != nil {
		return err
	}
	if err := b.putCopies(ctx, p, c); err != nil {
		return err
	}
	r.compressed = c.size()
	return nil
}

// makeCopies compresses the copies the build wants of the file at p:
// now (c), or, for a Live builder, later in the background (the bytes to
// compress); enc is what the manifest records of them. shared, when not
// empty, is the digest of data under which the copies are kept for other
// files of the same bytes (see sharedCopies).
func (b *builder) makeCopies(p string, data []byte, shared string, z **compressor) (c copies, later []byte, enc string) {
	if !b.precompresses(p, len(data)) {
		return copies{}, nil, ""
	}
	if b.later {
		return copies{}, bytes.Clone(data), encLater
	}
	if c, ok := b.shared.get(shared); ok {
		return c, nil, c.enc()
	}
	c = b.worker(z).copies(data)
	b.shared.put(shared, c)
	return c, nil, c.enc()
}

// worker returns a worker's compressor, taking it on first use.
func (b *builder) worker(z **compressor) *compressor {
	if *z == nil {
		*z = b.zs.get()
	}
	return *z
}

// rootHandle names the manifest of the site's front door.
const rootHandle = "_site"

// planRoot is the site's front door when several stores share one origin:
// a page listing them and a robots.txt naming every store's sitemap.
func (b *builder) planRoot(stores []*catalog.Store) (*storePlan, error) {
	man, err := loadManifest(b.opts.StateDir, rootHandle)
	if err != nil {
		return nil, err
	}
	root := cleanRel(b.site.Path)
	p := &storePlan{handle: rootHandle, manifest: man, summary: StoreSummary{Handle: rootHandle, Name: "site index", Path: b.site.Path}}
	css := []byte(components.ThemeCSS(catalog.Theme{}))
	base, err := components.Static.ReadFile(components.BaseCSSFile)
	if err != nil {
		return nil, err
	}
	css = append(css, base...)
	cssPath := "assets/" + fingerprint("app.css", css)
	p.jobs = append(p.jobs, job{path: root + cssPath, in: digest(css), asset: true, render: staticBytes(css)})

	var links []components.StoreLink
	var maps, paths []string
	for _, st := range stores {
		u, err := b.baseURL(st)
		if err != nil {
			return nil, err
		}
		links = append(links, components.StoreLink{Name: st.Name, Path: u.Path, Description: st.Description})
		maps = append(maps, u.JoinPath("sitemap.xml").String())
		paths = append(paths, u.Path)
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Name < links[j].Name })
	index := components.StoresIndex(links, b.site.Path+cssPath)
	p.jobs = append(p.jobs, job{path: root + "index.html", in: newInputs("stores", b.version, links, cssPath).sum(), render: renderComponent(index)})
	robots := robotsTxt(maps, paths...)
	p.jobs = append(p.jobs, job{path: root + "robots.txt", in: digest(robots), render: staticBytes(robots)})
	if len(p.jobs) == 0 {
		return nil, errors.New("no stores")
	}
	p.summary.Pages = len(p.jobs)
	return p, nil
}

package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/internal/handoff"
	"github.com/wandstore/wandstore/islands/store"
	"github.com/wandstore/wandstore/ops"
)

// reconcileCommand is build under the name operators look for: it re-reads
// every store from its source (a shop, an export, a folder) and publishes
// whatever differs from what was published, repairing what a lost webhook
// missed. Running servers reconcile their Shopify-backed stores too: the
// one that leads does, every ServeOptions.ReconcileEvery.
func reconcileCommand() *cli.Command {
	c := buildCommand()
	c.Name = "reconcile"
	c.Usage = "re-read the stores from their sources and publish what a lost webhook missed (build with the same manifest)"
	c.Description = "The same as build: every store is read again from its source, and only the files whose bytes\n" +
		"differ from the last publish (by the manifest in --state-dir) are written or deleted. Point it at\n" +
		"the same --out or --publish target and --state-dir as the server's webhook updates use."
	return c
}

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:  "build",
		Usage: "render the stores to static files",
		Description: "Loads and validates every store (or those named with --store), renders the pages whose\n" +
			"inputs changed since the last build, and writes the files whose bytes changed: into --out,\n" +
			"or with --publish s3://bucket/prefix into a bucket (assets first, then pages, then deletions).",
		Flags: append([]cli.Flag{
			contentFlag(), outFlag(), storeFlag(),
			&cli.StringFlag{Name: "site-url", Value: generator.DefaultSiteURL, Usage: "origin for stores without a base_url (published under <site-url>s/<store>/)", EnvVars: []string{"WANDSTORE_SITE_URL"}},
			&cli.BoolFlag{Name: "force", Usage: "render and write every file, ignoring the last build's manifest (and parse every content file, ignoring the parse cache)", EnvVars: []string{"WANDSTORE_FORCE"}},
			&cli.BoolFlag{Name: "verify", Usage: "check that every unchanged file is still in --out (and its .br and .gz copies), writing those that are not; without it a build trusts the folder its last completed build published (see docs/REBUILD.md)", EnvVars: []string{"WANDSTORE_VERIFY"}},
			&cli.IntFlag{Name: "workers", Usage: "pages rendered at once (default: one per CPU; 8 with --publish)", EnvVars: []string{"WANDSTORE_WORKERS"}},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors", EnvVars: []string{"WANDSTORE_QUIET"}},
			&cli.StringFlag{Name: "data", Value: defaultData, Usage: "the server's state folder: its database, <data>/wandstore.db, when that exists, is where the servers are told of the build and it is recorded (see --db)", EnvVars: []string{"WANDSTORE_DATA"}},
			&cli.StringFlag{Name: "db", Usage: "the servers' database (as serve --db): they switch their islands to the build's catalogs before a page is published (a bucket's servers too), and the dashboard records the build (default: <data>/wandstore.db when it exists, else none)", EnvVars: []string{"WANDSTORE_DB"}},
			precompressFlag(),
		}, append(publishFlags(), purgeFlags()...)...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("build takes no arguments (got %q); see wandgen build --help", c.Args().First())
			}
			src, err := source(c.String("content"), c.StringSlice("store"))
			if err != nil {
				return err
			}
			opts := generator.Options{
				Source: src, Stores: c.StringSlice("store"), Out: c.String("out"),
				SiteURL: c.String("site-url"), Force: c.Bool("force"), Verify: c.Bool("verify"), Workers: c.Int("workers"),
			}
			bucket, err := setupPublish(c, &opts)
			if err != nil {
				return err
			}
			db, err := serverDB(c.Context, c.String("db"), c.String("data"), c.App.ErrWriter)
			if err != nil {
				return err
			}
			if db != nil {
				defer db.Close()
			}
			// The islands of the servers on this folder, and of those
			// sharing the server's database, switch first.
			var boards []handoff.Board
			if opts.Publisher == nil {
				boards = append(boards, handoff.Folder(folderStateDir(opts.Out, opts.StateDir)))
			}
			if db != nil {
				b, err := handoff.Database(c.Context, db.Writer(), db.Reader(), nil)
				if err != nil {
					return fmt.Errorf("the server's database: %w", err)
				}
				boards = append(boards, b)
			}
			check := checkSiteURL(opts.SiteURL, c.IsSet("site-url"), opts.Publisher != nil, c.App.ErrWriter)
			tell := announce(boards, handoffTimeout)
			opts.BeforePublish = func(ctx context.Context, stores []*catalog.Store) error {
				if err := check(ctx, stores); err != nil {
					return err
				}
				return tell(ctx, stores)
			}
			purger, err := setupPurge(c, os.Getenv)
			if err != nil {
				return err
			}
			start := time.Now()
			sum, err := runBuild(c.Context, opts, c.App.Writer, c.App.ErrWriter, c.Bool("quiet"))
			if db != nil {
				recordBuild(c.Context, db, sum, err, time.Since(start), c.App.ErrWriter)
			}
			if err == nil && bucket != nil && !c.Bool("quiet") {
				bucket.printStats(c.App.Writer)
			}
			if err == nil && purger != nil {
				err = purge(c.Context, purger, opts.SiteURL, sum, c.App.Writer, c.Bool("quiet"))
			}
			return err
		},
	}
}

// checkSiteURL checks where the stores about to be published say they
// live. Into a bucket, a store needs a base_url in store.yaml or
// --site-url: else its canonical URLs, Open Graph tags, sitemap and
// robots.txt would name http://localhost:8080/, which only a folder served
// on this machine makes true. A store whose base_url is not under a given
// --site-url is reported: its pages use its base_url, which is often not
// what was meant.
func checkSiteURL(siteURL string, given, bucket bool, warn io.Writer) func(context.Context, []*catalog.Store) error {
	return func(_ context.Context, stores []*catalog.Store) error {
		var missing []string
		for _, st := range stores {
			switch {
			case st.BaseURL == "" && bucket && !given:
				missing = append(missing, st.Handle)
			case st.BaseURL != "" && given && !strings.HasPrefix(st.BaseURL, strings.TrimSuffix(siteURL, "/")):
				fmt.Fprintf(warn, "warning: store %s: its base_url %s is not under --site-url %s; its pages name %s\n", st.Handle, st.BaseURL, siteURL, st.BaseURL)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("publishing to a bucket needs --site-url (or base_url in store.yaml) for %s: without it the pages would name %s", strings.Join(missing, ", "), generator.DefaultSiteURL)
		}
		return nil
	}
}

// runBuild builds with a progress bar when stderr is a terminal and plain
// log lines otherwise, then prints a summary to stdout.
func runBuild(ctx context.Context, opts generator.Options, stdout, stderr io.Writer, quiet bool) (*generator.Summary, error) {
	var bar *progressBar
	if !quiet {
		if isTerminal(stderr) {
			bar = &progressBar{w: stderr}
		} else {
			opts.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}
	}
	return buildAndReport(ctx, opts, stdout, bar, quiet)
}

// buildAndReport builds, drawing bar (unless nil) as it goes, clears the
// bar's line, and then (unless quiet) prints the summary: on a terminal
// both go to the same screen, and the summary must not start on the
// bar's last line.
func buildAndReport(ctx context.Context, opts generator.Options, stdout io.Writer, bar *progressBar, quiet bool) (*generator.Summary, error) {
	if bar != nil {
		opts.Progress = bar.update
	}
	sum, err := generator.Build(ctx, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return nil, err
	}
	if !quiet {
		printSummary(stdout, sum)
	}
	return sum, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func printSummary(w io.Writer, s *generator.Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "store\tproducts\tfiles\trendered\twritten\tskipped\tdeleted\t")
	for _, st := range s.Stores {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", st.Handle, st.Products, st.Pages, st.Rendered, st.Written, st.Skipped, st.Deleted)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d files: %d rendered, %d written (%s), %d unchanged, %d skipped, %d deleted in %s\n",
		s.Files, s.Rendered, s.Written, humanBytes(s.Bytes), s.Unchanged, s.Skipped, s.Deleted, s.Duration.Round(time.Millisecond))
	if s.Compressed > 0 {
		fmt.Fprintf(w, "%d files given .br and .gz copies (%s)\n", s.Compressed, humanBytes(s.CompressedBytes))
	}
	if line := phasesLine(s.Phases); line != "" {
		fmt.Fprintf(w, "phases: %s\n", line)
	}
	if s.Resized > 0 {
		fmt.Fprintf(w, "%d images resized in %s (the others' renditions were cached)\n", s.Resized, s.Phases["images"].Round(time.Millisecond))
	}
}

// phasesLine is where a build's time went, its phases in the order they
// run ("load 120ms, validate 64ms, ..."); those that took no time are left
// out.
func phasesLine(phases map[string]time.Duration) string {
	names := slices.SortedFunc(maps.Keys(phases), func(a, b string) int {
		return cmp.Or(cmp.Compare(phaseOrder(a), phaseOrder(b)), cmp.Compare(a, b))
	})
	var parts []string
	for _, name := range names {
		if d := phases[name]; d > 0 {
			parts = append(parts, name+" "+d.Round(time.Millisecond).String())
		}
	}
	return strings.Join(parts, ", ")
}

// phaseOrder is where a phase runs in a build; an unknown one comes last.
func phaseOrder(name string) int {
	if i := slices.Index([]string{"load", "validate", "images", "before publish", "plan", "render", "other"}, name); i >= 0 {
		return i
	}
	return 99
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// progressBar redraws one terminal line, at most ten times a second.
type progressBar struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
	line int
}

func (p *progressBar) update(pr generator.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr.Done < pr.Total && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := 0
	if pr.Total > 0 {
		filled = width * pr.Done / pr.Total
	}
	s := fmt.Sprintf("\r%-14s %-7s [%s%s] %d/%d", pr.Store, pr.Phase, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), pr.Done, pr.Total)
	pad := max(0, p.line-len(s))
	p.line = len(s)
	fmt.Fprint(p.w, s+strings.Repeat(" ", pad))
}

func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.line)+"\r")
	}
}

// buildMember is who the dashboard says made a build.
const buildMember = "wandgen build"

// serverDB opens the database of the servers a build tells of its
// catalogs (handoff) and records itself in (the dashboard): dsn, or the
// database in the data folder when it exists, or none (nil). A dsn given
// that cannot be opened is an error; the data folder's, a warning.
func serverDB(ctx context.Context, dsn, data string, warn io.Writer) (*store.DB, error) {
	given := dsn != ""
	if !given {
		dsn = filepath.Join(data, "wandstore.db")
		if _, err := os.Stat(dsn); err != nil {
			return nil, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		if given {
			return nil, fmt.Errorf("the server's database (--db): %w", err)
		}
		fmt.Fprintf(warn, "warning: the servers' database %s: %v; their islands are not told of this build first\n", dsn, err)
		return nil, nil
	}
	return db, nil
}

// recordBuild records a build (or its failure), per store, in the
// server's database for the operator's dashboard. A database that cannot
// be written is a warning, not a failed build.
func recordBuild(ctx context.Context, db *store.DB, sum *generator.Summary, berr error, took time.Duration, warn io.Writer) {
	err := func() error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		now := time.Now()
		var evs []ops.Event
		if berr != nil {
			evs = append(evs, ops.Event{At: now, Member: buildMember, Kind: ops.KindBuild, Failed: true, Duration: took, Detail: berr.Error()})
		} else {
			evs = buildEvents(sum, now, buildMember, took)
		}
		return ops.WriteEvents(ctx, db.Writer(), evs, nil)
	}()
	if err != nil {
		fmt.Fprintf(warn, "warning: the build is not recorded for the dashboard: %v\n", err)
	}
}

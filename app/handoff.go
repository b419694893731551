package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/internal/handoff"
	"github.com/wandstore/wandstore/islands"
)

// handoffTimeout bounds how long a build into a served folder waits for
// the servers to switch their islands to its catalog before it writes a
// page (internal/handoff). A server reloads a store from its content in
// well under a second for the demo's; a large catalog takes longer.
var handoffTimeout = 30 * time.Second // a variable for tests

// folderStateDir is the state folder of a build into out: stateDir, else
// the generator's default, <out>/.wandstore.
func folderStateDir(out, stateDir string) string {
	if stateDir != "" {
		return stateDir
	}
	return filepath.Join(out, ".wandstore")
}

// announce is a build's BeforePublish: it tells the servers on each board
// (those of the output folder, registered in its state folder; those
// sharing the server's database) which catalog versions it is about to
// publish, and waits until each serves them. A server that does not
// switch in time stops the build before any page is written, so the pages
// never show prices the islands would not charge.
func announce(boards []handoff.Board, timeout time.Duration) func(ctx context.Context, stores []*catalog.Store) error {
	return func(ctx context.Context, stores []*catalog.Store) error {
		versions := map[string]string{}
		for _, st := range stores {
			versions[st.Handle] = generator.CatalogVersion(st)
		}
		for _, b := range boards {
			for store, v := range versions {
				if err := b.Announce(ctx, store, v); err != nil {
					return fmt.Errorf("tell the servers: %w", err)
				}
			}
		}
		for _, b := range boards {
			if err := handoff.Wait(ctx, b, versions, timeout); err != nil {
				return fmt.Errorf("%w; nothing was published: run the build again once the server is back (or stop it)", err)
			}
		}
		return nil
	}
}

// followBuilds keeps the islands on the catalog a build is about to
// publish: the server registers on board b, and on each announcement
// loads that store again from src, switches its islands to it and
// acknowledges the version it now serves. A store it does not serve is
// acknowledged at once (it has no islands to switch); one that fails to
// load is logged and not acknowledged, so the build waits and then fails
// without publishing.
func (s *Server) followBuilds(b handoff.Board, src catalog.Source, siteURL string, cats *islands.Catalogs) error {
	host, _ := os.Hostname()
	// Unique per server: the port tells two servers of one process apart.
	id := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), strings.TrimPrefix(s.URL, "http://"))
	ctx, cancel := context.WithCancel(context.Background())
	stop, err := b.Register(ctx, id)
	if err != nil {
		cancel()
		return err
	}
	done := make(chan struct{})
	s.stopFollowing = append(s.stopFollowing, func() {
		cancel()
		<-done
		stop()
	})
	seen := map[string]string{}     // the announcement last acknowledged, by store
	tried := map[string]time.Time{} // when each store's was last tried
	go func() {
		defer close(done)
		t := time.NewTicker(b.Poll())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			announced, err := b.Announcements(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("read the builds' announcements", "err", err)
			}
			for store, v := range announced {
				// An announcement is handled until acknowledged: one that
				// could not be (a store that does not load, a database
				// error) is tried again, at most once a second, so the
				// build run again after a fix finds it acknowledged.
				if seen[store] == v || time.Since(tried[store]) < time.Second {
					continue
				}
				tried[store] = time.Now()
				serving := s.switchCatalog(ctx, store, v, src, siteURL, cats)
				if serving == "" {
					continue
				}
				if err := b.Acknowledge(ctx, id, store, serving); err != nil {
					if ctx.Err() == nil {
						s.log.Error("acknowledge a build's catalog", "store", store, "err", err)
					}
					continue
				}
				seen[store] = v
			}
		}
	}()
	return nil
}

// switchCatalog makes the islands serve store's catalog as its source
// holds it now, if the build announced a version other than the one
// served: the version now served, or "" when it could not be loaded.
func (s *Server) switchCatalog(ctx context.Context, store, announced string, src catalog.Source, siteURL string, cats *islands.Catalogs) string {
	cur, served := cats.Get(store)
	if !served {
		return announced // no islands of this store here
	}
	if cur.Version == announced {
		return announced
	}
	start := time.Now()
	st, err := loadStore(ctx, src, store)
	var c *islands.Catalog
	if err == nil {
		c, err = islandsCatalog(st, nil, siteURL)
	}
	if err != nil {
		s.log.Error("a build announced a new catalog that this server cannot load: its islands keep the old one", "store", store, "err", err)
		return ""
	}
	cats.Set(c)
	v := c.Version
	lvl := slog.LevelInfo
	if v != announced {
		// The content changed again since the build read it, or the
		// build read other content than this server's --content.
		lvl = slog.LevelWarn
	}
	s.log.Log(ctx, lvl, "islands switched to a build's catalog", "store", store, "version", v, "announced", announced, "took", time.Since(start).Round(time.Millisecond))
	return v
}

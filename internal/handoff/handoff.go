// Package handoff keeps the islands of running servers on the catalog the
// pages are published from, when a build publishes (`wandgen build --out
// public` beside `wandgen serve --out public`, or a build into a bucket
// whose islands servers share a database). Without it a server priced
// carts from the catalog it loaded at start while the pages showed the
// new prices.
//
// The build and the servers meet on a Board:
//
//   - A server registers itself, refreshing its registration every
//     Heartbeat while it runs and removing it when it stops.
//   - A build, once its content has validated and before it writes a page,
//     announces each store's new catalog version.
//   - Each server sees the announcement (it looks every Poll), loads the
//     store, switches its islands to it, and acknowledges the version it
//     now serves.
//   - The build waits, up to a timeout, until every live server (one whose
//     heartbeat is fresh) has acknowledged, and only then writes the pages:
//     the islands switch before the pages change, never after.
//
// Two boards: Folder, files in a build's state folder (<out>/.wandstore by
// default) for the servers of that folder on this machine; Database,
// tables in the database the servers share (SQLite, or PostgreSQL across
// machines), for builds into a bucket and any server that is told of them
// by its database. A server that does not answer in time is named in the
// build's error; one that died without unregistering is ignored once its
// heartbeat is stale.
package handoff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Heartbeat is how often a server refreshes its registration.
const Heartbeat = time.Second

// Board is where a build and the servers meet.
type Board interface {
	// Announce tells the servers that version of store is about to be
	// published.
	Announce(ctx context.Context, store, version string) error
	// Announcements are the versions last announced, by store.
	Announcements(ctx context.Context) (map[string]string, error)
	// Acknowledge records that the server id now serves version of store.
	Acknowledge(ctx context.Context, id, store, version string) error
	// Acknowledged is the version of store server id last acknowledged.
	Acknowledged(ctx context.Context, id, store string) (string, error)
	// Register records a running server, id, and keeps its heartbeat
	// until ctx ends or the returned stop is called, which removes the
	// registration and the server's acknowledgements.
	Register(ctx context.Context, id string) (stop func(), err error)
	// Servers lists the ids of the registered servers whose heartbeat is
	// fresh.
	Servers(ctx context.Context) ([]string, error)
	// Poll is how often a server looks for announcements, and a build for
	// acknowledgements.
	Poll() time.Duration
}

// ErrNotServed is wrapped by Wait's error when a live server has not
// acknowledged in time.
var ErrNotServed = errors.New("a server did not switch its islands to the new catalog in time")

// Wait waits until every live server registered on b serves version of
// each store (acknowledged), or timeout passes: then the error wraps
// ErrNotServed and names the servers and stores still behind. With no
// server registered it returns at once.
func Wait(ctx context.Context, b Board, versions map[string]string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ids, err := b.Servers(ctx)
		if err != nil {
			return err
		}
		var behind []string
		for _, id := range ids {
			for store, v := range versions {
				got, err := b.Acknowledged(ctx, id, store)
				if err != nil {
					return err
				}
				if got != v {
					behind = append(behind, fmt.Sprintf("server %s on store %s", id, store))
				}
			}
		}
		if len(behind) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			slices.Sort(behind)
			return fmt.Errorf("%w (%s): its islands may price from the old catalog until it does", ErrNotServed, strings.Join(behind, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(b.Poll()):
		}
	}
}

// heartbeat calls beat every Heartbeat until ctx ends, then done.
func heartbeat(ctx context.Context, beat func(time.Time)) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				beat(now)
			}
		}
	}()
	return func() { <-done }
}

// Package handoff keeps the islands of a running server on the catalog
// its pages are published from, when a build writes into the folder the
// server serves (`wandgen build --out public` beside `wandgen serve --out
// public`). Without it the server priced carts from the catalog it loaded
// at start while the pages showed the new prices.
//
// The two meet in the build's state folder (<out>/.wandstore by default),
// under serving/:
//
//   - A server registers itself (servers/<id>), touching the file every
//     Heartbeat while it runs and removing it when it stops.
//   - A build, once its content has validated and before it writes a page,
//     announces each store's new catalog version (<store>.next).
//   - Each server sees the announcement (it looks every Poll), loads the
//     store, switches its islands to it, and acknowledges the version it
//     now serves (<store>.<id>.ack).
//   - The build waits, up to a timeout, until every live server (one whose
//     heartbeat is fresh) has acknowledged, and only then writes the pages:
//     the islands switch before the pages change, never after.
//
// A server that does not answer in time is named in the build's error or
// warning; one that died without removing its file is ignored once its
// heartbeat is stale. Every file is written whole (a temporary file, then
// a rename), so a reader never sees half of one.
package handoff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wandstore/wandstore/internal/atomicfile"
)

const (
	// Heartbeat is how often a server touches its registration.
	Heartbeat = time.Second
	// stale is how old a registration may be before its server is taken
	// for dead: a few missed heartbeats.
	stale = 4 * Heartbeat
	// Poll is how often a server looks for announcements, and a build for
	// acknowledgements.
	Poll = 50 * time.Millisecond
)

// Dir is where the handoff files live in a state folder.
func Dir(stateDir string) string { return filepath.Join(stateDir, "serving") }

func serversDir(stateDir string) string { return filepath.Join(Dir(stateDir), "servers") }

// readVersion reads a one-line version file; "" when there is none.
func readVersion(name string) (string, error) {
	b, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

// Announce tells the servers of stateDir's output that version of store is
// about to be published.
func Announce(stateDir, store, version string) error {
	return atomicfile.Write(filepath.Join(Dir(stateDir), store+".next"), []byte(version+"\n"))
}

// Announced is the version last announced for store, "" if none.
func Announced(stateDir, store string) (string, error) {
	return readVersion(filepath.Join(Dir(stateDir), store+".next"))
}

// Announcements are the versions last announced, by store.
func Announcements(stateDir string) (map[string]string, error) {
	names, err := filepath.Glob(filepath.Join(Dir(stateDir), "*.next"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, name := range names {
		store := strings.TrimSuffix(filepath.Base(name), ".next")
		v, err := Announced(stateDir, store)
		if err != nil {
			return nil, err
		}
		if v != "" {
			out[store] = v
		}
	}
	return out, nil
}

// Acknowledge records that the server id now serves version of store.
func Acknowledge(stateDir, id, store, version string) error {
	return atomicfile.Write(filepath.Join(Dir(stateDir), store+"."+id+".ack"), []byte(version+"\n"))
}

// Register records a running server, id, and keeps its heartbeat until
// ctx ends or the returned stop is called, which removes the registration
// and the server's acknowledgements.
func Register(ctx context.Context, stateDir, id string) (stop func(), err error) {
	name := filepath.Join(serversDir(stateDir), id)
	if err := atomicfile.Write(name, []byte(time.Now().UTC().Format(time.RFC3339)+"\n")); err != nil {
		return nil, fmt.Errorf("handoff: register in %s: %w", stateDir, err)
	}
	ctx, cancel := context.WithCancel(ctx)
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
				_ = os.Chtimes(name, now, now)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		os.Remove(name)
		acks, _ := filepath.Glob(filepath.Join(Dir(stateDir), "*."+id+".ack"))
		for _, a := range acks {
			os.Remove(a)
		}
	}, nil
}

// Servers lists the ids of the servers registered in stateDir whose
// heartbeat is fresh.
func Servers(stateDir string) ([]string, error) {
	entries, err := os.ReadDir(serversDir(stateDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) > stale {
			continue
		}
		ids = append(ids, e.Name())
	}
	return ids, nil
}

// ErrNotServed is wrapped by Wait's error when a live server has not
// acknowledged in time.
var ErrNotServed = errors.New("a server did not switch its islands to the new catalog in time")

// Wait waits until every live server registered in stateDir serves
// version of each store (acknowledged), or timeout passes: then the error
// wraps ErrNotServed and names the servers and stores still behind. With
// no server registered it returns at once.
func Wait(ctx context.Context, stateDir string, versions map[string]string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ids, err := Servers(stateDir)
		if err != nil {
			return err
		}
		var behind []string
		for _, id := range ids {
			for store, v := range versions {
				got, err := readVersion(filepath.Join(Dir(stateDir), store+"."+id+".ack"))
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
		case <-time.After(Poll):
		}
	}
}

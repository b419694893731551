package handoff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wandstore/wandstore/internal/atomicfile"
)

// Folder is the Board of a build's state folder, for the servers of that
// build's output folder on this machine: files under <stateDir>/serving/,
// each written whole (a temporary file, then a rename), so a reader never
// sees half of one.
//
//	servers/<id>          a server's registration; its mtime is the heartbeat
//	<store>.next          the version announced
//	<store>.<id>.ack      the version server id serves
func Folder(stateDir string) Board { return folder(stateDir) }

type folder string

const (
	// folderStale is how old a registration may be before its server is
	// taken for dead: a few missed heartbeats.
	folderStale = 4 * Heartbeat
	// folderPoll is the folder's Poll.
	folderPoll = 50 * time.Millisecond
)

// Dir is where the handoff files live in a state folder.
func Dir(stateDir string) string { return filepath.Join(stateDir, "serving") }

func (f folder) dir() string        { return Dir(string(f)) }
func (f folder) serversDir() string { return filepath.Join(f.dir(), "servers") }
func (f folder) Poll() time.Duration {
	return folderPoll
}

// readVersion reads a one-line version file; "" when there is none.
func readVersion(name string) (string, error) {
	b, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

func (f folder) Announce(_ context.Context, store, version string) error {
	return atomicfile.Write(filepath.Join(f.dir(), store+".next"), []byte(version+"\n"))
}

func (f folder) Announcements(context.Context) (map[string]string, error) {
	names, err := filepath.Glob(filepath.Join(f.dir(), "*.next"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, name := range names {
		v, err := readVersion(name)
		if err != nil {
			return nil, err
		}
		if v != "" {
			out[strings.TrimSuffix(filepath.Base(name), ".next")] = v
		}
	}
	return out, nil
}

func (f folder) Acknowledge(_ context.Context, id, store, version string) error {
	return atomicfile.Write(filepath.Join(f.dir(), store+"."+id+".ack"), []byte(version+"\n"))
}

func (f folder) Acknowledged(_ context.Context, id, store string) (string, error) {
	return readVersion(filepath.Join(f.dir(), store+"."+id+".ack"))
}

func (f folder) Register(ctx context.Context, id string) (stop func(), err error) {
	// A server that died (kill -9) under this id left its acknowledgements:
	// they speak for the catalogs it served, not this start's.
	f.removeAcks(id)
	name := filepath.Join(f.serversDir(), id)
	if err := atomicfile.Write(name, []byte(time.Now().UTC().Format(time.RFC3339)+"\n")); err != nil {
		return nil, fmt.Errorf("handoff: register in %s: %w", string(f), err)
	}
	ctx, cancel := context.WithCancel(ctx)
	wait := heartbeat(ctx, func(now time.Time) { _ = os.Chtimes(name, now, now) })
	return func() {
		cancel()
		wait()
		os.Remove(name)
		f.removeAcks(id)
	}, nil
}

// removeAcks removes server id's acknowledgements.
func (f folder) removeAcks(id string) {
	acks, _ := filepath.Glob(filepath.Join(f.dir(), "*."+id+".ack"))
	for _, a := range acks {
		os.Remove(a)
	}
}

func (f folder) Servers(context.Context) ([]string, error) {
	entries, err := os.ReadDir(f.serversDir())
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
		if err != nil || time.Since(info.ModTime()) > folderStale {
			continue
		}
		ids = append(ids, e.Name())
	}
	return ids, nil
}

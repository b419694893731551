package generator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// manifestVersion changes when the manifest's meaning changes; an old
// manifest is then ignored (a full build).
const manifestVersion = 1

// Manifest records, for every file a build published for one store, the
// hash of the inputs it was rendered from and of the bytes written. The next
// build renders only files whose inputs hash differently, and writes only
// files whose bytes differ.
//
// On disk a manifest is a snapshot (manifest-<store>.json) followed by an
// append-only log of the entries changed since (manifest-<store>.log.<n>,
// one JSON line per entry, from generation Log on): a long-lived builder
// records a change in the bytes it touches, not the whole manifest, and
// folds the log into a new snapshot once it outgrows it.
type Manifest struct {
	Version int              `json:"version"`
	Store   string           `json:"store"`
	Files   map[string]Entry `json:"files"`
	// Log is the generation of the first log that follows this snapshot.
	Log int `json:"log,omitempty"`
}

// Entry is one published file.
type Entry struct {
	In   string `json:"in"`   // hash of the inputs
	Out  string `json:"out"`  // hash of the bytes
	Size int    `json:"size"` // bytes
	// Enc records the file's compressed copies (see Precompress): "br,gz"
	// (the suffixes of those published), "-" (compressed, but no copy was
	// smaller), or "" (not compressed).
	Enc string `json:"enc,omitempty"`
}

// logLine is one line of a manifest's log: a file's new entry, or its
// removal.
type logLine struct {
	Path string `json:"p"`
	Entry
	Gone bool `json:"gone,omitempty"`
}

func manifestPath(stateDir, store string) string {
	return filepath.Join(stateDir, "manifest-"+store+".json")
}

func logPath(stateDir, store string, gen int) string {
	return filepath.Join(stateDir, "manifest-"+store+".log."+strconv.Itoa(gen))
}

// loadManifest reads a store's manifest: its snapshot, then its logs in
// order. A missing, unreadable or old-version snapshot gives an empty
// manifest (everything is rebuilt); a log's last line cut short by a crash
// is ignored, and a log damaged elsewhere is treated like a damaged
// snapshot.
func loadManifest(stateDir, store string) (*Manifest, error) {
	empty := &Manifest{Version: manifestVersion, Store: store, Files: map[string]Entry{}}
	data, err := os.ReadFile(manifestPath(stateDir, store))
	m := empty
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A store whose only record is a log (a crash before the first
		// snapshot) still replays it.
	case err != nil:
		return nil, fmt.Errorf("manifest: %w", err)
	default:
		old, ok := decodeManifest(data)
		if !ok || old.Version != manifestVersion || old.Files == nil {
			return empty, nil // corrupt or old: rebuild everything rather than fail
		}
		m = old
	}
	for gen := m.Log; ; gen++ {
		data, err := os.ReadFile(logPath(stateDir, store, gen))
		if errors.Is(err, fs.ErrNotExist) {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		if !m.replay(data) {
			return &Manifest{Version: manifestVersion, Store: store, Files: map[string]Entry{}}, nil
		}
	}
}

// replay applies a log's lines to m, and reports whether the log was
// sound: every line but a last one without its newline must decode.
func (m *Manifest) replay(data []byte) bool {
	for len(data) > 0 {
		line, rest, complete := bytes.Cut(data, []byte("\n"))
		data = rest
		if !complete {
			return true // the tail of an append a crash cut short
		}
		var l logLine
		if json.Unmarshal(line, &l) != nil || l.Path == "" {
			return false
		}
		m.apply([]logLine{l})
	}
	return true
}

// save writes m as the store's snapshot, with no log after it: the logs
// of the previous snapshot are removed once it is written.
func (m *Manifest) save(stateDir string) error {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	gens, err := logGens(stateDir, m.Store)
	if err != nil {
		return err
	}
	snap := *m
	snap.Log = 0
	if len(gens) > 0 {
		snap.Log = gens[len(gens)-1] + 1 // past every log there is
	}
	if err := snap.write(stateDir); err != nil {
		return err
	}
	m.Log = snap.Log
	removeLogs(stateDir, m.Store, gens)
	return nil
}

// write writes m's snapshot as it is. Sorted keys keep the file
// diffable; encoding/json sorts map keys.
func (m *Manifest) write(stateDir string) error {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return writeAtomic(manifestPath(stateDir, m.Store), data)
}

// logGens lists the generations of a store's logs on disk, in order.
func logGens(stateDir, store string) ([]int, error) {
	names, err := filepath.Glob(filepath.Join(stateDir, "manifest-"+store+".log.*"))
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var gens []int
	prefix := "manifest-" + store + ".log."
	for _, n := range names {
		if g, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(n), prefix)); err == nil && g >= 0 {
			gens = append(gens, g)
		}
	}
	sort.Ints(gens)
	return gens, nil
}

// removeLogs deletes the given logs of a store, which a newer snapshot
// has made useless (and which a load no longer reads: they precede its
// Log). A log left behind by a failure is removed by the next save.
func removeLogs(stateDir, store string, gens []int) {
	for _, g := range gens {
		os.Remove(logPath(stateDir, store, g))
	}
}

// manifestLog appends a store's manifest changes to its current log, the
// one that follows the manifest's snapshot (and that loadManifest read to
// its end).
type manifestLog struct {
	stateDir, store string
	gen             int
	lines           int // lines appended since the snapshot
}

// append writes lines in one write: a crash keeps a prefix of it, and a
// torn last line is ignored by loadManifest.
func (l *manifestLog) append(lines []logLine) error {
	if len(lines) == 0 {
		return nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, line := range lines {
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
	}
	if err := os.MkdirAll(l.stateDir, 0o755); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	f, err := os.OpenFile(logPath(l.stateDir, l.store, l.gen), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	_, err = f.Write(b.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	l.lines += len(lines)
	return nil
}

// rotate starts the next generation: the lines appended from now on
// follow a snapshot of the manifest as it is now, which the caller writes
// with Log set to the returned generation.
func (l *manifestLog) rotate() int {
	l.gen++
	l.lines = 0
	return l.gen
}

// currentLog is the log a build appends m's changes to: the last one
// loadManifest replayed (a generation from m.Log on), or m.Log's.
func currentLog(stateDir string, m *Manifest) (*manifestLog, error) {
	gens, err := logGens(stateDir, m.Store)
	if err != nil {
		return nil, err
	}
	gen := m.Log
	for _, g := range gens {
		if g < gen {
			continue
		}
		if g > gen {
			break // not replayed: a gap before it (loadManifest stops there)
		}
		gen = g + 1
	}
	if gen > m.Log {
		gen-- // the last present
	}
	return &manifestLog{stateDir: stateDir, store: m.Store, gen: gen}, nil
}

// logOutgrew reports whether m's logs (from m.Log on) hold more than a
// quarter of its snapshot's bytes, or there is no snapshot: then the next
// snapshot is due.
func logOutgrew(stateDir string, m *Manifest) (bool, error) {
	snap, err := os.Stat(manifestPath(stateDir, m.Store))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("manifest: %w", err)
	}
	var logs int64
	for gen := m.Log; ; gen++ {
		st, err := os.Stat(logPath(stateDir, m.Store, gen))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return false, fmt.Errorf("manifest: %w", err)
		}
		logs += st.Size()
	}
	return logs*4 > snap.Size(), nil
}

// Paths lists the manifest's files, sorted.
func (m *Manifest) Paths() []string {
	out := make([]string, 0, len(m.Files))
	for p := range m.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// digest is a short hex SHA-256 (128 bits: collisions are not a practical
// concern for change detection).
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// digestOf is digest of what write writes, without holding it.
func digestOf(write func(w io.Writer)) string {
	h := sha256.New()
	write(h)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// errWriter keeps the first error of the writes to w and drops the rest.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

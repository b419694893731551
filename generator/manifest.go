package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// manifestVersion changes when the manifest's meaning changes; an old
// manifest is then ignored (a full build).
const manifestVersion = 1

// Manifest records, for every file a build published for one store, the
// hash of the inputs it was rendered from and of the bytes written. The next
// build renders only files whose inputs hash differently, and writes only
// files whose bytes differ.
type Manifest struct {
	Version int              `json:"version"`
	Store   string           `json:"store"`
	Files   map[string]Entry `json:"files"`
}

// Entry is one published file.
type Entry struct {
	In   string `json:"in"`   // hash of the inputs
	Out  string `json:"out"`  // hash of the bytes
	Size int    `json:"size"` // bytes
}

func manifestPath(stateDir, store string) string {
	return filepath.Join(stateDir, "manifest-"+store+".json")
}

// loadManifest reads a store's manifest; a missing, unreadable or
// old-version one gives an empty manifest (everything is rebuilt).
func loadManifest(stateDir, store string) (*Manifest, error) {
	m := &Manifest{Version: manifestVersion, Store: store, Files: map[string]Entry{}}
	data, err := os.ReadFile(manifestPath(stateDir, store))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var old Manifest
	if json.Unmarshal(data, &old) != nil || old.Version != manifestVersion || old.Files == nil {
		return m, nil // corrupt or old: rebuild everything rather than fail
	}
	return &old, nil
}

func (m *Manifest) save(stateDir string) error {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	// Sorted keys keep the file diffable; encoding/json sorts map keys.
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return writeAtomic(manifestPath(stateDir, m.Store), data)
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

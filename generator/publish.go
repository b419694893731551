package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Publisher is where built files go: a local folder served by a static
// host, or (later) an S3-compatible bucket. Paths are slash-separated and
// relative to the publish root ("s/magic-wands/index.html").
type Publisher interface {
	// Put stores data at p atomically: a reader sees the old bytes or the
	// new, never a mix.
	Put(ctx context.Context, p string, data []byte) error
	// Delete removes p. Deleting a missing file is not an error.
	Delete(ctx context.Context, p string) error
	// Exists reports whether p is published, so a build can repair a file
	// that was removed behind the manifest's back.
	Exists(ctx context.Context, p string) (bool, error)
}

// DirPublisher writes into a local folder.
type DirPublisher struct {
	root string
	// dirs are the folders known to exist (most pages sit in a folder of
	// their own), each a *folderState.
	dirs sync.Map
	// beforeChange, if set, is called once before the folder's first
	// change (a builder's unseal); its error fails that change and every
	// later one.
	beforeChange func() error
	changeOnce   sync.Once
	changeErr    error
}

// changing calls beforeChange before the folder's first change.
func (d *DirPublisher) changing() error {
	if d.beforeChange == nil {
		return nil
	}
	d.changeOnce.Do(func() { d.changeErr = d.beforeChange() })
	return d.changeErr
}

var _ Publisher = (*DirPublisher)(nil)

// NewDirPublisher returns a publisher writing below root, creating it. It
// removes the temporary files of writes a crash interrupted (see
// removeStaleTemps), so they are neither served nor copied elsewhere.
func NewDirPublisher(root string) (*DirPublisher, error) { return newDirPublisher(root, true) }

// newDirPublisher is NewDirPublisher; sweep false skips the walk for
// temporary files (a folder a build published completely: see sealed).
func newDirPublisher(root string, sweep bool) (*DirPublisher, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("publish folder: %w", err)
	}
	if sweep {
		if _, err := removeStaleTemps(root, time.Now().Add(-staleTempAge)); err != nil {
			return nil, fmt.Errorf("publish folder: %w", err)
		}
	}
	return &DirPublisher{root: root}, nil
}

// staleTempAge is how old a temporary file must be to be taken for the
// leftover of an interrupted write rather than one another process is
// writing now (a write lasts milliseconds).
const staleTempAge = time.Minute

// removeStaleTemps deletes, below root, the temporary files writeAtomic
// makes (".<name>.tmp-<random>") last modified before cutoff, and returns
// how many it removed.
func removeStaleTemps(root string, cutoff time.Time) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile
			}
			return err
		}
		if e.IsDir() || !isTempName(e.Name()) {
			return nil
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// isTempName reports whether name is one writeAtomic gives its temporary
// files: "." + the target's name + ".tmp-" + base-36 digits.
func isTempName(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 2 || i+5 == len(name) {
		return false
	}
	for _, r := range name[i+5:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// Root is the folder written to.
func (d *DirPublisher) Root() string { return d.root }

func (d *DirPublisher) file(p string) (string, error) {
	if !fs.ValidPath(p) || p == "." {
		return "", fmt.Errorf("publish: invalid path %q", p)
	}
	return filepath.Join(d.root, filepath.FromSlash(p)), nil
}

// Put writes a temporary file beside the target, syncs it and renames it
// over the target, so readers never see a half-written page.
func (d *DirPublisher) Put(ctx context.Context, p string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := d.changing(); err != nil {
		return err
	}
	name, err := d.file(p)
	if err != nil {
		return err
	}
	f, err := d.folder(name)
	if err != nil {
		return fmt.Errorf("publish %s: %w", p, err)
	}
	f.written.Store(true) // before the write: fresh must never say otherwise after it
	return writeAtomic(name, data)
}

// folderState is what a DirPublisher knows of a folder: whether it made
// the folder, and whether it has written a file into it since.
type folderState struct {
	created bool
	written atomic.Bool
}

// folder makes sure the folder of the file name exists, with one mkdir in
// the common case (a page's own folder, whose parent exists).
func (d *DirPublisher) folder(name string) (*folderState, error) {
	dir := filepath.Dir(name)
	if v, ok := d.dirs.Load(dir); ok {
		return v.(*folderState), nil
	}
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(dir), 0o755); err == nil {
			err = os.Mkdir(dir, 0o755)
		}
	}
	f := &folderState{}
	switch {
	case err == nil:
		f.created = true
	case errors.Is(err, fs.ErrExist):
		// Made before (or by another worker just now): it may hold
		// anything.
		if st, serr := os.Stat(dir); serr != nil || !st.IsDir() {
			return nil, err
		}
	default:
		return nil, err
	}
	v, _ := d.dirs.LoadOrStore(dir, f)
	return v.(*folderState), nil
}

// prepare makes the folder of the file at p, before it is written.
func (d *DirPublisher) prepare(p string) error {
	name, err := d.file(p)
	if err == nil {
		_, err = d.folder(name)
	}
	return err
}

// fresh reports whether the file at p is in a folder this publisher made
// (see prepare) and has written nothing into yet: such a folder is empty,
// so the file has no compressed copies to remove. Every page of a cold
// build sits in a fresh folder of its own, and so skips two failed unlinks.
func (d *DirPublisher) fresh(p string) bool {
	name, err := d.file(p)
	if err != nil {
		return false
	}
	v, ok := d.dirs.Load(filepath.Dir(name))
	if !ok {
		return false
	}
	f := v.(*folderState)
	return f.created && !f.written.Load()
}

// writeAtomic writes a temporary file beside name (created with its final
// mode, so no chmod) and renames it over name. Not fsynced: a page lost to a
// power cut is rebuilt, because the manifest is saved after the pages.
func writeAtomic(name string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
	err := createFile(tmp, data)
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// Delete removes p and then any folders it leaves empty, up to the root.
func (d *DirPublisher) Delete(ctx context.Context, p string) error {
	if err := d.changing(); err != nil {
		return err
	}
	name, err := d.file(p)
	if err != nil {
		return err
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", p, err)
	}
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		full := filepath.Join(d.root, filepath.FromSlash(dir))
		if os.Remove(full) != nil {
			break // not empty, or gone: stop climbing
		}
		d.dirs.Delete(full) // made again, it is a folder this publisher created
	}
	return nil
}

// remove deletes p, if it exists, and nothing else.
func (d *DirPublisher) remove(p string) error {
	if err := d.changing(); err != nil {
		return err
	}
	name, err := d.file(p)
	if err != nil {
		return err
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", p, err)
	}
	return nil
}

// Exists reports whether p is a file in the folder.
func (d *DirPublisher) Exists(ctx context.Context, p string) (bool, error) {
	name, err := d.file(p)
	if err != nil {
		return false, err
	}
	st, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !st.IsDir(), nil
}

// cleanRel turns a URL path ("/s/x/") into a publish path prefix ("s/x/").
func cleanRel(urlPath string) string { return strings.TrimPrefix(urlPath, "/") }

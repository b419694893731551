package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
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
}

var _ Publisher = (*DirPublisher)(nil)

// NewDirPublisher returns a publisher writing below root, creating it.
func NewDirPublisher(root string) (*DirPublisher, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("publish folder: %w", err)
	}
	return &DirPublisher{root: root}, nil
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
	name, err := d.file(p)
	if err != nil {
		return err
	}
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("publish %s: %w", p, err)
	}
	return writeAtomic(name, data)
}

func writeAtomic(name string, data []byte) error {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// Delete removes p and then any folders it leaves empty, up to the root.
func (d *DirPublisher) Delete(ctx context.Context, p string) error {
	name, err := d.file(p)
	if err != nil {
		return err
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", p, err)
	}
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if os.Remove(filepath.Join(d.root, filepath.FromSlash(dir))) != nil {
			break // not empty, or gone: stop climbing
		}
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

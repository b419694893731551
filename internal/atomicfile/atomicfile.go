// Package atomicfile writes a file whole: into a temporary file beside it,
// then renamed over it, so a reader (another process, a crash's survivor)
// sees the old bytes or the new, never part of them. And it names what,
// beyond size and modification time, tells a rewritten file apart.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes data to name whole, with mode 0644, making its folder if
// needed. The temporary file is ".<name>.*.tmp" beside it, removed on an
// error.
func Write(name string, data []byte) error {
	return writeFile(name, func(f io.Writer) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteWith is Write of what write writes, through a buffer: a large file
// (a cache) is streamed to disk rather than built in memory first.
func WriteWith(name string, write func(w io.Writer) error) error {
	return writeFile(name, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// writeFile writes a temporary file beside name with fill, and renames
// it over name.
func writeFile(name string, fill func(f io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

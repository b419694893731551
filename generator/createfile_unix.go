//go:build unix

package generator

import (
	"errors"
	"io/fs"
	"syscall"
)

// createFile creates the file name, which must not exist, holding data,
// with mode 0644. It makes three system calls (open, write, close) where
// os.OpenFile makes five (it also sets the descriptor non-blocking, for
// the poller, and an os.File with a finalizer): a cold build writes one
// file and two compressed copies per page.
func createFile(name string, data []byte) error {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o644)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	for len(data) > 0 && err == nil {
		var n int
		n, err = syscall.Write(fd, data)
		if err == syscall.EINTR {
			err = nil
			continue
		}
		if n <= 0 && err == nil {
			err = errors.New("short write")
		}
		data = data[max(n, 0):]
	}
	if cerr := syscall.Close(fd); err == nil && cerr != nil && cerr != syscall.EINTR {
		err = cerr
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}

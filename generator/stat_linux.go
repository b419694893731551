package generator

import (
	"io/fs"
	"syscall"
)

// sysStat is a file's inode number and change time.
func sysStat(info fs.FileInfo) (ino, ctime int64) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Ino), st.Ctim.Nano()
	}
	return 0, 0
}

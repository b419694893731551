package atomicfile

import (
	"io/fs"
	"syscall"
)

// InodeCtime is a file's inode number and change time, which a rewrite
// that keeps the size and modification time still changes.
func InodeCtime(info fs.FileInfo) (ino, ctime int64) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Ino), st.Ctim.Nano()
	}
	return 0, 0
}

//go:build !linux

package atomicfile

import "io/fs"

// InodeCtime gives nothing beyond size and modification time here: keys
// built on it are then as good as those.
func InodeCtime(info fs.FileInfo) (ino, ctime int64) { return 0, 0 }

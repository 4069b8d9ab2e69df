//go:build unix

package main

import (
	"os"
	"syscall"
)

// inode tells a file recreated under the same name (a dropped and recreated database) from the old one.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

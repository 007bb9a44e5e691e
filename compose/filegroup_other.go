//go:build !unix

package compose

import "os"

// fileGroup: no Unix groups here.
func fileGroup(os.FileInfo) string { return "" }

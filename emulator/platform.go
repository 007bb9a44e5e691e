package emulator

import (
	"bytes"
	"errors"
	"io"
)

// errSkipSync: this platform has nothing to fsync at that path (a folder on Windows).
var errSkipSync = errors.New("nothing to sync")

// readBlob is a blob file's bytes, read through openBlob (on Windows, a handle
// that does not stand in the way of a concurrent removal).
func readBlob(path string) ([]byte, error) {
	f, err := openBlob(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		buf.Grow(int(st.Size()) + 1)
	}
	if _, err := io.Copy(&buf, f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

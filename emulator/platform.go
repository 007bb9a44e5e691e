package emulator

import "errors"

// errSkipSync: this platform has nothing to fsync at that path (a folder on Windows).
var errSkipSync = errors.New("nothing to sync")

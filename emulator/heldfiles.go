package emulator

import (
	"os"
	"sync"
)

// heldFile is a file of a namespace's database (the database itself, its -wal,
// its -shm) that this process keeps one descriptor on for as long as any of its
// namespaces has that database open.
//
// Why never close such a descriptor early: SQLite's locks are POSIX advisory
// locks, and closing ANY descriptor of a file drops every lock the process holds
// on it, including the ones SQLite's own connection holds. In WAL mode the
// connection keeps a shared lock on the database file for as long as it is open;
// without it, the next process to close the database (a `kv` command exiting)
// believes it is the last, checkpoints, and deletes the -wal and -shm under our
// feet (https://sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_).
// So these files are opened once, shared by every namespace of the process on
// the same path, and closed only after the last of those namespaces closed its
// connection.
type heldFile struct {
	f    *os.File
	refs int
}

var held struct {
	mu    sync.Mutex
	files map[string]*heldFile
}

// holdFile returns the process's descriptor on path, opening it to be synced
// (openForSync: read-only on Unix) when it is the first. Every successful call needs one releaseFile.
func holdFile(path string) (*os.File, error) {
	held.mu.Lock()
	defer held.mu.Unlock()
	if h, ok := held.files[path]; ok {
		h.refs++
		return h.f, nil
	}
	f, err := openForSync(path)
	if err != nil {
		return nil, err
	}
	if held.files == nil {
		held.files = map[string]*heldFile{}
	}
	held.files[path] = &heldFile{f: f, refs: 1}
	return f, nil
}

// releaseFile gives back one holdFile; the descriptor closes with the last.
func releaseFile(path string) error {
	held.mu.Lock()
	defer held.mu.Unlock()
	h, ok := held.files[path]
	if !ok {
		return nil
	}
	if h.refs--; h.refs > 0 {
		return nil
	}
	delete(held.files, path)
	return h.f.Close()
}

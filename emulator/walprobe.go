package emulator

import (
	"encoding/binary"
	"sync/atomic"
)

// The WAL-index header (https://sqlite.org/walformat.html#the_wal_index_file_format)
// is the first 96 bytes of the -shm file: two copies of a 48-byte header. A
// committing writer fills in the second copy, then (after a memory barrier) the
// first, so a reader that finds both equal has read one complete header.
const (
	walIndexHeaderSize  = 48
	walIndexHeaderWords = 2 * walIndexHeaderSize / 8 // both copies, as uint64 words
	walIsInitOffset     = 12                         // isInit: 1 once the header is valid
)

// walHeader is both copies of the header, word by word.
type walHeader [walIndexHeaderWords]uint64

// trusted: both copies agree (no write half done) and the header is initialised.
func (h *walHeader) trusted() bool {
	const half = walIndexHeaderWords / 2
	if [half]uint64(h[:half]) != [half]uint64(h[half:]) {
		return false
	}
	// isInit is byte 12 of the header: byte 4 of word 1 in memory order.
	return wordByte(h[1], walIsInitOffset-8) != 0
}

// wordBytes is a word loaded from the mapping as the bytes it holds in memory.
func wordBytes(w uint64) (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], w)
	return b
}

// wordByte is byte i (in memory order) of a word loaded from the mapping.
func wordByte(w uint64, i int) byte { return wordBytes(w)[i] }

// mxFrame is the number of valid frames in the WAL (header bytes 16-19, native
// byte order, as SQLite stores the header).
func (h *walHeader) mxFrame() uint32 {
	b := wordBytes(h[2])
	return binary.NativeEndian.Uint32(b[:4])
}

// walProbe tells whether any connection, in any process, may have committed to
// the database since the index was last brought up to date: it compares the
// WAL-index header, read from a read-only shared mapping of the -shm file, with
// the header read before that update. Twelve atomic loads and a compare, no
// system call.
//
// Why it is sound:
//   - every commit in WAL mode rewrites the header before it returns: iChange
//     counts commits, mxFrame grows, and when the WAL restarts after a
//     checkpoint the salts change. A commit that was acknowledged (by this
//     process, another arena-dev, a `kv` command, workerd) has therefore
//     already changed the header any later read looks at. The mapping shares
//     the page cache with every other process's mapping of the file.
//   - the header is read BEFORE the update that it is remembered with (the
//     PRAGMA data_version check and, when it moved, the reload): a commit that
//     lands in between is either seen by that update or leaves the header
//     different from the one remembered, so the next read looks again.
//   - anything else falls back to asking SQLite on every read: no -shm file
//     (the database is in rollback-journal mode, so nothing but the SQL check
//     can tell), a header not initialised, the two copies different (a writer
//     is mid-commit), no mmap on this platform. A WAL database cannot leave WAL
//     mode while this process holds it open (that takes an exclusive lock), and
//     the -shm file is never truncated or deleted while a connection has it
//     open, which ours has from open to close (see heldFile for why that holds).
//
// The address is never unmapped, even at close: a reader that passed the
// closed check may still be reading it, and unmapping under it would crash the
// process. Closing replaces the file's page with a private zero page in place
// (on Linux; elsewhere the mapping stays) and releases the descriptor.
type walProbe struct {
	path    string
	mapped  atomic.Pointer[[walIndexHeaderWords]uint64] // the header in the shared mapping; nil = not mapped
	release func() error                                // gives back the held descriptor (under mu)
	last    atomic.Pointer[walHeader]                   // header read before the last completed update; nil = none
}

// current reads the header; ok is false when it can't be trusted.
func (p *walProbe) current() (h walHeader, ok bool) {
	m := p.mapped.Load()
	if m == nil {
		return h, false
	}
	for i := range h {
		h[i] = atomic.LoadUint64(&m[i])
	}
	return h, h.trusted()
}

// unchanged: no commit anywhere since the last completed update. Lock-free.
func (p *walProbe) unchanged() bool {
	last := p.last.Load()
	if last == nil {
		return false
	}
	h, ok := p.current()
	return ok && h == *last
}

// matches: h is the header remembered (under mu: another goroutine has just
// brought the index up to date).
func (p *walProbe) matches(h walHeader, ok bool) bool {
	last := p.last.Load()
	return ok && last != nil && *last == h
}

// remember records the header read before an update that completed.
func (p *walProbe) remember(h walHeader, ok bool) {
	if !ok {
		p.last.Store(nil)
		return
	}
	p.last.Store(&h)
}

// forget makes the next read ask SQLite whatever the header says.
func (p *walProbe) forget() { p.last.Store(nil) }

// attach maps the -shm file when it exists and is not mapped yet (under mu).
func (p *walProbe) attach() {
	if p.mapped.Load() != nil || p.release != nil {
		return
	}
	m, release, err := mapWALIndex(p.path)
	if err != nil {
		return // not mapped: every read asks SQLite
	}
	p.release = release
	p.mapped.Store(m)
}

// close forgets the header and releases the descriptor (under mu); see walProbe
// for why the mapping stays.
func (p *walProbe) close() error {
	p.last.Store(nil)
	if p.release == nil {
		return nil
	}
	r := p.release
	p.release = func() error { return nil } // attach must not map again
	return r()
}

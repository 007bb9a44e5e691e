package emulator

import "os"

// walIndexHeaderSize is the size of one copy of SQLite's WAL-index header, the
// first bytes of the -shm file (https://sqlite.org/walformat.html#the_wal_index_file_format).
const walIndexHeaderSize = 48

// walProbe tells, for the price of one pread, whether any connection in any
// process may have committed since the last PRAGMA data_version check.
//
// Why it is sound: every SQLite writer in WAL mode (arena-dev, and workerd,
// which uses the native unix VFS without exclusive locking; see
// docs/kv-local-format.md) rewrites the WAL-index header in the -shm file on
// every commit, bumping its change counter, and writes the first copy last. A
// commit that has returned is therefore visible in the first copy. The header is
// read before the SQL check: a commit landing between the two is seen by the
// check, and the older header remembered makes the next probe differ again. Any
// doubt (no -shm yet, a short or failed read) falls back to the SQL check.
type walProbe struct {
	path string
	f    *os.File
	last [walIndexHeaderSize]byte
	seen bool // last holds the header read before a completed check
}

// read returns the current header; ok is false when it cannot be trusted.
func (p *walProbe) read() (h [walIndexHeaderSize]byte, ok bool) {
	if p.f == nil {
		f, err := os.Open(p.path)
		if err != nil {
			return h, false
		}
		p.f = f
	}
	if n, err := p.f.ReadAt(h[:], 0); err != nil || n != len(h) {
		return h, false
	}
	return h, h != [walIndexHeaderSize]byte{} // all zero: not initialised
}

// unchanged: the header is the one remembered at the last completed check.
func (p *walProbe) unchanged(h [walIndexHeaderSize]byte, ok bool) bool {
	return ok && p.seen && h == p.last
}

// remember records the header read before a check that completed.
func (p *walProbe) remember(h [walIndexHeaderSize]byte, ok bool) {
	p.last, p.seen = h, ok
}

// forget makes the next refresh ask SQLite whatever the header says.
func (p *walProbe) forget() { p.seen = false }

func (p *walProbe) close() error {
	if p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f = nil
	return err
}

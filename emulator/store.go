package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Store is one persist root: the directory wrangler calls --persist-to (by default
// <dir of wrangler.toml>/.wrangler/state). KV lives under <root>/v3/kv.
type Store struct {
	root string
	now  func() time.Time // the clock; tests move it to exercise expiry

	mu     sync.Mutex
	spaces map[string]*Namespace
	closed bool
}

// Open returns the store rooted at root. Nothing is created on disk until a
// namespace is first written to or opened.
func Open(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("persist root is empty")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("persist root %q: %w", root, err)
	}
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("persist root %s is not a directory", abs)
	}
	return &Store{root: abs, now: time.Now, spaces: map[string]*Namespace{}}, nil
}

// Root is the absolute persist root.
func (s *Store) Root() string { return s.root }

// Namespace opens (creating when absent) the namespace with id; the same id always
// yields the same *Namespace.
func (s *Store) Namespace(id string) (*Namespace, error) {
	if id == "" {
		return nil, errors.New("namespace id is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("store is closed")
	}
	if n, ok := s.spaces[id]; ok {
		return n, nil
	}
	n, err := openNamespace(s, id)
	if err != nil {
		return nil, err
	}
	s.spaces[id] = n
	return n, nil
}

// Close closes every namespace's database. Namespaces are unusable afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var errs []error
	for id, n := range s.spaces {
		if err := n.close(); err != nil {
			errs = append(errs, fmt.Errorf("namespace %s: %w", id, err))
		}
		delete(s.spaces, id)
	}
	return errors.Join(errs...)
}

// DatabaseFiles lists the namespace databases present under the root (hashed
// names, without ".sqlite"). workerd's metadata.sqlite is not a namespace and is
// skipped. Namespace ids can't be recovered from the names: match them with
// DatabaseName.
func (s *Store) DatabaseFiles() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(kvDir(s.root), durableObjectClass))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sqlite") || name == "metadata.sqlite" {
			continue
		}
		out = append(out, strings.TrimSuffix(name, ".sqlite"))
	}
	return out, nil
}

package parity

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/sommelier-arena/arena-dev/emulator"
)

func openNS(t *testing.T, root string) (*emulator.Store, *emulator.Namespace) {
	t.Helper()
	st, err := emulator.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := st.Namespace("ns")
	if err != nil {
		t.Fatal(err)
	}
	return st, ns
}

// A copy has every key with its value, metadata and expiration; the original is
// untouched by writes to the copy.
func TestCopyNamespace(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	st, ns := openNS(t, src)
	if _, err := ns.Put("answers:color", []byte(`[{"id":"red"}]`), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Put("k2", []byte("v2"), emulator.PutOptions{Expiration: 2000000000, Metadata: json.RawMessage(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	n, err := CopyNamespace(src, dst, "ns")
	if err != nil || n != 2 {
		t.Fatalf("copied %d, %v", n, err)
	}
	st2, cp := openNS(t, dst)
	defer st2.Close()
	e, err := cp.GetWithMetadata("k2")
	if err != nil || string(e.Value) != "v2" || e.Expiration != 2000000000 || string(e.Metadata) != `{"a":1}` {
		t.Fatalf("copy of k2: %+v %v", e, err)
	}
	if _, err := cp.Put("answers:color", []byte("[]"), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	st, ns = openNS(t, src)
	defer st.Close()
	if v, _ := ns.Get("answers:color"); string(v) != `[{"id":"red"}]` {
		t.Errorf("the original changed with its copy: %s", v)
	}
}

// Borrow empties the categories for the suite, then puts them back as they were:
// changed ones restored, new ones deleted.
func TestBorrowRestoresTheCategories(t *testing.T) {
	root := t.TempDir()
	st, ns := openNS(t, root)
	defer st.Close()
	if _, err := ns.Put("answers:color", []byte(`["mine"]`), emulator.PutOptions{Metadata: json.RawMessage(`{"m":true}`)}); err != nil {
		t.Fatal(err)
	}
	restore, err := Borrow(root, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Get("answers:color"); !errors.Is(err, emulator.ErrNotFound) {
		t.Fatalf("the suite would not start on an empty color: %v", err)
	}
	for _, k := range []string{"answers:color", "answers:grape"} {
		if _, err := ns.Put(k, []byte(`["suite"]`), emulator.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if e, err := ns.GetWithMetadata("answers:color"); err != nil || string(e.Value) != `["mine"]` || string(e.Metadata) != `{"m":true}` {
		t.Errorf("color: %+v %v", e, err)
	}
	if _, err := ns.Get("answers:grape"); !errors.Is(err, emulator.ErrNotFound) {
		t.Errorf("grape did not exist before; now: %v", err)
	}
}

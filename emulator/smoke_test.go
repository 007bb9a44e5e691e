package emulator

import (
	"errors"
	"testing"
)

func TestSmokePutGetList(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns, err := s.Namespace("wine-answers-ns")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ns.Put("a", []byte("hello"), PutOptions{Metadata: []byte(`{"x": 1}`)})
	if err != nil {
		t.Fatal(err)
	}
	e, err := ns.GetWithMetadata("a")
	if err != nil || string(e.Value) != "hello" || string(e.Metadata) != `{"x":1}` || e.Version != res.Version {
		t.Fatalf("got %+v %v", e, err)
	}
	if _, err := ns.Get("b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want not found, got %v", err)
	}
	l, err := ns.List(ListOptions{})
	if err != nil || len(l.Keys) != 1 {
		t.Fatalf("%+v %v", l, err)
	}
}

package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestReadChasesRewrittenKey: another process rewrites the key (removing the old
// blob) each time this one is about to open the blob, several times in a row. The
// read must follow the row until row and blob agree, never call it missing.
func TestReadChasesRewrittenKey(t *testing.T) {
	for _, rewrites := range []int{1, 2, 5, maxReadTries / 2} {
		t.Run(fmt.Sprint(rewrites, " rewrites"), func(t *testing.T) {
			root := t.TempDir()
			writer := openAt(t, root, "chase")
			mustPut(t, writer, "k", "v0", PutOptions{})
			reader := openAt(t, root, "chase") // loaded from the file: nothing cached
			n := 0
			testHookBlobRead = func(string) {
				if n < rewrites {
					n++
					mustPut(t, writer, "k", fmt.Sprint("v", n), PutOptions{})
				}
			}
			defer func() { testHookBlobRead = nil }()
			e, err := reader.GetWithMetadata("k")
			if err != nil {
				t.Fatalf("get while the key was rewritten %d times: %v", rewrites, err)
			}
			want, _ := writer.GetWithMetadata("k")
			if string(e.Value) != fmt.Sprint("v", rewrites) || e.Version != want.Version {
				t.Fatalf("got %q (version %s), want v%d (version %s)", e.Value, e.Version, rewrites, want.Version)
			}
		})
	}
}

// TestReadOfReallyMissingBlobFails: a row whose blob is gone for good is reported,
// naming the file, rather than retried forever or read as absent.
func TestReadOfReallyMissingBlobFails(t *testing.T) {
	root := t.TempDir()
	w := openAt(t, root, "gone")
	res := mustPut(t, w, "k", "v", PutOptions{})
	r := openAt(t, root, "gone")
	if err := removeFile(BlobDir(root, "gone"), res.Version); err != nil {
		t.Fatal(err)
	}
	_, err := r.Get("k")
	if !errors.Is(err, errBlobMissing) || !strings.Contains(err.Error(), res.Version) {
		t.Fatalf("get = %v, want a missing-blob error naming %s", err, res.Version)
	}
}

// TestReadsDuringRewritesNeverFail: readers on one store, two writers on two
// others rewriting the same keys: not one read may fail or miss a key.
func TestReadsDuringRewritesNeverFail(t *testing.T) {
	root := t.TempDir()
	writers := []*Namespace{openAt(t, root, "storm"), openAt(t, root, "storm")}
	for i := range 4 {
		mustPut(t, writers[0], fmt.Sprint("k", i), "v", PutOptions{})
	}
	reader := openAt(t, root, "storm")
	var done atomic.Bool
	var reads, bad atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				if _, err := writers[w].Put(fmt.Sprint("k", i%4), []byte(fmt.Sprint(w, ":", i)), PutOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for g := range 2 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for i := 0; !done.Load(); i++ {
				reads.Add(1)
				if _, err := reader.Get(fmt.Sprint("k", (i+g)%4)); err != nil {
					if bad.Add(1) < 5 {
						t.Errorf("read %d: %v", i, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	done.Store(true)
	rg.Wait()
	t.Logf("%d reads during 600 rewrites, %d failed", reads.Load(), bad.Load())
}

func removeFile(dir, name string) error { return os.Remove(filepath.Join(dir, name)) }

package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

func removeFile(dir, name string) error { return os.Remove(filepath.Join(dir, name)) }

package kvbulk

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/emulator"
)

func openNS(t *testing.T) *emulator.Opened {
	t.Helper()
	o, err := emulator.OpenNamespace(t.TempDir(), "bulk-ns")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// TestLoadIsAllOrNothingAndExportReadsItBack: a file with one bad item writes
// nothing and names it; a good one is written, and Export gives back the same
// keys (binary values in base64, metadata, expirations), which Load accepts again.
func TestLoadIsAllOrNothingAndExportReadsItBack(t *testing.T) {
	o := openNS(t)
	exp := time.Now().Add(time.Hour).Unix()
	var warned []string
	warn := func(w string) { warned = append(warned, w) }
	bad := `[{"key":"a","value":"1"}, {"key":"b","value":2}]`
	if n, err := Load(o.Namespace, "bad.json", []byte(bad), warn); n != 0 || !errors.As(err, new(*FileError)) || !strings.Contains(err.Error(), "item 1") {
		t.Fatalf("bad file: %d, %v", n, err)
	}
	if _, err := o.Get("a"); !errors.Is(err, emulator.ErrNotFound) {
		t.Fatalf("a bad file wrote a: %v", err)
	}
	good := `[{"key":"text","value":"héllo","metadata":{"m":1}},
		{"key":"bin","value":"AP8=","base64":true,"expiration":` + itoa(exp) + `},
		{"key":"x","value":"y","colour":"red"}]`
	n, err := Load(o.Namespace, "good.json", []byte(good), warn)
	if n != 3 || err != nil {
		t.Fatalf("good file: %d, %v", n, err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "colour") {
		t.Errorf("warnings %q", warned)
	}
	items, err := Export(o.Namespace, "")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, items); err != nil {
		t.Fatal(err)
	}
	want := `[
  {
    "key": "bin",
    "value": "AP8=",
    "base64": true,
    "expiration": ` + itoa(exp) + `
  },
  {
    "key": "text",
    "value": "héllo",
    "metadata": {
      "m": 1
    }
  },
  {
    "key": "x",
    "value": "y"
  }
]
`
	if b.String() != want {
		t.Fatalf("export:\n%s\nwant:\n%s", b.String(), want)
	}
	again := openNS(t)
	if n, err := Load(again.Namespace, "export.json", b.Bytes(), warn); n != 3 || err != nil {
		t.Fatalf("loading the export: %d %v", n, err)
	}
	if v, err := again.Get("bin"); err != nil || !bytes.Equal(v, []byte{0, 0xff}) {
		t.Fatalf("bin after the round trip: %v %v", v, err)
	}
	if n, err := Delete(again.Namespace, "del.json", []byte(`["bin", {"name": "x"}]`)); n != 2 || err != nil {
		t.Fatalf("delete: %d %v", n, err)
	}
	if left, _ := Export(again.Namespace, ""); len(left) != 1 || left[0].Key != "text" {
		t.Fatalf("after delete: %+v", left)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestIsBulkFile(t *testing.T) {
	for in, want := range map[string]bool{
		`[]`: true, " \n\t[{}]": true, `{"color": []}`: false, ``: false, `  `: false, "\xEF[": true,
	} {
		if got := IsBulkFile([]byte(in)); got != want {
			t.Errorf("IsBulkFile(%q) = %v", in, got)
		}
	}
}

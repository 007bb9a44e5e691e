package answers_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/answers/conformance"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// The same conformance suite (without arena-dev's extensions) passes against the
// reference Worker on real Miniflare 3.
func TestConformanceReferenceWorker(t *testing.T) {
	conformance.Run(t, startWorker(t, t.TempDir()), conformance.Options{})
}

func getList(t *testing.T, base, cat string) []answers.Entry {
	t.Helper()
	res, body := httpDo(t, "GET", base+"/answers/"+cat, "")
	if res.StatusCode != 200 {
		t.Fatalf("GET %s/answers/%s: %d %s", base, cat, res.StatusCode, body)
	}
	var l []answers.Entry
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func mustStatus(t *testing.T, want int, method, url, body string) string {
	t.Helper()
	res, got := httpDo(t, method, url, body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s; want %d", method, url, res.StatusCode, got, want)
	}
	return got
}

// arena-dev and the Worker run at once on one .wrangler/state: each reads what the
// other wrote, and both serve the same bytes.
func TestSharedStateWithReferenceWorker(t *testing.T) {
	root := filepath.Join(t.TempDir(), ".wrangler", "state")
	worker := startWorker(t, root)
	// The Worker writes first, so the database is Miniflare's own creation.
	mustStatus(t, 200, "PUT", worker+"/answers/color", `["Red", "White", "Rosé"]`)
	arena, logs := startArenaDev(t, root, answers.Options{})

	if got := getList(t, arena, "color"); len(got) != 3 || got[2].ID != "rose" || got[2].Label != "Rosé" {
		t.Fatalf("arena-dev reads the Worker's list as %+v", got)
	}
	mustStatus(t, 201, "POST", arena+"/answers/color", `{"label": "Orange"}`)
	mustStatus(t, 201, "POST", worker+"/answers/grape", `{"label": "Blaufränkisch"}`)
	mustStatus(t, 201, "POST", arena+"/answers/grape", `{"label": "Grüner Veltliner"}`)
	mustStatus(t, 204, "DELETE", worker+"/answers/color/white", "")
	mustStatus(t, 200, "PUT", arena+"/answers/color/rose", `{"label": "ROSÉ"}`)

	for _, cat := range []string{"color", "grape"} {
		a, w := getList(t, arena, cat), getList(t, worker, cat)
		if !reflect.DeepEqual(a, w) {
			t.Errorf("%s: arena-dev serves %+v, the Worker %+v", cat, a, w)
		}
	}
	if got := getList(t, worker, "color"); len(got) != 3 || got[1].ID != "rose" || got[1].Label != "ROSÉ" || got[2].ID != "orange" {
		t.Errorf("the Worker reads arena-dev's writes as %+v", got)
	}
	if got := getList(t, arena, "grape"); len(got) != 2 || got[0].ID != "blaufrankisch" || got[1].ID != "gruner-veltliner" {
		t.Errorf("grape list after writes from both: %+v", got)
	}
	a := mustStatus(t, 200, "GET", arena+"/answers", "")
	w := mustStatus(t, 200, "GET", worker+"/answers", "")
	if a != w {
		t.Errorf("GET /answers differs:\narena-dev %s\nWorker    %s", a, w)
	}
	// Writes from each side were sequential: no lost write may be reported.
	if strings.Contains(logs.String(), "changed underneath") {
		t.Errorf("sequential writes reported as lost: %s", logs)
	}
	// The files are Miniflare's: the hashed database and the namespace's blob folder.
	if _, err := os.Stat(emulator.DatabasePath(root, namespaceID)); err != nil {
		t.Errorf("namespace database: %v", err)
	}
	if ents, err := os.ReadDir(emulator.BlobDir(root, namespaceID)); err != nil || len(ents) < 2 {
		t.Errorf("blob folder %s: %d entries, %v", emulator.BlobDir(root, namespaceID), len(ents), err)
	}
}

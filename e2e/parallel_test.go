//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// upJSON is `up --wait --json`'s output.
type upJSON struct {
	Name     string `json:"name"`
	PID      int    `json:"pid"`
	Services []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
		Port int    `json:"port"`
		PID  int    `json:"pid"`
	} `json:"services"`
}

func (u upJSON) url(service string) string {
	for _, s := range u.Services {
		if s.Name == service {
			return s.URL
		}
	}
	return ""
}

// TestFourStacksFromOneCheckout: four `up --wait --ephemeral --ports auto --name`
// at once from one checkout, each fully working and isolated: an answer written
// through one API is in its own Astro page and in no other stack; down --all
// stops them all.
func TestFourStacksFromOneCheckout(t *testing.T) {
	s := newStack(t)
	const n = 4
	// The last stack runs in edge consistency mode: a model that differs from
	// the project's defaults in more than its ports.
	upArgs := func(i int) []string {
		args := []string{"up", "--wait", "--ephemeral", "--ports", "auto", "--name", fmt.Sprintf("w%d", i), "--json", "--timeout", readyTimeout.String()}
		if i == n-1 {
			args = append(args, "--kv-consistency", "edge")
		}
		return args
	}
	stacks := make([]upJSON, n)
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd, logPath := s.command(upArgs(i)...)
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Sprintf("stack w%d: %v\n%s", i, err, readFile(logPath))
				return
			}
			if err := json.Unmarshal(stdout.Bytes(), &stacks[i]); err != nil {
				errs[i] = fmt.Sprintf("stack w%d printed %q: %v", i, stdout.String(), err)
			}
		}(i)
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	ports := map[int]string{}
	for _, st := range stacks {
		for _, svc := range st.Services {
			if other, dup := ports[svc.Port]; dup {
				t.Fatalf("port %d is both %s and %s/%s", svc.Port, other, st.Name, svc.Name)
			}
			ports[svc.Port] = st.Name + "/" + svc.Name
			s.pgids[svc.PID] = true
		}
	}
	// One answer per stack, through its own API, seen by its own Astro only.
	for i, st := range stacks {
		label := fmt.Sprintf("Isolation Grape %d", i)
		body := fmt.Sprintf(`{"label":%q}`, label)
		res, err := http.Post(st.url("answers")+"/answers/grape", "application/json", strings.NewReader(body))
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("POST to %s: %v %v", st.Name, res, err)
		}
		res.Body.Close()
	}
	for i, st := range stacks {
		page := pageWithAPIUp(t, st.url("astro")+"/")
		for j := range stacks {
			label := fmt.Sprintf("Isolation Grape %d", j)
			if has := strings.Contains(page, label); has != (i == j) {
				t.Errorf("stack %s's Astro page shows %q: %v\n%s", st.Name, label, has, apiStatus(page))
			}
		}
	}
	if code, out := s.run("logs", "--name", "w2", "-n", "3", "answers"); code != 0 || !strings.Contains(out, "[answers]") {
		t.Errorf("logs --name w2: exit %d\n%s", code, out)
	}
	// The same `up --wait` again is the running stack (issue 16, defect 2):
	// its ports kept, its edge mode compared as it is.
	code, again := s.run(upArgs(n - 1)...)
	var second upJSON
	if i := strings.Index(again, "{"); i >= 0 {
		_ = json.NewDecoder(strings.NewReader(again[i:])).Decode(&second)
	}
	if code != 0 || second.PID != stacks[n-1].PID {
		t.Fatalf("up --wait %v again: exit %d, want the running stack (pid %d)\n%s", upArgs(n-1), code, stacks[n-1].PID, again)
	}
	// down --name says which stack it stopped (issue 16, defect 4).
	if code, out := s.run("down", "--name", "w0"); code != 0 || !strings.Contains(out, "stopped stack w0") {
		t.Fatalf("down --name w0: exit %d\n%s", code, out)
	}
	if code, out := s.run("down", "--all"); code != 0 || strings.Count(out, "stopped stack w") != n-1 {
		t.Fatalf("down --all: exit %d\n%s", code, out)
	}
	for port, who := range ports {
		if err := portFree(port); err != nil {
			t.Errorf("%s's port %d after down --all: %v", who, port, err)
		}
	}
}

// apiStatus is what an Astro page says of the answers API it fetched: the
// element carrying data-api-status (and the error, when it is down).
func apiStatus(page string) string {
	i := strings.Index(page, "data-api-status")
	if i < 0 {
		return "(no data-api-status in the page)"
	}
	return page[i:min(len(page), i+300)]
}

// pageWithAPIUp gets an Astro page until it says the answers API answered it:
// four Astro dev servers rendering their first page at once can starve one's
// event loop past the page's own 3 s fetch timeout, and the page then says the
// API is down (what a person would reload). What is checked is what the page
// shows once it could ask its API.
func pageWithAPIUp(t *testing.T, url string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		page := get(t, url)
		if strings.Contains(page, `data-api-status="up"`) || time.Now().After(deadline) {
			return page
		}
		t.Logf("%s: the page could not reach its API, again: %s", url, apiStatus(page))
		time.Sleep(500 * time.Millisecond)
	}
}

//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sommelier-arena/arena-dev/internal/browser"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

var categories = []string{"color", "country", "grape", "vintage", "wine"}

type answer struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Custom    bool   `json:"custom"`
	CreatedAt string `json:"createdAt"`
}

// TestUpWaitServesTheStack starts the example stack with `up --wait --ephemeral`
// and uses it as the app's users would: the answers API, PartyKit rooms over
// WebSocket, and both Astro pages in Chromium; then `down` leaves nothing behind.
func TestUpWaitServesTheStack(t *testing.T) {
	s := newStack(t)
	s.upWait()
	rep, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.allReady(rep); err != nil {
		t.Fatalf("after up --wait returned: %v (status %+v)", err, rep)
	}
	for _, svc := range rep.Services {
		if want := fmt.Sprintf("127.0.0.1:%d", svc.Port); !strings.Contains(svc.URL, want) {
			t.Errorf("status: %s url %q does not name %s", svc.Name, svc.URL, want)
		}
	}
	s.checkServing()
	pids, pgids := s.stackIDs(rep)
	if len(stackProcs(s.dir)) == 0 {
		t.Fatalf("no process found working in %s while the stack runs: the leftover checks could not see anything", s.dir)
	}

	useStack(t, s.ports)

	s.down()
	s.assertGone("after down", pids, pgids, s.portList())
}

// useStack checks a running stack from the outside, as its users would.
func useStack(t *testing.T, ports map[string]int) {
	api := fetchAnswers(t, ports["answers"])
	t.Run("answers API serves the seeded answers", func(t *testing.T) {
		for cat, labels := range seedLabels(t) {
			var got []string
			for _, a := range api[cat] {
				got = append(got, a.Label)
				if a.ID == "" || a.CreatedAt == "" || a.Custom {
					t.Errorf("%s answer %+v: want an id, a createdAt and custom=false for a seed", cat, a)
				}
			}
			for _, l := range labels {
				if !slices.Contains(got, l) {
					t.Errorf("seed %s %q missing from GET /answers (%s has %q)", cat, l, cat, got)
				}
			}
		}
	})

	t.Run("PartyKit room relays a broadcast between WebSocket clients", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		room := fmt.Sprintf("e2e-ws-%d", time.Now().UnixNano())
		alice := joinRoom(ctx, t, ports["partykit"], room)
		bob := joinRoom(ctx, t, ports["partykit"], room)
		if _, err := alice.readUntil(ctx, func(m roomMsg) bool { return m.Type == "join" && m.ID == bob.id }); err != nil {
			t.Fatalf("alice never saw bob join: %v", err)
		}
		if err := alice.send(ctx, map[string]string{"type": "answer", "label": "Nebbiolo"}); err != nil {
			t.Fatalf("send: %v", err)
		}
		got, err := bob.readUntil(ctx, func(m roomMsg) bool { return m.Type == "answer" })
		if err != nil {
			t.Fatalf("bob received no broadcast: %v", err)
		}
		if got.From != alice.id || got.Room != room || got.answerLabel() != "Nebbiolo" {
			t.Fatalf("bob received %+v, want alice's (%s) answer Nebbiolo in %s", got, alice.id, room)
		}
		var st struct {
			Room        string `json:"room"`
			Connections int    `json:"connections"`
		}
		getJSON(t, fmt.Sprintf("http://127.0.0.1:%d/parties/main/%s", ports["partykit"], room), &st)
		if st.Room != room || st.Connections != 2 {
			t.Fatalf("room status = %+v, want room %s with 2 connections", st, room)
		}
	})

	b := browser.New(t)
	astro := fmt.Sprintf("http://127.0.0.1:%d", ports["astro"])

	t.Run("Chromium sees the answers on the Astro index page", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(b.Tab(), 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(astro+"/")); err != nil {
			t.Fatalf("loading %s/: %v", astro, err)
		}
		page, err := chromedp.Run(ctx, chromedp.Evaluate[renderedAnswers](renderedAnswersJS))
		if err != nil {
			t.Fatalf("reading the page: %v", err)
		}
		if page.Status != "up" {
			t.Fatalf("page says the API is %q: %s", page.Status, page.Alert)
		}
		for _, cat := range categories {
			var want []renderedAnswer
			for _, a := range api[cat] {
				want = append(want, renderedAnswer{ID: a.ID, Label: a.Label})
			}
			if got := page.Answers[cat]; !slices.Equal(got, want) {
				t.Errorf("category %s: page shows %q, API has %q", cat, got, want)
			}
		}
		if len(page.Answers["color"]) == 0 {
			t.Errorf("no colour rendered")
		}
	})

	t.Run("Chromium room page shows broadcasts and sends answers", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(b.Tab(), 90*time.Second)
		defer cancel()
		room := fmt.Sprintf("e2e-page-%d", time.Now().UnixNano())
		if err := chromedp.Do(ctx, chromedp.Navigate(astro+"/room?id="+room)); err != nil {
			t.Fatalf("loading the room page: %v", err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("[data-ws-status]")?.dataset.wsStatus === "open"`,
			chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-ws-status]")?.dataset.wsStatus ?? "no status element"`))
			t.Fatalf("room page never connected to PartyKit (status %q): %v", status, err)
		}

		player := joinRoom(ctx, t, ports["partykit"], room)
		label := "Syrah from Go " + room
		seen := false
		// Resend until shown: should Vite reload the page once (dependency
		// optimisation), the page reconnects and a message sent meanwhile is lost.
		for attempt := 0; attempt < 10 && !seen && ctx.Err() == nil; attempt++ {
			if err := player.send(ctx, map[string]string{"type": "answer", "label": label}); err != nil {
				t.Fatalf("send: %v", err)
			}
			shown, _ := chromedp.Run(ctx, chromedp.PollFunction[bool](
				`(label) => [...document.querySelectorAll("#messages li[data-message-type=answer]")].some((li) => li.textContent.includes(label))`,
				chromedp.WithPollingArgs(label), chromedp.WithPollingTimeout(3*time.Second)))
			seen = shown
		}
		if !seen {
			msgs, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#messages li")].map((li) => li.dataset.messageType + ": " + li.textContent)`))
			t.Fatalf("the room page never showed the Go client's answer %q; it shows %q", label, msgs)
		}

		reply := "Merlot from Chromium " + room
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#answer-input"), reply),
			chromedp.Click(chromedp.CSS("#answer-form button")),
		); err != nil {
			t.Fatalf("submitting an answer on the page: %v", err)
		}
		rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
		defer rcancel()
		got, err := player.readUntil(rctx, func(m roomMsg) bool { return m.Type == "answer" && m.answerLabel() == reply })
		if err != nil {
			t.Fatalf("the Go client never received the page's answer %q: %v", reply, err)
		}
		if got.From == player.id || got.Room != room {
			t.Fatalf("page's answer arrived as %+v", got)
		}
	})

}

type renderedAnswer struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

type renderedAnswers struct {
	Status  string                      `json:"status"`
	Alert   string                      `json:"alert"`
	Answers map[string][]renderedAnswer `json:"answers"`
}

// renderedAnswersJS reads the index page through its stable selectors.
const renderedAnswersJS = `(() => {
  const status = document.querySelector("[data-api-status]");
  const answers = {};
  for (const section of document.querySelectorAll("[data-category]")) {
    answers[section.dataset.category] = [...section.querySelectorAll("[data-answer-id]")].map((li) => ({
      id: li.dataset.answerId,
      label: (li.querySelector("[data-label]")?.textContent ?? "").trim(),
    }));
  }
  return { status: status?.dataset.apiStatus ?? "", alert: status?.textContent.trim() ?? "", answers };
})()`

func fetchAnswers(t testing.TB, port int) map[string][]answer {
	t.Helper()
	var got map[string][]answer
	getJSON(t, fmt.Sprintf("http://127.0.0.1:%d/answers", port), &got)
	for _, cat := range categories {
		if _, ok := got[cat]; !ok {
			t.Fatalf("GET /answers has no %q category: %v", cat, got)
		}
	}
	return got
}

func getJSON(t testing.TB, url string, into any) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// seedLabels reads the embedded dataset's source, seeds/answers.json: per
// category, labels as strings or objects with a "label".
func seedLabels(t testing.TB) map[string][]string {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(t), "seeds", "answers.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the seed dataset: %v", err)
	}
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string][]string{}
	for cat, items := range raw {
		for _, it := range items {
			var s string
			if json.Unmarshal(it, &s) != nil {
				var o struct {
					Label string `json:"label"`
				}
				if err := json.Unmarshal(it, &o); err != nil || o.Label == "" {
					t.Fatalf("%s: %s item %s is neither a label nor {\"label\": ...}", path, cat, it)
				}
				s = o.Label
			}
			out[cat] = append(out[cat], s)
		}
	}
	if len(out["color"]) == 0 {
		t.Fatalf("%s has no colours to look for", path)
	}
	return out
}

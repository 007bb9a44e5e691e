// Package conformance is an HTTP conformance suite for the wine-answers API: given a
// base URL it checks every endpoint, status code and error of docs/api.md. The same
// suite runs against arena-dev and against the reference Worker under Miniflare;
// Options.Extensions adds the checks for what only arena-dev does (ETag, If-Match,
// the usage meter).
//
// The suite changes data: it replaces the color, grape and vintage categories.
// Point it at a throw-away state, never at data you care about.
package conformance

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Options tune the suite to the server under test.
type Options struct {
	// Extensions checks ETag/If-None-Match/If-Match and GET /_arena/usage (arena-dev only).
	Extensions bool
	// AllowedOrigin must be in the server's CORS allow-list; DeniedOrigin must not.
	AllowedOrigin, DeniedOrigin string
	// Client sends the requests; nil = a client with a 10 s timeout.
	Client *http.Client
}

// Categories are the five categories the API must serve.
var Categories = []string{"color", "country", "grape", "vintage", "wine"}

// Run checks the API at base (e.g. "http://127.0.0.1:8787") as subtests of t, in order.
func Run(t *testing.T, base string, o Options) {
	o = o.withDefaults()
	for _, s := range steps(o) {
		t.Run(s.name, func(t *testing.T) { s.fn(o.client(t, base), o) })
	}
}

func (o Options) withDefaults() Options {
	if o.AllowedOrigin == "" {
		o.AllowedOrigin = "http://localhost:4321"
	}
	if o.DeniedOrigin == "" {
		o.DeniedOrigin = "http://evil.example"
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return o
}

func (o Options) client(t T, base string) *client {
	return &client{t: t, base: strings.TrimRight(base, "/"), http: o.Client}
}

type step struct {
	name string
	fn   func(*client, Options)
}

// steps are the suite's checks in order; each may rely on the data the ones
// before it left.
func steps(o Options) []step {
	s := []step{
		{"healthz", checkHealthz},
		{"get all", checkGetAll},
		{"replace list", checkReplaceList},
		{"post", checkPost},
		{"put entry", checkPutEntry},
		{"delete", checkDelete},
		{"vintages", checkVintages},
		{"ids of other scripts", checkUnicodeIDs},
		{"errors write nothing", checkErrors},
		{"method not allowed", checkMethods},
		{"cors", checkCORS},
	}
	if o.Extensions {
		s = append(s, step{"etag and if-match", checkETags}, step{"usage meter", checkUsage})
	}
	return s
}

func checkHealthz(c *client, _ Options) {
	var h struct {
		OK bool `json:"ok"`
	}
	c.expectJSON(c.do("GET", "/healthz", nil), 200, "GET /healthz", &h)
	if !h.OK {
		c.t.Errorf("GET /healthz: ok is not true")
	}
}

func checkGetAll(c *client, _ Options) {
	var all map[string][]Entry
	c.expectJSON(c.do("GET", "/answers", nil), 200, "GET /answers", &all)
	for _, cat := range Categories {
		l, ok := all[cat]
		if !ok || l == nil {
			c.t.Errorf("GET /answers: no array for %q", cat)
		}
		if got := c.list(cat); !reflect.DeepEqual(ids(got), ids(l)) {
			c.t.Errorf("GET /answers/%s = %v, but GET /answers holds %v", cat, ids(got), ids(l))
		}
	}
	if len(all) != len(Categories) {
		c.t.Errorf("GET /answers has %d keys, want the %d categories", len(all), len(Categories))
	}
}

func checkReplaceList(c *client, _ Options) {
	var l []Entry
	c.expectJSON(c.do("PUT", "/answers/color", `["Red", {"label": " White "}, {"label": "Rosé", "custom": true}]`), 200, "PUT /answers/color", &l)
	if len(l) != 3 {
		c.t.Fatalf("PUT /answers/color returned %v", l)
	}
	checkEntry(c.t, "PUT list[0]", l[0], "red", "Red", false)
	checkEntry(c.t, "PUT list[1]", l[1], "white", "White", false)
	checkEntry(c.t, "PUT list[2]", l[2], "rose", "Rosé", true)
	if got := c.list("color"); !reflect.DeepEqual(got, l) {
		c.t.Errorf("GET after PUT = %v, want %v", got, l)
	}
	// Replacing again keeps the createdAt of ids that stay, and drops the others.
	var l2 []Entry
	c.expectJSON(c.do("PUT", "/answers/color", `["Red", "White", "Rosé"]`), 200, "PUT /answers/color again", &l2)
	if len(l2) != 3 || l2[0].CreatedAt != l[0].CreatedAt || l2[2].Custom {
		c.t.Errorf("second PUT = %+v; want createdAt kept and custom as sent", l2)
	}
	c.expectJSON(c.do("PUT", "/answers/color", `[]`), 200, "PUT empty list", &l2)
	if len(l2) != 0 || len(c.list("color")) != 0 {
		c.t.Errorf("PUT [] left %v", c.list("color"))
	}
	c.expect(c.do("PUT", "/answers/color", `["Red", "White", "Rosé"]`), 200, "PUT /answers/color")
}

func checkPost(c *client, _ Options) {
	var e Entry
	r := c.do("POST", "/answers/color", map[string]string{"label": "  Orange "})
	c.expectJSON(r, 201, "POST /answers/color", &e)
	checkEntry(c.t, "POST", e, "orange", "Orange", true)
	l := c.list("color")
	if got := ids(l); !reflect.DeepEqual(got, []string{"red", "white", "rose", "orange"}) {
		c.t.Errorf("after POST the list is %v, want the new answer appended", got)
	}
	if !reflect.DeepEqual(l[len(l)-1], e) {
		c.t.Errorf("stored %+v, POST returned %+v", l[len(l)-1], e)
	}
	// Same id, different spelling and case: the same answer.
	before := c.snapshot()
	c.expectError(c.do("POST", "/answers/color", `{"label": "ROSE"}`), 409, "duplicate", "POST a duplicate")
	if c.snapshot() != before {
		c.t.Errorf("a rejected duplicate changed the data")
	}
	c.expectJSON(c.do("POST", "/answers/grape", `{"label": "Gewürztraminer", "custom": false}`), 201, "POST custom false", &e)
	checkEntry(c.t, "POST custom false", e, "gewurztraminer", "Gewürztraminer", false)
}

func checkPutEntry(c *client, _ Options) {
	var e Entry
	c.expectJSON(c.do("PUT", "/answers/color/rose", `{"label": "rosé"}`), 200, "PUT /answers/color/rose", &e)
	old := c.list("color")[2]
	checkEntry(c.t, "PUT entry", e, "rose", "rosé", false)
	if e.CreatedAt != old.CreatedAt {
		c.t.Errorf("PUT entry changed createdAt: %q, stored %q", e.CreatedAt, old.CreatedAt)
	}
	c.expectJSON(c.do("PUT", "/answers/color/amber", `{"label": "Amber"}`), 201, "PUT a new entry", &e)
	checkEntry(c.t, "PUT new entry", e, "amber", "Amber", true)
	before := c.snapshot()
	c.expectError(c.do("PUT", "/answers/color/rose", `{"label": "Red"}`), 422, "id_mismatch", "PUT a label of another id")
	if c.snapshot() != before {
		c.t.Errorf("a rejected PUT changed the data")
	}
	c.expect(c.do("PUT", "/answers/color/rose", `{"label": "Rosé"}`), 200, "PUT /answers/color/rose back")
}

func checkDelete(c *client, _ Options) {
	r := c.do("DELETE", "/answers/color/amber", nil)
	c.expect(r, 204, "DELETE /answers/color/amber")
	if len(r.Body) != 0 {
		c.t.Errorf("DELETE answered 204 with a body: %q", r.Body)
	}
	if got := ids(c.list("color")); !reflect.DeepEqual(got, []string{"red", "white", "rose", "orange"}) {
		c.t.Errorf("after DELETE: %v", got)
	}
	c.expectError(c.do("DELETE", "/answers/color/amber", nil), 404, "answer_not_found", "DELETE twice")
}

func checkVintages(c *client, _ Options) {
	next := strconv.Itoa(time.Now().UTC().Year() + 1)
	c.expect(c.do("PUT", "/answers/vintage", `["NV", "1900"]`), 200, "PUT /answers/vintage")
	var e Entry
	c.expectJSON(c.do("POST", "/answers/vintage", `{"label": "`+next+`"}`), 201, "POST next year", &e)
	checkEntry(c.t, "POST next year", e, next, next, true)
	c.expectError(c.do("POST", "/answers/vintage", `{"label": "nv"}`), 409, "duplicate", "POST nv again")
	for _, bad := range []string{"1899", strconv.Itoa(time.Now().UTC().Year() + 2), "19x9", "Old", "20150"} {
		c.expectError(c.do("POST", "/answers/vintage", map[string]string{"label": bad}), 422, "invalid_vintage", "POST vintage "+bad)
	}
	if got := ids(c.list("vintage")); !reflect.DeepEqual(got, []string{"nv", "1900", next}) {
		c.t.Errorf("vintages: %v", got)
	}
}

// Ids keep letters of other scripts; both implementations must derive the same ones.
func checkUnicodeIDs(c *client, _ Options) {
	var e Entry
	c.expectJSON(c.do("POST", "/answers/grape", `{"label": "Ξινόμαυρο"}`), 201, "POST a Greek label", &e)
	checkEntry(c.t, "Greek label", e, "ξινομαυρο", "Ξινόμαυρο", true)
	c.expectJSON(c.do("POST", "/answers/grape", `{"label": "Cœur d'Été"}`), 201, "POST a ligature", &e)
	checkEntry(c.t, "ligature", e, "coeur-d-ete", "Cœur d'Été", true)
	c.expect(c.do("DELETE", "/answers/grape/%CE%BE%CE%B9%CE%BD%CE%BF%CE%BC%CE%B1%CF%85%CF%81%CE%BF", nil), 204, "DELETE an escaped id")
}

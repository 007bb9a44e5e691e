package conformance

import (
	"encoding/json"
)

// checkETags: GET returns an ETag that changes with the data; If-None-Match gives
// 304; a write with a stale If-Match is 412 and writes nothing.
func checkETags(c *client, _ Options) {
	r := c.do("GET", "/answers/color", nil)
	c.expect(r, 200, "GET /answers/color")
	tag := r.Header.Get("ETag")
	if tag == "" || tag[0] != '"' {
		c.t.Fatalf("GET /answers/color: ETag %q, want a quoted strong tag", tag)
	}
	if again := c.do("GET", "/answers/color", nil).Header.Get("ETag"); again != tag {
		c.t.Errorf("ETag changed without a write: %q then %q", tag, again)
	}
	c.expect(c.do("GET", "/answers/color", nil, "If-None-Match", tag), 304, "GET with a matching If-None-Match")
	if all := c.do("GET", "/answers", nil); all.Header.Get("ETag") == "" {
		c.t.Errorf("GET /answers has no ETag")
	}
	r = c.do("POST", "/answers/color", `{"label": "Tawny"}`, "If-Match", tag)
	c.expect(r, 201, "POST with a current If-Match")
	newTag := r.Header.Get("ETag")
	if newTag == "" || newTag == tag {
		c.t.Errorf("POST: ETag %q, want a new one (old %q)", newTag, tag)
	}
	if got := c.do("GET", "/answers/color", nil).Header.Get("ETag"); got != newTag {
		c.t.Errorf("GET after POST: ETag %q, the POST said %q", got, newTag)
	}
	before := c.snapshot()
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/answers/color", `{"label": "Purple"}`},
		{"PUT", "/answers/color/tawny", `{"label": "TAWNY"}`},
		{"PUT", "/answers/color", `["Red"]`},
		{"DELETE", "/answers/color/tawny", ""},
	} {
		var body any
		if w.body != "" {
			body = w.body
		}
		c.expectError(c.do(w.method, w.path, body, "If-Match", tag), 412, "precondition_failed", w.method+" with a stale If-Match")
	}
	if c.snapshot() != before {
		c.t.Errorf("412s changed the data")
	}
	c.expect(c.do("DELETE", "/answers/color/tawny", nil, "If-Match", newTag), 204, "DELETE with a current If-Match")
	c.expect(c.do("PUT", "/answers/color", `["Red", "White", "Rosé", "Orange"]`, "If-Match", "*"), 200, "PUT with If-Match: *")
}

// checkUsage: GET /_arena/usage counts KV reads and writes of the current UTC day.
func checkUsage(c *client, _ Options) {
	type usage struct {
		Day    string `json:"day"`
		Reads  int64  `json:"reads"`
		Writes int64  `json:"writes"`
		Limits struct {
			Reads  int64 `json:"reads"`
			Writes int64 `json:"writes"`
		} `json:"limits"`
	}
	get := func() usage {
		var u usage
		c.expectJSON(c.do("GET", "/_arena/usage", nil), 200, "GET /_arena/usage", &u)
		return u
	}
	u0 := get()
	if u0.Limits.Reads != 100000 || u0.Limits.Writes != 1000 || len(u0.Day) != len("2006-01-02") {
		b, _ := json.Marshal(u0)
		c.t.Errorf("usage %s: want the free-plan limits 100000/1000 and a UTC day", b)
	}
	c.list("color")                                                                               // one read
	c.expect(c.do("GET", "/answers", nil), 200, "GET /answers")                                   // five reads
	c.expect(c.do("POST", "/answers/color", `{"label": "Garnet"}`), 201, "POST")                  // a read and a write
	c.expectError(c.do("POST", "/answers/color", `{"label": "garnet"}`), 409, "duplicate", "dup") // a read
	u1 := get()
	if u1.Day == u0.Day && (u1.Reads-u0.Reads != 8 || u1.Writes-u0.Writes != 1) {
		c.t.Errorf("usage went from %d reads/%d writes to %d/%d; want +8 reads and +1 write", u0.Reads, u0.Writes, u1.Reads, u1.Writes)
	}
}

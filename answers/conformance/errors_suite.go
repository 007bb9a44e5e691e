package conformance

import (
	"strings"
)

func checkErrors(c *client, _ Options) {
	before := c.snapshot()
	cases := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/answers/colour", "", 404, "unknown_category"},
		{"POST", "/answers/colour", `{"label": "Red"}`, 404, "unknown_category"},
		{"PUT", "/answers/colour/red", `{"label": "Red"}`, 404, "unknown_category"},
		{"DELETE", "/answers/colour/red", "", 404, "unknown_category"},
		{"GET", "/nothing-here", "", 404, "not_found"},
		{"GET", "/answers/color/red/extra", "", 404, "not_found"},
		{"POST", "/answers/color", `{"label": "Red"`, 400, "invalid_json"},
		{"POST", "/answers/color", `not json`, 400, "invalid_json"},
		{"POST", "/answers/color", ``, 400, "invalid_json"},
		{"POST", "/answers/color", `["Red"]`, 400, "invalid_json"},
		{"POST", "/answers/color", `{"label": "Red"} {}`, 400, "invalid_json"},
		{"POST", "/answers/color", `{}`, 400, "missing_label"},
		{"POST", "/answers/color", `{"label": 7}`, 400, "missing_label"},
		{"POST", "/answers/color", `{"label": "   "}`, 400, "missing_label"},
		{"POST", "/answers/wine", `{"label": "` + strings.Repeat("é", 101) + `"}`, 422, "label_too_long"},
		{"POST", "/answers/wine", `{"label": "a\u0000b"}`, 422, "invalid_label"},
		{"POST", "/answers/wine", `{"label": "!!!"}`, 422, "invalid_label"},
		{"POST", "/answers/wine", `{"label": "` + strings.Repeat("x", 70<<10) + `"}`, 413, "body_too_large"},
		{"PUT", "/answers/color", `["Red", "RED"]`, 409, "duplicate"},
		{"PUT", "/answers/color", `["Red", ""]`, 400, "missing_label"},
		{"PUT", "/answers/vintage", `["NV", "1850"]`, 422, "invalid_vintage"},
		{"PUT", "/answers/color", `{"label": "Red"}`, 400, "invalid_json"},
		{"PUT", "/answers/color", `[` + strings.Repeat(`"Red",`, 20000) + `"Red"]`, 413, "body_too_large"},
		{"PUT", "/answers/color/red", `{"label": ` + strings.Repeat(" ", 65<<10) + `"Red"}`, 413, "body_too_large"},
		{"PUT", "/answers/color/red", `{}`, 400, "missing_label"},
		{"DELETE", "/answers/color/no-such-answer", "", 404, "answer_not_found"},
	}
	for _, tc := range cases {
		var body any
		if tc.body != "" || tc.method == "POST" {
			body = tc.body
		}
		c.expectError(c.do(tc.method, tc.path, body), tc.status, tc.code, tc.method+" "+tc.path+" "+abbrev(tc.body))
	}
	if after := c.snapshot(); after != before {
		c.t.Errorf("failed requests changed the data:\nbefore %s\nafter  %s", abbrev(before), abbrev(after))
	}
}

func abbrev(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func checkMethods(c *client, _ Options) {
	cases := []struct{ method, path, allow string }{
		{"POST", "/answers", "GET"},
		{"DELETE", "/answers", "GET"},
		{"DELETE", "/answers/color", "GET, POST, PUT"},
		{"PATCH", "/answers/color", "GET, POST, PUT"},
		{"GET", "/answers/color/red", "PUT, DELETE"},
		{"POST", "/answers/color/red", "PUT, DELETE"},
		{"POST", "/healthz", "GET"},
	}
	before := c.snapshot()
	for _, tc := range cases {
		r := c.do(tc.method, tc.path, nil)
		c.expectError(r, 405, "method_not_allowed", tc.method+" "+tc.path)
		if got := r.Header.Get("Allow"); got != tc.allow {
			c.t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	if c.snapshot() != before {
		c.t.Errorf("405s changed the data")
	}
}

func checkCORS(c *client, o Options) {
	r := c.do("GET", "/answers/color", nil, "Origin", o.AllowedOrigin)
	c.expect(r, 200, "GET with an allowed Origin")
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != o.AllowedOrigin {
		c.t.Errorf("allowed origin: Access-Control-Allow-Origin %q, want %q", got, o.AllowedOrigin)
	}
	if !strings.Contains(r.Header.Get("Vary"), "Origin") {
		c.t.Errorf("allowed origin: no Vary: Origin")
	}
	r = c.do("OPTIONS", "/answers/color", nil, "Origin", o.AllowedOrigin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type")
	c.expect(r, 204, "preflight from an allowed origin")
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != o.AllowedOrigin {
		c.t.Errorf("preflight: Access-Control-Allow-Origin %q", got)
	}
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		if !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), m) {
			c.t.Errorf("preflight: Access-Control-Allow-Methods %q lacks %s", r.Header.Get("Access-Control-Allow-Methods"), m)
		}
	}
	if !strings.Contains(strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")), "content-type") {
		c.t.Errorf("preflight: Access-Control-Allow-Headers %q lacks Content-Type", r.Header.Get("Access-Control-Allow-Headers"))
	}
	r = c.do("GET", "/answers/color", nil, "Origin", o.DeniedOrigin)
	c.expect(r, 200, "GET from a denied origin (the browser blocks it, not the server)")
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
		c.t.Errorf("denied origin got Access-Control-Allow-Origin %q", got)
	}
	r = c.do("OPTIONS", "/answers/color", nil, "Origin", o.DeniedOrigin, "Access-Control-Request-Method", "POST")
	c.expectError(r, 403, "origin_not_allowed", "preflight from a denied origin")
	before := c.snapshot()
	r = c.do("POST", "/answers/color", `{"label": "Evil"}`, "Origin", o.DeniedOrigin)
	c.expectError(r, 403, "origin_not_allowed", "POST from a denied origin")
	if c.snapshot() != before {
		c.t.Errorf("a POST from a denied origin changed the data")
	}
}

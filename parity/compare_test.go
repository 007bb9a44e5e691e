package parity

import (
	"net/http"
	"strings"
	"testing"
)

func resp(status int, body string, h ...string) Response {
	hd := http.Header{}
	for i := 0; i+1 < len(h); i += 2 {
		hd.Set(h[i], h[i+1])
	}
	return Response{Status: status, Header: hd, Body: []byte(body)}
}

func TestCompareNormalisesOnlyWhatLegitimatelyDiffers(t *testing.T) {
	g := resp(201, `{"id":"red","label":"Red","custom":true,"createdAt":"2026-01-01T00:00:00Z"}`,
		"Content-Type", "application/json; charset=utf-8", "ETag", `"abc"`, "Vary", "Origin")
	w := resp(201, `{"createdAt":"2026-01-01T00:00:07Z","custom":true,"label":"Red","id":"red"}`,
		"Content-Type", "application/json; charset=utf-8", "Vary", "origin")
	if d := Compare("POST /answers/color", g, w); len(d) != 0 {
		t.Errorf("key order, createdAt, Vary case and arena-dev's own ETag differ: %v", d)
	}
	ge := resp(404, `{"error":{"code":"unknown_category","message":"unknown category \"x\""}}`)
	we := resp(404, `{"error":{"code":"unknown_category","message":"no such category"}}`)
	if d := Compare("GET /answers/x", ge, we); len(d) != 0 {
		t.Errorf("error messages are each implementation's words: %v", d)
	}
}

func TestCompareReportsStatusHeadersAndBody(t *testing.T) {
	g := resp(404, `{"error":{"code":"unknown_category","message":"m"}}`, "Content-Type", "application/json", "Cache-Control", "no-store")
	w := resp(400, `{"error":{"code":"bad_category","message":""}}`, "Content-Type", "text/plain", "ETag", `"w"`)
	got := map[string]string{}
	for _, d := range Compare("GET /answers/x", g, w) {
		if d.Request != "GET /answers/x" {
			t.Errorf("difference without its request: %+v", d)
		}
		got[d.What] = d.Go + " | " + d.Worker
	}
	want := map[string]string{
		"status":               "404 | 400",
		"header Content-Type":  `"application/json" | "text/plain"`,
		"header Cache-Control": `"no-store" | absent`,
		"header ETag":          "absent | present", // a Worker ETag arena-dev lacks
		"body error.code":      `"unknown_category" | "bad_category"`,
		"body error.message":   `"(message)" | ""`, // an empty message is not normalised away
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("differences %v, want exactly %v", got, want)
	}
	// Not JSON: compared as bytes.
	d := Compare("GET /x", resp(200, "a"), resp(200, "b"))
	if len(d) != 1 || d[0].What != "body" || !strings.Contains(d[0].String(), "GET /x: body: arena-dev a, Worker b") {
		t.Errorf("byte bodies: %v", d)
	}
	// Lists of another length.
	d = Compare("GET /answers/color", resp(200, `[{"id":"a"}]`), resp(200, `[]`))
	if len(d) != 1 || d[0].What != "body length" {
		t.Errorf("list lengths: %+v", d)
	}
}

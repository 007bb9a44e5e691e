package answers

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeLabelRequest(t *testing.T) {
	yes := true
	tests := []struct {
		body     string
		want     LabelRequest
		wantCode string
	}{
		{`{"label":"Merlot"}`, LabelRequest{Label: "Merlot"}, ""},
		{` {"label":"Merlot","custom":true} `, LabelRequest{Label: "Merlot", Custom: &yes}, ""},
		{`{"label":"Merlot","extra":1}`, LabelRequest{Label: "Merlot"}, ""},
		{``, LabelRequest{}, "invalid_json"},
		{`{`, LabelRequest{}, "invalid_json"},
		{`null`, LabelRequest{}, "invalid_json"},
		{`[]`, LabelRequest{}, "invalid_json"},
		{`"Merlot"`, LabelRequest{}, "invalid_json"},
		{`{"label":"a"} {"label":"b"}`, LabelRequest{}, "invalid_json"},
		{`{"label":"a"} x`, LabelRequest{}, "invalid_json"},
		{`{}`, LabelRequest{}, "missing_label"},
		{`{"label":null}`, LabelRequest{}, "missing_label"},
		{`{"label":42}`, LabelRequest{}, "missing_label"},
		{`{"label":"x","custom":"yes"}`, LabelRequest{}, "invalid_json"},
	}
	for _, tc := range tests {
		got, err := DecodeLabelRequest([]byte(tc.body))
		code := ""
		if err != nil {
			code = err.Code
			if err.Status != 400 {
				t.Errorf("DecodeLabelRequest(%s): status %d, want 400", tc.body, err.Status)
			}
		}
		if code != tc.wantCode || (err == nil && (got.Label != tc.want.Label || (got.Custom == nil) != (tc.want.Custom == nil))) {
			t.Errorf("DecodeLabelRequest(%s) = %+v, %v; want %+v, code %q", tc.body, got, err, tc.want, tc.wantCode)
		}
	}
}

func TestDecodeListRequest(t *testing.T) {
	got, err := DecodeListRequest([]byte(`["Red", {"label": "White", "custom": true}]`))
	if err != nil || len(got) != 2 || got[0].Label != "Red" || got[1].Label != "White" || got[1].Custom == nil || !*got[1].Custom {
		t.Fatalf("got %+v, %v", got, err)
	}
	for _, body := range []string{`{}`, `null`, `[1]`, `[null]`, `[{"custom": true}]`, `["a"] ]`} {
		if _, err := DecodeListRequest([]byte(body)); err == nil || err.Status != 400 {
			t.Errorf("DecodeListRequest(%s) = %v; want a 400", body, err)
		}
	}
	if _, err := DecodeListRequest([]byte("[" + strings.Repeat(`"a",`, seedLikeCount) + `"a"]`)); err == nil || err.Code != "too_many_answers" {
		t.Errorf("an oversized list: got %v", err)
	}
}

// FuzzDecodeLabelRequest: decoding never panics, errors are 400 with a code, and
// an accepted body really is a JSON object whose "label" is that string.
func FuzzDecodeLabelRequest(f *testing.F) {
	for _, s := range []string{`{"label":"Merlot"}`, `{"label":"x","custom":false}`, `{}`, `[`, `null`, `{"label":"\u00e9"}`, `{"label":"a"}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeLabelRequest(body)
		if err != nil {
			if err.Status != 400 || err.Code == "" || err.Message == "" {
				t.Fatalf("bad error %+v", err)
			}
			return
		}
		var obj map[string]any
		if e := json.Unmarshal(body, &obj); e != nil {
			t.Fatalf("accepted %q, which encoding/json rejects: %v", body, e)
		}
		if s, ok := obj["label"].(string); !ok || s != req.Label {
			t.Fatalf("accepted %q with label %q; the object says %#v", body, req.Label, obj["label"])
		}
	})
}

// FuzzDecodeListRequest: never panics; an accepted body is a JSON array of as many answers.
func FuzzDecodeListRequest(f *testing.F) {
	for _, s := range []string{`["Red"]`, `[{"label":"x"}]`, `[]`, `[1]`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		reqs, err := DecodeListRequest(body)
		if err != nil {
			if err.Status != 400 && err.Status != 422 {
				t.Fatalf("bad error %+v", err)
			}
			return
		}
		var arr []json.RawMessage
		if e := json.Unmarshal(body, &arr); e != nil || len(arr) != len(reqs) {
			t.Fatalf("accepted %q as %d answers; encoding/json says %d, %v", body, len(reqs), len(arr), e)
		}
	})
}

package answers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of the API, shared with the reference Worker.
const (
	MaxLabelChars = 100      // Unicode code points, after trimming
	MaxBodyBytes  = 64 << 10 // 64 KiB request body
	MinVintage    = 1900     // oldest vintage year accepted
	NonVintage    = "NV"     // the label of a non-vintage wine
	seedLikeCount = 1 << 12  // upper bound on entries in one PUT of a whole list
	maxListBytes  = 8 << 20  // a stored category larger than this is refused on write
	jsTrimExtra   = "\u2028\u2029\ufeff"
)

// trimLabel trims what JavaScript's String.prototype.trim trims (space separators,
// tab, line breaks, BOM), so arena-dev and the Worker agree on every label.
func trimLabel(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.Is(unicode.Zs, r) || strings.ContainsRune("\t\n\v\f\r"+jsTrimExtra, r)
	})
}

// ValidateLabel checks a label for a category and returns its canonical form
// (trimmed; "nv" becomes "NV") and id. now gives "next year" for vintages.
func ValidateLabel(cat Category, raw string, now time.Time) (label, id string, err *Error) {
	label = trimLabel(raw)
	if label == "" {
		return "", "", errf(400, "missing_label", "label is empty")
	}
	if n := utf8.RuneCountInString(label); n > MaxLabelChars {
		return "", "", errf(422, "label_too_long", "label has %d characters; the limit is %d", n, MaxLabelChars)
	}
	for _, r := range label {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", "", errf(422, "invalid_label", "label contains the control or invalid character %U", r)
		}
		// Format characters (category Cf) are invisible: bidi overrides such as
		// U+202E make a label display as something else than it is, zero-width
		// ones make two identical-looking labels differ.
		if unicode.Is(unicode.Cf, r) {
			return "", "", errf(422, "invalid_label", "label contains the invisible format character %U%s", r, formatCharNames[r])
		}
	}
	if cat == Vintage {
		if strings.EqualFold(label, NonVintage) {
			label = NonVintage
		} else if !isVintageYear(label, now) {
			return "", "", errf(422, "invalid_vintage",
				"vintage %q is neither a year from %d to %d nor %q", label, MinVintage, now.UTC().Year()+1, NonVintage)
		}
	}
	id = Slug(label)
	if id == "" {
		return "", "", errf(422, "invalid_label", "label %q has no letters or digits to make an id from", label)
	}
	return label, id, nil
}

// formatCharNames name the format characters most likely to be pasted or planted
// (the whole Unicode name table would add a megabyte to the binary).
var formatCharNames = map[rune]string{
	0x00AD: " (SOFT HYPHEN)", 0x061C: " (ARABIC LETTER MARK)", 0x200B: " (ZERO WIDTH SPACE)",
	0x200C: " (ZERO WIDTH NON-JOINER)", 0x200D: " (ZERO WIDTH JOINER)", 0x200E: " (LEFT-TO-RIGHT MARK)",
	0x200F: " (RIGHT-TO-LEFT MARK)", 0x202A: " (LEFT-TO-RIGHT EMBEDDING)", 0x202B: " (RIGHT-TO-LEFT EMBEDDING)",
	0x202C: " (POP DIRECTIONAL FORMATTING)", 0x202D: " (LEFT-TO-RIGHT OVERRIDE)", 0x202E: " (RIGHT-TO-LEFT OVERRIDE)",
	0x2060: " (WORD JOINER)", 0x2066: " (LEFT-TO-RIGHT ISOLATE)", 0x2067: " (RIGHT-TO-LEFT ISOLATE)",
	0x2068: " (FIRST STRONG ISOLATE)", 0x2069: " (POP DIRECTIONAL ISOLATE)", 0xFEFF: " (ZERO WIDTH NO-BREAK SPACE)",
}

func isVintageYear(s string, now time.Time) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	y, _ := strconv.Atoi(s)
	return y >= MinVintage && y <= now.UTC().Year()+1
}

// LabelRequest is the body of POST /answers/{category} and PUT /answers/{category}/{id}.
type LabelRequest struct {
	Label  string
	Custom *bool // nil when the body did not say
}

// decodeObject parses body as exactly one JSON value into v; trailing data is an error.
func decodeObject(body []byte, v any) *Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return errf(400, "invalid_json", "request body is not valid JSON: %v", jsonReason(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errf(400, "invalid_json", "request body has data after the JSON value")
	}
	return nil
}

func jsonReason(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("got a JSON %s where an %s belongs", ute.Value, kindOf(ute.Type.Kind().String()))
	}
	return err.Error()
}

// DecodeLabelRequest parses {"label": string, "custom"?: bool}. A body that is not a
// JSON object is 400 invalid_json; a missing or non-string label is 400.
func DecodeLabelRequest(body []byte) (LabelRequest, *Error) {
	var raw map[string]json.RawMessage
	if e := decodeObject(body, &raw); e != nil {
		return LabelRequest{}, e
	}
	if raw == nil {
		return LabelRequest{}, errf(400, "invalid_json", "request body must be a JSON object, got null")
	}
	return labelFromFields(raw, "")
}

// labelFromFields reads label and custom from one decoded object; where prefixes
// messages (e.g. "entry 3: ") when the object sits inside a list.
func labelFromFields(raw map[string]json.RawMessage, where string) (LabelRequest, *Error) {
	var req LabelRequest
	lv, ok := raw["label"]
	if !ok || string(lv) == "null" {
		return req, errf(400, "missing_label", "%srequest has no \"label\"", where)
	}
	if err := json.Unmarshal(lv, &req.Label); err != nil {
		return req, errf(400, "missing_label", "%s\"label\" must be a string", where)
	}
	if cv, ok := raw["custom"]; ok && string(cv) != "null" {
		var c bool
		if err := json.Unmarshal(cv, &c); err != nil {
			return req, errf(400, "invalid_json", "%s\"custom\" must be true or false", where)
		}
		req.Custom = &c
	}
	return req, nil
}

// DecodeListRequest parses the body of PUT /answers/{category}: a JSON array of
// {"label", "custom"?} objects (bare strings are accepted as labels too).
func DecodeListRequest(body []byte) ([]LabelRequest, *Error) {
	var items []json.RawMessage
	if e := decodeObject(body, &items); e != nil {
		return nil, e
	}
	if items == nil {
		return nil, errf(400, "invalid_json", "request body must be a JSON array of answers, got null")
	}
	if len(items) > seedLikeCount {
		return nil, errf(422, "too_many_answers", "%d answers in one list; the limit is %d", len(items), seedLikeCount)
	}
	out := make([]LabelRequest, 0, len(items))
	for i, it := range items {
		where := fmt.Sprintf("answer %d: ", i)
		var s string
		if it[0] == '"' && json.Unmarshal(it, &s) == nil {
			out = append(out, LabelRequest{Label: s})
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(it, &raw); err != nil || raw == nil {
			return nil, errf(400, "invalid_json", "%smust be an object with a \"label\" or a string", where)
		}
		req, e := labelFromFields(raw, where)
		if e != nil {
			return nil, e
		}
		out = append(out, req)
	}
	return out, nil
}

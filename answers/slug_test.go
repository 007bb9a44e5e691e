package answers

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestSlug(t *testing.T) {
	tests := []struct{ label, want string }{
		{"Rosé", "rose"},
		{"rose", "rose"},
		{"  ROSÉ  ", "rose"},
		{"Châteauneuf-du-Pape", "chateauneuf-du-pape"},
		{"Nero d'Avola", "nero-d-avola"},
		{"Gewürztraminer", "gewurztraminer"},
		{"Côte-Rôtie", "cote-rotie"},
		{"Cœur de Cuvée", "coeur-de-cuvee"},
		{"Weißburgunder", "weissburgunder"},
		{"Blaufränkisch", "blaufrankisch"},
		{"Albariño", "albarino"},
		{"Saint--Émilion!!", "saint-emilion"},
		{"NV", "nv"},
		{"2019", "2019"},
		{"Château d’Yquem", "chateau-d-yquem"},
		{"Ｆｕｌｌｗｉｄｔｈ", "fullwidth"}, // compatibility decomposition
		{"Ξινόμαυρο", "ξινομαυρο"}, // other scripts are kept, lower-cased
		{"!!!", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := Slug(tc.label); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.label, got, tc.want)
		}
	}
}

func TestValidateLabel(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		cat       Category
		raw       string
		wantLabel string
		wantCode  string
	}{
		{Color, " Rosé ", "Rosé", ""},
		{Color, "", "", "missing_label"},
		{Color, " \t ", "", "missing_label"},
		{Wine, strings.Repeat("é", 100), strings.Repeat("é", 100), ""},
		{Wine, strings.Repeat("é", 101), "", "label_too_long"},
		{Wine, "line\nbreak", "", "invalid_label"},
		{Wine, "---", "", "invalid_label"},
		{Wine, "Pinot\u202eToN", "", "invalid_label"}, // bidi override
		{Wine, "a\u2066b\u2069", "", "invalid_label"},
		{Wine, "Mer\u200blot", "", "invalid_label"}, // zero-width space
		{Wine, "Gamay\u00ad", "", "invalid_label"},  // soft hyphen
		{Wine, "\ufeffRosé", "Rosé", ""},            // a leading BOM is trimmed, as JS trims it
		{Wine, "Ros\ufeffé", "", "invalid_label"},
		{Vintage, "NV", "NV", ""},
		{Vintage, "nv", "NV", ""},
		{Vintage, "1900", "1900", ""},
		{Vintage, "1899", "", "invalid_vintage"},
		{Vintage, "2027", "2027", ""}, // next year
		{Vintage, "2028", "", "invalid_vintage"},
		{Vintage, "19a0", "", "invalid_vintage"},
		{Vintage, "２０１９", "", "invalid_vintage"}, // full-width digits are not a year
		{Vintage, "Old", "", "invalid_vintage"},
		{Grape, "2019", "2019", ""}, // only vintages are restricted to years
	}
	for _, tc := range tests {
		label, id, err := ValidateLabel(tc.cat, tc.raw, now)
		code := ""
		if err != nil {
			code = err.Code
			if err.Status != 400 && err.Status != 422 {
				t.Errorf("ValidateLabel(%s, %q): status %d", tc.cat, tc.raw, err.Status)
			}
		}
		if code != tc.wantCode || label != tc.wantLabel {
			t.Errorf("ValidateLabel(%s, %q) = %q, %v; want %q, code %q", tc.cat, tc.raw, label, err, tc.wantLabel, tc.wantCode)
		}
		if tc.wantCode == "invalid_label" && strings.ContainsFunc(tc.raw, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) &&
			(err == nil || !strings.Contains(err.Message, "U+")) {
			t.Errorf("ValidateLabel(%s, %q): %v; want the format character named", tc.cat, tc.raw, err)
		}
		if err == nil && id != Slug(label) {
			t.Errorf("ValidateLabel(%s, %q): id %q is not Slug(label)", tc.cat, tc.raw, id)
		}
	}
}

// FuzzLabelSlug: validation never panics; an accepted label is trimmed, within the
// limit, free of control characters, with a non-empty id that is already a slug
// (Slug is idempotent) made only of lower-case letters, digits and single hyphens.
func FuzzLabelSlug(f *testing.F) {
	for _, s := range []string{"Rosé", "Châteauneuf-du-Pape", "NV", "2019", " x ", "ǅ", "İstanbul", "ß", "\u0301a", "a\u200bb", "Ωmega"} {
		f.Add(s, uint8(0))
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string, catIndex uint8) {
		cat := Categories[int(catIndex)%len(Categories)]
		label, id, err := ValidateLabel(cat, raw, now)
		if err != nil {
			if err.Status != 400 && err.Status != 422 {
				t.Fatalf("status %d for %q", err.Status, raw)
			}
			return
		}
		if label != trimLabel(label) || label == "" || utf8.RuneCountInString(label) > MaxLabelChars {
			t.Fatalf("accepted label %q is not trimmed or is out of bounds", label)
		}
		for _, r := range label {
			if unicode.Is(unicode.Cf, r) {
				t.Fatalf("accepted label %q holds the format character %U", label, r)
			}
		}
		if id == "" || Slug(id) != id {
			t.Fatalf("Slug(%q) = %q is not idempotent (Slug again: %q)", label, id, Slug(id))
		}
		if strings.HasPrefix(id, "-") || strings.HasSuffix(id, "-") || strings.Contains(id, "--") {
			t.Fatalf("Slug(%q) = %q has stray hyphens", label, id)
		}
		for _, r := range id {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) || unicode.IsUpper(r) {
				t.Fatalf("Slug(%q) = %q holds %q", label, id, r)
			}
		}
		if Slug(strings.ToUpper(label)) != id && utf8.ValidString(label) && strings.ToLower(strings.ToUpper(label)) == strings.ToLower(label) {
			t.Fatalf("Slug is case-sensitive: %q vs %q", Slug(strings.ToUpper(label)), id)
		}
	})
}

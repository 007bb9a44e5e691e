package answers

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldSpecial spells out the Latin letters that Unicode decomposition leaves alone,
// so "Cœur" and "Coeur" or "Weißburgunder" and "Weissburgunder" get the same id.
var foldSpecial = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ł': "l", 'Ł': "l",
	'þ': "th", 'Þ': "th", 'ð': "d", 'Ð': "d", 'ı': "i",
	'ς': "σ", // final sigma: "Σ" and "ς" are the same letter
}

// Slug derives an answer id from its label: compatibility-decomposed, combining
// marks dropped (accents folded), a few ligatures spelled out, lower case, and every
// run of characters that are neither letters nor digits turned into one hyphen,
// with none at either end. "Rosé", "ROSE" and " rose " all give "rose". Letters of
// other scripts are kept (lower-cased), so a Greek label gets a Greek id. An empty
// result means the label has no letters or digits at all.
//
// The reference Worker implements the same steps in TypeScript (slugify in
// examples/sommelier-arena/wine-answers-worker/src/answers.ts); keep them in step.
func Slug(label string) string {
	var b strings.Builder
	pendingHyphen := false
	for _, r := range norm.NFKD.String(label) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		var out string
		if s, ok := foldSpecial[r]; ok {
			out = s
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = strings.ToLower(string(r))
		}
		if out == "" {
			pendingHyphen = b.Len() > 0
			continue
		}
		if pendingHyphen {
			b.WriteByte('-')
			pendingHyphen = false
		}
		b.WriteString(out)
	}
	return b.String()
}

package seeds

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/sommelier-arena/arena-dev/answers"
)

// The embedded dataset parses (valid labels, no duplicate ids within a category),
// has every category, and about 200 answers.
func TestDefaultDatasetIsValid(t *testing.T) {
	set, err := Parse(defaultJSON, "answers.json", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, cat := range answers.Categories {
		if len(set[cat]) == 0 {
			t.Errorf("category %s has no seed answers", cat)
		}
	}
	if n := set.Count(); n < 180 || n > 260 {
		t.Errorf("%d seed answers; the dataset should hold about 200", n)
	}
	// An id may not appear in two categories either: a label that is both a grape
	// and a wine is a sign of a mix-up (e.g. "Muscadet" is a wine, its grape is
	// Melon de Bourgogne).
	owner := map[string]answers.Category{}
	for _, cat := range answers.Categories {
		for _, s := range set[cat] {
			if other, dup := owner[s.ID]; dup {
				t.Errorf("id %q is in both %s and %s", s.ID, other, cat)
			}
			owner[s.ID] = cat
		}
	}
}

// misspellings maps a wrong spelling (a whole word or phrase, matched without regard
// to case) to the right one. Accents are part of these names' spelling.
var misspellings = map[string]string{
	"chateau": "Château", "cote": "Côte", "cotes": "Côtes", "rose": "Rosé", "gruner": "Grüner",
	"gewurztraminer": "Gewürztraminer", "gewurtztraminer": "Gewürztraminer", "blaufrankisch": "Blaufränkisch",
	"mourvedre": "Mourvèdre", "carmenere": "Carménère", "semillon": "Sémillon", "albarino": "Albariño",
	"torrontes": "Torrontés", "mencia": "Mencía", "muller": "Müller", "ximenez": "Ximénez",
	"aligote": "Aligoté", "aszu": "Aszú", "unico": "Único", "romanee": "Romanée", "emilion": "Émilion",
	"petrus": "Pétrus", "perignon": "Pérignon", "rias": "Rías", "fume": "Fumé", "fuisse": "Fuissé",
	"rotie": "Rôtie", "tache": "Tâche", "cuvee": "Cuvée", "chardonay": "Chardonnay",
	"sauvingon": "Sauvignon", "savignon": "Sauvignon", "reisling": "Riesling", "cabernet savignon": "Cabernet Sauvignon",
	"sangiovesse": "Sangiovese", "nebiolo": "Nebbiolo", "tempranilo": "Tempranillo", "zinfandell": "Zinfandel",
	"pinotnoir": "Pinot Noir", "viogner": "Viognier", "grenach": "Grenache", "shiraz": "Syrah (one name per grape)",
	"chateauneuf": "Châteauneuf", "montepulchiano": "Montepulciano", "valpolicela": "Valpolicella",
	"brunelo": "Brunello", "amarrone": "Amarone", "proseco": "Prosecco", "sasicaia": "Sassicaia",
	"yquem": "d'Yquem (with the Château)", "argentine": "Argentina", "new zeland": "New Zealand",
	"portugual": "Portugal", "austrailia": "Australia", "hungry": "Hungary",
}

// synonyms are names of the same grape; a dataset holding two of them has a
// duplicate answer that the ids cannot catch.
var synonyms = [][]string{
	{"Syrah", "Shiraz"}, {"Grenache", "Garnacha", "Cannonau"}, {"Pinot Gris", "Pinot Grigio"},
	{"Zinfandel", "Primitivo"}, {"Tempranillo", "Tinta Roriz", "Tinto Fino"}, {"Mourvèdre", "Monastrell", "Mataró"},
	{"Carignan", "Cariñena", "Mazuelo"}, {"Muscat", "Moscato", "Moscatel"}, {"Melon de Bourgogne", "Muscadet"},
	{"Trebbiano", "Ugni Blanc"}, {"Silvaner", "Sylvaner"}, {"Pinot Blanc", "Pinot Bianco", "Weissburgunder"},
	{"Pinot Noir", "Spätburgunder", "Pinot Nero"}, {"Blaufränkisch", "Lemberger", "Kékfrankos"},
	{"Glera", "Prosecco"}, {"Macabeo", "Viura"}, {"Cinsault", "Cinsaut"},
}

var doubleSpace = regexp.MustCompile(`\s{2,}`)

func TestDefaultDatasetSpelling(t *testing.T) {
	set := Default()
	for _, cat := range answers.Categories {
		for i, s := range set[cat] {
			where := string(cat) + " " + strconv.Itoa(i) + " " + strconv.Quote(s.Label)
			first := []rune(s.Label)[0]
			if !unicode.IsUpper(first) && !unicode.IsDigit(first) {
				t.Errorf("%s: does not start with a capital letter or a digit", where)
			}
			if doubleSpace.MatchString(s.Label) || strings.TrimSpace(s.Label) != s.Label {
				t.Errorf("%s: stray whitespace", where)
			}
			if strings.ContainsAny(s.Label, "’`´\"") {
				t.Errorf("%s: use a plain apostrophe (') and no quotes", where)
			}
			lower := " " + strings.ToLower(strings.NewReplacer("-", " ", "'", " ").Replace(s.Label)) + " "
			for wrong, right := range misspellings {
				if strings.Contains(lower, " "+wrong+" ") && !strings.Contains(strings.ToLower(right), wrong) {
					t.Errorf("%s: %q should be spelled %s", where, wrong, right)
				}
			}
		}
	}
	for _, group := range synonyms {
		var found []string
		for _, name := range group {
			for _, cat := range []answers.Category{answers.Grape} {
				for _, s := range set[cat] {
					if s.Label == name {
						found = append(found, name)
					}
				}
			}
		}
		if len(found) > 1 {
			t.Errorf("grape synonyms %v are all in the dataset; keep one", found)
		}
	}
}

// Vintages: "NV" plus distinct years in ascending order, all inside the API's range.
func TestDefaultDatasetVintages(t *testing.T) {
	vs := Default()[answers.Vintage]
	if len(vs) == 0 || vs[0].Label != answers.NonVintage {
		t.Fatalf("vintages should start with %q, got %v", answers.NonVintage, vs)
	}
	prev := 0
	for _, v := range vs[1:] {
		y, err := strconv.Atoi(v.Label)
		if err != nil || y <= prev || y < answers.MinVintage {
			t.Errorf("vintage %q after %d: want ascending years from %d", v.Label, prev, answers.MinVintage)
		}
		prev = y
	}
}

func TestParseRejectsBadDatasets(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, data, want string
	}{
		{"not an object", `[1]`, "not a JSON object"},
		{"unknown category", `{"colour": ["Red"]}`, `unknown category "colour"`},
		{"duplicate id", `{"color": ["Rosé", "rose"]}`, `both have the id "rose"`},
		{"bad vintage", `{"vintage": ["1850"]}`, `vintage answer 0 ("1850")`},
		{"too long", `{"wine": ["` + strings.Repeat("x", 101) + `"]}`, "101 characters"},
		{"not a list", `{"grape": "Merlot"}`, "category grape"},
		{"missing label", `{"grape": [{"name": "Merlot"}]}`, `no "label"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data), "f.json", now)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f.json") {
				t.Fatalf("Parse(%s) = %v; want an error naming f.json and containing %q", tc.data, err, tc.want)
			}
		})
	}
	set, err := Parse([]byte(`{"grape": ["Merlot", {"label": " Syrah "}], "vintage": ["nv", "2027"]}`), "f.json", now)
	if err != nil {
		t.Fatal(err)
	}
	if got := set[answers.Grape][1]; got.Label != "Syrah" || got.ID != "syrah" {
		t.Errorf("object label: got %+v", got)
	}
	if got := set[answers.Vintage]; got[0].Label != "NV" || got[1].ID != "2027" {
		t.Errorf("vintages: got %+v", got)
	}
}

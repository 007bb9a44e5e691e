package dotenv

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    map[string]string
		errLine int
	}{
		{name: "bare and comments", in: "# c\n\nA=1\nB = two words # note\nexport C=x", want: map[string]string{"A": "1", "B": "two words", "C": "x"}},
		{name: "single quotes are literal", in: `A='x\ny # not a comment'`, want: map[string]string{"A": `x\ny # not a comment`}},
		{name: "double quotes escape", in: `A="x\ny \"q\""`, want: map[string]string{"A": "x\ny \"q\""}},
		{name: "multi-line double quotes", in: "A=\"one\ntwo\"\nB=3", want: map[string]string{"A": "one\ntwo", "B": "3"}},
		{name: "later wins", in: "A=1\nA=2", want: map[string]string{"A": "2"}},
		{name: "comma list", in: "CORS_ORIGINS=http://a:1,http://b:2", want: map[string]string{"CORS_ORIGINS": "http://a:1,http://b:2"}},
		{name: "empty value", in: "A=", want: map[string]string{"A": ""}},
		{name: "no equals", in: "A=1\nnot a pair", errLine: 2},
		{name: "bad key", in: "1A=x", errLine: 1},
		{name: "unterminated", in: "A=1\nB=\"open", errLine: 2},
		{name: "junk after quote", in: "A='x' y", errLine: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars, err := Parse("f.env", c.in)
			if c.errLine != 0 {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line != c.errLine || pe.Path != "f.env" {
					t.Fatalf("err = %v, want a ParseError at f.env:%d", err, c.errLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, v := range vars {
				got[v.Key] = v.Value // later keys win, as in every dotenv reader
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"A=1", "A='x'", `A="a\nb"`, "export A=1 # c", "A=\"\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vars, err := Parse("f", s)
		if err != nil {
			return
		}
		for _, v := range vars {
			if !keyRe.MatchString(v.Key) {
				t.Fatalf("accepted bad key %q", v.Key)
			}
		}
	})
}

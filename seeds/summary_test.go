package seeds

import "testing"

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		res  []Result
		want string
	}{
		{nil, ""},
		{[]Result{{Category: "color", Kept: 4}}, ""},
		{[]Result{{Category: "color", Added: 4, Written: true}, {Category: "grape", Kept: 3}, {Category: "vintage", Added: 2, Removed: 1, Written: true}},
			"color +4, vintage +2 -1"},
	} {
		if got := Summary(tc.res); got != tc.want {
			t.Errorf("Summary(%+v) = %q, want %q", tc.res, got, tc.want)
		}
	}
}

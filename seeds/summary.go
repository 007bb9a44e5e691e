package seeds

import (
	"fmt"
	"strings"
)

// Summary says per category what seeding wrote ("color +4, grape +66 -2"), ""
// when it wrote nothing.
func Summary(res []Result) string {
	var parts []string
	for _, r := range res {
		if !r.Written {
			continue
		}
		p := fmt.Sprintf("%s +%d", r.Category, r.Added)
		if r.Removed > 0 {
			p += fmt.Sprintf(" -%d", r.Removed)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

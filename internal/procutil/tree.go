package procutil

// DescendantsIn walks the parent links of a snapshot from roots down; the roots
// themselves are not included. Zombies are skipped, but not their children.
func DescendantsIn(table []Info, roots ...int) []Info {
	kids := make(map[int][]Info, len(table))
	for _, p := range table {
		kids[p.PPID] = append(kids[p.PPID], p)
	}
	seen := map[int]bool{}
	for _, r := range roots {
		seen[r] = true
	}
	var out []Info
	queue := append([]int(nil), roots...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range kids[pid] {
			if seen[c.PID] || c.PID <= 1 {
				continue
			}
			seen[c.PID] = true
			queue = append(queue, c.PID)
			if c.State != 'Z' && c.State != 'X' {
				out = append(out, c)
			}
		}
	}
	return out
}

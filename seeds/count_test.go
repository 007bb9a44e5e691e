package seeds

// Count is the number of answers in the set.
func (s Set) Count() int {
	n := 0
	for _, l := range s {
		n += len(l)
	}
	return n
}

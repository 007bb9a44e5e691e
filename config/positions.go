package config

import (
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// positions maps dotted key paths ("services.astro.port") to the line that set them,
// so errors found after decoding (unknown dependency, two probes) still name a line.
type positions map[string]int

func indexPositions(data []byte) (positions, error) {
	pos := positions{}
	p := unstable.Parser{}
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		key, line := keyOf(&p, e)
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = key
			pos.set(table, line)
		case unstable.KeyValue:
			pos.set(append(append([]string{}, table...), key...), line)
		}
	}
	return pos, p.Error()
}

func keyOf(p *unstable.Parser, e *unstable.Node) ([]string, int) {
	var parts []string
	line := 0
	it := e.Key()
	for it.Next() {
		n := it.Node()
		parts = append(parts, string(n.Data))
		if line == 0 && len(n.Data) > 0 {
			line = p.Shape(p.Range(n.Data)).Start.Line
		}
	}
	return parts, line
}

func (pos positions) set(key []string, line int) {
	k := strings.Join(key, ".")
	if _, ok := pos[k]; !ok && line > 0 {
		pos[k] = line
	}
}

// line finds the line of key, or of its nearest parent that the file names.
func (pos positions) line(key string) (int, bool) {
	for k := key; k != ""; {
		if l, ok := pos[k]; ok {
			return l, true
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0, false
}

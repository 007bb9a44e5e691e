package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ListOptions select a page of keys. Limit 0 means 1000 (Miniflare's default and
// maximum); Cursor is the previous page's cursor.
type ListOptions struct {
	Prefix string
	Limit  int
	Cursor string
}

// KeyInfo is one listed key, shaped as wrangler prints it.
type KeyInfo struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// ListResult is one page of keys in UTF-8 byte order.
type ListResult struct {
	Keys         []KeyInfo `json:"keys"`
	ListComplete bool      `json:"list_complete"`
	Cursor       string    `json:"cursor,omitempty"`
}

// List returns keys with the prefix (literal, case-sensitive) after the cursor, in
// UTF-8 byte order, hiding expired ones, then removes every expired row as
// Miniflare does.
func (n *Namespace) List(o ListOptions) (ListResult, error) {
	limit, err := validateListLimit(o.Limit)
	if err != nil {
		return ListResult{}, err
	}
	if err := validateKeyLength(opGet, o.Prefix); err != nil {
		return ListResult{}, err
	}
	if err := n.refresh(); err != nil {
		return ListResult{}, err
	}
	startAfter := ""
	if o.Cursor != "" {
		startAfter = decodeCursor(o.Cursor)
	}
	now := n.nowMs()
	rows, err := n.scan(o.Prefix, startAfter, limit+1, now)
	if err != nil {
		return ListResult{}, err
	}
	res := ListResult{Keys: make([]KeyInfo, 0, min(len(rows), limit)), ListComplete: true}
	if len(rows) > limit {
		rows = rows[:limit]
		res.ListComplete = false
		res.Cursor = encodeCursor(rows[limit-1].Key)
	}
	for _, r := range rows {
		if r.badMeta != "" {
			return ListResult{}, fmt.Errorf("KV key %q can't be listed: %s", r.Key, r.badMeta)
		}
		res.Keys = append(res.Keys, KeyInfo{Name: r.Key, Expiration: r.ExpirationMs / 1000, Metadata: r.Metadata})
	}
	if err := n.purgeExpired(now); err != nil {
		return ListResult{}, err
	}
	return res, nil
}

// scan walks the index from max(prefix, startAfter) and returns up to max rows
// that carry the prefix, sort strictly after startAfter and are not expired.
func (n *Namespace) scan(prefix, startAfter string, max int, nowMs int64) ([]*row, error) {
	from := prefix
	if startAfter > from {
		from = startAfter
	}
	it, err := n.index.Load().Txn(false).LowerBound(entriesTable, "id", from)
	if err != nil {
		return nil, fmt.Errorf("listing KV namespace %s: %w", n.id, err)
	}
	var out []*row
	for raw := it.Next(); raw != nil && len(out) < max; raw = it.Next() {
		r := raw.(*row)
		if !strings.HasPrefix(r.Key, prefix) {
			break
		}
		if r.Key <= startAfter || r.hiddenFromList(nowMs) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

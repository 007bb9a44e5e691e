package kvbulk

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"unicode/utf8"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// ExportItem is one key in the bulk format as Export writes it.
type ExportItem struct {
	Key        string          `json:"key"`
	Value      string          `json:"value"`
	Base64     bool            `json:"base64,omitempty"` // the value is not UTF-8 text
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// Entrier is what Export reads through: a *emulator.Namespace, or one whose
// lists and reads KV limits count (*kvlimits.Namespace).
type Entrier interface {
	Entries(prefix string) iter.Seq2[*emulator.Entry, error]
}

// Export reads every live key with prefix: text values as they are, others in
// base64, with metadata and absolute expirations, in key order, so a fixture
// file can be committed and reviewed.
func Export(ns Entrier, prefix string) ([]ExportItem, error) {
	items := []ExportItem{}
	for e, err := range ns.Entries(prefix) {
		if err != nil {
			return nil, err
		}
		it := ExportItem{Key: e.Key, Value: string(e.Value), Expiration: e.Expiration, Metadata: e.Metadata}
		if !utf8.Valid(e.Value) {
			it.Value, it.Base64 = base64.StdEncoding.EncodeToString(e.Value), true
		}
		items = append(items, it)
	}
	return items, nil
}

// WriteJSON writes v as wrangler prints JSON (JSON.stringify(v, undefined, 2)):
// two-space indent, no HTML escaping.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// IsBulkFile tells the bulk format (a JSON array) from the seeds format (an
// object of categories) by its first character.
func IsBulkFile(data []byte) bool {
	for _, b := range data {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte order mark
			continue
		}
		return b == '['
	}
	return false
}

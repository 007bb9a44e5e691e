package dashboard

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// Namespace is one namespace the KV browser offers.
type Namespace struct {
	ID      string `json:"id"`
	File    string `json:"file"`    // the database file's name, without ".sqlite"
	Exists  bool   `json:"exists"`  // the database file is there
	Answers bool   `json:"answers"` // the wine-answers namespace
}

// namespaces lists the known ids (answers first) and the database files no known
// id hashes to: Miniflare names a file by an HMAC of the id, which cannot be
// reversed, so those are shown by file name and opened by typing their id.
func (d *dash) namespaces(w http.ResponseWriter, r *http.Request) {
	if d.o.Store == nil {
		writeError(w, http.StatusServiceUnavailable, "no_state", "no KV state is open")
		return
	}
	files, err := d.o.Store.DatabaseFiles()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "state_unreadable", err.Error())
		return
	}
	present := map[string]bool{}
	for _, f := range files {
		present[f] = true
	}
	seen := map[string]bool{}
	var known []Namespace
	for _, id := range append([]string{d.o.Namespace}, d.o.KnownNamespaces...) {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		f := emulator.DatabaseName(id)
		known = append(known, Namespace{ID: id, File: f, Exists: present[f], Answers: id == d.o.Namespace})
		delete(present, f)
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespaces": known, "unidentified": sorted(present), "state": d.o.Store.Root()})
}

// open returns the namespace named by ?ns=, only when its database exists: the
// browser never creates a namespace by looking at it.
func (d *dash) open(w http.ResponseWriter, r *http.Request) (*kvlimits.Namespace, bool) {
	if d.o.Store == nil {
		writeError(w, http.StatusServiceUnavailable, "no_state", "no KV state is open")
		return nil, false
	}
	id := r.URL.Query().Get("ns")
	if id == "" {
		writeError(w, http.StatusBadRequest, "missing_namespace", "ns= names the namespace id")
		return nil, false
	}
	if _, err := os.Stat(emulator.DatabasePath(d.o.Store.Root(), id)); err != nil {
		writeError(w, http.StatusNotFound, "unknown_namespace", fmt.Sprintf("no namespace %q in %s (no database %s.sqlite)", id, d.o.Store.Root(), emulator.DatabaseName(id)))
		return nil, false
	}
	ns, err := d.o.Store.Namespace(id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "state_unreadable", err.Error())
		return nil, false
	}
	return kvlimits.Wrap(ns, d.o.Limits), true
}

// keys is one page of the emulator's own list: ?prefix=&cursor=&limit=.
func (d *dash) keys(w http.ResponseWriter, r *http.Request) {
	ns, ok := d.open(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_limit", fmt.Sprintf("limit=%q: want a number", v))
			return
		}
		limit = n
	}
	res, err := ns.List(emulator.ListOptions{Prefix: q.Get("prefix"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		kvError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// Value is a key's value as the page shows it.
type Value struct {
	Key        string          `json:"key"`
	Encoding   string          `json:"encoding"` // "json", "text" or "hex"
	Value      string          `json:"value"`    // pretty JSON, the text, or hex
	Size       int             `json:"size"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	Expiration int64           `json:"expiration,omitempty"`
	Version    string          `json:"version"`
}

func (d *dash) value(w http.ResponseWriter, r *http.Request) {
	ns, ok := d.open(w, r)
	if !ok {
		return
	}
	key := r.URL.Query().Get("key")
	e, err := ns.GetWithMetadata(key)
	if errors.Is(err, emulator.ErrNotFound) {
		writeError(w, http.StatusNotFound, "key_not_found", fmt.Sprintf("Value not found: %q", key))
		return
	}
	if err != nil {
		kvError(w, err)
		return
	}
	v := Value{Key: key, Size: len(e.Value), Metadata: e.Metadata, Expiration: e.Expiration, Version: e.Version}
	v.Encoding, v.Value = render(e.Value)
	writeJSON(w, http.StatusOK, v)
}

// render shows a value as pretty JSON when it is JSON, as text when it is UTF-8
// without control characters (tabs and newlines aside), else as hex.
func render(b []byte) (encoding, text string) {
	if json.Valid(b) {
		var pretty json.RawMessage = b
		if out, err := json.MarshalIndent(pretty, "", "  "); err == nil {
			return "json", string(out)
		}
	}
	if utf8.Valid(b) {
		printable := true
		for _, c := range string(b) {
			if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
				printable = false
				break
			}
		}
		if printable {
			return "text", string(b)
		}
	}
	return "hex", hex.EncodeToString(b)
}

// putBody is what the page sends to write a key.
type putBody struct {
	Value         string          `json:"value"`
	Encoding      string          `json:"encoding"` // "text" (default), "base64" or "hex"
	Metadata      json.RawMessage `json:"metadata"`
	ExpirationTTL int64           `json:"expiration_ttl"`
	Expiration    int64           `json:"expiration"`
}

func (d *dash) put(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "json_required", "send the key as application/json")
		return
	}
	ns, ok := d.open(w, r)
	if !ok {
		return
	}
	var body putBody
	dec := json.NewDecoder(io.LimitReader(r.Body, 26<<20+4096))
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", err.Error())
		return
	}
	var value []byte
	var err error
	switch body.Encoding {
	case "", "text":
		value = []byte(body.Value)
	case "base64":
		value, err = base64.StdEncoding.DecodeString(body.Value)
	case "hex":
		value, err = hex.DecodeString(body.Value)
	default:
		err = fmt.Errorf("encoding %q: want text, base64 or hex", body.Encoding)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_value", err.Error())
		return
	}
	if string(body.Metadata) == "null" {
		body.Metadata = nil
	}
	key := r.URL.Query().Get("key")
	res, err := ns.Put(key, value, emulator.PutOptions{Metadata: body.Metadata, ExpirationTTL: body.ExpirationTTL, Expiration: body.Expiration})
	if err != nil {
		kvError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": key, "version": res.Version, "previous": res.Previous})
}

func (d *dash) delete(w http.ResponseWriter, r *http.Request) {
	ns, ok := d.open(w, r)
	if !ok {
		return
	}
	if err := ns.Delete(r.URL.Query().Get("key")); err != nil {
		kvError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// kvError answers an emulator error with its own message: a broken limit with its
// Miniflare status and text.
func kvError(w http.ResponseWriter, err error) {
	var rf *kvlimits.Refusal
	if errors.As(err, &rf) { // --kv-limits: production KV's 429
		writeError(w, http.StatusTooManyRequests, "kv_refused", rf.Error()+": "+rf.Detail)
		return
	}
	var le *emulator.LimitError
	if errors.As(err, &le) {
		writeError(w, le.Status, "kv_limit", le.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, "kv_error", err.Error())
}

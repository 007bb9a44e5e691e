package answers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// fail writes err as the API error it is, or as a 500 naming the failure.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		s.log.Error().Err(err).Str("method", r.Method).Str("path", r.URL.Path).Msg("wine-answers request failed")
		ae = errf(500, "internal", "%v", err)
	}
	writeError(w, ae)
}

// respondList writes a list with its ETag, answering 304 to a matching If-None-Match.
func (s *Server) respondList(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	tag := ETag(body)
	w.Header().Set("ETag", tag)
	if status == 200 && (r.Method == "GET" || r.Method == "HEAD") && etagListMatches(r.Header.Get("If-None-Match"), tag, true) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeBody(w, status, body)
}

func (s *Server) getAll(w http.ResponseWriter, r *http.Request) {
	// Build the object by hand to keep category order and the stored bytes' form.
	var b strings.Builder
	st, err := s.storeFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b.WriteByte('{')
	for i, cat := range Categories {
		snap, err := st.Read(cat)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:", cat)
		b.Write(EncodeList(snap.List))
	}
	b.WriteByte('}')
	s.respondList(w, r, 200, []byte(b.String()))
}

func (s *Server) getCategory(w http.ResponseWriter, r *http.Request, cat Category) {
	if s.locs != nil { // edge mode: each location its own view, so no shared cache
		st, err := s.storeFor(r)
		if err == nil {
			var snap Snapshot
			if snap, err = st.Read(cat); err == nil {
				s.respondList(w, r, 200, EncodeList(snap.List))
				return
			}
		}
		s.fail(w, r, err)
		return
	}
	c, err := s.encoded(cat)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveEncoded(w, r, c)
}

// readBody reads at most MaxBodyBytes; more is 413.
func readBody(r *http.Request) ([]byte, *Error) {
	if r.ContentLength > MaxBodyBytes {
		// Drain some of it so the client, still sending, reads the 413 instead of a reset.
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) //nolint:errcheck // best effort
		return nil, errf(413, "body_too_large", "request body has %d bytes; the limit is %d (64 KiB)", r.ContentLength, MaxBodyBytes)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, errf(400, "invalid_body", "reading the request body: %v", err)
	}
	if len(body) > MaxBodyBytes {
		return nil, errf(413, "body_too_large", "request body is over the limit of %d bytes (64 KiB)", MaxBodyBytes)
	}
	return body, nil
}

// checkIfMatch enforces If-Match against the category as just read (412 on mismatch).
func checkIfMatch(r *http.Request, cur Snapshot) error {
	h := r.Header.Get("If-Match")
	if h == "" {
		return nil
	}
	if strings.TrimSpace(h) == "*" {
		if !cur.Exists {
			return errf(412, "precondition_failed", "If-Match: * but the category has never been stored")
		}
		return nil
	}
	if tag := cur.ETag(); !etagListMatches(h, tag, false) {
		return errf(412, "precondition_failed", "If-Match %s does not match the current ETag %s: the category changed since you read it", h, tag)
	}
	return nil
}

// etagListMatches reports whether a comma-separated If-Match/If-None-Match list
// holds tag; weak tags (W/"...") compare equal only when weak is allowed.
func etagListMatches(header, tag string, weak bool) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == tag || (weak && strings.TrimPrefix(t, "W/") == tag) {
			return true
		}
	}
	return false
}

func (s *Server) timestamp() string { return s.now().UTC().Format(time.RFC3339) }

// readLabel reads, decodes and validates a {"label"} body; on an error it has
// already answered with it.
func (s *Server) readLabel(w http.ResponseWriter, r *http.Request, cat Category) (req LabelRequest, label, id string, ok bool) {
	body, e := readBody(r)
	if e == nil {
		req, e = DecodeLabelRequest(body)
	}
	if e == nil {
		label, id, e = ValidateLabel(cat, req.Label, s.now())
	}
	if e != nil {
		writeError(w, e)
		return req, "", "", false
	}
	return req, label, id, true
}

func (s *Server) post(w http.ResponseWriter, r *http.Request, cat Category) {
	req, label, id, ok := s.readLabel(w, r, cat)
	if !ok {
		return
	}
	entry := Entry{ID: id, Label: label, Custom: true, CreatedAt: s.timestamp()}
	if req.Custom != nil {
		entry.Custom = *req.Custom
	}
	list, err := s.update(r, cat, func(cur Snapshot) ([]Entry, error) {
		if err := checkIfMatch(r, cur); err != nil {
			return nil, err
		}
		if i := indexOf(cur.List, id); i >= 0 {
			return nil, errf(409, "duplicate", "%s already has %q (id %q)", cat, cur.List[i].Label, id)
		}
		return append(cur.List, entry), nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", ETag(EncodeList(list)))
	w.Header().Set("Location", "/answers/"+string(cat)+"/"+escapeID(id))
	writeJSON(w, 201, entry)
}

func (s *Server) putEntry(w http.ResponseWriter, r *http.Request, cat Category, id string) {
	req, label, newID, ok := s.readLabel(w, r, cat)
	if !ok {
		return
	}
	if newID != id {
		writeError(w, errf(422, "id_mismatch", "label %q has the id %q, not %q: an entry's label must keep its id (POST a new answer and DELETE the old one to rename)", label, newID, id))
		return
	}
	var entry Entry
	created := false
	list, err := s.update(r, cat, func(cur Snapshot) ([]Entry, error) {
		if err := checkIfMatch(r, cur); err != nil {
			return nil, err
		}
		i := indexOf(cur.List, id)
		if i < 0 {
			created = true
			entry = Entry{ID: id, Label: label, Custom: true, CreatedAt: s.timestamp()}
			if req.Custom != nil {
				entry.Custom = *req.Custom
			}
			return append(cur.List, entry), nil
		}
		next := append([]Entry(nil), cur.List...)
		entry = next[i]
		entry.Label = label
		if req.Custom != nil {
			entry.Custom = *req.Custom
		}
		next[i] = entry
		return next, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", ETag(EncodeList(list)))
	status := 200
	if created {
		status = 201
		w.Header().Set("Location", "/answers/"+string(cat)+"/"+escapeID(id))
	}
	writeJSON(w, status, entry)
}

func (s *Server) deleteEntry(w http.ResponseWriter, r *http.Request, cat Category, id string) {
	list, err := s.update(r, cat, func(cur Snapshot) ([]Entry, error) {
		if err := checkIfMatch(r, cur); err != nil {
			return nil, err
		}
		i := indexOf(cur.List, id)
		if i < 0 {
			return nil, errf(404, "answer_not_found", "%s has no answer with id %q", cat, id)
		}
		return append(append([]Entry(nil), cur.List[:i]...), cur.List[i+1:]...), nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", ETag(EncodeList(list)))
	w.WriteHeader(http.StatusNoContent)
}

// putList replaces a whole category (admin seeding). Every label is validated and
// ids must be unique; an entry whose id was already stored keeps its createdAt.
func (s *Server) putList(w http.ResponseWriter, r *http.Request, cat Category) {
	body, e := readBody(r)
	if e != nil {
		writeError(w, e)
		return
	}
	reqs, e := DecodeListRequest(body)
	if e != nil {
		writeError(w, e)
		return
	}
	now := s.now()
	next := make([]Entry, 0, len(reqs))
	seen := make(map[string]int, len(reqs))
	for i, req := range reqs {
		label, id, e := ValidateLabel(cat, req.Label, now)
		if e != nil {
			e.Message = fmt.Sprintf("answer %d: %s", i, e.Message)
			writeError(w, e)
			return
		}
		if j, dup := seen[id]; dup {
			writeError(w, errf(409, "duplicate", "answers %d and %d both have the id %q", j, i, id))
			return
		}
		seen[id] = i
		custom := false // an admin list is reference data unless it says otherwise
		if req.Custom != nil {
			custom = *req.Custom
		}
		next = append(next, Entry{ID: id, Label: label, Custom: custom, CreatedAt: s.timestamp()})
	}
	list, err := s.update(r, cat, func(cur Snapshot) ([]Entry, error) {
		if err := checkIfMatch(r, cur); err != nil {
			return nil, err
		}
		for i := range next {
			if j := indexOf(cur.List, next[i].ID); j >= 0 {
				next[i].CreatedAt = cur.List[j].CreatedAt
			}
		}
		return next, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respondList(w, r, 200, EncodeList(list))
}

func escapeID(id string) string { return url.PathEscape(id) }

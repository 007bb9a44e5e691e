package kvlimits

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Use is today's count of one operation against its free-plan quota.
type Use struct {
	Op    Op    `json:"op"`
	Count int64 `json:"count"`
	Quota int64 `json:"quota"`
	// Enforced: past the quota the operation is refused (mode free); otherwise
	// the quota is only shown.
	Enforced bool `json:"enforced"`
}

// Report is what GET /_arena/kv/limits and `kv quota` show.
type Report struct {
	Mode             Mode      `json:"mode"`
	Day              string    `json:"day"` // the UTC day counted, YYYY-MM-DD
	ResetsAt         time.Time `json:"resets_at"`
	KeyWriteInterval string    `json:"key_write_interval,omitempty"` // "1s" when enforced
	Quotas           []Use     `json:"quotas"`
	Refusals         []Refusal `json:"refusals"` // the most recent, oldest first
	State            string    `json:"state,omitempty"`
	Note             string    `json:"note"`
}

// Report reads today's counts and the recent refusals.
func (l *Limiter) Report() (Report, error) {
	now := l.now()
	r := Report{Mode: l.mode, Day: day(now), ResetsAt: nextMidnight(now), State: l.path, Refusals: []Refusal{},
		Note: "kept in the state folder: every arena-dev on this state counts here, and a restart keeps the counts"}
	if l.mode != Off {
		r.KeyWriteInterval = KeyWriteInterval.String()
	}
	counts := map[Op]int64{}
	rows, err := l.db.Query(`SELECT op, n FROM counts WHERE day = ?`, r.Day)
	if err != nil {
		return r, fmt.Errorf("reading %s: %w", l.path, err)
	}
	for rows.Next() {
		var op string
		var n int64
		if err := rows.Scan(&op, &n); err != nil {
			rows.Close()
			return r, fmt.Errorf("reading %s: %w", l.path, err)
		}
		counts[Op(op)] = n
	}
	rows.Close()
	for _, op := range Ops {
		r.Quotas = append(r.Quotas, Use{Op: op, Count: counts[op], Quota: l.quotas.Of(op), Enforced: l.mode == Free})
	}
	rows, err = l.db.Query(`SELECT seq, at_ms, op, ns, key, reason, message, detail FROM refusals ORDER BY seq`)
	if err != nil {
		return r, fmt.Errorf("reading %s: %w", l.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f Refusal
		var at int64
		var op string
		if err := rows.Scan(&f.Seq, &at, &op, &f.Namespace, &f.Key, &f.Reason, &f.Message, &f.Detail); err != nil {
			return r, fmt.Errorf("reading %s: %w", l.path, err)
		}
		f.Time, f.Op = time.UnixMilli(at).UTC(), Op(op)
		r.Refusals = append(r.Refusals, f)
	}
	return r, rows.Err()
}

// OffReport is the report of a process without limits: counts only in memory.
func OffReport(now time.Time, reads, writes int64) Report {
	return Report{Mode: Off, Day: day(now), ResetsAt: nextMidnight(now), Refusals: []Refusal{},
		Quotas: []Use{{Op: Read, Count: reads, Quota: FreeQuotas.Reads}, {Op: Write, Count: writes, Quota: FreeQuotas.Writes},
			{Op: Delete, Quota: FreeQuotas.Deletes}, {Op: List, Quota: FreeQuotas.Lists}},
		Note: "--kv-limits off: the answers API's operations, counted by this process since it started; nothing is refused"}
}

func nextMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// Text is the report as `kv quota` prints it.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "KV limits: %s (%s)\n", r.Mode, r.State)
	fmt.Fprintf(&b, "UTC day %s, counts start again at %s\n", r.Day, r.ResetsAt.Format(time.RFC3339))
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "OP\tTODAY\tFREE QUOTA\t")
	for _, u := range r.Quotas {
		how := "shown only"
		if u.Enforced {
			how = "enforced"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", u.Op, u.Count, u.Quota, how)
	}
	tw.Flush()
	if r.KeyWriteInterval != "" {
		fmt.Fprintf(&b, "writes to one key: at most one every %s\n", r.KeyWriteInterval)
	}
	fmt.Fprintf(&b, "recent refusals: %d\n", len(r.Refusals))
	for _, f := range r.Refusals {
		fmt.Fprintf(&b, "  %s  %s %q: %s (%s)\n", f.Time.Format(time.RFC3339), f.Op, f.Key, f.Message, f.Detail)
	}
	return b.String()
}

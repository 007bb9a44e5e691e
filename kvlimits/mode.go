// Package kvlimits enforces KV's limits as production Cloudflare KV does
// (--kv-limits): at most one write to a key per second on every plan
// ("production"), and on the free plan also the daily quotas of reads, writes,
// deletes and lists per UTC day ("free"). The counts live in an SQLite file of
// arena-dev's own under the persist root (arena-dev/kv-limits.sqlite, beside
// Miniflare's v3 folder, which neither Miniflare nor wrangler look into), so a
// restart keeps them and every process on one state counts together: each
// operation is one BEGIN IMMEDIATE transaction.
package kvlimits

import (
	"fmt"
	"time"
)

// Mode is how much of production KV's limits is enforced.
type Mode string

const (
	// Off enforces nothing and counts nothing on disk (the default, as before).
	Off Mode = "off"
	// Production refuses a second write (or delete) of a key within KeyWriteInterval.
	Production Mode = "production"
	// Free also refuses operations past the free plan's daily quotas.
	Free Mode = "free"
)

// ParseMode reads a mode as typed; "" is Off.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", Off:
		return Off, nil
	case Production, Free:
		return Mode(s), nil
	}
	return "", fmt.Errorf("%q: want off (the default), production (1 write a second per key) or free (also the free plan's daily quotas)", s)
}

// KeyWriteInterval is production KV's per-key write rate: one write a second.
const KeyWriteInterval = time.Second

// Op is a KV operation as Cloudflare counts it.
type Op string

const (
	Read   Op = "read"
	Write  Op = "write"
	Delete Op = "delete"
	List   Op = "list"
)

// Ops are the counted operations, in the order reports list them.
var Ops = []Op{Read, Write, Delete, List}

// verb is the operation as workerd names it in a failed call's message.
func (o Op) verb() string {
	switch o {
	case Write:
		return "PUT"
	case Delete:
		return "DELETE"
	}
	return "GET" // a list is a GET of the namespace's keys, as Miniflare's list errors say
}

// Quotas are daily operation counts per UTC day.
type Quotas struct {
	Reads   int64 `json:"reads"`
	Writes  int64 `json:"writes"`
	Deletes int64 `json:"deletes"`
	Lists   int64 `json:"lists"`
}

// FreeQuotas are Cloudflare's free plan, per UTC day.
var FreeQuotas = Quotas{Reads: 100_000, Writes: 1_000, Deletes: 1_000, Lists: 1_000}

// Of is the quota of op.
func (q Quotas) Of(op Op) int64 {
	switch op {
	case Read:
		return q.Reads
	case Write:
		return q.Writes
	case Delete:
		return q.Deletes
	}
	return q.Lists
}

// withDefaults fills zero quotas with the free plan's.
func (q Quotas) withDefaults() Quotas {
	if q.Reads <= 0 {
		q.Reads = FreeQuotas.Reads
	}
	if q.Writes <= 0 {
		q.Writes = FreeQuotas.Writes
	}
	if q.Deletes <= 0 {
		q.Deletes = FreeQuotas.Deletes
	}
	if q.Lists <= 0 {
		q.Lists = FreeQuotas.Lists
	}
	return q
}

// Reasons a refusal gives.
const (
	ReasonKeyRate    = "key_rate"    // a second write to the key within KeyWriteInterval
	ReasonDailyQuota = "daily_quota" // the free plan's quota of the operation is used up today
)

// Refusal is an operation production KV would refuse. Error() is exactly the
// message of the exception a Worker's KV call throws there ("KV PUT failed: 429
// Too Many Requests", the text Cloudflare documents for the per-key rate).
type Refusal struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	Op        Op        `json:"op"`
	Namespace string    `json:"namespace"`
	Key       string    `json:"key,omitempty"`
	Reason    string    `json:"reason"`
	Message   string    `json:"message"` // Error()
	Detail    string    `json:"detail"`  // arena-dev's explanation
}

func (r *Refusal) Error() string { return r.Message }

func refusal(now time.Time, op Op, ns, key, reason, detail string) *Refusal {
	return &Refusal{Time: now.UTC(), Op: op, Namespace: ns, Key: key, Reason: reason,
		Message: "KV " + op.verb() + " failed: 429 Too Many Requests", Detail: detail}
}

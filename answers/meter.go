package answers

import (
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// Cloudflare's free plan: KV operations per UTC day.
const (
	FreeReadsPerDay  = 100_000
	FreeWritesPerDay = 1_000
)

// Usage is one UTC day's KV operation counts, as GET /_arena/usage shows them.
type Usage struct {
	Day    string      `json:"day"` // YYYY-MM-DD, UTC
	Reads  int64       `json:"reads"`
	Writes int64       `json:"writes"`
	Limits UsageLimits `json:"limits"`
	Note   string      `json:"note"`
}

// UsageLimits are the thresholds above which the meter warns.
type UsageLimits struct {
	Reads  int64 `json:"reads"`
	Writes int64 `json:"writes"`
}

// Meter counts KV reads and writes per UTC day and logs one warning per day when a
// count passes its free-plan limit. Counts live in memory, per process, unless
// the meter has KV limits (--kv-limits production|free): then they live in the
// state folder (kvlimits), shared and kept, and a read past the free plan's
// quota is refused.
type Meter struct {
	kvl    *kvlimits.Limiter // nil: count in memory, refuse nothing
	ns     string            // the namespace counted against, with kvl
	mu     sync.Mutex
	log    zerolog.Logger
	now    func() time.Time
	limits UsageLimits
	day    string
	dayNum int64 // days since the epoch (UTC) of day, so rollover formats only when it changes
	reads  int64
	writes int64
}

// NewMeter returns a meter with the free-plan limits; now may be nil (time.Now).
func NewMeter(log zerolog.Logger, limits UsageLimits, now func() time.Time) *Meter {
	if now == nil {
		now = time.Now
	}
	if limits.Reads <= 0 {
		limits.Reads = FreeReadsPerDay
	}
	if limits.Writes <= 0 {
		limits.Writes = FreeWritesPerDay
	}
	return &Meter{log: log, now: now, limits: limits}
}

// rollover starts a new day's counts when the UTC date changed. Callers hold mu.
func (m *Meter) rollover() {
	now := m.now().UTC()
	if n := now.Unix() / 86400; n != m.dayNum || m.day == "" {
		m.dayNum = n
		if day := now.Format(time.DateOnly); day != m.day {
			m.day, m.reads, m.writes = day, 0, 0
		}
	}
}

// WithLimits makes the meter count in l (nil: in memory), against namespace ns.
func (m *Meter) WithLimits(l *kvlimits.Limiter, ns string) *Meter {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kvl, m.ns = l, ns
	return m
}

// Limits is the meter's limiter, nil when counting in memory.
func (m *Meter) Limits() *kvlimits.Limiter {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kvl
}

// Read counts one KV read of key; with limits it may be refused (a
// *kvlimits.Refusal, the error the Worker's get throws).
func (m *Meter) Read(key string) error {
	if m == nil {
		return nil
	}
	if l := m.Limits(); l != nil {
		return l.Count(kvlimits.Read, m.ns, key)
	}
	m.read()
	return nil
}

func (m *Meter) read() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover()
	m.reads++
	if m.reads == m.limits.Reads+1 {
		m.log.Warn().Str("day", m.day).Int64("reads", m.reads).Int64("limit", m.limits.Reads).
			Msg("KV reads today passed the Cloudflare free-plan limit; the deployed Worker would start failing reads")
	}
}

// Write counts one KV write that happened. With limits the write was counted
// when it was admitted (kvlimits.Namespace), so this does nothing.
func (m *Meter) Write() {
	if m.Limits() != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover()
	m.writes++
	if m.writes == m.limits.Writes+1 {
		m.log.Warn().Str("day", m.day).Int64("writes", m.writes).Int64("limit", m.limits.Writes).
			Msg("KV writes today passed the Cloudflare free-plan limit; the deployed Worker would start failing writes")
	}
}

// Usage reports today's counts.
func (m *Meter) Usage() Usage {
	if l := m.Limits(); l != nil {
		if r, err := l.Report(); err == nil {
			return Usage{Day: r.Day, Reads: r.Quotas[0].Count, Writes: r.Quotas[1].Count,
				Limits: UsageLimits{Reads: r.Quotas[0].Quota, Writes: r.Quotas[1].Quota}, Note: r.Note}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover()
	return Usage{Day: m.day, Reads: m.reads, Writes: m.writes, Limits: m.limits,
		Note: "counted by this arena-dev process since it started (UTC day); Cloudflare's free plan allows these per day"}
}

// LimitsReport is GET /_arena/kv/limits: the mode, today's counts against each
// quota and the recent refusals, from the state folder, or this process's
// in-memory counts when limits are off.
func (m *Meter) LimitsReport() (kvlimits.Report, error) {
	if l := m.Limits(); l != nil {
		return l.Report()
	}
	u := m.Usage()
	return kvlimits.OffReport(m.now(), u.Reads, u.Writes), nil
}

// serveLimits answers GET /_arena/kv/limits.
func (s *Server) serveLimits(w http.ResponseWriter) {
	r, err := s.meter.LimitsReport()
	if err != nil {
		writeError(w, errf(500, "state_unreadable", "%v", err))
		return
	}
	writeJSON(w, 200, r)
}

package answers

import (
	"sync"
	"time"

	"github.com/rs/zerolog"
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
// count passes its free-plan limit. Counts live in memory, per process.
type Meter struct {
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

// Read counts one KV read.
func (m *Meter) Read() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover()
	m.reads++
	if m.reads == m.limits.Reads+1 {
		m.log.Warn().Str("day", m.day).Int64("reads", m.reads).Int64("limit", m.limits.Reads).
			Msg("KV reads today passed the Cloudflare free-plan limit; the deployed Worker would start failing reads")
	}
}

// Write counts one KV write.
func (m *Meter) Write() {
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
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover()
	return Usage{Day: m.day, Reads: m.reads, Writes: m.writes, Limits: m.limits,
		Note: "counted by this arena-dev process since it started (UTC day); Cloudflare's free plan allows these per day"}
}

package project

import "time"

// WithDefaults fills the zero values of a service's supervision (restarts,
// backoff, stop timeout, probe timing, fail patterns) with the defaults, for a
// Service built by hand rather than by Resolve (tests, in-process services).
func (s Service) WithDefaults() Service {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if s.MaxRestarts == 0 {
		s.MaxRestarts = DefaultMaxRestarts
	}
	def(&s.Backoff, DefaultBackoff)
	def(&s.BackoffMax, DefaultBackoffMax)
	def(&s.Window, DefaultWindow)
	def(&s.StopTimeout, DefaultStopTimeout)
	def(&s.Probe.Interval, DefaultProbeInterval)
	def(&s.Probe.Timeout, DefaultProbeTimeout)
	if s.FailPatterns == nil {
		s.FailPatterns = DefaultFailPatterns
	}
	return s
}

// Package svclog owns the stack's log lines, as overmind's multiOutput does: the
// combined output with "[service]" prefixes (coloured on a terminal) or JSON lines,
// the per-service log files and their line format, and reading those files back
// merged in time order for `arena-dev logs`. Whoever writes a format here also
// reads it here; orchestrate, stack and compose only call it.
package svclog

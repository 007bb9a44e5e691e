package runstate

import (
	"strings"
	"time"
)

// Change is one change applied to a running stack in place: when, who asked
// ("up", "watch: arena-dev.toml") and the plan's lines, one service each.
type Change struct {
	Time   time.Time `json:"time"`
	Source string    `json:"source"`
	Lines  []string  `json:"lines"`
	Error  string    `json:"error,omitempty"` // what could not be applied
}

// PartlyAppliedError lists what of a change could not be applied; the rest was.
type PartlyAppliedError struct{ Errs []error }

func (e *PartlyAppliedError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return "applying the change: " + strings.Join(msgs, "; ")
}

func (e *PartlyAppliedError) Unwrap() []error { return e.Errs }

package runstate

import (
	"errors"
	"fmt"
	"strings"
)

// Op is what the control plane asks of one service.
type Op int

const (
	OpStart   Op = iota // start it if it is not running (resetting its restart count)
	OpStop              // stop it and keep it stopped: it is not restarted
	OpRestart           // stop it and start it again at once
)

func (o Op) String() string { return [...]string{"start", "stop", "restart"}[o] }

// ParseOp reads "start", "stop" or "restart".
func ParseOp(s string) (Op, bool) {
	for o := OpStart; o <= OpRestart; o++ {
		if o.String() == s {
			return o, true
		}
	}
	return 0, false
}

// UnknownServiceError names a service the stack does not have, and those it has.
type UnknownServiceError struct {
	Name  string
	Known []string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("no service %q (services: %s)", e.Name, strings.Join(e.Known, ", "))
}

// ErrNotRunning: the supervisor is not running (not started yet, or finished).
var ErrNotRunning = errors.New("the stack is not running")

package orchestrate

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// PortInUseError says a configured port is taken, and by whom when that could be
// found (Linux: the listening socket's inode traced to a process's fds).
type PortInUseError struct {
	Service string
	Port    int
	Addr    string // the address that could not be bound
	PID     int    // 0 when the holder is unknown (another user's process, or no /proc)
	Command string
	Err     error
}

func (e *PortInUseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "port %d", e.Port)
	if e.Service != "" {
		fmt.Fprintf(&b, " (service %s)", e.Service)
	}
	fmt.Fprintf(&b, " is already in use on %s", e.Addr)
	if e.PID != 0 {
		fmt.Fprintf(&b, " by pid %d", e.PID)
		if e.Command != "" {
			fmt.Fprintf(&b, " (%s)", e.Command)
		}
	} else {
		b.WriteString(" (holder not found: another user's process?)")
	}
	return b.String()
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// preflightHosts are checked for every port: loopback, where Astro binds, and the
// wildcard, where partykit binds whatever it is told.
var preflightHosts = []string{"127.0.0.1", "0.0.0.0"}

// CheckPort returns nil when port can be bound on 127.0.0.1 and 0.0.0.0, or a
// *PortInUseError naming the holder.
func CheckPort(port int) error {
	for _, host := range preflightHosts {
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err == nil {
			l.Close()
			continue
		}
		e := &PortInUseError{Port: port, Addr: addr, Err: err}
		if pids := procutil.PortHolders(port); len(pids) > 0 {
			e.PID, e.Command = pids[0], procutil.Cmdline(pids[0])
		}
		return e
	}
	return nil
}

// PreflightPorts checks every spec's Port before anything starts and returns all
// the taken ones joined.
func PreflightPorts(specs []ServiceSpec) error {
	var errs []error
	for _, s := range specs {
		if s.Port == 0 {
			continue
		}
		if err := CheckPort(s.Port); err != nil {
			var pe *PortInUseError
			if errors.As(err, &pe) {
				pe.Service = s.Name
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

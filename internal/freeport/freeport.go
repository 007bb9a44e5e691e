// Package freeport picks free loopback TCP ports for `up --ports auto`, so that
// several stacks started at the same moment from one checkout (an E2E runner's
// workers) never pick the same one. The kernel's port 0 gives a free port, but
// the port is released again before the dev server binds it, and another
// arena-dev could be handed it in between; so each pick is also reserved, for a
// while, by a file only one process can create.
package freeport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// hold is how long a reservation keeps other arena-devs off a port: long enough
// for a stack to start and bind it (a cold Astro on a loaded machine takes over a
// minute), short enough that ports come back.
const hold = 5 * time.Minute

// Dir is where reservations live: one file per port, shared by every arena-dev
// of this user on the machine.
func Dir() string { return filepath.Join(os.TempDir(), fmt.Sprintf("arena-dev-ports-%d", os.Getuid())) }

// Pick returns n distinct free loopback ports, each reserved against other
// arena-devs for a few minutes.
func Pick(n int) ([]int, error) {
	dir := Dir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("port reservations: %w", err)
	}
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 100*n {
			return nil, errors.New("could not find free ports to reserve (see " + dir + ")")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if reserve(dir, port) {
			out = append(out, port)
		}
	}
	return out, nil
}

// reserve creates the port's file unless another live reservation has it.
func reserve(dir string, port int) bool {
	path := filepath.Join(dir, strconv.Itoa(port))
	for i := 0; i < 2; i++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return true
		}
		st, serr := os.Stat(path)
		if serr != nil || time.Since(st.ModTime()) < hold {
			return false // held by someone else (or vanished: let the next pick go)
		}
		os.Remove(path) // an old reservation: take it over once
	}
	return false
}

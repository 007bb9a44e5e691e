//go:build unix

package e2e

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// guardianLimit: after a SIGKILL of arena-dev, nothing of its stack may be left
// this long after (its guardian's SIGTERM, grace, SIGKILL).
const guardianLimit = 5 * time.Second

// TestSIGKILLLeavesNoChild: `up --ephemeral --ports auto` on the real example,
// then SIGKILL of arena-dev: within guardianLimit, with no `down` and no next
// `up`, no process of the stack is left (PartyKit's workerd included, which a
// death signal never reached) and every port is free. Run it with -tags
// arena_portable too: the portable build has no death signal at all.
func TestSIGKILLLeavesNoChild(t *testing.T) {
	s := newStack(t)
	cmd, logPath := s.command("up", "--ephemeral", "--ports", "auto")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.pgids[cmd.Process.Pid] = true
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	})
	var rep statusReport
	deadline := time.Now().Add(readyTimeout)
	for {
		var err error
		rep, err = s.status()
		if err == nil {
			err = readyOnSomePort(rep)
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stack not ready within %s: %v\n%s", readyTimeout, err, readFile(logPath))
		}
		time.Sleep(200 * time.Millisecond) // polling `status`: nothing to wait on
	}
	pids, pgids := s.stackIDs(rep)
	var ports []int
	for _, svc := range rep.Services {
		ports = append(ports, svc.Port)
	}
	var workerd []proc
	for _, p := range append(stackProcs(s.dir), groupProcs(pgids)...) {
		if strings.Contains(p.Cmdline, "workerd") {
			workerd = append(workerd, p)
		}
	}
	if len(workerd) == 0 {
		t.Fatalf("test premise: no workerd runs in the stack")
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	killed := time.Now()
	var left []string
	for {
		left = leftovers(s.dir, pids, pgids, ports)
		if len(left) == 0 || time.Since(killed) > guardianLimit {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the process table
	}
	if len(left) > 0 {
		t.Fatalf("%d things of the stack remain %s after SIGKILL of arena-dev:\n  %s", len(left), guardianLimit, strings.Join(left, "\n  "))
	}
	t.Logf("nothing of the stack (%d processes, workerd %d) left %s after the SIGKILL",
		len(pids), workerd[0].PID, time.Since(killed).Round(time.Millisecond))
}

// readyOnSomePort: every service of the example is ready, on whatever port.
func readyOnSomePort(rep statusReport) error {
	var problems []string
	for _, name := range serviceNames {
		svc, ok := rep.service(name)
		if !ok || svc.State != "ready" || svc.Port == 0 {
			problems = append(problems, name+" is not ready")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

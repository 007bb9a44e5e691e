//go:build unix

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUpWaitRefusesATakenPort: with one port held by another process, `up --wait`
// fails (instead of Astro hopping to another port or PartyKit hanging), names the
// port and its holder, and starts nothing that stays behind.
func TestUpWaitRefusesATakenPort(t *testing.T) {
	s := newStack(t)
	taken := s.ports["astro"]
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", taken))
	if err != nil {
		t.Fatalf("holding port %d: %v", taken, err)
	}
	defer l.Close()

	start := time.Now()
	code, out := s.run(append([]string{"up", "--wait", "--timeout", "60s", "--ephemeral"}, s.portArgs()...)...)
	t.Logf("up --wait exited %d after %s:\n%s", code, time.Since(start).Round(time.Millisecond), out)
	if code == 0 {
		t.Fatalf("up --wait succeeded although port %d is taken", taken)
	}
	if !strings.Contains(out, strconv.Itoa(taken)) {
		t.Errorf("the failure does not name the taken port %d", taken)
	}
	if !strings.Contains(out, strconv.Itoa(os.Getpid())) {
		t.Errorf("the failure does not name the holder, pid %d (this test)", os.Getpid())
	}
	var others []int
	for _, name := range serviceNames {
		if s.ports[name] != taken {
			others = append(others, s.ports[name])
		}
	}
	s.assertGone("after the refused up", nil, nil, others)
}

// TestUpRestartsAKilledChild: a dev server killed from outside (its whole process
// group, as the OOM killer or a stray `kill` might) is started again on the same
// port, and the rest of the stack keeps running untouched.
func TestUpRestartsAKilledChild(t *testing.T) {
	s := newStack(t)
	s.upWait()
	rep, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	pids, pgids := s.stackIDs(rep)
	party, _ := rep.service("partykit")
	old, ok := readProc(party.PID)
	if !ok || party.PID <= 0 {
		t.Fatalf("partykit pid %d from status is not a live process", party.PID)
	}
	if err := syscall.Kill(-old.PGID, syscall.SIGKILL); err != nil {
		t.Fatalf("killing partykit's group %d: %v", old.PGID, err)
	}

	deadline := time.Now().Add(90 * time.Second)
	var now serviceStatus
	for {
		rep2, err := s.status()
		if err == nil {
			now, _ = rep2.service("partykit")
			if now.State == "ready" && now.PID != party.PID && now.Restarts >= 1 {
				for _, name := range []string{"answers", "astro"} {
					before, _ := rep.service(name)
					after, _ := rep2.service(name)
					if after.State != "ready" || after.PID != before.PID || after.Restarts != before.Restarts {
						t.Errorf("%s was disturbed by partykit's restart: before %+v, after %+v", name, before, after)
					}
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("partykit not restarted and ready within 90s: last status %+v (err %v)", now, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("partykit restarted: pid %d -> %d, restarts %d", party.PID, now.PID, now.Restarts)
	if now.Port != s.ports["partykit"] {
		t.Fatalf("partykit came back on port %d, want %d", now.Port, s.ports["partykit"])
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	room := fmt.Sprintf("e2e-restart-%d", time.Now().UnixNano())
	a := joinRoom(ctx, t, s.ports["partykit"], room)
	b := joinRoom(ctx, t, s.ports["partykit"], room)
	if err := a.send(ctx, map[string]string{"type": "answer", "label": "Gamay"}); err != nil {
		t.Fatal(err)
	}
	if m, err := b.readUntil(ctx, func(m roomMsg) bool { return m.Type == "answer" }); err != nil || m.answerLabel() != "Gamay" {
		t.Fatalf("after the restart the room relays %+v, %v; want the answer Gamay", m, err)
	}

	rep3, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	pids2, pgids2 := s.stackIDs(rep3)
	for g := range pgids {
		pgids2[g] = true
	}
	s.down()
	s.assertGone("after down", append(pids, pids2...), pgids2, s.portList())
}

// TestSecondUpIsRefused: on a running stack, `up --wait` of the same project is
// success and prints the status (E2E setup scripts run it twice), `up --wait` of
// another stack (another KV state) is exit 2 naming what differs, and a
// foreground `up` of the same project has nothing to change (exit 0); none of
// them changes anything.
func TestSecondUpIsRefused(t *testing.T) {
	s := newStack(t)
	s.upWait()
	before, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	same := append([]string{"up", "--wait", "--timeout", "60s", "--ephemeral"}, s.portArgs()...)
	if code, out := s.run(same...); code != 0 || !strings.Contains(out, "already running") || !strings.Contains(out, "ready") {
		t.Errorf("up --wait of the running project: exit %d\n%s", code, out)
	}
	other := append([]string{"up", "--wait", "--timeout", "60s"}, s.portArgs()...) // not --ephemeral
	if code, out := s.run(other...); code != 2 || !strings.Contains(out, "ephemeral true -> false") {
		t.Errorf("up --wait of another project: exit %d\n%s\nwant 2 naming the difference", code, out)
	}
	if code, out := s.run(append([]string{"up", "--ephemeral"}, s.portArgs()...)...); code != 0 || !strings.Contains(out, "nothing to change") {
		t.Errorf("foreground up: exit %d, output:\n%s\nwant exit 0 with nothing to change", code, out)
	}
	after, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.allReady(after); err != nil {
		t.Fatalf("the running stack was disturbed: %v", err)
	}
	for _, b := range before.Services {
		if a, _ := after.service(b.Name); a.PID != b.PID || a.Restarts != b.Restarts {
			t.Errorf("%s changed: pid %d -> %d, restarts %d -> %d", b.Name, b.PID, a.PID, b.Restarts, a.Restarts)
		}
	}
	s.checkServing()
	pids, pgids := s.stackIDs(after)
	s.down()
	s.assertGone("after down", pids, pgids, s.portList())
}

package procutil

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Descendants follows the tree down through a grandchild; EnvValue reads what a
// process was started with.
func TestDescendantsAndEnvValue(t *testing.T) {
	// sh starts sh, which starts sleep: a child and a grandchild of the root.
	cmd := exec.Command("/bin/sh", "-c", `/bin/sh -c 'sleep 30 & echo $!; wait' & wait`)
	cmd.Env = append(os.Environ(), "PROCUTIL_TEST_MARK=a", "PROCUTIL_TEST_MARK=b")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range Descendants(cmd.Process.Pid) {
			KillPID(p.PID)
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	buf := make([]byte, 32)
	n, _ := out.Read(buf) // the grandchild's pid, once it runs
	sleepPID, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		t.Fatalf("reading the grandchild's pid: %q", buf[:n])
	}
	deadline := time.Now().Add(5 * time.Second)
	var got []int
	for time.Now().Before(deadline) {
		got = got[:0]
		for _, p := range Descendants(cmd.Process.Pid) {
			got = append(got, p.PID)
		}
		if len(got) == 2 && slices.Contains(got, sleepPID) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling /proc: nothing to wait on
	}
	if len(got) != 2 || !slices.Contains(got, sleepPID) {
		t.Fatalf("descendants of %d = %v, want the inner sh and sleep %d", cmd.Process.Pid, got, sleepPID)
	}
	if v, ok := EnvValue(sleepPID, "PROCUTIL_TEST_MARK"); !ok || v != "b" {
		t.Errorf("EnvValue = %q, %v; want the last value, b", v, ok)
	}
	if _, ok := EnvValue(sleepPID, "PROCUTIL_NOT_SET"); ok {
		t.Error("EnvValue found an unset key")
	}
	if d := Descendants(sleepPID); len(d) != 0 {
		t.Errorf("a leaf has descendants: %v", d)
	}
}

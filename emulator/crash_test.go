package emulator

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The crash storm runs a writer in a child process (this test binary, re-executed
// with crashChildEnv set) and kills it with SIGKILL at random moments.
const (
	crashChildEnv = "EMULATOR_CRASH_CHILD_ROOT"
	crashSeqEnv   = "EMULATOR_CRASH_SEQ_BASE"
	crashNS       = "crash-ns"
	crashKeys     = 8 // two writer goroutines, each owning half the keys
)

// crashValue is the value of write seq: its bytes follow from seq, so the child
// only has to print seq. Lengths go from empty to 64 KiB.
func crashValue(seq int64) []byte {
	r := rand.New(rand.NewPCG(uint64(seq), 0x5eed))
	n := r.IntN(64 << 10)
	if seq%7 == 0 {
		n = 0
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// crashChild writes until killed. Before each write it prints "W <seq> <key>" (or
// "D <seq> <key>" for a delete), after its acknowledgement "A <seq>". Each line is
// one write(2) of under PIPE_BUF bytes, so lines from the two goroutines never mix.
func crashChild(root string) int {
	base, _ := strconv.ParseInt(os.Getenv(crashSeqEnv), 10, 64)
	s, err := Open(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ns, err := s.Namespace(crashNS)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(0); ; i++ {
				seq := base + i*2 + int64(g)
				key := fmt.Sprint("k", g*crashKeys/2+int(seq/2)%(crashKeys/2))
				var err error
				switch seq % 5 {
				case 0:
					fmt.Fprintf(os.Stdout, "D %d %s\n", seq, key)
					err = ns.Delete(key)
				case 1, 2:
					fmt.Fprintf(os.Stdout, "W %d %s\n", seq, key)
					_, err = ns.Update(key, func(*Entry) ([]byte, PutOptions, error) { return crashValue(seq), PutOptions{}, nil })
				default:
					fmt.Fprintf(os.Stdout, "W %d %s\n", seq, key)
					_, err = ns.Put(key, crashValue(seq), PutOptions{})
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				fmt.Fprintf(os.Stdout, "A %d\n", seq)
			}
		}()
	}
	wg.Wait()
	return 0
}

// keyState is what a key holds: a write's seq, or deleted.
type keyState struct {
	seq     int64
	deleted bool
}

func (k keyState) String() string {
	if k.deleted {
		return "deleted"
	}
	return fmt.Sprint("write ", k.seq)
}

// TestCrashStorm: a writer process is killed with SIGKILL at random moments, ten
// times. After each kill every acknowledged write is there with its exact bytes
// (a write in flight may or may not have landed), orphan blob files younger than
// the grace period are left alone, and the next open after the grace period
// removes them all. Real Miniflare then reads the final state.
func TestCrashStorm(t *testing.T) {
	cycles := 10
	if os.Getenv("ARENA_DEV_SOAK") != "" { // make soak
		cycles = 100
	}
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	model := map[string]keyState{} // what each key must hold, all cycles so far
	for k := range crashKeys {
		model[fmt.Sprint("k", k)] = keyState{deleted: true}
	}
	totalAcks, totalOrphans := 0, 0
	for cycle := range cycles {
		killAfter := 1 + rng.IntN(60)
		ops, acked := runCrashChild(t, root, int64(cycle+1)*1_000_000, killAfter)
		totalAcks += len(acked)

		s, err := Open(root)
		if err != nil {
			t.Fatal(err)
		}
		ns, err := s.Namespace(crashNS)
		if err != nil {
			t.Fatalf("cycle %d: reopening after the kill: %v", cycle, err)
		}
		// Per key: the last acknowledged op must have landed; the op after it (at
		// most one, in flight at the kill) may have too.
		inFlight := map[string]keyState{}
		for _, op := range ops {
			if acked[op.state.seq] {
				model[op.key] = op.state
				delete(inFlight, op.key)
			} else {
				inFlight[op.key] = op.state
			}
		}
		for key, want := range model {
			got := readState(t, ns, key)
			if f, ok := inFlight[key]; ok && got.matches(f) {
				model[key] = f
				continue
			}
			if !got.matches(want) {
				t.Fatalf("cycle %d (killed after %d acks): key %s holds %s, want the acknowledged %s (in flight: %v)", cycle, killAfter, key, got, want, inFlight[key])
			}
		}
		young := orphanBlobs(t, ns)
		totalOrphans += len(young)
		s.Close()

		// An open past the grace period sweeps them, and loses nothing.
		later, _ := Open(root)
		later.now = func() time.Time { return time.Now().Add(orphanGrace + time.Minute) }
		lns, err := later.Namespace(crashNS)
		if err != nil {
			t.Fatal(err)
		}
		if left := orphanBlobs(t, lns); len(left) > 0 {
			t.Fatalf("cycle %d: %d orphan blobs left after an open past the grace period: %v", cycle, len(left), left)
		}
		for key, want := range model {
			if got := readState(t, lns, key); !got.matches(want) {
				t.Fatalf("cycle %d: after the sweep key %s holds %s, want %s", cycle, key, got, want)
			}
		}
		later.Close()
	}
	t.Logf("FIGURE crash storm (emulator): %d cycles: %d acknowledged writes, %d orphan blobs left by the kills (all swept)", cycles, totalAcks, totalOrphans)

	mf := startMiniflare(t, root, crashNS)
	for key, want := range model {
		g := mf.get(key)
		if want.deleted && g.Found || !want.deleted && (!g.Found || !bytes.Equal(g.Base64, crashValue(want.seq))) {
			t.Errorf("miniflare reads key %s as found=%v (%d bytes), want %s", key, g.Found, len(g.Base64), want)
		}
	}
}

type crashOp struct {
	key   string
	state keyState
}

// runCrashChild runs one writer process, kills it with SIGKILL once killAfter
// writes are acknowledged, and returns every op it began and the acknowledged
// seqs (including acknowledgements printed before it died).
func runCrashChild(t *testing.T, root string, seqBase int64, killAfter int) ([]crashOp, map[int64]bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+root, crashSeqEnv+"="+strconv.FormatInt(seqBase, 10))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() }) // a hung child can't hang the test
	defer timer.Stop()
	var ops []crashOp
	acked := map[int64]bool{}
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		seq, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "W", "D":
			ops = append(ops, crashOp{key: f[2], state: keyState{seq: seq, deleted: f[0] == "D"}})
		case "A":
			acked[seq] = true
			if len(acked) == killAfter && !killed {
				killed = true
				cmd.Process.Kill() // SIGKILL: no deferred code, no flush, no close
			}
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	// Killed: -1 (a signal) on Unix; TerminateProcess leaves exit code 1 on Windows.
	if !killed || !errors.As(err, &ee) || (runtime.GOOS != "windows" && ee.ExitCode() != -1) {
		t.Fatalf("writer process ended with %v before being killed (%d acks):\n%s", err, len(acked), stderr.String())
	}
	return ops, acked
}

// readState reads what key holds now, failing the test on any read error.
func readState(t *testing.T, ns *Namespace, key string) observed {
	t.Helper()
	v, err := ns.Get(key)
	if errors.Is(err, ErrNotFound) {
		return observed{deleted: true}
	}
	if err != nil {
		t.Fatalf("reading %s after the kill: %v", key, err)
	}
	return observed{value: v}
}

type observed struct {
	value   []byte
	deleted bool
}

func (o observed) matches(k keyState) bool {
	if k.deleted || o.deleted {
		return k.deleted == o.deleted
	}
	return bytes.Equal(o.value, crashValue(k.seq))
}

func (o observed) String() string {
	if o.deleted {
		return "nothing"
	}
	return fmt.Sprintf("%d bytes", len(o.value))
}

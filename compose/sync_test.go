package compose

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

func TestParseSync(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Sync
		err  string
	}{
		{"bind", SyncBind, ""}, {"volume", SyncVolume, ""}, {"auto", SyncAuto, ""},
		{"", "", `--sync "": want bind, volume or auto`}, {"Volume", "", `--sync "Volume"`},
	} {
		got, err := ParseSync(c.in)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("ParseSync(%q) = %q, %v; want %q, %q", c.in, got, err, c.want, c.err)
		}
	}
}

// UseVolumes leaves no bind mount: the app and the state become the project's
// volumes at the same targets, and the engine's socket (and the panel it feeds) goes.
func TestUseVolumesReplacesEveryBindMount(t *testing.T) {
	for _, answers := range []string{"go", "worker"} {
		t.Run(answers, func(t *testing.T) {
			dir := appFolder(t, exampleWrangler)
			sock := filepath.Join(t.TempDir(), "docker.sock")
			testenv.WriteFile(t, sock, "")
			p, err := newProject(t, dir, project.Options{AnswersMode: answers}, Options{Name: "vol", EngineSocket: sock})
			if err != nil {
				t.Fatal(err)
			}
			p.UseVolumes("--sync volume")
			if p.Sync != SyncVolume || p.SyncReason != "--sync volume" {
				t.Fatalf("sync %q (%q)", p.Sync, p.SyncReason)
			}
			for _, s := range p.Services {
				if len(s.Mounts) != 0 || s.GroupAdd != nil || slices.Contains(s.Command, "--compose-project") {
					t.Errorf("%s: mounts %v, groups %v, command %v: want no bind mount and no socket", s.Name, s.Mounts, s.GroupAdd, s.Command)
				}
				for _, v := range s.Volumes {
					if !(v == Mount{"vol_app", appDir} || v == Mount{"vol_state", stateDir}) {
						t.Errorf("%s: volume %v", s.Name, v)
					}
				}
			}
			a, _ := p.Service(project.AnswersService)
			if !slices.Contains(a.Volumes, Mount{"vol_state", stateDir}) {
				t.Errorf("answers volumes %v lack the state", a.Volumes)
			}
			for _, s := range p.Services {
				if s.Name != project.AnswersService && !slices.Contains(s.Volumes, Mount{"vol_app", appDir}) {
					t.Errorf("%s volumes %v lack the app", s.Name, s.Volumes)
				}
			}
		})
	}
}

// What goes into the app volume: no .git, no .wrangler (runs, caches, the state,
// which has its own volume), nor a state folder elsewhere in the project.
func TestAppSkip(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"package.json", "src/a.js", ".git/HEAD", "w/.wrangler/state/v3/x", "data/kv/y", "node_modules/m/index.js"} {
		testenv.WriteFile(t, filepath.Join(dir, f), "x")
	}
	if err := os.Symlink("a.js", filepath.Join(dir, "src", "link.js")); err != nil {
		t.Fatal(err)
	}
	p := &Project{Dir: dir, StateDir: filepath.Join(dir, "data")}
	es, err := walkTree(dir, p.appSkip())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.rel)
	}
	want := []string{".", "node_modules", "node_modules/m", "node_modules/m/index.js", "package.json", "src", "src/a.js", "src/link.js", "w"}
	if !slices.Equal(got, want) {
		t.Fatalf("walked %v, want %v", got, want)
	}
	if es[7].link != "a.js" {
		t.Errorf("the symlink's target %q", es[7].link)
	}
}

// RemoveListed removes what the list names inside root, and nothing outside.
func TestRemoveListed(t *testing.T) {
	for _, c := range []struct {
		name, list string
		gone, kept []string
		err        string
	}{
		{"files and folders", "src/a.js\nlib\n", []string{"src/a.js", "lib/x.js"}, []string{"src/b.js", "keep"}, ""},
		{"already gone", "nope\nsrc/a.js/deeper\n", nil, []string{"src/a.js"}, ""},
		{"outside", "../keep\n", nil, []string{"src/a.js"}, `"../keep" is not a path inside`},
		{"the root", ".\n", nil, []string{"src/a.js"}, "is not a path inside"},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "app")
			for _, f := range []string{"app/src/a.js", "app/src/b.js", "app/lib/x.js", "keep"} {
				testenv.WriteFile(t, filepath.Join(base, f), "x")
			}
			list := filepath.Join(root, removeList)
			testenv.WriteFile(t, list, c.list)
			err := RemoveListed(root, list)
			if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("err %v, want %q", err, c.err)
			}
			for _, g := range c.gone {
				if _, err := os.Stat(filepath.Join(root, g)); !os.IsNotExist(err) {
					t.Errorf("%s is still there", g)
				}
			}
			for _, k := range c.kept {
				p := filepath.Join(root, k)
				if k == "keep" {
					p = filepath.Join(base, k)
				}
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s went: %v", k, err)
				}
			}
			if _, err := os.Stat(list); c.err == "" && !os.IsNotExist(err) {
				t.Error("the list stays after a removal")
			}
		})
	}
}

// compose config says which mode and why; choosing needs no engine unless auto
// must probe one (DOCKER_HOST here is tcp://, which auto takes as remote).
func TestComposeConfigSaysTheSyncMode(t *testing.T) {
	bin := testenv.ArenaDev(t)
	dir := appFolder(t, exampleWrangler)
	cases := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
		not      []string
	}{
		{"auto, tcp engine", nil, 0, []string{"# sync: volume (auto: DOCKER_HOST tcp://127.0.0.1:9 is not a local socket)", "type: volume", "volumes:\n  app:"}, []string{"type: bind"}},
		{"bind", []string{"--sync", "bind"}, 0, []string{"# sync: bind (--sync bind)", "type: bind"}, []string{"type: volume"}},
		{"volume", []string{"--sync", "volume"}, 0, []string{"# sync: volume (--sync volume)", `source: "state"`}, nil},
		{"publish ip", []string{"--publish-ip", "0.0.0.0", "--port", "answers=9999"}, 0, []string{`"0.0.0.0:9999:9999"`}, nil},
		{"bad sync", []string{"--sync", "copy"}, 2, []string{`--sync "copy": want bind, volume or auto`}, nil},
		{"bad publish ip", []string{"--publish-ip", "everywhere"}, 1, []string{`--publish-ip "everywhere"`}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"compose", "config", "--dir", dir, "-p", "cfg"}, c.args...)...)
			cmd.Env = append(os.Environ(), "DOCKER_HOST=tcp://127.0.0.1:9")
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, c.wantCode, out)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("want %q in:\n%s", w, out)
				}
			}
			for _, n := range c.not {
				if strings.Contains(string(out), n) {
					t.Errorf("did not want %q in:\n%s", n, out)
				}
			}
		})
	}
}

package orchestrate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/project"
)

func TestCheckPrograms(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "node_modules", ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "there"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	lock := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svc := func(argv ...string) ServiceSpec {
		return ServiceSpec{Service: project.Service{Name: "web", Dir: dir, Command: argv}}
	}
	cases := []struct {
		name, lockFile string
		spec           ServiceSpec
		want           string // "" = fine
	}{
		{name: "present", spec: svc("node_modules/.bin/there")},
		{name: "on PATH", spec: svc("sh", "-c", "true")},
		{name: "missing .bin tool, npm", lockFile: "package-lock.json", spec: svc("node_modules/.bin/astro", "dev"), want: "run `npm ci` in " + dir},
		{name: "missing .bin tool, pnpm", lockFile: "pnpm-lock.yaml", spec: svc("node_modules/.bin/astro"), want: "run `pnpm install --frozen-lockfile` in " + dir},
		{name: "not on PATH", spec: svc("no-such-program-anywhere"), want: "not on PATH"},
		{name: "disabled is not checked", spec: func() ServiceSpec { s := svc("node_modules/.bin/astro"); s.Disabled = true; return s }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, l := range []string{"package-lock.json", "pnpm-lock.yaml"} {
				os.Remove(filepath.Join(dir, l))
			}
			if c.lockFile != "" {
				lock(c.lockFile)
			}
			err := CheckPrograms([]ServiceSpec{c.spec})
			var me *MissingProgramError
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && (!errors.As(err, &me) || !strings.Contains(err.Error(), c.want) || me.Service != "web"):
				t.Fatalf("err %v, want a MissingProgramError containing %q", err, c.want)
			}
		})
	}
}

package compose

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

// BenchmarkSelfImage compares building arena-dev's FROM scratch image (a fresh tag
// each time) with the check `compose up` makes when the image already holds this
// binary (sha256 of the binary + one inspect).
func BenchmarkSelfImage(b *testing.B) {
	cli := requireEngine(b)
	bin := testenv.ArenaDev(b)
	ctx := context.Background()
	b.Run("build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ref := "arena-dev-bench:" + randomSuffix()
			if _, err := BuildSelfImage(ctx, cli, bin, ref); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			_, _ = cli.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
			b.StartTimer()
		}
	})
	b.Run("up-to-date", func(b *testing.B) {
		ref := "arena-dev-bench:" + randomSuffix()
		if _, err := BuildSelfImage(ctx, cli, bin, ref); err != nil {
			b.Fatal(err)
		}
		defer cli.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if built, err := BuildSelfImage(ctx, cli, bin, ref); err != nil || built {
				b.Fatalf("built=%v err=%v, want the image reused", built, err)
			}
		}
	})
}

// BenchmarkUpWait: `compose up --wait` of the example stack from nothing to all
// healthy (then down, untimed), beside an up on a stack that is already up.
func BenchmarkUpWait(b *testing.B) {
	cli := requireEngine(b)
	bin := testenv.ArenaDev(b)
	nodeImage := testNodeImage(b)
	dir := testenv.ExampleCopy(b)
	ctx := context.Background()
	newProject := func(name string) *Project { return benchProject(b, dir, name, nodeImage) }
	opts := UpOptions{Binary: bin, Wait: true, WaitTimeout: 2 * time.Minute}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			p := newProject(uniqueProject(b, cli))
			if err := Up(ctx, cli, p, opts); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := Down(ctx, cli, p.Name, true, nil); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("already-up", func(b *testing.B) {
		p := newProject(uniqueProject(b, cli))
		if err := Up(ctx, cli, p, opts); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := Up(ctx, cli, p, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchProject is the example stack in dir as project name, on free ports.
func benchProject(b *testing.B, dir, name, nodeImage string) *Project {
	m, err := project.Resolve(project.Options{Dir: dir, Ports: portFlags(b, nil)})
	if err != nil {
		b.Fatal(err)
	}
	p, err := NewProject(m, Options{Name: name, Version: testVersion, NodeImage: nodeImage})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

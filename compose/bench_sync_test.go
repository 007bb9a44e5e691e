package compose

import (
	"context"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// BenchmarkUpWaitSync: `compose up --wait` of the example stack in bind mode
// and in volume mode, side by side. cold: nothing of the project exists but the
// images (volume mode copies the whole app, node_modules included, and the
// state); warm: after `compose down`, which keeps the volumes (volume mode
// compares the folder with the volume's manifest and copies nothing). The
// downs are untimed. Run it alone: -run '^$' -bench UpWaitSync -benchtime 1x.
func BenchmarkUpWaitSync(b *testing.B) {
	cli := requireEngine(b)
	bin := testenv.ArenaDev(b)
	nodeImage := testNodeImage(b)
	dir := testenv.ExampleCopy(b)
	ctx := context.Background()
	opts := UpOptions{Binary: bin, Wait: true, WaitTimeout: 5 * time.Minute}
	newProject := func(name string, mode Sync) *Project {
		p := benchProject(b, dir, name, nodeImage)
		if mode == SyncVolume {
			p.UseVolumes("benchmark")
		}
		return p
	}
	for _, mode := range []Sync{SyncBind, SyncVolume} {
		b.Run(string(mode)+"/cold", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				p := newProject(uniqueProject(b, cli), mode)
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
		b.Run(string(mode)+"/warm", func(b *testing.B) {
			p := newProject(uniqueProject(b, cli), mode)
			if err := Up(ctx, cli, p, opts); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if err := Down(ctx, cli, p.Name, false, nil); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := Up(ctx, cli, p, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

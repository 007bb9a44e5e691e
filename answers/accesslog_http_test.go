package answers_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// gatedWriter holds every Write until release is closed, like a terminal paused
// with Ctrl-S or a full pipe nobody reads.
type gatedWriter struct {
	release chan struct{}
	out     *testenv.SyncBuffer
}

func (g gatedWriter) Write(p []byte) (int, error) {
	<-g.release
	return g.out.Write(p)
}

// A stalled log writer never delays a response; once it drains, every request has
// its line, flushed by Serve on shutdown.
func TestAccessLogNeverBlocksRequests(t *testing.T) {
	w := gatedWriter{release: make(chan struct{}), out: &testenv.SyncBuffer{}}
	h := answers.LogRequests(zerolog.New(w), answers.New(openNamespace(t, t.TempDir()), answers.Options{Logger: zerolog.Nop()}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- answers.Serve(ctx, ln, h) }()
	client := &http.Client{Timeout: 10 * time.Second} // the bound after which a request counts as blocked
	const n = 20
	for i := range n {
		res, err := client.Get("http://" + ln.Addr().String() + "/answers/color")
		if err != nil {
			close(w.release)
			cancel()
			<-done
			t.Fatalf("request %d with the log writer stalled: %v", i, err)
		}
		res.Body.Close()
	}
	close(w.release)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c := strings.Count(w.out.String(), `"path":"/answers/color"`); c != n {
		t.Errorf("%d request lines after shutdown, want %d:\n%s", c, n, w.out)
	}
}

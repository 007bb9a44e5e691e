package parity

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/answers/conformance"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/freeport"
	"github.com/sommelier-arena/arena-dev/project"
)

// Options configure Diff.
type Options struct {
	// ReadyTimeout bounds the Worker's start; 0 = 90 s (a cold wrangler dev on a
	// loaded two-core machine).
	ReadyTimeout time.Duration
}

// Report is the outcome of Diff.
type Report struct {
	Copied      int                  // keys copied from the current state to each side
	Requests    int                  // requests sent to each implementation
	Differences []Difference         // every difference, in request order
	Steps       []conformance.Result // the suite's verdict on arena-dev (the tee's primary)
}

// Diff starts arena-dev's API (in process) and the project's Worker (wrangler dev),
// each on its own copy of the current state of p's answers namespace, sends both
// the same requests (reads of the current data, then the conformance suite) and
// reports every difference. p is any resolved model of the project: the Worker's
// service is resolved from the same options in worker mode.
func Diff(ctx context.Context, p *project.Project, o Options) (*Report, error) {
	if p.Answers.WranglerConfig == "" {
		return nil, errNoWorker
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 90 * time.Second
	}
	tmp, err := os.MkdirTemp("", "arena-dev-parity-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	goRoot, workerRoot := filepath.Join(tmp, "go", "state"), filepath.Join(tmp, "worker", "state")
	rep := &Report{}
	// No state yet: both start empty (and the project gets no state dir from us).
	if _, err := os.Stat(emulator.DatabasePath(p.Answers.PersistRoot, p.Answers.NamespaceID)); err == nil {
		for _, root := range []string{goRoot, workerRoot} {
			if rep.Copied, err = CopyNamespace(p.Answers.PersistRoot, root, p.Answers.NamespaceID); err != nil {
				return nil, fmt.Errorf("copying the current state: %w", err)
			}
		}
	}
	ports, err := freeport.Pick(1)
	if err != nil {
		return nil, err
	}
	// The Worker as `up --answers worker` would run it, on the copy and a free port.
	wp, err := project.Resolve(project.Options{Dir: p.Root, File: p.ConfigFile, AnswersMode: project.ModeWorker,
		PersistTo: workerRoot, Ports: []string{project.AnswersService + "=" + strconv.Itoa(ports[0])},
		CORSOrigins: p.Answers.CORSOrigins, Services: []string{project.AnswersService}})
	if err != nil {
		return nil, err
	}
	svc, _ := wp.Service(project.AnswersService)
	w, err := startWorker(ctx, svc, o.ReadyTimeout)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	goURL, goNS, stopGo, err := serveGo(goRoot, wp.Answers)
	if err != nil {
		return nil, err
	}
	defer stopGo()

	wu, err := url.Parse(w.URL)
	if err != nil {
		return nil, err
	}
	tee := &Tee{Worker: wu}
	client := &http.Client{Transport: tee, Timeout: 30 * time.Second}
	// The current data first, before the suite replaces some of it.
	for _, path := range append([]string{"/healthz", "/answers"}, categoryPaths()...) {
		res, err := client.Get(goURL + path)
		if err != nil {
			return nil, err
		}
		res.Body.Close()
	}
	// The suite starts on empty categories (it POSTs answers the seeds have).
	if err := clearCategories(goNS); err != nil {
		return nil, err
	}
	if err := clearWorkerCopy(workerRoot, wp.Answers.NamespaceID); err != nil {
		return nil, err
	}
	rep.Steps = conformance.Check(goURL, conformance.Options{Client: client, AllowedOrigin: allowedOrigin(wp.Answers.CORSOrigins)})
	rep.Requests, rep.Differences = tee.Result()
	return rep, nil
}

func categoryPaths() []string {
	out := make([]string, len(conformance.Categories))
	for i, c := range conformance.Categories {
		out[i] = "/answers/" + c
	}
	return out
}

// allowedOrigin is an origin both servers allow, for the suite's CORS step.
func allowedOrigin(origins []string) string {
	for _, o := range origins {
		if o != "*" {
			return o
		}
	}
	return ""
}

// serveGo serves arena-dev's API over the namespace under root on a free
// loopback port, as `up` does in go mode.
func serveGo(root string, a project.Answers) (string, *emulator.Namespace, func(), error) {
	st, err := emulator.OpenNamespace(root, a.NamespaceID)
	if err != nil {
		return "", nil, nil, err
	}
	ns := st.Namespace
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return "", nil, nil, err
	}
	srv := answers.New(ns, answers.Options{Logger: zerolog.Nop(), CORSOrigins: a.CORSOrigins})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = answers.Serve(ctx, ln, srv) // as `up` serves it, protocol errors in JSON too
	}()
	return "http://" + ln.Addr().String(), ns, func() {
		cancel()
		<-done
		_ = st.Close()
	}, nil
}

// clearWorkerCopy empties the categories of the Worker's copy, beside the running
// workerd (Miniflare reads KV from its files on every request).
func clearWorkerCopy(root, id string) error {
	o, err := emulator.OpenNamespace(root, id)
	if err != nil {
		return err
	}
	defer o.Close()
	return clearCategories(o.Namespace)
}

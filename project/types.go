package project

import (
	"regexp"
	"time"
)

// Project is a resolved stack.
type Project struct {
	Root       string // the project root: where arena-dev.toml is, or the default layout
	Name       string // the stack's name, "" for the project's default stack
	ConfigFile string // the arena-dev.toml read; "" when the defaults were used
	// Found: the root has an arena-dev.toml or the default layout (not merely the
	// directory the command ran in).
	Found   bool
	RunDir  string // run file, lock, background log
	LogDir  string // one log file per service
	Answers Answers
	// Services in a stable order: the answers API first, then the supervised
	// services by name. The supervisor computes its start order from DependsOn.
	Services []Service
	// Watch: arena-dev.toml says watch = true (`up` follows the files, as --watch).
	Watch bool `json:",omitempty"`
}

// Answers is the wine-answers API and the KV namespace it serves.
type Answers struct {
	Host        string // bind address
	Mode        string // ModeGo: served in process; ModeWorker: `wrangler dev` of the Worker
	Port        int
	URL         string // where children reach it (a wildcard host becomes 127.0.0.1)
	NamespaceID string
	PersistRoot string // absolute: the .wrangler/state that holds the namespace
	// WranglerConfig is the Worker's wrangler config (absolute), "" when none.
	WranglerConfig string
	CORSOrigins    []string
	CORSFrom       string // where CORSOrigins came from, for messages
	Seed           bool   // seed categories that do not exist yet at start
	// Ephemeral: PersistRoot is a throwaway dir in the run directory, seeded fresh,
	// removed at exit (and by the next run after a SIGKILL).
	Ephemeral bool
	// KVConsistency is "strong" or "edge" (docs/consistency.md); in edge mode a
	// location serves what it read for KVPropagationDelay.
	KVConsistency      string
	KVPropagationDelay time.Duration
	// KVLimits is "off", "production" or "free" (docs/consistency.md): which of
	// production KV's limits arena-dev enforces.
	KVLimits string
}

// AnswersService is the name of the in-process answers API.
const AnswersService = "answers"

// Service is one service of the stack, resolved: every ${VAR} expanded, every
// default applied, every path absolute.
type Service struct {
	Name string
	// Disabled services are in the stack but not started with it (disabled = true,
	// a profile not asked for, or not named on `up SVC...`); `start` starts them.
	Disabled    bool
	DisabledWhy string

	// InProcess marks the answers API, which arena-dev serves itself; a child
	// process has Command instead: an argv (Command[0] relative to Dir when it has
	// a slash), or one /bin/sh -c line when Shell is set.
	InProcess bool
	Command   []string
	Shell     bool
	Dir       string
	Env       []string // KEY=value: what arena-dev injects, then PORT, then the service's own env

	Port      int // the port it must get (preflight-checked); 0 = none
	URL       string
	Probe     Probe
	DependsOn []string

	Restart     RestartPolicy
	MaxRestarts int           // within Window; one more exit and the service is Failed
	Backoff     time.Duration // first delay, doubled each time
	BackoffMax  time.Duration
	Window      time.Duration
	StopTimeout time.Duration // after SIGTERM to the group, before SIGKILL

	// FailPatterns are log lines meaning the service cannot work although it may not
	// exit (partykit never exits on a taken port; Vite hops to another port). A match
	// stops the service and marks it Failed. nil = DefaultFailPatterns; empty = none.
	FailPatterns []*regexp.Regexp

	// EnvFiles are the env_file entries, absolute: read into Env, and watched.
	EnvFiles []string `json:",omitempty"`
	// Watch and Ignore are globs relative to Dir whose changes restart the service
	// under `up --watch`; Cascade also restarts its dependants (watch.go).
	Watch   []string `json:",omitempty"`
	Ignore  []string `json:",omitempty"`
	Cascade bool     `json:",omitempty"`
}

// Service returns the named service.
func (p *Project) Service(name string) (Service, bool) { return Find(p.Services, serviceNameOf, name) }

// ServiceNames lists the services in the model's order.
func (p *Project) ServiceNames() []string { return Names(p.Services, serviceNameOf) }

// RestartPolicy says when a service that exited is started again.
type RestartPolicy int

const (
	RestartNo        RestartPolicy = iota // never
	RestartOnFailure                      // only after a non-zero exit or a signal
	RestartAlways                         // after any exit, until stopped
)

func (r RestartPolicy) String() string {
	switch r {
	case RestartNo:
		return "no"
	case RestartAlways:
		return "always"
	}
	return "on-failure"
}

// ProbeKind selects how readiness is checked.
type ProbeKind int

const (
	ProbeNone ProbeKind = iota // a child is ready once started; an in-process service once it says so
	ProbeHTTP                  // GET URL answers below 500
	ProbeTCP                   // Address accepts a TCP connection
	ProbeLog                   // a log line matches Pattern
)

func (k ProbeKind) String() string {
	return [...]string{"none", "http", "tcp", "log"}[k]
}

// Probe is a readiness check.
type Probe struct {
	Kind     ProbeKind
	URL      string         // ProbeHTTP
	Address  string         // ProbeTCP, host:port
	Pattern  *regexp.Regexp // ProbeLog, matched against each line (escape codes stripped)
	Interval time.Duration  // between polls
	Timeout  time.Duration  // give up on readiness after this
}

// Defaults of a service's supervision, used where arena-dev.toml says nothing.
const (
	DefaultMaxRestarts   = 5
	DefaultBackoff       = 500 * time.Millisecond
	DefaultBackoffMax    = 15 * time.Second
	DefaultWindow        = 60 * time.Second
	DefaultStopTimeout   = 3 * time.Second
	DefaultProbeInterval = 100 * time.Millisecond
	// DefaultProbeTimeout is long: a cold Astro on a loaded two-core machine can
	// take well over a minute to answer its first page.
	DefaultProbeTimeout = 90 * time.Second
)

// DefaultFailPatterns catch a dev server that lost its port: partykit's
// "Address already in use (0.0.0.0:1999)" (it then never exits) and Vite's
// "Port 4321 is in use, trying another one..." (Astro would silently hop).
var DefaultFailPatterns = []*regexp.Regexp{
	regexp.MustCompile(`Address already in use`),
	regexp.MustCompile(`Port \d+ is in use, trying another one`),
	regexp.MustCompile(`Port \d+ is already in use`),
}

//go:build !unix

package orchestrate

import (
	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// Windows needs no guardian: each service's Job Object kills its processes when
// arena-dev's handle closes, however arena-dev ends (internal/procutil).

type guardState struct{}

type guardian struct{}

func startGuardian(string, zerolog.Logger) *guardian   { return nil }
func (g *guardian) update(guardState)                  {}
func (g *guardian) finish()                            {}
func guardStateOf([]runstate.ServiceStatus) guardState { return guardState{} }

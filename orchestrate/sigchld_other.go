//go:build !unix

package orchestrate

import "os"

var childSignals []os.Signal

package emulator

import "fmt"

// Step names one step of a write, in the order a write takes them, where a
// test can inject a failure (a failing disk, an fsync error) that cannot be
// produced on demand for real.
type Step string

const (
	StepBlobWrite   Step = "blob write"        // the value's file is written
	StepBlobSync    Step = "blob fsync"        // the value's file is fsynced
	StepBlobDirSync Step = "blob folder fsync" // the blobs folder is fsynced (the new name)
	StepCommit      Step = "commit"            // the row's transaction: fails before it commits
	StepCommitted   Step = "after commit"      // the transaction committed, then an error is reported
	StepWALSync     Step = "WAL fsync"         // the commit is fsynced before the acknowledgement
)

// FaultError is an injected failure.
type FaultError struct{ Step Step }

func (e *FaultError) Error() string { return fmt.Sprintf("injected failure at the %s step", e.Step) }

// testFault, when set (tests only), is asked at every step; a true answer fails
// that step with a *FaultError.
var testFault func(Step) bool

func fault(s Step) error {
	if testFault != nil && testFault(s) {
		return &FaultError{Step: s}
	}
	return nil
}

package stack

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/project"
)

// ModelFileName is the file in a stack's run directory through which `up
// --wait` hands its background child the model it resolved.
const ModelFileName = "model.json"

// WriteModelFile writes p, as resolved, into its run directory for a
// background child to run (ReadModelFile): the child runs this model and does
// not resolve again, so nothing (a port picked by --ports auto, a flag) can
// come out differently. The file is 0600: the model holds the services'
// environment, which may carry secrets from .dev.vars or env files.
func WriteModelFile(p *project.Project) (string, error) {
	b, err := p.JSON()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(p.RunDir, 0o755); err != nil {
		return "", fmt.Errorf("run directory: %w", err)
	}
	path := filepath.Join(p.RunDir, ModelFileName)
	tmp, err := os.CreateTemp(p.RunDir, ModelFileName+".tmp-*") // created 0600
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return path, nil
}

// ReadModelFile reads the model WriteModelFile wrote, and removes the file: the
// run file records the model from then on.
func ReadModelFile(path string) (*project.Project, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := project.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	_ = os.Remove(path)
	return p, nil
}

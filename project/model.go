package project

import (
	"encoding/json"
	"fmt"
)

// Decode reads a model written by JSON (a run file's project, the model file a
// background `up` is handed). It derives nothing: the model is used as it was
// resolved.
func Decode(b []byte) (*Project, error) {
	var p Project
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("reading the resolved model: %w", err)
	}
	if p.Root == "" || p.RunDir == "" || len(p.Services) == 0 {
		return nil, fmt.Errorf("reading the resolved model: it has no root, run directory or services")
	}
	return &p, nil
}

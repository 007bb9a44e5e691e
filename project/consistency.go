package project

import (
	"fmt"
	"time"
)

// DefaultPropagationDelay is edge mode's window unless set: the design record's
// "up to 60 seconds", Cloudflare KV's minimum cache TTL.
const DefaultPropagationDelay = 60 * time.Second

// Consistency resolves the KV consistency mode and edge mode's propagation
// delay: the flags (as typed, "" = not given) win over arena-dev.toml's values.
// The result is "strong" with no delay, or "edge" with a positive one.
func Consistency(fileMode string, fileDelay time.Duration, flagMode, flagDelay string) (string, time.Duration, error) {
	mode := fileMode
	if flagMode != "" {
		if flagMode != "strong" && flagMode != "edge" {
			return "", 0, fmt.Errorf("--kv-consistency %q: want strong (the default) or edge", flagMode)
		}
		mode = flagMode
	}
	if mode == "" {
		mode = "strong"
	}
	delay := fileDelay
	if flagDelay != "" {
		d, err := time.ParseDuration(flagDelay)
		if err != nil || d <= 0 {
			return "", 0, fmt.Errorf("--kv-propagation-delay %q: want a positive duration such as 60s or 500ms", flagDelay)
		}
		if mode != "edge" {
			return "", 0, fmt.Errorf("--kv-propagation-delay %s applies only with --kv-consistency edge (or kv_consistency = \"edge\" in arena-dev.toml)", flagDelay)
		}
		delay = d
	}
	if mode == "strong" {
		return mode, 0, nil
	}
	if delay <= 0 {
		delay = DefaultPropagationDelay
	}
	return mode, delay, nil
}

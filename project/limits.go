package project

import "fmt"

// Limits resolves which of production KV's limits are enforced: --kv-limits
// (as typed, "" = not given) wins over arena-dev.toml's kv_limits; the result is
// "off" (the default), "production" or "free".
func Limits(fileMode, flagMode string) (string, error) {
	mode := fileMode
	if flagMode != "" {
		switch flagMode {
		case "off", "production", "free":
		default:
			return "", fmt.Errorf("--kv-limits %q: want off (the default), production (one write a second per key) or free (also the free plan's daily quotas)", flagMode)
		}
		mode = flagMode
	}
	if mode == "" {
		mode = "off"
	}
	return mode, nil
}

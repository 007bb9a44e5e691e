//go:build unix && (!linux || arena_portable)

package procutil

// Supervision names the mechanisms this build supervises with (arena-dev version).
const Supervision = "guardian, ps"

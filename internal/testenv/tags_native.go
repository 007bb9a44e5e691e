//go:build !arena_portable

package testenv

// buildTags: a test built with -tags arena_portable tests an arena-dev built so.
const buildTags = ""

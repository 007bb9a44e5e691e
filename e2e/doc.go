// Package e2e holds the end-to-end tests of arena-dev: they build the binary, run
// `arena-dev up` on a private copy of the bundled example stack (the real answers
// API, `partykit dev` and `astro dev`) and check it from the outside, with HTTP,
// WebSocket clients and headless Chromium, and that stopping it leaves nothing
// behind. The tests are in the _test.go files; this package has no other code.
package e2e

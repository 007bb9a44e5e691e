// Package parity compares the two implementations of the wine-answers API: arena-dev's
// (Go, in process) and the project's own Worker under `wrangler dev`. Both start on
// throwaway copies of the current state; every request of the shared conformance
// suite (answers/conformance) goes to both, and every difference in status, the
// headers that matter and the body is reported (arena-dev conformance --diff).
//
// What is normalised, because it legitimately differs (see Normalised):
//   - createdAt values: both are RFC 3339 timestamps of when each server wrote;
//   - error.message: human text each implementation words its own (the code is
//     the contract, docs/api.md); only an empty or missing message differs;
//   - ETag: arena-dev adds strong ETags (docs/api.md, "What arena-dev adds"); its
//     values are never compared, and one that only arena-dev sends is its documented
//     extension. A Worker sending an ETag arena-dev does not is a difference.
//
// The suite runs without its arena-dev-only steps (If-Match, the usage meter).
package parity

// Normalised lists, for reports and the README, what the comparison ignores.
var Normalised = []string{
	`body: "createdAt" values (each server stamps its own writes)`,
	`body: error.message text (each words its own; error.code is compared, a missing message differs)`,
	`header ETag: values never compared; present on arena-dev only = its documented extension`,
}

// Headers are the response headers compared exactly (absent = "").
var Headers = []string{
	"Content-Type", "Cache-Control", "Location", "Allow", "Vary",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers", "Access-Control-Max-Age",
}

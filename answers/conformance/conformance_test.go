package conformance

import (
	"flag"
	"testing"
)

var (
	baseURL    = flag.String("conformance.url", "", "base URL of a wine-answers API to check (its data is changed!)")
	extensions = flag.Bool("conformance.extensions", false, "also check arena-dev's extensions (ETag, If-Match, usage)")
)

// TestAgainstURL checks any running server: go test ./answers/conformance
// -conformance.url http://127.0.0.1:8787 -conformance.extensions. Without the flag
// there is nothing to check; the answers package's tests run the suite against
// arena-dev and the reference Worker.
func TestAgainstURL(t *testing.T) {
	if *baseURL == "" {
		t.Skip("no -conformance.url given; the suite runs against arena-dev and the Worker in package answers")
	}
	Run(t, *baseURL, Options{Extensions: *extensions})
}

// Command ceiling is the benchmark's yardstick: a bare net/http server that serves
// one response body from memory on every path, with the same headers as the
// wine-answers API's GET of a category. No routing, storage, logging or checks:
// whatever the API costs beyond it is the API's own overhead.
//
//	ceiling -addr 127.0.0.1:0 -body color.json -etag '"abc"'
//
// It prints "listening on ADDR" once it accepts connections.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback)")
	bodyFile := flag.String("body", "", "file holding the response body")
	etag := flag.String("etag", `"ceiling"`, "ETag header value")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
	// The same header values as the API's, set the cheapest way net/http allows.
	contentType, noStore, vary := []string{"application/json; charset=utf-8"}, []string{"no-store"}, []string{"Origin"}
	tag, length := []string{*etag}, []string{strconv.Itoa(len(body))}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Type"], hd["Cache-Control"], hd["Vary"], hd["Etag"], hd["Content-Length"] = contentType, noStore, vary, tag, length
		w.Write(body) //nolint:errcheck // the client went away
	})
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

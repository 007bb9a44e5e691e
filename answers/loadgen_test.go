package answers_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// loadResult is one load run: throughput and latency percentiles.
type loadResult struct {
	requests  int
	reqPerSec float64
	p50, p99  time.Duration
}

// rawLoad sends GET path to addr over conns keep-alive connections for dur (at
// most limit requests), each connection sending its next request when the previous
// response is read, as wrk does. It is a bare HTTP/1.1 client (one prepared
// request, Content-Length bodies only) so the load generator itself takes little
// of the machine. Every response must be 200 with wantBytes of body.
func rawLoad(addr, path string, conns int, dur time.Duration, limit int, wantBytes int) (loadResult, error) {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: arena-bench\r\n\r\n")
	lat := make([][]time.Duration, conns)
	errs := make([]error, conns)
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(dur)
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs[c] = err
				return
			}
			defer conn.Close()
			conn.SetDeadline(stop.Add(30 * time.Second)) // a stuck server fails the run instead of hanging it
			rd := bufio.NewReaderSize(conn, 16<<10)
			mine := make([]time.Duration, 0, limit/conns+1)
			for len(mine) < limit/conns && time.Now().Before(stop) {
				t0 := time.Now()
				if _, err := conn.Write(req); err != nil {
					errs[c] = err
					return
				}
				if err := readResponse(rd, wantBytes); err != nil {
					errs[c] = err
					return
				}
				mine = append(mine, time.Since(t0))
			}
			lat[c] = mine
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return loadResult{}, err
		}
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return loadResult{}, fmt.Errorf("no request completed")
	}
	slices.Sort(all)
	return loadResult{requests: len(all), reqPerSec: float64(len(all)) / elapsed.Seconds(),
		p50: all[len(all)/2], p99: all[len(all)*99/100]}, nil
}

// readResponse reads one response (Content-Length or chunked body) and checks it.
func readResponse(rd *bufio.Reader, wantBytes int) error {
	status, err := rd.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status %q", bytes.TrimSpace(status))
	}
	n, chunked := -1, false
	for {
		line, err := rd.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(v), []byte("chunked"))
		}
	}
	if chunked {
		if n, err = readChunked(rd); err != nil {
			return err
		}
	} else if _, err := rd.Discard(max(n, 0)); err != nil {
		return err
	}
	if n != wantBytes {
		return fmt.Errorf("body of %d bytes, want %d", n, wantBytes)
	}
	return nil
}

func readChunked(rd *bufio.Reader) (int, error) {
	total := 0
	for {
		line, err := rd.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 32)
		if err != nil {
			return 0, fmt.Errorf("chunk size %q", line)
		}
		if size == 0 {
			_, err := rd.ReadSlice('\n') // no trailers from these servers
			return total, err
		}
		if _, err := rd.Discard(int(size) + 2); err != nil {
			return 0, err
		}
		total += int(size)
	}
}

package emulator

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Miniflare's KV limits (src/workers/kv/constants.ts).
const (
	MaxKeyBytes      = 512
	MaxValueBytes    = 25 * 1024 * 1024
	MaxMetadataBytes = 1024
	MinTTLSeconds    = 60
	MaxListKeys      = 1000
)

// ErrNotFound is returned by Get and GetWithMetadata for a missing or expired key.
var ErrNotFound = errors.New("key not found")

// LimitError is a broken Miniflare limit. Error() is exactly the message a Worker
// sees from Miniflare; Status is the HTTP status inside it (400, 413 or 414).
type LimitError struct {
	Status  int
	Message string
}

func (e *LimitError) Error() string { return e.Message }

// op names the operation as workerd prefixes it ("KV PUT failed: ...").
type op string

const (
	opGet    op = "GET"
	opPut    op = "PUT"
	opDelete op = "DELETE"
)

func limitErr(o op, status int, format string, args ...any) *LimitError {
	return &LimitError{Status: status, Message: fmt.Sprintf("KV %s failed: %d %s", o, status, fmt.Sprintf(format, args...))}
}

// validateKey applies Miniflare's key rules. Empty and dot keys are refused by
// workerd's binding before the request leaves the Worker, hence no "KV ... failed"
// prefix on those.
func validateKey(o op, key string) error {
	switch key {
	case "":
		return &LimitError{Status: 400, Message: "Key name cannot be empty."}
	case ".", "..":
		return &LimitError{Status: 400, Message: strconv.Quote(key) + " is not allowed as a key name."}
	}
	if !utf8.ValidString(key) {
		// A Worker's keys are JavaScript strings, always valid UTF-8 on disk; such a
		// key could never be read back there. (Miniflare's own closest case is a
		// key that fails URL-decoding: 400 "Could not URL-decode key name".)
		return &LimitError{Status: 400, Message: "Key names must be valid UTF-8."}
	}
	return validateKeyLength(o, key)
}

func validateKeyLength(o op, key string) error {
	if n := len(key); n > MaxKeyBytes {
		return limitErr(o, 414, "UTF-8 encoded length of %d exceeds key length limit of %d.", n, MaxKeyBytes)
	}
	return nil
}

// A Worker's KV binding (workerd) takes expiration and expirationTtl as 32-bit
// signed integers and refuses anything else before Miniflare sees it: an
// expiration can't be later than 2038-01-19T03:14:07Z. Past this the value
// can't be written by a Worker, and ours would overflow on the way to
// milliseconds.
const (
	minInt32Option = -1 << 31
	maxInt32Option = 1<<31 - 1
)

// checkInt32Option is workerd's range check, naming the option and its value.
func checkInt32Option(name string, v int64) error {
	if v < minInt32Option || v > maxInt32Option {
		return &LimitError{Status: 400, Message: fmt.Sprintf("Invalid %s of %d. Value out of range. Must be between %d and %d (inclusive). A Worker's KV binding takes it as a 32-bit integer, so the latest possible expiration is 2038-01-19T03:14:07Z.", name, v, minInt32Option, maxInt32Option)}
	}
	return nil
}

// expirationFor validates expiration options against nowSec (whole seconds, as
// Miniflare computes it) and returns the absolute expiration in seconds (0 = none).
// A TTL wins over an absolute expiration, as in Miniflare.
func expirationFor(o PutOptions, nowSec int64) (int64, error) {
	if err := checkInt32Option("expiration_ttl", o.ExpirationTTL); err != nil {
		return 0, err
	}
	if err := checkInt32Option("expiration", o.Expiration); err != nil {
		return 0, err
	}
	if o.ExpirationTTL != 0 {
		if o.ExpirationTTL < 0 {
			return 0, limitErr(opPut, 400, "Invalid expiration_ttl of %d. Please specify integer greater than 0.", o.ExpirationTTL)
		}
		if o.ExpirationTTL < MinTTLSeconds {
			return 0, limitErr(opPut, 400, "Invalid expiration_ttl of %d. Expiration TTL must be at least %d.", o.ExpirationTTL, MinTTLSeconds)
		}
		return nowSec + o.ExpirationTTL, nil
	}
	if o.Expiration != 0 {
		if o.Expiration <= nowSec {
			return 0, limitErr(opPut, 400, "Invalid expiration of %d. Please specify integer greater than the current number of seconds since the UNIX epoch.", o.Expiration)
		}
		if o.Expiration < nowSec+MinTTLSeconds {
			return 0, limitErr(opPut, 400, "Invalid expiration of %d. Expiration times must be at least %d seconds in the future.", o.Expiration, MinTTLSeconds)
		}
	}
	return o.Expiration, nil
}

func validateValue(value []byte) error {
	if n := len(value); n > MaxValueBytes {
		return limitErr(opPut, 413, "Value length of %d exceeds limit of %d.", n, MaxValueBytes)
	}
	return nil
}

func validateListLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return MaxListKeys, nil
	case limit < 1:
		return 0, limitErr(opGet, 400, "Invalid key_count_limit of %d. Please specify an integer greater than 0.", limit)
	case limit > MaxListKeys:
		return 0, limitErr(opGet, 400, "Invalid key_count_limit of %d. Please specify an integer less than %d.", limit, MaxListKeys)
	}
	return limit, nil
}

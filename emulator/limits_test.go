package emulator

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// testClock is a settable clock shared by a store's namespaces.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func newTestStore(t *testing.T) (*Store, *testClock) {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Unix(1_700_000_000, 500_000_000)}
	s.now = clock.now
	t.Cleanup(func() { s.Close() })
	return s, clock
}

func newTestNS(t *testing.T) (*Namespace, *testClock) {
	t.Helper()
	s, clock := newTestStore(t)
	ns, err := s.Namespace("test-ns")
	if err != nil {
		t.Fatal(err)
	}
	return ns, clock
}

func TestPutLimits(t *testing.T) {
	ns, clock := newTestNS(t)
	now := clock.t.Unix()
	for _, tc := range []struct {
		name   string
		key    string
		value  []byte
		opts   PutOptions
		status int
		msg    string
	}{
		{"empty key", "", nil, PutOptions{}, 400, "Key name cannot be empty."},
		{"dot key", ".", nil, PutOptions{}, 400, `"." is not allowed as a key name.`},
		{"dotdot key", "..", nil, PutOptions{}, 400, `".." is not allowed as a key name.`},
		{"invalid UTF-8 key", "a\xffb", nil, PutOptions{}, 400, "Key names must be valid UTF-8."},
		{"513-byte key", strings.Repeat("k", 513), nil, PutOptions{}, 414, "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."},
		{"multibyte key over", strings.Repeat("é", 257), nil, PutOptions{}, 414, "KV PUT failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512."},
		{"value over 25 MiB", "k", make([]byte, MaxValueBytes+1), PutOptions{}, 413, "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400."},
		{"metadata over 1 KiB", "k", nil, PutOptions{Metadata: json.RawMessage(`"` + strings.Repeat("m", 1023) + `"`)}, 413, "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024."},
		{"ttl 59", "k", nil, PutOptions{ExpirationTTL: 59}, 400, "KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60."},
		{"ttl negative", "k", nil, PutOptions{ExpirationTTL: -1}, 400, "KV PUT failed: 400 Invalid expiration_ttl of -1. Please specify integer greater than 0."},
		{"expiration now+59", "k", nil, PutOptions{Expiration: now + 59}, 400, "KV PUT failed: 400 Invalid expiration of " + itoa(now+59) + ". Expiration times must be at least 60 seconds in the future."},
		{"expiration past a 32-bit integer", "k", nil, PutOptions{Expiration: 2147483648}, 400, "Invalid expiration of 2147483648. Value out of range. Must be between -2147483648 and 2147483647 (inclusive). A Worker's KV binding takes it as a 32-bit integer, so the latest possible expiration is 2038-01-19T03:14:07Z."},
		{"expiration in microseconds", "k", nil, PutOptions{Expiration: 9300000000000000}, 400, "Invalid expiration of 9300000000000000. Value out of range. Must be between -2147483648 and 2147483647 (inclusive). A Worker's KV binding takes it as a 32-bit integer, so the latest possible expiration is 2038-01-19T03:14:07Z."},
		{"expiration below a 32-bit integer", "k", nil, PutOptions{Expiration: -2147483649}, 400, "Invalid expiration of -2147483649. Value out of range. Must be between -2147483648 and 2147483647 (inclusive). A Worker's KV binding takes it as a 32-bit integer, so the latest possible expiration is 2038-01-19T03:14:07Z."},
		{"ttl max int64", "k", nil, PutOptions{ExpirationTTL: 9223372036854775807}, 400, "Invalid expiration_ttl of 9223372036854775807. Value out of range. Must be between -2147483648 and 2147483647 (inclusive). A Worker's KV binding takes it as a 32-bit integer, so the latest possible expiration is 2038-01-19T03:14:07Z."},
		{"ttl past a 32-bit integer", "k", nil, PutOptions{ExpirationTTL: 2147483648}, 400, "Invalid expiration_ttl of 2147483648. Value out of range. Must be between -2147483648 and 2147483647 (inclusive). A Worker's KV binding takes it as a 32-bit integer, so the latest possible expiration is 2038-01-19T03:14:07Z."},
		{"range checked even when ttl wins", "k", nil, PutOptions{ExpirationTTL: 120, Expiration: 1 << 40}, 400, "Invalid expiration of 1099511627776. Value out of range. Must be between -2147483648 and 2147483647 (inclusive). A Worker's KV binding takes it as a 32-bit integer, so the latest possible expiration is 2038-01-19T03:14:07Z."},
		{"expiration in the past", "k", nil, PutOptions{Expiration: now}, 400, "KV PUT failed: 400 Invalid expiration of " + itoa(now) + ". Please specify integer greater than the current number of seconds since the UNIX epoch."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ns.Put(tc.key, tc.value, tc.opts)
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("want *LimitError, got %v", err)
			}
			if le.Status != tc.status || le.Error() != tc.msg {
				t.Fatalf("got %d %q, want %d %q", le.Status, le.Error(), tc.status, tc.msg)
			}
		})
	}
	// The limits themselves are allowed.
	for _, tc := range []struct {
		name  string
		key   string
		value []byte
		opts  PutOptions
	}{
		{"512-byte key", strings.Repeat("k", 512), nil, PutOptions{}},
		{"value of exactly 25 MiB", "big", make([]byte, MaxValueBytes), PutOptions{}},
		{"metadata of exactly 1 KiB", "m", nil, PutOptions{Metadata: json.RawMessage(`"` + strings.Repeat("m", 1022) + `"`)}},
		{"ttl 60", "t", nil, PutOptions{ExpirationTTL: 60}},
		{"expiration now+60", "e", nil, PutOptions{Expiration: now + 60}},
		{"largest expiration", "emax", nil, PutOptions{Expiration: 2147483647}},
		{"largest ttl", "tmax", nil, PutOptions{ExpirationTTL: 2147483647}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ns.Put(tc.key, tc.value, tc.opts); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The largest ones are stored exactly, and the key is there.
	for key, want := range map[string]int64{"emax": 2147483647, "tmax": now + 2147483647} {
		if e, err := ns.GetWithMetadata(key); err != nil || e.Expiration != want {
			t.Errorf("%s: %+v %v, want expiration %d", key, e, err, want)
		}
	}
	if _, err := ns.Put("k", nil, PutOptions{Metadata: json.RawMessage(`{bad`)}); err == nil || !strings.Contains(err.Error(), "metadata is not valid JSON") {
		t.Fatalf("invalid metadata: got %v", err)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestReadLimits(t *testing.T) {
	ns, _ := newTestNS(t)
	long := strings.Repeat("k", 513)
	for _, tc := range []struct {
		name string
		call func() error
		msg  string
	}{
		{"get long key", func() error { _, err := ns.Get(long); return err }, "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."},
		{"get empty key", func() error { _, err := ns.GetWithMetadata(""); return err }, "Key name cannot be empty."},
		{"delete long key", func() error { return ns.Delete(long) }, "KV DELETE failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."},
		{"list limit 1001", func() error { _, err := ns.List(ListOptions{Limit: 1001}); return err }, "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000."},
		{"list limit -1", func() error { _, err := ns.List(ListOptions{Limit: -1}); return err }, "KV GET failed: 400 Invalid key_count_limit of -1. Please specify an integer greater than 0."},
		{"list long prefix", func() error { _, err := ns.List(ListOptions{Prefix: long}); return err }, "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var le *LimitError
			if !errors.As(err, &le) || le.Error() != tc.msg {
				t.Fatalf("got %v, want %q", err, tc.msg)
			}
		})
	}
	if err := ns.Delete("absent"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

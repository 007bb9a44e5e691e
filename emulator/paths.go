package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"
)

// durableObjectClass names the Durable Object class Miniflare stores KV in; it is
// both the folder of the databases and the HMAC key seed of their file names.
const durableObjectClass = "miniflare-KVNamespaceObject"

// kvDir is where KV lives under a persist root.
func kvDir(root string) string { return filepath.Join(root, "v3", "kv") }

// DatabaseName is the file name (without ".sqlite") Miniflare gives the database of
// namespace id ns: hex(nameHmac || HMAC(key, nameHmac)[:16]) with
// key = sha256(class) and nameHmac = HMAC(key, ns)[:16] — workerd's Durable Object
// id derivation for idFromName.
func DatabaseName(ns string) string {
	key := sha256.Sum256([]byte(durableObjectClass))
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(ns))
	nameHmac := mac.Sum(nil)[:16]
	mac = hmac.New(sha256.New, key[:])
	mac.Write(nameHmac)
	check := mac.Sum(nil)[:16]
	return hex.EncodeToString(append(append([]byte{}, nameHmac...), check...))
}

// DatabasePath is the namespace's SQLite file under persist root.
func DatabasePath(root, ns string) string {
	return filepath.Join(kvDir(root), durableObjectClass, DatabaseName(ns)+".sqlite")
}

// BlobDir is the folder holding the namespace's value files under persist root.
func BlobDir(root, ns string) string {
	return filepath.Join(kvDir(root), SanitisePath(ns), "blobs")
}

var (
	dotRegexp             = regexp.MustCompile(`(^|/|\\)(\.+)(/|\\|$)`)
	illegalRegexp         = regexp.MustCompile("[?<>*\"'^/\\\\:|\\x00-\\x1f\u0080-\u009f]")
	windowsReservedRegexp = regexp.MustCompile(`(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$`)
	leadingRegexp         = regexp.MustCompile(`^[ /\\]+`)
	trailingRegexp        = regexp.MustCompile(`[ /\\]+$`)
)

// SanitisePath is Miniflare's sanitisePath: the namespace id made safe as one folder
// name (dot segments, illegal and control characters, Windows reserved names,
// leading/trailing spaces and slashes become underscores; at most 255 UTF-16 units).
func SanitisePath(unsafe string) string {
	dots := func(s string) string {
		return dotRegexp.ReplaceAllStringFunc(s, func(m string) string {
			g := dotRegexp.FindStringSubmatch(m)
			return g[1] + strings.Repeat("_", len(g[2])) + g[3]
		})
	}
	underscores := func(m string) string { return strings.Repeat("_", len([]rune(m))) }
	s := dots(dots(unsafe))
	s = illegalRegexp.ReplaceAllString(s, "_")
	s = windowsReservedRegexp.ReplaceAllString(s, "_")
	s = leadingRegexp.ReplaceAllStringFunc(s, underscores)
	s = trailingRegexp.ReplaceAllStringFunc(s, underscores)
	return truncateUTF16(s, 255)
}

// truncateUTF16 keeps the first n UTF-16 code units, as JavaScript's substring does
// (a surrogate pair cut in half becomes U+FFFD, as Node writes a lone surrogate).
func truncateUTF16(s string, n int) string {
	u := utf16.Encode([]rune(s))
	if len(u) <= n {
		return s
	}
	return string(utf16.Decode(u[:n]))
}

// blobIDLen is 32 random bytes + an 8-byte big-endian millisecond timestamp, in hex.
const blobIDLen = 80

// newBlobID makes a Miniflare-format blob id: 64 hex chars of random bytes, then 16
// hex chars of the big-endian millisecond timestamp.
func newBlobID(now time.Time) string {
	var b [40]byte
	if _, err := rand.Read(b[:32]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on Linux; no safe fallback
	}
	binary.BigEndian.PutUint64(b[32:], uint64(now.UnixMilli()))
	return hex.EncodeToString(b[:])
}

// validBlobID reports whether id is exactly 80 lowercase hex characters: the only
// form ever turned into a file path, so a tampered row can't reach outside blobs/.
func validBlobID(id string) bool {
	if len(id) != blobIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

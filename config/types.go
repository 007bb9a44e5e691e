package config

import (
	"fmt"
	"regexp"
	"time"
)

// Duration is a TOML string such as "500ms" or "2m".
type Duration time.Duration

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (try \"500ms\", \"10s\", \"2m\")", b)
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", b)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Policy is a restart policy name: "no", "on-failure" or "always".
type Policy string

var policies = map[Policy]bool{"no": true, "on-failure": true, "always": true}

// Policy is checked in validate: the decoder sets string kinds directly.

// Regexp is a compiled regular expression from a TOML string.
type Regexp struct{ *regexp.Regexp }

func (r *Regexp) UnmarshalText(b []byte) error {
	re, err := regexp.Compile(string(b))
	if err != nil {
		return fmt.Errorf("bad regexp %q: %v", b, err)
	}
	r.Regexp = re
	return nil
}

func (r Regexp) MarshalText() ([]byte, error) {
	if r.Regexp == nil {
		return nil, nil
	}
	return []byte(r.String()), nil
}

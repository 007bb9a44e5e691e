package project

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/wrangler"
)

// FrontEndService is the service whose origins the API always allows: the stack's
// own web front end, wherever its port is moved.
const FrontEndService = "astro"

// corsOrigins is the API's allow-list. The first source that sets it wins:
// --cors-origin, arena-dev.toml's cors_origins, then the Worker's own CORS_ORIGINS
// as `wrangler dev` gives it (.dev.vars over [vars]). To that arena-dev adds the
// front end's origins on its actual port (unless the list is "*"), so a moved
// Astro keeps working without editing any list.
func corsOrigins(cp *config.Project, o Options, wranglerConfig string) (origins []string, from string, err error) {
	switch toml, terr := cp.CORSOrigins(); {
	case terr != nil:
		return nil, "", &UsageError{terr}
	case len(o.CORSOrigins) > 0:
		origins, from = splitOrigins(o.CORSOrigins), "--cors-origin"
	case toml != nil:
		origins, from = splitOrigins(toml), cp.Path+" [answers] cors_origins"
		if cp.Path == "" {
			from = "arena-dev.toml"
		}
	case wranglerConfig != "":
		cfg, err := wrangler.LoadConfig(wranglerConfig)
		if err != nil {
			return nil, "", err
		}
		v, src, ok, err := cfg.Var("CORS_ORIGINS")
		if err != nil {
			return nil, "", &UsageError{err}
		}
		if ok {
			origins, from = splitOrigins([]string{v}), src
		}
	}
	if from == "" {
		from = "the front end's port"
	}
	if slices.Contains(origins, "*") {
		return []string{"*"}, from, nil
	}
	if fe, ok := cp.File.Services[FrontEndService]; ok && fe.Port != 0 {
		for _, h := range []string{"localhost", "127.0.0.1"} {
			if o := fmt.Sprintf("http://%s:%d", h, fe.Port); !slices.Contains(origins, o) {
				origins = append(origins, o)
			}
		}
	}
	return origins, from, nil
}

// splitOrigins takes flag values or the Worker's comma-separated variable.
func splitOrigins(in []string) []string {
	var out []string
	for _, v := range in {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" && !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

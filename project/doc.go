// Package project is the one resolved model of a stack that every command reads,
// as docker compose's types.Project is: `up`, `down`, `status`, `logs`, `serve`,
// `seed`, `kv` and `compose` all call Resolve and read the value it returns.
//
// Resolve finds the project root, loads and validates arena-dev.toml (package
// config), applies the command line's overrides (--port, --persist-to,
// --cors-origin), resolves the answers namespace through package wrangler, and
// derives what follows from all that: each service's argv, env, URL and readiness,
// PUBLIC_ANSWERS_URL, PUBLIC_PARTYKIT_HOST and the CORS origins of the stack's own
// front end. Nothing downstream derives any of it again.
package project

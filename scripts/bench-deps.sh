#!/usr/bin/env bash
# Installs Debian's wrk, the load generator of the answers API benchmark
# (answers/bench_test.go). Without root, or offline, the benchmark falls back to
# its Go load generator and says so in its output. Idempotent.
set -uo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bench-deps: no wrk: run 'sudo apt-get install -y wrk' for the figures in docs/benchmarks.md; using the Go load generator" >&2
	exit 0
fi
echo "bench-deps: installing wrk"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }; }; then
	echo "bench-deps: could not install wrk; using the Go load generator" >&2
fi
exit 0

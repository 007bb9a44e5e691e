#!/usr/bin/env bash
# Installs what the browser, container and LAN tests need beyond Go and Node: Debian's
# chromium, docker.io and iproute2, and starts a dockerd when none answers. Idempotent.
# Without root it cannot install: chromium is then required (the browser tests fail
# without it), while a missing Docker engine only makes the compose tests skip,
# except in CI (ARENA_DEV_REQUIRE_DOCKER=1), where it is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

root=false
[ "$(id -u)" = 0 ] && root=true
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if $root && ! command -v dockerd >/dev/null 2>&1; then
	need+=(docker.io)
fi
# ip (iproute2): the LAN test's network namespace and veth pair; it skips without
# them, except in CI (CI=true), where it fails.
if $root && ! command -v ip >/dev/null 2>&1; then
	need+=(iproute2)
fi
# WINE=1: what scripts/wine.sh needs to run the Windows build (make wine).
if [ "${WINE:-}" = 1 ]; then
	command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ] || need+=(wine64)
	command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64-win32)
fi
if [ ${#need[@]} -gt 0 ]; then
	if ! $root; then
		echo "system-deps: missing ${need[*]}: run 'sudo apt-get install -y ${need[*]}' (or make test as root)" >&2
		exit 1
	fi
	echo "system-deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! bash .ci/docker.sh; then
	if [ "${ARENA_DEV_REQUIRE_DOCKER:-}" = 1 ]; then
		exit 1
	fi
	echo "system-deps: no Docker engine: the compose tests will skip" >&2
fi

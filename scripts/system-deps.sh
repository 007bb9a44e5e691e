#!/usr/bin/env bash
# Installs what the browser and container tests need beyond Go and Node: Debian's
# chromium and docker.io, and starts a dockerd when none answers. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "system-deps: missing ${need[*]}: run 'sudo apt-get install -y ${need[*]}' (or make test as root)" >&2
		exit 1
	fi
	echo "system-deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -f .ci/docker.sh ]; then
	bash .ci/docker.sh
fi

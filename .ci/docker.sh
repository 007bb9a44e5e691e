#!/usr/bin/env bash
# Makes a Docker engine answer for the compose tests: installs Debian's docker.io when
# dockerd is missing, starts dockerd in the background (log in $DOCKERD_LOG) and waits
# until the engine answers. Idempotent: does nothing when an engine already answers.
# Works when sourced (from .ci/run) or run. Needs root to install and start.
_arena_docker() {
	local log=${DOCKERD_LOG:-/tmp/arena-dev-dockerd.log}
	local sock=/var/run/docker.sock
	engine_up() {
		if command -v docker >/dev/null 2>&1; then
			docker version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
		else
			curl -fsS --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
		fi
	}
	if engine_up; then
		echo "docker.sh: engine already answers ($(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null))"
		return 0
	fi
	if ! command -v dockerd >/dev/null 2>&1; then
		if [ "$(id -u)" != 0 ]; then
			echo "docker.sh: dockerd is missing: run 'sudo apt-get install -y docker.io'" >&2
			return 1
		fi
		echo "docker.sh: installing docker.io"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "docker.sh: no engine answers on $sock and starting dockerd needs root: run 'sudo dockerd &'" >&2
		return 1
	fi
	if ! pgrep -x dockerd >/dev/null 2>&1; then
		# A pid file left by a killed dockerd makes the next one refuse to start.
		rm -f /var/run/docker.pid
		echo "docker.sh: starting dockerd (log: $log)"
		nohup dockerd >"$log" 2>&1 &
	else
		echo "docker.sh: dockerd is running; waiting for it to answer"
	fi
	local i
	for i in $(seq 1 60); do
		if engine_up; then
			echo "docker.sh: engine answers ($(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null))"
			return 0
		fi
		sleep 0.5
	done
	echo "docker.sh: dockerd did not answer within 30 s; last lines of $log:" >&2
	tail -n 20 "$log" >&2 || true
	return 1
}
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	_arena_docker
else
	_arena_docker
fi

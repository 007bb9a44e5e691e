#!/usr/bin/env bash
# The Windows build under Wine (make wine): the smoke run `version`, `seed`,
# `kv key put/get` and `serve` answering /answers/color on a copy of the example,
# then, with WINE_TESTS set, `GOOS=windows go test -exec wine64` of those packages
# (e.g. WINE_TESTS="./config ./project"; WINE_SKIP, a -skip pattern, leaves tests
# out; docs/platforms.md has the run and its results). Debian's wine64 8.0 lacks
# bcryptprimitives.dll, which every Go >= 1.22 Windows binary loads before main:
# scripts/wine/bcryptprimitives.c is built with mingw-w64 into the Wine prefix.
# Needs wine64 and gcc-mingw-w64-x86-64 (scripts/system-deps.sh WINE=1 installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
work=$(mktemp -d)
trap 'wineserver -k 2>/dev/null || true; rm -rf "$work"' EXIT
export PATH="$PATH:/usr/lib/wine" WINEDEBUG=-all WINEPREFIX="$work/prefix"
for tool in wine64 wineserver x86_64-w64-mingw32-gcc; do
	command -v "$tool" >/dev/null || { echo "wine: $tool is missing (WINE=1 bash scripts/system-deps.sh)"; exit 1; }
done
# One server for every run below (each start would cost seconds), started before
# wineboot: once wineboot's own server runs, `wineserver -p` refuses with exit 2.
mkdir -p "$WINEPREFIX"
wineserver -p 300
wineboot -i >/dev/null 2>&1 || true
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	scripts/wine/bcryptprimitives.c -ladvapi32 -Wl,--kill-at
GOOS=windows CGO_ENABLED=0 $GO build -o "$work/arena-dev.exe" ./cmd/arena-dev
mkdir "$work/proj"
tar -C examples/sommelier-arena --exclude=node_modules --exclude=.wrangler --exclude=.astro -cf - . | tar -C "$work/proj" -xf -
cd "$work/proj"
exe="$work/arena-dev.exe"
wine64 "$exe" version | tee "$work/version.out"
grep -q '^supervision: job object' "$work/version.out"
wine64 "$exe" seed >/dev/null
wine64 "$exe" kv key put wine-smoke "from windows" --binding ANSWERS
[ "$(wine64 "$exe" kv key get wine-smoke --binding ANSWERS)" = "from windows" ]
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
wine64 "$exe" serve --port "$port" >"$work/serve.log" 2>&1 &
serve=$!
body=""
for _ in $(seq 1 120); do # poll until it answers: Wine's first start is slow
	body=$(curl -fs -m 2 "http://127.0.0.1:$port/answers/color" || true)
	[ -n "$body" ] && break
	sleep 0.5
done
kill "$serve" 2>/dev/null || true
wait "$serve" 2>/dev/null || true
case "$body" in *'"id":"red"'*) echo "wine: serve answered /answers/color" ;; *) echo "wine: serve did not answer: $body"; cat "$work/serve.log"; exit 1 ;; esac
cd - >/dev/null
if [ -n "${WINE_TESTS:-}" ]; then
	# Wine 8.0 answers NtSetInformationFile(FileDispositionInformationEx) with
	# STATUS_NOT_IMPLEMENTED, where Windows 10 1607+ deletes; Go (>= 1.25) falls
	# back to the older call only on the codes Windows itself returns, so every
	# os.RemoveAll (t.TempDir's cleanup first) fails with "Invalid function".
	# The tests run with Go's Deleteat taught Wine's code too, through -overlay:
	# the shipped binary above is built unpatched.
	at="$($GO env GOROOT)/src/internal/syscall/windows/at_windows.go"
	sed 's/STATUS_NOT_SUPPORTED:/STATUS_NOT_SUPPORTED, NTStatus(0xC0000002): \/\/ STATUS_NOT_IMPLEMENTED: Wine/' "$at" >"$work/at_windows.go"
	cmp -s "$at" "$work/at_windows.go" && { echo "wine: Go's at_windows.go changed; the Wine overlay no longer applies"; exit 1; }
	printf '{"Replace":{"%s":"%s"}}' "$at" "$work/at_windows.go" >"$work/overlay.json"
	# shellcheck disable=SC2086
	# Tests that start Linux node or go skip themselves here (internal/testenv).
	ARENA_DEV_UNDER_WINE=1 GOOS=windows CGO_ENABLED=0 \
		$GO test -count=1 -timeout "${WINE_TIMEOUT:-10m}" ${WINE_SKIP:+-skip "$WINE_SKIP"} \
		-overlay "$work/overlay.json" -exec wine64 $WINE_TESTS
fi
echo "wine: smoke run passed"

#!/usr/bin/env bash
# Runs every fuzz target of the repository for FUZZTIME each (default 8s): `go test
# -fuzz` takes one target in one package at a time. Found crashers land in the
# package's testdata/fuzz/<Target>/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-8s}"
go="${GO:-go}"
n=0
start=$SECONDS
while IFS=: read -r file target; do
	pkg="./$(dirname "$file")"
	echo "== $pkg $target ($fuzztime)"
	# -parallel 2: the machine is shared; the seed corpus runs first as a plain test.
	# Go's fuzz coordinator can lose a worker on a loaded machine and end with
	# "context deadline exceeded" although no input failed: such a run is tried
	# once more. A real failure writes its input to testdata/fuzz and fails.
	if ! "$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg"; then
		if [ -n "$(git status --porcelain -- "$pkg/testdata/fuzz/$target" 2>/dev/null)" ]; then
			echo "fuzz: $target found a failing input (see $pkg/testdata/fuzz/$target)" >&2
			exit 1
		fi
		echo "fuzz: $target stopped without a failing input; once more" >&2
		"$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg"
	fi
	n=$((n + 1))
done < <(grep -rhoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . --with-filename |
	sed -E 's/^\.\/(.*):func (Fuzz[A-Za-z0-9_]+)$/\1:\2/' | sort)
echo "fuzzed $n targets in $((SECONDS - start))s"

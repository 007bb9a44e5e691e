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
	"$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg"
	n=$((n + 1))
done < <(grep -rhoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . --with-filename |
	sed -E 's/^\.\/(.*):func (Fuzz[A-Za-z0-9_]+)$/\1:\2/' | sort)
echo "fuzzed $n targets in $((SECONDS - start))s"

#!/usr/bin/env bash
# make soak: the trust suite at full counts (ARENA_DEV_SOAK=1), its FIGURE lines
# written to docs/trust.md with the machine and the command.
set -euo pipefail
cd "$(dirname "$0")/.."
export ARENA_DEV_SOAK=1
go="${GO:-go}"
log="${SOAK_LOG:-/tmp/arena-dev-soak.log}"; : > "$log" # kept: the failures' details
run() { # package, -run pattern
	echo "== $1 $2"
	"$go" test -count=1 -v -timeout 60m -run "$2" "$1" | tee -a "$log" | grep -E '^(--- |ok|FAIL)|FIGURE' || true
}
start=$SECONDS
run ./orchestrate '^(TestSupervisionCycles|TestSetsidGrandchildIsStopped|TestReapFindsSetsidEscapee|TestReapingLeavesOtherChildrenAlone)$'
run ./answers '^(TestThreeServersAndKVWriterOnOneState|TestCoexistWithWorkerUnderMiniflare|TestNoStaleReadAcrossProcesses)$'
run ./emulator '^(TestCrashStorm|TestAPICrashStorm|TestDiskFaults|TestPowerCutStorm)$'
status=ok
grep -qE '^(--- FAIL|FAIL)' "$log" && status=FAILED
{
	echo "# Trust figures"
	echo
	echo "Written by \`make soak\` (scripts/soak.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sr), $("$go" version | cut -d' ' -f3); run: $status in $((SECONDS - start)) s."
	echo "\`make test\` runs the same tests at small counts; \`ARENA_DEV_SOAK=1\` raises them."
	echo
	grep -oE 'FIGURE .*' "$log" | sed -E 's/^FIGURE /- /'
} > docs/trust.md
echo "wrote docs/trust.md ($status)"
[ "$status" = ok ]

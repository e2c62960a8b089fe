#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run one libFuzzer binary and report "fuzz: NAME: N executions, N crashes"
# (and a SINAN-TEST line for the score).
#
#   scripts/run-fuzz.sh BUILD/fuzz/fuzz_NAME SECONDS
#       a campaign: SECONDS of fuzzing over the seeds and the corpus kept in
#       BUILD/fuzz/corpus/NAME (which grows from run to run);
#   scripts/run-fuzz.sh BUILD/fuzz/fuzz_NAME --smoke RUNS
#       what make check runs: RUNS executions from the committed seeds only,
#       with a fixed random seed, so that every clean clone does the same work
#       (new findings come from campaigns, and become regression inputs).
set -uo pipefail
bin=$1
secs=$2
smoke_runs=
if [ "$secs" = --smoke ]; then
	smoke_runs=$3
fi
TOP=$(cd "$(dirname "$0")/.." && pwd)
name=$(basename "$bin")
name=${name#fuzz_}
dir=$(dirname "$bin")
corpus=$dir/corpus/$name
seeds=$TOP/tests/fuzz/corpus/$name
mkdir -p "$corpus"
if [ -n "$smoke_runs" ]; then
	corpus=$(mktemp -d "$dir/smoke-$name.XXXXXX")
	trap 'rm -rf "$corpus"' EXIT
	args=(-runs="$smoke_runs" -seed=1)
	what="$smoke_runs runs from the seeds"
else
	args=(-max_total_time="$secs")
	what="${secs} s"
fi
args+=(-timeout=20 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$dir/$name-" "$corpus")
[ -d "$seeds" ] && args+=("$seeds")
log=$dir/$name.log
"$bin" "${args[@]}" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
crashes=0
[ $rc -ne 0 ] && crashes=1
echo "fuzz: $name: ${runs:-0} executions ($what), $crashes crashes"
if [ $crashes -ne 0 ]; then
	grep -E 'ERROR|SUMMARY|Test unit written|deadly signal|timeout' "$log" | head -n 20
	echo "SINAN-TEST: 0 passed, 1 failed"
	exit 1
fi
echo "SINAN-TEST: 1 passed, 0 failed"

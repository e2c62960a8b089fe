#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run one libFuzzer binary for SECONDS over its seed corpus and report
# "fuzz: NAME: N executions, N crashes" (and a SINAN-TEST line for the score).
#   scripts/run-fuzz.sh BUILD/fuzz/fuzz_NAME SECONDS
set -uo pipefail
bin=$1
secs=$2
TOP=$(cd "$(dirname "$0")/.." && pwd)
name=$(basename "$bin")
name=${name#fuzz_}
dir=$(dirname "$bin")
corpus=$dir/corpus/$name
seeds=$TOP/tests/fuzz/corpus/$name
mkdir -p "$corpus"
args=(-max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
      -artifact_prefix="$dir/$name-" "$corpus")
[ -d "$seeds" ] && args+=("$seeds")
log=$dir/$name.log
"$bin" "${args[@]}" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
crashes=0
[ $rc -ne 0 ] && crashes=1
echo "fuzz: $name: ${runs:-0} executions in ${secs} s, $crashes crashes"
if [ $crashes -ne 0 ]; then
	grep -E 'ERROR|SUMMARY|Test unit written|deadly signal|timeout' "$log" | head -n 20
	echo "SINAN-TEST: 0 passed, 1 failed"
	exit 1
fi
echo "SINAN-TEST: 1 passed, 0 failed"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run test programs, show their own (cmocka) output, and keep score.
#
#   scripts/run-tests.sh SUITE-NAME CMD [ARGS...]
#       run one test command; its output is shown and saved; the counts go
#       to build/test/results/SUITE-NAME.txt as "passed failed skipped".
#   scripts/run-tests.sh --summary
#       add up every result file and print "N passed, N failed[, N skipped]";
#       exit 1 if anything failed or no test ran.
#   scripts/run-tests.sh --failed SUITE MESSAGE...
#       record one failure that no test program reported (a check target
#       that failed to build), with its message.
#   scripts/run-tests.sh --reset
#       forget earlier results.
#
# Counting: a cmocka program's "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)" lines (summed over groups), TAP "ok"/"not ok"
# lines (QEMU's qtests), and "Bail out!"; other programs may
# print "SINAN-TEST: N passed, N failed". A program that exits non-zero
# without reporting a failure counts as one failed test (a crash is a
# failure), and one that reports nothing counts as one test, passed or failed
# by its exit status.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
RES=$BUILD/test/results

case "${1:-}" in
--reset)
	rm -rf "$RES"
	mkdir -p "$RES"
	exit 0
	;;
--summary)
	p=0 f=0 s=0 n=0
	shopt -s nullglob
	for r in "$RES"/*.txt; do
		read -r a b c <"$r"
		p=$((p + a)) f=$((f + b)) s=$((s + c)) n=$((n + 1))
		[ "$b" -gt 0 ] && failed_suites+=" $(basename "$r" .txt)"
	done
	if [ "$n" -eq 0 ]; then
		echo "0 passed, 0 failed (no test ran)"
		exit 1
	fi
	# CI shows only the end of the output: repeat, for every failed suite,
	# its failure lines and its last lines, so the cause is on screen.
	for fs in ${failed_suites:-}; do
		lg=$BUILD/test/logs/$fs.log
		[ -f "$lg" ] || continue
		echo "=== why $fs failed ($lg):"
		tr -d '\r' <"$lg" | grep -E -m 30 \
			'\[  (FAILED|ERROR) +\]|^not ok|Bail out|SINAN-TEST: [0-9]+ passed, [1-9]|exited with status|^FAIL|: error: |Traceback|Kernel panic|Oops|BUG:|Segmentation fault|[Tt]imed out' |
			cut -c1-300
		echo "--- last lines of $fs:"
		tr -d '\r' <"$lg" | tail -n 15 | cut -c1-300
	done
	[ -n "${failed_suites:-}" ] && echo "failed suites:${failed_suites}"
	line="$p passed, $f failed"
	[ "$s" -gt 0 ] && line+=", $s skipped"
	echo "$line"
	[ "$f" -eq 0 ]
	exit $?
	;;
esac

# --failed SUITE MESSAGE...: a failure outside any test program (a check
# target that did not build); counted as one failed test.
if [ "${1:-}" = --failed ] && [ $# -ge 2 ]; then
	mkdir -p "$RES" "$BUILD/test/logs"
	suite=$2
	shift 2
	printf '%s\n' "$@" | tee "$BUILD/test/logs/$suite.log"
	echo "0 1 0" >"$RES/$suite.txt"
	exit 0
fi

[ $# -ge 2 ] || { echo "usage: $0 SUITE CMD [ARGS...] | --failed SUITE MESSAGE... | --summary | --reset" >&2; exit 2; }
suite=$1
shift
mkdir -p "$RES" "$BUILD/test/logs"
log=$BUILD/test/logs/$suite.log

echo "=== $suite: $*"
t0=$(date +%s.%N)
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

passed=0 failed=0 skipped=0 seen=0
while IFS= read -r line; do
	if [[ $line =~ \[\ \ PASSED\ \ \]\ ([0-9]+)\ test ]]; then
		passed=$((passed + BASH_REMATCH[1])) seen=1
	elif [[ $line =~ \[\ \ FAILED\ \ \]\ ([0-9]+)\ test ]]; then
		failed=$((failed + BASH_REMATCH[1])) seen=1
	elif [[ $line =~ \[\ \ SKIPPED\ \]\ ([0-9]+)\ test ]]; then
		skipped=$((skipped + BASH_REMATCH[1])) seen=1
	elif [[ $line =~ ^ok\ [0-9]+ ]]; then
		# TAP (glib's g_test, as QEMU's qtests print it)
		if [[ $line =~ \#\ SKIP ]]; then skipped=$((skipped + 1)); else passed=$((passed + 1)); fi
		seen=1
	elif [[ $line =~ ^not\ ok\ [0-9]+ ]]; then
		failed=$((failed + 1)) seen=1
	elif [[ $line =~ ^Bail\ out! ]]; then
		failed=$((failed + 1)) seen=1
	elif [[ $line =~ SINAN-TEST:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2])) seen=1
	fi
done < <(tr -d '\r' <"$log")

if [ "$seen" -eq 0 ]; then
	if [ "$rc" -eq 0 ]; then passed=1; else failed=1; fi
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "$suite: exited with status $rc without reporting a failed test: counted as one failure"
	failed=1
fi
echo "$passed $failed $skipped" >"$RES/$suite.txt"
echo "--- $suite: $passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped") (${secs} s)"
exit 0

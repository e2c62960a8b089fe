#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside the emulated machine (busybox sh): every test program given,
# in turn, with its output. A program that fails without a cmocka failure
# line (a crash) is reported as one failed test so the host counts it.
rc=0
for t in "$@"; do
	echo "### guest test: $t"
	out=/tmp/guest-test.$$
	"$t" >"$out" 2>&1
	st=$?
	cat "$out"
	if [ "$st" -ne 0 ]; then
		rc=1
		grep -q '\[  FAILED  \]' "$out" || echo "SINAN-TEST: 0 passed, 1 failed ($t exited with $st)"
	fi
	rm -f "$out"
done
exit $rc

#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot the emulated machine with a defective firmware image: sinan.ko must
# refuse the device with exactly one error line of its own naming the
# defect, create no device node, and the kernel must show no sign of
# trouble. Prints a SINAN-TEST line for scripts/run-tests.sh.
#
#   fw-boot-check.sh "SINAN_VM [FLAGS]" KERNEL IMAGE EXPECTED-TEXT
set -u
vm=$1 kernel=$2 image=$3 expect=$4
err=$(mktemp)
trap 'rm -f "$err"' EXIT
out=$($vm --kernel "$kernel" --firmware "$image" -- \
	sh -c 'dmesg; echo "NODES:"; ls /dev/accel /dev/dri 2>/dev/null; true' 2>"$err")
rc=$?
log=$(printf '%s\n' "$out" | sed '/^NODES:$/,$d')
nodes=$(printf '%s\n' "$out" | sed '1,/^NODES:$/d')
lines=$(printf '%s\n' "$log" | grep -E 'sinan [0-9a-f:.]+: sinan_[a-z_]+\(\): ')
n=$(printf '%s' "$lines" | grep -c . || true)
fail() {
	printf '%s\n' "$log" | tail -n 30
	cat "$err"
	echo "fw-boot-check: $kernel, $(basename "$image"): $*"
	echo "SINAN-TEST: 0 passed, 1 failed"
	exit 1
}
[ "$rc" -eq 0 ] || fail "the machine failed (status $rc)"
printf '%s\n' "$log" | grep -qE 'Call Trace|BUG:|WARNING:|Oops' && fail "kernel trouble in dmesg"
[ "$n" -eq 1 ] || fail "$n error lines from the driver, expected 1"
printf '%s' "$lines" | grep -q "$expect" || fail "the line does not say '$expect': $lines"
printf '%s' "$nodes" | grep -qE 'accel[0-9]|renderD' && fail "a device node exists: $nodes"
echo "fw-boot-check: $kernel, $(basename "$image"): $lines"
echo "SINAN-TEST: 1 passed, 0 failed"

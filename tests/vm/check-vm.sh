#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The emulated machine as a user sees it (issue acceptance, docs/hw-spec.md
# section 1): tools/sinan-vm boots each test kernel and returns the command's
# output and exit status; the guest sees the NPU with the documented identity
# and BARs, and sinan.ko binds it.
#
#   tests/vm/check-vm.sh SINAN-VM KERNEL-TAG EXPECTED-RELEASE
set -uo pipefail
vm=$1
tag=$2
want=$3
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

out=$($vm --kernel "$tag" -- sh -c 'uname -r; lspci -n -vv -d 1234:51a0; ls -d /sys/bus/pci/drivers/sinan/0000:*' 2>/dev/null)
rc=$?
check "$tag: sinan-vm returns 0 for a successful command" test "$rc" -eq 0
check "$tag: guest kernel release is $want" test "$(head -n 1 <<<"$out")" = "$want"
check "$tag: lspci: vendor 1234, device 51a0, class 1200, rev 01" \
	grep -q '^[0-9a-f:.]* 1200: 1234:51a0 (rev 01)' <<<"$out"
check "$tag: subsystem 1234:0001" grep -q 'Subsystem: 1234:0001' <<<"$out"
check "$tag: BAR 0: 64-bit, 512K" grep -q 'Region 0: Memory at [0-9a-f]* (64-bit, non-prefetchable) \[size=512K\]' <<<"$out"
check "$tag: BAR 2: MSI-X, 4K" grep -q 'Region 2: Memory at [0-9a-f]* (32-bit, non-prefetchable) \[size=4K\]' <<<"$out"
check "$tag: BAR 4: 64-bit prefetchable, 1G" grep -q 'Region 4: Memory at [0-9a-f]* (64-bit, prefetchable) \[size=1G\]' <<<"$out"
check "$tag: MSI-X with queues + 1 = 17 vectors, enabled by the driver" grep -q 'MSI-X: Enable+ Count=17' <<<"$out"
check "$tag: PCI Express endpoint with FLR" grep -q 'FLReset+' <<<"$out"
check "$tag: sinan.ko bound" grep -q "Kernel driver in use: sinan" <<<"$out"
check "$tag: sysfs: the function is bound to sinan" grep -q "^/sys/bus/pci/drivers/sinan/0000:" <<<"$out"

$vm --kernel "$tag" --no-driver --npus 0 -- sh -c 'exit 3' >/dev/null 2>&1
rc=$?
check "$tag: a failing command's exit status (3) comes back to the host" test "$rc" -eq 3

echo "SINAN-TEST: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

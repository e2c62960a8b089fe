#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hot-unplug under load: boot the emulated machine with a QMP socket, run
# test-rel-unplug --mode qmp in it, and once its workload runs, unplug the
# NPU from the host (device_del npu0, the PCIe hot-plug path: the guest's
# pciehp removes the device, the driver's remove() runs under open files and
# jobs in flight). The guest program checks that every process got an error
# and none hung; its status is ours.
#   scripts/rel-unplug.sh SINAN_VM KERNEL TEST_BINARY
set -uo pipefail
vm=$1 kernel=$2 bin=$3
dir=$(mktemp -d /tmp/rel-unplug.XXXXXX)
trap 'rm -rf "$dir"' EXIT
sock=$dir/qmp.sock
out=$dir/out

$vm --kernel "$kernel" --timeout 300 --qmp "$sock" --bin "$bin" -- "$bin" --mode qmp >"$out" 2>&1 &
vmpid=$!
for _ in $(seq 1200); do
	grep -q 'workload running' "$out" 2>/dev/null && break
	kill -0 $vmpid 2>/dev/null || break
	sleep 0.1
done
if grep -q 'workload running' "$out"; then
	echo "rel-unplug: guest workload running: device_del npu0 over QMP"
	python3 - "$sock" <<'PY' || echo "rel-unplug: QMP failed"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
json.loads(f.readline())                      # greeting
for cmd in ({"execute": "qmp_capabilities"},
            {"execute": "device_del", "arguments": {"id": "npu0"}}):
    f.write(json.dumps(cmd) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
    if "error" in r:
        sys.exit("QMP error: %s" % r["error"])
print("rel-unplug: QMP:", cmd["execute"], "ok")
PY
fi
wait $vmpid
rc=$?
cat "$out"
exit $rc

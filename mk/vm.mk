# SPDX-License-Identifier: MIT
# The emulated machine. tools/sinan-vm boots QEMU (make qemu) with a test
# kernel (make kernels) and runs one command in it; see docs/sinan-vm.md.
#
#   make vm-smoke   boot both kernels (no NPU, no driver) and check that the
#                   release, the output and the exit status come back
#
# Targets that boot the machine depend on $(VM_DEPS); those that load the
# driver also on 'modules' (and 'firmware').
# Extra options for every sinan-vm run of the build, e.g. SINAN_VM_FLAGS=--kvm=off:
# use $(SINAN_VM), which includes them.
SINAN_VM_FLAGS ?=
SINAN_VM = $(TOP)/tools/sinan-vm $(SINAN_VM_FLAGS)
VM_DEPS := qemu kernels

.PHONY: vm-smoke
vm-smoke: $(VM_DEPS)
	$(Q)set -e; \
	for k in 6.1:$(K61) 6.12:$(K612); do \
		tag=$${k%%:*}; want=$${k#*:}; \
		got=$$($(SINAN_VM) --no-driver --npus 0 --kernel $$tag -- uname -r) || \
			{ echo "vm-smoke: $$tag: sinan-vm failed (status $$?)" >&2; exit 1; }; \
		[ "$$got" = "$$want" ] || { echo "vm-smoke: $$tag: expected '$$want', got '$$got'" >&2; exit 1; }; \
		echo "vm-smoke: $$tag boots $$got"; \
	done; \
	rc=0; $(SINAN_VM) --no-driver --npus 0 -- sh -c 'exit 3' || rc=$$?; \
	[ $$rc = 3 ] || { echo "vm-smoke: 'exit 3' in the guest gave status $$rc" >&2; exit 1; }; \
	echo "vm-smoke: exit status comes back"

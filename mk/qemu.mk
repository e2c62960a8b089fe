# SPDX-License-Identifier: MIT
# QEMU with the Sinan NPU compiled in (scripts/build-qemu.sh; cached by input hash).
# make qemu QEMU_SRC=<dir> builds against a user's own QEMU tree.
QEMU := $(BUILD)/qemu/qemu-system-x86_64
QEMU_SRC ?=

.PHONY: qemu
qemu:
	$(Q)JOBS=$(JOBS) $(TOP)/scripts/build-qemu.sh $(QEMU_SRC)

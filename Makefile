# SPDX-License-Identifier: MIT
#
# Sinan top-level Makefile. The two commands a newcomer needs:
#
#   make demo     build everything, boot the emulated machine, run the demo
#   make check    run every test (host, simulator, qtest, guest on both kernels)
#
# Every target first runs 'make deps' (scripts/deps.sh), which installs what
# is missing. Outputs go to build/; programs to build/bin/sinan-<name>.
#
# The kernel module is built by kbuild through the top-level Kbuild file:
#   make -C <kernel build dir> M=$PWD      # builds kernel/sinan.ko in place
# 'make modules' builds it for both test kernels in build/kmod/<tag>/.

SHELL := /bin/bash
.SUFFIXES:
TOP := $(abspath .)
BUILD ?= $(TOP)/build
export BUILD
BIN := $(BUILD)/bin
JOBS ?= $(shell nproc)

# Set V=1 for full command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif
export Q

.DEFAULT_GOAL := all

# The test kernels: resolved by scripts/deps.sh from the apt archive.
NODEPS_GOALS := clean distclean help
ifeq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
SKIP_DEPS := 1
endif

ifneq ($(SKIP_DEPS),1)
include $(BUILD)/kernels.mk
$(BUILD)/kernels.mk: FORCE
	$(Q)mkdir -p $(BUILD)
	$(Q)SINAN_KERNELS_FILE=$@ $(TOP)/scripts/deps.sh
endif

.PHONY: FORCE
FORCE:

.PHONY: deps
ifneq ($(SKIP_DEPS),1)
# scripts/deps.sh already ran to remake $(BUILD)/kernels.mk, before any rule.
deps: $(BUILD)/kernels.mk
else
deps:
	$(Q)SINAN_KERNELS_FILE=$(BUILD)/kernels.mk $(TOP)/scripts/deps.sh
endif

include mk/user.mk
include mk/qemu.mk
include mk/kernel.mk
include mk/firmware.mk
include mk/vm.mk
include mk/test.mk
include mk/conformance.mk
-include $(sort $(wildcard mk/area-*.mk))
include mk/fuzz.mk
include mk/lint.mk

.PHONY: all
all: user firmware modules qemu

.PHONY: clean distclean help
clean:
	rm -rf $(BUILD)/user $(BUILD)/asan $(BUILD)/bin $(BUILD)/kmod $(BUILD)/fw $(BUILD)/vm $(BUILD)/test
	rm -f kernel/*.o kernel/*.ko kernel/*.mod* kernel/.*.cmd kernel/modules.order kernel/Module.symvers
distclean:
	rm -rf $(BUILD)
help:
	@sed -n 's/^#\(.*\)/\1/p' Makefile | head -n 12

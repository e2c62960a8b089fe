# SPDX-License-Identifier: MIT
# Fuzzers (libFuzzer, clang, with ASan + UBSan). Guest-controlled input to
# the device model (fuzz_emu); the areas add theirs: FUZZERS += <name>,
# FUZZ_SRCS_<name> := sources, FUZZ_LDLIBS_<name> := libraries (e.g. the
# ONNX importer and the ELF model loader); FUZZ_SMOKE_RUNS_<name> sets its
# deterministic smoke work in make check (executions from the seeds).
#
#   make fuzz [FUZZ_TIME=600]   run every fuzzer for FUZZ_TIME seconds each
#   make check-fuzz             bounded smoke run (part of make check)
# Seed corpora live in tests/fuzz/corpus/<name>/; new inputs go to
# build/fuzz/corpus/<name>/; a crash is saved as build/fuzz/<name>-crash-*
# and becomes a regression test named after the bug.
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Iemu/core -Ilib -D_GNU_SOURCE -pthread -Wall -Wextra -Werror \
	-Wno-missing-field-initializers
FUZZ_TIME ?= 600

FUZZERS += emu
FUZZ_SRCS_emu := tests/fuzz/fuzz_emu.c $(sort $(wildcard emu/core/*.c))
FUZZ_LDLIBS_emu := -lm

FUZZ_BINS = $(foreach f,$(FUZZERS),$(FUZZ_DIR)/fuzz_$(f))

define fuzz_rule
$(FUZZ_DIR)/fuzz_$(1): $(FUZZ_SRCS_$(1)) $(wildcard include/*/*.h emu/core/*.h lib/*.h) | deps
	@mkdir -p $$(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $$(filter %.c,$$^) $(FUZZ_LDLIBS_$(1)) -o $$@
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))

.PHONY: fuzz-build fuzz check-fuzz
fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	$(Q)for b in $(FUZZ_BINS); do $(TOP)/scripts/run-fuzz.sh $$b $(FUZZ_TIME); done
# make check: a fixed amount of deterministic work per fuzzer (about 10-20 s
# each here), FUZZ_SMOKE_RUNS_<name> executions from the committed seeds.
FUZZ_SMOKE_RUNS ?= 4000
check-fuzz: fuzz-build
	$(Q)$(foreach f,$(FUZZERS),$(RUN_TEST) fuzz-fuzz_$(f) $(TOP)/scripts/run-fuzz.sh \
		$(FUZZ_DIR)/fuzz_$(f) --smoke $(or $(FUZZ_SMOKE_RUNS_$(f)),$(FUZZ_SMOKE_RUNS));)

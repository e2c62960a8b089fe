# SPDX-License-Identifier: MIT
# Reliability and security: the adversarial, high-volume layer on top of the
# functional suites. Every target runs on both test kernels (REL_KERNELS) in
# a machine with the device's debug page and the kernel's own checkers on
# (slub_debug, KFENCE on 6.12, the hung-task detector); each prints its
# figures and a score line.
#
#   make ioctl-fuzz [FUZZ_SECONDS=600] [FUZZ_PROCS=4]   ioctls fuzzed, oopses
#   make stress [STRESS_SECONDS=600] [STRESS_PROCS=3] [STRESS_QUEUES=3]
#                                                  jobs verified, lost
#   make isolation [ISOLATION_PAGES=1]             attempts, leaks
#   make recovery [RECOVERY_COUNT=100]             recoveries passed of tried
#   make hot-unplug                                QMP device_del and sysfs
#                                                  remove under load, module
#                                                  unload/reload
#   make check-reliability   bounded smoke of all of them (in make check)
# Programs: tests/reliability/ (mk/u-reliability.mk), scripts/rel-unplug.sh.
# Host fuzzers of the model loader and the ONNX importer: make fuzz (mk/fuzz.mk).
REL_KERNELS ?= $(KERNEL_TAGS)
REL_BIN = $(USER_O)/bin/test-rel
REL_APPEND := slub_debug=FZPU kfence.sample_interval=10 sysctl.kernel.hung_task_timeout_secs=30
REL_VM = $(SINAN_VM) --timeout $(1) --npu-prop debug-regs=on --append "$(REL_APPEND)"
REL_DEPS := user modules firmware $(VM_DEPS)

FUZZ_SECONDS ?= 60
FUZZ_PROCS ?= 4
STRESS_SECONDS ?= 60
STRESS_PROCS ?= 3
STRESS_QUEUES ?= 3
ISOLATION_PAGES ?= 1
RECOVERY_COUNT ?= 100

# $(call rel_run,NAME,TIMEOUT,ARGS): one program on every kernel.
define rel_run
	$(Q)for k in $(REL_KERNELS); do \
		$(RUN_TEST) rel-$(1)-$$k $(call REL_VM,$(2)) --kernel $$k --bin $(REL_BIN)-$(1) -- \
			$(REL_BIN)-$(1) $(3) || exit 1; \
	done
endef

.PHONY: ioctl-fuzz stress isolation recovery hot-unplug check-reliability
ioctl-fuzz: $(REL_DEPS)
	$(call rel_run,fuzz,$$(($(FUZZ_SECONDS) + 300)),--seconds $(FUZZ_SECONDS) --procs $(FUZZ_PROCS))
stress: $(REL_DEPS)
	$(call rel_run,stress,$$(($(STRESS_SECONDS) + 300)),--seconds $(STRESS_SECONDS) --procs $(STRESS_PROCS) --queues $(STRESS_QUEUES))
isolation: $(REL_DEPS)
	$(call rel_run,isolation,900,--pages $(ISOLATION_PAGES))
recovery: $(REL_DEPS)
	$(call rel_run,recovery,$$(($(RECOVERY_COUNT) * 30 + 300)),--count $(RECOVERY_COUNT))
hot-unplug: $(REL_DEPS)
	$(Q)for k in $(REL_KERNELS); do \
		$(RUN_TEST) rel-unplug-qmp-$$k $(TOP)/scripts/rel-unplug.sh "$(SINAN_VM)" $$k $(REL_BIN)-unplug || exit 1; \
		$(RUN_TEST) rel-unplug-sysfs-$$k $(call REL_VM,300) --kernel $$k --bin $(REL_BIN)-unplug -- \
			$(REL_BIN)-unplug --mode sysfs || exit 1; \
	done

# The smoke run: one boot per kernel runs every program briefly (the
# removal last), plus the QMP hot-unplug on the newest kernel.
CHECK_SUITES += check-reliability
check-reliability: $(REL_DEPS)
	$(Q)for k in $(REL_KERNELS); do \
		$(RUN_TEST) rel-smoke-$$k $(call REL_VM,600) --kernel $$k \
			$(foreach p,fuzz stress isolation recovery unplug,--bin $(REL_BIN)-$(p)) \
			-- sh -c 'rc=0; for t in "$(REL_BIN)-fuzz --seconds 6 --procs 3" "$(REL_BIN)-stress --seconds 5" \
				"$(REL_BIN)-isolation" "$(REL_BIN)-recovery --count 3" "$(REL_BIN)-unplug --mode sysfs"; do \
				$$t || rc=1; done; exit $$rc'; \
	done
	$(Q)$(RUN_TEST) rel-unplug-qmp $(TOP)/scripts/rel-unplug.sh "$(SINAN_VM)" $(lastword $(REL_KERNELS)) $(REL_BIN)-unplug

# ---- host fuzzers: the model loader (and the runtime's kernel-binary loader)
# and the ONNX importer, linked with libsinan built by clang with coverage
# and ASan/UBSan (build/fuzz/lib). Seeds: scripts/gen-fuzz-seeds.sh.
FUZZ_LIB_O := $(BUILD)/fuzz/lib
FUZZ_LIBSINAN := $(FUZZ_LIB_O)/lib/libsinan.a
FUZZ_LIB_OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-Wno-unknown-warning-option
FUZZ_LIB_LDLIBS := $(FUZZ_LIBSINAN) $(shell pkg-config --libs libprotobuf-c libdrm libelf) -lz -ldl -lm
FUZZERS += model onnx
FUZZ_SRCS_model := tests/fuzz/fuzz_model.c $(FUZZ_LIBSINAN)
FUZZ_LDLIBS_model := $(FUZZ_LIB_LDLIBS)
FUZZ_SRCS_onnx := tests/fuzz/fuzz_onnx.c $(FUZZ_LIBSINAN)
FUZZ_LDLIBS_onnx := $(FUZZ_LIB_LDLIBS)
# Smoke work of these in make check (executions from the seeds).
FUZZ_SMOKE_RUNS_model ?= 400000
FUZZ_SMOKE_RUNS_onnx ?= 400000

$(FUZZ_LIBSINAN): FORCE | deps
	$(Q)$(USERBUILD) O=$(FUZZ_LIB_O) CC=clang OPT="$(FUZZ_LIB_OPT)" $@

# Crashes found by the fuzzers, kept as regression inputs: every file of
# tests/fuzz/regress/<name>/ is replayed by its fuzzer (make check).
.PHONY: check-fuzz-regress
CHECK_SUITES += check-fuzz-regress
check-fuzz-regress: fuzz-build
	$(Q)for d in $(TOP)/tests/fuzz/regress/*/; do \
		n=$$(basename $$d); ls $$d* >/dev/null 2>&1 || continue; \
		$(RUN_TEST) fuzz-regress-$$n $(BUILD)/fuzz/fuzz_$$n -runs=1 $$d*; \
	done

# make fuzz-seeds: regenerate the seed corpora (tests/fuzz/corpus/{model,onnx}).
.PHONY: fuzz-seeds
fuzz-seeds: user
	$(Q)BIN=$(BIN) $(TOP)/scripts/gen-fuzz-seeds.sh

# SPDX-License-Identifier: MIT
#
# make check: every test, one summary line "N passed, N failed".
#   check-host    cmocka suites on the host (release build)       HOST_TESTS
#   check-asan    the same under AddressSanitizer + UBSan          HOST_TESTS
#   check-qtest   QEMU qtest of the device (build/qemu/sinan-npu-test)
#   check-guest   driver + runtime + device in the emulated machine, both kernels
#   (areas add more: check-kernel, lint, conformance — CHECK_SUITES)
# Each suite is run by scripts/run-tests.sh, which keeps the score in
# build/test/results/; the last line of 'make check' adds them up.

RUN_TEST := $(TOP)/scripts/run-tests.sh
USERBUILD = $(MAKE) --no-print-directory -s -f mk/userbuild.mk
CHECK_SUITES ?=
CHECK_SUITES += check-fuzz

.PHONY: check check-build check-host check-asan check-qtest check-guest check-summary

check: check-build
	$(Q)$(RUN_TEST) --reset
	$(Q)mkdir -p $(BUILD)/test/logs; set -o pipefail; \
	$(MAKE) --no-print-directory -k check-host check-asan check-qtest check-guest $(CHECK_SUITES) 2>&1 | \
		tee $(BUILD)/test/logs/check-targets.log || \
		$(RUN_TEST) --failed check-targets "a check target failed outside its test programs (a build error?):" \
			"$$(grep -E '^make.*[*]{3}|: error: ' $(BUILD)/test/logs/check-targets.log | head -n 20)"
	$(Q)$(RUN_TEST) --summary

check-build: all user-asan

check-host: user
	$(Q)for t in $$($(USERBUILD) O=$(USER_O) print-HOST_TESTS); do \
		SINAN_BACKEND=sim $(RUN_TEST) host-$$(basename $$t) $$t; done

check-asan: user-asan
	$(Q)for t in $$($(USERBUILD) O=$(ASAN_O) SAN=1 print-HOST_TESTS); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		SINAN_BACKEND=sim $(RUN_TEST) asan-$$(basename $$t) $$t; done

check-qtest: qemu
	$(Q)QTEST_QEMU_BINARY=$(BUILD)/qemu/qtest/qemu-system-x86_64 \
		$(RUN_TEST) qtest-sinan-npu $(BUILD)/qemu/sinan-npu-test --tap -k

# Guest suites: every GUEST_TESTS program in one boot per kernel.
GUEST_KERNELS ?= 6.1 6.12
check-guest: user modules firmware $(VM_DEPS)
	$(Q)tests=$$($(USERBUILD) O=$(USER_O) print-GUEST_TESTS); \
	if [ -n "$$tests" ]; then for k in $(GUEST_KERNELS); do \
		$(RUN_TEST) guest-$$k $(SINAN_VM) --kernel $$k --timeout 900 --env SINAN_BACKEND=drm \
			$$(for t in $$tests; do echo --bin $$t; done) \
			--bin $(TOP)/scripts/guest-run-tests.sh -- $(TOP)/scripts/guest-run-tests.sh $$tests; \
	done; fi

# Kernel code review standard (mk/lint.mk): checkpatch --strict, sparse, W=1.
.PHONY: check-lint
CHECK_SUITES += check-lint
check-lint:
	$(Q)$(RUN_TEST) lint $(MAKE) --no-print-directory lint

# valgrind (memcheck): a representative set in make check, one program per
# library (device model, runtime, compiler, assembler); every host test with
# make check-valgrind-full (about 3 minutes).
# --fair-sched=yes: valgrind runs one thread at a time, and its default lock
# let a thread that spins or waits briefly starve the simulator's worker (the
# reset-under-load test took 2 s to 330 s from run to run; with a fair lock, 3 s).
VALGRIND := valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
VALGRIND_TESTS ?= test-emu-emu_dev test-emu-isa_fault test-runtime-basic test-runtime-errors \
	test-runtime-launch test-compiler-onnx test-compiler-passes copy256
.PHONY: check-valgrind check-valgrind-full
CHECK_SUITES += check-valgrind
check-valgrind: user
	$(Q)for t in $$($(USERBUILD) O=$(USER_O) print-HOST_TESTS); do \
		case " $(VALGRIND_TESTS) " in *" $$(basename $$t) "*) \
		SINAN_BACKEND=sim $(RUN_TEST) valgrind-$$(basename $$t) $(VALGRIND) $$t;; esac; done
check-valgrind-full: user
	$(Q)for t in $$($(USERBUILD) O=$(USER_O) print-HOST_TESTS); do \
		SINAN_BACKEND=sim $(RUN_TEST) valgrind-$$(basename $$t) $(VALGRIND) $$t; done

# ONNX conformance (mk/conformance.mk): every supported case on the simulator,
# and the pytorch-converted and pytorch-operator sets through the driver in
# the emulated machine (the test data shared over 9p), on both kernels.
CONF_DATA := /usr/share/libonnx-testdata/data
.PHONY: check-conformance-guest
CHECK_SUITES += conformance check-conformance-guest
check-conformance-guest: user modules firmware $(VM_DEPS)
	$(Q)for k in $(GUEST_KERNELS); do \
		$(RUN_TEST) guest-$$k-conformance $(SINAN_VM) --kernel $$k --timeout 900 --share $(CONF_DATA) \
			--bin $(CONFORMANCE_BIN) -- $(CONFORMANCE_BIN) --backend drm \
			--data $(CONF_DATA)/pytorch-converted --data $(CONF_DATA)/pytorch-operator; \
	done

# The emulated machine itself: both kernels boot, the command's output and
# exit status come back, the NPU has its documented identity and BARs.
.PHONY: check-vm
CHECK_SUITES += check-vm
check-vm: modules firmware $(VM_DEPS)
	$(Q)$(RUN_TEST) vm-6.1 $(TOP)/tests/vm/check-vm.sh "$(SINAN_VM)" 6.1 $(K61)
	$(Q)$(RUN_TEST) vm-6.12 $(TOP)/tests/vm/check-vm.sh "$(SINAN_VM)" 6.12 $(K612)

# SPDX-License-Identifier: MIT
# ONNX conformance: every case of Debian's libonnx-testdata whose operators
# the device supports, compiled (fp32) and run on the simulator backend,
# compared with ONNX's tolerances. Prints
#   onnx conformance: N passed, N failed, N unsupported
# and writes the per-case report to build/test/conformance.{md,json}.
#
#   make conformance             device (sim) run, scored by scripts/run-tests.sh
#   make conformance-reference   the same cases on the plain-C reference executor
#                                (checks the frontend and the references)
#   make bench-compiler          modeled GEMM / GEMV / ResNet-50 conv figures
CONFORMANCE_BIN := $(USER_O)/tests/conformance/sinan-conformance

.PHONY: conformance conformance-reference bench-compiler bench-compiler-full
conformance: user
	$(Q)mkdir -p $(BUILD)/test
	$(Q)SINAN_BACKEND=sim $(RUN_TEST) onnx-conformance $(CONFORMANCE_BIN) \
		--report-md $(BUILD)/test/conformance.md --report-json $(BUILD)/test/conformance.json

conformance-reference: user
	$(Q)mkdir -p $(BUILD)/test
	$(Q)$(RUN_TEST) onnx-reference $(CONFORMANCE_BIN) --reference \
		--report-md $(BUILD)/test/conformance-reference.md

# Compiler benchmark on the simulator (modeled cycles): fp16 GEMM 2048^3, GEMV,
# ResNet-50 convolutions at batch 32; -full adds the big GEMMs (slow on the host).
bench-compiler: user
	$(Q)SINAN_BACKEND=sim $(USER_O)/tests/compiler/sinan-bench-compiler
bench-compiler-full: user
	$(Q)SINAN_BACKEND=sim $(USER_O)/tests/compiler/sinan-bench-compiler --full

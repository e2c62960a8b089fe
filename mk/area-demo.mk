# SPDX-License-Identifier: MIT
# The demo and the benchmarks.
#
#   make demo        boot the emulated machine, load the driver, and run
#                    build/bin/sinan-demo in it (drm backend): Fashion-MNIST
#                    with a CNN (accuracy against PyTorch's), a 2-layer
#                    transformer encoder in fp16 (error against PyTorch fp32),
#                    and a Perfetto trace written to build/demo/trace.json
#   make demo-host   the same program on the host (SINAN_BACKEND=sim)
#   make bench       build/bench/results.{json,md} and plots (bench/run-bench.sh)
#
# PyTorch's reference for the CNN is computed on the host at every run
# (examples/demo/fashion_ref.py, from the committed ONNX file); the encoder
# and its float32 reference are made by examples/demo/encoder_export.py.
# Both use Debian's /usr/bin/python3 with python3-torch (make deps).

DEMO_DIR := $(BUILD)/demo
DEMO_SRC := $(TOP)/examples/demo
DEMO_PY := /usr/bin/python3
FASHION_DIR ?= /usr/share/datasets/fashion-mnist
# Images classified by make demo (the whole test set), and per device run.
DEMO_IMAGES ?= 10000
DEMO_BATCH ?= 100
DEMO_KERNEL ?= 6.12
DEMO_ARGS = --model-dir $(DEMO_SRC) --encoder-dir $(DEMO_DIR) --data $(FASHION_DIR) \
	--reference $(DEMO_DIR)/fashion_ref.bin --images $(DEMO_IMAGES) --batch $(DEMO_BATCH)

# make bench installs the benchmark's extra packages (scripts/deps.sh: PKGS_BENCH).
ifneq ($(filter bench,$(MAKECMDGOALS)),)
export SINAN_DEPS_BENCH := 1
endif

$(DEMO_DIR)/encoder.onnx: $(DEMO_SRC)/encoder_export.py | deps
	$(Q)mkdir -p $(@D)
	$(Q)$(DEMO_PY) $< $(@D)

# PyTorch's predictions, computed now from the committed model.
.PHONY: demo-ref
demo-ref: | deps
	$(Q)mkdir -p $(DEMO_DIR)
	$(Q)echo "demo: PyTorch reference on the host ($(DEMO_SRC)/fashion_ref.py)"
	$(Q)$(DEMO_PY) $(DEMO_SRC)/fashion_ref.py $(DEMO_SRC)/fashion_cnn.onnx $(DEMO_DIR)/fashion_ref.bin

.PHONY: demo demo-host
demo: user modules firmware $(VM_DEPS) $(DEMO_DIR)/encoder.onnx demo-ref
	$(Q)mkdir -p $(DEMO_DIR)/cache
	$(Q)rm -f $(DEMO_DIR)/trace.json
	$(Q)echo "demo: booting the emulated machine (QEMU with a sinan-npu, Linux $(DEMO_KERNEL), sinan.ko)"
	$(Q)$(SINAN_VM) --kernel $(DEMO_KERNEL) --timeout 3600 --share $(DEMO_DIR) --share $(DEMO_SRC) --share $(FASHION_DIR) \
		--bin $(BIN)/sinan-demo --env SINAN_BACKEND=drm --env SINAN_TRACE=$(DEMO_DIR)/trace.json \
		--env SINAN_CACHE_DIR=$(DEMO_DIR)/cache \
		-- $(BIN)/sinan-demo $(DEMO_ARGS)

demo-host: user $(DEMO_DIR)/encoder.onnx demo-ref
	$(Q)SINAN_BACKEND=sim SINAN_TRACE=$(DEMO_DIR)/trace-host.json SINAN_CACHE_DIR=$(DEMO_DIR)/cache-host \
		$(BIN)/sinan-demo $(DEMO_ARGS)

.PHONY: bench
bench: user modules firmware $(VM_DEPS) $(DEMO_DIR)/encoder.onnx
	$(Q)BUILD=$(BUILD) BIN=$(BIN) SINAN_VM="$(SINAN_VM)" DEMO_DIR=$(DEMO_DIR) FASHION_DIR=$(FASHION_DIR) \
		$(TOP)/bench/run-bench.sh

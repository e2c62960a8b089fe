# SPDX-License-Identifier: MIT
# Acceptance test of the compiler on models exported from PyTorch (part of
# make check): the demo's Fashion-MNIST CNN on real test images and its
# 2-layer transformer encoder, run through build/bin/sinan-run on the
# simulator in fp32, fp16, bf16 and int8 (calibrated by sinan-cc --calibrate
# on other inputs), against PyTorch's float32 outputs computed on the host
# from the same ONNX weights. Tolerances and metrics: tests/models/test_models.py.
# Uses the demo's variables and its encoder rule (mk/area-demo.mk).
.PHONY: check-models
CHECK_SUITES += check-models
check-models: user $(DEMO_DIR)/encoder.onnx
	$(Q)SINAN_BACKEND=sim $(RUN_TEST) models $(DEMO_PY) $(TOP)/tests/models/test_models.py --bin $(BIN) \
		--demo-src $(DEMO_SRC) --encoder-dir $(DEMO_DIR) --data $(FASHION_DIR) --work $(BUILD)/test/models

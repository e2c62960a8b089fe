# SPDX-License-Identifier: MIT
# The demo and the benchmarks (make demo, make bench: mk/area-demo.mk).
#   sinan-demo    examples/demo/sinan-demo.c: Fashion-MNIST CNN + transformer encoder
#   sinan-bench   bench/*.c: the benchmark programs (B1-B5, see bench/run-bench.sh)
# Linked against the shared library, as users do. This fragment is read
# before mk/u-lib.mk: library paths are expanded a second time.
.SECONDEXPANSION:
DEMO_BINS := $(O)/bin/sinan-demo $(O)/bin/sinan-bench
BINS += $(DEMO_BINS)
DEMO_SRCS_sinan-demo := examples/demo/sinan-demo.c
DEMO_LDLIBS_sinan-demo := -lz -lm
DEMO_SRCS_sinan-bench := bench/sinan-bench.c bench/bench_gemm.c bench/bench_runtime.c
DEMO_LDLIBS_sinan-bench := $(shell pkg-config --libs openblas) -lm
CPPFLAGS_bench := $(shell pkg-config --cflags openblas)

$(DEMO_BINS): $(O)/bin/%: $$(call objs,$$(DEMO_SRCS_%)) $$(LIBSINAN_SO)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $(filter %.o,$^) $(LDFLAGS) -L$(O)/lib -Wl,-rpath,$(abspath $(O)/lib) -lsinan \
		$(DEMO_LDLIBS_$*)
.SECONDARY: $(call objs,$(foreach b,$(DEMO_BINS),$(DEMO_SRCS_$(notdir $(b)))))

# Smoke test of sinan-demo on the simulator: 64 images against PyTorch's
# recorded predictions (tests/demo/test_demo.c; about a second).
DEMO_TEST := $(O)/tests/demo/test-demo
HOST_TESTS += $(DEMO_TEST)
CPPFLAGS_tests/demo := -DDEMO_BIN='"$(abspath $(O))/bin/sinan-demo"' -DDEMO_SRC='"$(abspath examples/demo)"'
$(DEMO_TEST): $(call objs,tests/demo/test_demo.c) $(O)/bin/sinan-demo
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $(filter %.o,$^) $(LDFLAGS) -lcmocka
.SECONDARY: $(call objs,tests/demo/test_demo.c)

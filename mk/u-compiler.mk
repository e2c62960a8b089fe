# SPDX-License-Identifier: MIT
# lib/compiler: the Sinan tensor compiler, part of libsinan (sources go into
# LIBSINAN_SRCS, see mk/u-lib.mk), its tools (sinan-cc, sinan-run) and tests.
# The ONNX schema (lib/compiler/onnx/onnx.proto, vendored) becomes C with
# protoc-c at build time, in $(O)/gen/compiler.
CC_GEN := $(O)/gen/compiler
CC_PB_C := $(CC_GEN)/onnx.pb-c.c
COMPILER_SRCS := $(sort $(wildcard lib/compiler/*.c))
# The code generator emits with lib/isa's assembler (ISA_SRCS, mk/u-isa.mk).
LIBSINAN_SRCS += $(COMPILER_SRCS) $(CC_PB_C) $(ISA_SRCS)
CFLAGS_lib/isa += -fPIC
LIBSINAN_LDLIBS += $(shell pkg-config --libs libprotobuf-c)
LIBSINAN_DEPS_PC += libprotobuf-c
CPPFLAGS_lib/compiler := -I$(CC_GEN)
# Messages are truncated to their buffers on purpose.
CFLAGS_lib/compiler := -fPIC -Wno-format-truncation

$(CC_GEN)/onnx.pb-c.h: $(CC_PB_C)
$(CC_PB_C): lib/compiler/onnx/onnx.proto
	@mkdir -p $(@D)
	$(Q)protoc-c --proto_path=lib/compiler/onnx --c_out=$(CC_GEN) onnx.proto
$(call objs,$(CC_PB_C)): $(CC_PB_C)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -I$(CC_GEN) $(CFLAGS) -fPIC -c $< -o $@
$(call objs,$(COMPILER_SRCS)): | $(CC_GEN)/onnx.pb-c.h
# The on-disk model cache (lib/compiler/model.c) keys images by the compiler build, model.c's
# __DATE__ __TIME__: model.o is rebuilt after any other compiler or assembler object, so a
# changed compiler never loads images an earlier one cached (a fixed lowering stayed unseen).
$(call objs,lib/compiler/model.c): $(call objs,$(filter-out lib/compiler/model.c,$(COMPILER_SRCS)) \
	$(wildcard lib/isa/*.c))

# Tests: one cmocka program per area, tests/compiler/test_<area>.c, linked
# with the static library (they use internal interfaces).
CC_TEST_SRCS := $(sort $(wildcard tests/compiler/test_*.c))
CC_BENCH_SRCS := tests/compiler/bench_compiler.c
CC_TEST_COMMON := $(filter-out $(CC_TEST_SRCS) $(CC_BENCH_SRCS),$(sort $(wildcard tests/compiler/*.c)))
CC_TESTS := $(patsubst tests/compiler/test_%.c,$(O)/tests/compiler/test-compiler-%,$(CC_TEST_SRCS))
HOST_TESTS += $(CC_TESTS)
CPPFLAGS_tests/compiler := -I$(CC_GEN) -Ilib/compiler -Itests/compiler
CFLAGS_tests/compiler := -Wno-format-truncation
$(call objs,$(CC_TEST_SRCS) $(CC_TEST_COMMON)): | $(CC_GEN)/onnx.pb-c.h
$(O)/tests/compiler/test-compiler-%: $(O)/obj/tests/compiler/test_%.o $(call objs,$(CC_TEST_COMMON)) $(O)/lib/libsinan.a
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(LDFLAGS) -lcmocka $(LIBSINAN_LDLIBS)

# Benchmark (modeled cycles; 'make bench-compiler', see mk/conformance.mk).
CC_BENCH_BIN := $(O)/tests/compiler/sinan-bench-compiler
$(CC_BENCH_BIN): $(call objs,$(CC_BENCH_SRCS)) $(O)/lib/libsinan.a
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(LDFLAGS) $(LIBSINAN_LDLIBS)
all: $(CC_BENCH_BIN)

# ONNX conformance runner (run by 'make conformance', see mk/conformance.mk).
CONF_BIN := $(O)/tests/conformance/sinan-conformance
CPPFLAGS_tests/conformance := -Ilib/compiler
CFLAGS_tests/conformance := -Wno-format-truncation
$(CONF_BIN): $(call objs,tests/conformance/runner.c) $(O)/lib/libsinan.a
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(LDFLAGS) $(LIBSINAN_LDLIBS)
all: $(CONF_BIN)
.SECONDARY: $(call objs,$(CC_TEST_SRCS) $(CC_TEST_COMMON) $(CC_BENCH_SRCS) tests/conformance/runner.c)

# Tools (tools/sinan-cc.c, tools/sinan-run.c; built and installed with mk/u-lib.mk's SINAN_TOOLS).
SINAN_TOOLS += cc run

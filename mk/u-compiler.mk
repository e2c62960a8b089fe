# SPDX-License-Identifier: MIT
# lib/compiler: the Sinan tensor compiler (part of libsinan), its tools and
# tests. The ONNX schema (lib/compiler/onnx/onnx.proto, vendored) becomes C
# with protoc-c at build time, in $(O)/gen/compiler.
CC_GEN := $(O)/gen/compiler
COMPILER_SRCS := $(sort $(wildcard lib/compiler/*.c))
COMPILER_OBJS := $(call objs,$(COMPILER_SRCS)) $(CC_GEN)/onnx.pb-c.o
COMPILER_LIB := $(O)/lib/libsinan-compiler.a
COMPILER_LDLIBS := -lprotobuf-c -lm
LIBS += $(COMPILER_LIB)
CPPFLAGS_lib/compiler := -I$(CC_GEN)

$(CC_GEN)/onnx.pb-c.h: $(CC_GEN)/onnx.pb-c.c
$(CC_GEN)/onnx.pb-c.c: lib/compiler/onnx/onnx.proto
	@mkdir -p $(@D)
	$(Q)protoc-c --proto_path=lib/compiler/onnx --c_out=$(CC_GEN) onnx.proto
$(CC_GEN)/onnx.pb-c.o: $(CC_GEN)/onnx.pb-c.c
	$(Q)$(CC) $(CPPFLAGS) -I$(CC_GEN) $(CFLAGS) -c $< -o $@
$(call objs,$(COMPILER_SRCS)): | $(CC_GEN)/onnx.pb-c.h

$(COMPILER_LIB): $(COMPILER_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Tests: one cmocka program per area, tests/compiler/test_<area>.c
CC_TEST_SRCS := $(sort $(wildcard tests/compiler/test_*.c))
CC_TESTS := $(patsubst tests/compiler/test_%.c,$(O)/tests/sinan-test-cc-%,$(CC_TEST_SRCS))
CC_TEST_COMMON := $(call objs,$(filter-out tests/compiler/test_%.c,$(wildcard tests/compiler/*.c)))
HOST_TESTS += $(CC_TESTS)
CPPFLAGS_tests/compiler := -I$(CC_GEN) -Ilib/compiler
$(call objs,$(CC_TEST_SRCS)): | $(CC_GEN)/onnx.pb-c.h
$(O)/tests/sinan-test-cc-%: $(O)/obj/tests/compiler/test_%.o $(CC_TEST_COMMON) $(COMPILER_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(COMPILER_LDLIBS) -lcmocka

# Conformance runner against ONNX's test data (run by 'make conformance').
CONF_BIN := $(O)/tests/sinan-conformance

$(CONF_BIN): $(call objs,tests/conformance/runner.c) $(COMPILER_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(COMPILER_LDLIBS)
CPPFLAGS_tests/conformance := -Ilib/compiler
all: $(CONF_BIN)
# Messages are truncated to their buffers on purpose.
CFLAGS_lib/compiler := -Wno-format-truncation
CFLAGS_tests/conformance := -Wno-format-truncation
CFLAGS_tests/compiler := -Wno-format-truncation

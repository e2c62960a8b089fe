# SPDX-License-Identifier: MIT
# libsinan tests (tests/runtime/): cmocka programs linked with the static
# library (they may use its internal test hooks). They run on the backend
# SINAN_BACKEND names: sim on the host, drm in the emulated machine; the
# same binary gives the same results on both.
RT_TEST_SRCS := $(sort $(wildcard tests/runtime/test_*.c))
RT_TEST_COMMON := tests/runtime/rt_common.c
RT_TESTS := $(patsubst tests/runtime/test_%.c,$(O)/tests/runtime/test-runtime-%,$(RT_TEST_SRCS))
HOST_TESTS += $(RT_TESTS)
GUEST_TESTS += $(RT_TESTS)
CPPFLAGS_tests/runtime += -Itests/runtime $(shell pkg-config --cflags libdrm)

$(O)/tests/runtime/test-runtime-%: $(O)/obj/tests/runtime/test_%.o $(call objs,$(RT_TEST_COMMON)) $(LIBSINAN_A)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(LDFLAGS) -lcmocka $(LIBSINAN_LDLIBS)

# The acceptance example, built the way a user builds it: pkg-config --libs sinan.
EXAMPLES := $(O)/examples/copy256
HOST_TESTS += $(EXAMPLES)
GUEST_TESTS += $(EXAMPLES)
$(O)/examples/%: examples/%.c $(LIBSINAN_SO) $(LIBSINAN_PC)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $$(PKG_CONFIG_PATH=$(O)/pkgconfig pkg-config --cflags --libs sinan)

# Keep the objects (they are intermediate files of the pattern rule).
.SECONDARY: $(call objs,$(RT_TEST_SRCS) $(RT_TEST_COMMON))

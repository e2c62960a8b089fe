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

# The export-list test links the shared library, as users do, with both
# lists compiled in (the sources are not in the emulated machine).
EXPORTS_TEST := $(O)/tests/runtime/test-runtime-exports
HOST_TESTS += $(EXPORTS_TEST)
GUEST_TESTS += $(EXPORTS_TEST)
$(O)/tests/runtime/exports_gen.h: $(wildcard include/sinan/*.h) lib/libsinan.map mk/u-runtimetests.mk
	@mkdir -p $(@D)
	$(Q){ echo 'static const char *const header_api[] = {'; \
	  cat include/sinan/*.h | tr '\n' ' ' | grep -o 'SINAN_API [a-z][^(;]*(' | sed -E 's/.*[ *]([a-z_0-9]+)\($$/\t"\1",/'; \
	  echo '};'; echo 'static const char *const map_api[] = {'; \
	  sed -n 's/^[[:space:]]*\(sinan_[a-z_0-9]*\);.*/\t"\1",/p' lib/libsinan.map; echo '};'; } >$@.tmp && mv $@.tmp $@
$(O)/obj/tests/runtime/exports_test.o: $(O)/tests/runtime/exports_gen.h
CPPFLAGS_tests/runtime += -I$(O)/tests/runtime
$(EXPORTS_TEST): $(O)/obj/tests/runtime/exports_test.o $(call objs,$(RT_TEST_COMMON)) $(LIBSINAN_SO)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $(filter %.o,$^) $(LDFLAGS) -L$(O)/lib -Wl,-rpath,$(abspath $(O)/lib) -lsinan -lcmocka -lelf -ldl

# SPDX-License-Identifier: MIT
# Guest tests of the kernel driver (tests/kernel/): cmocka programs that talk
# to sinan.ko with plain ioctls (libdrm), run in the emulated machine by
# 'make check-kernel' (mk/kernel-check.mk). Built in both flavours; only the
# release build goes into the guest.
KTEST_COMMON := tests/kernel/ktest.c
# Ordinary guest tests: run by 'make check-guest' with the others.
KTEST_NAMES := uapi exec
GUEST_TESTS += $(patsubst %,$(O)/bin/test-kernel-%,$(KTEST_NAMES))
# Tests that need the device's debug page or unload the driver: run by
# 'make check-kernel' in a machine of their own (mk/area-kernel.mk).
KTEST_SPECIAL := recovery lifetime
KTEST_SPECIAL_BINS := $(patsubst %,$(O)/bin/test-kernel-%,$(KTEST_SPECIAL))
all: $(KTEST_SPECIAL_BINS)

CPPFLAGS_tests/kernel := $(shell pkg-config --cflags libdrm)
KTEST_LIBS := $(shell pkg-config --libs libdrm) -lcmocka

$(O)/bin/test-kernel-%: $(call objs,tests/kernel/test_kernel_%.c $(KTEST_COMMON))
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KTEST_LIBS)

# SPDX-License-Identifier: MIT
# Guest tests of the kernel driver (tests/kernel/): cmocka programs that talk
# to sinan.ko with plain ioctls (libdrm), run in the emulated machine by
# 'make check-kernel' (mk/kernel-check.mk). Built in both flavours; only the
# release build goes into the guest.
KTEST_COMMON := tests/kernel/ktest.c
KTEST_NAMES := uapi exec
KTEST_BINS := $(patsubst %,$(O)/bin/test-kernel-%,$(KTEST_NAMES))
GUEST_TESTS += $(KTEST_BINS)

CPPFLAGS_tests/kernel := $(shell pkg-config --cflags libdrm)
KTEST_LIBS := $(shell pkg-config --libs libdrm) -lcmocka

$(O)/bin/test-kernel-%: $(call objs,tests/kernel/test_kernel_%.c $(KTEST_COMMON))
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KTEST_LIBS)

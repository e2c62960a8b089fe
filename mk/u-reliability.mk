# SPDX-License-Identifier: MIT
# The reliability programs (tests/reliability/): run in the emulated machine
# by mk/area-reliability.mk (make ioctl-fuzz, stress, isolation, recovery,
# hot-unplug), not by check-guest: they need the device's debug page, load
# the machine for a while, or unplug the device. Built in both flavours; only
# the release build goes into the guest.
REL_NAMES := fuzz stress isolation recovery unplug
REL_COMMON := tests/reliability/rel_common.c tests/kernel/ktest.c
REL_BINS := $(patsubst %,$(O)/bin/test-rel-%,$(REL_NAMES))
all: $(REL_BINS)

CPPFLAGS_tests/reliability := $(shell pkg-config --cflags libdrm) -Itests/kernel
REL_LIBS := $(shell pkg-config --libs libdrm) -lcmocka

$(O)/bin/test-rel-%: $(call objs,tests/reliability/rel_%.c $(REL_COMMON))
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(REL_LIBS)

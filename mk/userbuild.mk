# SPDX-License-Identifier: MIT
#
# Userspace build, one flavour per invocation (see mk/user.mk):
#   make -f mk/userbuild.mk O=<outdir> [SAN=1] [BIN_DIR=<dir>]
#
# Each area has a fragment mk/u-<area>.mk that adds to:
#   LIBS        static/shared libraries under $(O)/lib
#   BINS        programs under $(O)/bin (copied to $(BIN_DIR) as sinan-*)
#   HOST_TESTS  test programs run on the host (both flavours)
#   GUEST_TESTS test programs also run in the emulated machine (release only)
# Objects go to $(O)/obj/<source path>.o with dependency files.
SHELL := /bin/bash
.SUFFIXES:
.DELETE_ON_ERROR:
O ?= build/user
SAN ?= 0
BIN_DIR ?=
Q ?= @
CC ?= gcc

OPT := -O2
LDSAN :=
ifeq ($(SAN),1)
OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN := -fsanitize=address,undefined
endif

CPPFLAGS := -Iinclude -Iemu/core -Ilib -D_GNU_SOURCE -MMD -MP
CFLAGS := -std=gnu11 -g $(OPT) -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-Wmissing-prototypes -Wstrict-prototypes -fvisibility=hidden -pthread
LDFLAGS := -pthread $(LDSAN)

LIBS :=
BINS :=
HOST_TESTS :=
GUEST_TESTS :=

# objs(SRCS): object files for sources
objs = $(patsubst %.c,$(O)/obj/%.o,$(1))

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CPPFLAGS_$(patsubst %/,%,$(dir $<))) $(CFLAGS) \
		$(CFLAGS_$(patsubst %/,%,$(dir $<))) -c $< -o $@

include $(sort $(wildcard mk/u-*.mk))

.PHONY: all
all: $(LIBS) $(BINS) $(HOST_TESTS) $(GUEST_TESTS)
ifneq ($(BIN_DIR),)
all: $(patsubst $(O)/bin/%,$(BIN_DIR)/%,$(BINS))
$(BIN_DIR)/%: $(O)/bin/%
	@mkdir -p $(@D)
	$(Q)cp -f $< $@
endif

# Print variables for mk/test.mk: make -f mk/userbuild.mk O=... print-HOST_TESTS
print-%:
	@echo $($*)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

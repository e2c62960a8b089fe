# SPDX-License-Identifier: MIT
# Userspace: libraries, programs and tests, built by mk/userbuild.mk in two
# flavours: build/user (release, -O2) and build/asan (ASan + UBSan).
# Programs are copied to build/bin/sinan-<name>.

USER_O := $(BUILD)/user
ASAN_O := $(BUILD)/asan

.PHONY: user user-asan
user: | deps
	$(Q)$(MAKE) --no-print-directory -f mk/userbuild.mk O=$(USER_O) BIN_DIR=$(BIN) all
user-asan: | deps
	$(Q)$(MAKE) --no-print-directory -f mk/userbuild.mk O=$(ASAN_O) SAN=1 all

# make install [PREFIX=/usr/local] [DESTDIR=]: libraries, headers, pkg-config
# files and tools (each area adds its part to the 'install' rule of its fragment).
.PHONY: install
install: user
	$(Q)$(MAKE) --no-print-directory -f mk/userbuild.mk O=$(USER_O) install

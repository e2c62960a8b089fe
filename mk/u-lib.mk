# SPDX-License-Identifier: MIT
# libsinan: the runtime library (lib/runtime/), with the device model
# (emu/core) inside for the simulator backend.
#
#   $(O)/lib/libsinan.so(.0)   exports exactly lib/libsinan.map
#   $(O)/lib/libsinan.a        everything, internal test hooks included
#   $(O)/pkgconfig/sinan.pc    for programs built against the build tree
#   $(O)/bin/sinan-smi, sinan-objdump
#
# Other areas add their sources to the library with LIBSINAN_SRCS += ...
# (their fragments sort before this one) and their exports to lib/libsinan.map.
LIBSINAN_SRCS += $(sort $(wildcard lib/runtime/*.c))
LIBSINAN_OBJS = $(call objs,$(LIBSINAN_SRCS) $(EMU_SRCS))
LIBSINAN_SO := $(O)/lib/libsinan.so
LIBSINAN_A := $(O)/lib/libsinan.a
LIBSINAN_PC := $(O)/pkgconfig/sinan.pc
# += : areas (compiler) add their libraries before this fragment is read
LIBSINAN_LDLIBS += $(shell pkg-config --libs libdrm libelf) -lz -ldl -lm -pthread
LIBSINAN_DEPS_PC += libdrm libelf zlib

# The device model goes into a shared library too.
CFLAGS_emu/core += -fPIC
CFLAGS_lib/runtime += -fPIC
CPPFLAGS_lib/runtime += $(shell pkg-config --cflags libdrm)

LIBS += $(LIBSINAN_SO) $(LIBSINAN_A) $(LIBSINAN_PC)

$(LIBSINAN_A): $(LIBSINAN_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBSINAN_SO).0: $(LIBSINAN_OBJS) lib/libsinan.map
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -Wl,-soname,libsinan.so.0 -Wl,--version-script=lib/libsinan.map -Wl,--no-undefined \
		-Wl,-z,defs -o $@ $(LIBSINAN_OBJS) $(LDFLAGS) $(LIBSINAN_LDLIBS)

$(LIBSINAN_SO): $(LIBSINAN_SO).0
	$(Q)ln -sf libsinan.so.0 $@

# pkg-config file for the build tree (the installed one is written by 'make install').
$(LIBSINAN_PC): mk/u-lib.mk
	@mkdir -p $(@D)
	$(Q)printf '%s\n' 'prefix=$(abspath .)' 'libdir=$(abspath $(O)/lib)' 'includedir=$${prefix}/include' '' \
		'Name: sinan' 'Description: Sinan NPU runtime (build tree)' \
		'Version: $(shell sed -n 's/^#define SINAN_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\)/\2/p' include/sinan/sinan.h | paste -sd.)' \
		'Requires.private: $(LIBSINAN_DEPS_PC)' \
		'Libs: -L$${libdir} -Wl,-rpath,$${libdir} -lsinan' 'Libs.private: -ldl -pthread' \
		'Cflags: -I$${includedir}' >$@

# Programs linked against the shared library, as users do.
# sinan-objdump uses lib/isa's disassembler when that library is built (ISA_LIB).
SINAN_TOOLS += smi objdump rtbench
BINS += $(patsubst %,$(O)/bin/sinan-%,$(SINAN_TOOLS))
TOOL_LIBS_objdump := $(ISA_LIB)
.SECONDEXPANSION:
$(O)/bin/sinan-%: $(O)/obj/tools/sinan-%.o $(LIBSINAN_SO) $$(TOOL_LIBS_$$*)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $< $(TOOL_LIBS_$*) $(LDFLAGS) -L$(O)/lib -Wl,-rpath,$(abspath $(O)/lib) -lsinan
.SECONDARY: $(patsubst %,$(O)/obj/tools/sinan-%.o,$(SINAN_TOOLS))

# ---- make install -------------------------------------------------------------------
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

.PHONY: install install-libsinan
install: install-libsinan
install-libsinan: $(LIBSINAN_SO) $(LIBSINAN_A) $(patsubst %,$(O)/obj/tools/sinan-%.o,$(SINAN_TOOLS))
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/sinan $(DESTDIR)$(INCLUDEDIR)/sinan_hw \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR)
	install -m 755 $(LIBSINAN_SO).0 $(DESTDIR)$(LIBDIR)/libsinan.so.0
	ln -sf libsinan.so.0 $(DESTDIR)$(LIBDIR)/libsinan.so
	install -m 644 $(LIBSINAN_A) $(DESTDIR)$(LIBDIR)/libsinan.a
	install -m 644 include/sinan/*.h $(DESTDIR)$(INCLUDEDIR)/sinan/
	install -m 644 include/sinan_hw/*.h $(DESTDIR)$(INCLUDEDIR)/sinan_hw/
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
		'Name: sinan' 'Description: Sinan NPU runtime' \
		'Version: $(shell sed -n 's/^#define SINAN_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\)/\2/p' include/sinan/sinan.h | paste -sd.)' \
		'Requires.private: $(LIBSINAN_DEPS_PC)' \
		'Libs: -L$${libdir} -lsinan' 'Libs.private: -ldl -pthread' 'Cflags: -I$${includedir}' \
		>$(DESTDIR)$(PKGCONFIGDIR)/sinan.pc
	$(foreach t,$(SINAN_TOOLS),$(CC) -o $(DESTDIR)$(BINDIR)/sinan-$(t) $(O)/obj/tools/sinan-$(t).o \
		$(TOOL_LIBS_$(t)) $(LDFLAGS) -L$(O)/lib -Wl,-rpath,$(LIBDIR) -lsinan &&) true

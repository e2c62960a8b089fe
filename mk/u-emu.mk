# SPDX-License-Identifier: MIT
# emu/core: the device model as a static library (linked into libsinan's
# simulator backend and the emulator's own tests; QEMU compiles the same
# sources through emu/qemu/meson.build).
EMU_SRCS := $(sort $(wildcard emu/core/*.c))
EMU_LIB := $(O)/lib/libsinan-emu.a
LIBS += $(EMU_LIB)

$(EMU_LIB): $(call objs,$(EMU_SRCS))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

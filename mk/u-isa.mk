# SPDX-License-Identifier: MIT
# lib/isa: the AI-core assembler and disassembler (sinan_asm.h), used by the
# compiler, the tools (sinan-objdump) and the emulator's tests.
ISA_SRCS := lib/isa/sinan_asm.c lib/isa/sinan_disasm.c
ISA_LIB := $(O)/lib/libsinan-isa.a
LIBS += $(ISA_LIB)

$(ISA_LIB): $(call objs,$(ISA_SRCS))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

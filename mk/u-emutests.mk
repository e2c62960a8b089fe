# SPDX-License-Identifier: MIT
# Host tests of the device model core (tests/emu/, cmocka): the AI-core ISA,
# its cost model, and the rest of emu/core (MMU, packets, registers,
# firmware, fault injection). Each test program links the harness, the
# device model and the assembler.
EMU_TEST_NAMES := isa isa_vec isa_fp isa_fault isa_cost isa_asm emu_dev
EMU_TESTS := $(patsubst %,$(O)/tests/emu/test-emu-%,$(EMU_TEST_NAMES))
HOST_TESTS += $(EMU_TESTS)

$(O)/tests/emu/test-emu-%: $(O)/obj/tests/emu/test_%.o $(O)/obj/tests/emu/harness.o \
		$(O)/lib/libsinan-isa.a $(O)/lib/libsinan-emu.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) -lcmocka -lz -lm

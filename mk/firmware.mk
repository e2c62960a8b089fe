# SPDX-License-Identifier: MIT
# The firmware image the driver loads (request_firmware("sinan/sinan_fw.elf"))
# and test images with deliberate defects (for the driver's probe tests).
FW_DIR := $(BUILD)/fw
FW := $(FW_DIR)/sinan_fw.elf
MKFW := $(FW_DIR)/mkfw
FW_TEST_IMAGES := $(FW_DIR)/test/bad_crc.elf $(FW_DIR)/test/bad_magic.elf \
	$(FW_DIR)/test/truncated.elf $(FW_DIR)/test/major2.elf $(FW_DIR)/test/minor9.elf

.PHONY: firmware
firmware: $(FW) $(FW_TEST_IMAGES)

$(MKFW): firmware-stubs/mkfw.c $(wildcard include/sinan_hw/*.h) | deps
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -o $@ $< -lelf -lz

$(FW): $(MKFW)
	$(Q)$(MKFW) -o $@ --version 1.0.0

$(FW_DIR)/test/bad_crc.elf: $(MKFW)
	$(Q)mkdir -p $(@D) && $(MKFW) -o $@ --corrupt crc
$(FW_DIR)/test/bad_magic.elf: $(MKFW)
	$(Q)mkdir -p $(@D) && $(MKFW) -o $@ --corrupt magic
$(FW_DIR)/test/truncated.elf: $(MKFW)
	$(Q)mkdir -p $(@D) && $(MKFW) -o $@ --corrupt truncate
$(FW_DIR)/test/major2.elf: $(MKFW)
	$(Q)mkdir -p $(@D) && $(MKFW) -o $@ --api-major 2
$(FW_DIR)/test/minor9.elf: $(MKFW)
	$(Q)mkdir -p $(@D) && $(MKFW) -o $@ --api-minor 9 --version 1.9.0

# SPDX-License-Identifier: MIT
# The kernel driver: its guest suites, installation and packaging.
#
#   make check-kernel   on both test kernels, in a machine with the device's
#                       debug page (fault injection): the recovery and
#                       lifetime suites (suite guest-<k>-kernel), a boot with
#                       a defective firmware (guest-<k>-kernel-fwboot), the
#                       execution suite on INTx (guest-6.12-kernel-intx), and
#                       make lint (counted in make check as check-lint). The uAPI and execution suites are ordinary
#                       GUEST_TESTS, run by check-guest.
#   make install-kmod   build sinan.ko for the running kernel (KVER=...) and
#                       install it with the firmware, the udev rule and the
#                       sinan group; DESTDIR=... stages instead
#   make dkms-source    stage the DKMS source tree in $(DESTDIR)/usr/src
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
SINAN_VERSION := 1.0.0
KCHECK_KERNELS ?= $(KERNEL_TAGS)
KCHECK_TESTS = $(patsubst %,$(USER_O)/bin/test-kernel-%,recovery lifetime)
KCHECK_FW := $(FW_DIR)/test

CHECK_SUITES += check-kernel

.PHONY: check-kernel check-kernel-guest check-kernel-fwboot check-kernel-intx
# lint is make check's own suite (check-lint): here it is only a prerequisite.
check-kernel: check-kernel-guest check-kernel-fwboot check-kernel-intx lint

check-kernel-guest: user modules firmware $(VM_DEPS)
	$(Q)for k in $(KCHECK_KERNELS); do \
		$(RUN_TEST) guest-$$k-kernel $(SINAN_VM) --kernel $$k --timeout 600 \
			--npu-prop debug-regs=on --env SINAN_FW_TEST_DIR=$(KCHECK_FW) \
			$$(for f in $(KCHECK_FW)/*.elf; do echo --bin $$f; done) \
			$$(for t in $(KCHECK_TESTS); do echo --bin $$t; done) \
			--bin $(TOP)/scripts/guest-run-tests.sh -- \
			$(TOP)/scripts/guest-run-tests.sh $(KCHECK_TESTS); \
	done

# Without MSI/MSI-X: the execution suite on the INTx fallback.
check-kernel-intx: user modules firmware $(VM_DEPS)
	$(Q)$(RUN_TEST) guest-6.12-kernel-intx $(SINAN_VM) --kernel 6.12 --append pci=nomsi \
		--bin $(USER_O)/bin/test-kernel-exec -- $(USER_O)/bin/test-kernel-exec

# The firmware check as a user meets it: boot with a defective image.
check-kernel-fwboot: modules firmware $(VM_DEPS)
	$(Q)for k in $(KCHECK_KERNELS); do \
		$(RUN_TEST) guest-$$k-kernel-fwboot $(TOP)/tests/kernel/fw-boot-check.sh \
			"$(SINAN_VM)" $$k $(KCHECK_FW)/bad_crc.elf 'CRC-32 mismatch'; \
	done

# ---- installation ------------------------------------------------------------
.PHONY: install install-kmod dkms-source
install: install-kmod

install-kmod: firmware
	$(Q)test -d $(KDIR) || { echo "install-kmod: no kernel build directory $(KDIR): install linux-headers-$(KVER) (or set KVER/KDIR)" >&2; exit 1; }
	$(Q)rm -rf $(BUILD)/kmod/host && mkdir -p $(BUILD)/kmod/host/kernel
	$(Q)ln -sfn $(TOP)/Kbuild $(BUILD)/kmod/host/Kbuild
	$(Q)ln -sfn $(TOP)/include $(BUILD)/kmod/host/include
	$(Q)ln -sfn $(TOP)/kernel/*.[ch] $(TOP)/kernel/Kbuild $(BUILD)/kmod/host/kernel/
	$(Q)$(MAKE) --no-print-directory -C $(KDIR) M=$(BUILD)/kmod/host modules
	install -D -m 0644 $(BUILD)/kmod/host/kernel/sinan.ko $(DESTDIR)/lib/modules/$(KVER)/updates/sinan.ko
	install -D -m 0644 $(FW) $(DESTDIR)/lib/firmware/sinan/sinan_fw.elf
	install -D -m 0644 packaging/udev/70-sinan.rules $(DESTDIR)/lib/udev/rules.d/70-sinan.rules
	install -D -m 0644 packaging/sinan.sysusers $(DESTDIR)/usr/lib/sysusers.d/sinan.conf
	$(Q)if [ -z "$(DESTDIR)" ]; then \
		getent group sinan >/dev/null || groupadd --system sinan; \
		depmod -a $(KVER); \
		udevadm control --reload 2>/dev/null || true; \
		echo "install-kmod: done; add users to the 'sinan' group, then: modprobe sinan"; \
	fi

DKMS_DIR = $(DESTDIR)/usr/src/sinan-$(SINAN_VERSION)
dkms-source:
	$(Q)rm -rf $(DKMS_DIR) && mkdir -p $(DKMS_DIR)/kernel $(DKMS_DIR)/include
	$(Q)cp Kbuild $(DKMS_DIR)/
	$(Q)cp kernel/*.[ch] kernel/Kbuild $(DKMS_DIR)/kernel/
	$(Q)cp -r include/sinan_hw include/uapi $(DKMS_DIR)/include/
	$(Q)sed 's/@VERSION@/$(SINAN_VERSION)/' packaging/dkms/dkms.conf > $(DKMS_DIR)/dkms.conf
	@echo "dkms-source: $(DKMS_DIR) (then: dkms install sinan/$(SINAN_VERSION))"

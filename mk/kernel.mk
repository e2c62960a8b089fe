# SPDX-License-Identifier: MIT
# The test kernels and the out-of-tree module built against them.
#
#   make kernels   fetch and unpack both test kernels (image + headers) into
#                  build/kernels/<tag>/root with scripts/fetch-kernels.sh;
#                  nothing is installed on the host
#   make modules   build sinan.ko for both into build/kmod/<tag>/sinan.ko
#
# <tag> is 6.1 (Debian 12's kernel, $(K61)) or 6.12 (bookworm-backports,
# $(K612)); the ABI names come from build/kernels.mk (scripts/deps.sh).
#
# kbuild writes its objects next to the sources of an external module, so
# each kernel gets its own tree of symlinks to the sources,
#   build/kmod/<tag>/{Kbuild,include} -> Kbuild, include/
#   build/kmod/<tag>/kernel/<file>    -> kernel/<file>
# and the two builds neither clobber each other nor the source tree.
# KBUILD_EXTRA is passed to kbuild as is (e.g. KBUILD_EXTRA='W=1 C=1').

KERNEL_TAGS := 6.1 6.12
KABI_6.1 := $(K61)
KABI_6.12 := $(K612)
KERNELS_DIR := $(BUILD)/kernels
KMOD_DIR := $(BUILD)/kmod
KBUILD_EXTRA ?=

# kbuild's own verbosity follows V=1.
KBUILD_V := $(if $(filter 1,$(V)),V=1,)

# Everything the module is built from: a change re-runs kbuild, which is
# itself incremental. Only sources count (an in-place kbuild run leaves
# objects in kernel/, which must not leak into the per-kernel trees).
KMOD_SRCS := $(TOP)/Kbuild $(wildcard $(TOP)/kernel/*.[ch] $(TOP)/kernel/Kbuild $(TOP)/kernel/Makefile) \
	$(shell find $(TOP)/include -type f -name '*.h' 2>/dev/null)

# The headers dir of an unpacked kernel: $(call kheaders,<tag>)
kheaders = $(KERNELS_DIR)/$(1)/root/usr/src/linux-headers-$(KABI_$(1))
# The stamp written by fetch-kernels.sh once a kernel is unpacked. Its name
# carries the ABI, so a new ABI from apt triggers a new fetch.
kstamp = $(KERNELS_DIR)/$(1)/.stamp-$(KABI_$(1))

define kernel_rules
$(call kstamp,$(1)): $(TOP)/scripts/fetch-kernels.sh
	$$(Q)test -n "$(KABI_$(1))" || { echo "kernels: error: no ABI for $(1): build/kernels.mk is missing or stale, run 'make deps'" >&2; exit 1; }
	$$(Q)BUILD=$(BUILD) $(TOP)/scripts/fetch-kernels.sh $(1)=$(KABI_$(1))
	$$(Q)touch $$@

# Records KBUILD_EXTRA: a change re-runs kbuild (whose .cmd files then see
# the new flags and recompile).
$(KMOD_DIR)/$(1)/.kbuild-extra: FORCE
	$$(Q)mkdir -p $$(@D)
	$$(Q)echo '$$(KBUILD_EXTRA)' | cmp -s - $$@ 2>/dev/null || echo '$$(KBUILD_EXTRA)' >$$@

$(KMOD_DIR)/$(1)/sinan.ko: $(call kstamp,$(1)) $(KMOD_SRCS) $(TOP)/mk/kernel.mk $(KMOD_DIR)/$(1)/.kbuild-extra
	@echo "  KBUILD  sinan.ko for $(1) ($(KABI_$(1)))"
	$$(Q)mkdir -p $(KMOD_DIR)/$(1)/kernel
	$$(Q)ln -sfn $(TOP)/Kbuild $(KMOD_DIR)/$(1)/Kbuild
	$$(Q)ln -sfn $(TOP)/include $(KMOD_DIR)/$(1)/include
	$$(Q)find $(KMOD_DIR)/$(1)/kernel -maxdepth 1 -type l ! -exec test -e {} \; -delete
	$$(Q)for f in $(TOP)/kernel/*.[ch] $(TOP)/kernel/Kbuild $(TOP)/kernel/Makefile; do \
		if [ -f "$$$$f" ]; then ln -sfn "$$$$f" $(KMOD_DIR)/$(1)/kernel/; fi; done
	$$(Q)$$(MAKE) --no-print-directory -C $(call kheaders,$(1)) M=$(KMOD_DIR)/$(1) \
		$(KBUILD_V) $$(KBUILD_EXTRA) modules
	$$(Q)cp $(KMOD_DIR)/$(1)/kernel/sinan.ko $$@

.PHONY: kernel-$(1) module-$(1)
kernel-$(1): $(call kstamp,$(1))
module-$(1): $(KMOD_DIR)/$(1)/sinan.ko
endef
$(foreach t,$(KERNEL_TAGS),$(eval $(call kernel_rules,$(t))))

.PHONY: kernels modules
kernels: $(foreach t,$(KERNEL_TAGS),kernel-$(t))
modules: $(foreach t,$(KERNEL_TAGS),module-$(t))

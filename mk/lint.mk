# SPDX-License-Identifier: MIT
# make lint: the kernel driver held to the kernel's review standard.
#
#   checkpatch.pl --strict   on kernel/*.[ch] (the script, spelling.txt and
#                            const_structs.checkpatch come from Debian's
#                            linux-source-6.1, extracted into build/lint/)
#   kernel-doc               every kernel-doc comment of kernel/ and of the
#                            uAPI header complete
#   sparse (C=2) and W=1     kbuild against both test kernels' headers, in
#                            build/lint/kmod/<tag> (the module build is not
#                            disturbed)
#
# Prints the number of findings of each and fails on any. One waiver:
# checkpatch's LINUX_VERSION_CODE warning is for in-tree code; the
# out-of-tree driver compares versions in kernel/sinan_compat.h only.
LINT_DIR := $(BUILD)/lint
LINT_SRC := /usr/src/linux-source-6.1.tar.xz
CHECKPATCH := $(LINT_DIR)/scripts/checkpatch.pl
KERNELDOC := $(LINT_DIR)/scripts/kernel-doc
KLINT_UAPI := include/uapi/drm/sinan_accel.h
KLINT_SRCS := $(sort $(wildcard kernel/*.c kernel/*.h))
KLINT_COMPAT := kernel/sinan_compat.h

$(CHECKPATCH): | deps
	$(Q)mkdir -p $(LINT_DIR)
	$(Q)tar -xJf $(LINT_SRC) -C $(LINT_DIR) --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch linux-source-6.1/scripts/kernel-doc
	$(Q)touch $@

CHECKPATCH_FLAGS := --strict --no-tree --terse --show-types --quiet -f

.PHONY: lint lint-checkpatch lint-kerneldoc lint-kbuild
lint: lint-checkpatch lint-kerneldoc lint-kbuild

lint-kerneldoc: $(LINT_DIR)/kerneldoc.ok

$(LINT_DIR)/kerneldoc.ok: $(CHECKPATCH) $(KLINT_SRCS) $(KLINT_UAPI) $(TOP)/mk/lint.mk
	$(Q)rm -f $@; out=$$(perl $(KERNELDOC) -none $(KLINT_UAPI) $(KLINT_SRCS) 2>&1 | grep -E 'warning|error'); \
	n=$$(printf '%s' "$$out" | grep -c . || true); \
	[ -z "$$out" ] || printf '%s\n' "$$out"; \
	echo "lint: kernel-doc: $$n finding(s)"; \
	[ "$$n" -eq 0 ] && touch $@

lint-checkpatch: $(LINT_DIR)/checkpatch.ok

$(LINT_DIR)/checkpatch.ok: $(CHECKPATCH) $(KLINT_SRCS) $(TOP)/mk/lint.mk
	$(Q)rm -f $@; out=$$( { perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) $(filter-out $(KLINT_COMPAT),$(KLINT_SRCS)); \
		perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore LINUX_VERSION_CODE $(KLINT_COMPAT); } 2>&1 | \
		grep -E '^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):'); \
	n=$$(printf '%s' "$$out" | grep -c . || true); \
	[ -z "$$out" ] || printf '%s\n' "$$out"; \
	echo "lint: checkpatch --strict: $$n finding(s) in $(words $(KLINT_SRCS)) files"; \
	[ "$$n" -eq 0 ] && touch $@

# kbuild with W=1 and sparse on every file (C=2), per kernel, from scratch
# (warnings appear only when a file compiles); only messages about our own
# sources count (the kernel's headers are not ours to fix). A stamp skips
# the work while no source changed since the last clean run.
define lint_kbuild_rules
.PHONY: lint-kbuild-$(1)
lint-kbuild-$(1): $(LINT_DIR)/kmod/$(1).ok

$(LINT_DIR)/kmod/$(1).ok: $(call kstamp,$(1)) $(KMOD_SRCS) $(TOP)/mk/lint.mk
	$$(Q)d=$(LINT_DIR)/kmod/$(1); rm -rf $$$$d $$@; mkdir -p $$$$d/kernel; \
	ln -sfn $(TOP)/Kbuild $$$$d/Kbuild; ln -sfn $(TOP)/include $$$$d/include; \
	for f in $(TOP)/kernel/*.[ch] $(TOP)/kernel/Kbuild; do ln -sfn "$$$$f" $$$$d/kernel/; done; \
	$$(MAKE) --no-print-directory -C $(call kheaders,$(1)) M=$$$$d W=1 C=2 modules \
		>$$$$d/log 2>&1; rc=$$$$?; \
	out=$$$$(grep -E '(kernel/sinan_[a-z_]+\.[ch]|include/(sinan_hw|uapi/drm)/[a-z_]+\.h):[0-9]+(:[0-9]+)?: (warning|error)' $$$$d/log); \
	n=$$$$(printf '%s' "$$$$out" | grep -c . || true); \
	[ -z "$$$$out" ] || printf '%s\n' "$$$$out"; \
	[ $$$$rc -eq 0 ] || { tail -n 20 $$$$d/log; n=$$$$((n + 1)); }; \
	echo "lint: $(1): W=1 and sparse: $$$$n finding(s)"; \
	[ "$$$$n" -eq 0 ] && touch $$@
endef
$(foreach t,$(KERNEL_TAGS),$(eval $(call lint_kbuild_rules,$(t))))

lint-kbuild: $(foreach t,$(KERNEL_TAGS),lint-kbuild-$(t))

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Contexts, their device address spaces and page tables (the format is
 * the hardware's: include/sinan_hw/).
 */
#ifndef __SINAN_MMU_H__
#define __SINAN_MMU_H__

#include "sinan_drv.h"

struct seq_file;

/**
 * struct sinan_pt - one page table in device memory.
 * @pa: device physical address of the table.
 * @blocks: the drm_buddy block holding it.
 * @child: next-level tables (L0 and L1 only).
 */
struct sinan_pt {
	u64 pa;
	struct list_head blocks;
	struct sinan_pt **child;
};

int sinan_mmu_init(struct sinan_device *sdev);
void sinan_mmu_fini(struct sinan_device *sdev);
void sinan_mmu_restore(struct sinan_device *sdev);

int sinan_ctx_init(struct sinan_device *sdev, struct sinan_ctx *ctx);
void sinan_ctx_fini(struct sinan_ctx *ctx);

int sinan_mmu_map_devmem(struct sinan_ctx *ctx, u64 va, u64 pa, u64 size, bool writable);
void sinan_mmu_unmap(struct sinan_ctx *ctx, u64 va, u64 size);

int sinan_vm_bind_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int sinan_vm_unbind_ioctl(struct drm_device *dev, void *data, struct drm_file *file);

void sinan_ctx_show_mappings(struct sinan_ctx *ctx, struct seq_file *m);

#endif /* __SINAN_MMU_H__ */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Buffer objects and device memory.
 */
#ifndef __SINAN_GEM_H__
#define __SINAN_GEM_H__

#include <drm/drm_gem_shmem_helper.h>

#include "sinan_drv.h"

/**
 * struct sinan_bo - a buffer object.
 * @base: GEM shmem object. Host BOs are shmem objects (created by the
 *   shmem helpers, or imported from a dma-buf); device BOs use only the
 *   embedded &drm_gem_object, with their own functions.
 * @placement: DRM_SINAN_BO_PLACEMENT_*.
 * @blocks: device BOs: the drm_buddy blocks holding the memory.
 * @accounted: bytes counted in the device totals (freed with the BO).
 */
struct sinan_bo {
	struct drm_gem_shmem_object base;
	u32 placement;
	struct list_head blocks;
	u64 accounted;
};

static inline struct sinan_bo *to_sinan_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct sinan_bo, base.base);
}

int sinan_devmem_init(struct sinan_device *sdev);
void sinan_devmem_fini(struct sinan_device *sdev);
int sinan_devmem_alloc(struct sinan_device *sdev, u64 size, u64 min_block,
		       struct list_head *blocks);
void sinan_devmem_free(struct sinan_device *sdev, struct list_head *blocks);
u64 sinan_devmem_block_size(struct sinan_device *sdev, struct drm_buddy_block *block);

/* The device page at @offset of a device BO (offset 4 KiB aligned). */
u64 sinan_bo_devmem_pa(struct sinan_bo *bo, u64 offset);
bool sinan_bo_is_device(struct drm_gem_object *obj);

struct drm_gem_object *sinan_gem_create_object(struct drm_device *dev, size_t size);

int sinan_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int sinan_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file);

u64 sinan_file_mem_used(struct drm_file *file);

#endif /* __SINAN_GEM_H__ */

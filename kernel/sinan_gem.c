// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Buffer objects. Device memory (BAR 4) is managed with drm_buddy: the
 * firmware area at its start is reserved, the rest serves device BOs, the
 * context table, page tables and rings. Device BOs are CPU-mapped through
 * BAR 4, write-combined, page by page on fault (so that a device removal
 * can zap the mappings). Host BOs are GEM shmem objects, pinned and
 * DMA-mapped while bound; they are what PRIME exports and imports.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include <drm/drm_drv.h>
#include <drm/drm_prime.h>
#include <drm/drm_vma_manager.h>

#include <uapi/drm/sinan_accel.h>

#include "sinan_compat.h"
#include "sinan_drv.h"
#include "sinan_gem.h"

/* ---- device memory ------------------------------------------------------- */

int sinan_devmem_init(struct sinan_device *sdev)
{
	int ret;

	mutex_init(&sdev->mm_lock);
	INIT_LIST_HEAD(&sdev->fw_blocks);
	ret = drm_buddy_init(&sdev->mm, sdev->hw.devmem_size, SINAN_PAGE_SIZE);
	if (ret)
		return ret;
	/* The firmware keeps the start of device memory for itself. */
	ret = drm_buddy_alloc_blocks(&sdev->mm, 0, SINAN_FW_RESERVED, SINAN_FW_RESERVED,
				     SINAN_FW_RESERVED, &sdev->fw_blocks,
				     DRM_BUDDY_RANGE_ALLOCATION);
	if (ret) {
		drm_buddy_fini(&sdev->mm);
		return ret;
	}
	return 0;
}

void sinan_devmem_fini(struct sinan_device *sdev)
{
	sinan_buddy_free_list(&sdev->mm, &sdev->fw_blocks);
	drm_buddy_fini(&sdev->mm);
}

/* @size bytes in blocks of at least @min_block (a power of two) bytes. */
int sinan_devmem_alloc(struct sinan_device *sdev, u64 size, u64 min_block,
		       struct list_head *blocks)
{
	int ret;

	INIT_LIST_HEAD(blocks);
	mutex_lock(&sdev->mm_lock);
	ret = drm_buddy_alloc_blocks(&sdev->mm, 0, sdev->hw.devmem_size, size, min_block,
				     blocks, 0);
	mutex_unlock(&sdev->mm_lock);
	return ret;
}

void sinan_devmem_free(struct sinan_device *sdev, struct list_head *blocks)
{
	mutex_lock(&sdev->mm_lock);
	sinan_buddy_free_list(&sdev->mm, blocks);
	mutex_unlock(&sdev->mm_lock);
}

u64 sinan_devmem_block_size(struct sinan_device *sdev, struct drm_buddy_block *block)
{
	return drm_buddy_block_size(&sdev->mm, block);
}

u64 sinan_bo_devmem_pa(struct sinan_bo *bo, u64 offset)
{
	struct sinan_device *sdev = to_sinan_device(bo->base.base.dev);
	struct drm_buddy_block *block;

	list_for_each_entry(block, &bo->blocks, link) {
		u64 size = drm_buddy_block_size(&sdev->mm, block);

		if (offset < size)
			return drm_buddy_block_offset(block) + offset;
		offset -= size;
	}
	return U64_MAX;
}

/* ---- device BOs ---------------------------------------------------------- */

static void sinan_devmem_bo_free(struct drm_gem_object *obj)
{
	struct sinan_device *sdev = to_sinan_device(obj->dev);
	struct sinan_bo *bo = to_sinan_bo(obj);

	atomic64_sub(bo->accounted, &sdev->devmem_used);
	atomic_dec(&sdev->num_bos);
	sinan_devmem_free(sdev, &bo->blocks);
	drm_gem_free_mmap_offset(obj);
	drm_gem_object_release(obj);
	kfree(bo);
}

static vm_fault_t sinan_devmem_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct sinan_device *sdev = to_sinan_device(obj->dev);
	u64 offset, pa;
	vm_fault_t ret;
	int idx;

	offset = ((vma->vm_pgoff - drm_vma_node_start(&obj->vma_node)) << PAGE_SHIFT) +
		 (vmf->address - vma->vm_start);
	if (offset >= obj->size)
		return VM_FAULT_SIGBUS;
	/* After a device removal the BAR is gone: no new mappings. */
	if (!drm_dev_enter(obj->dev, &idx))
		return VM_FAULT_SIGBUS;
	pa = sinan_bo_devmem_pa(to_sinan_bo(obj), offset);
	if (pa == U64_MAX)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address, PHYS_PFN(sdev->devmem_bus + pa));
	drm_dev_exit(idx);
	return ret;
}

static const struct vm_operations_struct sinan_devmem_vm_ops = {
	.fault = sinan_devmem_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static int sinan_devmem_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	sinan_vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	return 0;
}

/* Device memory is not reachable as host pages: nothing to export. */
static struct dma_buf *sinan_devmem_bo_export(struct drm_gem_object *obj, int flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static const struct drm_gem_object_funcs sinan_devmem_funcs = {
	.free = sinan_devmem_bo_free,
	.mmap = sinan_devmem_bo_mmap,
	.export = sinan_devmem_bo_export,
	.vm_ops = &sinan_devmem_vm_ops,
};

bool sinan_bo_is_device(struct drm_gem_object *obj)
{
	return obj->funcs == &sinan_devmem_funcs;
}

static struct sinan_bo *sinan_devmem_bo_create(struct sinan_device *sdev, u64 size)
{
	struct drm_buddy_block *block;
	struct sinan_bo *bo;
	int ret;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->placement = DRM_SINAN_BO_PLACEMENT_DEVICE;
	bo->base.base.funcs = &sinan_devmem_funcs;
	drm_gem_private_object_init(&sdev->drm, &bo->base.base, size);
	ret = sinan_devmem_alloc(sdev, size, PAGE_SIZE, &bo->blocks);
	if (ret)
		goto err_release;
	ret = drm_gem_create_mmap_offset(&bo->base.base);
	if (ret)
		goto err_free_blocks;
	/*
	 * Always cleared: the memory may have held another context's data.
	 * Through the BAR: the queues are not the driver's to use.
	 */
	list_for_each_entry(block, &bo->blocks, link)
		memset_io(sdev->devmem + drm_buddy_block_offset(block), 0,
			  drm_buddy_block_size(&sdev->mm, block));
	bo->accounted = size;
	atomic64_add(size, &sdev->devmem_used);
	atomic_inc(&sdev->num_bos);
	return bo;

err_free_blocks:
	sinan_devmem_free(sdev, &bo->blocks);
err_release:
	drm_gem_object_release(&bo->base.base);
	kfree(bo);
	return ERR_PTR(ret);
}

/* ---- host BOs (GEM shmem) ------------------------------------------------ */

static void sinan_host_bo_free(struct drm_gem_object *obj)
{
	struct sinan_device *sdev = to_sinan_device(obj->dev);
	struct sinan_bo *bo = to_sinan_bo(obj);

	atomic64_sub(bo->accounted, &sdev->hostmem_used);
	atomic_dec(&sdev->num_bos);
	drm_gem_shmem_free(&bo->base);
}

static const struct drm_gem_object_funcs sinan_host_funcs = {
	.free = sinan_host_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/* Called by the shmem helpers for host BOs, created or imported. */
struct drm_gem_object *sinan_gem_create_object(struct drm_device *dev, size_t size)
{
	struct sinan_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->placement = DRM_SINAN_BO_PLACEMENT_HOST;
	INIT_LIST_HEAD(&bo->blocks);
	bo->base.base.funcs = &sinan_host_funcs;
	atomic_inc(&to_sinan_device(dev)->num_bos);
	return &bo->base.base;
}

/* ---- ioctls -------------------------------------------------------------- */

int sinan_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_device *sdev = to_sinan_device(dev);
	struct drm_sinan_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct drm_gem_object *obj;
	struct sinan_bo *bo;
	u64 size, limit;
	int ret;

	if (args->flags & ~DRM_SINAN_BO_FLAGS || args->pad ||
	    args->placement > DRM_SINAN_BO_PLACEMENT_HOST)
		return -EINVAL;
	/* Sizes that do not round to a page are invalid ... */
	if (!args->size || args->size > U64_MAX - PAGE_SIZE + 1)
		return -EINVAL;
	size = round_up(args->size, PAGE_SIZE);
	/* ... those the placement can never hold are out of memory. */
	if (args->placement == DRM_SINAN_BO_PLACEMENT_DEVICE)
		limit = sdev->hw.devmem_size - SINAN_FW_RESERVED;
	else
		limit = sinan_host_mem_limit();
	if (size > limit)
		return -ENOMEM;

	if (args->placement == DRM_SINAN_BO_PLACEMENT_DEVICE) {
		bo = sinan_devmem_bo_create(sdev, size);
		if (IS_ERR(bo))
			return PTR_ERR(bo) == -ENOSPC ? -ENOMEM : PTR_ERR(bo);
		obj = &bo->base.base;
	} else {
		/*
		 * Host BOs are pinned while the device maps them, out of reach
		 * of reclaim and of the OOM killer's accounting: keep their
		 * total under a limit (like TTM's GTT limit), or a process could
		 * pin all of RAM.
		 */
		if (atomic64_add_return(size, &sdev->hostmem_used) > sinan_host_mem_limit()) {
			atomic64_sub(size, &sdev->hostmem_used);
			sinan_dbg(sdev, GEM, "host BO of %llu bytes: over the host memory limit\n",
				  size);
			return -ENOMEM;
		}
		shmem = drm_gem_shmem_create(dev, size);
		if (IS_ERR(shmem)) {
			atomic64_sub(size, &sdev->hostmem_used);
			return PTR_ERR(shmem);
		}
		obj = &shmem->base;
		bo = to_sinan_bo(obj);
		bo->accounted = size;
	}
	ret = drm_gem_handle_create(file, obj, &args->handle);
	drm_gem_object_put(obj);
	sinan_dbg(sdev, GEM, "%s BO of %llu bytes: handle %u (%d)\n",
		  args->placement ? "host" : "device", size, args->handle, ret);
	return ret;
}

int sinan_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_sinan_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags || args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	/* Imported BOs get their fake offset here, on first use. */
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
		args->size = obj->size;
		args->placement = to_sinan_bo(obj)->placement;
	}
	drm_gem_object_put(obj);
	return ret;
}

static int sinan_count_bo(int id, void *ptr, void *data)
{
	struct drm_gem_object *obj = ptr;
	u64 *total = data;

	*total += obj->size;
	return 0;
}

/* Bytes of the BOs this file holds handles to. */
u64 sinan_file_mem_used(struct drm_file *file)
{
	u64 total = 0;

	spin_lock(&file->table_lock);
	idr_for_each(&file->object_idr, sinan_count_bo, &total);
	spin_unlock(&file->table_lock);
	return total;
}

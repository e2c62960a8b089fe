// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Device address spaces. Each context (open file) owns one ASID and a
 * three-level page table in device memory; the context table indexed by
 * ASID lives in device memory too. The driver keeps a CPU-side tree of the
 * tables (struct sinan_pt) and only ever writes the device copies, so a
 * device reset (which keeps device memory) just points the MMU at them
 * again. User VAs are managed with drm_mm; queue rings sit in the
 * kernel-reserved top of the address space.
 *
 * Every unmap is followed by a TLB invalidation of the ASID before the
 * pages are released, so the device never reaches memory it lost.
 */
#include <linux/overflow.h>
#include <linux/seq_file.h>

#include <drm/drm_drv.h>

#include <uapi/drm/sinan_accel.h>

#include "sinan_drv.h"
#include "sinan_gem.h"
#include "sinan_hw.h"
#include "sinan_mmu.h"

/**
 * struct sinan_mapping - a user mapping (VM_BIND).
 * @node: the VA range in the context's drm_mm.
 * @obj: the BO, referenced while mapped.
 * @offset: offset of the mapping in the BO.
 * @flags: DRM_SINAN_VM_BIND_*.
 * @pinned: the host BO was pinned for this mapping.
 */
struct sinan_mapping {
	struct drm_mm_node node;
	struct drm_gem_object *obj;
	u64 offset;
	u32 flags;
	bool pinned;
};

static struct sinan_pt *sinan_pt_alloc(struct sinan_device *sdev, unsigned int level)
{
	struct sinan_pt *pt;
	int ret;

	pt = kzalloc(sizeof(*pt), GFP_KERNEL);
	if (!pt)
		return ERR_PTR(-ENOMEM);
	if (level < SINAN_PT_LEVELS - 1) {
		pt->child = kcalloc(SINAN_PT_ENTRIES, sizeof(*pt->child), GFP_KERNEL);
		if (!pt->child) {
			ret = -ENOMEM;
			goto err_free_pt;
		}
	}
	ret = sinan_devmem_alloc(sdev, SINAN_PT_SIZE, SINAN_PT_SIZE, &pt->blocks);
	if (ret)
		goto err_free_child;
	pt->pa = drm_buddy_block_offset(list_first_entry(&pt->blocks, struct drm_buddy_block,
							 link));
	memset_io(sdev->devmem + pt->pa, 0, SINAN_PT_SIZE);
	return pt;

err_free_child:
	kfree(pt->child);
err_free_pt:
	kfree(pt);
	return ERR_PTR(ret == -ENOSPC ? -ENOMEM : ret);
}

static void sinan_pt_free(struct sinan_device *sdev, struct sinan_pt *pt)
{
	unsigned int i;

	if (!pt)
		return;
	if (pt->child) {
		for (i = 0; i < SINAN_PT_ENTRIES; i++)
			sinan_pt_free(sdev, pt->child[i]);
		kfree(pt->child);
	}
	sinan_devmem_free(sdev, &pt->blocks);
	kfree(pt);
}

/* The L2 table covering @va, created on the way down if @alloc. */
static struct sinan_pt *sinan_pt_l2(struct sinan_ctx *ctx, u64 va, bool alloc)
{
	struct sinan_device *sdev = ctx->sdev;
	struct sinan_pt *pt = ctx->root;
	unsigned int level, idx;

	lockdep_assert_held(&ctx->vm_lock);
	for (level = 0; level < SINAN_PT_LEVELS - 1; level++) {
		idx = SINAN_VA_INDEX(va, level);
		if (!pt->child[idx]) {
			struct sinan_pt *next;

			if (!alloc)
				return NULL;
			next = sinan_pt_alloc(sdev, level + 1);
			if (IS_ERR(next))
				return next;
			pt->child[idx] = next;
			writeq((next->pa & SINAN_PTE_ADDR_MASK) | SINAN_PTE_VALID,
			       sdev->devmem + pt->pa + 8 * idx);
		}
		pt = pt->child[idx];
	}
	return pt;
}

static int sinan_pte_set(struct sinan_ctx *ctx, u64 va, u64 pte)
{
	struct sinan_pt *l2 = sinan_pt_l2(ctx, va, true);

	if (IS_ERR(l2))
		return PTR_ERR(l2);
	writeq(pte, ctx->sdev->devmem + l2->pa + 8 * SINAN_VA_INDEX(va, 2));
	return 0;
}

static void sinan_ptes_clear(struct sinan_ctx *ctx, u64 va, u64 size)
{
	u64 end = va + size;

	for (; va < end; va += SINAN_PAGE_SIZE) {
		struct sinan_pt *l2 = sinan_pt_l2(ctx, va, false);

		if (l2)
			writeq(0, ctx->sdev->devmem + l2->pa + 8 * SINAN_VA_INDEX(va, 2));
	}
}

/* Clear the PTEs of [va, va + size) and make the device forget them. */
static void sinan_mmu_unmap_locked(struct sinan_ctx *ctx, u64 va, u64 size)
{
	struct sinan_device *sdev = ctx->sdev;
	int idx;

	lockdep_assert_held(&ctx->vm_lock);
	/* After a removal the BARs are gone and the device forgot everything. */
	if (!drm_dev_enter(&sdev->drm, &idx))
		return;
	sinan_ptes_clear(ctx, va, size);
	wmb();	/* the PTE writes land before the invalidation */
	sinan_hw_mmu_invalidate(sdev, ctx->asid);
	drm_dev_exit(idx);
}

void sinan_mmu_unmap(struct sinan_ctx *ctx, u64 va, u64 size)
{
	mutex_lock(&ctx->vm_lock);
	sinan_mmu_unmap_locked(ctx, va, size);
	mutex_unlock(&ctx->vm_lock);
}

/* Map device memory [pa, pa + size) at @va (driver-owned: rings). */
int sinan_mmu_map_devmem(struct sinan_ctx *ctx, u64 va, u64 pa, u64 size, bool writable)
{
	u64 flags = SINAN_PTE_VALID | SINAN_PTE_LEAF | (writable ? SINAN_PTE_WRITE : 0);
	u64 off;
	int ret = 0;

	mutex_lock(&ctx->vm_lock);
	for (off = 0; off < size && !ret; off += SINAN_PAGE_SIZE)
		ret = sinan_pte_set(ctx, va + off, ((pa + off) & SINAN_PTE_ADDR_MASK) | flags);
	if (ret)
		sinan_mmu_unmap_locked(ctx, va, off);
	mutex_unlock(&ctx->vm_lock);
	return ret;
}

/*
 * Walk the extents of a BO (buddy blocks or DMA segments) and map the part
 * of each that falls in [start, end) of the BO.
 */
struct sinan_map_walk {
	struct sinan_ctx *ctx;
	u64 va;		/* where BO offset @start goes */
	u64 start;
	u64 end;
	u64 pos;	/* BO offset of the current extent */
	u64 flags;	/* PTE bits */
};

static int sinan_map_extent(struct sinan_map_walk *w, u64 addr, u64 len)
{
	u64 s = max(w->pos, w->start);
	u64 e = min(w->pos + len, w->end);
	int ret;

	for (; s < e; s += SINAN_PAGE_SIZE) {
		ret = sinan_pte_set(w->ctx, w->va + (s - w->start),
				    ((addr + (s - w->pos)) & SINAN_PTE_ADDR_MASK) | w->flags);
		if (ret)
			return ret;
	}
	w->pos += len;
	return 0;
}

static int sinan_map_bo(struct sinan_ctx *ctx, struct sinan_mapping *map, struct sg_table *sgt)
{
	struct sinan_bo *bo = to_sinan_bo(map->obj);
	struct sinan_map_walk w = {
		.ctx = ctx,
		.va = map->node.start,
		.start = map->offset,
		.end = map->offset + map->node.size,
		.flags = SINAN_PTE_VALID | SINAN_PTE_LEAF,
	};
	struct drm_buddy_block *block;
	struct scatterlist *sg;
	unsigned int i;
	int ret = 0;

	if (!(map->flags & DRM_SINAN_VM_BIND_READ_ONLY))
		w.flags |= SINAN_PTE_WRITE;
	if (sgt) {
		w.flags |= SINAN_PTE_SYSMEM;
		for_each_sgtable_dma_sg(sgt, sg, i) {
			ret = sinan_map_extent(&w, sg_dma_address(sg), sg_dma_len(sg));
			if (ret || w.pos >= w.end)
				break;
		}
	} else {
		list_for_each_entry(block, &bo->blocks, link) {
			ret = sinan_map_extent(&w, drm_buddy_block_offset(block),
					       sinan_devmem_block_size(ctx->sdev, block));
			if (ret || w.pos >= w.end)
				break;
		}
	}
	if (!ret && w.pos < w.end)
		ret = -EINVAL;	/* the BO is smaller than its extents say */
	if (ret)
		sinan_mmu_unmap_locked(ctx, map->node.start, map->node.size);
	return ret;
}

static void sinan_mapping_release(struct sinan_mapping *map)
{
	if (map->pinned)
		drm_gem_shmem_unpin(&to_sinan_bo(map->obj)->base);
	drm_gem_object_put(map->obj);
	kfree(map);
}

int sinan_vm_bind_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_ctx *ctx = file_to_ctx(file);
	struct drm_sinan_vm_bind *args = data;
	bool fixed = args->flags & DRM_SINAN_VM_BIND_FIXED;
	struct drm_gem_object *obj;
	struct sinan_mapping *map;
	struct sg_table *sgt = NULL;
	u64 size, end;
	int ret;

	if (args->flags & ~DRM_SINAN_VM_BIND_FLAGS ||
	    !IS_ALIGNED(args->offset, SINAN_PAGE_SIZE) || !IS_ALIGNED(args->size, SINAN_PAGE_SIZE))
		return -EINVAL;
	if (fixed && (!IS_ALIGNED(args->va, SINAN_PAGE_SIZE) || args->va < SINAN_VA_USER_START ||
		      args->va >= SINAN_VA_USER_END))
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	size = args->size;
	if (!size && args->offset < obj->size)
		size = obj->size - args->offset;
	if (!size || check_add_overflow(args->offset, size, &end) || end > obj->size ||
	    (fixed && size > SINAN_VA_USER_END - args->va)) {
		ret = -EINVAL;
		goto err_put;
	}

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map) {
		ret = -ENOMEM;
		goto err_put;
	}
	map->obj = obj;
	map->offset = args->offset;
	map->flags = args->flags;
	if (!sinan_bo_is_device(obj)) {
		struct drm_gem_shmem_object *shmem = &to_sinan_bo(obj)->base;

		/* Imported BOs are pinned by their attachment already. */
		if (!obj->import_attach) {
			ret = drm_gem_shmem_pin(shmem);
			if (ret)
				goto err_free_map;
			map->pinned = true;
		}
		sgt = drm_gem_shmem_get_pages_sgt(shmem);
		if (IS_ERR(sgt)) {
			ret = PTR_ERR(sgt);
			goto err_unpin;
		}
	}

	mutex_lock(&ctx->vm_lock);
	if (fixed) {
		map->node.start = args->va;
		map->node.size = size;
		ret = drm_mm_reserve_node(&ctx->va_mm, &map->node);
		if (ret == -ENOSPC)
			ret = -EBUSY;
	} else {
		ret = drm_mm_insert_node_generic(&ctx->va_mm, &map->node, size,
						 size >= SINAN_BLOCK_SIZE ? SINAN_BLOCK_SIZE :
						 SINAN_PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
		if (ret == -ENOSPC)
			ret = -ENOMEM;
	}
	if (ret)
		goto err_unlock;
	ret = sinan_map_bo(ctx, map, sgt);
	if (ret)
		goto err_remove_node;
	args->va = map->node.start;
	mutex_unlock(&ctx->vm_lock);
	sinan_dbg(ctx->sdev, MMU, "ASID %u: mapped %llu bytes of %s BO at 0x%llx%s\n", ctx->asid,
		  size, sgt ? "host" : "device", args->va,
		  map->flags & DRM_SINAN_VM_BIND_READ_ONLY ? " read-only" : "");
	return 0;

err_remove_node:
	drm_mm_remove_node(&map->node);
err_unlock:
	mutex_unlock(&ctx->vm_lock);
err_unpin:
	if (map->pinned)
		drm_gem_shmem_unpin(&to_sinan_bo(obj)->base);
err_free_map:
	kfree(map);
err_put:
	drm_gem_object_put(obj);
	return ret;
}

static struct sinan_mapping *sinan_mapping_find(struct sinan_ctx *ctx, u64 va)
{
	struct drm_mm_node *node;

	/*
	 * drm_mm_for_each_node_in_range() only ends for a range inside the
	 * allocator's: past its end it walks the node list round and round
	 * (an unbind of a VA above VA_END spun forever under vm_lock).
	 */
	if (va < SINAN_VA_USER_START || va >= SINAN_VA_USER_END)
		return NULL;
	drm_mm_for_each_node_in_range(node, &ctx->va_mm, va, va + 1)
		if (node->start == va)
			return container_of(node, struct sinan_mapping, node);
	return NULL;
}

int sinan_vm_unbind_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_ctx *ctx = file_to_ctx(file);
	struct drm_sinan_vm_unbind *args = data;
	struct sinan_mapping *map;

	if (args->flags || args->pad || !IS_ALIGNED(args->va, SINAN_PAGE_SIZE))
		return -EINVAL;
	mutex_lock(&ctx->vm_lock);
	map = sinan_mapping_find(ctx, args->va);
	if (!map) {
		mutex_unlock(&ctx->vm_lock);
		return -ENOENT;
	}
	/*
	 * A job still using the range faults on its own queue: the pages are
	 * released only after the device forgot the translations.
	 */
	sinan_mmu_unmap_locked(ctx, map->node.start, map->node.size);
	drm_mm_remove_node(&map->node);
	mutex_unlock(&ctx->vm_lock);
	sinan_dbg(ctx->sdev, MMU, "ASID %u: unmapped 0x%llx\n", ctx->asid, args->va);
	sinan_mapping_release(map);
	return 0;
}

void sinan_ctx_show_mappings(struct sinan_ctx *ctx, struct seq_file *m)
{
	struct drm_mm_node *node;

	mutex_lock(&ctx->vm_lock);
	drm_mm_for_each_node(node, &ctx->va_mm) {
		struct sinan_mapping *map = container_of(node, struct sinan_mapping, node);

		seq_printf(m, "  0x%010llx-0x%010llx %s %s BO offset 0x%llx size %zu\n",
			   node->start, node->start + node->size,
			   map->flags & DRM_SINAN_VM_BIND_READ_ONLY ? "ro" : "rw",
			   sinan_bo_is_device(map->obj) ? "device" : "host", map->offset,
			   map->obj->size);
	}
	mutex_unlock(&ctx->vm_lock);
}

/* ---- contexts ------------------------------------------------------------ */

static void sinan_ctx_desc_write(struct sinan_device *sdev, u32 asid, u64 root)
{
	void __iomem *desc = sdev->devmem + sdev->ctx_table_pa +
			     asid * sizeof(struct sinan_ctx_desc);

	writeq(root ? (root & SINAN_CTX_ROOT_MASK) | SINAN_CTX_VALID : 0,
	       desc + offsetof(struct sinan_ctx_desc, root));
	writeq(0, desc + offsetof(struct sinan_ctx_desc, rsvd));
	wmb();	/* the descriptor is in place before the TLB is invalidated */
}

int sinan_ctx_init(struct sinan_device *sdev, struct sinan_ctx *ctx)
{
	int ret;

	ctx->sdev = sdev;
	mutex_init(&ctx->vm_lock);
	init_rwsem(&ctx->queues_lock);
	xa_init_flags(&ctx->queues, XA_FLAGS_ALLOC1);
	ctx->root = sinan_pt_alloc(sdev, 0);
	if (IS_ERR(ctx->root))
		return PTR_ERR(ctx->root);
	mutex_lock(&sdev->ctx_lock);
	ret = xa_alloc(&sdev->ctxs, &ctx->asid, ctx, XA_LIMIT(0, sdev->hw.num_asids - 1),
		       GFP_KERNEL);
	if (ret) {
		mutex_unlock(&sdev->ctx_lock);
		/* Every address space of the device is taken. */
		sinan_pt_free(sdev, ctx->root);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	sinan_ctx_desc_write(sdev, ctx->asid, ctx->root->pa);
	/* A previous owner of the ASID may have left translations behind. */
	sinan_hw_mmu_invalidate(sdev, ctx->asid);
	mutex_unlock(&sdev->ctx_lock);
	drm_mm_init(&ctx->va_mm, SINAN_VA_USER_START, SINAN_VA_USER_END - SINAN_VA_USER_START);
	return 0;
}

void sinan_ctx_fini(struct sinan_ctx *ctx)
{
	struct sinan_device *sdev = ctx->sdev;
	struct drm_mm_node *node, *next;
	int idx;

	mutex_lock(&sdev->ctx_lock);
	if (drm_dev_enter(&sdev->drm, &idx)) {
		sinan_ctx_desc_write(sdev, ctx->asid, 0);
		sinan_hw_mmu_invalidate(sdev, ctx->asid);
		drm_dev_exit(idx);
	}
	xa_erase(&sdev->ctxs, ctx->asid);
	mutex_unlock(&sdev->ctx_lock);
	drm_mm_for_each_node_safe(node, next, &ctx->va_mm) {
		struct sinan_mapping *map = container_of(node, struct sinan_mapping, node);

		drm_mm_remove_node(node);
		sinan_mapping_release(map);
	}
	drm_mm_takedown(&ctx->va_mm);
	sinan_pt_free(sdev, ctx->root);
	xa_destroy(&ctx->queues);
	mutex_destroy(&ctx->vm_lock);
}

/* ---- device -------------------------------------------------------------- */

int sinan_mmu_init(struct sinan_device *sdev)
{
	u64 size = round_up((u64)sdev->hw.num_asids * sizeof(struct sinan_ctx_desc),
			    SINAN_PAGE_SIZE);
	int ret;

	mutex_init(&sdev->ctx_lock);
	xa_init_flags(&sdev->ctxs, XA_FLAGS_ALLOC);
	ret = sinan_devmem_alloc(sdev, size, roundup_pow_of_two(size), &sdev->ctx_table_blocks);
	if (ret)
		return ret;
	sdev->ctx_table_pa = drm_buddy_block_offset(list_first_entry(&sdev->ctx_table_blocks,
								     struct drm_buddy_block,
								     link));
	memset_io(sdev->devmem + sdev->ctx_table_pa, 0, size);
	wmb();	/* the table is clear before the MMU may walk it */
	sinan_hw_mmu_enable(sdev);
	return 0;
}

void sinan_mmu_fini(struct sinan_device *sdev)
{
	WARN_ON(!xa_empty(&sdev->ctxs));
	xa_destroy(&sdev->ctxs);
	sinan_devmem_free(sdev, &sdev->ctx_table_blocks);
}

/* After a device reset: the tables survived in device memory, re-arm the MMU. */
void sinan_mmu_restore(struct sinan_device *sdev)
{
	struct sinan_ctx *ctx;
	unsigned long asid;

	mutex_lock(&sdev->ctx_lock);
	xa_for_each(&sdev->ctxs, asid, ctx)
		sinan_ctx_desc_write(sdev, asid, ctx->root->pa);
	mutex_unlock(&sdev->ctx_lock);
	sinan_hw_mmu_enable(sdev);
	sinan_wr32(sdev, SINAN_REG_MMU_INV, SINAN_MMU_INV_ALL);
}

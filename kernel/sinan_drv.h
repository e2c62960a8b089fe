/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Sinan NPU driver: the device, the per-file context and logging.
 */
#ifndef __SINAN_DRV_H__
#define __SINAN_DRV_H__

#include <linux/atomic.h>
#include <linux/firmware.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_buddy.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_mm.h>

#include <sinan_hw/sinan_fw_if.h>
#include <sinan_hw/sinan_mmu.h>
#include <sinan_hw/sinan_regs.h>

#define DRIVER_NAME	"sinan"
#define DRIVER_DESC	"Sinan NPU"
#define DRIVER_DATE	"20260101"
#define SINAN_FW_NAME	"sinan/sinan_fw.elf"

/* Debug categories for the dbg_mask module parameter. */
#define SINAN_DBG_REG	BIT(0)
#define SINAN_DBG_IRQ	BIT(1)
#define SINAN_DBG_FW	BIT(2)
#define SINAN_DBG_MMU	BIT(3)
#define SINAN_DBG_GEM	BIT(4)
#define SINAN_DBG_JOB	BIT(5)
#define SINAN_DBG_QUEUE	BIT(6)
#define SINAN_DBG_RESET	BIT(7)
#define SINAN_DBG_FILE	BIT(8)
#define SINAN_DBG_IOCTL	BIT(9)

extern unsigned int sinan_dbg_mask;
extern unsigned int sinan_job_timeout_ms;
u64 sinan_host_mem_limit(void);
extern unsigned int sinan_fw_boot_timeout_ms;
extern unsigned int sinan_hb_period_ms;

#define sinan_err(sdev, fmt, ...) \
	dev_err((sdev)->drm.dev, "%s(): " fmt, __func__, ##__VA_ARGS__)
#define sinan_err_ratelimited(sdev, fmt, ...) \
	dev_err_ratelimited((sdev)->drm.dev, "%s(): " fmt, __func__, ##__VA_ARGS__)
#define sinan_warn(sdev, fmt, ...) \
	dev_warn((sdev)->drm.dev, "%s(): " fmt, __func__, ##__VA_ARGS__)
#define sinan_info(sdev, fmt, ...) \
	dev_info((sdev)->drm.dev, fmt, ##__VA_ARGS__)
/* Gated by dbg_mask, printed through dynamic debug (dyndbg=+p). */
#define sinan_dbg(sdev, cat, fmt, ...) do {					\
	if (unlikely(sinan_dbg_mask & SINAN_DBG_##cat))				\
		dev_dbg((sdev)->drm.dev, "[%s] " fmt, #cat, ##__VA_ARGS__);	\
} while (0)

/*
 * The device address space of a context: user mappings in
 * [SINAN_VA_USER_START, SINAN_VA_USER_END), the rings of the context's
 * queues in the kernel-reserved top GiB, one SINAN_VA_QUEUE_SLOT per
 * hardware queue. Page 0..2 MiB stays unmapped to catch NULL.
 */
#define SINAN_VA_USER_START	SZ_2M
#define SINAN_VA_USER_END	(BIT_ULL(SINAN_VA_BITS) - SZ_1G)
#define SINAN_VA_KERNEL_START	SINAN_VA_USER_END
#define SINAN_VA_QUEUE_SLOT	SZ_1M

/* Hardware description read from the capability registers at probe. */
struct sinan_hw_info {
	u32 hw_version;
	u32 num_cores;
	u32 num_queues;
	u32 clock_mhz;
	u32 isa_version;
	u32 caps;
	u32 num_asids;
	u64 devmem_size;
	u32 l1_size;
	u32 l0a_size;
	u32 l0b_size;
	u32 l0c_size;
	u32 ub_size;
	u32 cube_shape;
	u32 vec_bytes;
	u32 devmem_bw;
	u32 hostlink_bw;
	u32 va_bits;
	u32 num_msix;
};

#define SINAN_FW_MAX_SEGS	8

/* A PT_LOAD segment of the firmware image, checked against the file. */
struct sinan_fw_seg {
	u64 offset;			/* in the file */
	u64 filesz;
	u64 paddr;			/* device PA, below SINAN_FW_RESERVED */
	u64 memsz;
};

/* What the firmware image and the booted firmware say about themselves. */
struct sinan_fw_info {
	const struct firmware *file;	/* kept for reboots during recovery */
	struct sinan_fw_seg segs[SINAN_FW_MAX_SEGS];
	unsigned int nsegs;
	struct mutex mbox_lock;		/* one mailbox command at a time */
	u64 boot_addr;			/* device PA of the boot header */
	u32 version;			/* SINAN_REG_FW_VERSION */
	u32 api_version;		/* SINAN_REG_FW_API_VERSION */
	u32 features;			/* SINAN_FW_FEAT_* */
	u32 boot_count;
	char version_str[32];
	u64 log_addr;
	u32 log_size;
	/* heartbeat watchdog */
	struct delayed_work hb_work;
	u32 hb_last;
	unsigned int hb_stalls;
};

struct sinan_queue;

/**
 * struct sinan_device - one Sinan NPU.
 * @drm: the DRM device.
 * @pdev: the PCI device.
 * @regs: BAR 0, the registers.
 * @devmem: BAR 4, device memory, mapped write-combined.
 * @devmem_bus: CPU physical address of BAR 4 (for user mappings).
 * @hw: capabilities read at probe.
 * @fw: the firmware image and what the booted firmware reports.
 * @nvec: interrupt vectors in use.
 * @mm_lock: protects @mm.
 * @mm: device-memory allocator.
 * @fw_blocks: the SINAN_FW_RESERVED range, kept by the firmware.
 * @ctx_table_blocks: device memory of the MMU context table.
 * @ctx_table_pa: its device address.
 * @devmem_used: bytes of device BOs.
 * @hostmem_used: bytes of host BOs created here (not imported).
 * @num_ctxs: open contexts (debugfs "counts").
 * @num_queues: allocated queues.
 * @num_bos: live BOs, device and host (imported ones included).
 * @ctx_lock: protects @ctxs and the context table.
 * @ctxs: ASID -> struct sinan_ctx.
 * @queue_lock: protects @hwq updates and serializes queue allocation.
 * @hwq: hardware queue index -> struct sinan_queue.
 * @fence_lock: every job fence of the device, the queues' in-flight lists,
 *   @hwq reads from the interrupt thread.
 * @reset_lock: write: a device reset; read: paths that program hardware
 *   queues or the MMU registers.
 * @reset_wq: ordered workqueue of every recovery (and the schedulers'
 *   timeout queue).
 * @reset_work: a requested device reset.
 * @reset_pending: a device reset was requested.
 * @reset_reason: why (a static string).
 * @reset_count: device resets since probe.
 * @dead: recovery failed: every job ends with -ENODEV.
 * @fail_next_reset: debugfs: the next reset fails, as if the device died.
 * @busy_cycles: modeled cycles of completed jobs, from completion records.
 * @last_prog_error: last SINAN_REG_PROG_ERROR seen by the watchdog.
 * @mbox_result: debugfs "mbox": the last answer.
 *
 * Locking, outermost first: @reset_lock, &sinan_ctx.queues_lock,
 * @queue_lock, @ctx_lock, &sinan_ctx.vm_lock, @mm_lock, @fence_lock (IRQ
 * safe, innermost). All fences share @fence_lock, so that it outlives any
 * queue. Recovery (job timeouts, queue errors, device resets) runs only on
 * @reset_wq, so at most one recovery runs at a time.
 */
struct sinan_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *regs;
	void __iomem *devmem;
	resource_size_t devmem_bus;

	struct sinan_hw_info hw;
	struct sinan_fw_info fw;

	int nvec;

	struct mutex mm_lock;		/* protects @mm */
	struct drm_buddy mm;
	struct list_head fw_blocks;
	struct list_head ctx_table_blocks;
	u64 ctx_table_pa;
	atomic64_t devmem_used;
	atomic64_t hostmem_used;
	atomic_t num_ctxs;
	atomic_t num_queues;
	atomic_t num_bos;

	struct mutex ctx_lock;		/* protects @ctxs and the context table */
	struct xarray ctxs;

	struct mutex queue_lock;	/* protects @hwq updates */
	struct sinan_queue *hwq[SINAN_MAX_QUEUES];
	spinlock_t fence_lock;		/* job fences, in-flight lists, @hwq reads */

	struct rw_semaphore reset_lock;
	struct workqueue_struct *reset_wq;
	struct work_struct reset_work;
	atomic_t reset_pending;
	const char *reset_reason;
	atomic_t reset_count;
	bool dead;
	bool fail_next_reset;

	atomic64_t busy_cycles;
	u32 last_prog_error;
	char mbox_result[64];
};

/**
 * struct sinan_ctx - a context: one open file, one device address space.
 * @sdev: the device.
 * @file: the DRM file.
 * @asid: hardware address space id (index into the context table).
 * @vm_lock: protects @va_mm, @root and the page tables.
 * @va_mm: user virtual addresses in use (struct sinan_mapping nodes).
 * @root: the L0 page table.
 * @queues_lock: taken for read by ioctls using a queue, for write to
 *   add or remove one, so a queue never disappears under an ioctl.
 * @queues: queue id -> struct sinan_queue.
 */
struct sinan_ctx {
	struct sinan_device *sdev;
	struct drm_file *file;
	u32 asid;
	struct mutex vm_lock;		/* protects @va_mm and the page tables */
	struct drm_mm va_mm;
	struct sinan_pt *root;
	struct rw_semaphore queues_lock;
	struct xarray queues;
};

static inline struct sinan_device *to_sinan_device(struct drm_device *drm)
{
	return container_of(drm, struct sinan_device, drm);
}

static inline struct sinan_ctx *file_to_ctx(struct drm_file *file)
{
	return file->driver_priv;
}

/* sinan_drv.c */
void sinan_device_request_reset(struct sinan_device *sdev, const char *why);

#endif /* __SINAN_DRV_H__ */

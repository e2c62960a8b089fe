/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Queues, jobs, completion and recovery.
 */
#ifndef __SINAN_JOB_H__
#define __SINAN_JOB_H__

#include <linux/dma-fence.h>

#include <drm/gpu_scheduler.h>

#include <sinan_hw/sinan_pkt.h>

#include "sinan_drv.h"

struct seq_file;

/* Finished fences kept per queue for DRM_SINAN_WAIT_SEQ (power of two). */
#define SINAN_QUEUE_HISTORY	1024

/* Per queue: ring and completion ring, in one device-memory block. */
#define SINAN_RING_SIZE		SZ_16K
#define SINAN_CQ_SIZE		SZ_16K
/* A job takes an INDIRECT and a FENCE packet. */
#define SINAN_JOB_RING_BYTES	(2 * SINAN_PKT_SIZE)

/**
 * struct sinan_queue - a user queue, backed by one hardware queue.
 * @sdev: the device.
 * @ctx: the owning context.
 * @id: queue id in the context.
 * @hwq: hardware queue index.
 * @engine: DRM_SINAN_ENGINE_*.
 * @priority: DRM_SINAN_PRIORITY_*.
 * @timeout_ms: job timeout.
 * @sched: the scheduler feeding the ring.
 * @entity: the one entity of @sched.
 * @fence_ctx: dma_fence context of the hardware fences.
 * @ring_blocks: device memory of the ring and the completion ring.
 * @ring_pa: device PA of the ring (the completion ring follows it).
 * @ring_va: device VA of the ring in the context's kernel range.
 * @wptr: ring bytes written (free-running); only run_job and recovery,
 *   which never run concurrently, touch it.
 * @ring_epoch: bumped whenever the hardware queue starts from an empty
 *   ring: a job emitted in an older epoch must be emitted again.
 * @cq_rptr: completion bytes consumed (under &sinan_device.fence_lock).
 * @hw_live: the hardware queue runs with the pointers the driver knows;
 *   cleared (under fence_lock) before recovery resets it, so that the
 *   interrupt thread does not read a queue in the middle of a reset.
 * @inflight: jobs handed to the hardware and not signalled, by sequence
 *   number (under &sinan_device.fence_lock).
 * @done_seq: last job completed, successfully or not (fence_lock).
 * @submit_lock: serializes submission: sequence numbers, @history.
 * @last_seq: last sequence number given out.
 * @history: finished fences of the last SINAN_QUEUE_HISTORY jobs.
 * @njobs: jobs not yet freed by the scheduler.
 * @banned: guilty of an error: new jobs end with -ECANCELED.
 * @guilty: one of its jobs caused a reset or a fault.
 * @error: DRM_SINAN_QUEUE_ERR_* of the failure.
 * @err_pkt: failing packet index.
 * @fault_addr: faulting VA.
 * @fault_info: SINAN_FAULT_* access and unit.
 * @fail_seq: sequence number of the guilty job, 0 if none.
 * @fail_err: its fence error.
 * @reset_count: resets this queue went through.
 * @busy_cycles: modeled cycles of its completed jobs.
 * @err_work: handles an error the hardware reported (on the reset queue).
 */
struct sinan_queue {
	struct sinan_device *sdev;
	struct sinan_ctx *ctx;
	u32 id;
	u32 hwq;
	u32 engine;
	u32 priority;
	u32 timeout_ms;
	struct drm_gpu_scheduler sched;
	struct drm_sched_entity entity;
	u64 fence_ctx;

	struct list_head ring_blocks;
	u64 ring_pa;
	u64 ring_va;
	u32 wptr;
	u32 ring_epoch;
	u32 cq_rptr;
	bool hw_live;
	struct list_head inflight;
	u64 done_seq;

	struct mutex submit_lock;	/* sequence numbers and @history */
	u64 last_seq;
	struct dma_fence *history[SINAN_QUEUE_HISTORY];
	atomic_t njobs;

	bool banned;
	bool guilty;
	u32 error;
	u32 err_pkt;
	u64 fault_addr;
	u32 fault_info;
	u64 fail_seq;
	int fail_err;
	u32 reset_count;
	atomic64_t busy_cycles;
	struct work_struct err_work;
};

/**
 * struct sinan_job - one command buffer on a queue.
 * @base: the scheduler job.
 * @q: the queue.
 * @seq: sequence number on the queue.
 * @cmdbuf_va: device VA of the command buffer.
 * @cmdbuf_size: bytes.
 * @bos: BOs whose reservation objects carry the job's fence.
 * @bo_count: entries in @bos.
 * @hw_fence: signalled when the hardware completed the job (or recovery
 *   gave up on it); created by the first run.
 * @link: in &sinan_queue.inflight.
 * @ring_epoch: &sinan_queue.ring_epoch when it was last emitted.
 * @resets: device resets it was caught in (it runs again after each).
 */
struct sinan_job {
	struct drm_sched_job base;
	struct sinan_queue *q;
	u64 seq;
	u64 cmdbuf_va;
	u32 cmdbuf_size;
	struct drm_gem_object **bos;
	u32 bo_count;
	struct dma_fence *hw_fence;
	struct list_head link;
	u32 ring_epoch;
	u32 resets;
};

/* A job caught in this many device resets is taken for their cause. */
#define SINAN_JOB_MAX_RESETS	2

int sinan_queue_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int sinan_queue_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int sinan_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int sinan_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int sinan_queue_status_ioctl(struct drm_device *dev, void *data, struct drm_file *file);

void sinan_ctx_queues_fini(struct sinan_ctx *ctx);

void sinan_queue_irq(struct sinan_device *sdev, u32 hwq);
void sinan_queues_check_errors(struct sinan_device *sdev);

int sinan_recovery_init(struct sinan_device *sdev);
void sinan_device_reset_work(struct work_struct *work);
void sinan_device_kill(struct sinan_device *sdev);
void sinan_pci_reset_prepare(struct sinan_device *sdev);
void sinan_pci_reset_done(struct sinan_device *sdev);

void sinan_queues_show(struct sinan_device *sdev, struct seq_file *m);

#endif /* __SINAN_JOB_H__ */

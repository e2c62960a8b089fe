// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Queues and jobs. Each user queue owns one hardware queue, fed by a
 * drm_gpu_scheduler with one entity: run_job() writes an INDIRECT packet
 * (the user's command buffer) and a FENCE packet (a completion record and
 * an interrupt) to the ring and rings the doorbell. The interrupt thread
 * reads the completion ring and DONE_SEQ and signals the hardware fences.
 *
 * Recovery runs on one ordered workqueue (also the schedulers' timeout
 * queue), so there is never more than one at a time:
 *  - a job timeout or an error the hardware reports stops that queue's
 *    scheduler, resets the hardware queue, fails the guilty job with
 *    -ETIMEDOUT, -EFAULT or -EIO, cancels the queue's other jobs and bans
 *    the queue;
 *  - a firmware crash, a stalled heartbeat or a queue that does not reset
 *    resets the whole device: every scheduler stops, the device is reset,
 *    the firmware rebooted, the MMU pointed at the (preserved) page tables
 *    and the queues restarted; the jobs of innocent queues run again.
 * Jobs whose fate recovery decided keep their signalled hardware fence;
 * run_job() hands it back when the scheduler resubmits them, and the
 * scheduler completes them with its error.
 */
#include <linux/dma-fence-chain.h>
#include <linux/dma-resv.h>
#include <linux/kobject.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/wait_bit.h>

#include <drm/drm_drv.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include <uapi/drm/sinan_accel.h>

#include "sinan_compat.h"
#include "sinan_drv.h"
#include "sinan_fw.h"
#include "sinan_gem.h"
#include "sinan_hw.h"
#include "sinan_job.h"
#include "sinan_mmu.h"

#define SINAN_TIMEOUT_MAX_MS	(60 * 60 * 1000)

static inline struct sinan_job *to_sinan_job(struct drm_sched_job *job)
{
	return container_of(job, struct sinan_job, base);
}

/* ---- hardware fences ----------------------------------------------------- */

static const char *sinan_fence_driver_name(struct dma_fence *fence)
{
	return DRIVER_NAME;
}

/* Static: the fence may outlive its queue. */
static const char *sinan_fence_timeline_name(struct dma_fence *fence)
{
	return "sinan-queue";
}

static const struct dma_fence_ops sinan_fence_ops = {
	.get_driver_name = sinan_fence_driver_name,
	.get_timeline_name = sinan_fence_timeline_name,
};

/*
 * End a job with @err (0: success). Also sets the error of the finished
 * fence, which the 6.1 scheduler does not copy from the hardware fence.
 */
static void sinan_job_signal_locked(struct sinan_job *job, int err)
{
	struct sinan_queue *q = job->q;

	lockdep_assert_held(&q->sdev->fence_lock);
	list_del_init(&job->link);
	if (dma_fence_is_signaled_locked(job->hw_fence))
		return;
	if (err) {
		dma_fence_set_error(job->hw_fence, err);
		dma_fence_set_error(&job->base.s_fence->finished, err);
	}
	dma_fence_signal_locked(job->hw_fence);
	q->done_seq = max(q->done_seq, job->seq);
}

/* Read the completion ring and DONE_SEQ; signal the jobs they cover. */
static void sinan_queue_process_locked(struct sinan_queue *q)
{
	struct sinan_device *sdev = q->sdev;
	void __iomem *cq = sdev->devmem + q->ring_pa + SINAN_RING_SIZE;
	struct sinan_job *job, *tmp;
	u64 done = 0;
	u32 wptr;

	lockdep_assert_held(&sdev->fence_lock);
	if (!q->hw_live)
		return;
	wptr = sinan_qrd32(sdev, q->hwq, CQ_WPTR);
	if (wptr - q->cq_rptr > SINAN_CQ_SIZE) {
		sinan_warn(sdev, "queue %u: completion ring overrun, %u bytes lost\n", q->hwq,
			   wptr - q->cq_rptr - SINAN_CQ_SIZE);
		q->cq_rptr = wptr - SINAN_CQ_SIZE;
	}
	while (q->cq_rptr != wptr) {
		void __iomem *cqe = cq + (q->cq_rptr & (SINAN_CQ_SIZE - 1));
		u32 flags = readl(cqe + offsetof(struct sinan_cqe, flags));
		u64 seq = readq(cqe + offsetof(struct sinan_cqe, seq));
		u64 busy = readq(cqe + offsetof(struct sinan_cqe, busy_cycles));

		q->cq_rptr += SINAN_CQE_SIZE;
		atomic64_add(busy, &q->busy_cycles);
		atomic64_add(busy, &sdev->busy_cycles);
		/*
		 * An error record names the failing job; recovery handles it.
		 * The completion ring is writable by the context's own jobs:
		 * a record never completes a job that was not submitted.
		 */
		if (!(flags & SINAN_CQE_F_ERROR) && seq <= READ_ONCE(q->last_seq))
			done = max(done, seq);
	}
	done = max(done, sinan_qrd64(sdev, q->hwq, DONE_SEQ));
	list_for_each_entry_safe(job, tmp, &q->inflight, link) {
		if (job->seq > done)
			break;
		sinan_job_signal_locked(job, 0);
	}
}

void sinan_queue_irq(struct sinan_device *sdev, u32 hwq)
{
	struct sinan_queue *q;
	unsigned long flags;
	u32 status = 0;

	spin_lock_irqsave(&sdev->fence_lock, flags);
	q = sdev->hwq[hwq];
	if (q && q->hw_live) {
		sinan_queue_process_locked(q);
		status = sinan_qrd32(sdev, hwq, STATUS);
	}
	spin_unlock_irqrestore(&sdev->fence_lock, flags);
	sinan_dbg(sdev, IRQ, "queue %u: status %u\n", hwq, status);
	if (q && status == SINAN_QS_ERROR)
		queue_work(sdev->reset_wq, &q->err_work);
}

void sinan_queues_check_errors(struct sinan_device *sdev)
{
	u32 i;

	for (i = 0; i < sdev->hw.num_queues; i++)
		sinan_queue_irq(sdev, i);
}

/* ---- the ring ------------------------------------------------------------ */

static void sinan_ring_put(struct sinan_queue *q, const u64 *pkt)
{
	void __iomem *slot = q->sdev->devmem + q->ring_pa + (q->wptr & (SINAN_RING_SIZE - 1));
	unsigned int i;

	for (i = 0; i < SINAN_PKT_SIZE / sizeof(u64); i++)
		writeq(pkt[i], slot + i * sizeof(u64));
	q->wptr += SINAN_PKT_SIZE;
}

#define PKT_QW(type, field)	(offsetof(type, field) / sizeof(u64))

static void sinan_ring_emit(struct sinan_queue *q, struct sinan_job *job)
{
	struct sinan_device *sdev = q->sdev;
	u64 pkt[SINAN_PKT_SIZE / sizeof(u64)] = {};
	unsigned long flags;

	pkt[0] = SINAN_PKT_HDR(SINAN_OP_INDIRECT, 0);
	pkt[PKT_QW(struct sinan_pkt_indirect, addr)] = job->cmdbuf_va;
	pkt[PKT_QW(struct sinan_pkt_indirect, size)] = job->cmdbuf_size;
	pkt[PKT_QW(struct sinan_pkt_indirect, seq)] = job->seq;
	sinan_ring_put(q, pkt);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = SINAN_PKT_HDR(SINAN_OP_FENCE, SINAN_FENCE_F_IRQ);
	pkt[PKT_QW(struct sinan_pkt_fence, seq)] = job->seq;
	sinan_ring_put(q, pkt);

	job->ring_epoch = q->ring_epoch;
	spin_lock_irqsave(&sdev->fence_lock, flags);
	if (list_empty(&job->link))
		list_add_tail(&job->link, &q->inflight);
	spin_unlock_irqrestore(&sdev->fence_lock, flags);
	sinan_dbg(sdev, JOB, "queue %u: job %llu (0x%llx, %u bytes) at ring 0x%x\n", q->hwq,
		  job->seq, job->cmdbuf_va, job->cmdbuf_size, q->wptr);
	sinan_hw_queue_doorbell(sdev, q->hwq, q->wptr);
}

/* ---- scheduler backend --------------------------------------------------- */

static void sinan_job_fail(struct sinan_job *job, int err)
{
	struct sinan_device *sdev = job->q->sdev;
	unsigned long flags;

	spin_lock_irqsave(&sdev->fence_lock, flags);
	sinan_job_signal_locked(job, err);
	spin_unlock_irqrestore(&sdev->fence_lock, flags);
}

static struct dma_fence *sinan_job_run(struct drm_sched_job *sched_job)
{
	struct sinan_job *job = to_sinan_job(sched_job);
	struct sinan_queue *q = job->q;
	struct sinan_device *sdev = q->sdev;
	int idx;

	if (!job->hw_fence) {
		struct dma_fence *fence = kzalloc(sizeof(*fence), GFP_KERNEL);

		if (!fence)
			return ERR_PTR(-ENOMEM);
		dma_fence_init(fence, &sinan_fence_ops, &sdev->fence_lock, q->fence_ctx, job->seq);
		job->hw_fence = fence;
	} else if (dma_fence_is_signaled(job->hw_fence) || job->ring_epoch == q->ring_epoch) {
		/*
		 * Resubmitted by a recovery: either it decided the job's fate,
		 * or the job is still on the ring it was written to.
		 */
		return dma_fence_get(job->hw_fence);
	}

	if (READ_ONCE(q->banned) || READ_ONCE(sdev->dead) || !drm_dev_enter(&sdev->drm, &idx)) {
		sinan_job_fail(job, q->banned ? -ECANCELED : -ENODEV);
		return dma_fence_get(job->hw_fence);
	}
	sinan_ring_emit(q, job);
	drm_dev_exit(idx);
	return dma_fence_get(job->hw_fence);
}

static void sinan_job_free(struct drm_sched_job *sched_job)
{
	struct sinan_job *job = to_sinan_job(sched_job);
	struct sinan_queue *q = job->q;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&q->sdev->fence_lock, flags);
	list_del_init(&job->link);
	spin_unlock_irqrestore(&q->sdev->fence_lock, flags);
	drm_sched_job_cleanup(sched_job);
	for (i = 0; i < job->bo_count; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	dma_fence_put(job->hw_fence);
	kfree(job);
	/* The queue may be freed as soon as this reaches zero. */
	if (atomic_dec_and_test(&q->njobs))
		wake_up_var(&q->njobs);
}

static void sinan_reset_uevent(struct sinan_device *sdev, const char *kind, u32 hwq, int err)
{
	char ev_kind[32], ev_queue[32], ev_err[32];
	char *envp[5];

	envp[0] = "SINAN_RESET=1";
	envp[1] = ev_kind;
	envp[2] = ev_queue;
	envp[3] = ev_err;
	envp[4] = NULL;
	snprintf(ev_kind, sizeof(ev_kind), "SINAN_RESET_KIND=%s", kind);
	snprintf(ev_queue, sizeof(ev_queue), "SINAN_QUEUE=%d", hwq == U32_MAX ? -1 : (int)hwq);
	snprintf(ev_err, sizeof(ev_err), "SINAN_ERROR=%d", err);
	kobject_uevent_env(&sdev->pdev->dev.kobj, KOBJ_CHANGE, envp);
}

/*
 * Resubmit the pending jobs (those recovery failed just hand back their
 * signalled fence, the others run again on the fresh ring) and restart.
 */
static void sinan_queue_restart(struct sinan_queue *q)
{
	drm_sched_resubmit_jobs(&q->sched);
	sinan_sched_start(&q->sched);
}

/* Fail every job on the hardware: the guilty one with @err, others -ECANCELED. */
static void sinan_queue_fail_inflight(struct sinan_queue *q, struct sinan_job *guilty, int err)
{
	struct sinan_device *sdev = q->sdev;
	struct sinan_job *job, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&sdev->fence_lock, flags);
	if (guilty && !list_empty(&guilty->link))
		sinan_job_signal_locked(guilty, err);
	list_for_each_entry_safe(job, tmp, &q->inflight, link)
		sinan_job_signal_locked(job, guilty ? -ECANCELED : err);
	spin_unlock_irqrestore(&sdev->fence_lock, flags);
}

/* The first job the hardware has not completed: the one that was running. */
static struct sinan_job *sinan_queue_first_inflight(struct sinan_queue *q)
{
	struct sinan_job *job;
	unsigned long flags;

	spin_lock_irqsave(&q->sdev->fence_lock, flags);
	job = list_first_entry_or_null(&q->inflight, struct sinan_job, link);
	spin_unlock_irqrestore(&q->sdev->fence_lock, flags);
	return job;
}

static void sinan_queue_ban(struct sinan_queue *q, struct sinan_job *guilty, u32 error, int err)
{
	WRITE_ONCE(q->banned, true);
	q->guilty = true;
	q->error = error;
	q->fail_seq = guilty ? guilty->seq : q->last_seq;
	q->fail_err = err;
}

static int sinan_device_reset(struct sinan_device *sdev, struct sinan_job *bad, const char *why);

/*
 * Queue-level recovery, on the reset workqueue: the scheduler of @q is
 * stopped (with @bad put back in its pending list), the hardware queue
 * reset, its jobs failed and the queue banned. If the hardware queue does
 * not reset, the device is reset instead.
 */
static void sinan_queue_recover(struct sinan_queue *q, struct sinan_job *bad, u32 error, int err)
{
	struct sinan_device *sdev = q->sdev;
	struct sinan_job *guilty;
	unsigned long flags;
	bool escalate = false;
	int idx;

	drm_sched_stop(&q->sched, bad ? &bad->base : NULL);
	if (drm_dev_enter(&sdev->drm, &idx)) {
		/* Jobs that completed before the error are not guilty. */
		spin_lock_irqsave(&sdev->fence_lock, flags);
		sinan_queue_process_locked(q);
		q->hw_live = false;
		spin_unlock_irqrestore(&sdev->fence_lock, flags);
		escalate = sinan_hw_queue_reset(sdev, q->hwq) != 0;
		drm_dev_exit(idx);
	} else {
		err = -ENODEV;
	}
	guilty = sinan_queue_first_inflight(q);
	if (bad && bad->hw_fence && !dma_fence_is_signaled(bad->hw_fence))
		guilty = bad;
	sinan_queue_ban(q, guilty, error, err);
	q->reset_count++;
	sinan_queue_fail_inflight(q, guilty, err);
	sinan_err(sdev, "queue %u (ASID %u): job %llu failed: %s (%d); queue banned\n", q->hwq,
		  q->ctx->asid, guilty ? guilty->seq : 0,
		  error == DRM_SINAN_QUEUE_ERR_TIMEOUT ? "timeout" : sinan_hw_err_str(error), err);
	q->wptr = 0;
	q->ring_epoch++;
	sinan_queue_restart(q);
	sinan_reset_uevent(sdev, "queue", q->hwq, err);
	if (escalate)
		sinan_device_reset(sdev, NULL, "a hardware queue did not reset");
}

static bool sinan_fw_running(struct sinan_device *sdev)
{
	return sinan_rd32(sdev, SINAN_REG_FW_STATUS) == SINAN_FW_STATUS_READY &&
	       !(sinan_rd32(sdev, SINAN_REG_STATUS) & SINAN_STATUS_HALTED);
}

static enum drm_gpu_sched_stat sinan_job_timedout(struct drm_sched_job *sched_job)
{
	struct sinan_job *job = to_sinan_job(sched_job);
	struct sinan_queue *q = job->q;
	struct sinan_device *sdev = q->sdev;
	unsigned long flags;
	bool fw_ok = false;
	int idx;

	if (drm_dev_enter(&sdev->drm, &idx)) {
		spin_lock_irqsave(&sdev->fence_lock, flags);
		sinan_queue_process_locked(q);
		spin_unlock_irqrestore(&sdev->fence_lock, flags);
		fw_ok = sinan_fw_running(sdev);
		drm_dev_exit(idx);
	}
	if (job->hw_fence && dma_fence_is_signaled(job->hw_fence)) {
		/* It finished meanwhile: put it back and carry on. */
		drm_sched_stop(&q->sched, sched_job);
		sinan_queue_restart(q);
		return DRM_GPU_SCHED_STAT_NOMINAL;
	}
	if (!fw_ok && !READ_ONCE(sdev->dead)) {
		/* Not the job's fault: the firmware is gone. */
		sinan_device_reset(sdev, job, "firmware stopped while a job ran");
		return DRM_GPU_SCHED_STAT_NOMINAL;
	}
	sinan_queue_recover(q, job, DRM_SINAN_QUEUE_ERR_TIMEOUT, -ETIMEDOUT);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static const struct drm_sched_backend_ops sinan_sched_ops = {
	.run_job = sinan_job_run,
	.timedout_job = sinan_job_timedout,
	.free_job = sinan_job_free,
};

static int sinan_err_to_errno(u32 err)
{
	switch (err) {
	case SINAN_ERR_MMU_FAULT:
		return -EFAULT;
	case SINAN_ERR_WATCHDOG:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

/* The hardware stopped a queue on an error (reset workqueue). */
static void sinan_queue_err_work(struct work_struct *work)
{
	struct sinan_queue *q = container_of(work, struct sinan_queue, err_work);
	struct sinan_device *sdev = q->sdev;
	u32 status, err;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return;
	status = sinan_qrd32(sdev, q->hwq, STATUS);
	err = sinan_qrd32(sdev, q->hwq, ERROR);
	if (status != SINAN_QS_ERROR || READ_ONCE(q->banned)) {
		drm_dev_exit(idx);
		return;
	}
	if (err == SINAN_ERR_ABORTED) {
		/* The firmware aborted it: every queue is innocent. */
		drm_dev_exit(idx);
		sinan_device_reset(sdev, NULL, "queues aborted by the firmware");
		return;
	}
	q->err_pkt = sinan_qrd32(sdev, q->hwq, ERR_PKT);
	q->fault_addr = sinan_qrd64(sdev, q->hwq, FAULT_ADDR);
	q->fault_info = sinan_qrd32(sdev, q->hwq, FAULT_INFO);
	drm_dev_exit(idx);
	if (err == SINAN_ERR_MMU_FAULT)
		sinan_err(sdev, "queue %u (ASID %u): MMU fault at 0x%llx (access %llu, unit 0x%llx), packet %u\n",
			  q->hwq, q->ctx->asid, q->fault_addr,
			  SINAN_FLD_GET(SINAN_FAULT, ACCESS, q->fault_info),
			  SINAN_FLD_GET(SINAN_FAULT, UNIT, q->fault_info), q->err_pkt);
	sinan_queue_recover(q, NULL, err, sinan_err_to_errno(err));
}

/* ---- device reset -------------------------------------------------------- */

static void sinan_queue_hw_config(struct sinan_queue *q, struct sinan_hwq_config *cfg)
{
	cfg->ring_va = q->ring_va;
	cfg->ring_size = SINAN_RING_SIZE;
	cfg->cq_va = q->ring_va + SINAN_RING_SIZE;
	cfg->cq_size = SINAN_CQ_SIZE;
	cfg->asid = q->ctx->asid;
	cfg->engine = q->engine == DRM_SINAN_ENGINE_COPY ? SINAN_Q_CONFIG_ENGINE_COPY :
			SINAN_Q_CONFIG_ENGINE_COMPUTE;
	cfg->priority = q->priority;
	/*
	 * The hardware watchdog bounds one packet in modeled time, the
	 * scheduler's timeout a job in wall time: same budget (ms x MHz is
	 * kilocycles).
	 */
	cfg->watchdog_kc = min_t(u64, (u64)q->timeout_ms * q->sdev->hw.clock_mhz, U32_MAX);
}

static int sinan_queue_hw_start(struct sinan_queue *q)
{
	struct sinan_hwq_config cfg;
	unsigned long flags;
	int ret;

	sinan_queue_hw_config(q, &cfg);
	q->wptr = 0;
	q->ring_epoch++;
	ret = sinan_hw_queue_start(q->sdev, q->hwq, &cfg);
	spin_lock_irqsave(&q->sdev->fence_lock, flags);
	q->cq_rptr = 0;
	q->hw_live = !ret;
	spin_unlock_irqrestore(&q->sdev->fence_lock, flags);
	return ret;
}

/*
 * A job that was on the hardware through SINAN_JOB_MAX_RESETS device
 * resets is taken for their cause: it fails with -EIO and its queue is
 * banned, so that a job that kills the firmware does not do it forever.
 */
static bool sinan_queue_too_many_resets(struct sinan_queue *q)
{
	struct sinan_job *job, *guilty = NULL;
	unsigned long flags;

	spin_lock_irqsave(&q->sdev->fence_lock, flags);
	list_for_each_entry(job, &q->inflight, link)
		if (++job->resets > SINAN_JOB_MAX_RESETS && !guilty)
			guilty = job;
	spin_unlock_irqrestore(&q->sdev->fence_lock, flags);
	if (!guilty)
		return false;
	sinan_err(q->sdev, "queue %u (ASID %u): job %llu was running in %u device resets: guilty\n",
		  q->hwq, q->ctx->asid, guilty->seq, guilty->resets);
	sinan_queue_ban(q, guilty, DRM_SINAN_QUEUE_ERR_ABORTED, -EIO);
	sinan_queue_fail_inflight(q, guilty, -EIO);
	return true;
}

/* Reset, reboot, re-arm the MMU. Called with the queues stopped. */
static int sinan_device_reinit(struct sinan_device *sdev)
{
	int ret;

	if (sdev->fail_next_reset) {
		sdev->fail_next_reset = false;
		sinan_err(sdev, "failing this reset as asked through debugfs\n");
		return -EIO;
	}
	ret = sinan_hw_reset(sdev);
	if (ret)
		return ret;
	ret = sinan_fw_boot(sdev);
	if (ret)
		return ret;
	sinan_mmu_restore(sdev);
	sinan_irq_enable(sdev);
	return 0;
}

/* Bring the device back, or disable it for good if it won't come back. */
static int sinan_device_reinit_or_kill(struct sinan_device *sdev)
{
	int ret = sinan_device_reinit(sdev);

	if (ret) {
		sinan_err(sdev, "device reset failed (%d): the device is disabled until the driver is rebound\n",
			  ret);
		WRITE_ONCE(sdev->dead, true);
	}
	return ret;
}

/*
 * First half of a full device reset: stop every scheduler (with @bad, if
 * any, put back in its pending list), keep what completed, and take the
 * hardware queues offline. Returns with reset_lock and queue_lock held.
 */
static void sinan_reset_begin(struct sinan_device *sdev, struct sinan_job *bad)
{
	struct sinan_queue *q;
	unsigned long flags;
	u32 i;

	down_write(&sdev->reset_lock);
	atomic_set(&sdev->reset_pending, 0);
	mutex_lock(&sdev->queue_lock);
	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = sdev->hwq[i];
		if (q)
			drm_sched_stop(&q->sched, bad && bad->q == q ? &bad->base : NULL);
	}
	/* Keep what completed before the reset. */
	spin_lock_irqsave(&sdev->fence_lock, flags);
	for (i = 0; i < sdev->hw.num_queues; i++) {
		if (sdev->hwq[i]) {
			sinan_queue_process_locked(sdev->hwq[i]);
			sdev->hwq[i]->hw_live = false;
		}
	}
	spin_unlock_irqrestore(&sdev->fence_lock, flags);
}

/*
 * Second half: @ret says whether the device works again. Restart the
 * queues (innocent jobs run again), or fail everything if it does not.
 * Drops the locks sinan_reset_begin() took.
 */
static int sinan_reset_end(struct sinan_device *sdev, int ret)
{
	struct sinan_queue *q;
	u32 i;

	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = sdev->hwq[i];
		if (!q)
			continue;
		q->reset_count++;
		if (ret) {
			sinan_queue_fail_inflight(q, NULL, -ENODEV);
		} else if (q->banned || sinan_queue_too_many_resets(q)) {
			sinan_queue_fail_inflight(q, NULL, -ECANCELED);
		} else if (sinan_queue_hw_start(q)) {
			sinan_queue_ban(q, NULL, DRM_SINAN_QUEUE_ERR_ABORTED, -EIO);
			sinan_queue_fail_inflight(q, NULL, -EIO);
		}
		/* Innocent jobs still in flight run again from the new ring. */
		sinan_queue_restart(q);
	}
	mutex_unlock(&sdev->queue_lock);
	atomic_inc(&sdev->reset_count);
	up_write(&sdev->reset_lock);
	if (!ret)
		sinan_info(sdev, "device reset done (%d so far)\n",
			   atomic_read(&sdev->reset_count));
	sinan_reset_uevent(sdev, "device", U32_MAX, ret);
	return ret;
}

/*
 * Full device reset, on the reset workqueue. @bad is the job whose timeout
 * led here (put back in its scheduler's pending list), not guilty: a dead
 * firmware is nobody's fault. Returns 0 when the device works again.
 */
static int sinan_device_reset(struct sinan_device *sdev, struct sinan_job *bad, const char *why)
{
	int ret = -ENODEV;
	int idx;

	sinan_reset_begin(sdev, bad);
	if (!sdev->dead && drm_dev_enter(&sdev->drm, &idx)) {
		sinan_err(sdev, "resetting the device: %s\n", why);
		ret = sinan_device_reinit_or_kill(sdev);
		drm_dev_exit(idx);
	}
	return sinan_reset_end(sdev, ret);
}

/*
 * A reset of the PCI function from outside the driver (FLR through
 * /sys/bus/pci/devices/.../reset, VFIO, error recovery): the device loses
 * its state, so the driver takes it down before and brings it back after,
 * as in a device reset.
 */
void sinan_pci_reset_prepare(struct sinan_device *sdev)
{
	sinan_fw_hb_stop(sdev);
	sinan_reset_begin(sdev, NULL);
	if (!sdev->dead)
		sinan_irq_disable(sdev);
}

void sinan_pci_reset_done(struct sinan_device *sdev)
{
	int ret = -ENODEV;
	int idx;

	if (!sdev->dead && drm_dev_enter(&sdev->drm, &idx)) {
		sinan_info(sdev, "PCI function reset: restarting the device\n");
		ret = sinan_device_reinit_or_kill(sdev);
		drm_dev_exit(idx);
	}
	if (!sinan_reset_end(sdev, ret))
		sinan_fw_hb_start(sdev);
}

void sinan_device_reset_work(struct work_struct *work)
{
	struct sinan_device *sdev = container_of(work, struct sinan_device, reset_work);

	if (atomic_read(&sdev->reset_pending) && !READ_ONCE(sdev->dead))
		sinan_device_reset(sdev, NULL, READ_ONCE(sdev->reset_reason) ?: "requested");
}

/*
 * The device is going away: end every job with -ENODEV and let nothing
 * reach the hardware again. The schedulers stay (their queues belong to
 * open files) and drain without the device.
 */
void sinan_device_kill(struct sinan_device *sdev)
{
	u32 i;

	down_write(&sdev->reset_lock);
	WRITE_ONCE(sdev->dead, true);
	up_write(&sdev->reset_lock);
	cancel_work_sync(&sdev->reset_work);
	mutex_lock(&sdev->queue_lock);
	for (i = 0; i < sdev->hw.num_queues; i++)
		if (sdev->hwq[i])
			sinan_queue_fail_inflight(sdev->hwq[i], NULL, -ENODEV);
	mutex_unlock(&sdev->queue_lock);
}

int sinan_recovery_init(struct sinan_device *sdev)
{
	init_rwsem(&sdev->reset_lock);
	mutex_init(&sdev->queue_lock);
	spin_lock_init(&sdev->fence_lock);
	INIT_WORK(&sdev->reset_work, sinan_device_reset_work);
	sdev->reset_wq = alloc_ordered_workqueue("sinan-reset", WQ_MEM_RECLAIM);
	return sdev->reset_wq ? 0 : -ENOMEM;
}

/* ---- queues -------------------------------------------------------------- */

static struct sinan_queue *sinan_queue_alloc(struct sinan_ctx *ctx,
					     const struct drm_sinan_queue_create *args)
{
	struct sinan_device *sdev = ctx->sdev;
	struct sinan_queue *q;
	int ret;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return ERR_PTR(-ENOMEM);
	q->sdev = sdev;
	q->ctx = ctx;
	q->engine = args->engine;
	q->priority = args->priority;
	q->timeout_ms = args->timeout_ms ?: sinan_job_timeout_ms;
	q->hwq = U32_MAX;
	INIT_LIST_HEAD(&q->inflight);
	mutex_init(&q->submit_lock);
	INIT_WORK(&q->err_work, sinan_queue_err_work);
	q->fence_ctx = dma_fence_context_alloc(1);

	ret = sinan_devmem_alloc(sdev, SINAN_RING_SIZE + SINAN_CQ_SIZE,
				 SINAN_RING_SIZE + SINAN_CQ_SIZE, &q->ring_blocks);
	if (ret) {
		kfree(q);
		return ERR_PTR(ret == -ENOSPC ? -ENOMEM : ret);
	}
	atomic_inc(&sdev->num_queues);
	q->ring_pa = drm_buddy_block_offset(list_first_entry(&q->ring_blocks,
							     struct drm_buddy_block, link));
	memset_io(sdev->devmem + q->ring_pa, 0, SINAN_RING_SIZE + SINAN_CQ_SIZE);
	return q;
}

static void sinan_queue_free(struct sinan_queue *q)
{
	unsigned int i;

	for (i = 0; i < SINAN_QUEUE_HISTORY; i++)
		dma_fence_put(q->history[i]);
	sinan_devmem_free(q->sdev, &q->ring_blocks);
	mutex_destroy(&q->submit_lock);
	atomic_dec(&q->sdev->num_queues);
	kfree(q);
}

/* Take a free hardware queue and map its ring into the context. */
static int sinan_queue_hw_init(struct sinan_queue *q)
{
	struct sinan_device *sdev = q->sdev;
	unsigned long flags;
	u32 i;
	int ret;

	down_read(&sdev->reset_lock);
	mutex_lock(&sdev->queue_lock);
	for (i = 0; i < sdev->hw.num_queues; i++)
		if (!sdev->hwq[i])
			break;
	if (i == sdev->hw.num_queues) {
		ret = -EBUSY;
		goto out_unlock;
	}
	q->hwq = i;
	q->ring_va = SINAN_VA_KERNEL_START + (u64)i * SINAN_VA_QUEUE_SLOT;
	/*
	 * The ring is read-only to the device: the context's own jobs could
	 * otherwise write packets into it (found by the isolation test). The
	 * completion ring must stay writable: the queue writes it in the
	 * context's address space.
	 */
	ret = sinan_mmu_map_devmem(q->ctx, q->ring_va, q->ring_pa, SINAN_RING_SIZE, false);
	if (!ret) {
		ret = sinan_mmu_map_devmem(q->ctx, q->ring_va + SINAN_RING_SIZE,
					   q->ring_pa + SINAN_RING_SIZE, SINAN_CQ_SIZE, true);
		if (ret)
			sinan_mmu_unmap(q->ctx, q->ring_va, SINAN_RING_SIZE);
	}
	if (ret)
		goto out_unlock;
	ret = sinan_queue_hw_start(q);
	if (ret) {
		sinan_mmu_unmap(q->ctx, q->ring_va, SINAN_RING_SIZE + SINAN_CQ_SIZE);
		goto out_unlock;
	}
	spin_lock_irqsave(&sdev->fence_lock, flags);
	sdev->hwq[i] = q;
	spin_unlock_irqrestore(&sdev->fence_lock, flags);
out_unlock:
	mutex_unlock(&sdev->queue_lock);
	up_read(&sdev->reset_lock);
	return ret;
}

/* Give the hardware queue back: no interrupt or recovery sees @q after this. */
static void sinan_queue_hw_fini(struct sinan_queue *q)
{
	struct sinan_device *sdev = q->sdev;
	unsigned long flags;
	int idx;

	down_read(&sdev->reset_lock);
	mutex_lock(&sdev->queue_lock);
	spin_lock_irqsave(&sdev->fence_lock, flags);
	sdev->hwq[q->hwq] = NULL;
	spin_unlock_irqrestore(&sdev->fence_lock, flags);
	if (drm_dev_enter(&sdev->drm, &idx)) {
		sinan_hw_queue_reset(sdev, q->hwq);
		drm_dev_exit(idx);
	}
	mutex_unlock(&sdev->queue_lock);
	up_read(&sdev->reset_lock);
	sinan_mmu_unmap(q->ctx, q->ring_va, SINAN_RING_SIZE + SINAN_CQ_SIZE);
}

int sinan_queue_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_device *sdev = to_sinan_device(dev);
	struct sinan_ctx *ctx = file_to_ctx(file);
	struct drm_sinan_queue_create *args = data;
	struct drm_gpu_scheduler *sched_list[1];
	struct sinan_queue *q;
	u32 id;
	int ret;

	if (args->flags || args->pad || args->engine > DRM_SINAN_ENGINE_COPY ||
	    args->priority > DRM_SINAN_PRIORITY_HIGH || args->timeout_ms > SINAN_TIMEOUT_MAX_MS)
		return -EINVAL;
	if (READ_ONCE(sdev->dead))
		return -ENODEV;

	q = sinan_queue_alloc(ctx, args);
	if (IS_ERR(q))
		return PTR_ERR(q);
	ret = sinan_sched_init(&q->sched, &sinan_sched_ops,
			       SINAN_RING_SIZE / SINAN_JOB_RING_BYTES - 1,
			       msecs_to_jiffies(q->timeout_ms), sdev->reset_wq, "sinan-queue",
			       dev->dev);
	if (ret)
		goto err_free;
	sched_list[0] = &q->sched;
	ret = drm_sched_entity_init(&q->entity, DRM_SCHED_PRIORITY_NORMAL, sched_list, 1, NULL);
	if (ret)
		goto err_sched_fini;
	ret = sinan_queue_hw_init(q);
	if (ret)
		goto err_entity_fini;

	down_write(&ctx->queues_lock);
	ret = xa_alloc(&ctx->queues, &id, q, xa_limit_32b, GFP_KERNEL);
	if (!ret)
		q->id = id;
	up_write(&ctx->queues_lock);
	if (ret)
		goto err_hw_fini;
	args->queue_id = id;
	sinan_dbg(sdev, QUEUE, "ASID %u: queue %u on hardware queue %u, timeout %u ms\n",
		  ctx->asid, id, q->hwq, q->timeout_ms);
	return 0;

err_hw_fini:
	sinan_queue_hw_fini(q);
err_entity_fini:
	drm_sched_entity_destroy(&q->entity);
err_sched_fini:
	drm_sched_fini(&q->sched);
err_free:
	sinan_queue_free(q);
	return ret;
}

/*
 * Tear a queue down once nobody can submit to it: let the entity drain
 * (or be killed, for an exiting process), wait until the scheduler freed
 * every job (the job timeout bounds that: recovery never waits for us),
 * then give the hardware queue back.
 */
static void sinan_queue_destroy(struct sinan_queue *q)
{
	drm_sched_entity_destroy(&q->entity);
	wait_var_event(&q->njobs, !atomic_read(&q->njobs));
	sinan_queue_hw_fini(q);
	cancel_work_sync(&q->err_work);
	drm_sched_fini(&q->sched);
	sinan_dbg(q->sdev, QUEUE, "ASID %u: queue %u destroyed\n", q->ctx->asid, q->id);
	sinan_queue_free(q);
}

int sinan_queue_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_ctx *ctx = file_to_ctx(file);
	struct drm_sinan_queue_destroy *args = data;
	struct sinan_queue *q;

	if (args->pad)
		return -EINVAL;
	down_write(&ctx->queues_lock);
	q = xa_erase(&ctx->queues, args->queue_id);
	up_write(&ctx->queues_lock);
	if (!q)
		return -ENOENT;
	sinan_queue_destroy(q);
	return 0;
}

void sinan_ctx_queues_fini(struct sinan_ctx *ctx)
{
	struct sinan_queue *q;
	unsigned long id;

	down_write(&ctx->queues_lock);
	xa_for_each(&ctx->queues, id, q) {
		xa_erase(&ctx->queues, id);
		up_write(&ctx->queues_lock);
		sinan_queue_destroy(q);
		down_write(&ctx->queues_lock);
	}
	up_write(&ctx->queues_lock);
}

/* ---- submit -------------------------------------------------------------- */

struct sinan_out_sync {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
	u64 point;
};

static void sinan_out_syncs_free(struct sinan_out_sync *out, u32 count)
{
	u32 i;

	if (!out)
		return;
	for (i = 0; i < count; i++) {
		if (out[i].syncobj)
			drm_syncobj_put(out[i].syncobj);
		dma_fence_chain_free(out[i].chain);
	}
	kvfree(out);
}

static struct drm_sinan_sync *sinan_syncs_copy(u64 uptr, u32 count)
{
	struct drm_sinan_sync *syncs;
	u32 i;

	syncs = kvmalloc_array(count, sizeof(*syncs), GFP_KERNEL);
	if (!syncs)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(syncs, u64_to_user_ptr(uptr), array_size(count, sizeof(*syncs)))) {
		kvfree(syncs);
		return ERR_PTR(-EFAULT);
	}
	for (i = 0; i < count; i++) {
		if (syncs[i].flags & ~DRM_SINAN_SYNC_FLAGS) {
			kvfree(syncs);
			return ERR_PTR(-EINVAL);
		}
	}
	return syncs;
}

static int sinan_job_add_in_syncs(struct sinan_job *job, struct drm_file *file,
				  const struct drm_sinan_submit *args)
{
	struct drm_sinan_sync *syncs;
	struct dma_fence *fence;
	int ret = 0;
	u32 i;

	if (!args->in_sync_count)
		return 0;
	syncs = sinan_syncs_copy(args->in_syncs, args->in_sync_count);
	if (IS_ERR(syncs))
		return PTR_ERR(syncs);
	for (i = 0; i < args->in_sync_count; i++) {
		ret = drm_syncobj_find_fence(file, syncs[i].handle, syncs[i].point, 0, &fence);
		if (ret)
			break;
		ret = drm_sched_job_add_dependency(&job->base, fence);
		if (ret)
			break;
	}
	kvfree(syncs);
	return ret;
}

static struct sinan_out_sync *sinan_out_syncs_get(struct drm_file *file,
						  const struct drm_sinan_submit *args)
{
	struct sinan_out_sync *out;
	struct drm_sinan_sync *syncs;
	int ret = 0;
	u32 i;

	if (!args->out_sync_count)
		return NULL;
	syncs = sinan_syncs_copy(args->out_syncs, args->out_sync_count);
	if (IS_ERR(syncs))
		return ERR_CAST(syncs);
	out = kvcalloc(args->out_sync_count, sizeof(*out), GFP_KERNEL);
	if (!out) {
		kvfree(syncs);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < args->out_sync_count && !ret; i++) {
		out[i].syncobj = drm_syncobj_find(file, syncs[i].handle);
		out[i].point = syncs[i].point;
		if (!out[i].syncobj) {
			ret = -ENOENT;
		} else if (syncs[i].point) {
			out[i].chain = dma_fence_chain_alloc();
			if (!out[i].chain)
				ret = -ENOMEM;
		}
	}
	kvfree(syncs);
	if (ret) {
		sinan_out_syncs_free(out, args->out_sync_count);
		return ERR_PTR(ret);
	}
	return out;
}

static void sinan_out_syncs_signal(struct sinan_out_sync *out, u32 count, struct dma_fence *fence)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (out[i].chain) {
			drm_syncobj_add_point(out[i].syncobj, out[i].chain, fence, out[i].point);
			out[i].chain = NULL;
		} else {
			drm_syncobj_replace_fence(out[i].syncobj, fence);
		}
	}
}

/* Publish the job: sequence number, BO fences, history; then queue it. */
static int sinan_job_push(struct sinan_queue *q, struct sinan_job *job)
{
	struct dma_fence **slot;
	struct ww_acquire_ctx acquire;
	struct dma_fence *finished;
	u32 i;
	int ret;

	mutex_lock(&q->submit_lock);
	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &acquire);
	if (ret) {
		mutex_unlock(&q->submit_lock);
		return ret == -EALREADY ? -EINVAL : ret;	/* a handle listed twice */
	}
	for (i = 0; i < job->bo_count && !ret; i++)
		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
	if (ret) {
		drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
		mutex_unlock(&q->submit_lock);
		return ret;
	}
	drm_sched_job_arm(&job->base);
	job->seq = ++q->last_seq;
	finished = &job->base.s_fence->finished;
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, finished, DMA_RESV_USAGE_WRITE);
	drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
	slot = &q->history[job->seq & (SINAN_QUEUE_HISTORY - 1)];
	dma_fence_put(*slot);
	*slot = dma_fence_get(finished);
	atomic_inc(&q->njobs);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&q->submit_lock);
	return 0;
}

int sinan_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_ctx *ctx = file_to_ctx(file);
	struct drm_sinan_submit *args = data;
	struct sinan_out_sync *out = NULL;
	struct dma_fence *finished;
	struct sinan_queue *q;
	struct sinan_job *job;
	int ret;

	if (args->flags & ~DRM_SINAN_SUBMIT_FLAGS ||
	    !args->cmdbuf_size || args->cmdbuf_size > SINAN_INDIRECT_MAX_SIZE ||
	    !IS_ALIGNED(args->cmdbuf_size, SINAN_PKT_SIZE) ||
	    !IS_ALIGNED(args->cmdbuf_va, SINAN_PKT_SIZE) ||
	    args->cmdbuf_va < SINAN_VA_USER_START || args->cmdbuf_va >= SINAN_VA_USER_END ||
	    args->cmdbuf_size > SINAN_VA_USER_END - args->cmdbuf_va ||
	    args->bo_count > DRM_SINAN_SUBMIT_MAX_BOS ||
	    args->in_sync_count > DRM_SINAN_SUBMIT_MAX_SYNCS ||
	    args->out_sync_count > DRM_SINAN_SUBMIT_MAX_SYNCS)
		return -EINVAL;

	down_read(&ctx->queues_lock);
	q = xa_load(&ctx->queues, args->queue_id);
	if (!q) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (READ_ONCE(q->banned) || READ_ONCE(ctx->sdev->dead)) {
		ret = READ_ONCE(q->banned) ? -ECANCELED : -ENODEV;
		goto out_unlock;
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	job->q = q;
	job->cmdbuf_va = args->cmdbuf_va;
	job->cmdbuf_size = args->cmdbuf_size;
	INIT_LIST_HEAD(&job->link);
	ret = sinan_sched_job_init(&job->base, &q->entity, ctx);
	if (ret) {
		kfree(job);
		goto out_unlock;
	}
	if (args->bo_count) {
		/*
		 * On failure the objects found before the bad handle are
		 * referenced too (the array is zeroed): count them all.
		 */
		ret = drm_gem_objects_lookup(file, u64_to_user_ptr(args->bo_handles),
					     args->bo_count, &job->bos);
		if (job->bos)
			job->bo_count = args->bo_count;
		if (ret)
			goto err_cleanup;
	}
	ret = sinan_job_add_in_syncs(job, file, args);
	if (ret)
		goto err_cleanup;
	out = sinan_out_syncs_get(file, args);
	if (IS_ERR(out)) {
		ret = PTR_ERR(out);
		out = NULL;
		goto err_cleanup;
	}
	ret = sinan_job_push(q, job);
	if (ret)
		goto err_cleanup;
	/* The job belongs to the scheduler now; its fence outlives it. */
	args->seq = job->seq;
	finished = dma_fence_get(&job->base.s_fence->finished);
	if (out)
		sinan_out_syncs_signal(out, args->out_sync_count, finished);
	dma_fence_put(finished);
	sinan_out_syncs_free(out, args->out_sync_count);
	up_read(&ctx->queues_lock);
	return 0;

err_cleanup:
	sinan_out_syncs_free(out, args->out_sync_count);
	drm_sched_job_cleanup(&job->base);
	while (job->bo_count--)
		if (job->bos[job->bo_count])
			drm_gem_object_put(job->bos[job->bo_count]);
	kvfree(job->bos);
	kfree(job);
out_unlock:
	up_read(&ctx->queues_lock);
	return ret;
}

/* ---- wait and status ----------------------------------------------------- */

/*
 * The finished fence of job @seq, or NULL with *status set when it left
 * the history: those jobs are long done, and only the guilty job of a
 * banned queue and the ones after it failed.
 */
static struct dma_fence *sinan_queue_fence(struct sinan_queue *q, u64 seq, int *status)
{
	struct dma_fence *fence = NULL;

	mutex_lock(&q->submit_lock);
	if (q->last_seq - seq < SINAN_QUEUE_HISTORY)
		fence = dma_fence_get(q->history[seq & (SINAN_QUEUE_HISTORY - 1)]);
	else if (q->fail_seq && seq >= q->fail_seq)
		*status = seq == q->fail_seq ? q->fail_err : -ECANCELED;
	else
		*status = 0;
	mutex_unlock(&q->submit_lock);
	return fence;
}

static int sinan_wait_seq(struct sinan_ctx *ctx, struct drm_sinan_wait *args, long timeout,
			  int *idx)
{
	struct dma_fence *fence = NULL;
	struct sinan_queue *q;
	int status = 0;
	long ret;

	down_read(&ctx->queues_lock);
	q = xa_load(&ctx->queues, args->id);
	if (!q) {
		up_read(&ctx->queues_lock);
		return -ENOENT;
	}
	if (!args->seq || args->seq > READ_ONCE(q->last_seq)) {
		up_read(&ctx->queues_lock);
		return -EINVAL;
	}
	fence = sinan_queue_fence(q, args->seq, &status);
	up_read(&ctx->queues_lock);
	drm_dev_exit(*idx);
	*idx = -1;
	if (fence) {
		ret = dma_fence_wait_timeout(fence, true, timeout);
		if (ret > 0)
			status = fence->error;
		dma_fence_put(fence);
		if (ret == 0)
			return -ETIME;
		if (ret < 0)
			return ret;
	}
	args->status = status;
	return 0;
}

static int sinan_wait_bo(struct drm_file *file, struct drm_sinan_wait *args, long timeout,
			 int *idx)
{
	struct dma_resv_iter cursor;
	struct drm_gem_object *obj;
	struct dma_fence *fence;
	int status = 0;
	long ret;

	if (args->seq)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->id);
	if (!obj)
		return -ENOENT;
	drm_dev_exit(*idx);
	*idx = -1;
	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_BOOKKEEP, true, timeout);
	if (ret > 0) {
		dma_resv_iter_begin(&cursor, obj->resv, DMA_RESV_USAGE_BOOKKEEP);
		dma_resv_for_each_fence_unlocked(&cursor, fence)
			if (fence->error && !status)
				status = fence->error;
		dma_resv_iter_end(&cursor);
	}
	drm_gem_object_put(obj);
	if (ret == 0)
		return -ETIME;
	if (ret < 0)
		return ret;
	args->status = status;
	return 0;
}

/*
 * The lookups run inside drm_dev_enter() like every ioctl; the sleep does
 * not, so that a waiter never holds up the removal of the device (which
 * ends every job with -ENODEV and so wakes it).
 */
int sinan_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_sinan_wait *args = data;
	long timeout;
	int idx, ret;

	if (args->flags || args->kind > DRM_SINAN_WAIT_BO)
		return -EINVAL;
	if (!drm_dev_enter(dev, &idx))
		return -ENODEV;
	/* An absolute deadline; one already passed is a poll. */
	timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
	if (args->kind == DRM_SINAN_WAIT_SEQ)
		ret = sinan_wait_seq(file_to_ctx(file), args, timeout, &idx);
	else
		ret = sinan_wait_bo(file, args, timeout, &idx);
	if (idx >= 0)
		drm_dev_exit(idx);
	return ret;
}

int sinan_queue_status_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct sinan_ctx *ctx = file_to_ctx(file);
	struct drm_sinan_queue_status *args = data;
	struct sinan_queue *q;
	unsigned long flags;

	if (args->flags)
		return -EINVAL;
	down_read(&ctx->queues_lock);
	q = xa_load(&ctx->queues, args->queue_id);
	if (!q) {
		up_read(&ctx->queues_lock);
		return -ENOENT;
	}
	args->state = READ_ONCE(q->banned) ? DRM_SINAN_QUEUE_STATE_BANNED :
					     DRM_SINAN_QUEUE_STATE_ACTIVE;
	args->guilty = q->guilty;
	args->error = q->error;
	args->err_pkt = q->err_pkt;
	args->fault_addr = q->fault_addr;
	args->fault_info = q->fault_info;
	args->reset_count = q->reset_count;
	args->last_seq = READ_ONCE(q->last_seq);
	spin_lock_irqsave(&ctx->sdev->fence_lock, flags);
	args->done_seq = q->done_seq;
	spin_unlock_irqrestore(&ctx->sdev->fence_lock, flags);
	args->busy_cycles = atomic64_read(&q->busy_cycles);
	up_read(&ctx->queues_lock);
	return 0;
}

/* ---- debugfs ------------------------------------------------------------- */

void sinan_queues_show(struct sinan_device *sdev, struct seq_file *m)
{
	struct sinan_queue *q;
	unsigned long flags;
	u32 i;

	mutex_lock(&sdev->queue_lock);
	for (i = 0; i < sdev->hw.num_queues; i++) {
		u64 done;

		q = sdev->hwq[i];
		if (!q)
			continue;
		spin_lock_irqsave(&sdev->fence_lock, flags);
		done = q->done_seq;
		spin_unlock_irqrestore(&sdev->fence_lock, flags);
		seq_printf(m, "hwq %u: pid %d asid %u queue %u engine %u prio %u timeout %u ms: %s%s error %u seq %llu done %llu resets %u busy %lld cycles\n",
			   i, sinan_file_pid(q->ctx->file), q->ctx->asid, q->id,
			   q->engine, q->priority, q->timeout_ms,
			   q->banned ? "banned" : "active", q->guilty ? " guilty" : "", q->error,
			   READ_ONCE(q->last_seq), done, q->reset_count,
			   atomic64_read(&q->busy_cycles));
	}
	mutex_unlock(&sdev->queue_lock);
}

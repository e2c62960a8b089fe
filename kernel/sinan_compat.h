/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Kernel-version differences, in one place. The driver is tested on
 * Debian 12's 6.1 and bookworm-backports' 6.12; every other difference it
 * meets goes here, as a small wrapper named after the API it hides.
 *
 * Most guards compare LINUX_VERSION_CODE. One cannot: Debian's 6.1 stable
 * kernel carries the 6.15 drm_sched_init(sched, &args) API, so kbuild looks
 * for struct drm_sched_init_args in the headers it builds against and
 * defines SINAN_HAVE_SCHED_INIT_ARGS (kernel/Kbuild).
 */
#ifndef __SINAN_COMPAT_H__
#define __SINAN_COMPAT_H__

#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/version.h>

#include <drm/drm_buddy.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/gpu_scheduler.h>

/*
 * The one place that compares kernel versions (checkpatch's
 * LINUX_VERSION_CODE check is for in-tree code and is waived for this file).
 */
#define SINAN_KERNEL_AT_LEAST(a, b, c)	(KERNEL_VERSION(a, b, c) <= LINUX_VERSION_CODE)

/*
 * The accel subsystem (/dev/accel/accelN, DRIVER_COMPUTE_ACCEL) arrived in
 * 6.2 and may be configured out; DRM_ACCEL is a tristate, which #ifdef
 * cannot test. Without it the device is a render node (/dev/dri/renderDN)
 * with the same ioctls.
 */
#if SINAN_KERNEL_AT_LEAST(6, 2, 0) && IS_ENABLED(CONFIG_DRM_ACCEL)
#define SINAN_ACCEL		1
#include <drm/drm_accel.h>
#define SINAN_DRIVER_FEATURES	DRIVER_COMPUTE_ACCEL
#define SINAN_DEFINE_FOPS(name)	DEFINE_DRM_ACCEL_FOPS(name)
#else
#define SINAN_ACCEL		0
#define SINAN_DRIVER_FEATURES	DRIVER_RENDER
#define SINAN_DEFINE_FOPS(name)	DEFINE_DRM_GEM_FOPS(name)
#endif

/* Until 6.6 a driver had to name the PRIME helpers to get PRIME at all. */
#if !SINAN_KERNEL_AT_LEAST(6, 6, 0)
#define SINAN_PRIME_DRIVER_OPS					\
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,	\
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,	\
	.gem_prime_mmap = drm_gem_prime_mmap,
#else
#define SINAN_PRIME_DRIVER_OPS
#endif

/* drm_driver.date went away in 6.14. */
#if !SINAN_KERNEL_AT_LEAST(6, 14, 0)
#define SINAN_DRIVER_DATE_FIELD(d)	.date = d,
#else
#define SINAN_DRIVER_DATE_FIELD(d)
#endif

/* MODULE_IMPORT_NS() takes a string literal since 6.13. */
#if SINAN_KERNEL_AT_LEAST(6, 13, 0)
#define SINAN_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS("DMA_BUF")
#else
#define SINAN_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS(DMA_BUF)
#endif

/* <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
#if SINAN_KERNEL_AT_LEAST(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* vm_flags became read-only behind vm_flags_set() in 6.3. */
static inline void sinan_vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
#if SINAN_KERNEL_AT_LEAST(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* drm_buddy_free_list() takes flags (cleared-page tracking) since 6.10. */
static inline void sinan_buddy_free_list(struct drm_buddy *mm, struct list_head *blocks)
{
#if SINAN_KERNEL_AT_LEAST(6, 10, 0)
	drm_buddy_free_list(mm, blocks, 0);
#else
	drm_buddy_free_list(mm, blocks);
#endif
}

/*
 * drm_sched_init(): one run queue, @credits jobs in flight, timeouts on
 * @timeout_wq. Three shapes: the original nine arguments (6.1), with
 * submit_wq/num_rqs/credit_limit (6.8 .. 6.14), and an argument struct
 * (6.15, and Debian's 6.1).
 */
static inline int sinan_sched_init(struct drm_gpu_scheduler *sched,
				   const struct drm_sched_backend_ops *ops, u32 credits,
				   long timeout, struct workqueue_struct *timeout_wq,
				   const char *name, struct device *dev)
{
#if defined(SINAN_HAVE_SCHED_INIT_ARGS)
	const struct drm_sched_init_args args = {
		.ops = ops,
		.credit_limit = credits,
		.timeout = timeout,
		.timeout_wq = timeout_wq,
		.name = name,
		.dev = dev,
#if SINAN_KERNEL_AT_LEAST(6, 15, 0)
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
#endif
	};

	return drm_sched_init(sched, &args);
#elif SINAN_KERNEL_AT_LEAST(6, 8, 0)
	return drm_sched_init(sched, ops, NULL, DRM_SCHED_PRIORITY_COUNT, credits, 0, timeout,
			      timeout_wq, NULL, name, dev);
#else
	return drm_sched_init(sched, ops, credits, 0, timeout, timeout_wq, NULL, name, dev);
#endif
}

/* drm_sched_job_init() counts credits per job since 6.8: ours take one. */
static inline int sinan_sched_job_init(struct drm_sched_job *job,
				       struct drm_sched_entity *entity, void *owner)
{
#if SINAN_KERNEL_AT_LEAST(6, 8, 0)
	return drm_sched_job_init(job, entity, 1, owner);
#else
	return drm_sched_job_init(job, entity, owner);
#endif
}

/*
 * Restart a scheduler stopped with drm_sched_stop(), re-arming the
 * callbacks of the jobs still pending. The full_recovery flag went away
 * in 6.12 (it was always true) and an error code came in 6.13.
 */
static inline void sinan_sched_start(struct drm_gpu_scheduler *sched)
{
#if SINAN_KERNEL_AT_LEAST(6, 13, 0)
	drm_sched_start(sched, 0);
#elif SINAN_KERNEL_AT_LEAST(6, 12, 0)
	drm_sched_start(sched);
#else
	drm_sched_start(sched, true);
#endif
}

/* drm_file.pid is RCU-managed since 6.8 (it follows the last user). */
static inline pid_t sinan_file_pid(struct drm_file *file)
{
#if SINAN_KERNEL_AT_LEAST(6, 8, 0)
	pid_t nr;

	rcu_read_lock();
	nr = pid_nr(rcu_dereference(file->pid));
	rcu_read_unlock();
	return nr;
#else
	return pid_nr(file->pid);
#endif
}

#endif /* __SINAN_COMPAT_H__ */

/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * Copyright (c) 2026 The Sinan authors
 */
#ifndef __UAPI_SINAN_ACCEL_H__
#define __UAPI_SINAN_ACCEL_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: Sinan uAPI overview
 *
 * The Sinan NPU driver exposes ``/dev/accel/accelN`` on kernels with the
 * DRM accel subsystem (6.2 and later) and a render node ``/dev/dri/renderDN``
 * on 6.1; the ioctls below are the same on both.
 *
 * Contexts: every open file is one context with its own device address
 * space (one hardware ASID, page tables owned by the driver). Buffer
 * objects, VM mappings and queues belong to the file that created them;
 * handles and queue ids of another file are rejected with -ENOENT.
 *
 * Memory: a buffer object (BO) lives in device memory
 * (%DRM_SINAN_BO_PLACEMENT_DEVICE, allocated with drm_buddy, CPU-mappable
 * through BAR 4) or in host memory (%DRM_SINAN_BO_PLACEMENT_HOST, GEM shmem,
 * reached by the device over PCIe). A BO is visible to the device only once
 * it is bound into the context's address space with %DRM_IOCTL_SINAN_VM_BIND;
 * it stays pinned while bound. AI cores reach only device memory; copy
 * engines reach both.
 *
 * Submission: %DRM_IOCTL_SINAN_SUBMIT queues a command buffer (a sequence of
 * 64-byte packets, see docs/hw-spec.md) that lives in the context's address
 * space. Jobs run in order on their queue; dependencies between queues and
 * with the host are expressed with DRM syncobjs (binary or timeline). Each
 * job returns a sequence number that %DRM_IOCTL_SINAN_WAIT can wait for.
 *
 * Errors: a job that faults (%DRM_SINAN_QUEUE_ERR_MMU_FAULT), hangs or hits a
 * device error signals its fence with an error (-EFAULT, -ETIMEDOUT, -EIO);
 * its queue is then banned (further submits fail with -ECANCELED) and
 * %DRM_IOCTL_SINAN_QUEUE_STATUS says what happened. Innocent jobs lost in a
 * device reset end with -ECANCELED. A removed device gives -ENODEV.
 *
 * Extensibility: structures only grow at the end; padding and reserved
 * fields must be zero and unknown flags are rejected with -EINVAL before
 * anything is allocated.
 */

#define DRM_SINAN_GET_PARAM		0x00
#define DRM_SINAN_QUERY			0x01
#define DRM_SINAN_BO_CREATE		0x02
#define DRM_SINAN_BO_INFO		0x03
#define DRM_SINAN_VM_BIND		0x04
#define DRM_SINAN_VM_UNBIND		0x05
#define DRM_SINAN_QUEUE_CREATE		0x06
#define DRM_SINAN_QUEUE_DESTROY		0x07
#define DRM_SINAN_SUBMIT		0x08
#define DRM_SINAN_WAIT			0x09
#define DRM_SINAN_QUEUE_STATUS		0x0a

#define DRM_IOCTL_SINAN_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_GET_PARAM, struct drm_sinan_get_param)
#define DRM_IOCTL_SINAN_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_QUERY, struct drm_sinan_query)
#define DRM_IOCTL_SINAN_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_BO_CREATE, struct drm_sinan_bo_create)
#define DRM_IOCTL_SINAN_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_BO_INFO, struct drm_sinan_bo_info)
#define DRM_IOCTL_SINAN_VM_BIND \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_VM_BIND, struct drm_sinan_vm_bind)
#define DRM_IOCTL_SINAN_VM_UNBIND \
	DRM_IOW(DRM_COMMAND_BASE + DRM_SINAN_VM_UNBIND, struct drm_sinan_vm_unbind)
#define DRM_IOCTL_SINAN_QUEUE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_QUEUE_CREATE, struct drm_sinan_queue_create)
#define DRM_IOCTL_SINAN_QUEUE_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_SINAN_QUEUE_DESTROY, struct drm_sinan_queue_destroy)
#define DRM_IOCTL_SINAN_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_SUBMIT, struct drm_sinan_submit)
#define DRM_IOCTL_SINAN_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_WAIT, struct drm_sinan_wait)
#define DRM_IOCTL_SINAN_QUEUE_STATUS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_SINAN_QUEUE_STATUS, struct drm_sinan_queue_status)

/* Version of this interface, DRM_SINAN_PARAM_UAPI_VERSION: major << 16 | minor. */
#define DRM_SINAN_UAPI_MAJOR		1
#define DRM_SINAN_UAPI_MINOR		0

/* Parameters for DRM_IOCTL_SINAN_GET_PARAM. Append only. */
#define DRM_SINAN_PARAM_UAPI_VERSION	0	/* major << 16 | minor */
#define DRM_SINAN_PARAM_DEVICE_ID	1	/* PCI vendor << 16 | device */
#define DRM_SINAN_PARAM_HW_VERSION	2	/* SINAN_REG_HW_VERSION */
#define DRM_SINAN_PARAM_NUM_CORES	3
#define DRM_SINAN_PARAM_NUM_QUEUES	4	/* hardware queues */
#define DRM_SINAN_PARAM_CLOCK_MHZ	5
#define DRM_SINAN_PARAM_ISA_VERSION	6	/* major << 16 | minor */
#define DRM_SINAN_PARAM_FW_VERSION	7	/* major << 16 | minor << 8 | patch */
#define DRM_SINAN_PARAM_FW_API_VERSION	8	/* major << 16 | minor */
#define DRM_SINAN_PARAM_CAPS		9	/* SINAN_CAP_* */
#define DRM_SINAN_PARAM_DEVMEM_SIZE	10	/* bytes */
#define DRM_SINAN_PARAM_DEVMEM_USED	11	/* bytes, all contexts */
#define DRM_SINAN_PARAM_VA_START	12	/* first user VA */
#define DRM_SINAN_PARAM_VA_END		13	/* end of user VAs (exclusive) */
#define DRM_SINAN_PARAM_L1_SIZE		14
#define DRM_SINAN_PARAM_L0A_SIZE	15
#define DRM_SINAN_PARAM_L0B_SIZE	16
#define DRM_SINAN_PARAM_L0C_SIZE	17
#define DRM_SINAN_PARAM_UB_SIZE		18
#define DRM_SINAN_PARAM_CUBE_SHAPE	19	/* m | n << 8 | k << 16 */
#define DRM_SINAN_PARAM_VEC_BYTES	20
#define DRM_SINAN_PARAM_DEVMEM_BW	21	/* MB/s */
#define DRM_SINAN_PARAM_HOSTLINK_BW	22	/* MB/s */
#define DRM_SINAN_PARAM_RESET_COUNT	23	/* device resets since probe */
#define DRM_SINAN_PARAM_TIMESTAMP	24	/* device timestamp, cycles */
#define DRM_SINAN_PARAM_ASID		25	/* this context's address space id */
#define DRM_SINAN_PARAM_CTX_MEM_USED	26	/* bytes of BOs of this context */
#define DRM_SINAN_PARAM_COUNT		27

/**
 * struct drm_sinan_get_param - read one device or context parameter.
 * @param: In. DRM_SINAN_PARAM_*.
 * @pad: Must be 0.
 * @value: Out. The value.
 */
struct drm_sinan_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/* Queries for DRM_IOCTL_SINAN_QUERY. Append only. */
#define DRM_SINAN_QUERY_FW_INFO		0	/* struct drm_sinan_fw_info */

/**
 * struct drm_sinan_query - read a variable-sized description.
 * @query: In. DRM_SINAN_QUERY_*.
 * @size: In/Out. Size of the buffer at @data; 0 to ask for the size, which
 *   is then returned. A smaller non-zero size is -EINVAL.
 * @data: In. User pointer to the buffer.
 * @flags: In. Must be 0.
 * @pad: Must be 0.
 */
struct drm_sinan_query {
	__u32 query;
	__u32 size;
	__u64 data;
	__u32 flags;
	__u32 pad;
};

/**
 * struct drm_sinan_fw_info - firmware description (DRM_SINAN_QUERY_FW_INFO).
 * @version: firmware version, major << 16 | minor << 8 | patch.
 * @api_version: firmware interface, major << 16 | minor.
 * @features: SINAN_FW_FEAT_*.
 * @boot_count: times the firmware was booted since probe.
 * @heartbeat: current heartbeat counter.
 * @pad: 0.
 * @version_str: NUL-terminated version string from the image.
 */
struct drm_sinan_fw_info {
	__u32 version;
	__u32 api_version;
	__u32 features;
	__u32 boot_count;
	__u32 heartbeat;
	__u32 pad;
	char version_str[32];
};

#define DRM_SINAN_BO_PLACEMENT_DEVICE	0
#define DRM_SINAN_BO_PLACEMENT_HOST	1

/*
 * Device BO: clear before use. (Every BO is cleared in fact: device memory
 * may have held another context's data. The flag states the intent.)
 */
#define DRM_SINAN_BO_FLAG_ZERO		(1 << 0)
#define DRM_SINAN_BO_FLAGS		(DRM_SINAN_BO_FLAG_ZERO)

/**
 * struct drm_sinan_bo_create - create a buffer object.
 * @size: In. Bytes, rounded up to 4 KiB; 0 (or a size that does not round)
 *   is -EINVAL, more than the placement can ever hold is -ENOMEM.
 * @placement: In. DRM_SINAN_BO_PLACEMENT_*.
 * @flags: In. DRM_SINAN_BO_FLAG_*. Host BOs are always zeroed.
 * @handle: Out. GEM handle.
 * @pad: Must be 0.
 */
struct drm_sinan_bo_create {
	__u64 size;
	__u32 placement;
	__u32 flags;
	__u32 handle;
	__u32 pad;
};

/**
 * struct drm_sinan_bo_info - describe a buffer object.
 * @handle: In. GEM handle.
 * @flags: In. Must be 0.
 * @mmap_offset: Out. Offset to pass to mmap() on the device file.
 * @size: Out. Size in bytes.
 * @placement: Out. DRM_SINAN_BO_PLACEMENT_*.
 * @pad: Must be 0.
 */
struct drm_sinan_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 mmap_offset;
	__u64 size;
	__u32 placement;
	__u32 pad;
};

#define DRM_SINAN_VM_BIND_READ_ONLY	(1 << 0)	/* device may not write */
#define DRM_SINAN_VM_BIND_FIXED		(1 << 1)	/* map at @va, else the kernel picks */
#define DRM_SINAN_VM_BIND_FLAGS		(DRM_SINAN_VM_BIND_READ_ONLY | DRM_SINAN_VM_BIND_FIXED)

/**
 * struct drm_sinan_vm_bind - map (part of) a BO into the context's address space.
 * @handle: In. GEM handle.
 * @flags: In. DRM_SINAN_VM_BIND_*.
 * @va: In/Out. With DRM_SINAN_VM_BIND_FIXED, the 4 KiB-aligned address to map
 *   at (inside [VA_START, VA_END), not overlapping a mapping: else -EINVAL or
 *   -EBUSY); otherwise ignored on input and returns the address chosen.
 * @offset: In. 4 KiB-aligned offset in the BO.
 * @size: In. Bytes to map, 4 KiB multiple; 0 means the rest of the BO.
 */
struct drm_sinan_vm_bind {
	__u32 handle;
	__u32 flags;
	__u64 va;
	__u64 offset;
	__u64 size;
};

/**
 * struct drm_sinan_vm_unbind - remove the mapping that starts at @va.
 * @va: In. Start of a mapping made by DRM_IOCTL_SINAN_VM_BIND (-ENOENT otherwise).
 * @flags: In. Must be 0.
 * @pad: Must be 0.
 */
struct drm_sinan_vm_unbind {
	__u64 va;
	__u32 flags;
	__u32 pad;
};

#define DRM_SINAN_ENGINE_COMPUTE	0	/* every packet */
#define DRM_SINAN_ENGINE_COPY		1	/* no LAUNCH */

#define DRM_SINAN_PRIORITY_LOW		0
#define DRM_SINAN_PRIORITY_NORMAL	1
#define DRM_SINAN_PRIORITY_HIGH		2

/**
 * struct drm_sinan_queue_create - create a queue (one hardware queue).
 * @engine: In. DRM_SINAN_ENGINE_*.
 * @priority: In. DRM_SINAN_PRIORITY_*.
 * @flags: In. Must be 0.
 * @timeout_ms: In. Job timeout; 0 for the driver default (module
 *   parameter job_timeout_ms). A job running longer is treated as hung.
 * @queue_id: Out. Queue id, valid for this file only.
 * @pad: Must be 0.
 */
struct drm_sinan_queue_create {
	__u32 engine;
	__u32 priority;
	__u32 flags;
	__u32 timeout_ms;
	__u32 queue_id;
	__u32 pad;
};

/**
 * struct drm_sinan_queue_destroy - destroy a queue after its jobs finished.
 * @queue_id: In.
 * @pad: Must be 0.
 */
struct drm_sinan_queue_destroy {
	__u32 queue_id;
	__u32 pad;
};

#define DRM_SINAN_SYNC_FLAGS		0

/**
 * struct drm_sinan_sync - a syncobj (binary if @point is 0, else a timeline point).
 * @handle: In. Syncobj handle.
 * @flags: In. Must be 0.
 * @point: In. Timeline point, 0 for a binary syncobj.
 */
struct drm_sinan_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

#define DRM_SINAN_SUBMIT_MAX_BOS	4096
#define DRM_SINAN_SUBMIT_MAX_SYNCS	256
#define DRM_SINAN_SUBMIT_FLAGS		0

/**
 * struct drm_sinan_submit - queue a command buffer.
 * @queue_id: In. Queue of this file.
 * @flags: In. Must be 0.
 * @cmdbuf_va: In. Device VA of the command buffer, 64-byte aligned.
 * @cmdbuf_size: In. Bytes, a multiple of 64, 64 .. 16 MiB.
 * @bo_count: In. Entries at @bo_handles (at most DRM_SINAN_SUBMIT_MAX_BOS).
 * @bo_handles: In. User pointer to __u32 GEM handles the job uses; the job's
 *   fence is added to their reservation objects.
 * @in_sync_count: In. Entries at @in_syncs (at most DRM_SINAN_SUBMIT_MAX_SYNCS).
 * @out_sync_count: In. Entries at @out_syncs (at most DRM_SINAN_SUBMIT_MAX_SYNCS).
 * @in_syncs: In. User pointer to struct drm_sinan_sync the job waits for.
 * @out_syncs: In. User pointer to struct drm_sinan_sync signalled with the
 *   job's fence (timeline points are added as new points).
 * @seq: Out. The job's sequence number on its queue (starts at 1).
 */
struct drm_sinan_submit {
	__u32 queue_id;
	__u32 flags;
	__u64 cmdbuf_va;
	__u32 cmdbuf_size;
	__u32 bo_count;
	__u64 bo_handles;
	__u32 in_sync_count;
	__u32 out_sync_count;
	__u64 in_syncs;
	__u64 out_syncs;
	__u64 seq;
};

#define DRM_SINAN_WAIT_SEQ		0	/* wait for job @seq of queue @id */
#define DRM_SINAN_WAIT_BO		1	/* wait for every job using BO @id */

/**
 * struct drm_sinan_wait - wait for a job or a BO.
 * @kind: In. DRM_SINAN_WAIT_*.
 * @id: In. Queue id or GEM handle.
 * @seq: In. Sequence number for DRM_SINAN_WAIT_SEQ, else must be 0.
 * @timeout_ns: In. Absolute CLOCK_MONOTONIC deadline; -ETIME when it passes.
 * @flags: In. Must be 0.
 * @status: Out. 0 if the job(s) succeeded, else the negative fence error
 *   (-EFAULT fault, -ETIMEDOUT hang, -EIO device error, -ECANCELED lost in a
 *   reset). The ioctl itself returns 0 whenever the wait completed.
 */
struct drm_sinan_wait {
	__u32 kind;
	__u32 id;
	__u64 seq;
	__s64 timeout_ns;
	__u32 flags;
	__s32 status;
};

/*
 * Queue errors (drm_sinan_queue_status.error): the hardware's error codes
 * (SINAN_ERR_* in docs/hw-spec.md, same values), then the driver's own.
 */
#define DRM_SINAN_QUEUE_ERR_NONE		0
#define DRM_SINAN_QUEUE_ERR_BAD_PACKET		1	/* unknown opcode, reserved bits set */
#define DRM_SINAN_QUEUE_ERR_MMU_FAULT		2	/* translation or permission fault */
#define DRM_SINAN_QUEUE_ERR_DMA			3	/* host memory access failed */
#define DRM_SINAN_QUEUE_ERR_ILLEGAL_INSTR	4	/* AI core trapped */
#define DRM_SINAN_QUEUE_ERR_WATCHDOG		5	/* a packet exceeded the hardware watchdog */
#define DRM_SINAN_QUEUE_ERR_ECC			6	/* uncorrectable device-memory error */
#define DRM_SINAN_QUEUE_ERR_ABORTED		7	/* firmware crash or reset */
#define DRM_SINAN_QUEUE_ERR_BAD_RING		8
#define DRM_SINAN_QUEUE_ERR_ALIGN		9	/* misaligned address or size */
#define DRM_SINAN_QUEUE_ERR_CORE_BOUNDS		10	/* AI core access outside a local buffer */
#define DRM_SINAN_QUEUE_ERR_SYNC_HAZARD		11	/* pipes raced on a buffer */
#define DRM_SINAN_QUEUE_ERR_TIMEOUT		0x100	/* a job ran past the queue's timeout */

/* Queue states (drm_sinan_queue_status.state). */
#define DRM_SINAN_QUEUE_STATE_ACTIVE	0
#define DRM_SINAN_QUEUE_STATE_BANNED	1	/* guilty of an error: no more submits */

/**
 * struct drm_sinan_queue_status - health of a queue.
 * @queue_id: In.
 * @flags: In. Must be 0.
 * @state: Out. DRM_SINAN_QUEUE_STATE_*.
 * @guilty: Out. 1 if one of this queue's jobs caused a reset or fault.
 * @error: Out. DRM_SINAN_QUEUE_ERR_* of the last failure, 0 if none.
 * @err_pkt: Out. Index of the failing packet in its command buffer.
 * @fault_addr: Out. Faulting device VA for an MMU fault.
 * @fault_info: Out. Access kind and unit of the fault (SINAN_FAULT_*).
 * @reset_count: Out. Resets of this queue (and device resets it was part of).
 * @last_seq: Out. Last sequence number submitted.
 * @done_seq: Out. Last sequence number completed (successfully or not).
 * @busy_cycles: Out. Modeled cycles the hardware queue spent executing.
 */
struct drm_sinan_queue_status {
	__u32 queue_id;
	__u32 flags;
	__u32 state;
	__u32 guilty;
	__u32 error;
	__u32 err_pkt;
	__u64 fault_addr;
	__u32 fault_info;
	__u32 reset_count;
	__u64 last_seq;
	__u64 done_seq;
	__u64 busy_cycles;
};

#if defined(__cplusplus)
}
#endif

#endif /* __UAPI_SINAN_ACCEL_H__ */

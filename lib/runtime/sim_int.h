/* SPDX-License-Identifier: MIT */
/*
 * The simulator backend's driver: what sinan.ko does for the hardware, done
 * in-process for the device model (emu/core). Private to backend_sim*.c.
 */
#ifndef SINAN_SIM_INT_H
#define SINAN_SIM_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sinan_emu.h"
#include <sinan_hw/sinan_regs.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_mmu.h>
#include <sinan_hw/sinan_fw_if.h>
#include <uapi/drm/sinan_accel.h>

#include "sinan_int.h"

/* Address-space layout of the one context the simulator gives a process. */
#define SIM_ASID		1
#define SIM_VA_START		(2ULL << 20)		/* user buffers */
#define SIM_VA_END		(1ULL << 38)
#define SIM_KVA_START		(1ULL << 38)		/* rings, completion rings */
#define SIM_KVA_END		(1ULL << SINAN_VA_BITS)
#define SIM_BUS_BASE		(1ULL << 44)		/* bus addresses of host buffers */
#define SIM_RING_SIZE		(16u << 10)		/* 256 packets: 128 jobs */
#define SIM_CQ_SIZE		(8u << 10)		/* 128 records */
#define SIM_JOB_RING_BYTES	(2 * SINAN_PKT_SIZE)	/* INDIRECT + FENCE */
#define SIM_DEFAULT_TIMEOUT_MS	5000
#define SIM_STUCK_NS		1000000000ULL		/* no progress for 1 s: stuck */

/* A range allocator (device memory, virtual addresses, bus addresses). */
struct extent {
	uint64_t start, end;
	struct extent *next;
};
struct range_alloc {
	struct extent *free;	/* sorted, coalesced */
	uint64_t base, end;
	uint64_t used;
};
int ra_init(struct range_alloc *ra, uint64_t base, uint64_t end);
void ra_fini(struct range_alloc *ra);
/* Returns 0 and *out, or -ENOMEM. */
int ra_alloc(struct range_alloc *ra, uint64_t size, uint64_t align, uint64_t *out);
/* Take [start, start + size) if free: 0 or -EBUSY. */
int ra_take(struct range_alloc *ra, uint64_t start, uint64_t size);
void ra_free(struct range_alloc *ra, uint64_t start, uint64_t size);

struct sim_bo {
	uint32_t handle;		/* 0 once the handle is closed */
	int refs;			/* handle + mappings + jobs */
	uint64_t size;
	uint32_t placement;
	uint64_t pa;			/* device memory */
	void *host;			/* host memory (memfd mapping) */
	int memfd;
	uint64_t bus;
	uint64_t ino;			/* memfd identity, for self-import */
	uint64_t dev_no;
};

struct sim_mapping {
	struct sim_mapping *next;
	uint64_t va, size;
	struct sim_bo *bo;
	uint64_t offset;
	uint32_t flags;
};

struct sim_point {
	struct sim_point *next;
	uint64_t point;
	bool done;
};

struct sim_syncobj {
	uint32_t handle;
	int refs;			/* handle + jobs */
	uint64_t value;			/* highest point whose chain is signalled */
	uint64_t submitted;		/* highest point with a fence */
	struct sim_point *points;	/* pending, in submission order */
	/* binary (point 0) */
	bool bin_has_fence;
	bool bin_signaled;
	struct sim_job *bin_job;
};

struct sim_sync_ref {
	struct sim_syncobj *so;
	uint64_t point;
	struct sim_point *pt;		/* out: the chain node this job signals */
};

enum sim_job_state { JOB_QUEUED, JOB_PUSHED, JOB_DONE };

struct sim_job {
	struct sim_job *next;		/* queue FIFO */
	struct sim_queue *q;
	uint64_t seq;
	uint64_t cmd_va;
	uint32_t cmd_size;
	enum sim_job_state state;
	int status;
	uint64_t start_real;		/* host time it became the oldest running job */
	struct sim_bo **bos;
	uint32_t nbos;
	struct sim_sync_ref *in, *out;
	uint32_t nin, nout;
	int refs;			/* queue list + binary syncobj fences */
};

struct sim_queue {
	bool used;
	uint32_t id;			/* == hardware queue index */
	uint32_t engine, priority, timeout_ms;
	uint64_t ring_pa, ring_va, cq_pa, cq_va;
	uint32_t tail;			/* ring bytes written */
	uint32_t cq_rptr;
	uint64_t last_seq, done_seq;
	uint32_t pushed;		/* jobs in the ring */
	struct sim_job *jobs, **jobs_tail;
	bool banned;
	bool guilty;
	uint32_t error, err_pkt, fault_info;
	uint64_t fault_addr;
	uint32_t reset_count;
	uint64_t failed_seq;
	int failed_status;
	uint64_t busy_base;		/* busy cycles before the last reset */
	/* progress watch (can the virtual clock advance?) */
	uint64_t snap_busy, snap_head;
	uint64_t snap_real;
	bool stuck;
};

struct sim {
	struct sinan_emu *emu;
	struct sinan_emu_config cfg;
	pthread_mutex_t lock;		/* driver state; taken before the emu's lock */

	/* virtual clock */
	_Atomic uint64_t now_ns;
	pthread_mutex_t arm_lock;	/* never held while calling the emu */
	pthread_cond_t arm_cond;
	uint64_t armed_ns;
	uint64_t arm_gen;

	struct range_alloc devmem;
	struct range_alloc va;
	struct range_alloc kva;
	uint64_t ctx_table_pa, root_pa;
	uint64_t pt_pages;

	struct sim_bo **bos;		/* by handle - 1 */
	uint32_t nbos;
	struct sim_mapping *maps;
	struct sim_queue queues[SINAN_MAX_QUEUES];
	struct sim_syncobj **syncobjs;	/* by handle - 1 */
	uint32_t nsyncobjs;

	/* host memory the device may reach, sorted by bus address */
	pthread_rwlock_t host_lock;
	struct sim_bo **host;
	uint32_t nhost, host_cap;
	struct range_alloc bus;

	uint64_t ctx_mem_used;
	uint32_t reset_count;
	uint32_t uapi_version;
	uint32_t default_timeout_ms;
	char fw_version_str[32];
	char fw_source[256];
};

/* sim_drv.c: the device side (memory, MMU, firmware, queues, completions) */
int sim_hw_init(struct sim *s, const char *fw_path, bool fw_explicit);
void sim_hw_fini(struct sim *s);
int sim_pt_map(struct sim *s, uint64_t va, uint64_t addr, uint64_t size, uint64_t flags);
void sim_pt_unmap(struct sim *s, uint64_t va, uint64_t size);
void sim_mmu_invalidate(struct sim *s);
int sim_queue_hw_start(struct sim *s, struct sim_queue *q);
void sim_queue_hw_stop(struct sim *s, struct sim_queue *q);
/* Deliver what is due, process completions, push ready jobs, detect hangs. */
void sim_settle(struct sim *s);
/* Block (lock dropped) until something may have changed or @deadline. */
void sim_wait_change(struct sim *s, int64_t deadline);
void sim_kick(struct sim *s);
void sim_job_unref(struct sim *s, struct sim_job *j);
int sim_job_status(struct sim_queue *q, uint64_t seq, bool *done);
uint64_t sim_real_ns(void);
uint32_t sim_rd32(struct sim *s, uint64_t off);
uint64_t sim_rd64(struct sim *s, uint64_t off);
void sim_wr32(struct sim *s, uint64_t off, uint32_t v);
void sim_wr64(struct sim *s, uint64_t off, uint64_t v);
void sim_bo_unref(struct sim *s, struct sim_bo *bo);
void sim_syncobj_unref(struct sim *s, struct sim_syncobj *so);
bool sim_point_signaled(struct sim_syncobj *so, uint64_t point);
void sim_syncobj_advance(struct sim_syncobj *so);

/* The host side of the device: callbacks for the emu. */
extern const struct sinan_emu_host_ops sim_host_ops;

#endif /* SINAN_SIM_INT_H */

/* SPDX-License-Identifier: MIT */
/* Sinan device model core: internal definitions shared by the emu/core sources. */
#ifndef SINAN_EMU_INT_H
#define SINAN_EMU_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "sinan_emu.h"
#include <sinan_hw/sinan_regs.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_mmu.h>
#include <sinan_hw/sinan_fw_if.h>

#define EMU_TLB_SIZE		64
#define EMU_ACCESS_READ		SINAN_FAULT_READ
#define EMU_ACCESS_WRITE	SINAN_FAULT_WRITE
#define EMU_ACCESS_FETCH	SINAN_FAULT_FETCH

struct emu_tlb_entry {
	uint64_t vpn;		/* va >> 12, ~0 if empty */
	uint64_t pa;		/* page address */
	uint64_t flags;		/* SINAN_PTE_WRITE | SINAN_PTE_SYSMEM */
};

/* A translation cache: one per thread that translates (queue worker, AI core). */
struct emu_tlb {
	struct emu_tlb_entry e[EMU_TLB_SIZE];
	unsigned int gen;	/* emu->tlb_gen it was filled under */
};

/* Who is accessing memory: the fault record names it. */
struct emu_actor {
	struct emu_queue *q;	/* owner queue (translation context, injection) */
	struct emu_tlb *tlb;	/* NULL: the queue worker's */
	unsigned int unit;	/* SINAN_FAULT_UNIT_* */
	bool sysmem_ok;		/* AI cores reach only device memory */
	bool sys_read;		/* out: some read went to system memory */
	bool sys_write;		/* out: some write went to system memory */
};

/* Result of a failed access, copied into the queue's error registers. */
struct emu_fault {
	unsigned int err;	/* SINAN_ERR_* */
	uint64_t addr;		/* VA */
	unsigned int info;	/* access | unit << 8 */
};

/* A command buffer being executed (INDIRECT). */
struct emu_ib {
	bool active;
	uint64_t addr;
	uint64_t size;
	uint64_t pos;
	uint64_t seq;
};

/* Completion or error waiting for its modeled time. */
struct emu_pending {
	struct emu_pending *next;
	uint64_t due_ns;
	unsigned int queue;
	bool is_error;
	bool irq;
	struct sinan_cqe cqe;
	uint64_t cq_pa;		/* where the CQE goes (resolved by the worker) */
	bool cq_sysmem;
	bool cq_ok;
	bool cq_slot;		/* a completion-ring slot was reserved for it */
	uint32_t epoch;
};

struct emu_queue {
	struct sinan_emu *emu;
	unsigned int id;
	/* registers (under emu->lock) */
	uint64_t ring_base;
	uint32_t ring_size;
	uint32_t asid;
	uint64_t cq_base;
	uint32_t cq_size;
	uint32_t config;
	uint32_t watchdog_kc;
	uint32_t status;		/* SINAN_QS_* */
	uint32_t error;
	uint32_t err_pkt;
	uint64_t fault_addr;
	uint32_t fault_info;
	uint32_t head;			/* ring bytes consumed */
	uint32_t tail;			/* doorbell */
	uint64_t done_seq;		/* visible (delivered) */
	uint64_t cur_seq;
	uint32_t cq_wptr;		/* bytes reserved by the worker */
	uint32_t cq_written;		/* bytes delivered: SINAN_Q_CQ_WPTR */
	uint64_t busy_cycles;
	uint64_t jobs;
	bool enabled;
	bool stop_req;			/* DISABLE/RESET asked the worker to stop (atomic) */
	bool hung;			/* injected hang: no progress */
	unsigned int inject;		/* pending SINAN_INJECT_* (atomic: emu_inject_take) */
	/* worker-private */
	struct emu_ib ib;
	uint64_t t_cycles;		/* modeled time of the queue */
	uint64_t job_start;
	uint64_t job_busy;
	uint32_t epoch;
	struct emu_tlb tlb;		/* the worker's */
	bool thread_started;
	bool thread_busy;		/* executing a packet outside the lock */
	pthread_t thread;
	pthread_cond_t cond;		/* work for the worker */
};

struct sinan_emu {
	struct sinan_emu_config cfg;
	const struct sinan_emu_host_ops *ops;
	void *opaque;

	uint8_t *devmem;
	uint64_t devmem_size;

	pthread_mutex_t lock;		/* registers, queues, pending list */
	pthread_cond_t idle_cond;	/* a worker finished a packet */
	bool shutdown;

	/* global registers */
	uint32_t status;
	uint32_t global_cause;
	uint64_t irq_status;
	uint64_t irq_mask;
	uint32_t scratch;
	uint32_t prog_error;
	uint64_t ecc_addr;
	uint64_t ts_base_ns;		/* host time at reset: TIMESTAMP origin */
	bool intx_level;

	/* MMU */
	uint64_t ctx_table;
	uint32_t mmu_ctrl;
	atomic_uint tlb_gen;
	uint32_t inv_count;

	/* firmware */
	uint64_t fw_boot_addr;
	uint32_t fw_status;
	uint32_t fw_error;
	uint32_t fw_version;
	uint32_t fw_api;
	uint32_t fw_features;
	uint64_t fw_log_addr;
	uint32_t fw_log_size;
	uint32_t fw_log_wptr;
	uint64_t fw_boot_ns;
	uint64_t fw_hb_period_ns;
	uint64_t fw_hb_frozen;		/* heartbeat value when it died */
	uint32_t fw_boots;
	uint32_t mbox_cmd;
	uint32_t mbox_arg[4];
	uint32_t mbox_status;
	uint32_t mbox_resp[4];

	/* fault injection */
	uint32_t inject_count;

	pthread_mutex_t signal_lock;	/* SIGNAL_F_ADD atomicity, last_signal */
	uint64_t last_signal_cycles;	/* modeled time of the latest SIGNAL (for WAIT) */

	struct emu_queue *queues;
	struct emu_pending *pending;	/* sorted by due_ns */
	uint64_t armed_ns;		/* earliest timer requested, ~0 if none */

	struct sinan_emu_stats stats;
	struct emu_corepool *pool;
};

/* emu_dev.c */
void emu_guest_error(struct sinan_emu *emu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void emu_trace(struct sinan_emu *emu, enum sinan_emu_trace_kind k, uint64_t a, uint64_t b, uint64_t c);
uint64_t emu_now_cycles(struct sinan_emu *emu);
uint64_t emu_cycles_to_ns(struct sinan_emu *emu, uint64_t cycles);
void emu_raise_locked(struct sinan_emu *emu, uint64_t irq_bits);
void emu_global_cause_locked(struct sinan_emu *emu, uint32_t cause);
void emu_post_locked(struct sinan_emu *emu, struct emu_pending *p);
int sinan_emu_inject_locked(struct sinan_emu *emu, unsigned int kind, unsigned int queue);

/* emu_mmu.c */
int emu_translate(struct emu_queue *q, struct emu_tlb *tlb, uint64_t va, unsigned int access,
		  unsigned int unit, uint64_t *pa, bool *sysmem, struct emu_fault *f);
/* The table entries a walk read (8 bytes each): the context descriptor and a PTE per level. */
struct emu_walk {
	uint64_t pa[1 + SINAN_PT_LEVELS];
	unsigned int n;
};
int emu_translate_walk(struct emu_queue *q, struct emu_tlb *tlb, uint64_t va, unsigned int access,
		       unsigned int unit, uint64_t *pa, bool *sysmem, struct emu_fault *f,
		       struct emu_walk *walk);
void emu_tlb_flush(struct emu_tlb *tlb);

/* Consume a pending injected fault of @kind (any thread); true if it was pending. */
static inline bool emu_inject_take(struct emu_queue *q, unsigned int kind)
{
	unsigned int want = kind;

	if (__atomic_load_n(&q->inject, __ATOMIC_RELAXED) != kind)
		return false;
	return __atomic_compare_exchange_n(&q->inject, &want, SINAN_INJECT_NONE, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* emu_mem.c: accesses through a queue's address space */
int emu_va_read(struct emu_actor *a, uint64_t va, void *buf, uint64_t len,
		unsigned int access, struct emu_fault *f);
int emu_va_write(struct emu_actor *a, uint64_t va, const void *buf, uint64_t len,
		 struct emu_fault *f);
int emu_va_fill(struct emu_actor *a, uint64_t va, uint32_t pattern, uint64_t len,
		struct emu_fault *f);
int emu_va_copy(struct emu_actor *a, uint64_t dst, uint64_t src, uint64_t len,
		struct emu_fault *f);
/*
 * memcpy() for the device model's many short copies of variable length:
 * libc's, never GCC's inline "rep movs" expansion (which it picks for sizes
 * it can bound, and which is slow to start).
 */
void emu_copy(void *dst, const void *src, size_t n);
/* Physical accesses (firmware, page tables); false if out of range. */
bool emu_pa_ok(struct sinan_emu *emu, uint64_t pa, uint64_t len);

/*
 * The device-memory pages an AI-core instruction reaches, translated once
 * for all its bursts. emu_span_map() succeeds only when going through the
 * span gives exactly what per-access translation (emu_va_read/_write, page
 * by page, burst after burst) would: every page of the range is touched, in
 * order (n bursts of len bytes every stride >= len, gaps under a page), is
 * device memory and allows the access, no fault is pending injection, and a
 * write would not change a table entry the translations read. Otherwise it
 * leaves the TLB as it found it: use the per-access path.
 */
#define EMU_SPAN_PAGES	512
struct emu_span {
	uint64_t va;			/* first page */
	uint64_t npages;
	uint8_t *page[EMU_SPAN_PAGES];	/* host address of each page */
};
bool emu_span_map(struct emu_actor *a, struct emu_span *s, uint64_t va, uint64_t n, uint64_t len,
		  uint64_t stride, unsigned int access);
void emu_span_read(const struct emu_span *s, uint64_t va, void *buf, uint64_t len);
void emu_span_write(const struct emu_span *s, uint64_t va, const void *buf, uint64_t len);

/* emu_queue.c */
int emu_queues_init(struct sinan_emu *emu);
void emu_queues_fini(struct sinan_emu *emu);
uint64_t emu_queue_reg_read(struct sinan_emu *emu, unsigned int q, unsigned int reg, unsigned int size);
void emu_queue_reg_write(struct sinan_emu *emu, unsigned int q, unsigned int reg, uint64_t val,
			 unsigned int size);
void emu_doorbell_write(struct sinan_emu *emu, unsigned int q, unsigned int reg, uint64_t val);
uint64_t emu_doorbell_read(struct sinan_emu *emu, unsigned int q, unsigned int reg);
void emu_queues_stop_all_locked(struct sinan_emu *emu, unsigned int err, bool report);
void emu_queue_wait_idle_locked(struct emu_queue *q);
void emu_deliver_locked(struct sinan_emu *emu, struct emu_pending *p);

/* emu_fw.c */
void emu_fw_reset_locked(struct sinan_emu *emu);
void emu_fw_boot_locked(struct sinan_emu *emu);
void emu_fw_crash_locked(struct sinan_emu *emu);
uint32_t emu_fw_heartbeat_locked(struct sinan_emu *emu);
void emu_mbox_cmd_locked(struct sinan_emu *emu, uint32_t cmd);
void emu_fw_log(struct sinan_emu *emu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t emu_crc32(uint32_t crc, const void *buf, size_t len);

/* emu_launch.c: AI cores */
struct sinan_pkt_launch;
int emu_corepool_init(struct sinan_emu *emu);
void emu_corepool_fini(struct sinan_emu *emu);
int emu_launch(struct emu_queue *q, const struct sinan_pkt_launch *p, uint64_t *cycles,
	       struct emu_fault *f);

/* emu_cost.c */
uint64_t emu_cost_copy(struct sinan_emu *emu, uint64_t bytes, bool src_sys, bool dst_sys);
uint64_t emu_cost_fill(struct sinan_emu *emu, uint64_t bytes, bool dst_sys);
uint64_t emu_cost_packet(struct sinan_emu *emu, unsigned int opcode);

#endif /* SINAN_EMU_INT_H */

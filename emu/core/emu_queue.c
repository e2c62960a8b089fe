// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: hardware queues (docs/hw-spec.md, "Queues" and
 * "Packets"). Each enabled queue has a worker thread that fetches 64-byte
 * packets from its ring (and from command buffers named by INDIRECT),
 * executes them in order and accounts modeled cycles. Completion records and
 * interrupts are posted for delivery at the job's modeled end time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_int.h"

#define WAIT_POLL_NS		100000	/* WAIT packets re-read memory every 100 us */


static bool is_pow2_in(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v >= lo && v <= hi && !(v & (v - 1));
}

/* ---- registers ---------------------------------------------------------------- */

static bool qreg_is64(unsigned int r)
{
	return r == SINAN_Q_RING_BASE || r == SINAN_Q_CQ_BASE || r == SINAN_Q_FAULT_ADDR ||
	       r == SINAN_Q_DONE_SEQ || r == SINAN_Q_CUR_SEQ || r == SINAN_Q_BUSY_CYCLES ||
	       r == SINAN_Q_JOBS;
}

static uint64_t qreg_get(struct emu_queue *q, unsigned int r, bool *ok)
{
	*ok = true;
	switch (r) {
	case SINAN_Q_RING_BASE: return q->ring_base;
	case SINAN_Q_RING_SIZE: return q->ring_size;
	case SINAN_Q_ASID: return q->asid;
	case SINAN_Q_CQ_BASE: return q->cq_base;
	case SINAN_Q_CQ_SIZE: return q->cq_size;
	case SINAN_Q_CONFIG: return q->config;
	case SINAN_Q_CTRL: return 0;
	case SINAN_Q_STATUS: return q->status;
	case SINAN_Q_ERROR: return q->error;
	case SINAN_Q_ERR_PKT: return q->err_pkt;
	case SINAN_Q_FAULT_ADDR: return q->fault_addr;
	case SINAN_Q_FAULT_INFO: return q->fault_info;
	case SINAN_Q_WATCHDOG: return q->watchdog_kc;
	case SINAN_Q_HEAD: return q->head;
	case SINAN_Q_TAIL: return q->tail;
	case SINAN_Q_DONE_SEQ: return q->done_seq;
	case SINAN_Q_CUR_SEQ: return q->cur_seq;
	case SINAN_Q_CQ_WPTR: return q->cq_written;
	case SINAN_Q_BUSY_CYCLES: return q->busy_cycles;
	case SINAN_Q_JOBS: return q->jobs;
	}
	*ok = false;
	return 0;
}

static void qprog_error(struct sinan_emu *emu, unsigned int q, unsigned int r, uint32_t code,
			uint64_t val, const char *what)
{
	uint64_t addr = SINAN_QREG(q, r);

	emu->prog_error = code;
	emu_trace(emu, SINAN_TRACE_ERR_PROG, code, addr, val);
	emu_guest_error(emu, "sinan-npu: queue %u: %s (offset 0x%llx, value 0x%llx)", q, what,
			(unsigned long long)addr, (unsigned long long)val);
}

/* Resolve width: returns the register or -1; *shift = 32 for a high half. */
static int qreg_decode(struct sinan_emu *emu, unsigned int q, unsigned int r, unsigned int size,
		       unsigned int *shift, uint64_t val)
{
	*shift = 0;
	if (size == 8 && qreg_is64(r))
		return (int)r;
	if (size == 4) {
		if ((r & 4) && qreg_is64(r - 4)) {
			*shift = 32;
			return (int)(r - 4);
		}
		return (int)r;
	}
	qprog_error(emu, q, r, SINAN_PROG_ERR_ACCESS_SIZE, val, "access of a bad width");
	return -1;
}

uint64_t emu_queue_reg_read(struct sinan_emu *emu, unsigned int qi, unsigned int r, unsigned int size)
{
	struct emu_queue *q = &emu->queues[qi];
	unsigned int shift;
	int reg = qreg_decode(emu, qi, r, size, &shift, 0);
	uint64_t v;
	bool ok;

	if (reg < 0)
		return 0;
	v = qreg_get(q, (unsigned int)reg, &ok);
	if (!ok) {
		emu_trace(emu, SINAN_TRACE_UB_ACCESS, SINAN_QREG(qi, r), size, 0);
		return 0;
	}
	v >>= shift;
	return size == 4 ? (v & 0xffffffffu) : v;
}

static void queue_fail_locked(struct emu_queue *q, unsigned int err, uint64_t addr, unsigned int info,
			      uint32_t pkt_index);

static void queue_enable_locked(struct sinan_emu *emu, struct emu_queue *q)
{
	if (!(emu->status & SINAN_STATUS_FW_READY)) {
		qprog_error(emu, q->id, SINAN_Q_CTRL, SINAN_PROG_ERR_NOT_READY, SINAN_Q_CTRL_ENABLE,
			    "enable before the firmware booted");
		return;
	}
	if (q->status == SINAN_QS_ERROR) {
		qprog_error(emu, q->id, SINAN_Q_CTRL, SINAN_PROG_ERR_BAD_VALUE, SINAN_Q_CTRL_ENABLE,
			    "enable of a queue in error state (reset it first)");
		return;
	}
	if (q->enabled)
		return;
	q->enabled = true;
	__atomic_store_n(&q->stop_req, false, __ATOMIC_RELAXED);
	q->status = q->head == q->tail ? SINAN_QS_IDLE : SINAN_QS_RUNNING;
	if (!is_pow2_in(q->ring_size, 256, 16u << 20) || (q->ring_base & 63) ||
	    !is_pow2_in(q->cq_size, 64, 16u << 20) || (q->cq_base & 63) ||
	    q->asid >= emu->cfg.num_asids ||
	    SINAN_FLD_GET(SINAN_Q_CONFIG, ENGINE, q->config) > SINAN_Q_CONFIG_ENGINE_COPY) {
		queue_fail_locked(q, SINAN_ERR_BAD_RING, q->ring_base, 0, 0);
		return;
	}
	pthread_cond_signal(&q->cond);
}

/* Ask the worker to stop and wait until it is out of its current packet. */
void emu_queue_wait_idle_locked(struct emu_queue *q)
{
	while (q->thread_busy)
		pthread_cond_wait(&q->emu->idle_cond, &q->emu->lock);
}

static void queue_reset_locked(struct sinan_emu *emu, struct emu_queue *q)
{
	emu_trace(emu, SINAN_TRACE_RESET, 1, q->id, 0);
	__atomic_store_n(&q->stop_req, true, __ATOMIC_RELAXED);
	q->epoch++;	/* drops undelivered completions and the running packet's result */
	emu_queue_wait_idle_locked(q);
	q->enabled = false;
	__atomic_store_n(&q->stop_req, false, __ATOMIC_RELAXED);
	q->hung = false;
	__atomic_store_n(&q->inject, SINAN_INJECT_NONE, __ATOMIC_RELAXED);
	q->status = SINAN_QS_DISABLED;
	q->error = q->err_pkt = q->fault_info = 0;
	q->fault_addr = 0;
	q->head = q->tail = q->cq_wptr = q->cq_written = 0;
	q->done_seq = q->cur_seq = 0;
	q->ib.active = false;
	/* the worker is idle: its per-job accounting starts over too */
	q->job_busy = 0;
	q->job_start = q->t_cycles;
	emu->irq_status &= ~SINAN_IRQ_QUEUE(q->id);
}

void emu_queue_reg_write(struct sinan_emu *emu, unsigned int qi, unsigned int r, uint64_t val,
			 unsigned int size)
{
	struct emu_queue *q = &emu->queues[qi];
	unsigned int shift;
	int reg = qreg_decode(emu, qi, r, size, &shift, val);
	bool ok;

	if (reg < 0)
		return;
	if (size == 4 && qreg_is64((unsigned int)reg)) {
		uint64_t mask = 0xffffffffULL << shift;

		val = (qreg_get(q, (unsigned int)reg, &ok) & ~mask) | ((val << shift) & mask);
	}
	switch (reg) {
	case SINAN_Q_RING_BASE: case SINAN_Q_RING_SIZE: case SINAN_Q_ASID:
	case SINAN_Q_CQ_BASE: case SINAN_Q_CQ_SIZE: case SINAN_Q_CONFIG:
		if (q->enabled) {
			qprog_error(emu, qi, r, SINAN_PROG_ERR_QUEUE_BUSY, val,
				    "configuration written while the queue is enabled");
			return;
		}
		switch (reg) {
		case SINAN_Q_RING_BASE: q->ring_base = val; break;
		case SINAN_Q_RING_SIZE: q->ring_size = (uint32_t)val; break;
		case SINAN_Q_ASID: q->asid = (uint32_t)val; emu_tlb_flush(&q->tlb); break;
		case SINAN_Q_CQ_BASE: q->cq_base = val; break;
		case SINAN_Q_CQ_SIZE: q->cq_size = (uint32_t)val; break;
		case SINAN_Q_CONFIG:
			if (val & ~(SINAN_Q_CONFIG_ENGINE_MASK | SINAN_Q_CONFIG_PRIORITY_MASK |
				    SINAN_Q_CONFIG_IRQ_MASK))
				qprog_error(emu, qi, r, SINAN_PROG_ERR_BAD_VALUE, val,
					    "CONFIG: reserved bits set (ignored)");
			q->config = (uint32_t)(val & (SINAN_Q_CONFIG_ENGINE_MASK |
						      SINAN_Q_CONFIG_PRIORITY_MASK |
						      SINAN_Q_CONFIG_IRQ_MASK));
			break;
		}
		return;
	case SINAN_Q_WATCHDOG:
		q->watchdog_kc = (uint32_t)val;
		return;
	case SINAN_Q_CTRL:
		if (val & ~(SINAN_Q_CTRL_ENABLE | SINAN_Q_CTRL_DISABLE | SINAN_Q_CTRL_RESET) ||
		    __builtin_popcountll(val) > 1) {
			qprog_error(emu, qi, r, SINAN_PROG_ERR_BAD_VALUE, val,
				    "CTRL: exactly one of ENABLE, DISABLE, RESET");
			return;
		}
		if (val & SINAN_Q_CTRL_RESET) {
			queue_reset_locked(emu, q);
		} else if (val & SINAN_Q_CTRL_DISABLE) {
			__atomic_store_n(&q->stop_req, true, __ATOMIC_RELAXED);
			emu_queue_wait_idle_locked(q);
			q->enabled = false;
			__atomic_store_n(&q->stop_req, false, __ATOMIC_RELAXED);
			if (q->status != SINAN_QS_ERROR)
				q->status = SINAN_QS_DISABLED;
		} else if (val & SINAN_Q_CTRL_ENABLE) {
			queue_enable_locked(emu, q);
		}
		return;
	}
	(void)qreg_get(q, (unsigned int)reg, &ok);
	qprog_error(emu, qi, r, ok ? SINAN_PROG_ERR_READ_ONLY : SINAN_PROG_ERR_BAD_OFFSET, val,
		    ok ? "write to a read-only register" : "write to an unknown register");
}

uint64_t emu_doorbell_read(struct sinan_emu *emu, unsigned int qi, unsigned int r)
{
	struct emu_queue *q = &emu->queues[qi];

	switch (r) {
	case SINAN_DB_TAIL: return q->tail;
	case SINAN_DB_HEAD: return q->head;
	case SINAN_DB_DONE_SEQ: return q->done_seq;
	}
	emu_trace(emu, SINAN_TRACE_UB_ACCESS, SINAN_DOORBELL(qi) + r, 4, 0);
	return 0;
}

void emu_doorbell_write(struct sinan_emu *emu, unsigned int qi, unsigned int r, uint64_t val)
{
	struct emu_queue *q = &emu->queues[qi];
	uint32_t tail = (uint32_t)val;

	(void)r;
	emu_trace(emu, SINAN_TRACE_DOORBELL, qi, tail, 0);
	if (!q->enabled) {
		qprog_error(emu, qi, SINAN_Q_TAIL, SINAN_PROG_ERR_BAD_VALUE, val, "doorbell of a disabled queue");
		return;
	}
	if (q->status == SINAN_QS_ERROR)
		return;	/* a stopped queue ignores doorbells until reset */
	if ((tail & (SINAN_PKT_SIZE - 1)) || (uint32_t)(tail - q->head) > q->ring_size ||
	    (uint32_t)(tail - q->tail) > q->ring_size) {
		emu_guest_error(emu, "sinan-npu: queue %u: doorbell 0x%x outside the ring (head 0x%x, size 0x%x)",
				qi, tail, q->head, q->ring_size);
		queue_fail_locked(q, SINAN_ERR_BAD_RING, q->ring_base, 0, q->head / SINAN_PKT_SIZE);
		return;
	}
	q->tail = tail;
	if (q->status == SINAN_QS_IDLE && q->head != q->tail)
		q->status = SINAN_QS_RUNNING;
	/* The job's modeled start can't precede the doorbell. */
	pthread_cond_signal(&q->cond);
}

/* ---- completion delivery (timer context) ------------------------------------------ */

void emu_deliver_locked(struct sinan_emu *emu, struct emu_pending *p)
{
	struct emu_queue *q = &emu->queues[p->queue];

	if (p->epoch != q->epoch)
		return;	/* the queue was reset since */
	if (p->cq_ok) {
		if (p->cq_sysmem) {
			if (emu->ops->dma_write(emu->opaque, p->cq_pa, &p->cqe, sizeof(p->cqe)))
				emu_guest_error(emu, "sinan-npu: queue %u: completion write to 0x%llx failed",
						p->queue, (unsigned long long)p->cq_pa);
		} else if (emu_pa_ok(emu, p->cq_pa, sizeof(p->cqe))) {
			memcpy(emu->devmem + p->cq_pa, &p->cqe, sizeof(p->cqe));
		}
	}
	/* Slots are reserved in delivery order: the pointer covers written records only. */
	if (p->cq_slot)
		q->cq_written += SINAN_CQE_SIZE;
	if (!p->is_error && p->cqe.seq > q->done_seq)
		q->done_seq = p->cqe.seq;
	if (p->cq_ok) {
		q->jobs++;
		emu->stats.jobs++;
		emu_trace(emu, SINAN_TRACE_COMPLETE, p->queue, p->cqe.seq, p->cqe.status);
	}
	if (p->is_error)
		emu_global_cause_locked(emu, SINAN_CAUSE_QUEUE_ERROR |
					(p->cqe.status == SINAN_ERR_ECC ? SINAN_CAUSE_ECC : 0));
	if (p->irq && (q->config & SINAN_Q_CONFIG_IRQ_MASK))
		emu_raise_locked(emu, SINAN_IRQ_QUEUE(p->queue));
}

static struct emu_pending *pending_new(struct emu_queue *q, uint64_t due_cycles)
{
	struct emu_pending *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->queue = q->id;
	p->epoch = q->epoch;
	p->due_ns = emu_cycles_to_ns(q->emu, due_cycles);
	return p;
}

/* Reserve the next completion slot and resolve where it goes. */
static void pending_cq_slot(struct emu_queue *q, struct emu_pending *p)
{
	struct emu_fault f;
	struct emu_tlb tlb;	/* the worker may be using q->tlb right now */
	uint64_t va = q->cq_base + (q->cq_wptr & (q->cq_size - 1));

	q->cq_wptr += SINAN_CQE_SIZE;
	emu_tlb_flush(&tlb);
	tlb.gen = atomic_load(&q->emu->tlb_gen);
	p->cq_slot = true;
	p->cq_ok = !emu_translate(q, &tlb, va, EMU_ACCESS_WRITE, SINAN_FAULT_UNIT_QUEUE, &p->cq_pa,
				  &p->cq_sysmem, &f);
	if (!p->cq_ok)
		emu_guest_error(q->emu, "sinan-npu: queue %u: completion ring address 0x%llx does not translate",
				q->id, (unsigned long long)va);
}

/* Stop the queue on an error; called with the lock held. */
static void queue_fail_locked(struct emu_queue *q, unsigned int err, uint64_t addr, unsigned int info,
			      uint32_t pkt_index)
{
	struct sinan_emu *emu = q->emu;
	struct emu_pending *p;

	q->status = SINAN_QS_ERROR;
	q->error = err;
	q->err_pkt = pkt_index;
	q->fault_addr = addr;
	q->fault_info = info;
	q->ib.active = false;
	emu->stats.errors++;
	emu_trace(emu, SINAN_TRACE_ERR_QUEUE, q->id, err, addr);
	p = pending_new(q, q->t_cycles > emu_now_cycles(emu) ? q->t_cycles : emu_now_cycles(emu));
	if (!p)
		return;
	p->is_error = true;
	p->irq = true;
	p->cqe.seq = q->cur_seq;
	p->cqe.status = err;
	p->cqe.err_pkt = pkt_index;
	p->cqe.start_ts = q->job_start;
	p->cqe.end_ts = q->t_cycles;
	p->cqe.fault_addr = addr;
	p->cqe.fault_info = info;
	p->cqe.busy_cycles = q->job_busy;
	p->cqe.flags = SINAN_CQE_F_ERROR;
	if (q->cq_size)
		pending_cq_slot(q, p);
	emu_post_locked(emu, p);
}

/* ---- packet execution (worker thread, lock not held) ------------------------------- */

struct step {
	int err;		/* 0, or SINAN_ERR_* */
	struct emu_fault f;
	uint64_t cycles;
	bool advance;		/* packet consumed */
	bool waiting;		/* WAIT not satisfied */
	bool fence;
	bool fence_irq;
	uint64_t fence_seq;
	bool signal_irq;
	bool indirect;
	uint64_t ib_addr, ib_size, ib_seq;
	bool ib_end;
};

static bool rsvd_zero(const void *p, size_t from, size_t to)
{
	const uint8_t *b = p;

	for (size_t i = from; i < to; i++)
		if (b[i])
			return false;
	return true;
}

#define RSVD_OK(pkt, type, field) \
	rsvd_zero(pkt, offsetof(type, field), sizeof(type))

static int bad(struct step *s, unsigned int err, uint64_t addr)
{
	s->err = (int)err;
	s->f.err = err;
	s->f.addr = addr;
	s->f.info = 0;
	return -1;
}

static bool wait_cond(uint32_t flags, uint64_t cur, uint64_t want)
{
	switch (flags & SINAN_WAIT_F_COND_MASK) {
	case SINAN_WAIT_F_EQ: return cur == want;
	case SINAN_WAIT_F_NE: return cur != want;
	default: return cur >= want;
	}
}

static void exec_packet(struct emu_queue *q, const struct sinan_pkt *pkt, bool in_ib, struct step *s)
{
	struct sinan_emu *emu = q->emu;
	struct emu_actor qa = { .q = q, .unit = SINAN_FAULT_UNIT_QUEUE, .sysmem_ok = true };
	struct emu_actor ca = { .q = q, .unit = SINAN_FAULT_UNIT_COPY, .sysmem_ok = true };
	unsigned int op = SINAN_PKT_OPCODE(pkt->header);
	unsigned int flags = SINAN_PKT_FLAGS(pkt->header);

	s->advance = true;
	s->cycles = emu_cost_packet(emu, op);
	if (pkt->header & SINAN_PKT_HDR_RSVD_MASK) {
		bad(s, SINAN_ERR_BAD_PACKET, 0);
		return;
	}
	switch (op) {
	case SINAN_OP_NOP:
		if (flags || !rsvd_zero(pkt, 4, SINAN_PKT_SIZE))
			bad(s, SINAN_ERR_BAD_PACKET, 0);
		return;
	case SINAN_OP_COPY: {
		const struct sinan_pkt_copy *c = (const void *)pkt;

		if ((flags & ~SINAN_COPY_F_SG) || c->rsvd0 || !RSVD_OK(c, struct sinan_pkt_copy, rsvd)) {
			bad(s, SINAN_ERR_BAD_PACKET, 0);
			return;
		}
		if (flags & SINAN_COPY_F_SG) {
			if (c->size > SINAN_SG_MAX || (c->src & 7)) {
				bad(s, c->size > SINAN_SG_MAX ? SINAN_ERR_BAD_PACKET : SINAN_ERR_ALIGN, c->src);
				return;
			}
			for (uint64_t i = 0; i < c->size; i++) {
				struct sinan_sg_desc d;

				if (emu_va_read(&qa, c->src + i * sizeof(d), &d, sizeof(d), EMU_ACCESS_FETCH, &s->f) ||
				    (d.rsvd && bad(s, SINAN_ERR_BAD_PACKET, c->src + i * sizeof(d))) ||
				    emu_va_copy(&ca, d.dst, d.src, d.size, &s->f)) {
					s->err = (int)s->f.err;
					return;
				}
				s->cycles += emu_cost_copy(emu, d.size, ca.sys_read, ca.sys_write);
				ca.sys_read = ca.sys_write = false;
			}
			return;
		}
		if (c->size) {
			if (emu_va_copy(&ca, c->dst, c->src, c->size, &s->f)) {
				s->err = (int)s->f.err;
				return;
			}
			s->cycles += emu_cost_copy(emu, c->size, ca.sys_read, ca.sys_write);
		}
		return;
	}
	case SINAN_OP_FILL: {
		const struct sinan_pkt_fill *c = (const void *)pkt;

		if (flags || !RSVD_OK(c, struct sinan_pkt_fill, rsvd)) {
			bad(s, SINAN_ERR_BAD_PACKET, 0);
			return;
		}
		if ((c->dst & 3) || (c->size & 3)) {
			bad(s, SINAN_ERR_ALIGN, c->dst);
			return;
		}
		if (c->size && emu_va_fill(&ca, c->dst, c->pattern, c->size, &s->f)) {
			s->err = (int)s->f.err;
			return;
		}
		if (c->size)
			s->cycles += emu_cost_fill(emu, c->size, ca.sys_write);
		return;
	}
	case SINAN_OP_LAUNCH: {
		const struct sinan_pkt_launch *c = (const void *)pkt;
		uint64_t cyc = 0;

		if (flags || !RSVD_OK(c, struct sinan_pkt_launch, rsvd) ||
		    SINAN_FLD_GET(SINAN_Q_CONFIG, ENGINE, q->config) != SINAN_Q_CONFIG_ENGINE_COMPUTE ||
		    c->blocks == 0 || c->blocks > SINAN_LAUNCH_MAX_BLOCKS) {
			bad(s, SINAN_ERR_BAD_PACKET, c->prog);
			return;
		}
		if ((c->prog & 7) || (c->prog_size & 7) || c->prog_size == 0) {
			bad(s, SINAN_ERR_ALIGN, c->prog);
			return;
		}
		if (emu_inject_take(q, SINAN_INJECT_ILLEGAL_INSTR)) {
			bad(s, SINAN_ERR_ILLEGAL_INSTR, c->prog);
			return;
		}
		if (emu_launch(q, c, &cyc, &s->f))
			s->err = (int)s->f.err;
		s->cycles += cyc;
		return;
	}
	case SINAN_OP_SIGNAL: {
		const struct sinan_pkt_signal *c = (const void *)pkt;
		uint64_t v;

		if ((flags & ~(SINAN_SIGNAL_F_IRQ | SINAN_SIGNAL_F_ADD)) || c->rsvd0 ||
		    !RSVD_OK(c, struct sinan_pkt_signal, rsvd)) {
			bad(s, SINAN_ERR_BAD_PACKET, 0);
			return;
		}
		if (c->addr & 7) {
			bad(s, SINAN_ERR_ALIGN, c->addr);
			return;
		}
		pthread_mutex_lock(&emu->signal_lock);
		v = c->value;
		if (flags & SINAN_SIGNAL_F_ADD) {
			uint64_t cur;

			if (emu_va_read(&qa, c->addr, &cur, 8, EMU_ACCESS_READ, &s->f)) {
				pthread_mutex_unlock(&emu->signal_lock);
				s->err = (int)s->f.err;
				return;
			}
			v += cur;
		}
		if (emu_va_write(&qa, c->addr, &v, 8, &s->f))
			s->err = (int)s->f.err;
		if (q->t_cycles + s->cycles > emu->last_signal_cycles)
			emu->last_signal_cycles = q->t_cycles + s->cycles;
		pthread_mutex_unlock(&emu->signal_lock);
		s->signal_irq = flags & SINAN_SIGNAL_F_IRQ;
		return;
	}
	case SINAN_OP_WAIT: {
		const struct sinan_pkt_wait *c = (const void *)pkt;
		uint64_t cur;

		if ((flags & ~SINAN_WAIT_F_COND_MASK) || (flags & SINAN_WAIT_F_COND_MASK) == 3 ||
		    c->rsvd0 || !RSVD_OK(c, struct sinan_pkt_wait, rsvd)) {
			bad(s, SINAN_ERR_BAD_PACKET, 0);
			return;
		}
		if (c->addr & 7) {
			bad(s, SINAN_ERR_ALIGN, c->addr);
			return;
		}
		if (emu_va_read(&qa, c->addr, &cur, 8, EMU_ACCESS_READ, &s->f)) {
			s->err = (int)s->f.err;
			return;
		}
		if (!wait_cond(flags, cur, c->value)) {
			s->advance = false;
			s->waiting = true;
			s->cycles = 0;
			return;
		}
		pthread_mutex_lock(&emu->signal_lock);
		if (emu->last_signal_cycles > q->t_cycles + s->cycles)
			s->cycles = emu->last_signal_cycles - q->t_cycles;
		pthread_mutex_unlock(&emu->signal_lock);
		return;
	}
	case SINAN_OP_BARRIER:
		if (flags || !rsvd_zero(pkt, 4, SINAN_PKT_SIZE))
			bad(s, SINAN_ERR_BAD_PACKET, 0);
		return;
	case SINAN_OP_TIMESTAMP: {
		const struct sinan_pkt_timestamp *c = (const void *)pkt;
		uint64_t ts = q->t_cycles + s->cycles;

		if (flags || c->rsvd0 || !RSVD_OK(c, struct sinan_pkt_timestamp, rsvd)) {
			bad(s, SINAN_ERR_BAD_PACKET, 0);
			return;
		}
		if (c->addr & 7) {
			bad(s, SINAN_ERR_ALIGN, c->addr);
			return;
		}
		if (emu_va_write(&qa, c->addr, &ts, 8, &s->f))
			s->err = (int)s->f.err;
		return;
	}
	case SINAN_OP_INDIRECT: {
		const struct sinan_pkt_indirect *c = (const void *)pkt;

		if (in_ib || flags || c->rsvd0 || !RSVD_OK(c, struct sinan_pkt_indirect, rsvd) ||
		    c->size > SINAN_INDIRECT_MAX_SIZE) {
			bad(s, SINAN_ERR_BAD_PACKET, c->addr);
			return;
		}
		if ((c->addr & 63) || (c->size & 63)) {
			bad(s, SINAN_ERR_ALIGN, c->addr);
			return;
		}
		s->indirect = true;
		s->ib_addr = c->addr;
		s->ib_size = c->size;
		s->ib_seq = c->seq;
		return;
	}
	case SINAN_OP_FENCE: {
		const struct sinan_pkt_fence *c = (const void *)pkt;

		if (in_ib || (flags & ~SINAN_FENCE_F_IRQ) || c->rsvd0 ||
		    !RSVD_OK(c, struct sinan_pkt_fence, rsvd)) {
			bad(s, SINAN_ERR_BAD_PACKET, 0);
			return;
		}
		s->fence = true;
		s->fence_irq = flags & SINAN_FENCE_F_IRQ;
		s->fence_seq = c->seq;
		return;
	}
	}
	bad(s, SINAN_ERR_BAD_PACKET, 0);
}

/* Fetch and execute one packet; the lock is dropped around the execution. */
static void queue_step_locked(struct emu_queue *q)
{
	struct sinan_emu *emu = q->emu;
	struct emu_actor fa = { .q = q, .unit = SINAN_FAULT_UNIT_QUEUE, .sysmem_ok = true };
	struct sinan_pkt pkt;
	struct step s;
	uint32_t epoch = q->epoch;
	bool in_ib = q->ib.active;
	uint64_t va;
	uint32_t index;
	uint64_t limit;

	if (in_ib) {
		if (q->ib.pos >= q->ib.size) {
			q->ib.active = false;
			q->head += SINAN_PKT_SIZE;	/* the INDIRECT packet itself */
			return;
		}
		va = q->ib.addr + q->ib.pos;
		index = (uint32_t)(q->ib.pos / SINAN_PKT_SIZE);
	} else {
		va = q->ring_base + (q->head & (q->ring_size - 1));
		index = (q->head & (q->ring_size - 1)) / SINAN_PKT_SIZE;
	}
	if (q->t_cycles < emu_now_cycles(emu) && !in_ib)
		q->t_cycles = emu_now_cycles(emu);	/* idle until this doorbell */
	limit = (uint64_t)q->watchdog_kc * 1000;
	q->thread_busy = true;
	pthread_mutex_unlock(&emu->lock);

	memset(&s, 0, sizeof(s));
	if (emu_va_read(&fa, va, &pkt, sizeof(pkt), EMU_ACCESS_FETCH, &s.f))
		s.err = (int)s.f.err;
	else
		exec_packet(q, &pkt, in_ib, &s);
	if (!s.err && limit && s.cycles > limit) {
		s.err = SINAN_ERR_WATCHDOG;
		s.f.addr = va;
		s.f.info = 0;
	}

	pthread_mutex_lock(&emu->lock);
	q->thread_busy = false;
	pthread_cond_broadcast(&emu->idle_cond);
	if (epoch != q->epoch || q->stop_req)
		return;	/* reset or disabled meanwhile: forget this packet */
	emu->stats.packets++;
	if (s.err) {
		/* The failing packet used modeled time too (a launch up to its fault). */
		q->t_cycles += s.cycles;
		q->busy_cycles += s.cycles;
		q->job_busy += s.cycles;
		emu->stats.modeled_cycles += s.cycles;
		queue_fail_locked(q, (unsigned int)s.err, s.f.addr, s.f.info, index);
		return;
	}
	if (s.waiting) {
		q->status = SINAN_QS_WAITING;
		return;
	}
	q->status = SINAN_QS_RUNNING;
	emu_trace(emu, SINAN_TRACE_PACKET, q->id, SINAN_PKT_OPCODE(pkt.header), s.cycles);
	q->t_cycles += s.cycles;
	q->busy_cycles += s.cycles;
	q->job_busy += s.cycles;
	emu->stats.modeled_cycles += s.cycles;
	if (s.indirect) {
		q->ib.active = true;
		q->ib.addr = s.ib_addr;
		q->ib.size = s.ib_size;
		q->ib.pos = 0;
		q->ib.seq = s.ib_seq;
		q->cur_seq = s.ib_seq;
		q->job_start = q->t_cycles - s.cycles;
		return;	/* head advances when the buffer is done */
	}
	if (in_ib)
		q->ib.pos += SINAN_PKT_SIZE;
	else
		q->head += SINAN_PKT_SIZE;
	if (s.signal_irq) {
		struct emu_pending *p = pending_new(q, q->t_cycles);

		if (p) {
			p->irq = true;
			emu_post_locked(emu, p);
		}
	}
	if (s.fence) {
		struct emu_pending *p = pending_new(q, q->t_cycles);

		if (p) {
			p->irq = s.fence_irq;
			p->cqe.seq = s.fence_seq;
			p->cqe.start_ts = q->job_start;
			p->cqe.end_ts = q->t_cycles;
			p->cqe.busy_cycles = q->job_busy;
			pending_cq_slot(q, p);
			emu_post_locked(emu, p);
		}
		q->cur_seq = s.fence_seq;
		q->job_busy = 0;
		q->job_start = q->t_cycles;
	}
	if (!q->ib.active && q->head == q->tail)
		q->status = SINAN_QS_IDLE;
}

static bool queue_runnable(struct emu_queue *q)
{
	return q->enabled && !q->stop_req && !q->hung && q->status != SINAN_QS_ERROR &&
	       (q->ib.active || q->head != q->tail);
}

static void *queue_thread(void *arg)
{
	struct emu_queue *q = arg;
	struct sinan_emu *emu = q->emu;

	pthread_mutex_lock(&emu->lock);
	while (!emu->shutdown) {
		if (!queue_runnable(q)) {
			pthread_cond_wait(&q->cond, &emu->lock);
			continue;
		}
		queue_step_locked(q);
		if (q->status == SINAN_QS_WAITING && queue_runnable(q)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += WAIT_POLL_NS;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&q->cond, &emu->lock, &ts);
		}
	}
	pthread_mutex_unlock(&emu->lock);
	return NULL;
}

int emu_queues_init(struct sinan_emu *emu)
{
	emu->queues = calloc(emu->cfg.num_queues, sizeof(*emu->queues));
	if (!emu->queues)
		return -ENOMEM;
	for (unsigned int i = 0; i < emu->cfg.num_queues; i++) {
		struct emu_queue *q = &emu->queues[i];

		q->emu = emu;
		q->id = i;
		pthread_cond_init(&q->cond, NULL);
		emu_tlb_flush(&q->tlb);
		if (pthread_create(&q->thread, NULL, queue_thread, q)) {
			emu->shutdown = true;
			for (unsigned int j = 0; j < i; j++) {
				pthread_cond_signal(&emu->queues[j].cond);
				pthread_join(emu->queues[j].thread, NULL);
			}
			free(emu->queues);
			return -ENOMEM;
		}
		q->thread_started = true;
	}
	return 0;
}

void emu_queues_fini(struct sinan_emu *emu)
{
	pthread_mutex_lock(&emu->lock);
	emu->shutdown = true;
	for (unsigned int i = 0; i < emu->cfg.num_queues; i++)
		pthread_cond_signal(&emu->queues[i].cond);
	pthread_mutex_unlock(&emu->lock);
	for (unsigned int i = 0; i < emu->cfg.num_queues; i++) {
		if (emu->queues[i].thread_started)
			pthread_join(emu->queues[i].thread, NULL);
		pthread_cond_destroy(&emu->queues[i].cond);
	}
	free(emu->queues);
}

/*
 * Stop every queue (device reset, firmware crash). With @report, each queue
 * that was running posts an error record with @err and interrupts.
 */
void emu_queues_stop_all_locked(struct sinan_emu *emu, unsigned int err, bool report)
{
	for (unsigned int i = 0; i < emu->cfg.num_queues; i++) {
		__atomic_store_n(&emu->queues[i].stop_req, true, __ATOMIC_RELAXED);
		emu->queues[i].epoch++;
	}
	for (unsigned int i = 0; i < emu->cfg.num_queues; i++) {
		struct emu_queue *q = &emu->queues[i];

		emu_queue_wait_idle_locked(q);
		__atomic_store_n(&q->stop_req, false, __ATOMIC_RELAXED);
		if (report && q->enabled && q->status != SINAN_QS_ERROR)
			queue_fail_locked(q, err, 0, 0, 0);
		q->enabled = false;
		if (q->status != SINAN_QS_ERROR)
			q->status = SINAN_QS_DISABLED;
	}
}

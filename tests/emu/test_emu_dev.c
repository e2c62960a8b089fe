// SPDX-License-Identifier: MIT
/*
 * The rest of the device model core (emu/core): MMU walks, every queue
 * packet, completion records and DONE_SEQ, injected faults (each leaving the
 * other queues working), register access-size rules and firmware boot.
 * The expected behaviour is the one the include/sinan_hw headers specify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "harness.h"

static struct h_dev *H;

static int setup(void **st)
{
	(void)st;
	H = h_new(NULL);
	h_queue(H, 0, SINAN_Q_CONFIG_ENGINE_COMPUTE);
	h_queue(H, 1, SINAN_Q_CONFIG_ENGINE_COMPUTE);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	h_free(H);
	return 0;
}

static struct sinan_pkt_copy copy_pkt(uint64_t dst, uint64_t src, uint64_t size)
{
	return (struct sinan_pkt_copy){ .header = SINAN_PKT_HDR(SINAN_OP_COPY, 0), .dst = dst, .src = src,
					.size = size };
}

static void fill_rand(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)h_rand64();
}

/* Run one packet on queue @q expecting @err; reset the queue after an error. */
static void job_expect(unsigned int q, const void *pkt, unsigned int err, struct h_result *r)
{
	h_job(H, q, pkt, r);
	if (r->err != err)
		fail_msg("queue %u: error %u, want %u (%s)", q, r->err, err, h_last_guest_error(H));
	if (err) {
		assert_int_equal(h_qrd(H, q, SINAN_Q_STATUS), SINAN_QS_ERROR);
		h_queue_reset(H, q);
	}
}

/* ---- MMU ---------------------------------------------------------------------------------- */

static void test_mmu_pages_and_blocks(void **st)
{
	uint64_t a = h_buf(H, 3 * 4096), b = h_buf(H, 3 * 4096);
	uint64_t blk_pa = h_alloc_pa(H, 2 * SINAN_BLOCK_SIZE, SINAN_BLOCK_SIZE);
	uint64_t blk_va = 0x2000000000ULL + SINAN_BLOCK_SIZE;
	struct sinan_pkt_copy c;
	struct h_result r;

	(void)st;
	fill_rand(h_va(H, a), 3 * 4096);
	/* 4 KiB pages, crossing page boundaries at odd offsets */
	c = copy_pkt(b + 5, a + 3, 3 * 4096 - 10);
	job_expect(0, &c, 0, &r);
	assert_memory_equal((uint8_t *)h_va(H, b) + 5, (uint8_t *)h_va(H, a) + 3, 3 * 4096 - 10);
	/* a 2 MiB block: data lands at the right physical offsets */
	h_map_block(H, 0, blk_va, blk_pa, SINAN_PTE_WRITE);
	c = copy_pkt(blk_va + SINAN_BLOCK_SIZE - 4096 - 7, a, 8192);	/* crosses out of the block */
	job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
	assert_int_equal(r.fault_addr, blk_va + SINAN_BLOCK_SIZE);
	assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_WRITE);
	assert_int_equal((r.fault_info & SINAN_FAULT_UNIT_MASK) >> 8, SINAN_FAULT_UNIT_COPY);
	c = copy_pkt(blk_va + 123456, a, 3 * 4096);
	job_expect(0, &c, 0, &r);
	assert_memory_equal(h_pa(H, blk_pa + 123456), h_va(H, a), 3 * 4096);
}

static void test_mmu_bad_entries(void **st)
{
	uint64_t src = h_buf(H, 4096), va = 0x3000000000ULL;
	uint64_t pa = h_alloc_pa(H, 4096, 4096);
	struct sinan_pkt_copy c;
	struct h_result r;
	static const struct {
		unsigned int level;
		uint64_t pte;
	} bad[] = {
		{ 2, SINAN_PTE_VALID | SINAN_PTE_LEAF | SINAN_PTE_WRITE | 0x10 },	/* reserved low bits */
		{ 2, SINAN_PTE_VALID | SINAN_PTE_LEAF | SINAN_PTE_WRITE | (1ULL << 60) },	/* reserved high */
		{ 2, SINAN_PTE_VALID | SINAN_PTE_WRITE },	/* L2 entry must be a leaf */
		{ 2, SINAN_PTE_LEAF | SINAN_PTE_WRITE },	/* not valid */
		{ 0, SINAN_PTE_VALID | SINAN_PTE_LEAF },	/* no leaves at L0 */
		{ 1, SINAN_PTE_VALID | SINAN_PTE_LEAF | SINAN_PTE_WRITE | 0x1000 },	/* block not 2 MiB aligned */
	};

	(void)st;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = va + (uint64_t)i * (1ULL << 30);	/* a separate L1 entry each */
		uint64_t e = bad[i].pte | (bad[i].level == 2 ? pa : 0);

		if (bad[i].level == 0)
			v = 0x4000000000ULL + (uint64_t)i * (1ULL << 30);	/* its own L0 slot */
		h_set_pte(H, 0, v, bad[i].level, e);
		h_mmu_inv(H);
		c = copy_pkt(v + 8, src, 16);
		job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
		assert_int_equal(r.fault_addr, v + 8);
		assert_int_equal(h_qrd(H, 0, SINAN_Q_FAULT_ADDR), 0);	/* cleared by the reset */
	}
	/* beyond the 39-bit VA space */
	c = copy_pkt(1ULL << 39, src, 16);
	job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
	assert_int_equal(r.fault_addr, 1ULL << 39);
	/* a page pointing outside device memory */
	h_set_pte(H, 0, va + 4096, 2, SINAN_PTE_VALID | SINAN_PTE_LEAF | SINAN_PTE_WRITE |
		  ((sinan_emu_devmem_size(h_emu(H)) + 4096) & SINAN_PTE_ADDR_MASK));
	h_mmu_inv(H);
	c = copy_pkt(va + 4096, src, 16);
	job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
}

static void test_mmu_readonly_and_invalidate(void **st)
{
	uint64_t src = h_buf(H, 4096), va = 0x3800000000ULL;
	uint64_t pa1 = h_alloc_pa(H, 4096, 4096), pa2 = h_alloc_pa(H, 4096, 4096);
	struct sinan_pkt_copy c;
	struct h_result r;

	(void)st;
	fill_rand(h_va(H, src), 4096);
	memset(h_pa(H, pa1), 0, 4096);
	memset(h_pa(H, pa2), 0, 4096);
	h_map(H, 0, va, pa1, 4096, 0);		/* read-only */
	h_mmu_inv(H);
	c = copy_pkt(src, va, 64);		/* reading it works */
	job_expect(0, &c, 0, &r);
	c = copy_pkt(va + 32, src, 64);
	job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
	assert_int_equal(r.fault_addr, va + 32);
	assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_WRITE);
	/* remap writable to pa2: after MMU_INV, the new translation is used */
	h_map(H, 0, va, pa2, 4096, SINAN_PTE_WRITE);
	h_mmu_inv(H);
	assert_true(h_rd(H, SINAN_REG_MMU_INV_COUNT, 4) > 0);
	c = copy_pkt(va, src, 4096);
	job_expect(0, &c, 0, &r);
	assert_memory_equal(h_pa(H, pa2), h_va(H, src), 4096);
	/* MMU disabled: everything faults */
	h_wr(H, SINAN_REG_MMU_CTRL, 0, 4);
	c = copy_pkt(va, src, 16);
	job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
	h_wr(H, SINAN_REG_MMU_CTRL, SINAN_MMU_CTRL_ENABLE, 4);
	/* a queue on an address space whose context is not valid */
	h_wr(H, SINAN_QREG(2, SINAN_Q_ASID), 5, 4);
	h_wr(H, SINAN_QREG(2, SINAN_Q_RING_BASE), 0x1000, 8);
	h_wr(H, SINAN_QREG(2, SINAN_Q_RING_SIZE), 4096, 4);
	h_wr(H, SINAN_QREG(2, SINAN_Q_CQ_BASE), 0x2000, 8);
	h_wr(H, SINAN_QREG(2, SINAN_Q_CQ_SIZE), 4096, 4);
	h_wr(H, SINAN_QREG(2, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE, 4);
	h_wr(H, SINAN_DOORBELL(2), 64, 4);
	h_wait(H, 2);
	assert_int_equal(h_qrd(H, 2, SINAN_Q_ERROR), SINAN_ERR_MMU_FAULT);	/* packet fetch */
	assert_int_equal(h_qrd(H, 2, SINAN_Q_FAULT_ADDR), 0x1000);
	assert_int_equal(h_qrd(H, 2, SINAN_Q_FAULT_INFO) & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_FETCH);
	h_wr(H, SINAN_QREG(2, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET, 4);
}

/* ---- packets ---------------------------------------------------------------------------------- */

static void test_pkt_nop_barrier_unknown(void **st)
{
	struct sinan_pkt p = { .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };
	struct h_result r;

	(void)st;
	job_expect(0, &p, 0, &r);
	p.header = SINAN_PKT_HDR(SINAN_OP_BARRIER, 0);
	job_expect(0, &p, 0, &r);
	p.q[3] = 1;				/* reserved word */
	job_expect(0, &p, SINAN_ERR_BAD_PACKET, &r);
	p = (struct sinan_pkt){ .header = SINAN_PKT_HDR(SINAN_OP_NOP, 1) };	/* flags */
	job_expect(0, &p, SINAN_ERR_BAD_PACKET, &r);
	p.header = SINAN_PKT_HDR(SINAN_OP_COUNT, 0);				/* unknown */
	job_expect(0, &p, SINAN_ERR_BAD_PACKET, &r);
	p.header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) | 0x10000;			/* header reserved */
	job_expect(0, &p, SINAN_ERR_BAD_PACKET, &r);
	assert_int_equal(r.cqe.err_pkt, 0);
}

static void test_pkt_copy(void **st)
{
	uint64_t d = h_buf(H, 65536), s = h_buf(H, 65536), sys = h_sys_buf(H, 65536);
	struct sinan_pkt_copy c;
	struct h_result r;

	(void)st;
	fill_rand(h_va(H, s), 65536);
	fill_rand(h_va(H, sys), 65536);
	c = copy_pkt(d, s, 65536);
	job_expect(0, &c, 0, &r);
	assert_memory_equal(h_va(H, d), h_va(H, s), 65536);
	c = copy_pkt(d + 1, sys + 2, 10000);			/* host -> device */
	job_expect(0, &c, 0, &r);
	assert_memory_equal((uint8_t *)h_va(H, d) + 1, (uint8_t *)h_va(H, sys) + 2, 10000);
	c = copy_pkt(sys + 100, s + 7, 777);			/* device -> host */
	job_expect(0, &c, 0, &r);
	assert_memory_equal((uint8_t *)h_va(H, sys) + 100, (uint8_t *)h_va(H, s) + 7, 777);
	c = copy_pkt(0, 0, 0);					/* size 0: nothing, no fault */
	job_expect(0, &c, 0, &r);
	c = copy_pkt(d, s, 16);
	c.rsvd0 = 1;
	job_expect(0, &c, SINAN_ERR_BAD_PACKET, &r);
	c = copy_pkt(d, s, 16);
	c.rsvd[2] = 1;
	job_expect(0, &c, SINAN_ERR_BAD_PACKET, &r);
}

static void test_pkt_copy_sg(void **st)
{
	uint64_t tab = h_buf(H, 4096), d = h_buf(H, 8192), s = h_buf(H, 8192);
	struct sinan_sg_desc *sg = h_va(H, tab);
	struct sinan_pkt_copy c = { .header = SINAN_PKT_HDR(SINAN_OP_COPY, SINAN_COPY_F_SG) };
	struct h_result r;

	(void)st;
	fill_rand(h_va(H, s), 8192);
	memset(h_va(H, d), 0, 8192);
	sg[0] = (struct sinan_sg_desc){ .dst = d + 100, .src = s + 5000, .size = 300 };
	sg[1] = (struct sinan_sg_desc){ .dst = d + 4000, .src = s + 1, .size = 3000 };
	sg[2] = (struct sinan_sg_desc){ .dst = d, .src = s, .size = 0 };
	c.src = tab;
	c.size = 3;
	job_expect(0, &c, 0, &r);
	assert_memory_equal((uint8_t *)h_va(H, d) + 100, (uint8_t *)h_va(H, s) + 5000, 300);
	assert_memory_equal((uint8_t *)h_va(H, d) + 4000, (uint8_t *)h_va(H, s) + 1, 3000);
	assert_int_equal(((uint8_t *)h_va(H, d))[99], 0);
	sg[1].rsvd = 1;
	job_expect(0, &c, SINAN_ERR_BAD_PACKET, &r);
	assert_int_equal(r.fault_addr, tab + sizeof(*sg));
	sg[1].rsvd = 0;
	c.size = SINAN_SG_MAX + 1;
	job_expect(0, &c, SINAN_ERR_BAD_PACKET, &r);
	c.size = 1;
	c.src = tab + 4;
	job_expect(0, &c, SINAN_ERR_ALIGN, &r);
	c.src = 0x5000000000ULL;				/* table unmapped */
	job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
	assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_FETCH);
}

static void test_pkt_fill(void **st)
{
	uint64_t d = h_buf(H, 16384);
	struct sinan_pkt_fill f = { .header = SINAN_PKT_HDR(SINAN_OP_FILL, 0), .pattern = 0xa1b2c3d4 };
	struct h_result r;
	uint32_t *p = h_va(H, d);

	(void)st;
	memset(p, 0, 16384);
	f.dst = d + 8;
	f.size = 10000;
	job_expect(0, &f, 0, &r);
	assert_int_equal(p[1], 0);
	for (unsigned int i = 2; i < 2 + 2500; i++)
		assert_int_equal(p[i], 0xa1b2c3d4);
	assert_int_equal(p[2502], 0);
	f.dst = d + 2;
	job_expect(0, &f, SINAN_ERR_ALIGN, &r);
	f.dst = d;
	f.size = 6;
	job_expect(0, &f, SINAN_ERR_ALIGN, &r);
}

static void test_pkt_signal_wait_timestamp(void **st)
{
	uint64_t m = h_buf(H, 4096);
	uint64_t *w = h_va(H, m);
	struct sinan_pkt_signal s = { .header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, 0), .addr = m, .value = 41 };
	struct sinan_pkt_wait wt = { .header = SINAN_PKT_HDR(SINAN_OP_WAIT, SINAN_WAIT_F_GE), .addr = m };
	struct sinan_pkt_timestamp ts = { .header = SINAN_PKT_HDR(SINAN_OP_TIMESTAMP, 0), .addr = m + 16 };
	struct h_result r;
	unsigned int irq0;

	(void)st;
	job_expect(0, &s, 0, &r);
	assert_int_equal(w[0], 41);
	s.header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, SINAN_SIGNAL_F_ADD | SINAN_SIGNAL_F_IRQ);
	s.value = 1;
	irq0 = h_irqs(H, SINAN_MSIX_VEC_QUEUE(0));
	job_expect(0, &s, 0, &r);
	assert_int_equal(w[0], 42);
	assert_true(h_irqs(H, SINAN_MSIX_VEC_QUEUE(0)) > irq0);
	assert_true(h_rd(H, SINAN_REG_IRQ_STATUS, 8) & SINAN_IRQ_QUEUE(0));
	h_wr(H, SINAN_REG_IRQ_STATUS, SINAN_IRQ_QUEUE(0), 8);
	/* WAIT conditions that already hold */
	wt.value = 42;
	job_expect(0, &wt, 0, &r);
	wt.header = SINAN_PKT_HDR(SINAN_OP_WAIT, SINAN_WAIT_F_EQ);
	job_expect(0, &wt, 0, &r);
	wt.header = SINAN_PKT_HDR(SINAN_OP_WAIT, SINAN_WAIT_F_NE);
	wt.value = 7;
	job_expect(0, &wt, 0, &r);
	wt.header = SINAN_PKT_HDR(SINAN_OP_WAIT, 3);		/* no such condition */
	job_expect(0, &wt, SINAN_ERR_BAD_PACKET, &r);
	/* timestamps are modeled cycles and move forward */
	job_expect(0, &ts, 0, &r);
	ts.addr = m + 24;
	job_expect(0, &ts, 0, &r);
	assert_true(w[3] > w[2]);
	s.addr = m + 4;
	job_expect(0, &s, SINAN_ERR_ALIGN, &r);
	ts.addr = m + 1;
	job_expect(0, &ts, SINAN_ERR_ALIGN, &r);
}

/* Queue 1 WAITs on a word; queue 0 SIGNALs it later; queue 1 then finishes no earlier
 * (in modeled time) than the SIGNAL. */
static void test_pkt_wait_cross_queue(void **st)
{
	uint64_t m = h_buf(H, 4096);
	struct sinan_pkt_wait wt = { .header = SINAN_PKT_HDR(SINAN_OP_WAIT, SINAN_WAIT_F_GE), .addr = m, .value = 5 };
	struct sinan_pkt_signal s = { .header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, 0), .addr = m, .value = 5 };
	struct sinan_pkt_fence f = { .header = SINAN_PKT_HDR(SINAN_OP_FENCE, 0), .seq = 900 };
	struct sinan_pkt_fill fill = { .header = SINAN_PKT_HDR(SINAN_OP_FILL, 0), .dst = h_buf(H, 1 << 20),
				       .size = 1 << 20 };
	struct sinan_cqe cq;
	struct h_result r;
	unsigned int n1 = h_cqe_count(H, 1);

	(void)st;
	*(uint64_t *)h_va(H, m) = 0;
	h_push(H, 1, &wt);
	h_push(H, 1, &f);
	h_doorbell(H, 1);
	nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	assert_int_equal(h_qrd(H, 1, SINAN_Q_STATUS), SINAN_QS_WAITING);
	/* a long FILL first so the SIGNAL happens late in queue 0's modeled time */
	h_push(H, 0, &fill);
	h_job(H, 0, &s, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(h_wait(H, 1), SINAN_QS_IDLE);
	h_cqe(H, 1, n1, &cq);
	assert_int_equal(cq.seq, 900);
	assert_true(cq.end_ts >= r.cqe.end_ts - 300);	/* after the SIGNAL (before queue 0's FENCE) */
	assert_int_equal(h_qrd(H, 1, SINAN_Q_DONE_SEQ), 900);
}

static void test_pkt_indirect_fence(void **st)
{
	uint64_t ib = h_buf(H, 4096), m = h_buf(H, 4096);
	struct sinan_pkt *pk = h_va(H, ib);
	struct sinan_pkt_indirect in = { .header = SINAN_PKT_HDR(SINAN_OP_INDIRECT, 0), .addr = ib, .size = 3 * 64,
					 .seq = 77 };
	struct sinan_pkt_fence f = { .header = SINAN_PKT_HDR(SINAN_OP_FENCE, SINAN_FENCE_F_IRQ), .seq = 77 };
	struct sinan_cqe cq;
	unsigned int n0 = h_cqe_count(H, 0), irq = h_irqs(H, SINAN_MSIX_VEC_QUEUE(0));
	struct h_result r;

	(void)st;
	memset(pk, 0, 4096);
	{
		struct sinan_pkt_signal s0 = { .header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, 0), .addr = m, .value = 11 };
		struct sinan_pkt_signal s2 = { .header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, 0), .addr = m + 8, .value = 12 };

		memcpy(&pk[0], &s0, 64);
		pk[1] = (struct sinan_pkt){ .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };
		memcpy(&pk[2], &s2, 64);
	}
	h_push(H, 0, &in);
	h_push(H, 0, &f);
	h_doorbell(H, 0);
	assert_int_equal(h_wait(H, 0), SINAN_QS_IDLE);
	assert_int_equal(((uint64_t *)h_va(H, m))[0], 11);
	assert_int_equal(((uint64_t *)h_va(H, m))[1], 12);
	assert_int_equal(h_qrd(H, 0, SINAN_Q_CUR_SEQ), 77);
	assert_int_equal(h_qrd(H, 0, SINAN_Q_DONE_SEQ), 77);
	assert_int_equal(h_rd(H, SINAN_DOORBELL(0) + SINAN_DB_DONE_SEQ, 8), 77);
	h_cqe(H, 0, n0, &cq);
	assert_int_equal(cq.seq, 77);
	assert_int_equal(cq.status, 0);
	assert_int_equal(cq.flags, 0);
	assert_true(cq.end_ts > cq.start_ts);
	assert_true(cq.busy_cycles > 0);
	assert_true(h_irqs(H, SINAN_MSIX_VEC_QUEUE(0)) > irq);
	h_wr(H, SINAN_REG_IRQ_STATUS, ~0ULL, 8);

	/* an error inside the buffer: err_pkt is the index in the buffer, seq the buffer's */
	pk[1].header = SINAN_PKT_HDR(SINAN_OP_COUNT, 0);
	in.seq = 78;
	job_expect(0, &in, SINAN_ERR_BAD_PACKET, &r);
	assert_int_equal(r.cqe.err_pkt, 1);
	assert_int_equal(r.cqe.seq, 78);
	/* nesting, FENCE inside, misalignment */
	memcpy(&pk[1], &in, 64);
	job_expect(0, &in, SINAN_ERR_BAD_PACKET, &r);
	memcpy(&pk[1], &f, 64);
	job_expect(0, &in, SINAN_ERR_BAD_PACKET, &r);
	in.addr = ib + 32;
	job_expect(0, &in, SINAN_ERR_ALIGN, &r);
	in.addr = ib;
	in.size = SINAN_INDIRECT_MAX_SIZE + 64;
	job_expect(0, &in, SINAN_ERR_BAD_PACKET, &r);
}

/* Many jobs: one completion record each, in order, wrapping the completion ring. */
static void test_completion_records(void **st)
{
	struct sinan_pkt nop = { .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };
	unsigned int n0 = h_cqe_count(H, 1);

	(void)st;
	for (unsigned int i = 0; i < 100; i++) {
		struct h_result r;
		struct sinan_cqe cq;

		h_job(H, 1, &nop, &r);
		assert_int_equal(r.err, 0);
		assert_int_equal(h_cqe_count(H, 1), n0 + i + 1);
		h_cqe(H, 1, n0 + i, &cq);
		assert_int_equal(cq.seq, h_qrd(H, 1, SINAN_Q_DONE_SEQ));
		assert_int_equal(cq.status, 0);
	}
	assert_true(h_qrd(H, 1, SINAN_Q_JOBS) >= 100);
	assert_true(h_qrd(H, 1, SINAN_Q_BUSY_CYCLES) > 0);
}

/* ---- injected faults ---------------------------------------------------------------------------- */

static void other_queue_works(void)
{
	struct sinan_pkt nop = { .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };
	struct h_result r;

	h_job(H, 1, &nop, &r);
	assert_int_equal(r.err, 0);
}

static void test_inject_dma_ecc_mmu(void **st)
{
	uint64_t d = h_buf(H, 4096), sys = h_sys_buf(H, 4096);
	struct sinan_pkt_copy c;
	struct h_result r;

	(void)st;
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "dma:0"), 0);
	c = copy_pkt(d, d + 64, 32);		/* device memory only: the DMA error waits */
	job_expect(0, &c, 0, &r);
	c = copy_pkt(d, sys, 32);
	job_expect(0, &c, SINAN_ERR_DMA, &r);
	assert_int_equal(r.fault_addr, sys);
	other_queue_works();
	job_expect(0, &c, 0, &r);		/* one-shot */

	/* ECC: the next device-memory read is the fetch of the packet itself */
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "ecc:0"), 0);
	h_wr(H, SINAN_REG_GLOBAL_CAUSE, ~0u, 4);
	c = copy_pkt(d, d + 128, 32);
	job_expect(0, &c, SINAN_ERR_ECC, &r);
	assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_FETCH);
	assert_int_equal(h_rd(H, SINAN_REG_ECC_ADDR, 8), r.fault_addr - H_VA_BASE);	/* its PA */
	assert_true(h_rd(H, SINAN_REG_GLOBAL_CAUSE, 4) & SINAN_CAUSE_ECC);
	assert_true(h_rd(H, SINAN_REG_GLOBAL_CAUSE, 4) & SINAN_CAUSE_QUEUE_ERROR);
	other_queue_works();

	assert_int_equal(sinan_emu_inject_str(h_emu(H), "mmu:0"), 0);
	job_expect(0, &c, SINAN_ERR_MMU_FAULT, &r);
	other_queue_works();
	job_expect(0, &c, 0, &r);
	/* bad specs */
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "bogus"), -1);
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "dma:99"), -1);
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "dma:"), -1);
}

static void test_inject_hang(void **st)
{
	struct sinan_pkt nop = { .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };
	struct sinan_pkt_fence f = { .header = SINAN_PKT_HDR(SINAN_OP_FENCE, 0), .seq = 5 };
	unsigned int n = h_cqe_count(H, 0);

	(void)st;
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "hang:0"), 0);
	h_push(H, 0, &nop);
	h_push(H, 0, &f);
	h_doorbell(H, 0);
	nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
	h_deliver(H);
	/* silently stuck: still "running", nothing completed, no error */
	assert_int_equal(h_qrd(H, 0, SINAN_Q_STATUS), SINAN_QS_RUNNING);
	assert_int_equal(h_cqe_count(H, 0), n);
	assert_int_equal(h_qrd(H, 0, SINAN_Q_ERROR), 0);
	other_queue_works();
	/* a reset clears the hang */
	h_queue_reset(H, 0);
	{
		struct h_result r;

		job_expect(0, &nop, 0, &r);
	}
}

static void test_inject_fw_crash(void **st)
{
	struct sinan_pkt nop = { .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };
	uint32_t hb;

	(void)st;
	h_advance(H, 5000000);
	hb = (uint32_t)h_rd(H, SINAN_REG_FW_HEARTBEAT, 4);
	assert_true(hb >= 5);
	h_wr(H, SINAN_REG_GLOBAL_CAUSE, ~0u, 4);
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "fw-crash"), 0);
	assert_int_equal(h_rd(H, SINAN_REG_FW_STATUS, 4), SINAN_FW_STATUS_CRASHED);
	assert_true(h_rd(H, SINAN_REG_STATUS, 4) & SINAN_STATUS_HALTED);
	assert_true(h_rd(H, SINAN_REG_GLOBAL_CAUSE, 4) & SINAN_CAUSE_FW_CRASH);
	h_advance(H, 5000000);
	assert_int_equal(h_rd(H, SINAN_REG_FW_HEARTBEAT, 4), hb);	/* frozen */
	/* queues were aborted and report it */
	h_deliver(H);
	assert_int_equal(h_qrd(H, 0, SINAN_Q_STATUS), SINAN_QS_ERROR);
	assert_int_equal(h_qrd(H, 0, SINAN_Q_ERROR), SINAN_ERR_ABORTED);
	assert_int_equal(h_qrd(H, 1, SINAN_Q_ERROR), SINAN_ERR_ABORTED);
	/* a dead firmware answers no mailbox, and queues cannot be enabled */
	h_wr(H, SINAN_REG_MBOX_CMD, SINAN_MBOX_CMD_PING, 4);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_STATUS, 4), SINAN_MBOX_ST_ERROR);
	h_wr(H, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET, 4);
	h_wr(H, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE, 4);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_NOT_READY);
	(void)nop;
	/* a fresh device for later tests */
	h_free(H);
	setup(NULL);
}

/* The fault-injection register page exists only with debug-regs. */
static void test_inject_register(void **st)
{
	struct sinan_emu_config cfg;
	struct h_dev *h2;

	(void)st;
	assert_int_equal(h_rd(H, SINAN_REG_CAPS, 4) & SINAN_CAP_DEBUG_REGS, 0);
	h_wr(H, SINAN_REG_DBG_INJECT, SINAN_INJECT_HANG, 4);	/* ignored */
	assert_int_equal(h_rd(H, SINAN_REG_DBG_INJECT_COUNT, 4), 0);
	h_test_config(&cfg);
	cfg.debug_regs = true;
	h2 = h_new(&cfg);
	assert_true(h_rd(h2, SINAN_REG_CAPS, 4) & SINAN_CAP_DEBUG_REGS);
	h_wr(h2, SINAN_REG_DBG_INJECT, SINAN_INJECT_MMU_FAULT | (1 << 8), 4);
	assert_int_equal(h_rd(h2, SINAN_REG_DBG_INJECT_COUNT, 4), 1);
	h_wr(h2, SINAN_REG_DBG_INJECT, 0x77, 4);			/* bad kind */
	assert_int_equal(h_rd(h2, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_BAD_VALUE);
	{
		struct sinan_pkt_copy c = copy_pkt(h_buf(h2, 64), h_buf(h2, 64), 8);
		struct h_result r;

		h_queue(h2, 1, SINAN_Q_CONFIG_ENGINE_COPY);
		h_job(h2, 1, &c, &r);
		assert_int_equal(r.err, SINAN_ERR_MMU_FAULT);
	}
	h_free(h2);
}

/* ---- registers -------------------------------------------------------------------------------------- */

static void test_register_access_sizes(void **st)
{
	(void)st;
	h_wr(H, SINAN_REG_SCRATCH, 0x12345678, 4);
	assert_int_equal(h_rd(H, SINAN_REG_SCRATCH, 4), 0x12345678);
	/* wrong widths on a 32-bit register: write ignored, read 0, PROG_ERROR */
	h_wr(H, SINAN_REG_SCRATCH, 0xffff, 2);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_ACCESS_SIZE);
	assert_int_equal(h_rd(H, SINAN_REG_SCRATCH, 4), 0x12345678);
	assert_int_equal(h_rd(H, SINAN_REG_SCRATCH, 1), 0);
	h_wr(H, SINAN_REG_SCRATCH, 1, 8);
	assert_int_equal(h_rd(H, SINAN_REG_SCRATCH, 4), 0x12345678);
	/* a 64-bit register by halves and whole */
	h_wr(H, SINAN_REG_IRQ_MASK, 0x11111111, 4);
	h_wr(H, SINAN_REG_IRQ_MASK + 4, 0x22222222, 4);
	assert_int_equal(h_rd(H, SINAN_REG_IRQ_MASK, 8), 0x2222222211111111ULL);
	assert_int_equal(h_rd(H, SINAN_REG_IRQ_MASK + 4, 4), 0x22222222);
	h_wr(H, SINAN_REG_IRQ_MASK, 0, 8);
	assert_int_equal(h_rd(H, SINAN_REG_IRQ_MASK, 8), 0);
	/* read-only and unknown */
	h_wr(H, SINAN_REG_NUM_CORES, 3, 4);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_READ_ONLY);
	assert_int_equal(h_rd(H, SINAN_REG_NUM_CORES, 4), 8);
	h_wr(H, 0x0ffc, 3, 4);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_BAD_OFFSET);
	/* identity and geometry */
	assert_int_equal(h_rd(H, SINAN_REG_ID, 4), SINAN_ID_MAGIC);
	assert_int_equal(h_rd(H, SINAN_REG_ISA_VERSION, 4), (SINAN_ISA_MAJOR << 16) | SINAN_ISA_MINOR);
	assert_int_equal(h_rd(H, SINAN_REG_UB_SIZE, 4), 256 * 1024);
	/* queue registers: 64-bit halves, busy while enabled, bad width */
	h_wr(H, SINAN_QREG(3, SINAN_Q_RING_BASE), 0xaaaa0000, 4);
	h_wr(H, SINAN_QREG(3, SINAN_Q_RING_BASE) + 4, 0x1, 4);
	assert_int_equal(h_qrd(H, 3, SINAN_Q_RING_BASE), 0x1aaaa0000ULL);
	h_wr(H, SINAN_QREG(0, SINAN_Q_RING_SIZE), 512, 4);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_QUEUE_BUSY);
	assert_int_equal(h_qrd(H, 0, SINAN_Q_RING_SIZE), H_RING_SIZE);
	h_wr(H, SINAN_QREG(0, SINAN_Q_STATUS), 0, 4);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_READ_ONLY);
	h_wr(H, SINAN_QREG(0, SINAN_Q_WATCHDOG), 5, 2);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_ACCESS_SIZE);
	h_wr(H, SINAN_QREG(0, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE | SINAN_Q_CTRL_RESET, 4);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_BAD_VALUE);
	/* doorbells: 4-byte writes of TAIL only */
	h_wr(H, SINAN_DOORBELL(0) + SINAN_DB_TAIL, 0, 8);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_ACCESS_SIZE);
	h_wr(H, SINAN_DOORBELL(0) + SINAN_DB_HEAD, 0, 4);
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_READ_ONLY);
	/* a doorbell past the ring stops the queue with BAD_RING */
	h_wr(H, SINAN_DOORBELL(1) + SINAN_DB_TAIL, (uint32_t)h_qrd(H, 1, SINAN_Q_HEAD) + 2 * H_RING_SIZE, 4);
	h_deliver(H);
	assert_int_equal(h_qrd(H, 1, SINAN_Q_ERROR), SINAN_ERR_BAD_RING);
	h_queue_reset(H, 1);
	/* enabling with a bad ring size */
	h_wr(H, SINAN_QREG(3, SINAN_Q_RING_SIZE), 100, 4);
	h_wr(H, SINAN_QREG(3, SINAN_Q_CQ_SIZE), 4096, 4);
	h_wr(H, SINAN_QREG(3, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE, 4);
	h_deliver(H);
	assert_int_equal(h_qrd(H, 3, SINAN_Q_STATUS), SINAN_QS_ERROR);
	assert_int_equal(h_qrd(H, 3, SINAN_Q_ERROR), SINAN_ERR_BAD_RING);
	h_wr(H, SINAN_QREG(3, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET, 4);
}

/* ---- firmware ---------------------------------------------------------------------------------------- */

#define FWSZ	8192

static void write_fw(struct h_dev *h, uint64_t pa, void (*corrupt)(struct sinan_fw_boot_hdr *, uint8_t *))
{
	uint8_t *img = h_pa(h, pa);
	struct sinan_fw_boot_hdr *hdr = (struct sinan_fw_boot_hdr *)img;

	memset(img, 0, FWSZ);
	hdr->magic = SINAN_FW_MAGIC;
	hdr->api_major = SINAN_FWIF_MAJOR;
	hdr->api_minor = 7;
	hdr->fw_version = 0x020304;
	hdr->features = SINAN_FW_FEAT_LOG | SINAN_FW_FEAT_MBOX | (1u << 20);	/* an unknown bit */
	hdr->hdr_size = sizeof(*hdr);
	hdr->image_size = FWSZ;
	hdr->log_offset = 4096;
	hdr->log_size = 4096;
	snprintf(hdr->version, sizeof(hdr->version), "2.3.4");
	hdr->crc32 = (uint32_t)crc32(0, img, FWSZ);
	if (corrupt)
		corrupt(hdr, img);
}

static void c_magic(struct sinan_fw_boot_hdr *h, uint8_t *i) { (void)i; h->magic ^= 1; }
static void c_major(struct sinan_fw_boot_hdr *h, uint8_t *i)
{
	h->api_major = SINAN_FWIF_MAJOR + 1;
	h->crc32 = 0;
	h->crc32 = (uint32_t)crc32(0, i, FWSZ);
}
static void c_crc(struct sinan_fw_boot_hdr *h, uint8_t *i) { (void)h; i[5000] ^= 0x40; }
static void c_size(struct sinan_fw_boot_hdr *h, uint8_t *i) { (void)i; h->image_size = SINAN_FW_MAX_SIZE + 4096; }
static void c_log(struct sinan_fw_boot_hdr *h, uint8_t *i)
{
	h->log_size = 8192;
	h->crc32 = 0;
	h->crc32 = (uint32_t)crc32(0, i, FWSZ);
}

static void test_firmware_boot(void **st)
{
	static const struct {
		void (*corrupt)(struct sinan_fw_boot_hdr *, uint8_t *);
		uint32_t err;
	} bad[] = {
		{ c_magic, SINAN_FW_ERR_BAD_MAGIC }, { c_major, SINAN_FW_ERR_BAD_VERSION },
		{ c_crc, SINAN_FW_ERR_BAD_CRC }, { c_size, SINAN_FW_ERR_BAD_SIZE }, { c_log, SINAN_FW_ERR_BAD_SIZE },
	};
	uint64_t pa = 0x100000;

	(void)st;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h_wr(H, SINAN_REG_CTRL, SINAN_CTRL_RESET, 4);
		assert_int_equal(h_rd(H, SINAN_REG_FW_STATUS, 4), SINAN_FW_STATUS_OFF);
		write_fw(H, pa, bad[i].corrupt);
		h_wr(H, SINAN_REG_FW_BOOT_ADDR, pa, 8);
		h_wr(H, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO, 4);
		assert_int_equal(h_rd(H, SINAN_REG_FW_STATUS, 4), SINAN_FW_STATUS_ERROR);
		assert_int_equal(h_rd(H, SINAN_REG_FW_ERROR, 4), bad[i].err);
		assert_true(h_rd(H, SINAN_REG_GLOBAL_CAUSE, 4) & SINAN_CAUSE_FW_ERROR);
		assert_int_equal(h_rd(H, SINAN_REG_STATUS, 4) & SINAN_STATUS_FW_READY, 0);
	}
	/* misaligned header address */
	h_wr(H, SINAN_REG_CTRL, SINAN_CTRL_RESET, 4);
	h_wr(H, SINAN_REG_FW_BOOT_ADDR, pa + 8, 8);
	h_wr(H, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO, 4);
	assert_int_equal(h_rd(H, SINAN_REG_FW_ERROR, 4), SINAN_FW_ERR_BAD_ADDR);
	/* a good image: version, features (unknown bits dropped), log, mailbox */
	h_wr(H, SINAN_REG_CTRL, SINAN_CTRL_RESET, 4);
	write_fw(H, pa, NULL);
	h_wr(H, SINAN_REG_FW_BOOT_ADDR, pa, 8);
	h_wr(H, SINAN_REG_FW_BOOT, 2, 4);			/* not GO */
	assert_int_equal(h_rd(H, SINAN_REG_PROG_ERROR, 4), SINAN_PROG_ERR_BAD_VALUE);
	h_wr(H, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO, 4);
	assert_int_equal(h_rd(H, SINAN_REG_FW_STATUS, 4), SINAN_FW_STATUS_READY);
	assert_int_equal(h_rd(H, SINAN_REG_FW_VERSION, 4), 0x020304);
	assert_int_equal(h_rd(H, SINAN_REG_FW_API_VERSION, 4), (SINAN_FWIF_MAJOR << 16) | 7);
	assert_int_equal(h_rd(H, SINAN_REG_FW_FEATURES, 4), SINAN_FW_FEAT_LOG | SINAN_FW_FEAT_MBOX);
	assert_int_equal(h_rd(H, SINAN_REG_FW_LOG_ADDR, 8), pa + 4096);
	assert_true(h_rd(H, SINAN_REG_FW_LOG_WPTR, 4) > 0);
	assert_non_null(strstr((char *)h_pa(H, pa + 4096), "2.3.4"));
	/* booting again while running is refused */
	h_wr(H, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO, 4);
	assert_int_equal(h_rd(H, SINAN_REG_FW_STATUS, 4), SINAN_FW_STATUS_READY);
	/* mailbox */
	h_wr(H, SINAN_REG_MBOX_ARG(0), 41, 4);
	h_wr(H, SINAN_REG_MBOX_CMD, SINAN_MBOX_CMD_PING, 4);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_STATUS, 4), SINAN_MBOX_ST_DONE);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_RESP(0), 4), 42);
	h_wr(H, SINAN_REG_MBOX_CMD, SINAN_MBOX_CMD_GET_INFO, 4);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_RESP(0), 4), 0x020304);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_RESP(3), 4), 2);	/* good boots since creation */
	h_wr(H, SINAN_REG_MBOX_CMD, 99, 4);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_STATUS, 4), SINAN_MBOX_ST_ERROR);
	/* heartbeat period: 100 us -> 10 beats per modeled millisecond */
	h_wr(H, SINAN_REG_MBOX_ARG(0), 100, 4);
	h_wr(H, SINAN_REG_MBOX_CMD, SINAN_MBOX_CMD_SET_HB_PERIOD, 4);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_STATUS, 4), SINAN_MBOX_ST_DONE);
	{
		uint32_t hb = (uint32_t)h_rd(H, SINAN_REG_FW_HEARTBEAT, 4);

		h_advance(H, 1000000);
		assert_int_equal(h_rd(H, SINAN_REG_FW_HEARTBEAT, 4), hb + 10);
	}
	h_wr(H, SINAN_REG_MBOX_ARG(0), 1, 4);		/* too short */
	h_wr(H, SINAN_REG_MBOX_CMD, SINAN_MBOX_CMD_SET_HB_PERIOD, 4);
	assert_int_equal(h_rd(H, SINAN_REG_MBOX_STATUS, 4), SINAN_MBOX_ST_ERROR);
	/* the device was reset: a fresh one for later tests */
	h_free(H);
	setup(NULL);
}

/*
 * Regression: a device reset restarts the device clock (TIMESTAMP) and the
 * queues' modeled time with it. Before the fix the queues kept their old
 * modeled time, so the first job after a reset completed with timestamps
 * (and was delivered) as far in the future as the device had run before.
 */
static void test_reset_restarts_modeled_time(void **st)
{
	struct sinan_pkt_fill f = { .header = SINAN_PKT_HDR(SINAN_OP_FILL, 0), .size = 64 << 20 };
	struct sinan_pkt nop = { .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };
	struct h_result r;
	struct h_dev *h2 = h_new(NULL);
	uint64_t before;

	(void)st;
	struct sinan_pkt_signal sg = { .header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, 0), .value = 1 };
	struct sinan_pkt_wait wt = { .header = SINAN_PKT_HDR(SINAN_OP_WAIT, SINAN_WAIT_F_GE), .value = 1 };

	f.dst = h_buf(h2, 64 << 20);
	sg.addr = wt.addr = h_buf(h2, 4096);
	h_queue(h2, 0, SINAN_Q_CONFIG_ENGINE_COMPUTE);
	h_job(h2, 0, &f, &r);		/* about 220k modeled cycles */
	assert_int_equal(r.err, 0);
	assert_true(r.cqe.end_ts > 200000);
	h_job(h2, 0, &sg, &r);		/* a SIGNAL late in modeled time */
	assert_int_equal(r.err, 0);
	before = h_now(h2);
	sinan_emu_reset(h_emu(h2));
	assert_true(h_rd(h2, SINAN_REG_TIMESTAMP, 8) < 1000);
	h_reinit(h2);
	h_queue(h2, 0, SINAN_Q_CONFIG_ENGINE_COMPUTE);
	h_job(h2, 0, &nop, &r);
	assert_int_equal(r.err, 0);
	if (r.cqe.end_ts > 10000)
		fail_msg("first job after a reset ends at modeled cycle %llu", (unsigned long long)r.cqe.end_ts);
	/* a satisfied WAIT must not jump to the SIGNAL time from before the reset */
	h_job(h2, 0, &wt, &r);
	assert_int_equal(r.err, 0);
	if (r.cqe.end_ts > 10000)
		fail_msg("WAIT after a reset ends at modeled cycle %llu", (unsigned long long)r.cqe.end_ts);
	assert_true(h_now(h2) - before < 100000);	/* delivered promptly (ns) */
	h_free(h2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmu_pages_and_blocks),
		cmocka_unit_test(test_mmu_bad_entries),
		cmocka_unit_test(test_mmu_readonly_and_invalidate),
		cmocka_unit_test(test_pkt_nop_barrier_unknown),
		cmocka_unit_test(test_pkt_copy),
		cmocka_unit_test(test_pkt_copy_sg),
		cmocka_unit_test(test_pkt_fill),
		cmocka_unit_test(test_pkt_signal_wait_timestamp),
		cmocka_unit_test(test_pkt_wait_cross_queue),
		cmocka_unit_test(test_pkt_indirect_fence),
		cmocka_unit_test(test_completion_records),
		cmocka_unit_test(test_inject_dma_ecc_mmu),
		cmocka_unit_test(test_inject_hang),
		cmocka_unit_test(test_inject_fw_crash),
		cmocka_unit_test(test_inject_register),
		cmocka_unit_test(test_register_access_sizes),
		cmocka_unit_test(test_firmware_boot),
		cmocka_unit_test(test_reset_restarts_modeled_time),
	};

	return cmocka_run_group_tests_name("emu-dev", tests, setup, teardown);
}

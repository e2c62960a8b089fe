// SPDX-License-Identifier: MIT
/* Host test harness for the Sinan device model core: see harness.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "harness.h"
#include "isa/sinan_asm.h"

#define FW_IMAGE_SIZE	(64 * 1024)
#define FW_LOG_OFFSET	(32 * 1024)
#define PT_BASE		(2ULL << 20)
#define PT_LIMIT	(8ULL << 20)
#define DATA_BASE	(8ULL << 20)

struct h_queue {
	bool ready;
	uint64_t ring_va, cq_va;
	uint32_t tail;
	uint64_t seq;
	uint64_t prog_va;		/* launch program buffer */
	uint64_t prog_cap;
	uint64_t base_cycles;		/* h_core_cycles baseline, 0 = not measured */
};

struct h_dev {
	struct sinan_emu *emu;
	struct sinan_emu_config cfg;
	uint8_t *dev;
	uint64_t devsize;
	uint8_t *sys;
	uint64_t sys_used;
	_Atomic uint64_t now_ns;
	_Atomic uint64_t armed;
	_Atomic unsigned int irqs[1 + SINAN_MAX_QUEUES];
	pthread_mutex_t err_lock;
	char last_err[512];
	unsigned int nerr;
	bool verbose;
	uint64_t pt_next;
	uint64_t data_next;
	uint64_t ctx_table;
	struct h_queue q[SINAN_MAX_QUEUES];
};

/* ---- host callbacks ---------------------------------------------------------------- */

static int cb_dma_read(void *opaque, uint64_t addr, void *buf, uint64_t len)
{
	struct h_dev *h = opaque;

	if (addr < H_SYS_BUS || addr - H_SYS_BUS > H_SYS_SIZE || len > H_SYS_SIZE - (addr - H_SYS_BUS))
		return -1;
	memcpy(buf, h->sys + (addr - H_SYS_BUS), len);
	return 0;
}

static int cb_dma_write(void *opaque, uint64_t addr, const void *buf, uint64_t len)
{
	struct h_dev *h = opaque;

	if (addr < H_SYS_BUS || addr - H_SYS_BUS > H_SYS_SIZE || len > H_SYS_SIZE - (addr - H_SYS_BUS))
		return -1;
	memcpy(h->sys + (addr - H_SYS_BUS), buf, len);
	return 0;
}

static void cb_irq(void *opaque, int vector, bool level)
{
	struct h_dev *h = opaque;

	if (vector >= 0 && vector <= SINAN_MAX_QUEUES && level)
		atomic_fetch_add(&h->irqs[vector], 1);
}

static bool cb_msix(void *opaque)
{
	(void)opaque;
	return true;
}

static uint64_t cb_now(void *opaque)
{
	struct h_dev *h = opaque;

	return atomic_load(&h->now_ns);
}

static void cb_timer_arm(void *opaque, uint64_t when)
{
	struct h_dev *h = opaque;
	uint64_t cur = atomic_load(&h->armed);

	while (when < cur && !atomic_compare_exchange_weak(&h->armed, &cur, when))
		;
}

static void cb_guest_error(void *opaque, const char *msg)
{
	struct h_dev *h = opaque;

	pthread_mutex_lock(&h->err_lock);
	snprintf(h->last_err, sizeof(h->last_err), "%s", msg);
	h->nerr++;
	if (h->verbose)
		fprintf(stderr, "guest error: %s\n", msg);
	pthread_mutex_unlock(&h->err_lock);
}

static const struct sinan_emu_host_ops ops = {
	.dma_read = cb_dma_read,
	.dma_write = cb_dma_write,
	.irq = cb_irq,
	.msix_enabled = cb_msix,
	.now_ns = cb_now,
	.timer_arm = cb_timer_arm,
	.guest_error = cb_guest_error,
};

/* ---- registers ------------------------------------------------------------------------ */

uint64_t h_rd(struct h_dev *h, uint64_t addr, unsigned int size)
{
	return sinan_emu_mmio_read(h->emu, addr, size);
}

void h_wr(struct h_dev *h, uint64_t addr, uint64_t val, unsigned int size)
{
	sinan_emu_mmio_write(h->emu, addr, val, size);
}

uint64_t h_qrd(struct h_dev *h, unsigned int q, unsigned int reg)
{
	bool is64 = reg == SINAN_Q_RING_BASE || reg == SINAN_Q_CQ_BASE || reg == SINAN_Q_FAULT_ADDR ||
		    reg == SINAN_Q_DONE_SEQ || reg == SINAN_Q_CUR_SEQ || reg == SINAN_Q_BUSY_CYCLES ||
		    reg == SINAN_Q_JOBS;

	return h_rd(h, SINAN_QREG(q, reg), is64 ? 8 : 4);
}

/* ---- memory ------------------------------------------------------------------------------ */

uint64_t h_alloc_pa(struct h_dev *h, uint64_t size, uint64_t align)
{
	uint64_t pa = (h->data_next + align - 1) & ~(align - 1);

	assert_true(pa + size <= h->devsize);
	h->data_next = pa + size;
	return pa;
}

void *h_pa(struct h_dev *h, uint64_t pa)
{
	assert_true(pa < h->devsize);
	return h->dev + pa;
}

static uint64_t pt_alloc(struct h_dev *h)
{
	uint64_t pa = h->pt_next;

	assert_true(pa + SINAN_PT_SIZE <= PT_LIMIT);
	h->pt_next += SINAN_PT_SIZE;
	memset(h->dev + pa, 0, SINAN_PT_SIZE);
	return pa;
}

static uint64_t *pte_slot(struct h_dev *h, unsigned int asid, uint64_t va, unsigned int level)
{
	uint64_t *ctx = (uint64_t *)(h->dev + h->ctx_table + 16ULL * asid);
	uint64_t table;

	if (!(ctx[0] & SINAN_CTX_VALID))
		ctx[0] = pt_alloc(h) | SINAN_CTX_VALID;
	table = ctx[0] & SINAN_CTX_ROOT_MASK;
	for (unsigned int l = 0; l < level; l++) {
		uint64_t *e = (uint64_t *)(h->dev + table) + ((va >> (12 + 9 * (2 - l))) & 511);

		if (!(*e & SINAN_PTE_VALID) || (*e & SINAN_PTE_LEAF))
			*e = pt_alloc(h) | SINAN_PTE_VALID;
		table = *e & SINAN_PTE_ADDR_MASK;
	}
	return (uint64_t *)(h->dev + table) + ((va >> (12 + 9 * (2 - level))) & 511);
}

void h_set_pte(struct h_dev *h, unsigned int asid, uint64_t va, unsigned int level, uint64_t pte)
{
	*pte_slot(h, asid, va, level) = pte;
}

void h_map(struct h_dev *h, unsigned int asid, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	assert_int_equal(va & 4095, 0);
	assert_int_equal(pa & 4095, 0);
	for (uint64_t off = 0; off < size; off += 4096)
		*pte_slot(h, asid, va + off, 2) = ((pa + off) & SINAN_PTE_ADDR_MASK) | SINAN_PTE_VALID |
						  SINAN_PTE_LEAF | flags;
}

void h_map_block(struct h_dev *h, unsigned int asid, uint64_t va, uint64_t pa, uint64_t flags)
{
	assert_int_equal(va & (SINAN_BLOCK_SIZE - 1), 0);
	assert_int_equal(pa & (SINAN_BLOCK_SIZE - 1), 0);
	*pte_slot(h, asid, va, 1) = pa | SINAN_PTE_VALID | SINAN_PTE_LEAF | flags;
}

uint64_t h_buf(struct h_dev *h, uint64_t size)
{
	uint64_t sz = (size + 4095) & ~4095ULL, pa = h_alloc_pa(h, sz ? sz : 4096, 4096);

	memset(h->dev + pa, 0, sz);
	h_map(h, 0, H_VA_BASE + pa, pa, sz ? sz : 4096, SINAN_PTE_WRITE);
	return H_VA_BASE + pa;
}

uint64_t h_sys_buf(struct h_dev *h, uint64_t size)
{
	uint64_t sz = (size + 4095) & ~4095ULL, off = h->sys_used;

	assert_true(off + sz <= H_SYS_SIZE);
	h->sys_used += sz;
	memset(h->sys + off, 0, sz);
	h_map(h, 0, H_SYS_VA + off, H_SYS_BUS + off, sz, SINAN_PTE_WRITE | SINAN_PTE_SYSMEM);
	return H_SYS_VA + off;
}

void *h_va(struct h_dev *h, uint64_t va)
{
	if (va >= H_SYS_VA && va < H_SYS_VA + H_SYS_SIZE)
		return h->sys + (va - H_SYS_VA);
	assert_true(va >= H_VA_BASE && va - H_VA_BASE < h->devsize);
	return h->dev + (va - H_VA_BASE);
}

void h_mmu_inv(struct h_dev *h)
{
	h_wr(h, SINAN_REG_MMU_INV, SINAN_MMU_INV_ALL, 4);
}

/* ---- time and delivery ------------------------------------------------------------------- */

uint64_t h_now(struct h_dev *h)
{
	return atomic_load(&h->now_ns);
}

void h_advance(struct h_dev *h, uint64_t ns)
{
	atomic_fetch_add(&h->now_ns, ns);
}

void h_deliver(struct h_dev *h)
{
	for (int i = 0; i < 100000; i++) {
		uint64_t when = atomic_exchange(&h->armed, UINT64_MAX);

		if (when == UINT64_MAX)
			return;
		if (when > atomic_load(&h->now_ns))
			atomic_store(&h->now_ns, when);
		sinan_emu_timer(h->emu);
	}
	fail_msg("completions never stop arriving");
}

unsigned int h_irqs(struct h_dev *h, unsigned int vector)
{
	return atomic_load(&h->irqs[vector]);
}

unsigned int h_guest_errors(struct h_dev *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->err_lock);
	n = h->nerr;
	pthread_mutex_unlock(&h->err_lock);
	return n;
}

const char *h_last_guest_error(struct h_dev *h)
{
	return h->last_err;
}

void h_verbose(struct h_dev *h, bool on)
{
	h->verbose = on;
}

/* ---- device ---------------------------------------------------------------------------------- */

void h_test_config(struct sinan_emu_config *cfg)
{
	sinan_emu_config_default(cfg);
	cfg->num_queues = 4;
	cfg->host_threads = 2;
	cfg->devmem_size = 256ULL << 20;
}

static void boot_fw(struct h_dev *h)
{
	struct sinan_fw_boot_hdr *hdr = (struct sinan_fw_boot_hdr *)h->dev;

	memset(h->dev, 0, FW_IMAGE_SIZE);
	hdr->magic = SINAN_FW_MAGIC;
	hdr->api_major = SINAN_FWIF_MAJOR;
	hdr->api_minor = SINAN_FWIF_MINOR;
	hdr->fw_version = 0x010000;
	hdr->features = SINAN_FW_FEAT_HEARTBEAT | SINAN_FW_FEAT_LOG | SINAN_FW_FEAT_MBOX;
	hdr->hdr_size = sizeof(*hdr);
	hdr->image_size = FW_IMAGE_SIZE;
	hdr->log_offset = FW_LOG_OFFSET;
	hdr->log_size = FW_IMAGE_SIZE - FW_LOG_OFFSET;
	snprintf(hdr->version, sizeof(hdr->version), "test-1.0.0");
	hdr->crc32 = (uint32_t)crc32(0, h->dev, FW_IMAGE_SIZE);
	h_wr(h, SINAN_REG_FW_BOOT_ADDR, 0, 8);
	h_wr(h, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO, 4);
	assert_int_equal(h_rd(h, SINAN_REG_FW_STATUS, 4), SINAN_FW_STATUS_READY);
}

struct h_dev *h_new(const struct sinan_emu_config *cfg)
{
	struct h_dev *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	if (cfg)
		h->cfg = *cfg;
	else
		h_test_config(&h->cfg);
	h->sys = calloc(1, H_SYS_SIZE);
	assert_non_null(h->sys);
	atomic_store(&h->armed, UINT64_MAX);
	atomic_store(&h->now_ns, 1000);
	pthread_mutex_init(&h->err_lock, NULL);
	h->emu = sinan_emu_create(&h->cfg, &ops, h);
	assert_non_null(h->emu);
	h->dev = sinan_emu_devmem(h->emu);
	h->devsize = sinan_emu_devmem_size(h->emu);
	/* MMU: context table at 2 MiB, page tables after it */
	h->ctx_table = PT_BASE;
	h->pt_next = PT_BASE + 4096 * ((h->cfg.num_asids * 16 + 4095) / 4096);
	memset(h->dev + h->ctx_table, 0, h->pt_next - h->ctx_table);
	h->data_next = DATA_BASE;
	(void)pte_slot(h, 0, 0, 0);	/* ASID 0 root */
	h_reinit(h);
	return h;
}

void h_reinit(struct h_dev *h)
{
	boot_fw(h);
	h_wr(h, SINAN_REG_MMU_CTX_TABLE, h->ctx_table, 8);
	h_wr(h, SINAN_REG_MMU_CTRL, SINAN_MMU_CTRL_ENABLE, 4);
	/* Clear the boot's global cause and interrupt so tests start clean. */
	h_wr(h, SINAN_REG_GLOBAL_CAUSE, ~0u, 4);
	h_wr(h, SINAN_REG_IRQ_STATUS, ~0ULL, 8);
	for (unsigned int i = 0; i < SINAN_MAX_QUEUES; i++) {
		h->q[i].ready = false;
		h->q[i].base_cycles = 0;
	}
}

void h_free(struct h_dev *h)
{
	if (!h)
		return;
	sinan_emu_destroy(h->emu);
	pthread_mutex_destroy(&h->err_lock);
	free(h->sys);
	free(h);
}

struct sinan_emu *h_emu(struct h_dev *h)
{
	return h->emu;
}

/* ---- queues --------------------------------------------------------------------------------------- */

void h_queue(struct h_dev *h, unsigned int qi, unsigned int engine)
{
	struct h_queue *q = &h->q[qi];

	if (!q->ring_va) {
		q->ring_va = h_buf(h, H_RING_SIZE);
		q->cq_va = h_buf(h, H_CQ_SIZE);
	}
	h_wr(h, SINAN_QREG(qi, SINAN_Q_RING_BASE), q->ring_va, 8);
	h_wr(h, SINAN_QREG(qi, SINAN_Q_RING_SIZE), H_RING_SIZE, 4);
	h_wr(h, SINAN_QREG(qi, SINAN_Q_ASID), 0, 4);
	h_wr(h, SINAN_QREG(qi, SINAN_Q_CQ_BASE), q->cq_va, 8);
	h_wr(h, SINAN_QREG(qi, SINAN_Q_CQ_SIZE), H_CQ_SIZE, 4);
	h_wr(h, SINAN_QREG(qi, SINAN_Q_CONFIG), engine | SINAN_Q_CONFIG_IRQ_MASK, 4);
	h_wr(h, SINAN_QREG(qi, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE, 4);
	assert_int_equal(h_qrd(h, qi, SINAN_Q_STATUS), SINAN_QS_IDLE);
	q->tail = 0;
	q->ready = true;
}

void h_queue_reset(struct h_dev *h, unsigned int qi)
{
	h_wr(h, SINAN_QREG(qi, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET, 4);
	memset(h_va(h, h->q[qi].cq_va), 0, H_CQ_SIZE);
	h_queue(h, qi, (unsigned int)SINAN_FLD_GET(SINAN_Q_CONFIG, ENGINE,
						  h_qrd(h, qi, SINAN_Q_CONFIG)));
}

void h_push(struct h_dev *h, unsigned int qi, const void *pkt)
{
	struct h_queue *q = &h->q[qi];

	memcpy((uint8_t *)h_va(h, q->ring_va) + (q->tail & (H_RING_SIZE - 1)), pkt, SINAN_PKT_SIZE);
	q->tail += SINAN_PKT_SIZE;
}

void h_doorbell(struct h_dev *h, unsigned int qi)
{
	h_wr(h, SINAN_DOORBELL(qi) + SINAN_DB_TAIL, h->q[qi].tail, 4);
}

unsigned int h_wait(struct h_dev *h, unsigned int qi)
{
	struct timespec t0, t;
	unsigned int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		st = (unsigned int)h_qrd(h, qi, SINAN_Q_STATUS);
		if (st != SINAN_QS_RUNNING && st != SINAN_QS_WAITING)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 30)
			fail_msg("queue %u still busy (status %u) after 30 s", qi, st);
		nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
	}
	h_deliver(h);
	return st;
}

unsigned int h_cqe_count(struct h_dev *h, unsigned int qi)
{
	return (unsigned int)h_qrd(h, qi, SINAN_Q_CQ_WPTR) / SINAN_CQE_SIZE;
}

void h_cqe(struct h_dev *h, unsigned int qi, unsigned int idx, struct sinan_cqe *out)
{
	memcpy(out, (uint8_t *)h_va(h, h->q[qi].cq_va) + (idx * SINAN_CQE_SIZE) % H_CQ_SIZE, sizeof(*out));
}

void h_job(struct h_dev *h, unsigned int qi, const void *pkt, struct h_result *r)
{
	struct h_queue *q = &h->q[qi];
	struct sinan_pkt_fence f = { .header = SINAN_PKT_HDR(SINAN_OP_FENCE, 0) };
	unsigned int before = h_cqe_count(h, qi);

	memset(r, 0, sizeof(*r));
	/* above anything the queue completed (tests may FENCE with their own numbers) */
	q->seq = q->seq + 1 > h_qrd(h, qi, SINAN_Q_DONE_SEQ) ? q->seq + 1 : h_qrd(h, qi, SINAN_Q_DONE_SEQ) + 1;
	f.seq = q->seq;
	if (pkt)
		h_push(h, qi, pkt);
	h_push(h, qi, &f);
	h_doorbell(h, qi);
	h_wait(h, qi);
	r->err = (uint32_t)h_qrd(h, qi, SINAN_Q_ERROR);
	if (h_cqe_count(h, qi) > before)
		h_cqe(h, qi, before, &r->cqe);
	r->fault_addr = r->cqe.fault_addr;
	r->fault_info = r->cqe.fault_info;
	r->cycles = r->cqe.busy_cycles;
	if (!r->err) {
		assert_int_equal(r->cqe.seq, f.seq);
		assert_int_equal(r->cqe.status, 0);
	}
}

void h_launch(struct h_dev *h, unsigned int qi, const uint64_t *code, size_t n, uint64_t args,
	      uint32_t blocks, struct h_result *r)
{
	struct h_queue *q = &h->q[qi];
	struct sinan_pkt_launch l = { .header = SINAN_PKT_HDR(SINAN_OP_LAUNCH, 0) };

	if (!q->ready)
		h_queue(h, qi, SINAN_Q_CONFIG_ENGINE_COMPUTE);
	if (q->prog_cap < n * 8) {
		q->prog_cap = (n * 8 + 65535) & ~65535ULL;
		q->prog_va = h_buf(h, q->prog_cap);
	}
	memcpy(h_va(h, q->prog_va), code, n * 8);
	l.blocks = blocks;
	l.prog = q->prog_va;
	l.prog_size = n * 8;
	l.args = args;
	h_job(h, qi, &l, r);
}

void h_launch_asm(struct h_dev *h, unsigned int qi, struct sinan_asm *a, uint64_t args, uint32_t blocks,
		  struct h_result *r)
{
	size_t n;
	const uint64_t *code = sinan_asm_finish(a, &n);

	if (!code)
		fail_msg("assembler: %s", sinan_asm_error(a));
	h_launch(h, qi, code, n, args, blocks, r);
}

void h_launch_ok(struct h_dev *h, unsigned int qi, struct sinan_asm *a, uint64_t args, uint32_t blocks,
		 struct h_result *r)
{
	h_launch_asm(h, qi, a, args, blocks, r);
	if (r->err)
		fail_msg("launch failed: error %u at 0x%llx info 0x%x (%s)", r->err,
			 (unsigned long long)r->fault_addr, r->fault_info, h_last_guest_error(h));
}

uint64_t h_prog_va(struct h_dev *h, unsigned int qi)
{
	return h->q[qi].prog_va;
}

uint64_t h_core_cycles(struct h_dev *h, unsigned int qi, const struct h_result *r)
{
	struct h_queue *q = &h->q[qi];

	if (!q->base_cycles) {
		uint64_t end = SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0);
		struct h_result b;

		h_launch(h, qi, &end, 1, 0, 1, &b);
		assert_int_equal(b.err, 0);
		q->base_cycles = b.cycles;
	}
	assert_true(r->cycles >= q->base_cycles - 1);
	return r->cycles - q->base_cycles + 1;
}

/* ---- random ------------------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void h_srand(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

uint64_t h_rand64(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

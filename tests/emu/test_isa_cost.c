// SPDX-License-Identifier: MIT
/*
 * Sinan AI-core cost model: modeled cycles of hand-computed programs, the
 * pipe overlap of a double-buffered loop, determinism, and the sync-hazard
 * detector both ways (a correctly synchronized program passes, removing one
 * WAIT_FLAG is caught).
 *
 * The figures are those documented in docs/isa.md ("Cost model"), written
 * here as numbers on purpose: a change of the model must show up here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "isa/sinan_asm.h"

/* docs/isa.md figures of the default chip (1 GHz, 300 GB/s shared) */
#define GM_LAT		300	/* device-memory latency */
#define CUBE_LAT	16
#define MTE1_LAT	8
#define VEC_LAT		8
#define FIX_LAT		16
#define S_LD		30
#define PIPE_QUEUE	32

static struct h_dev *H;
#define Q 0

static int grp_setup(void **st)
{
	(void)st;
	H = h_new(NULL);
	return 0;
}

static int grp_teardown(void **st)
{
	(void)st;
	h_free(H);
	return 0;
}

/* Launch and return the cores' modeled cycles; fails on any error. */
static uint64_t cycles_of(struct h_dev *h, struct sinan_asm *a, uint32_t blocks)
{
	struct h_result r;

	h_launch_ok(h, Q, a, 0, blocks, &r);
	return h_core_cycles(h, Q, &r);
}

/* ceil(bytes * active cores / 300 B per cycle) at the default chip */
static uint64_t xfer(uint64_t bytes, unsigned int active)
{
	return (bytes * active + 299) / 300;
}

/* One MMAD: issued at I (after I scalar instructions), 64 block steps, latency 16. */
static void test_single_mmad(void **st)
{
	struct sinan_asm *a = sinan_asm_new();
	uint64_t I;

	(void)st;
	sinan_asm_li(a, 5, 64);
	sinan_asm_li(a, 6, 64);
	sinan_asm_li(a, 7, 64);
	I = sinan_asm_pos(a);
	sinan_asm_mmad(a, SINAN_DT_FP16, 0, 0, 0, 0, 5, 6, 7);
	sinan_asm_end(a);
	/* start I, 4 x 4 x 4 block steps, then the pipeline latency; END waits for it */
	assert_int_equal(cycles_of(H, a, 1), I + 4 * 4 * 4 + CUBE_LAT);
	sinan_asm_free(a);

	/* int8: k0 = 32, so k = 64 is 2 block steps; fp32: k0 = 8 and half rate */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 64);
	I = sinan_asm_pos(a);
	sinan_asm_mmad(a, SINAN_DT_INT8, 0, 0, 0, 0, 5, 5, 5);
	sinan_asm_end(a);
	assert_int_equal(cycles_of(H, a, 1), I + 4 * 4 * 2 + CUBE_LAT);
	sinan_asm_free(a);
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 32);
	I = sinan_asm_pos(a);
	sinan_asm_mmad(a, SINAN_DT_FP32, 0, 0, 0, 0, 5, 5, 5);
	sinan_asm_end(a);
	assert_int_equal(cycles_of(H, a, 1), I + 2 * 2 * 4 * 2 + CUBE_LAT);
	sinan_asm_free(a);
	/* odd sizes round up to whole fractals: 17 x 1 x 33 fp16 = 2 x 1 x 3 */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 17);
	sinan_asm_li(a, 6, 1);
	sinan_asm_li(a, 7, 33);
	I = sinan_asm_pos(a);
	sinan_asm_mmad(a, SINAN_DT_BF16, 0, 0, 0, 0, 5, 6, 7);
	sinan_asm_end(a);
	assert_int_equal(cycles_of(H, a, 1), I + 2 * 1 * 3 + CUBE_LAT);
	sinan_asm_free(a);
}

/* One MOV GM -> UB: the transfer at this core's bandwidth share, then the GM latency. */
static void test_single_mov(void **st)
{
	uint64_t gm = h_buf(H, 65536);
	struct sinan_asm *a;
	uint64_t I;

	(void)st;
	for (unsigned int phase = 0; phase < 2; phase++) {
		a = sinan_asm_new();
		sinan_asm_li64(a, 10, gm + (phase ? 28 : 0));
		sinan_asm_li(a, 5, 100);	/* 100 bursts of 8 bytes, 64 apart */
		sinan_asm_li(a, 6, 8);
		sinan_asm_li(a, 7, 64);
		sinan_asm_li(a, 8, 32);
		I = sinan_asm_pos(a);
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 0, 10, 5, 6, 7, 8);
		sinan_asm_end(a);
		/* aligned: one 32-byte sector per burst; at phase 28 each burst straddles two */
		assert_int_equal(cycles_of(H, a, 1), I + xfer(100 * 32 * (phase ? 2 : 1), 1) + GM_LAT);
		sinan_asm_free(a);
	}
	/* one 4 KiB burst; and the same with 8 cores sharing the bandwidth */
	for (unsigned int bi = 0; bi < 3; bi++) {
		unsigned int blocks = bi == 0 ? 1 : bi == 1 ? 8 : 16, active = blocks < 8 ? blocks : 8;

		a = sinan_asm_new();
		sinan_asm_li64(a, 10, gm);
		sinan_asm_li(a, 5, 1);
		sinan_asm_li(a, 6, 4096);
		I = sinan_asm_pos(a);
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 0, 10, 5, 6, 0, 0);
		sinan_asm_end(a);
		/* 16 blocks on 8 cores: two blocks one after the other on each core */
		assert_int_equal(cycles_of(H, a, blocks), (blocks / active) * (I + xfer(4096, active) + GM_LAT));
		sinan_asm_free(a);
	}
}

/* Single instructions of the other pipes and the scalar unit. */
static void test_single_others(void **st)
{
	struct sinan_asm *a;
	uint64_t I;

	(void)st;
	/* LOADF 64 x 64 fp16 into L0A: 16 fractals, one per cycle */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 64);
	sinan_asm_li(a, 6, 128);
	I = sinan_asm_pos(a);
	sinan_asm_loadf(a, SINAN_BUF_L0A, SINAN_DT_FP16, 0, 0, 0, 5, 5, 6);
	sinan_asm_end(a);
	assert_int_equal(cycles_of(H, a, 1), I + 16 + MTE1_LAT);
	sinan_asm_free(a);
	/* MOV L1 -> UB: 10 bursts of 40 bytes (rounded to 64) = 640 bytes at 512 per cycle */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 10);
	sinan_asm_li(a, 6, 40);
	sinan_asm_li(a, 7, 64);
	I = sinan_asm_pos(a);
	sinan_asm_mov(a, SINAN_BUF_L1, SINAN_BUF_UB, 0, 0, 0, 5, 6, 7, 7);
	sinan_asm_end(a);
	assert_int_equal(cycles_of(H, a, 1), I + 2 + MTE1_LAT);
	sinan_asm_free(a);
	/* vector: 3 rows of 300 fp32 = 5 x 256-byte beats per row; exp is 4x, div 2x */
	for (unsigned int k = 0; k < 3; k++) {
		a = sinan_asm_new();
		sinan_asm_li(a, 5, 300);
		sinan_asm_li(a, 6, 3);
		sinan_asm_li64(a, 7, SINAN_V_STRIDES(1216, 1216, 1216));
		sinan_asm_li(a, 8, 8192);
		I = sinan_asm_pos(a);
		if (k == 0)
			sinan_asm_vbin(a, SINAN_VB_ADD, SINAN_DT_FP32, 0, 0, 0, 8, 5, 6, 7);
		else if (k == 1)
			sinan_asm_vun(a, SINAN_VU_EXP, SINAN_DT_FP32, 0, 8, 5, 6, 7);
		else
			sinan_asm_vbin(a, SINAN_VB_DIV, SINAN_DT_FP32, 0, 0, 0, 8, 5, 6, 7);
		sinan_asm_end(a);
		assert_int_equal(cycles_of(H, a, 1), I + 3 * 5 * (k == 0 ? 1 : k == 1 ? 4 : 2) + VEC_LAT);
		sinan_asm_free(a);
	}
	/* FIXP 32 x 32 to UB: 4 blocks of 1 KiB at 256 bytes per cycle */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 32);
	sinan_asm_li(a, 6, 128);
	sinan_asm_li(a, 8, 2);
	I = sinan_asm_pos(a);
	sinan_asm_fixp(a, SINAN_BUF_UB, SINAN_DT_FP32, 0, 0, 0, 5, 5, 6, 8);
	sinan_asm_end(a);
	assert_int_equal(cycles_of(H, a, 1), I + 16 + FIX_LAT);
	sinan_asm_free(a);
	/* scalar: one instruction per cycle; LD stalls issue; END is one more cycle */
	a = sinan_asm_new();
	sinan_asm_li64(a, 10, h_buf(H, 4096));
	I = sinan_asm_pos(a);
	sinan_asm_ld(a, 8, false, 5, 10, 0);
	sinan_asm_alui(a, SINAN_ALU_ADD, 5, 5, 1);
	sinan_asm_end(a);
	assert_int_equal(cycles_of(H, a, 1), I + (1 + S_LD) + 1 + 1);
	sinan_asm_free(a);
}

/*
 * The issue queue: V is held by a WAIT_FLAG until a GM load completes at E;
 * 40 vector ops queue up behind it, and the scalar unit stalls once 32 are
 * waiting: the 33rd issues only when the 1st starts (at E). A MOV on MTE3
 * after them therefore issues at E + 8 (ops 33..40 issue at E..E+7).
 */
static void test_issue_queue_full(void **st)
{
	struct sinan_asm *a = sinan_asm_new();
	uint64_t gm = h_buf(H, 65536), I, E;

	(void)st;
	sinan_asm_li64(a, 10, gm);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 32);
	sinan_asm_li(a, 7, 8);		/* vector n */
	sinan_asm_li(a, 8, 65536);	/* UB offset the vector ops use */
	I = sinan_asm_pos(a);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 0, 10, 5, 6, 0, 0);	/* E = I + 1 + 300 */
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	for (int i = 0; i < 40; i++)
		sinan_asm_vun(a, SINAN_VU_RELU, SINAN_DT_FP32, 8, 8, 7, 5, 0);	/* occ 1 */
	sinan_asm_mov(a, SINAN_BUF_L1, SINAN_BUF_GM, 0, 10, 0, 5, 6, 0, 0);	/* MTE3 */
	sinan_asm_end(a);
	E = I + xfer(32, 1) + GM_LAT;
	/* MTE3 MOV: issued at E + 8, 1 cycle + latency; the V ops end at E + 40 + 8 */
	assert_int_equal(cycles_of(H, a, 1), E + 8 + xfer(32, 1) + GM_LAT);
	sinan_asm_free(a);
}

/*
 * The double-buffered loop: B once into L0B, then T = 6 tiles of A (64 x 64
 * fp16, 8 KiB) streamed GM -> L0A into two buffers while the cube works on
 * the other one. With X = 28 (8 KiB at 300 B/cycle), L = 300, C = 64 block
 * steps, Lc = 16, and I0 the issue time of the B load:
 *   B:    MTE2 [I0, I0+28), done I0+328
 *   A0:   MTE2 [I0+28, I0+56), done I0+356; MMAD0 [356, 420) done 436 (all + I0)
 *   A1:   MTE2 [56, 84) done 384;  MMAD1 [420, 484) done 500
 *   A2:   waits for MMAD0 (436): [436, 464) done 764; MMAD2 [764, 828) done 844
 *   A3:   waits for MMAD1 (500): [500, 528) done 828; MMAD3 [828, 892) done 908
 *   A4:   waits 844: [844, 872) done 1172; MMAD4 [1172, 1236) done 1252
 *   A5:   waits 908: [908, 936) done 1236; MMAD5 [1236, 1300) done 1316
 * so the block takes I0 + 1316 cycles: every pair of tiles costs
 * L + X + C + Lc = 408 and the loads of one buffer overlap the cube on the
 * other. With one buffer every tile costs 408: I0 + 28 + 6 * 408.
 */
static void emit_db_loop(struct sinan_asm *a, uint64_t A, uint64_t B, unsigned int T, bool double_buf,
			 int drop_wait /* -1 none; 2*i: data WAIT of tile i; 2*i+1: buffer WAIT */,
			 uint64_t *I0)
{
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 8192);
	sinan_asm_li(a, 7, 64);
	sinan_asm_li(a, 8, 0);		/* L0A buffer 0 */
	sinan_asm_li(a, 9, 8192);	/* L0A buffer 1 */
	sinan_asm_li64(a, 10, B);
	for (unsigned int i = 0; i < T; i++)
		sinan_asm_li64(a, 11 + i, A + 8192ULL * i);
	*I0 = sinan_asm_pos(a);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L0B, 0, 0, 10, 5, 6, 0, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_MTE2, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_MTE2, 1);
	for (unsigned int i = 0; i < T; i++) {
		unsigned int b = double_buf ? i & 1 : 0;

		if (drop_wait != (int)(2 * i + 1))
			sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_MTE2, b);
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L0A, 0, b ? 9 : 8, 11 + i, 5, 6, 0, 0);
		sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_M, b);
		if (drop_wait != (int)(2 * i))
			sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_M, b);
		sinan_asm_mmad(a, SINAN_DT_FP16, i ? SINAN_MMAD_F_ACC : 0, 0, b ? 9 : 8, 0, 7, 7, 7);
		sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_MTE2, b);
	}
	sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_MTE2, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_MTE2, 1);
	sinan_asm_end(a);
}

static void test_double_buffered_loop(void **st)
{
	uint64_t A = h_buf(H, 6 * 8192), B = h_buf(H, 8192), I0, db, single;
	struct sinan_asm *a = sinan_asm_new();

	(void)st;
	emit_db_loop(a, A, B, 6, true, -1, &I0);
	db = cycles_of(H, a, 1);
	assert_int_equal(db, I0 + 1316);
	sinan_asm_free(a);

	/* one buffer: the M -> MTE2 flag 1 is set in the prologue and consumed at the end */
	a = sinan_asm_new();
	emit_db_loop(a, A, B, 6, false, -1, &I0);
	single = cycles_of(H, a, 1);
	assert_int_equal(single, I0 + 28 + 6 * (GM_LAT + 28 + 64 + CUBE_LAT));
	assert_true(db < single);
	sinan_asm_free(a);
}

/* The same launch twice, and on a device with a different number of host threads. */
static void test_determinism(void **st)
{
	uint64_t A = h_buf(H, 6 * 8192), B = h_buf(H, 8192), I0, c1, c2, c3;
	struct sinan_asm *a = sinan_asm_new();
	struct sinan_emu_config cfg;
	struct h_dev *h2;

	(void)st;
	emit_db_loop(a, A, B, 6, true, -1, &I0);
	c1 = cycles_of(H, a, 13);
	c2 = cycles_of(H, a, 13);
	assert_int_equal(c1, c2);
	h_test_config(&cfg);
	cfg.host_threads = 1;
	h2 = h_new(&cfg);
	A = h_buf(h2, 6 * 8192);
	B = h_buf(h2, 8192);
	sinan_asm_free(a);
	a = sinan_asm_new();
	emit_db_loop(a, A, B, 6, true, -1, &I0);
	c3 = cycles_of(h2, a, 13);
	assert_int_equal(c1, c3);
	h_free(h2);
	sinan_asm_free(a);
}

/* Dropping one WAIT_FLAG of the loop: caught as a hazard on the L0A buffer, naming it. */
static void test_hazard_caught(void **st)
{
	uint64_t A = h_buf(H, 6 * 8192), B = h_buf(H, 8192), I0;
	struct h_result r;

	(void)st;
	for (int drop = 4; drop <= 5; drop++) {
		struct sinan_asm *a = sinan_asm_new();
		size_t n;
		const uint64_t *code;

		/* 4: MMAD2 no longer waits for its data (read after write);
		 * 5: the load of A2 no longer waits for MMAD0 to free buffer 0 (write after read) */
		emit_db_loop(a, A, B, 6, true, drop, &I0);
		code = sinan_asm_finish(a, &n);
		h_launch(H, Q, code, n, 0, 1, &r);
		assert_int_equal(r.err, SINAN_ERR_SYNC_HAZARD);
		assert_int_equal(r.fault_addr, 0);	/* L0A buffer 0 starts at 0 */
		assert_int_equal(SINAN_CORE_DETAIL_WHAT(r.fault_info), SINAN_BUF_L0A);
		if (drop == 4) {
			assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_READ);
			assert_int_equal(SINAN_CORE_DETAIL_PIPE(r.fault_info), SINAN_PIPE_MTE2);
			assert_int_equal(SINAN_CORE_DETAIL_OP(r.fault_info), SINAN_I_MMAD);
		} else {
			assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_WRITE);
			assert_int_equal(SINAN_CORE_DETAIL_PIPE(r.fault_info), SINAN_PIPE_M);
			assert_int_equal(SINAN_CORE_DETAIL_OP(r.fault_info), SINAN_I_MOV);
		}
		h_queue_reset(H, Q);
		sinan_asm_free(a);
	}
}

/* Other hazards: GM written by MTE3 then read by MTE2 without a flag; a vector op on
 * data MTE2 is still loading; a partial overlap of strided bursts; and no false alarm
 * for interleaved rows that never meet. */
static void test_hazard_kinds(void **st)
{
	uint64_t gm = h_buf(H, 65536);
	struct h_result r;
	struct sinan_asm *a;
	size_t n;
	const uint64_t *code;

	(void)st;
	/* GM: MTE3 writes [gm+100, +64), MTE2 reads [gm+150, +32) */
	a = sinan_asm_new();
	sinan_asm_li64(a, 10, gm + 100);
	sinan_asm_li64(a, 11, gm + 150);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 64);
	sinan_asm_li(a, 7, 32);
	sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 10, 0, 5, 6, 0, 0);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 0, 11, 5, 7, 0, 0);
	sinan_asm_end(a);
	code = sinan_asm_finish(a, &n);
	h_launch(H, Q, code, n, 0, 1, &r);
	assert_int_equal(r.err, SINAN_ERR_SYNC_HAZARD);
	assert_int_equal(r.fault_addr, gm + 150);
	assert_int_equal(SINAN_CORE_DETAIL_WHAT(r.fault_info), SINAN_BUF_GM);
	h_queue_reset(H, Q);
	sinan_asm_free(a);

	/* the same with the flag: fine */
	a = sinan_asm_new();
	sinan_asm_li64(a, 10, gm + 100);
	sinan_asm_li64(a, 11, gm + 150);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 64);
	sinan_asm_li(a, 7, 32);
	sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 10, 0, 5, 6, 0, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 0);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 0, 11, 5, 7, 0, 0);
	sinan_asm_end(a);
	(void)cycles_of(H, a, 1);
	sinan_asm_free(a);

	/* strided UB rows: MTE2 writes rows 0, 2, 4 (32 bytes at stride 64), V reads rows
	 * 1, 3, 5 at offset 32: they never meet, no hazard; then V reads row 4: hazard at 128 */
	for (int meet = 0; meet < 2; meet++) {
		a = sinan_asm_new();
		sinan_asm_li64(a, 10, gm);
		sinan_asm_li(a, 5, 3);
		sinan_asm_li(a, 6, 32);
		sinan_asm_li(a, 7, 64);
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 0, 10, 5, 6, 6, 7);
		sinan_asm_li(a, 8, 8);
		sinan_asm_li(a, 9, meet ? 1 : 3);
		sinan_asm_li64(a, 11, SINAN_V_STRIDES(64, 64, 0));
		sinan_asm_li(a, 12, meet ? 128 : 32);
		sinan_asm_li(a, 13, 4096);
		sinan_asm_vun(a, SINAN_VU_RELU, SINAN_DT_FP32, 13, 12, 8, 9, 11);
		sinan_asm_end(a);
		code = sinan_asm_finish(a, &n);
		h_launch(H, Q, code, n, 0, 1, &r);
		if (!meet) {
			assert_int_equal(r.err, 0);
		} else {
			assert_int_equal(r.err, SINAN_ERR_SYNC_HAZARD);
			assert_int_equal(r.fault_addr, 128);
			assert_int_equal(SINAN_CORE_DETAIL_WHAT(r.fault_info), SINAN_BUF_UB);
			assert_int_equal(SINAN_CORE_DETAIL_PIPE(r.fault_info), SINAN_PIPE_MTE2);
			h_queue_reset(H, Q);
		}
		sinan_asm_free(a);
	}

	/* BARRIER orders too: the vector op after BARRIER(MTE2) sees the loaded data */
	a = sinan_asm_new();
	sinan_asm_li64(a, 10, gm);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 256);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 0, 10, 5, 6, 0, 0);
	sinan_asm_barrier(a, SINAN_PIPE_MTE2);
	sinan_asm_li(a, 8, 64);
	sinan_asm_vun(a, SINAN_VU_RELU, SINAN_DT_FP32, 0, 0, 8, 5, 0);
	sinan_asm_end(a);
	(void)cycles_of(H, a, 1);
	sinan_asm_free(a);
}

/*
 * With strict-sync off, a racy loop runs and is credited overlap it should
 * not get (3 tiles, the data WAIT of tile 2 dropped: its flag is left set).
 */
static void test_strict_sync_off(void **st)
{
	struct sinan_emu_config cfg;
	struct h_dev *h2;
	uint64_t A, B, I0, racy, good;
	struct sinan_asm *a = sinan_asm_new();

	(void)st;
	h_test_config(&cfg);
	cfg.strict_sync = false;
	h2 = h_new(&cfg);
	A = h_buf(h2, 6 * 8192);
	B = h_buf(h2, 8192);
	emit_db_loop(a, A, B, 3, true, 4, &I0);
	racy = cycles_of(h2, a, 1);
	sinan_asm_free(a);
	a = sinan_asm_new();
	emit_db_loop(a, A, B, 3, true, -1, &I0);
	good = cycles_of(h2, a, 1);
	assert_int_equal(good, I0 + 844);	/* the timeline above, up to MMAD2 */
	assert_true(racy < good);
	h_free(h2);
	sinan_asm_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_mmad),
		cmocka_unit_test(test_single_mov),
		cmocka_unit_test(test_single_others),
		cmocka_unit_test(test_issue_queue_full),
		cmocka_unit_test(test_double_buffered_loop),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_hazard_caught),
		cmocka_unit_test(test_hazard_kinds),
		cmocka_unit_test(test_strict_sync_off),
	};

	(void)PIPE_QUEUE;
	return cmocka_run_group_tests_name("emu-isa-cost", tests, grp_setup, grp_teardown);
}

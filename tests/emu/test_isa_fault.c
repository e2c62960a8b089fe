// SPDX-License-Identifier: MIT
/*
 * Sinan AI cores: every way a program can fail stops the launch with the
 * documented error, address and fault info (sinan_isa.h, "Errors"), the
 * queue stops, and the device keeps working after a queue reset. Random
 * programs never crash the emulator. Watchdog and queue reset end runaway
 * programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "isa/sinan_asm.h"

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

static void run(struct sinan_asm *a, uint64_t args, uint32_t blocks, struct h_result *r)
{
	h_launch_asm(H, Q, a, args, blocks, r);
	sinan_asm_free(a);
}

/* The launch failed with @err at @addr, fault info as given; then reset the queue. */
static void expect_fault(const struct h_result *r, unsigned int err, uint64_t addr, unsigned int access,
			 unsigned int core, unsigned int what, unsigned int op)
{
	if (r->err != err)
		fail_msg("error %u, want %u (%s)", r->err, err, h_last_guest_error(H));
	assert_int_equal(h_qrd(H, Q, SINAN_Q_STATUS), SINAN_QS_ERROR);
	assert_int_equal(h_qrd(H, Q, SINAN_Q_FAULT_ADDR), r->fault_addr);
	assert_int_equal(r->cqe.status, err);
	assert_true(r->cqe.flags & SINAN_CQE_F_ERROR);
	if (r->fault_addr != addr)
		fail_msg("fault address 0x%llx, want 0x%llx", (unsigned long long)r->fault_addr,
			 (unsigned long long)addr);
	assert_int_equal(r->fault_info & SINAN_FAULT_ACCESS_MASK, access);
	assert_int_equal((r->fault_info & SINAN_FAULT_UNIT_MASK) >> 8, SINAN_FAULT_UNIT_CORE(core));
	assert_int_equal(SINAN_CORE_DETAIL_WHAT(r->fault_info), what);
	assert_int_equal(SINAN_CORE_DETAIL_OP(r->fault_info), op);
	h_queue_reset(H, Q);
}

/* VA of instruction @i of the last launched program */
static uint64_t insn_va(const struct h_result *r, unsigned int i)
{
	(void)r;
	return h_prog_va(H, Q) + 8ULL * i;
}

/* ---- GM faults ----------------------------------------------------------------------------- */

static void test_gm_unmapped(void **st)
{
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	uint64_t bad = 0x7000001234ULL;	/* never mapped */

	(void)st;
	sinan_asm_li64(a, 10, bad);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 100);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 0, 10, 5, 6, 0, 0);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_MMU_FAULT, bad, SINAN_FAULT_READ, 0, SINAN_BUF_GM, SINAN_I_MOV);

	/* a burst that crosses from a mapped page into an unmapped one faults at the page */
	{
		uint64_t buf = h_buf(H, 4096);

		a = sinan_asm_new();
		sinan_asm_li64(a, 10, buf + 4000);
		sinan_asm_li(a, 5, 1);
		sinan_asm_li(a, 6, 200);
		sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 10, 0, 5, 6, 0, 0);
		sinan_asm_end(a);
		/* the page after buf is unmapped unless the next h_buf took it: map nothing there */
		run(a, 0, 1, &r);
		if (r.err == 0)
			fail_msg("write across into the next page did not fault (is it mapped?)");
		expect_fault(&r, SINAN_ERR_MMU_FAULT, buf + 4096, SINAN_FAULT_WRITE, 0, SINAN_BUF_GM, SINAN_I_MOV);
	}
}

static void test_gm_scalar_faults(void **st)
{
	uint64_t ro = h_buf(H, 4096);
	struct sinan_asm *a;
	struct h_result r;

	(void)st;
	/* make the page read-only */
	h_map(H, 0, ro, ro - H_VA_BASE, 4096, 0);
	h_mmu_inv(H);
	a = sinan_asm_new();
	sinan_asm_li64(a, 10, ro);
	sinan_asm_ld(a, 8, false, 5, 10, 16);	/* reading is fine */
	sinan_asm_st(a, 4, 5, 10, 20);		/* writing faults */
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_MMU_FAULT, ro + 20, SINAN_FAULT_WRITE, 0, SINAN_BUF_GM, SINAN_I_ST);

	a = sinan_asm_new();
	sinan_asm_li64(a, 10, 0x6000000000ULL);
	sinan_asm_ld(a, 2, true, 5, 10, -2);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_MMU_FAULT, 0x6000000000ULL - 2, SINAN_FAULT_READ, 0, SINAN_BUF_GM, SINAN_I_LD);

	/* misaligned scalar access */
	a = sinan_asm_new();
	sinan_asm_li64(a, 10, ro);
	sinan_asm_ld(a, 4, false, 5, 10, 2);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ALIGN, ro + 2, SINAN_FAULT_READ, 0, SINAN_BUF_GM, SINAN_I_LD);
}

/* AI cores reach only device memory: a system-memory page faults, for data and program. */
static void test_sysmem_from_core(void **st)
{
	uint64_t sys = h_sys_buf(H, 8192);
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	struct sinan_pkt_launch l = { .header = SINAN_PKT_HDR(SINAN_OP_LAUNCH, 0), .blocks = 1 };
	uint64_t end = SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0);

	(void)st;
	sinan_asm_li64(a, 10, sys + 64);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 32);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 0, 10, 5, 6, 0, 0);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_MMU_FAULT, sys + 64, SINAN_FAULT_READ, 0, SINAN_BUF_GM, SINAN_I_MOV);

	/* program in system memory: fetch fault at the program's first byte */
	memcpy(h_va(H, sys), &end, 8);
	l.prog = sys;
	l.prog_size = 8;
	h_job(H, Q, &l, &r);
	assert_int_equal(r.err, SINAN_ERR_MMU_FAULT);
	assert_int_equal(r.fault_addr, sys);
	assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_FETCH);
	h_queue_reset(H, Q);

	/* program partly unmapped: runs until it fetches from the hole */
	{
		uint64_t p = h_buf(H, 4096);
		uint64_t *w = h_va(H, p);

		for (unsigned int i = 0; i < 512; i++)
			w[i] = SINAN_ENC_R(SINAN_I_NOP, 0, 0, 0, 0, 0, 0, 0, 0);
		l.prog = p;
		l.prog_size = 8192;	/* the second page is not mapped */
		h_job(H, Q, &l, &r);
		assert_int_equal(r.err, SINAN_ERR_MMU_FAULT);
		assert_int_equal(r.fault_addr, p + 4096);
		assert_int_equal(r.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_FETCH);
		h_queue_reset(H, Q);
	}
}

/* ---- local buffers ------------------------------------------------------------------------- */

static void test_local_bounds_align(void **st)
{
	struct sinan_asm *a;
	struct h_result r;
	uint64_t ub = 256 * 1024, l1 = 1024 * 1024;

	(void)st;
	/* MOV into UB running past its end */
	a = sinan_asm_new();
	sinan_asm_li64(a, 10, h_buf(H, 4096));
	sinan_asm_li64(a, 11, ub - 64);
	sinan_asm_li(a, 5, 2);
	sinan_asm_li(a, 6, 40);
	sinan_asm_li(a, 7, 32);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 11, 10, 5, 6, 0, 7);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_CORE_BOUNDS, ub - 64, SINAN_FAULT_WRITE, 0, SINAN_BUF_UB, SINAN_I_MOV);

	/* huge burst counts must not wrap around the bounds check */
	a = sinan_asm_new();
	sinan_asm_li64(a, 5, 1ULL << 62);
	sinan_asm_li(a, 6, 32);
	sinan_asm_li(a, 7, 64);
	sinan_asm_mov(a, SINAN_BUF_L1, SINAN_BUF_UB, 0, 0, 0, 5, 6, 7, 7);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_CORE_BOUNDS, 0, SINAN_FAULT_READ, 0, SINAN_BUF_L1, SINAN_I_MOV);

	/* vector op reading past UB */
	a = sinan_asm_new();
	sinan_asm_li64(a, 9, 70000);
	sinan_asm_li(a, 10, 1);
	sinan_asm_li(a, 11, 0);
	sinan_asm_li(a, 12, 1024);
	sinan_asm_vun(a, SINAN_VU_EXP, SINAN_DT_FP32, 0, 12, 9, 10, 11);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_CORE_BOUNDS, 0, SINAN_FAULT_WRITE, 0, SINAN_BUF_UB, SINAN_I_VUN);

	/* MMAD whose operands do not fit L0A */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 256);
	sinan_asm_li(a, 6, 16);
	sinan_asm_li(a, 7, 256);
	sinan_asm_mmad(a, SINAN_DT_FP16, 0, 0, 0, 0, 5, 6, 7);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_CORE_BOUNDS, 0, SINAN_FAULT_READ, 0, SINAN_BUF_L0A, SINAN_I_MMAD);

	/* L1 offset past the end by one byte-aligned block */
	a = sinan_asm_new();
	sinan_asm_li64(a, 11, l1);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 1);
	sinan_asm_mov(a, SINAN_BUF_L1, SINAN_BUF_UB, 0, 0, 11, 5, 6, 0, 0);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_CORE_BOUNDS, l1, SINAN_FAULT_READ, 0, SINAN_BUF_L1, SINAN_I_MOV);

	/* misaligned UB vector operand, misaligned stride, L0A at 256, L0C at 512 */
	a = sinan_asm_new();
	sinan_asm_li(a, 9, 8);
	sinan_asm_li(a, 10, 1);
	sinan_asm_li(a, 11, 0);
	sinan_asm_li(a, 12, 16);
	sinan_asm_vun(a, SINAN_VU_RELU, SINAN_DT_FP32, 0, 12, 9, 10, 11);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ALIGN, 16, SINAN_FAULT_READ, 0, SINAN_BUF_UB, SINAN_I_VUN);

	a = sinan_asm_new();
	sinan_asm_li(a, 9, 8);
	sinan_asm_li(a, 10, 2);
	sinan_asm_li64(a, 11, SINAN_V_STRIDES(48, 0, 0));
	sinan_asm_vun(a, SINAN_VU_RELU, SINAN_DT_FP32, 0, 0, 9, 10, 11);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ALIGN, 0, SINAN_FAULT_WRITE, 0, SINAN_BUF_UB, SINAN_I_VUN);

	a = sinan_asm_new();
	sinan_asm_li(a, 5, 16);
	sinan_asm_li(a, 6, 16);
	sinan_asm_li(a, 8, 256);
	sinan_asm_loadf(a, SINAN_BUF_L0A, SINAN_DT_FP16, 0, 8, 0, 5, 6, 6);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ALIGN, 256, SINAN_FAULT_WRITE, 0, SINAN_BUF_L0A, SINAN_I_LOADF);

	a = sinan_asm_new();
	sinan_asm_li(a, 5, 16);
	sinan_asm_li(a, 8, 512);
	sinan_asm_mmad(a, SINAN_DT_FP16, 0, 8, 0, 0, 5, 5, 5);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ALIGN, 512, SINAN_FAULT_WRITE, 0, SINAN_BUF_L0C, SINAN_I_MMAD);
}

/* ---- illegal instructions ------------------------------------------------------------------ */

static void expect_illegal(uint64_t word, unsigned int exc, unsigned int at)
{
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;

	for (unsigned int i = 0; i < at; i++)
		sinan_asm_nop(a);
	sinan_asm_word(a, word);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ILLEGAL_INSTR, insn_va(&r, at), SINAN_FAULT_FETCH, 0, exc,
		     exc == SINAN_EXC_TRAP ? (uint32_t)SINAN_DEC_IMM32(word) & 0xff : SINAN_DEC_OP(word));
}

static void test_illegal(void **st)
{
	(void)st;
	expect_illegal(0x0b, SINAN_EXC_OPCODE, 0);					/* hole */
	expect_illegal(0xff, SINAN_EXC_OPCODE, 2);					/* past the end */
	expect_illegal(SINAN_ENC_R(SINAN_I_NOP, 1, 0, 0, 0, 0, 0, 0, 0), SINAN_EXC_OPCODE, 1);
	expect_illegal(SINAN_ENC_R(SINAN_I_ALU, 1, 2, 3, 4, 0, 0, 0, 0), SINAN_EXC_OPCODE, 0);	/* rc set */
	expect_illegal(SINAN_ENC_R(SINAN_I_ALU, 1, 2, 3, 0, 0, 0, SINAN_ALU_COUNT, 0), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_I(SINAN_I_ST, 1, 2, SINAN_LDST_SIGNED, 0), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_I(SINAN_I_BR, 0, 0, SINAN_BR_COUNT, 1), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_I(SINAN_I_BR, 3, 0, SINAN_BR_ALWAYS, 1), SINAN_EXC_OPCODE, 0);
	expect_illegal(SINAN_ENC_I(SINAN_I_SETCFG, 0, 1, SINAN_CFG_COUNT, 0), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_SET_FLAG, 0, 0, 0, 0, 0, 0, SINAN_FLAG_FUNC(2, 2), 0), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_SET_FLAG, 0, 0, 0, 0, 0, 0, SINAN_FLAG_FUNC(2, 5), 8), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_BARRIER, 0, 0, 0, 0, 0, 0, 7, 0), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_MOV, 1, 2, 3, 4, 5, 6, SINAN_MOV_FUNC(SINAN_BUF_GM, SINAN_BUF_GM, 0), 0),
		       SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_MOV, 1, 2, 3, 4, 5, 6, SINAN_MOV_FUNC(SINAN_BUF_UB, SINAN_BUF_L0A, 0), 0),
		       SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_MMAD, 1, 2, 3, 4, 5, 6, SINAN_DT_INT16, 0), SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_LOADF, 1, 2, 3, 4, 5, 0, SINAN_LOADF_FUNC(SINAN_BUF_L0C, SINAN_DT_FP16, 0), 0),
		       SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_VUN, 1, 2, 0, 4, 5, 6, SINAN_V_FUNC(SINAN_VU_EXP, SINAN_DT_INT32, 0), 0),
		       SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_R(SINAN_I_VBIN, 1, 2, 3, 4, 5, 6, SINAN_V_FUNC(SINAN_VB_ADD, 7, 0), 0),
		       SINAN_EXC_FUNC, 0);
	expect_illegal(SINAN_ENC_I(SINAN_I_TRAP, 0, 0, 0, 0x1234), SINAN_EXC_TRAP, 3);
}

/* Runtime causes: fetch outside the program, deadlock, flag set twice, bad operand. */
static void test_illegal_runtime(void **st)
{
	struct sinan_asm *a;
	struct h_result r;

	(void)st;
	/* falling off the end */
	a = sinan_asm_new();
	sinan_asm_nop(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ILLEGAL_INSTR, insn_va(&r, 1), SINAN_FAULT_FETCH, 0, SINAN_EXC_PC, 0);
	/* branching before the start */
	a = sinan_asm_new();
	sinan_asm_word(a, SINAN_ENC_I(SINAN_I_BR, 0, 0, SINAN_BR_ALWAYS, -5));
	run(a, 0, 1, &r);
	assert_int_equal(r.err, SINAN_ERR_ILLEGAL_INSTR);
	assert_int_equal(SINAN_CORE_DETAIL_WHAT(r.fault_info), SINAN_EXC_PC);
	h_queue_reset(H, Q);
	/* WAIT_FLAG with no SET_FLAG: deadlock */
	a = sinan_asm_new();
	sinan_asm_nop(a);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 3);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ILLEGAL_INSTR, insn_va(&r, 1), SINAN_FAULT_FETCH, 0, SINAN_EXC_DEADLOCK,
		     SINAN_I_WAIT_FLAG);
	/* a flag consumed by its WAIT cannot be waited for again */
	a = sinan_asm_new();
	sinan_asm_set_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ILLEGAL_INSTR, insn_va(&r, 2), SINAN_FAULT_FETCH, 0, SINAN_EXC_DEADLOCK,
		     SINAN_I_WAIT_FLAG);
	/* set twice */
	a = sinan_asm_new();
	sinan_asm_set_flag(a, SINAN_PIPE_S, SINAN_PIPE_M, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_S, SINAN_PIPE_M, 7);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ILLEGAL_INSTR, insn_va(&r, 1), SINAN_FAULT_FETCH, 0, SINAN_EXC_FLAG,
		     SINAN_I_SET_FLAG);
	/* IMG2COL with an all-zero geometry */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 16);
	sinan_asm_img2col(a, SINAN_DT_FP16, 0, 0, 0, 5, 0, 5);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ILLEGAL_INSTR, insn_va(&r, 1), SINAN_FAULT_FETCH, 0, SINAN_EXC_OPERAND,
		     SINAN_I_IMG2COL);
	/* FIXP with n1 smaller than the column blocks */
	a = sinan_asm_new();
	sinan_asm_li(a, 5, 16);
	sinan_asm_li(a, 6, 33);
	sinan_asm_li(a, 8, 2);
	sinan_asm_fixp(a, SINAN_BUF_UB, SINAN_DT_FP32, 0, 0, 0, 5, 6, 0, 8);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	expect_fault(&r, SINAN_ERR_ILLEGAL_INSTR, insn_va(&r, 3), SINAN_FAULT_FETCH, 0, SINAN_EXC_OPERAND,
		     SINAN_I_FIXP);
}

/* A fault in block 3 of 4 on 2 cores names core 1; earlier blocks' results are there. */
static void test_fault_names_core(void **st)
{
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	int ok = sinan_asm_label(a);
	struct sinan_emu_config cfg;
	struct h_dev *h2;
	uint64_t out, *o;

	(void)st;
	h_test_config(&cfg);
	cfg.num_cores = 2;
	h2 = h_new(&cfg);
	out = h_buf(h2, 4096);
	o = h_va(h2, out);
	sinan_asm_li64(a, 10, out);
	sinan_asm_alui(a, SINAN_ALU_SHL, 11, 2, 3);
	sinan_asm_alu(a, SINAN_ALU_ADD, 10, 10, 11);
	sinan_asm_st(a, 8, 4, 10, 0);		/* out[block] = core */
	sinan_asm_li(a, 5, 3);
	sinan_asm_br(a, SINAN_BR_NE, 2, 5, ok);
	sinan_asm_trap(a, 77);
	sinan_asm_bind(a, ok);
	sinan_asm_end(a);
	{
		size_t n;
		const uint64_t *code = sinan_asm_finish(a, &n);

		h_launch(h2, 0, code, n, 0, 4, &r);
	}
	assert_int_equal(r.err, SINAN_ERR_ILLEGAL_INSTR);
	assert_int_equal((r.fault_info & SINAN_FAULT_UNIT_MASK) >> 8, SINAN_FAULT_UNIT_CORE(1));
	assert_int_equal(SINAN_CORE_DETAIL_WHAT(r.fault_info), SINAN_EXC_TRAP);
	assert_int_equal(SINAN_CORE_DETAIL_OP(r.fault_info), 77);
	assert_int_equal(o[0], 0);
	assert_int_equal(o[1], 1);
	assert_int_equal(o[3], 1);	/* block 3 ran on core 1 before trapping */
	sinan_asm_free(a);
	h_free(h2);
}

/* ---- runaway programs ------------------------------------------------------------------------ */

static void test_watchdog(void **st)
{
	struct sinan_asm *a = sinan_asm_new();
	int loop = sinan_asm_label(a);
	struct h_result r;

	(void)st;
	h_wr(H, SINAN_QREG(Q, SINAN_Q_WATCHDOG), 200, 4);	/* 200 kilocycles, until the teardown */
	sinan_asm_nop(a);
	sinan_asm_bind(a, loop);
	sinan_asm_alui(a, SINAN_ALU_ADD, 5, 5, 1);
	sinan_asm_jmp(a, loop);
	run(a, 0, 1, &r);
	assert_int_equal(r.err, SINAN_ERR_WATCHDOG);
	assert_true(r.fault_addr == insn_va(&r, 1) || r.fault_addr == insn_va(&r, 2));
	assert_int_equal((r.fault_info & SINAN_FAULT_UNIT_MASK) >> 8, SINAN_FAULT_UNIT_CORE(0));
	/* modeled time stopped near the limit, not far beyond it */
	if (r.cqe.busy_cycles < 200000 || r.cqe.busy_cycles >= 200000 + 10000)
		fail_msg("watchdog stopped the launch at %llu modeled cycles (limit 200000)",
			 (unsigned long long)r.cqe.busy_cycles);
	h_queue_reset(H, Q);

	/* a single huge instruction is caught before it runs */
	a = sinan_asm_new();
	sinan_asm_li64(a, 9, 64);
	sinan_asm_li64(a, 10, 1ULL << 40);	/* rows, all reading the same row */
	sinan_asm_li(a, 11, 0);
	sinan_asm_vun(a, SINAN_VU_EXP, SINAN_DT_FP32, 0, 0, 9, 10, 11);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	assert_int_equal(r.err, SINAN_ERR_WATCHDOG);
	assert_int_equal(r.fault_addr, insn_va(&r, 4));
	h_queue_reset(H, Q);

	/* regression: the cost of 2^40 GM bursts with an odd stride is computed in closed
	 * form (it used to walk every burst before the watchdog could refuse it) */
	a = sinan_asm_new();
	sinan_asm_li64(a, 5, 1ULL << 40);
	sinan_asm_li(a, 6, 8);
	sinan_asm_li(a, 7, 36);
	sinan_asm_li64(a, 10, h_buf(H, 4096));
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 0, 10, 5, 6, 7, 0);
	sinan_asm_end(a);
	run(a, 0, 1, &r);
	assert_int_equal(r.err, SINAN_ERR_WATCHDOG);
	h_queue_reset(H, Q);
	h_wr(H, SINAN_QREG(Q, SINAN_Q_WATCHDOG), 0, 4);
}

static int watchdog_off(void **st)
{
	(void)st;
	h_wr(H, SINAN_QREG(Q, SINAN_Q_WATCHDOG), 0, 4);
	if (h_qrd(H, Q, SINAN_Q_STATUS) == SINAN_QS_ERROR)
		h_queue_reset(H, Q);
	return 0;
}

static double wall(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* An endless loop with no watchdog: a queue reset (and a device reset) ends it promptly. */
static void test_abort_on_reset(void **st)
{
	struct sinan_asm *a = sinan_asm_new();
	int loop = sinan_asm_label(a);
	struct sinan_pkt_launch l = { .header = SINAN_PKT_HDR(SINAN_OP_LAUNCH, 0), .blocks = 64 };
	size_t n;
	const uint64_t *code;
	uint64_t prog = h_buf(H, 4096);
	double t0;

	(void)st;
	sinan_asm_bind(a, loop);
	sinan_asm_alui(a, SINAN_ALU_ADD, 5, 5, 1);
	sinan_asm_jmp(a, loop);
	code = sinan_asm_finish(a, &n);
	memcpy(h_va(H, prog), code, n * 8);
	l.prog = prog;
	l.prog_size = n * 8;
	for (int round = 0; round < 2; round++) {
		h_push(H, Q, &l);
		h_doorbell(H, Q);
		nanosleep(&(struct timespec){ .tv_nsec = 30000000 }, NULL);
		assert_int_equal(h_qrd(H, Q, SINAN_Q_STATUS), SINAN_QS_RUNNING);
		t0 = wall();
		if (round == 0) {
			h_wr(H, SINAN_QREG(Q, SINAN_Q_CTRL), SINAN_Q_CTRL_RESET, 4);
			assert_int_equal(h_qrd(H, Q, SINAN_Q_STATUS), SINAN_QS_DISABLED);
		} else {
			h_wr(H, SINAN_REG_CTRL, SINAN_CTRL_RESET, 4);
		}
		if (wall() - t0 > 2.0)
			fail_msg("reset took %.2f s to stop a running launch", wall() - t0);
		if (round == 0)
			h_queue(H, Q, SINAN_Q_CONFIG_ENGINE_COMPUTE);
	}
	sinan_asm_free(a);
	/* the device was reset: a fresh harness device for the remaining tests */
	h_free(H);
	H = h_new(NULL);
}

/* ---- fuzz: random programs never crash the emulator ------------------------------------------ */

static void test_random_programs(void **st)
{
	static const uint8_t ops[] = {
		SINAN_I_NOP, SINAN_I_LI, SINAN_I_LUI, SINAN_I_ALU, SINAN_I_ALUI, SINAN_I_LD, SINAN_I_ST,
		SINAN_I_BR, SINAN_I_SETCFG, SINAN_I_SET_FLAG, SINAN_I_WAIT_FLAG, SINAN_I_BARRIER,
		SINAN_I_MOV, SINAN_I_LOADF, SINAN_I_IMG2COL, SINAN_I_MMAD, SINAN_I_FIXP, SINAN_I_VBIN,
		SINAN_I_VSCALAR, SINAN_I_VUN, SINAN_I_VCVT, SINAN_I_VRED, SINAN_I_VDUP, SINAN_I_VCMP,
		SINAN_I_VSEL, 0x0c, 0x40,
	};
	uint64_t gm = h_buf(H, 1 << 16);
	unsigned int results[SINAN_ERR_COUNT] = { 0 };

	(void)st;
	h_srand(1234);
	h_wr(H, SINAN_QREG(Q, SINAN_Q_WATCHDOG), 300, 4);
	for (int p = 0; p < 600; p++) {
		struct sinan_asm *a = sinan_asm_new();
		struct h_result r;

		/* registers: small sizes, aligned offsets, GM addresses, anything */
		for (unsigned int x = 5; x < 32; x++) {
			uint64_t v = h_rand64();

			switch (v % 8) {
			case 0: case 1: v = (v >> 8) % 41; break;		/* counts, sizes */
			case 2: case 3: v = ((v >> 8) % 64) * 1024; break;	/* aligned offsets */
			case 4: v = gm + ((v >> 8) % 8192) * 8; break;		/* GM */
			case 5: v = ((v >> 8) % 2048) * 32; break;
			case 6: v = SINAN_V_STRIDES(((v >> 8) % 8) * 32, ((v >> 12) % 8) * 32, ((v >> 16) % 8) * 32); break;
			default: break;
			}
			sinan_asm_li64(a, x, v);
		}
		int len = 2 + (int)(h_rand64() % 30);

		for (int i = 0; i < len; i++) {
			uint64_t w = h_rand64();

			w = (w & ~0xffULL) | ops[(w >> 3) % sizeof(ops)];
			/* mostly well-formed encodings (rejection sampling) so that execution goes deep */
			for (int tries = 0; tries < 200 && h_rand64() % 16 && sinan_insn_check(w); tries++) {
				w = (h_rand64() & ~0xffULL) | (w & 0xff);
				w &= sinan_insn_fields(SINAN_DEC_OP(w)) | 0xff;
				w &= ~(0x3f0ULL << 38 | 0x3ff0ULL << 18) | (h_rand64() % 2 ? ~0ULL : 0);
			}
			if (SINAN_DEC_OP(w) == SINAN_I_BR)	/* short branches */
				w = (w & 0xffffffffULL) | ((uint64_t)(uint32_t)((int32_t)(h_rand64() % 9) - 4) << 32);
			if (SINAN_DEC_OP(w) == SINAN_I_TRAP && h_rand64() % 4)
				w = SINAN_ENC_R(SINAN_I_NOP, 0, 0, 0, 0, 0, 0, 0, 0);
			sinan_asm_word(a, w);
		}
		sinan_asm_end(a);
		run(a, 0, 1 + (unsigned int)(h_rand64() % 3), &r);
		assert_true(r.err < SINAN_ERR_COUNT);
		results[r.err]++;
		if (r.err)
			h_queue_reset(H, Q);
	}
	h_wr(H, SINAN_QREG(Q, SINAN_Q_WATCHDOG), 0, 4);
	print_message("random programs: ok %u, illegal %u, bounds %u, align %u, mmu %u, hazard %u, watchdog %u\n",
		      results[0], results[SINAN_ERR_ILLEGAL_INSTR], results[SINAN_ERR_CORE_BOUNDS],
		      results[SINAN_ERR_ALIGN], results[SINAN_ERR_MMU_FAULT], results[SINAN_ERR_SYNC_HAZARD],
		      results[SINAN_ERR_WATCHDOG]);
	/* the device still works */
	{
		struct sinan_asm *a = sinan_asm_new();
		struct h_result r;

		sinan_asm_end(a);
		run(a, 0, 1, &r);
		assert_int_equal(r.err, 0);
	}
}

/* LAUNCH packet validation */
static void test_launch_packet_checks(void **st)
{
	struct sinan_pkt_launch l = { .header = SINAN_PKT_HDR(SINAN_OP_LAUNCH, 0), .blocks = 1 };
	uint64_t prog = h_buf(H, 4096);
	struct h_result r;

	(void)st;
	*(uint64_t *)h_va(H, prog) = SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0);
	l.prog = prog;
	l.prog_size = SINAN_LAUNCH_MAX_PROG_SIZE + 8;
	h_job(H, Q, &l, &r);
	assert_int_equal(r.err, SINAN_ERR_BAD_PACKET);
	h_queue_reset(H, Q);
	l.prog_size = 8;
	l.blocks = 0;
	h_job(H, Q, &l, &r);
	assert_int_equal(r.err, SINAN_ERR_BAD_PACKET);
	h_queue_reset(H, Q);
	l.blocks = 1;
	l.prog = prog + 4;
	h_job(H, Q, &l, &r);
	assert_int_equal(r.err, SINAN_ERR_ALIGN);
	h_queue_reset(H, Q);
	/* a copy-engine queue refuses LAUNCH */
	h_queue(H, 1, SINAN_Q_CONFIG_ENGINE_COPY);
	l.prog = prog;
	h_job(H, 1, &l, &r);
	assert_int_equal(r.err, SINAN_ERR_BAD_PACKET);
	h_queue_reset(H, 1);
	/* injected illegal instruction: the next LAUNCH traps, the one after works */
	assert_int_equal(sinan_emu_inject_str(h_emu(H), "illegal:0"), 0);
	h_job(H, Q, &l, &r);
	assert_int_equal(r.err, SINAN_ERR_ILLEGAL_INSTR);
	h_queue_reset(H, Q);
	h_job(H, Q, &l, &r);
	assert_int_equal(r.err, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gm_unmapped),
		cmocka_unit_test(test_gm_scalar_faults),
		cmocka_unit_test(test_sysmem_from_core),
		cmocka_unit_test(test_local_bounds_align),
		cmocka_unit_test(test_illegal),
		cmocka_unit_test(test_illegal_runtime),
		cmocka_unit_test(test_fault_names_core),
		cmocka_unit_test_teardown(test_watchdog, watchdog_off),
		cmocka_unit_test(test_launch_packet_checks),
		cmocka_unit_test(test_abort_on_reset),
		cmocka_unit_test(test_random_programs),
	};

	return cmocka_run_group_tests_name("emu-isa-fault", tests, grp_setup, grp_teardown);
}

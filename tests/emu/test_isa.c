// SPDX-License-Identifier: MIT
/*
 * Sinan AI-core ISA: every instruction against a plain C reference written
 * from sinan_isa.h (not from the interpreter), run through the device model
 * (LAUNCH packets on a queue).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "isa/sinan_asm.h"
#include "testref.h"

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
	size_t n;
	const uint64_t *code = sinan_asm_finish(a, &n);

	if (!code)
		fail_msg("assembler: %s", sinan_asm_error(a));
	h_launch(H, Q, code, n, args, blocks, r);
}

static void run_ok(struct sinan_asm *a, uint64_t args, uint32_t blocks, struct h_result *r)
{
	run(a, args, blocks, r);
	if (r->err)
		fail_msg("launch failed: error %u at 0x%llx info 0x%x (%s)", r->err,
			 (unsigned long long)r->fault_addr, r->fault_info, h_last_guest_error(H));
}

/* ---- scalar unit ---------------------------------------------------------------------- */

static uint64_t ref_alu(unsigned int fn, uint64_t a, uint64_t b)
{
	switch (fn) {
	case SINAN_ALU_ADD: return a + b;
	case SINAN_ALU_SUB: return a - b;
	case SINAN_ALU_MUL: return a * b;
	case SINAN_ALU_DIVU: return b ? a / b : ~0ULL;
	case SINAN_ALU_REMU: return b ? a % b : a;
	case SINAN_ALU_AND: return a & b;
	case SINAN_ALU_OR: return a | b;
	case SINAN_ALU_XOR: return a ^ b;
	case SINAN_ALU_SHL: return a << (b % 64);
	case SINAN_ALU_SHR: return a >> (b % 64);
	case SINAN_ALU_SRA: return (uint64_t)((int64_t)a >> (b % 64));
	case SINAN_ALU_MIN: return (int64_t)a < (int64_t)b ? a : b;
	case SINAN_ALU_MAX: return (int64_t)a > (int64_t)b ? a : b;
	case SINAN_ALU_MINU: return a < b ? a : b;
	case SINAN_ALU_MAXU: return a > b ? a : b;
	case SINAN_ALU_SLT: return (int64_t)a < (int64_t)b;
	case SINAN_ALU_SLTU: return a < b;
	case SINAN_ALU_SEQ: return a == b;
	}
	return 0;
}

/* Every ALU and ALUI function on interesting and random operands, results stored to GM. */
static void test_scalar_alu(void **st)
{
	static const uint64_t special[] = { 0, 1, 2, 63, 64, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
					    ~0ULL, 0xffffffffULL, 0x100000000ULL, 12345, (uint64_t)-7 };
	enum { NV = 24 };
	uint64_t va[NV], vb[NV];
	uint64_t out = h_buf(H, NV * SINAN_ALU_COUNT * 2 * 8);
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	uint64_t *o = h_va(H, out);

	(void)st;
	for (unsigned int i = 0; i < NV; i++) {
		va[i] = i < 12 ? special[i] : h_rand64();
		vb[i] = i < 12 ? special[(i * 5 + 3) % 12] : (i & 1 ? h_rand64() % 70 : h_rand64());
	}
	sinan_asm_li64(a, 20, out);
	for (unsigned int i = 0; i < NV; i++) {
		sinan_asm_li64(a, 5, va[i]);
		sinan_asm_li64(a, 6, vb[i]);
		for (unsigned int fn = 0; fn < SINAN_ALU_COUNT; fn++) {
			sinan_asm_alu(a, fn, 7, 5, 6);
			sinan_asm_st(a, 8, 7, 20, 0);
			sinan_asm_alui(a, SINAN_ALU_ADD, 20, 20, 8);
			sinan_asm_alui(a, fn, 8, 5, (int32_t)vb[i]);
			sinan_asm_st(a, 8, 8, 20, 0);
			sinan_asm_alui(a, SINAN_ALU_ADD, 20, 20, 8);
		}
	}
	/* x0 stays zero */
	sinan_asm_li(a, 0, 55);
	sinan_asm_st(a, 8, 0, 20, 0);
	sinan_asm_end(a);
	run_ok(a, 0, 1, &r);
	for (unsigned int i = 0, k = 0; i < NV; i++)
		for (unsigned int fn = 0; fn < SINAN_ALU_COUNT; fn++, k += 2) {
			uint64_t imm = (uint64_t)(int64_t)(int32_t)vb[i];

			if (o[k] != ref_alu(fn, va[i], vb[i]) || o[k + 1] != ref_alu(fn, va[i], imm))
				fail_msg("ALU %u (0x%llx, 0x%llx): got 0x%llx / 0x%llx", fn,
					 (unsigned long long)va[i], (unsigned long long)vb[i],
					 (unsigned long long)o[k], (unsigned long long)o[k + 1]);
		}
	assert_int_equal(o[NV * SINAN_ALU_COUNT * 2], 0);
	sinan_asm_free(a);
}

/* LI/LUI, LD/ST of every size with sign extension, branches of every condition, x1..x4. */
static void test_scalar_ldst_branch(void **st)
{
	uint64_t buf = h_buf(H, 4096);
	uint8_t *b = h_va(H, buf);
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	uint64_t *o = (uint64_t *)(b + 1024);
	static const int64_t cmp[][2] = { { 1, 2 }, { 2, 1 }, { -1, 1 }, { 5, 5 }, { -3, -3 }, { 0, -1 } };
	unsigned int k = 0;

	(void)st;
	for (unsigned int i = 0; i < 16; i++)
		b[i] = (uint8_t)(0xf0 + i);
	sinan_asm_li64(a, 10, buf);
	sinan_asm_li64(a, 11, buf + 1024);
	for (unsigned int size = 1; size <= 8; size *= 2)
		for (int sign = 0; sign < 2; sign++) {
			sinan_asm_ld(a, size, sign, 5, 10, 8);
			sinan_asm_st(a, 8, 5, 11, (int32_t)(8 * k++));
		}
	/* partial stores */
	sinan_asm_li64(a, 6, 0x1122334455667788ULL);
	sinan_asm_st(a, 1, 6, 10, 512);
	sinan_asm_st(a, 2, 6, 10, 514);
	sinan_asm_st(a, 4, 6, 10, 516);
	/* branches: for each (x, y) and each condition, store 1 if taken */
	for (unsigned int i = 0; i < sizeof(cmp) / sizeof(cmp[0]); i++)
		for (unsigned int c = 0; c < SINAN_BR_ALWAYS; c++) {
			int skip = sinan_asm_label(a);

			sinan_asm_li(a, 5, (int32_t)cmp[i][0]);
			sinan_asm_li(a, 6, (int32_t)cmp[i][1]);
			sinan_asm_li(a, 7, 0);
			sinan_asm_br(a, c, 5, 6, skip);
			sinan_asm_li(a, 7, 1);	/* not taken */
			sinan_asm_bind(a, skip);
			sinan_asm_st(a, 8, 7, 11, (int32_t)(8 * k++));
		}
	/* a counted loop with a backward branch, and the block registers */
	{
		int loop = sinan_asm_label(a);

		sinan_asm_li(a, 5, 0);
		sinan_asm_li(a, 6, 0);
		sinan_asm_li(a, 7, 100);
		sinan_asm_bind(a, loop);
		sinan_asm_alu(a, SINAN_ALU_ADD, 6, 6, 5);
		sinan_asm_alui(a, SINAN_ALU_ADD, 5, 5, 1);
		sinan_asm_br(a, SINAN_BR_LT, 5, 7, loop);
		sinan_asm_st(a, 8, 6, 11, (int32_t)(8 * k++));
		for (unsigned int x = 1; x <= 4; x++)
			sinan_asm_st(a, 8, x, 11, (int32_t)(8 * k++));
	}
	sinan_asm_end(a);
	run_ok(a, 0xabcd00, 1, &r);

	k = 0;
	{
		uint64_t raw;
		unsigned int i = 0;

		memcpy(&raw, b + 8, 8);
		for (unsigned int size = 1; size <= 8; size *= 2)
			for (int sign = 0; sign < 2; sign++, i++) {
				uint64_t want = size == 8 ? raw : raw & ((1ULL << (8 * size)) - 1);

				if (sign && size < 8 && (want >> (8 * size - 1)) & 1)
					want |= ~0ULL << (8 * size);
				assert_int_equal(o[i], want);
			}
		k = i;
	}
	assert_int_equal(b[512], 0x88);
	assert_int_equal(b[513], 0);
	assert_int_equal(b[514] | b[515] << 8, 0x7788);
	assert_int_equal(b[516] | b[517] << 8 | b[518] << 16 | (uint32_t)b[519] << 24, 0x55667788);
	for (unsigned int i = 0; i < sizeof(cmp) / sizeof(cmp[0]); i++)
		for (unsigned int c = 0; c < SINAN_BR_ALWAYS; c++) {
			int64_t x = cmp[i][0], y = cmp[i][1];
			bool t = c == SINAN_BR_EQ ? x == y : c == SINAN_BR_NE ? x != y :
				 c == SINAN_BR_LT ? x < y : c == SINAN_BR_GE ? x >= y :
				 c == SINAN_BR_LTU ? (uint64_t)x < (uint64_t)y : (uint64_t)x >= (uint64_t)y;

			if (o[k++] != !t)
				fail_msg("branch cond %u on (%lld, %lld): taken should be %d", c,
					 (long long)x, (long long)y, t);
		}
	assert_int_equal(o[k++], 4950);
	assert_int_equal(o[k++], 0xabcd00);	/* x1 = args */
	assert_int_equal(o[k++], 0);		/* x2 = block */
	assert_int_equal(o[k++], 1);		/* x3 = blocks */
	assert_int_equal(o[k++], 0);		/* x4 = core */
	sinan_asm_free(a);
}

/* ---- GEMM through the whole chain: MOV, LOADF, MMAD, FIXP ---------------------------------- */

struct gemm_shape {
	unsigned int m, n, k;
};

/*
 * C[m x n] (fp32, GM) = A[m x k] x B[k x n] (dt, GM, row-major, dense).
 * L1: A at 0 (row pitch pa), B at 512 KiB (pitch pb).
 */
static void emit_gemm(struct sinan_asm *a, unsigned int dt, struct gemm_shape s, uint64_t A, uint64_t B,
		      uint64_t C, unsigned int out_dt, unsigned int fixp_flags)
{
	unsigned int es = sinan_dtype_size(dt), k0 = 32 / es, oes = sinan_dtype_size(out_dt);
	uint64_t pa = ((uint64_t)s.k * es + 31) / 32 * 32, pb = ((uint64_t)s.n * es + 31) / 32 * 32;

	(void)k0;
	sinan_asm_li64(a, 10, A);
	sinan_asm_li64(a, 11, B);
	sinan_asm_li64(a, 12, C);
	sinan_asm_li(a, 13, 0);			/* L1 A */
	sinan_asm_li(a, 14, 512 * 1024);	/* L1 B */
	/* A: m bursts of k*es bytes */
	sinan_asm_li(a, 5, (int32_t)s.m);
	sinan_asm_li(a, 6, (int32_t)(s.k * es));
	sinan_asm_li(a, 7, (int32_t)pa);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 13, 10, 5, 6, 6, 7);
	sinan_asm_li(a, 5, (int32_t)s.k);
	sinan_asm_li(a, 6, (int32_t)(s.n * es));
	sinan_asm_li(a, 7, (int32_t)pb);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 14, 11, 5, 6, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_li(a, 5, (int32_t)s.m);
	sinan_asm_li(a, 6, (int32_t)s.k);
	sinan_asm_li(a, 7, (int32_t)pa);
	sinan_asm_loadf(a, SINAN_BUF_L0A, dt, 0, 0, 13, 5, 6, 7);
	sinan_asm_li(a, 5, (int32_t)s.k);
	sinan_asm_li(a, 6, (int32_t)s.n);
	sinan_asm_li(a, 7, (int32_t)pb);
	sinan_asm_loadf(a, SINAN_BUF_L0B, dt, 0, 0, 14, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_li(a, 5, (int32_t)s.m);
	sinan_asm_li(a, 6, (int32_t)s.n);
	sinan_asm_li(a, 7, (int32_t)s.k);
	sinan_asm_mmad(a, dt, 0, 0, 0, 0, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_li(a, 7, (int32_t)(s.n * oes));
	sinan_asm_li(a, 8, (int32_t)((s.n + 15) / 16));
	sinan_asm_fixp(a, SINAN_BUF_GM, out_dt, fixp_flags, 12, 0, 5, 6, 7, 8);
	sinan_asm_end(a);
}

static void test_gemm_fp16(void **st)
{
	static const struct gemm_shape shapes[] = {
		{ 16, 16, 16 }, { 1, 1, 1 }, { 17, 33, 5 }, { 64, 48, 96 }, { 31, 7, 129 }, { 100, 20, 30 },
	};

	(void)st;
	for (unsigned int si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
		struct gemm_shape s = shapes[si];
		uint64_t A = h_buf(H, s.m * s.k * 2), B = h_buf(H, s.k * s.n * 2), C = h_buf(H, s.m * s.n * 4);
		uint16_t *a16 = h_va(H, A), *b16 = h_va(H, B);
		float *c = h_va(H, C);
		struct sinan_asm *a = sinan_asm_new();
		struct h_result r;

		for (unsigned int i = 0; i < s.m * s.k; i++)
			a16[i] = ref_f32_to_f16((float)((int)(h_rand64() % 2001) - 1000) / 256.0f);
		for (unsigned int i = 0; i < s.k * s.n; i++)
			b16[i] = ref_f32_to_f16((float)((int)(h_rand64() % 2001) - 1000) / 64.0f);
		emit_gemm(a, SINAN_DT_FP16, s, A, B, C, SINAN_DT_FP32, 0);
		run_ok(a, 0, 1, &r);
		for (unsigned int i = 0; i < s.m; i++)
			for (unsigned int j = 0; j < s.n; j++) {
				float want = 0;
				unsigned int kp = (s.k + 15) / 16 * 16;

				for (unsigned int kk = 0; kk < kp; kk++) {
					float x = kk < s.k ? ref_f16_to_f32(a16[i * s.k + kk]) : 0;
					float y = kk < s.k ? ref_f16_to_f32(b16[kk * s.n + j]) : 0;

					want = fmaf(x, y, want);
				}
				if (memcmp(&want, &c[i * s.n + j], 4))
					fail_msg("%ux%ux%u: C[%u][%u] = %a, want %a", s.m, s.n, s.k, i, j,
						 c[i * s.n + j], want);
			}
		sinan_asm_free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar_alu),
		cmocka_unit_test(test_scalar_ldst_branch),
		cmocka_unit_test(test_gemm_fp16),
	};

	return cmocka_run_group_tests_name("emu-isa", tests, grp_setup, grp_teardown);
}

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
#include "isa_int.h"	/* emu_simd_select() */
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

static void run_ok(struct sinan_asm *a, uint64_t args, uint32_t blocks, struct h_result *r)
{
	h_launch_ok(H, Q, a, args, blocks, r);
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

struct gemm {
	unsigned int dt;		/* A/B dtype */
	unsigned int m, n, k;
	bool trans_a, trans_b;		/* stored transposed in GM (and loaded with LOADF .t) */
	bool acc2;			/* a second MMAD.acc of the same product */
	unsigned int out_dt;		/* FIXP output */
	unsigned int fixp_flags;
};

/*
 * C[m x n] (out_dt, GM) = A[m x k] x B[k x n] (dt, GM, dense row-major, or
 * transposed). L1: A at 0, B at 512 KiB, rows padded to 32 bytes.
 */
static void emit_gemm(struct sinan_asm *a, const struct gemm *g, uint64_t A, uint64_t B, uint64_t C)
{
	unsigned int es = sinan_dtype_size(g->dt), oes = sinan_dtype_size(g->out_dt);
	unsigned int arows = g->trans_a ? g->k : g->m, acols = g->trans_a ? g->m : g->k;
	unsigned int brows = g->trans_b ? g->n : g->k, bcols = g->trans_b ? g->k : g->n;
	uint64_t pa = ((uint64_t)acols * es + 31) / 32 * 32, pb = ((uint64_t)bcols * es + 31) / 32 * 32;

	sinan_asm_li64(a, 10, A);
	sinan_asm_li64(a, 11, B);
	sinan_asm_li64(a, 12, C);
	sinan_asm_li(a, 13, 0);			/* L1 A */
	sinan_asm_li(a, 14, 512 * 1024);	/* L1 B */
	sinan_asm_li(a, 5, (int32_t)arows);
	sinan_asm_li(a, 6, (int32_t)(acols * es));
	sinan_asm_li(a, 7, (int32_t)pa);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 13, 10, 5, 6, 6, 7);
	sinan_asm_li(a, 5, (int32_t)brows);
	sinan_asm_li(a, 6, (int32_t)(bcols * es));
	sinan_asm_li(a, 7, (int32_t)pb);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 14, 11, 5, 6, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_li(a, 5, (int32_t)g->m);
	sinan_asm_li(a, 6, (int32_t)g->k);
	sinan_asm_li(a, 7, (int32_t)pa);
	sinan_asm_loadf(a, SINAN_BUF_L0A, g->dt, g->trans_a ? SINAN_LOADF_F_TRANS : 0, 0, 13, 5, 6, 7);
	sinan_asm_li(a, 5, (int32_t)g->k);
	sinan_asm_li(a, 6, (int32_t)g->n);
	sinan_asm_li(a, 7, (int32_t)pb);
	sinan_asm_loadf(a, SINAN_BUF_L0B, g->dt, g->trans_b ? SINAN_LOADF_F_TRANS : 0, 0, 14, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_li(a, 5, (int32_t)g->m);
	sinan_asm_li(a, 6, (int32_t)g->n);
	sinan_asm_li(a, 7, (int32_t)g->k);
	sinan_asm_mmad(a, g->dt, 0, 0, 0, 0, 5, 6, 7);
	if (g->acc2)
		sinan_asm_mmad(a, g->dt, SINAN_MMAD_F_ACC, 0, 0, 0, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_li(a, 7, (int32_t)(g->n * oes));
	sinan_asm_li(a, 8, (int32_t)((g->n + 15) / 16));
	sinan_asm_fixp(a, SINAN_BUF_GM, g->out_dt, g->fixp_flags, 12, 0, 5, 6, 7, 8);
	sinan_asm_end(a);
}

/* Random element of a cube dtype; @special adds NaN/inf/denormals/huge values. */
static uint64_t cube_elem(unsigned int dt, bool special)
{
	uint64_t r = h_rand64();

	switch (dt) {
	case SINAN_DT_FP16:
		if (special && r % 5 == 0)
			return (uint16_t)(r >> 16);
		return ref_f32_to_f16((float)((int)(r % 2001) - 1000) / 256.0f);
	case SINAN_DT_BF16:
		if (special && r % 5 == 0)
			return (uint16_t)(r >> 16);
		return ref_f32_to_bf16((float)((int)(r % 2001) - 1000) / 64.0f);
	case SINAN_DT_FP32:
		if (special && r % 5 == 0)
			return (uint32_t)(r >> 16);
		return ref_f2u((float)((int)(r % 200001) - 100000) / 977.0f);
	default:
		return (uint8_t)r;
	}
}

/* Reference C = A x B (x2 with acc2) per sinan_isa.h, as fp32 or int32 bits */
static void ref_gemm(const struct gemm *g, const uint8_t *A, const uint8_t *B, uint32_t *C)
{
	unsigned int k0 = 32 / sinan_dtype_size(g->dt), kp = (g->k + k0 - 1) / k0 * k0;

	for (unsigned int i = 0; i < g->m; i++)
		for (unsigned int j = 0; j < g->n; j++) {
			float f = 0;
			uint32_t s = 0;

			for (int pass = 0; pass < (g->acc2 ? 2 : 1); pass++)
				for (unsigned int kk = 0; kk < kp; kk++) {
					size_t ia = g->trans_a ? (size_t)kk * g->m + i : (size_t)i * g->k + kk;
					size_t ib = g->trans_b ? (size_t)j * g->k + kk : (size_t)kk * g->n + j;
					double x = kk < g->k ? ref_get(A, g->dt, ia) : 0;
					double y = kk < g->k ? ref_get(B, g->dt, ib) : 0;

					if (g->dt == SINAN_DT_INT8)
						s += (uint32_t)((int32_t)x * (int32_t)y);
					else
						f = fmaf((float)x, (float)y, f);
				}
			C[i * g->n + j] = g->dt == SINAN_DT_INT8 ? s : isnan(f) ? 0x7fc00000 : ref_f2u(f);
		}
}

/* Run a GEMM with the portable (simd = 0) or SIMD (1) cube; returns the C bits. */
static void run_gemm(const struct gemm *g, uint64_t A, uint64_t B, uint64_t C, int simd)
{
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;

	emu_simd_select(simd);
	emit_gemm(a, g, A, B, C);
	run_ok(a, 0, 1, &r);
	sinan_asm_free(a);
	emu_simd_select(-1);
}

static void gemm_case(const struct gemm *g, bool special)
{
	unsigned int es = sinan_dtype_size(g->dt), os = sinan_dtype_size(g->out_dt);
	uint64_t A = h_buf(H, (uint64_t)g->m * g->k * es), B = h_buf(H, (uint64_t)g->k * g->n * es);
	uint64_t C0 = h_buf(H, (uint64_t)g->m * g->n * os), C1 = h_buf(H, (uint64_t)g->m * g->n * os);
	uint8_t *a = h_va(H, A), *b = h_va(H, B);
	uint32_t *want = malloc((size_t)g->m * g->n * 4);

	assert_non_null(want);
	for (size_t i = 0; i < (size_t)g->m * g->k; i++) {
		uint64_t v = cube_elem(g->dt, special);

		memcpy(a + i * es, &v, es);
	}
	for (size_t i = 0; i < (size_t)g->k * g->n; i++) {
		uint64_t v = cube_elem(g->dt, special);

		memcpy(b + i * es, &v, es);
	}
	ref_gemm(g, a, b, want);
	run_gemm(g, A, B, C0, 0);
	run_gemm(g, A, B, C1, 1);
	/* SIMD and portable kernels must agree bit for bit, and with the reference */
	if (memcmp(h_va(H, C0), h_va(H, C1), (size_t)g->m * g->n * os))
		fail_msg("%s %ux%ux%u: portable and SIMD cube differ", sinan_dtype_name(g->dt), g->m, g->n, g->k);
	if (g->out_dt == SINAN_DT_FP32 || g->out_dt == SINAN_DT_INT32) {
		const uint32_t *c = h_va(H, C0);

		for (unsigned int i = 0; i < g->m * g->n; i++)
			if (c[i] != want[i])
				fail_msg("%s %ux%ux%u%s%s%s: C[%u][%u] = 0x%08x, want 0x%08x", sinan_dtype_name(g->dt),
					 g->m, g->n, g->k, g->trans_a ? " A^T" : "", g->trans_b ? " B^T" : "",
					 g->acc2 ? " acc" : "", i / g->n, i % g->n, c[i], want[i]);
	}
	free(want);
}

static void test_mmad_all_dtypes(void **st)
{
	static const unsigned int dts[] = { SINAN_DT_FP16, SINAN_DT_BF16, SINAN_DT_FP32, SINAN_DT_INT8 };
	static const unsigned int shapes[][3] = {
		{ 16, 16, 16 }, { 1, 1, 1 }, { 17, 33, 5 }, { 64, 48, 96 }, { 31, 7, 129 }, { 100, 20, 37 },
	};

	(void)st;
	for (unsigned int d = 0; d < 4; d++)
		for (unsigned int s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
			for (int variant = 0; variant < 3; variant++) {
				struct gemm g = {
					.dt = dts[d], .m = shapes[s][0], .n = shapes[s][1], .k = shapes[s][2],
					.trans_a = variant == 1, .trans_b = variant >= 1, .acc2 = variant == 2,
					.out_dt = dts[d] == SINAN_DT_INT8 ? SINAN_DT_INT32 : SINAN_DT_FP32,
					.fixp_flags = dts[d] == SINAN_DT_INT8 ? SINAN_FIXP_F_S32 : 0,
				};

				gemm_case(&g, false);
			}
}

/* NaN, infinities, denormals and huge values: both kernels agree with the reference. */
static void test_mmad_specials_simd_vs_portable(void **st)
{
	static const unsigned int dts[] = { SINAN_DT_FP16, SINAN_DT_BF16, SINAN_DT_FP32 };

	(void)st;
	/* without host SIMD there is only one path: say so, do not pretend */
	if (!emu_simd_select(1)) {
		print_message("host lacks AVX2/FMA/F16C: SIMD cube path not available to compare\n");
		skip();
	}
	emu_simd_select(-1);
	for (unsigned int d = 0; d < 3; d++) {
		struct gemm g = { .dt = dts[d], .m = 45, .n = 38, .k = 70, .out_dt = SINAN_DT_FP32 };

		gemm_case(&g, true);
		g.acc2 = true;
		gemm_case(&g, true);
	}
}
/* ---- IMG2COL: im2col + MMAD against a direct convolution ------------------------------- */

struct conv {
	unsigned int dt, C, H, W, KH, KW, SH, SW, DH, DW, pt, pb, pl, pr, Cout;
	uint64_t padval;		/* dtype bits */
	unsigned int p0, np, kc0, nk;	/* sub-tile; np/nk 0 = everything */
};

static void conv_case(struct conv cv)
{
	unsigned int es = sinan_dtype_size(cv.dt), C0 = 32 / es, C1 = (cv.C + C0 - 1) / C0;
	int OH = ((int)(cv.H + cv.pt + cv.pb) - (int)(cv.DH * (cv.KH - 1) + 1)) / (int)cv.SH + 1;
	int OW = ((int)(cv.W + cv.pl + cv.pr) - (int)(cv.DW * (cv.KW - 1) + 1)) / (int)cv.SW + 1;
	unsigned int K = C1 * cv.KH * cv.KW * C0, npos = (unsigned int)(OH * OW);
	uint64_t fbytes = (uint64_t)C1 * cv.H * cv.W * 32, pb = ((uint64_t)cv.Cout * es + 31) / 32 * 32;
	uint64_t X = h_buf(H, fbytes), Wt = h_buf(H, (uint64_t)K * cv.Cout * es);
	uint64_t Y = h_buf(H, (uint64_t)npos * cv.Cout * 4);
	uint8_t *x = h_va(H, X), *w = h_va(H, Wt);
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	double padv = ref_get(&cv.padval, cv.dt, 0);

	if (!cv.np)
		cv.np = npos;
	if (!cv.nk)
		cv.nk = K;
	/* feature map NC1HWC0, channels >= C zero; weights K x Cout, rows of c >= C zero */
	for (unsigned int c1 = 0; c1 < C1; c1++)
		for (unsigned int hw = 0; hw < cv.H * cv.W; hw++)
			for (unsigned int c0 = 0; c0 < C0; c0++) {
				uint64_t v = 0;

				if (c1 * C0 + c0 < cv.C)
					v = cv.dt == SINAN_DT_FP16 ? ref_f32_to_f16((float)((int)(h_rand64() % 7) - 3)) :
					    (uint8_t)((int)(h_rand64() % 7) - 3);
				memcpy(x + ((size_t)(c1 * cv.H * cv.W + hw) * C0 + c0) * es, &v, es);
			}
	for (unsigned int k = 0; k < K; k++)
		for (unsigned int co = 0; co < cv.Cout; co++) {
			unsigned int c = (k / (C0 * cv.KH * cv.KW)) * C0 + k % C0;
			uint64_t v = 0;

			if (c < cv.C)
				v = cv.dt == SINAN_DT_FP16 ? ref_f32_to_f16((float)((int)(h_rand64() % 5) - 2)) :
				    (uint8_t)((int)(h_rand64() % 5) - 2);
			memcpy(w + ((size_t)k * cv.Cout + co) * es, &v, es);
		}

	sinan_asm_li64(a, 10, X);
	sinan_asm_li64(a, 11, Wt + (uint64_t)cv.kc0 * cv.Cout * es);
	sinan_asm_li64(a, 12, Y);
	sinan_asm_li(a, 13, 0);
	sinan_asm_li(a, 14, 512 * 1024);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li64(a, 6, fbytes);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 13, 10, 5, 6, 0, 0);
	sinan_asm_li(a, 5, (int32_t)cv.nk);
	sinan_asm_li(a, 6, (int32_t)(cv.Cout * es));
	sinan_asm_li64(a, 7, pb);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 14, 11, 5, 6, 6, 7);
	sinan_asm_li64(a, 5, cv.H | (uint64_t)cv.W << 16 | (uint64_t)C1 << 32);
	sinan_asm_setcfg(a, SINAN_CFG_FMAP, 5);
	sinan_asm_li64(a, 5, cv.KH | cv.KW << 8 | cv.SH << 16 | (uint64_t)cv.SW << 24 |
			     (uint64_t)cv.DH << 32 | (uint64_t)cv.DW << 40);
	sinan_asm_setcfg(a, SINAN_CFG_KERNEL, 5);
	sinan_asm_li64(a, 5, cv.pt | cv.pb << 8 | cv.pl << 16 | (uint64_t)cv.pr << 24);
	sinan_asm_setcfg(a, SINAN_CFG_PAD, 5);
	sinan_asm_li64(a, 5, cv.padval);
	sinan_asm_setcfg(a, SINAN_CFG_PADVAL, 5);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_li(a, 5, (int32_t)cv.p0);
	sinan_asm_li(a, 6, (int32_t)cv.np);
	sinan_asm_li(a, 7, (int32_t)cv.kc0);
	sinan_asm_li(a, 8, (int32_t)cv.nk);
	sinan_asm_img2col(a, cv.dt, 0, 13, 5, 6, 7, 8);
	sinan_asm_li(a, 5, (int32_t)cv.nk);
	sinan_asm_li(a, 6, (int32_t)cv.Cout);
	sinan_asm_li64(a, 7, pb);
	sinan_asm_loadf(a, SINAN_BUF_L0B, cv.dt, 0, 0, 14, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_li(a, 5, (int32_t)cv.np);
	sinan_asm_li(a, 6, (int32_t)cv.Cout);
	sinan_asm_li(a, 7, (int32_t)cv.nk);
	sinan_asm_mmad(a, cv.dt, 0, 0, 0, 0, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_li(a, 7, (int32_t)(cv.Cout * 4));
	sinan_asm_li(a, 8, (int32_t)((cv.Cout + 15) / 16));
	sinan_asm_fixp(a, SINAN_BUF_GM, cv.dt == SINAN_DT_INT8 ? SINAN_DT_INT32 : SINAN_DT_FP32,
		       cv.dt == SINAN_DT_INT8 ? SINAN_FIXP_F_S32 : 0, 12, 0, 5, 6, 7, 8);
	sinan_asm_end(a);
	run_ok(a, 0, 1, &r);

	for (unsigned int row = 0; row < cv.np; row++) {
		unsigned int p = cv.p0 + row;

		for (unsigned int co = 0; co < cv.Cout; co++) {
			double sum = 0;
			uint32_t got;

			for (unsigned int k = cv.kc0; k < cv.kc0 + cv.nk && p < npos; k++) {
				/* direct convolution: K index -> (c, kh, kw) */
				unsigned int c0 = k % C0, t = k / C0, kw = t % cv.KW, kh = (t / cv.KW) % cv.KH;
				unsigned int c1 = t / (cv.KW * cv.KH);
				int ih = (int)(p / (unsigned int)OW) * (int)cv.SH - (int)cv.pt + (int)(kh * cv.DH);
				int iw = (int)(p % (unsigned int)OW) * (int)cv.SW - (int)cv.pl + (int)(kw * cv.DW);
				double xv = ih < 0 || iw < 0 || ih >= (int)cv.H || iw >= (int)cv.W ? padv :
					    ref_get(x, cv.dt, ((size_t)(c1 * cv.H + (unsigned int)ih) * cv.W +
							       (unsigned int)iw) * C0 + c0);

				sum += xv * ref_get(w, cv.dt, (size_t)k * cv.Cout + co);
			}
			memcpy(&got, (uint8_t *)h_va(H, Y) + ((size_t)row * cv.Cout + co) * 4, 4);
			if (cv.dt == SINAN_DT_INT8 ? (int32_t)got != (int32_t)sum : ref_u2f(got) != (float)sum)
				fail_msg("conv %s p %u co %u: got 0x%x want %g", sinan_dtype_name(cv.dt), p, co, got, sum);
		}
	}
	sinan_asm_free(a);
}

static void test_img2col_conv(void **st)
{
	struct conv base = { .C = 20, .H = 7, .W = 6, .KH = 3, .KW = 2, .SH = 2, .SW = 1, .DH = 1, .DW = 2,
			     .pt = 1, .pb = 0, .pl = 2, .pr = 1, .Cout = 5 };
	struct conv cv;

	(void)st;
	for (int d = 0; d < 2; d++) {
		base.dt = d ? SINAN_DT_INT8 : SINAN_DT_FP16;
		cv = base;
		conv_case(cv);
		/* padding value */
		cv.padval = d ? 2 : 0x3c00;
		conv_case(cv);
		/* a sub-tile: later output positions (running past the end), later K columns with a tail */
		cv = base;
		cv.p0 = 5;
		cv.np = 23;
		cv.kc0 = 3 * (32 / sinan_dtype_size(cv.dt));
		cv.nk = 2 * (32 / sinan_dtype_size(cv.dt)) + 7;
		conv_case(cv);
		/* 1x1 kernel, stride 1, no padding: a plain GEMM over channels */
		cv = base;
		cv.KH = cv.KW = cv.DH = cv.DW = cv.SH = cv.SW = 1;
		cv.pt = cv.pb = cv.pl = cv.pr = 0;
		cv.C = 40;
		conv_case(cv);
	}
}

/* ---- FIXP -------------------------------------------------------------------------------------- */

/*
 * L0C gets known values through MMAD with B = I (C = A exactly): fp16 A for
 * fp32 L0C, int8 A times 97*I for int32 L0C. FIXP then converts a sub-tile
 * (column blocks from jb, n1 = the tile's N1) to UB (moved to GM) or GM.
 */
static void fixp_case(bool s32, unsigned int out_dt, unsigned int flags, bool to_ub, uint64_t qscale,
		      uint64_t qzero)
{
	unsigned int m = 37, n = 40, k = n, N1 = 3, jb = 1, fm = 21, fn = 20;
	unsigned int dt = s32 ? SINAN_DT_INT8 : SINAN_DT_FP16, es = sinan_dtype_size(dt);
	unsigned int oes = sinan_dtype_size(out_dt);
	uint64_t A = h_buf(H, (uint64_t)m * k * es), B = h_buf(H, (uint64_t)k * n * es);
	uint64_t Y = h_buf(H, (uint64_t)fm * fn * oes + 64);
	uint8_t *av = h_va(H, A), *bv = h_va(H, B), *y = h_va(H, Y);
	uint64_t pa = ((uint64_t)k * es + 31) / 32 * 32, pbb = ((uint64_t)n * es + 31) / 32 * 32;
	uint64_t ub_pitch = ((uint64_t)fn * oes + 31) / 32 * 32 + 32;
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;

	for (unsigned int i = 0; i < m * k; i++) {
		uint64_t v = s32 ? (uint8_t)h_rand64() :
			     (i % 11 == 0 ? (uint16_t)h_rand64() : ref_f32_to_f16((float)((int)(h_rand64() % 4001) - 2000) / 16.0f));

		if (!s32 && ((v & 0x7c00) == 0x7c00))
			v &= ~0x4000ULL;	/* finite: inf * 0 in C = A x I would be NaN */
		memcpy(av + (size_t)i * es, &v, es);
	}
	memset(bv, 0, (size_t)k * n * es);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t one = s32 ? 97 : 0x3c00;

		memcpy(bv + ((size_t)i * n + i) * es, &one, es);
	}
	sinan_asm_li64(a, 10, A);
	sinan_asm_li64(a, 11, B);
	sinan_asm_li64(a, 12, Y);
	sinan_asm_li(a, 13, 0);
	sinan_asm_li(a, 14, 512 * 1024);
	sinan_asm_li(a, 5, (int32_t)m);
	sinan_asm_li(a, 6, (int32_t)(k * es));
	sinan_asm_li64(a, 7, pa);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 13, 10, 5, 6, 6, 7);
	sinan_asm_li(a, 5, (int32_t)k);
	sinan_asm_li(a, 6, (int32_t)(n * es));
	sinan_asm_li64(a, 7, pbb);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 14, 11, 5, 6, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_li(a, 5, (int32_t)m);
	sinan_asm_li(a, 6, (int32_t)k);
	sinan_asm_li64(a, 7, pa);
	sinan_asm_loadf(a, SINAN_BUF_L0A, dt, 0, 0, 13, 5, 6, 7);
	sinan_asm_li(a, 5, (int32_t)k);
	sinan_asm_li(a, 6, (int32_t)n);
	sinan_asm_li64(a, 7, pbb);
	sinan_asm_loadf(a, SINAN_BUF_L0B, dt, 0, 0, 14, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_li(a, 5, (int32_t)m);
	sinan_asm_li(a, 6, (int32_t)n);
	sinan_asm_li(a, 7, (int32_t)k);
	sinan_asm_mmad(a, dt, 0, 0, 0, 0, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_li64(a, 5, qscale);
	sinan_asm_setcfg(a, SINAN_CFG_QSCALE, 5);
	sinan_asm_li64(a, 5, qzero);
	sinan_asm_setcfg(a, SINAN_CFG_QZERO, 5);
	sinan_asm_li(a, 15, (int32_t)(jb * 1024));	/* L0C: column block jb */
	sinan_asm_li(a, 5, (int32_t)fm);
	sinan_asm_li(a, 6, (int32_t)fn);
	sinan_asm_li(a, 8, (int32_t)N1);
	if (to_ub) {
		sinan_asm_li(a, 16, 4096);
		sinan_asm_li64(a, 7, ub_pitch);
		sinan_asm_fixp(a, SINAN_BUF_UB, out_dt, flags | (s32 ? SINAN_FIXP_F_S32 : 0), 16, 15, 5, 6, 7, 8);
		sinan_asm_set_flag(a, SINAN_PIPE_FIX, SINAN_PIPE_MTE3, 0);
		sinan_asm_wait_flag(a, SINAN_PIPE_FIX, SINAN_PIPE_MTE3, 0);
		sinan_asm_li(a, 9, (int32_t)(fn * oes));
		sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 12, 16, 5, 9, 7, 9);
	} else {
		sinan_asm_li(a, 7, (int32_t)(fn * oes));
		sinan_asm_fixp(a, SINAN_BUF_GM, out_dt, flags | (s32 ? SINAN_FIXP_F_S32 : 0), 12, 15, 5, 6, 7, 8);
	}
	sinan_asm_end(a);
	run_ok(a, 0, 1, &r);
	for (unsigned int i = 0; i < fm; i++)
		for (unsigned int j = 0; j < fn; j++) {
			unsigned int col = jb * 16 + j;
			double v = ref_get(av, dt, (size_t)i * k + col) * (s32 ? 97 : 1);
			uint64_t want, got = ref_bits(y, out_dt, (size_t)i * fn + j);

			if (!s32)
				v = (float)v;
			if ((flags & SINAN_FIXP_F_RELU) && v < 0)
				v = 0;
			if (flags & SINAN_FIXP_F_QUANT) {
				volatile float t = (float)v * ref_u2f((uint32_t)qscale);

				v = (float)(t + (float)(int32_t)(uint32_t)qzero);
				want = ref_conv(v, out_dt, SINAN_RND_EVEN);
			} else if (s32 && !sinan_dtype_is_float(out_dt)) {
				want = ref_conv(v, out_dt, SINAN_RND_EVEN);	/* integer: saturate */
			} else {
				want = ref_conv((float)v, out_dt, SINAN_RND_EVEN);
			}
			if (got != want)
				fail_msg("FIXP %s->%s flags 0x%x %s: (%u,%u) = 0x%llx want 0x%llx (value %g)",
					 s32 ? "s32" : "fp32", sinan_dtype_name(out_dt), flags, to_ub ? "UB" : "GM",
					 i, j, (unsigned long long)got, (unsigned long long)want, v);
		}
	sinan_asm_free(a);
}

static void test_fixp(void **st)
{
	(void)st;
	for (int s32 = 0; s32 < 2; s32++)
		for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++)
			for (unsigned int f = 0; f < 4; f++)
				fixp_case(s32, dt, (f & 1 ? SINAN_FIXP_F_RELU : 0) | (f & 2 ? SINAN_FIXP_F_QUANT : 0),
					  (dt + f) & 1, ref_f2u(s32 ? 0.013f : 0.37f), (uint64_t)(s32 ? 3 : -2));
}

/* ---- MOV ---------------------------------------------------------------------------------------- */

/* Every buffer pair through a chain GM -> L1 -> UB -> L1 -> GM and GM -> UB -> GM, strided */
static void test_mov_chain_strided(void **st)
{
	uint64_t src = h_buf(H, 65536), dst = h_buf(H, 65536), dst2 = h_buf(H, 65536);
	uint8_t *s8 = h_va(H, src), *d8 = h_va(H, dst), *d2 = h_va(H, dst2);
	unsigned int nb = 13, len = 45, gs = 77, gd = 51;	/* GM: any alignment, odd strides */
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;

	(void)st;
	for (unsigned int i = 0; i < 65536; i++)
		s8[i] = (uint8_t)h_rand64();
	sinan_asm_li64(a, 10, src + 3);
	sinan_asm_li64(a, 11, dst + 5);
	sinan_asm_li64(a, 12, dst2 + 1);
	sinan_asm_li(a, 5, (int32_t)nb);
	sinan_asm_li(a, 6, (int32_t)len);
	sinan_asm_li(a, 7, (int32_t)gs);
	sinan_asm_li(a, 8, 64);			/* L1 pitch */
	sinan_asm_li(a, 9, 96);			/* UB pitch */
	sinan_asm_li(a, 13, 4096);		/* L1 */
	sinan_asm_li(a, 14, 8192);		/* UB */
	sinan_asm_li(a, 15, 65536);		/* L1 second copy */
	sinan_asm_li(a, 16, 32768);		/* UB second */
	sinan_asm_li(a, 17, (int32_t)gd);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 13, 10, 5, 6, 7, 8);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_mov(a, SINAN_BUF_L1, SINAN_BUF_UB, 0, 14, 13, 5, 6, 8, 9);
	sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_L1, 0, 15, 14, 5, 6, 9, 8);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_MTE3, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_MTE3, 0);
	sinan_asm_mov(a, SINAN_BUF_L1, SINAN_BUF_GM, 0, 11, 15, 5, 6, 8, 17);
	/* GM -> UB with ZPAD to a 64-byte pitch, then the whole padded rows back */
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, SINAN_MOV_F_ZPAD, 16, 10, 5, 6, 7, 8);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE3, 1);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE3, 1);
	sinan_asm_li(a, 18, 64);
	sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 12, 16, 5, 18, 8, 8);
	sinan_asm_end(a);
	memset(d8, 0xee, 65536);
	memset(d2, 0xee, 65536);
	/* the UB rows must start non-zero so that ZPAD's zeros are visible */
	run_ok(a, 0, 1, &r);
	for (unsigned int i = 0; i < nb; i++) {
		assert_memory_equal(d8 + 5 + i * gd, s8 + 3 + i * gs, len);
		if (i + 1 < nb)	/* bytes between bursts untouched */
			for (unsigned int b = len; b < gd; b++)
				assert_int_equal(d8[5 + i * gd + b], 0xee);
		assert_memory_equal(d2 + 1 + i * 64, s8 + 3 + i * gs, len);
		for (unsigned int b = len; b < 64; b++)
			assert_int_equal(d2[1 + i * 64 + b], 0);
	}
	sinan_asm_free(a);
}

/* GM -> L0A/L0B raw (data already in fractal layout) and L1 -> L0A/L0B raw, then MMAD. */
static void test_mov_fractal_raw(void **st)
{
	unsigned int m = 32, n = 16, k = 32;	/* A: 2x2 blocks, B: 2x1 blocks (fp16) */
	uint64_t A = h_buf(H, m * k * 2), B = h_buf(H, k * n * 2), C = h_buf(H, m * n * 4);
	uint16_t *af = h_va(H, A), *bf = h_va(H, B);
	float a_nd[32][32], b_nd[32][16];
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;

	(void)st;
	for (unsigned int i = 0; i < m; i++)
		for (unsigned int j = 0; j < k; j++)
			a_nd[i][j] = (float)((int)(h_rand64() % 9) - 4);
	for (unsigned int i = 0; i < k; i++)
		for (unsigned int j = 0; j < n; j++)
			b_nd[i][j] = (float)((int)(h_rand64() % 9) - 4);
	/* the fractal layouts of sinan_isa.h, written by hand */
	for (unsigned int i = 0; i < m; i++)
		for (unsigned int j = 0; j < k; j++)
			af[((i / 16) * 2 + j / 16) * 256 + (i % 16) * 16 + j % 16] = ref_f32_to_f16(a_nd[i][j]);
	for (unsigned int i = 0; i < k; i++)
		for (unsigned int j = 0; j < n; j++)
			bf[((i / 16) * 1 + j / 16) * 256 + (i % 16) * 16 + j % 16] = ref_f32_to_f16(b_nd[i][j]);
	sinan_asm_li64(a, 10, A);
	sinan_asm_li64(a, 11, B);
	sinan_asm_li64(a, 12, C);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, (int32_t)(m * k * 2));
	sinan_asm_li(a, 13, 1024);		/* L0A offset */
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L0A, 0, 13, 10, 5, 6, 0, 0);
	/* B: GM -> L1 -> L0B */
	sinan_asm_li(a, 6, (int32_t)(k * n * 2));
	sinan_asm_li(a, 14, 2048);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L1, 0, 14, 11, 5, 6, 0, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 0);
	sinan_asm_li(a, 15, 512);
	sinan_asm_mov(a, SINAN_BUF_L1, SINAN_BUF_L0B, 0, 15, 14, 5, 6, 0, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE1, SINAN_PIPE_M, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_M, 1);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_M, 1);
	sinan_asm_li(a, 5, (int32_t)m);
	sinan_asm_li(a, 6, (int32_t)n);
	sinan_asm_li(a, 7, (int32_t)k);
	sinan_asm_mmad(a, SINAN_DT_FP16, 0, 0, 13, 15, 5, 6, 7);
	sinan_asm_set_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
	sinan_asm_li(a, 7, (int32_t)(n * 4));
	sinan_asm_li(a, 8, 1);
	sinan_asm_fixp(a, SINAN_BUF_GM, SINAN_DT_FP32, 0, 12, 0, 5, 6, 7, 8);
	sinan_asm_end(a);
	run_ok(a, 0, 1, &r);
	for (unsigned int i = 0; i < m; i++)
		for (unsigned int j = 0; j < n; j++) {
			float want = 0;

			for (unsigned int kk = 0; kk < k; kk++)
				want += a_nd[i][kk] * b_nd[kk][j];
			assert_true(((float *)h_va(H, C))[i * n + j] == want);
		}
	sinan_asm_free(a);
}

/* LOADF zero-fills the padding of partial blocks even over old data (checked through MMAD). */
static void test_loadf_padding(void **st)
{
	struct gemm g = { .dt = SINAN_DT_FP16, .m = 5, .n = 3, .k = 7, .out_dt = SINAN_DT_FP32 };
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	uint64_t junk = h_buf(H, 65536);

	(void)st;
	/* fill L0A/L0B with junk (NaN) through raw MOVs first */
	memset(h_va(H, junk), 0xff, 65536);
	sinan_asm_li64(a, 10, junk);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li(a, 6, 65536);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L0A, 0, 0, 10, 5, 6, 0, 0);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_L0B, 0, 0, 10, 5, 6, 0, 0);
	sinan_asm_barrier(a, SINAN_PIPE_MTE2);
	{
		size_t nw;
		const uint64_t *code = sinan_asm_finish(a, &nw);

		assert_non_null(code);
		h_launch(H, Q, code, nw - 0, 0, 1, &r);	/* no END: runs off the end */
		assert_int_equal(r.err, SINAN_ERR_ILLEGAL_INSTR);
		h_queue_reset(H, Q);
	}
	sinan_asm_free(a);
	gemm_case(&g, false);	/* padding NaNs would poison every result */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar_alu),
		cmocka_unit_test(test_scalar_ldst_branch),
		cmocka_unit_test(test_mmad_all_dtypes),
		cmocka_unit_test(test_mmad_specials_simd_vs_portable),
		cmocka_unit_test(test_img2col_conv),
		cmocka_unit_test(test_fixp),
		cmocka_unit_test(test_mov_chain_strided),
		cmocka_unit_test(test_mov_fractal_raw),
		cmocka_unit_test(test_loadf_padding),
	};

	return cmocka_run_group_tests_name("emu-isa", tests, grp_setup, grp_teardown);
}

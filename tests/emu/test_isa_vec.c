// SPDX-License-Identifier: MIT
/*
 * Sinan AI-core ISA: the vector unit (VBIN, VSCALAR, VUN, VCVT, VRED, VDUP,
 * VCMP, VSEL) on every dtype, odd sizes, row strides, row scalars and
 * broadcast rows, against references written from sinan_isa.h.
 *
 * Each case moves its inputs GM -> UB (MTE2), runs one vector instruction
 * and moves the result UB -> GM (MTE3), with the flags that order the pipes.
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

/* UB layout of a case */
#define UB_S0	0
#define UB_S1	(80 * 1024)
#define UB_D	(160 * 1024)
#define GM_MAX	(80 * 1024)

static uint64_t gm_s0, gm_s1, gm_d;

static int grp_setup(void **st)
{
	(void)st;
	H = h_new(NULL);
	gm_s0 = h_buf(H, GM_MAX);
	gm_s1 = h_buf(H, GM_MAX);
	gm_d = h_buf(H, GM_MAX);
	h_srand(7);
	return 0;
}

static int grp_teardown(void **st)
{
	(void)st;
	h_free(H);
	return 0;
}

struct vcase {
	unsigned int insn;	/* SINAN_I_V* */
	unsigned int func;	/* whole func field */
	unsigned int sdt, ddt;	/* source and destination dtypes */
	uint64_t n, rows;
	uint64_t ps0, ps1, pd;	/* row pitches in UB (multiples of 32; 0 = repeat a row) */
	bool rs;		/* src1 is one element per row */
	uint64_t scalar;	/* VSCALAR / VDUP register */
	uint64_t qscale, qzero;	/* SETCFG before the instruction */
};

static uint64_t pitch(uint64_t n, unsigned int es, unsigned int extra)
{
	return (n * es + 31) / 32 * 32 + 32 * extra;
}

/* Random element bits of dtype @dt: mostly ordinary values, some specials. */
static uint64_t rnd_elem(unsigned int dt)
{
	uint64_t r = h_rand64();
	unsigned int kind = (unsigned int)(r >> 60);

	switch (dt) {
	case SINAN_DT_FP32:
		if (kind < 2)
			return (uint32_t)r;				/* any bits */
		if (kind == 2) {
			static const uint32_t sp[] = { 0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000,
						       0x7f812345, 0x00000001, 0x807fffff, 0x3f800000 };
			return sp[r % 9];
		}
		return ref_f2u((float)((int64_t)(r % 20001) - 10000) / 997.0f);
	case SINAN_DT_FP16:
		if (kind < 3)
			return (uint16_t)r;
		return ref_f32_to_f16((float)((int64_t)(r % 20001) - 10000) / 997.0f);
	case SINAN_DT_BF16:
		if (kind < 3)
			return (uint16_t)r;
		return ref_f32_to_bf16((float)((int64_t)(r % 20001) - 10000) / 997.0f);
	case SINAN_DT_INT32:
		return kind < 8 ? (uint32_t)r : (uint32_t)(int32_t)((int64_t)(r % 2001) - 1000);
	case SINAN_DT_INT16:
		return (uint16_t)r;
	default:
		return (uint8_t)r;
	}
}

static void put_bits(void *p, unsigned int dt, size_t i, uint64_t v)
{
	memcpy((uint8_t *)p + i * sinan_dtype_size(dt), &v, sinan_dtype_size(dt));
}

static float fmax_ref(float a, float b)
{
	if (isnan(a) || isnan(b))
		return NAN;
	if (a == b)
		return signbit(a) ? b : a;
	return a > b ? a : b;
}

static float fmin_ref(float a, float b)
{
	if (isnan(a) || isnan(b))
		return NAN;
	if (a == b)
		return signbit(a) ? a : b;
	return a < b ? a : b;
}

/* Float result of a binary op per the ISA (computed in fp32) */
static float ref_fbin(unsigned int op, float x, float y)
{
	switch (op) {
	case SINAN_VB_ADD: return x + y;
	case SINAN_VB_SUB: return x - y;
	case SINAN_VB_MUL: return x * y;
	case SINAN_VB_DIV: return x / y;
	case SINAN_VB_MAX: return fmax_ref(x, y);
	case SINAN_VB_MIN: return fmin_ref(x, y);
	case SINAN_VB_PRELU: return x > 0 ? x : x * y;
	case SINAN_VB_POW: return powf(x, y);
	}
	return 0;
}

static int64_t ref_ibin(unsigned int op, int64_t x, int64_t y)
{
	switch (op) {
	case SINAN_VB_ADD: return x + y;
	case SINAN_VB_SUB: return x - y;
	case SINAN_VB_MUL: return x * y;
	case SINAN_VB_DIV: return y ? x / y : x > 0 ? INT64_MAX : x < 0 ? INT64_MIN : 0;
	case SINAN_VB_MAX: return x > y ? x : y;
	case SINAN_VB_MIN: return x < y ? x : y;
	}
	return 0;
}

static int64_t sat(int64_t v, unsigned int dt)
{
	return v < ref_int_min(dt) ? ref_int_min(dt) : v > ref_int_max(dt) ? ref_int_max(dt) : v;
}

/* Store an exact result to the dtype (nearest even, saturating) */
static uint64_t out_f(float v, unsigned int dt)
{
	return ref_conv(v, dt, SINAN_RND_EVEN);
}

static uint64_t out_i(int64_t v, unsigned int dt)
{
	return ref_conv((double)sat(v, dt), dt, SINAN_RND_EVEN);
}

static float ref_fun(unsigned int op, float x)
{
	switch (op) {
	case SINAN_VU_EXP: return expf(x);
	case SINAN_VU_LOG: return logf(x);
	case SINAN_VU_SQRT: return sqrtf(x);
	case SINAN_VU_RSQRT: return 1.0f / sqrtf(x);
	case SINAN_VU_RECIP: return 1.0f / x;
	case SINAN_VU_TANH: return tanhf(x);
	case SINAN_VU_ERF: return erff(x);
	case SINAN_VU_SIGMOID: return 1.0f / (1.0f + expf(-x));
	case SINAN_VU_RELU: return x < 0 ? 0.0f : x;
	case SINAN_VU_FLOOR: return floorf(x);
	case SINAN_VU_CEIL: return ceilf(x);
	case SINAN_VU_ROUND: return nearbyintf(x);	/* default mode: half to even */
	case SINAN_VU_SIN: return sinf(x);
	case SINAN_VU_COS: return cosf(x);
	}
	return 0;
}

/* Expected bits of element (r, i) of the destination */
static uint64_t expect(const struct vcase *c, const uint8_t *s0, const uint8_t *s1, const uint8_t *d_old,
		       uint64_t r, uint64_t i)
{
	unsigned int dt = c->sdt, es = sinan_dtype_size(dt), op = SINAN_V_OP(c->func);
	bool fl = sinan_dtype_is_float(dt);
	size_t ia = (size_t)(r * c->n + i), ib = c->rs ? (size_t)r : ia;
	double x = ref_get(s0, dt, ia), y = c->insn == SINAN_I_VBIN || c->insn == SINAN_I_VCMP ?
		   ref_get(s1, dt, ib) : 0;
	uint64_t xb = ref_bits(s0, dt, ia);

	switch (c->insn) {
	case SINAN_I_VBIN:
		if (op == SINAN_VB_AND || op == SINAN_VB_OR)
			return op == SINAN_VB_AND ? xb & ref_bits(s1, dt, ib) : xb | ref_bits(s1, dt, ib);
		return fl ? out_f(ref_fbin(op, (float)x, (float)y), dt) :
			    out_i(ref_ibin(op, (int64_t)x, (int64_t)y), dt);
	case SINAN_I_VSCALAR: {
		float fs = ref_u2f((uint32_t)c->scalar);
		int64_t is = (int64_t)ref_get(&c->scalar, dt, 0);

		switch (op) {
		case SINAN_VS_ADD: return fl ? out_f((float)x + fs, dt) : out_i((int64_t)x + is, dt);
		case SINAN_VS_MUL: return fl ? out_f((float)x * fs, dt) : out_i((int64_t)x * is, dt);
		case SINAN_VS_MAX: return fl ? out_f(fmax_ref((float)x, fs), dt) : out_i((int64_t)x > is ? (int64_t)x : is, dt);
		case SINAN_VS_MIN: return fl ? out_f(fmin_ref((float)x, fs), dt) : out_i((int64_t)x < is ? (int64_t)x : is, dt);
		case SINAN_VS_RSUB: return fl ? out_f(fs - (float)x, dt) : out_i(is - (int64_t)x, dt);
		case SINAN_VS_LRELU: return out_f(x > 0 ? (float)x : (float)x * fs, dt);
		case SINAN_VS_POW: return out_f(powf((float)x, fs), dt);
		case SINAN_VS_DIVR: return out_f(fs / (float)x, dt);
		case SINAN_VS_DIV: return out_f((float)x / fs, dt);
		}
		return 0;
	}
	case SINAN_I_VUN:
		switch (op) {
		case SINAN_VU_COPY: return xb;
		case SINAN_VU_NOT: return ~xb & (es == 4 ? 0xffffffffULL : es == 2 ? 0xffff : 0xff);
		case SINAN_VU_ABS:
			if (fl)
				return xb & ~(1ULL << (8 * es - 1));
			return out_i(x < 0 ? -(int64_t)x : (int64_t)x, dt);
		case SINAN_VU_NEG:
			if (fl)
				return xb ^ (1ULL << (8 * es - 1));
			return out_i(-(int64_t)x, dt);
		case SINAN_VU_RELU:
			if (!fl)
				return out_i(x < 0 ? 0 : (int64_t)x, dt);
			break;
		}
		return out_f(ref_fun(op, (float)x), dt);
	case SINAN_I_VCVT: {
		unsigned int rnd = SINAN_CVT_RND(c->func);

		if (c->func & SINAN_CVT_F_QUANT) {
			volatile float t = (float)x * ref_u2f((uint32_t)c->qscale);

			x = t + (float)(int32_t)(uint32_t)c->qzero;
			x = (float)x;
		}
		return ref_conv(x, c->ddt, rnd);
	}
	case SINAN_I_VDUP:
		if (dt == SINAN_DT_FP32)
			return (uint32_t)c->scalar;
		if (fl)
			return ref_conv(ref_u2f((uint32_t)c->scalar), dt, SINAN_RND_EVEN);
		return ref_bits(&c->scalar, dt, 0);
	case SINAN_I_VCMP:
		switch (op) {
		case SINAN_VC_GT: return x > y;
		case SINAN_VC_GE: return x >= y;
		case SINAN_VC_LT: return x < y;
		case SINAN_VC_LE: return x <= y;
		case SINAN_VC_EQ: return x == y;
		case SINAN_VC_NE: return x != y;
		}
	}
	(void)d_old;
	return 0;
}

/* Reference of VRED row r (float SUM in the ISA's lane order) */
static uint64_t expect_red(const struct vcase *c, const uint8_t *s0, uint64_t old_bits, uint64_t r)
{
	unsigned int dt = c->sdt, op = SINAN_V_OP(c->func);
	bool acc = c->func & SINAN_VR_F_ACC;
	double old = ref_get(&old_bits, dt, 0);
	if (!c->n && acc)
		return old_bits;
	if (sinan_dtype_is_float(dt)) {
		float res;

		if (op == SINAN_VR_SUM) {
			float lane[SINAN_VRED_LANES] = { 0 };

			for (uint64_t i = 0; i < c->n; i++)
				lane[i % SINAN_VRED_LANES] += (float)ref_get(s0, dt, (size_t)(r * c->n + i));
			for (unsigned int h = SINAN_VRED_LANES / 2; h; h /= 2)
				for (unsigned int j = 0; j < h; j++)
					lane[j] += lane[j + h];
			res = lane[0];
			if (acc)
				res += (float)old;
		} else {
			res = op == SINAN_VR_MAX ? -INFINITY : INFINITY;
			for (uint64_t i = 0; i < c->n; i++) {
				float x = (float)ref_get(s0, dt, (size_t)(r * c->n + i));

				res = op == SINAN_VR_MAX ? fmax_ref(res, x) : fmin_ref(res, x);
			}
			if (acc)
				res = op == SINAN_VR_MAX ? fmax_ref((float)old, res) : fmin_ref((float)old, res);
		}
		return out_f(res, dt);
	}
	{
		int64_t res = op == SINAN_VR_SUM ? 0 : op == SINAN_VR_MAX ? ref_int_min(dt) : ref_int_max(dt);

		for (uint64_t i = 0; i < c->n; i++) {
			int64_t x = (int64_t)ref_get(s0, dt, (size_t)(r * c->n + i));

			res = op == SINAN_VR_SUM ? res + x : op == SINAN_VR_MAX ? (x > res ? x : res) :
			      (x < res ? x : res);
		}
		if (acc)
			res = op == SINAN_VR_SUM ? res + (int64_t)old : op == SINAN_VR_MAX ?
			      (res > (int64_t)old ? res : (int64_t)old) : (res < (int64_t)old ? res : (int64_t)old);
		return out_i(res, dt);
	}
}

/*
 * Run one case: inputs (dense, rows x n) are generated here, moved into
 * UB with the case's pitches, the instruction runs, and the destination
 * (rows x n of ddt, or rows elements for VRED) comes back dense.
 */
static void run_case(const struct vcase *c)
{
	unsigned int ses = sinan_dtype_size(c->sdt);
	unsigned int des = c->insn == SINAN_I_VCMP ? 1 : sinan_dtype_size(c->ddt);
	bool red = c->insn == SINAN_I_VRED;
	uint64_t total = c->n * c->rows;
	uint8_t *s0 = h_va(H, gm_s0), *s1 = h_va(H, gm_s1), *d = h_va(H, gm_d);
	uint8_t old[GM_MAX];
	uint64_t nd = red ? c->rows : total;
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	size_t n;
	const uint64_t *code;

	assert_true(total * 4 <= GM_MAX);
	for (uint64_t i = 0; i < total; i++) {
		put_bits(s0, c->sdt, i, rnd_elem(c->sdt));
		put_bits(s1, c->sdt, i, rnd_elem(c->sdt));
	}
	/* avoid integer division by zero being the only case: keep a few zeros */
	for (uint64_t i = 0; i < nd; i++)
		put_bits(d, red ? c->sdt : c->ddt, i, rnd_elem(red ? c->sdt : c->ddt));
	memcpy(old, d, nd * des);

	sinan_asm_li64(a, 20, gm_s0);
	sinan_asm_li64(a, 21, gm_s1);
	sinan_asm_li64(a, 22, gm_d);
	sinan_asm_li(a, 23, UB_S0);
	sinan_asm_li(a, 24, UB_S1);
	sinan_asm_li(a, 25, UB_D);
	/* src0: rows bursts of n*es */
	sinan_asm_li64(a, 5, c->ps0 ? c->rows : 1);
	sinan_asm_li64(a, 6, c->n * ses);
	sinan_asm_li64(a, 7, c->ps0);
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 23, 20, 5, 6, 6, 7);
	if (c->insn == SINAN_I_VBIN || c->insn == SINAN_I_VCMP) {
		if (c->rs) {
			sinan_asm_li(a, 5, 1);
			sinan_asm_li64(a, 6, c->rows * ses);
		} else {
			sinan_asm_li64(a, 5, c->ps1 ? c->rows : 1);
			sinan_asm_li64(a, 6, c->n * ses);
			sinan_asm_li64(a, 7, c->ps1);
		}
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 24, 21, 5, 6, 6, 7);
	}
	/* old destination (VRED ACC reads it; others must overwrite it) */
	if (red) {
		sinan_asm_li(a, 5, 1);
		sinan_asm_li64(a, 6, c->rows * des);
	} else {
		sinan_asm_li64(a, 5, c->rows);
		sinan_asm_li64(a, 6, c->n * des);
		sinan_asm_li64(a, 7, c->pd);
	}
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 25, 22, 5, 6, 6, 7);
	sinan_asm_li64(a, 8, c->qscale);
	sinan_asm_setcfg(a, SINAN_CFG_QSCALE, 8);
	sinan_asm_li64(a, 8, c->qzero);
	sinan_asm_setcfg(a, SINAN_CFG_QZERO, 8);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	sinan_asm_li64(a, 9, c->n);
	sinan_asm_li64(a, 10, c->rows);
	sinan_asm_li64(a, 11, SINAN_V_STRIDES(c->pd, c->ps0, c->ps1));
	sinan_asm_li64(a, 12, c->scalar);
	{
		uint64_t w = SINAN_ENC_R(c->insn, 25, c->insn == SINAN_I_VDUP ? 0 : 23,
					 c->insn == SINAN_I_VSCALAR || c->insn == SINAN_I_VDUP ? 12 :
					 c->insn == SINAN_I_VBIN || c->insn == SINAN_I_VCMP ? 24 : 0,
					 9, 10, 11, c->func, 0);

		assert_true(sinan_insn_valid(w, NULL));
		sinan_asm_word(a, w);
	}
	sinan_asm_set_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	if (red) {
		sinan_asm_li(a, 5, 1);
		sinan_asm_li64(a, 6, c->rows * des);
	} else {
		sinan_asm_li64(a, 5, c->rows);
		sinan_asm_li64(a, 6, c->n * des);
		sinan_asm_li64(a, 7, c->pd);
	}
	/* back to GM: src stride = UB pitch, dst stride = dense row */
	sinan_asm_li64(a, 8, c->n * des);
	sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 22, 25, 5, 6, 7, 8);
	sinan_asm_end(a);
	code = sinan_asm_finish(a, &n);
	if (!code)
		fail_msg("asm: %s", sinan_asm_error(a));
	h_launch(H, Q, code, n, 0, 1, &r);
	if (r.err)
		fail_msg("case insn 0x%x func 0x%x n %llu rows %llu: error %u (%s)", c->insn, c->func,
			 (unsigned long long)c->n, (unsigned long long)c->rows, r.err, h_last_guest_error(H));
	/* broadcast rows: the reference reads row 0 for every row */
	for (uint64_t row = 0; row < c->rows; row++) {
		if (red) {
			uint64_t want = expect_red(c, s0, ref_bits(old, c->sdt, row), c->ps0 ? row : 0);
			uint64_t got = ref_bits(d, c->sdt, row);

			if (got != want)
				fail_msg("VRED op %u %s n %llu row %llu: got 0x%llx want 0x%llx", SINAN_V_OP(c->func),
					 sinan_dtype_name(c->sdt), (unsigned long long)c->n,
					 (unsigned long long)row, (unsigned long long)got, (unsigned long long)want);
			continue;
		}
		for (uint64_t i = 0; i < c->n; i++) {
			struct vcase cc = *c;
			uint64_t r0 = c->ps0 ? row : 0;
			uint64_t want, got = ref_bits(d, c->insn == SINAN_I_VCMP ? SINAN_DT_UINT8 : c->ddt,
						     (size_t)(row * c->n + i));
			{
				/* the element's inputs; a row pitch of 0 repeats row 0 */
				uint8_t e0[8], e1[8];

				memcpy(e0, s0 + (size_t)(r0 * c->n + i) * ses, ses);
				if (c->rs)
					memcpy(e1, s1 + row * ses, ses);
				else
					memcpy(e1, s1 + (size_t)((c->ps1 ? row : 0) * c->n + i) * ses, ses);
				cc.n = 1;
				cc.rs = false;
				want = expect(&cc, e0, e1, NULL, 0, 0);
			}
			if (got != want)
				fail_msg("insn 0x%x func 0x%x %s->%s n %llu rows %llu elem (%llu, %llu): "
					 "in 0x%llx, 0x%llx got 0x%llx want 0x%llx", c->insn, c->func,
					 sinan_dtype_name(c->sdt), sinan_dtype_name(c->ddt),
					 (unsigned long long)c->n, (unsigned long long)c->rows,
					 (unsigned long long)row, (unsigned long long)i,
					 (unsigned long long)ref_bits(s0, c->sdt, (size_t)(r0 * c->n + i)),
					 (unsigned long long)(c->rs ? ref_bits(s1, c->sdt, row) :
							      ref_bits(s1, c->sdt, (size_t)((c->ps1 ? row : 0) * c->n + i))),
					 (unsigned long long)got, (unsigned long long)want);
		}
	}
	sinan_asm_free(a);
}

/* Shapes: (n, rows, extra pitch) */
static const struct { uint64_t n, rows; unsigned int extra; } shapes[] = {
	{ 1, 1, 0 }, { 37, 3, 1 }, { 300, 2, 0 }, { 64, 4, 2 },
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static void fill_shape(struct vcase *c, unsigned int si)
{
	unsigned int ses = sinan_dtype_size(c->sdt), des = c->insn == SINAN_I_VCMP ? 1 : sinan_dtype_size(c->ddt);

	c->n = shapes[si].n;
	c->rows = shapes[si].rows;
	c->ps0 = pitch(c->n, ses, shapes[si].extra);
	c->ps1 = pitch(c->n, ses, 0);
	c->pd = pitch(c->n, des, shapes[si].extra ? 1 : 0);
}

static void test_vbin(void **st)
{
	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++)
		for (unsigned int op = 0; op < SINAN_VB_COUNT; op++) {
			if (!sinan_dtype_is_float(dt) && (op == SINAN_VB_PRELU || op == SINAN_VB_POW))
				continue;
			for (unsigned int si = 0; si < NSHAPES; si++)
				for (int rs = 0; rs < 2; rs++) {
					struct vcase c = { .insn = SINAN_I_VBIN, .sdt = dt, .ddt = dt, .rs = rs };

					c.func = SINAN_V_FUNC(op, dt, rs ? SINAN_V_F_ROWSCALAR : 0);
					fill_shape(&c, si);
					run_case(&c);
				}
		}
}

/* src1 pitch 0: one row broadcast to every row (bias add) */
static void test_vbin_broadcast_row(void **st)
{
	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++) {
		struct vcase c = { .insn = SINAN_I_VBIN, .sdt = dt, .ddt = dt };

		c.func = SINAN_V_FUNC(SINAN_VB_ADD, dt, 0);
		fill_shape(&c, 1);
		c.ps1 = 0;
		run_case(&c);
	}
}

static void test_vscalar(void **st)
{
	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++)
		for (unsigned int op = 0; op < SINAN_VS_COUNT; op++) {
			if (!sinan_dtype_is_float(dt) && op >= SINAN_VS_LRELU)
				continue;
			for (unsigned int si = 0; si < NSHAPES; si++) {
				struct vcase c = { .insn = SINAN_I_VSCALAR, .sdt = dt, .ddt = dt };

				c.func = SINAN_V_FUNC(op, dt, 0);
				c.scalar = sinan_dtype_is_float(dt) ? ref_f2u(si == 1 ? -0.75f : 2.5f) :
					   (uint64_t)(si == 1 ? -3 : 7) | 0xabcd000000000000ULL;
				fill_shape(&c, si);
				run_case(&c);
			}
		}
}

static void test_vun(void **st)
{
	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++)
		for (unsigned int op = 0; op < SINAN_VU_COUNT; op++) {
			if (!sinan_dtype_is_float(dt) && sinan_vun_float_only(op))
				continue;
			for (unsigned int si = 0; si < NSHAPES; si++) {
				struct vcase c = { .insn = SINAN_I_VUN, .sdt = dt, .ddt = dt };

				c.func = SINAN_V_FUNC(op, dt, 0);
				fill_shape(&c, si);
				run_case(&c);
			}
		}
}

static void test_vcvt(void **st)
{
	(void)st;
	for (unsigned int s = 0; s < SINAN_DT_COUNT; s++)
		for (unsigned int d = 0; d < SINAN_DT_COUNT; d++)
			for (unsigned int rnd = 0; rnd < 4; rnd++)
				for (int q = 0; q < 2; q++) {
					struct vcase c = { .insn = SINAN_I_VCVT, .sdt = s, .ddt = d };

					c.func = SINAN_CVT_FUNC(s, d, rnd, q ? SINAN_CVT_F_QUANT : 0);
					c.qscale = q ? ref_f2u(0.0371f) : 0x3f800000;
					c.qzero = q ? (uint64_t)-5 : 0;
					fill_shape(&c, 2);
					run_case(&c);
				}
}

static void test_vred(void **st)
{
	static const uint64_t ns[] = { 0, 1, 63, 64, 65, 200, 1000 };

	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++)
		for (unsigned int op = 0; op < SINAN_VR_COUNT; op++)
			for (unsigned int ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++)
				for (int acc = 0; acc < 2; acc++) {
					struct vcase c = { .insn = SINAN_I_VRED, .sdt = dt, .ddt = dt };

					c.func = SINAN_V_FUNC(op, dt, acc ? SINAN_VR_F_ACC : 0);
					c.n = ns[ni];
					c.rows = 3;
					c.ps0 = pitch(c.n, sinan_dtype_size(dt), 1);
					run_case(&c);
				}
}

static void test_vdup(void **st)
{
	static const uint64_t sc[] = { 0x40490fdb, 0x7f812345, 0xc2f6e979, 0x1234567887654321ULL };

	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++)
		for (unsigned int i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
			struct vcase c = { .insn = SINAN_I_VDUP, .sdt = dt, .ddt = dt, .scalar = sc[i] };

			c.func = SINAN_V_FUNC(0, dt, 0);
			fill_shape(&c, i % NSHAPES);
			run_case(&c);
		}
}

static void test_vcmp(void **st)
{
	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++)
		for (unsigned int op = 0; op < SINAN_VC_COUNT; op++)
			for (int rs = 0; rs < 2; rs++) {
				struct vcase c = { .insn = SINAN_I_VCMP, .sdt = dt, .ddt = SINAN_DT_UINT8, .rs = rs };

				c.func = SINAN_V_FUNC(op, dt, rs ? SINAN_V_F_ROWSCALAR : 0);
				fill_shape(&c, 1 + (op % 3));
				run_case(&c);
			}
}

/* VSEL: rows contiguous, mask u8 */
static void test_vsel(void **st)
{
	(void)st;
	for (unsigned int dt = 0; dt < SINAN_DT_COUNT; dt++) {
		unsigned int es = sinan_dtype_size(dt);
		uint64_t n = 45, rows = 3, total = n * rows;
		uint8_t *m = h_va(H, gm_s0), *x = h_va(H, gm_s1), *d = h_va(H, gm_d);
		uint8_t *y = m + 4096;
		struct sinan_asm *a = sinan_asm_new();
		struct h_result r;
		size_t nw;
		const uint64_t *code;

		for (uint64_t i = 0; i < total; i++) {
			m[i] = h_rand64() % 3 ? 0 : (uint8_t)(1 + h_rand64() % 255);
			put_bits(x, dt, i, rnd_elem(dt));
			put_bits(y, dt, i, rnd_elem(dt));
		}
		sinan_asm_li64(a, 20, gm_s0);
		sinan_asm_li64(a, 21, gm_s1);
		sinan_asm_li64(a, 22, gm_s0 + 4096);
		sinan_asm_li64(a, 26, gm_d);
		sinan_asm_li(a, 23, 0);		/* mask */
		sinan_asm_li(a, 24, 4096);	/* src0 */
		sinan_asm_li(a, 25, 8192);	/* src1 */
		sinan_asm_li(a, 27, 16384);	/* dst */
		sinan_asm_li(a, 5, 1);
		sinan_asm_li64(a, 6, total);
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 23, 20, 5, 6, 0, 0);
		sinan_asm_li64(a, 6, total * es);
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 24, 21, 5, 6, 0, 0);
		sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 25, 22, 5, 6, 0, 0);
		sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
		sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
		sinan_asm_li64(a, 9, n);
		sinan_asm_li64(a, 10, rows);
		sinan_asm_vsel(a, dt, 27, 23, 24, 25, 9, 10);
		sinan_asm_set_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
		sinan_asm_wait_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
		sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 26, 27, 5, 6, 0, 0);
		sinan_asm_end(a);
		code = sinan_asm_finish(a, &nw);
		assert_non_null(code);
		h_launch(H, Q, code, nw, 0, 1, &r);
		assert_int_equal(r.err, 0);
		for (uint64_t i = 0; i < total; i++)
			assert_int_equal(ref_bits(d, dt, i), ref_bits(m[i] ? x : y, dt, i));
		sinan_asm_free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vbin),
		cmocka_unit_test(test_vbin_broadcast_row),
		cmocka_unit_test(test_vscalar),
		cmocka_unit_test(test_vun),
		cmocka_unit_test(test_vcvt),
		cmocka_unit_test(test_vred),
		cmocka_unit_test(test_vdup),
		cmocka_unit_test(test_vcmp),
		cmocka_unit_test(test_vsel),
	};

	return cmocka_run_group_tests_name("emu-isa-vec", tests, grp_setup, grp_teardown);
}

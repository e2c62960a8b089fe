// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: the vector unit (VBIN, VSCALAR, VUN, VCVT, VRED,
 * VDUP, VCMP, VSEL; sinan_isa.h). Operands live in UB only.
 *
 * Rows are processed in chunks: float dtypes are widened to fp32 (exact),
 * computed in fp32 and rounded once to the dtype on the way out (default
 * NaN); integer dtypes are widened to int64 and saturated on the way out.
 * The inner loops are plain loops over arrays, which the compiler
 * vectorizes.
 */
#include <math.h>
#include <string.h>

#include "isa_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_F16C 1
#else
#define HAVE_F16C 0
#endif

/*
 * GCC's -O2 vectorizes only loops without a remainder ("very cheap" cost
 * model); these row loops have arbitrary lengths, so let it weigh the cost.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

#define VCH		256	/* elements per chunk (a multiple of SINAN_VRED_LANES) */
#define ROW_POLL	256	/* rows between checks of the stop request */

static float u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

/* ---- element loads and stores --------------------------------------------------------- */

/*
 * fp16 chunks through F16C when the host has it: both conversions are the
 * IEEE ones (exact widening; narrowing rounds to nearest even with
 * denormals), and NaN lanes are replaced by the default NaN, so the results
 * are those of the C conversions.
 */
#if HAVE_F16C
static bool have_f16c(void)
{
	return emu_use_simd();
}

__attribute__((target("avx2,f16c")))
static size_t ld_f16_simd(float *o, const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(o + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 2 * i))));
	return i;
}

__attribute__((target("avx2,f16c")))
static size_t st_f16_simd(uint8_t *p, const float *v, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(v + i);
		__m128i h = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
		__m128i nan = _mm256_cvtps_ph(_mm256_cmp_ps(x, x, _CMP_UNORD_Q), 0);	/* 0xffff lanes */

		h = _mm_blendv_epi8(h, _mm_set1_epi16(0x7e00), nan);
		_mm_storeu_si128((__m128i *)(p + 2 * i), h);
	}
	return i;
}
#endif

static void ld_f(float *o, const uint8_t *p, unsigned int dt, size_t n)
{
	if (dt == SINAN_DT_FP32) {
		emu_copy(o, p, n * 4);
	} else if (dt == SINAN_DT_FP16) {
		size_t i = 0;

#if HAVE_F16C
		if (have_f16c())
			i = ld_f16_simd(o, p, n);
#endif
		for (; i < n; i++)
			o[i] = emu_f16_to_f32(((const u16_a *)p)[i]);
	} else {
		for (size_t i = 0; i < n; i++)
			o[i] = emu_bf16_to_f32(((const u16_a *)p)[i]);
	}
}

/*
 * Elements as fp32 for reading: fp32 elements where they are (no copy),
 * others widened into @buf. Callers read all of a chunk before storing any
 * of its results, so a destination overlapping the source sees the same
 * bits either way.
 */
static const f32_a *ld_fp(float *buf, const uint8_t *p, unsigned int dt, size_t n)
{
	if (dt == SINAN_DT_FP32)
		return (const f32_a *)p;
	ld_f(buf, p, dt, n);
	return buf;
}

static void st_f(uint8_t *p, unsigned int dt, const float *v, size_t n)
{
	const float dnan = u2f(0x7fc00000);

	if (dt == SINAN_DT_FP32) {
		for (size_t i = 0; i < n; i++)
			((f32_a *)p)[i] = v[i] != v[i] ? dnan : v[i];
	} else if (dt == SINAN_DT_FP16) {
		size_t i = 0;

#if HAVE_F16C
		if (have_f16c())
			i = st_f16_simd(p, v, n);
#endif
		for (; i < n; i++)
			((u16_a *)p)[i] = emu_f32_to_f16(v[i]);
	} else {
		for (size_t i = 0; i < n; i++)
			((u16_a *)p)[i] = emu_f32_to_bf16(v[i]);
	}
}

void isa_store_f(uint8_t *p, unsigned int dt, const float *v, size_t n)
{
	st_f(p, dt, v, n);
}

static void ld_i(int64_t *o, const uint8_t *p, unsigned int dt, size_t n)
{
	switch (dt) {
	case SINAN_DT_INT32:
		for (size_t i = 0; i < n; i++)
			o[i] = ((const i32_a *)p)[i];
		break;
	case SINAN_DT_INT16:
		for (size_t i = 0; i < n; i++)
			o[i] = ((const i16_a *)p)[i];
		break;
	case SINAN_DT_INT8:
		for (size_t i = 0; i < n; i++)
			o[i] = ((const int8_t *)p)[i];
		break;
	default:
		for (size_t i = 0; i < n; i++)
			o[i] = p[i];
		break;
	}
}

static void st_i(uint8_t *p, unsigned int dt, const int64_t *v, size_t n)
{
	int64_t lo = emu_int_min(dt), hi = emu_int_max(dt);

	for (size_t i = 0; i < n; i++) {
		int64_t x = v[i] < lo ? lo : v[i] > hi ? hi : v[i];

		switch (dt) {
		case SINAN_DT_INT32: ((i32_a *)p)[i] = (int32_t)x; break;
		case SINAN_DT_INT16: ((i16_a *)p)[i] = (int16_t)x; break;
		default: p[i] = (uint8_t)x; break;
		}
	}
}

/* ---- element operations ------------------------------------------------------------------ */

/* MAX/MIN: NaN wins, -0 < +0 (order-independent) */
/*
 * ISA max/min: a NaN operand gives the default NaN; +0 is above -0. Written
 * as selects (no branches) so that row loops vectorise.
 */
static inline float fmax_isa(float a, float b)
{
	float r = a > b || (a == b && !signbit(a)) ? a : b;

	return a != a || b != b ? u2f(0x7fc00000) : r;
}

static inline float fmin_isa(float a, float b)
{
	float r = a < b || (a == b && signbit(a)) ? a : b;

	return a != a || b != b ? u2f(0x7fc00000) : r;
}

static float round_even(float a)
{
	float r, d;

	if (!(fabsf(a) < 0x1p23f))	/* integral already, or NaN/inf */
		return a;
	r = floorf(a);
	d = a - r;
	if (d > 0.5f || (d == 0.5f && fmodf(r, 2.0f) != 0))
		r += 1.0f;
	return r == 0 ? copysignf(0.0f, a) : r;
}

static int64_t idiv(int64_t a, int64_t b)
{
	if (b == 0)
		return a > 0 ? INT64_MAX : a < 0 ? INT64_MIN : 0;	/* saturated by the store */
	return a / b;	/* |a|, |b| < 2^32: no overflow */
}

static void fbin(unsigned int op, float *o, const f32_a *a, const f32_a *b, float s, bool bs, size_t n)
{
#define FB(expr) do {								\
		if (bs)								\
			for (size_t i = 0; i < n; i++) { float x = a[i], y = s; o[i] = (expr); } \
		else								\
			for (size_t i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = (expr); } \
	} while (0)
	switch (op) {
	case SINAN_VB_ADD: FB(x + y); break;
	case SINAN_VB_SUB: FB(x - y); break;
	case SINAN_VB_MUL: FB(x * y); break;
	case SINAN_VB_DIV: FB(x / y); break;
	case SINAN_VB_MAX: FB(fmax_isa(x, y)); break;
	case SINAN_VB_MIN: FB(fmin_isa(x, y)); break;
	case SINAN_VB_PRELU: FB(x > 0 ? x : x * y); break;
	case SINAN_VB_POW: FB(powf(x, y)); break;
	}
#undef FB
}

static void ibin(unsigned int op, int64_t *o, const int64_t *a, const int64_t *b, int64_t s, bool bs,
		 size_t n)
{
#define IB(expr) do {								\
		if (bs)								\
			for (size_t i = 0; i < n; i++) { int64_t x = a[i], y = s; o[i] = (expr); } \
		else								\
			for (size_t i = 0; i < n; i++) { int64_t x = a[i], y = b[i]; o[i] = (expr); } \
	} while (0)
	switch (op) {
	case SINAN_VB_ADD: IB(x + y); break;
	case SINAN_VB_SUB: IB(x - y); break;
	case SINAN_VB_MUL: IB(x * y); break;
	case SINAN_VB_DIV: IB(idiv(x, y)); break;
	case SINAN_VB_MAX: IB(x > y ? x : y); break;
	case SINAN_VB_MIN: IB(x < y ? x : y); break;
	}
#undef IB
}

/* VSCALAR ops as VBIN ops on (x, s) */
static bool vs_as_bin(unsigned int op, unsigned int *bop, bool *rev)
{
	*rev = false;
	switch (op) {
	case SINAN_VS_ADD: *bop = SINAN_VB_ADD; return true;
	case SINAN_VS_MUL: *bop = SINAN_VB_MUL; return true;
	case SINAN_VS_MAX: *bop = SINAN_VB_MAX; return true;
	case SINAN_VS_MIN: *bop = SINAN_VB_MIN; return true;
	case SINAN_VS_RSUB: *bop = SINAN_VB_SUB; *rev = true; return true;
	case SINAN_VS_LRELU: *bop = SINAN_VB_PRELU; return true;
	case SINAN_VS_POW: *bop = SINAN_VB_POW; return true;
	case SINAN_VS_DIVR: *bop = SINAN_VB_DIV; *rev = true; return true;
	case SINAN_VS_DIV: *bop = SINAN_VB_DIV; return true;
	}
	return false;
}

static void fun(unsigned int op, float *o, const f32_a *a, size_t n)
{
#define FU(expr) do { for (size_t i = 0; i < n; i++) { float x = a[i]; o[i] = (expr); } } while (0)
	switch (op) {
	case SINAN_VU_EXP: FU(expf(x)); break;
	case SINAN_VU_LOG: FU(logf(x)); break;
	case SINAN_VU_SQRT: FU(sqrtf(x)); break;
	case SINAN_VU_RSQRT: FU(1.0f / sqrtf(x)); break;
	case SINAN_VU_RECIP: FU(1.0f / x); break;
	case SINAN_VU_TANH: FU(tanhf(x)); break;
	case SINAN_VU_ERF: FU(erff(x)); break;
	case SINAN_VU_SIGMOID: FU(1.0f / (1.0f + expf(-x))); break;
	case SINAN_VU_RELU: FU(x < 0 ? 0.0f : x); break;
	case SINAN_VU_FLOOR: FU(floorf(x)); break;
	case SINAN_VU_CEIL: FU(ceilf(x)); break;
	case SINAN_VU_ROUND: FU(round_even(x)); break;
	case SINAN_VU_SIN: FU(sinf(x)); break;
	case SINAN_VU_COS: FU(cosf(x)); break;
	}
#undef FU
}

static void iun(unsigned int op, int64_t *o, const int64_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t x = a[i];

		switch (op) {
		case SINAN_VU_RELU: o[i] = x < 0 ? 0 : x; break;
		case SINAN_VU_ABS: o[i] = x < 0 ? -x : x; break;
		case SINAN_VU_NEG: o[i] = -x; break;
		default: o[i] = x; break;
		}
	}
}

/* ---- operands ------------------------------------------------------------------------------ */

struct vop {
	unsigned int op, dt, flags;
	uint64_t d, s0, s1, n, rows;
	uint64_t ds, s0s, s1s;
	uint64_t sreg;			/* scalar register value */
};

/* Check one UB operand of @rows rows of @len bytes; fill its access record. */
static int v_operand(struct emu_core *c, struct isa_acc *a, uint64_t off, uint64_t rows, uint64_t len,
		     uint64_t stride, bool write)
{
	unsigned int access = write ? SINAN_FAULT_WRITE : SINAN_FAULT_READ;

	if (stride % SINAN_ALIGN_UB)
		return isa_fail(c, SINAN_ERR_ALIGN, off, access, SINAN_BUF_UB, 0);
	if (isa_check_local(c, SINAN_BUF_UB, off, rows, len, stride, SINAN_ALIGN_UB, access))
		return -1;
	*a = (struct isa_acc){ .buf = SINAN_BUF_UB, .write = write, .base = off, .n = rows, .len = len,
			       .stride = stride };
	return 0;
}

static uint64_t mulsat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static unsigned int vun_weight(unsigned int op)
{
	switch (op) {
	case SINAN_VU_SQRT: case SINAN_VU_RSQRT: case SINAN_VU_RECIP:
		return ISA_VW_SLOW;
	case SINAN_VU_EXP: case SINAN_VU_LOG: case SINAN_VU_TANH: case SINAN_VU_ERF:
	case SINAN_VU_SIGMOID: case SINAN_VU_SIN: case SINAN_VU_COS:
		return ISA_VW_TRANS;
	}
	return ISA_VW_SIMPLE;
}

/* ---- execution ------------------------------------------------------------------------------ */

static uint8_t *ub(struct emu_core *c, uint64_t off)
{
	return c->lb[SINAN_BUF_UB] + off;
}

static void bitwise_row(unsigned int kind, uint8_t *o, const uint8_t *a, const uint8_t *b, size_t nb)
{
	switch (kind) {
	case 0: for (size_t i = 0; i < nb; i++) o[i] = a[i] & b[i]; break;
	case 1: for (size_t i = 0; i < nb; i++) o[i] = a[i] | b[i]; break;
	case 2: for (size_t i = 0; i < nb; i++) o[i] = (uint8_t)~a[i]; break;
	default:
		if (nb == 32) {		/* a common row: copied inline (the rows may overlap) */
			uint8_t t[32];

			memcpy(t, a, 32);
			memcpy(o, t, 32);
		} else {
			memmove(o, a, nb);
		}
		break;
	}
}

/* Float ABS/NEG: sign-bit operations on each element. */
static void sign_row(bool neg, unsigned int es, uint8_t *o, const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t hi = a[i * es + es - 1];

		if (o != a)
			memcpy(o + i * es, a + i * es, es - 1);
		o[i * es + es - 1] = neg ? hi ^ 0x80 : hi & 0x7f;
	}
}

/*
 * fp32 VBIN (element against element) and VSCALAR (element against the
 * scalar) of the simple arithmetic ops, and VUN RELU, rows of at most one chunk: the same
 * values as the general path below (each row read whole before any of it is
 * stored, NaN results stored as the default NaN), without its per-row calls.
 * Many short rows (pooling windows) are common. Returns false when the
 * instruction is not of this kind.
 */
static bool exec_rows_f32(struct emu_core *c, const struct vop *v, unsigned int bop, bool scalar, bool unary)
{
	const float dnan = u2f(0x7fc00000);
	float fs = scalar ? u2f((uint32_t)v->sreg) : 0, fo[VCH];
	size_t n = (size_t)v->n;

	if (n > VCH)
		return false;
#define FROWS(expr) do {								\
		for (uint64_t r = 0; r < v->rows; r++) {					\
			f32_a *d = (f32_a *)ub(c, v->d + r * v->ds);				\
			const f32_a *a = (const f32_a *)ub(c, v->s0 + r * v->s0s);		\
			const f32_a *b = scalar || unary ? NULL : (const f32_a *)ub(c, v->s1 + r * v->s1s); \
											\
			if (r % ROW_POLL == ROW_POLL - 1 && isa_should_stop(c))		\
				return true;							\
			if (scalar || unary)						\
				for (size_t i = 0; i < n; i++) { float x = a[i], y = fs; fo[i] = (expr); } \
			else								\
				for (size_t i = 0; i < n; i++) { float x = a[i], y = b[i]; fo[i] = (expr); } \
			for (size_t i = 0; i < n; i++)					\
				d[i] = fo[i] != fo[i] ? dnan : fo[i];			\
		}									\
	} while (0)
	if (unary) {	/* VUN RELU */
		FROWS(((void)y, x < 0 ? 0.0f : x));
		return true;
	}
	switch (bop) {
	case SINAN_VB_ADD: FROWS(x + y); return true;
	case SINAN_VB_SUB: FROWS(x - y); return true;
	case SINAN_VB_MUL: FROWS(x * y); return true;
	case SINAN_VB_MAX: FROWS(fmax_isa(x, y)); return true;
	case SINAN_VB_MIN: FROWS(fmin_isa(x, y)); return true;
	}
#undef FROWS
	return false;
}

static void exec_rows(struct emu_core *c, const struct vop *v)
{
	unsigned int es = sinan_dtype_size(v->dt);
	bool fl = sinan_dtype_is_float(v->dt);
	bool rs = v->flags & SINAN_V_F_ROWSCALAR;
	float fa[VCH], fb[VCH], fo[VCH];
	int64_t ia[VCH], ib[VCH], io[VCH];
	unsigned int bop = v->op;
	bool rev = false, vs = false;

	if (c->op == SINAN_I_VSCALAR)
		vs = vs_as_bin(v->op, &bop, &rev);
	if (v->dt == SINAN_DT_FP32 && ((c->op == SINAN_I_VBIN && !rs) || (vs && !rev)) &&
	    exec_rows_f32(c, v, bop, c->op == SINAN_I_VSCALAR, false))
		return;
	if (v->dt == SINAN_DT_FP32 && c->op == SINAN_I_VUN && v->op == SINAN_VU_RELU &&
	    exec_rows_f32(c, v, 0, false, true))
		return;
	for (uint64_t r = 0; r < v->rows; r++) {
		uint8_t *d = ub(c, v->d + r * v->ds);
		const uint8_t *a = ub(c, v->s0 + r * v->s0s);
		const uint8_t *b = c->op == SINAN_I_VBIN ?
				   ub(c, rs ? v->s1 + r * es : v->s1 + r * v->s1s) : NULL;
		float fs = 0;
		int64_t is = 0;

		if (r % ROW_POLL == ROW_POLL - 1 && isa_should_stop(c))
			return;
		/* per-row scalar operand */
		if (c->op == SINAN_I_VSCALAR || c->op == SINAN_I_VDUP) {
			if (fl) {
				fs = u2f((uint32_t)v->sreg);
			} else {
				uint8_t raw[4];

				memcpy(raw, &v->sreg, 4);
				ld_i(&is, raw, v->dt, 1);
			}
		} else if (rs) {
			if (fl)
				ld_f(&fs, b, v->dt, 1);
			else
				ld_i(&is, b, v->dt, 1);
		}

		switch (c->op) {
		case SINAN_I_VBIN:
			if (bop == SINAN_VB_AND || bop == SINAN_VB_OR) {
				if (rs) {	/* the row's element against every element */
					for (uint64_t i = 0; i < v->n; i++)
						bitwise_row(bop == SINAN_VB_AND ? 0 : 1, d + i * es, a + i * es, b, es);
				} else {
					bitwise_row(bop == SINAN_VB_AND ? 0 : 1, d, a, b, v->n * es);
				}
				continue;
			}
			break;
		case SINAN_I_VUN:
			if (v->op == SINAN_VU_COPY || v->op == SINAN_VU_NOT) {
				bitwise_row(v->op == SINAN_VU_NOT ? 2 : 3, d, a, NULL, v->n * es);
				continue;
			}
			if (fl && (v->op == SINAN_VU_ABS || v->op == SINAN_VU_NEG)) {
				sign_row(v->op == SINAN_VU_NEG, es, d, a, v->n);
				continue;
			}
			break;
		case SINAN_I_VDUP:
			if (v->dt == SINAN_DT_FP32) {	/* a bit copy: NaN payload kept */
				for (uint64_t i = 0; i < v->n; i++)
					memcpy(d + i * 4, &v->sreg, 4);
				continue;
			}
			break;
		}

		for (uint64_t i0 = 0; i0 < v->n; i0 += VCH) {
			size_t k = v->n - i0 < VCH ? (size_t)(v->n - i0) : VCH;
			uint8_t *dk = d + i0 * es;
			const uint8_t *ak = a + i0 * es;
			const uint8_t *bk = b && !rs ? b + i0 * es : NULL;

			if (fl) {
				const f32_a *xa = c->op != SINAN_I_VDUP ? ld_fp(fa, ak, v->dt, k) : NULL;
				const f32_a *xb = bk ? ld_fp(fb, bk, v->dt, k) : NULL;

				switch (c->op) {
				case SINAN_I_VBIN:
					fbin(bop, fo, xa, xb, fs, rs, k);
					break;
				case SINAN_I_VSCALAR:
					if (rev) {
						for (size_t i = 0; i < k; i++)
							fb[i] = fs;
						fbin(bop, fo, fb, xa, 0, false, k);
					} else {
						fbin(bop, fo, xa, NULL, fs, true, k);
					}
					break;
				case SINAN_I_VUN:
					fun(v->op, fo, xa, k);
					break;
				case SINAN_I_VDUP:
					for (size_t i = 0; i < k; i++)
						fo[i] = fs;
					break;
				}
				st_f(dk, v->dt, fo, k);
			} else {
				if (c->op != SINAN_I_VDUP)
					ld_i(ia, ak, v->dt, k);
				if (bk)
					ld_i(ib, bk, v->dt, k);
				switch (c->op) {
				case SINAN_I_VBIN:
					ibin(bop, io, ia, ib, is, rs, k);
					break;
				case SINAN_I_VSCALAR:
					if (rev) {
						for (size_t i = 0; i < k; i++)
							ib[i] = is;
						ibin(bop, io, ib, ia, 0, false, k);
					} else {
						ibin(bop, io, ia, NULL, is, true, k);
					}
					break;
				case SINAN_I_VUN:
					iun(v->op, io, ia, k);
					break;
				case SINAN_I_VDUP:
					for (size_t i = 0; i < k; i++)
						io[i] = is;
					break;
				}
				st_i(dk, v->dt, io, k);
			}
		}
	}
}

/* VCMP: every dtype's values are exact in a double, so one comparison serves all. */
static void exec_cmp(struct emu_core *c, const struct vop *v)
{
	unsigned int es = sinan_dtype_size(v->dt);
	bool rs = v->flags & SINAN_V_F_ROWSCALAR;

	for (uint64_t r = 0; r < v->rows; r++) {
		uint8_t *d = ub(c, v->d + r * v->ds);
		const uint8_t *a = ub(c, v->s0 + r * v->s0s);
		const uint8_t *b = ub(c, rs ? v->s1 + r * es : v->s1 + r * v->s1s);

		if (r % ROW_POLL == ROW_POLL - 1 && isa_should_stop(c))
			return;
		for (uint64_t i = 0; i < v->n; i++) {
			double x = emu_elem_get(a, v->dt, i), y = emu_elem_get(b, v->dt, rs ? 0 : i);
			bool t = false;

			switch (v->op) {
			case SINAN_VC_GT: t = x > y; break;
			case SINAN_VC_GE: t = x >= y; break;
			case SINAN_VC_LT: t = x < y; break;
			case SINAN_VC_LE: t = x <= y; break;
			case SINAN_VC_EQ: t = x == y; break;
			case SINAN_VC_NE: t = x != y; break;
			}
			d[i] = t;
		}
	}
}

static void exec_cvt(struct emu_core *c, const struct vop *v, unsigned int sdt, unsigned int ddt,
		     unsigned int rnd, bool quant)
{
	unsigned int ses = sinan_dtype_size(sdt), des = sinan_dtype_size(ddt);
	bool fast = !quant && rnd == SINAN_RND_EVEN && sinan_dtype_is_float(sdt) &&
		    sinan_dtype_is_float(ddt);
	float buf[VCH];

	for (uint64_t r = 0; r < v->rows; r++) {
		uint8_t *d = ub(c, v->d + r * v->ds);
		const uint8_t *a = ub(c, v->s0 + r * v->s0s);

		if (r % ROW_POLL == ROW_POLL - 1 && isa_should_stop(c))
			return;
		if (fast) {
			for (uint64_t i0 = 0; i0 < v->n; i0 += VCH) {
				size_t k = v->n - i0 < VCH ? (size_t)(v->n - i0) : VCH;

				ld_f(buf, a + i0 * ses, sdt, k);
				st_f(d + i0 * des, ddt, buf, k);
			}
			continue;
		}
		for (uint64_t i = 0; i < v->n; i++) {
			double x = emu_elem_get(a, sdt, i);

			if (quant)
				x = emu_quant(x, c->cfg[SINAN_CFG_QSCALE], c->cfg[SINAN_CFG_QZERO]);
			emu_elem_put_bits(d, ddt, i, emu_convert(x, ddt, rnd));
		}
	}
}

/* VRED float SUM order: 64 lane sums in index order, folded by halves. */
static float fsum_row(const uint8_t *a, unsigned int dt, uint64_t n)
{
	float s[SINAN_VRED_LANES] = { 0 };
	float buf[VCH];

	for (uint64_t i0 = 0; i0 < n; i0 += VCH) {
		size_t k = n - i0 < VCH ? (size_t)(n - i0) : VCH;
		size_t i = 0;

		const f32_a *x = ld_fp(buf, a + i0 * sinan_dtype_size(dt), dt, k);

		for (; i + SINAN_VRED_LANES <= k; i += SINAN_VRED_LANES)
			for (unsigned int j = 0; j < SINAN_VRED_LANES; j++)
				s[j] += x[i + j];
		for (unsigned int j = 0; i + j < k; j++)
			s[j] += x[i + j];
	}
	for (unsigned int h = SINAN_VRED_LANES / 2; h; h /= 2)
		for (unsigned int j = 0; j < h; j++)
			s[j] += s[j + h];
	return s[0];
}

static void exec_red(struct emu_core *c, const struct vop *v)
{
	unsigned int es = sinan_dtype_size(v->dt);
	bool fl = sinan_dtype_is_float(v->dt), acc = v->flags & SINAN_VR_F_ACC;
	float buf[VCH];
	int64_t ibuf[VCH];

	for (uint64_t r = 0; r < v->rows; r++) {
		const uint8_t *a = ub(c, v->s0 + r * v->s0s);
		uint8_t *d = ub(c, v->d + r * es);

		if (r % ROW_POLL == ROW_POLL - 1 && isa_should_stop(c))
			return;
		if (!v->n && acc)
			continue;
		if (fl) {
			float res, old;

			if (v->op == SINAN_VR_SUM) {
				res = fsum_row(a, v->dt, v->n);
			} else {
				res = v->op == SINAN_VR_MAX ? -INFINITY : INFINITY;
				for (uint64_t i0 = 0; i0 < v->n; i0 += VCH) {
					size_t k = v->n - i0 < VCH ? (size_t)(v->n - i0) : VCH;

					const f32_a *x = ld_fp(buf, a + i0 * es, v->dt, k);

					for (size_t i = 0; i < k; i++)
						res = v->op == SINAN_VR_MAX ? fmax_isa(res, x[i]) :
									      fmin_isa(res, x[i]);
				}
			}
			if (acc) {
				ld_f(&old, d, v->dt, 1);
				res = v->op == SINAN_VR_SUM ? res + old :
				      v->op == SINAN_VR_MAX ? fmax_isa(old, res) : fmin_isa(old, res);
			}
			st_f(d, v->dt, &res, 1);
		} else {
			int64_t res = v->op == SINAN_VR_SUM ? 0 : v->op == SINAN_VR_MAX ?
				      emu_int_min(v->dt) : emu_int_max(v->dt), old;

			for (uint64_t i0 = 0; i0 < v->n; i0 += VCH) {
				size_t k = v->n - i0 < VCH ? (size_t)(v->n - i0) : VCH;

				ld_i(ibuf, a + i0 * es, v->dt, k);
				for (size_t i = 0; i < k; i++)
					res = v->op == SINAN_VR_SUM ? res + ibuf[i] :
					      v->op == SINAN_VR_MAX ? (ibuf[i] > res ? ibuf[i] : res) :
								      (ibuf[i] < res ? ibuf[i] : res);
			}
			if (acc) {
				ld_i(&old, d, v->dt, 1);
				res = v->op == SINAN_VR_SUM ? res + old : v->op == SINAN_VR_MAX ?
				      (old > res ? old : res) : (old < res ? old : res);
			}
			st_i(d, v->dt, &res, 1);
		}
	}
}

static int exec_sel(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w), dt = SINAN_V_DT(fn), es;
	uint64_t d = c->x[SINAN_DEC_RD(w)], m = c->x[SINAN_DEC_RA(w)];
	uint64_t s0 = c->x[SINAN_DEC_RB(w)], s1 = c->x[SINAN_DEC_RC(w)];
	uint64_t n = c->x[SINAN_DEC_RE(w)], rows = c->x[SINAN_DEC_RF(w)];
	uint64_t total, occ, lat;
	struct isa_acc acc[4];

	es = sinan_dtype_size(dt);
	total = mulsat(n, rows);
	if (v_operand(c, &acc[0], d, 1, mulsat(total, es), 0, true) ||
	    v_operand(c, &acc[1], m, 1, total, 0, false) ||
	    v_operand(c, &acc[2], s0, 1, mulsat(total, es), 0, false) ||
	    v_operand(c, &acc[3], s1, 1, mulsat(total, es), 0, false))
		return -1;
	isa_cost_vec(ISA_VW_SIMPLE, total ? rows : 0, n * es, &occ, &lat);
	if (isa_cost_issue(c, SINAN_PIPE_V, occ, lat, acc, 4))
		return -1;
	for (uint64_t i = 0; i < total; i++) {
		const uint8_t *src = ub(c, (ub(c, m)[i] ? s0 : s1) + i * es);

		memmove(ub(c, d + i * es), src, es);
	}
	return 0;
}

int isa_vector(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w);
	uint64_t strides = c->x[SINAN_DEC_RF(w)];
	struct vop v = {
		.op = SINAN_V_OP(fn), .dt = SINAN_V_DT(fn), .flags = fn & 0x200,
		.d = c->x[SINAN_DEC_RD(w)], .s0 = c->x[SINAN_DEC_RA(w)], .s1 = c->x[SINAN_DEC_RB(w)],
		.sreg = c->x[SINAN_DEC_RB(w)], .n = c->x[SINAN_DEC_RC(w)], .rows = c->x[SINAN_DEC_RE(w)],
		.ds = SINAN_V_STRIDE_DST(strides), .s0s = SINAN_V_STRIDE_SRC0(strides),
		.s1s = SINAN_V_STRIDE_SRC1(strides),
	};
	unsigned int es, des, weight = ISA_VW_SIMPLE, nacc = 0;
	unsigned int sdt = 0, ddt = 0, rnd = 0;
	bool rs;
	uint64_t occ, lat, row_bytes;
	struct isa_acc acc[4];

	if (c->op == SINAN_I_VSEL)
		return exec_sel(c);
	if (c->op == SINAN_I_VCVT) {
		sdt = SINAN_CVT_SRC(fn);
		ddt = SINAN_CVT_DST(fn);
		rnd = SINAN_CVT_RND(fn);
		v.dt = sdt;
		v.flags = 0;
	}
	/* func values were checked at decode (sinan_insn_check) */
	rs = v.flags && (c->op == SINAN_I_VBIN || c->op == SINAN_I_VCMP);
	switch (c->op) {
	case SINAN_I_VBIN:
		weight = v.op == SINAN_VB_DIV ? ISA_VW_SLOW : v.op == SINAN_VB_POW ? ISA_VW_TRANS :
			 ISA_VW_SIMPLE;
		break;
	case SINAN_I_VSCALAR:
		weight = v.op == SINAN_VS_DIV || v.op == SINAN_VS_DIVR ? ISA_VW_SLOW :
			 v.op == SINAN_VS_POW ? ISA_VW_TRANS : ISA_VW_SIMPLE;
		break;
	case SINAN_I_VUN:
		weight = vun_weight(v.op);
		break;
	}

	es = sinan_dtype_size(v.dt);
	des = c->op == SINAN_I_VCMP ? 1 : c->op == SINAN_I_VCVT ? sinan_dtype_size(ddt) : es;
	if (!v.rows || (!v.n && c->op != SINAN_I_VRED))
		v.rows = v.n = 0;
	row_bytes = mulsat(v.n, es > des ? es : des);
	/* operands */
	if (c->op == SINAN_I_VRED) {
		if (v_operand(c, &acc[nacc++], v.d, 1, mulsat(v.rows, es), 0, true))
			return -1;
		if (v.flags) {
			acc[nacc] = acc[nacc - 1];
			acc[nacc++].write = 0;
		}
	} else if (v_operand(c, &acc[nacc++], v.d, v.rows, mulsat(v.n, des), v.ds, true)) {
		return -1;
	}
	if (c->op != SINAN_I_VDUP &&
	    v_operand(c, &acc[nacc++], v.s0, v.rows, mulsat(v.n, es), v.s0s, false))
		return -1;
	if (c->op == SINAN_I_VBIN || c->op == SINAN_I_VCMP) {
		if (rs ? v_operand(c, &acc[nacc++], v.s1, 1, mulsat(v.rows, es), 0, false) :
			 v_operand(c, &acc[nacc++], v.s1, v.rows, mulsat(v.n, es), v.s1s, false))
			return -1;
	}
	isa_cost_vec(weight, v.rows, row_bytes, &occ, &lat);
	if (isa_cost_issue(c, SINAN_PIPE_V, occ, lat, acc, nacc))
		return -1;

	if (c->op == SINAN_I_VCVT)
		exec_cvt(c, &v, sdt, ddt, rnd, fn & SINAN_CVT_F_QUANT);
	else if (c->op == SINAN_I_VRED)
		exec_red(c, &v);
	else if (c->op == SINAN_I_VCMP)
		exec_cmp(c, &v);
	else
		exec_rows(c, &v);
	if (isa_should_stop(c))
		return isa_fail(c, SINAN_ERR_ABORTED, c->L->prog_va + c->pc, 0, 0, 0);
	return 0;
}

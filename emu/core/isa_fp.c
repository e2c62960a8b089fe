// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: AI-core numerics (sinan_isa.h, "Numerics").
 * fp16/bf16 <-> fp32 conversions (round to nearest even, denormals kept,
 * default NaN), rounding of exact values to any dtype with the four ISA
 * rounding modes, integer saturation, and the requantize step.
 *
 * Every value the ISA converts is exact in a double (fp32, fp16, bf16 and
 * all integer dtypes are), so the generic path rounds a double once.
 */
#include <math.h>
#include <string.h>

#include "isa_int.h"

static uint32_t f2u(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static float u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

float emu_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f;
	uint32_t man = h & 0x3ff;

	if (exp == 0x1f)
		return u2f(sign | 0x7f800000 | (man << 13));	/* inf, NaN (payload kept) */
	if (exp == 0) {
		/* zero or denormal: man * 2^-24, exact in fp32 */
		float v = (float)man * 0x1p-24f;

		return sign ? -v : v;
	}
	return u2f(sign | ((exp + 112) << 23) | (man << 13));
}

uint16_t emu_f32_to_f16(float f)
{
	uint32_t u = f2u(f);
	uint32_t sign = (u >> 16) & 0x8000;
	uint32_t a = u & 0x7fffffff;

	if (a > 0x7f800000)
		return 0x7e00;				/* default NaN */
	if (a >= 0x477ff000)				/* >= 65520: rounds to inf */
		return (uint16_t)(sign | 0x7c00);
	if (a >= 0x38800000) {				/* normal fp16 range (>= 2^-14) */
		uint32_t r = a - 0x38000000;		/* rebias exponent 127 -> 15 */
		uint32_t lsb = (r >> 13) & 1;

		r += 0xfff + lsb;			/* round to nearest even */
		return (uint16_t)(sign | (r >> 13));
	}
	if (a < 0x33000000)				/* < 2^-25: rounds to zero */
		return (uint16_t)sign;
	{
		/* denormal: value / 2^-24, rounded to nearest even integer */
		uint32_t e = a >> 23;			/* 102..112 */
		uint32_t m = (a & 0x7fffff) | 0x800000;
		uint32_t shift = 126 - e;		/* m * 2^(e-150) / 2^-24 = m >> (126 - e) */
		uint32_t q = m >> shift;
		uint32_t rem = m & ((1u << shift) - 1);
		uint32_t half = 1u << (shift - 1);

		if (rem > half || (rem == half && (q & 1)))
			q++;
		return (uint16_t)(sign | q);
	}
}

/* ---- generic rounding --------------------------------------------------------- */

/* Round @y to an integer-valued double with @rnd (|y| < 2^62 or integral). */
static double round_mode(double y, unsigned int rnd)
{
	double r;

	switch (rnd) {
	case SINAN_RND_ZERO: return trunc(y);
	case SINAN_RND_FLOOR: return floor(y);
	case SINAN_RND_CEIL: return ceil(y);
	}
	r = floor(y);
	if (y - r > 0.5 || (y - r == 0.5 && fmod(r, 2.0) != 0))
		r += 1;
	return r;
}

struct ffmt {
	int prec;		/* significand bits incl. the implicit one */
	int emin;		/* exponent of the smallest normal */
	double maxv;		/* largest finite */
};

static const struct ffmt *ffmt(unsigned int dt)
{
	static const struct ffmt f32 = { 24, -126, 0x1.fffffep127 };
	static const struct ffmt f16 = { 11, -14, 65504.0 };
	static const struct ffmt b16 = { 8, -126, 0x1.fep127 };

	return dt == SINAN_DT_FP16 ? &f16 : dt == SINAN_DT_BF16 ? &b16 : &f32;
}

/* Bits of @v (exactly representable in @dt). */
static uint32_t float_bits(double v, unsigned int dt)
{
	float f = (float)v;	/* exact: every fp16/bf16 value is an fp32 value */

	if (dt == SINAN_DT_FP16)
		return emu_f32_to_f16(f);
	if (dt == SINAN_DT_BF16)
		return f2u(f) >> 16;
	return f2u(f);
}

uint32_t emu_round_float(double v, unsigned int dt, unsigned int rnd)
{
	const struct ffmt *F = ffmt(dt);
	double a, q, r;
	int e;

	if (isnan(v))
		return dt == SINAN_DT_FP16 ? 0x7e00 : dt == SINAN_DT_BF16 ? 0x7fc0 : 0x7fc00000;
	if (isinf(v) || v == 0)
		return float_bits(v, dt);
	a = fabs(v);
	frexp(a, &e);		/* a = f * 2^e, 0.5 <= f < 1: exponent of a is e - 1 */
	e -= 1;
	if (e < F->emin)
		e = F->emin;	/* denormal: fixed quantum */
	q = ldexp(1.0, e - (F->prec - 1));
	r = round_mode(v / q, rnd) * q;	/* exact: power-of-two scaling */
	if (fabs(r) > F->maxv) {
		bool neg = r < 0;
		bool to_inf = rnd == SINAN_RND_EVEN || (rnd == SINAN_RND_FLOOR && neg) ||
			      (rnd == SINAN_RND_CEIL && !neg);

		r = to_inf ? INFINITY : F->maxv;
		if (neg)
			r = -r;
	}
	if (r == 0)
		r = v < 0 ? -0.0 : 0.0;
	return float_bits(r, dt);
}

int64_t emu_int_min(unsigned int dt)
{
	switch (dt) {
	case SINAN_DT_INT8: return INT8_MIN;
	case SINAN_DT_UINT8: return 0;
	case SINAN_DT_INT16: return INT16_MIN;
	default: return INT32_MIN;
	}
}

int64_t emu_int_max(unsigned int dt)
{
	switch (dt) {
	case SINAN_DT_INT8: return INT8_MAX;
	case SINAN_DT_UINT8: return UINT8_MAX;
	case SINAN_DT_INT16: return INT16_MAX;
	default: return INT32_MAX;
	}
}

int64_t emu_sat(int64_t v, unsigned int dt)
{
	int64_t lo = emu_int_min(dt), hi = emu_int_max(dt);

	return v < lo ? lo : v > hi ? hi : v;
}

int64_t emu_round_int(double v, unsigned int dt, unsigned int rnd)
{
	double lo = (double)emu_int_min(dt), hi = (double)emu_int_max(dt);

	if (isnan(v))
		return 0;
	if (v <= lo)
		return (int64_t)lo;
	if (v >= hi)
		return (int64_t)hi;
	v = round_mode(v, rnd);
	return emu_sat((int64_t)v, dt);
}

uint64_t emu_convert(double v, unsigned int dt, unsigned int rnd)
{
	if (sinan_dtype_is_float(dt))
		return emu_round_float(v, dt, rnd);
	return (uint64_t)emu_round_int(v, dt, rnd);
}

double emu_elem_get(const uint8_t *p, unsigned int dt, uint64_t i)
{
	switch (dt) {
	case SINAN_DT_FP32: return ((const f32_a *)p)[i];
	case SINAN_DT_FP16: return emu_f16_to_f32(((const u16_a *)p)[i]);
	case SINAN_DT_BF16: return emu_bf16_to_f32(((const u16_a *)p)[i]);
	case SINAN_DT_INT32: return ((const i32_a *)p)[i];
	case SINAN_DT_INT8: return ((const int8_t *)p)[i];
	case SINAN_DT_UINT8: return p[i];
	case SINAN_DT_INT16: return ((const i16_a *)p)[i];
	}
	return 0;
}

void emu_elem_put_bits(uint8_t *p, unsigned int dt, uint64_t i, uint64_t bits)
{
	switch (sinan_dtype_size(dt)) {
	case 4: ((u32_a *)p)[i] = (uint32_t)bits; break;
	case 2: ((u16_a *)p)[i] = (uint16_t)bits; break;
	case 1: p[i] = (uint8_t)bits; break;
	}
}

float emu_quant(double x, uint64_t cfg_scale, uint64_t cfg_zero)
{
	float t = (float)x;	/* int32 -> fp32 rounds to nearest even */
	float scale = u2f((uint32_t)cfg_scale);
	float zero = (float)(int32_t)(uint32_t)cfg_zero;
	volatile float prod = t * scale;	/* two roundings, never fused */

	return prod + zero;
}

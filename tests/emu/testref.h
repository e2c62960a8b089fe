/* SPDX-License-Identifier: MIT */
/*
 * Reference numerics for the emulator tests, written independently of
 * emu/core/isa_fp.c: fp16 through the compiler's _Float16 (libgcc soft-fp,
 * which honours the SSE rounding mode), fp32 and integers through the host
 * FPU with fesetround(), bf16 by picking the nearer of the two bracketing
 * bf16 values with exact double arithmetic.
 */
#ifndef SINAN_TEST_REF_H
#define SINAN_TEST_REF_H

#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <sinan_hw/sinan_isa.h>

static inline uint32_t ref_f2u(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static inline float ref_u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

static inline float ref_f16_to_f32(uint16_t h)
{
	_Float16 x;

	memcpy(&x, &h, 2);
	return (float)x;
}

static inline int ref_fe(unsigned int rnd)
{
	switch (rnd) {
	case SINAN_RND_ZERO: return FE_TOWARDZERO;
	case SINAN_RND_FLOOR: return FE_DOWNWARD;
	case SINAN_RND_CEIL: return FE_UPWARD;
	}
	return FE_TONEAREST;
}

/*
 * double -> fp16 bits with a rounding mode; NaN -> 0x7e00. The compiler's
 * conversion (libgcc) only rounds to nearest even, so the directed modes
 * pick between the two fp16 values that bracket |v|.
 */
static inline uint16_t ref_d_to_f16(double v, unsigned int rnd)
{
	volatile double a = fabs(v);
	uint16_t sign = signbit(v) ? 0x8000 : 0, m, lo, hi;
	_Float16 x;
	double dm;
	int neg = sign != 0;

	if (isnan(v))
		return 0x7e00;
	x = (_Float16)a;
	memcpy(&m, &x, 2);
	if (rnd == SINAN_RND_EVEN || isinf(v))
		return sign | m;
	dm = m == 0x7c00 ? 65536.0 : (double)ref_f16_to_f32(m);
	if (dm == a && m != 0x7c00)
		return sign | m;
	if (dm > a || m == 0x7c00) {	/* rounded up (possibly to infinity) */
		hi = m;
		lo = (uint16_t)(m - 1);
	} else {
		lo = m;
		hi = (uint16_t)(m + 1);
	}
	switch (rnd) {
	case SINAN_RND_ZERO: return sign | lo;
	case SINAN_RND_FLOOR: return sign | (neg ? hi : lo);
	default: return sign | (neg ? lo : hi);
	}
}

static inline uint16_t ref_f32_to_f16(float f)
{
	return ref_d_to_f16(f, SINAN_RND_EVEN);
}

/* double -> fp32 bits with a rounding mode; NaN -> 0x7fc00000 */
static inline uint32_t ref_d_to_f32(double v, unsigned int rnd)
{
	volatile double vv = v;
	volatile float f;

	if (isnan(v))
		return 0x7fc00000;
	fesetround(ref_fe(rnd));
	f = (float)vv;
	fesetround(FE_TONEAREST);
	return ref_f2u(f);
}

static inline float ref_bf16_to_f32(uint16_t h)
{
	return ref_u2f((uint32_t)h << 16);
}

/* double -> bf16 bits with a rounding mode; NaN -> 0x7fc0 */
static inline uint16_t ref_d_to_bf16(double v, unsigned int rnd)
{
	uint16_t sign = signbit(v) ? 0x8000 : 0, lo, hi, mag;
	double a = fabs(v), dlo, dhi;
	int neg = sign != 0;

	if (isnan(v))
		return 0x7fc0;
	if (isinf(v))
		return sign | 0x7f80;
	/* lo: the largest bf16 magnitude <= a (fp32 toward zero, then truncated) */
	lo = (uint16_t)(ref_d_to_f32(a, SINAN_RND_ZERO) >> 16);
	dlo = ref_bf16_to_f32(lo);
	if (dlo == a)
		return sign | lo;
	hi = (uint16_t)(lo + 1);	/* next magnitude; 0x7f80 is infinity */
	dhi = hi == 0x7f80 ? ldexp(1.0, 128) : ref_bf16_to_f32(hi);
	switch (rnd) {
	case SINAN_RND_ZERO: mag = lo; break;
	case SINAN_RND_FLOOR: mag = neg ? hi : lo; break;
	case SINAN_RND_CEIL: mag = neg ? lo : hi; break;
	default:
		mag = a - dlo < dhi - a ? lo : a - dlo > dhi - a ? hi : (lo & 1) ? hi : lo;
		break;
	}
	return sign | mag;
}

static inline uint16_t ref_f32_to_bf16(float f)
{
	return ref_d_to_bf16(f, SINAN_RND_EVEN);
}

static inline int64_t ref_int_min(unsigned int dt)
{
	return dt == SINAN_DT_INT8 ? -128 : dt == SINAN_DT_UINT8 ? 0 : dt == SINAN_DT_INT16 ? -32768 :
	       (int64_t)INT32_MIN;
}

static inline int64_t ref_int_max(unsigned int dt)
{
	return dt == SINAN_DT_INT8 ? 127 : dt == SINAN_DT_UINT8 ? 255 : dt == SINAN_DT_INT16 ? 32767 :
	       (int64_t)INT32_MAX;
}

/* double -> integer dtype with a rounding mode, saturating, NaN -> 0 */
static inline int64_t ref_d_to_int(double v, unsigned int dt, unsigned int rnd)
{
	double r;

	if (isnan(v))
		return 0;
	fesetround(ref_fe(rnd));
	r = nearbyint(v);
	fesetround(FE_TONEAREST);
	if (r < (double)ref_int_min(dt))
		return ref_int_min(dt);
	if (r > (double)ref_int_max(dt))
		return ref_int_max(dt);
	return (int64_t)r;
}

/* Exact value of element @i of dtype @dt */
static inline double ref_get(const void *p, unsigned int dt, size_t i)
{
	const uint8_t *b = p;
	uint16_t h;
	uint32_t u;

	switch (dt) {
	case SINAN_DT_FP32: memcpy(&u, b + 4 * i, 4); return ref_u2f(u);
	case SINAN_DT_FP16: memcpy(&h, b + 2 * i, 2); return ref_f16_to_f32(h);
	case SINAN_DT_BF16: memcpy(&h, b + 2 * i, 2); return ref_bf16_to_f32(h);
	case SINAN_DT_INT32: { int32_t v; memcpy(&v, b + 4 * i, 4); return v; }
	case SINAN_DT_INT16: { int16_t v; memcpy(&v, b + 2 * i, 2); return v; }
	case SINAN_DT_INT8: return (int8_t)b[i];
	case SINAN_DT_UINT8: return b[i];
	}
	return 0;
}

/* Bits of @v converted to @dt with @rnd (the ISA's conversion rule) */
static inline uint64_t ref_conv(double v, unsigned int dt, unsigned int rnd)
{
	switch (dt) {
	case SINAN_DT_FP32: return ref_d_to_f32(v, rnd);
	case SINAN_DT_FP16: return ref_d_to_f16(v, rnd);
	case SINAN_DT_BF16: return ref_d_to_bf16(v, rnd);
	}
	return (uint64_t)ref_d_to_int(v, dt, rnd) & (dt == SINAN_DT_INT32 ? 0xffffffffULL :
						      dt == SINAN_DT_INT16 ? 0xffff : 0xff);
}

/* Raw bits of element @i */
static inline uint64_t ref_bits(const void *p, unsigned int dt, size_t i)
{
	uint64_t v = 0;

	memcpy(&v, (const uint8_t *)p + i * sinan_dtype_size(dt), sinan_dtype_size(dt));
	return v;
}

#endif /* SINAN_TEST_REF_H */

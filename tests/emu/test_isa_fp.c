// SPDX-License-Identifier: MIT
/*
 * Sinan AI-core numerics: fp16/bf16 conversions exhaustively (all 65536
 * values of each, to every dtype in every rounding mode, through VCVT on the
 * device), fp32 -> fp16/bf16 on every rounding boundary (the midpoints
 * between neighbours, and one fp32 ulp either side), and the conversion
 * helpers of emu/core/isa_fp.c directly. References: testref.h (the
 * compiler's _Float16, the host FPU, exact double arithmetic).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "isa_int.h"
#include "isa/sinan_asm.h"
#include "testref.h"

static struct h_dev *H;
#define CHUNK	16384		/* elements per launch (fits UB as fp32 + src) */

static uint64_t gsrc, gdst;

static int grp_setup(void **st)
{
	(void)st;
	H = h_new(NULL);
	gsrc = h_buf(H, 1u << 20);
	gdst = h_buf(H, 1u << 20);
	return 0;
}

static int grp_teardown(void **st)
{
	(void)st;
	h_free(H);
	return 0;
}

/* Convert @n elements at gsrc (sdt) to gdst (ddt) with VCVT on the device. */
static void dev_cvt(unsigned int sdt, unsigned int ddt, unsigned int rnd, uint64_t n)
{
	struct sinan_asm *a = sinan_asm_new();
	struct h_result r;
	size_t nw;
	const uint64_t *code;

	sinan_asm_li64(a, 10, gsrc);
	sinan_asm_li64(a, 11, gdst);
	sinan_asm_li(a, 12, 0);
	sinan_asm_li(a, 13, 65536);
	sinan_asm_li(a, 5, 1);
	sinan_asm_li64(a, 6, n * sinan_dtype_size(sdt));
	sinan_asm_mov(a, SINAN_BUF_GM, SINAN_BUF_UB, 0, 12, 10, 5, 6, 0, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	sinan_asm_li64(a, 7, n);
	sinan_asm_vcvt(a, sdt, ddt, rnd, 0, 13, 12, 7, 5, 0);
	sinan_asm_set_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	sinan_asm_wait_flag(a, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	sinan_asm_li64(a, 6, n * sinan_dtype_size(ddt));
	sinan_asm_mov(a, SINAN_BUF_UB, SINAN_BUF_GM, 0, 11, 13, 5, 6, 0, 0);
	sinan_asm_end(a);
	code = sinan_asm_finish(a, &nw);
	assert_non_null(code);
	h_launch(H, 0, code, nw, 0, 1, &r);
	if (r.err)
		fail_msg("VCVT %u->%u: error %u (%s)", sdt, ddt, r.err, h_last_guest_error(H));
	sinan_asm_free(a);
}

/* Every 16-bit pattern of @sdt to every dtype in every rounding mode. */
static void exhaustive16(unsigned int sdt)
{
	for (unsigned int ddt = 0; ddt < SINAN_DT_COUNT; ddt++)
		for (unsigned int rnd = 0; rnd < 4; rnd++)
			for (uint32_t base = 0; base < 65536; base += CHUNK) {
				uint16_t *s = h_va(H, gsrc);
				const uint8_t *d = h_va(H, gdst);

				for (uint32_t i = 0; i < CHUNK; i++)
					s[i] = (uint16_t)(base + i);
				dev_cvt(sdt, ddt, rnd, CHUNK);
				for (uint32_t i = 0; i < CHUNK; i++) {
					double v = ref_get(s, sdt, i);
					uint64_t want = ref_conv(v, ddt, rnd), got = ref_bits(d, ddt, i);

					if (got != want)
						fail_msg("%s 0x%04x -> %s rnd %u: got 0x%llx want 0x%llx",
							 sinan_dtype_name(sdt), base + i, sinan_dtype_name(ddt), rnd,
							 (unsigned long long)got, (unsigned long long)want);
				}
			}
}

static void test_fp16_exhaustive_device(void **st)
{
	(void)st;
	exhaustive16(SINAN_DT_FP16);
}

static void test_bf16_exhaustive_device(void **st)
{
	(void)st;
	exhaustive16(SINAN_DT_BF16);
}

/*
 * fp32 values on and around every fp16 rounding boundary: each fp16 value,
 * the midpoint to its successor and one fp32 ulp either side (ties go to
 * even), for every positive and negative finite fp16, in every mode.
 */
static void boundary_f32(unsigned int ddt, uint32_t *vals, size_t *nv)
{
	size_t n = 0;

	for (uint32_t h = 0; h < 0x7c00; h++) {
		double lo, hi, mid;

		if (ddt == SINAN_DT_FP16) {
			lo = ref_f16_to_f32((uint16_t)h);
			hi = h + 1 == 0x7c00 ? 65536.0 : ref_f16_to_f32((uint16_t)(h + 1));
		} else {
			/* bf16: sample the 16-bit space with a stride (every exponent, many mantissas) */
			uint32_t b = (h * 2) & 0x7fff;

			if (b >= 0x7f7f)
				continue;
			lo = ref_bf16_to_f32((uint16_t)b);
			hi = ref_bf16_to_f32((uint16_t)(b + 1));
		}
		mid = (lo + hi) / 2;	/* exact in fp32 for these formats */
		for (int sgn = 0; sgn < 2; sgn++) {
			uint32_t m = ref_f2u((float)mid) | (sgn ? 0x80000000u : 0);

			vals[n++] = ref_f2u((float)lo) | (sgn ? 0x80000000u : 0);
			vals[n++] = m;
			vals[n++] = m + 1;
			vals[n++] = m - 1;
		}
	}
	*nv = n;
}

static void boundaries_device(unsigned int ddt)
{
	uint32_t *vals = malloc(0x7c00 * 8 * sizeof(uint32_t));
	size_t nv;

	assert_non_null(vals);
	boundary_f32(ddt, vals, &nv);
	for (unsigned int rnd = 0; rnd < 4; rnd++)
		for (size_t base = 0; base < nv; base += CHUNK) {
			size_t k = nv - base < CHUNK ? nv - base : CHUNK;
			const uint16_t *d = h_va(H, gdst);

			memcpy(h_va(H, gsrc), vals + base, k * 4);
			dev_cvt(SINAN_DT_FP32, ddt, rnd, k);
			for (size_t i = 0; i < k; i++) {
				uint64_t want = ref_conv(ref_u2f(vals[base + i]), ddt, rnd);

				if (d[i] != want)
					fail_msg("fp32 0x%08x -> %s rnd %u: got 0x%04x want 0x%04llx", vals[base + i],
						 sinan_dtype_name(ddt), rnd, d[i], (unsigned long long)want);
			}
		}
	free(vals);
}

/* The same with the portable conversions instead of F16C: both paths give the reference. */
static void test_fp16_exhaustive_device_portable(void **st)
{
	(void)st;
	emu_simd_select(0);
	exhaustive16(SINAN_DT_FP16);
	boundaries_device(SINAN_DT_FP16);
	emu_simd_select(-1);
}

static void test_f32_to_f16_boundaries(void **st)
{
	(void)st;
	boundaries_device(SINAN_DT_FP16);
}

static void test_f32_to_bf16_boundaries(void **st)
{
	(void)st;
	boundaries_device(SINAN_DT_BF16);
}

/* fp32 and int32 sources, random bits and ranges, to every dtype and mode */
static void test_random_32bit_sources(void **st)
{
	(void)st;
	h_srand(99);
	for (unsigned int sdt = 0; sdt < SINAN_DT_COUNT; sdt += SINAN_DT_INT32)	/* fp32, int32 */
		for (unsigned int ddt = 0; ddt < SINAN_DT_COUNT; ddt++)
			for (unsigned int rnd = 0; rnd < 4; rnd++) {
				uint32_t *s = h_va(H, gsrc);
				const uint8_t *d = h_va(H, gdst);

				for (uint32_t i = 0; i < CHUNK; i++) {
					uint64_t r = h_rand64();

					s[i] = i % 4 ? (uint32_t)r :
					       sdt == SINAN_DT_FP32 ? ref_f2u((float)((int64_t)(r % 2000001) - 1000000) / 8.0f) :
					       (uint32_t)(int32_t)((int64_t)(r % 2000001) - 1000000);
				}
				dev_cvt(sdt, ddt, rnd, CHUNK);
				for (uint32_t i = 0; i < CHUNK; i++) {
					uint64_t want = ref_conv(ref_get(s, sdt, i), ddt, rnd), got = ref_bits(d, ddt, i);

					if (got != want)
						fail_msg("%s 0x%08x -> %s rnd %u: got 0x%llx want 0x%llx",
							 sinan_dtype_name(sdt), s[i], sinan_dtype_name(ddt), rnd,
							 (unsigned long long)got, (unsigned long long)want);
				}
			}
}

/* The helpers themselves: fp16 <-> fp32 and bf16 <-> fp32 for all 2^16 patterns, and
 * fp32 -> fp16/bf16 nearest-even on every boundary. */
static void test_helpers_exhaustive(void **st)
{
	uint32_t *vals = malloc(0x7c00 * 8 * sizeof(uint32_t));
	size_t nv;

	(void)st;
	assert_non_null(vals);
	for (uint32_t h = 0; h < 65536; h++) {
		float a = emu_f16_to_f32((uint16_t)h), b = ref_f16_to_f32((uint16_t)h);

		if (isnan(b))
			assert_true(isnan(a));
		else
			assert_int_equal(ref_f2u(a), ref_f2u(b));
		assert_int_equal(ref_f2u(emu_bf16_to_f32((uint16_t)h)), (uint32_t)h << 16);
		/* round trips; NaNs come back as the default NaN */
		assert_int_equal(emu_f32_to_f16(a), isnan(b) ? 0x7e00 : h);
		assert_int_equal(emu_f32_to_bf16(ref_u2f((uint32_t)h << 16)),
				 isnan(ref_u2f((uint32_t)h << 16)) ? 0x7fc0 : h);
	}
	boundary_f32(SINAN_DT_FP16, vals, &nv);
	for (size_t i = 0; i < nv; i++)
		assert_int_equal(emu_f32_to_f16(ref_u2f(vals[i])), ref_f32_to_f16(ref_u2f(vals[i])));
	boundary_f32(SINAN_DT_BF16, vals, &nv);
	for (size_t i = 0; i < nv; i++)
		assert_int_equal(emu_f32_to_bf16(ref_u2f(vals[i])), ref_f32_to_bf16(ref_u2f(vals[i])));
	/* overflow to infinity and the largest values */
	assert_int_equal(emu_f32_to_f16(65519.99f), 0x7bff);
	assert_int_equal(emu_f32_to_f16(65520.0f), 0x7c00);
	assert_int_equal(emu_f32_to_f16(-1e30f), 0xfc00);
	assert_int_equal(emu_f32_to_bf16(ref_u2f(0x7f7fffff)), 0x7f80);
	assert_int_equal(emu_f32_to_bf16(ref_u2f(0x7f7f7fff)), 0x7f7f);
	/* smallest denormals and underflow */
	assert_int_equal(emu_f32_to_f16(0x1p-24f), 0x0001);
	assert_int_equal(emu_f32_to_f16(0x1p-25f), 0x0000);		/* tie to even: 0 */
	assert_int_equal(emu_f32_to_f16(0x1.000002p-25f), 0x0001);
	assert_int_equal(emu_f32_to_f16(-0x1.8p-24f), 0x8002);		/* 1.5 ulp: tie to even 2 */
	free(vals);
}

/* Saturation and NaN of float -> integer, the ISA's emu_round_int, against the reference */
static void test_round_int_helpers(void **st)
{
	static const double v[] = { 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 127.5, 128.0, -128.5, -129.0, 255.5,
				    256.0, 32767.5, -32768.5, 2147483647.5, -2147483648.5, 1e20, -1e20,
				    INFINITY, -INFINITY, NAN, -0.0, 0.49999999999999994 };

	(void)st;
	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (unsigned int dt = SINAN_DT_INT32; dt < SINAN_DT_COUNT; dt++)
			for (unsigned int rnd = 0; rnd < 4; rnd++)
				if (emu_round_int(v[i], dt, rnd) != ref_d_to_int(v[i], dt, rnd))
					fail_msg("round_int(%g, %s, %u) = %lld, want %lld", v[i], sinan_dtype_name(dt), rnd,
						 (long long)emu_round_int(v[i], dt, rnd),
						 (long long)ref_d_to_int(v[i], dt, rnd));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helpers_exhaustive),
		cmocka_unit_test(test_round_int_helpers),
		cmocka_unit_test(test_fp16_exhaustive_device),
		cmocka_unit_test(test_fp16_exhaustive_device_portable),
		cmocka_unit_test(test_bf16_exhaustive_device),
		cmocka_unit_test(test_f32_to_f16_boundaries),
		cmocka_unit_test(test_f32_to_bf16_boundaries),
		cmocka_unit_test(test_random_32bit_sources),
	};

	return cmocka_run_group_tests_name("emu-isa-fp", tests, grp_setup, grp_teardown);
}

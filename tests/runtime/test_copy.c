// SPDX-License-Identifier: MIT
/*
 * Copies and fills through a queue: host -> device -> host at odd sizes and
 * alignments, device -> device, sub-buffers, bounds and alignment errors.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_common.h"

#define SEC	1000000000ULL

/* Host -> device -> host round trips at sizes and offsets that hit every page edge case. */
static void test_roundtrip_odd(void **state)
{
	static const uint64_t sizes[] = { 1, 3, 8, 63, 64, 65, 4095, 4096, 4097, 12289, 65537, (1 << 20) + 5 };
	static const uint64_t offs[] = { 0, 1, 3, 7, 4093 };
	const size_t cap = (2 << 20);
	void *src, *dst;
	sinan_buffer_t hs = rt_host(cap, &src), hd = rt_host(cap, &dst), dv = rt_devbuf(cap);
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			uint64_t n = sizes[i], so = offs[j], doff = offs[(j + 2) % 5], ho = offs[(j + 1) % 5];
			uint32_t seed = (uint32_t)(i * 31 + j);

			rt_pattern((uint8_t *)src + so, n, seed);
			memset(dst, 0xee, cap);
			ASSERT_OK(sinan_queue_copy(q, dv, doff, hs, so, n));
			ASSERT_OK(sinan_queue_copy(q, hd, ho, dv, doff, n));
			ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
			assert_true(rt_check((uint8_t *)dst + ho, n, seed));
			/* Nothing outside the range was written. */
			if (ho)
				assert_int_equal(((uint8_t *)dst)[ho - 1], 0xee);
			assert_int_equal(((uint8_t *)dst)[ho + n], 0xee);
		}
	}
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_buffer_destroy(dv));
	ASSERT_OK(sinan_buffer_destroy(hd));
	ASSERT_OK(sinan_buffer_destroy(hs));
}

/* Device -> device, and host -> host through the copy engine. */
static void test_device_to_device(void **state)
{
	const size_t n = 3 << 20;
	void *src, *dst;
	sinan_buffer_t hs = rt_host(n, &src), hd = rt_host(n, &dst), a = rt_devbuf(n), b = rt_devbuf(n);
	sinan_buffer_t hh = rt_host(n, NULL);
	sinan_queue_t q;

	(void)state;
	rt_pattern(src, n, 77);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_copy(q, a, 0, hs, 0, n));
	ASSERT_OK(sinan_queue_copy(q, b, 5, a, 0, n - 5));
	ASSERT_OK(sinan_queue_copy(q, hh, 0, b, 5, n - 5));
	ASSERT_OK(sinan_queue_copy(q, hd, 0, hh, 0, n - 5));	/* host -> host */
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_true(rt_check(dst, n - 5, 77));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(hh);
	sinan_buffer_destroy(b);
	sinan_buffer_destroy(a);
	sinan_buffer_destroy(hd);
	sinan_buffer_destroy(hs);
}

static void test_fill(void **state)
{
	const size_t n = 64 << 10;
	uint32_t *h;
	sinan_buffer_t hb = rt_host(n, (void **)&h), dv = rt_devbuf(n);
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_fill(q, dv, 0, n, 0x11223344));
	ASSERT_OK(sinan_queue_fill(q, dv, 4, 8, 0xdeadbeef));
	ASSERT_OK(sinan_queue_copy(q, hb, 0, dv, 0, n));
	ASSERT_OK(sinan_queue_fill(q, hb, n - 4, 4, 0xcafef00d));	/* host memory too */
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_int_equal(h[0], 0x11223344);
	assert_int_equal(h[1], 0xdeadbeef);
	assert_int_equal(h[2], 0xdeadbeef);
	assert_int_equal(h[3], 0x11223344);
	assert_int_equal(h[n / 4 - 2], 0x11223344);
	assert_int_equal(h[n / 4 - 1], 0xcafef00d);
	/* The device only fills whole 32-bit words. */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_fill(q, dv, 2, 8, 0));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_fill(q, dv, 0, 7, 0));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(dv);
	sinan_buffer_destroy(hb);
}

static void test_bounds(void **state)
{
	sinan_buffer_t a = rt_devbuf(8192), h = rt_host(4096, NULL), ro, sub, none;
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	/* Buffers are their requested size, not the page-rounded one. */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, a, 8192, h, 0, 1));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, a, 0, h, 1, 4096));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, a, UINT64_MAX, h, 0, 2));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, a, 0, h, 0, UINT64_MAX));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, NULL, 0, h, 0, 1));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, a, 0, NULL, 0, 1));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(NULL, a, 0, h, 0, 1));
	/* Zero bytes is a no-op. */
	ASSERT_OK(sinan_queue_copy(q, a, 0, h, 0, 0));
	/* A read-only buffer cannot be a destination. */
	ASSERT_OK(sinan_buffer_create(rt_dev, 4096, SINAN_MEM_DEVICE, SINAN_BUFFER_READ_ONLY, &ro));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, ro, 0, h, 0, 16));
	ASSERT_OK(sinan_queue_copy(q, h, 0, ro, 0, 16));
	/* Sub-buffers: bounds are the view's. */
	ASSERT_OK(sinan_buffer_create_sub(a, 4096, 100, &sub));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, sub, 0, h, 0, 101));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_create_sub(a, 8000, 193, &none));
	assert_null(none);
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(sub);
	sinan_buffer_destroy(ro);
	sinan_buffer_destroy(h);
	sinan_buffer_destroy(a);
}

/* Sub-buffers address the right bytes, and keep their parent alive. */
static void test_sub_buffers(void **state)
{
	const size_t n = 16384;
	uint8_t *src, *dst;
	sinan_buffer_t hs = rt_host(n, (void **)&src), hd = rt_host(n, (void **)&dst), dv = rt_devbuf(n), s1, s2;
	struct sinan_buffer_info bi = { .size = sizeof(bi) }, pi = { .size = sizeof(pi) };
	sinan_queue_t q;

	(void)state;
	rt_pattern(src, n, 5);
	ASSERT_OK(sinan_buffer_create_sub(dv, 1000, 5000, &s1));
	ASSERT_OK(sinan_buffer_create_sub(s1, 10, 300, &s2));	/* a view of a view */
	ASSERT_OK(sinan_buffer_get_info(s2, &bi));
	ASSERT_OK(sinan_buffer_get_info(dv, &pi));
	assert_int_equal(bi.bytes, 300);
	assert_int_equal(bi.offset, 1010);
	assert_true(bi.is_sub);
	assert_int_equal(bi.device_va, pi.device_va + 1010);
	ASSERT_OK(sinan_buffer_destroy(dv));	/* the views keep the memory */
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_copy(q, s2, 0, hs, 0, 300));
	ASSERT_OK(sinan_queue_copy(q, hd, 0, s1, 10, 300));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_true(rt_check(dst, 300, 5));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, dv, 0, hs, 0, 1));	/* destroyed handle */
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(s2);
	sinan_buffer_destroy(s1);
	sinan_buffer_destroy(hd);
	sinan_buffer_destroy(hs);
}

/* Buffers destroyed while a job still uses them stay valid until it retires. */
static void test_destroy_while_busy(void **state)
{
	const size_t n = 4 << 20;
	void *src, *dst;
	sinan_buffer_t hs = rt_host(n, &src), hd = rt_host(n, &dst), dv = rt_devbuf(n);
	sinan_queue_t q;

	(void)state;
	rt_pattern(src, n, 9);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_copy(q, dv, 0, hs, 0, n));
	ASSERT_OK(sinan_queue_copy(q, hd, 0, dv, 0, n));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_OK(sinan_buffer_destroy(dv));
	ASSERT_OK(sinan_buffer_destroy(hs));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_true(rt_check(dst, n, 9));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(hd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_odd),
		cmocka_unit_test(test_device_to_device),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_sub_buffers),
		cmocka_unit_test(test_destroy_while_busy),
	};

	return cmocka_run_group_tests_name("runtime-copy", tests, rt_setup, rt_teardown);
}

// SPDX-License-Identifier: MIT
/*
 * Memory: the caching pool (no driver call per tensor, reuse only after
 * the device is done), CPU mappings of both placements, dma-buf export and
 * import.
 */
#include <string.h>
#include <unistd.h>

#include "rt_common.h"

#define SEC	1000000000ULL

static void test_pool_reuse(void **state)
{
	struct sinan_pool_options o = { .size = sizeof(o), .placement = SINAN_MEM_DEVICE, .block_size = 1 << 20 };
	struct sinan_pool_stats s0 = { .size = sizeof(s0) }, s1 = { .size = sizeof(s1) };
	struct sinan_buffer_info bi = { .size = sizeof(bi) };
	sinan_buffer_t b[64];
	sinan_pool_t p;

	(void)state;
	ASSERT_OK(sinan_pool_create(rt_dev, &o, &p));
	/* Warm up: 64 small tensors from one block. */
	for (int i = 0; i < 64; i++)
		ASSERT_OK(sinan_pool_alloc(p, 900 + i, &b[i]));
	ASSERT_OK(sinan_buffer_get_info(b[5], &bi));
	assert_true(bi.from_pool);
	assert_int_equal(bi.bytes, 905);
	assert_int_equal(bi.device_va % 256, 0);
	ASSERT_OK(sinan_pool_get_stats(p, &s0));
	assert_int_equal(s0.allocs, 64);
	assert_int_equal(s0.driver_allocs, 1);
	for (int i = 0; i < 64; i++)
		ASSERT_OK(sinan_buffer_destroy(b[i]));
	/* The steady state of an inference loop: no driver call at all. */
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 64; i++)
			ASSERT_OK(sinan_pool_alloc(p, 900 + i, &b[i]));
		for (int i = 0; i < 64; i++)
			ASSERT_OK(sinan_buffer_destroy(b[i]));
	}
	ASSERT_OK(sinan_pool_get_stats(p, &s1));
	assert_int_equal(s1.driver_allocs, 1);
	assert_int_equal(s1.hits, s1.allocs - 1);
	assert_int_equal(s1.in_use, 0);
	/* Large allocations get their own buffer, cached and reused. */
	ASSERT_OK(sinan_pool_alloc(p, 3 << 20, &b[0]));
	ASSERT_OK(sinan_buffer_destroy(b[0]));
	ASSERT_OK(sinan_pool_alloc(p, (3 << 20) - 100, &b[0]));
	ASSERT_OK(sinan_pool_get_stats(p, &s1));
	assert_int_equal(s1.driver_allocs, 2);
	ASSERT_OK(sinan_buffer_destroy(b[0]));
	ASSERT_OK(sinan_pool_trim(p));
	ASSERT_OK(sinan_pool_get_stats(p, &s1));
	assert_int_equal(s1.cached, 0);
	assert_int_equal(s1.reserved, 0);
	ASSERT_OK(sinan_pool_destroy(p));
}

/* Two pieces handed out at once never overlap; a piece in use by a job is not reused. */
static void test_pool_no_overlap_and_safe_reuse(void **state)
{
	struct sinan_pool_options o = { .size = sizeof(o), .placement = SINAN_MEM_HOST };
	struct sinan_buffer_info a = { .size = sizeof(a) }, b = { .size = sizeof(b) };
	sinan_buffer_t x, y, src = rt_host(4096, NULL);
	sinan_semaphore_t s;
	sinan_queue_t q;
	sinan_pool_t p;

	(void)state;
	ASSERT_OK(sinan_pool_create(rt_dev, &o, &p));
	ASSERT_OK(sinan_pool_alloc(p, 4096, &x));
	ASSERT_OK(sinan_buffer_get_info(x, &a));
	/* x is the destination of a job held behind a semaphore. */
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_wait(q, s, 1));
	ASSERT_OK(sinan_queue_copy(q, x, 0, src, 0, 4096));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_OK(sinan_buffer_destroy(x));
	ASSERT_OK(sinan_pool_alloc(p, 4096, &y));
	ASSERT_OK(sinan_buffer_get_info(y, &b));
	assert_true(b.device_va + 4096 <= a.device_va || a.device_va + 4096 <= b.device_va);
	ASSERT_ST(SINAN_E_BUSY, sinan_pool_destroy(p));	/* y is alive */
	ASSERT_OK(sinan_buffer_destroy(y));
	ASSERT_OK(sinan_semaphore_signal(s, 1));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_pool_destroy(p));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_semaphore_destroy(s);
	sinan_buffer_destroy(src);
}

static void test_pool_zero_and_args(void **state)
{
	struct sinan_pool_options o = { .size = sizeof(o), .placement = SINAN_MEM_HOST, .flags = SINAN_BUFFER_ZERO };
	sinan_pool_t p;
	sinan_buffer_t b;
	uint8_t *m;

	(void)state;
	ASSERT_OK(sinan_pool_create(rt_dev, &o, &p));
	ASSERT_OK(sinan_pool_alloc(p, 5000, &b));
	ASSERT_OK(sinan_buffer_map(b, (void **)&m));
	memset(m, 0xff, 5000);
	ASSERT_OK(sinan_buffer_destroy(b));
	ASSERT_OK(sinan_pool_alloc(p, 5000, &b));
	ASSERT_OK(sinan_buffer_map(b, (void **)&m));
	for (int i = 0; i < 5000; i++)
		assert_int_equal(m[i], 0);
	ASSERT_OK(sinan_buffer_destroy(b));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_pool_alloc(p, 0, &b));
	ASSERT_OK(sinan_pool_destroy(p));
	o.flags = 0x80;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_pool_create(rt_dev, &o, &p));
	o.flags = 0;
	o.block_size = 100;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_pool_create(rt_dev, &o, &p));
	o.size = 2;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_pool_create(rt_dev, &o, &p));
}

/* Pool pieces work in queues like any buffer. */
static void test_pool_copy(void **state)
{
	struct sinan_pool_options o = { .size = sizeof(o), .placement = SINAN_MEM_DEVICE };
	sinan_pool_t p;
	sinan_buffer_t pieces[16], hs, hd;
	void *src, *dst;
	sinan_queue_t q;

	(void)state;
	hs = rt_host(16 * 3000, &src);
	hd = rt_host(16 * 3000, &dst);
	rt_pattern(src, 16 * 3000, 21);
	memset(dst, 0, 16 * 3000);
	ASSERT_OK(sinan_pool_create(rt_dev, &o, &p));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	for (int i = 0; i < 16; i++) {
		ASSERT_OK(sinan_pool_alloc(p, 3000, &pieces[i]));
		ASSERT_OK(sinan_queue_copy(q, pieces[i], 0, hs, i * 3000, 3000));
	}
	for (int i = 0; i < 16; i++)
		ASSERT_OK(sinan_queue_copy(q, hd, (15 - i) * 3000, pieces[15 - i], 0, 3000));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_true(rt_check(dst, 16 * 3000, 21));
	for (int i = 0; i < 16; i++)
		ASSERT_OK(sinan_buffer_destroy(pieces[i]));
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_pool_destroy(p));
	sinan_buffer_destroy(hd);
	sinan_buffer_destroy(hs);
}

/* Device memory is CPU-mappable too (through BAR 4 on hardware). */
static void test_map_device_memory(void **state)
{
	sinan_buffer_t d = rt_devbuf(65536), h;
	uint8_t *dm, *hm;
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_buffer_map(d, (void **)&dm));
	rt_pattern(dm, 65536, 31);
	h = rt_host(65536, (void **)&hm);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_copy(q, h, 0, d, 0, 65536));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_true(rt_check(hm, 65536, 31));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(h);
	sinan_buffer_destroy(d);
}

/* dma-buf: export a host buffer, import it (same device and a second one); the bytes are shared. */
static void test_dmabuf(void **state)
{
	struct sinan_buffer_info bi = { .size = sizeof(bi) };
	sinan_buffer_t h, imp, imp2, sub;
	sinan_device_t d2;
	sinan_queue_t q;
	uint32_t *a, *b;
	int fd, fd2;

	(void)state;
	h = rt_host(16384, (void **)&a);
	ASSERT_OK(sinan_buffer_export(h, &fd));
	assert_true(fd >= 0);
	ASSERT_OK(sinan_buffer_import(rt_dev, fd, &imp));
	ASSERT_OK(sinan_buffer_get_info(imp, &bi));
	assert_int_equal(bi.bytes, 16384);
	ASSERT_OK(sinan_buffer_map(imp, (void **)&b));
	a[100] = 0x12345678;
	assert_int_equal(b[100], 0x12345678);
	/* The device writes through the import; the exporter sees it. */
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_fill(q, imp, 0, 64, 0xfeedface));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_int_equal(a[15], 0xfeedface);
	ASSERT_OK(sinan_queue_destroy(q));
	/* Another open of the device imports it as well. */
	ASSERT_OK(sinan_device_open(NULL, &d2));
	ASSERT_OK(sinan_buffer_export(h, &fd2));
	ASSERT_OK(sinan_buffer_import(d2, fd2, &imp2));
	ASSERT_OK(sinan_buffer_get_info(imp2, &bi));
	assert_true(bi.imported);
	close(fd2);
	ASSERT_OK(sinan_buffer_destroy(imp2));
	ASSERT_OK(sinan_device_close(d2));
	/* Only whole buffers are exported. */
	ASSERT_OK(sinan_buffer_create_sub(h, 0, 4096, &sub));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_export(sub, &fd2));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_import(rt_dev, -1, &imp2));
	sinan_buffer_destroy(sub);
	ASSERT_OK(sinan_buffer_destroy(imp));
	ASSERT_OK(sinan_buffer_destroy(h));
	/* The fd keeps the memory alive on its own. */
	ASSERT_OK(sinan_buffer_import(rt_dev, fd, &imp));
	ASSERT_OK(sinan_buffer_map(imp, (void **)&b));
	assert_int_equal(b[100], 0x12345678);
	ASSERT_OK(sinan_buffer_destroy(imp));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_reuse),
		cmocka_unit_test(test_pool_no_overlap_and_safe_reuse),
		cmocka_unit_test(test_pool_zero_and_args),
		cmocka_unit_test(test_pool_copy),
		cmocka_unit_test(test_map_device_memory),
		cmocka_unit_test(test_dmabuf),
	};

	return cmocka_run_group_tests_name("runtime-memory", tests, rt_setup, rt_teardown);
}

// SPDX-License-Identifier: MIT
/*
 * Devices and the error machinery: enumeration, properties, versions,
 * statuses and their strings, the per-thread last-error record, structures
 * that carry their size, argument checking of every entry point that takes
 * a handle.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/drm/sinan_accel.h>
#include <sinan_hw/sinan_fw_if.h>
#include <sinan_hw/sinan_isa.h>

#include "rt_common.h"

static void test_props(void **state)
{
	struct sinan_device_props p = { .size = sizeof(p) };

	(void)state;
	ASSERT_OK(sinan_device_get_props(rt_dev, &p));
	assert_string_equal(p.backend, rt_backend());
	assert_int_equal(p.uapi_version >> 16, DRM_SINAN_UAPI_MAJOR);
	assert_int_equal(p.fw_api_version >> 16, SINAN_FWIF_MAJOR);
	assert_int_equal(p.isa_version >> 16, SINAN_ISA_MAJOR);
	assert_int_equal(p.runtime_version, sinan_version());
	assert_int_equal(sinan_version(), SINAN_VERSION);
	assert_true(p.num_cores >= 1);
	assert_true(p.num_queues >= 1);
	assert_true(p.clock_mhz >= 1);
	assert_true(p.devmem_size >= (64u << 20));
	assert_true(p.devmem_used <= p.devmem_size);
	assert_true(p.va_start < p.va_end);
	assert_true(p.l0a_size && p.l0b_size && p.l0c_size && p.ub_size && p.l1_size);
	assert_int_equal(p.cube_m, 16);
	assert_true(p.fw_version_str[0]);
	assert_true(p.caps & SINAN_DEVCAP_FP16);
	assert_true(p.vendor_id == 0x1234 && p.device_id == 0x51a0);
}

/* A caller built against an older, smaller structure gets only what it has room for. */
static void test_props_older_struct(void **state)
{
	struct sinan_device_props p;
	const size_t old = offsetof(struct sinan_device_props, fw_version_str);

	(void)state;
	memset(&p, 0xa5, sizeof(p));
	p.size = old;
	ASSERT_OK(sinan_device_get_props(rt_dev, &p));
	assert_int_equal(p.size, old);
	assert_int_equal(p.uapi_version >> 16, DRM_SINAN_UAPI_MAJOR);
	assert_int_equal((unsigned char)p.fw_version_str[0], 0xa5);	/* untouched */
	p.size = 3;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_get_props(rt_dev, &p));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_get_props(rt_dev, NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_get_props(NULL, &p));
}

static void test_enumerate(void **state)
{
	struct sinan_device_info infos[4];
	uint32_t n = 99;

	(void)state;
	for (int i = 0; i < 4; i++)
		infos[i].size = sizeof(infos[i]);
	ASSERT_OK(sinan_device_enumerate(NULL, infos, 4, &n));
	assert_true(n >= 1);
	assert_int_equal(infos[0].index, 0);
	assert_string_equal(infos[0].backend, rt_backend());
	assert_int_equal(infos[0].vendor_id, 0x1234);
	ASSERT_OK(sinan_device_enumerate(NULL, NULL, 0, &n));
	assert_true(n >= 1);
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_enumerate("nonsense", infos, 4, &n));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_enumerate(NULL, NULL, 4, &n));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_enumerate(NULL, infos, 4, NULL));
	infos[1].size = 2;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_enumerate(NULL, infos, 4, &n));
}

static void test_open_errors(void **state)
{
	struct sinan_open_options o = { .size = sizeof(o), .index = 1000 };
	sinan_device_t d = (sinan_device_t)1;

	(void)state;
	ASSERT_ST(SINAN_E_NO_DEVICE, sinan_device_open(&o, &d));
	assert_null(d);
	assert_non_null(strstr(sinan_last_error_message(), "1000"));
	o.index = SINAN_NONE32;
	o.flags = 1;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_open(&o, &d));
	o.flags = 0;
	o.backend = "cuda";
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_open(&o, &d));
	assert_non_null(strstr(sinan_last_error_message(), "cuda"));
	o.backend = NULL;
	o.size = 1;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_open(&o, &d));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_open(NULL, NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_close(NULL));
}

/* Two devices at once: separate address spaces, both work. */
static void test_two_opens(void **state)
{
	sinan_device_t d2;
	struct sinan_device_props p1 = { .size = sizeof(p1) }, p2 = { .size = sizeof(p2) };

	(void)state;
	ASSERT_OK(sinan_device_open(NULL, &d2));
	ASSERT_OK(sinan_device_get_props(rt_dev, &p1));
	ASSERT_OK(sinan_device_get_props(d2, &p2));
	assert_string_equal(p1.node, p2.node);
	ASSERT_OK(sinan_device_close(d2));
}

static void test_strings(void **state)
{
	(void)state;
	for (int s = 0; s < SINAN_E_STATUS_COUNT; s++) {
		assert_non_null(sinan_strerror((sinan_status)s));
		assert_string_not_equal(sinan_strerror((sinan_status)s), "unknown status");
	}
	assert_string_equal(sinan_strerror((sinan_status)9999), "unknown status");
	assert_string_equal(sinan_strerror((sinan_status)-1), "unknown status");
	assert_string_equal(sinan_hw_error_name(2), "MMU_FAULT");
	assert_string_equal(sinan_hw_error_name(4), "ILLEGAL_INSTR");
	assert_string_equal(sinan_hw_error_name(1000), "UNKNOWN");
	for (uint32_t c = 0; c < SINAN_DIAG_COUNT; c++)
		assert_string_not_equal(sinan_diag_cause_name(c), "unknown");
}

static void test_last_error_record(void **state)
{
	struct sinan_error_info e = { .size = sizeof(e) };
	struct sinan_buffer_info bi = { .size = sizeof(bi) };

	(void)state;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_create(rt_dev, 0, SINAN_MEM_DEVICE, 0, (sinan_buffer_t *)&bi));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_int_equal(e.status, SINAN_E_INVALID_ARGUMENT);
	assert_string_equal(e.function, "sinan_buffer_create");
	assert_non_null(strstr(e.message, "size"));
	assert_int_equal(e.queue, SINAN_NONE32);
	/* A success clears it. */
	ASSERT_OK(sinan_device_get_props(rt_dev, &(struct sinan_device_props){ .size = sizeof(struct sinan_device_props) }));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_int_equal(e.status, SINAN_OK);
	assert_string_equal(sinan_last_error_message(), "");
	e.size = 0;
	assert_int_equal(sinan_get_last_error(&e), SINAN_E_INVALID_ARGUMENT);
	assert_int_equal(sinan_get_last_error(NULL), SINAN_E_INVALID_ARGUMENT);
}

static void *other_thread(void *arg)
{
	(void)arg;
	/* This thread's record is its own. */
	if (sinan_last_error_message()[0])
		return (void *)1;
	if (sinan_buffer_map(NULL, NULL) != SINAN_E_INVALID_ARGUMENT)
		return (void *)2;
	return NULL;
}

static void test_last_error_per_thread(void **state)
{
	pthread_t t;
	void *ret;

	(void)state;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_create(rt_dev, NULL, NULL));
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	/* Ours is still about sinan_queue_create. */
	assert_non_null(strstr(sinan_last_error_message(), "queue"));
}

/* Every handle-taking entry point refuses NULL with a message. */
static void test_null_handles(void **state)
{
	uint64_t v;
	void *p;
	int fd;

	(void)state;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_destroy(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_map(NULL, &p));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_export(NULL, &fd));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_create_sub(NULL, 0, 1, NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_destroy(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_submit(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_finish(NULL, 0));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_barrier(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_recover(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_semaphore_destroy(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_semaphore_get_value(NULL, &v));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_semaphore_signal(NULL, 1));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_event_destroy(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_event_elapsed(NULL, NULL, &v, &v));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_destroy(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_end(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_module_destroy(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_pool_destroy(NULL));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_get_timestamp(NULL, &v));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_get_timestamp(rt_dev, NULL));
	ASSERT_OK(sinan_device_get_timestamp(rt_dev, &v));
}

static void test_buffer_create_args(void **state)
{
	struct sinan_device_props p = { .size = sizeof(p) };
	sinan_buffer_t b;

	(void)state;
	ASSERT_OK(sinan_device_get_props(rt_dev, &p));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_create(rt_dev, 4096, (enum sinan_mem_placement)7, 0, &b));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_create(rt_dev, 4096, SINAN_MEM_DEVICE, 0x100, &b));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_create(rt_dev, UINT64_MAX, SINAN_MEM_DEVICE, 0, &b));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_create(rt_dev, 4096, SINAN_MEM_DEVICE, 0, NULL));
	/* More device memory than the device has. */
	ASSERT_ST(SINAN_E_OUT_OF_DEVICE_MEMORY, sinan_buffer_create(rt_dev, p.devmem_size * 2, SINAN_MEM_DEVICE, 0, &b));
	assert_non_null(strstr(sinan_last_error_message(), "device memory"));
	/* Fits the device, not what is left of it. */
	{
		sinan_buffer_t big;

		ASSERT_OK(sinan_buffer_create(rt_dev, p.devmem_size / 4 * 3, SINAN_MEM_DEVICE, 0, &big));
		ASSERT_ST(SINAN_E_OUT_OF_DEVICE_MEMORY,
			  sinan_buffer_create(rt_dev, p.devmem_size / 4 * 3, SINAN_MEM_DEVICE, 0, &b));
		ASSERT_OK(sinan_buffer_destroy(big));
	}
	/* Zeroed device memory is zero. */
	{
		void *m;
		sinan_buffer_t h;
		sinan_queue_t q;

		ASSERT_OK(sinan_buffer_create(rt_dev, 65536, SINAN_MEM_DEVICE, SINAN_BUFFER_ZERO, &b));
		h = rt_host(65536, &m);
		memset(m, 0x5a, 65536);
		ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
		ASSERT_OK(sinan_queue_copy(q, h, 0, b, 0, 65536));
		ASSERT_OK(sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE));
		for (int i = 0; i < 65536; i++)
			assert_int_equal(((uint8_t *)m)[i], 0);
		ASSERT_OK(sinan_queue_destroy(q));
		sinan_buffer_destroy(h);
		sinan_buffer_destroy(b);
	}
}

/* Device memory accounting follows allocations. */
static void test_mem_accounting(void **state)
{
	struct sinan_device_props a = { .size = sizeof(a) }, b = { .size = sizeof(b) };
	sinan_buffer_t buf;

	(void)state;
	ASSERT_OK(sinan_device_get_props(rt_dev, &a));
	ASSERT_OK(sinan_buffer_create(rt_dev, 8 << 20, SINAN_MEM_DEVICE, 0, &buf));
	ASSERT_OK(sinan_device_get_props(rt_dev, &b));
	assert_true(b.devmem_used >= a.devmem_used + (8 << 20));
	assert_true(b.ctx_mem_used >= a.ctx_mem_used + (8 << 20));
	ASSERT_OK(sinan_buffer_destroy(buf));
	ASSERT_OK(sinan_device_get_props(rt_dev, &b));
	assert_int_equal(b.ctx_mem_used, a.ctx_mem_used);
}

/* Closing a device with everything still alive frees everything (ASan checks the leaks). */
static void test_close_with_live_objects(void **state)
{
	struct sinan_pool_options po = { .size = sizeof(po), .placement = SINAN_MEM_DEVICE };
	sinan_device_t d;
	sinan_buffer_t h, dv, sub, pb, slot;
	sinan_queue_t q;
	sinan_semaphore_t s;
	sinan_event_t e;
	sinan_cmdbuf_t cb;
	sinan_pool_t p;

	(void)state;
	ASSERT_OK(sinan_device_open(NULL, &d));
	ASSERT_OK(sinan_buffer_create(d, 1 << 20, SINAN_MEM_HOST, 0, &h));
	ASSERT_OK(sinan_buffer_create(d, 1 << 20, SINAN_MEM_DEVICE, 0, &dv));
	ASSERT_OK(sinan_buffer_create_sub(dv, 4096, 4096, &sub));
	ASSERT_OK(sinan_pool_create(d, &po, &p));
	ASSERT_OK(sinan_pool_alloc(p, 5000, &pb));
	ASSERT_OK(sinan_queue_create(d, NULL, &q));
	ASSERT_OK(sinan_semaphore_create(d, 0, &s));
	ASSERT_OK(sinan_event_create(d, &e));
	ASSERT_OK(sinan_cmdbuf_create(d, &cb));
	ASSERT_OK(sinan_cmdbuf_slot(cb, 1, 4096, &slot));
	ASSERT_OK(sinan_cmdbuf_copy(cb, slot, 0, sub, 0, 4096));
	ASSERT_OK(sinan_queue_copy(q, dv, 0, h, 0, 1 << 20));
	ASSERT_OK(sinan_queue_timestamp(q, e));
	ASSERT_OK(sinan_queue_signal(q, s, 1));
	ASSERT_OK(sinan_queue_wait(q, s, 2));	/* held forever: nobody signals 2 */
	ASSERT_OK(sinan_queue_copy(q, pb, 0, h, 0, 5000));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_OK(sinan_queue_fill(q, dv, 0, 64, 1));	/* recorded, never submitted */
	ASSERT_OK(sinan_device_close(d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_props_older_struct),
		cmocka_unit_test(test_enumerate),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_two_opens),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_last_error_record),
		cmocka_unit_test(test_last_error_per_thread),
		cmocka_unit_test(test_null_handles),
		cmocka_unit_test(test_buffer_create_args),
		cmocka_unit_test(test_mem_accounting),
		cmocka_unit_test(test_close_with_live_objects),
	};

	return cmocka_run_group_tests_name("runtime-basic", tests, rt_setup, rt_teardown);
}

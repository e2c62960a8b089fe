// SPDX-License-Identifier: MIT
/*
 * Ordering between queues and with the host: timeline semaphores signaled
 * and waited by queues and by the host, waits recorded before anybody has
 * signaled, chains across three queues, events and device time.
 */
#include <string.h>

#include "rt_common.h"

#define SEC	1000000000ULL
#define MS	1000000ULL

/* q1: upload, signal 1 -> q2: wait 1, copy, signal 2 -> q3: wait 2, download. */
static void test_chain_three_queues(void **state)
{
	const size_t n = 1 << 20;
	void *src, *dst;
	sinan_buffer_t hs = rt_host(n, &src), hd = rt_host(n, &dst), a = rt_devbuf(n), b = rt_devbuf(n);
	sinan_queue_t q1, q2, q3;
	sinan_semaphore_t s;
	uint64_t v;

	(void)state;
	for (int round = 0; round < 3; round++) {
		rt_pattern(src, n, 100 + round);
		memset(dst, 0, n);
		ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q1));
		ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q2));
		ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q3));
		ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
		/* Recorded in reverse order: the waits come before any signal exists. */
		if (round == 1) {
			ASSERT_OK(sinan_queue_wait(q3, s, 2));
			ASSERT_OK(sinan_queue_copy(q3, hd, 0, b, 0, n));
			ASSERT_OK(sinan_queue_submit(q3));
			ASSERT_OK(sinan_queue_wait(q2, s, 1));
			ASSERT_OK(sinan_queue_copy(q2, b, 0, a, 0, n));
			ASSERT_OK(sinan_queue_signal(q2, s, 2));
			ASSERT_OK(sinan_queue_copy(q1, a, 0, hs, 0, n));
			ASSERT_OK(sinan_queue_signal(q1, s, 1));
		} else {
			ASSERT_OK(sinan_queue_copy(q1, a, 0, hs, 0, n));
			ASSERT_OK(sinan_queue_signal(q1, s, 1));
			ASSERT_OK(sinan_queue_wait(q2, s, 1));
			ASSERT_OK(sinan_queue_copy(q2, b, 0, a, 0, n));
			ASSERT_OK(sinan_queue_signal(q2, s, 2));
			ASSERT_OK(sinan_queue_wait(q3, s, 2));
			ASSERT_OK(sinan_queue_copy(q3, hd, 0, b, 0, n));
		}
		if (round == 2) {
			/* The host waits on the semaphore, not the queue. */
			ASSERT_OK(sinan_queue_signal(q3, s, 3));
			ASSERT_OK(sinan_semaphore_wait(s, 3, 10 * SEC));
		} else {
			ASSERT_OK(sinan_queue_finish(q3, 10 * SEC));
		}
		assert_true(rt_check(dst, n, 100 + round));
		ASSERT_OK(sinan_semaphore_get_value(s, &v));
		assert_true(v >= 2);
		ASSERT_OK(sinan_queue_destroy(q1));
		ASSERT_OK(sinan_queue_destroy(q2));
		ASSERT_OK(sinan_queue_destroy(q3));
		ASSERT_OK(sinan_semaphore_destroy(s));
	}
	sinan_buffer_destroy(b);
	sinan_buffer_destroy(a);
	sinan_buffer_destroy(hd);
	sinan_buffer_destroy(hs);
}

/* The host gates a queue: nothing runs until it signals. */
static void test_host_gate(void **state)
{
	const size_t n = 64 << 10;
	uint8_t *src, *dst;
	sinan_buffer_t hs = rt_host(n, (void **)&src), hd = rt_host(n, (void **)&dst);
	sinan_semaphore_t s;
	sinan_queue_t q;
	struct sinan_queue_info qi = { .size = sizeof(qi) };
	uint64_t v = 99;

	(void)state;
	rt_pattern(src, n, 3);
	memset(dst, 0, n);
	ASSERT_OK(sinan_semaphore_create(rt_dev, 10, &s));
	ASSERT_OK(sinan_semaphore_get_value(s, &v));
	assert_int_equal(v, 10);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_wait(q, s, 10));	/* already reached */
	ASSERT_OK(sinan_queue_wait(q, s, 11));
	ASSERT_OK(sinan_queue_copy(q, hd, 0, hs, 0, n));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_ST(SINAN_E_TIMEOUT, sinan_queue_finish(q, 50 * MS));
	assert_non_null(strstr(sinan_last_error_message(), "nobody has signaled"));
	assert_int_equal(dst[0], 0);
	assert_int_equal(dst[n - 1], 0);
	ASSERT_OK(sinan_queue_get_info(q, &qi));
	assert_int_equal(qi.completed, 0);
	/* Values only grow. */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_semaphore_signal(s, 10));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_semaphore_signal(s, 5));
	ASSERT_OK(sinan_semaphore_signal(s, 11));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_true(rt_check(dst, n, 3));
	ASSERT_OK(sinan_semaphore_wait(s, 11, 0));
	ASSERT_OK(sinan_queue_get_info(q, &qi));
	assert_true(qi.completed >= 1);
	assert_int_equal(qi.state, SINAN_QUEUE_OK);
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_semaphore_destroy(s));
	sinan_buffer_destroy(hd);
	sinan_buffer_destroy(hs);
}

static void test_semaphore_wait_timeout(void **state)
{
	sinan_semaphore_t s;
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	ASSERT_ST(SINAN_E_TIMEOUT, sinan_semaphore_wait(s, 1, 20 * MS));
	assert_non_null(strstr(sinan_last_error_message(), "nobody has signaled"));
	ASSERT_OK(sinan_semaphore_wait(s, 0, 0));
	/* A queue signals it: then the wait succeeds. */
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_signal(q, s, 7));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_signal(q, s, 7));
	ASSERT_OK(sinan_semaphore_wait(s, 5, 10 * SEC));
	ASSERT_OK(sinan_semaphore_wait(s, 7, 10 * SEC));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_semaphore_create(rt_dev, 0, NULL));
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_semaphore_destroy(s));
}

/* Many queues ping-pong through one semaphore. */
static void test_ping_pong(void **state)
{
	const size_t n = 4096;
	uint32_t *h;
	sinan_buffer_t hb = rt_host(n, (void **)&h), d = rt_devbuf(n);
	sinan_queue_t qa, qb;
	sinan_semaphore_t s;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &qa));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &qb));
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	/* Each step writes its own index; the order is forced by the semaphore. */
	for (uint32_t i = 0; i < 20; i++) {
		sinan_queue_t q = (i & 1) ? qb : qa;

		if (i)
			ASSERT_OK(sinan_queue_wait(q, s, i));
		ASSERT_OK(sinan_queue_fill(q, d, 0, 4, i));
		ASSERT_OK(sinan_queue_copy(q, hb, 4 * (i % 16) + 64, d, 0, 4));
		ASSERT_OK(sinan_queue_signal(q, s, i + 1));
	}
	ASSERT_OK(sinan_semaphore_wait(s, 20, 10 * SEC));
	for (uint32_t i = 4; i < 20; i++)
		assert_int_equal(h[16 + i % 16], i);
	ASSERT_OK(sinan_queue_destroy(qa));
	ASSERT_OK(sinan_queue_destroy(qb));
	ASSERT_OK(sinan_semaphore_destroy(s));
	sinan_buffer_destroy(d);
	sinan_buffer_destroy(hb);
}

/*
 * A semaphore reaches a value only when every lower value has been reached:
 * q1 signals 1 after a long copy, q2 signals 2 at once; waiting for 2 must
 * also wait for q1's copy.
 */
static void test_semaphore_lower_values(void **state)
{
	const size_t n = 16 << 20;
	void *src, *dst;
	sinan_buffer_t hs = rt_host(n, &src), hd = rt_host(n, &dst);
	sinan_queue_t q1, q2;
	sinan_semaphore_t s;
	uint64_t v;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q1));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q2));
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	for (uint32_t round = 0; round < 3; round++) {
		rt_pattern(src, n, 40 + round);
		memset(dst, 0, n);
		ASSERT_OK(sinan_queue_copy(q1, hd, 0, hs, 0, n));
		ASSERT_OK(sinan_queue_signal(q1, s, 2 * round + 1));
		ASSERT_OK(sinan_queue_signal(q2, s, 2 * round + 2));
		ASSERT_OK(sinan_semaphore_wait(s, 2 * round + 2, 30 * SEC));
		assert_true(rt_check(dst, n, 40 + round));
		ASSERT_OK(sinan_semaphore_get_value(s, &v));
		assert_int_equal(v, 2 * round + 2);
	}
	ASSERT_OK(sinan_queue_destroy(q1));
	ASSERT_OK(sinan_queue_destroy(q2));
	ASSERT_OK(sinan_semaphore_destroy(s));
	sinan_buffer_destroy(hd);
	sinan_buffer_destroy(hs);
}

uint64_t sinan_test_ioctl_count(void);

/*
 * The submission path makes no system call it does not need: a job that
 * signals a semaphore is one SUBMIT, and the host's wait for it one WAIT
 * (which also says whether the job succeeded), on every backend.
 */
static void test_roundtrip_syscalls(void **state)
{
	sinan_semaphore_t s;
	sinan_queue_t q;
	uint64_t n0, v = 0;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	/* The first jobs set up the library's internal buffers. */
	for (int i = 0; i < 3; i++) {
		ASSERT_OK(sinan_queue_signal(q, s, ++v));
		ASSERT_OK(sinan_semaphore_wait(s, v, 10 * SEC));
	}
	for (int i = 0; i < 20; i++) {
		n0 = sinan_test_ioctl_count();
		ASSERT_OK(sinan_queue_signal(q, s, ++v));
		assert_int_equal(sinan_test_ioctl_count() - n0, 1);
		ASSERT_OK(sinan_semaphore_wait(s, v, 10 * SEC));
		assert_int_equal(sinan_test_ioctl_count() - n0, 2);
	}
	/* Waiting for a value already reached asks the driver once more, still one call. */
	n0 = sinan_test_ioctl_count();
	ASSERT_OK(sinan_semaphore_wait(s, v, 0));
	assert_int_equal(sinan_test_ioctl_count() - n0, 1);
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_semaphore_destroy(s));
}

/* Device time between timestamps grows with the work between them. */
static void test_events_elapsed(void **state)
{
	const size_t n = 8 << 20;
	sinan_buffer_t hs = rt_host(n, NULL), d = rt_devbuf(n);
	sinan_event_t e0, e1, e2, never;
	sinan_queue_t q;
	uint64_t ns_small, cyc_small, ns_big, cyc_big;
	struct sinan_device_props p = { .size = sizeof(p) };

	(void)state;
	ASSERT_OK(sinan_device_get_props(rt_dev, &p));
	ASSERT_OK(sinan_event_create(rt_dev, &e0));
	ASSERT_OK(sinan_event_create(rt_dev, &e1));
	ASSERT_OK(sinan_event_create(rt_dev, &e2));
	ASSERT_OK(sinan_event_create(rt_dev, &never));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_timestamp(q, e0));
	ASSERT_OK(sinan_queue_copy(q, d, 0, hs, 0, n / 8));
	ASSERT_OK(sinan_queue_timestamp(q, e1));
	ASSERT_OK(sinan_queue_copy(q, d, 0, hs, 0, n));
	ASSERT_OK(sinan_queue_timestamp(q, e2));
	ASSERT_ST(SINAN_E_NOT_READY, sinan_event_elapsed(e0, e1, &ns_small, &cyc_small));	/* not submitted */
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_OK(sinan_event_wait(e2, 10 * SEC));
	ASSERT_OK(sinan_event_elapsed(e0, e1, &ns_small, &cyc_small));
	ASSERT_OK(sinan_event_elapsed(e1, e2, &ns_big, &cyc_big));
	assert_true(cyc_small > 0);
	assert_true(cyc_big > 4 * cyc_small);
	assert_int_equal(ns_big, cyc_big * 1000 / p.clock_mhz);
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_event_elapsed(e2, e0, &ns_big, &cyc_big));
	ASSERT_ST(SINAN_E_NOT_READY, sinan_event_elapsed(e0, never, &ns_big, &cyc_big));
	ASSERT_ST(SINAN_E_NOT_READY, sinan_event_wait(never, 0));
	ASSERT_OK(sinan_queue_destroy(q));
	/* Events outlive their queue. */
	ASSERT_OK(sinan_event_elapsed(e0, e1, &ns_small, &cyc_small));
	ASSERT_OK(sinan_event_destroy(never));
	ASSERT_OK(sinan_event_destroy(e2));
	ASSERT_OK(sinan_event_destroy(e1));
	ASSERT_OK(sinan_event_destroy(e0));
	sinan_buffer_destroy(d);
	sinan_buffer_destroy(hs);
}

/* A job held behind a semaphore has not run: its event is not ready. */
static void test_event_not_ready(void **state)
{
	sinan_semaphore_t s;
	sinan_event_t e0, e1;
	sinan_queue_t q;
	uint64_t ns;

	(void)state;
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	ASSERT_OK(sinan_event_create(rt_dev, &e0));
	ASSERT_OK(sinan_event_create(rt_dev, &e1));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_timestamp(q, e0));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_OK(sinan_queue_wait(q, s, 1));
	ASSERT_OK(sinan_queue_timestamp(q, e1));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_OK(sinan_event_wait(e0, 10 * SEC));
	ASSERT_ST(SINAN_E_NOT_READY, sinan_event_elapsed(e0, e1, &ns, NULL));
	ASSERT_OK(sinan_semaphore_signal(s, 1));
	ASSERT_OK(sinan_event_wait(e1, 10 * SEC));
	ASSERT_OK(sinan_event_elapsed(e0, e1, &ns, NULL));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_event_destroy(e1);
	sinan_event_destroy(e0);
	sinan_semaphore_destroy(s);
}

/* Device cycles of a few jobs on a device. */
static void measure(sinan_device_t d, uint64_t cyc[4])
{
	const size_t n = 3 << 20;
	sinan_buffer_t h, a, b;
	sinan_event_t e[5];
	sinan_queue_t q;

	ASSERT_OK(sinan_buffer_create(d, n, SINAN_MEM_HOST, 0, &h));
	ASSERT_OK(sinan_buffer_create(d, n, SINAN_MEM_DEVICE, 0, &a));
	ASSERT_OK(sinan_buffer_create(d, n, SINAN_MEM_DEVICE, 0, &b));
	for (int i = 0; i < 5; i++)
		ASSERT_OK(sinan_event_create(d, &e[i]));
	ASSERT_OK(sinan_queue_create(d, NULL, &q));
	ASSERT_OK(sinan_queue_timestamp(q, e[0]));
	ASSERT_OK(sinan_queue_copy(q, a, 0, h, 0, n));
	ASSERT_OK(sinan_queue_timestamp(q, e[1]));
	ASSERT_OK(sinan_queue_copy(q, b, 0, a, 0, n - 1));
	ASSERT_OK(sinan_queue_timestamp(q, e[2]));
	ASSERT_OK(sinan_queue_fill(q, b, 0, n, 7));
	ASSERT_OK(sinan_queue_timestamp(q, e[3]));
	ASSERT_OK(sinan_queue_copy(q, h, 1, b, 3, n - 5));
	ASSERT_OK(sinan_queue_timestamp(q, e[4]));
	ASSERT_OK(sinan_queue_finish(q, 30 * SEC));
	for (int i = 0; i < 4; i++)
		ASSERT_OK(sinan_event_elapsed(e[i], e[i + 1], NULL, &cyc[i]));
	ASSERT_OK(sinan_queue_destroy(q));
	for (int i = 0; i < 5; i++)
		sinan_event_destroy(e[i]);
	sinan_buffer_destroy(b);
	sinan_buffer_destroy(a);
	sinan_buffer_destroy(h);
}

/* The device under test and the in-process simulator model the same cycles for the same work. */
static void test_same_cycles_as_sim(void **state)
{
	struct sinan_open_options o = { .size = sizeof(o), .backend = "sim", .index = 0 };
	struct sinan_device_props p1 = { .size = sizeof(p1) }, p2 = { .size = sizeof(p2) };
	uint64_t c1[4], c2[4];
	sinan_device_t sim;

	(void)state;
	ASSERT_OK(sinan_device_open(&o, &sim));
	ASSERT_OK(sinan_device_get_props(rt_dev, &p1));
	ASSERT_OK(sinan_device_get_props(sim, &p2));
	/* Same chip configuration (the default one on both sides). */
	assert_int_equal(p1.clock_mhz, p2.clock_mhz);
	assert_int_equal(p1.devmem_bw_mbps, p2.devmem_bw_mbps);
	assert_int_equal(p1.hostlink_bw_mbps, p2.hostlink_bw_mbps);
	measure(rt_dev, c1);
	measure(sim, c2);
	for (int i = 0; i < 4; i++) {
		print_message("  job part %d: %llu cycles on %s, %llu on sim\n", i, (unsigned long long)c1[i],
			      rt_backend(), (unsigned long long)c2[i]);
		assert_true(c1[i] > 0);
		assert_int_equal(c1[i], c2[i]);
	}
	ASSERT_OK(sinan_device_close(sim));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_three_queues),
		cmocka_unit_test(test_host_gate),
		cmocka_unit_test(test_semaphore_wait_timeout),
		cmocka_unit_test(test_ping_pong),
		cmocka_unit_test(test_semaphore_lower_values),
		cmocka_unit_test(test_roundtrip_syscalls),
		cmocka_unit_test(test_events_elapsed),
		cmocka_unit_test(test_event_not_ready),
		cmocka_unit_test(test_same_cycles_as_sim),
	};

	return cmocka_run_group_tests_name("runtime-sync", tests, rt_setup, rt_teardown);
}

// SPDX-License-Identifier: MIT
/*
 * Several threads at once: own queues, a shared queue, a host thread
 * waiting on a semaphore that queue jobs of other threads signal.
 */
#include <pthread.h>
#include <string.h>

#include "rt_common.h"

#define SEC	1000000000ULL
#define ROUNDS	30
#define N	(96 << 10)

struct worker {
	sinan_queue_t q;	/* NULL: own queue */
	uint32_t seed;
	int ok;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	sinan_buffer_t hs, hd, d;
	sinan_queue_t q = w->q;
	void *src, *dst;

	w->ok = 0;
	if (sinan_buffer_create(rt_dev, N, SINAN_MEM_HOST, 0, &hs) || sinan_buffer_create(rt_dev, N, SINAN_MEM_HOST, 0, &hd) ||
	    sinan_buffer_create(rt_dev, N, SINAN_MEM_DEVICE, 0, &d) || sinan_buffer_map(hs, &src) ||
	    sinan_buffer_map(hd, &dst))
		return NULL;
	if (!q && sinan_queue_create(rt_dev, NULL, &q))
		return NULL;
	for (uint32_t r = 0; r < ROUNDS; r++) {
		uint32_t seed = w->seed * 1000 + r;

		rt_pattern(src, N, seed);
		memset(dst, 0, N);
		if (sinan_queue_copy(q, d, 0, hs, 0, N) || sinan_queue_copy(q, hd, 0, d, 0, N) ||
		    sinan_queue_finish(q, 30 * SEC) || !rt_check(dst, N, seed))
			return NULL;
	}
	if (!w->q)
		sinan_queue_destroy(q);
	sinan_buffer_destroy(d);
	sinan_buffer_destroy(hd);
	sinan_buffer_destroy(hs);
	w->ok = 1;
	return NULL;
}

static void test_many_threads(void **state)
{
	struct worker w[6];
	pthread_t t[6];
	sinan_queue_t shared;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &shared));
	for (int i = 0; i < 6; i++) {
		w[i].q = i < 4 ? NULL : shared;
		w[i].seed = (uint32_t)i + 1;
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (!w[i].ok)
			print_error("worker %d: %s\n", i, sinan_last_error_message());
		assert_true(w[i].ok);
	}
	ASSERT_OK(sinan_queue_destroy(shared));
}

struct waiter {
	sinan_semaphore_t s;
	uint64_t upto;
	int ok;
};

static void *host_waiter(void *arg)
{
	struct waiter *w = arg;

	w->ok = 1;
	for (uint64_t v = 1; v <= w->upto; v++)
		if (sinan_semaphore_wait(w->s, v, 30 * SEC))
			w->ok = 0;
	return NULL;
}

/* A host thread waits for each value while the main thread has queues signal them. */
static void test_host_thread_waits(void **state)
{
	struct waiter w = { .upto = 40 };
	sinan_queue_t qa, qb;
	pthread_t t;

	(void)state;
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &w.s));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &qa));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &qb));
	assert_int_equal(pthread_create(&t, NULL, host_waiter, &w), 0);
	for (uint64_t v = 1; v <= w.upto; v++) {
		sinan_queue_t q = v & 1 ? qa : qb;

		ASSERT_OK(sinan_queue_barrier(q));
		ASSERT_OK(sinan_queue_signal(q, w.s, v));
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(w.ok);
	ASSERT_OK(sinan_queue_destroy(qa));
	ASSERT_OK(sinan_queue_destroy(qb));
	ASSERT_OK(sinan_semaphore_destroy(w.s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_host_thread_waits),
	};

	return cmocka_run_group_tests_name("runtime-threads", tests, rt_setup, rt_teardown);
}

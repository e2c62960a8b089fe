// SPDX-License-Identifier: MIT
/*
 * Command buffers: recorded once, replayed with patched slots, one driver
 * submission per replay; patching refused while executing; misuse errors.
 */
#include <string.h>

#include "rt_common.h"

#define SEC	1000000000ULL

/* Replays move different buffers: the slots are patched between them. */
static void test_replay_patched(void **state)
{
	const size_t n = 256 << 10;
	sinan_buffer_t in[4], out[4], dv = rt_devbuf(n), sin, sout;
	void *pin[4], *pout[4];
	struct sinan_queue_info a = { .size = sizeof(a) }, b = { .size = sizeof(b) };
	sinan_event_t e0, e1;
	sinan_cmdbuf_t cb;
	sinan_queue_t q;
	uint64_t ns, cyc;

	(void)state;
	for (int i = 0; i < 4; i++) {
		in[i] = rt_host(n, &pin[i]);
		out[i] = rt_host(n + 4096, &pout[i]);
		rt_pattern(pin[i], n, 1000 + i);
		memset(pout[i], 0, n + 4096);
	}
	ASSERT_OK(sinan_event_create(rt_dev, &e0));
	ASSERT_OK(sinan_event_create(rt_dev, &e1));
	ASSERT_OK(sinan_cmdbuf_create(rt_dev, &cb));
	ASSERT_OK(sinan_cmdbuf_slot(cb, 1, n, &sin));
	ASSERT_OK(sinan_cmdbuf_slot(cb, 2, n, &sout));
	ASSERT_OK(sinan_cmdbuf_timestamp(cb, e0));
	ASSERT_OK(sinan_cmdbuf_copy(cb, dv, 0, sin, 0, n));
	ASSERT_OK(sinan_cmdbuf_fill(cb, dv, 0, 16, 0xabababab));	/* device-side edit */
	ASSERT_OK(sinan_cmdbuf_barrier(cb));
	ASSERT_OK(sinan_cmdbuf_copy(cb, sout, 0, dv, 0, n));
	ASSERT_OK(sinan_cmdbuf_timestamp(cb, e1));
	ASSERT_OK(sinan_cmdbuf_end(cb));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_get_info(q, &a));
	for (int r = 0; r < 8; r++) {
		int i = r % 4;

		ASSERT_OK(sinan_cmdbuf_bind(cb, 1, in[i], 0));
		ASSERT_OK(sinan_cmdbuf_bind(cb, 2, out[i], r & 1 ? 4096 : 0));
		ASSERT_OK(sinan_queue_exec(q, cb));
		ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
		{
			uint8_t *o = (uint8_t *)pout[i] + (r & 1 ? 4096 : 0);

			for (int k = 0; k < 16; k++)
				assert_int_equal(o[k], 0xab);
			assert_memory_equal(o + 16, (uint8_t *)pin[i] + 16, n - 16);
		}
		ASSERT_OK(sinan_event_elapsed(e0, e1, &ns, &cyc));
		assert_true(cyc > 0);
	}
	ASSERT_OK(sinan_queue_get_info(q, &b));
	assert_int_equal(b.submitted - a.submitted, 8);	/* one job per replay */
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_cmdbuf_destroy(cb));
	for (int i = 0; i < 4; i++) {
		sinan_buffer_destroy(in[i]);
		sinan_buffer_destroy(out[i]);
	}
	sinan_buffer_destroy(dv);
	sinan_event_destroy(e1);
	sinan_event_destroy(e0);
}

/* Patching while a replay is in flight is refused; after it completes it works. */
static void test_patch_busy(void **state)
{
	sinan_buffer_t h1 = rt_host(4096, NULL), h2 = rt_host(4096, NULL), d = rt_devbuf(4096), slot;
	sinan_semaphore_t s;
	sinan_cmdbuf_t cb;
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_cmdbuf_create(rt_dev, &cb));
	ASSERT_OK(sinan_cmdbuf_slot(cb, 9, 4096, &slot));
	ASSERT_OK(sinan_cmdbuf_copy(cb, d, 0, slot, 0, 4096));
	ASSERT_OK(sinan_cmdbuf_end(cb));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_create(rt_dev, NULL, NULL));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	/* Not bound yet. */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_exec(q, cb));
	assert_non_null(strstr(sinan_last_error_message(), "slot 9"));
	ASSERT_OK(sinan_cmdbuf_bind(cb, 9, h1, 0));
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	ASSERT_OK(sinan_queue_wait(q, s, 1));
	ASSERT_OK(sinan_queue_exec(q, cb));
	ASSERT_ST(SINAN_E_BUSY, sinan_cmdbuf_bind(cb, 9, h2, 0));
	ASSERT_OK(sinan_semaphore_signal(s, 1));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_cmdbuf_bind(cb, 9, h2, 0));
	/* Destroying it while it runs is fine: it lives until the job retires. */
	ASSERT_OK(sinan_queue_exec(q, cb));
	ASSERT_OK(sinan_cmdbuf_destroy(cb));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_semaphore_destroy(s);
	sinan_buffer_destroy(d);
	sinan_buffer_destroy(h2);
	sinan_buffer_destroy(h1);
}

static void test_misuse(void **state)
{
	sinan_buffer_t h = rt_host(4096, NULL), small = rt_host(100, NULL), slot, slot2, other;
	sinan_cmdbuf_t cb, cb2;
	sinan_queue_t q;
	void *p;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_cmdbuf_create(rt_dev, &cb));
	ASSERT_OK(sinan_cmdbuf_create(rt_dev, &cb2));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_end(cb));	/* empty */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_slot(cb, 0, 16, &slot));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_slot(cb, 1, 0, &slot));
	ASSERT_OK(sinan_cmdbuf_slot(cb, 1, 4096, &slot));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_slot(cb, 1, 16, &slot2));
	ASSERT_OK(sinan_cmdbuf_slot(cb2, 1, 16, &other));
	/* Slot buffers are stand-ins: no memory, only in their command buffer. */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_map(slot, &p));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_buffer_destroy(slot));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_copy(q, h, 0, slot, 0, 16));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_copy(cb, h, 0, other, 0, 16));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_copy(cb, h, 0, slot, 1, 4096));	/* beyond the slot */
	ASSERT_OK(sinan_cmdbuf_copy(cb, h, 0, slot, 0, 4096));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_exec(q, cb));	/* not ended */
	ASSERT_OK(sinan_cmdbuf_end(cb));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_end(cb));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_barrier(cb));	/* ended */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_slot(cb, 2, 16, &slot2));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_bind(cb, 1, small, 0));	/* too small */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_bind(cb, 1, h, 1));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_bind(cb, 7, h, 0));	/* no such slot */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_bind(cb, 1, other, 0));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_set_value(cb, 1, 5));	/* a buffer slot */
	ASSERT_OK(sinan_cmdbuf_bind(cb, 1, h, 0));
	ASSERT_OK(sinan_queue_exec(q, cb));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_cmdbuf_destroy(cb2));
	ASSERT_OK(sinan_cmdbuf_destroy(cb));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(small);
	sinan_buffer_destroy(h);
}

/* A command buffer runs between recorded work and semaphores of its queue. */
static void test_exec_ordering(void **state)
{
	const size_t n = 8192;
	uint32_t *p;
	sinan_buffer_t h = rt_host(n, (void **)&p), d = rt_devbuf(n);
	sinan_cmdbuf_t cb;
	sinan_queue_t q, q2;
	sinan_semaphore_t s;

	(void)state;
	ASSERT_OK(sinan_cmdbuf_create(rt_dev, &cb));
	ASSERT_OK(sinan_cmdbuf_fill(cb, d, 0, n, 0x22222222));
	ASSERT_OK(sinan_cmdbuf_end(cb));
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q2));
	ASSERT_OK(sinan_queue_fill(q, d, 0, n, 0x11111111));
	ASSERT_OK(sinan_queue_exec(q, cb));		/* after the fill above */
	ASSERT_OK(sinan_queue_signal(q, s, 1));
	ASSERT_OK(sinan_queue_wait(q2, s, 1));
	ASSERT_OK(sinan_queue_copy(q2, h, 0, d, 0, n));
	ASSERT_OK(sinan_queue_finish(q2, 10 * SEC));
	assert_int_equal(p[0], 0x22222222);
	assert_int_equal(p[n / 4 - 1], 0x22222222);
	ASSERT_OK(sinan_queue_destroy(q2));
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_semaphore_destroy(s));
	ASSERT_OK(sinan_cmdbuf_destroy(cb));
	sinan_buffer_destroy(d);
	sinan_buffer_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_patched),
		cmocka_unit_test(test_patch_busy),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_exec_ordering),
	};

	return cmocka_run_group_tests_name("runtime-cmdbuf", tests, rt_setup, rt_teardown);
}

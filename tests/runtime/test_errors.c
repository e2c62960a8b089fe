// SPDX-License-Identifier: MIT
/*
 * Asynchronous failures reach the caller with detail: which queue, which
 * job, which packet (and which verb or kernel it was), the hardware error,
 * the faulting address; a failed queue is sticky until recovered; innocent
 * jobs after it are canceled; a hang is stopped by the queue's own timeout;
 * a semaphore wait reports the failure of the job that signaled it.
 */
#include <string.h>

#include <sinan_hw/sinan_isa.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_regs.h>

#include "rt_common.h"

#define SEC	1000000000ULL
#define MS	1000000ULL

/* Internal hooks of the static library (tests only). */
sinan_status sinan_test_queue_raw(sinan_queue_t q, const struct sinan_pkt *pkt);
sinan_status sinan_test_buffer_va(sinan_buffer_t b, uint64_t *va);

static const uint64_t trap_code[] = {
	SINAN_ENC_I(SINAN_I_TRAP, 0, 0, 0, 7),
};

static void expect_queue_works(sinan_queue_t q)
{
	void *p;
	sinan_buffer_t h = rt_host(4096, &p);

	memset(p, 0, 4096);
	ASSERT_OK(sinan_queue_fill(q, h, 0, 4096, 0x01020304));
	ASSERT_OK(sinan_queue_finish(q, 10 * SEC));
	assert_int_equal(((uint32_t *)p)[1023], 0x01020304);
	sinan_buffer_destroy(h);
}

/* LAUNCH of a trapping kernel: SINAN_E_ILLEGAL_INSTRUCTION with everything known about it. */
static void test_illegal_instruction_detail(void **state)
{
	struct sinan_error_info e = { .size = sizeof(e) };
	struct sinan_queue_info qi = { .size = sizeof(qi) };
	struct sinan_launch l = { .size = sizeof(l), .blocks = 1 };
	sinan_buffer_t h = rt_host(4096, NULL), d = rt_devbuf(4096);
	sinan_kernel_t k;
	sinan_module_t m = rt_module(trap_code, 1, NULL, 0, &k);
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_copy(q, d, 0, h, 0, 4096));	/* packet 0 */
	ASSERT_OK(sinan_queue_barrier(q));			/* packet 1 */
	ASSERT_OK(sinan_queue_launch(q, k, &l));		/* packet 2: traps */
	ASSERT_OK(sinan_queue_copy(q, h, 0, d, 0, 4096));	/* never runs */
	ASSERT_ST(SINAN_E_ILLEGAL_INSTRUCTION, sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_int_equal(e.status, SINAN_E_ILLEGAL_INSTRUCTION);
	assert_int_equal(e.hw_error, SINAN_ERR_ILLEGAL_INSTR);
	assert_int_equal(e.packet_index, 2);
	assert_int_equal(e.job, 1);
	ASSERT_OK(sinan_queue_get_info(q, &qi));
	assert_int_equal(e.queue, qi.id);
	assert_int_equal(qi.state, SINAN_QUEUE_FAILED);
	assert_int_equal(qi.error, SINAN_E_ILLEGAL_INSTRUCTION);
	assert_int_equal(qi.failed_job, 1);
	assert_non_null(strstr(e.message, "ILLEGAL_INSTR"));
	assert_non_null(strstr(e.message, "packet 2 (LAUNCH 'k')"));
	assert_non_null(strstr(e.message, "sinan_queue_recover"));
	assert_string_equal(e.function, "sinan_queue_finish");
	/* Sticky: every call on the queue says so, until recovered. */
	ASSERT_ST(SINAN_E_ILLEGAL_INSTRUCTION, sinan_queue_copy(q, d, 0, h, 0, 16));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_string_equal(e.function, "sinan_queue_copy");
	assert_int_equal(e.packet_index, 2);
	ASSERT_OK(sinan_queue_recover(q));
	ASSERT_OK(sinan_queue_get_info(q, &qi));
	assert_int_equal(qi.state, SINAN_QUEUE_OK);
	assert_int_equal(qi.reset_count, 1);
	expect_queue_works(q);
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_module_destroy(m));
	sinan_buffer_destroy(d);
	sinan_buffer_destroy(h);
}

/* A copy to an address with no mapping: SINAN_E_MMU_FAULT at that address; later jobs are canceled. */
static void test_mmu_fault(void **state)
{
	struct sinan_device_props p = { .size = sizeof(p) };
	struct sinan_error_info e = { .size = sizeof(e) };
	struct sinan_pkt_copy c = { .header = SINAN_PKT_HDR(SINAN_OP_COPY, 0) };
	sinan_buffer_t h = rt_host(4096, NULL);
	sinan_event_t ev;
	sinan_queue_t q;
	uint64_t hva, bad;

	(void)state;
	ASSERT_OK(sinan_device_get_props(rt_dev, &p));
	ASSERT_OK(sinan_test_buffer_va(h, &hva));
	bad = p.va_end - 0x10000;
	ASSERT_OK(sinan_event_create(rt_dev, &ev));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	c.dst = bad;
	c.src = hva;
	c.size = 64;
	ASSERT_OK(sinan_queue_barrier(q));
	ASSERT_OK(sinan_test_queue_raw(q, (struct sinan_pkt *)&c));
	ASSERT_OK(sinan_queue_timestamp(q, ev));
	ASSERT_ST(SINAN_E_MMU_FAULT, sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_int_equal(e.hw_error, SINAN_ERR_MMU_FAULT);
	assert_int_equal(e.job, 1);
	assert_int_equal(e.packet_index, 1);
	assert_int_equal(e.fault_addr, bad);
	assert_int_equal(e.fault_info & 0xf, SINAN_FAULT_WRITE);
	assert_int_equal((e.fault_info >> 8) & 0xff, SINAN_FAULT_UNIT_COPY);
	assert_non_null(strstr(e.message, "(write)"));
	ASSERT_OK(sinan_queue_recover(q));
	expect_queue_works(q);
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_event_destroy(ev);
	sinan_buffer_destroy(h);
}

/* A malformed packet: SINAN_E_DEVICE_ERROR naming BAD_PACKET. */
static void test_bad_packet(void **state)
{
	struct sinan_error_info e = { .size = sizeof(e) };
	struct sinan_pkt bogus = { .header = SINAN_PKT_HDR(0x7f, 0) };
	sinan_queue_t q;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_test_queue_raw(q, &bogus));
	ASSERT_ST(SINAN_E_DEVICE_ERROR, sinan_queue_finish(q, 10 * SEC));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_int_equal(e.hw_error, SINAN_ERR_BAD_PACKET);
	assert_int_equal(e.packet_index, 0);
	assert_non_null(strstr(e.message, "BAD_PACKET"));
	ASSERT_OK(sinan_queue_recover(q));
	expect_queue_works(q);
	ASSERT_OK(sinan_queue_destroy(q));
}

/* A job that never finishes is stopped by the queue's timeout (set by the caller), not hung forever. */
static void test_hang_timeout(void **state)
{
	struct sinan_queue_options o = { .size = sizeof(o), .priority = SINAN_PRIORITY_NORMAL, .timeout_ms = 300 };
	struct sinan_pkt_wait w = { .header = SINAN_PKT_HDR(SINAN_OP_WAIT, SINAN_WAIT_F_EQ) };
	struct sinan_error_info e = { .size = sizeof(e) };
	struct sinan_queue_info qi = { .size = sizeof(qi) };
	void *p;
	sinan_buffer_t h = rt_host(4096, &p);
	sinan_event_t ev;
	sinan_queue_t q;
	uint64_t hva;

	(void)state;
	memset(p, 0, 4096);
	ASSERT_OK(sinan_test_buffer_va(h, &hva));
	w.addr = hva;
	w.value = 1;	/* nobody ever writes 1 */
	ASSERT_OK(sinan_queue_create(rt_dev, &o, &q));
	ASSERT_OK(sinan_queue_get_info(q, &qi));
	assert_int_equal(qi.timeout_ms, 300);
	ASSERT_OK(sinan_event_create(rt_dev, &ev));
	ASSERT_OK(sinan_test_queue_raw(q, (struct sinan_pkt *)&w));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_OK(sinan_queue_timestamp(q, ev));	/* an innocent second job */
	ASSERT_OK(sinan_queue_submit(q));
	/* A host wait shorter than the queue timeout just times out: the job goes on. */
	ASSERT_ST(SINAN_E_TIMEOUT, sinan_queue_finish(q, 20 * MS));
	ASSERT_ST(SINAN_E_CANCELED, sinan_event_wait(ev, 60 * SEC));
	assert_non_null(strstr(sinan_last_error_message(), "job 1 failed"));
	ASSERT_ST(SINAN_E_HANG, sinan_queue_finish(q, 60 * SEC));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_int_equal(e.job, 1);
	assert_non_null(strstr(e.message, "300 ms"));
	ASSERT_ST(SINAN_E_HANG, sinan_queue_submit(q));
	ASSERT_OK(sinan_queue_recover(q));
	expect_queue_works(q);
	/* The timeout can be changed on an idle queue. */
	ASSERT_OK(sinan_queue_set_timeout(q, 250));
	ASSERT_OK(sinan_queue_get_info(q, &qi));
	assert_int_equal(qi.timeout_ms, 250);
	ASSERT_OK(sinan_test_queue_raw(q, (struct sinan_pkt *)&w));
	ASSERT_OK(sinan_queue_submit(q));
	ASSERT_ST(SINAN_E_BUSY, sinan_queue_set_timeout(q, 1000));
	ASSERT_ST(SINAN_E_HANG, sinan_queue_finish(q, 60 * SEC));
	assert_non_null(strstr(sinan_last_error_message(), "250 ms"));
	ASSERT_OK(sinan_queue_recover(q));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_event_destroy(ev);
	sinan_buffer_destroy(h);
}

/* The host waits on a semaphore; the job that signals it failed: the wait says so. */
static void test_semaphore_reports_failure(void **state)
{
	struct sinan_error_info e = { .size = sizeof(e) };
	struct sinan_launch l = { .size = sizeof(l), .blocks = 4 };
	sinan_kernel_t k;
	sinan_module_t m = rt_module(trap_code, 1, NULL, 0, &k);
	sinan_semaphore_t s;
	sinan_queue_t q, q2;

	(void)state;
	ASSERT_OK(sinan_semaphore_create(rt_dev, 0, &s));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q2));
	ASSERT_OK(sinan_queue_signal(q2, s, 1));	/* a good signal first */
	ASSERT_OK(sinan_queue_wait(q, s, 1));
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	ASSERT_OK(sinan_queue_signal(q, s, 2));
	ASSERT_OK(sinan_semaphore_wait(s, 1, 10 * SEC));
	ASSERT_ST(SINAN_E_ILLEGAL_INSTRUCTION, sinan_semaphore_wait(s, 2, 10 * SEC));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_non_null(strstr(e.message, "semaphore value 2 was signaled by queue"));
	assert_int_equal(e.hw_error, SINAN_ERR_ILLEGAL_INSTR);
	assert_string_equal(e.function, "sinan_semaphore_wait");
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_queue_destroy(q2));
	ASSERT_OK(sinan_semaphore_destroy(s));
	ASSERT_OK(sinan_module_destroy(m));
}

/* One queue's failure does not touch another queue. */
static void test_isolation(void **state)
{
	struct sinan_launch l = { .size = sizeof(l), .blocks = 1 };
	sinan_kernel_t k;
	sinan_module_t m = rt_module(trap_code, 1, NULL, 0, &k);
	sinan_queue_t bad, good;

	(void)state;
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &bad));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &good));
	ASSERT_OK(sinan_queue_launch(bad, k, &l));
	ASSERT_ST(SINAN_E_ILLEGAL_INSTRUCTION, sinan_queue_finish(bad, 10 * SEC));
	expect_queue_works(good);
	ASSERT_OK(sinan_queue_destroy(bad));
	ASSERT_OK(sinan_queue_destroy(good));
	ASSERT_OK(sinan_module_destroy(m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_illegal_instruction_detail),
		cmocka_unit_test(test_mmu_fault),
		cmocka_unit_test(test_bad_packet),
		cmocka_unit_test(test_hang_timeout),
		cmocka_unit_test(test_semaphore_reports_failure),
		cmocka_unit_test(test_isolation),
	};

	return cmocka_run_group_tests_name("runtime-errors", tests, rt_setup, rt_teardown);
}

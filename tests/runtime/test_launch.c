// SPDX-License-Identifier: MIT
/*
 * Kernels on the AI cores: a program of one END runs; arguments reach every
 * block as the metadata lays them out (buffers, values, the module's
 * read-only data); command buffers patch value and buffer slots between
 * replays; a kernel's fault or endless loop comes back as an error with
 * detail, and the queue recovers.
 */
#include <string.h>

#include <sinan_hw/sinan_isa.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_regs.h>
#include "isa/sinan_asm.h"

#include "rt_common.h"

#define SEC	1000000000ULL

static sinan_module_t load(struct sinan_asm *a, const struct sinan_kernel_arg *args, uint32_t nargs,
			   const void *rodata, size_t rodata_bytes, sinan_kernel_t *k)
{
	sinan_kbin_writer_t w;
	sinan_module_t m = NULL;
	const uint64_t *code;
	size_t n, bytes;
	void *img;

	code = sinan_asm_finish(a, &n);
	if (!code)
		print_error("assembler: %s\n", sinan_asm_error(a));
	assert_non_null(code);
	ASSERT_OK(sinan_kbin_writer_create(&w));
	ASSERT_OK(sinan_kbin_writer_add_kernel(w, "k", code, n, args, nargs));
	if (rodata_bytes)
		ASSERT_OK(sinan_kbin_writer_set_rodata(w, rodata, rodata_bytes));
	ASSERT_OK(sinan_kbin_writer_finish(w, &img, &bytes));
	ASSERT_OK(sinan_kbin_writer_destroy(w));
	sinan_asm_free(a);
	ASSERT_OK(sinan_module_load(rt_dev, img, bytes, &m));
	sinan_free(img);
	ASSERT_OK(sinan_module_get_kernel(m, "k", k));
	return m;
}

static void test_end_runs(void **state)
{
	struct sinan_asm *a = sinan_asm_new();
	struct sinan_launch l = { .size = sizeof(l), .blocks = 1 };
	struct sinan_queue_info qi = { .size = sizeof(qi) };
	sinan_kernel_t k;
	sinan_module_t m;
	sinan_queue_t q;

	(void)state;
	sinan_asm_end(a);
	m = load(a, NULL, 0, NULL, 0, &k);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	l.blocks = 64;
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	ASSERT_OK(sinan_queue_finish(q, 30 * SEC));
	ASSERT_OK(sinan_queue_get_info(q, &qi));
	assert_int_equal(qi.state, SINAN_QUEUE_OK);
	assert_true(qi.busy_cycles > 0);
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_module_destroy(m));
}

/* out[b] = n + b for every block b: the argument block reaches every block. */
static struct sinan_asm *store_kernel(void)
{
	struct sinan_asm *a = sinan_asm_new();

	sinan_asm_ld(a, 8, false, 5, 1, 0);		/* x5 = out */
	sinan_asm_ld(a, 4, false, 6, 1, 8);		/* x6 = n */
	sinan_asm_alu(a, SINAN_ALU_ADD, 6, 6, 2);	/* + block index */
	sinan_asm_alui(a, SINAN_ALU_SHL, 7, 2, 3);
	sinan_asm_alu(a, SINAN_ALU_ADD, 5, 5, 7);	/* &out[b] */
	sinan_asm_st(a, 8, 6, 5, 0);
	sinan_asm_end(a);
	return a;
}

static const struct sinan_kernel_arg store_args[] = {
	{ .name = "out", .kind = SINAN_KARG_BUFFER, .flags = SINAN_KARG_F_WRITE },
	{ .name = "n", .kind = SINAN_KARG_VALUE, .bytes = 4 },
};

static void test_arguments(void **state)
{
	const uint32_t blocks = 40;
	sinan_buffer_t out = rt_devbuf(blocks * 8), h;
	struct sinan_arg args[2] = {
		{ .kind = SINAN_ARG_BUFFER, .buffer = out },
		{ .kind = SINAN_ARG_VALUE, .value = 1000 },
	};
	struct sinan_launch l = { .size = sizeof(l), .blocks = blocks, .num_args = 2, .args = args };
	sinan_kernel_t k;
	sinan_module_t m = load(store_kernel(), store_args, 2, NULL, 0, &k);
	sinan_queue_t q;
	uint64_t *p;

	(void)state;
	h = rt_host(blocks * 8, (void **)&p);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	args[1].value = 5000;	/* a second launch with its own argument block */
	l.blocks = 2;
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	ASSERT_OK(sinan_queue_copy(q, h, 0, out, 0, blocks * 8));
	ASSERT_OK(sinan_queue_finish(q, 30 * SEC));
	assert_int_equal(p[0], 5000);
	assert_int_equal(p[1], 5001);
	for (uint32_t b = 2; b < blocks; b++)
		assert_int_equal(p[b], 1000 + b);
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_module_destroy(m));
	sinan_buffer_destroy(h);
	sinan_buffer_destroy(out);
}

/* A kernel reads the module's read-only data through a data argument. */
static void test_rodata(void **state)
{
	static const uint64_t table[4] = { 0x1111, 0x2222222222ULL, 0x3333, 0x4444 };
	static const struct sinan_kernel_arg args[] = {
		{ .name = "out", .kind = SINAN_KARG_BUFFER, .flags = SINAN_KARG_F_WRITE },
		{ .name = "table", .kind = SINAN_KARG_DATA, .value = 8 },
	};
	struct sinan_asm *a = sinan_asm_new();
	sinan_buffer_t out = rt_devbuf(8), h;
	struct sinan_arg uargs[1] = { { .kind = SINAN_ARG_BUFFER, .buffer = out } };
	struct sinan_launch l = { .size = sizeof(l), .blocks = 1, .num_args = 1, .args = uargs };
	sinan_kernel_t k;
	sinan_module_t m;
	sinan_queue_t q;
	uint64_t *p;

	(void)state;
	sinan_asm_ld(a, 8, false, 5, 1, 0);
	sinan_asm_ld(a, 8, false, 6, 1, 8);
	sinan_asm_ld(a, 8, false, 7, 6, 0);
	sinan_asm_st(a, 8, 7, 5, 0);
	sinan_asm_end(a);
	m = load(a, args, 2, table, sizeof(table), &k);
	h = rt_host(8, (void **)&p);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	ASSERT_OK(sinan_queue_copy(q, h, 0, out, 0, 8));
	ASSERT_OK(sinan_queue_finish(q, 30 * SEC));
	assert_int_equal(p[0], 0x2222222222ULL);
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_module_destroy(m));
	sinan_buffer_destroy(h);
	sinan_buffer_destroy(out);
}

/* One recorded launch, replayed with a different output buffer and value each time. */
static void test_cmdbuf_slots(void **state)
{
	const uint32_t blocks = 8;
	sinan_buffer_t outs[3], slot, h;
	struct sinan_arg args[2] = { { .kind = SINAN_ARG_BUFFER }, { .kind = SINAN_ARG_VALUE, .slot = 2, .value = 1 } };
	struct sinan_launch l = { .size = sizeof(l), .blocks = blocks, .num_args = 2, .args = args };
	sinan_kernel_t k;
	sinan_module_t m = load(store_kernel(), store_args, 2, NULL, 0, &k);
	sinan_cmdbuf_t cb;
	sinan_queue_t q;
	uint64_t *p;

	(void)state;
	h = rt_host(3 * blocks * 8, (void **)&p);
	for (int i = 0; i < 3; i++)
		outs[i] = rt_devbuf(blocks * 8);
	ASSERT_OK(sinan_cmdbuf_create(rt_dev, &cb));
	ASSERT_OK(sinan_cmdbuf_slot(cb, 1, blocks * 8, &slot));
	args[0].buffer = slot;
	ASSERT_OK(sinan_cmdbuf_launch(cb, k, &l));
	ASSERT_OK(sinan_cmdbuf_end(cb));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_set_value(cb, 2, 1ULL << 40));	/* 4-byte argument */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_cmdbuf_set_value(cb, 1, 7));	/* a buffer slot */
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	for (int i = 0; i < 3; i++) {
		ASSERT_OK(sinan_cmdbuf_bind(cb, 1, outs[i], 0));
		ASSERT_OK(sinan_cmdbuf_set_value(cb, 2, 100 * (i + 1)));
		ASSERT_OK(sinan_queue_exec(q, cb));
		ASSERT_OK(sinan_queue_finish(q, 30 * SEC));
	}
	for (int i = 0; i < 3; i++)
		ASSERT_OK(sinan_queue_copy(q, h, i * blocks * 8, outs[i], 0, blocks * 8));
	ASSERT_OK(sinan_queue_finish(q, 30 * SEC));
	for (int i = 0; i < 3; i++)
		for (uint32_t b = 0; b < blocks; b++)
			assert_int_equal(p[i * blocks + b], 100 * (i + 1) + b);
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_cmdbuf_destroy(cb));
	ASSERT_OK(sinan_module_destroy(m));
	for (int i = 0; i < 3; i++)
		sinan_buffer_destroy(outs[i]);
	sinan_buffer_destroy(h);
}

/* A store to an unmapped address: an MMU fault by an AI core, at that address. */
static void test_core_fault(void **state)
{
	struct sinan_error_info e = { .size = sizeof(e) };
	struct sinan_launch l = { .size = sizeof(l), .blocks = 3 };
	struct sinan_asm *a = sinan_asm_new();
	sinan_kernel_t k;
	sinan_module_t m;
	sinan_queue_t q;

	(void)state;
	sinan_asm_li(a, 5, 0x40);
	sinan_asm_st(a, 8, 0, 5, 0);
	sinan_asm_end(a);
	m = load(a, NULL, 0, NULL, 0, &k);
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	ASSERT_ST(SINAN_E_MMU_FAULT, sinan_queue_finish(q, 30 * SEC));
	ASSERT_OK(sinan_get_last_error(&e));
	assert_int_equal(e.hw_error, SINAN_ERR_MMU_FAULT);
	assert_int_equal(e.fault_addr, 0x40);
	assert_int_equal(e.fault_info & 0xf, SINAN_FAULT_WRITE);
	assert_true(((e.fault_info >> 8) & 0xff) >= SINAN_FAULT_UNIT_CORE(0));
	assert_non_null(strstr(e.message, "LAUNCH 'k'"));
	ASSERT_OK(sinan_queue_recover(q));
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_module_destroy(m));
}

/* An endless loop is stopped by the queue's timeout; the queue then works again. */
static void test_endless_loop(void **state)
{
	struct sinan_queue_options o = { .size = sizeof(o), .priority = SINAN_PRIORITY_NORMAL, .timeout_ms = 400 };
	struct sinan_launch l = { .size = sizeof(l), .blocks = 1 };
	struct sinan_asm *a = sinan_asm_new();
	int top = sinan_asm_label(a);
	sinan_kernel_t k, kend;
	sinan_module_t m, mend;
	sinan_queue_t q;

	(void)state;
	sinan_asm_bind(a, top);
	sinan_asm_alui(a, SINAN_ALU_ADD, 5, 5, 1);
	sinan_asm_jmp(a, top);
	m = load(a, NULL, 0, NULL, 0, &k);
	a = sinan_asm_new();
	sinan_asm_end(a);
	mend = load(a, NULL, 0, NULL, 0, &kend);
	ASSERT_OK(sinan_queue_create(rt_dev, &o, &q));
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	ASSERT_ST(SINAN_E_HANG, sinan_queue_finish(q, 60 * SEC));
	assert_non_null(strstr(sinan_last_error_message(), "400 ms"));
	ASSERT_OK(sinan_queue_recover(q));
	ASSERT_OK(sinan_queue_launch(q, kend, &l));
	ASSERT_OK(sinan_queue_finish(q, 30 * SEC));
	ASSERT_OK(sinan_queue_destroy(q));
	ASSERT_OK(sinan_module_destroy(mend));
	ASSERT_OK(sinan_module_destroy(m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_runs),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_rodata),
		cmocka_unit_test(test_cmdbuf_slots),
		cmocka_unit_test(test_core_fault),
		cmocka_unit_test(test_endless_loop),
	};

	return cmocka_run_group_tests_name("runtime-launch", tests, rt_setup, rt_teardown);
}

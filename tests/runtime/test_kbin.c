// SPDX-License-Identifier: MIT
/*
 * Kernel binaries: the writer and the reader agree; versions are checked
 * when a binary is loaded, before anything runs; malformed files are
 * errors, never crashes; launches are checked against the argument metadata.
 */
#include <stdlib.h>
#include <string.h>

#include <sinan_hw/sinan_isa.h>
#include <sinan_hw/sinan_kbin.h>

#include "rt_common.h"

static const uint64_t end_code[] = { SINAN_ENC_I(SINAN_I_END, 0, 0, 0, 0) };
static const uint64_t two_code[] = {
	SINAN_ENC_I(SINAN_I_LI, 5, 0, 0, 42),
	SINAN_ENC_I(SINAN_I_END, 0, 0, 0, 0),
};

static void *build(uint32_t isa_major, uint32_t isa_minor, uint32_t abi, size_t *bytes)
{
	static const struct sinan_kernel_arg args[] = {
		{ .name = "out", .kind = SINAN_KARG_BUFFER, .flags = SINAN_KARG_F_WRITE },
		{ .name = "n", .kind = SINAN_KARG_VALUE, .bytes = 4 },
		{ .name = "table", .kind = SINAN_KARG_DATA, .value = 16 },
		{ .name = "in", .kind = SINAN_KARG_BUFFER, .flags = SINAN_KARG_F_READ },
	};
	static const char rodata[64] = "constant data of the module";
	sinan_kbin_writer_t w;
	void *img;

	ASSERT_OK(sinan_kbin_writer_create(&w));
	ASSERT_OK(sinan_kbin_writer_set_version(w, isa_major, isa_minor, abi));
	ASSERT_OK(sinan_kbin_writer_add_kernel(w, "first", end_code, 1, NULL, 0));
	ASSERT_OK(sinan_kbin_writer_add_kernel(w, "second", two_code, 2, args, 4));
	ASSERT_OK(sinan_kbin_writer_set_rodata(w, rodata, sizeof(rodata)));
	ASSERT_OK(sinan_kbin_writer_finish(w, &img, bytes));
	ASSERT_OK(sinan_kbin_writer_destroy(w));
	return img;
}

static void test_roundtrip(void **state)
{
	struct sinan_kbin_info info = { .size = sizeof(info) };
	struct sinan_kernel_info ki = { .size = sizeof(ki) };
	struct sinan_kernel_arg a;
	const uint64_t *code;
	size_t n;
	void *img = build(SINAN_ISA_MAJOR, SINAN_ISA_MINOR, SINAN_KBIN_ABI_VERSION, &n);

	(void)state;
	ASSERT_OK(sinan_kbin_inspect(img, n, &info));
	assert_int_equal(info.isa_major, SINAN_ISA_MAJOR);
	assert_int_equal(info.abi_version, SINAN_KBIN_ABI_VERSION);
	assert_int_equal(info.num_kernels, 2);
	assert_int_equal(info.text_bytes, 24);
	assert_int_equal(info.rodata_bytes, 64);
	assert_non_null(strstr(info.producer, "libsinan"));
	ASSERT_OK(sinan_kbin_get_kernel(img, n, 1, &ki, &code));
	assert_string_equal(ki.name, "second");
	assert_int_equal(ki.num_instructions, 2);
	assert_int_equal(ki.code_offset, 8);
	assert_memory_equal(code, two_code, sizeof(two_code));
	/* Laid out in order, naturally aligned: out@0, n@8, table@16, in@24. */
	assert_int_equal(ki.args_bytes, 32);
	ASSERT_OK(sinan_kbin_get_arg(img, n, 1, 1, &a));
	assert_string_equal(a.name, "n");
	assert_int_equal(a.offset, 8);
	assert_int_equal(a.bytes, 4);
	ASSERT_OK(sinan_kbin_get_arg(img, n, 1, 2, &a));
	assert_int_equal(a.kind, SINAN_KARG_DATA);
	assert_int_equal(a.value, 16);
	ASSERT_ST(SINAN_E_NOT_FOUND, sinan_kbin_get_kernel(img, n, 2, &ki, NULL));
	ASSERT_ST(SINAN_E_NOT_FOUND, sinan_kbin_get_arg(img, n, 0, 0, &a));
	sinan_free(img);
}

static void test_load_and_query(void **state)
{
	struct sinan_kernel_info ki = { .size = sizeof(ki) };
	struct sinan_kernel_arg a;
	sinan_module_t m;
	sinan_kernel_t k;
	size_t n;
	void *img = build(SINAN_ISA_MAJOR, SINAN_ISA_MINOR, SINAN_KBIN_ABI_VERSION, &n);

	(void)state;
	ASSERT_OK(sinan_module_load(rt_dev, img, n, &m));
	ASSERT_OK(sinan_module_get_kernel(m, "second", &k));
	ASSERT_OK(sinan_kernel_get_info(k, &ki));
	assert_int_equal(ki.num_args, 4);
	ASSERT_OK(sinan_kernel_get_arg(k, 3, &a));
	assert_string_equal(a.name, "in");
	ASSERT_ST(SINAN_E_NOT_FOUND, sinan_kernel_get_arg(k, 4, &a));
	ASSERT_ST(SINAN_E_NOT_FOUND, sinan_module_get_kernel(m, "third", &k));
	assert_non_null(strstr(sinan_last_error_message(), "third"));
	ASSERT_OK(sinan_module_destroy(m));
	ASSERT_ST(SINAN_E_NOT_FOUND, sinan_module_load_file(rt_dev, "/nonexistent/k.elf", &m));
	sinan_free(img);
}

/* Version skew is found at load time, with both versions in the message. */
static void test_version_mismatch(void **state)
{
	struct sinan_device_props p = { .size = sizeof(p) };
	struct sinan_kbin_info info = { .size = sizeof(info) };
	sinan_module_t m = (sinan_module_t)1;
	size_t n;
	void *img;

	(void)state;
	ASSERT_OK(sinan_device_get_props(rt_dev, &p));
	img = build((p.isa_version >> 16) + 1, 0, SINAN_KBIN_ABI_VERSION, &n);
	ASSERT_OK(sinan_kbin_inspect(img, n, &info));	/* well formed */
	ASSERT_ST(SINAN_E_VERSION_MISMATCH, sinan_module_load(rt_dev, img, n, &m));
	assert_null(m);
	assert_non_null(strstr(sinan_last_error_message(), "needs ISA 2.0"));
	assert_non_null(strstr(sinan_last_error_message(), "implements ISA 1.0"));
	sinan_free(img);
	img = build(p.isa_version >> 16, (p.isa_version & 0xffff) + 1, SINAN_KBIN_ABI_VERSION, &n);
	ASSERT_ST(SINAN_E_VERSION_MISMATCH, sinan_module_load(rt_dev, img, n, &m));
	assert_non_null(strstr(sinan_last_error_message(), "newer instructions"));
	sinan_free(img);
	img = build(p.isa_version >> 16, 0, SINAN_KBIN_ABI_VERSION + 1, &n);
	ASSERT_ST(SINAN_E_VERSION_MISMATCH, sinan_kbin_inspect(img, n, &info));
	ASSERT_ST(SINAN_E_VERSION_MISMATCH, sinan_module_load(rt_dev, img, n, &m));
	assert_non_null(strstr(sinan_last_error_message(), "kernel ABI 2"));
	sinan_free(img);
}

/* Every truncation and every single-byte corruption is an error or harmless, never a crash. */
static void test_malformed(void **state)
{
	struct sinan_kbin_info info = { .size = sizeof(info) };
	size_t n;
	uint8_t *img = build(SINAN_ISA_MAJOR, SINAN_ISA_MINOR, SINAN_KBIN_ABI_VERSION, &n), *bad;
	unsigned int rejected = 0;

	(void)state;
	bad = malloc(n);
	assert_non_null(bad);
	for (size_t len = 0; len < n; len++) {
		sinan_status st = sinan_kbin_inspect(img, len, &info);

		assert_true(st == SINAN_E_BAD_BINARY || st == SINAN_OK);
		rejected += st != SINAN_OK;
	}
	assert_true(rejected > n / 2);
	for (size_t i = 0; i < n; i++) {
		sinan_status st;

		memcpy(bad, img, n);
		bad[i] ^= 0xff;
		st = sinan_kbin_inspect(bad, n, &info);
		assert_true(st == SINAN_OK || st == SINAN_E_BAD_BINARY || st == SINAN_E_VERSION_MISMATCH);
	}
	/* Specific lies the reader must catch. */
	assert_int_equal(sinan_kbin_inspect(NULL, 100, &info), SINAN_E_INVALID_ARGUMENT);
	memset(bad, 0, n);
	ASSERT_ST(SINAN_E_BAD_BINARY, sinan_kbin_inspect(bad, n, &info));
	ASSERT_ST(SINAN_E_BAD_BINARY, sinan_module_load(rt_dev, bad, n, &(sinan_module_t){ 0 }));
	free(bad);
	sinan_free(img);
}

static void test_writer_errors(void **state)
{
	struct sinan_kernel_arg overlap[] = {
		{ .name = "a", .kind = SINAN_KARG_BUFFER, .offset = 8 },
		{ .name = "b", .kind = SINAN_KARG_VALUE, .bytes = 8, .offset = 8 },
	};
	struct sinan_kernel_arg badsize[] = { { .name = "v", .kind = SINAN_KARG_VALUE, .bytes = 3 } };
	sinan_kbin_writer_t w;
	void *img;
	size_t n;

	(void)state;
	ASSERT_OK(sinan_kbin_writer_create(&w));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_kbin_writer_finish(w, &img, &n));	/* no kernel */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_kbin_writer_add_kernel(w, "", end_code, 1, NULL, 0));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_kbin_writer_add_kernel(w, "k", NULL, 1, NULL, 0));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_kbin_writer_add_kernel(w, "k", end_code, 0, NULL, 0));
	ASSERT_OK(sinan_kbin_writer_add_kernel(w, "k", end_code, 1, NULL, 0));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_kbin_writer_add_kernel(w, "k", end_code, 1, NULL, 0));
	ASSERT_OK(sinan_kbin_writer_add_kernel(w, "o", end_code, 1, overlap, 2));
	/* What the writer would produce is checked by the reader before it is handed out. */
	ASSERT_ST(SINAN_E_BAD_BINARY, sinan_kbin_writer_finish(w, &img, &n));
	assert_non_null(strstr(sinan_last_error_message(), "overlap"));
	ASSERT_OK(sinan_kbin_writer_destroy(w));
	ASSERT_OK(sinan_kbin_writer_create(&w));
	ASSERT_OK(sinan_kbin_writer_add_kernel(w, "s", end_code, 1, badsize, 1));
	ASSERT_ST(SINAN_E_BAD_BINARY, sinan_kbin_writer_finish(w, &img, &n));
	ASSERT_OK(sinan_kbin_writer_destroy(w));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_kbin_writer_destroy(NULL));
}

/* Launch arguments are checked against the metadata when recorded. */
static void test_launch_checks(void **state)
{
	sinan_module_t m;
	sinan_kernel_t k;
	sinan_queue_t q, cq;
	sinan_buffer_t d = rt_devbuf(4096), h = rt_host(4096, NULL), ro;
	struct sinan_queue_options co = { .size = sizeof(co), .engine = SINAN_ENGINE_COPY,
					  .priority = SINAN_PRIORITY_NORMAL };
	struct sinan_arg args[3] = {
		{ .kind = SINAN_ARG_BUFFER, .buffer = d },
		{ .kind = SINAN_ARG_VALUE, .value = 7 },
		{ .kind = SINAN_ARG_BUFFER, .buffer = d },
	};
	struct sinan_launch l = { .size = sizeof(l), .blocks = 2, .num_args = 3, .args = args };
	size_t n;
	void *img = build(SINAN_ISA_MAJOR, SINAN_ISA_MINOR, SINAN_KBIN_ABI_VERSION, &n);

	(void)state;
	ASSERT_OK(sinan_module_load(rt_dev, img, n, &m));
	sinan_free(img);
	ASSERT_OK(sinan_module_get_kernel(m, "second", &k));
	ASSERT_OK(sinan_queue_create(rt_dev, NULL, &q));
	ASSERT_OK(sinan_queue_create(rt_dev, &co, &cq));
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(cq, k, &l));	/* copy engine */
	l.num_args = 2;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	assert_non_null(strstr(sinan_last_error_message(), "takes 3 arguments"));
	l.num_args = 3;
	args[1].kind = SINAN_ARG_BUFFER;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	args[1].kind = SINAN_ARG_VALUE;
	args[1].value = 1ULL << 40;	/* does not fit 4 bytes */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	args[1].value = (uint64_t)-5;	/* negative values sign-extend: fine */
	ASSERT_OK(sinan_queue_launch(q, k, &l));
	args[2].buffer = h;	/* AI cores do not reach host memory */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	assert_non_null(strstr(sinan_last_error_message(), "host buffer"));
	ASSERT_OK(sinan_buffer_create(rt_dev, 4096, SINAN_MEM_DEVICE, SINAN_BUFFER_READ_ONLY, &ro));
	args[2].buffer = d;
	args[0].buffer = ro;	/* "out" is written by the kernel */
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	args[0].buffer = d;
	l.blocks = 0;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	l.blocks = 65537;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	l.blocks = 1;
	l.size = 4;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, k, &l));
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_queue_launch(q, NULL, &l));
	/* Nothing valid was lost: drop the recorded launches without running them. */
	ASSERT_OK(sinan_queue_recover(q));
	ASSERT_OK(sinan_module_destroy(m));
	ASSERT_OK(sinan_queue_destroy(cq));
	ASSERT_OK(sinan_queue_destroy(q));
	sinan_buffer_destroy(ro);
	sinan_buffer_destroy(h);
	sinan_buffer_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_load_and_query),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_launch_checks),
	};

	return cmocka_run_group_tests_name("runtime-kbin", tests, rt_setup, rt_teardown);
}

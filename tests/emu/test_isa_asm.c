// SPDX-License-Identifier: MIT
/*
 * lib/isa: the assembler and disassembler. Every well-formed encoding
 * survives disassemble -> assemble unchanged, every malformed one prints as
 * .word (and survives too), labels and fixups resolve, errors are reported
 * with their line, and the interpreter rejects exactly the words the
 * disassembler calls invalid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "isa/sinan_asm.h"

static uint64_t roundtrip(uint64_t w, char *text, size_t size)
{
	struct sinan_asm *a = sinan_asm_new();
	const uint64_t *code;
	size_t n;
	uint64_t out;

	sinan_disasm(w, text, size);
	if (sinan_asm_text(a, text))
		fail_msg("'%s' (0x%016llx) does not assemble: %s", text, (unsigned long long)w, sinan_asm_error(a));
	code = sinan_asm_finish(a, &n);
	assert_non_null(code);
	assert_int_equal(n, 1);
	out = code[0];
	sinan_asm_free(a);
	return out;
}

/* Every opcode with every func value (and random registers/immediates). */
static void test_roundtrip_all_funcs(void **st)
{
	char text[160];
	unsigned int valid = 0, invalid = 0;

	(void)st;
	h_srand(5);
	for (unsigned int op = 0; op < 256; op++) {
		uint64_t used = sinan_insn_fields(op);
		bool iform = op == SINAN_I_LI || op == SINAN_I_LUI || op == SINAN_I_ALUI || op == SINAN_I_LD ||
			     op == SINAN_I_ST || op == SINAN_I_BR || op == SINAN_I_TRAP || op == SINAN_I_SETCFG;
		unsigned int nfunc = iform ? 64 : 1024;

		for (unsigned int fn = 0; fn < nfunc; fn++)
			for (int rep = 0; rep < (used ? 3 : 1); rep++) {
				uint64_t w = h_rand64() & (used ? used : ~0ULL);

				w = (w & ~0xffULL) | op;
				if (iform)
					w = (w & ~SINAN_F_FUNC_I) | ((uint64_t)fn << 18);
				else if (used & SINAN_F_FUNC_R)
					w = (w & ~SINAN_F_FUNC_R) | ((uint64_t)fn << 38);
				if ((op == SINAN_I_SET_FLAG || op == SINAN_I_WAIT_FLAG) && rep)
					w = (w & ~SINAN_F_IMM16) | ((uint64_t)(h_rand64() % 8) << 48);
				if (op == SINAN_I_BR && fn == SINAN_BR_ALWAYS && rep)
					w &= ~(SINAN_F_RD | SINAN_F_RA);
				if (sinan_insn_valid(w, NULL))
					valid++;
				else
					invalid++;
				if (roundtrip(w, text, sizeof(text)) != w)
					fail_msg("0x%016llx -> '%s' -> different word", (unsigned long long)w, text);
			}
	}
	print_message("round trips: %u valid encodings, %u invalid\n", valid, invalid);
	assert_true(valid > 3000);
}

/* Random words, mostly malformed: they print as .word and come back unchanged. */
static void test_roundtrip_random(void **st)
{
	char text[160];

	(void)st;
	for (int i = 0; i < 20000; i++) {
		uint64_t w = h_rand64();
		int r = sinan_disasm(w, text, sizeof(text));

		assert_int_equal(r == 0, sinan_insn_valid(w, NULL));
		if (r)
			assert_non_null(strstr(text, ".word"));
		assert_int_equal(roundtrip(w, text, sizeof(text)), w);
	}
}

static void test_disasm_format(void **st)
{
	char t[160];

	(void)st;
	sinan_disasm(SINAN_ENC_R(SINAN_I_MMAD, 5, 6, 7, 8, 9, 10, SINAN_DT_FP16 | SINAN_MMAD_F_ACC, 0), t, sizeof(t));
	assert_string_equal(t, "mmad.fp16.acc l0c[x5], l0a[x6], l0b[x7], m=x8 n=x9 k=x10");
	sinan_disasm(SINAN_ENC_I(SINAN_I_LD, 3, 1, 2 | SINAN_LDST_SIGNED, -8), t, sizeof(t));
	assert_string_equal(t, "ld.s32 x3, [x1-8]");
	sinan_disasm(SINAN_ENC_R(SINAN_I_MOV, 5, 6, 7, 8, 9, 10, SINAN_MOV_FUNC(SINAN_BUF_GM, SINAN_BUF_UB,
										SINAN_MOV_F_ZPAD), 0), t, sizeof(t));
	assert_string_equal(t, "mov.gm.ub.zpad ub[x5], gm[x6], n=x7 len=x8 ss=x9 ds=x10");
	sinan_disasm(SINAN_ENC_R(SINAN_I_WAIT_FLAG, 0, 0, 0, 0, 0, 0, SINAN_FLAG_FUNC(SINAN_PIPE_MTE2, SINAN_PIPE_V), 3),
		     t, sizeof(t));
	assert_string_equal(t, "wait_flag mte2, v, 3");
	sinan_disasm(SINAN_ENC_I(SINAN_I_BR, 0, 0, SINAN_BR_ALWAYS, -3), t, sizeof(t));
	assert_string_equal(t, "b .-3");
	sinan_disasm(SINAN_ENC_R(SINAN_I_VCVT, 1, 2, 0, 3, 4, 5, SINAN_CVT_FUNC(SINAN_DT_FP32, SINAN_DT_INT8,
										SINAN_RND_FLOOR, SINAN_CVT_F_QUANT), 0),
		     t, sizeof(t));
	assert_string_equal(t, "vcvt.fp32.s8.floor.quant ub[x1], ub[x2], n=x3 rows=x4 strides=x5");
	assert_int_equal(sinan_disasm(0x0c, t, sizeof(t)), -1);
	assert_non_null(strstr(t, ".word 0x000000000000000c"));
	/* truncation keeps the buffer terminated */
	sinan_disasm(SINAN_ENC_R(SINAN_I_MMAD, 5, 6, 7, 8, 9, 10, SINAN_DT_FP16, 0), t, 10);
	assert_int_equal(strlen(t), 9);
}

/* A program in text with labels, aliases, comments; and the same from the C emitters. */
static void test_text_program(void **st)
{
	static const char *src =
		"# sum 0..n-1\n"
		"start:  li x5, 0          ; i\n"
		"        li x6, 0\n"
		"        b check\n"
		"loop:   add x6, x6, x5\n"
		"        addi x5, x5, 1\n"
		"check:  bltu x5, nblk, loop\n"
		"        st.64 x6, [args+0]\n"
		"        end\n";
	struct sinan_asm *a = sinan_asm_new(), *b = sinan_asm_new();
	int loop = sinan_asm_label(b), check = sinan_asm_label(b);
	const uint64_t *ca, *cb;
	size_t na, nb;
	struct h_dev *h;
	struct h_result r;
	uint64_t out;

	(void)st;
	assert_int_equal(sinan_asm_text(a, src), 0);
	ca = sinan_asm_finish(a, &na);
	sinan_asm_li(b, 5, 0);
	sinan_asm_li(b, 6, 0);
	sinan_asm_jmp(b, check);
	sinan_asm_bind(b, loop);
	sinan_asm_alu(b, SINAN_ALU_ADD, 6, 6, 5);
	sinan_asm_alui(b, SINAN_ALU_ADD, 5, 5, 1);
	sinan_asm_bind(b, check);
	sinan_asm_br(b, SINAN_BR_LTU, 5, 3, loop);
	sinan_asm_st(b, 8, 6, 1, 0);
	sinan_asm_end(b);
	cb = sinan_asm_finish(b, &nb);
	assert_non_null(ca);
	assert_non_null(cb);
	assert_int_equal(na, nb);
	assert_memory_equal(ca, cb, na * 8);
	/* and it runs: with 10 blocks, x3 = 10, sum 0..9 = 45 */
	h = h_new(NULL);
	out = h_buf(h, 4096);
	h_launch(h, 0, ca, na, out, 10, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(*(uint64_t *)h_va(h, out), 45);
	h_free(h);
	sinan_asm_free(a);
	sinan_asm_free(b);
}

static void expect_error(const char *src, const char *needle)
{
	struct sinan_asm *a = sinan_asm_new();
	size_t n;

	if (sinan_asm_text(a, src) == 0 && sinan_asm_finish(a, &n))
		fail_msg("'%s' assembled", src);
	assert_non_null(sinan_asm_error(a));
	if (!strstr(sinan_asm_error(a), needle))
		fail_msg("'%s': error '%s' does not mention '%s'", src, sinan_asm_error(a), needle);
	assert_null(sinan_asm_finish(a, &n));
	sinan_asm_free(a);
}

static void test_errors(void **st)
{
	struct sinan_asm *a;
	size_t n;

	(void)st;
	expect_error("nop\nfoo x1, x2\n", "line 2");
	expect_error("li x32, 1", "not a register");
	expect_error("li x1, 0x100000000", "immediate");
	expect_error("b nowhere\nend", "nowhere");
	expect_error("x: nop\nx: nop", "bound twice");
	expect_error("mmad.fp16 l0c[x1], l0b[x2], l0b[x3], m=x1 n=x2 k=x3", "l0a");
	expect_error("mmad.s16 l0c[x1], l0a[x2], l0b[x3], m=x1 n=x2 k=x3", "invalid");
	expect_error("vexp.s32 ub[x1], ub[x2], n=x3 rows=x4 strides=x5", "invalid");
	expect_error("mov.gm.gm gm[x1], gm[x2], n=x3 len=x4 ss=x5 ds=x6", "invalid");
	expect_error("vadd.fp32 ub[x1], ub[x2], n=x3 rows=x4 strides=x5", "operands");
	expect_error("ld.u12 x1, [x2]", "size");
	/* C emitters check too, and the error sticks */
	a = sinan_asm_new();
	sinan_asm_alu(a, 99, 1, 2, 3);
	sinan_asm_nop(a);
	assert_null(sinan_asm_finish(a, &n));
	assert_non_null(strstr(sinan_asm_error(a), "invalid"));
	sinan_asm_free(a);
	a = sinan_asm_new();
	sinan_asm_li(a, 40, 1);
	assert_null(sinan_asm_finish(a, &n));
	sinan_asm_free(a);
}

/* li64 materializes any constant (checked on the device) */
static void test_li64(void **st)
{
	static const uint64_t v[] = { 0, 1, 0x7fffffff, 0x80000000ULL, 0xffffffffULL, 0x100000000ULL,
				      ~0ULL, 0x8000000000000000ULL, 0x123456789abcdef0ULL, 0xffffffff80000000ULL };
	struct h_dev *h = h_new(NULL);
	struct sinan_asm *a = sinan_asm_new();
	uint64_t out = h_buf(h, 4096);
	const uint64_t *code;
	struct h_result r;
	size_t n;

	(void)st;
	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sinan_asm_li(a, 7, -1);		/* garbage in the upper half first */
		sinan_asm_li64(a, 7, v[i]);
		sinan_asm_st(a, 8, 7, 1, (int32_t)(8 * i));
	}
	sinan_asm_end(a);
	code = sinan_asm_finish(a, &n);
	h_launch(h, 0, code, n, out, 1, &r);
	assert_int_equal(r.err, 0);
	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(((uint64_t *)h_va(h, out))[i], v[i]);
	sinan_asm_free(a);
	h_free(h);
}

/* The interpreter rejects (before looking at registers) exactly the invalid words. */
static void test_interpreter_agrees(void **st)
{
	struct h_dev *h = h_new(NULL);

	(void)st;
	h_srand(17);
	for (int i = 0; i < 400; i++) {
		uint64_t w = h_rand64();
		struct sinan_asm *a;
		const uint64_t *code;
		struct h_result r;
		size_t n;
		bool valid;

		w = (w & ~0xffULL) | (h_rand64() % 0x40);
		if (i % 2)
			w &= sinan_insn_fields(SINAN_DEC_OP(w)) | 0xff;
		if (SINAN_DEC_OP(w) == SINAN_I_BR || SINAN_DEC_OP(w) == SINAN_I_TRAP ||
		    SINAN_DEC_OP(w) == SINAN_I_END)
			continue;
		valid = sinan_insn_valid(w, NULL);
		a = sinan_asm_new();
		sinan_asm_word(a, w);
		sinan_asm_end(a);
		code = sinan_asm_finish(a, &n);
		h_launch(h, 0, code, n, 0, 1, &r);
		if (valid) {
			/* may fail for its operands, never as malformed */
			if (r.err == SINAN_ERR_ILLEGAL_INSTR)
				assert_true(SINAN_CORE_DETAIL_WHAT(r.fault_info) != SINAN_EXC_OPCODE &&
					    SINAN_CORE_DETAIL_WHAT(r.fault_info) != SINAN_EXC_FUNC);
		} else {
			assert_int_equal(r.err, SINAN_ERR_ILLEGAL_INSTR);
			assert_int_equal(SINAN_CORE_DETAIL_WHAT(r.fault_info), sinan_insn_check(w));
		}
		if (r.err)
			h_queue_reset(h, 0);
		sinan_asm_free(a);
	}
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_funcs),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_disasm_format),
		cmocka_unit_test(test_text_program),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_li64),
		cmocka_unit_test(test_interpreter_agrees),
	};

	return cmocka_run_group_tests_name("emu-isa-asm", tests, NULL, NULL);
}

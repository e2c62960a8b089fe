// SPDX-License-Identifier: MIT
/*
 * Device kernels against the plain-C reference: every lowered op family on
 * random shapes (odd sizes, tails, broadcasting), compiled, loaded and run
 * on the device ($SINAN_BACKEND, the simulator by default), compared with
 * the reference executor on the same graph (unfused).
 */
#include "cc_test.h"
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>

struct bargs {
	int64_t a[8], b[8], c[8];
	int ra, rb, rc;
	int type;
	const char *op;
	int nattr;
	struct sinan_attr attr[4];
	bool bconst;
	bool pos;		/* feed |x| + 0.5 (Log, Sqrt, ...) */
	uint64_t seed;
};

static sinan_tensor_t crand(sinan_graph_t g, int type, int rank, const int64_t *dims, uint64_t seed)
{
	return t_const_rand(g, type, rank, dims, seed);
}

static void check(t_build_fn build, const struct bargs *a, double rtol, double atol)
{
	t_check(build, a, a->op, a->seed, rtol, atol);
}

/* ---- builders ------------------------------------------------------------------------------ */
static sinan_graph_t b_unary(const void *p)
{
	const struct bargs *a = p;
	sinan_graph_t g = sinan_graph_create();
	sinan_tensor_t x = sinan_graph_input(g, "x", a->type, a->ra, a->a);
	if (a->pos) {
		float h = 0.5f;
		x = sinan_graph_op(g, "Abs", 1, &x, 0, NULL);
		x = sinan_graph_op(g, "Add", 2, (sinan_tensor_t[]){ x, sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0,
								  NULL, &h) }, 0, NULL);
	}
	sinan_tensor_t y = sinan_graph_op(g, a->op, 1, &x, a->nattr, a->attr);
	if (!y)
		fail_msg("%s: %s", a->op, sinan_graph_error(g));
	sinan_graph_output(g, y, "y");
	return g;
}

static sinan_graph_t b_binary(const void *p)
{
	const struct bargs *a = p;
	sinan_graph_t g = sinan_graph_create();
	sinan_tensor_t x = sinan_graph_input(g, "x", a->type, a->ra, a->a);
	sinan_tensor_t w = a->bconst ? crand(g, a->type, a->rb, a->b, a->seed) :
				       sinan_graph_input(g, "w", a->type, a->rb, a->b);
	sinan_tensor_t in[3] = { x, w, NULL };
	int nin = 2;
	if (a->rc >= 0 && a->rc < 9 && a->c[0] > 0) {
		in[2] = crand(g, a->type, a->rc, a->c, a->seed + 1);
		nin = 3;
	}
	sinan_tensor_t y = sinan_graph_op(g, a->op, nin, in, a->nattr, a->attr);
	if (!y)
		fail_msg("%s: %s", a->op, sinan_graph_error(g));
	sinan_graph_output(g, y, "y");
	return g;
}

/* ---- elementwise ---------------------------------------------------------------------------- */
static void elem_unary(void **state)
{
	(void)state;
	static const char *const ops[] = {
		"Abs", "Neg", "Exp", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Erf", "Sin", "Cos",
		"Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
		"Softplus", "Softsign", "Sign", "Sinh", "Cosh", "Log",
	};
	for (size_t i = 0; i < CC_ARRAY_SIZE(ops); i++) {
		struct bargs a = { .ra = 3, .type = SINAN_TYPE_FLOAT, .op = ops[i], .seed = i };
		t_seed(i + 1);
		a.a[0] = t_int(1, 3);
		a.a[1] = t_int(1, 70);
		a.a[2] = t_int(1, 300);
		a.pos = !strcmp(ops[i], "Log") || !strcmp(ops[i], "Sqrt") || !strcmp(ops[i], "Reciprocal");
		check(b_unary, &a, 1e-5, 1e-6);
	}
}

static void elem_broadcast(void **state)
{
	(void)state;
	static const char *const ops[] = { "Add", "Sub", "Mul", "Div", "Max", "Min", "PRelu" };
	/* (a, b) shape pairs: same, row, column, scalar, 3-D mixes */
	static const int64_t shapes[][2][4] = {
		{ { 5, 37, 1, 1 }, { 5, 37, 1, 1 } },
		{ { 9, 130, 1, 1 }, { 1, 130, 1, 1 } },
		{ { 9, 130, 1, 1 }, { 9, 1, 1, 1 } },
		{ { 7, 3, 11, 1 }, { 1, 3, 1, 1 } },
		{ { 2, 3, 4, 5 }, { 3, 1, 1, 1 } },
		{ { 1, 4, 1, 6 }, { 3, 1, 5, 1 } },
		{ { 1000, 1, 1, 1 }, { 1, 1, 1, 1 } },
	};
	static const int ranks[][2] = { { 2, 2 }, { 2, 2 }, { 2, 2 }, { 3, 3 }, { 4, 3 }, { 4, 4 }, { 1, 1 } };
	for (size_t o = 0; o < CC_ARRAY_SIZE(ops); o++)
		for (size_t s = 0; s < CC_ARRAY_SIZE(shapes); s++)
			for (int swap = 0; swap < 2; swap++) {
				if (!strcmp(ops[o], "PRelu") && swap)
					continue;
				struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = ops[o], .seed = o * 100 + s, .rc = -1 };
				a.ra = ranks[s][swap];
				a.rb = ranks[s][!swap];
				memcpy(a.a, shapes[s][swap], sizeof(shapes[s][0]));
				memcpy(a.b, shapes[s][!swap], sizeof(shapes[s][0]));
				if (!strcmp(ops[o], "PRelu")) {
					int64_t t[8];
					int r;
					if (cc_broadcast(a.ra, a.a, a.rb, a.b, &r, t) || r != a.ra ||
					    memcmp(t, a.a, sizeof(int64_t) * (size_t)r))
						continue;
				}
				a.bconst = s % 2;
				check(b_binary, &a, 1e-5, 1e-6);
			}
}

static void elem_compare_where(void **state)
{
	(void)state;
	static const char *const ops[] = { "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual" };
	for (size_t o = 0; o < CC_ARRAY_SIZE(ops); o++) {
		struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = ops[o], .ra = 2, .rb = 1, .a = { 17, 33 },
				   .b = { 33 }, .seed = o, .rc = -1 };
		check(b_binary, &a, 0, 0);
	}
}

static void elem_cast(void **state)
{
	(void)state;
	static const int to[] = { SINAN_TYPE_FLOAT16, SINAN_TYPE_INT32, SINAN_TYPE_INT8, SINAN_TYPE_UINT8,
				  SINAN_TYPE_BOOL, SINAN_TYPE_BFLOAT16 };
	for (size_t i = 0; i < CC_ARRAY_SIZE(to); i++) {
		struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = "Cast", .ra = 2, .a = { 13, 71 }, .seed = i,
				   .nattr = 1 };
		a.attr[0] = (struct sinan_attr)SINAN_ATTR_I("to", to[i]);
		check(b_unary, &a, to[i] == SINAN_TYPE_BFLOAT16 ? 1e-2 : 1e-3, 1e-6);
	}
}

/* ---- matrix products -------------------------------------------------------------------------- */
static void matmul_shapes(void **state)
{
	(void)state;
	static const int64_t mnk[][3] = {
		{ 1, 1, 1 }, { 3, 5, 7 }, { 16, 16, 16 }, { 17, 33, 65 }, { 100, 77, 300 }, { 129, 257, 45 },
		{ 1, 513, 1000 }, { 300, 20, 8 },
	};
	for (size_t i = 0; i < CC_ARRAY_SIZE(mnk); i++)
		for (int bc = 0; bc < 2; bc++) {
			struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = "MatMul", .ra = 2, .rb = 2, .bconst = bc,
					   .seed = i, .rc = -1 };
			a.a[0] = mnk[i][0];
			a.a[1] = mnk[i][2];
			a.b[0] = mnk[i][2];
			a.b[1] = mnk[i][1];
			/* fp32 accumulation in K order vs the double reference: atol grows with K */
			check(b_binary, &a, 1e-4, 2e-7 * (double)mnk[i][2]);
		}
}

static void matmul_batched(void **state)
{
	(void)state;
	struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = "MatMul", .ra = 3, .rb = 3, .a = { 3, 19, 40 },
			   .b = { 3, 40, 23 }, .seed = 5, .rc = -1 };
	check(b_binary, &a, 1e-4, 1e-5);
	struct bargs b = { .type = SINAN_TYPE_FLOAT, .op = "MatMul", .ra = 4, .rb = 2, .a = { 2, 3, 9, 24 },
			   .b = { 24, 31 }, .bconst = true, .seed = 6, .rc = -1 };
	check(b_binary, &b, 1e-4, 1e-5);
	struct bargs c = { .type = SINAN_TYPE_FLOAT, .op = "MatMul", .ra = 1, .rb = 2, .a = { 50 },
			   .b = { 50, 7 }, .seed = 7, .rc = -1 };
	check(b_binary, &c, 1e-4, 1e-5);
}

static void gemm_attrs(void **state)
{
	(void)state;
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++)
			for (int bc = 0; bc < 2; bc++) {
				struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = "Gemm", .ra = 2, .rb = 2, .rc = 1,
						   .bconst = bc, .seed = (uint64_t)(ta * 4 + tb * 2 + bc), .nattr = 4 };
				int64_t M = 37, N = 45, K = 70;
				a.a[0] = ta ? K : M;
				a.a[1] = ta ? M : K;
				a.b[0] = tb ? N : K;
				a.b[1] = tb ? K : N;
				a.c[0] = N;
				a.attr[0] = (struct sinan_attr)SINAN_ATTR_I("transA", ta);
				a.attr[1] = (struct sinan_attr)SINAN_ATTR_I("transB", tb);
				a.attr[2] = (struct sinan_attr)SINAN_ATTR_F("alpha", 0.5f);
				a.attr[3] = (struct sinan_attr)SINAN_ATTR_F("beta", 2.0f);
				check(b_binary, &a, 1e-4, 1e-5);
			}
}

static sinan_graph_t b_mlp(const void *p)
{
	const struct bargs *a = p;
	sinan_graph_t g = sinan_graph_create();
	sinan_tensor_t x = sinan_graph_input(g, "x", a->type, a->ra, a->a);
	sinan_tensor_t r = sinan_graph_input(g, "r", a->type, 2, (int64_t[]){ a->a[0], a->b[1] });
	sinan_tensor_t h = sinan_graph_op(g, "MatMul", 2, (sinan_tensor_t[]){ x, crand(g, a->type, 2, a->b, a->seed) },
					  0, NULL);
	h = sinan_graph_op(g, "Add", 2, (sinan_tensor_t[]){ h, crand(g, a->type, 1, &a->b[1], a->seed + 1) }, 0, NULL);
	h = sinan_graph_op(g, "Add", 2, (sinan_tensor_t[]){ r, h }, 0, NULL);
	h = sinan_graph_op(g, a->op, 1, &h, 0, NULL);
	sinan_graph_output(g, h, "y");
	return g;
}

static void matmul_epilogues(void **state)
{
	(void)state;
	static const char *const act[] = { "Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSwish", "Abs" };
	for (size_t i = 0; i < CC_ARRAY_SIZE(act); i++) {
		struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = act[i], .ra = 2, .a = { 61, 96 }, .b = { 96, 150 },
				   .seed = i };
		check(b_mlp, &a, 1e-4, 1e-5);
	}
}

static void matmul_fp16(void **state)
{
	(void)state;
	struct bargs a = { .type = SINAN_TYPE_FLOAT16, .op = "MatMul", .ra = 2, .rb = 2, .a = { 70, 300 },
			   .b = { 300, 90 }, .bconst = true, .seed = 11, .rc = -1 };
	check(b_binary, &a, 1e-2, 1e-2);
	a.bconst = false;
	check(b_binary, &a, 1e-2, 1e-2);
}

/* Gemm(transA, alpha, beta, C) + Relu: one sinan:MatMul with its epilogue */
static sinan_graph_t b_gemm_relu(const void *p)
{
	const struct bargs *a = p;
	sinan_graph_t g = sinan_graph_create();
	sinan_tensor_t x = sinan_graph_input(g, "x", a->type, 2, a->a);
	sinan_tensor_t in[3] = { x, crand(g, a->type, 2, a->b, a->seed), crand(g, a->type, 1, a->c, a->seed + 1) };
	sinan_tensor_t y = sinan_graph_op(g, "Gemm", 3, in, a->nattr, a->attr);
	y = sinan_graph_op(g, "Relu", 1, &y, 0, NULL);
	if (!y || sinan_graph_output(g, y, "y"))
		fail_msg("%s", sinan_graph_error(g));
	return g;
}

/*
 * Split-K (lower_mm.c): A panels that do not fit L1. Compiled for a small
 * target (2 cores, 64 KiB or 256 KiB of L1, 1 GB/s of device memory, so that
 * re-reading A is what the cost estimate avoids) and run on the device:
 * three K parts (the first writes partial sums, a middle one adds to them,
 * the last adds them before the epilogue, with fewer chunks), batches,
 * a narrow last n tile, transposed A with alpha, beta * C and Relu, fp16.
 */
static void matmul_split_k(void **state)
{
	(void)state;
	struct cc_target t;
	cc_target_default(&t);
	t.cores = 2;
	t.l1 = 64 << 10;
	t.devmem_bw_mbps = 1000;
	t_target = &t;
	t_expect_scratch = true;
	/* fp32 accumulation in another order (parts, then the sum) vs the double reference */
	struct bargs a = { .type = SINAN_TYPE_FLOAT, .op = "MatMul", .ra = 3, .rb = 2, .a = { 4, 64, 600 },
			   .b = { 600, 520 }, .bconst = true, .seed = 21, .rc = -1 };
	check(b_binary, &a, 1e-4, 2e-7 * 600);
	struct bargs g = { .type = SINAN_TYPE_FLOAT, .a = { 600, 64 }, .b = { 600, 520 }, .c = { 520 }, .seed = 22,
			   .nattr = 3, .op = "Gemm" };
	g.attr[0] = (struct sinan_attr)SINAN_ATTR_I("transA", 1);
	g.attr[1] = (struct sinan_attr)SINAN_ATTR_F("alpha", 0.5f);
	g.attr[2] = (struct sinan_attr)SINAN_ATTR_F("beta", 2.0f);
	t_check(b_gemm_relu, &g, "Gemm transA + Relu", g.seed, 1e-4, 2e-7 * 600);
	t.l1 = 256 << 10;
	struct bargs h = { .type = SINAN_TYPE_FLOAT16, .op = "MatMul", .ra = 3, .rb = 2, .a = { 2, 256, 1100 },
			   .b = { 1100, 300 }, .bconst = true, .seed = 23, .rc = -1 };
	check(b_binary, &h, 1e-2, 1e-2);
	/* the per-core bandwidth of the default chip and 512 KiB of L1: two parts of 24 and 23
	 * chunks, long enough that a part's first item also runs the next n tile's first chunks */
	t.l1 = 512 << 10;
	t.devmem_bw_mbps = 75000;
	struct bargs d = { .type = SINAN_TYPE_FLOAT16, .op = "MatMul", .ra = 3, .rb = 2, .a = { 2, 256, 1500 },
			   .b = { 1500, 512 }, .bconst = true, .seed = 24, .rc = -1 };
	check(b_binary, &d, 1e-2, 1e-2);
	t_target = NULL;
	t_expect_scratch = false;
}

/* A panel's first item also runs the next item's first chunks (the default chip; 4 panels
 * of 4 n tiles, the last narrow, 2 items per core) */
static void matmul_dual(void **state)
{
	(void)state;
	struct bargs a = { .type = SINAN_TYPE_FLOAT16, .op = "MatMul", .ra = 3, .rb = 2, .a = { 4, 256, 700 },
			   .b = { 700, 400 }, .bconst = true, .seed = 25, .rc = -1 };
	check(b_binary, &a, 1e-2, 1e-2);
}

static int reset_target(void **state)
{
	(void)state;
	t_target = NULL;
	t_expect_scratch = false;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elem_unary),
		cmocka_unit_test(elem_broadcast),
		cmocka_unit_test(elem_compare_where),
		cmocka_unit_test(elem_cast),
		cmocka_unit_test(matmul_shapes),
		cmocka_unit_test(matmul_batched),
		cmocka_unit_test(gemm_attrs),
		cmocka_unit_test(matmul_epilogues),
		cmocka_unit_test(matmul_fp16),
		cmocka_unit_test_teardown(matmul_split_k, reset_target),
		cmocka_unit_test(matmul_dual),
	};
	return cmocka_run_group_tests_name("compiler-kernels", tests, t_dev_setup, t_dev_teardown);
}

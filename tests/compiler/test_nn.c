// SPDX-License-Identifier: MIT
/*
 * Device kernels of the network ops against the plain-C reference:
 * convolution (groups, depthwise, strides, pads, dilations, with fused bias,
 * activation and residual), ConvTranspose, pooling, normalizations,
 * reductions and Softmax, on odd shapes; data movement (Transpose, Slice,
 * Concat, Split, Pad, Gather, Expand, Tile, DepthToSpace); integer products
 * (MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv) on the int8 cube.
 */
#include "cc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>

/* One operand: a graph input, a random constant, or given int64 values. */
struct operand {
	int rank;
	int64_t dims[6];
	enum { IN, RAND, INTS, ABSENT } kind;
	int type;		/* 0: float32 */
	int64_t ints[8];
};

struct gargs {
	const char *op;
	int nin;
	struct operand in[5];
	int nattr;
	struct sinan_attr attr[8];
	int nout;
	const char *post;	/* an activation applied to the output (fusion), or NULL */
	bool residual;		/* + a second input of the output's shape (fusion) */
	uint64_t seed;
};

static sinan_tensor_t operand(sinan_graph_t g, const struct operand *o, int i, uint64_t seed)
{
	int type = o->type ? o->type : SINAN_TYPE_FLOAT;
	char name[8];

	switch (o->kind) {
	case IN:
		snprintf(name, sizeof(name), "x%d", i);
		return sinan_graph_input(g, name, type, o->rank, o->dims);
	case RAND:
		return t_const_rand(g, type, o->rank, o->dims, seed + (uint64_t)i);
	case INTS:
		return sinan_graph_constant(g, NULL, SINAN_TYPE_INT64, o->rank, o->dims, o->ints);
	default:
		return NULL;
	}
}

static sinan_graph_t build(const void *p)
{
	const struct gargs *a = p;
	sinan_graph_t g = sinan_graph_create();
	sinan_tensor_t in[5], out[4];
	int nout = a->nout ? a->nout : 1;

	for (int i = 0; i < a->nin; i++)
		in[i] = operand(g, &a->in[i], i, a->seed);
	if (nout == 1) {
		out[0] = sinan_graph_op(g, a->op, a->nin, in, a->nattr, a->attr);
		if (!out[0])
			fail_msg("%s: %s", a->op, sinan_graph_error(g));
	} else if (sinan_graph_op_multi(g, a->op, a->nin, in, a->nattr, a->attr, nout, out)) {
		fail_msg("%s: %s", a->op, sinan_graph_error(g));
	}
	if (a->residual) {
		struct sinan_tensor_info ti;
		if (sinan_tensor_get_info(out[0], &ti))
			fail_msg("%s: %s", a->op, sinan_graph_error(g));
		sinan_tensor_t res = sinan_graph_input(g, "res", SINAN_TYPE_FLOAT, ti.rank, ti.dims);
		out[0] = sinan_graph_op(g, "Add", 2, (sinan_tensor_t[]){ out[0], res }, 0, NULL);
	}
	if (a->post)
		out[0] = sinan_graph_op(g, a->post, 1, &out[0], 0, NULL);
	for (int i = 0; i < nout; i++) {
		char name[8];
		snprintf(name, sizeof(name), "y%d", i);
		if (!out[i] || sinan_graph_output(g, out[i], name))
			fail_msg("%s: %s", a->op, sinan_graph_error(g));
	}
	return g;
}

#define OP_IN(r, ...)	{ .rank = (r), .dims = { __VA_ARGS__ }, .kind = IN }
#define OP_RAND(r, ...)	{ .rank = (r), .dims = { __VA_ARGS__ }, .kind = RAND }

static void check(const struct gargs *a, double rtol, double atol)
{
	char what[96];
	snprintf(what, sizeof(what), "%s (case %llu)", a->op, (unsigned long long)a->seed);
	t_check(build, a, what, a->seed, rtol, atol);
}

/* ---- convolution -------------------------------------------------------------------------- */
struct conv_case {
	int64_t n, c, h, w, m, kh, kw, group;
	int64_t stride, pad, dil;
	bool bias;
	const char *post;
	bool residual;
};

static void conv_shapes(void **state)
{
	(void)state;
	static const struct conv_case cs[] = {
		{ 1, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, true, NULL, false },
		{ 2, 5, 11, 9, 7, 3, 3, 1, 2, 1, 1, true, "Relu", false },
		{ 1, 16, 14, 14, 32, 1, 1, 1, 1, 0, 1, false, NULL, false },
		{ 1, 17, 9, 13, 33, 3, 5, 1, 1, 2, 1, true, "Sigmoid", false },
		{ 1, 8, 12, 12, 8, 3, 3, 8, 1, 1, 1, true, "Relu", false },	/* depthwise */
		{ 1, 32, 10, 10, 32, 3, 3, 32, 2, 1, 1, false, NULL, false },	/* depthwise, stride 2 */
		{ 1, 12, 9, 9, 18, 3, 3, 3, 1, 1, 1, true, NULL, false },		/* groups */
		{ 1, 4, 15, 15, 6, 3, 3, 1, 1, 2, 2, true, NULL, false },		/* dilation */
		{ 1, 3, 23, 23, 16, 7, 7, 1, 2, 3, 1, true, "Relu", false },	/* stem */
		{ 1, 20, 7, 7, 20, 3, 3, 1, 1, 1, 1, true, "Relu", true },		/* residual block */
		{ 1, 64, 6, 6, 40, 1, 1, 1, 2, 0, 1, true, NULL, false },
		/* 3 channel tiles of resident weights, loaded tile by tile as the first items of a
		 * core come (cores starting at each tile, wrapping around) */
		{ 5, 16, 9, 9, 300, 3, 3, 1, 1, 1, 1, true, "Relu", false },
		/* 1x1 stride 2 on odd sizes: only the rows used are loaded */
		{ 3, 24, 7, 9, 20, 1, 1, 1, 2, 0, 1, true, "Relu", false },
	};
	for (size_t i = 0; i < CC_ARRAY_SIZE(cs); i++) {
		const struct conv_case *c = &cs[i];
		struct gargs a = {
			.op = "Conv", .nin = c->bias ? 3 : 2, .seed = i, .post = c->post, .residual = c->residual,
			.in = { OP_IN(4, c->n, c->c, c->h, c->w), OP_RAND(4, c->m, c->c / c->group, c->kh, c->kw),
				OP_RAND(1, c->m) },
			.nattr = 4,
		};
		static int64_t v[8][4];
		v[0][0] = v[0][1] = c->stride;
		for (int k = 0; k < 4; k++)
			v[1][k] = c->pad;
		v[2][0] = v[2][1] = c->dil;
		a.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("strides", 2, v[0]);
		a.attr[1] = (struct sinan_attr)SINAN_ATTR_IS("pads", 4, v[1]);
		a.attr[2] = (struct sinan_attr)SINAN_ATTR_IS("dilations", 2, v[2]);
		a.attr[3] = (struct sinan_attr)SINAN_ATTR_I("group", c->group);
		/* fp32 accumulation over C*kh*kw products vs the double reference */
		check(&a, 1e-4, 2e-7 * (double)(c->c / c->group * c->kh * c->kw));
	}
}

/* Schedules for big operands: feature maps in several L1 bands (the next band loading during
 * the current one, across images), weights larger than L1 (channel-tile slices kept in L1). */
static void conv_big(void **state)
{
	(void)state;
	static const int64_t p1[4] = { 1, 1, 1, 1 };
	struct gargs a = { .op = "Conv", .nin = 3, .seed = 120, .nattr = 1,
			   .in = { OP_IN(4, 2, 32, 60, 160), OP_RAND(4, 16, 32, 3, 3), OP_RAND(1, 16) } };
	a.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("pads", 4, p1);
	check(&a, 1e-4, 2e-7 * 288);
	struct gargs b = { .op = "Conv", .nin = 3, .seed = 121, .nattr = 1, .post = "Relu",
			   .in = { OP_IN(4, 3, 128, 5, 5), OP_RAND(4, 264, 128, 3, 3), OP_RAND(1, 264) } };
	b.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("pads", 4, p1);
	check(&b, 1e-4, 2e-7 * 1152);
}

static void conv_runtime_weights_and_1d(void **state)
{
	(void)state;
	/* weights as a graph input: packed on the device */
	struct gargs a = { .op = "Conv", .nin = 2, .seed = 20,
			   .in = { OP_IN(4, 1, 6, 10, 10), OP_IN(4, 5, 6, 3, 3) } };
	check(&a, 1e-4, 1e-5);
	/* 1-D convolution, asymmetric pads */
	static const int64_t pads[] = { 2, 1 };
	struct gargs b = { .op = "Conv", .nin = 3, .seed = 21, .nattr = 1,
			   .in = { OP_IN(3, 2, 5, 31), OP_RAND(3, 7, 5, 4), OP_RAND(1, 7) } };
	b.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("pads", 2, pads);
	check(&b, 1e-4, 1e-5);
	/* auto_pad SAME_UPPER with stride 2 */
	static const int64_t s2[] = { 2, 2 };
	struct gargs c = { .op = "Conv", .nin = 2, .seed = 22, .nattr = 2,
			   .in = { OP_IN(4, 1, 3, 13, 10), OP_RAND(4, 4, 3, 3, 3) } };
	c.attr[0] = (struct sinan_attr)SINAN_ATTR_S("auto_pad", "SAME_UPPER");
	c.attr[1] = (struct sinan_attr)SINAN_ATTR_IS("strides", 2, s2);
	check(&c, 1e-4, 1e-5);
}

static void conv_transpose(void **state)
{
	(void)state;
	static const int64_t s2[] = { 2, 2 }, p1[] = { 1, 1, 1, 1 }, op1[] = { 1, 1 };
	struct gargs a = { .op = "ConvTranspose", .nin = 3, .seed = 30, .nattr = 2,
			   .in = { OP_IN(4, 1, 4, 5, 6), OP_RAND(4, 4, 3, 3, 3), OP_RAND(1, 3) } };
	a.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("strides", 2, s2);
	a.attr[1] = (struct sinan_attr)SINAN_ATTR_IS("pads", 4, p1);
	check(&a, 1e-4, 1e-5);
	struct gargs b = { .op = "ConvTranspose", .nin = 2, .seed = 31, .nattr = 2,
			   .in = { OP_IN(4, 2, 6, 7, 7), OP_RAND(4, 6, 2, 4, 4) } };
	b.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("strides", 2, s2);
	b.attr[1] = (struct sinan_attr)SINAN_ATTR_IS("output_padding", 2, op1);
	check(&b, 1e-4, 1e-5);
	struct gargs c = { .op = "ConvTranspose", .nin = 2, .seed = 32, .nattr = 1,
			   .in = { OP_IN(4, 1, 6, 5, 5), OP_RAND(4, 6, 1, 3, 3) } };
	c.attr[0] = (struct sinan_attr)SINAN_ATTR_I("group", 6);
	check(&c, 1e-4, 1e-5);
}

/* A ResNet-like chain: the activations stay NC1HWC0 between the ops (pass_layout.c), with
 * channel counts that are not multiples of C0 (zero padding channels). */
struct chain {
	int64_t c, m;
	bool bn;
};

static sinan_graph_t b_chain(const void *p)
{
	const struct chain *a = p;
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[4] = { 2, a->c, 12, 11 }, w1[4] = { a->c, a->c, 3, 3 }, w2[4] = { a->m, a->c, 1, 1 };
	int64_t cd[1] = { a->c }, md[1] = { a->m }, sd[3] = { a->c, 1, 1 };
	static const int64_t p1[4] = { 1, 1, 1, 1 }, k3[2] = { 3, 3 }, s2[2] = { 2, 2 };
	struct sinan_attr pa = SINAN_ATTR_IS("pads", 4, p1);
	struct sinan_attr pool[3] = { SINAN_ATTR_IS("kernel_shape", 2, k3), SINAN_ATTR_IS("strides", 2, s2),
				      SINAN_ATTR_IS("pads", 4, p1) };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 4, xd);
	sinan_tensor_t h = sinan_graph_op(g, "Conv", 3, (sinan_tensor_t[]){ x, t_const_rand(g, SINAN_TYPE_FLOAT, 4, w1, 1),
					  t_const_rand(g, SINAN_TYPE_FLOAT, 1, cd, 2) }, 1, &pa);
	h = sinan_graph_op(g, "Relu", 1, &h, 0, NULL);
	h = sinan_graph_op(g, "Conv", 2, (sinan_tensor_t[]){ h, t_const_rand(g, SINAN_TYPE_FLOAT, 4, w1, 3) }, 1, &pa);
	if (a->bn)	/* a per-channel scale the fusion leaves as Mul */
		h = sinan_graph_op(g, "Mul", 2, (sinan_tensor_t[]){ h, t_const_rand(g, SINAN_TYPE_FLOAT, 3, sd, 4) }, 0, NULL);
	h = sinan_graph_op(g, "Add", 2, (sinan_tensor_t[]){ h, x }, 0, NULL);	/* residual */
	h = sinan_graph_op(g, "Relu", 1, &h, 0, NULL);
	sinan_tensor_t mid = h;
	h = sinan_graph_op(g, "MaxPool", 1, &h, 3, pool);
	h = sinan_graph_op(g, "Conv", 3, (sinan_tensor_t[]){ h, t_const_rand(g, SINAN_TYPE_FLOAT, 4, w2, 5),
				       t_const_rand(g, SINAN_TYPE_FLOAT, 1, md, 6) }, 0, NULL);
	h = sinan_graph_op(g, "Sigmoid", 1, &h, 0, NULL);
	sinan_tensor_t gp = sinan_graph_op(g, "GlobalAveragePool", 1, &h, 0, NULL);
	if (!gp || sinan_graph_output(g, gp, "y") || sinan_graph_output(g, mid, "mid"))
		fail_msg("%s", sinan_graph_error(g));
	return g;
}

static void conv_chain_5hd(void **state)
{
	(void)state;
	static const struct chain cs[] = { { 20, 33, false }, { 16, 8, true }, { 5, 40, true } };
	for (size_t i = 0; i < CC_ARRAY_SIZE(cs); i++) {
		t_expect_op = "sinan:To5HD";	/* the layout pass kept NC1HWC0 between the ops */
		t_check(b_chain, &cs[i], "conv chain", 100 + i, 1e-4, 1e-4);
		/* fp16 storage of every activation and weight through two convolutions of K = 180 on
		 * values of magnitude ~20: errors up to a few tenths (the same without the layout) */
		t_check_prec(b_chain, &cs[i], "conv chain fp16", 100 + i, SINAN_PRECISION_FP16, 3e-2, 0.3);
		t_expect_op = NULL;
	}
}

/* ---- pooling ----------------------------------------------------------------------------- */
static void pooling(void **state)
{
	(void)state;
	static const int64_t k3[] = { 3, 3 }, k2[] = { 2, 2 }, s2[] = { 2, 2 }, p1[] = { 1, 1, 1, 1 },
			     p01[] = { 0, 1, 1, 0 };
	for (int avg = 0; avg < 2; avg++) {
		const char *op = avg ? "AveragePool" : "MaxPool";
		struct gargs a = { .op = op, .nin = 1, .seed = 40 + (uint64_t)avg, .nattr = 3,
				   .in = { OP_IN(4, 2, 19, 15, 13) } };
		a.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("kernel_shape", 2, k3);
		a.attr[1] = (struct sinan_attr)SINAN_ATTR_IS("strides", 2, s2);
		a.attr[2] = (struct sinan_attr)SINAN_ATTR_IS("pads", 4, p1);
		check(&a, 1e-5, 1e-6);
		/* asymmetric pads, ceil mode, count_include_pad */
		struct gargs b = { .op = op, .nin = 1, .seed = 42 + (uint64_t)avg, .nattr = 4,
				   .in = { OP_IN(4, 1, 5, 9, 8) } };
		b.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("kernel_shape", 2, k2);
		b.attr[1] = (struct sinan_attr)SINAN_ATTR_IS("pads", 4, p01);
		b.attr[2] = (struct sinan_attr)SINAN_ATTR_I("ceil_mode", 1);
		b.attr[3] = (struct sinan_attr)SINAN_ATTR_IS("strides", 2, s2);
		if (avg) {
			b.attr[4] = (struct sinan_attr)SINAN_ATTR_I("count_include_pad", 1);
			b.nattr = 5;
		}
		check(&b, 1e-5, 1e-6);
		struct gargs c = { .op = avg ? "GlobalAveragePool" : "GlobalMaxPool", .nin = 1, .seed = 44,
				   .in = { OP_IN(4, 3, 21, 7, 9) } };
		check(&c, 1e-5, 1e-6);
	}
}

/* ---- normalizations, reductions, softmax ---------------------------------------------------- */
static void normalizations(void **state)
{
	(void)state;
	struct gargs ln = { .op = "LayerNormalization", .nin = 3, .seed = 50, .nattr = 1,
			    .in = { OP_IN(3, 3, 17, 200), OP_RAND(1, 200), OP_RAND(1, 200) } };
	ln.attr[0] = (struct sinan_attr)SINAN_ATTR_I("axis", -1);
	check(&ln, 1e-4, 1e-5);
	struct gargs ln2 = { .op = "LayerNormalization", .nin = 2, .seed = 51, .nattr = 1,
			     .in = { OP_IN(3, 4, 6, 33), OP_RAND(2, 6, 33) } };
	ln2.attr[0] = (struct sinan_attr)SINAN_ATTR_I("axis", 1);
	check(&ln2, 1e-4, 1e-5);
	struct gargs in = { .op = "InstanceNormalization", .nin = 3, .seed = 52,
			    .in = { OP_IN(4, 2, 5, 9, 11), OP_RAND(1, 5), OP_RAND(1, 5) } };
	check(&in, 1e-4, 1e-5);
	struct gargs bn = { .op = "BatchNormalization", .nin = 5, .seed = 53,
			    .in = { OP_IN(4, 2, 7, 5, 6), OP_RAND(1, 7), OP_RAND(1, 7), OP_RAND(1, 7), OP_RAND(1, 7) } };
	/* random variances are in [-1, 1): epsilon 1.5 keeps var + epsilon positive */
	bn.attr[0] = (struct sinan_attr)SINAN_ATTR_F("epsilon", 1.5f);
	bn.nattr = 1;
	check(&bn, 1e-4, 1e-5);
}

static void reductions(void **state)
{
	(void)state;
	static const char *const ops[] = { "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2", "ReduceL1",
					   "ReduceSumSquare", "ReduceLogSumExp" };
	static const int64_t axes[][3] = { { -1 }, { 0 }, { 1 }, { 0, 2 }, { 1, 2 } };
	static const int naxes[] = { 1, 1, 1, 2, 2 };
	uint64_t seed = 60;
	for (size_t o = 0; o < CC_ARRAY_SIZE(ops); o++)
		for (size_t x = 0; x < CC_ARRAY_SIZE(axes); x++)
			for (int keep = 0; keep < 2; keep++) {
				struct gargs a = { .op = ops[o], .nin = 1, .seed = seed++, .nattr = 2,
						   .in = { OP_IN(3, 5, 19, 37) } };
				a.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("axes", (size_t)naxes[x], axes[x]);
				a.attr[1] = (struct sinan_attr)SINAN_ATTR_I("keepdims", keep);
				check(&a, 1e-4, 1e-5);
			}
	/* ReduceSum takes its axes as an input (opset 13) */
	struct gargs s = { .op = "ReduceSum", .nin = 2, .seed = seed++,
			   .in = { OP_IN(4, 2, 3, 40, 9), { .rank = 1, .dims = { 2 }, .kind = INTS, .ints = { 1, 3 } } } };
	check(&s, 1e-4, 1e-5);
	struct gargs all = { .op = "ReduceMean", .nin = 1, .seed = seed++, .in = { OP_IN(2, 77, 130) } };
	check(&all, 1e-4, 1e-5);
}

static void softmax(void **state)
{
	(void)state;
	static const char *const ops[] = { "Softmax", "LogSoftmax" };
	for (size_t o = 0; o < CC_ARRAY_SIZE(ops); o++)
		for (int axis = -3; axis < 3; axis++) {
			struct gargs a = { .op = ops[o], .nin = 1, .seed = 70 + o * 8 + (uint64_t)(axis + 3), .nattr = 1,
					   .in = { OP_IN(3, 3, 29, 300) } };
			a.attr[0] = (struct sinan_attr)SINAN_ATTR_I("axis", axis);
			check(&a, 1e-4, 1e-6);
		}
}

/* ---- attention (fused, then run as two cube products and a softmax) ------------------------- */
static sinan_graph_t b_attn(const void *p)
{
	(void)p;
	sinan_graph_t g = sinan_graph_create();
	int64_t qd[4] = { 2, 3, 17, 32 }, kd[4] = { 2, 3, 23, 32 }, vd[4] = { 2, 3, 23, 40 }, md[2] = { 17, 23 };
	static const int64_t perm[4] = { 0, 1, 3, 2 };
	struct sinan_attr pa = SINAN_ATTR_IS("perm", 4, perm), ax = SINAN_ATTR_I("axis", -1);
	float sc = 0.17677669f;
	sinan_tensor_t q = sinan_graph_input(g, "q", SINAN_TYPE_FLOAT, 4, qd);
	sinan_tensor_t k = sinan_graph_input(g, "k", SINAN_TYPE_FLOAT, 4, kd);
	sinan_tensor_t v = sinan_graph_input(g, "v", SINAN_TYPE_FLOAT, 4, vd);
	sinan_tensor_t kt = sinan_graph_op(g, "Transpose", 1, &k, 1, &pa);
	sinan_tensor_t s = sinan_graph_op(g, "MatMul", 2, (sinan_tensor_t[]){ q, kt }, 0, NULL);
	s = sinan_graph_op(g, "Mul", 2, (sinan_tensor_t[]){ s, sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &sc) },
			   0, NULL);
	s = sinan_graph_op(g, "Add", 2, (sinan_tensor_t[]){ s, t_const_rand(g, SINAN_TYPE_FLOAT, 2, md, 3) }, 0, NULL);
	s = sinan_graph_op(g, "Softmax", 1, &s, 1, &ax);
	sinan_tensor_t y = sinan_graph_op(g, "MatMul", 2, (sinan_tensor_t[]){ s, v }, 0, NULL);
	if (!y || sinan_graph_output(g, y, "y"))
		fail_msg("%s", sinan_graph_error(g));
	return g;
}

static void attention(void **state)
{
	(void)state;
	t_check(b_attn, NULL, "attention", 91, 1e-4, 1e-5);
}

/* ---- data movement ----------------------------------------------------------------------- */
static void movement(void **state)
{
	(void)state;
	static const int64_t perm[] = { 2, 0, 3, 1 }, perm2[] = { 1, 0 };
	struct gargs t = { .op = "Transpose", .nin = 1, .seed = 80, .nattr = 1, .in = { OP_IN(4, 3, 5, 7, 9) } };
	t.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("perm", 4, perm);
	check(&t, 0, 0);
	struct gargs t2 = { .op = "Transpose", .nin = 1, .seed = 81, .nattr = 1, .in = { OP_IN(2, 130, 67) } };
	t2.attr[0] = (struct sinan_attr)SINAN_ATTR_IS("perm", 2, perm2);
	check(&t2, 0, 0);

	struct gargs sl = { .op = "Slice", .nin = 5, .seed = 82,
			    .in = { OP_IN(3, 10, 20, 30),
				    { .rank = 1, .dims = { 3 }, .kind = INTS, .ints = { 1, -3, 29 } },
				    { .rank = 1, .dims = { 3 }, .kind = INTS, .ints = { 9, 2, 1 } },
				    { .rank = 1, .dims = { 3 }, .kind = INTS, .ints = { 0, 1, 2 } },
				    { .rank = 1, .dims = { 3 }, .kind = INTS, .ints = { 3, -4, -5 } } } };
	check(&sl, 0, 0);

	struct gargs cat = { .op = "Concat", .nin = 3, .seed = 83, .nattr = 1,
			     .in = { OP_IN(3, 2, 3, 5), OP_IN(3, 2, 7, 5), OP_RAND(3, 2, 1, 5) } };
	cat.attr[0] = (struct sinan_attr)SINAN_ATTR_I("axis", 1);
	check(&cat, 0, 0);
	/* each input one contiguous run of 90000 floats, longer than the unified buffer:
	 * copied as several rows (it failed as one row once) */
	struct gargs cat2 = { .op = "Concat", .nin = 2, .seed = 83, .nattr = 1,
			      .in = { OP_IN(2, 2, 45000), OP_IN(2, 1, 45000) } };
	cat2.attr[0] = (struct sinan_attr)SINAN_ATTR_I("axis", 0);
	check(&cat2, 0, 0);

	struct gargs sp = { .op = "Split", .nin = 2, .nout = 3, .seed = 84, .nattr = 1,
			    .in = { OP_IN(2, 6, 31), { .rank = 1, .dims = { 3 }, .kind = INTS, .ints = { 10, 1, 20 } } } };
	sp.attr[0] = (struct sinan_attr)SINAN_ATTR_I("axis", 1);
	check(&sp, 0, 0);

	struct gargs pad = { .op = "Pad", .nin = 2, .seed = 85,
			     .in = { OP_IN(3, 3, 4, 5), { .rank = 1, .dims = { 6 }, .kind = INTS,
							  .ints = { 1, 0, 2, 0, 3, 1 } } } };
	check(&pad, 0, 0);

	struct gargs ga = { .op = "Gather", .nin = 2, .seed = 86, .nattr = 1,
			    .in = { OP_IN(3, 4, 9, 6), { .rank = 2, .dims = { 2, 2 }, .kind = INTS,
							 .ints = { 8, 0, -1, 3 } } } };
	ga.attr[0] = (struct sinan_attr)SINAN_ATTR_I("axis", 1);
	check(&ga, 0, 0);

	struct gargs ex = { .op = "Expand", .nin = 2, .seed = 87,
			    .in = { OP_IN(3, 3, 1, 5), { .rank = 1, .dims = { 4 }, .kind = INTS, .ints = { 2, 3, 4, 5 } } } };
	check(&ex, 0, 0);

	struct gargs ti = { .op = "Tile", .nin = 2, .seed = 88,
			    .in = { OP_IN(2, 3, 7), { .rank = 1, .dims = { 2 }, .kind = INTS, .ints = { 2, 3 } } } };
	check(&ti, 0, 0);

	struct gargs d2s = { .op = "DepthToSpace", .nin = 1, .seed = 89, .nattr = 2, .in = { OP_IN(4, 1, 8, 3, 5) } };
	d2s.attr[0] = (struct sinan_attr)SINAN_ATTR_I("blocksize", 2);
	d2s.attr[1] = (struct sinan_attr)SINAN_ATTR_S("mode", "CRD");
	check(&d2s, 0, 0);

	struct gargs rs = { .op = "Reshape", .nin = 2, .seed = 90,
			    .in = { OP_IN(3, 4, 6, 5), { .rank = 1, .dims = { 2 }, .kind = INTS, .ints = { -1, 10 } } } };
	check(&rs, 0, 0);
}

/* ---- integer products ---------------------------------------------------------------------- */
static sinan_tensor_t qc(sinan_graph_t g, int type, int rank, const int64_t *dims, uint64_t seed, bool zero)
{
	uint64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= (uint64_t)dims[i];
	int8_t *d = calloc(n + 1, 1);
	t_seed(seed);
	for (uint64_t i = 0; i < n && !zero; i++)
		d[i] = (int8_t)(type == SINAN_TYPE_INT8 ? t_int(-128, 127) : t_int(0, 255));
	sinan_tensor_t t = sinan_graph_constant(g, NULL, type, rank, dims, d);
	free(d);
	return t;
}

struct icase {
	const char *op;
	int xt, wt;
	int64_t x[4], w[4];
	int64_t group, stride, pad;
	bool wconst, zx_in, zw_zero;
	uint64_t seed;
};

static sinan_graph_t b_int(const void *p)
{
	const struct icase *c = p;
	sinan_graph_t g = sinan_graph_create();
	bool conv = strstr(c->op, "Conv") != NULL, ql = c->op[0] == 'Q';
	int r = conv ? 4 : 2;
	int64_t M = conv ? c->w[0] : c->w[1], one[1] = { 1 }, md[1] = { M };
	sinan_tensor_t x = sinan_graph_input(g, "x", c->xt, r, c->x);
	sinan_tensor_t w = c->wconst ? qc(g, c->wt, r, c->w, c->seed, false) : sinan_graph_input(g, "w", c->wt, r, c->w);
	sinan_tensor_t zx = c->zx_in ? sinan_graph_input(g, "zx", c->xt, 1, one) : qc(g, c->xt, 1, one, c->seed + 1, false);
	sinan_tensor_t zw = qc(g, c->wt, 1, md, c->seed + 2, c->zw_zero);
	static int64_t v[3][4];
	v[0][0] = v[0][1] = c->stride;
	for (int k = 0; k < 4; k++)
		v[1][k] = c->pad;
	struct sinan_attr at[3] = { SINAN_ATTR_I("group", c->group), SINAN_ATTR_IS("strides", 2, v[0]),
				    SINAN_ATTR_IS("pads", 4, v[1]) };
	sinan_tensor_t y;
	if (!ql) {
		y = sinan_graph_op(g, c->op, 4, (sinan_tensor_t[]){ x, w, zx, zw }, conv ? 3 : 0, at);
	} else {
		float sx = 0.01f, sy = 0.7f, *sw = malloc(sizeof(float) * (size_t)M);
		for (int64_t i = 0; i < M; i++)
			sw[i] = 0.002f + 0.0001f * (float)i;
		uint8_t zy = 120;
		int32_t *bias = malloc(sizeof(int32_t) * (size_t)M);
		for (int64_t i = 0; i < M; i++)
			bias[i] = (int32_t)(i * 997 % 5000) - 2500;
		sinan_tensor_t in[9] = {
			x, sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &sx), zx, w,
			sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 1, md, sw), zw,
			sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &sy),
			sinan_graph_constant(g, NULL, SINAN_TYPE_UINT8, 0, NULL, &zy),
			sinan_graph_constant(g, NULL, SINAN_TYPE_INT32, 1, md, bias),
		};
		/* QLinear zero points are scalars or per-channel: x's is a scalar */
		in[2] = c->zx_in ? sinan_graph_input(g, "zx0", c->xt, 0, NULL) : qc(g, c->xt, 0, NULL, c->seed + 1, false);
		y = sinan_graph_op(g, c->op, conv ? 9 : 8, in, conv ? 3 : 0, at);
		free(sw);
		free(bias);
	}
	if (!y || sinan_graph_output(g, y, "y"))
		fail_msg("%s: %s", c->op, sinan_graph_error(g));
	return g;
}

static void integer_products(void **state)
{
	(void)state;
	static const struct icase cs[] = {
		{ "MatMulInteger", SINAN_TYPE_UINT8, SINAN_TYPE_INT8, { 37, 100 }, { 100, 45 }, 1, 1, 0, true, false, true, 1 },
		{ "MatMulInteger", SINAN_TYPE_INT8, SINAN_TYPE_INT8, { 130, 300 }, { 300, 70 }, 1, 1, 0, false, true, false, 2 },
		{ "MatMulInteger", SINAN_TYPE_UINT8, SINAN_TYPE_UINT8, { 5, 33 }, { 33, 300 }, 1, 1, 0, true, false, false, 3 },
		{ "QLinearMatMul", SINAN_TYPE_UINT8, SINAN_TYPE_INT8, { 64, 256 }, { 256, 96 }, 1, 1, 0, true, false, true, 4 },
		{ "QLinearMatMul", SINAN_TYPE_UINT8, SINAN_TYPE_UINT8, { 17, 50 }, { 50, 19 }, 1, 1, 0, false, true, false, 5 },
		{ "ConvInteger", SINAN_TYPE_UINT8, SINAN_TYPE_INT8, { 1, 16, 9, 9 }, { 24, 16, 3, 3 }, 1, 1, 1, true, false, true, 6 },
		{ "ConvInteger", SINAN_TYPE_UINT8, SINAN_TYPE_UINT8, { 2, 6, 11, 8 }, { 6, 3, 3, 3 }, 2, 2, 1, false, true, false, 7 },
		{ "ConvInteger", SINAN_TYPE_INT8, SINAN_TYPE_INT8, { 1, 40, 7, 7 }, { 40, 1, 3, 3 }, 40, 1, 1, true, false, false, 8 },
		{ "QLinearConv", SINAN_TYPE_UINT8, SINAN_TYPE_INT8, { 1, 35, 10, 10 }, { 33, 35, 3, 3 }, 1, 1, 1, true, false, true, 9 },
		{ "QLinearConv", SINAN_TYPE_UINT8, SINAN_TYPE_UINT8, { 1, 8, 6, 6 }, { 8, 4, 1, 1 }, 2, 1, 0, false, false, false, 10 },
	};
	for (size_t i = 0; i < CC_ARRAY_SIZE(cs); i++) {
		char what[64];
		snprintf(what, sizeof(what), "%s (case %zu)", cs[i].op, i);
		/* exact: int32 accumulation; requantization rounds fp32(acc) * fp32(scale), which
		 * matches the double reference on these cases */
		t_check(b_int, &cs[i], what, cs[i].seed, 0, 1e-9);
	}
}

/* ---- precision int8 ---------------------------------------------------------------------------- */
/* A calibration file of the running test (removed by its teardown, reset_expect). */
static char cal_path[64];

static FILE *tmpfile_named(char *path)
{
	snprintf(path, 64, "/tmp/sinan-cal-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	return f;
}

struct i8case {
	bool conv, qdq, relu;
	uint64_t seed;
};

static sinan_graph_t b_i8(const void *p)
{
	const struct i8case *c = p;
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[4] = { 1, 24, 10, 10 }, wd[4] = { 32, 24, 3, 3 }, ad[2] = { 40, 96 }, bd[2] = { 96, 72 };
	int64_t M = c->conv ? wd[0] : bd[1], md[1] = { M };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, c->conv ? 4 : 2, c->conv ? xd : ad);
	sinan_tensor_t w, b = t_const_rand(g, SINAN_TYPE_FLOAT, 1, md, c->seed + 7);
	if (c->qdq) {	/* QuantizeLinear/DequantizeLinear around the activation; quantized weights */
		float sx = 0.02f, *sw = malloc(sizeof(float) * (size_t)M);
		uint8_t zx = 128;
		for (int64_t i = 0; i < M; i++)
			sw[i] = 0.004f + 0.0002f * (float)i;
		sinan_tensor_t s = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &sx);
		sinan_tensor_t z = sinan_graph_constant(g, NULL, SINAN_TYPE_UINT8, 0, NULL, &zx);
		x = sinan_graph_op(g, "QuantizeLinear", 3, (sinan_tensor_t[]){ x, s, z }, 0, NULL);
		x = sinan_graph_op(g, "DequantizeLinear", 3, (sinan_tensor_t[]){ x, s, z }, 0, NULL);
		int64_t n = c->conv ? wd[0] * wd[1] * wd[2] * wd[3] : bd[0] * bd[1];
		int8_t *q = malloc((size_t)n);
		t_seed(c->seed);
		for (int64_t i = 0; i < n; i++)
			q[i] = (int8_t)t_int(-127, 127);
		sinan_tensor_t wq = sinan_graph_constant(g, NULL, SINAN_TYPE_INT8, c->conv ? 4 : 2, c->conv ? wd : bd, q);
		sinan_tensor_t ws = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 1, md, sw);
		struct sinan_attr ax = SINAN_ATTR_I("axis", c->conv ? 0 : 1);
		w = sinan_graph_op(g, "DequantizeLinear", 2, (sinan_tensor_t[]){ wq, ws }, 1, &ax);
		free(q);
		free(sw);
	} else {
		w = t_const_rand(g, SINAN_TYPE_FLOAT, c->conv ? 4 : 2, c->conv ? wd : bd, c->seed);
	}
	static const int64_t pads[4] = { 1, 1, 1, 1 };
	struct sinan_attr pa = SINAN_ATTR_IS("pads", 4, pads);
	sinan_tensor_t y = c->conv ? sinan_graph_op(g, "Conv", 3, (sinan_tensor_t[]){ x, w, b }, 1, &pa) :
		sinan_graph_op(g, "Add", 2, (sinan_tensor_t[]){ sinan_graph_op(g, "MatMul", 2, (sinan_tensor_t[]){ x, w },
							   0, NULL), b }, 0, NULL);
	if (c->relu)
		y = sinan_graph_op(g, "Relu", 1, &y, 0, NULL);
	if (!y || sinan_graph_output(g, y, "y"))
		fail_msg("%s", sinan_graph_error(g));
	return g;
}

static void precision_int8(void **state)
{
	(void)state;
	/* QDQ models: the integer products compute exactly what the model's
	 * dequantized float arithmetic does (up to fp32 rounding) */
	for (int conv = 0; conv < 2; conv++) {
		struct i8case c = { .conv = conv, .qdq = true, .relu = conv, .seed = 40 };
		t_expect_op = conv ? "sinan:ConvInteger" : "MatMulInteger";
		t_check_prec(b_i8, &c, conv ? "QDQ Conv int8" : "QDQ MatMul int8", 41, SINAN_PRECISION_INT8, 1e-4, 1e-4);
	}
	/* float models with a calibration file: x in [-2, 2) quantized with scale 2/127 and
	 * weights per channel. The error is quantization noise: std ~0.04 (MatMul, K = 96)
	 * and ~0.05 (Conv, K = 216) against outputs of std ~6.5 and ~10; the bound 0.3 is
	 * ~6 sigma. A wrong scale or zero point is off by the outputs' magnitude. */
	FILE *f = tmpfile_named(cal_path);
	fprintf(f, "# name scale [zero_point]\nx %.9g 0\n", 2.0 / 127);
	fclose(f);
	t_calibration = cal_path;
	for (int conv = 0; conv < 2; conv++) {
		struct i8case c = { .conv = conv, .relu = !conv, .seed = 50 };
		t_expect_op = conv ? "sinan:ConvInteger" : "MatMulInteger";
		t_check_prec(b_i8, &c, conv ? "calibrated Conv int8" : "calibrated MatMul int8", 51, SINAN_PRECISION_INT8,
			     0, 0.3);
	}
	t_calibration = NULL;
	t_expect_op = NULL;
}

/*
 * Regression: int8 conv epilogue sync hazard. The demo CNN compiled int8 stopped with
 * SINAN_ERR_SYNC_HAZARD in its first conv (16 channels). int8 has C0 = 32 (int32 results,
 * 128 bytes per row of a C0 block) but one channel tile of tn = align16(M) channels: the UB
 * output rows (align32(tn * 4) bytes) were narrower than the C0 block MTE3 copied per row,
 * so the copy of out[s] read past its buffer into out[s ^ 1], which the vector unit was
 * filling for the next chunk (reachable since the epilogue alternates its two buffers
 * between items, 3ee6aac). Shapes: one C0 block partly used (tn = 16, 48), several items
 * per core, strides, padding, 1x1 with stride 2, groups and depthwise, several channel
 * tiles, more items than cores; QDQ models (exact integer products, the same semantics as
 * precision_int8) and calibrated float models like the demo's.
 */
struct i8conv {
	int64_t n, c, h, w, m, k, group, stride, pad;
	bool relu, qdq;
	uint64_t seed;
};

static sinan_graph_t b_i8conv(const void *p)
{
	const struct i8conv *c = p;
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[4] = { c->n, c->c, c->h, c->w }, wd[4] = { c->m, c->c / c->group, c->k, c->k }, md[1] = { c->m };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 4, xd);
	sinan_tensor_t w, b = t_const_rand(g, SINAN_TYPE_FLOAT, 1, md, c->seed + 7);
	if (c->qdq) {	/* as b_i8: x through Quantize/DequantizeLinear, int8 weights per channel */
		float sx = 0.02f, *sw = malloc(sizeof(float) * (size_t)c->m);
		uint8_t zx = 128;
		for (int64_t i = 0; i < c->m; i++)
			sw[i] = 0.004f + 0.0002f * (float)(i % 64);
		sinan_tensor_t s = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &sx);
		sinan_tensor_t z = sinan_graph_constant(g, NULL, SINAN_TYPE_UINT8, 0, NULL, &zx);
		x = sinan_graph_op(g, "QuantizeLinear", 3, (sinan_tensor_t[]){ x, s, z }, 0, NULL);
		x = sinan_graph_op(g, "DequantizeLinear", 3, (sinan_tensor_t[]){ x, s, z }, 0, NULL);
		int64_t n = wd[0] * wd[1] * wd[2] * wd[3];
		int8_t *wq = malloc((size_t)n);
		t_seed(c->seed);
		for (int64_t i = 0; i < n; i++)
			wq[i] = (int8_t)t_int(-127, 127);
		sinan_tensor_t wt = sinan_graph_constant(g, NULL, SINAN_TYPE_INT8, 4, wd, wq);
		sinan_tensor_t ws = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 1, md, sw);
		struct sinan_attr ax = SINAN_ATTR_I("axis", 0);
		w = sinan_graph_op(g, "DequantizeLinear", 2, (sinan_tensor_t[]){ wt, ws }, 1, &ax);
		free(wq);
		free(sw);
	} else {
		w = t_const_rand(g, SINAN_TYPE_FLOAT, 4, wd, c->seed);
	}
	int64_t st[2] = { c->stride, c->stride }, pads[4] = { c->pad, c->pad, c->pad, c->pad };
	struct sinan_attr at[3] = { SINAN_ATTR_IS("strides", 2, st), SINAN_ATTR_IS("pads", 4, pads),
				    SINAN_ATTR_I("group", c->group) };
	sinan_tensor_t y = sinan_graph_op(g, "Conv", 3, (sinan_tensor_t[]){ x, w, b }, 3, at);
	if (c->relu)
		y = sinan_graph_op(g, "Relu", 1, &y, 0, NULL);
	if (!y || sinan_graph_output(g, y, "y"))
		fail_msg("%s", sinan_graph_error(g));
	return g;
}

static void regress_int8_conv_epilogue_sync(void **state)
{
	(void)state;
	static const struct i8conv cs[] = {
		{ 16, 1, 28, 28, 16, 3, 1, 1, 1, true, true, 700 },	/* the demo's first conv: tn 16 < C0 32 */
		{ 16, 16, 14, 14, 32, 3, 1, 1, 1, true, true, 701 },	/* the demo's second conv */
		{ 3, 8, 40, 38, 48, 3, 1, 2, 1, false, true, 702 },	/* tn 48: one and a half C0 blocks, stride 2 */
		{ 2, 24, 41, 39, 40, 1, 1, 2, 0, true, true, 703 },	/* 1x1 stride 2 (rows picked) */
		{ 2, 40, 33, 30, 40, 3, 40, 1, 1, true, true, 704 },	/* depthwise */
		{ 3, 24, 32, 32, 36, 3, 2, 1, 1, false, true, 705 },	/* 2 groups of 18 channels */
		{ 2, 16, 30, 31, 16, 3, 2, 1, 0, false, true, 711 },	/* 2 groups of 8, no padding */
		{ 2, 16, 20, 20, 300, 3, 1, 1, 1, true, true, 706 },	/* channel tiles, a partial last one */
		{ 40, 3, 9, 9, 8, 5, 1, 1, 2, false, true, 707 },	/* 5x5 pad 2, many small items */
		{ 2, 32, 60, 160, 16, 3, 1, 1, 1, true, true, 712 },	/* several L1 bands per image */
		{ 2, 256, 6, 6, 512, 3, 1, 1, 1, false, true, 713 },	/* weights beyond half of L1 */
		{ 1, 64, 7, 7, 2100, 1, 1, 1, 0, false, true, 714 },	/* many channel tiles */
		/* the demo's path: float models and a calibration file */
		{ 16, 1, 28, 28, 16, 3, 1, 1, 1, true, false, 708 },
		{ 3, 8, 40, 38, 48, 3, 1, 2, 1, false, false, 709 },
	};
	/* calibrated: x in [-2, 2) with scale 2/127, weights per channel; quantization noise
	 * std <~0.05 for these K (see precision_int8), the bound ~6 sigma */
	FILE *f = tmpfile_named(cal_path);
	fprintf(f, "# name scale [zero_point]\nx %.9g 0\n", 2.0 / 127);
	fclose(f);
	t_expect_op = "sinan:ConvInteger";
	for (size_t i = 0; i < CC_ARRAY_SIZE(cs); i++) {
		const struct i8conv *c = &cs[i];
		char what[96];
		snprintf(what, sizeof(what), "int8 conv epilogue sync (case %zu, %s)", i, c->qdq ? "QDQ" : "calibrated");
		t_calibration = c->qdq ? NULL : cal_path;
		/* QDQ: exact integer products, dequantized in fp32 against the double reference */
		t_check_prec(b_i8conv, c, what, c->seed + 20, SINAN_PRECISION_INT8, c->qdq ? 1e-4 : 0, c->qdq ? 1e-4 : 0.3);
	}
	t_calibration = NULL;
	t_expect_op = NULL;
}

/* ---- calibration (sinan_graph_calibrate) ---------------------------------------------------------- */
#define CX_ROWS 8
#define CX_K 48
#define CX_H 24
#define CX_N 10
#define CX_RUNS 4

/* z = relu(x w1) w2, weights from seed 60 */
static sinan_graph_t b_cal(const void *p)
{
	(void)p;
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[2] = { CX_ROWS, CX_K }, w1d[2] = { CX_K, CX_H }, w2d[2] = { CX_H, CX_N };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, xd);
	sinan_tensor_t w1 = t_const_rand(g, SINAN_TYPE_FLOAT, 2, w1d, 60);
	sinan_tensor_t w2 = t_const_rand(g, SINAN_TYPE_FLOAT, 2, w2d, 61);
	sinan_tensor_t h = sinan_graph_op(g, "MatMul", 2, (sinan_tensor_t[]){ x, w1 }, 0, NULL);
	h = sinan_graph_op(g, "Relu", 1, &h, 0, NULL);
	sinan_tensor_t z = sinan_graph_op(g, "MatMul", 2, (sinan_tensor_t[]){ h, w2 }, 0, NULL);
	if (!z || sinan_graph_output(g, z, "z"))
		fail_msg("%s", sinan_graph_error(g));
	return g;
}

/* The scale of @name in the calibration file @path (0 if absent); asserts zero point 0. */
static double cal_scale(const char *path, const char *name)
{
	char line[2048], nm[1024];
	double sc = 0, found = 0;
	int zp;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *h = strchr(line, '#');
		if (h)
			*h = 0;
		if (sscanf(line, "%1023s %lf %d", nm, &sc, &zp) == 3 && !strcmp(nm, name)) {
			assert_int_equal(zp, 0);
			found = sc;
		}
	}
	fclose(f);
	return found;
}

static void calibration(void **state)
{
	(void)state;
	/* max method over several runs: the scales of x, h = relu(x w1) (the fused
	 * MatMul's output) and z, against max|.| / 127 computed here in double */
	float *xs = malloc(sizeof(float) * CX_RUNS * CX_ROWS * CX_K);
	float w1[CX_K * CX_H], w2[CX_H * CX_N];
	double mx = 0, mh = 0, mz = 0;
	assert_non_null(xs);
	t_seed(60);
	for (int i = 0; i < CX_K * CX_H; i++)
		w1[i] = (float)t_uniform(-1, 1);
	t_seed(61);
	for (int i = 0; i < CX_H * CX_N; i++)
		w2[i] = (float)t_uniform(-1, 1);
	t_seed(62);
	for (int r = 0; r < CX_RUNS; r++)	/* runs of growing range: the max is over all of them */
		for (int i = 0; i < CX_ROWS * CX_K; i++)
			xs[r * CX_ROWS * CX_K + i] = (float)t_uniform(-2, 2) * (0.5f + 0.25f * (float)r);
	for (int r = 0; r < CX_RUNS; r++)
		for (int i = 0; i < CX_ROWS; i++) {
			const float *x = xs + (r * CX_ROWS + i) * CX_K;
			double h[CX_H];
			for (int k = 0; k < CX_K; k++)
				mx = fmax(mx, fabs(x[k]));
			for (int j = 0; j < CX_H; j++) {
				double a = 0;
				for (int k = 0; k < CX_K; k++)
					a += (double)x[k] * w1[k * CX_H + j];
				h[j] = (float)fmax(a, 0);
				mh = fmax(mh, h[j]);
			}
			for (int j = 0; j < CX_N; j++) {
				double a = 0;
				for (int k = 0; k < CX_H; k++)
					a += h[k] * w2[k * CX_N + j];
				mz = fmax(mz, fabs(a));
			}
		}
	struct sinan_model_io io[CX_RUNS];
	for (int r = 0; r < CX_RUNS; r++)
		io[r] = (struct sinan_model_io){ "x", xs + r * CX_ROWS * CX_K, sizeof(float) * CX_ROWS * CX_K };
	sinan_graph_t g = b_cal(NULL);
	struct sinan_tensor_info hi;
	/* the name of h: the Relu's output (node 1's) */
	assert_int_equal(sinan_tensor_get_info(g->nodes[1]->out[0], &hi), 0);
	char hname[256];
	snprintf(hname, sizeof(hname), "%s", hi.name);
	FILE *f = tmpfile_named(cal_path);
	fclose(f);
	assert_int_equal(sinan_graph_calibrate(g, CX_RUNS, 1, io, NULL, cal_path), SINAN_OK);
	sinan_graph_destroy(g);
	double sx = cal_scale(cal_path, "x"), sh = cal_scale(cal_path, hname), sz = cal_scale(cal_path, "z");
	assert_true(fabs(sx - mx / 127) <= 1e-6 * sx);
	assert_true(fabs(sh - mh / 127) <= 1e-6 * sh);
	assert_true(fabs(sz - mz / 127) <= 1e-6 * sz);
	/* the file names what the int8 pass looks up: both products quantized. Test inputs
	 * are uniform in [-2, 2) (t_inputs), inside the calibration runs' widest range
	 * [-2.5, 2.5), so little saturates; quantization noise of the output z (std ~9) is ~0.13 std here;
	 * 1.0 is ~8 sigma, while a scale that names the wrong tensor leaves the op in fp32
	 * (the op count fails) and a saturating one errs by the outputs' magnitude */
	t_calibration = cal_path;
	t_expect_op = "MatMulInteger";
	t_expect_count = 2;
	t_check_prec(b_cal, NULL, "calibrated MatMul chain int8", 63, SINAN_PRECISION_INT8, 0, 1.0);
	t_calibration = NULL;
	t_expect_op = NULL;
	t_expect_count = 0;

	/* percentile: 4095 values spread evenly over [0, 1) and one outlier per run; the
	 * 99th percentile (0.99) is found within one histogram bin, max|x| / 1024 */
	float px[2][4096];
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < 4095; i++)
			px[r][i] = (float)i / 4096;
		px[r][4095] = r ? -300.0f : 100.0f;
	}
	int64_t pd[2] = { 1, 4096 };
	g = sinan_graph_create();
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, pd);
	sinan_tensor_t y = sinan_graph_op(g, "Abs", 1, &x, 0, NULL);
	assert_int_equal(sinan_graph_output(g, y, "y"), 0);
	struct sinan_model_io pio[2] = { { NULL, px[0], sizeof(px[0]) }, { NULL, px[1], sizeof(px[1]) } };
	struct sinan_calibration_options co = { .size = sizeof(co), .method = SINAN_CALIBRATION_PERCENTILE,
						 .percentile = 99 };
	assert_int_equal(sinan_graph_calibrate(g, 2, 1, pio, &co, cal_path), SINAN_OK);
	sinan_graph_destroy(g);
	double want = 4055.0 / 4096;	/* value 8110 of 8192 (|x| sorted): 99 % */
	assert_true(fabs(cal_scale(cal_path, "x") * 127 - want) <= 300.0 / 1024);
	assert_true(fabs(cal_scale(cal_path, "y") * 127 - want) <= 300.0 / 1024);
	co.percentile = 100;	/* the maximum */
	g = sinan_graph_create();
	x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, pd);
	assert_int_equal(sinan_graph_output(g, sinan_graph_op(g, "Abs", 1, &x, 0, NULL), "y"), 0);
	assert_int_equal(sinan_graph_calibrate(g, 2, 1, pio, &co, cal_path), SINAN_OK);
	sinan_graph_destroy(g);
	assert_true(fabs(cal_scale(cal_path, "y") * 127 - 300) <= 300 * 1e-6);

	/* errors: argument checks, then wrong inputs, symbolic dims, an unwritable file */
	g = b_cal(NULL);
	assert_int_equal(sinan_graph_calibrate(g, 0, 1, io, NULL, cal_path), SINAN_E_INVALID_ARGUMENT);
	co.percentile = 0;
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, io, &co, cal_path), SINAN_E_INVALID_ARGUMENT);
	co.percentile = 101;
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, io, &co, cal_path), SINAN_E_INVALID_ARGUMENT);
	co.method = 7;
	co.percentile = 50;
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, io, &co, cal_path), SINAN_E_INVALID_ARGUMENT);
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, io, NULL, NULL), SINAN_E_INVALID_ARGUMENT);
	struct sinan_model_io bad = { "x", xs, 12 };
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, &bad, NULL, cal_path), SINAN_E_INVALID_ARGUMENT);
	assert_non_null(strstr(sinan_last_error_message(), "bytes"));
	sinan_graph_destroy(g);
	g = b_cal(NULL);
	bad = (struct sinan_model_io){ "nope", xs, sizeof(float) * CX_ROWS * CX_K };
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, &bad, NULL, cal_path), SINAN_E_INVALID_ARGUMENT);
	assert_non_null(strstr(sinan_last_error_message(), "no value for input 'x'"));
	sinan_graph_destroy(g);
	g = b_cal(NULL);
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, io, NULL, "/nonexistent-dir/cal.txt"), SINAN_E_IO);
	sinan_graph_destroy(g);
	g = sinan_graph_create();
	int64_t sd[2] = { -1, 4 };
	x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, sd);
	assert_int_equal(sinan_graph_output(g, sinan_graph_op(g, "Relu", 1, &x, 0, NULL), "y"), 0);
	bad = (struct sinan_model_io){ "x", xs, 16 };
	assert_int_equal(sinan_graph_calibrate(g, 1, 1, &bad, NULL, cal_path), SINAN_E_INVALID_ARGUMENT);
	assert_non_null(strstr(sinan_last_error_message(), "bind its dimensions first"));
	sinan_graph_destroy(g);
	free(xs);
}

/* tests that set the harness's expectations reset them even when they fail */
static int reset_expect(void **state)
{
	(void)state;
	t_expect_op = NULL;
	t_expect_count = 0;
	t_calibration = NULL;
	if (cal_path[0])	/* the test's calibration file, even when it failed */
		unlink(cal_path);
	cal_path[0] = 0;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conv_shapes),
		cmocka_unit_test(conv_big),
		cmocka_unit_test(conv_runtime_weights_and_1d),
		cmocka_unit_test(conv_transpose),
		cmocka_unit_test_teardown(conv_chain_5hd, reset_expect),
		cmocka_unit_test(pooling),
		cmocka_unit_test(normalizations),
		cmocka_unit_test(reductions),
		cmocka_unit_test(softmax),
		cmocka_unit_test(attention),
		cmocka_unit_test(movement),
		cmocka_unit_test(integer_products),
		cmocka_unit_test_teardown(precision_int8, reset_expect),
		{ "regression: int8 conv epilogue sync hazard", regress_int8_conv_epilogue_sync, NULL, reset_expect, NULL },
		cmocka_unit_test_teardown(calibration, reset_expect),
	};
	return cmocka_run_group_tests_name("compiler-nn", tests, t_dev_setup, t_dev_teardown);
}

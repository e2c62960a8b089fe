// SPDX-License-Identifier: MIT
/*
 * Passes: shape inference + constant folding, simplification, fusion
 * (every pattern checked against the reference executor on the unfused
 * graph), memory planning (liveness property on random graphs).
 */
#include "cc_test.h"

#include <math.h>
#include <stdlib.h>

#define OP1(g, op, x) sinan_graph_op(g, op, 1, (sinan_tensor_t[]){ x }, 0, NULL)
#define OP2(g, op, a, b) sinan_graph_op(g, op, 2, (sinan_tensor_t[]){ a, b }, 0, NULL)

static sinan_tensor_t cscalar(sinan_graph_t g, float v)
{
	return sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &v);
}

static sinan_tensor_t crand(sinan_graph_t g, int rank, const int64_t *dims, uint64_t seed)
{
	uint64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= (uint64_t)dims[i];
	float *d = malloc(n * sizeof(float) + 4);
	t_seed(seed);
	t_fill(d, n);
	sinan_tensor_t t = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, rank, dims, d);
	free(d);
	return t;
}

typedef sinan_graph_t (*build_fn)(void);

/* Build twice; fuse one; both must compute the same outputs. Returns the fused graph. */
static sinan_graph_t check_fusion(build_fn build, double rtol)
{
	sinan_graph_t a = build(), b = build();
	struct cc_view in[8], oa[4], ob[4];

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(cc_pass_infer_fold(a), 0);
	assert_int_equal(cc_pass_infer_fold(b), 0);
	assert_int_equal(cc_pass_simplify(b), 0);
	assert_int_equal(cc_pass_fuse(b), 0);
	t_seed(7);
	t_inputs(a, in);
	assert_int_equal(cc_ref_run(a, in, oa), 0);
	assert_int_equal(cc_ref_run(b, in, ob), 0);
	for (int i = 0; i < a->noutputs; i++) {
		assert_string_equal(a->outputs[i]->name, b->outputs[i]->name);
		double e = t_err(&ob[i], &oa[i], rtol, 1e-6);
		if (e > 1)
			fail_msg("output %d differs after fusion (err %g)", i, e);
	}
	t_free_views(in, a->ninputs);
	t_free_views(oa, a->noutputs);
	t_free_views(ob, b->noutputs);
	sinan_graph_destroy(a);
	return b;
}

static int count(sinan_graph_t g, const char *dom, const char *op)
{
	int c = 0;
	for (int i = 0; i < g->nnodes; i++)
		if (!g->nodes[i]->dead && !strcmp(g->nodes[i]->op, op) && !strcmp(g->nodes[i]->domain, dom))
			c++;
	return c;
}

/* ---- folding --------------------------------------------------------------------------------- */
static void fold_shape_subgraph(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	int64_t d[3] = { 2, 3, 4 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 3, d);
	/* y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])) */
	sinan_tensor_t s = OP1(g, "Shape", x);
	int64_t zero = 0, m1 = -1, one[1] = { 1 };
	sinan_tensor_t z = sinan_graph_constant(g, NULL, SINAN_TYPE_INT64, 0, NULL, &zero);
	sinan_tensor_t b = OP2(g, "Gather", s, z);
	int64_t ax0 = 0;
	sinan_tensor_t axt = sinan_graph_constant(g, NULL, SINAN_TYPE_INT64, 1, one, &ax0);
	sinan_tensor_t bu = OP2(g, "Unsqueeze", b, axt);
	sinan_tensor_t neg = sinan_graph_constant(g, NULL, SINAN_TYPE_INT64, 1, one, &m1);
	struct sinan_attr ax = SINAN_ATTR_I("axis", 0);
	sinan_tensor_t shp = sinan_graph_op(g, "Concat", 2, (sinan_tensor_t[]){ bu, neg }, 1, &ax);
	sinan_tensor_t y = OP2(g, "Reshape", x, shp);
	assert_non_null(y);
	sinan_graph_output(g, OP1(g, "Relu", y), "out");
	assert_int_equal(cc_pass_infer_fold(g), 0);
	/* only Reshape and Relu remain */
	assert_int_equal(g->nnodes, 2);
	assert_int_equal(y->rank, 2);
	assert_int_equal(y->dims[0], 2);
	assert_int_equal(y->dims[1], 12);
	sinan_graph_destroy(g);
}

static void fold_cap(void **state)
{
	(void)state;
	/* ConstantOfShape of 2^30 floats (4 GiB) is not folded: it stays a node */
	sinan_graph_t g = sinan_graph_create();
	int64_t one[1] = { 3 }, shp[3] = { 1024, 1024, 1024 };
	sinan_tensor_t s = sinan_graph_constant(g, NULL, SINAN_TYPE_INT64, 1, one, shp);
	sinan_tensor_t y = OP1(g, "ConstantOfShape", s);
	sinan_graph_output(g, y, "y");
	assert_int_equal(cc_pass_infer_fold(g), 0);
	assert_int_equal(g->nnodes, 1);
	assert_null(y->data);
	sinan_graph_destroy(g);
}

static void simplify_identities(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	int64_t d[2] = { 4, 4 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, d);
	sinan_tensor_t a = OP1(g, "Identity", x);
	sinan_tensor_t b = OP1(g, "Dropout", a);
	sinan_tensor_t c = OP1(g, "Tanh", b);
	OP1(g, "Exp", c);			/* unused: removed */
	sinan_tensor_t y = OP1(g, "Identity", c);	/* graph output: stays */
	sinan_graph_output(g, y, "y");
	assert_int_equal(cc_pass_infer_fold(g), 0);
	assert_int_equal(cc_pass_simplify(g), 0);
	assert_int_equal(g->nnodes, 2);
	assert_int_equal(count(g, "", "Tanh"), 1);
	assert_int_equal(count(g, "", "Identity"), 1);
	assert_ptr_equal(g->nodes[0]->in[0], x);
	sinan_graph_destroy(g);
}

/* ---- fusion ---------------------------------------------------------------------------------- */
static sinan_graph_t b_conv_bn_relu(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[4] = { 2, 3, 9, 7 }, wd[4] = { 5, 3, 3, 3 }, cd[1] = { 5 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 4, xd);
	sinan_tensor_t w = crand(g, 4, wd, 1), bias = crand(g, 1, cd, 2);
	sinan_tensor_t sc = crand(g, 1, cd, 3), bb = crand(g, 1, cd, 4), mu = crand(g, 1, cd, 5);
	float var[5] = { 0.5f, 1.0f, 2.0f, 0.1f, 3.0f };
	sinan_tensor_t va = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 1, cd, var);
	int64_t pads[4] = { 1, 1, 1, 1 };
	struct sinan_attr at = SINAN_ATTR_IS("pads", 4, pads);
	sinan_tensor_t c = sinan_graph_op(g, "Conv", 3, (sinan_tensor_t[]){ x, w, bias }, 1, &at);
	sinan_tensor_t n = sinan_graph_op(g, "BatchNormalization", 5, (sinan_tensor_t[]){ c, sc, bb, mu, va }, 0, NULL);
	sinan_graph_output(g, OP1(g, "Relu", n), "y");
	return g;
}

static void fuse_conv_bn_relu(void **state)
{
	(void)state;
	sinan_graph_t g = check_fusion(b_conv_bn_relu, 1e-5);
	assert_int_equal(g->nnodes, 1);
	assert_int_equal(count(g, "sinan", "Conv"), 1);
	assert_string_equal(cc_attr_s(g->nodes[0], "activation", ""), "Relu");
	sinan_graph_destroy(g);
}

static sinan_graph_t b_residual(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[4] = { 1, 4, 6, 6 }, wd[4] = { 4, 4, 1, 1 }, bd[3] = { 4, 1, 1 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 4, xd);
	sinan_tensor_t w = crand(g, 4, wd, 11), b = crand(g, 3, bd, 12);
	sinan_tensor_t c = OP2(g, "Conv", x, w);
	c = OP2(g, "Add", c, b);		/* bias as a separate Add */
	c = OP2(g, "Add", x, c);		/* residual, other order */
	struct sinan_attr lo = SINAN_ATTR_F("alpha", 0.2f);
	sinan_graph_output(g, sinan_graph_op(g, "LeakyRelu", 1, &c, 1, &lo), "y");
	return g;
}

static void fuse_residual(void **state)
{
	(void)state;
	/* conv + bias Add fuse; the residual Add (and the activation after it) stay
	 * separate for convolutions (NCHW <-> 5HD epilogue not fused yet) */
	sinan_graph_t g = check_fusion(b_residual, 1e-5);
	assert_int_equal(g->nnodes, 3);
	assert_int_equal(count(g, "sinan", "Conv"), 1);
	assert_int_equal(count(g, "", "Add"), 1);
	assert_int_equal(count(g, "", "LeakyRelu"), 1);
	struct cc_node *n = g->nodes[0];
	assert_true(n->nin >= 3 && n->in[2] && n->in[2]->data);
	sinan_graph_destroy(g);
}

/* MatMul + bias + residual + activation fuse into one sinan:MatMul */
static sinan_graph_t b_mm_residual(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[2] = { 5, 16 }, wd[2] = { 16, 16 }, bd[1] = { 16 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, xd);
	sinan_tensor_t h = OP2(g, "MatMul", x, crand(g, 2, wd, 13));
	h = OP2(g, "Add", h, crand(g, 1, bd, 14));
	h = OP2(g, "Add", x, h);
	sinan_graph_output(g, OP1(g, "Tanh", h), "y");
	return g;
}

static void fuse_mm_residual(void **state)
{
	(void)state;
	sinan_graph_t g = check_fusion(b_mm_residual, 1e-5);
	assert_int_equal(g->nnodes, 1);
	struct cc_node *n = g->nodes[0];
	assert_int_equal(n->nin, 4);
	assert_non_null(n->in[2]);
	assert_non_null(n->in[3]);
	assert_string_equal(cc_attr_s(n, "activation", ""), "Tanh");
	sinan_graph_destroy(g);
}

static sinan_graph_t b_mlp_gelu(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[3] = { 2, 5, 8 }, wd[2] = { 8, 12 }, bd[1] = { 12 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 3, xd);
	sinan_tensor_t h = OP2(g, "MatMul", x, crand(g, 2, wd, 21));
	h = OP2(g, "Add", h, crand(g, 1, bd, 22));
	/* gelu(h) = h * 0.5 * (1 + erf(h / sqrt(2))) */
	sinan_tensor_t e = OP1(g, "Erf", OP2(g, "Div", h, cscalar(g, 1.4142135f)));
	e = OP2(g, "Add", e, cscalar(g, 1.0f));
	e = OP2(g, "Mul", h, e);
	e = OP2(g, "Mul", e, cscalar(g, 0.5f));
	sinan_graph_output(g, e, "y");
	return g;
}

static void fuse_gelu_into_matmul(void **state)
{
	(void)state;
	sinan_graph_t g = check_fusion(b_mlp_gelu, 1e-5);
	assert_int_equal(g->nnodes, 1);
	assert_int_equal(count(g, "sinan", "MatMul"), 1);
	assert_string_equal(cc_attr_s(g->nodes[0], "activation", ""), "Gelu");
	sinan_graph_destroy(g);
}

static sinan_graph_t b_layernorm(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[3] = { 3, 4, 10 }, gd[1] = { 10 }, ax[1] = { -1 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 3, xd);
	struct sinan_attr at = SINAN_ATTR_IS("axes", 1, ax);
	sinan_tensor_t m = sinan_graph_op(g, "ReduceMean", 1, &x, 1, &at);
	sinan_tensor_t d = OP2(g, "Sub", x, m);
	sinan_tensor_t v = OP2(g, "Pow", d, cscalar(g, 2.0f));
	v = sinan_graph_op(g, "ReduceMean", 1, &v, 1, &at);
	v = OP1(g, "Sqrt", OP2(g, "Add", v, cscalar(g, 1e-5f)));
	sinan_tensor_t y = OP2(g, "Div", d, v);
	y = OP2(g, "Mul", y, crand(g, 1, gd, 31));
	y = OP2(g, "Add", y, crand(g, 1, gd, 32));
	sinan_graph_output(g, y, "y");
	return g;
}

static void fuse_layernorm(void **state)
{
	(void)state;
	sinan_graph_t g = check_fusion(b_layernorm, 1e-4);
	assert_int_equal(g->nnodes, 1);
	assert_int_equal(count(g, "sinan", "LayerNormalization"), 1);
	sinan_graph_destroy(g);
}

static sinan_graph_t b_attention(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t qd[4] = { 2, 3, 7, 8 }, md[4] = { 1, 1, 7, 7 };
	int64_t perm[4] = { 0, 1, 3, 2 }, ax[1] = { -1 };
	sinan_tensor_t q = sinan_graph_input(g, "q", SINAN_TYPE_FLOAT, 4, qd);
	sinan_tensor_t k = sinan_graph_input(g, "k", SINAN_TYPE_FLOAT, 4, qd);
	sinan_tensor_t v = sinan_graph_input(g, "v", SINAN_TYPE_FLOAT, 4, qd);
	struct sinan_attr pa = SINAN_ATTR_IS("perm", 4, perm);
	sinan_tensor_t kt = sinan_graph_op(g, "Transpose", 1, &k, 1, &pa);
	sinan_tensor_t s = OP2(g, "MatMul", q, kt);
	s = OP2(g, "Div", s, cscalar(g, 2.828427f));
	s = OP2(g, "Add", s, crand(g, 4, md, 41));
	/* decomposed softmax: exp(s - max) / sum */
	struct sinan_attr ra = SINAN_ATTR_IS("axes", 1, ax);
	sinan_tensor_t mx = sinan_graph_op(g, "ReduceMax", 1, &s, 1, &ra);
	sinan_tensor_t e = OP1(g, "Exp", OP2(g, "Sub", s, mx));
	int64_t one[1] = { 1 };
	sinan_tensor_t axt = sinan_graph_constant(g, NULL, SINAN_TYPE_INT64, 1, one, ax);
	sinan_tensor_t sm = sinan_graph_op(g, "ReduceSum", 2, (sinan_tensor_t[]){ e, axt }, 0, NULL);
	sinan_tensor_t p = OP2(g, "Div", e, sm);
	sinan_graph_output(g, OP2(g, "MatMul", p, v), "y");
	return g;
}

static void fuse_attention(void **state)
{
	(void)state;
	sinan_graph_t g = check_fusion(b_attention, 1e-4);
	assert_int_equal(g->nnodes, 1);
	assert_int_equal(count(g, "sinan", "Attention"), 1);
	assert_float_equal(cc_attr_f(g->nodes[0], "scale", 0), 1 / 2.828427, 1e-6);
	assert_int_equal(cc_attr_i(g->nodes[0], "k_trans", 1), 0);
	sinan_graph_destroy(g);
}

static sinan_graph_t b_bn_alone(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[4] = { 2, 3, 4, 5 }, cd[1] = { 3 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 4, xd);
	float var[3] = { 1, 2, 3 };
	sinan_tensor_t va = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 1, cd, var);
	sinan_graph_output(g, sinan_graph_op(g, "BatchNormalization", 5,
			   (sinan_tensor_t[]){ x, crand(g, 1, cd, 51), crand(g, 1, cd, 52), crand(g, 1, cd, 53), va },
			   0, NULL), "y");
	return g;
}

static void fuse_bn_alone(void **state)
{
	(void)state;
	sinan_graph_t g = check_fusion(b_bn_alone, 1e-5);
	assert_int_equal(count(g, "", "BatchNormalization"), 0);
	assert_int_equal(count(g, "", "Mul"), 1);
	assert_int_equal(count(g, "", "Add"), 1);
	sinan_graph_destroy(g);
}

/* Fusion must not take a tensor that has another use. */
static sinan_graph_t b_shared(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[2] = { 4, 6 }, wd[2] = { 6, 6 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, xd);
	sinan_tensor_t h = OP2(g, "MatMul", x, crand(g, 2, wd, 61));
	sinan_graph_output(g, OP1(g, "Relu", h), "a");
	sinan_graph_output(g, OP1(g, "Sigmoid", h), "b");
	return g;
}

static void fuse_respects_uses(void **state)
{
	(void)state;
	sinan_graph_t g = check_fusion(b_shared, 1e-5);
	assert_int_equal(g->nnodes, 3);
	assert_string_equal(cc_attr_s(g->nodes[0], "activation", ""), "");
	sinan_graph_destroy(g);
}

/* ---- memory planning -------------------------------------------------------------------------- */
/* ---- legalization ----------------------------------------------------------------------------- */
static const char *leg_op;
static int leg_keep;

static sinan_graph_t b_reduce_gapped(void)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[5] = { 3, 4, 1, 5, 6 }, axes[3] = { 0, 2, 3 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 5, xd);
	struct sinan_attr at[2] = { SINAN_ATTR_IS("axes", 3, axes), SINAN_ATTR_I("keepdims", leg_keep) };
	x = OP1(g, "Abs", x);	/* ReduceLogSum needs a positive sum */
	sinan_graph_output(g, sinan_graph_op(g, leg_op, 1, &x, 2, at), "y");
	return g;
}

static void legalize_reductions(void **state)
{
	(void)state;
	static const char *const ops[] = { "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2",
					   "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp" };
	for (size_t i = 0; i < CC_ARRAY_SIZE(ops); i++)
		for (leg_keep = 0; leg_keep < 2; leg_keep++) {
			leg_op = ops[i];
			sinan_graph_t a = b_reduce_gapped(), b = b_reduce_gapped();
			struct cc_view in[1], oa[1], ob[1];
			assert_int_equal(cc_pass_infer_fold(a), 0);
			assert_int_equal(cc_pass_infer_fold(b), 0);
			assert_int_equal(cc_pass_legalize(b), 0);
			/* axes {0, 2, 3} of [3, 4, 1, 5, 6]: runs {0} and {3}, so two reductions;
			 * LogSumExp over runs that are not trailing: max, sub, exp, sum, log, add each */
			if (!strcmp(ops[i], "ReduceLogSumExp")) {
				assert_int_equal(count(b, "", "ReduceLogSumExp"), 0);
				assert_int_equal(count(b, "", "ReduceMax"), 2);
				assert_int_equal(count(b, "", "Exp"), 2);
			} else {
				int n = 0;
				for (size_t k = 0; k < CC_ARRAY_SIZE(ops); k++)
					n += count(b, "", ops[k]);
				assert_int_equal(n + count(b, "", "ReduceSum"), 2);
			}
			t_seed(3);
			t_inputs(a, in);
			assert_int_equal(cc_ref_run(a, in, oa), 0);
			assert_int_equal(cc_ref_run(b, in, ob), 0);
			if (t_err(&ob[0], &oa[0], 1e-5, 1e-6) > 1)
				fail_msg("%s keepdims=%d: legalized graph differs", ops[i], leg_keep);
			t_free_views(in, 1);
			t_free_views(oa, 1);
			t_free_views(ob, 1);
			sinan_graph_destroy(a);
			sinan_graph_destroy(b);
		}
}

/* integer products: operand types, zero points as inputs, constants or absent */
struct qcase {
	const char *op;
	int xt, wt;
	int zmode;		/* 0 absent, 1 graph inputs, 2 constants */
	int64_t group;
	bool wconst;
};
static struct qcase qc;

static sinan_tensor_t qconst(sinan_graph_t g, int type, int rank, const int64_t *dims, int lo, int hi)
{
	uint64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= (uint64_t)dims[i];
	int8_t *d = malloc(n + 1);
	for (uint64_t i = 0; i < n; i++)
		d[i] = (int8_t)t_int(lo, hi);
	sinan_tensor_t t = sinan_graph_constant(g, NULL, type, rank, dims, d);
	free(d);
	return t;
}

static sinan_graph_t b_integer(void)
{
	sinan_graph_t g = sinan_graph_create();
	bool conv = strstr(qc.op, "Conv") != NULL, ql = qc.op[0] == 'Q';
	int64_t xd[4] = { 2, 6, 7, 5 }, wd[4] = { 4, 6 / qc.group, 3, 3 }, ad[2] = { 9, 20 }, bd[2] = { 20, 11 };
	int64_t zxd[1] = { 1 }, zwd[1] = { conv ? 4 : 11 };
	int lo = qc.xt == SINAN_TYPE_INT8 ? -128 : 0, hi = qc.xt == SINAN_TYPE_INT8 ? 127 : 255;
	int wlo = qc.wt == SINAN_TYPE_INT8 ? -128 : 0, whi = qc.wt == SINAN_TYPE_INT8 ? 127 : 255;
	sinan_tensor_t x = sinan_graph_input(g, "x", qc.xt, conv ? 4 : 2, conv ? xd : ad);
	t_seed(5);
	sinan_tensor_t w = qc.wconst ? qconst(g, qc.wt, conv ? 4 : 2, conv ? wd : bd, wlo, whi) :
		sinan_graph_input(g, "w", qc.wt, conv ? 4 : 2, conv ? wd : bd);
	sinan_tensor_t zx = NULL, zw = NULL;
	if (qc.zmode == 1) {
		zx = sinan_graph_input(g, "zx", qc.xt, 0, zxd);
		zw = sinan_graph_input(g, "zw", qc.wt, 1, zwd);
	} else if (qc.zmode == 2) {
		zx = qconst(g, qc.xt, 0, zxd, lo, hi);
		zw = qconst(g, qc.wt, 1, zwd, wlo, whi);
	}
	struct sinan_attr at[2] = { SINAN_ATTR_I("group", qc.group), SINAN_ATTR_IS("pads", 4, ((int64_t[]){ 1, 0, 2, 1 })) };
	sinan_tensor_t y;
	if (!ql) {
		y = sinan_graph_op(g, qc.op, 4, (sinan_tensor_t[]){ x, w, zx, zw }, conv ? 2 : 0, at);
	} else {
		float sx = 0.02f, sw[11], sy = 0.5f;
		for (int i = 0; i < 11; i++)
			sw[i] = 0.01f + 0.003f * (float)i;
		sinan_tensor_t ts[3] = { sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &sx),
					 sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 1, zwd, sw),
					 sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT, 0, NULL, &sy) };
		uint8_t zy = 100;
		sinan_tensor_t tzy = sinan_graph_constant(g, NULL, SINAN_TYPE_UINT8, 0, NULL, &zy);
		if (!zx)
			zx = qconst(g, qc.xt, 0, zxd, 0, 0);
		if (!zw)
			zw = qconst(g, qc.wt, 1, zwd, 0, 0);
		int32_t bias[4] = { 100, -2000, 5, 70000 };
		sinan_tensor_t in[9] = { x, ts[0], zx, w, ts[1], zw, ts[2], tzy,
					 sinan_graph_constant(g, NULL, SINAN_TYPE_INT32, 1, wd, bias) };
		y = sinan_graph_op(g, qc.op, conv ? 9 : 8, in, conv ? 2 : 0, at);
	}
	if (!y)
		fail_msg("%s: %s", qc.op, sinan_graph_error(g));
	sinan_graph_output(g, y, "y");
	return g;
}

static void legalize_integer(void **state)
{
	(void)state;
	static const char *const ops[] = { "MatMulInteger", "ConvInteger", "QLinearMatMul", "QLinearConv" };
	static const int types[][2] = { { SINAN_TYPE_UINT8, SINAN_TYPE_UINT8 }, { SINAN_TYPE_UINT8, SINAN_TYPE_INT8 },
					{ SINAN_TYPE_INT8, SINAN_TYPE_INT8 } };
	for (size_t o = 0; o < CC_ARRAY_SIZE(ops); o++)
		for (size_t t = 0; t < CC_ARRAY_SIZE(types); t++)
			for (int z = 0; z < 3; z++)
				for (int grp = 1; grp <= (strstr(ops[o], "Conv") ? 2 : 1); grp++) {
					qc = (struct qcase){ ops[o], types[t][0], types[t][1], z, grp, z == 2 };
					sinan_graph_t a = b_integer(), b = b_integer();
					struct cc_view in[4], oa[1], ob[1];
					assert_int_equal(cc_pass_infer_fold(a), 0);
					assert_int_equal(cc_pass_infer_fold(b), 0);
					if (cc_pass_legalize(b))
						fail_msg("%s: %s", ops[o], sinan_graph_error(b));
					/* the cube's forms only: int8 operands, no zero points */
					assert_int_equal(count(b, "", ops[o]), o == 0 ? 1 : 0);
					assert_int_equal(count(b, "", "MatMulInteger") + count(b, "sinan", "ConvInteger"), 1);
					for (int i = 0; i < b->nnodes; i++) {
						struct cc_node *nd = b->nodes[i];
						if (!nd->dead && strstr(nd->op, "Integer"))
							assert_true(nd->in[0]->dtype == SINAN_TYPE_INT8 &&
								    nd->in[1]->dtype == SINAN_TYPE_INT8 &&
								    (nd->nin < 4 || !nd->in[3]));
					}
					t_seed(3 + z);
					t_inputs(a, in);
					for (int i = 0; i < a->ninputs; i++)	/* the whole range of the type */
						for (uint64_t j = 0; j < cc_view_elems(&in[i]); j++)
							cc_sti(in[i].dtype, in[i].data, j, in[i].dtype == SINAN_TYPE_INT8 ?
							       t_int(-128, 127) : t_int(0, 255));
					assert_int_equal(cc_ref_run(a, in, oa), 0);
					assert_int_equal(cc_ref_run(b, in, ob), 0);
					if (t_err(&ob[0], &oa[0], 0, 1e-9) > 1)
						fail_msg("%s types %zu zero points %d group %d: legalized graph differs", ops[o],
							 t, z, grp);
					t_free_views(in, a->ninputs);
					t_free_views(oa, 1);
					t_free_views(ob, 1);
					sinan_graph_destroy(a);
					sinan_graph_destroy(b);
				}
}

static void memplan_chain_reuses(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	int64_t d[2] = { 64, 64 };	/* 16 KiB each */
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, d);
	for (int i = 0; i < 10; i++)
		x = OP1(g, i & 1 ? "Relu" : "Tanh", x);
	sinan_graph_output(g, x, "y");
	assert_int_equal(cc_pass_infer_fold(g), 0);
	assert_int_equal(cc_pass_memplan(g, 256), 0);
	/* 9 intermediates, at most two alive at once */
	assert_int_equal(g->naive_bytes, 9 * 16384);
	assert_int_equal(g->arena_bytes, 2 * 16384);
	sinan_graph_destroy(g);
}

static void memplan_alias(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	int64_t d[2] = { 8, 8 }, s[1] = { 64 }, one[1] = { 1 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, d);
	sinan_tensor_t a = OP1(g, "Exp", x);
	sinan_tensor_t shp = sinan_graph_constant(g, NULL, SINAN_TYPE_INT64, 1, one, s);
	sinan_tensor_t r = OP2(g, "Reshape", a, shp);
	sinan_tensor_t b = OP1(g, "Exp", r);
	sinan_tensor_t c = OP1(g, "Exp", b);
	sinan_graph_output(g, OP2(g, "Add", c, r), "y");
	assert_int_equal(cc_pass_infer_fold(g), 0);
	assert_int_equal(cc_pass_memplan(g, 256), 0);
	assert_ptr_equal(cc_storage(r), a);
	assert_int_equal(r->mem_off, a->mem_off);
	/* a (through r) is alive until the Add: b and c must not overlap it */
	assert_true(b->mem_off >= a->mem_off + 256 || b->mem_off + 256 <= a->mem_off);
	assert_true(c->mem_off >= a->mem_off + 256 || c->mem_off + 256 <= a->mem_off);
	sinan_graph_destroy(g);
}

/* Random DAGs: no two tensors alive at the same node share a byte. */
static void memplan_property(void **state)
{
	(void)state;
	for (int it = 0; it < 50; it++) {
		t_seed(1000 + (uint64_t)it);
		sinan_graph_t g = sinan_graph_create();
		sinan_tensor_t pool[64];
		int np = 0;
		int64_t d[2] = { t_int(1, 9), t_int(1, 40) };
		pool[np++] = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, d);
		int nodes = t_int(5, 40);
		for (int i = 0; i < nodes && np < 64; i++) {
			sinan_tensor_t a = pool[t_int(0, np - 1)], b = pool[t_int(0, np - 1)];
			pool[np++] = t_int(0, 1) ? OP1(g, "Neg", a) : OP2(g, "Add", a, b);
		}
		for (int i = np - 3; i < np; i++)
			if (i > 0)
				sinan_graph_output(g, pool[i], NULL);
		assert_int_equal(cc_pass_infer_fold(g), 0);
		assert_int_equal(cc_pass_simplify(g), 0);
		assert_int_equal(cc_pass_memplan(g, 64), 0);
		/* liveness by brute force */
		int n = g->nnodes;
		for (int s = 0; s < n; s++) {
			struct cc_tensor *live[128];
			int nl = 0;
			for (int t = 0; t < g->ntensors; t++) {
				struct cc_tensor *x = g->tensors[t];
				if (x->mem_class != CC_MEM_ARENA || x->alias)
					continue;
				int first = -1, last = -1;
				for (int k = 0; k < n; k++) {
					struct cc_node *nd = g->nodes[k];
					for (int j = 0; j < nd->nout; j++)
						if (nd->out[j] && cc_storage(nd->out[j]) == x && first < 0)
							first = k;
					for (int j = 0; j < nd->nin; j++)
						if (nd->in[j] && cc_storage(nd->in[j]) == x)
							last = k;
				}
				if (first <= s && s <= CC_MAX(last, first) && nl < 128)
					live[nl++] = x;
			}
			for (int i = 0; i < nl; i++)
				for (int j = i + 1; j < nl; j++) {
					uint64_t ai = (uint64_t)live[i]->mem_off, bi = (uint64_t)live[j]->mem_off;
					uint64_t as = cc_dev_bytes(live[i]), bs = cc_dev_bytes(live[j]);
					assert_true(ai + as <= bi || bi + bs <= ai);
				}
		}
		assert_true(g->arena_bytes <= g->naive_bytes);
		sinan_graph_destroy(g);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fold_shape_subgraph),
		cmocka_unit_test(fold_cap),
		cmocka_unit_test(simplify_identities),
		cmocka_unit_test(fuse_conv_bn_relu),
		cmocka_unit_test(fuse_residual),
		cmocka_unit_test(fuse_mm_residual),
		cmocka_unit_test(fuse_gelu_into_matmul),
		cmocka_unit_test(fuse_layernorm),
		cmocka_unit_test(fuse_attention),
		cmocka_unit_test(fuse_bn_alone),
		cmocka_unit_test(fuse_respects_uses),
		cmocka_unit_test(legalize_reductions),
		cmocka_unit_test(legalize_integer),
		cmocka_unit_test(memplan_chain_reuses),
		cmocka_unit_test(memplan_alias),
		cmocka_unit_test(memplan_property),
	};
	return cmocka_run_group_tests_name("compiler-passes", tests, NULL, NULL);
}

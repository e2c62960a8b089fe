// SPDX-License-Identifier: MIT
/*
 * Legalization: rewrite ops the device executes through others, after
 * fusion and before lowering.
 *   Trilu(x, k)              -> Where(constant mask, x, 0)
 *   BatchNormalization with run-time parameters
 *                            -> (x - mean) * (scale / sqrt(var + eps)) + B, per channel
 *   sinan:Attention(Q, K, V, M) -> sinan:MatMul(Q, K^T, alpha = scale, C = M), Softmax,
 *                               MatMul with V (the cube runs both products)
 *   Reduce* over axes that are not adjacent (after dropping size-1 axes)
 *                            -> one reduction per run of adjacent axes, keeping
 *                               dims, then the original one (which now sees the
 *                               earlier runs at size 1): Sum, Mean, Max, Min,
 *                               L1, L2 and LogSumExp compose with themselves;
 *                               SumSquare and LogSum go through Sum
 */
#include "ops_int.h"

#include <math.h>
#include <stdlib.h>

static struct cc_tensor *node1(struct cc_graph *g, const char *op, const char *label, struct cc_tensor *a,
			       struct cc_tensor *b, struct cc_tensor *out)
{
	struct cc_node *n = cc_node_new(g, op, "", label, b ? 2 : 1, 1);
	if (!n)
		return NULL;
	n->in[0] = a;
	if (b)
		n->in[1] = b;
	if (!out)
		out = cc_tensor_new(g, NULL, 0, -1, NULL);
	if (!out)
		return NULL;
	n->out[0] = out;
	out->producer = n;
	if (cc_node_bind(g, n) || cc_node_check(g, n) || cc_node_infer(g, n))
		return NULL;
	return out;
}

static int trilu(struct cc_graph *g, struct cc_node *n)
{
	struct cc_tensor *x = n->in[0], *y = n->out[0];
	int64_t k = n->nin > 1 && n->in[1] ? cc_ldi(n->in[1]->dtype, n->in[1]->data, 0) : 0;
	bool upper = cc_attr_i(n, "upper", 1) != 0;
	int64_t R = x->dims[x->rank - 2], C = x->dims[x->rank - 1], md[2] = { R, C };
	struct cc_tensor *mask = cc_const_new(g, "trilu_mask", SINAN_TYPE_BOOL, 2, md, NULL);
	struct cc_tensor *zero = cc_const_new(g, "zero", x->dtype, 0, NULL, NULL);
	if (!mask || !zero)
		return -g->err_code;
	for (int64_t r = 0; r < R; r++)
		for (int64_t c = 0; c < C; c++)
			((uint8_t *)mask->data)[r * C + c] = upper ? c - r >= k : c - r <= k;
	struct cc_node *w = cc_node_new(g, "Where", "", n->name, 3, 1);
	if (!w)
		return -g->err_code;
	w->in[0] = mask;
	w->in[1] = x;
	w->in[2] = zero;
	w->out[0] = y;
	y->producer = w;
	n->dead = true;
	if (cc_node_bind(g, w) || cc_node_infer(g, w))
		return -g->err_code;
	return 0;
}

static int batchnorm(struct cc_graph *g, struct cc_node *n)
{
	struct cc_tensor *x = n->in[0], *y = n->out[0];
	int64_t C = x->dims[1], d[CC_MAX_RANK];
	float eps = cc_attr_f(n, "epsilon", 1e-5f);
	struct cc_tensor *e = cc_const_new(g, "eps", n->in[4]->dtype, 0, NULL, NULL);
	if (!e)
		return -g->err_code;
	cc_st(e->dtype, e->data, 0, eps);
	d[0] = C;
	for (int i = 1; i < x->rank - 1; i++)
		d[i] = 1;
	const char *lb = cc_node_label(n);
	struct cc_tensor *k = node1(g, "Add", lb, n->in[4], e, NULL);
	k = k ? node1(g, "Sqrt", lb, k, NULL, NULL) : NULL;
	k = k ? node1(g, "Div", lb, n->in[1], k, NULL) : NULL;
	struct cc_tensor *kr = k ? cc_reshaped(g, k, x->rank - 1, d) : NULL;
	struct cc_tensor *mr = kr ? cc_reshaped(g, n->in[3], x->rank - 1, d) : NULL;
	struct cc_tensor *br = mr ? cc_reshaped(g, n->in[2], x->rank - 1, d) : NULL;
	struct cc_tensor *t = br ? node1(g, "Sub", lb, x, mr, NULL) : NULL;
	t = t ? node1(g, "Mul", lb, t, kr, NULL) : NULL;
	n->dead = true;
	if (!t || !node1(g, "Add", lb, t, br, y))
		return -g->err_code;
	return 0;
}

static struct cc_tensor *reduce1(struct cc_graph *g, const struct cc_node *like, const char *op,
			       struct cc_tensor *x, unsigned mask, int keep, struct cc_tensor *out)
{
	int64_t ax[CC_MAX_RANK];
	int na = 0;
	for (int i = 0; i < x->rank; i++)
		if (mask & (1u << i))
			ax[na++] = i;
	struct cc_node *n = cc_node_new(g, op, "", like->name, 1, 1);
	if (n && !out)
		out = cc_tensor_new(g, NULL, 0, -1, NULL);
	if (!n || !out)
		return NULL;
	n->ver_fixed = 11;	/* axes as an attribute */
	n->in[0] = x;
	n->out[0] = out;
	out->producer = n;
	/* (adding an attribute moves the others) */
	struct cc_attr *k = cc_node_add_attr(g, n, "keepdims", SINAN_ATTR_INT);
	if (!k)
		return NULL;
	k->i = keep;
	struct cc_attr *a = cc_node_add_attr(g, n, "axes", SINAN_ATTR_INTS);
	if (!a)
		return NULL;
	a->ints = cc_arena_alloc(&g->arena, sizeof(int64_t) * (size_t)na);
	if (!a->ints) {
		cc_err(g, ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(a->ints, ax, sizeof(int64_t) * (size_t)na);
	a->n = na;
	if (cc_node_bind(g, n) || cc_node_check(g, n) || cc_node_infer(g, n))
		return NULL;
	return out;
}

/* log(sum(exp(x))) over non-trailing axes: m + log(sum(exp(x - m))), m = max(x) */
static int lse_split(struct cc_graph *g, struct cc_node *n, unsigned mask)
{
	struct cc_tensor *x = n->in[0], *y = n->out[0];
	const char *lb = cc_node_label(n);
	bool keep = cc_attr_i(n, "keepdims", 1) != 0;
	struct cc_tensor *m = reduce1(g, n, "ReduceMax", x, mask, 1, NULL);
	struct cc_tensor *t = m ? node1(g, "Sub", lb, x, m, NULL) : NULL;
	t = t ? node1(g, "Exp", lb, t, NULL, NULL) : NULL;
	t = t ? reduce1(g, n, "ReduceSum", t, mask, 1, NULL) : NULL;
	t = t ? node1(g, "Log", lb, t, NULL, NULL) : NULL;
	if (!t)
		return -g->err_code;
	n->dead = true;
	if (keep)
		return node1(g, "Add", lb, t, m, y) ? 0 : -g->err_code;
	int64_t sd[1] = { y->rank };
	struct cc_tensor *shape = cc_const_new(g, "shape", SINAN_TYPE_INT64, 1, sd, y->dims);
	t = shape ? node1(g, "Add", lb, t, m, NULL) : NULL;
	return t && node1(g, "Reshape", lb, t, shape, y) ? 0 : -g->err_code;
}

static int attention(struct cc_graph *g, struct cc_node *n)
{
	struct cc_tensor *q = n->in[0], *k = n->in[1], *v = n->in[2], *m = n->nin > 3 ? n->in[3] : NULL;
	struct cc_node *s = cc_node_new(g, "MatMul", "sinan", n->name, m ? 3 : 2, 1);
	struct cc_tensor *st = s ? cc_tensor_new(g, NULL, 0, -1, NULL) : NULL;
	if (!st)
		return -g->err_code;
	s->in[0] = q;
	s->in[1] = k;
	if (m)
		s->in[2] = m;
	s->out[0] = st;
	st->producer = s;
	struct cc_attr *a = cc_node_add_attr(g, s, "transB", SINAN_ATTR_INT);
	if (!a)
		return -g->err_code;
	a->i = !cc_attr_i(n, "k_trans", 0);
	a = cc_node_add_attr(g, s, "alpha", SINAN_ATTR_FLOAT);
	if (!a)
		return -g->err_code;
	a->f = cc_attr_f(n, "scale", 1.0f);
	if (cc_node_bind(g, s) || cc_node_check(g, s) || cc_node_infer(g, s))
		return -g->err_code;
	struct cc_node *sm = cc_node_new(g, "Softmax", "", n->name, 1, 1);
	struct cc_tensor *pt = sm ? cc_tensor_new(g, NULL, 0, -1, NULL) : NULL;
	if (!pt)
		return -g->err_code;
	sm->ver_fixed = 13;	/* the last axis alone */
	sm->in[0] = st;
	sm->out[0] = pt;
	pt->producer = sm;
	if (cc_node_bind(g, sm) || cc_node_infer(g, sm))
		return -g->err_code;
	n->dead = true;
	return node1(g, "MatMul", cc_node_label(n), pt, v, n->out[0]) ? 0 : -g->err_code;
}

static int reduce_split(struct cc_graph *g, struct cc_node *n)
{
	static const char *const ops[] = { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1",
					   "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp" };
	struct cc_tensor *x = n->in[0];
	unsigned mask, runs[CC_MAX_RANK], cur = 0;
	int nruns = 0;
	bool noop, known = false;

	for (size_t i = 0; i < CC_ARRAY_SIZE(ops); i++)
		known |= !strcmp(n->op, ops[i]);
	if (!known || !cc_shape_known(x) || cc_reduce_axes(g, n, x->rank, &mask, &noop) || noop)
		return 0;
	for (int i = 0; i < x->rank; i++) {
		if (x->dims[i] == 1)
			continue;
		if (mask & (1u << i)) {
			cur |= 1u << i;
		} else if (cur) {
			runs[nruns++] = cur;
			cur = 0;
		}
	}
	if (cur)
		runs[nruns++] = cur;
	if (nruns == 1 && !strcmp(n->op, "ReduceLogSumExp")) {
		int lastred = -1;
		bool trailing = true;
		for (int i = 0; i < x->rank; i++)
			if (x->dims[i] != 1 && (mask & (1u << i)))
				lastred = i;
		for (int i = lastred + 1; i < x->rank; i++)
			trailing &= x->dims[i] == 1;
		if (!trailing)
			return lse_split(g, n, mask);
	}
	if (nruns < 2)
		return 0;
	bool ssq = !strcmp(n->op, "ReduceSumSquare"), logsum = !strcmp(n->op, "ReduceLogSum");
	const char *first = logsum ? "ReduceSum" : n->op, *rest = ssq || logsum ? "ReduceSum" : n->op;
	const char *last = ssq ? "ReduceSum" : n->op;
	struct cc_tensor *t = x;
	for (int r = 0; r < nruns - 1 && t; r++)
		t = reduce1(g, n, r ? rest : first, t, runs[r], 1, NULL);
	if (!t)
		return -g->err_code;
	n->dead = true;
	return reduce1(g, n, last, t, mask, (int)cc_attr_i(n, "keepdims", 1), n->out[0]) ? 0 : -g->err_code;
}

int cc_pass_legalize(struct cc_graph *g)
{
	int rc = 0;
	/* (nodes added here are legalized too) */
	for (int i = 0; i < g->nnodes && !rc; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		if (!strcmp(n->domain, "sinan")) {
			if (!strcmp(n->op, "Attention"))
				rc = attention(g, n);
			continue;
		}
		if (n->domain[0])
			continue;
		if (!strcmp(n->op, "Trilu"))
			rc = trilu(g, n);
		else if (!strcmp(n->op, "BatchNormalization"))
			rc = batchnorm(g, n);
		else if ((rc = cc_qlegal_node(g, n)) > 0)
			rc = 0;
		else if (!rc)
			rc = reduce_split(g, n);
	}
	if (!rc)
		rc = cc_graph_toposort(g);
	if (!rc)
		rc = cc_graph_refresh(g);
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * Legalization: rewrite ops the device executes through others, after
 * fusion and before lowering.
 *   Trilu(x, k)              -> Where(constant mask, x, 0)
 *   BatchNormalization with run-time parameters
 *                            -> (x - mean) * (scale / sqrt(var + eps)) + B, per channel
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

int cc_pass_legalize(struct cc_graph *g)
{
	int nn = g->nnodes, rc = 0;
	for (int i = 0; i < nn && !rc; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead || n->domain[0])
			continue;
		if (!strcmp(n->op, "Trilu"))
			rc = trilu(g, n);
		else if (!strcmp(n->op, "BatchNormalization"))
			rc = batchnorm(g, n);
	}
	if (!rc)
		rc = cc_graph_toposort(g);
	if (!rc)
		rc = cc_graph_refresh(g);
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * Legacy operator versions (opsets < 11) rewritten into their current form
 * after shape inference, so that fusion and lowering see one form per op:
 * legacy broadcasting (Add-6 'broadcast'/'axis', PRelu-6 per-channel slope)
 * becomes an explicit reshape of the second operand; Pad-2 and Slice-1
 * attributes become constant inputs; attributes with no effect at inference
 * (Gemm 'broadcast', BatchNormalization 'spatial'/'is_test') are dropped.
 */
#include "ops_int.h"

#include <stdlib.h>

static void drop_attr(struct cc_node *n, const char *name)
{
	for (int i = 0; i < n->nattr; i++)
		if (!strcmp(n->attr[i].name, name)) {
			memmove(&n->attr[i], &n->attr[i + 1], sizeof(*n->attr) * (size_t)(n->nattr - i - 1));
			n->nattr--;
			return;
		}
}

struct cc_tensor *cc_const_new(struct cc_graph *g, const char *base, int dtype, int rank,
			       const int64_t *dims, const void *data)
{
	struct cc_tensor *t = cc_tensor_new(g, cc_name_gen(g, base), dtype, rank, dims);
	size_t b;
	void *d;

	if (!t)
		return NULL;
	b = cc_tensor_bytes(t);
	d = malloc(b ? b : 1);
	if (!d) {
		cc_err(g, ENOMEM, "out of memory");
		return NULL;
	}
	if (data && b)
		memcpy(d, data, b);
	else
		memset(d, 0, b ? b : 1);
	cc_tensor_set_data(g, t, d);
	return t;
}

struct cc_tensor *cc_reshaped(struct cc_graph *g, struct cc_tensor *x, int rank, const int64_t *dims)
{
	int64_t sd[1] = { rank };
	struct cc_tensor *shape, *y;
	struct cc_node *r;

	if (x->data)
		return cc_const_new(g, x->name, x->dtype, rank, dims, x->data);
	shape = cc_const_new(g, "shape", SINAN_TYPE_INT64, 1, sd, dims);
	y = cc_tensor_new(g, cc_name_gen(g, x->name), x->dtype, rank, dims);
	r = shape && y ? cc_node_new(g, "Reshape", "", NULL, 2, 1) : NULL;
	if (!r)
		return NULL;
	r->in[0] = x;
	r->in[1] = shape;
	r->out[0] = y;
	y->producer = r;
	if (cc_node_bind(g, r) || cc_node_infer(g, r))
		return NULL;
	return y;
}

static int set_inputs(struct cc_graph *g, struct cc_node *n, int nin)
{
	struct cc_tensor **in = cc_arena_alloc(&g->arena, sizeof(*in) * (size_t)nin);
	if (!in)
		return cc_err(g, ENOMEM, "out of memory");
	memcpy(in, n->in, sizeof(*in) * (size_t)CC_MIN(nin, n->nin));
	n->in = in;
	n->nin = nin;
	return 0;
}

int cc_pass_legacy(struct cc_graph *g)
{
	int nn = g->nnodes;
	bool added = false;

	for (int i = 0; i < nn; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead || n->ver >= 11 || (n->def->flags & CC_OP_INTERNAL))
			continue;
		if (cc_legacy_bcast(n)) {
			struct cc_tensor *a = n->in[0], *b = n->in[1];
			int64_t bd[CC_MAX_RANK];
			if (cc_legacy_bdims(g, n, a->rank, a->dims, b->rank, b->dims, bd))
				return -g->err_code;
			if (b->rank != a->rank || memcmp(bd, b->dims, sizeof(int64_t) * (size_t)a->rank)) {
				n->in[1] = cc_reshaped(g, b, a->rank, bd);
				if (!n->in[1])
					return -g->err_code;
				added = true;
			}
			drop_attr(n, "broadcast");
			drop_attr(n, "axis");
		}
		if (!strcmp(n->op, "PRelu")) {
			struct cc_tensor *x = n->in[0], *s = n->in[1];
			if (s->rank == 1 && x->rank > 2 && s->dims[0] == x->dims[1] &&
			    s->dims[0] != x->dims[x->rank - 1]) {
				int64_t sd[CC_MAX_RANK];
				sd[0] = s->dims[0];
				for (int k = 1; k < x->rank - 1; k++)
					sd[k] = 1;
				n->in[1] = cc_reshaped(g, s, x->rank - 1, sd);
				if (!n->in[1])
					return -g->err_code;
				added = true;
			}
		}
		if (!strcmp(n->op, "Gemm"))
			drop_attr(n, "broadcast");
		if (!strcmp(n->op, "BatchNormalization")) {
			drop_attr(n, "spatial");
			drop_attr(n, "is_test");
		}
		if (!strcmp(n->op, "Concat") && !cc_attr_find(n, "axis")) {
			struct cc_attr *a = cc_node_add_attr(g, n, "axis", SINAN_ATTR_INT);
			if (!a)
				return -g->err_code;
			a->i = 1;
		}
		if (!strcmp(n->op, "Pad") && n->ver < 11) {
			int r = n->in[0]->rank;
			int64_t pb[CC_MAX_RANK], pe[CC_MAX_RANK], p[2 * CC_MAX_RANK], pd[1] = { 2 * r };
			if (cc_pad_params(g, n, r, pb, pe))
				return -g->err_code;
			for (int k = 0; k < r; k++) {
				p[k] = pb[k];
				p[r + k] = pe[k];
			}
			float v = cc_attr_f(n, "value", 0.0f);
			if (set_inputs(g, n, 3))
				return -g->err_code;
			n->in[1] = cc_const_new(g, "pads", SINAN_TYPE_INT64, 1, pd, p);
			n->in[2] = cc_const_new(g, "value", n->in[0]->dtype, 0, NULL, NULL);
			if (!n->in[1] || !n->in[2])
				return -g->err_code;
			cc_st(n->in[0]->dtype, n->in[2]->data, 0, v);
			drop_attr(n, "pads");
			drop_attr(n, "value");
			n->ver = n->ver_fixed = 11;
		}
		if (!strcmp(n->op, "Slice") && n->ver < 10) {
			int r = n->in[0]->rank;
			int64_t st[CC_MAX_RANK], sp[CC_MAX_RANK], cnt[CC_MAX_RANK], en[CC_MAX_RANK];
			int64_t ax[CC_MAX_RANK], d1[1] = { r };
			if (cc_slice_params(g, n, r, n->in[0]->dims, st, sp, cnt))
				return -g->err_code;
			for (int k = 0; k < r; k++) {
				ax[k] = k;
				en[k] = st[k] + cnt[k];	/* steps are 1 */
			}
			if (set_inputs(g, n, 4))
				return -g->err_code;
			n->in[1] = cc_const_new(g, "starts", SINAN_TYPE_INT64, 1, d1, st);
			n->in[2] = cc_const_new(g, "ends", SINAN_TYPE_INT64, 1, d1, en);
			n->in[3] = cc_const_new(g, "axes", SINAN_TYPE_INT64, 1, d1, ax);
			if (!n->in[1] || !n->in[2] || !n->in[3])
				return -g->err_code;
			drop_attr(n, "starts");
			drop_attr(n, "ends");
			drop_attr(n, "axes");
			n->ver = n->ver_fixed = 10;
		}
	}
	if (added && cc_graph_toposort(g))
		return -g->err_code;
	return cc_graph_refresh(g);
}

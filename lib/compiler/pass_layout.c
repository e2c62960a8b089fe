// SPDX-License-Identifier: MIT
/*
 * Layout: keep 4-D activations in NC1HWC0 ("5HD", C0 = 32 bytes of
 * channels) between the ops that work on it, so that a chain of
 * convolutions, activations, residual adds and pooling never goes back to
 * NCHW in between.
 *
 * The cube's convolution reads and writes 5HD; an NCHW activation costs a
 * rearrangement on each side (gathers of single elements in device memory),
 * which on a ResNet block costs several times the convolution itself.
 *
 * Nodes run in 5HD mode when they can:
 *   convolutions with group 1 (float, 2-D, constant bias);
 *   Max/AveragePool, GlobalAverage/MaxPool whose input is 5HD;
 *   elementwise ops of a whitelist (f(0) finite, so the zero channels that
 *   pad C to a multiple of C0 stay finite) whose non-constant inputs are all
 *   5HD with the output's shape, constants scalar or per channel (converted
 *   here to [1, C1, 1, 1, C0]).
 * A convolution whose input is NCHW and whose output feeds nothing in 5HD
 * stays NCHW (it converts internally). A 5HD tensor keeps its logical NCHW
 * shape with t->c0 set; sinan:To5HD / sinan:From5HD nodes convert where a
 * 5HD producer meets an NCHW consumer or a graph output, or an NCHW tensor a
 * 5HD convolution. The padding channels of a 5HD tensor hold zeros (or
 * finite values derived from zeros).
 */
#include "ops_int.h"

#include <stdlib.h>

static int c0_of(const struct cc_tensor *t)
{
	int dt = t->dev_dtype ? t->dev_dtype : t->dtype;
	size_t es = cc_dtype_size(dt);
	return es ? (int)(32 / es) : 0;
}

static bool float_dev(const struct cc_tensor *t)
{
	int dt = t->dev_dtype ? t->dev_dtype : t->dtype;
	return dt == SINAN_TYPE_FLOAT || dt == SINAN_TYPE_FLOAT16 || dt == SINAN_TYPE_BFLOAT16;
}

static bool conv_ok(const struct cc_node *n)
{
	bool fused = !strcmp(n->domain, "sinan");
	if (strcmp(n->op, "Conv") || (n->domain[0] && !fused))
		return false;
	if (n->in[0]->rank != 4 || !float_dev(n->in[0]) || cc_attr_i(n, "group", 1) != 1)
		return false;
	if (n->nin > 2 && n->in[2] && !n->in[2]->data)
		return false;	/* run-time bias */
	if (fused && n->nin > 3 && n->in[3])
		return false;	/* residual */
	return n->nout == 1 || !n->out[1];
}

static bool pool_ok(const struct cc_node *n)
{
	if (n->domain[0] || n->in[0]->rank != 4 || !float_dev(n->in[0]))
		return false;
	if (!strcmp(n->op, "MaxPool") || !strcmp(n->op, "AveragePool"))
		return n->nout == 1 || !n->out[1];
	return !strcmp(n->op, "GlobalAveragePool") || !strcmp(n->op, "GlobalMaxPool");
}

/* a constant that is a scalar or varies along the channels of a 4-D output only */
static bool per_channel(const struct cc_tensor *t, const struct cc_tensor *y)
{
	int64_t d[4] = { 1, 1, 1, 1 };
	if (t->rank > 4)
		return false;
	for (int i = 0; i < t->rank; i++)
		d[4 - t->rank + i] = t->dims[i];
	return d[0] == 1 && d[2] == 1 && d[3] == 1 && (d[1] == 1 || d[1] == y->dims[1]);
}

static bool elem_ok(const struct cc_node *n)
{
	static const char *const ok[] = { "Relu", "LeakyRelu", "Clip", "Add", "Sub", "Mul", "Max", "Min", "Sigmoid",
					  "Tanh", "HardSigmoid", "HardSwish", "Abs", "Neg", "PRelu", "Elu", "Selu",
					  "Celu", "Softplus", "Identity" };
	bool known = !strcmp(n->domain, "sinan") ? !strcmp(n->op, "Gelu") : false;
	for (size_t i = 0; !n->domain[0] && i < CC_ARRAY_SIZE(ok); i++)
		known |= !strcmp(n->op, ok[i]);
	return known && n->nout == 1 && n->out[0]->rank == 4 && float_dev(n->out[0]);
}

static bool elem_inputs_ok(const struct cc_node *n, const int *mode)
{
	const struct cc_tensor *y = n->out[0];
	int live = 0;
	for (int i = 0; i < n->nin; i++) {
		const struct cc_tensor *t = n->in[i];
		if (!t)
			continue;
		if (t->data) {	/* scalars, or per channel of the output's type */
			if (cc_tensor_elems(t) != 1 && (!per_channel(t, y) || t->dtype != y->dtype))
				return false;
			continue;
		}
		if (t->rank != 4 || memcmp(t->dims, y->dims, sizeof(int64_t) * 4) || c0_of(t) != c0_of(y))
			return false;
		if (!t->producer || !mode[t->producer->id])
			return false;
		live++;
	}
	return live > 0;
}

static struct cc_tensor *convert(struct cc_graph *g, const char *op, struct cc_tensor *x, struct cc_tensor *y)
{
	struct cc_node *n = cc_node_new(g, op, "sinan", NULL, 1, 1);
	if (!n)
		return NULL;
	if (!y) {
		y = cc_tensor_new(g, cc_name_gen(g, x->name), x->dtype, x->rank, x->dims);
		if (!y)
			return NULL;
		y->dev_dtype = x->dev_dtype;
	}
	n->in[0] = x;
	n->out[0] = y;
	y->producer = n;
	if (cc_node_bind(g, n))
		return NULL;
	return y;
}

/* [1, C1, 1, 1, C0] image of a per-channel constant (zeros in the padding channels) */
static struct cc_tensor *const5(struct cc_graph *g, struct cc_tensor *t, const struct cc_tensor *y)
{
	int64_t C = y->dims[1], c0 = c0_of(y), C1 = CC_DIV_UP(C, c0);
	int64_t d[5] = { 1, C1, 1, 1, c0 };
	struct cc_tensor *p = cc_const_new(g, t->name, t->dtype, 5, d, NULL);
	if (!p)
		return NULL;
	p->dev_dtype = t->dev_dtype;
	uint64_t ne = cc_tensor_elems(t);
	for (int64_t c = 0; c < C; c++)
		cc_st(t->dtype, p->data, (uint64_t)c, cc_ld(t->dtype, t->data, ne == 1 ? 0 : (uint64_t)c));
	return p;
}

int cc_pass_layout(struct cc_graph *g)
{
	int nn, rc = 0;
	int *mode = NULL;
	bool *demoted = NULL, changed = true;

	rc = cc_graph_toposort(g);
	if (!rc)
		rc = cc_graph_refresh(g);
	if (rc)
		return rc;
	nn = g->nnodes;
	mode = calloc((size_t)(nn ? nn : 1), sizeof(*mode));
	demoted = calloc((size_t)(nn ? nn : 1), sizeof(*demoted));
	if (!mode || !demoted) {
		rc = cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	for (int round = 0; changed && round <= nn; round++) {
		changed = false;
		for (int i = 0; i < nn; i++) {
			struct cc_node *n = g->nodes[i];
			const struct cc_tensor *x = n->in[0];
			int m = 0;
			if (conv_ok(n))
				m = !demoted[i];
			else if (pool_ok(n))
				m = x->producer && mode[x->producer->id];
			else if (elem_ok(n))
				m = elem_inputs_ok(n, mode);
			mode[i] = m;
		}
		/* a convolution between NCHW tensors converts inside (one op instead of three) */
		for (int i = 0; i < nn; i++) {
			struct cc_node *n = g->nodes[i];
			if (!mode[i] || !conv_ok(n))
				continue;
			const struct cc_tensor *x = n->in[0], *y = n->out[0];
			bool feeds = false;
			for (int j = i + 1; j < nn && !feeds; j++)
				for (int k = 0; k < g->nodes[j]->nin; k++)
					feeds |= g->nodes[j]->in[k] == y && mode[j];
			if (!(x->producer && mode[x->producer->id]) && !feeds) {
				demoted[i] = true;
				changed = true;
			}
		}
	}
	/* rewrite: 5HD outputs, conversions, per-channel constants */
	struct cc_tensor **as5 = calloc((size_t)g->ntensors + 1, sizeof(*as5));
	if (!as5) {
		rc = cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	int nt0 = g->ntensors;
	for (int i = 0; i < nn && !rc; i++) {
		struct cc_node *n = g->nodes[i];
		if (!mode[i])
			continue;
		struct cc_tensor *y = n->out[0];
		struct cc_tensor *y5 = cc_tensor_new(g, cc_name_gen(g, y->name), y->dtype, y->rank, y->dims);
		if (!y5) {
			rc = -g->err_code;
			break;
		}
		y5->dev_dtype = y->dev_dtype;
		y5->c0 = c0_of(y);
		y5->producer = n;
		n->out[0] = y5;
		as5[y->id] = y5;
		bool nchw = y->is_output;
		for (int j = i + 1; j < nn; j++)
			for (int k = 0; k < g->nodes[j]->nin; k++)
				nchw |= g->nodes[j]->in[k] == y && !mode[j];
		if (nchw && !convert(g, "From5HD", y5, y))
			rc = -g->err_code;
		if (!nchw)
			y->producer = NULL;
	}
	for (int i = 0; i < nn && !rc; i++) {
		struct cc_node *n = g->nodes[i];
		if (!mode[i])
			continue;
		for (int k = 0; k < n->nin && !rc; k++) {
			struct cc_tensor *t = n->in[k];
			if (!t)
				continue;
			if (t->id < nt0 && as5[t->id]) {
				n->in[k] = as5[t->id];
			} else if (conv_ok(n) && k == 0) {	/* an NCHW input of a 5HD convolution */
				struct cc_tensor *x5 = convert(g, "To5HD", t, NULL);
				if (!x5) {
					rc = -g->err_code;
					break;
				}
				x5->c0 = c0_of(t);
				n->in[0] = x5;
				if (t->id < nt0)
					as5[t->id] = x5;
			} else if (!conv_ok(n) && t->data && cc_tensor_elems(t) > 1) {
				n->in[k] = const5(g, t, n->out[0]);
				if (!n->in[k])
					rc = -g->err_code;
			}
		}
	}
	free(as5);
	if (!rc)
		rc = cc_graph_toposort(g);
	if (!rc)
		rc = cc_graph_refresh(g);
out:
	free(mode);
	free(demoted);
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * Shape inference and constant folding, in one walk over the nodes in
 * topological order: bind each node to its op (version, arity, attribute
 * names and types), check attribute values and element types, infer output
 * shapes, and -- when every input is a constant (or, for Shape/Size, when
 * the input's shape is known) -- evaluate it with the plain-C reference and
 * turn its outputs into constants. Shape-computing subgraphs (Shape ->
 * Gather -> Concat -> Reshape) thus disappear before lowering.
 *
 * Folding is capped so that a small malicious model cannot make us allocate
 * gigabytes (ConstantOfShape of a huge shape): a node is not folded when its
 * outputs would push the graph's constants past max(1 GiB, 2x the model's own
 * constants); it then has to run on the device like any other node.
 */
#include "ops_int.h"

#include <stdlib.h>

#define FOLD_FLOOR	(1ULL << 30)

int cc_bind_input_shape(struct cc_graph *g, const char *input, int rank, const int64_t *dims)
{
	struct cc_tensor *t = NULL;

	for (int i = 0; i < g->ninputs; i++)
		if (!strcmp(g->inputs[i]->name, input))
			t = g->inputs[i];
	if (!t)
		return cc_err(g, EINVAL, "no graph input named '%s'", input);
	if (rank < 0 || rank > CC_MAX_RANK)
		return cc_err(g, EINVAL, "input '%s': rank %d out of range", input, rank);
	if (t->rank >= 0 && t->rank != rank)
		return cc_err(g, EINVAL, "input '%s' has rank %d, not %d", input, t->rank, rank);
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0 || dims[i] > CC_MAX_DIM)
			return cc_err(g, EINVAL, "input '%s': bad dim %lld", input, (long long)dims[i]);
		if (t->rank >= 0 && t->dims[i] >= 0 && t->dims[i] != dims[i])
			return cc_err(g, EINVAL, "input '%s' dim %d is %lld, not %lld", input, i,
				      (long long)t->dims[i], (long long)dims[i]);
	}
	bool ovf;
	cc_dims_elems(rank, dims, &ovf);
	if (ovf)
		return cc_err(g, ERANGE, "input '%s' is too large", input);
	t->rank = rank;
	for (int i = 0; i < CC_MAX_RANK; i++)
		t->dims[i] = i < rank ? dims[i] : -1;
	return 0;
}

static bool foldable(const struct cc_graph *g, const struct cc_node *n, uint64_t cap)
{
	uint64_t bytes = 0;

	if (!(n->def->flags & CC_OP_FOLD))
		return false;
	if (g->keep_dq && !strcmp(n->op, "DequantizeLinear") && !n->domain[0] &&
	    (n->in[0]->dtype == SINAN_TYPE_INT8 || n->in[0]->dtype == SINAN_TYPE_UINT8))
		return false;
	for (int i = 0; i < n->nin; i++) {
		const struct cc_tensor *t = n->in[i];
		if (!t)
			continue;
		if (!t->data && !(n->def->flags & CC_OP_SHAPE_ONLY))
			return false;
	}
	for (int i = 0; i < n->nout; i++)
		if (n->out[i])
			bytes += cc_tensor_bytes(n->out[i]);
	return g->const_bytes + bytes <= cap;
}

static int fold(struct cc_graph *g, struct cc_node *n)
{
	struct cc_view in[CC_MAX_IO > 64 ? 64 : CC_MAX_IO], *inp = in, *out;
	int rc;

	if (n->nin > 64) {
		inp = calloc((size_t)n->nin, sizeof(*inp));
		if (!inp)
			return cc_err(g, ENOMEM, "out of memory");
	}
	out = calloc((size_t)(n->nout ? n->nout : 1), sizeof(*out));
	if (!out) {
		if (inp != in)
			free(inp);
		return cc_err(g, ENOMEM, "out of memory");
	}
	for (int i = 0; i < n->nin; i++) {
		memset(&inp[i], 0, sizeof(inp[i]));
		if (n->in[i])
			cc_view_of(&inp[i], n->in[i]);
	}
	rc = cc_node_ref(g, n, inp, out);
	if (!rc) {
		for (int i = 0; i < n->nout; i++)
			if (n->out[i])
				cc_tensor_set_data(g, n->out[i], out[i].data);
		n->dead = true;
	}
	if (inp != in)
		free(inp);
	free(out);
	return rc;
}

int cc_node_try_fold(struct cc_graph *g, struct cc_node *n)
{
	uint64_t cap = CC_MAX(FOLD_FLOOR, 2 * g->const_bytes);
	return foldable(g, n, cap) ? fold(g, n) : 0;
}

int cc_pass_infer_fold(struct cc_graph *g)
{
	uint64_t cap;
	int rc;

	if (g->err_code)
		return -g->err_code;
	rc = cc_graph_toposort(g);
	if (rc)
		return rc;
	cap = CC_MAX(FOLD_FLOOR, 2 * g->const_bytes);
	for (int i = 0; i < g->ninputs; i++)
		if (!cc_shape_known(g->inputs[i])) {
			char s[256];
			cc_shape_str(g->inputs[i], s, sizeof(s));
			return cc_err(g, EINVAL, "input '%s' has shape %s: bind its dimensions first "
					"(e.g. --shape %s=...)", g->inputs[i]->name, s, g->inputs[i]->name);
		}
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		rc = cc_node_bind(g, n);
		if (!rc)
			rc = cc_node_check(g, n);
		if (!rc)
			rc = cc_node_infer(g, n);
		if (!rc && foldable(g, n, cap))
			rc = fold(g, n);
		if (rc)
			return rc;
	}
	return cc_graph_refresh(g);
}

/* Inputs of @n that must be constants (shape-defining). */
static unsigned int const_slots(const struct cc_node *n)
{
	static const struct { const char *op; unsigned int mask; } t[] = {
		{ "Reshape", 0x2 }, { "Expand", 0x2 }, { "Tile", 0x2 }, { "Slice", 0x1e },
		{ "Pad", 0x6 }, { "Squeeze", 0x2 }, { "Unsqueeze", 0x2 }, { "ReduceSum", 0x2 },
		{ "Split", 0x2 }, { "Range", 0x7 }, { "ConstantOfShape", 0x1 }, { "Trilu", 0x2 },
		{ "Dropout", 0x6 }, { "Clip", 0x6 },
	};
	for (size_t i = 0; i < CC_ARRAY_SIZE(t); i++)
		if (!strcmp(t[i].op, n->op) && !n->domain[0])
			return t[i].mask;
	return 0;
}

int cc_spec_inputs(struct cc_graph *g, bool *mask)
{
	bool *need = calloc((size_t)(g->ntensors ? g->ntensors : 1), sizeof(bool));
	int rc;

	if (!need)
		return cc_err(g, ENOMEM, "out of memory");
	rc = cc_graph_toposort(g);
	for (int i = g->nnodes - 1; i >= 0 && !rc; i--) {
		struct cc_node *n = g->nodes[i];
		unsigned int m = const_slots(n);
		bool all = false;
		if (n->dead)
			continue;
		for (int j = 0; j < n->nout; j++)
			if (n->out[j] && need[n->out[j]->id])
				all = true;
		/* Shape and Size need only shapes */
		if (!strcmp(n->op, "Shape") || !strcmp(n->op, "Size"))
			all = false;
		for (int j = 0; j < n->nin; j++)
			if (n->in[j] && (all || (m & (1u << j))))
				need[n->in[j]->id] = true;
	}
	for (int i = 0; i < g->ninputs; i++)
		mask[i] = need[g->inputs[i]->id];
	free(need);
	return rc;
}

int cc_bind_input_value(struct cc_graph *g, const char *input, const struct cc_view *v)
{
	struct cc_tensor *t = NULL;
	size_t bytes;
	void *d;

	for (int i = 0; i < g->ninputs; i++)
		if (!strcmp(g->inputs[i]->name, input))
			t = g->inputs[i];
	if (!t)
		return cc_err(g, EINVAL, "no graph input named '%s'", input);
	if (v->dtype != t->dtype)
		return cc_err(g, EINVAL, "input '%s' is %s, value is %s", input, cc_dtype_name(t->dtype),
			      cc_dtype_name(v->dtype));
	if (cc_bind_input_shape(g, input, v->rank, v->dims))
		return -g->err_code;
	bytes = cc_tensor_bytes(t);
	d = malloc(bytes ? bytes : 1);
	if (!d)
		return cc_err(g, ENOMEM, "out of memory");
	memcpy(d, v->data, bytes);
	free(t->data);
	t->data = d;	/* stays a graph input: its run-time value must equal this */
	return 0;
}

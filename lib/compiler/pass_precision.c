// SPDX-License-Identifier: MIT
/*
 * Precision modes.
 *
 *   fp32       the model's types.
 *   fp16/bf16  mixed precision: every float32 tensor inside the graph is
 *              stored in fp16 (bf16), constants converted at compile time;
 *              the cube multiplies fp16/bf16 operands with fp32
 *              accumulation, and the vector unit computes in fp32 (the
 *              elementwise, reduction and normalization lowerings widen on
 *              load and round once on store). Graph inputs and outputs keep
 *              float32: Casts are inserted at the boundary. Quantization
 *              scales stay float32.
 *   int8       see pass_int8.c (the rest stays float32).
 */
#include "ops_int.h"

#include <stdlib.h>

/* Inputs that stay float32 (quantization scales). */
static bool keep_f32(const struct cc_graph *g, const struct cc_tensor *t)
{
	for (int i = 0; i < g->nnodes; i++) {
		const struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		bool q = !strcmp(n->op, "QuantizeLinear") || !strcmp(n->op, "DequantizeLinear") ||
			 !strcmp(n->op, "QLinearMatMul") || !strcmp(n->op, "QLinearConv");
		for (int j = 1; q && j < n->nin; j++)
			if (n->in[j] == t)
				return true;
	}
	return false;
}

static int convert_const(struct cc_graph *g, struct cc_tensor *t, int to)
{
	uint64_t n = cc_tensor_elems(t);
	void *d = malloc(n * 2 + 2);
	if (!d)
		return cc_err(g, ENOMEM, "out of memory");
	for (uint64_t i = 0; i < n; i++)
		cc_st(to, d, i, cc_ld(t->dtype, t->data, i));
	g->const_bytes -= cc_tensor_bytes(t);
	free(t->data);
	t->data = d;
	t->dtype = to;
	g->const_bytes += cc_tensor_bytes(t);
	return 0;
}

static struct cc_tensor *cast(struct cc_graph *g, struct cc_tensor *x, int to, struct cc_tensor *y)
{
	struct cc_node *n = cc_node_new(g, "Cast", "", NULL, 1, 1);
	struct cc_attr *a = n ? cc_node_add_attr(g, n, "to", SINAN_ATTR_INT) : NULL;
	if (!a)
		return NULL;
	a->i = to;
	if (!y)
		y = cc_tensor_new(g, cc_name_gen(g, x->name), to, x->rank, x->dims);
	if (!y)
		return NULL;
	n->in[0] = x;
	n->out[0] = y;
	y->producer = n;
	if (cc_node_bind(g, n) || cc_node_infer(g, n))
		return NULL;
	return y;
}

int cc_pass_precision(struct cc_graph *g, int precision)
{
	int to;

	if (precision == SINAN_PRECISION_FP32 || precision == SINAN_PRECISION_INT8)
		return 0;
	to = precision == SINAN_PRECISION_FP16 ? SINAN_TYPE_FLOAT16 : SINAN_TYPE_BFLOAT16;
	int nt = g->ntensors;
	bool *keep = calloc((size_t)(nt ? nt : 1), sizeof(bool));
	if (!keep)
		return cc_err(g, ENOMEM, "out of memory");
	for (int i = 0; i < nt; i++)
		keep[i] = g->tensors[i]->dtype == SINAN_TYPE_FLOAT && keep_f32(g, g->tensors[i]);
	/* graph inputs: x32 -> Cast -> x16 for the graph */
	for (int i = 0; i < g->ninputs; i++) {
		struct cc_tensor *x = g->inputs[i];
		if (x->dtype != SINAN_TYPE_FLOAT || keep[x->id])
			continue;
		struct cc_tensor *y = cast(g, x, to, NULL);
		if (!y)
			goto fail;
		struct cc_node *c = y->producer;
		cc_graph_replace_uses(g, x, y);
		c->in[0] = x;	/* the cast itself still reads the input */
	}
	/* graph outputs: producer writes t16, Cast -> the output (float32, its name) */
	for (int i = 0; i < g->noutputs; i++) {
		struct cc_tensor *y = g->outputs[i];
		if (y->dtype != SINAN_TYPE_FLOAT || !y->producer || y->kind == CC_T_INPUT)
			continue;
		struct cc_tensor *t = cc_tensor_new(g, cc_name_gen(g, y->name), SINAN_TYPE_FLOAT, y->rank, y->dims);
		if (!t)
			goto fail;
		struct cc_node *p = y->producer;
		for (int j = 0; j < p->nout; j++)
			if (p->out[j] == y)
				p->out[j] = t;
		t->producer = p;
		cc_graph_replace_uses(g, y, t);
		if (!cast(g, t, SINAN_TYPE_FLOAT, y))
			goto fail;
	}
	/* every other float32 tensor becomes fp16/bf16 */
	for (int i = 0; i < g->ntensors; i++) {
		struct cc_tensor *t = g->tensors[i];
		if (t->dtype != SINAN_TYPE_FLOAT || (i < nt && keep[i]) || t->is_output || t->kind == CC_T_INPUT)
			continue;
		if (t->data) {
			if (convert_const(g, t, to))
				goto fail;
		} else {
			t->dtype = to;
		}
	}
	/* Casts to float32 inside the graph now produce fp16: keep their 'to' in step */
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (!strcmp(n->op, "Cast") && n->out[0] && !n->domain[0]) {
			struct cc_attr *a = (struct cc_attr *)cc_attr_find(n, "to");
			if (a)
				a->i = n->out[0]->dtype;
		}
	}
	free(keep);
	if (cc_graph_toposort(g))
		return -g->err_code;
	return cc_graph_refresh(g);
fail:
	free(keep);
	return -g->err_code;
}

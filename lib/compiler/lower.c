// SPDX-License-Identifier: MIT
/*
 * Lowering dispatch: which family of kernels executes a node, and whether
 * the device can execute it at all (cc_dev_supported, used by
 * sinan_op_supported and sinan_graph_check before compiling).
 */
#include "cg_int.h"

static bool is_mm(const struct cc_node *n)
{
	if (!strcmp(n->domain, "sinan"))
		return !strcmp(n->op, "MatMul");
	return !strcmp(n->op, "MatMul") || !strcmp(n->op, "Gemm") || !strcmp(n->op, "MatMulInteger");
}

int cc_dev_supported(struct cc_graph *g, struct cc_node *n, int precision, const struct cc_target *tgt)
{
	struct cc_target def;
	if (!tgt) {
		cc_target_default(&def);
		tgt = &def;
	}
	for (int i = 0; i < n->nout; i++)
		if (n->out[i] && cc_hw_dtype(n->out[i]->dtype) < 0)
			return NERR(g, n, ENOTSUP, "output type %s is not supported on the device",
				    cc_dtype_name(n->out[i]->dtype));
	if (cc_is_elem(n))
		return cc_elem_supported(g, n, precision);
	if (is_mm(n))
		return cc_mm_supported(g, n, precision);
	if (cc_is_conv(n))
		return cc_conv_supported(g, n, precision);
	if (cc_is_pool(n))
		return cc_pool_supported(g, n, precision, tgt);
	if (cc_is_reduce(n))
		return cc_reduce_supported(g, n, precision, tgt);
	if (cc_is_move(n))
		return cc_move_supported(g, n, precision);
	return NERR(g, n, ENOTSUP, "no device lowering for this operator yet");
}

int cc_lower_node(struct cg *c, struct cc_node *n)
{
	bool empty = true;
	for (int i = 0; i < n->nout; i++)
		if (n->out[i] && cc_tensor_elems(n->out[i]))
			empty = false;
	if (empty)
		return 0;	/* nothing to compute */
	if (cc_is_elem(n))
		return cc_lower_elem(c, n);
	if (is_mm(n))
		return cc_lower_mm(c, n);
	if (cc_is_conv(n))
		return cc_lower_conv(c, n);
	if (cc_is_pool(n))
		return cc_lower_pool(c, n);
	if (cc_is_reduce(n))
		return cc_lower_reduce(c, n);
	if (cc_is_move(n))
		return cc_lower_move(c, n);
	return NERR(c->g, n, ENOTSUP, "no device lowering for this operator yet");
}

int cc_prelower_node(struct cc_graph *g, const struct cc_target *t, struct cc_node *n)
{
	if (is_mm(n))
		return cc_prelower_mm(g, t, n);
	if (cc_is_conv(n))
		return cc_prelower_conv(g, t, n);
	if (cc_is_pool(n))
		return cc_prelower_pool(g, t, n);
	if (cc_is_move(n))
		return cc_prelower_move(g, n);
	return 0;
}

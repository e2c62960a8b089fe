// SPDX-License-Identifier: MIT
/*
 * The compile driver: passes in order, device support check, memory plan,
 * lowering of every node into kernels.
 */
#include "cg_int.h"

#include <stdio.h>
#include <sinan/sinan_model.h>
#include <stdlib.h>

/* Graph outputs that no node computes (a constant, an input passed through)
 * get an Identity so that a kernel writes the output buffer. */
static int materialize_outputs(struct cc_graph *g)
{
	for (int i = 0; i < g->noutputs; i++) {
		struct cc_tensor *t = g->outputs[i];
		if (t->producer && !t->producer->dead)
			continue;
		char *keep = t->name;
		char *tmp = cc_name_gen(g, t->name);
		if (!tmp || cc_tensor_rename(g, t, tmp))
			return -g->err_code;
		struct cc_tensor *u = cc_tensor_new(g, keep, t->dtype, t->rank, t->dims);
		struct cc_node *n = u ? cc_node_new(g, "Identity", "", keep, 1, 1) : NULL;
		if (!n)
			return -g->err_code;
		n->in[0] = t;
		n->out[0] = u;
		u->producer = n;
		t->is_output = false;
		u->is_output = true;
		g->outputs[i] = u;
		if (cc_node_bind(g, n) || cc_node_infer(g, n))
			return -g->err_code;
	}
	return cc_graph_refresh(g);
}

static int precision_fp32(struct cc_graph *g)
{
	for (int i = 0; i < g->ntensors; i++) {
		struct cc_tensor *t = g->tensors[i];
		t->dev_dtype = cc_dev_type(t->dtype);
	}
	return 0;
}

/* Constants on the device hold device types: int64 -> int32 (range checked). */
static int narrow_constants(struct cc_graph *g)
{
	for (int i = 0; i < g->ntensors; i++) {
		struct cc_tensor *t = g->tensors[i];
		if (!t->data || t->dtype != SINAN_TYPE_INT64 || t->kind == CC_T_INPUT)
			continue;
		uint64_t n = cc_tensor_elems(t);
		for (uint64_t j = 0; j < n; j++) {
			int64_t v = ((int64_t *)t->data)[j];
			if (v < INT32_MIN || v > INT32_MAX)
				return cc_err(g, ENOTSUP, "constant '%s': int64 value %lld does not fit the "
						"device's int32", t->name, (long long)v);
		}
	}
	return 0;
}

static bool aliased(const struct cc_node *n)
{
	return n->nout == 1 && n->out[0] && n->out[0]->alias;
}

int cc_compile(struct cc_graph *g, const struct cc_target *tgt, const struct cc_copts *o, struct cc_program **out)
{
	struct cc_program *p;
	int precision = o->precision, int8_ops = 0;
	bool int8 = precision == SINAN_PRECISION_INT8;
	int rc;

	*out = NULL;
	if (precision < SINAN_PRECISION_FP32 || precision > SINAN_PRECISION_INT8)
		return cc_err(g, EINVAL, "unknown precision mode %d", precision);
	if (o->calibration && !int8)
		return cc_err(g, EINVAL, "a calibration file is for precision mode int8");
	g->keep_dq = int8;	/* quantized weights stay quantized for pass_int8 */
	rc = cc_pass_infer_fold(g);
	if (!rc)
		rc = cc_pass_simplify(g);
	if (!rc && !(o->flags & SINAN_MODEL_F_NO_FUSION))
		rc = cc_pass_fuse(g);
	if (!rc && int8) {
		rc = cc_pass_int8(g, o->calibration, &int8_ops);
		g->keep_dq = false;
		if (!rc)
			rc = cc_pass_infer_fold(g);	/* the rest of the dequantized weights */
		if (!rc)
			rc = cc_pass_simplify(g);
	}
	if (!rc)
		rc = cc_pass_legalize(g);
	if (!rc)
		rc = cc_pass_precision(g, precision);
	if (!rc)
		rc = materialize_outputs(g);
	if (!rc)
		rc = precision_fp32(g);
	if (!rc)
		rc = narrow_constants(g);
	if (rc)
		return rc;
	for (int i = 0; i < g->ninputs; i++)
		if (cc_hw_dtype(g->inputs[i]->dtype) < 0)
			return cc_err(g, ENOTSUP, "input '%s': element type %s is not supported on the device",
				      g->inputs[i]->name, cc_dtype_name(g->inputs[i]->dtype));
	if (!(o->flags & SINAN_MODEL_F_NO_FUSION)) {	/* NC1HWC0 between convolutions */
		rc = cc_pass_layout(g);
		if (rc)
			return rc;
	}
	for (int i = 0; i < g->nnodes; i++) {
		rc = cc_dev_supported(g, g->nodes[i], precision, tgt);
		if (rc)
			return rc;
	}
	for (int i = 0; i < g->nnodes && !rc; i++)
		rc = cc_prelower_node(g, tgt, g->nodes[i]);
	if (!rc)
		rc = cc_graph_refresh(g);
	if (!rc)
		rc = cc_pass_memplan(g, 512);
	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return cc_err(g, ENOMEM, "out of memory");
	p->tgt = *tgt;
	p->precision = precision;
	p->int8_ops = int8_ops;
	p->kernel_ops = (o->flags & SINAN_MODEL_F_KERNEL_OPS) != 0;
	struct cg c = { .g = g, .p = p, .tgt = &p->tgt };
	for (int i = 0; i < g->nnodes && !rc; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead || aliased(n))
			continue;
		if (p->nops == p->opscap) {
			int nc = p->opscap ? p->opscap * 2 : 64;
			struct cc_opinfo *o = realloc(p->ops, sizeof(*o) * (size_t)nc);
			if (!o) {
				rc = cc_err(g, ENOMEM, "out of memory");
				break;
			}
			p->ops = o;
			p->opscap = nc;
		}
		struct cc_opinfo *oi = &p->ops[p->nops++];
		memset(oi, 0, sizeof(*oi));
		snprintf(oi->name, sizeof(oi->name), "%s", cc_node_label(n));
		snprintf(oi->op, sizeof(oi->op), "%s%s%s", n->domain, n->domain[0] ? ":" : "", n->op);
		oi->first_kernel = p->nk;
		rc = cc_lower_node(&c, n);
	}
	if (rc) {
		cc_program_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

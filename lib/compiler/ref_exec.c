// SPDX-License-Identifier: MIT
/*
 * Plain-C reference executor: runs a whole (inferred) graph on the host with
 * the op references. It is the oracle the device is tested against, and is
 * itself validated against ONNX's test data (tests/conformance, --reference).
 * It is never used to execute a model on behalf of the device.
 */
#include "ops_int.h"

#include <stdlib.h>

int cc_ref_run(struct cc_graph *g, const struct cc_view *inputs, struct cc_view *outputs)
{
	return cc_ref_run_observe(g, inputs, outputs, NULL, NULL);
}

int cc_ref_run_observe(struct cc_graph *g, const struct cc_view *inputs, struct cc_view *outputs,
		       cc_ref_observer obs, void *ctx)
{
	void **val = calloc((size_t)g->ntensors, sizeof(void *));
	int *left = calloc((size_t)g->ntensors, sizeof(int));
	bool *owned = calloc((size_t)g->ntensors, sizeof(bool));
	struct cc_view *iv = NULL, *ov = NULL;
	int rc = 0, maxio = 1;

	if (!val || !left || !owned) {
		rc = cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < g->nnodes; i++)
		maxio = CC_MAX(maxio, CC_MAX(g->nodes[i]->nin, g->nodes[i]->nout));
	iv = calloc((size_t)maxio, sizeof(*iv));
	ov = calloc((size_t)maxio, sizeof(*ov));
	if (!iv || !ov) {
		rc = cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < g->ntensors; i++)
		if (g->tensors[i]->data)
			val[i] = g->tensors[i]->data;
	for (int i = 0; i < g->ninputs; i++) {
		const struct cc_tensor *t = g->inputs[i];
		if (inputs[i].rank != t->rank || inputs[i].dtype != t->dtype ||
		    memcmp(inputs[i].dims, t->dims, sizeof(int64_t) * (size_t)t->rank)) {
			rc = cc_err(g, EINVAL, "input '%s': type or shape differs from the graph's", t->name);
			goto out;
		}
		val[t->id] = inputs[i].data;
		if (obs && (rc = obs(ctx, t, &inputs[i])))
			goto out;
	}
	for (int i = 0; i < g->nnodes; i++)
		for (int j = 0; j < g->nodes[i]->nin; j++)
			if (g->nodes[i]->in[j])
				left[g->nodes[i]->in[j]->id]++;
	for (int i = 0; i < g->noutputs; i++)
		left[g->outputs[i]->id] += 1 << 20;	/* never freed */
	for (int i = 0; i < g->nnodes && !rc; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		for (int j = 0; j < n->nin; j++) {
			memset(&iv[j], 0, sizeof(iv[j]));
			if (!n->in[j])
				continue;
			cc_view_of(&iv[j], n->in[j]);
			iv[j].data = val[n->in[j]->id];
			if (!iv[j].data) {
				rc = cc_err(g, EINVAL, "node '%s' (%s): input '%s' has no value", cc_node_label(n),
					    n->op, n->in[j]->name);
				break;
			}
		}
		if (rc)
			break;
		rc = cc_node_ref(g, n, iv, ov);
		if (rc)
			break;
		for (int j = 0; j < n->nout; j++)
			if (n->out[j]) {
				val[n->out[j]->id] = ov[j].data;
				owned[n->out[j]->id] = true;
				if (obs && !rc)	/* on failure the values are freed below */
					rc = obs(ctx, n->out[j], &ov[j]);
				if (!left[n->out[j]->id]) {	/* unused output */
					free(ov[j].data);
					val[n->out[j]->id] = NULL;
					owned[n->out[j]->id] = false;
				}
			}
		for (int j = 0; j < n->nin; j++) {
			struct cc_tensor *t = n->in[j];
			if (t && --left[t->id] == 0 && owned[t->id]) {
				free(val[t->id]);
				val[t->id] = NULL;
				owned[t->id] = false;
			}
		}
	}
	if (rc)
		goto out;
	for (int i = 0; i < g->noutputs; i++) {
		const struct cc_tensor *t = g->outputs[i];
		cc_view_of(&outputs[i], t);
		size_t bytes = cc_tensor_bytes(t);
		outputs[i].data = malloc(bytes ? bytes : 1);
		if (!outputs[i].data) {
			for (int j = 0; j < i; j++)
				free(outputs[j].data);
			rc = cc_err(g, ENOMEM, "out of memory");
			goto out;
		}
		if (!val[t->id] && bytes) {
			for (int j = 0; j <= i; j++)
				free(outputs[j].data);
			rc = cc_err(g, EINVAL, "output '%s' was not computed", t->name);
			goto out;
		}
		if (bytes)
			memcpy(outputs[i].data, val[t->id], bytes);
	}
out:
	if (val && owned)
		for (int i = 0; i < g->ntensors; i++)
			if (owned[i])
				free(val[i]);
	free(val);
	free(left);
	free(owned);
	free(iv);
	free(ov);
	return rc;
}

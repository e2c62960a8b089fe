// SPDX-License-Identifier: MIT
/*
 * Simplification: remove nodes that do nothing at inference time (Identity,
 * Dropout, Cast to the same type, Reshape/Flatten/Squeeze/Unsqueeze to the
 * same shape) by rewiring their consumers, and remove nodes whose outputs
 * nobody uses. A graph output keeps its name: a pass-through node that
 * produces one stays (it lowers to a copy).
 */
#include "ops_int.h"

#include <stdlib.h>

static bool passthrough(const struct cc_node *n)
{
	const struct cc_tensor *x = n->in[0], *y = n->out[0];

	if (!x || !y || x->dtype != y->dtype || x->rank != y->rank ||
	    memcmp(x->dims, y->dims, sizeof(int64_t) * (size_t)(x->rank > 0 ? x->rank : 0)))
		return false;
	if (!strcmp(n->op, "Identity") || !strcmp(n->op, "Cast") || !strcmp(n->op, "CastLike") ||
	    !strcmp(n->op, "Reshape") || !strcmp(n->op, "Flatten") || !strcmp(n->op, "Squeeze") ||
	    !strcmp(n->op, "Unsqueeze") || !strcmp(n->op, "Expand"))
		return true;
	/* Dropout at inference; its mask output must be unused */
	if (!strcmp(n->op, "Dropout"))
		return n->nout < 2 || !n->out[1] || !n->out[1]->nuse;
	return false;
}

int cc_pass_simplify(struct cc_graph *g)
{
	bool changed = true;

	if (g->err_code)
		return -g->err_code;
	if (cc_pass_legacy(g))
		return -g->err_code;
	while (changed) {
		changed = false;
		for (int i = 0; i < g->nnodes; i++) {
			struct cc_node *n = g->nodes[i];
			if (n->dead)
				continue;
			if (passthrough(n) && !n->out[0]->is_output) {
				cc_graph_replace_uses(g, n->out[0], n->in[0]);
				n->dead = true;
				changed = true;
				continue;
			}
			bool used = false;
			for (int j = 0; j < n->nout; j++)
				if (n->out[j] && (n->out[j]->nuse || n->out[j]->is_output))
					used = true;
			if (!used) {
				n->dead = true;
				changed = true;
			}
		}
		cc_graph_refresh(g);
	}
	/* Dropout's mask at inference is all true: a constant. */
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (!strcmp(n->op, "Dropout") && !n->domain[0] && n->nout > 1 && n->out[1]) {
			struct cc_tensor *m = n->out[1];
			size_t b = cc_tensor_bytes(m);
			void *d = malloc(b ? b : 1);
			if (!d)
				return cc_err(g, ENOMEM, "out of memory");
			memset(d, 1, b);
			cc_tensor_set_data(g, m, d);
			m->producer = NULL;
			n->out[1] = NULL;
		}
	}
	/* Drop unused optional outputs so lowering need not produce them. */
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		for (int j = 1; j < n->nout; j++)
			if (n->out[j] && !n->out[j]->nuse && !n->out[j]->is_output)
				n->out[j] = NULL;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Memory planning. Constants go to the weights buffer (in order, aligned);
 * graph inputs and outputs stay in the caller's buffers; every other tensor
 * gets an offset in one activation arena. Two tensors may share arena bytes
 * when their lifetimes (from the node that produces one to the last node
 * that reads it) do not overlap. Placement is greedy by size: the largest
 * tensor first, each at the lowest offset that conflicts with no placed
 * tensor alive at the same time ("greedy by size" of TFLite's arena
 * planner, which is within a few percent of optimal on CNNs and
 * transformers). The arena's peak and the no-reuse total are recorded for
 * the report.
 *
 * Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity,
 * Dropout) move no data: their output aliases the input's storage (and
 * extends its lifetime) -- except when the output is a graph output, which
 * has its own buffer, so the lowering copies.
 */
#include "ops_int.h"

#include <stdlib.h>

uint64_t cc_dev_bytes(const struct cc_tensor *t)
{
	int dt = t->dev_dtype ? t->dev_dtype : t->dtype;
	if (t->c0 && t->rank == 4)	/* NC1HWC0: channels padded to whole blocks */
		return (uint64_t)(t->dims[0] * CC_DIV_UP(t->dims[1], t->c0) * t->c0 * t->dims[2] * t->dims[3]) *
		       cc_dtype_size(dt);
	return cc_tensor_elems(t) * cc_dtype_size(dt);
}

struct cc_tensor *cc_storage(struct cc_tensor *t)
{
	for (int i = 0; t->alias && i < CC_MAX_TENSORS; i++)
		t = t->alias;
	return t;
}

static bool aliasing(const struct cc_node *n)
{
	return (n->def->flags & CC_OP_ALIAS) && n->out[0] && !n->out[0]->is_output &&
	       n->in[0] && n->in[0]->kind != CC_T_CONST &&
	       cc_tensor_elems(n->in[0]) == cc_tensor_elems(n->out[0]) &&
	       (n->in[0]->dev_dtype ? n->in[0]->dev_dtype : n->in[0]->dtype) ==
	       (n->out[0]->dev_dtype ? n->out[0]->dev_dtype : n->out[0]->dtype);
}

struct iv {
	struct cc_tensor *t;
	int start, end;
	uint64_t size, off;
};

static int cmp_size(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->start - y->start;
}

static int cmp_off(const void *a, const void *b)
{
	const struct iv *const *x = a, *const *y = b;
	return (*x)->off < (*y)->off ? -1 : (*x)->off > (*y)->off;
}

int cc_pass_memplan(struct cc_graph *g, uint64_t align)
{
	int nt = g->ntensors;
	int *start = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
	int *end = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
	struct iv *iv = NULL, **placed = NULL;
	int niv = 0, rc = 0;

	if (!start || !end) {
		rc = cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	g->arena_bytes = g->weights_bytes = g->io_bytes = g->naive_bytes = 0;
	for (int i = 0; i < nt; i++) {
		struct cc_tensor *t = g->tensors[i];
		start[i] = -1;
		end[i] = -1;
		t->alias = NULL;
		t->mem_class = CC_MEM_NONE;
		t->mem_off = -1;
	}
	/* aliases first: they decide whose lifetime extends */
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (!n->dead && aliasing(n))
			n->out[0]->alias = n->in[0];
	}
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		for (int j = 0; j < n->nout; j++)
			if (n->out[j]) {
				struct cc_tensor *r = cc_storage(n->out[j]);
				if (start[r->id] < 0)
					start[r->id] = i;
				end[r->id] = CC_MAX(end[r->id], i);
			}
		for (int j = 0; j < n->nin; j++)
			if (n->in[j]) {
				struct cc_tensor *r = cc_storage(n->in[j]);
				end[r->id] = CC_MAX(end[r->id], i);
			}
	}
	iv = calloc((size_t)(nt ? nt : 1), sizeof(*iv));
	placed = calloc((size_t)(nt ? nt : 1), sizeof(*placed));
	if (!iv || !placed) {
		rc = cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < g->ninputs; i++) {
		g->inputs[i]->mem_class = CC_MEM_INPUT;
		g->inputs[i]->io_index = (uint64_t)i;
		g->inputs[i]->mem_off = 0;
		g->io_bytes += CC_ALIGN(cc_dev_bytes(g->inputs[i]), align);
	}
	for (int i = 0; i < g->noutputs; i++) {
		struct cc_tensor *t = g->outputs[i];
		if (t->mem_class == CC_MEM_INPUT)
			continue;	/* an input passed through: the lowering copies */
		t->mem_class = CC_MEM_OUTPUT;
		t->io_index = (uint64_t)i;
		t->mem_off = 0;
		g->io_bytes += CC_ALIGN(cc_dev_bytes(t), align);
	}
	for (int i = 0; i < nt; i++) {
		struct cc_tensor *t = g->tensors[i];
		if (t->alias || t->mem_class != CC_MEM_NONE)
			continue;
		bool used = start[i] >= 0 || end[i] >= 0;
		if (!used)
			continue;
		if (t->data) {
			t->mem_class = CC_MEM_CONST;
			t->mem_off = (int64_t)g->weights_bytes;
			g->weights_bytes += CC_ALIGN(cc_dev_bytes(t), align);
			continue;
		}
		if (start[i] < 0) {
			rc = cc_err(g, EINVAL, "tensor '%s' is read but never written", t->name);
			goto out;
		}
		iv[niv].t = t;
		iv[niv].start = start[i];
		iv[niv].end = end[i];
		iv[niv].size = CC_ALIGN(cc_dev_bytes(t), align);
		if (!iv[niv].size)
			iv[niv].size = align;
		g->naive_bytes += iv[niv].size;
		niv++;
	}
	qsort(iv, (size_t)niv, sizeof(*iv), cmp_size);
	int np = 0;
	for (int i = 0; i < niv; i++) {
		uint64_t off = 0;
		/* placed[] sorted by offset: take the first gap that fits */
		for (int j = 0; j < np; j++) {
			struct iv *p = placed[j];
			if (p->end < iv[i].start || p->start > iv[i].end)
				continue;	/* not alive together */
			if (p->off >= off + iv[i].size)
				break;		/* fits before p */
			if (p->off + p->size > off)
				off = p->off + p->size;
		}
		iv[i].off = off;
		iv[i].t->mem_class = CC_MEM_ARENA;
		iv[i].t->mem_off = (int64_t)off;
		placed[np++] = &iv[i];
		qsort(placed, (size_t)np, sizeof(*placed), cmp_off);
		if (off + iv[i].size > g->arena_bytes)
			g->arena_bytes = off + iv[i].size;
	}
	/* aliases take their root's place */
	for (int i = 0; i < nt; i++) {
		struct cc_tensor *t = g->tensors[i];
		if (t->alias) {
			struct cc_tensor *r = cc_storage(t);
			t->mem_class = r->mem_class;
			t->mem_off = r->mem_off;
			t->io_index = r->io_index;
		}
	}
out:
	free(start);
	free(end);
	free(iv);
	free(placed);
	return rc;
}

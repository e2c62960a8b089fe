// SPDX-License-Identifier: MIT
/*
 * Fusion: rewrite op patterns into fewer, bigger ops (domain "sinan", see
 * ops_fused.c) so that lowering keeps intermediates on chip.
 *
 *   Gelu         x * 0.5 * (1 + erf(x / sqrt(2)))            -> sinan:Gelu
 *   LayerNorm    (x - mean) / sqrt(var + eps) * g + b         -> sinan:LayerNormalization
 *   Softmax      exp(x - max) / sum(exp(x - max))             -> sinan:Softmax
 *   Attention    softmax(Q @ K^T * s + M) @ V                 -> sinan:Attention
 *   BatchNorm    folded into the weights of the Conv before it; alone it
 *                becomes a per-channel Mul + Add
 *   Conv/MatMul/Gemm + bias + residual Add + activation       -> sinan:Conv / sinan:MatMul
 *
 * A pattern matches only when its intermediate tensors have no other use and
 * are not graph outputs. Every rewrite keeps the graph's outputs (names and
 * values, up to rounding) unchanged; tests check that with the reference
 * executor before and after.
 */
#include "ops_int.h"

#include <math.h>
#include <stdlib.h>

static bool only_use(const struct cc_tensor *t)
{
	return t && t->nuse == 1 && !t->is_output;
}

/* The single consumer of @t (use counts must be fresh). */
static struct cc_node *consumer(struct cc_graph *g, const struct cc_tensor *t)
{
	if (!only_use(t))
		return NULL;
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		for (int j = 0; j < n->nin; j++)
			if (n->in[j] == t)
				return n;
	}
	return NULL;
}

static bool is_op(const struct cc_node *n, const char *op)
{
	return n && !n->dead && !strcmp(n->op, op) && !n->domain[0];
}

static bool is_sop(const struct cc_node *n, const char *op)
{
	return n && !n->dead && !strcmp(n->op, op) && !strcmp(n->domain, "sinan");
}

/* A float constant holding one value (any shape of one element). */
static bool const_scalar(const struct cc_tensor *t, double *v)
{
	if (!t || !t->data || cc_tensor_elems(t) != 1 || !cc_dtype_is_float(t->dtype))
		return false;
	*v = cc_ld(t->dtype, t->data, 0);
	return true;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-4 * fabs(b);
}

/* The other input of a binary node, given one of them. */
static struct cc_tensor *other(const struct cc_node *n, const struct cc_tensor *t)
{
	if (n->nin != 2)
		return NULL;
	return n->in[0] == t ? n->in[1] : n->in[1] == t ? n->in[0] : NULL;
}

static struct cc_node *prod(const struct cc_tensor *t)
{
	return t && t->producer && !t->producer->dead ? t->producer : NULL;
}

static struct cc_node *new_node(struct cc_graph *g, const char *op, int nin, const struct cc_node *like)
{
	struct cc_node *n = cc_node_new(g, op, "sinan", like ? like->name : NULL, nin, 1);
	if (n)
		n->ver = 17;
	return n;
}

static struct cc_attr *set_attr(struct cc_graph *g, struct cc_node *n, const char *name, int type)
{
	struct cc_attr *a = (struct cc_attr *)cc_attr_find(n, name);
	if (!a)
		a = cc_node_add_attr(g, n, name, type);
	if (a)
		a->type = type;
	return a;
}

static int attr_f(struct cc_graph *g, struct cc_node *n, const char *name, float v)
{
	struct cc_attr *a = set_attr(g, n, name, SINAN_ATTR_FLOAT);
	if (!a)
		return -g->err_code;
	a->f = v;
	return 0;
}

static int attr_i(struct cc_graph *g, struct cc_node *n, const char *name, int64_t v)
{
	struct cc_attr *a = set_attr(g, n, name, SINAN_ATTR_INT);
	if (!a)
		return -g->err_code;
	a->i = v;
	return 0;
}

static int attr_s(struct cc_graph *g, struct cc_node *n, const char *name, const char *v)
{
	struct cc_attr *a = set_attr(g, n, name, SINAN_ATTR_STRING);
	if (!a)
		return -g->err_code;
	a->s = cc_arena_strdup(&g->arena, v);
	a->slen = strlen(v);
	return a->s ? 0 : cc_err(g, ENOMEM, "out of memory");
}

/* Copy the attributes of @from (all of them) to @to. */
static int copy_attrs(struct cc_graph *g, struct cc_node *to, const struct cc_node *from)
{
	for (int i = 0; i < from->nattr; i++) {
		struct cc_attr *a = cc_node_add_attr(g, to, from->attr[i].name, from->attr[i].type);
		if (!a)
			return -g->err_code;
		char *nm = a->name;
		*a = from->attr[i];
		a->name = nm;
	}
	return 0;
}

/* Finish a rewrite: @n (new) replaces the nodes producing its inputs..@out. */
static int finish(struct cc_graph *g, struct cc_node *n, struct cc_tensor *out)
{
	n->out[0] = out;
	out->producer = n;
	if (cc_node_bind(g, n) || cc_node_check(g, n) || cc_node_infer(g, n))
		return -g->err_code;
	return 0;
}

/* Axes of a Reduce* node as a mask; keepdims must be 1. */
static bool reduce_last(struct cc_graph *g, const struct cc_node *n, int *axis)
{
	unsigned mask;
	bool noop;
	int r = n->in[0]->rank;

	if (cc_attr_i(n, "keepdims", 1) != 1 || cc_reduce_axes(g, n, r, &mask, &noop) || noop)
		return false;
	if (mask != 1u << (r - 1))
		return false;
	*axis = r - 1;
	return true;
}

/* ---- Gelu ------------------------------------------------------------------------------------ */
static int fuse_gelu(struct cc_graph *g, struct cc_node *erf, bool *done)
{
	struct cc_node *d = prod(erf->in[0]), *a, *m1, *m2;
	struct cc_tensor *x;
	double c;

	*done = false;
	if (!d || !only_use(d->out[0]) || !only_use(erf->out[0]))
		return 0;
	if (is_op(d, "Div") && const_scalar(d->in[1], &c) && near(c, M_SQRT2))
		x = d->in[0];
	else if (is_op(d, "Mul") && ((const_scalar(d->in[1], &c) && (x = d->in[0])) ||
				     (const_scalar(d->in[0], &c) && (x = d->in[1]))) && near(c, M_SQRT1_2))
		;
	else
		return 0;
	a = consumer(g, erf->out[0]);
	if (!is_op(a, "Add") || !const_scalar(other(a, erf->out[0]), &c) || !near(c, 1.0))
		return 0;
	m1 = consumer(g, a->out[0]);
	if (!is_op(m1, "Mul"))
		return 0;
	struct cc_tensor *o = other(m1, a->out[0]), *y;
	if (o == x) {			/* (x * a) * 0.5 */
		m2 = consumer(g, m1->out[0]);
		if (!is_op(m2, "Mul") || !const_scalar(other(m2, m1->out[0]), &c) || !near(c, 0.5))
			return 0;
		y = m2->out[0];
	} else if (const_scalar(o, &c) && near(c, 0.5)) {	/* x * (a * 0.5) */
		m2 = consumer(g, m1->out[0]);
		if (!is_op(m2, "Mul") || other(m2, m1->out[0]) != x)
			return 0;
		y = m2->out[0];
	} else if (prod(o) && is_op(prod(o), "Mul") && only_use(o) &&	/* (x * 0.5) * a */
		   other(prod(o), x) && const_scalar(other(prod(o), x), &c) && near(c, 0.5)) {
		y = m1->out[0];
		m2 = prod(o);
	} else {
		return 0;
	}
	struct cc_node *n = new_node(g, "Gelu", 1, erf);
	if (!n)
		return -g->err_code;
	n->in[0] = x;
	d->dead = erf->dead = a->dead = m1->dead = m2->dead = true;
	*done = true;
	return finish(g, n, y);
}

/* ---- LayerNorm ----------------------------------------------------------------------------- */
static int fuse_layernorm(struct cc_graph *g, struct cc_node *mean, bool *done)
{
	int axis, ax2;
	double eps, c;
	struct cc_tensor *x = mean->in[0];

	*done = false;
	if (!reduce_last(g, mean, &axis) || !cc_dtype_is_float(x->dtype))
		return 0;
	/* d = x - mean, used by the variance and the normalization */
	struct cc_node *sub = NULL, *sq = NULL, *div = NULL;
	if (mean->out[0]->nuse != 1 || mean->out[0]->is_output)
		return 0;
	sub = consumer(g, mean->out[0]);
	if (!is_op(sub, "Sub") || sub->in[0] != x || sub->out[0]->nuse != 2 || sub->out[0]->is_output)
		return 0;
	struct cc_tensor *d = sub->out[0];
	for (int i = 0; i < g->nnodes; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead || n == sub)
			continue;
		bool uses = false;
		for (int j = 0; j < n->nin; j++)
			uses |= n->in[j] == d;
		if (!uses)
			continue;
		if ((is_op(n, "Pow") && n->in[0] == d && const_scalar(n->in[1], &c) && c == 2.0) ||
		    (is_op(n, "Mul") && n->in[0] == d && n->in[1] == d))
			sq = n;
		else if (is_op(n, "Div") && n->in[0] == d)
			div = n;
	}
	if (!sq || !div || !only_use(sq->out[0]))
		return 0;
	struct cc_node *vmean = consumer(g, sq->out[0]);
	if (!is_op(vmean, "ReduceMean") || !reduce_last(g, vmean, &ax2) || ax2 != axis)
		return 0;
	struct cc_node *add = consumer(g, vmean->out[0]);
	if (!is_op(add, "Add") || !const_scalar(other(add, vmean->out[0]), &eps))
		return 0;
	struct cc_node *sqrt_n = consumer(g, add->out[0]);
	if (!is_op(sqrt_n, "Sqrt") || !only_use(sqrt_n->out[0]) || div->in[1] != sqrt_n->out[0])
		return 0;
	/* optional scale and bias along the normalized axis */
	struct cc_node *mul = consumer(g, div->out[0]), *badd = NULL;
	struct cc_tensor *gamma = NULL, *beta = NULL, *y = div->out[0];
	int64_t len = x->dims[axis];
	if (is_op(mul, "Mul")) {
		gamma = other(mul, div->out[0]);
		if (gamma && gamma->data && gamma->dtype == x->dtype && cc_tensor_elems(gamma) == (uint64_t)len &&
		    gamma->dims[gamma->rank - 1] == len) {
			y = mul->out[0];
			badd = consumer(g, y);
			if (is_op(badd, "Add")) {
				beta = other(badd, y);
				if (beta && beta->data && beta->dtype == x->dtype &&
				    cc_tensor_elems(beta) == (uint64_t)len && beta->dims[beta->rank - 1] == len)
					y = badd->out[0];
				else
					beta = NULL;
			}
		} else {
			gamma = NULL;
		}
	}
	int64_t gd[1] = { len };
	struct cc_tensor *gt = gamma ? cc_reshaped(g, gamma, 1, gd) : cc_const_new(g, "ln_scale", x->dtype, 1, gd, NULL);
	if (!gt)
		return -g->err_code;
	if (!gamma)
		for (int64_t i = 0; i < len; i++)
			cc_st(x->dtype, gt->data, (uint64_t)i, 1.0);
	struct cc_tensor *bt = beta ? cc_reshaped(g, beta, 1, gd) : NULL;
	if (beta && !bt)
		return -g->err_code;
	struct cc_node *n = new_node(g, "LayerNormalization", bt ? 3 : 2, mean);
	if (!n)
		return -g->err_code;
	n->in[0] = x;
	n->in[1] = gt;
	if (bt)
		n->in[2] = bt;
	if (attr_i(g, n, "axis", -1) || attr_f(g, n, "epsilon", (float)eps))
		return -g->err_code;
	mean->dead = sub->dead = sq->dead = vmean->dead = add->dead = sqrt_n->dead = div->dead = true;
	if (gamma)
		mul->dead = true;
	if (bt)
		badd->dead = true;
	*done = true;
	return finish(g, n, y);
}

/* ---- Softmax -------------------------------------------------------------------------------------- */
static int fuse_softmax(struct cc_graph *g, struct cc_node *div, bool *done)
{
	int axis, ax2;
	struct cc_tensor *e = div->in[0], *x;
	struct cc_node *exp_n = prod(e), *sum = prod(div->in[1]), *sub = NULL, *mx = NULL;

	*done = false;
	if (!is_op(exp_n, "Exp") || !is_op(sum, "ReduceSum") || sum->in[0] != e || e->nuse != 2 ||
	    e->is_output || !only_use(div->in[1]) || !reduce_last(g, sum, &axis))
		return 0;
	x = exp_n->in[0];
	sub = prod(x);
	if (is_op(sub, "Sub") && only_use(x)) {
		mx = prod(sub->in[1]);
		if (is_op(mx, "ReduceMax") && mx->in[0] == sub->in[0] && only_use(sub->in[1]) &&
		    reduce_last(g, mx, &ax2) && ax2 == axis)
			x = sub->in[0];
		else
			sub = mx = NULL;
	} else {
		sub = NULL;
	}
	if (!cc_dtype_is_float(x->dtype))
		return 0;
	struct cc_node *n = new_node(g, "Softmax", 1, div);
	if (!n)
		return -g->err_code;
	n->in[0] = x;
	if (attr_i(g, n, "axis", -1))
		return -g->err_code;
	exp_n->dead = sum->dead = div->dead = true;
	if (sub)
		sub->dead = mx->dead = true;
	*done = true;
	return finish(g, n, div->out[0]);
}

/* ---- Attention ----------------------------------------------------------------------------------- */
static bool is_softmax_last(const struct cc_node *n)
{
	if (!n)
		return false;
	int r = n->in[0]->rank;
	if (is_sop(n, "Softmax") || (is_op(n, "Softmax") && (n->ver >= 13 || r <= 2))) {
		int64_t a = cc_attr_i(n, "axis", is_sop(n, "Softmax") || n->ver >= 13 ? -1 : 1);
		return a == -1 || a == r - 1;
	}
	return false;
}

static bool swaps_last2(const struct cc_node *t)
{
	int64_t p[CC_MAX_RANK];
	int r = t->in[0]->rank, np = cc_attr_ints(t, "perm", p, CC_MAX_RANK);
	if (np != r || r < 2)
		return false;
	for (int i = 0; i < r - 2; i++)
		if (p[i] != i)
			return false;
	return p[r - 2] == r - 1 && p[r - 1] == r - 2;
}

static int fuse_attention(struct cc_graph *g, struct cc_node *sm, bool *done)
{
	struct cc_node *pv, *qk, *sc = NULL, *mk = NULL, *tr;
	struct cc_tensor *s = sm->in[0], *mask = NULL, *k;
	double scale = 1.0, c;
	int kt = 1;

	*done = false;
	if (!is_softmax_last(sm) || !only_use(s))
		return 0;
	pv = consumer(g, sm->out[0]);
	if (!is_op(pv, "MatMul") || pv->in[0] != sm->out[0])
		return 0;
	struct cc_node *p = prod(s);
	if (is_op(p, "Add") && only_use(s)) {
		mk = p;
		struct cc_node *a0 = prod(p->in[0]), *a1 = prod(p->in[1]);
		bool first = a0 && (is_op(a0, "MatMul") || is_op(a0, "Mul") || is_op(a0, "Div"));
		mask = first ? p->in[1] : p->in[0];
		s = first ? p->in[0] : p->in[1];
		(void)a1;
		if (!only_use(s))
			return 0;
		p = prod(s);
	}
	if ((is_op(p, "Mul") || is_op(p, "Div")) && only_use(s)) {
		struct cc_tensor *o = is_op(p, "Div") ? p->in[1] : NULL;
		if (is_op(p, "Mul"))
			o = const_scalar(p->in[1], &c) ? p->in[1] : const_scalar(p->in[0], &c) ? p->in[0] : NULL;
		if (!o || !const_scalar(o, &c) || c == 0)
			return 0;
		scale = is_op(p, "Div") ? 1.0 / c : c;
		sc = p;
		s = other(p, o);
		if (!only_use(s))
			return 0;
		p = prod(s);
	}
	qk = p;
	if (!is_op(qk, "MatMul") || !only_use(s))
		return 0;
	struct cc_tensor *q = qk->in[0], *v = pv->in[1];
	k = qk->in[1];
	tr = prod(k);
	if (is_op(tr, "Transpose") && swaps_last2(tr) && only_use(k)) {
		k = tr->in[0];
		kt = 0;
	} else {
		tr = NULL;
	}
	if (q->rank < 2 || q->rank != k->rank || q->rank != v->rank || q->dtype != v->dtype)
		return 0;
	for (int i = 0; i < q->rank - 2; i++)
		if (q->dims[i] != k->dims[i] || q->dims[i] != v->dims[i])
			return 0;
	if (mask && mask->dtype != q->dtype)
		return 0;
	struct cc_node *n = new_node(g, "Attention", mask ? 4 : 3, qk);
	if (!n)
		return -g->err_code;
	n->in[0] = q;
	n->in[1] = k;
	n->in[2] = v;
	if (mask)
		n->in[3] = mask;
	if (attr_f(g, n, "scale", (float)scale) || attr_i(g, n, "k_trans", kt))
		return -g->err_code;
	qk->dead = sm->dead = pv->dead = true;
	if (tr)
		tr->dead = true;
	if (sc)
		sc->dead = true;
	if (mk)
		mk->dead = true;
	*done = true;
	return finish(g, n, pv->out[0]);
}

/* ---- BatchNormalization ------------------------------------------------------------------------------- */
static bool bn_consts(const struct cc_node *bn)
{
	for (int i = 1; i < 5; i++)
		if (!bn->in[i]->data)
			return false;
	return bn->nout == 1 || !bn->out[1];
}

/* Conv -> BN with constant weights and parameters: fold the BN into the Conv. */
static int fold_bn(struct cc_graph *g, struct cc_node *conv, bool *done)
{
	struct cc_node *bn = consumer(g, conv->out[0]);
	struct cc_tensor *w = conv->in[1], *b = conv->nin > 2 ? conv->in[2] : NULL;

	*done = false;
	if (!is_op(bn, "BatchNormalization") || !bn_consts(bn) || !w->data || (b && !b->data) ||
	    bn->in[0] != conv->out[0])
		return 0;
	int64_t M = w->dims[0], per = (int64_t)(cc_tensor_elems(w) / (uint64_t)(M ? M : 1));
	double eps = cc_attr_f(bn, "epsilon", 1e-5f);
	struct cc_tensor *nw = cc_const_new(g, w->name, w->dtype, w->rank, w->dims, NULL);
	int64_t bd[1] = { M };
	struct cc_tensor *nb = cc_const_new(g, "bias", w->dtype, 1, bd, NULL);
	if (!nw || !nb)
		return -g->err_code;
	for (int64_t m = 0; m < M; m++) {
		double sc = cc_ld(bn->in[1]->dtype, bn->in[1]->data, (uint64_t)m);
		double bi = cc_ld(bn->in[2]->dtype, bn->in[2]->data, (uint64_t)m);
		double mu = cc_ld(bn->in[3]->dtype, bn->in[3]->data, (uint64_t)m);
		double va = cc_ld(bn->in[4]->dtype, bn->in[4]->data, (uint64_t)m);
		double k = sc / sqrt(va + eps);
		for (int64_t i = 0; i < per; i++) {
			uint64_t idx = (uint64_t)(m * per + i);
			cc_st(w->dtype, nw->data, idx, cc_ld(w->dtype, w->data, idx) * k);
		}
		double b0 = b ? cc_ld(b->dtype, b->data, (uint64_t)m) : 0;
		cc_st(w->dtype, nb->data, (uint64_t)m, (b0 - mu) * k + bi);
	}
	if (conv->nin < 3) {
		struct cc_tensor **in = cc_arena_alloc(&g->arena, sizeof(*in) * 3);
		if (!in)
			return cc_err(g, ENOMEM, "out of memory");
		in[0] = conv->in[0];
		conv->in = in;
		conv->nin = 3;
	}
	conv->in[1] = nw;
	conv->in[2] = nb;
	conv->out[0] = bn->out[0];
	bn->out[0]->producer = conv;
	bn->dead = true;
	*done = true;
	return 0;
}

/* A BatchNormalization left alone: y = x * k + c per channel, as Mul + Add. */
static int bn_to_affine(struct cc_graph *g, struct cc_node *bn)
{
	if (!bn_consts(bn))
		return 0;
	struct cc_tensor *x = bn->in[0];
	int64_t C = x->dims[1], d[CC_MAX_RANK];
	double eps = cc_attr_f(bn, "epsilon", 1e-5f);
	d[0] = C;
	for (int i = 1; i < x->rank - 1; i++)
		d[i] = 1;
	struct cc_tensor *k = cc_const_new(g, "bn_scale", x->dtype, x->rank - 1, d, NULL);
	struct cc_tensor *c = cc_const_new(g, "bn_shift", x->dtype, x->rank - 1, d, NULL);
	struct cc_tensor *t = cc_tensor_new(g, cc_name_gen(g, bn->out[0]->name), x->dtype, x->rank, x->dims);
	if (!k || !c || !t)
		return -g->err_code;
	for (int64_t m = 0; m < C; m++) {
		double sc = cc_ld(bn->in[1]->dtype, bn->in[1]->data, (uint64_t)m);
		double bi = cc_ld(bn->in[2]->dtype, bn->in[2]->data, (uint64_t)m);
		double mu = cc_ld(bn->in[3]->dtype, bn->in[3]->data, (uint64_t)m);
		double va = cc_ld(bn->in[4]->dtype, bn->in[4]->data, (uint64_t)m);
		double kk = sc / sqrt(va + eps);
		cc_st(x->dtype, k->data, (uint64_t)m, kk);
		cc_st(x->dtype, c->data, (uint64_t)m, bi - mu * kk);
	}
	struct cc_node *mul = cc_node_new(g, "Mul", "", bn->name, 2, 1);
	struct cc_node *add = mul ? cc_node_new(g, "Add", "", bn->name, 2, 1) : NULL;
	if (!add)
		return -g->err_code;
	mul->in[0] = x;
	mul->in[1] = k;
	mul->out[0] = t;
	add->in[0] = t;
	add->in[1] = c;
	add->out[0] = bn->out[0];
	bn->dead = true;
	if (cc_node_bind(g, mul) || cc_node_infer(g, mul) || cc_node_bind(g, add) || cc_node_infer(g, add))
		return -g->err_code;
	return 0;
}

/* ---- Conv / MatMul / Gemm epilogues -------------------------------------------------------------------- */
static int to_fused(struct cc_graph *g, struct cc_node *n)
{
	struct cc_node *f;

	if (is_op(n, "Conv")) {
		if (!cc_dtype_is_float(n->in[0]->dtype))
			return 0;
		f = new_node(g, "Conv", 4, n);
		if (!f || copy_attrs(g, f, n))
			return -g->err_code;
		for (int i = 0; i < n->nin && i < 3; i++)
			f->in[i] = n->in[i];
		f->nin = n->nin;
	} else if (is_op(n, "MatMul") || is_op(n, "Gemm")) {
		if (!cc_dtype_is_float(n->in[0]->dtype) || n->in[0]->rank < 2 || n->in[1]->rank < 2)
			return 0;
		f = new_node(g, "MatMul", 4, n);
		if (!f || copy_attrs(g, f, n))
			return -g->err_code;
		for (int i = 0; i < n->nin && i < 3; i++)
			f->in[i] = n->in[i];
		f->nin = n->nin;
	} else {
		return 0;
	}
	n->dead = true;
	return finish(g, f, n->out[0]);
}

/* Is @t a per-output-channel constant for a conv output of rank @r ([M], [M,1,1], [1,M,1,1])? */
static bool conv_bias_like(const struct cc_tensor *t, int r, int64_t M)
{
	if (!t->data || t->rank > r || cc_tensor_elems(t) != (uint64_t)M)
		return false;
	int axis = r - t->rank;	/* dim of t aligned with output dim axis + i */
	for (int i = 0; i < t->rank; i++)
		if (t->dims[i] != 1 && axis + i != 1)
			return false;
	return t->rank >= r - 1 || M == 1;
}

static int absorb(struct cc_graph *g, struct cc_node *f, bool *done)
{
	bool conv = !strcmp(f->op, "Conv");
	struct cc_tensor *y = f->out[0];
	struct cc_node *c = consumer(g, y);
	const char *act = cc_attr_s(f, "activation", "");
	bool has_res = f->nin > 3 && f->in[3];
	double v;

	*done = false;
	if (!c || c->nout != 1 || !c->out[0])
		return 0;
	if (is_op(c, "Add") && !act[0]) {
		struct cc_tensor *t = other(c, y);
		if (!t || t == y || t->dtype != y->dtype)
			return 0;
		if (conv && conv_bias_like(t, y->rank, y->dims[1]) && (f->nin < 3 || !f->in[2] || f->in[2]->data)) {
			int64_t bd[1] = { y->dims[1] };
			struct cc_tensor *nb = cc_const_new(g, "bias", y->dtype, 1, bd, NULL);
			if (!nb)
				return -g->err_code;
			for (int64_t m = 0; m < bd[0]; m++) {
				double b0 = f->nin > 2 && f->in[2] ? cc_ld(f->in[2]->dtype, f->in[2]->data, (uint64_t)m) : 0;
				cc_st(y->dtype, nb->data, (uint64_t)m, b0 + cc_ld(t->dtype, t->data, (uint64_t)m));
			}
			f->in[2] = nb;
			f->nin = CC_MAX(f->nin, 3);
		} else if (!conv && t->data && (f->nin < 3 || !f->in[2]) && t->rank <= y->rank &&
			   t->dims[t->rank - 1] == y->dims[y->rank - 1] &&
			   cc_tensor_elems(t) == (uint64_t)y->dims[y->rank - 1]) {
			f->in[2] = t;		/* bias along the last dim, beta = 1 */
			f->nin = CC_MAX(f->nin, 3);
			if (attr_f(g, f, "beta", 1.0f))
				return -g->err_code;
		} else if (!conv && !has_res && t->rank == y->rank &&
			   !memcmp(t->dims, y->dims, sizeof(int64_t) * (size_t)y->rank)) {
			f->in[3] = t;		/* residual (a missing bias stays NULL) */
			f->nin = 4;
		} else {
			return 0;
		}
	} else if (!act[0] && !has_res && !conv && is_op(c, "Mul") && const_scalar(other(c, y), &v) &&
		   !(f->nin > 2 && f->in[2])) {
		if (attr_f(g, f, "alpha", (float)(cc_attr_f(f, "alpha", 1.0f) * v)))
			return -g->err_code;
	} else if (!act[0] && !has_res && !conv && is_op(c, "Div") && c->in[0] == y &&
		   const_scalar(c->in[1], &v) && v != 0 && !(f->nin > 2 && f->in[2])) {
		if (attr_f(g, f, "alpha", (float)(cc_attr_f(f, "alpha", 1.0f) / v)))
			return -g->err_code;
	} else if (!act[0] && (c->domain[0] == 0 || is_sop(c, "Gelu")) && c->nin >= 1 && c->in[0] == y) {
		int code = cc_act_code(is_sop(c, "Gelu") && !strcmp(cc_attr_s(c, "approximate", "none"), "tanh")
				       ? "GeluTanh" : c->op);
		float al = 0, be = 0;
		if (is_op(c, "Clip")) {
			double lo = -INFINITY, hi = INFINITY;
			if ((c->nin > 1 && c->in[1] && !const_scalar(c->in[1], &lo)) ||
			    (c->nin > 2 && c->in[2] && !const_scalar(c->in[2], &hi)))
				return 0;
			code = CC_ACT_CLIP;
			al = (float)lo;
			be = (float)hi;
		} else if (code < 0 || !cc_act_fusable(code) || c->nin != 1) {
			return 0;
		} else {
			cc_act_params(c, code, &al, &be);
		}
		if (attr_s(g, f, "activation", cc_act_name(code)) || attr_f(g, f, "act_alpha", al) ||
		    attr_f(g, f, "act_beta", be))
			return -g->err_code;
	} else {
		return 0;
	}
	f->out[0] = c->out[0];
	c->out[0]->producer = f;
	c->dead = true;
	*done = true;
	return 0;
}

int cc_pass_fuse(struct cc_graph *g)
{
	bool changed = true;
	int rc = 0;

	if (g->err_code)
		return -g->err_code;
	cc_graph_refresh(g);
	/* Patterns that make new ops first, then BN, then epilogues. */
	for (int phase = 0; phase < 3 && !rc; phase++) {
		changed = true;
		while (changed && !rc) {
			changed = false;
			int nn = g->nnodes;
			for (int i = 0; i < nn && !rc; i++) {
				struct cc_node *n = g->nodes[i];
				bool done = false;
				if (n->dead)
					continue;
				if (phase == 0) {
					if (is_op(n, "Erf"))
						rc = fuse_gelu(g, n, &done);
					else if (is_op(n, "ReduceMean"))
						rc = fuse_layernorm(g, n, &done);
					else if (is_op(n, "Div"))
						rc = fuse_softmax(g, n, &done);
				} else if (phase == 1) {
					if (is_op(n, "Softmax") || is_sop(n, "Softmax"))
						rc = fuse_attention(g, n, &done);
					else if (is_op(n, "Conv"))
						rc = fold_bn(g, n, &done);
				} else {
					if (is_op(n, "BatchNormalization")) {
						rc = bn_to_affine(g, n);
						done = n->dead;
					} else if (is_op(n, "Conv") || is_op(n, "MatMul") || is_op(n, "Gemm")) {
						rc = to_fused(g, n);
						done = n->dead;
					} else if (is_sop(n, "Conv") || is_sop(n, "MatMul")) {
						rc = absorb(g, n, &done);
					}
				}
				if (done) {
					changed = true;
					if (!rc)
						rc = cc_graph_toposort(g);
					if (!rc)
						cc_graph_refresh(g);
					nn = g->nnodes;
				}
			}
		}
	}
	if (rc)
		return rc;
	rc = cc_graph_toposort(g);
	if (!rc)
		rc = cc_graph_refresh(g);
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * Integer ops for the int8 cube (part of legalization).
 *
 * The cube multiplies int8 by int8 into int32 and nothing else: no uint8, no
 * zero points. With a8 = a - 128 for uint8 operands (else a8 = a) and the
 * zero points shifted alike (za8, zb8),
 *
 *   sum_k (a - za)(b - zb) = sum_k (a8 - za8)(b8 - zb8)
 *                          = sum_k a8 b8 - za8 sum_k b8 - zb8 sum_k (a - za)
 *
 *   MatMulInteger(A, B, za, zb) -> P = MatMulInteger(A8, B8)           (cube)
 *                                  - za8 * colsum(B8) - zb8 * rowsum(A - za)
 *   ConvInteger(X, W, zx, zw)   -> P = sinan:ConvInteger(X8, W8, zx8)  (cube; the
 *                                  padding takes the value zx8, so that it
 *                                  contributes nothing after the corrections)
 *                                  - zx8 * sum_{c,kh,kw} W8[m]
 *                                  - zw8[m] * U,  U = conv(X - zx, ones) per group
 *   QLinearMatMul / QLinearConv -> the above (+ bias), then
 *                                  y = saturate(round(acc * (sa * sb / sy)) + zy)
 *
 * Terms with a constant zero coefficient are left out; constant operands
 * fold (the weight sums of a constant W cost nothing at run time). The sums
 * are taken in fp32 on the vector unit, exact while they stay below 2^24
 * (checked: K * 255 < 2^24).
 */
#include "ops_int.h"

#include <stdlib.h>

struct qa {
	const char *name;
	int type;
	int64_t i;
	float f;
	int n;
	const int64_t *ints;
};

/* A node of @op (domain @dom) on @in, with @attrs (and the attributes of @copy), version 13
 * forms, into @out (or a new tensor); folded when its inputs are constant. */
static struct cc_tensor *mk(struct cc_graph *g, const struct cc_node *like, const char *dom, const char *op,
			    int nin, struct cc_tensor **in, int nattr, const struct qa *attrs,
			    const struct cc_node *copy, struct cc_tensor *out)
{
	struct cc_node *n = cc_node_new(g, op, dom, like->name, nin, 1);
	if (!n)
		return NULL;
	n->ver_fixed = 13;
	for (int i = 0; i < nin; i++)
		n->in[i] = in[i];
	if (copy)
		for (int i = 0; i < copy->nattr; i++) {
			struct cc_attr *a = cc_node_add_attr(g, n, copy->attr[i].name, copy->attr[i].type);
			if (!a)
				return NULL;
			char *nm = a->name;
			*a = copy->attr[i];
			a->name = nm;
		}
	for (int i = 0; i < nattr; i++) {
		struct cc_attr *a = cc_node_add_attr(g, n, attrs[i].name, attrs[i].type);
		if (!a)
			return NULL;
		a->i = attrs[i].i;
		a->f = attrs[i].f;
		if (attrs[i].n) {
			a->ints = cc_arena_alloc(&g->arena, sizeof(int64_t) * (size_t)attrs[i].n);
			if (!a->ints) {
				cc_err(g, ENOMEM, "out of memory");
				return NULL;
			}
			memcpy(a->ints, attrs[i].ints, sizeof(int64_t) * (size_t)attrs[i].n);
			a->n = attrs[i].n;
		}
	}
	if (!out)
		out = cc_tensor_new(g, NULL, 0, -1, NULL);
	if (!out)
		return NULL;
	n->out[0] = out;
	out->producer = n;
	if (cc_node_bind(g, n) || cc_node_check(g, n) || cc_node_infer(g, n) || cc_node_try_fold(g, n))
		return NULL;
	return out;
}

static struct cc_tensor *op2(struct cc_graph *g, const struct cc_node *like, const char *op, struct cc_tensor *a,
			     struct cc_tensor *b, struct cc_tensor *out)
{
	if (!a || !b)
		return NULL;
	return mk(g, like, "", op, 2, (struct cc_tensor *[]){ a, b }, 0, NULL, NULL, out);
}

static struct cc_tensor *cast(struct cc_graph *g, const struct cc_node *like, struct cc_tensor *x, int to)
{
	if (!x)
		return NULL;
	if (x->dtype == to)
		return x;
	struct qa at = { .name = "to", .type = SINAN_ATTR_INT, .i = to };
	return mk(g, like, "", "Cast", 1, &x, 1, &at, NULL, NULL);
}

static struct cc_tensor *scalar(struct cc_graph *g, int dt, double v)
{
	struct cc_tensor *t = cc_const_new(g, "q", dt, 0, NULL, NULL);
	if (t)
		cc_st(dt, t->data, 0, v);
	return t;
}

/* int8 view of an int8/uint8 tensor: x - 128 for uint8. */
static struct cc_tensor *to_s8(struct cc_graph *g, const struct cc_node *like, struct cc_tensor *x)
{
	if (!x || x->dtype == SINAN_TYPE_INT8)
		return x;
	struct cc_tensor *in[3] = { x, scalar(g, SINAN_TYPE_FLOAT, 1.0), scalar(g, SINAN_TYPE_INT8, -128) };
	if (!in[1] || !in[2])
		return NULL;
	return mk(g, like, "sinan", "QuantizeLinear", 3, in, 0, NULL, NULL, NULL);
}

/* The shifted zero point of an operand of type @dt (absent: 0). */
static struct cc_tensor *zp8(struct cc_graph *g, const struct cc_node *like, struct cc_tensor *z, int dt)
{
	if (!z)
		return scalar(g, SINAN_TYPE_INT8, dt == SINAN_TYPE_UINT8 ? -128 : 0);
	return to_s8(g, like, z);
}

static bool all_zero(const struct cc_tensor *t)
{
	if (!t->data)
		return false;
	uint64_t n = cc_tensor_elems(t);
	for (uint64_t i = 0; i < n; i++)
		if (cc_ldi(t->dtype, t->data, i))
			return false;
	return true;
}

/* @t reshaped so that its elements run along axis @axis of a rank-@rank tensor (1 elsewhere);
 * one element becomes a scalar. */
static struct cc_tensor *along(struct cc_graph *g, struct cc_tensor *t, int rank, int axis)
{
	int64_t d[CC_MAX_RANK];
	if (!t)
		return NULL;
	uint64_t e = cc_tensor_elems(t);
	if (e == 1)
		return t->rank == 0 ? t : cc_reshaped(g, t, 0, d);
	for (int i = 0; i < rank; i++)
		d[i] = i == axis ? (int64_t)e : 1;
	return cc_reshaped(g, t, rank, d);
}

static struct cc_tensor *reduce_sum(struct cc_graph *g, const struct cc_node *like, struct cc_tensor *x, int na,
				    const int64_t *axes)
{
	int64_t d[1] = { na };
	struct cc_tensor *ax = x ? cc_const_new(g, "axes", SINAN_TYPE_INT64, 1, d, axes) : NULL;
	if (!ax)
		return NULL;
	return mk(g, like, "", "ReduceSum", 2, (struct cc_tensor *[]){ x, ax }, 1,
		  &(struct qa){ .name = "keepdims", .type = SINAN_ATTR_INT, .i = 1 }, NULL, NULL);
}

/* acc (int32) -> saturate(round(acc * mult) + zy) in zy's type, into @y */
static int requant(struct cc_graph *g, const struct cc_node *n, struct cc_tensor *acc, struct cc_tensor *mult,
		   struct cc_tensor *zy, struct cc_tensor *y)
{
	struct cc_tensor *t = op2(g, n, "Mul", cast(g, n, acc, SINAN_TYPE_FLOAT), mult, NULL);
	struct cc_tensor *one = scalar(g, SINAN_TYPE_FLOAT, 1.0);
	struct cc_tensor *z = along(g, zy, 0, 0);
	if (!t || !one || !z)
		return -g->err_code;
	return mk(g, n, "", "QuantizeLinear", 3, (struct cc_tensor *[]){ t, one, z }, 0, NULL, NULL, y) ? 0 :
	       -g->err_code;
}

/* acc = p - terms[0] - terms[1] + terms[2] (NULL terms skipped), into @out */
static struct cc_tensor *combine(struct cc_graph *g, const struct cc_node *n, struct cc_tensor *p,
				 struct cc_tensor *const *terms, const bool *add, int nt, struct cc_tensor *out)
{
	int last = -1;
	for (int i = 0; i < nt; i++)
		if (terms[i])
			last = i;
	if (last < 0)
		return out ? mk(g, n, "", "Identity", 1, &p, 0, NULL, NULL, out) : p;
	for (int i = 0; i <= last && p; i++)
		if (terms[i])
			p = op2(g, n, add[i] ? "Add" : "Sub", p, terms[i], i == last ? out : NULL);
	return p;
}

static struct cc_tensor *opt_in(const struct cc_node *n, int i)
{
	return n->nin > i ? n->in[i] : NULL;
}

static int q_matmul(struct cc_graph *g, struct cc_node *n)
{
	bool ql = !strcmp(n->op, "QLinearMatMul");
	struct cc_tensor *a = n->in[0], *b = n->in[ql ? 3 : 1], *y = n->out[0];
	struct cc_tensor *za = opt_in(n, 2), *zb = opt_in(n, ql ? 5 : 3);

	if (a->rank < 2 || b->rank < 2)
		return NERR(g, n, ENOTSUP, "1-D operands of integer matrix products are not supported on the device");
	int ra = a->rank, rb = b->rank;
	int64_t K = a->dims[ra - 1];
	if (K * 255 >= (1 << 24))
		return NERR(g, n, ENOTSUP, "K = %lld is too large for exact int8 zero-point corrections",
			    (long long)K);
	struct cc_tensor *a8 = to_s8(g, n, a), *b8 = to_s8(g, n, b);
	struct cc_tensor *za8 = zp8(g, n, za, a->dtype), *zb8 = zp8(g, n, zb, b->dtype);
	if (!a8 || !b8 || !za8 || !zb8)
		return -g->err_code;
	struct cc_tensor *terms[3] = { NULL, NULL, NULL };
	bool add[3] = { false, false, true };
	if (!all_zero(za8)) {	/* za8 [M, 1] * colsum(B8) [.., 1, N] */
		int64_t ax = -2;
		struct cc_tensor *cs = cast(g, n, reduce_sum(g, n, cast(g, n, b8, SINAN_TYPE_FLOAT), 1, &ax),
					    SINAN_TYPE_INT32);
		terms[0] = op2(g, n, "Mul", along(g, cast(g, n, za8, SINAN_TYPE_INT32), 2, 0), cs, NULL);
		if (!terms[0])
			return -g->err_code;
	}
	if (!all_zero(zb8)) {	/* rowsum(A - za) [.., M, 1] * zb8 [N] */
		int64_t ax = -1;
		struct cc_tensor *d = cast(g, n, a, SINAN_TYPE_FLOAT);
		if (za)
			d = op2(g, n, "Sub", d, along(g, cast(g, n, za, SINAN_TYPE_FLOAT), 2, 0), NULL);
		struct cc_tensor *rs = cast(g, n, reduce_sum(g, n, d, 1, &ax), SINAN_TYPE_INT32);
		terms[1] = op2(g, n, "Mul", rs, along(g, cast(g, n, zb8, SINAN_TYPE_INT32), 1, 0), NULL);
		if (!terms[1])
			return -g->err_code;
	}
	(void)rb;
	struct cc_tensor *p = mk(g, n, "", "MatMulInteger", 2, (struct cc_tensor *[]){ a8, b8 }, 0, NULL, NULL,
				 ql || terms[0] || terms[1] ? NULL : y);
	if (!p)
		return -g->err_code;
	n->dead = true;
	if (!ql)
		return p == y || combine(g, n, p, terms, add, 3, y) ? 0 : -g->err_code;
	struct cc_tensor *acc = combine(g, n, p, terms, add, 3, NULL);
	/* mult = sa [M, 1] * sb [N] / sy */
	struct cc_tensor *sa = along(g, n->in[1], 2, 0), *sb = along(g, n->in[4], 1, 0);
	struct cc_tensor *mult = op2(g, n, "Div", op2(g, n, "Mul", sa, sb, NULL), along(g, n->in[6], 0, 0), NULL);
	if (!acc || !mult)
		return -g->err_code;
	return requant(g, n, acc, mult, n->in[7], y);
}

static int q_conv(struct cc_graph *g, struct cc_node *n)
{
	bool ql = !strcmp(n->op, "QLinearConv");
	struct cc_tensor *x = n->in[0], *w = n->in[ql ? 3 : 1], *y = n->out[0];
	struct cc_tensor *zx = opt_in(n, 2), *zw = opt_in(n, ql ? 5 : 3), *bias = ql ? opt_in(n, 8) : NULL;
	int r = x->rank;
	int64_t G = cc_attr_i(n, "group", 1), M = w->dims[0], Cg = w->dims[1];
	int64_t kk = 1;

	for (int i = 2; i < w->rank; i++)
		kk *= w->dims[i];
	if (Cg * kk * 255 >= (1 << 24))
		return NERR(g, n, ENOTSUP, "kernel of %lld elements is too large for exact int8 zero-point "
				"corrections", (long long)(Cg * kk));
	struct cc_tensor *x8 = to_s8(g, n, x), *w8 = to_s8(g, n, w);
	struct cc_tensor *zx8 = zp8(g, n, zx, x->dtype), *zw8 = zp8(g, n, zw, w->dtype);
	if (!x8 || !w8 || !zx8 || !zw8)
		return -g->err_code;
	struct cc_tensor *terms[3] = { NULL, NULL, NULL };
	bool add[3] = { false, false, true };
	if (!all_zero(zx8)) {	/* zx8 * sum_{c,k} W8[m], as [1, M, 1..] */
		int64_t axes[4] = { 1, 2, 3, 4 };
		struct cc_tensor *sw = cast(g, n, reduce_sum(g, n, cast(g, n, w8, SINAN_TYPE_FLOAT), w->rank - 1, axes),
					    SINAN_TYPE_INT32);
		terms[0] = op2(g, n, "Mul", cast(g, n, zx8, SINAN_TYPE_INT32), along(g, sw, r, 1), NULL);
		if (!terms[0])
			return -g->err_code;
	}
	if (!all_zero(zw8)) {	/* zw8[m] * U, U = conv(X - zx, ones [G, Cg, k..]) per group */
		struct cc_tensor *d = cast(g, n, x, SINAN_TYPE_FLOAT);
		if (zx)
			d = op2(g, n, "Sub", d, cast(g, n, zx, SINAN_TYPE_FLOAT), NULL);
		int64_t od[CC_MAX_RANK];
		od[0] = G;
		for (int i = 1; i < w->rank; i++)
			od[i] = w->dims[i];
		struct cc_tensor *ones = cc_const_new(g, "ones", SINAN_TYPE_FLOAT, w->rank, od, NULL);
		if (!ones || !d)
			return -g->err_code;
		for (uint64_t i = 0; i < cc_tensor_elems(ones); i++)
			((float *)ones->data)[i] = 1.0f;
		struct cc_tensor *u = mk(g, n, "", "Conv", 2, (struct cc_tensor *[]){ d, ones }, 0, NULL, n, NULL);
		u = cast(g, n, u, SINAN_TYPE_INT32);
		struct cc_tensor *zwi = cast(g, n, zw8, SINAN_TYPE_INT32);
		if (!u || !zwi)
			return -g->err_code;
		if (G == 1) {	/* U [N, 1, ..] x zw8 [1, M, 1..] */
			terms[1] = op2(g, n, "Mul", u, along(g, zwi, r, 1), NULL);
		} else {	/* U [N, G, 1, ..] x zw8 [1, G, M/G, 1..] -> [N, M, ..] */
			int64_t rd[CC_MAX_RANK + 1], zd[CC_MAX_RANK + 1], fd[CC_MAX_RANK];
			rd[0] = u->dims[0];
			rd[1] = G;
			rd[2] = 1;
			zd[0] = 1;
			zd[1] = G;
			zd[2] = M / G;
			for (int i = 2; i < r; i++) {
				rd[i + 1] = u->dims[i];
				zd[i + 1] = 1;
			}
			struct cc_tensor *z = cc_tensor_elems(zwi) == 1 ? along(g, zwi, 0, 0) : cc_reshaped(g, zwi, r + 1, zd);
			struct cc_tensor *t = op2(g, n, "Mul", cc_reshaped(g, u, r + 1, rd), z, NULL);
			if (t && cc_tensor_elems(zwi) == 1) {	/* one zero point: repeat U over the group's channels */
				int64_t ed[CC_MAX_RANK + 1], sd[1] = { r + 1 };
				memcpy(ed, rd, sizeof(ed));
				ed[2] = M / G;
				struct cc_tensor *shape = cc_const_new(g, "shape", SINAN_TYPE_INT64, 1, sd, ed);
				t = shape ? mk(g, n, "", "Expand", 2, (struct cc_tensor *[]){ t, shape }, 0, NULL, NULL, NULL) :
					    NULL;
			}
			fd[0] = u->dims[0];
			fd[1] = M;
			for (int i = 2; i < r; i++)
				fd[i] = u->dims[i];
			terms[1] = t ? cc_reshaped(g, t, r, fd) : NULL;
		}
		if (!terms[1])
			return -g->err_code;
	}
	if (bias) {
		terms[2] = along(g, bias, r, 1);
		if (!terms[2])
			return -g->err_code;
	}
	bool any = terms[0] || terms[1] || terms[2];
	struct cc_tensor *p = mk(g, n, "sinan", "ConvInteger", 3, (struct cc_tensor *[]){ x8, w8, along(g, zx8, 0, 0) },
				 0, NULL, n, ql || any ? NULL : y);
	if (!p)
		return -g->err_code;
	n->dead = true;
	if (!ql)
		return p == y || combine(g, n, p, terms, add, 3, y) ? 0 : -g->err_code;
	struct cc_tensor *acc = combine(g, n, p, terms, add, 3, NULL);
	struct cc_tensor *mult = op2(g, n, "Div", op2(g, n, "Mul", along(g, n->in[1], 0, 0), along(g, n->in[4], r, 1),
						      NULL), along(g, n->in[6], 0, 0), NULL);
	if (!acc || !mult)
		return -g->err_code;
	return requant(g, n, acc, mult, n->in[7], y);
}

/* Rewrite @n if it is an integer matrix product or convolution; 1 if it was. */
int cc_qlegal_node(struct cc_graph *g, struct cc_node *n)
{
	if (n->domain[0])
		return 0;
	if (!strcmp(n->op, "MatMulInteger") || !strcmp(n->op, "QLinearMatMul")) {
		/* already the cube's form: int8 operands, no zero points */
		if (!strcmp(n->op, "MatMulInteger") && n->in[0]->dtype == SINAN_TYPE_INT8 &&
		    n->in[1]->dtype == SINAN_TYPE_INT8 && !opt_in(n, 2) && !opt_in(n, 3))
			return 0;
		return q_matmul(g, n) ? -g->err_code : 1;
	}
	if (!strcmp(n->op, "ConvInteger") || !strcmp(n->op, "QLinearConv"))
		return q_conv(g, n) ? -g->err_code : 1;
	return 0;
}

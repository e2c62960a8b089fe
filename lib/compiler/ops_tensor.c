// SPDX-License-Identifier: MIT
/*
 * Shape and data-movement operators: shape inference and references.
 * Shape-like inputs (Reshape's shape, Slice's starts, Pad's pads, ...) must
 * be constants after constant folding; the device executes static shapes.
 */
#include "ops_int.h"

#include <math.h>
#include <stdlib.h>

#define MAXV 64

/* ---- Constant ------------------------------------------------------------------------------ */
int check_constant(struct cc_graph *g, struct cc_node *n)
{
	if (n->nattr != 1)
		return NERR(g, n, EINVAL, "needs exactly one value attribute, has %d", n->nattr);
	const char *a = n->attr[0].name;
	if (!strcmp(a, "value_string") || !strcmp(a, "value_strings"))
		return NERR(g, n, ENOTSUP, "attribute '%s': string constants are not supported", a);
	if (!strcmp(a, "sparse_value"))
		return NERR(g, n, ENOTSUP, "attribute 'sparse_value': sparse constants are not supported");
	return 0;
}

int infer_constant(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_attr *a = &n->attr[0];
	int64_t d[1] = { 0 };

	if (a->type == SINAN_ATTR_TENSOR)
		return cc_set_out(g, n, 0, a->t->dtype, a->t->rank, a->t->dims);
	if (a->type == SINAN_ATTR_FLOAT || a->type == SINAN_ATTR_INT)
		return cc_set_out(g, n, 0, a->type == SINAN_ATTR_FLOAT ? SINAN_TYPE_FLOAT : SINAN_TYPE_INT64,
				  0, d);
	d[0] = a->n;
	return cc_set_out(g, n, 0, a->type == SINAN_ATTR_FLOATS ? SINAN_TYPE_FLOAT : SINAN_TYPE_INT64, 1, d);
}

int ref_constant(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		 struct cc_view *out)
{
	const struct cc_attr *a = &n->attr[0];

	(void)g;
	(void)in;
	switch (a->type) {
	case SINAN_ATTR_TENSOR:
		memcpy(out[0].data, a->t->data, cc_tensor_bytes(a->t));
		break;
	case SINAN_ATTR_FLOAT: ((float *)out[0].data)[0] = a->f; break;
	case SINAN_ATTR_INT: ((int64_t *)out[0].data)[0] = a->i; break;
	case SINAN_ATTR_FLOATS: memcpy(out[0].data, a->floats, sizeof(float) * (size_t)a->n); break;
	case SINAN_ATTR_INTS: memcpy(out[0].data, a->ints, sizeof(int64_t) * (size_t)a->n); break;
	}
	return 0;
}

/* ---- ConstantOfShape -------------------------------------------------------------------------- */
int infer_cofs(struct cc_graph *g, struct cc_node *n)
{
	int64_t d[CC_MAX_RANK + 1];
	const struct cc_attr *a = cc_attr_find(n, "value");
	int r = cc_const_ints(g, n, 0, d, CC_MAX_RANK + 1, true);

	if (r < 0)
		return r;
	if (r > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "rank %d exceeds %d", r, CC_MAX_RANK);
	if (a && cc_tensor_elems(a->t) != 1)
		return NERR(g, n, EINVAL, "attribute 'value' must have one element");
	return cc_set_out(g, n, 0, a ? a->t->dtype : SINAN_TYPE_FLOAT, r, d);
}

int ref_cofs(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	const struct cc_attr *a = cc_attr_find(n, "value");
	size_t es = cc_dtype_size(out[0].dtype);
	uint64_t ne = cc_view_elems(&out[0]);

	(void)g;
	(void)in;
	if (a)
		for (uint64_t i = 0; i < ne; i++)
			memcpy((char *)out[0].data + i * es, a->t->data, es);
	return 0;
}

/* ---- Shape / Size ------------------------------------------------------------------------------ */
static void shape_range(const struct cc_node *n, int rank, int *s, int *e)
{
	int64_t st = cc_attr_i(n, "start", 0), en = cc_attr_i(n, "end", rank);
	if (st < 0)
		st += rank;
	if (en < 0)
		en += rank;
	st = st < 0 ? 0 : st > rank ? rank : st;
	en = en < 0 ? 0 : en > rank ? rank : en;
	*s = (int)st;
	*e = (int)(en < st ? st : en);
}

int infer_shape(struct cc_graph *g, struct cc_node *n)
{
	int s, e;
	int64_t d[1];
	shape_range(n, IN(n, 0)->rank, &s, &e);
	d[0] = e - s;
	return cc_set_out(g, n, 0, SINAN_TYPE_INT64, 1, d);
}

int ref_shape(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	int s, e;
	(void)g;
	shape_range(n, in[0].rank, &s, &e);
	for (int i = s; i < e; i++)
		((int64_t *)out[0].data)[i - s] = in[0].dims[i];
	return 0;
}

int infer_size(struct cc_graph *g, struct cc_node *n)
{
	return cc_set_out(g, n, 0, SINAN_TYPE_INT64, 0, NULL);
}

int ref_size(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	(void)g;
	(void)n;
	((int64_t *)out[0].data)[0] = (int64_t)cc_view_elems(&in[0]);
	return 0;
}

/* ---- Range ------------------------------------------------------------------------------------------ */
static int range_count(struct cc_graph *g, struct cc_node *n, int64_t *cnt)
{
	double v[3];
	for (int i = 0; i < 3; i++) {
		const struct cc_tensor *t = IN(n, i);
		if (!t->data)
			return NERR(g, n, ENOTSUP, "input %d must be a constant", i);
		if (cc_tensor_elems(t) != 1)
			return NERR(g, n, EINVAL, "input %d must be a scalar", i);
		if (t->dtype != IN(n, 0)->dtype)
			return NERR(g, n, EINVAL, "inputs have different types");
		v[i] = cc_ld(t->dtype, t->data, 0);
	}
	if (v[2] == 0 || isnan(v[0]) || isnan(v[1]) || isnan(v[2]))
		return NERR(g, n, EINVAL, "delta is zero or values are NaN");
	double c = ceil((v[1] - v[0]) / v[2]);
	if (c > (double)CC_MAX_DIM)
		return NERR(g, n, ERANGE, "range too long");
	*cnt = c > 0 ? (int64_t)c : 0;
	return 0;
}

int infer_range(struct cc_graph *g, struct cc_node *n)
{
	int64_t c;
	if (range_count(g, n, &c))
		return -g->err_code;
	return cc_set_out(g, n, 0, IN(n, 0)->dtype, 1, &c);
}

int ref_range(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	uint64_t ne = cc_view_elems(&out[0]);
	int dt = out[0].dtype;
	(void)g;
	(void)n;
	if (cc_dtype_is_float(dt)) {
		double s = cc_ld(dt, in[0].data, 0), d = cc_ld(dt, in[2].data, 0);
		for (uint64_t i = 0; i < ne; i++)
			cc_st(dt, out[0].data, i, s + (double)i * d);
	} else {
		int64_t s = cc_ldi(dt, in[0].data, 0), d = cc_ldi(dt, in[2].data, 0);
		for (uint64_t i = 0; i < ne; i++)
			cc_sti(dt, out[0].data, i, s + (int64_t)i * d);
	}
	return 0;
}

/* ---- Reshape-like ------------------------------------------------------------------------------------ */
int ref_copy(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	(void)g;
	(void)n;
	memcpy(out[0].data, in[0].data, cc_view_elems(&in[0]) * cc_dtype_size(in[0].dtype));
	return 0;
}

int infer_reshape(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t d[MAXV];
	int r = cc_const_ints(g, n, 1, d, MAXV, true), neg = -1;
	bool allowzero = cc_attr_i(n, "allowzero", 0) != 0;
	uint64_t known = 1, total = cc_tensor_elems(x);

	if (r < 0)
		return r;
	if (r > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "rank %d exceeds %d", r, CC_MAX_RANK);
	for (int i = 0; i < r; i++) {
		if (d[i] == 0 && !allowzero) {
			if (i >= x->rank)
				return NERR(g, n, EINVAL, "shape[%d] = 0 copies a dimension X does not have", i);
			d[i] = x->dims[i];
		}
		if (d[i] == -1) {
			if (neg >= 0)
				return NERR(g, n, EINVAL, "more than one -1 in the shape");
			neg = i;
			continue;
		}
		if (d[i] < 0 || d[i] > CC_MAX_DIM)
			return NERR(g, n, EINVAL, "bad shape value %lld", (long long)d[i]);
		if (d[i] && known > CC_MAX_ELEMS / (uint64_t)d[i])
			return NERR(g, n, EINVAL, "shape too large");
		known *= (uint64_t)d[i];
	}
	if (neg >= 0) {
		if (!known || total % known)
			return NERR(g, n, EINVAL, "cannot infer the -1 dimension (%llu elements, %llu known)",
				    (unsigned long long)total, (unsigned long long)known);
		d[neg] = (int64_t)(total / known);
		known *= (uint64_t)d[neg];
	}
	if (known != total)
		return NERR(g, n, EINVAL, "shape has %llu elements, input has %llu",
			    (unsigned long long)known, (unsigned long long)total);
	return cc_set_out(g, n, 0, x->dtype, r, d);
}

int infer_flatten(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int axis;
	int64_t d[2] = { 1, 1 };

	int64_t a = cc_attr_i(n, "axis", 1);
	if (a < -x->rank || a > x->rank)
		return NERR(g, n, EINVAL, "axis %lld out of range for rank %d", (long long)a, x->rank);
	axis = (int)(a < 0 ? a + x->rank : a);
	for (int i = 0; i < x->rank; i++)
		d[i < axis ? 0 : 1] *= x->dims[i];
	return cc_set_out(g, n, 0, x->dtype, 2, d);
}

static int axes_of(struct cc_graph *g, struct cc_node *n, int64_t *ax, bool *given)
{
	int na;
	if (n->ver >= 13) {
		if (cc_attr_find(n, "axes"))
			return NERR(g, n, EINVAL, "attribute 'axes' is an input since opset 13");
		na = cc_const_ints(g, n, 1, ax, MAXV, false);
		if (na == -ENOENT) {
			*given = false;
			return 0;
		}
	} else {
		if (IN(n, 1))
			return NERR(g, n, EINVAL, "axes input needs opset 13");
		na = cc_attr_ints(n, "axes", ax, MAXV);
		if (na < 0) {
			*given = false;
			return 0;
		}
		if (na > MAXV)
			return NERR(g, n, EINVAL, "too many axes");
	}
	*given = na >= 0;
	return na;
}

int infer_squeeze(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t ax[MAXV], d[CC_MAX_RANK];
	bool given;
	int na = axes_of(g, n, ax, &given), r = 0;
	unsigned mask = 0;

	if (na < 0)
		return na;
	if (!given) {
		for (int i = 0; i < x->rank; i++)
			if (x->dims[i] == 1)
				mask |= 1u << i;
	}
	for (int i = 0; i < na; i++) {
		int a;
		if (cc_axis(g, n, ax[i], x->rank, false, &a))
			return -g->err_code;
		if (x->dims[a] != 1)
			return NERR(g, n, EINVAL, "cannot squeeze dimension %d of size %lld", a,
				    (long long)x->dims[a]);
		mask |= 1u << a;
	}
	for (int i = 0; i < x->rank; i++)
		if (!(mask & (1u << i)))
			d[r++] = x->dims[i];
	return cc_set_out(g, n, 0, x->dtype, r, d);
}

int infer_unsqueeze(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t ax[MAXV], d[CC_MAX_RANK];
	bool given;
	int na = axes_of(g, n, ax, &given);
	unsigned mask = 0;
	int r;

	if (na < 0)
		return na;
	if (!given)
		return NERR(g, n, EINVAL, "axes are required");
	r = x->rank + na;
	if (r > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "rank %d exceeds %d", r, CC_MAX_RANK);
	for (int i = 0; i < na; i++) {
		int a;
		if (cc_axis(g, n, ax[i], r, false, &a))
			return -g->err_code;
		if (mask & (1u << a))
			return NERR(g, n, EINVAL, "axis %d repeated", a);
		mask |= 1u << a;
	}
	for (int i = 0, j = 0; i < r; i++)
		d[i] = (mask & (1u << i)) ? 1 : x->dims[j++];
	return cc_set_out(g, n, 0, x->dtype, r, d);
}

/* ---- Transpose ---------------------------------------------------------------------------------------- */
static int perm_of(struct cc_graph *g, const struct cc_node *n, int rank, int *perm)
{
	int64_t p[MAXV];
	int np = cc_attr_ints(n, "perm", p, MAXV);
	unsigned seen = 0;

	if (np < 0) {
		for (int i = 0; i < rank; i++)
			perm[i] = rank - 1 - i;
		return 0;
	}
	if (np != rank)
		return NERR(g, n, EINVAL, "attribute 'perm' has %d values for rank %d", np, rank);
	for (int i = 0; i < rank; i++) {
		if (p[i] < 0 || p[i] >= rank || (seen & (1u << p[i])))
			return NERR(g, n, EINVAL, "attribute 'perm' is not a permutation");
		seen |= 1u << p[i];
		perm[i] = (int)p[i];
	}
	return 0;
}

int infer_transpose(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int perm[CC_MAX_RANK];
	int64_t d[CC_MAX_RANK];

	if (perm_of(g, n, x->rank, perm))
		return -g->err_code;
	for (int i = 0; i < x->rank; i++)
		d[i] = x->dims[perm[i]];
	return cc_set_out(g, n, 0, x->dtype, x->rank, d);
}

int ref_transpose(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		  struct cc_view *out)
{
	int perm[CC_MAX_RANK];
	int64_t ist[CC_MAX_RANK];
	uint64_t ne = cc_view_elems(&out[0]);
	size_t es = cc_dtype_size(in[0].dtype);
	int r = in[0].rank;

	if (perm_of(g, n, r, perm))
		return -g->err_code;
	cc_strides(r, in[0].dims, ist);
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t rem = i, src = 0;
		for (int k = r - 1; k >= 0; k--) {
			uint64_t d = (uint64_t)out[0].dims[k];
			src += (rem % d) * (uint64_t)ist[perm[k]];
			rem /= d;
		}
		memcpy((char *)out[0].data + i * es, (const char *)in[0].data + src * es, es);
	}
	return 0;
}

/* ---- Concat / Split --------------------------------------------------------------------------------------- */
int infer_concat(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int axis;
	int64_t d[CC_MAX_RANK];

	if (!cc_attr_find(n, "axis") && n->ver >= 4)
		return NERR(g, n, EINVAL, "attribute 'axis' is required");
	if (x->rank == 0)
		return NERR(g, n, EINVAL, "cannot concatenate scalars");
	if (cc_axis(g, n, cc_attr_i(n, "axis", 1), x->rank, false, &axis))
		return -g->err_code;
	memcpy(d, x->dims, sizeof(d));
	d[axis] = 0;
	for (int i = 0; i < n->nin; i++) {
		const struct cc_tensor *t = IN(n, i);
		if (!t)
			return NERR(g, n, EINVAL, "input %d missing", i);
		if (t->rank != x->rank || t->dtype != x->dtype)
			return NERR(g, n, EINVAL, "input %d differs in rank or type", i);
		for (int k = 0; k < x->rank; k++)
			if (k != axis && t->dims[k] != x->dims[k])
				return NERR(g, n, EINVAL, "input %d differs in dimension %d", i, k);
		d[axis] += t->dims[axis];
	}
	return cc_set_out(g, n, 0, x->dtype, x->rank, d);
}

/* outer x (len_i) x inner copy */
static void outer_inner(const struct cc_view *v, int axis, uint64_t *outer, uint64_t *inner)
{
	*outer = 1;
	*inner = 1;
	for (int i = 0; i < axis; i++)
		*outer *= (uint64_t)v->dims[i];
	for (int i = axis + 1; i < v->rank; i++)
		*inner *= (uint64_t)v->dims[i];
}

int ref_concat(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	int axis;
	uint64_t outer, inner, pos = 0;
	size_t es = cc_dtype_size(out[0].dtype);

	if (cc_axis(g, n, cc_attr_i(n, "axis", 1), out[0].rank, false, &axis))
		return -g->err_code;
	outer_inner(&out[0], axis, &outer, &inner);
	uint64_t olen = (uint64_t)out[0].dims[axis];
	for (int i = 0; i < n->nin; i++) {
		uint64_t len = (uint64_t)in[i].dims[axis];
		for (uint64_t o = 0; o < outer; o++)
			memcpy((char *)out[0].data + ((o * olen + pos) * inner) * es,
			       (const char *)in[i].data + (o * len * inner) * es, len * inner * es);
		pos += len;
	}
	return 0;
}

static int split_sizes(struct cc_graph *g, struct cc_node *n, int64_t *sz, int *axis)
{
	const struct cc_tensor *x = IN(n, 0);
	int ns;

	if (cc_axis(g, n, cc_attr_i(n, "axis", 0), x->rank, false, axis))
		return -g->err_code;
	if (n->ver >= 13) {
		if (cc_attr_find(n, "split"))
			return NERR(g, n, EINVAL, "attribute 'split' is an input since opset 13");
		ns = IN(n, 1) ? cc_const_ints(g, n, 1, sz, CC_MAX_IO, false) : -1;
		if (ns < -1)
			return ns;
	} else {
		if (IN(n, 1))
			return NERR(g, n, EINVAL, "split input needs opset 13");
		ns = cc_attr_ints(n, "split", sz, CC_MAX_IO);
	}
	int64_t dim = x->dims[*axis];
	if (ns < 0) {
		if (dim % n->nout)
			return NERR(g, n, EINVAL, "dimension %lld does not split evenly into %d outputs",
				    (long long)dim, n->nout);
		for (int i = 0; i < n->nout; i++)
			sz[i] = dim / n->nout;
		return 0;
	}
	if (ns != n->nout)
		return NERR(g, n, EINVAL, "split has %d sizes for %d outputs", ns, n->nout);
	int64_t tot = 0;
	for (int i = 0; i < ns; i++) {
		if (sz[i] < 0)
			return NERR(g, n, EINVAL, "negative split size");
		tot += sz[i];
	}
	if (tot != dim)
		return NERR(g, n, EINVAL, "split sizes sum to %lld, dimension is %lld", (long long)tot,
			    (long long)dim);
	return 0;
}

int infer_split(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t *sz = malloc(sizeof(int64_t) * CC_MAX_IO), d[CC_MAX_RANK];
	int axis, rc = 0;

	if (!sz)
		return cc_err(g, ENOMEM, "out of memory");
	if (split_sizes(g, n, sz, &axis)) {
		free(sz);
		return -g->err_code;
	}
	for (int i = 0; i < n->nout && !rc; i++) {
		memcpy(d, x->dims, sizeof(d));
		d[axis] = sz[i];
		rc = cc_set_out(g, n, i, x->dtype, x->rank, d);
	}
	free(sz);
	return rc;
}

int ref_split(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	int64_t *sz = malloc(sizeof(int64_t) * CC_MAX_IO);
	int axis;
	uint64_t outer, inner, pos = 0;
	size_t es = cc_dtype_size(in[0].dtype);

	if (!sz)
		return cc_err(g, ENOMEM, "out of memory");
	if (split_sizes(g, (struct cc_node *)n, sz, &axis)) {
		free(sz);
		return -g->err_code;
	}
	outer_inner(&in[0], axis, &outer, &inner);
	uint64_t ilen = (uint64_t)in[0].dims[axis];
	for (int i = 0; i < n->nout; i++) {
		uint64_t len = (uint64_t)sz[i];
		if (n->out[i])
			for (uint64_t o = 0; o < outer; o++)
				memcpy((char *)out[i].data + (o * len * inner) * es,
				       (const char *)in[0].data + ((o * ilen + pos) * inner) * es,
				       len * inner * es);
		pos += len;
	}
	free(sz);
	return 0;
}

/* ---- Slice --------------------------------------------------------------------------------------------------- */
static int64_t clampi(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int cc_slice_params(struct cc_graph *g, struct cc_node *n, int rank, const int64_t *dims,
		    int64_t *start, int64_t *step, int64_t *count)
{
	int64_t st[MAXV], en[MAXV], ax[MAXV], sp[MAXV];
	int ns, ne, na, np;
	unsigned seen = 0;

	if (n->ver < 10) {	/* attributes */
		if (n->nin > 1)
			return NERR(g, n, EINVAL, "Slice-1 takes one input");
		ns = cc_attr_ints(n, "starts", st, MAXV);
		ne = cc_attr_ints(n, "ends", en, MAXV);
		na = cc_attr_ints(n, "axes", ax, MAXV);
		if (ns < 0 || ne < 0 || ns > MAXV || ne > MAXV || na > MAXV)
			return NERR(g, n, EINVAL, "attributes 'starts' and 'ends' are required");
		if (na < 0) {
			na = ns;
			for (int i = 0; i < ns; i++)
				ax[i] = i;
		}
		np = ns;
		for (int i = 0; i < ns; i++)
			sp[i] = 1;
		goto have;
	}
	if (n->nin < 3)
		return NERR(g, n, EINVAL, "starts and ends inputs are required");
	ns = cc_const_ints(g, n, 1, st, MAXV, true);
	ne = ns < 0 ? ns : cc_const_ints(g, n, 2, en, MAXV, true);
	if (ns < 0 || ne < 0)
		return -g->err_code;
	if (ns != ne)
		return NERR(g, n, EINVAL, "starts and ends differ in length");
	na = cc_const_ints(g, n, 3, ax, MAXV, false);
	if (na == -ENOENT) {
		na = ns;
		for (int i = 0; i < ns; i++)
			ax[i] = i;
	} else if (na < 0) {
		return na;
	}
	np = cc_const_ints(g, n, 4, sp, MAXV, false);
	if (np == -ENOENT) {
		np = ns;
		for (int i = 0; i < ns; i++)
			sp[i] = 1;
	} else if (np < 0) {
		return np;
	}
have:
	if (ns != ne)
		return NERR(g, n, EINVAL, "starts and ends differ in length");
	if (na != ns || np != ns)
		return NERR(g, n, EINVAL, "starts, ends, axes and steps differ in length");
	for (int i = 0; i < rank; i++) {
		start[i] = 0;
		step[i] = 1;
		count[i] = dims[i];
	}
	for (int i = 0; i < ns; i++) {
		int a;
		if (cc_axis(g, n, ax[i], rank, false, &a))
			return -g->err_code;
		if (seen & (1u << a))
			return NERR(g, n, EINVAL, "axis %d repeated", a);
		seen |= 1u << a;
		int64_t d = dims[a], s = st[i], e = en[i], p = sp[i];
		if (p == 0)
			return NERR(g, n, EINVAL, "step 0");
		if (s < 0)
			s = s < -CC_MAX_DIM ? -CC_MAX_DIM - 1 : s + d;
		if (e < 0)
			e = e < -CC_MAX_DIM ? -CC_MAX_DIM - 1 : e + d;
		if (p > 0) {
			s = clampi(s, 0, d);
			e = clampi(e, 0, d);
			count[a] = e > s ? (e - s + p - 1) / p : 0;
		} else {
			s = clampi(s, 0, d - 1);
			e = clampi(e, -1, d - 1);
			count[a] = s > e ? (s - e + (-p) - 1) / (-p) : 0;
		}
		if (p < -CC_MAX_DIM || p > CC_MAX_DIM)
			p = p < 0 ? -CC_MAX_DIM : CC_MAX_DIM;
		start[a] = s;
		step[a] = p;
	}
	return 0;
}

int infer_slice(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t s[CC_MAX_RANK], p[CC_MAX_RANK], c[CC_MAX_RANK];
	if (cc_slice_params(g, n, x->rank, x->dims, s, p, c))
		return -g->err_code;
	return cc_set_out(g, n, 0, x->dtype, x->rank, c);
}

int ref_slice(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	int64_t s[CC_MAX_RANK], p[CC_MAX_RANK], c[CC_MAX_RANK], ist[CC_MAX_RANK];
	int r = in[0].rank;
	size_t es = cc_dtype_size(in[0].dtype);
	uint64_t ne = cc_view_elems(&out[0]);

	if (cc_slice_params(g, (struct cc_node *)n, r, in[0].dims, s, p, c))
		return -g->err_code;
	cc_strides(r, in[0].dims, ist);
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t rem = i;
		int64_t src = 0;
		for (int k = r - 1; k >= 0; k--) {
			int64_t x = (int64_t)(rem % (uint64_t)c[k]);
			rem /= (uint64_t)c[k];
			src += (s[k] + x * p[k]) * ist[k];
		}
		memcpy((char *)out[0].data + i * es, (const char *)in[0].data + (uint64_t)src * es, es);
	}
	return 0;
}

/* ---- Gather / GatherElements ------------------------------------------------------------------------------------- */
int infer_gather(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0), *idx = IN(n, 1);
	int axis, r = 0;
	int64_t d[CC_MAX_RANK * 2];

	if (idx->dtype != SINAN_TYPE_INT64 && idx->dtype != SINAN_TYPE_INT32)
		return NERR(g, n, EINVAL, "indices must be int32/int64");
	if (cc_axis(g, n, cc_attr_i(n, "axis", 0), x->rank, false, &axis))
		return -g->err_code;
	for (int i = 0; i < axis; i++)
		d[r++] = x->dims[i];
	for (int i = 0; i < idx->rank; i++)
		d[r++] = idx->dims[i];
	for (int i = axis + 1; i < x->rank; i++)
		d[r++] = x->dims[i];
	if (r > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "output rank %d exceeds %d", r, CC_MAX_RANK);
	if (idx->data) {	/* constant indices: check them now */
		uint64_t ni = cc_tensor_elems(idx);
		for (uint64_t i = 0; i < ni; i++) {
			int64_t v = cc_ldi(idx->dtype, idx->data, i);
			if (v < -x->dims[axis] || v >= x->dims[axis])
				return NERR(g, n, EINVAL, "index %lld out of range [-%lld, %lld)", (long long)v,
					    (long long)x->dims[axis], (long long)x->dims[axis]);
		}
	}
	return cc_set_out(g, n, 0, x->dtype, r, d);
}

int ref_gather(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	int axis;
	uint64_t outer, inner, ni = cc_view_elems(&in[1]);
	size_t es = cc_dtype_size(in[0].dtype);

	if (cc_axis(g, n, cc_attr_i(n, "axis", 0), in[0].rank, false, &axis))
		return -g->err_code;
	outer_inner(&in[0], axis, &outer, &inner);
	int64_t len = in[0].dims[axis];
	for (uint64_t o = 0; o < outer; o++)
		for (uint64_t j = 0; j < ni; j++) {
			int64_t v = cc_ldi(in[1].dtype, in[1].data, j);
			if (v < 0)
				v += len;
			if (v < 0 || v >= len)
				return NERR(g, n, EINVAL, "index %lld out of range", (long long)v);
			memcpy((char *)out[0].data + ((o * ni + j) * inner) * es,
			       (const char *)in[0].data + ((o * (uint64_t)len + (uint64_t)v) * inner) * es,
			       inner * es);
		}
	return 0;
}

int infer_gather_el(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0), *idx = IN(n, 1);
	int axis;

	if (idx->dtype != SINAN_TYPE_INT64 && idx->dtype != SINAN_TYPE_INT32)
		return NERR(g, n, EINVAL, "indices must be int32/int64");
	if (idx->rank != x->rank)
		return NERR(g, n, EINVAL, "indices rank differs from data rank");
	if (cc_axis(g, n, cc_attr_i(n, "axis", 0), x->rank, false, &axis))
		return -g->err_code;
	for (int i = 0; i < x->rank; i++)
		if (i != axis && idx->dims[i] > x->dims[i])
			return NERR(g, n, EINVAL, "indices dimension %d exceeds the data's", i);
	return cc_set_out(g, n, 0, x->dtype, idx->rank, idx->dims);
}

int ref_gather_el(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		  struct cc_view *out)
{
	int axis, r = in[0].rank;
	int64_t xst[CC_MAX_RANK];
	uint64_t ne = cc_view_elems(&out[0]);
	size_t es = cc_dtype_size(in[0].dtype);

	if (cc_axis(g, n, cc_attr_i(n, "axis", 0), r, false, &axis))
		return -g->err_code;
	cc_strides(r, in[0].dims, xst);
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t rem = i;
		int64_t src = 0;
		for (int k = r - 1; k >= 0; k--) {
			int64_t x = (int64_t)(rem % (uint64_t)out[0].dims[k]);
			rem /= (uint64_t)out[0].dims[k];
			if (k == axis) {
				x = cc_ldi(in[1].dtype, in[1].data, i);
				if (x < 0)
					x += in[0].dims[k];
				if (x < 0 || x >= in[0].dims[k])
					return NERR(g, n, EINVAL, "index out of range");
			}
			src += x * xst[k];
		}
		memcpy((char *)out[0].data + i * es, (const char *)in[0].data + (uint64_t)src * es, es);
	}
	return 0;
}

/* ---- Pad -------------------------------------------------------------------------------------------------- */
int check_pad(struct cc_graph *g, struct cc_node *n)
{
	const char *m = cc_attr_s(n, "mode", "constant");
	if (strcmp(m, "constant") && strcmp(m, "reflect") && strcmp(m, "edge"))
		return NERR(g, n, ENOTSUP, "attribute 'mode' value '%s' is not supported", m);
	return 0;
}

int cc_pad_params(struct cc_graph *g, struct cc_node *n, int rank, int64_t *pb, int64_t *pe)
{
	int64_t p[2 * CC_MAX_RANK + 1];
	int np;

	if (n->ver < 11) {
		if (n->nin > 1)
			return NERR(g, n, EINVAL, "Pad-2 takes one input");
		np = cc_attr_ints(n, "pads", p, 2 * CC_MAX_RANK + 1);
		if (np < 0)
			return NERR(g, n, EINVAL, "attribute 'pads' is required");
	} else {
		if (n->nin < 2)
			return NERR(g, n, EINVAL, "input 'pads' is required");
		np = cc_const_ints(g, n, 1, p, 2 * CC_MAX_RANK, true);
	}
	if (np < 0)
		return np;
	if (np != 2 * rank)
		return NERR(g, n, EINVAL, "pads has %d values for rank %d", np, rank);
	for (int i = 0; i < rank; i++) {
		pb[i] = p[i];
		pe[i] = p[rank + i];
		if (pb[i] > CC_MAX_DIM || pe[i] > CC_MAX_DIM || pb[i] < -CC_MAX_DIM || pe[i] < -CC_MAX_DIM)
			return NERR(g, n, EINVAL, "pad out of range");
	}
	return 0;
}

int infer_pad(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0), *cv = IN(n, 2);
	int64_t pb[CC_MAX_RANK], pe[CC_MAX_RANK], d[CC_MAX_RANK];
	const char *m = cc_attr_s(n, "mode", "constant");

	if (cc_pad_params(g, n, x->rank, pb, pe))
		return -g->err_code;
	if (cv && (cv->dtype != x->dtype || cc_tensor_elems(cv) != 1))
		return NERR(g, n, EINVAL, "constant_value must be a scalar of the input's type");
	for (int i = 0; i < x->rank; i++) {
		d[i] = x->dims[i] + pb[i] + pe[i];
		if (d[i] < 0)
			return NERR(g, n, EINVAL, "negative output dimension");
		if (!strcmp(m, "reflect") && (pb[i] >= x->dims[i] || pe[i] >= x->dims[i]) &&
		    (pb[i] > 0 || pe[i] > 0))
			return NERR(g, n, EINVAL, "reflect pads must be smaller than the dimension");
		if (!strcmp(m, "edge") && x->dims[i] == 0 && (pb[i] > 0 || pe[i] > 0))
			return NERR(g, n, EINVAL, "edge padding of an empty dimension");
	}
	return cc_set_out(g, n, 0, x->dtype, x->rank, d);
}

int ref_pad(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	    struct cc_view *out)
{
	int64_t pb[CC_MAX_RANK], pe[CC_MAX_RANK], ist[CC_MAX_RANK];
	int r = in[0].rank;
	const char *m = cc_attr_s(n, "mode", "constant");
	int mode = !strcmp(m, "reflect") ? 1 : !strcmp(m, "edge") ? 2 : 0;
	size_t es = cc_dtype_size(in[0].dtype);
	uint64_t ne = cc_view_elems(&out[0]);
	bool hv = n->nin > 2 && n->in[2];
	double legacy_val = cc_attr_f(n, "value", 0.0f);

	if (cc_pad_params(g, (struct cc_node *)n, r, pb, pe))
		return -g->err_code;
	cc_strides(r, in[0].dims, ist);
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t rem = i;
		int64_t src = 0;
		bool pad = false;
		for (int k = r - 1; k >= 0; k--) {
			int64_t x = (int64_t)(rem % (uint64_t)out[0].dims[k]) - pb[k];
			int64_t d = in[0].dims[k];
			rem /= (uint64_t)out[0].dims[k];
			if (x < 0 || x >= d) {
				if (mode == 0) {
					pad = true;
					break;
				} else if (mode == 2) {
					x = x < 0 ? 0 : d - 1;
				} else {
					while (x < 0 || x >= d)	/* reflect without the edge */
						x = x < 0 ? -x : 2 * (d - 1) - x;
				}
			}
			src += x * ist[k];
		}
		char *dst = (char *)out[0].data + i * es;
		if (pad) {
			if (hv)
				memcpy(dst, in[2].data, es);
			else if (n->ver < 11)
				cc_st(out[0].dtype, out[0].data, i, legacy_val);
			else
				memset(dst, 0, es);
		} else {
			memcpy(dst, (const char *)in[0].data + (uint64_t)src * es, es);
		}
	}
	return 0;
}

/* ---- Expand / Tile ------------------------------------------------------------------------------------------- */
int infer_expand(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t s[MAXV], d[CC_MAX_RANK];
	int r, ns = cc_const_ints(g, n, 1, s, MAXV, true);

	if (ns < 0)
		return ns;
	if (ns > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "rank %d exceeds %d", ns, CC_MAX_RANK);
	for (int i = 0; i < ns; i++)
		if (s[i] < 0)
			return NERR(g, n, EINVAL, "negative shape value");
	if (cc_broadcast(x->rank, x->dims, ns, s, &r, d))
		return NERR(g, n, EINVAL, "shape does not broadcast with the input");
	return cc_set_out(g, n, 0, x->dtype, r, d);
}

int ref_expand(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	const struct cc_view *ops[1] = { &in[0] };
	struct cc_bcast bc;
	uint64_t ne = cc_view_elems(&out[0]), off;
	size_t es = cc_dtype_size(in[0].dtype);

	(void)g;
	(void)n;
	cc_bcast_init(&bc, out[0].rank, out[0].dims, 1, ops);
	for (uint64_t i = 0; i < ne; i++) {
		cc_bcast_offsets(&bc, i, &off);
		memcpy((char *)out[0].data + i * es, (const char *)in[0].data + off * es, es);
	}
	return 0;
}

int infer_tile(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t rep[MAXV], d[CC_MAX_RANK];
	int nr = cc_const_ints(g, n, 1, rep, MAXV, true);

	if (nr < 0)
		return nr;
	if (nr != x->rank)
		return NERR(g, n, EINVAL, "repeats has %d values for rank %d", nr, x->rank);
	for (int i = 0; i < x->rank; i++) {
		if (rep[i] < 0 || (x->dims[i] && rep[i] > CC_MAX_DIM / x->dims[i]))
			return NERR(g, n, EINVAL, "bad repeat %lld", (long long)rep[i]);
		d[i] = x->dims[i] * rep[i];
	}
	return cc_set_out(g, n, 0, x->dtype, x->rank, d);
}

int ref_tile(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	int64_t ist[CC_MAX_RANK];
	int r = in[0].rank;
	size_t es = cc_dtype_size(in[0].dtype);
	uint64_t ne = cc_view_elems(&out[0]);

	(void)g;
	(void)n;
	cc_strides(r, in[0].dims, ist);
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t rem = i, src = 0;
		for (int k = r - 1; k >= 0; k--) {
			uint64_t x = rem % (uint64_t)out[0].dims[k];
			rem /= (uint64_t)out[0].dims[k];
			src += (x % (uint64_t)in[0].dims[k]) * (uint64_t)ist[k];
		}
		memcpy((char *)out[0].data + i * es, (const char *)in[0].data + src * es, es);
	}
	return 0;
}

/* ---- Trilu -------------------------------------------------------------------------------------------------- */
int infer_trilu(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	if (x->rank < 2)
		return NERR(g, n, EINVAL, "input rank %d < 2", x->rank);
	if (IN(n, 1) && (!IN(n, 1)->data || cc_tensor_elems(IN(n, 1)) != 1))
		return NERR(g, n, ENOTSUP, "k must be a constant scalar");
	return cc_set_out(g, n, 0, x->dtype, x->rank, x->dims);
}

int ref_trilu(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	int64_t k = n->nin > 1 && n->in[1] ? cc_ldi(in[1].dtype, in[1].data, 0) : 0;
	bool upper = cc_attr_i(n, "upper", 1) != 0;
	int r = in[0].rank;
	int64_t R = in[0].dims[r - 2], C = in[0].dims[r - 1];
	uint64_t ne = cc_view_elems(&in[0]);
	size_t es = cc_dtype_size(in[0].dtype);

	(void)g;
	for (uint64_t i = 0; i < ne; i++) {
		int64_t col = (int64_t)(i % (uint64_t)C), row = (int64_t)((i / (uint64_t)C) % (uint64_t)R);
		bool keep = upper ? col - row >= k : col - row <= k;
		if (keep)
			memcpy((char *)out[0].data + i * es, (const char *)in[0].data + i * es, es);
		else
			memset((char *)out[0].data + i * es, 0, es);
	}
	return 0;
}

/* ---- DepthToSpace / SpaceToDepth ------------------------------------------------------------------------------- */
int infer_d2s(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t b = cc_attr_i(n, "blocksize", 0), d[4];
	bool d2s = !strcmp(n->op, "DepthToSpace");
	const char *mode = cc_attr_s(n, "mode", "DCR");

	if (x->rank != 4)
		return NERR(g, n, EINVAL, "input must be 4-D");
	if (b < 1 || b > 4096)
		return NERR(g, n, EINVAL, "attribute 'blocksize' %lld invalid", (long long)b);
	if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
		return NERR(g, n, EINVAL, "attribute 'mode' value '%s' invalid", mode);
	if (d2s) {
		if (x->dims[1] % (b * b))
			return NERR(g, n, EINVAL, "channels not divisible by blocksize^2");
		d[0] = x->dims[0];
		d[1] = x->dims[1] / (b * b);
		d[2] = x->dims[2] * b;
		d[3] = x->dims[3] * b;
	} else {
		if (x->dims[2] % b || x->dims[3] % b)
			return NERR(g, n, EINVAL, "spatial dims not divisible by blocksize");
		d[0] = x->dims[0];
		d[1] = x->dims[1] * b * b;
		d[2] = x->dims[2] / b;
		d[3] = x->dims[3] / b;
	}
	return cc_set_out(g, n, 0, x->dtype, 4, d);
}

int ref_d2s(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	    struct cc_view *out)
{
	int64_t b = cc_attr_i(n, "blocksize", 1);
	bool d2s = !strcmp(n->op, "DepthToSpace");
	bool crd = !strcmp(cc_attr_s(n, "mode", "DCR"), "CRD");
	size_t es = cc_dtype_size(in[0].dtype);
	/* express both as: out[n][c][h][w] = in[...] */
	const struct cc_view *big = d2s ? &out[0] : &in[0];	/* spatial-large side */
	const struct cc_view *sm = d2s ? &in[0] : &out[0];	/* channel-large side */
	int64_t N = big->dims[0], C = big->dims[1], H = big->dims[2], W = big->dims[3];
	int64_t Hs = sm->dims[2], Ws = sm->dims[3], Cs = sm->dims[1];

	(void)g;
	for (int64_t bn = 0; bn < N; bn++)
		for (int64_t c = 0; c < C; c++)
			for (int64_t h = 0; h < H; h++)
				for (int64_t w = 0; w < W; w++) {
					int64_t bh = h % b, bw = w % b;
					int64_t cs = crd ? (c * b + bh) * b + bw : (bh * b + bw) * C + c;
					uint64_t bi = (uint64_t)(((bn * C + c) * H + h) * W + w);
					uint64_t si = (uint64_t)(((bn * Cs + cs) * Hs + h / b) * Ws + w / b);
					if (d2s)
						memcpy((char *)out[0].data + bi * es, (const char *)in[0].data + si * es, es);
					else
						memcpy((char *)out[0].data + si * es, (const char *)in[0].data + bi * es, es);
				}
	return 0;
}

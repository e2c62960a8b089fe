// SPDX-License-Identifier: MIT
/*
 * Reductions, arg-max/min, softmax family and normalizations: shape
 * inference and plain-C references (double accumulation).
 */
#include "ops_int.h"

#include <math.h>
#include <stdlib.h>

int cc_reduce_axes(struct cc_graph *g, const struct cc_node *n, int rank, unsigned *mask, bool *noop)
{
	int64_t ax[CC_MAX_RANK * 2];
	int na;
	bool from_input = !strcmp(n->op, "ReduceSum") && n->ver >= 13;

	*noop = false;
	if (from_input) {
		if (cc_attr_find(n, "axes"))
			return NERR(g, n, EINVAL, "attribute 'axes' is not allowed in opset %d (axes is an "
					"input)", n->ver);
		na = cc_const_ints(g, n, 1, ax, (int)CC_ARRAY_SIZE(ax), false);
		if (na == -ENOENT)
			na = 0;
		else if (na < 0)
			return na;
	} else {
		if (n->nin > 1 && n->in[1])
			return NERR(g, n, EINVAL, "axes input needs ReduceSum opset 13");
		na = cc_attr_ints(n, "axes", ax, (int)CC_ARRAY_SIZE(ax));
		if (na < 0)
			na = 0;
		if (na > (int)CC_ARRAY_SIZE(ax))
			return NERR(g, n, EINVAL, "too many axes");
	}
	*mask = 0;
	if (na == 0) {
		if (from_input && cc_attr_i(n, "noop_with_empty_axes", 0)) {
			*noop = true;
			return 0;
		}
		*mask = rank ? (1u << rank) - 1 : 0;
		return 0;
	}
	for (int i = 0; i < na; i++) {
		int a;
		if (cc_axis(g, n, ax[i], rank, false, &a))
			return -g->err_code;
		if (*mask & (1u << a))
			return NERR(g, n, EINVAL, "axis %d repeated", a);
		*mask |= 1u << a;
	}
	return 0;
}

int infer_reduce(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	unsigned mask;
	bool noop;
	int64_t d[CC_MAX_RANK];
	int r = 0;
	bool keep = cc_attr_i(n, "keepdims", 1) != 0;

	if (x->dtype == SINAN_TYPE_BOOL)
		return NERR(g, n, EINVAL, "bool input");
	if (cc_reduce_axes(g, n, x->rank, &mask, &noop))
		return -g->err_code;
	for (int i = 0; i < x->rank; i++) {
		if (!(mask & (1u << i)))
			d[r++] = x->dims[i];
		else if (keep)
			d[r++] = 1;
	}
	return cc_set_out(g, n, 0, x->dtype, r, d);
}

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_L1, R_L2, R_SSQ, R_LOGSUM, R_LSE };

static int rop_of(const char *op)
{
	static const char *const nm[] = { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
					   "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare",
					   "ReduceLogSum", "ReduceLogSumExp" };
	for (int i = 0; i < (int)CC_ARRAY_SIZE(nm); i++)
		if (!strcmp(nm[i], op))
			return i;
	return -1;
}

/* Index helpers: split a shape into (outer, reduced, inner) by a mask. */
int ref_reduce(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	const struct cc_view *x = &in[0];
	unsigned mask;
	bool noop;
	int op = rop_of(n->op);
	int64_t st[CC_MAX_RANK];
	uint64_t ne = cc_view_elems(x), no = cc_view_elems(&out[0]);

	if (cc_reduce_axes(g, n, x->rank, &mask, &noop))
		return -g->err_code;
	if (noop) {
		memcpy(out[0].data, x->data, ne * cc_dtype_size(x->dtype));
		return 0;
	}
	/* output element index for each input element: strides of kept dims */
	int64_t ost[CC_MAX_RANK];
	{
		int64_t s = 1;
		for (int i = x->rank - 1; i >= 0; i--) {
			ost[i] = (mask & (1u << i)) ? 0 : s;
			if (!(mask & (1u << i)))
				s *= x->dims[i];
		}
	}
	cc_strides(x->rank, x->dims, st);
	double *acc = malloc(sizeof(double) * (no ? no : 1));
	double *aux = malloc(sizeof(double) * (no ? no : 1));
	if (!acc || !aux) {
		free(acc);
		free(aux);
		return cc_err(g, ENOMEM, "out of memory");
	}
	uint64_t cnt = no ? ne / no : 0;
	for (uint64_t o = 0; o < no; o++) {
		acc[o] = op == R_MAX || op == R_LSE ? -INFINITY : op == R_MIN ? INFINITY :
			 op == R_PROD ? 1 : 0;
		aux[o] = 0;
	}
	if (op == R_LSE) {	/* max first, for stability */
		for (uint64_t i = 0; i < ne; i++) {
			uint64_t o = 0, rem = i;
			for (int k = 0; k < x->rank; k++) {
				o += (rem / (uint64_t)st[k]) * (uint64_t)ost[k];
				rem %= (uint64_t)st[k];
			}
			acc[o] = fmax(acc[o], cc_ld(x->dtype, x->data, i));
		}
	}
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t o = 0, rem = i;
		for (int k = 0; k < x->rank; k++) {
			o += (rem / (uint64_t)st[k]) * (uint64_t)ost[k];
			rem %= (uint64_t)st[k];
		}
		double v = cc_ld(x->dtype, x->data, i);
		switch (op) {
		case R_SUM: case R_MEAN: case R_LOGSUM: acc[o] += v; break;
		case R_MAX: acc[o] = isnan(v) || isnan(acc[o]) ? NAN : fmax(acc[o], v); break;
		case R_MIN: acc[o] = isnan(v) || isnan(acc[o]) ? NAN : fmin(acc[o], v); break;
		case R_PROD: acc[o] *= v; break;
		case R_L1: acc[o] += fabs(v); break;
		case R_L2: case R_SSQ: acc[o] += v * v; break;
		case R_LSE: aux[o] += exp(v - acc[o]); break;
		}
	}
	for (uint64_t o = 0; o < no; o++) {
		double v = acc[o];
		switch (op) {
		case R_MEAN: v = cnt ? v / (double)cnt : NAN; break;
		case R_L2: v = sqrt(v); break;
		case R_LOGSUM: v = log(v); break;
		case R_LSE: v = isinf(acc[o]) ? acc[o] : acc[o] + log(aux[o]); break;
		}
		cc_st(out[0].dtype, out[0].data, o, v);
	}
	free(acc);
	free(aux);
	return 0;
}

/* ---- ArgMax / ArgMin ----------------------------------------------------------------------- */
int infer_argmax(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int axis, r = 0;
	int64_t d[CC_MAX_RANK];

	if (cc_axis(g, n, cc_attr_i(n, "axis", 0), x->rank, false, &axis))
		return -g->err_code;
	if (x->dims[axis] == 0)
		return NERR(g, n, EINVAL, "arg reduction over an empty axis");
	for (int i = 0; i < x->rank; i++) {
		if (i != axis)
			d[r++] = x->dims[i];
		else if (cc_attr_i(n, "keepdims", 1))
			d[r++] = 1;
	}
	return cc_set_out(g, n, 0, SINAN_TYPE_INT64, r, d);
}

int ref_argmax(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	const struct cc_view *x = &in[0];
	int axis;
	bool last = cc_attr_i(n, "select_last_index", 0) != 0;
	bool ismax = !strcmp(n->op, "ArgMax");
	uint64_t outer = 1, inner = 1, len;

	if (cc_axis(g, n, cc_attr_i(n, "axis", 0), x->rank, false, &axis))
		return -g->err_code;
	for (int i = 0; i < axis; i++)
		outer *= (uint64_t)x->dims[i];
	for (int i = axis + 1; i < x->rank; i++)
		inner *= (uint64_t)x->dims[i];
	len = (uint64_t)x->dims[axis];
	for (uint64_t o = 0; o < outer; o++)
		for (uint64_t k = 0; k < inner; k++) {
			uint64_t best = 0;
			double bv = cc_ld(x->dtype, x->data, o * len * inner + k);
			for (uint64_t j = 1; j < len; j++) {
				double v = cc_ld(x->dtype, x->data, (o * len + j) * inner + k);
				bool better = ismax ? (last ? v >= bv : v > bv) : (last ? v <= bv : v < bv);
				if (better) {
					bv = v;
					best = j;
				}
			}
			((int64_t *)out[0].data)[o * inner + k] = (int64_t)best;
		}
	return 0;
}

/* ---- Softmax / LogSoftmax / Hardmax --------------------------------------------------------- */
/* outer x len x inner decomposition of the softmax axis (opset < 13: coerced 2-D). */
static int softmax_geo(struct cc_graph *g, const struct cc_node *n, const struct cc_view *x,
		       uint64_t *outer, uint64_t *len, uint64_t *inner)
{
	int axis;
	bool v13 = n->ver >= 13;

	if (cc_axis(g, n, cc_attr_i(n, "axis", v13 ? -1 : 1), x->rank, false, &axis))
		return -g->err_code;
	*outer = 1;
	*len = 1;
	*inner = 1;
	for (int i = 0; i < x->rank; i++) {
		if (i < axis)
			*outer *= (uint64_t)x->dims[i];
		else if (i == axis || !v13)
			*len *= (uint64_t)x->dims[i];
		else
			*inner *= (uint64_t)x->dims[i];
	}
	return 0;
}

int infer_softmax(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int axis;
	if (cc_axis(g, n, cc_attr_i(n, "axis", n->ver >= 13 ? -1 : 1), x->rank, false, &axis))
		return -g->err_code;
	return cc_set_out(g, n, 0, x->dtype, x->rank, x->dims);
}

int ref_softmax(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		struct cc_view *out)
{
	uint64_t outer = 0, len = 0, inner = 0;
	const struct cc_view *x = &in[0];
	int kind = !strcmp(n->op, "Softmax") ? 0 : !strcmp(n->op, "LogSoftmax") ? 1 : 2;

	if (softmax_geo(g, n, x, &outer, &len, &inner))
		return -g->err_code;
	for (uint64_t o = 0; o < outer; o++)
		for (uint64_t k = 0; k < inner; k++) {
			uint64_t base = o * len * inner + k;
			double mx = -INFINITY, sum = 0;
			uint64_t arg = 0;
			for (uint64_t j = 0; j < len; j++) {
				double v = cc_ld(x->dtype, x->data, base + j * inner);
				if (v > mx) {
					mx = v;
					arg = j;
				}
			}
			for (uint64_t j = 0; j < len; j++)
				sum += exp(cc_ld(x->dtype, x->data, base + j * inner) - mx);
			for (uint64_t j = 0; j < len; j++) {
				double v = cc_ld(x->dtype, x->data, base + j * inner);
				double y = kind == 0 ? exp(v - mx) / sum : kind == 1 ? v - mx - log(sum) :
					   (j == arg);
				cc_st(out[0].dtype, out[0].data, base + j * inner, y);
			}
		}
	return 0;
}

/* ---- BatchNormalization ------------------------------------------------------------------------ */
int check_batchnorm(struct cc_graph *g, struct cc_node *n)
{
	if (cc_attr_i(n, "spatial", 1) != 1)
		return NERR(g, n, ENOTSUP, "attribute 'spatial'=0 is not supported");
	if (cc_attr_i(n, "training_mode", 0))
		return NERR(g, n, ENOTSUP, "attribute 'training_mode'=1 is not supported (inference only)");
	for (int i = 1; i < n->nout; i++)
		if (n->out[i])
			return NERR(g, n, ENOTSUP, "training outputs (running/saved statistics) are not "
					"supported");
	return cc_need_type(g, n, 0, cc_dtype_is_float, "a floating-point type");
}

static int chan_params(struct cc_graph *g, struct cc_node *n, int first, int last, int64_t c)
{
	for (int i = first; i <= last; i++) {
		const struct cc_tensor *t = IN(n, i);
		if (!t || t->rank != 1 || t->dims[0] != c || !cc_dtype_is_float(t->dtype))
			return NERR(g, n, EINVAL, "input %d must be a 1-D float tensor of %lld channels", i,
				    (long long)c);
	}
	return 0;
}

int infer_batchnorm(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	if (x->rank < 2)
		return NERR(g, n, EINVAL, "input rank %d < 2", x->rank);
	if (chan_params(g, n, 1, 4, x->dims[1]))
		return -g->err_code;
	return cc_set_out(g, n, 0, x->dtype, x->rank, x->dims);
}

int ref_batchnorm(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		  struct cc_view *out)
{
	const struct cc_view *x = &in[0];
	double eps = cc_attr_f(n, "epsilon", 1e-5f);
	uint64_t N = (uint64_t)x->dims[0], C = (uint64_t)x->dims[1], S = 1;

	(void)g;
	for (int i = 2; i < x->rank; i++)
		S *= (uint64_t)x->dims[i];
	for (uint64_t b = 0; b < N; b++)
		for (uint64_t c = 0; c < C; c++) {
			double sc = cc_ld(in[1].dtype, in[1].data, c), bi = cc_ld(in[2].dtype, in[2].data, c);
			double mu = cc_ld(in[3].dtype, in[3].data, c), va = cc_ld(in[4].dtype, in[4].data, c);
			double k = sc / sqrt(va + eps);
			for (uint64_t s = 0; s < S; s++) {
				uint64_t i = (b * C + c) * S + s;
				cc_st(out[0].dtype, out[0].data, i, (cc_ld(x->dtype, x->data, i) - mu) * k + bi);
			}
		}
	return 0;
}

/* ---- InstanceNormalization ---------------------------------------------------------------------- */
int infer_instnorm(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	if (x->rank < 3)
		return NERR(g, n, EINVAL, "input rank %d < 3", x->rank);
	if (!cc_dtype_is_float(x->dtype))
		return NERR(g, n, EINVAL, "input must be floating point");
	if (chan_params(g, n, 1, 2, x->dims[1]))
		return -g->err_code;
	return cc_set_out(g, n, 0, x->dtype, x->rank, x->dims);
}

int ref_instnorm(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		 struct cc_view *out)
{
	const struct cc_view *x = &in[0];
	double eps = cc_attr_f(n, "epsilon", 1e-5f);
	uint64_t N = (uint64_t)x->dims[0], C = (uint64_t)x->dims[1], S = 1;

	(void)g;
	for (int i = 2; i < x->rank; i++)
		S *= (uint64_t)x->dims[i];
	for (uint64_t b = 0; b < N; b++)
		for (uint64_t c = 0; c < C; c++) {
			uint64_t base = (b * C + c) * S;
			double mu = 0, var = 0;
			for (uint64_t s = 0; s < S; s++)
				mu += cc_ld(x->dtype, x->data, base + s);
			mu /= (double)(S ? S : 1);
			for (uint64_t s = 0; s < S; s++) {
				double d = cc_ld(x->dtype, x->data, base + s) - mu;
				var += d * d;
			}
			var /= (double)(S ? S : 1);
			double k = cc_ld(in[1].dtype, in[1].data, c) / sqrt(var + eps);
			double bi = cc_ld(in[2].dtype, in[2].data, c);
			for (uint64_t s = 0; s < S; s++)
				cc_st(out[0].dtype, out[0].data, base + s,
				      (cc_ld(x->dtype, x->data, base + s) - mu) * k + bi);
		}
	return 0;
}

/* ---- LayerNormalization --------------------------------------------------------------------------- */
int infer_layernorm(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int axis, r;
	int64_t d[CC_MAX_RANK];

	if (!cc_dtype_is_float(x->dtype))
		return NERR(g, n, EINVAL, "input must be floating point");
	if (cc_attr_i(n, "stash_type", 1) != 1)
		return NERR(g, n, ENOTSUP, "attribute 'stash_type' other than 1 (float) is not supported");
	if (cc_axis(g, n, cc_attr_i(n, "axis", -1), x->rank, false, &axis))
		return -g->err_code;
	for (int i = 1; i < 3; i++) {
		const struct cc_tensor *t = IN(n, i);
		if (!t)
			continue;
		if (cc_broadcast(x->rank, x->dims, t->rank, t->dims, &r, d) || r != x->rank ||
		    memcmp(d, x->dims, sizeof(int64_t) * (size_t)r) || t->rank > x->rank - axis)
			return NERR(g, n, EINVAL, "input %d does not broadcast to the normalized shape", i);
		if (t->dtype != x->dtype)
			return NERR(g, n, EINVAL, "input %d type differs from X", i);
	}
	if (cc_set_out(g, n, 0, x->dtype, x->rank, x->dims))
		return -g->err_code;
	for (int i = 0; i < x->rank; i++)
		d[i] = i < axis ? x->dims[i] : 1;
	if (cc_set_out(g, n, 1, SINAN_TYPE_FLOAT, x->rank, d))
		return -g->err_code;
	return cc_set_out(g, n, 2, SINAN_TYPE_FLOAT, x->rank, d);
}

int ref_layernorm(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		  struct cc_view *out)
{
	const struct cc_view *x = &in[0];
	int axis;
	uint64_t outer = 1, len = 1;
	bool hb = n->nin > 2 && n->in[2];
	double eps = cc_attr_f(n, "epsilon", 1e-5f);
	const struct cc_view *ops[3] = { x, &in[1], hb ? &in[2] : &in[1] };
	struct cc_bcast bc;
	uint64_t off[3];

	if (cc_axis(g, n, cc_attr_i(n, "axis", -1), x->rank, false, &axis))
		return -g->err_code;
	for (int i = 0; i < x->rank; i++) {
		if (i < axis)
			outer *= (uint64_t)x->dims[i];
		else
			len *= (uint64_t)x->dims[i];
	}
	cc_bcast_init(&bc, x->rank, x->dims, 3, ops);
	for (uint64_t o = 0; o < outer; o++) {
		double mu = 0, var = 0;
		for (uint64_t j = 0; j < len; j++)
			mu += cc_ld(x->dtype, x->data, o * len + j);
		mu /= (double)(len ? len : 1);
		for (uint64_t j = 0; j < len; j++) {
			double d = cc_ld(x->dtype, x->data, o * len + j) - mu;
			var += d * d;
		}
		var /= (double)(len ? len : 1);
		double inv = 1.0 / sqrt(var + eps);
		for (uint64_t j = 0; j < len; j++) {
			uint64_t i = o * len + j;
			cc_bcast_offsets(&bc, i, off);
			double y = (cc_ld(x->dtype, x->data, i) - mu) * inv * cc_ld(in[1].dtype, in[1].data, off[1]);
			if (hb)
				y += cc_ld(in[2].dtype, in[2].data, off[2]);
			cc_st(out[0].dtype, out[0].data, i, y);
		}
		if (n->nout > 1 && n->out[1])
			cc_st(out[1].dtype, out[1].data, o, mu);
		if (n->nout > 2 && n->out[2])
			cc_st(out[2].dtype, out[2].data, o, inv);
	}
	return 0;
}

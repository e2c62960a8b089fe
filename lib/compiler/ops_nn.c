// SPDX-License-Identifier: MIT
/*
 * Matrix products, convolutions and pooling: geometry, shape inference and
 * plain-C references (double accumulation; exact int64 for integer ops).
 */
#include "ops_int.h"

#include <math.h>
#include <stdlib.h>

/* ---- MatMul / MatMulInteger / QLinearMatMul ----------------------------------------------- */
enum { MM_F, MM_INT, MM_QL };

static int mm_kind(const struct cc_node *n)
{
	return !strcmp(n->op, "MatMulInteger") ? MM_INT : !strcmp(n->op, "QLinearMatMul") ? MM_QL : MM_F;
}

static bool is_q8(int dt)
{
	return dt == SINAN_TYPE_INT8 || dt == SINAN_TYPE_UINT8;
}

/* Zero point / scale operand: scalar or 1-D of @len. */
static int qvec(struct cc_graph *g, struct cc_node *n, int idx, int64_t len, bool fl, int dt)
{
	const struct cc_tensor *t = IN(n, idx);
	if (!t)
		return 0;
	uint64_t e = cc_tensor_elems(t);
	if (t->rank > 1 || (e != 1 && (int64_t)e != len))
		return NERR(g, n, EINVAL, "input %d ('%s') must be a scalar or have %lld elements", idx,
			    t->name, (long long)len);
	if (fl ? !cc_dtype_is_float(t->dtype) : (dt && t->dtype != dt))
		return NERR(g, n, EINVAL, "input %d ('%s') has type %s", idx, t->name,
			    cc_dtype_name(t->dtype));
	return 0;
}

int infer_matmul(struct cc_graph *g, struct cc_node *n)
{
	int k = mm_kind(n);
	const struct cc_tensor *a = IN(n, 0), *b = IN(n, k == MM_QL ? 3 : 1);
	int64_t da[CC_MAX_RANK + 1], db[CC_MAX_RANK + 1], d[CC_MAX_RANK + 1];
	int ra = a->rank, rb = b->rank, r;
	int odt = a->dtype;

	if (!ra || !rb)
		return NERR(g, n, EINVAL, "scalar operands");
	memcpy(da, a->dims, sizeof(int64_t) * (size_t)ra);
	memcpy(db, b->dims, sizeof(int64_t) * (size_t)rb);
	if (ra == 1) {
		da[1] = da[0];
		da[0] = 1;
		ra = 2;
	}
	if (rb == 1) {
		db[1] = 1;
		rb = 2;
	}
	if (da[ra - 1] != db[rb - 2])
		return NERR(g, n, EINVAL, "inner dimensions differ (%lld vs %lld)", (long long)da[ra - 1],
			    (long long)db[rb - 2]);
	if (cc_broadcast(ra - 2, da, rb - 2, db, &r, d))
		return NERR(g, n, EINVAL, "batch dimensions do not broadcast");
	if (r + 2 > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "rank too large");
	d[r++] = da[ra - 2];
	d[r++] = db[rb - 1];
	if (a->rank == 1) {	/* drop the prepended 1 */
		d[r - 2] = d[r - 1];
		r--;
	}
	if (b->rank == 1)
		r--;
	if (k == MM_F) {
		if (cc_same_type(g, n, 0, 1))
			return -g->err_code;
		if (a->dtype == SINAN_TYPE_BOOL)
			return NERR(g, n, EINVAL, "bool operands");
	} else {
		if (!is_q8(a->dtype) || !is_q8(b->dtype))
			return NERR(g, n, EINVAL, "operands must be int8/uint8");
		int64_t M = da[ra - 2], N = db[rb - 1];
		if (k == MM_INT) {
			odt = SINAN_TYPE_INT32;
			if (qvec(g, n, 2, M, false, a->dtype) || qvec(g, n, 3, N, false, b->dtype))
				return -g->err_code;
		} else {
			const struct cc_tensor *yz = IN(n, 7);
			if (qvec(g, n, 1, M, true, 0) || qvec(g, n, 2, M, false, a->dtype) ||
			    qvec(g, n, 4, N, true, 0) || qvec(g, n, 5, N, false, b->dtype) ||
			    qvec(g, n, 6, 1, true, 0) || qvec(g, n, 7, 1, false, 0))
				return -g->err_code;
			if (!is_q8(yz->dtype))
				return NERR(g, n, EINVAL, "y_zero_point must be int8/uint8");
			odt = yz->dtype;
		}
	}
	return cc_set_out(g, n, 0, odt, r, d);
}

/* Batched matrix product with optional zero points and requantization. */
int ref_matmul(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	int k = mm_kind(n);
	const struct cc_view *a = &in[0], *b = &in[k == MM_QL ? 3 : 1];
	int ra = a->rank, rb = b->rank;
	int64_t M = ra == 1 ? 1 : a->dims[ra - 2], K = a->dims[ra - 1];
	int64_t N = rb == 1 ? 1 : b->dims[rb - 1];
	uint64_t mn = (uint64_t)M * (uint64_t)N;
	uint64_t batches = mn ? cc_view_elems(&out[0]) / mn : 0;
	/* batch index -> operand matrix index (broadcast) */
	int rbo = out[0].rank - (ra == 1 ? 0 : 1) - (rb == 1 ? 0 : 1);
	struct cc_view ab = { .rank = CC_MAX(ra - 2, 0) }, bb = { .rank = CC_MAX(rb - 2, 0) };
	const struct cc_view *bops[2] = { &ab, &bb };
	struct cc_bcast bc;
	int64_t bd[CC_MAX_RANK];
	bool hz = false;

	(void)g;
	for (int i = 0; i < ab.rank; i++)
		ab.dims[i] = a->dims[i];
	for (int i = 0; i < bb.rank; i++)
		bb.dims[i] = b->dims[i];
	for (int i = 0; i < rbo; i++)
		bd[i] = out[0].dims[i];
	cc_bcast_init(&bc, rbo, bd, 2, bops);
	const struct cc_view *az = NULL, *bz = NULL;
	if (k == MM_INT) {
		az = n->nin > 2 && n->in[2] ? &in[2] : NULL;
		bz = n->nin > 3 && n->in[3] ? &in[3] : NULL;
	} else if (k == MM_QL) {
		az = &in[2];
		bz = &in[5];
	}
	hz = az || bz;
	double *ad = NULL, *bdd = NULL, *cd = NULL;
	if (k == MM_F) {	/* the same sums, faster (NULL: out of memory, the plain loops) */
		ad = cc_view_doubles(a);
		bdd = cc_view_doubles(b);
		cd = malloc(sizeof(double) * (mn ? mn : 1));
	}
	bool fast = ad && bdd && cd;
	for (uint64_t bi = 0; bi < (batches ? batches : 0); bi++) {
		uint64_t off[2];
		cc_bcast_offsets(&bc, bi, off);
		uint64_t ao = off[0] * (uint64_t)(M * K), bo = off[1] * (uint64_t)(K * N);
		if (fast) {
			cc_ref_gemm(ad + ao, bdd + bo, cd, M, N, K, false, false);
			for (uint64_t j = 0; j < mn; j++)
				cc_st(out[0].dtype, out[0].data, bi * mn + j, cd[j]);
			continue;
		}
		for (int64_t i = 0; i < M; i++)
			for (int64_t j = 0; j < N; j++) {
				double acc = 0;
				double za = az ? (double)cc_ldi(az->dtype, az->data,
								cc_view_elems(az) > 1 ? (uint64_t)i : 0) : 0;
				double zb = bz ? (double)cc_ldi(bz->dtype, bz->data,
								cc_view_elems(bz) > 1 ? (uint64_t)j : 0) : 0;
				for (int64_t x = 0; x < K; x++) {
					double va = cc_ld(a->dtype, a->data, ao + (uint64_t)(i * K + x));
					double vb = cc_ld(b->dtype, b->data, bo + (uint64_t)(x * N + j));
					acc += hz ? (va - za) * (vb - zb) : va * vb;
				}
				uint64_t oi = bi * (uint64_t)(M * N) + (uint64_t)(i * N + j);
				if (k == MM_QL) {
					double sa = cc_ld(in[1].dtype, in[1].data, cc_view_elems(&in[1]) > 1 ? (uint64_t)i : 0);
					double sb = cc_ld(in[4].dtype, in[4].data, cc_view_elems(&in[4]) > 1 ? (uint64_t)j : 0);
					double sy = cc_ld(in[6].dtype, in[6].data, 0);
					double y = nearbyint(acc * sa * sb / sy) + (double)cc_ldi(in[7].dtype, in[7].data, 0);
					cc_st(out[0].dtype, out[0].data, oi, y);
				} else {
					cc_st(out[0].dtype, out[0].data, oi, acc);
				}
			}
	}
	free(ad);
	free(bdd);
	free(cd);
	return 0;
}

/* ---- Gemm --------------------------------------------------------------------------------------- */
int infer_gemm(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *a = IN(n, 0), *b = IN(n, 1), *c = IN(n, 2);
	bool ta = cc_attr_i(n, "transA", 0), tb = cc_attr_i(n, "transB", 0);
	int64_t d[2], e[CC_MAX_RANK];
	int r;

	if (a->rank != 2 || b->rank != 2)
		return NERR(g, n, EINVAL, "A and B must be 2-D");
	if (cc_same_type(g, n, 0, 1) || cc_same_type(g, n, 0, 2))
		return -g->err_code;
	if (a->dtype == SINAN_TYPE_BOOL || cc_dtype_size(a->dtype) < 4)
		if (!cc_dtype_is_float(a->dtype))
			return NERR(g, n, EINVAL, "Gemm of %s", cc_dtype_name(a->dtype));
	int64_t M = a->dims[ta ? 1 : 0], K = a->dims[ta ? 0 : 1];
	int64_t K2 = b->dims[tb ? 1 : 0], N = b->dims[tb ? 0 : 1];
	if (K != K2)
		return NERR(g, n, EINVAL, "inner dimensions differ (%lld vs %lld)", (long long)K, (long long)K2);
	d[0] = M;
	d[1] = N;
	if (!c && n->ver < 11)
		return NERR(g, n, EINVAL, "input C is required before opset 11");
	if (c && (cc_broadcast(2, d, c->rank, c->dims, &r, e) || r != 2 || e[0] != M || e[1] != N))
		return NERR(g, n, EINVAL, "C does not broadcast to [%lld, %lld]", (long long)M, (long long)N);
	return cc_set_out(g, n, 0, a->dtype, 2, d);
}

int ref_gemm(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	bool ta = cc_attr_i(n, "transA", 0), tb = cc_attr_i(n, "transB", 0);
	double alpha = cc_attr_f(n, "alpha", 1.0f), beta = cc_attr_f(n, "beta", 1.0f);
	const struct cc_view *a = &in[0], *b = &in[1];
	int64_t M = out[0].dims[0], N = out[0].dims[1], K = a->dims[ta ? 0 : 1];
	bool hc = n->nin > 2 && n->in[2];
	struct cc_bcast bc;
	const struct cc_view *cops[1] = { hc ? &in[2] : NULL };

	(void)g;
	if (hc)
		cc_bcast_init(&bc, 2, out[0].dims, 1, cops);
	for (int64_t i = 0; i < M; i++)
		for (int64_t j = 0; j < N; j++) {
			double acc = 0;
			for (int64_t x = 0; x < K; x++)
				acc += cc_ld(a->dtype, a->data, (uint64_t)(ta ? x * M + i : i * K + x)) *
				       cc_ld(b->dtype, b->data, (uint64_t)(tb ? j * K + x : x * N + j));
			acc *= alpha;
			if (hc) {
				uint64_t off;
				cc_bcast_offsets(&bc, (uint64_t)(i * N + j), &off);
				acc += beta * cc_ld(in[2].dtype, in[2].data, off);
			}
			cc_st(out[0].dtype, out[0].data, (uint64_t)(i * N + j), acc);
		}
	return 0;
}

/* ---- convolution geometry ------------------------------------------------------------------------ */
enum { CV_F, CV_INT, CV_QL };

static int conv_kind(const struct cc_node *n)
{
	return !strcmp(n->op, "ConvInteger") ? CV_INT : !strcmp(n->op, "QLinearConv") ? CV_QL : CV_F;
}

static int get_ints(struct cc_graph *g, struct cc_node *n, const char *name, int64_t *v, int want,
		    int64_t def, int64_t minv)
{
	int64_t tmp[16];
	int c = cc_attr_ints(n, name, tmp, 16);
	if (c < 0) {
		for (int i = 0; i < want; i++)
			v[i] = def;
		return 0;
	}
	if (c != want)
		return NERR(g, n, EINVAL, "attribute '%s' has %d values, expected %d", name, c, want);
	for (int i = 0; i < want; i++) {
		if (tmp[i] < minv || tmp[i] > (1 << 20))
			return NERR(g, n, EINVAL, "attribute '%s' value %lld out of range", name,
				    (long long)tmp[i]);
		v[i] = tmp[i];
	}
	return 0;
}

static int auto_pad_of(struct cc_graph *g, struct cc_node *n, int *ap)
{
	const char *s = cc_attr_s(n, "auto_pad", "NOTSET");
	if (!strcmp(s, "NOTSET")) *ap = 0;
	else if (!strcmp(s, "VALID")) *ap = 1;
	else if (!strcmp(s, "SAME_UPPER")) *ap = 2;
	else if (!strcmp(s, "SAME_LOWER")) *ap = 3;
	else
		return NERR(g, n, EINVAL, "attribute 'auto_pad' value '%s' is invalid", s);
	return 0;
}

/* Pads from auto_pad for forward conv/pool; out = ceil(in / s) for SAME. */
static void same_pads(int ap, int64_t in, int64_t k, int64_t s, int64_t d, int64_t *pb, int64_t *pe)
{
	int64_t out = (in + s - 1) / s;
	int64_t tot = (out - 1) * s + (k - 1) * d + 1 - in;
	if (tot < 0)
		tot = 0;
	if (ap == 2) {
		*pb = tot / 2;
		*pe = tot - *pb;
	} else {
		*pe = tot / 2;
		*pb = tot - *pe;
	}
}

int cc_conv_geo(struct cc_graph *g, struct cc_node *n, bool transpose, struct cc_convgeo *cg)
{
	int kind = conv_kind(n);
	const struct cc_tensor *x = IN(n, 0), *w = IN(n, kind == CV_QL ? 3 : 1);
	int ap, nsp = x->rank - 2;
	int64_t pads[6];

	memset(cg, 0, sizeof(*cg));
	if (x->rank < 3 || x->rank > 5)
		return NERR(g, n, ENOTSUP, "input rank %d (1-D to 3-D convolutions are supported)", x->rank);
	if (w->rank != x->rank)
		return NERR(g, n, EINVAL, "weight rank %d differs from input rank %d", w->rank, x->rank);
	cg->nsp = nsp;
	cg->n = x->dims[0];
	cg->c = x->dims[1];
	cg->group = cc_attr_i(n, "group", 1);
	if (cg->group < 1 || cg->c % cg->group)
		return NERR(g, n, EINVAL, "attribute 'group' %lld does not divide %lld channels",
			    (long long)cg->group, (long long)cg->c);
	if (transpose) {
		if (w->dims[0] != cg->c)
			return NERR(g, n, EINVAL, "weight has %lld input channels, X has %lld",
				    (long long)w->dims[0], (long long)cg->c);
		cg->m = w->dims[1] * cg->group;
	} else {
		cg->m = w->dims[0];
		if (w->dims[1] * cg->group != cg->c)
			return NERR(g, n, EINVAL, "weight has %lld channels per group, X has %lld channels in "
					"%lld groups", (long long)w->dims[1], (long long)cg->c,
				    (long long)cg->group);
		if (cg->m % cg->group)
			return NERR(g, n, EINVAL, "%lld output channels not divisible by group %lld",
				    (long long)cg->m, (long long)cg->group);
	}
	if (get_ints(g, n, "kernel_shape", cg->k, nsp, -1, 1) ||
	    get_ints(g, n, "strides", cg->s, nsp, 1, 1) ||
	    get_ints(g, n, "dilations", cg->d, nsp, 1, 1) ||
	    get_ints(g, n, "pads", pads, 2 * nsp, 0, 0) || auto_pad_of(g, n, &ap))
		return -g->err_code;
	for (int i = 0; i < nsp; i++) {
		if (cg->k[i] < 0)
			cg->k[i] = w->dims[2 + i];
		else if (cg->k[i] != w->dims[2 + i])
			return NERR(g, n, EINVAL, "attribute 'kernel_shape' differs from the weight's shape");
		cg->in[i] = x->dims[2 + i];
		cg->pb[i] = pads[i];
		cg->pe[i] = pads[nsp + i];
	}
	if (transpose) {
		int64_t os[3], opad[3];
		int no;
		int64_t tmp[8];
		if (get_ints(g, n, "output_padding", opad, nsp, 0, 0))
			return -g->err_code;
		no = cc_attr_ints(n, "output_shape", tmp, 8);
		if (no >= 0) {
			if (no != nsp && no != nsp + 2)
				return NERR(g, n, EINVAL, "attribute 'output_shape' has %d values", no);
			for (int i = 0; i < nsp; i++)
				os[i] = tmp[no - nsp + i];
		}
		for (int i = 0; i < nsp; i++) {
			int64_t full = cg->s[i] * (cg->in[i] - 1) + opad[i] + (cg->k[i] - 1) * cg->d[i] + 1;
			cg->opad[i] = opad[i];
			if (opad[i] >= cg->s[i] && opad[i] >= cg->d[i])
				return NERR(g, n, EINVAL, "output_padding must be smaller than stride or dilation");
			if (no >= 0 || ap >= 2) {
				int64_t want = no >= 0 ? os[i] : cg->in[i] * cg->s[i];
				int64_t tot = full - want;
				if (tot < 0)
					return NERR(g, n, ENOTSUP, "output_shape larger than the full output "
							"(negative padding) is not supported");
				if (ap == 2) {
					cg->pb[i] = tot / 2;
					cg->pe[i] = tot - tot / 2;
				} else {
					cg->pb[i] = tot - tot / 2;
					cg->pe[i] = tot / 2;
				}
			} else if (ap == 1) {
				cg->pb[i] = cg->pe[i] = 0;
			}
			cg->out[i] = full - cg->pb[i] - cg->pe[i];
			if (cg->out[i] < 1)
				return NERR(g, n, EINVAL, "output dimension %d would be %lld", i,
					    (long long)cg->out[i]);
		}
		return 0;
	}
	for (int i = 0; i < nsp; i++) {
		int64_t ek = (cg->k[i] - 1) * cg->d[i] + 1;
		if (ap == 1) {
			cg->pb[i] = cg->pe[i] = 0;
		} else if (ap >= 2) {
			same_pads(ap, cg->in[i], cg->k[i], cg->s[i], cg->d[i], &cg->pb[i], &cg->pe[i]);
		}
		int64_t span = cg->in[i] + cg->pb[i] + cg->pe[i] - ek;
		if (span < 0)
			return NERR(g, n, EINVAL, "kernel larger than the padded input in dimension %d", i);
		cg->out[i] = span / cg->s[i] + 1;
	}
	return 0;
}

int check_conv(struct cc_graph *g, struct cc_node *n)
{
	int kind = conv_kind(n);
	if (kind == CV_F)
		return cc_need_type(g, n, 0, cc_dtype_is_float, "a floating-point type");
	return 0;
}

int infer_conv(struct cc_graph *g, struct cc_node *n)
{
	struct cc_convgeo cg;
	int kind = conv_kind(n);
	int64_t d[CC_MAX_RANK];
	int odt = IN(n, 0)->dtype;

	if (cc_conv_geo(g, n, false, &cg))
		return -g->err_code;
	if (kind == CV_F) {
		if (cc_same_type(g, n, 0, 1) || cc_same_type(g, n, 0, 2))
			return -g->err_code;
		if (IN(n, 2) && (IN(n, 2)->rank != 1 || IN(n, 2)->dims[0] != cg.m))
			return NERR(g, n, EINVAL, "bias must be 1-D of %lld", (long long)cg.m);
	} else {
		int wi = kind == CV_QL ? 3 : 1;
		if (!is_q8(IN(n, 0)->dtype) || !is_q8(IN(n, wi)->dtype))
			return NERR(g, n, EINVAL, "operands must be int8/uint8");
		if (kind == CV_INT) {
			odt = SINAN_TYPE_INT32;
			if (qvec(g, n, 2, 1, false, IN(n, 0)->dtype) ||
			    qvec(g, n, 3, cg.m, false, IN(n, 1)->dtype))
				return -g->err_code;
		} else {
			if (qvec(g, n, 1, 1, true, 0) || qvec(g, n, 2, 1, false, IN(n, 0)->dtype) ||
			    qvec(g, n, 4, cg.m, true, 0) || qvec(g, n, 5, cg.m, false, IN(n, 3)->dtype) ||
			    qvec(g, n, 6, 1, true, 0) || qvec(g, n, 7, 1, false, 0))
				return -g->err_code;
			odt = IN(n, 7)->dtype;
			if (!is_q8(odt))
				return NERR(g, n, EINVAL, "y_zero_point must be int8/uint8");
			const struct cc_tensor *bias = IN(n, 8);
			if (bias && (bias->dtype != SINAN_TYPE_INT32 || bias->rank != 1 || bias->dims[0] != cg.m))
				return NERR(g, n, EINVAL, "bias must be int32 of %lld", (long long)cg.m);
		}
	}
	d[0] = cg.n;
	d[1] = cg.m;
	for (int i = 0; i < cg.nsp; i++)
		d[2 + i] = cg.out[i];
	return cc_set_out(g, n, 0, odt, cg.nsp + 2, d);
}

static double qget(const struct cc_view *v, uint64_t i)
{
	return v && v->data ? cc_ld(v->dtype, v->data, cc_view_elems(v) > 1 ? i : 0) : 0;
}

int ref_conv(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	struct cc_convgeo cg;
	int kind = conv_kind(n);
	const struct cc_view *x = &in[0], *w = &in[kind == CV_QL ? 3 : 1];
	const struct cc_view *bias = NULL, *xz = NULL, *wz = NULL;
	int64_t I[3] = { 1, 1, 1 }, O[3] = { 1, 1, 1 }, Kk[3] = { 1, 1, 1 }, S[3] = { 1, 1, 1 },
		D[3] = { 1, 1, 1 }, P[3] = { 0, 0, 0 };

	if (cc_conv_geo(g, (struct cc_node *)n, false, &cg))
		return -g->err_code;
	if (kind == CV_F && n->nin > 2 && n->in[2])
		bias = &in[2];
	if (kind == CV_INT) {
		xz = n->nin > 2 && n->in[2] ? &in[2] : NULL;
		wz = n->nin > 3 && n->in[3] ? &in[3] : NULL;
	}
	if (kind == CV_QL) {
		xz = &in[2];
		wz = &in[5];
		bias = n->nin > 8 && n->in[8] ? &in[8] : NULL;
	}
	for (int i = 0; i < cg.nsp; i++) {
		int j = 3 - cg.nsp + i;
		I[j] = cg.in[i];
		O[j] = cg.out[i];
		Kk[j] = cg.k[i];
		S[j] = cg.s[i];
		D[j] = cg.d[i];
		P[j] = cg.pb[i];
	}
	int64_t cpg = cg.c / cg.group, mpg = cg.m / cg.group;
	uint64_t isz = (uint64_t)(I[0] * I[1] * I[2]), osz = (uint64_t)(O[0] * O[1] * O[2]);
	uint64_t ksz = (uint64_t)(Kk[0] * Kk[1] * Kk[2]);
	double xzv = qget(xz, 0);
	/* sinan:ConvInteger: padding holds the value of input 2, nothing is subtracted */
	bool padv = kind == CV_INT && !strcmp(n->domain, "sinan");
	double pv = padv ? xzv : 0;
	if (padv)
		xzv = 0;
	double *xd = cc_view_doubles(x), *wd = cc_view_doubles(w);
	if (!xd || !wd) {
		free(xd);
		free(wd);
		return cc_err(g, ENOMEM, "out of memory");
	}
	for (int64_t b = 0; b < cg.n; b++)
		for (int64_t m = 0; m < cg.m; m++) {
			int64_t gr = m / mpg;
			double wzv = qget(wz, (uint64_t)m);
			for (int64_t o0 = 0; o0 < O[0]; o0++)
				for (int64_t o1 = 0; o1 < O[1]; o1++)
					for (int64_t o2 = 0; o2 < O[2]; o2++) {
						double acc = 0;
						for (int64_t c = 0; c < cpg; c++) {
							uint64_t xb = (uint64_t)(b * cg.c + gr * cpg + c) * isz;
							uint64_t wb = (uint64_t)(m * cpg + c) * ksz;
							for (int64_t k0 = 0; k0 < Kk[0]; k0++) {
								int64_t i0 = o0 * S[0] - P[0] + k0 * D[0];
								bool out0 = i0 < 0 || i0 >= I[0];
								if (out0 && !padv)
									continue;
								for (int64_t k1 = 0; k1 < Kk[1]; k1++) {
									int64_t i1 = o1 * S[1] - P[1] + k1 * D[1];
									bool out1 = out0 || i1 < 0 || i1 >= I[1];
									if (out1 && !padv)
										continue;
									for (int64_t k2 = 0; k2 < Kk[2]; k2++) {
										int64_t i2 = o2 * S[2] - P[2] + k2 * D[2];
										bool out2 = out1 || i2 < 0 || i2 >= I[2];
										if (out2 && !padv)
											continue;
										double xv = out2 ? pv : xd[xb + (uint64_t)((i0 * I[1] + i1) * I[2] + i2)];
										double wv = wd[wb + (uint64_t)((k0 * Kk[1] + k1) * Kk[2] + k2)];
										acc += (xv - xzv) * (wv - wzv);
									}
								}
							}
						}
						uint64_t oi = (uint64_t)(b * cg.m + m) * osz +
							      (uint64_t)((o0 * O[1] + o1) * O[2] + o2);
						if (bias)
							acc += cc_ld(bias->dtype, bias->data, (uint64_t)m);
						if (kind == CV_QL) {
							double sc = qget(&in[1], 0) * qget(&in[4], (uint64_t)m) / qget(&in[6], 0);
							acc = nearbyint(acc * sc) + qget(&in[7], 0);
						}
						cc_st(out[0].dtype, out[0].data, oi, acc);
					}
		}
	free(xd);
	free(wd);
	return 0;
}

/* ---- ConvTranspose ----------------------------------------------------------------------------------- */
int infer_convtr(struct cc_graph *g, struct cc_node *n)
{
	struct cc_convgeo cg;
	int64_t d[CC_MAX_RANK];

	if (cc_conv_geo(g, n, true, &cg))
		return -g->err_code;
	if (cc_same_type(g, n, 0, 1) || cc_same_type(g, n, 0, 2))
		return -g->err_code;
	if (IN(n, 2) && (IN(n, 2)->rank != 1 || IN(n, 2)->dims[0] != cg.m))
		return NERR(g, n, EINVAL, "bias must be 1-D of %lld", (long long)cg.m);
	d[0] = cg.n;
	d[1] = cg.m;
	for (int i = 0; i < cg.nsp; i++)
		d[2 + i] = cg.out[i];
	return cc_set_out(g, n, 0, IN(n, 0)->dtype, cg.nsp + 2, d);
}

int ref_convtr(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	struct cc_convgeo cg;
	const struct cc_view *x = &in[0], *w = &in[1];
	int64_t I[3] = { 1, 1, 1 }, O[3] = { 1, 1, 1 }, Kk[3] = { 1, 1, 1 }, S[3] = { 1, 1, 1 },
		D[3] = { 1, 1, 1 }, P[3] = { 0, 0, 0 };

	if (cc_conv_geo(g, (struct cc_node *)n, true, &cg))
		return -g->err_code;
	for (int i = 0; i < cg.nsp; i++) {
		int j = 3 - cg.nsp + i;
		I[j] = cg.in[i];
		O[j] = cg.out[i];
		Kk[j] = cg.k[i];
		S[j] = cg.s[i];
		D[j] = cg.d[i];
		P[j] = cg.pb[i];
	}
	int64_t cpg = cg.c / cg.group, mpg = cg.m / cg.group;
	uint64_t isz = (uint64_t)(I[0] * I[1] * I[2]), osz = (uint64_t)(O[0] * O[1] * O[2]);
	uint64_t ksz = (uint64_t)(Kk[0] * Kk[1] * Kk[2]);
	uint64_t no = cc_view_elems(&out[0]);
	double *acc = calloc(no ? no : 1, sizeof(double));
	if (!acc)
		return cc_err(g, ENOMEM, "out of memory");
	/* scatter: out[o*s - p + k*d] += x[i] * w[c][m][k] */
	for (int64_t b = 0; b < cg.n; b++)
		for (int64_t c = 0; c < cg.c; c++) {
			int64_t gr = c / cpg;
			for (int64_t mm = 0; mm < mpg; mm++) {
				int64_t m = gr * mpg + mm;
				uint64_t wb = (uint64_t)(c * mpg + mm) * ksz;
				uint64_t ob = (uint64_t)(b * cg.m + m) * osz;
				for (int64_t i0 = 0; i0 < I[0]; i0++)
					for (int64_t i1 = 0; i1 < I[1]; i1++)
						for (int64_t i2 = 0; i2 < I[2]; i2++) {
							double xv = cc_ld(x->dtype, x->data, (uint64_t)(b * cg.c + c) * isz + (uint64_t)((i0 * I[1] + i1) * I[2] + i2));
							for (int64_t k0 = 0; k0 < Kk[0]; k0++) {
								int64_t o0 = i0 * S[0] - P[0] + k0 * D[0];
								if (o0 < 0 || o0 >= O[0])
									continue;
								for (int64_t k1 = 0; k1 < Kk[1]; k1++) {
									int64_t o1 = i1 * S[1] - P[1] + k1 * D[1];
									if (o1 < 0 || o1 >= O[1])
										continue;
									for (int64_t k2 = 0; k2 < Kk[2]; k2++) {
										int64_t o2 = i2 * S[2] - P[2] + k2 * D[2];
										if (o2 < 0 || o2 >= O[2])
											continue;
										acc[ob + (uint64_t)((o0 * O[1] + o1) * O[2] + o2)] +=
											xv * cc_ld(w->dtype, w->data, wb + (uint64_t)((k0 * Kk[1] + k1) * Kk[2] + k2));
									}
								}
							}
						}
			}
		}
	for (uint64_t i = 0; i < no; i++) {
		double v = acc[i];
		if (n->nin > 2 && n->in[2])
			v += cc_ld(in[2].dtype, in[2].data, (i / osz) % (uint64_t)cg.m);
		cc_st(out[0].dtype, out[0].data, i, v);
	}
	free(acc);
	return 0;
}

/* ---- pooling ------------------------------------------------------------------------------------------ */
int cc_pool_geo(struct cc_graph *g, struct cc_node *n, struct cc_convgeo *cg)
{
	const struct cc_tensor *x = IN(n, 0);
	int nsp = x->rank - 2, ap;
	int64_t pads[6];
	bool ceil_mode = cc_attr_i(n, "ceil_mode", 0) != 0;

	memset(cg, 0, sizeof(*cg));
	if (x->rank < 3 || x->rank > 5)
		return NERR(g, n, ENOTSUP, "input rank %d (1-D to 3-D pooling is supported)", x->rank);
	cg->nsp = nsp;
	cg->n = x->dims[0];
	cg->c = cg->m = x->dims[1];
	cg->group = cg->c;
	if (!cc_attr_find(n, "kernel_shape"))
		return NERR(g, n, EINVAL, "attribute 'kernel_shape' is required");
	if (get_ints(g, n, "kernel_shape", cg->k, nsp, 1, 1) || get_ints(g, n, "strides", cg->s, nsp, 1, 1) ||
	    get_ints(g, n, "dilations", cg->d, nsp, 1, 1) || get_ints(g, n, "pads", pads, 2 * nsp, 0, 0) ||
	    auto_pad_of(g, n, &ap))
		return -g->err_code;
	for (int i = 0; i < nsp; i++) {
		cg->in[i] = x->dims[2 + i];
		cg->pb[i] = pads[i];
		cg->pe[i] = pads[nsp + i];
		int64_t ek = (cg->k[i] - 1) * cg->d[i] + 1;
		if (cg->pb[i] >= ek || cg->pe[i] >= ek)
			return NERR(g, n, EINVAL, "pads must be smaller than the kernel");
		if (ap == 1) {
			cg->pb[i] = cg->pe[i] = 0;
		} else if (ap >= 2) {
			same_pads(ap, cg->in[i], cg->k[i], cg->s[i], cg->d[i], &cg->pb[i], &cg->pe[i]);
		}
		int64_t span = cg->in[i] + cg->pb[i] + cg->pe[i] - ek;
		if (span < 0)
			return NERR(g, n, EINVAL, "kernel larger than the padded input in dimension %d", i);
		if (ap >= 2)
			cg->out[i] = (cg->in[i] + cg->s[i] - 1) / cg->s[i];
		else if (ceil_mode) {
			cg->out[i] = (span + cg->s[i] - 1) / cg->s[i] + 1;
			/* the last window must start inside the input or left padding */
			if ((cg->out[i] - 1) * cg->s[i] >= cg->in[i] + cg->pb[i])
				cg->out[i]--;
		} else {
			cg->out[i] = span / cg->s[i] + 1;
		}
	}
	return 0;
}

int check_pool(struct cc_graph *g, struct cc_node *n)
{
	if (cc_attr_i(n, "storage_order", 0) != 0)
		return NERR(g, n, ENOTSUP, "attribute 'storage_order'=1 (column-major indices) is not supported");
	if (!strcmp(n->op, "AveragePool"))
		return cc_need_type(g, n, 0, cc_dtype_is_float, "a floating-point type");
	return 0;
}

int infer_pool(struct cc_graph *g, struct cc_node *n)
{
	struct cc_convgeo cg;
	int64_t d[CC_MAX_RANK];
	const struct cc_tensor *x = IN(n, 0);

	if (cc_pool_geo(g, n, &cg))
		return -g->err_code;
	if (x->dtype == SINAN_TYPE_BOOL || (!cc_dtype_is_float(x->dtype) && !is_q8(x->dtype)))
		return NERR(g, n, EINVAL, "pooling of %s", cc_dtype_name(x->dtype));
	d[0] = cg.n;
	d[1] = cg.c;
	for (int i = 0; i < cg.nsp; i++)
		d[2 + i] = cg.out[i];
	if (cc_set_out(g, n, 0, x->dtype, x->rank, d))
		return -g->err_code;
	return cc_set_out(g, n, 1, SINAN_TYPE_INT64, x->rank, d);
}

int ref_pool(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	struct cc_convgeo cg;
	const struct cc_view *x = &in[0];
	bool avg = !strcmp(n->op, "AveragePool");
	bool incl = cc_attr_i(n, "count_include_pad", 0) != 0;
	int64_t I[3] = { 1, 1, 1 }, O[3] = { 1, 1, 1 }, Kk[3] = { 1, 1, 1 }, S[3] = { 1, 1, 1 },
		D[3] = { 1, 1, 1 }, P[3] = { 0, 0, 0 }, PE[3] = { 0, 0, 0 };

	if (cc_pool_geo(g, (struct cc_node *)n, &cg))
		return -g->err_code;
	for (int i = 0; i < cg.nsp; i++) {
		int j = 3 - cg.nsp + i;
		I[j] = cg.in[i];
		O[j] = cg.out[i];
		Kk[j] = cg.k[i];
		S[j] = cg.s[i];
		D[j] = cg.d[i];
		P[j] = cg.pb[i];
		PE[j] = cg.pe[i];
	}
	uint64_t isz = (uint64_t)(I[0] * I[1] * I[2]), osz = (uint64_t)(O[0] * O[1] * O[2]);
	for (int64_t bc = 0; bc < cg.n * cg.c; bc++)
		for (int64_t o0 = 0; o0 < O[0]; o0++)
			for (int64_t o1 = 0; o1 < O[1]; o1++)
				for (int64_t o2 = 0; o2 < O[2]; o2++) {
					double acc = avg ? 0 : -INFINITY;
					int64_t cnt = 0, arg = 0;
					for (int64_t k0 = 0; k0 < Kk[0]; k0++)
						for (int64_t k1 = 0; k1 < Kk[1]; k1++)
							for (int64_t k2 = 0; k2 < Kk[2]; k2++) {
								int64_t i0 = o0 * S[0] - P[0] + k0 * D[0];
								int64_t i1 = o1 * S[1] - P[1] + k1 * D[1];
								int64_t i2 = o2 * S[2] - P[2] + k2 * D[2];
								bool inside = i0 >= 0 && i0 < I[0] && i1 >= 0 && i1 < I[1] &&
									      i2 >= 0 && i2 < I[2];
								bool inpad = i0 < I[0] + PE[0] && i1 < I[1] + PE[1] &&
									     i2 < I[2] + PE[2];
								if (!inside) {
									if (avg && incl && inpad)
										cnt++;
									continue;
								}
								int64_t ii = (i0 * I[1] + i1) * I[2] + i2;
								double v = cc_ld(x->dtype, x->data, (uint64_t)bc * isz + (uint64_t)ii);
								cnt++;
								if (avg)
									acc += v;
								else if (v > acc) {
									acc = v;
									arg = (int64_t)((uint64_t)bc * isz) + ii;
								}
							}
					uint64_t oi = (uint64_t)bc * osz + (uint64_t)((o0 * O[1] + o1) * O[2] + o2);
					if (avg)
						acc = cnt ? acc / (double)cnt : 0;
					cc_st(out[0].dtype, out[0].data, oi, acc);
					if (n->nout > 1 && n->out[1])
						((int64_t *)out[1].data)[oi] = arg;
				}
	return 0;
}

int infer_gpool(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int64_t d[CC_MAX_RANK];

	if (x->rank < 3)
		return NERR(g, n, EINVAL, "input rank %d < 3", x->rank);
	for (int i = 0; i < x->rank; i++)
		d[i] = i < 2 ? x->dims[i] : 1;
	return cc_set_out(g, n, 0, x->dtype, x->rank, d);
}

int ref_gpool(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	const struct cc_view *x = &in[0];
	bool avg = !strcmp(n->op, "GlobalAveragePool");
	uint64_t nc = (uint64_t)(x->dims[0] * x->dims[1]), s = 1;

	(void)g;
	for (int i = 2; i < x->rank; i++)
		s *= (uint64_t)x->dims[i];
	for (uint64_t c = 0; c < nc; c++) {
		double acc = avg ? 0 : -INFINITY;
		for (uint64_t j = 0; j < s; j++) {
			double v = cc_ld(x->dtype, x->data, c * s + j);
			acc = avg ? acc + v : fmax(acc, v);
		}
		cc_st(out[0].dtype, out[0].data, c, avg ? acc / (double)(s ? s : 1) : acc);
	}
	return 0;
}

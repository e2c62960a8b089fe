// SPDX-License-Identifier: MIT
/*
 * Sinan-internal fused ops (domain "sinan"), produced by pass_fuse.c and
 * available to the builder:
 *
 *   sinan:Conv(X, W, B?, R?)   y = act(conv(X, W) + B + R)
 *   sinan:MatMul(A, B, C?, R?) y = act(alpha * (A' @ B') + beta * C + R), A'/B' optionally
 *                              transposed in their last two dims (transA/transB), batched
 *                              with numpy broadcasting; C broadcasts to y, R has y's shape
 *   sinan:Attention(Q, K, V, M?) y = softmax(scale * Q @ K^T + M) @ V (k_trans=1: K is
 *                              given as K^T)
 *
 * 'activation' names the epilogue (Relu, LeakyRelu, Sigmoid, Tanh, Clip, HardSwish, Gelu,
 * GeluTanh, ...) with its parameters in act_alpha/act_beta (Clip: min/max).
 *
 * Integer lowering (pass_qlegal.c) adds
 *   sinan:QuantizeLinear       QuantizeLinear of any numeric input (uint8 -> int8 shifts)
 *   sinan:ConvInteger(X, W, P?) int8 convolution to int32 whose padding is the value P
 *                              (no zero-point subtraction), the cube's IMG2COL form
 */
#include "ops_int.h"

#include <math.h>
#include <stdlib.h>

int check_fused(struct cc_graph *g, struct cc_node *n)
{
	const char *a = cc_attr_s(n, "activation", "");
	int code = cc_act_code(a);

	if (code != CC_ACT_NONE && !cc_act_fusable(code))
		return NERR(g, n, EINVAL, "attribute 'activation' value '%s' is not a fusable activation", a);
	return cc_need_type(g, n, 0, cc_dtype_is_float, "a floating-point type");
}

static int check_residual(struct cc_graph *g, struct cc_node *n, int idx)
{
	const struct cc_tensor *r = IN(n, idx), *y = OUT(n, 0);
	if (!r)
		return 0;
	if (r->dtype != y->dtype || r->rank != y->rank ||
	    memcmp(r->dims, y->dims, sizeof(int64_t) * (size_t)y->rank))
		return NERR(g, n, EINVAL, "residual input must have the output's type and shape");
	return 0;
}

static void epilogue(const struct cc_node *n, const struct cc_view *r, struct cc_view *y)
{
	int code = cc_act_code(cc_attr_s(n, "activation", ""));
	double al = cc_attr_f(n, "act_alpha", 0), be = cc_attr_f(n, "act_beta", 0);
	uint64_t ne = cc_view_elems(y);

	for (uint64_t i = 0; i < ne; i++) {
		double v = cc_ld(y->dtype, y->data, i);
		if (r)
			v += cc_ld(r->dtype, r->data, i);
		cc_st(y->dtype, y->data, i, cc_act_apply(code, v, al, be));
	}
}

/* ---- sinan:Conv ------------------------------------------------------------------------- */
int infer_fconv(struct cc_graph *g, struct cc_node *n)
{
	if (infer_conv(g, n))
		return -g->err_code;
	return check_residual(g, n, 3);
}

int ref_fconv(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	int rc = ref_conv(g, n, in, out);
	if (rc)
		return rc;
	epilogue(n, n->nin > 3 && n->in[3] ? &in[3] : NULL, &out[0]);
	return 0;
}

/* ---- sinan:MatMul ------------------------------------------------------------------------ */
struct fmm {
	int64_t M, N, K;
	bool ta, tb;
	int rbo;			/* batch rank of the output */
	int64_t bd[CC_MAX_RANK];	/* batch dims of the output */
};

static int fmm_geo(struct cc_graph *g, const struct cc_node *n, struct fmm *f)
{
	const struct cc_tensor *a = IN(n, 0), *b = IN(n, 1);

	if (a->rank < 2 || b->rank < 2)
		return NERR(g, n, EINVAL, "operands must be at least 2-D");
	f->ta = cc_attr_i(n, "transA", 0) != 0;
	f->tb = cc_attr_i(n, "transB", 0) != 0;
	f->M = a->dims[a->rank - (f->ta ? 1 : 2)];
	f->K = a->dims[a->rank - (f->ta ? 2 : 1)];
	int64_t k2 = b->dims[b->rank - (f->tb ? 1 : 2)];
	f->N = b->dims[b->rank - (f->tb ? 2 : 1)];
	if (f->K != k2)
		return NERR(g, n, EINVAL, "inner dimensions differ (%lld vs %lld)", (long long)f->K,
			    (long long)k2);
	if (cc_broadcast(a->rank - 2, a->dims, b->rank - 2, b->dims, &f->rbo, f->bd))
		return NERR(g, n, EINVAL, "batch dimensions do not broadcast");
	if (f->rbo + 2 > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "rank too large");
	return 0;
}

int infer_fmatmul(struct cc_graph *g, struct cc_node *n)
{
	struct fmm f;
	int64_t d[CC_MAX_RANK], e[CC_MAX_RANK];
	int r;
	const struct cc_tensor *c = IN(n, 2);

	if (fmm_geo(g, n, &f) || cc_same_type(g, n, 0, 1) || cc_same_type(g, n, 0, 2))
		return -g->err_code;
	memcpy(d, f.bd, sizeof(int64_t) * (size_t)f.rbo);
	d[f.rbo] = f.M;
	d[f.rbo + 1] = f.N;
	if (c && (cc_broadcast(f.rbo + 2, d, c->rank, c->dims, &r, e) || r != f.rbo + 2 ||
		  memcmp(d, e, sizeof(int64_t) * (size_t)r)))
		return NERR(g, n, EINVAL, "C does not broadcast to the output");
	if (cc_set_out(g, n, 0, IN(n, 0)->dtype, f.rbo + 2, d))
		return -g->err_code;
	return check_residual(g, n, 3);
}

int ref_fmatmul(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		struct cc_view *out)
{
	struct fmm f;
	const struct cc_view *a = &in[0], *b = &in[1];
	double alpha = cc_attr_f(n, "alpha", 1.0f), beta = cc_attr_f(n, "beta", 1.0f);
	bool hc = n->nin > 2 && n->in[2];
	struct cc_view ab = { .rank = a->rank - 2 }, bb = { .rank = b->rank - 2 };
	const struct cc_view *bops[2] = { &ab, &bb }, *cops[1] = { hc ? &in[2] : NULL };
	struct cc_bcast bc, cb;

	if (fmm_geo(g, n, &f))
		return -g->err_code;
	memcpy(ab.dims, a->dims, sizeof(int64_t) * (size_t)ab.rank);
	memcpy(bb.dims, b->dims, sizeof(int64_t) * (size_t)bb.rank);
	cc_bcast_init(&bc, f.rbo, f.bd, 2, bops);
	if (hc)
		cc_bcast_init(&cb, out[0].rank, out[0].dims, 1, cops);
	uint64_t mn = (uint64_t)(f.M * f.N), batches = mn ? cc_view_elems(&out[0]) / mn : 0;
	double *ad = cc_view_doubles(a), *bd = cc_view_doubles(b), *cd = malloc(sizeof(double) * (mn ? mn : 1));
	for (uint64_t bi = 0; bi < batches; bi++) {
		uint64_t off[2];
		cc_bcast_offsets(&bc, bi, off);
		uint64_t ao = off[0] * (uint64_t)(f.M * f.K), bo = off[1] * (uint64_t)(f.K * f.N);
		if (ad && bd && cd)
			cc_ref_gemm(ad + ao, bd + bo, cd, f.M, f.N, f.K, f.ta, f.tb);
		for (int64_t i = 0; i < f.M; i++)
			for (int64_t j = 0; j < f.N; j++) {
				double acc = 0;
				if (ad && bd && cd)
					acc = cd[i * f.N + j];
				else	/* out of memory for the fast form */
					for (int64_t k = 0; k < f.K; k++)
						acc += cc_ld(a->dtype, a->data, ao + (uint64_t)(f.ta ? k * f.M + i : i * f.K + k)) *
						       cc_ld(b->dtype, b->data, bo + (uint64_t)(f.tb ? j * f.K + k : k * f.N + j));
				uint64_t oi = bi * mn + (uint64_t)(i * f.N + j);
				acc *= alpha;
				if (hc) {
					uint64_t co;
					cc_bcast_offsets(&cb, oi, &co);
					acc += beta * cc_ld(in[2].dtype, in[2].data, co);
				}
				cc_st(out[0].dtype, out[0].data, oi, acc);
			}
	}
	free(ad);
	free(bd);
	free(cd);
	epilogue(n, n->nin > 3 && n->in[3] ? &in[3] : NULL, &out[0]);
	return 0;
}

/* ---- sinan:Attention ---------------------------------------------------------------------- */
int infer_attention(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *q = IN(n, 0), *k = IN(n, 1), *v = IN(n, 2), *m = IN(n, 3);
	bool kt = cc_attr_i(n, "k_trans", 0) != 0;
	int r = q->rank;
	int64_t d[CC_MAX_RANK], e[CC_MAX_RANK];
	int rr;

	if (r < 2 || k->rank != r || v->rank != r)
		return NERR(g, n, EINVAL, "Q, K, V must have the same rank >= 2");
	if (cc_same_type(g, n, 0, 1) || cc_same_type(g, n, 0, 2) || cc_same_type(g, n, 0, 3))
		return -g->err_code;
	if (!cc_dtype_is_float(q->dtype))
		return NERR(g, n, EINVAL, "Q must be floating point");
	int64_t S = q->dims[r - 2], D = q->dims[r - 1];
	int64_t T = k->dims[r - (kt ? 1 : 2)], Dk = k->dims[r - (kt ? 2 : 1)];
	if (Dk != D || v->dims[r - 2] != T)
		return NERR(g, n, EINVAL, "Q, K, V dimensions do not match");
	for (int i = 0; i < r - 2; i++)
		if (k->dims[i] != q->dims[i] || v->dims[i] != q->dims[i])
			return NERR(g, n, EINVAL, "batch dimensions of Q, K, V differ");
	memcpy(d, q->dims, sizeof(d));
	d[r - 2] = S;
	d[r - 1] = T;
	if (m && (cc_broadcast(r, d, m->rank, m->dims, &rr, e) || rr != r || memcmp(d, e, sizeof(int64_t) * (size_t)r)))
		return NERR(g, n, EINVAL, "mask does not broadcast to the scores");
	d[r - 1] = v->dims[r - 1];
	return cc_set_out(g, n, 0, q->dtype, r, d);
}

int ref_attention(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		  struct cc_view *out)
{
	const struct cc_view *q = &in[0], *k = &in[1], *v = &in[2];
	bool hm = n->nin > 3 && n->in[3], kt = cc_attr_i(n, "k_trans", 0) != 0;
	int r = q->rank;
	int64_t S = q->dims[r - 2], D = q->dims[r - 1], T = v->dims[r - 2], E = v->dims[r - 1];
	double scale = cc_attr_f(n, "scale", 1.0f);
	uint64_t sd = (uint64_t)S * (uint64_t)D;
	uint64_t batches = sd ? cc_view_elems(q) / sd : 0;
	double *p = malloc(sizeof(double) * (size_t)(T ? T : 1));
	struct cc_bcast mb;
	struct cc_view sv = *q;
	const struct cc_view *mops[1] = { hm ? &in[3] : NULL };

	double *qd = cc_view_doubles(q), *kd = cc_view_doubles(k), *vd = cc_view_doubles(v);
	if (!p || !qd || !kd || !vd) {
		free(p);
		free(qd);
		free(kd);
		free(vd);
		return cc_err(g, ENOMEM, "out of memory");
	}
	sv.dims[r - 1] = T;
	if (hm)
		cc_bcast_init(&mb, r, sv.dims, 1, mops);
	for (uint64_t b = 0; b < batches; b++)
		for (int64_t i = 0; i < S; i++) {
			double mx = -INFINITY, sum = 0;
			for (int64_t j = 0; j < T; j++) {
				double acc = 0;
				for (int64_t x = 0; x < D; x++)
					acc += qd[(b * (uint64_t)S + (uint64_t)i) * (uint64_t)D + (uint64_t)x] *
					       kd[b * (uint64_t)(T * D) + (uint64_t)(kt ? x * T + j : j * D + x)];
				acc *= scale;
				if (hm) {
					uint64_t mo;
					cc_bcast_offsets(&mb, (b * (uint64_t)S + (uint64_t)i) * (uint64_t)T + (uint64_t)j, &mo);
					acc += cc_ld(in[3].dtype, in[3].data, mo);
				}
				p[j] = acc;
				mx = fmax(mx, acc);
			}
			for (int64_t j = 0; j < T; j++) {
				p[j] = exp(p[j] - mx);
				sum += p[j];
			}
			for (int64_t e = 0; e < E; e++) {
				double acc = 0;
				for (int64_t j = 0; j < T; j++)
					acc += p[j] / sum * vd[(b * (uint64_t)T + (uint64_t)j) * (uint64_t)E + (uint64_t)e];
				cc_st(out[0].dtype, out[0].data, (b * (uint64_t)S + (uint64_t)i) * (uint64_t)E + (uint64_t)e, acc);
			}
		}
	free(p);
	free(qd);
	free(kd);
	free(vd);
	return 0;
}

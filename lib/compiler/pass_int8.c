// SPDX-License-Identifier: MIT
/*
 * Precision mode int8: convolutions and matrix products with constant
 * weights run on the int8 cube.
 *
 * For each Conv / MatMul / Gemm (plain or fused) with constant weights:
 *   activation x: the quantized tensor of a DequantizeLinear that produces
 *     it (QDQ models: scale and zero point from the model), else the scale
 *     and zero point of x's name in the calibration file
 *     ("name scale [zero_point]" per line, '#' comments; zero points 0..255
 *     give uint8, -128..127 int8), quantized by a QuantizeLinear;
 *     neither: the op stays in float32.
 *   weights: the int8/uint8 tensor of a DequantizeLinear (QDQ models), else
 *     quantized here per output channel, symmetric int8 (scale max|w| / 127).
 * The op becomes ConvInteger / MatMulInteger (legalized for the cube by
 * pass_qlegal.c) followed by the dequantization y = acc * (sx * sw[c]) and
 * the float epilogue of the original op (bias, beta * C, residual,
 * activation). Everything else keeps float32.
 */
#include "ops_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define CAL_MAX_BYTES	(16u << 20)
#define CAL_MAX_ENTRIES	(1 << 20)

struct cal {
	char *name;
	float scale;
	int zp;
};

struct calset {
	struct cal *e;
	int n;
};

static int cal_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cal *)a)->name, ((const struct cal *)b)->name);
}

static void cal_free(struct calset *cs)
{
	for (int i = 0; i < cs->n; i++)
		free(cs->e[i].name);
	free(cs->e);
	cs->e = NULL;
	cs->n = 0;
}

/* Parse the calibration file at @path. */
static int cal_load(struct cc_graph *g, const char *path, struct calset *cs)
{
	void *data = NULL;
	size_t size = 0;
	char err[512];
	int cap = 0, line = 0;

	memset(cs, 0, sizeof(*cs));
	if (cc_read_file(path, &data, &size, CAL_MAX_BYTES, err, sizeof(err)))
		return cc_err(g, EINVAL, "calibration file: %s", err);
	char *p = data, *end = p + size;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		line++;
		char buf[1024];
		size_t len = (size_t)(le - p);
		if (len >= sizeof(buf)) {
			free(data);
			cal_free(cs);
			return cc_err(g, EINVAL, "calibration file %s:%d: line too long", path, line);
		}
		memcpy(buf, p, len);
		buf[len] = 0;
		p = nl ? nl + 1 : end;
		char *h = strchr(buf, '#');
		if (h)
			*h = 0;
		char name[1024], extra[8];
		float scale;
		int zp = 0;
		int k = sscanf(buf, "%1023s %f %d %7s", name, &scale, &zp, extra);
		if (k <= 0)
			continue;	/* blank */
		if (k < 2 || k > 3 || !isfinite(scale) || scale <= 0 || zp < -128 || zp > 255) {
			free(data);
			cal_free(cs);
			return cc_err(g, EINVAL, "calibration file %s:%d: expected 'name scale [zero_point]' with a "
					"positive scale and a zero point in -128..255", path, line);
		}
		if (cs->n == cap) {
			if (cap >= CAL_MAX_ENTRIES) {
				free(data);
				cal_free(cs);
				return cc_err(g, E2BIG, "calibration file %s: too many entries", path);
			}
			int nc = cap ? cap * 2 : 64;
			struct cal *e = realloc(cs->e, sizeof(*e) * (size_t)nc);
			if (!e) {
				free(data);
				cal_free(cs);
				return cc_err(g, ENOMEM, "out of memory");
			}
			cs->e = e;
			cap = nc;
		}
		cs->e[cs->n].name = strdup(name);
		cs->e[cs->n].scale = scale;
		cs->e[cs->n].zp = zp;
		if (!cs->e[cs->n].name) {
			free(data);
			cal_free(cs);
			return cc_err(g, ENOMEM, "out of memory");
		}
		cs->n++;
	}
	free(data);
	qsort(cs->e, (size_t)cs->n, sizeof(*cs->e), cal_cmp);
	return 0;
}

static const struct cal *cal_find(const struct calset *cs, const char *name)
{
	struct cal key = { .name = (char *)name };
	return cs->n ? bsearch(&key, cs->e, (size_t)cs->n, sizeof(*cs->e), cal_cmp) : NULL;
}

/* ---- graph building ---------------------------------------------------------------------------- */
static struct cc_tensor *node(struct cc_graph *g, const char *label, const char *dom, const char *op, int nin,
			      struct cc_tensor **in, struct cc_tensor *out)
{
	struct cc_node *n = cc_node_new(g, op, dom, label, nin, 1);
	if (!n)
		return NULL;
	n->ver_fixed = 13;
	for (int i = 0; i < nin; i++)
		n->in[i] = in[i];
	if (!out)
		out = cc_tensor_new(g, NULL, 0, -1, NULL);
	if (!out)
		return NULL;
	n->out[0] = out;
	out->producer = n;
	return out;
}

/* bind + infer the producer of @t (after its attributes are set) */
static struct cc_tensor *done(struct cc_graph *g, struct cc_tensor *t)
{
	struct cc_node *n = t ? t->producer : NULL;
	if (!n || cc_node_bind(g, n) || cc_node_check(g, n) || cc_node_infer(g, n))
		return NULL;
	return t;
}

static struct cc_tensor *op2(struct cc_graph *g, const char *label, const char *op, struct cc_tensor *a,
			     struct cc_tensor *b, struct cc_tensor *out)
{
	if (!a || !b)
		return NULL;
	return done(g, node(g, label, "", op, 2, (struct cc_tensor *[]){ a, b }, out));
}

static struct cc_tensor *fconst(struct cc_graph *g, int rank, const int64_t *dims, const float *v)
{
	return cc_const_new(g, "q", SINAN_TYPE_FLOAT, rank, dims, v);
}

/* The float epilogue of a fused op: activation @code with its parameters. */
static struct cc_tensor *activation(struct cc_graph *g, const char *label, struct cc_tensor *x, int code, float al,
				    float be, struct cc_tensor *out)
{
	const char *name = cc_act_name(code);
	struct cc_tensor *y;

	if (code == CC_ACT_CLIP) {
		struct cc_tensor *lo = fconst(g, 0, NULL, &al), *hi = fconst(g, 0, NULL, &be);
		if (!lo || !hi)
			return NULL;
		return done(g, node(g, label, "", "Clip", 3, (struct cc_tensor *[]){ x, lo, hi }, out));
	}
	bool gelu = !strcmp(name, "Gelu") || !strcmp(name, "GeluTanh");
	y = node(g, label, gelu ? "sinan" : "", gelu ? "Gelu" : name, 1, &x, out);
	if (!y)
		return NULL;
	struct cc_node *n = y->producer;
	if (!strcmp(name, "GeluTanh")) {
		struct cc_attr *a = cc_node_add_attr(g, n, "approximate", SINAN_ATTR_STRING);
		if (!a || !(a->s = cc_arena_strdup(&g->arena, "tanh")))
			return NULL;
		a->slen = 4;
	} else if (!strcmp(name, "LeakyRelu") || !strcmp(name, "HardSigmoid")) {
		struct cc_attr *a = cc_node_add_attr(g, n, "alpha", SINAN_ATTR_FLOAT);
		if (!a)
			return NULL;
		a->f = al;
		if (!strcmp(name, "HardSigmoid")) {
			struct cc_attr *b = cc_node_add_attr(g, n, "beta", SINAN_ATTR_FLOAT);
			if (!b)
				return NULL;
			b->f = be;
		}
	}
	return done(g, y);
}

struct qop {
	struct cc_node *n;
	bool conv;
	struct cc_tensor *x, *w, *bias, *res;	/* bias: Conv B or MatMul C (times beta) */
	float alpha, beta;
	int act;
	float act_a, act_b;
	bool tb;
	/* quantized operands */
	struct cc_tensor *xq, *zx, *wq, *zw;
	float sx;
	float *sw;			/* per channel (nch) */
	int64_t nch;
};

static bool is_q8(int dt)
{
	return dt == SINAN_TYPE_INT8 || dt == SINAN_TYPE_UINT8;
}

/* x produced by DequantizeLinear(q, s, z) with a constant per-tensor s (and z) */
static bool dq_act(const struct cc_tensor *x, struct cc_tensor **q, float *s, struct cc_tensor **z)
{
	const struct cc_node *d = x->producer;
	if (!d || d->dead || strcmp(d->op, "DequantizeLinear") || d->domain[0] || !is_q8(d->in[0]->dtype))
		return false;
	const struct cc_tensor *sc = d->in[1];
	if (!sc->data || cc_tensor_elems(sc) != 1 || (d->nin > 2 && d->in[2] && !d->in[2]->data))
		return false;
	*q = d->in[0];
	*s = (float)cc_ld(sc->dtype, sc->data, 0);
	*z = d->nin > 2 ? d->in[2] : NULL;
	return true;
}

/* Weights: DequantizeLinear of constants (per tensor or per output channel), or float constants. */
static int quant_weights(struct cc_graph *g, struct qop *q)
{
	struct cc_tensor *w = q->w;
	const struct cc_node *d = w->producer;
	int64_t K, N;

	if (q->conv) {
		q->nch = w->dims[0];
		K = (int64_t)(cc_tensor_elems(w) / (uint64_t)q->nch);
	} else {
		K = w->dims[q->tb ? 1 : 0];
		q->nch = w->dims[q->tb ? 0 : 1];
	}
	N = q->nch;
	q->sw = cc_arena_alloc(&g->arena, sizeof(float) * (size_t)N);
	if (!q->sw)
		return cc_err(g, ENOMEM, "out of memory");
	int64_t wd[2] = { K, N };
	/* channel c, element k of the (conv: [M][K]; matmul: [K][N] after transB) weights */
#define WIDX(k, c) (q->conv ? (uint64_t)((c) * K + (k)) : q->tb ? (uint64_t)((c) * K + (k)) : (uint64_t)((k) * N + (c)))
	if (d && !d->dead && !strcmp(d->op, "DequantizeLinear") && !d->domain[0] && d->in[0]->data &&
	    is_q8(d->in[0]->dtype) && d->in[1]->data && (d->nin < 3 || !d->in[2] || d->in[2]->data)) {
		const struct cc_tensor *src = d->in[0], *sc = d->in[1], *zp = d->nin > 2 ? d->in[2] : NULL;
		uint64_t ns = cc_tensor_elems(sc);
		int64_t axis = cc_attr_i(d, "axis", 1);
		if (axis < 0)
			axis += src->rank;
		int64_t chax = q->conv ? 0 : q->tb ? 0 : 1;
		if (ns != 1 && axis != chax)
			return 1;	/* scales along another axis: keep float */
		for (int64_t c = 0; c < N; c++)
			q->sw[c] = (float)cc_ld(sc->dtype, sc->data, ns == 1 ? 0 : (uint64_t)c);
		if (q->conv) {
			q->wq = (struct cc_tensor *)src;
		} else {	/* [K][N] */
			q->wq = cc_const_new(g, w->name, src->dtype, 2, wd, NULL);
			if (!q->wq)
				return -g->err_code;
			for (int64_t k = 0; k < K; k++)
				for (int64_t c = 0; c < N; c++)
					((int8_t *)q->wq->data)[k * N + c] = ((const int8_t *)src->data)[WIDX(k, c)];
		}
		if (zp && !(ns == 1 && !cc_ldi(zp->dtype, zp->data, 0))) {
			int64_t zd[1] = { N };
			q->zw = cc_const_new(g, "zw", zp->dtype, 1, zd, NULL);
			if (!q->zw)
				return -g->err_code;
			for (int64_t c = 0; c < N; c++)
				cc_sti(zp->dtype, q->zw->data, (uint64_t)c,
				       cc_ldi(zp->dtype, zp->data, cc_tensor_elems(zp) == 1 ? 0 : (uint64_t)c));
		}
		return 0;
	}
	if (!w->data)
		return 1;	/* run-time weights: keep float */
	/* float weights: per channel, symmetric */
	q->wq = q->conv ? cc_const_new(g, w->name, SINAN_TYPE_INT8, w->rank, w->dims, NULL) :
			  cc_const_new(g, w->name, SINAN_TYPE_INT8, 2, wd, NULL);
	if (!q->wq)
		return -g->err_code;
	for (int64_t c = 0; c < N; c++) {
		double mx = 0;
		for (int64_t k = 0; k < K; k++)
			mx = fmax(mx, fabs(cc_ld(w->dtype, w->data, WIDX(k, c))));
		double s = mx > 0 ? mx / 127.0 : 1.0;
		q->sw[c] = (float)s;
		for (int64_t k = 0; k < K; k++) {
			double v = nearbyint(cc_ld(w->dtype, w->data, WIDX(k, c)) / (double)q->sw[c]);
			v = v < -127 ? -127 : v > 127 ? 127 : v;
			((int8_t *)q->wq->data)[q->conv ? (uint64_t)(c * K + k) : (uint64_t)(k * N + c)] = (int8_t)v;
		}
	}
#undef WIDX
	return 0;
}

static int rewrite(struct cc_graph *g, struct qop *q, const struct calset *cs, bool *did)
{
	struct cc_node *n = q->n;
	const char *lb = cc_node_label(n);
	int rc;

	*did = false;
	if (!dq_act(q->x, &q->xq, &q->sx, &q->zx)) {
		const struct cal *c = cal_find(cs, q->x->name);
		if (!c)
			return 0;	/* no scale for the activation: float32 */
		q->sx = c->scale;
		int zdt = c->zp > 127 ? SINAN_TYPE_UINT8 : SINAN_TYPE_INT8;
		q->zx = cc_const_new(g, "zx", zdt, 0, NULL, NULL);
		struct cc_tensor *s = fconst(g, 0, NULL, &q->sx);
		if (!q->zx || !s)
			return -g->err_code;
		cc_sti(zdt, q->zx->data, 0, c->zp);
		q->xq = done(g, node(g, lb, "", "QuantizeLinear", 3, (struct cc_tensor *[]){ q->x, s, q->zx }, NULL));
		if (!q->xq)
			return -g->err_code;
	}
	rc = quant_weights(g, q);
	if (rc)
		return rc < 0 ? rc : 0;
	/* acc = integer product */
	struct cc_tensor *zx = q->zx ? q->zx : NULL;
	struct cc_tensor *in[4] = { q->xq, q->wq, zx, q->zw };
	struct cc_tensor *acc = node(g, lb, "", q->conv ? "ConvInteger" : "MatMulInteger", 4, in, NULL);
	if (!acc)
		return -g->err_code;
	if (q->conv) {	/* the convolution's attributes */
		static const char *const keep[] = { "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides" };
		for (int i = 0; i < n->nattr; i++)
			for (size_t k = 0; k < CC_ARRAY_SIZE(keep); k++)
				if (!strcmp(n->attr[i].name, keep[k])) {
					struct cc_attr *a = cc_node_add_attr(g, acc->producer, n->attr[i].name,
									     n->attr[i].type);
					if (!a)
						return -g->err_code;
					char *nm = a->name;
					*a = n->attr[i];
					a->name = nm;
				}
	}
	if (!done(g, acc))
		return -g->err_code;
	/* y = acc * (alpha * sx * sw[c]) + bias + residual, activation */
	struct cc_tensor *f = node(g, lb, "", "Cast", 1, &acc, NULL);
	if (!f)
		return -g->err_code;
	struct cc_attr *to = cc_node_add_attr(g, f->producer, "to", SINAN_ATTR_INT);
	if (!to)
		return -g->err_code;
	to->i = SINAN_TYPE_FLOAT;
	if (!done(g, f))
		return -g->err_code;
	int r = acc->rank;
	int64_t sd[CC_MAX_RANK];
	for (int i = 0; i < r; i++)
		sd[i] = 1;
	sd[q->conv ? 1 : r - 1] = q->nch;
	struct cc_tensor *scale = cc_const_new(g, "dq", SINAN_TYPE_FLOAT, r, sd, NULL);
	if (!scale)
		return -g->err_code;
	for (int64_t c = 0; c < q->nch; c++)
		((float *)scale->data)[c] = q->alpha * q->sx * q->sw[c];
	struct cc_tensor *y = n->out[0];
	bool more = q->bias || q->res || q->act != CC_ACT_NONE;
	f = op2(g, lb, "Mul", f, scale, more ? NULL : y);
	if (q->bias && f) {
		struct cc_tensor *b = q->bias;
		if (q->conv) {	/* [M] -> [1, M, 1..] */
			for (int i = 0; i < r; i++)
				sd[i] = i == 1 ? q->nch : 1;
			b = cc_reshaped(g, b, r, sd);
		}
		if (b && q->beta != 1.0f) {
			struct cc_tensor *bt = fconst(g, 0, NULL, &q->beta);
			b = op2(g, lb, "Mul", b, bt, NULL);
		}
		more = q->res || q->act != CC_ACT_NONE;
		f = op2(g, lb, "Add", f, b, more ? NULL : y);
	}
	if (q->res && f)
		f = op2(g, lb, "Add", f, q->res, q->act != CC_ACT_NONE ? NULL : y);
	if (q->act != CC_ACT_NONE && f)
		f = activation(g, lb, f, q->act, q->act_a, q->act_b, y);
	if (!f)
		return -g->err_code;
	n->dead = true;
	*did = true;
	return 0;
}

int cc_pass_int8(struct cc_graph *g, const char *calibration, int *quantized)
{
	struct calset cs = { 0 };
	int rc = 0, nn = g->nnodes;

	*quantized = 0;
	if (calibration && cal_load(g, calibration, &cs))
		return -g->err_code;
	for (int i = 0; i < nn && !rc; i++) {
		struct cc_node *n = g->nodes[i];
		if (n->dead)
			continue;
		bool sinan = !strcmp(n->domain, "sinan");
		struct qop q = { .n = n, .alpha = 1, .beta = 1, .act = CC_ACT_NONE };
		if (!strcmp(n->op, "Conv") && (sinan || !n->domain[0]) && n->in[0]->rank >= 3) {
			q.conv = true;
			q.bias = n->nin > 2 ? n->in[2] : NULL;
			q.res = sinan && n->nin > 3 ? n->in[3] : NULL;
		} else if ((!strcmp(n->op, "MatMul") && (sinan || !n->domain[0])) ||
			   (!strcmp(n->op, "Gemm") && !n->domain[0])) {
			if (cc_attr_i(n, "transA", 0) || n->in[0]->rank < 2 || n->in[1]->rank != 2)
				continue;
			q.tb = cc_attr_i(n, "transB", 0) != 0;
			q.alpha = cc_attr_f(n, "alpha", 1.0f);
			q.beta = cc_attr_f(n, "beta", 1.0f);
			q.bias = n->nin > 2 ? n->in[2] : NULL;
			q.res = sinan && n->nin > 3 ? n->in[3] : NULL;
		} else {
			continue;
		}
		if (n->in[0]->dtype != SINAN_TYPE_FLOAT)
			continue;
		if (sinan) {
			q.act = cc_act_code(cc_attr_s(n, "activation", ""));
			q.act_a = cc_attr_f(n, "act_alpha", 0);
			q.act_b = cc_attr_f(n, "act_beta", 0);
		}
		q.x = n->in[0];
		q.w = n->in[1];
		bool did;
		rc = rewrite(g, &q, &cs, &did);
		if (!rc && did)
			(*quantized)++;
	}
	cal_free(&cs);
	if (!rc)
		rc = cc_graph_toposort(g);
	if (!rc)
		rc = cc_graph_refresh(g);
	return rc;
}

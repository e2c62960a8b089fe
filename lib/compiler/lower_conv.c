// SPDX-License-Identifier: MIT
/*
 * Convolutions on the cube with IMG2COL: Conv, sinan:Conv (bias and
 * activation epilogue) and ConvTranspose (a stride-1 convolution of the
 * zero-upsampled input with the flipped kernel), 1-D and 2-D, with groups
 * (depthwise included), strides, pads and dilations.
 *
 * The cube works on the NC1HWC0 ("5HD") layout: channels in blocks of C0 =
 * 32 bytes / element size. Each group g of image n is a GEMM
 *   Y[positions x Mg] = im2col(X)[positions x K] * W[K x Mg],
 *   K index = ((c1 * KH + kh) * KW + kw) * C0 + c0,
 * where IMG2COL builds im2col tiles in L0A straight from the feature map in
 * L1 (padding included), and W is packed at compile time as L0B images.
 * The input is rearranged into a grouped 5HD scratch tensor
 * [N][G][C1g][H][W][C0] (channels padded with zeros) and the result, written
 * as [N][G][M1g][OH][OW][C0], back into NCHW: both are strided copies.
 *
 * Per work item (image, group, band of output rows, tile of positions, tile
 * of channels) the K loop streams chunks with four slots (IMG2COL and the
 * weight image into L0A/L0B on MTE1, MMAD on M), two L0C buffers let the
 * fixpipe and the vector epilogue (bias, activation, conversion) of one tile
 * overlap the next. The weights stay in L1 for the whole kernel when they
 * fit; the feature map band of the item stays in L1 across its tiles.
 *
 * sinan:ConvInteger (pass_qlegal.c) is the int8 form: C0 = 32, int32
 * accumulation taken out as is (FIXP S32), the padding value from input 2
 * (SINAN_CFG_PADVAL; loaded from device memory when it is computed).
 */
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct convplan {
	bool transpose;
	struct cc_tensor *x5, *y5, *w;	/* 5HD input/output scratch, packed weights */
	int64_t N, G, C, M, Cg, Mg, C1, M1, H, W, OH, OW, KH, KW, SH, SW, DH, DW;
	int64_t pt, pb, pl, pr;		/* pads of the equivalent (forward) convolution */
	int64_t uh, uw;			/* ConvTranspose: upsampling strides (1 for Conv) */
	int64_t xH, xW;			/* the 5HD input's image size (H, W unless subsampled) */
	bool sub;			/* 1x1, stride > 1, no padding: only the rows used are loaded,
					 * the kernel sees an image of them (H = OH rows, SH = 1) */
	int64_t xSH;			/* ... picked every xSH rows */
	int64_t c0, es;
	int64_t tm, tn, tk, KC, NT, K;
	int64_t band;			/* output rows per band */
	bool wres;			/* weights resident in L1 */
	bool wdyn;			/* run-time weights: packed on the device */
	bool wdyn_hint;			/* (known before tiling) */
	bool integer;			/* sinan:ConvInteger: int8 in, int32 out, padding value */
	bool out5;			/* the output is stored NC1HWC0: padding channels get zeros */
	int nin0;			/* inputs of the node before prelowering */
	struct cc_tensor *id_in, *id_out;	/* identity blocks of the cube transposes, or NULL */
	int64_t oes;			/* output element size */
	struct cc_tensor *wsrc;		/* their source */
	uint64_t wbytes, fbytes;	/* packed weights, largest band in L1 */
	bool dbl;			/* two band buffers: the next band loads during this one */
	bool wslice;			/* weights too big for L1: items ordered by channel tile, whose
					 * slice of the weights stays in L1 while the images go by */
	uint64_t sbytes;		/* bytes of one slice (K x tn, packed) */
};

static int esz(int dt)
{
	return (int)sinan_dtype_size((unsigned int)dt);
}

bool cc_is_conv(const struct cc_node *n)
{
	if (!strcmp(n->domain, "sinan"))
		return !strcmp(n->op, "Conv") || !strcmp(n->op, "ConvInteger");
	return !strcmp(n->op, "Conv") || !strcmp(n->op, "ConvTranspose");
}

static int geometry(struct cc_graph *g, struct cc_node *n, struct convplan *p)
{
	struct cc_convgeo cg;
	bool tr = !strcmp(n->op, "ConvTranspose");

	memset(p, 0, sizeof(*p));
	p->transpose = tr;
	if (cc_conv_geo(g, n, tr, &cg))
		return -g->err_code;
	if (cg.nsp > 2)
		return NERR(g, n, ENOTSUP, "3-D convolution is not supported on the device");
	int dt = cc_hw_dtype(n->in[0]->dtype);
	p->integer = !strcmp(n->op, "ConvInteger");
	if (p->integer ? dt != SINAN_DT_INT8 || n->in[1]->dtype != SINAN_TYPE_INT8 :
			 dt != SINAN_DT_FP32 && dt != SINAN_DT_FP16 && dt != SINAN_DT_BF16)
		return NERR(g, n, ENOTSUP, "convolution of %s is not supported on the device",
			    cc_dtype_name(n->in[0]->dtype));
	p->es = esz(dt);
	p->oes = p->integer ? 4 : p->es;
	p->c0 = 32 / p->es;
	p->N = cg.n;
	p->G = cg.group;
	p->C = cg.c;
	p->M = cg.m;
	p->Cg = cg.c / cg.group;
	p->Mg = cg.m / cg.group;
	bool one = cg.nsp == 1;
	p->KH = one ? 1 : cg.k[0];
	p->KW = cg.k[one ? 0 : 1];
	p->DH = one ? 1 : cg.d[0];
	p->DW = cg.d[one ? 0 : 1];
	int64_t ih = one ? 1 : cg.in[0], iw = cg.in[one ? 0 : 1];
	p->OH = one ? 1 : cg.out[0];
	p->OW = cg.out[one ? 0 : 1];
	int64_t pbh = one ? 0 : cg.pb[0], peh = one ? 0 : cg.pe[0], pbw = cg.pb[one ? 0 : 1], pew = cg.pe[one ? 0 : 1];
	int64_t sh = one ? 1 : cg.s[0], sw = cg.s[one ? 0 : 1];
	if (!tr) {
		p->H = ih;
		p->W = iw;
		p->SH = sh;
		p->SW = sw;
		p->pt = pbh;
		p->pb = peh;
		p->pl = pbw;
		p->pr = pew;
		p->uh = p->uw = 1;
	} else {
		/* stride-1 conv of the upsampled input, padded by d (k - 1) - p (+ output padding at the end) */
		int64_t oph = one ? 0 : cg.opad[0], opw = cg.opad[one ? 0 : 1];
		p->uh = sh;
		p->uw = sw;
		p->H = (ih - 1) * sh + 1;
		p->W = (iw - 1) * sw + 1;
		p->SH = p->SW = 1;
		p->pt = (p->KH - 1) * p->DH - pbh;
		p->pb = (p->KH - 1) * p->DH - peh + oph;
		p->pl = (p->KW - 1) * p->DW - pbw;
		p->pr = (p->KW - 1) * p->DW - pew + opw;
		if (p->pt < 0 || p->pb < 0 || p->pl < 0 || p->pr < 0)
			return NERR(g, n, ENOTSUP, "ConvTranspose pads larger than the kernel are not supported on the device");
	}
	if (p->KH > 255 || p->KW > 255 || p->SH > 255 || p->SW > 255 || p->DH > 255 || p->DW > 255 ||
	    p->pt > 255 || p->pb > 255 || p->pl > 255 || p->pr > 255 || p->H > 65535 || p->W > 65535)
		return NERR(g, n, ENOTSUP, "kernel, stride, pad or image size beyond the IMG2COL limits");
	p->C1 = CC_DIV_UP(p->Cg, p->c0);
	p->M1 = CC_DIV_UP(p->Mg, p->c0);
	p->K = p->C1 * p->KH * p->KW * p->c0;
	p->xH = p->H;
	p->xW = p->W;
	p->xSH = 1;
	/* a 1x1 convolution of vertical stride s (ResNet's downsampling projections) reads 1 / s of
	 * its input: only those rows cross device memory (IMG2COL picks the columns) */
	if (!tr && p->KH == 1 && p->KW == 1 && p->SH > 1 && p->G == 1 && !p->integer && !p->pt && !p->pb) {
		p->sub = true;
		p->xSH = p->SH;
		p->H = p->OH;
		p->SH = 1;
	}
	return 0;
}

static bool epi_ok(const struct cc_node *n)
{
	int a = cc_act_code(cc_attr_s(n, "activation", ""));
	static const char *const ok[] = { "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish" };
	if (a == CC_ACT_NONE)
		return true;
	for (size_t i = 0; i < CC_ARRAY_SIZE(ok); i++)
		if (a == cc_act_code(ok[i]))
			return true;
	return false;
}

int cc_conv_supported(struct cc_graph *g, struct cc_node *n, int precision)
{
	struct convplan p;
	(void)precision;
	if (geometry(g, n, &p))
		return -g->err_code;
	/* Tiling divides by these (the ONNX fuzzer's find). */
	if (p.OH * p.OW <= 0 || p.Mg <= 0 || p.K <= 0)
		return NERR(g, n, ENOTSUP, "empty convolution (a dimension of size 0)");
	if (!strcmp(n->domain, "sinan") && !epi_ok(n))
		return NERR(g, n, ENOTSUP, "epilogue activation '%s' not supported", cc_attr_s(n, "activation", ""));
	if (!n->in[1]->data && p.G * p.C1 * p.KH * p.KW * CC_DIV_UP(p.Mg, 256) > 2048)
		return NERR(g, n, ENOTSUP, "run-time weights of this size are not supported on the device");
	return 0;
}

/* ---- planning and packing ------------------------------------------------------------------------ */
/* Bands of output rows whose input rows fit @avail bytes of L1, twice if possible (the next band
 * loads while this one is used). */
static bool bands(struct convplan *p, uint64_t avail)
{
	int64_t row_bytes = p->C1 * p->W * 32;
	for (int nb = 2; nb >= 1; nb--) {
		uint64_t room = avail / (uint64_t)nb / 512 * 512;
		p->band = p->OH;
		while (p->band > 1) {
			int64_t rows = (p->band - 1) * p->SH + (p->KH - 1) * p->DH + 1;
			if ((uint64_t)(CC_MIN(rows, p->H) * row_bytes) <= room)
				break;
			p->band = (p->band + 1) / 2;
		}
		int64_t rows = (p->band - 1) * p->SH + (p->KH - 1) * p->DH + 1;
		p->fbytes = (uint64_t)(CC_MIN(rows, p->H) * row_bytes);
		p->dbl = nb == 2;
		if (p->fbytes <= room)
			return true;
	}
	return false;
}

/*
 * Modeled cycles per core of a plan (the cost model's figures): the cube's tiles; device-memory
 * reads of the feature-map bands (each band once per image with resident or streamed weights,
 * once per channel tile with weight slices) and of the weights; the output's writes.
 */
static double plan_cost(const struct convplan *p, const struct cc_target *t)
{
	double cores = t->cores ? t->cores : 1;
	double bw = (double)t->devmem_bw_mbps / (t->clock_mhz ? t->clock_mhz : 1) / cores;	/* per core */
	int64_t nbands = CC_DIV_UP(p->OH, p->band), PT = CC_DIV_UP(p->band * p->OW, p->tm);
	double items = (double)(p->N * p->G * nbands * PT * p->NT), per = ceil(items / cores);
	int64_t k0 = p->es == 4 ? 8 : p->c0;
	int64_t rows = CC_DIV_UP(p->band * p->OW, PT);	/* positions of an item, on average */
	double mm = (double)(CC_DIV_UP(rows, 16) * CC_DIV_UP(p->tn, 16) * (p->KC * p->tk / k0) * (p->es == 4 ? 2 : 1));
	double band = (double)p->fbytes;
	double loads = p->wslice ? per / (double)PT : per / (double)(PT * p->NT);
	double wts = p->wres ? (double)p->wbytes : p->wslice ? (double)p->sbytes * fmin((double)p->NT, ceil(per / (double)(PT *
		     p->N * nbands)) + 1) : per * (double)(p->KC * p->tk * p->tn * p->es);
	double rd = (ceil(loads) * band + wts) / bw, wr = per * (double)(rows * p->tn * p->oes) / bw;
	return fmax(per * mm, fmax(rd, wr));
}

/*
 * Tiles: tm positions x tn channels per item (L0C holds two such fp32 tiles), K chunks of tk
 * (four slots in L0A/L0B). The weights stay in L1 if they fit half of it (wres); else, with
 * one group, the items may go channel tile by channel tile (wslice), each core keeping its
 * slice (K x tn, up to three quarters of L1); else they stream from device memory chunk by
 * chunk. The rest of L1 holds feature-map bands. Of the tile shapes (tn from the widest down)
 * and weight placements that fit, the one plan_cost() finds fastest.
 */
static bool tiles(struct convplan *p, const struct cc_target *t)
{
	int64_t es = p->es, cap = es == 4 ? 128 : 256;
	int64_t P = p->OH * p->OW;
	int ns = 4;
	struct convplan best;
	double bestc = INFINITY;

	int64_t tn0 = CC_MIN(CC_ALIGN(p->Mg, 16), cap);
	int64_t tq = CC_MAX(16, p->c0);	/* several channel tiles: whole C0 blocks each */
	for (int64_t tn = tn0;; tn = CC_ALIGN(tn / 2, tq)) {
		p->tn = tn;
		if (tn < p->Mg && tn % tq) {
			if (tn <= tq)
				break;
			continue;
		}
		p->tm = CC_MIN(CC_ALIGN(P, 16), cap);
		while (p->tm > 16 && p->tm * p->tn * 4 > (int64_t)t->l0c / 2)
			p->tm = CC_ALIGN(p->tm / 2, 16);
		if (p->tm * p->tn * 4 > (int64_t)t->l0c / 2)
			continue;
		int64_t tk = CC_ALIGN(p->K, p->c0);
		while (tk > p->c0 && (p->tm * tk * es > (int64_t)t->l0a / ns || tk * p->tn * es > (int64_t)t->l0b / ns))
			tk = CC_ALIGN(tk / 2, p->c0);
		p->tk = tk;
		p->KC = CC_DIV_UP(p->K, tk);
		p->NT = CC_DIV_UP(p->Mg, p->tn);
		/* packed weights of every group */
		int64_t per_group = 0;
		for (int64_t nt = 0; nt < p->NT; nt++)
			per_group += p->KC * tk * CC_ALIGN(CC_MIN(p->tn, p->Mg - nt * p->tn), 16);
		p->wbytes = (uint64_t)(per_group * p->G * es);
		p->sbytes = (uint64_t)(p->KC * tk * p->tn * es);
		for (int mode = 0; mode < 3; mode++) {	/* resident, slices, streamed */
			p->wres = mode == 0;
			p->wslice = mode == 1;
			if (p->wres && p->wbytes > t->l1 / 2)
				continue;
			if (p->wslice && (p->G != 1 || p->wdyn_hint || p->sbytes > t->l1 / 4 * 3))
				continue;
			uint64_t avail = t->l1 - (p->wres ? CC_ALIGN(p->wbytes, 512) : p->wslice ? CC_ALIGN(p->sbytes, 512) : 0);
			if (!bands(p, avail))
				continue;
			double cst = plan_cost(p, t);
			if (cst < bestc * 0.98) {	/* ties: the earlier (wider tiles, resident weights) */
				bestc = cst;
				best = *p;
			}
		}
		if (tn <= tq)
			break;
	}
	if (bestc == INFINITY)
		return false;
	*p = best;
	return true;
}

/* Conv weight W'[m][c][kh][kw] of the (forward) convolution, group @g. */
static double wget(const struct convplan *p, const struct cc_tensor *w, int64_t g, int64_t m, int64_t c, int64_t kh,
		   int64_t kw)
{
	if (!p->transpose) {	/* [M][Cg][KH][KW] */
		uint64_t i = (uint64_t)((((g * p->Mg + m) * p->Cg + c) * p->KH + kh) * p->KW + kw);
		return cc_ld(w->dtype, w->data, i);
	}
	/* ConvTranspose [C][Mg][KH][KW], flipped */
	uint64_t i = (uint64_t)((((g * p->Cg + c) * p->Mg + m) * p->KH + (p->KH - 1 - kh)) * p->KW + (p->KW - 1 - kw));
	return cc_ld(w->dtype, w->data, i);
}

static int pack(struct cc_graph *g, struct convplan *p, const struct cc_tensor *w)
{
	int64_t es = p->es, c0 = p->c0, tk = p->tk, tn = p->tn;
	int64_t total = (int64_t)(p->wbytes / (uint64_t)es), dims[1] = { total };
	struct cc_tensor *t = cc_const_new(g, w->name, w->dtype, 1, dims, NULL);
	if (!t)
		return -g->err_code;
	int64_t off = 0;
	for (int64_t gr = 0; gr < p->G; gr++)
		for (int64_t nt = 0; nt < p->NT; nt++) {
			int64_t nl = CC_MIN(tn, p->Mg - nt * tn), N1 = CC_DIV_UP(nl, 16);
			for (int64_t kc = 0; kc < p->KC; kc++) {
				for (int64_t kb = 0; kb < tk / c0; kb++)
					for (int64_t j = 0; j < N1; j++)
						for (int64_t r = 0; r < c0; r++)
							for (int64_t cc = 0; cc < 16; cc++) {
								int64_t k = kc * tk + kb * c0 + r, m = nt * tn + j * 16 + cc;
								int64_t at = off + ((kb * N1 + j) * c0 + r) * 16 + cc;
								if (k >= p->K || m >= p->Mg)
									continue;
								int64_t kk = k / c0, ci = k % c0;
								int64_t kw = kk % p->KW, kh = (kk / p->KW) % p->KH, c1 = kk / (p->KW * p->KH);
								int64_t c = c1 * c0 + ci;
								if (c >= p->Cg)
									continue;
								cc_st(w->dtype, t->data, (uint64_t)at, wget(p, w, gr, m, c, kh, kw));
							}
				off += tk * N1 * 16;
			}
		}
	t->layout = CC_LAYOUT_NZ;
	p->w = t;
	return 0;
}

int cc_prelower_conv(struct cc_graph *g, const struct cc_target *t, struct cc_node *n)
{
	struct convplan *p = cc_arena_alloc(&g->arena, sizeof(*p));
	if (!p)
		return cc_err(g, ENOMEM, "out of memory");
	if (geometry(g, n, p))
		return -g->err_code;
	p->wdyn_hint = !n->in[1]->data;
	if (!tiles(p, t))
		return NERR(g, n, ENOTSUP, "feature map rows do not fit L1");
	if (n->in[1]->data) {
		if (pack(g, p, n->in[1]))
			return -g->err_code;
	} else {	/* packed by the device at run time */
		int64_t dims[1] = { (int64_t)(p->wbytes / (uint64_t)p->es) };
		p->w = cc_tensor_new(g, cc_name_gen(g, "wpacked"), n->in[1]->dtype, 1, dims);
		if (!p->w)
			return -g->err_code;
		p->w->dev_dtype = cc_dev_type(n->in[1]->dtype);
		p->wdyn = true;
		p->wsrc = n->in[1];
	}
	int dt = n->in[0]->dtype, ydt = n->out[0]->dtype;
	int64_t xd[6] = { p->N, p->G, p->C1, p->xH, p->xW, p->c0 };
	int64_t yd[6] = { p->N, p->G, p->M1, p->OH, p->OW, p->c0 };
	/* NC1HWC0 input/output (pass_layout.c, group 1) are used as they are; else 5HD scratch */
	bool in5 = n->in[0]->c0 != 0, out5 = n->out[0]->c0 != 0;
	if ((in5 || out5) && (p->G != 1 || p->transpose || p->integer ||
			      (in5 && n->in[0]->c0 != p->c0) || (out5 && n->out[0]->c0 != p->c0)))
		return NERR(g, n, EINVAL, "internal: NC1HWC0 operands of a convolution that cannot take them");
	p->x5 = in5 ? n->in[0] : cc_tensor_new(g, cc_name_gen(g, "x5hd"), dt, 6, xd);
	p->y5 = out5 ? n->out[0] : cc_tensor_new(g, cc_name_gen(g, "y5hd"), ydt, 6, yd);
	if (!p->x5 || !p->y5)
		return -g->err_code;
	if (!in5)
		p->x5->dev_dtype = cc_dev_type(dt);
	if (!out5)
		p->y5->dev_dtype = cc_dev_type(ydt);
	p->out5 = out5;
	/* an NC1HWC0 output keeps zeros in its padding channels: the bias is padded to whole blocks */
	if (out5 && n->nin > 2 && n->in[2]) {
		const struct cc_tensor *b = n->in[2];
		int64_t bd[1] = { p->M1 * p->c0 };
		struct cc_tensor *pb = cc_const_new(g, b->name, b->dtype, 1, bd, NULL);
		if (!pb)
			return -g->err_code;
		pb->dev_dtype = b->dev_dtype;
		memcpy(pb->data, b->data, cc_tensor_bytes(b));
		n->in[2] = pb;
	}
	/* the memory planner sees: x -> x5 -> y5 -> y inside this node (3 extra inputs, always) */
	/* one group: NCHW <-> NC1HWC0 on the cube (identity blocks) */
	bool simple = p->G == 1 && !p->transpose && !p->integer;
	if (simple && !in5)
		p->id_in = cc_layout_identity(g, n->in[0], true);
	if (simple && !out5)
		p->id_out = cc_layout_identity(g, n->out[0], false);
	if (g->err_code)
		return -g->err_code;
	p->nin0 = n->nin;
	struct cc_tensor **in = cc_arena_alloc(&g->arena, sizeof(*in) * (size_t)(n->nin + 5));
	struct cc_tensor **out = cc_arena_alloc(&g->arena, sizeof(*out) * 4);
	if (!in || !out)
		return cc_err(g, ENOMEM, "out of memory");
	memcpy(in, n->in, sizeof(*in) * (size_t)n->nin);
	in[1] = p->wdyn ? n->in[1] : p->w;
	in[n->nin] = p->x5;
	in[n->nin + 1] = p->y5;
	in[n->nin + 2] = p->w;
	int no = 1;
	out[0] = n->out[0];
	if (!in5) {
		out[no++] = p->x5;
		p->x5->producer = n;
	}
	if (!out5) {
		out[no++] = p->y5;
		p->y5->producer = n;
	}
	if (p->wdyn) {
		out[no++] = p->w;
		p->w->producer = n;
	}
	int ni = n->nin + 3;
	if (p->id_in)
		in[ni++] = p->id_in;
	if (p->id_out)
		in[ni++] = p->id_out;
	n->in = in;
	n->nin = ni;
	n->out = out;
	n->nout = no;
	n->priv = p;
	return 0;
}

/* ---- emission ------------------------------------------------------------------------------------- */
struct crg {
	unsigned int it, hi, img, grp, bnd, nt, p0, pl, wcur, nl, k0, kl, t0, t1, woff, yoff, cnt, rows, r0,
		     cur, len;
};

struct clay {
	uint32_t wl1, fmap, fsz;	/* L1: weights, band buffer(s) of fsz bytes */
	uint32_t l0a[4], l0b[4], l0c[2];
	uint32_t res[2], tmp, bias, out[2], ball;
	int cur;
};

/* t0 = oh0 (a band's first output row) -> t0 = ih0, t1 = ih1 (signed: minus the top padding) */
static void band_ih(struct cg *c, const struct convplan *p, const struct crg *R)
{
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->t0, CG_I((uint64_t)p->band));
	cg_alu(c, SINAN_ALU_MINU, R->t1, R->t1, CG_I((uint64_t)p->OH));
	cg_alu(c, SINAN_ALU_SUB, R->t1, R->t1, CG_I(1));
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I((uint64_t)p->SH));
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I((uint64_t)((p->KH - 1) * p->DH + 1)));
	cg_alu(c, SINAN_ALU_MUL, R->t0, R->t0, CG_I((uint64_t)p->SH));
	cg_alu(c, SINAN_ALU_SUB, R->t0, R->t0, CG_I((uint64_t)p->pt));
	cg_alu(c, SINAN_ALU_SUB, R->t1, R->t1, CG_I((uint64_t)p->pt));
}

/* band geometry into registers: ih0 (t0 signed), rows; CFG registers set */
static void band_cfg(struct cg *c, const struct convplan *p, const struct crg *R, unsigned int ihs,
		     unsigned int hb)
{
	/* oh0 = bnd * band; ih0 = oh0 * SH - pt; ih1 = (min(oh0 + band, OH) - 1) * SH - pt + (KH-1) DH + 1 */
	cg_alu(c, SINAN_ALU_MUL, R->t0, R->bnd, CG_I((uint64_t)p->band));
	band_ih(c, p, R);
	/* top = max(0, -ih0); bottom = max(0, ih1 - H); ihs = max(ih0, 0); hb = min(ih1, H) - ihs */
	sinan_asm_alu(c->a, SINAN_ALU_SUB, 26, 0, R->t0);
	sinan_asm_alu(c->a, SINAN_ALU_MAX, 26, 26, 0);			/* top */
	cg_alu(c, SINAN_ALU_SUB, 27, R->t1, CG_I((uint64_t)p->H));
	sinan_asm_alu(c->a, SINAN_ALU_MAX, 27, 27, 0);			/* bottom */
	sinan_asm_alu(c->a, SINAN_ALU_MAX, ihs, R->t0, 0);
	cg_alu(c, SINAN_ALU_MIN, hb, R->t1, CG_I((uint64_t)p->H));
	sinan_asm_alu(c->a, SINAN_ALU_SUB, hb, hb, ihs);
	/* PAD = top | bottom << 8 | left << 16 | right << 24 */
	cg_alu(c, SINAN_ALU_SHL, 27, 27, CG_I(8));
	sinan_asm_alu(c->a, SINAN_ALU_OR, 26, 26, 27);
	cg_alu(c, SINAN_ALU_OR, 26, 26, CG_I((uint64_t)(p->pl << 16 | p->pr << 24)));
	sinan_asm_setcfg(c->a, SINAN_CFG_PAD, 26);
	/* FMAP = hb | W << 16 | C1 << 32 */
	cg_li(c, 27, (uint64_t)p->W << 16 | (uint64_t)p->C1 << 32);
	sinan_asm_alu(c->a, SINAN_ALU_OR, 27, 27, hb);
	sinan_asm_setcfg(c->a, SINAN_CFG_FMAP, 27);
}

/* Emit @body(b) for b = the low bit of register @r (two copies, a branch): flag ids must be immediates. */
#define BY_PARITY(c, r, body)								\
	do {										\
		int odd_ = sinan_asm_label((c)->a), end_ = sinan_asm_label((c)->a);	\
		cg_alu(c, SINAN_ALU_AND, 28, r, CG_I(1));				\
		sinan_asm_br((c)->a, SINAN_BR_NE, 28, 0, odd_);			\
		{ const unsigned int b = 0; body; }					\
		sinan_asm_jmp((c)->a, end_);						\
		sinan_asm_bind((c)->a, odd_);						\
		{ const unsigned int b = 1; body; }					\
		sinan_asm_bind((c)->a, end_);						\
	} while (0)

/* MOV band @bid (rows [ihs, ihs + hb) of image-group bid / nbands) into its L1 buffer (bid & 1 with two). */
static void load_band(struct cg *c, const struct convplan *p, const struct crg *R, const struct clay *L, int ax,
		      unsigned int bid, unsigned int ihs, unsigned int hb, int64_t nbands, unsigned int tmp)
{
	if (p->sub) {
		/* rows ihs.. of the picked rows (input rows (ihs + r) * xSH): per channel block, hb
		 * rows of W pixels every xSH rows; x30 counts (MOV's immediates take x26..x29) */
		int pl_ = sinan_asm_label(c->a);
		cg_ldarg(c, R->t0, ax);
		cg_alu(c, SINAN_ALU_DIVU, R->t1, bid, CG_I((uint64_t)nbands));
		cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I((uint64_t)(p->C1 * p->xH)));
		cg_alu(c, SINAN_ALU_MUL, tmp, ihs, CG_I((uint64_t)p->xSH));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->t1, tmp);
		cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I((uint64_t)(p->W * 32)));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);	/* source: block 0, row ihs */
		cg_alu(c, SINAN_ALU_AND, R->t1, bid, CG_I(p->dbl ? 1 : 0));
		cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I(L->fsz));
		cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(L->fmap));	/* destination */
		cg_alu(c, SINAN_ALU_MUL, tmp, hb, CG_I((uint64_t)(p->W * 32)));	/* plane bytes in L1 */
		cg_li(c, 30, (uint64_t)p->C1);
		sinan_asm_bind(c->a, pl_);
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_R(R->t1), CG_R(R->t0), CG_R(hb), CG_I((uint64_t)(p->W * 32)),
		       CG_I((uint64_t)(p->xSH * p->W * 32)), CG_I((uint64_t)(p->W * 32)));
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->t0, CG_I((uint64_t)(p->xH * p->W * 32)));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->t1, tmp);
		cg_alu(c, SINAN_ALU_SUB, 30, 30, CG_I(1));
		sinan_asm_br(c->a, SINAN_BR_NE, 30, 0, pl_);
		return;
	}
	/* src = x5 + ((bid / nbands) * C1 * H + ihs) * W * 32; nburst C1, burst hb*W*32, ss H*W*32 */
	cg_ldarg(c, R->t0, ax);
	cg_alu(c, SINAN_ALU_DIVU, R->t1, bid, CG_I((uint64_t)nbands));
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I((uint64_t)(p->C1 * p->H)));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->t1, ihs);
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I((uint64_t)(p->W * 32)));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
	cg_alu(c, SINAN_ALU_MUL, tmp, hb, CG_I((uint64_t)(p->W * 32)));
	/* dst = fmap + (bid & 1) * fsz */
	cg_alu(c, SINAN_ALU_AND, R->t1, bid, CG_I(p->dbl ? 1 : 0));
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I(L->fsz));
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(L->fmap));
	cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_R(R->t1), CG_R(R->t0), CG_I((uint64_t)p->C1), CG_R(tmp),
	       CG_I((uint64_t)(p->H * p->W * 32)), CG_R(tmp));
}

/*
 * The feature-map band of this item (id r0 = image-group * nbands + band, rows ihs/hb) into L1.
 * One buffer: load it when the band changes and wait. Two buffers (band b in buffer b & 1;
 * flags MTE2->MTE1 6+b "band loaded", MTE1->MTE2 6+b "buffer free", primed free): a core's
 * items are contiguous, so its bands come in order; the band after the current one is
 * loaded as soon as the current one is in place, and is waited for when reached.
 */
static void emit_band(struct cg *c, const struct convplan *p, const struct crg *R, const struct clay *L, int ax,
		      unsigned int ihs, unsigned int hb, int64_t items_per_band, int64_t nbands)
{
	int same = sinan_asm_label(c->a), fresh = sinan_asm_label(c->a), next = sinan_asm_label(c->a);

	sinan_asm_br(c->a, SINAN_BR_EQ, R->r0, R->cur, same);
	if (!p->dbl) {
		int first = sinan_asm_label(c->a);
		cg_li(c, R->t0, UINT64_MAX);
		sinan_asm_br(c->a, SINAN_BR_EQ, R->cur, R->t0, first);
		cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 7);
		cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 7);
		sinan_asm_bind(c->a, first);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->cur, R->r0, 0);
		load_band(c, p, R, L, ax, R->r0, ihs, hb, nbands, R->len);
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 6);
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 6);
		sinan_asm_bind(c->a, same);
		return;
	}
	cg_li(c, R->t0, UINT64_MAX);
	sinan_asm_br(c->a, SINAN_BR_EQ, R->cur, R->t0, fresh);
	/* leaving band cur: its buffer is free once its IMG2COLs are done */
	BY_PARITY(c, R->cur, cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 6 + b));
	cg_alu(c, SINAN_ALU_ADD, R->t0, R->cur, CG_I(1));
	sinan_asm_br(c->a, SINAN_BR_NE, R->r0, R->t0, fresh);
	/* the next band, loading since the current one arrived */
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->cur, R->r0, 0);
	BY_PARITY(c, R->r0, cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 6 + b));
	sinan_asm_jmp(c->a, next);
	sinan_asm_bind(c->a, fresh);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->cur, R->r0, 0);
	BY_PARITY(c, R->r0, cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 6 + b));
	load_band(c, p, R, L, ax, R->r0, ihs, hb, nbands, R->len);
	BY_PARITY(c, R->r0, cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 6 + b));
	BY_PARITY(c, R->r0, cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 6 + b));
	sinan_asm_bind(c->a, next);
	/* prefetch band r0 + 1 if this core has items of it: its first item < hi (items of a band
	 * are consecutive: (r0 + 1) * items_per_band, or with weight slices (nt * bands +
	 * r0 + 1) * items_per_band while r0 + 1 < bands) */
	cg_alu(c, SINAN_ALU_ADD, R->cnt, R->r0, CG_I(1));
	if (p->wslice) {
		int64_t bands = p->N * nbands;
		cg_li(c, R->t0, (uint64_t)bands);
		sinan_asm_br(c->a, SINAN_BR_GEU, R->cnt, R->t0, same);
		cg_alu(c, SINAN_ALU_MUL, R->t0, R->nt, CG_I((uint64_t)bands));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->cnt);
		cg_alu(c, SINAN_ALU_MUL, R->t0, R->t0, CG_I((uint64_t)items_per_band));
	} else {
		cg_alu(c, SINAN_ALU_MUL, R->t0, R->cnt, CG_I((uint64_t)items_per_band));
	}
	sinan_asm_br(c->a, SINAN_BR_GEU, R->t0, R->hi, same);
	{
		/* its rows: bnd' = cnt % nbands; ih0 = bnd' * band * SH - pt; ih1 likewise (band_cfg) */
		unsigned int i0 = R->k0, h1 = R->kl;	/* this band's rows are no longer needed */
		cg_alu(c, SINAN_ALU_REMU, R->t0, R->cnt, CG_I((uint64_t)nbands));
		cg_alu(c, SINAN_ALU_MUL, R->t0, R->t0, CG_I((uint64_t)p->band));
		band_ih(c, p, R);
		sinan_asm_alu(c->a, SINAN_ALU_MAX, i0, R->t0, 0);
		cg_alu(c, SINAN_ALU_MIN, h1, R->t1, CG_I((uint64_t)p->H));
		sinan_asm_alu(c->a, SINAN_ALU_SUB, h1, h1, i0);
		BY_PARITY(c, R->cnt, cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 6 + b));
		load_band(c, p, R, L, ax, R->cnt, i0, h1, nbands, R->yoff);
		BY_PARITY(c, R->cnt, cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 6 + b));
	}
	sinan_asm_bind(c->a, same);
}

static void emit_chunk(struct cg *c, const struct convplan *p, const struct crg *R, const struct clay *L, int s,
		       bool acc)
{
	int dt = cc_hw_dtype(p->x5->dtype);

	/* kl = min(tk, K - k0) */
	cg_li(c, 26, (uint64_t)p->K);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->kl, 26, R->k0);
	cg_alu(c, SINAN_ALU_MINU, R->kl, R->kl, CG_I((uint64_t)p->tk));
	if (!(p->wres || p->wslice)) {	/* weight image straight from device memory into L0B */
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, (unsigned int)s);
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L0B, 0, CG_I(L->l0b[s]), CG_R(R->woff), CG_I(1), CG_R(R->len), CG_I(0),
		       CG_I(0));
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, (unsigned int)s);
	}
	/* MTE1: IMG2COL (positions [p0 - bandp0, +pl) x K columns [k0, +kl)); weights L1 -> L0B */
	cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, (unsigned int)s);
	cg_img2col(c, (unsigned int)dt, CG_I(L->l0a[s]), CG_R(R->t0), CG_R(R->t1), CG_R(R->pl), CG_R(R->k0),
		   CG_R(R->kl));
	if ((p->wres || p->wslice))
		cg_mov(c, SINAN_BUF_L1, SINAN_BUF_L0B, 0, CG_I(L->l0b[s]), CG_R(R->woff), CG_I(1), CG_R(R->len), CG_I(0),
		       CG_I(0));
	cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_M, (unsigned int)s);
	/* M */
	cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_M, (unsigned int)s);
	if (!(p->wres || p->wslice))
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, (unsigned int)s);
	cg_mmad(c, (unsigned int)dt, acc ? SINAN_MMAD_F_ACC : 0, CG_I(L->l0c[L->cur]), CG_I(L->l0a[s]),
		CG_I(L->l0b[s]), CG_R(R->pl), CG_R(R->nl), CG_R(R->kl));
	cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, (unsigned int)s);
	if (!(p->wres || p->wslice))
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, (unsigned int)s);
	cg_alu(c, SINAN_ALU_ADD, R->k0, R->k0, CG_I((uint64_t)p->tk));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->woff, R->woff, R->len);
}

/* MTE2: the packed weights of channel tile @ntr (one group) to their place in L1, then
 * MTE2 -> MTE1 5. Uses t1, len. */
static void emit_wtile_load(struct cg *c, const struct convplan *p, const struct crg *R, const struct clay *L, int aw,
			    unsigned int ntr)
{
	uint64_t tile = (uint64_t)(p->KC * p->tk * p->tn * p->es);
	/* bytes: KC * tk * align16(min(tn, Mg - nt * tn)) * es */
	cg_alu(c, SINAN_ALU_MUL, R->t1, ntr, CG_I((uint64_t)p->tn));
	cg_li(c, 26, (uint64_t)p->Mg);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->len, 26, R->t1);
	cg_alu(c, SINAN_ALU_MINU, R->len, R->len, CG_I((uint64_t)p->tn));
	cg_alu(c, SINAN_ALU_ADD, R->len, R->len, CG_I(15));
	cg_alu(c, SINAN_ALU_SHR, R->len, R->len, CG_I(4));
	cg_alu(c, SINAN_ALU_MUL, R->len, R->len, CG_I((uint64_t)(16 * p->KC * p->tk * p->es)));
	cg_ldarg(c, R->t1, aw);
	cg_alu(c, SINAN_ALU_MUL, 27, ntr, CG_I(tile));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->t1, 27);
	cg_alu(c, SINAN_ALU_MUL, 27, ntr, CG_I(tile));
	cg_alu(c, SINAN_ALU_ADD, 27, 27, CG_I(L->wl1));
	cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_R(27), CG_R(R->t1), CG_I(1), CG_R(R->len), CG_I(0), CG_I(0));
	cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 5);
}

static void emit_act(struct cg *c, int act, float aa, float ab, uint32_t x, uint32_t t, struct cg_v n, struct cg_v r,
		     uint64_t pp)
{
	const int f = SINAN_DT_FP32;
	struct cg_v X = CG_I(x), T = CG_I(t);
	if (act == CC_ACT_NONE)
		return;
	if (act == CC_ACT_CLIP) {
		if (aa > -INFINITY)
			cg_vscalar(c, SINAN_VS_MAX, f, X, X, CG_I(cg_fbits(aa)), n, r, pp, pp);
		if (ab < INFINITY)
			cg_vscalar(c, SINAN_VS_MIN, f, X, X, CG_I(cg_fbits(ab)), n, r, pp, pp);
	} else if (act == cc_act_code("Relu")) {
		cg_vun(c, SINAN_VU_RELU, f, X, X, n, r, pp, pp);
	} else if (act == cc_act_code("Sigmoid")) {
		cg_vun(c, SINAN_VU_SIGMOID, f, X, X, n, r, pp, pp);
	} else if (act == cc_act_code("Tanh")) {
		cg_vun(c, SINAN_VU_TANH, f, X, X, n, r, pp, pp);
	} else if (act == cc_act_code("LeakyRelu")) {
		cg_vscalar(c, SINAN_VS_LRELU, f, X, X, CG_I(cg_fbits(aa)), n, r, pp, pp);
	} else {	/* HardSigmoid / HardSwish */
		bool sw = act == cc_act_code("HardSwish");
		struct cg_v D = sw ? T : X;
		cg_vscalar(c, SINAN_VS_MUL, f, D, X, CG_I(cg_fbits(sw ? 1.0 / 6 : aa)), n, r, pp, pp);
		cg_vscalar(c, SINAN_VS_ADD, f, D, D, CG_I(cg_fbits(sw ? 0.5 : ab)), n, r, pp, pp);
		cg_vscalar(c, SINAN_VS_MAX, f, D, D, CG_I(cg_fbits(0)), n, r, pp, pp);
		cg_vscalar(c, SINAN_VS_MIN, f, D, D, CG_I(cg_fbits(1)), n, r, pp, pp);
		if (sw)
			cg_vbin(c, SINAN_VB_MUL, f, 0, X, X, T, n, r, pp, pp, pp);
	}
}

int cc_lower_conv(struct cg *c, struct cc_node *n)
{
	struct convplan *p = n->priv;
	struct cc_graph *g = c->g;
	struct cc_tensor *x = n->in[0], *y = n->out[0];
	int rc;

	if (!p)
		return NERR(g, n, EINVAL, "internal: convolution not planned");
	/* 1. x -> x5: zeros (channel padding, upsampling holes), then the channels;
	 * nothing when x is stored NC1HWC0 already */
	if (p->id_in)		/* one group: on the cube */
		rc = cc_emit_5hd(c, n, x, p->x5, true, p->N, p->C, p->xH * p->xW, p->c0, p->id_in, "in");
	else
		rc = p->x5 == x ? 0 : cc_emit_fill(c, n, p->x5, 0);
	if (rc)
		return rc;
	if (p->x5 != x && !p->id_in) {
		struct view v, vin[2];
		int nvin = 0;
		memset(&v, 0, sizeof(v));
		int64_t H = p->xH, W = p->xW;
		int64_t ih = p->transpose ? (H - 1) / p->uh + 1 : H, iw = p->transpose ? (W - 1) / p->uw + 1 : W;
		/* x[n][g*Cg + c][h][w] -> x5[n][g][c / c0][h*uh][w*uw][c % c0], c < Cg */
		int64_t full = p->Cg / p->c0, part = p->Cg % p->c0;
		for (int k = 0; k < 2; k++) {
			int64_t nc1 = k ? (part ? 1 : 0) : full, ncc = k ? part : p->c0;
			if (!nc1)
				continue;
			v.rank = 6;
			int64_t d[6] = { p->N, p->G, nc1, ncc, ih, iw };
			memcpy(v.d, d, sizeof(d));
			int64_t xs[6] = { p->C * ih * iw, p->Cg * ih * iw, p->c0 * ih * iw, ih * iw, iw, 1 };
			int64_t ys[6] = { p->G * p->C1 * H * W * p->c0, p->C1 * H * W * p->c0,
					  H * W * p->c0, 1, p->uh * W * p->c0, p->uw * p->c0 };
			memcpy(v.si, xs, sizeof(xs));
			memcpy(v.so, ys, sizeof(ys));
			v.ioff = k ? full * p->c0 * ih * iw : 0;
			v.ooff = k ? full * H * W * p->c0 : 0;
			/* the copy wants output-contiguous inner rows: put w last with so = uw*c0 ... iterate c innermost instead */
			struct view w;
			memset(&w, 0, sizeof(w));
			w.rank = 6;
			int order[6] = { 0, 1, 2, 4, 5, 3 };	/* n g c1 h w c */
			for (int i = 0; i < 6; i++) {
				w.d[i] = v.d[order[i]];
				w.si[i] = v.si[order[i]];
				w.so[i] = v.so[order[i]];
			}
			w.ioff = v.ioff;
			w.ooff = v.ooff;
			vin[nvin++] = w;
		}
		rc = cc_emit_copies(c, n, x, p->x5, vin, nvin, "in");
		if (rc)
			return rc;
	}
	/* 1b. run-time weights: pack them on the device (zeros, then one copy per (group, tile, c1, kh, kw)) */
	if (p->wdyn) {
		rc = cc_emit_fill(c, n, p->w, 0);
		if (rc)
			return rc;
		int64_t c0 = p->c0, tk = p->tk, tn = p->tn, KK = p->C1 * p->KH * p->KW;
		int64_t per_group = 0;
		for (int64_t nt = 0; nt < p->NT; nt++)
			per_group += p->KC * tk * CC_ALIGN(CC_MIN(tn, p->Mg - nt * tn), 16);
		int nv = 0, cap = (int)(p->G * p->NT * KK * 2);
		struct view *vs = calloc((size_t)cap, sizeof(*vs));
		if (!vs)
			return cc_err(g, ENOMEM, "out of memory");
		for (int64_t gr = 0; gr < p->G; gr++)
			for (int64_t nt = 0; nt < p->NT; nt++) {
				int64_t nl = CC_MIN(tn, p->Mg - nt * tn), N1 = CC_DIV_UP(nl, 16);
				for (int64_t kk = 0; kk < KK; kk++) {
					int64_t kc = kk / (tk / c0), kb = kk % (tk / c0);
					int64_t kw = kk % p->KW, kh = (kk / p->KW) % p->KH, c1 = kk / (p->KW * p->KH);
					int64_t rc_ = CC_MIN(c0, p->Cg - c1 * c0);
					int64_t dst = gr * per_group + nt * p->KC * tk * tn + kc * tk * N1 * 16 + kb * N1 * c0 * 16;
					int64_t msrc, csrc, base;
					if (!p->transpose) {	/* W[M][Cg][KH][KW] */
						msrc = p->Cg * p->KH * p->KW;
						csrc = p->KH * p->KW;
						base = ((gr * p->Mg + nt * tn) * p->Cg + c1 * c0) * p->KH * p->KW + kh * p->KW + kw;
					} else {		/* W[C][Mg][KH][KW], flipped */
						msrc = p->KH * p->KW;
						csrc = p->Mg * p->KH * p->KW;
						base = ((gr * p->Cg + c1 * c0) * p->Mg + nt * tn) * p->KH * p->KW +
						       (p->KH - 1 - kh) * p->KW + (p->KW - 1 - kw);
					}
					int64_t jf = nl / 16, pm = nl % 16;
					for (int part = 0; part < 2; part++) {
						int64_t nj = part ? (pm ? 1 : 0) : jf, ncc = part ? pm : 16;
						if (!nj)
							continue;
						struct view *v = &vs[nv++];
						v->rank = 3;
						v->d[0] = nj;
						v->d[1] = rc_;
						v->d[2] = ncc;
						v->so[0] = c0 * 16;
						v->so[1] = 16;
						v->so[2] = 1;
						v->si[0] = 16 * msrc;
						v->si[1] = csrc;
						v->si[2] = msrc;
						v->ooff = dst + (part ? jf * c0 * 16 : 0);
						v->ioff = base + (part ? jf * 16 * msrc : 0);
					}
				}
			}
		rc = cc_emit_copies(c, n, p->wsrc, p->w, vs, nv, "wpack");
		free(vs);
		if (rc)
			return rc;
	}
	/* 2. the convolution, x5 -> y5 */
	struct clay L;
	memset(&L, 0, sizeof(L));
	const struct cc_target *t = c->tgt;
	int64_t es = p->es;
	uint32_t wl1 = p->wres ? (uint32_t)CC_ALIGN(p->wbytes, 512) : p->wslice ? (uint32_t)CC_ALIGN(p->sbytes, 512) : 0;
	L.wl1 = 0;
	L.fmap = wl1;
	L.fsz = (uint32_t)CC_ALIGN(p->fbytes, 512);
	uint32_t a0 = (uint32_t)CC_ALIGN(p->tm * p->tk * es, SINAN_ALIGN_L0AB);
	uint32_t b0 = (uint32_t)CC_ALIGN(p->tk * CC_ALIGN(p->tn, 16) * es, SINAN_ALIGN_L0AB);
	for (int i = 0; i < 4; i++) {
		L.l0a[i] = (uint32_t)i * a0;
		L.l0b[i] = (uint32_t)i * b0;
	}
	L.l0c[0] = 0;
	L.l0c[1] = (uint32_t)CC_ALIGN(p->tm * CC_ALIGN(p->tn, 16) * 4, SINAN_ALIGN_L0C);
	int64_t p4 = CC_ALIGN(p->tn * 4, 32), po = CC_ALIGN(p->tn * p->oes, 32), oes = p->oes;
	/* one group: the whole bias (fp32) stays in the UB, loaded once */
	struct cc_tensor *bias0 = !p->integer && p->nin0 > 2 ? n->in[2] : NULL;
	int64_t nb = bias0 ? (int64_t)cc_tensor_elems(bias0) : 0, bes0 = bias0 ? esz(cc_hw_dtype(bias0->dtype)) : 0;
	bool ball = bias0 && p->G == 1;
	int64_t ballb = ball ? CC_ALIGN(nb * 4, 32) + CC_ALIGN(nb * bes0, 32) : 0;
	/* UB: two fp32 result buffers (the fixpipe fills one while the vector unit works on the other),
	 * the activation's scratch (HardSwish), the bias, two output buffers, the whole bias */
	bool fused = !strcmp(n->domain, "sinan");
	int act = fused ? cc_act_code(cc_attr_s(n, "activation", "")) : CC_ACT_NONE;
	bool tmpb = act == cc_act_code("HardSwish");
	int64_t rcap = ((int64_t)t->ub - 2 * p4 - ballb) / ((tmpb ? 3 : 2) * p4 + 2 * po);
	int64_t rcr = CC_MIN(rcap / 16 * 16, p->tm);
	if (rcr < 16 || 4 * a0 > t->l0a || 4 * b0 > t->l0b || 2 * L.l0c[1] > t->l0c)
		return NERR(g, n, ENOTSUP, "convolution tiles do not fit the on-chip buffers");
	uint32_t off = 0;
	for (int i = 0; i < 2; i++) {
		L.res[i] = off;
		off += (uint32_t)(rcr * p4);
	}
	L.tmp = off;
	if (tmpb)
		off += (uint32_t)(rcr * p4);
	L.bias = off;
	off += (uint32_t)p4 * 2;
	L.out[0] = off;
	off += (uint32_t)(rcr * po);
	L.out[1] = off;
	off += (uint32_t)(rcr * po);
	L.ball = off;	/* fp32 bias, then its staging copy */

	struct cc_tensor *bias = !p->integer && p->nin0 > 2 ? n->in[2] : NULL;
	struct cc_tensor *padv = p->integer && p->nin0 > 2 ? n->in[2] : NULL;
	float aa = fused ? cc_attr_f(n, "act_alpha", 0) : 0, ab = fused ? cc_attr_f(n, "act_beta", 0) : 0;
	int dt = cc_hw_dtype(p->y5->dtype);
	int64_t P = p->OH * p->OW, nbands = CC_DIV_UP(p->OH, p->band);
	int64_t PT = CC_DIV_UP(p->band * p->OW, p->tm);
	uint64_t items = (uint64_t)(p->N * p->G * nbands * PT * p->NT);

	rc = cg_begin(c, "conv", NULL);
	if (rc)
		return rc;
	struct crg R;
	unsigned int *rp = (unsigned int *)&R;
	for (size_t i = 0; i < sizeof(R) / sizeof(unsigned int); i++)
		rp[i] = cg_reg(c);
	int ax = cg_arg(c, p->x5, 0, false), aw = cg_arg(c, p->w, 0, false), ay = cg_arg(c, p->y5, 0, true);
	int ab_ = bias ? cg_arg(c, bias, 0, false) : -1;
	/* the padding value (int8 bits) of sinan:ConvInteger */
	if (padv && padv->data) {
		cg_setcfg(c, SINAN_CFG_PADVAL, CG_I((uint64_t)(uint8_t)cc_ldi(padv->dtype, padv->data, 0)));
	} else if (padv) {
		cg_ldarg(c, R.t0, cg_arg(c, padv, 0, false));
		sinan_asm_ld(c->a, 1, false, R.t0, R.t0, 0);
		sinan_asm_setcfg(c->a, SINAN_CFG_PADVAL, R.t0);
	}
	/* weights into L1 once: all at once, or (one group) channel tile by channel tile as the
	 * block's first items need them (emit_wslice_next), so that work starts with the first */
	bool wprog = p->wres && p->G == 1 && p->NT > 1;
	if (p->wres && !wprog) {
		cg_ldarg(c, R.t0, aw);
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_I(L.wl1), CG_R(R.t0), CG_I(1), CG_I(p->wbytes), CG_I(0), CG_I(0));
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 5);
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 5);
	}
	cg_setcfg(c, SINAN_CFG_KERNEL, CG_I((uint64_t)p->KH | (uint64_t)p->KW << 8 | (uint64_t)p->SH << 16 |
					 (uint64_t)p->SW << 24 | (uint64_t)p->DH << 32 | (uint64_t)p->DW << 40));
	for (unsigned int s = 0; s < 4; s++) {
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, s);
		if (!p->wres)
			cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, s);
	}
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, 0);
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, 1);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_FIX, 0);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_FIX, 1);
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 1);
	if (p->dbl) {	/* both band buffers free */
		cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 6);
		cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 7);
	}
	if (bias && !ball)
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 3);
	if (ball) {	/* the bias once, converted to fp32 */
		uint32_t stage = L.ball + (uint32_t)CC_ALIGN(nb * 4, 32);
		cg_ldarg(c, R.t0, ab_);
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(stage), CG_R(R.t0), CG_I(1), CG_I((uint64_t)(nb * bes0)), CG_I(0),
		       CG_I(0));
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 4);
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 4);
		if (bes0 == 4)
			cg_vun(c, SINAN_VU_COPY, SINAN_DT_FP32, CG_I(L.ball), CG_I(stage), CG_I((uint64_t)nb), CG_I(1), 0, 0);
		else
			cg_vcvt(c, (unsigned int)cc_hw_dtype(bias0->dtype), SINAN_DT_FP32, SINAN_RND_EVEN, 0, CG_I(L.ball),
				CG_I(stage), CG_I((uint64_t)nb), CG_I(1), 0, 0);
	}
	cg_li(c, R.cur, UINT64_MAX);
	cg_li(c, R.wcur, UINT64_MAX);
	cg_block_range(c, R.it, R.hi, items);
	if (wprog) {	/* the first item's tile (it % NT) */
		cg_alu(c, SINAN_ALU_REMU, R.t0, R.it, CG_I((uint64_t)p->NT));
		emit_wtile_load(c, p, &R, &L, aw, R.t0);
		cg_li(c, R.wcur, 0);
	}
	int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a);
	sinan_asm_bind(c->a, top);
	for (int par = 0; par < 2; par++) {
		L.cur = par;
		sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
		/* item -> img, grp, bnd, pt, nt (nt fastest; slowest with weight slices) */
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.it, 0);
		if (!p->wslice) {
			cg_li(c, 26, (uint64_t)p->NT);
			sinan_asm_alu(c->a, SINAN_ALU_REMU, R.nt, R.t0, 26);
			sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.t0, R.t0, 26);
		}
		cg_li(c, 26, (uint64_t)PT);
		sinan_asm_alu(c->a, SINAN_ALU_REMU, R.pl, R.t0, 26);	/* position tile */
		sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.t0, R.t0, 26);
		if (p->wslice) {	/* (G = 1) t0 = nt * N * nbands + band id */
			cg_li(c, 26, (uint64_t)(p->N * nbands));
			sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.nt, R.t0, 26);
			sinan_asm_alu(c->a, SINAN_ALU_REMU, R.t0, R.t0, 26);
		}
		/* band id (img, grp, bnd) in t0 for the L1 reuse test */
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.r0, R.t0, 0);
		cg_li(c, 26, (uint64_t)nbands);
		sinan_asm_alu(c->a, SINAN_ALU_REMU, R.bnd, R.t0, 26);
		sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.t0, R.t0, 26);
		cg_li(c, 26, (uint64_t)p->G);
		sinan_asm_alu(c->a, SINAN_ALU_REMU, R.grp, R.t0, 26);
		sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.img, R.t0, 26);
		/* positions: band p0 = bnd * band * OW; tile p0 += pt * tm; pl = min(tm, bandP - pt*tm) */
		cg_alu(c, SINAN_ALU_MUL, R.p0, R.bnd, CG_I((uint64_t)(p->band * p->OW)));
		cg_alu(c, SINAN_ALU_ADD, R.t1, R.p0, CG_I((uint64_t)(p->band * p->OW)));
		cg_alu(c, SINAN_ALU_MINU, R.t1, R.t1, CG_I((uint64_t)P));
		sinan_asm_alu(c->a, SINAN_ALU_SUB, R.t1, R.t1, R.p0);	/* band positions */
		cg_alu(c, SINAN_ALU_MUL, R.pl, R.pl, CG_I((uint64_t)p->tm));
		sinan_asm_alu(c->a, SINAN_ALU_SUB, R.t1, R.t1, R.pl);
		cg_alu(c, SINAN_ALU_MINU, R.t1, R.t1, CG_I((uint64_t)p->tm));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.rows, R.pl, 0);	/* first position in the band */
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.pl, R.t1, 0);	/* positions in this tile */
		/* channels: m0 = nt * tn; nl = min(tn, Mg - m0) */
		cg_alu(c, SINAN_ALU_MUL, R.t1, R.nt, CG_I((uint64_t)p->tn));
		cg_li(c, 26, (uint64_t)p->Mg);
		sinan_asm_alu(c->a, SINAN_ALU_SUB, R.nl, 26, R.t1);
		cg_alu(c, SINAN_ALU_MINU, R.nl, R.nl, CG_I((uint64_t)p->tn));
		/* band geometry + load the band when it changes */
		unsigned int ihs = R.k0, hb = R.kl;	/* free until the K loop */
		band_cfg(c, p, &R, ihs, hb);
		emit_band(c, p, &R, &L, ax, ihs, hb, p->wslice ? PT : PT * p->NT, nbands);
		if (wprog) {	/* the block's first NT items: wait for this tile, load the next */
			int done = sinan_asm_label(c->a);
			cg_li(c, 26, (uint64_t)p->NT);
			sinan_asm_br(c->a, SINAN_BR_GEU, R.wcur, 26, done);
			cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 5);
			cg_alu(c, SINAN_ALU_ADD, R.wcur, R.wcur, CG_I(1));
			sinan_asm_br(c->a, SINAN_BR_GEU, R.wcur, 26, done);
			cg_alu(c, SINAN_ALU_ADD, R.t0, R.nt, CG_I(1));
			cg_alu(c, SINAN_ALU_REMU, R.t0, R.t0, CG_I((uint64_t)p->NT));
			emit_wtile_load(c, p, &R, &L, aw, R.t0);
			sinan_asm_bind(c->a, done);
		}
		if (p->wslice) {	/* this channel tile's slice of the weights into L1 when it changes */
			int wsame = sinan_asm_label(c->a), wfirst = sinan_asm_label(c->a);
			sinan_asm_br(c->a, SINAN_BR_EQ, R.nt, R.wcur, wsame);
			cg_li(c, R.t0, UINT64_MAX);
			sinan_asm_br(c->a, SINAN_BR_EQ, R.wcur, R.t0, wfirst);
			cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 5);
			cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 5);
			sinan_asm_bind(c->a, wfirst);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R.wcur, R.nt, 0);
			cg_ldarg(c, R.t0, aw);
			cg_alu(c, SINAN_ALU_MUL, R.t1, R.nt, CG_I(p->sbytes));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.t1);
			cg_alu(c, SINAN_ALU_ADD, R.t1, R.nl, CG_I(15));
			cg_alu(c, SINAN_ALU_SHR, R.t1, R.t1, CG_I(4));
			cg_alu(c, SINAN_ALU_MUL, R.t1, R.t1, CG_I((uint64_t)(16 * p->KC * p->tk * es)));
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_I(L.wl1), CG_R(R.t0), CG_I(1), CG_R(R.t1), CG_I(0),
			       CG_I(0));
			cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 5);
			cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, 5);
			sinan_asm_bind(c->a, wsame);
		}
		/* weights of (grp, nt): woff = base + ((grp * NT + nt) * KC * tk * tn) * es, chunk len = tk * align16(nl) * es */
		if (p->wslice) {
			cg_li(c, R.woff, L.wl1);
		} else {
			if (p->wres)
				cg_li(c, R.woff, L.wl1);
			else
				cg_ldarg(c, R.woff, aw);
			cg_alu(c, SINAN_ALU_MUL, R.t0, R.grp, CG_I((uint64_t)p->NT));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.nt);
			cg_alu(c, SINAN_ALU_MUL, R.t0, R.t0, CG_I((uint64_t)(p->KC * p->tk * p->tn * es)));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R.woff, R.woff, R.t0);
		}
		cg_alu(c, SINAN_ALU_ADD, R.len, R.nl, CG_I(15));
		cg_alu(c, SINAN_ALU_SHR, R.len, R.len, CG_I(4));
		cg_alu(c, SINAN_ALU_MUL, R.len, R.len, CG_I((uint64_t)(16 * p->tk * es)));
		/* K loop; IMG2COL reads the band's buffer (t0) from its first position in the band (t1) */
		cg_alu(c, SINAN_ALU_AND, R.t0, R.r0, CG_I(p->dbl ? 1 : 0));
		cg_alu(c, SINAN_ALU_MUL, R.t0, R.t0, CG_I(L.fsz));
		cg_alu(c, SINAN_ALU_ADD, R.t0, R.t0, CG_I(L.fmap));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t1, R.rows, 0);
		cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)par);
		cg_li(c, R.k0, 0);
		emit_chunk(c, p, &R, &L, 0, false);
		int64_t groups = (p->KC - 1) / 4, rest = (p->KC - 1) % 4;
		if (groups) {
			int kt = sinan_asm_label(c->a);
			cg_li(c, R.cnt, (uint64_t)groups);
			sinan_asm_bind(c->a, kt);
			for (int i = 1; i <= 4; i++)
				emit_chunk(c, p, &R, &L, i % 4, true);
			cg_alu(c, SINAN_ALU_SUB, R.cnt, R.cnt, CG_I(1));
			sinan_asm_br(c->a, SINAN_BR_NE, R.cnt, 0, kt);
		}
		for (int i = 1; i <= rest; i++)
			emit_chunk(c, p, &R, &L, i % 4, true);
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)par);
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)par);
		/* yoff = y5 + (((img * G + grp) * M1 + m0 / c0) * P + bandp0 + first) * c0 * es */
		cg_ldarg(c, R.yoff, ay);
		cg_alu(c, SINAN_ALU_MUL, R.t0, R.img, CG_I((uint64_t)p->G));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.grp);
		cg_alu(c, SINAN_ALU_MUL, R.t0, R.t0, CG_I((uint64_t)p->M1));
		cg_alu(c, SINAN_ALU_MUL, R.t1, R.nt, CG_I((uint64_t)p->tn));	/* m0 */
		cg_alu(c, SINAN_ALU_DIVU, R.t1, R.t1, CG_I((uint64_t)p->c0));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.t1);
		cg_alu(c, SINAN_ALU_MUL, R.t0, R.t0, CG_I((uint64_t)P));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.p0);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.rows);
		cg_alu(c, SINAN_ALU_MUL, R.t0, R.t0, CG_I((uint64_t)(p->c0 * oes)));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R.yoff, R.yoff, R.t0);
		/* epilogue columns: nl, or whole C0 blocks for an NC1HWC0 output (the padding channels
		 * get zeros: L0C holds zeros there, the bias is padded); R.len is free after the K loop */
		unsigned int ncr = R.nl;
		if (p->out5) {
			ncr = R.len;
			cg_alu(c, SINAN_ALU_ADD, ncr, R.nl, CG_I((uint64_t)(p->c0 - 1)));
			cg_alu(c, SINAN_ALU_AND, ncr, ncr, CG_I(~(uint64_t)(p->c0 - 1)));
		}
		/* bias row for channels [grp * Mg + m0, + ncr): in the UB already (one group; its address
		 * in woff, free after the K loop), or loaded per item */
		if (ball) {
			cg_alu(c, SINAN_ALU_MUL, R.woff, R.nt, CG_I((uint64_t)(p->tn * 4)));
			cg_alu(c, SINAN_ALU_ADD, R.woff, R.woff, CG_I(L.ball));
		} else if (bias) {
			cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 3);
			cg_alu(c, SINAN_ALU_MUL, R.t0, R.grp, CG_I((uint64_t)p->Mg));
			cg_alu(c, SINAN_ALU_MUL, R.t1, R.nt, CG_I((uint64_t)p->tn));	/* m0 */
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t1, R.t1, R.t0);
			cg_ldarg(c, R.t0, ab_);
			int bes = esz(cc_hw_dtype(bias->dtype));
			cg_alu(c, SINAN_ALU_MUL, R.t1, R.t1, CG_I((uint64_t)bes));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.t1);
			cg_alu(c, SINAN_ALU_MUL, R.t1, ncr, CG_I((uint64_t)bes));
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(L.bias + (uint32_t)p4), CG_R(R.t0), CG_I(1), CG_R(R.t1),
			       CG_I(0), CG_I(0));
			cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 3);
			cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 3);
			if (bes == 4)
				cg_vun(c, SINAN_VU_COPY, SINAN_DT_FP32, CG_I(L.bias), CG_I(L.bias + (uint32_t)p4), CG_R(ncr),
				       CG_I(1), 0, 0);
			else
				cg_vcvt(c, (unsigned int)cc_hw_dtype(bias->dtype), SINAN_DT_FP32, SINAN_RND_EVEN, 0,
					CG_I(L.bias), CG_I(L.bias + (uint32_t)p4), CG_R(ncr), CG_I(1), 0, 0);
			cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 3);
		}
		/* epilogue in row chunks of rcr positions; buffers res/out[s] */
		int et = sinan_asm_label(c->a), ee = sinan_asm_label(c->a);
		cg_li(c, R.r0, 0);
		sinan_asm_bind(c->a, et);
		for (int s0 = 0; s0 < 2; s0++) {
			/* buffers alternate by chunk; items of an odd number of chunks start with their
			 * parity (an item of one chunk takes the other buffers than the item before) */
			const int s = (s0 + (CC_DIV_UP(p->tm, rcr) % 2 ? par : 0)) % 2;
			sinan_asm_br(c->a, SINAN_BR_GEU, R.r0, R.pl, ee);
			/* rows = min(rcr, pl - r0) -> kl (free after the K loop) */
			unsigned int rows = R.kl;
			sinan_asm_alu(c->a, SINAN_ALU_SUB, rows, R.pl, R.r0);
			cg_alu(c, SINAN_ALU_MINU, rows, rows, CG_I((uint64_t)rcr));
			/* FIXP rows [r0, +rows) of L0C -> res[s] */
			cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_FIX, (unsigned int)s);
			cg_alu(c, SINAN_ALU_ADD, R.t1, R.nl, CG_I(15));
			cg_alu(c, SINAN_ALU_SHR, R.t1, R.t1, CG_I(4));
			cg_alu(c, SINAN_ALU_SHR, R.t0, R.r0, CG_I(4));
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R.t0, R.t0, R.t1);
			cg_alu(c, SINAN_ALU_SHL, R.t0, R.t0, CG_I(10));
			cg_alu(c, SINAN_ALU_ADD, R.t0, R.t0, CG_I(L.l0c[par]));
			if (p->integer)	/* int32 as is */
				cg_fixp(c, SINAN_BUF_UB, SINAN_DT_INT32, SINAN_FIXP_F_S32, CG_I(L.res[s]), CG_R(R.t0), CG_R(rows),
					CG_R(R.nl), CG_I((uint64_t)p4), CG_R(R.t1));
			else
				cg_fixp(c, SINAN_BUF_UB, SINAN_DT_FP32, 0, CG_I(L.res[s]), CG_R(R.t0), CG_R(rows), CG_R(ncr),
					CG_I((uint64_t)p4), CG_R(R.t1));
			cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_V, (unsigned int)s);
			cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_V, (unsigned int)s);
			cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, (unsigned int)s);
			struct cg_v res = CG_I(L.res[s]), nn = CG_R(ncr), rr = CG_R(rows);
			if (bias)
				cg_vbin(c, SINAN_VB_ADD, SINAN_DT_FP32, 0, res, res, ball ? CG_R(R.woff) : CG_I(L.bias), nn, rr,
					(uint64_t)p4, (uint64_t)p4, 0);
			/* Relu after the rounding to a narrower output type: the same values (rounding is
			 * monotonic and keeps 0), half the vector work */
			bool late_relu = act == cc_act_code("Relu") && !p->integer && dt != SINAN_DT_FP32;
			if (!late_relu)
				emit_act(c, act, aa, ab, L.res[s], L.tmp, nn, rr, (uint64_t)p4);
			if (p->integer)
				cg_vun(c, SINAN_VU_COPY, SINAN_DT_INT32, CG_I(L.out[s]), res, nn, rr, (uint64_t)po, (uint64_t)p4);
			else if (dt == SINAN_DT_FP32)
				cg_vun(c, SINAN_VU_COPY, SINAN_DT_FP32, CG_I(L.out[s]), res, nn, rr, (uint64_t)po, (uint64_t)p4);
			else
				cg_vcvt(c, SINAN_DT_FP32, (unsigned int)dt, SINAN_RND_EVEN, 0, CG_I(L.out[s]), res, nn, rr,
					(uint64_t)po, (uint64_t)p4);
			cg_set(c, SINAN_PIPE_V, SINAN_PIPE_FIX, (unsigned int)s);
			if (late_relu)
				cg_vun(c, SINAN_VU_RELU, (unsigned int)dt, CG_I(L.out[s]), CG_I(L.out[s]), nn, rr, (uint64_t)po,
				       (uint64_t)po);
			cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, (unsigned int)s);
			/* MTE3: per C0 channel block j: rows of its bc channels to yoff + (j * P + r0) * c0 * es.
			 * A UB row holds tn channels (po bytes), and tn may end inside a C0 block (int8:
			 * c0 = 32, one tile of tn = 16 or 48 channels): that block's copy takes the tn % c0
			 * channels the row has. Whole blocks read past the row, and from the last row
			 * past out[s] into out[s ^ 1], which V is filling meanwhile (a sync hazard). */
			cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, (unsigned int)s);
			for (int64_t j = 0; j < CC_DIV_UP(p->tn, p->c0); j++) {
				int skip = sinan_asm_label(c->a);
				uint64_t bc = (uint64_t)CC_MIN(p->c0, p->tn - j * p->c0);
				cg_li(c, 26, (uint64_t)(j * p->c0));
				sinan_asm_br(c->a, SINAN_BR_GEU, 26, R.nl, skip);
				cg_alu(c, SINAN_ALU_ADD, R.t0, R.r0, CG_I((uint64_t)(j * P)));
				cg_alu(c, SINAN_ALU_MUL, R.t0, R.t0, CG_I((uint64_t)(p->c0 * oes)));
				sinan_asm_alu(c->a, SINAN_ALU_ADD, R.t0, R.t0, R.yoff);
				cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R.t0), CG_I(L.out[s] + (uint32_t)(j * p->c0 * oes)),
				       CG_R(rows), CG_I(bc * (uint64_t)oes), CG_I((uint64_t)po), CG_I((uint64_t)(p->c0 * oes)));
				sinan_asm_bind(c->a, skip);
			}
			cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, (unsigned int)s);
			cg_alu(c, SINAN_ALU_ADD, R.r0, R.r0, CG_I((uint64_t)rcr));
		}
		sinan_asm_jmp(c->a, et);
		sinan_asm_bind(c->a, ee);
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)par);
		cg_alu(c, SINAN_ALU_ADD, R.it, R.it, CG_I(1));
	}
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, end);
	c->k->macs = (uint64_t)(p->N * p->G * P * p->Mg) * (uint64_t)(p->Cg * p->KH * p->KW);
	c->k->cube_dt = cc_hw_dtype(p->x5->dtype);
	c->k->bytes = cc_tensor_bytes(p->x5) + cc_tensor_bytes(p->y5) + p->wbytes;
	rc = cg_end(c, cg_blocks(c, items));
	if (rc)
		return rc;
	/* 3. y5 -> y (NCHW): y[n][g*Mg + m1*c0 + c][oh][ow] = y5[n][g][m1][oh][ow][c], full blocks then the rest */
	if (p->y5 == y)
		return 0;
	if (p->id_out)
		return cc_emit_5hd(c, n, p->y5, y, false, p->N, p->M, p->OH * p->OW, p->c0, p->id_out, "out");
	int64_t full = p->Mg / p->c0, part = p->Mg % p->c0;
	struct view vout[2];
	int nvout = 0;
	for (int k = 0; k < 2; k++) {
		int64_t nm1 = k ? (part ? 1 : 0) : full, ncc = k ? part : p->c0;
		if (!nm1)
			continue;
		struct view v;
		memset(&v, 0, sizeof(v));
		v.rank = 6;
		int64_t d[6] = { p->N, p->G, nm1, ncc, p->OH, p->OW };
		int64_t so[6] = { p->M * P, p->Mg * P, p->c0 * P, P, p->OW, 1 };
		int64_t si[6] = { p->G * p->M1 * P * p->c0, p->M1 * P * p->c0, P * p->c0, 1, p->OW * p->c0, p->c0 };
		memcpy(v.d, d, sizeof(d));
		memcpy(v.so, so, sizeof(so));
		memcpy(v.si, si, sizeof(si));
		v.ioff = k ? full * P * p->c0 : 0;
		v.ooff = k ? full * p->c0 * P : 0;
		vout[nvout++] = v;
	}
	rc = cc_emit_copies(c, n, p->y5, y, vout, nvout, "out");
	if (rc)
		return rc;
	(void)x;
	return 0;
}

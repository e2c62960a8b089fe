// SPDX-License-Identifier: MIT
/*
 * Reductions and row-wise normalizations on the vector unit: Reduce*
 * (Sum, Mean, Max, Min, L1, L2, SumSquare, LogSum, LogSumExp),
 * GlobalAverage/MaxPool, Softmax/LogSoftmax, LayerNormalization and
 * InstanceNormalization.
 *
 * The input is viewed as [O, R, I]: outer, reduced and inner extents (the
 * reduced axes must be contiguous after merging size-1 dimensions).
 *   I == 1: a tile is rows of O by a chunk of R; VRED reduces each row
 *           (accumulating over chunks with SINAN_VR_F_ACC).
 *   I > 1:  a tile is a chunk of R rows by a chunk of I columns; rows are
 *           folded pairwise (VBIN on row halves, log2 steps) into one row.
 * Softmax and the normalizations need a whole row (R) in the unified
 * buffer; reductions stream R in chunks. Arithmetic is fp32 (fp16/bf16
 * inputs are converted in the unified buffer).
 */
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum rkind { RK_REDUCE, RK_SOFTMAX, RK_LOGSOFTMAX, RK_LAYERNORM, RK_INSTNORM };
enum rop { RO_SUM, RO_MEAN, RO_MAX, RO_MIN, RO_L1, RO_L2, RO_SSQ, RO_LOGSUM, RO_LSE };

struct rd {
	struct cc_node *n;
	int kind, op;
	struct cc_tensor *x, *y, *mean, *inv, *gamma, *beta;
	int64_t O, R, I;
	int xdt, ydt, xes, yes;
	double eps;
	/* tiles */
	int64_t rows, rc, nc;	/* I == 1: rows of O per tile, R chunk; I > 1: R rows per tile, I chunk */
	uint32_t ub_x, ub_f, ub_t, ub_acc, ub_aux, ub_g, ub_b, ub_y, ub_m;
	int64_t pitch;		/* bytes of a tile row (fp32) */
	char why[160];
};

static int esz(int dt)
{
	return (int)sinan_dtype_size((unsigned int)dt);
}

static int rop_of(const char *op)
{
	static const char *const nm[] = { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1",
					   "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp" };
	for (int i = 0; i < (int)CC_ARRAY_SIZE(nm); i++)
		if (!strcmp(nm[i], op))
			return i;
	if (!strcmp(op, "GlobalAveragePool"))
		return RO_MEAN;
	if (!strcmp(op, "GlobalMaxPool"))
		return RO_MAX;
	return -1;
}

bool cc_is_reduce(const struct cc_node *n)
{
	if (!strcmp(n->domain, "sinan"))
		return !strcmp(n->op, "Softmax") || !strcmp(n->op, "LayerNormalization");
	return rop_of(n->op) >= 0 || !strcmp(n->op, "Softmax") || !strcmp(n->op, "LogSoftmax") ||
	       !strcmp(n->op, "LayerNormalization") || !strcmp(n->op, "InstanceNormalization");
}

static int fail(struct rd *r, const char *why)
{
	snprintf(r->why, sizeof(r->why), "%s", why);
	return -1;
}

/* O, R, I from a mask of reduced axes. */
static int split(struct rd *r, const struct cc_tensor *x, unsigned mask)
{
	int first = -1, last = -1;
	r->O = r->R = r->I = 1;
	for (int i = 0; i < x->rank; i++)
		if ((mask & (1u << i)) && x->dims[i] != 1) {
			if (first < 0)
				first = i;
			last = i;
		}
	if (first < 0) {	/* reduces only size-1 axes */
		for (int i = 0; i < x->rank; i++)
			r->O *= x->dims[i];
		return 0;
	}
	for (int i = 0; i < x->rank; i++) {
		bool red = mask & (1u << i);
		if (i >= first && i <= last && !red && x->dims[i] != 1)
			return fail(r, "reduction over non-adjacent axes is not supported on the device");
		if (i < first)
			r->O *= x->dims[i];
		else if (i <= last)
			r->R *= red ? x->dims[i] : 1;
		else
			r->I *= x->dims[i];
	}
	return 0;
}

static int analyze(struct cc_graph *g, struct rd *r)
{
	struct cc_node *n = r->n;
	const char *op = n->op;
	bool sinan = !strcmp(n->domain, "sinan");

	r->x = n->in[0];
	r->y = n->out[0];
	r->xdt = cc_hw_dtype(r->x->dtype);
	r->ydt = cc_hw_dtype(r->y->dtype);
	if (r->xdt != SINAN_DT_FP32 && r->xdt != SINAN_DT_FP16 && r->xdt != SINAN_DT_BF16)
		return fail(r, "only floating-point reductions run on the device");
	r->xes = esz(r->xdt);
	r->yes = esz(r->ydt);
	r->op = rop_of(op);
	if (r->op >= 0) {
		unsigned mask;
		bool noop;
		r->kind = RK_REDUCE;
		if (!strcmp(op, "GlobalAveragePool") || !strcmp(op, "GlobalMaxPool")) {
			mask = 0;	/* NC1HWC0 ([N, C1, H, W, C0], cc_views5): H and W */
			for (int i = 2; i < r->x->rank - (r->x->alias && r->x->alias->c0 ? 1 : 0); i++)
				mask |= 1u << i;
		} else if (cc_reduce_axes(g, n, r->x->rank, &mask, &noop)) {
			return fail(r, g->err);
		} else if (noop) {
			mask = 0;
		}
		return split(r, r->x, mask);
	}
	if (!strcmp(op, "Softmax") || !strcmp(op, "LogSoftmax")) {
		int axis;
		int64_t a = cc_attr_i(n, "axis", sinan || n->ver >= 13 ? -1 : 1);
		if (cc_axis(g, n, a, r->x->rank, false, &axis))
			return fail(r, g->err);
		r->kind = op[0] == 'L' ? RK_LOGSOFTMAX : RK_SOFTMAX;
		unsigned mask = 1u << axis;
		if (!sinan && n->ver < 13)	/* coerced to 2-D: all trailing axes */
			for (int i = axis; i < r->x->rank; i++)
				mask |= 1u << i;
		return split(r, r->x, mask);
	}
	if (!strcmp(op, "LayerNormalization")) {
		int axis;
		if (cc_axis(g, n, cc_attr_i(n, "axis", -1), r->x->rank, false, &axis))
			return fail(r, g->err);
		r->kind = RK_LAYERNORM;
		r->eps = cc_attr_f(n, "epsilon", 1e-5f);
		r->gamma = n->in[1];
		r->beta = n->nin > 2 ? n->in[2] : NULL;
		r->mean = n->nout > 1 ? n->out[1] : NULL;
		r->inv = n->nout > 2 ? n->out[2] : NULL;
		r->O = r->R = 1;
		for (int i = 0; i < r->x->rank; i++)
			*(i < axis ? &r->O : &r->R) *= r->x->dims[i];
		r->I = 1;
		/* gamma/beta must cover the whole normalized block (or be scalar) */
		for (int k = 1; k < n->nin; k++)
			if (n->in[k] && cc_tensor_elems(n->in[k]) != (uint64_t)r->R && cc_tensor_elems(n->in[k]) != 1)
				return fail(r, "LayerNormalization scale/bias must cover the normalized axes");
		return 0;
	}
	if (!strcmp(op, "InstanceNormalization")) {
		r->kind = RK_INSTNORM;
		r->eps = cc_attr_f(n, "epsilon", 1e-5f);
		r->gamma = n->in[1];
		r->beta = n->in[2];
		r->O = r->x->dims[0] * r->x->dims[1];
		r->R = 1;
		for (int i = 2; i < r->x->rank; i++)
			r->R *= r->x->dims[i];
		r->I = 1;
		return 0;
	}
	return fail(r, "no vector lowering");
}

/* UB plan; false if a row does not fit. */
static bool plan(struct rd *r, uint32_t ub)
{
	bool whole = r->kind != RK_REDUCE;
	int64_t budget = (int64_t)ub - 1024;

	if (r->I == 1) {
		int64_t rc = whole ? r->R : CC_MIN(r->R, 4096);
		for (;;) {
			int64_t pitch = CC_ALIGN(rc * 4, 32);
			/* x (input type) + f (fp32) + t (fp32) + y (out type) rows; acc/aux/g/b small */
			int64_t per_row = CC_ALIGN(rc * r->xes, 32) + 2 * pitch + CC_ALIGN(rc * r->yes, 32) + 64;
			int64_t fixed = (r->gamma ? 2 * pitch : 0) + 2048;
			int64_t rows = (budget - fixed) / per_row;
			if (rows >= 1) {
				r->rows = CC_MIN(rows, CC_MIN(r->O, 1024));
				r->rc = rc;
				r->pitch = pitch;
				break;
			}
			if (whole || rc <= 32)
				return false;
			rc = CC_ALIGN(rc / 2, 32);
		}
		uint32_t off = 0, rows32 = (uint32_t)r->rows;
		r->ub_x = off;
		off += (uint32_t)(CC_ALIGN(r->rc * r->xes, 32) * r->rows);
		r->ub_f = off;
		off += (uint32_t)(r->pitch * r->rows);
		r->ub_t = off;
		off += (uint32_t)(r->pitch * r->rows);
		r->ub_y = off;
		off += (uint32_t)(CC_ALIGN(r->rc * r->yes, 32) * r->rows);
		r->ub_acc = off;
		off += (uint32_t)CC_ALIGN(rows32 * 4, 32);
		r->ub_aux = off;
		off += (uint32_t)CC_ALIGN(rows32 * 4, 32);
		r->ub_m = off;
		off += (uint32_t)CC_ALIGN(rows32 * 4, 32);
		r->ub_g = off;
		off += (uint32_t)r->pitch;
		r->ub_b = off;
		off += (uint32_t)r->pitch;
		return off <= ub;
	}
	/* I > 1: tile of rc rows (of R) x nc columns (of I); whole kinds need all R rows */
	int64_t nc = CC_MIN(r->I, 2048);
	for (;;) {
		int64_t pitch = CC_ALIGN(nc * 4, 32);
		int64_t rc = whole ? r->R : CC_MIN(r->R, 256);
		int64_t need = rc * (CC_ALIGN(nc * r->xes, 32) + 3 * pitch + CC_ALIGN(nc * r->yes, 32)) + 4 * pitch;
		if (need <= budget) {
			r->rc = rc;
			r->nc = nc;
			r->pitch = pitch;
			break;
		}
		if (!whole && rc > 1 && (rc = CC_MAX(1, rc / 2)) && rc * (CC_ALIGN(nc * r->xes, 32) + 3 * pitch +
							    CC_ALIGN(nc * r->yes, 32)) + 4 * pitch <= budget) {
			r->rc = rc;
			r->nc = nc;
			r->pitch = pitch;
			break;
		}
		if (nc <= 8)
			return false;
		nc = CC_ALIGN(nc / 2, 8);
	}
	uint32_t off = 0;
	r->ub_x = off;
	off += (uint32_t)(CC_ALIGN(r->nc * r->xes, 32) * r->rc);
	r->ub_f = off;
	off += (uint32_t)(r->pitch * r->rc);
	r->ub_t = off;
	off += (uint32_t)(r->pitch * r->rc);
	r->ub_aux = off;	/* copy for folding */
	off += (uint32_t)(r->pitch * r->rc);
	r->ub_y = off;
	off += (uint32_t)(CC_ALIGN(r->nc * r->yes, 32) * r->rc);
	r->ub_acc = off;
	off += (uint32_t)r->pitch;
	r->ub_m = off;
	off += (uint32_t)r->pitch;
	r->ub_g = off;
	off += (uint32_t)r->pitch;
	return off <= ub;
}

int cc_reduce_supported(struct cc_graph *g, struct cc_node *n, int precision, const struct cc_target *t)
{
	struct rd r;
	struct cc_tensor *views[CC_MAX_IO];
	(void)precision;
	memset(&r, 0, sizeof(r));
	r.n = n;
	char saved[sizeof(g->err)];
	int code = g->err_code;
	memcpy(saved, g->err, sizeof(saved));
	cc_views5(g, n, views);
	int rc = analyze(g, &r);
	cc_unviews5(n, views);
	g->err_code = code;
	memcpy(g->err, saved, sizeof(saved));
	if (rc)
		return NERR(g, n, ENOTSUP, "%s", r.why);
	if (r.kind != RK_REDUCE && r.I > 1 && r.kind != RK_SOFTMAX && r.kind != RK_LOGSOFTMAX)
		return NERR(g, n, ENOTSUP, "normalization over non-trailing axes is not supported");
	if (r.kind == RK_REDUCE && r.op == RO_LSE && r.I > 1)
		return NERR(g, n, ENOTSUP, "ReduceLogSumExp over a non-trailing axis is not supported on the device");
	/* Regression (fuzz_onnx, division by zero in emit_cols): an empty axis. */
	if (r.R <= 0 || r.I <= 0)
		return NERR(g, n, ENOTSUP, "reduction or normalization over an empty axis is not supported on the device");
	if (!plan(&r, t->ub))
		return NERR(g, n, ENOTSUP, "rows of %lld elements do not fit the unified buffer", (long long)r.R);
	return 0;
}

/* ---- emission ----------------------------------------------------------------------------------- */
struct rr {
	unsigned int it, hi, o0, nr, i0, nn, r0, rl, t0, t1, xb, yb, k, len;
};

static const int F = SINAN_DT_FP32;

/* Convert x tile (input type) into f (fp32), rows @rows of @n elements. */
static void to_f32(struct cg *c, const struct rd *r, struct cg_v n, struct cg_v rows, uint64_t xp)
{
	if (r->xdt == F)
		cg_vun(c, SINAN_VU_COPY, F, CG_I(r->ub_f), CG_I(r->ub_x), n, rows, (uint64_t)r->pitch, xp);
	else
		cg_vcvt(c, (unsigned int)r->xdt, F, SINAN_RND_EVEN, 0, CG_I(r->ub_f), CG_I(r->ub_x), n, rows,
			(uint64_t)r->pitch, xp);
}

static void from_f32(struct cg *c, const struct rd *r, uint32_t src, struct cg_v n, struct cg_v rows, uint64_t yp,
		     uint64_t sp)
{
	if (r->ydt == F)
		cg_vun(c, SINAN_VU_COPY, F, CG_I(r->ub_y), CG_I(src), n, rows, yp, sp);
	else
		cg_vcvt(c, F, (unsigned int)r->ydt, SINAN_RND_EVEN, 0, CG_I(r->ub_y), CG_I(src), n, rows, yp, sp);
}

/* -- I == 1: rows of O, reduce along the row -------------------------------------------------- */
static void pre_op(struct cg *c, const struct rd *r, struct cg_v n, struct cg_v rows, bool lse_sub)
{
	uint64_t p = (uint64_t)r->pitch;
	struct cg_v fv = CG_I(r->ub_f);
	switch (r->op) {
	case RO_L1: cg_vun(c, SINAN_VU_ABS, F, fv, fv, n, rows, p, p); break;
	case RO_L2: case RO_SSQ: cg_vbin(c, SINAN_VB_MUL, F, 0, fv, fv, fv, n, rows, p, p, p); break;
	case RO_LSE:
		if (lse_sub) {
			cg_vbin(c, SINAN_VB_SUB, F, SINAN_V_F_ROWSCALAR, fv, fv, CG_I(r->ub_m), n, rows, p, p, 0);
			cg_vun(c, SINAN_VU_EXP, F, fv, fv, n, rows, p, p);
		}
		break;
	default: break;
	}
}

static unsigned int red_of(int op)
{
	return op == RO_MAX ? SINAN_VR_MAX : op == RO_MIN ? SINAN_VR_MIN : SINAN_VR_SUM;
}

/* load x rows [o0, o0 + nr), columns [r0, r0 + rl) into ub_x */
static void load_rows(struct cg *c, const struct rd *r, const struct rr *R)
{
	cg_li(c, 26, (uint64_t)(r->R * r->xes));
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->o0, 26);
	cg_li(c, 26, (uint64_t)r->xes);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->r0, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->xb);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->rl, 26);
	cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(r->ub_x), CG_R(R->t0), CG_R(R->nr), CG_R(R->len),
	       CG_I((uint64_t)(r->R * r->xes)), CG_I((uint64_t)CC_ALIGN(r->rc * r->xes, 32)));
}

/* One pass over R chunks of the current rows: op into acc (rowscalar vector). */
static void pass_rows(struct cg *c, const struct rd *r, const struct rr *R, unsigned int vop, bool lse_sub)
{
	struct cg_v nr = CG_R(R->nr), rl = CG_R(R->rl);
	int top = sinan_asm_label(c->a), done = sinan_asm_label(c->a);
	cg_li(c, R->r0, 0);
	cg_li(c, R->k, 0);	/* chunk count: ACC after the first */
	sinan_asm_bind(c->a, top);
	cg_li(c, 26, (uint64_t)r->R);
	sinan_asm_br(c->a, SINAN_BR_GEU, R->r0, 26, done);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->rl, 26, R->r0);
	cg_li(c, 26, (uint64_t)r->rc);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->rl, R->rl, 26);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	load_rows(c, r, R);
	cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	to_f32(c, r, rl, nr, (uint64_t)CC_ALIGN(r->rc * r->xes, 32));
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	pre_op(c, r, rl, nr, lse_sub);
	int first = sinan_asm_label(c->a), next = sinan_asm_label(c->a);
	sinan_asm_br(c->a, SINAN_BR_EQ, R->k, 0, first);
	cg_vred(c, vop, F, SINAN_VR_F_ACC, CG_I(r->ub_acc), CG_I(r->ub_f), rl, nr, (uint64_t)r->pitch);
	sinan_asm_jmp(c->a, next);
	sinan_asm_bind(c->a, first);
	cg_vred(c, vop, F, 0, CG_I(r->ub_acc), CG_I(r->ub_f), rl, nr, (uint64_t)r->pitch);
	sinan_asm_bind(c->a, next);
	cg_li(c, R->k, 1);
	cg_alu(c, SINAN_ALU_ADD, R->r0, R->r0, CG_I((uint64_t)r->rc));
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, done);
}

/* store a contiguous vector of nr elements (fp32 at @src) to y + o0 * es */
static void store_vec(struct cg *c, const struct rd *r, const struct rr *R, uint32_t src, unsigned int base, int dt)
{
	int es = esz(dt);
	if (dt == F)
		cg_vun(c, SINAN_VU_COPY, F, CG_I(r->ub_y), CG_I(src), CG_R(R->nr), CG_I(1), 0, 0);
	else
		cg_vcvt(c, F, (unsigned int)dt, SINAN_RND_EVEN, 0, CG_I(r->ub_y), CG_I(src), CG_R(R->nr), CG_I(1), 0, 0);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_li(c, 26, (uint64_t)es);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->o0, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, base);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->nr, 26);
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_I(r->ub_y), CG_I(1), CG_R(R->len), CG_I(0), CG_I(0));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
}

static void emit_rows(struct cg *c, struct rd *r, struct rr *R, int ag, int ab, int am, int ai)
{
	struct cg_v nr = CG_R(R->nr), acc = CG_I(r->ub_acc), one = CG_I(1);
	uint64_t p = (uint64_t)r->pitch;

	if (r->kind == RK_REDUCE) {
		if (r->op == RO_LSE) {
			pass_rows(c, r, R, SINAN_VR_MAX, false);
			cg_vun(c, SINAN_VU_COPY, F, CG_I(r->ub_m), acc, nr, one, 0, 0);
			pass_rows(c, r, R, SINAN_VR_SUM, true);
			cg_vun(c, SINAN_VU_LOG, F, acc, acc, nr, one, 0, 0);
			cg_vbin(c, SINAN_VB_ADD, F, 0, acc, acc, CG_I(r->ub_m), nr, one, 0, 0, 0);
		} else {
			pass_rows(c, r, R, red_of(r->op), false);
			if (r->op == RO_MEAN)
				cg_vscalar(c, SINAN_VS_DIV, F, acc, acc, CG_I(cg_fbits((double)r->R)), nr, one, 0, 0);
			else if (r->op == RO_L2)
				cg_vun(c, SINAN_VU_SQRT, F, acc, acc, nr, one, 0, 0);
			else if (r->op == RO_LOGSUM)
				cg_vun(c, SINAN_VU_LOG, F, acc, acc, nr, one, 0, 0);
		}
		store_vec(c, r, R, r->ub_acc, R->yb, r->ydt);
		return;
	}
	/* whole rows: x -> f */
	struct cg_v n = CG_I((uint64_t)r->R), fv = CG_I(r->ub_f), tv = CG_I(r->ub_t);
	cg_li(c, R->r0, 0);
	cg_li(c, R->rl, (uint64_t)r->R);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	load_rows(c, r, R);
	cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	to_f32(c, r, n, nr, (uint64_t)CC_ALIGN(r->rc * r->xes, 32));
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	if (r->kind == RK_SOFTMAX || r->kind == RK_LOGSOFTMAX) {
		cg_vred(c, SINAN_VR_MAX, F, 0, acc, fv, n, nr, p);
		cg_vbin(c, SINAN_VB_SUB, F, SINAN_V_F_ROWSCALAR, fv, fv, acc, n, nr, p, p, 0);
		cg_vun(c, SINAN_VU_EXP, F, tv, fv, n, nr, p, p);
		cg_vred(c, SINAN_VR_SUM, F, 0, CG_I(r->ub_aux), tv, n, nr, p);
		if (r->kind == RK_SOFTMAX) {
			cg_vbin(c, SINAN_VB_DIV, F, SINAN_V_F_ROWSCALAR, fv, tv, CG_I(r->ub_aux), n, nr, p, p, 0);
		} else {
			cg_vun(c, SINAN_VU_LOG, F, CG_I(r->ub_aux), CG_I(r->ub_aux), nr, one, 0, 0);
			cg_vbin(c, SINAN_VB_SUB, F, SINAN_V_F_ROWSCALAR, fv, fv, CG_I(r->ub_aux), n, nr, p, p, 0);
		}
	} else {	/* layer / instance norm: mean, d = x - mean, var, inv = 1/sqrt(var + eps) */
		cg_vred(c, SINAN_VR_SUM, F, 0, acc, fv, n, nr, p);
		cg_vscalar(c, SINAN_VS_DIV, F, acc, acc, CG_I(cg_fbits((double)r->R)), nr, one, 0, 0);
		cg_vbin(c, SINAN_VB_SUB, F, SINAN_V_F_ROWSCALAR, fv, fv, acc, n, nr, p, p, 0);
		cg_vbin(c, SINAN_VB_MUL, F, 0, tv, fv, fv, n, nr, p, p, p);
		cg_vred(c, SINAN_VR_SUM, F, 0, CG_I(r->ub_aux), tv, n, nr, p);
		cg_vscalar(c, SINAN_VS_DIV, F, CG_I(r->ub_aux), CG_I(r->ub_aux), CG_I(cg_fbits((double)r->R)), nr, one, 0, 0);
		cg_vscalar(c, SINAN_VS_ADD, F, CG_I(r->ub_aux), CG_I(r->ub_aux), CG_I(cg_fbits(r->eps)), nr, one, 0, 0);
		cg_vun(c, SINAN_VU_SQRT, F, CG_I(r->ub_aux), CG_I(r->ub_aux), nr, one, 0, 0);
		cg_vun(c, SINAN_VU_RECIP, F, CG_I(r->ub_aux), CG_I(r->ub_aux), nr, one, 0, 0);
		cg_vbin(c, SINAN_VB_MUL, F, SINAN_V_F_ROWSCALAR, fv, fv, CG_I(r->ub_aux), n, nr, p, p, 0);
		if (r->kind == RK_LAYERNORM) {
			/* gamma / beta: one row (fp32) at ub_g / ub_b, reused by every row */
			bool gs = cc_tensor_elems(r->gamma) == 1, bs = r->beta && cc_tensor_elems(r->beta) == 1;
			cg_vbin(c, SINAN_VB_MUL, F, 0, fv, fv, CG_I(r->ub_g), n, nr, p, p, gs ? 0 : 0);
			if (r->beta)
				cg_vbin(c, SINAN_VB_ADD, F, 0, fv, fv, CG_I(r->ub_b), n, nr, p, p, bs ? 0 : 0);
		} else {	/* instance norm: per-row (channel) gamma/beta at ub_g / ub_b, rowscalar */
			cg_vbin(c, SINAN_VB_MUL, F, SINAN_V_F_ROWSCALAR, fv, fv, CG_I(r->ub_g), n, nr, p, p, 0);
			cg_vbin(c, SINAN_VB_ADD, F, SINAN_V_F_ROWSCALAR, fv, fv, CG_I(r->ub_b), n, nr, p, p, 0);
		}
	}
	/* y rows */
	uint64_t yp = (uint64_t)CC_ALIGN(r->rc * r->yes, 32);
	from_f32(c, r, r->ub_f, n, nr, yp, p);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_li(c, 26, (uint64_t)(r->R * r->yes));
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->o0, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->yb);
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_I(r->ub_y), nr, CG_I((uint64_t)(r->R * r->yes)),
	       CG_I(yp), CG_I((uint64_t)(r->R * r->yes)));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	if (am >= 0) {
		cg_ldarg(c, R->k, am);
		store_vec(c, r, R, r->ub_acc, R->k, cc_hw_dtype(r->mean->dtype));
	}
	if (ai >= 0) {
		cg_ldarg(c, R->k, ai);
		store_vec(c, r, R, r->ub_aux, R->k, cc_hw_dtype(r->inv->dtype));
	}
	(void)ag;
	(void)ab;
}

/* Load gamma/beta as fp32 rows (layer norm: whole row; instance norm: per-row vectors). */
static void load_affine(struct cg *c, const struct rd *r, const struct rr *R, int ag, int ab, bool per_row)
{
	for (int k = 0; k < 2; k++) {
		const struct cc_tensor *t = k ? r->beta : r->gamma;
		int arg = k ? ab : ag;
		uint32_t dst = k ? r->ub_b : r->ub_g;
		if (!t)
			continue;
		int dt = cc_hw_dtype(t->dtype), es = esz(dt);
		uint64_t cnt = per_row ? 0 : (uint64_t)r->R;
		cg_ldarg(c, R->t0, arg);
		/* stage in ub_y, convert into place */
		cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
		if (per_row) {	/* channels (o0 + i) % C for the rows of this tile: rows stay in one image */
			int64_t C = r->x->dims[1];
			cg_li(c, 26, (uint64_t)C);
			sinan_asm_alu(c->a, SINAN_ALU_REMU, R->t1, R->o0, 26);
			cg_li(c, 26, (uint64_t)es);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->t1, 26);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->nr, 26);
		} else if (cc_tensor_elems(t) == 1) {
			cg_li(c, R->len, (uint64_t)es);
		} else {
			cg_li(c, R->len, cnt * (uint64_t)es);
		}
		if (!per_row && cc_tensor_elems(t) == 1)	/* replicate the scalar along the row */
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(r->ub_y), CG_R(R->t0), CG_I(cnt), CG_I((uint64_t)es),
			       CG_I(0), CG_I((uint64_t)es));
		else
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(r->ub_y), CG_R(R->t0), CG_I(1), CG_R(R->len), CG_I(0),
			       CG_I(0));
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
		struct cg_v n = per_row ? CG_R(R->nr) : CG_I(cnt);
		if (dt == F)
			cg_vun(c, SINAN_VU_COPY, F, CG_I(dst), CG_I(r->ub_y), n, CG_I(1), 0, 0);
		else
			cg_vcvt(c, (unsigned int)dt, F, SINAN_RND_EVEN, 0, CG_I(dst), CG_I(r->ub_y), n, CG_I(1), 0, 0);
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	}
}

/* -- I > 1: fold rows ---------------------------------------------------------------------------- */
static void fold_rows(struct cg *c, const struct rd *r, uint32_t buf, unsigned int vop_bin, int64_t rows_static,
		      struct cg_v n)
{
	/* buf holds rows_static rows (static count); fold into row 0 */
	uint64_t p = (uint64_t)r->pitch;
	int64_t rows = rows_static;
	while (rows > 1) {
		int64_t h = rows / 2;
		cg_vbin(c, vop_bin, F, 0, CG_I(buf), CG_I(buf), CG_I(buf + (uint32_t)((rows - h) * (int64_t)p)), n,
			CG_I((uint64_t)h), p, p, p);
		rows -= h;
	}
}

static unsigned int bin_of(int op)
{
	return op == RO_MAX ? SINAN_VB_MAX : op == RO_MIN ? SINAN_VB_MIN : SINAN_VB_ADD;
}

static void emit_cols(struct cg *c, struct rd *r, struct rr *R)
{
	/* item: (o, i-chunk); rows of R in chunks of rc (the last chunk may be short: static tail) */
	uint64_t p = (uint64_t)r->pitch, xp = (uint64_t)CC_ALIGN(r->nc * r->xes, 32);
	struct cg_v nn = CG_R(R->nn);
	int64_t chunks = CC_DIV_UP(r->R, r->rc);
	bool whole = r->kind != RK_REDUCE;

	for (int64_t ch = 0; ch < chunks; ch++) {
		int64_t rows = CC_MIN(r->rc, r->R - ch * r->rc);
		/* load rows [ch*rc, +rows) x [i0, i0 + nn) */
		cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
		cg_li(c, 26, (uint64_t)(r->R * r->I * r->xes));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->o0, 26);
		cg_li(c, 26, (uint64_t)r->xes);
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->i0, 26);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->xb);
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->t0, CG_I((uint64_t)(ch * r->rc * r->I * r->xes)));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->nn, 26);
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(r->ub_x), CG_R(R->t0), CG_I((uint64_t)rows), CG_R(R->len),
		       CG_I((uint64_t)(r->I * r->xes)), CG_I(xp));
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
		if (r->xdt == F)
			cg_vun(c, SINAN_VU_COPY, F, CG_I(r->ub_f), CG_I(r->ub_x), nn, CG_I((uint64_t)rows), p, xp);
		else
			cg_vcvt(c, (unsigned int)r->xdt, F, SINAN_RND_EVEN, 0, CG_I(r->ub_f), CG_I(r->ub_x), nn,
				CG_I((uint64_t)rows), p, xp);
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
		if (whole)
			break;	/* all of R is in ub_f (rc == R) */
		pre_op(c, r, nn, CG_I((uint64_t)rows), false);
		fold_rows(c, r, r->ub_f, bin_of(r->op), rows, nn);
		if (ch == 0)
			cg_vun(c, SINAN_VU_COPY, F, CG_I(r->ub_acc), CG_I(r->ub_f), nn, CG_I(1), 0, 0);
		else
			cg_vbin(c, bin_of(r->op), F, 0, CG_I(r->ub_acc), CG_I(r->ub_acc), CG_I(r->ub_f), nn, CG_I(1), 0, 0, 0);
	}
	uint32_t outbuf;
	int64_t orows;
	if (!whole) {
		struct cg_v acc = CG_I(r->ub_acc), one = CG_I(1);
		if (r->op == RO_MEAN)
			cg_vscalar(c, SINAN_VS_DIV, F, acc, acc, CG_I(cg_fbits((double)r->R)), nn, one, 0, 0);
		else if (r->op == RO_L2)
			cg_vun(c, SINAN_VU_SQRT, F, acc, acc, nn, one, 0, 0);
		else if (r->op == RO_LOGSUM)
			cg_vun(c, SINAN_VU_LOG, F, acc, acc, nn, one, 0, 0);
		outbuf = r->ub_acc;
		orows = 1;
	} else {	/* softmax over the rows: m = max rows, e = exp(x - m), s = sum rows */
		int64_t R0 = r->R;
		struct cg_v fv = CG_I(r->ub_f), tv = CG_I(r->ub_t), av = CG_I(r->ub_aux);
		cg_vun(c, SINAN_VU_COPY, F, av, fv, nn, CG_I((uint64_t)R0), p, p);
		fold_rows(c, r, r->ub_aux, SINAN_VB_MAX, R0, nn);
		cg_vbin(c, SINAN_VB_SUB, F, 0, fv, fv, av, nn, CG_I((uint64_t)R0), p, p, 0);
		cg_vun(c, SINAN_VU_EXP, F, tv, fv, nn, CG_I((uint64_t)R0), p, p);
		cg_vun(c, SINAN_VU_COPY, F, av, tv, nn, CG_I((uint64_t)R0), p, p);
		fold_rows(c, r, r->ub_aux, SINAN_VB_ADD, R0, nn);
		if (r->kind == RK_SOFTMAX) {
			cg_vbin(c, SINAN_VB_DIV, F, 0, fv, tv, av, nn, CG_I((uint64_t)R0), p, p, 0);
		} else {
			cg_vun(c, SINAN_VU_LOG, F, av, av, nn, CG_I(1), 0, 0);
			cg_vbin(c, SINAN_VB_SUB, F, 0, fv, fv, av, nn, CG_I((uint64_t)R0), p, p, 0);
		}
		outbuf = r->ub_f;
		orows = R0;
	}
	/* store orows rows of nn to y[o, rows, i0..] */
	uint64_t yp = (uint64_t)CC_ALIGN(r->nc * r->yes, 32);
	from_f32(c, r, outbuf, nn, CG_I((uint64_t)orows), yp, p);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	int64_t ylen = whole ? r->R * r->I : r->I;
	cg_li(c, 26, (uint64_t)(ylen * r->yes));
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->o0, 26);
	cg_li(c, 26, (uint64_t)r->yes);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->i0, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->yb);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->nn, 26);
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_I(r->ub_y), CG_I((uint64_t)orows), CG_R(R->len),
	       CG_I(yp), CG_I((uint64_t)(r->I * r->yes)));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
}

static int lower_reduce(struct cg *c, struct cc_node *n);

int cc_lower_reduce(struct cg *c, struct cc_node *n)
{
	struct cc_tensor *saved[CC_MAX_IO];
	cc_views5(c->g, n, saved);	/* NC1HWC0 (global pooling): the stored shape */
	int rc = lower_reduce(c, n);
	cc_unviews5(n, saved);
	return rc;
}

static int lower_reduce(struct cg *c, struct cc_node *n)
{
	struct rd r;
	struct rr R;
	int rc;

	memset(&r, 0, sizeof(r));
	r.n = n;
	if (analyze(c->g, &r))
		return NERR(c->g, n, ENOTSUP, "%s", r.why);
	if (r.R <= 0 || r.I <= 0)
		return NERR(c->g, n, ENOTSUP, "reduction or normalization over an empty axis is not supported on the device");
	if (!plan(&r, c->tgt->ub))
		return NERR(c->g, n, ENOTSUP, "rows do not fit the unified buffer");
	bool cols = r.I > 1;
	/* InstanceNorm tiles stay within one image (per-row channel params contiguous) */
	if (r.kind == RK_INSTNORM)
		r.rows = CC_MIN(r.rows, r.x->dims[1]);
	int64_t OB = cols ? r.O : CC_DIV_UP(r.O, r.rows);
	int64_t IB = cols ? CC_DIV_UP(r.I, r.nc) : 1;
	if (r.kind == RK_INSTNORM) {
		int64_t C = r.x->dims[1], per = CC_DIV_UP(C, r.rows);
		OB = r.x->dims[0] * per;
	}
	uint64_t items = (uint64_t)(OB * IB);

	rc = cg_begin(c, n->op, NULL);
	if (rc)
		return rc;
	unsigned int *rp = (unsigned int *)&R;
	for (size_t i = 0; i < sizeof(R) / sizeof(unsigned int); i++)
		rp[i] = cg_reg(c);
	int ax = cg_arg(c, r.x, 0, false), ay = cg_arg(c, r.y, 0, true);
	int ag = r.gamma ? cg_arg(c, r.gamma, 0, false) : -1, ab = r.beta ? cg_arg(c, r.beta, 0, false) : -1;
	int am = r.mean ? cg_arg(c, r.mean, 0, true) : -1, ai = r.inv ? cg_arg(c, r.inv, 0, true) : -1;
	cg_ldarg(c, R.xb, ax);
	cg_ldarg(c, R.yb, ay);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	if (r.kind == RK_LAYERNORM) {
		cg_li(c, R.o0, 0);
		load_affine(c, &r, &R, ag, ab, false);
	}
	cg_block_range(c, R.it, R.hi, items);
	int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a);
	sinan_asm_bind(c->a, top);
	sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
	if (cols) {
		cg_li(c, 26, (uint64_t)IB);
		sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.o0, R.it, 26);
		sinan_asm_alu(c->a, SINAN_ALU_REMU, R.i0, R.it, 26);
		cg_alu(c, SINAN_ALU_MUL, R.i0, R.i0, CG_I((uint64_t)r.nc));
		cg_li(c, 26, (uint64_t)r.I);
		sinan_asm_alu(c->a, SINAN_ALU_SUB, R.nn, 26, R.i0);
		cg_li(c, 26, (uint64_t)r.nc);
		sinan_asm_alu(c->a, SINAN_ALU_MINU, R.nn, R.nn, 26);
		emit_cols(c, &r, &R);
	} else {
		if (r.kind == RK_INSTNORM) {	/* item = (image, channel block) */
			int64_t C = r.x->dims[1], per = CC_DIV_UP(C, r.rows);
			cg_li(c, 26, (uint64_t)per);
			sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.t0, R.it, 26);	/* image */
			sinan_asm_alu(c->a, SINAN_ALU_REMU, R.t1, R.it, 26);	/* block */
			cg_alu(c, SINAN_ALU_MUL, R.t1, R.t1, CG_I((uint64_t)r.rows));	/* first channel */
			cg_li(c, 26, (uint64_t)C);
			sinan_asm_alu(c->a, SINAN_ALU_SUB, R.nr, 26, R.t1);
			cg_alu(c, SINAN_ALU_MINU, R.nr, R.nr, CG_I((uint64_t)r.rows));
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R.o0, R.t0, 26);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R.o0, R.o0, R.t1);
			load_affine(c, &r, &R, ag, ab, true);
		} else {
			cg_alu(c, SINAN_ALU_MUL, R.o0, R.it, CG_I((uint64_t)r.rows));
			cg_li(c, 26, (uint64_t)r.O);
			sinan_asm_alu(c->a, SINAN_ALU_SUB, R.nr, 26, R.o0);
			cg_alu(c, SINAN_ALU_MINU, R.nr, R.nr, CG_I((uint64_t)r.rows));
		}
		emit_rows(c, &r, &R, ag, ab, am, ai);
	}
	cg_alu(c, SINAN_ALU_ADD, R.it, R.it, CG_I(1));
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, end);
	c->k->bytes = cc_tensor_bytes(r.x) + cc_tensor_bytes(r.y);
	return cg_end(c, cg_blocks(c, items));
}

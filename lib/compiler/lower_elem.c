// SPDX-License-Identifier: MIT
/*
 * Elementwise lowering: every op whose output element depends on the
 * input elements at the same (broadcast) index -- unary math, activations,
 * binary arithmetic and comparisons with numpy broadcasting, Where, Clip,
 * Cast, Quantize/DequantizeLinear, variadic Max/Min/Sum/Mean, Expand and
 * plain copies.
 *
 * The output is viewed as [outer..., rows, cols] after merging dimensions
 * that are contiguous for every operand. Each input is then one of:
 *   FULL  a tile of rows x cols (rows strided in device memory),
 *   ROW   one row reused by every row of the tile (vector stride 0),
 *   COL   one element per row (SINAN_V_F_ROWSCALAR), e.g. a per-channel
 *         scale in NCHW or a runtime scalar,
 *   IMM   a constant scalar, folded into VSCALAR immediates.
 * The op becomes a short expression over these values, evaluated tile by
 * tile in the unified buffer. Tiles are split across blocks; each block
 * streams its tiles with two buffers per operand: MTE2 loads tile i+1 while
 * the vector unit computes tile i and MTE3 stores tile i-1, ordered by
 * SET_FLAG/WAIT_FLAG (MTE2->V, V->MTE3, and back edges V->MTE2, MTE3->V
 * that free a buffer; the back edges are primed before the loop).
 */
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum cls { C_FULL, C_ROW, C_COL, C_IMM };

enum evk {
	E_IN,		/* input operand */
	E_UN,		/* VUN op */
	E_VS,		/* VSCALAR op with imm */
	E_BIN,		/* VBIN op */
	E_CMP,		/* VCMP op -> uint8 */
	E_SEL,		/* VSEL a ? b : c */
	E_CVT,		/* VCVT to dt with rnd */
	E_DUP,		/* constant ROW (VDUP imm) */
	E_FULL,		/* materialize a ROW/COL value as FULL */
};

#define MAXV	48
#define MAXIN	8

struct ev {
	int kind, op, dt, cls;
	int a, b, c;
	int rnd;
	double imm;
	int in;			/* E_IN: operand index */
	/* allocation */
	uint32_t off[2];	/* UB offset per slot (same for both if not slotted) */
	bool slotted;
};

struct operand {
	struct cc_tensor *t;
	int cls;
	int dt;			/* hw dtype */
	double imm;		/* C_IMM */
	int64_t st[CC_MAX_RANK];	/* element strides in merged output index space */
	int vrank;			/* > 0: view the tensor with these dims (per-axis params) */
	int64_t vdims[CC_MAX_RANK];
	int arg;
	unsigned int reg;	/* base address register */
};

struct ex {
	struct cg *c;
	struct cc_node *n;
	struct ev v[MAXV];
	int nv;
	struct operand op[MAXIN];
	int nop;
	int out;		/* value stored */
	int odt;		/* hw dtype of the output */
	/* merged geometry */
	int r;
	int64_t d[CC_MAX_RANK];
	int64_t ost[CC_MAX_RANK];	/* output strides */
	int64_t rows, cols;		/* R and n */
	int64_t rc, nc, pe;		/* tile rows, tile cols, pitch (elements) */
	bool bad;
	bool reshape;		/* operand 0 is read with the output's shape (copies) */
	char why[160];
};

static bool is_float_dt(int dt)
{
	return dt == SINAN_DT_FP32 || dt == SINAN_DT_FP16 || dt == SINAN_DT_BF16;
}

static int esz(int dt)
{
	return (int)sinan_dtype_size((unsigned int)dt);
}

/* ---- expression construction ---------------------------------------------------------------- */
static int newv(struct ex *e, int kind, int dt, int cls)
{
	if (e->nv >= MAXV) {
		e->bad = true;
		snprintf(e->why, sizeof(e->why), "expression too long");
		return 0;
	}
	struct ev *v = &e->v[e->nv];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->dt = dt;
	v->cls = cls;
	v->a = v->b = v->c = -1;
	return e->nv++;
}

static int cls_of2(int a, int b)
{
	if (a == C_FULL || b == C_FULL)
		return C_FULL;
	if (a == C_ROW && b == C_ROW)
		return C_ROW;
	if (a == C_COL && b == C_COL)
		return C_COL;
	return C_FULL;	/* ROW x COL */
}

static int dup(struct ex *e, int dt, double s);

static int mk_full(struct ex *e, int a)
{
	if (e->v[a].cls == C_FULL)
		return a;
	int z = e->v[a].cls == C_COL ? dup(e, e->v[a].dt, 0) : -1;
	int r = newv(e, E_FULL, e->v[a].dt, C_FULL);
	e->v[r].a = a;
	e->v[r].b = z;
	return r;
}

static int un(struct ex *e, int op, int a)
{
	int r = newv(e, E_UN, e->v[a].dt, e->v[a].cls);
	e->v[r].op = op;
	e->v[r].a = a;
	return r;
}

static int vs(struct ex *e, int op, int a, double s)
{
	int r = newv(e, E_VS, e->v[a].dt, e->v[a].cls);
	e->v[r].op = op;
	e->v[r].a = a;
	e->v[r].imm = s;
	return r;
}

static bool commutes(int op)
{
	return op == SINAN_VB_ADD || op == SINAN_VB_MUL || op == SINAN_VB_MAX || op == SINAN_VB_MIN ||
	       op == SINAN_VB_AND || op == SINAN_VB_OR;
}

/* Binary op; the second operand may be COL (rowscalar), the first not (unless both are). */
static int bin2(struct ex *e, int kind, int op, int a, int b, int dt)
{
	int ca = e->v[a].cls, cb = e->v[b].cls;
	if (ca == C_COL && cb != C_COL) {
		bool comm = kind == E_BIN ? commutes(op) : (op == SINAN_VC_EQ || op == SINAN_VC_NE);
		if (kind == E_CMP && !comm) {
			static const int swapped[] = { [SINAN_VC_GT] = SINAN_VC_LT, [SINAN_VC_GE] = SINAN_VC_LE,
						       [SINAN_VC_LT] = SINAN_VC_GT, [SINAN_VC_LE] = SINAN_VC_GE };
			op = swapped[op];
			comm = true;
		}
		if (comm) {
			int t = a;
			a = b;
			b = t;
		} else {
			a = mk_full(e, a);
		}
	}
	int r = newv(e, kind, dt, cls_of2(e->v[a].cls, e->v[b].cls));
	e->v[r].op = op;
	e->v[r].a = a;
	e->v[r].b = b;
	return r;
}

static int bin(struct ex *e, int op, int a, int b)
{
	return bin2(e, E_BIN, op, a, b, e->v[a].dt);
}

static int cmp(struct ex *e, int op, int a, int b)
{
	return bin2(e, E_CMP, op, a, b, SINAN_DT_UINT8);
}

static int cvt(struct ex *e, int a, int dt, int rnd)
{
	if (e->v[a].dt == dt)
		return a;
	int r = newv(e, E_CVT, dt, e->v[a].cls);
	e->v[r].a = a;
	e->v[r].rnd = rnd;
	return r;
}

static int dup(struct ex *e, int dt, double s)
{
	int r = newv(e, E_DUP, dt, C_ROW);
	e->v[r].imm = s;
	return r;
}

static int sel(struct ex *e, int m, int a, int b)
{
	m = mk_full(e, m);
	a = mk_full(e, a);
	b = mk_full(e, b);
	int r = newv(e, E_SEL, e->v[a].dt, C_FULL);
	e->v[r].a = m;
	e->v[r].b = a;
	e->v[r].c = b;
	return r;
}

/* Value of input @i (an IMM operand is materialized as a constant row). */
static int in(struct ex *e, int i)
{
	struct operand *o = &e->op[i];
	if (o->cls == C_IMM)
		return dup(e, o->dt, o->imm);
	int r = newv(e, E_IN, o->dt, o->cls);
	e->v[r].in = i;
	return r;
}

static bool imm_of(struct ex *e, int i, double *s)
{
	if (e->op[i].cls != C_IMM)
		return false;
	*s = e->op[i].imm;
	return true;
}

/* ---- operand analysis ------------------------------------------------------------------------ */
static int fail(struct ex *e, const char *fmt, ...) CC_PRINTF(2, 3);
static int fail(struct ex *e, const char *fmt, ...)
{
	va_list ap;
	e->bad = true;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int add_operand(struct ex *e, struct cc_tensor *t, int dt_force)
{
	if (e->nop >= MAXIN)
		return fail(e, "too many operands");
	struct operand *o = &e->op[e->nop];
	memset(o, 0, sizeof(*o));
	o->t = t;
	o->dt = dt_force >= 0 ? dt_force : cc_hw_dtype(t->dtype);
	if (o->dt < 0)
		return fail(e, "element type %s is not supported on the device", cc_dtype_name(t->dtype));
	if (t->data && cc_tensor_elems(t) == 1 && (is_float_dt(o->dt) || o->dt == SINAN_DT_INT32 ||
						   o->dt == SINAN_DT_UINT8 || o->dt == SINAN_DT_INT8 ||
						   o->dt == SINAN_DT_INT16)) {
		o->cls = C_IMM;
		o->imm = cc_ld(t->dtype, t->data, 0);
	}
	return e->nop++;
}

/* Broadcast strides of every non-IMM operand, merge dims, classify. */
static int geometry(struct ex *e, const struct cc_tensor *y)
{
	int r = y->rank;
	int64_t st[MAXIN + 1][CC_MAX_RANK];
	int nd = 0;

	for (int k = 0; k < e->nop; k++) {
		const struct cc_tensor *t = e->op[k].t;
		int64_t ts[CC_MAX_RANK];
		if (e->op[k].cls == C_IMM)
			continue;
		if (e->reshape) {
			cc_strides(r, y->dims, st[k]);
			continue;
		}
		int tr = e->op[k].vrank ? e->op[k].vrank : t->rank;
		const int64_t *td = e->op[k].vrank ? e->op[k].vdims : t->dims;
		if (tr > r)
			return fail(e, "operand rank exceeds the output's");
		cc_strides(tr, td, ts);
		for (int i = 0; i < r; i++) {
			int j = i - (r - tr);
			st[k][i] = (j >= 0 && td[j] != 1) ? ts[j] : 0;
		}
	}
	cc_strides(r, y->dims, st[MAXIN]);
	/* drop size-1 dims, merge contiguous ones */
	int64_t md[CC_MAX_RANK], ms[MAXIN + 1][CC_MAX_RANK];
	for (int i = 0; i < r; i++) {
		if (y->dims[i] == 1)
			continue;
		bool merge = nd > 0;
		for (int k = 0; k <= MAXIN && merge; k++) {
			if (k < MAXIN && (k >= e->nop || e->op[k].cls == C_IMM))
				continue;
			if (ms[k][nd - 1] != st[k][i] * y->dims[i])
				merge = false;
		}
		if (merge) {
			md[nd - 1] *= y->dims[i];
			for (int k = 0; k <= MAXIN; k++)
				if (k == MAXIN || (k < e->nop && e->op[k].cls != C_IMM))
					ms[k][nd - 1] = st[k][i];
		} else {
			md[nd] = y->dims[i];
			for (int k = 0; k <= MAXIN; k++)
				if (k == MAXIN || (k < e->nop && e->op[k].cls != C_IMM))
					ms[k][nd] = st[k][i];
			nd++;
		}
	}
	if (nd == 0) {
		md[0] = 1;
		for (int k = 0; k <= MAXIN; k++)
			ms[k][0] = 0;
		ms[MAXIN][0] = 1;
		nd = 1;
	}
	e->r = nd;
	memcpy(e->d, md, sizeof(int64_t) * (size_t)nd);
	memcpy(e->ost, ms[MAXIN], sizeof(int64_t) * (size_t)nd);
	e->cols = md[nd - 1];
	e->rows = nd >= 2 ? md[nd - 2] : 1;
	for (int k = 0; k < e->nop; k++) {
		struct operand *o = &e->op[k];
		if (o->cls == C_IMM)
			continue;
		memcpy(o->st, ms[k], sizeof(int64_t) * (size_t)nd);
		int64_t si = ms[k][nd - 1], sr = nd >= 2 ? ms[k][nd - 2] : 0;
		if (si == 1)
			o->cls = sr == 0 && e->rows > 1 ? C_ROW : C_FULL;
		else if (si == 0)
			o->cls = C_COL;
		else
			return fail(e, "operand has inner stride %lld", (long long)si);
		if (o->cls == C_FULL && nd < 2)
			o->st[0] = 1;
	}
	return 0;
}

/* ---- per-op expressions ---------------------------------------------------------------------- */
static int compute_dt(int dt)
{
	return is_float_dt(dt) ? SINAN_DT_FP32 : dt;
}

/* Load input i converted to the compute type. */
static int inc(struct ex *e, int i, int ct)
{
	return cvt(e, in(e, i), ct, SINAN_RND_EVEN);
}

static int zero_row(struct ex *e, int dt)
{
	return dup(e, dt, 0);
}

/* x op imm where possible, else x op dup(imm). */
static int bin_imm(struct ex *e, int op, int x, double s, bool imm_first)
{
	int dt = e->v[x].dt;
	bool fl = is_float_dt(dt);
	if (!imm_first) {
		switch (op) {
		case SINAN_VB_ADD: return vs(e, SINAN_VS_ADD, x, s);
		case SINAN_VB_SUB: return vs(e, SINAN_VS_ADD, x, -s);
		case SINAN_VB_MUL: return vs(e, SINAN_VS_MUL, x, s);
		case SINAN_VB_MAX: return vs(e, SINAN_VS_MAX, x, s);
		case SINAN_VB_MIN: return vs(e, SINAN_VS_MIN, x, s);
		case SINAN_VB_DIV: if (fl) return vs(e, SINAN_VS_DIV, x, s); break;
		case SINAN_VB_POW: if (fl) return vs(e, SINAN_VS_POW, x, s); break;
		}
		return bin(e, op, x, dup(e, dt, s));
	}
	switch (op) {
	case SINAN_VB_ADD: return vs(e, SINAN_VS_ADD, x, s);
	case SINAN_VB_SUB: return vs(e, SINAN_VS_RSUB, x, s);
	case SINAN_VB_MUL: return vs(e, SINAN_VS_MUL, x, s);
	case SINAN_VB_MAX: return vs(e, SINAN_VS_MAX, x, s);
	case SINAN_VB_MIN: return vs(e, SINAN_VS_MIN, x, s);
	case SINAN_VB_DIV: if (fl) return vs(e, SINAN_VS_DIVR, x, s); break;
	}
	return bin(e, op, dup(e, dt, s), x);
}

static int unary_expr(struct ex *e, const char *op, int x, const struct cc_node *n)
{
	int dt = e->v[x].dt;
	bool fl = is_float_dt(dt);
	float al, be;
	int code = cc_act_code(op);

	if (!strcmp(op, "Gelu") && !strcmp(cc_attr_s(n, "approximate", "none"), "tanh"))
		code = cc_act_code("GeluTanh");
	cc_act_params(n, code, &al, &be);
	if (!strcmp(op, "Abs")) return un(e, SINAN_VU_ABS, x);
	if (!strcmp(op, "Neg")) return un(e, SINAN_VU_NEG, x);
	if (!strcmp(op, "Relu")) return un(e, SINAN_VU_RELU, x);
	if (!fl && strcmp(op, "Sign"))
		return fail(e, "%s of integers is not supported on the device", op), x;
	if (!strcmp(op, "Exp")) return un(e, SINAN_VU_EXP, x);
	if (!strcmp(op, "Log")) return un(e, SINAN_VU_LOG, x);
	if (!strcmp(op, "Sqrt")) return un(e, SINAN_VU_SQRT, x);
	if (!strcmp(op, "Reciprocal")) return un(e, SINAN_VU_RECIP, x);
	if (!strcmp(op, "Tanh")) return un(e, SINAN_VU_TANH, x);
	if (!strcmp(op, "Erf")) return un(e, SINAN_VU_ERF, x);
	if (!strcmp(op, "Sigmoid")) return un(e, SINAN_VU_SIGMOID, x);
	if (!strcmp(op, "Floor")) return un(e, SINAN_VU_FLOOR, x);
	if (!strcmp(op, "Ceil")) return un(e, SINAN_VU_CEIL, x);
	if (!strcmp(op, "Round")) return un(e, SINAN_VU_ROUND, x);
	if (!strcmp(op, "Sin")) return un(e, SINAN_VU_SIN, x);
	if (!strcmp(op, "Cos")) return un(e, SINAN_VU_COS, x);
	if (!strcmp(op, "Tan")) return bin(e, SINAN_VB_DIV, un(e, SINAN_VU_SIN, x), un(e, SINAN_VU_COS, x));
	if (!strcmp(op, "Sign")) {
		int z = zero_row(e, dt);
		int p = cvt(e, cmp(e, SINAN_VC_GT, x, z), dt, SINAN_RND_EVEN);
		int m = cvt(e, cmp(e, SINAN_VC_LT, x, z), dt, SINAN_RND_EVEN);
		return bin(e, SINAN_VB_SUB, p, m);
	}
	if (!strcmp(op, "Sinh") || !strcmp(op, "Cosh")) {
		int a = un(e, SINAN_VU_EXP, x), b = un(e, SINAN_VU_EXP, un(e, SINAN_VU_NEG, x));
		return vs(e, SINAN_VS_MUL, bin(e, op[0] == 'S' ? SINAN_VB_SUB : SINAN_VB_ADD, a, b), 0.5);
	}
	if (!strcmp(op, "Asinh") || !strcmp(op, "Acosh")) {	/* log(x + sqrt(x^2 +- 1)) */
		int q = vs(e, SINAN_VS_ADD, bin(e, SINAN_VB_MUL, x, x), op[1] == 's' ? 1.0 : -1.0);
		return un(e, SINAN_VU_LOG, bin(e, SINAN_VB_ADD, x, un(e, SINAN_VU_SQRT, q)));
	}
	if (!strcmp(op, "Atanh")) {	/* 0.5 * log((1 + x) / (1 - x)) */
		int p = vs(e, SINAN_VS_ADD, x, 1.0), m = vs(e, SINAN_VS_RSUB, x, 1.0);
		return vs(e, SINAN_VS_MUL, un(e, SINAN_VU_LOG, bin(e, SINAN_VB_DIV, p, m)), 0.5);
	}
	if (!strcmp(op, "LeakyRelu")) return vs(e, SINAN_VS_LRELU, x, al);
	if (!strcmp(op, "Elu") || !strcmp(op, "Selu")) {
		int ex = vs(e, SINAN_VS_MUL, vs(e, SINAN_VS_ADD, un(e, SINAN_VU_EXP, x), -1.0), al);
		int y = sel(e, cmp(e, SINAN_VC_GT, x, zero_row(e, dt)), x, ex);
		return op[0] == 'S' ? vs(e, SINAN_VS_MUL, y, be) : y;
	}
	if (!strcmp(op, "Celu")) {
		int ex = vs(e, SINAN_VS_MUL, vs(e, SINAN_VS_ADD, un(e, SINAN_VU_EXP,
							       vs(e, SINAN_VS_DIV, x, al)), -1.0), al);
		return bin(e, SINAN_VB_ADD, un(e, SINAN_VU_RELU, x), vs(e, SINAN_VS_MIN, ex, 0.0));
	}
	if (!strcmp(op, "HardSigmoid"))
		return vs(e, SINAN_VS_MIN, vs(e, SINAN_VS_MAX, vs(e, SINAN_VS_ADD, vs(e, SINAN_VS_MUL, x, al), be),
					       0.0), 1.0);
	if (!strcmp(op, "HardSwish")) {
		int h = vs(e, SINAN_VS_MIN, vs(e, SINAN_VS_MAX, vs(e, SINAN_VS_ADD,
						vs(e, SINAN_VS_DIV, x, 6.0), 0.5), 0.0), 1.0);
		return bin(e, SINAN_VB_MUL, x, h);
	}
	if (!strcmp(op, "Softplus")) {	/* relu(x) + log(1 + exp(-|x|)) */
		int t = un(e, SINAN_VU_EXP, un(e, SINAN_VU_NEG, un(e, SINAN_VU_ABS, x)));
		t = un(e, SINAN_VU_LOG, vs(e, SINAN_VS_ADD, t, 1.0));
		return bin(e, SINAN_VB_ADD, un(e, SINAN_VU_RELU, x), t);
	}
	if (!strcmp(op, "Softsign"))
		return bin(e, SINAN_VB_DIV, x, vs(e, SINAN_VS_ADD, un(e, SINAN_VU_ABS, x), 1.0));
	if (!strcmp(op, "ThresholdedRelu"))
		return sel(e, cmp(e, SINAN_VC_GT, x, dup(e, dt, al)), x, zero_row(e, dt));
	if (!strcmp(op, "Shrink")) {
		double bias = cc_attr_f(n, "bias", 0.0f), lambd = cc_attr_f(n, "lambd", 0.5f);
		int lo = cmp(e, SINAN_VC_LT, x, dup(e, dt, -lambd));
		int hi = cmp(e, SINAN_VC_GT, x, dup(e, dt, lambd));
		int y = sel(e, hi, vs(e, SINAN_VS_ADD, x, -bias), zero_row(e, dt));
		return sel(e, lo, vs(e, SINAN_VS_ADD, x, bias), y);
	}
	if (!strcmp(op, "Gelu")) {
		if (code == cc_act_code("GeluTanh")) {	/* 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) */
			int x3 = bin(e, SINAN_VB_MUL, bin(e, SINAN_VB_MUL, x, x), x);
			int t = bin(e, SINAN_VB_ADD, x, vs(e, SINAN_VS_MUL, x3, 0.044715));
			t = un(e, SINAN_VU_TANH, vs(e, SINAN_VS_MUL, t, sqrt(2.0 / M_PI)));
			return vs(e, SINAN_VS_MUL, bin(e, SINAN_VB_MUL, x, vs(e, SINAN_VS_ADD, t, 1.0)), 0.5);
		}
		int t = un(e, SINAN_VU_ERF, vs(e, SINAN_VS_MUL, x, M_SQRT1_2));
		return vs(e, SINAN_VS_MUL, bin(e, SINAN_VB_MUL, x, vs(e, SINAN_VS_ADD, t, 1.0)), 0.5);
	}
	if (!strcmp(op, "IsNaN"))
		return cmp(e, SINAN_VC_NE, x, x);
	if (!strcmp(op, "IsInf")) {
		bool neg = cc_attr_i(n, "detect_negative", 1) != 0, pos = cc_attr_i(n, "detect_positive", 1) != 0;
		if (neg && pos)
			return cmp(e, SINAN_VC_EQ, un(e, SINAN_VU_ABS, x), dup(e, dt, INFINITY));
		if (!neg && !pos)
			return cmp(e, SINAN_VC_NE, zero_row(e, dt), zero_row(e, dt));
		return cmp(e, SINAN_VC_EQ, x, dup(e, dt, pos ? INFINITY : -INFINITY));
	}
	return fail(e, "operator %s has no vector lowering", op), x;
}

static int binop_of(const char *op)
{
	static const struct { const char *n; int v; } t[] = {
		{ "Add", SINAN_VB_ADD }, { "Sub", SINAN_VB_SUB }, { "Mul", SINAN_VB_MUL }, { "Div", SINAN_VB_DIV },
		{ "Max", SINAN_VB_MAX }, { "Min", SINAN_VB_MIN }, { "Pow", SINAN_VB_POW }, { "Sum", SINAN_VB_ADD },
		{ "Mean", SINAN_VB_ADD }, { "PRelu", SINAN_VB_PRELU }, { "And", SINAN_VB_AND }, { "Or", SINAN_VB_OR },
	};
	for (size_t i = 0; i < CC_ARRAY_SIZE(t); i++)
		if (!strcmp(t[i].n, op))
			return t[i].v;
	return -1;
}

static int cmpop_of(const char *op)
{
	static const struct { const char *n; int v; } t[] = {
		{ "Equal", SINAN_VC_EQ }, { "Greater", SINAN_VC_GT }, { "Less", SINAN_VC_LT },
		{ "GreaterOrEqual", SINAN_VC_GE }, { "LessOrEqual", SINAN_VC_LE }, { "Xor", SINAN_VC_NE },
	};
	for (size_t i = 0; i < CC_ARRAY_SIZE(t); i++)
		if (!strcmp(t[i].n, op))
			return t[i].v;
	return -1;
}

/* Binary op on inputs i, j (either may be IMM). */
static int binary_inputs(struct ex *e, int op, int i, int j, int ct)
{
	double s;
	bool fl = is_float_dt(ct);
	if (op == SINAN_VB_PRELU) {
		if (imm_of(e, j, &s))
			return vs(e, SINAN_VS_LRELU, inc(e, i, ct), s);
		return bin(e, op, inc(e, i, ct), inc(e, j, ct));
	}
	if (op == SINAN_VB_POW && !fl)
		return fail(e, "integer Pow is not supported on the device"), 0;
	if (op == SINAN_VB_POW && e->op[j].dt != e->op[i].dt)
		ct = SINAN_DT_FP32;
	if (imm_of(e, j, &s) && !imm_of(e, i, &s)) {
		imm_of(e, j, &s);
		return bin_imm(e, op, inc(e, i, ct), s, false);
	}
	if (imm_of(e, i, &s) && !imm_of(e, j, &s)) {
		imm_of(e, i, &s);
		return bin_imm(e, op, inc(e, j, ct), s, true);
	}
	return bin(e, op, inc(e, i, ct), inc(e, j, ct));
}

static int build(struct ex *e)
{
	struct cc_node *n = e->n;
	const char *op = n->op;
	struct cc_tensor *y = n->out[0];
	int ydt = cc_hw_dtype(y->dtype);
	int r = -1;

	e->odt = ydt;
	if (ydt < 0)
		return fail(e, "output type %s is not supported on the device", cc_dtype_name(y->dtype));
	/* operands */
	bool copy = !strcmp(op, "Identity") || !strcmp(op, "Dropout") || !strcmp(op, "Reshape") ||
		    !strcmp(op, "Flatten") || !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze");
	if (copy || !strcmp(op, "Expand")) {
		if (add_operand(e, n->in[0], -1) < 0)
			return -1;
		e->reshape = copy;
	} else if (!strcmp(op, "Clip")) {
		/* The bounds become immediates: they must be constants. */
		for (int i = 1; i < n->nin && i < 3; i++)
			if (n->in[i] && !n->in[i]->data)
				return fail(e, "Clip bound '%s' is not a constant", n->in[i]->name);
		if (add_operand(e, n->in[0], -1) < 0)
			return -1;
	} else if (!strcmp(op, "QuantizeLinear") || !strcmp(op, "DequantizeLinear")) {
		for (int i = 0; i < n->nin; i++)
			if (n->in[i] && add_operand(e, n->in[i], -1) < 0)
				return -1;
		/* per-axis scale and zero point: [C] along 'axis', not numpy-aligned */
		const struct cc_tensor *x = n->in[0], *sc = n->in[1];
		if (sc->rank == 1 && sc->dims[0] > 1) {
			int64_t a = cc_attr_i(n, "axis", 1);
			if (a < 0)
				a += x->rank;
			for (int k = 1; k < e->nop; k++) {
				e->op[k].vrank = x->rank - (int)a;
				e->op[k].vdims[0] = sc->dims[0];
				for (int i = 1; i < e->op[k].vrank; i++)
					e->op[k].vdims[i] = 1;
			}
		}
	} else {
		for (int i = 0; i < n->nin; i++) {
			if (!n->in[i])
				return fail(e, "omitted inputs are not supported here");
			if (add_operand(e, n->in[i], -1) < 0)
				return -1;
		}
	}
	if (geometry(e, y))
		return -1;
	int xdt = e->op[0].dt, ct = compute_dt(xdt);
	int bop = binop_of(op), cop = cmpop_of(op);

	if (!strcmp(n->domain, "sinan") && strcmp(op, "Gelu") && strcmp(op, "QuantizeLinear"))
		return fail(e, "no vector lowering");
	if (copy || !strcmp(op, "Expand")) {
		r = in(e, 0);
	} else if (!strcmp(op, "Cast") || !strcmp(op, "CastLike")) {
		int x = in(e, 0);
		if (y->dtype == SINAN_TYPE_BOOL)
			r = n->in[0]->dtype == SINAN_TYPE_BOOL ? x : cmp(e, SINAN_VC_NE, x, zero_row(e, xdt));
		else if (n->in[0]->dtype == SINAN_TYPE_BOOL)
			r = cvt(e, x, ydt, SINAN_RND_EVEN);
		else if (is_float_dt(xdt) && !is_float_dt(ydt))
			r = cvt(e, x, ydt, SINAN_RND_ZERO);
		else if (ydt == SINAN_DT_BF16 && xdt != SINAN_DT_BF16)
			r = cvt(e, x, ydt, SINAN_RND_ZERO);	/* ONNX 1.12 truncates to bfloat16 */
		else
			r = cvt(e, x, ydt, SINAN_RND_EVEN);
		if (!strcmp(op, "CastLike"))
			e->nop = 1;
	} else if (!strcmp(op, "Clip")) {
		int x = in(e, 0);
		double lo = -INFINITY, hi = INFINITY;
		if (n->nin > 1 && n->in[1])
			lo = cc_ld(n->in[1]->dtype, n->in[1]->data, 0);
		if (n->nin > 2 && n->in[2])
			hi = cc_ld(n->in[2]->dtype, n->in[2]->data, 0);
		if (!is_float_dt(xdt)) {	/* bounds outside the type change nothing */
			double tmin = xdt == SINAN_DT_INT32 ? -2147483648.0 : xdt == SINAN_DT_INT16 ? -32768.0 :
				      xdt == SINAN_DT_INT8 ? -128.0 : 0.0;
			double tmax = xdt == SINAN_DT_INT32 ? 2147483647.0 : xdt == SINAN_DT_INT16 ? 32767.0 :
				      xdt == SINAN_DT_INT8 ? 127.0 : 255.0;
			if (lo <= tmin)
				lo = -INFINITY;
			if (hi >= tmax)
				hi = INFINITY;
		}
		if (lo > -INFINITY)
			x = vs(e, SINAN_VS_MAX, x, lo);
		if (hi < INFINITY)
			x = vs(e, SINAN_VS_MIN, x, hi);
		r = x;
	} else if (!strcmp(op, "Where")) {
		r = sel(e, in(e, 0), in(e, 1), in(e, 2));
	} else if (!strcmp(op, "Not")) {
		r = vs(e, SINAN_VS_RSUB, in(e, 0), 1.0);
	} else if (!strcmp(op, "QuantizeLinear")) {
		/* y = saturate(round(x / s) + z): the division in fp32 as ONNX's reference */
		int x = inc(e, 0, SINAN_DT_FP32);
		double s, z;
		if (imm_of(e, 1, &s))
			x = vs(e, SINAN_VS_DIV, x, s);
		else
			x = bin(e, SINAN_VB_DIV, x, inc(e, 1, SINAN_DT_FP32));
		if (e->nop > 2) {
			if (imm_of(e, 2, &z))
				x = z != 0 ? vs(e, SINAN_VS_ADD, un(e, SINAN_VU_ROUND, x), z) : x;
			else
				x = bin(e, SINAN_VB_ADD, un(e, SINAN_VU_ROUND, x), inc(e, 2, SINAN_DT_FP32));
		}
		r = cvt(e, x, ydt, SINAN_RND_EVEN);
	} else if (!strcmp(op, "DequantizeLinear")) {
		int x = inc(e, 0, SINAN_DT_FP32);
		double s, z;
		if (e->nop > 2) {
			if (imm_of(e, 2, &z))
				x = z != 0 ? vs(e, SINAN_VS_ADD, x, -z) : x;
			else
				x = bin(e, SINAN_VB_SUB, x, inc(e, 2, SINAN_DT_FP32));
		}
		if (imm_of(e, 1, &s))
			x = vs(e, SINAN_VS_MUL, x, s);
		else
			x = bin(e, SINAN_VB_MUL, x, inc(e, 1, SINAN_DT_FP32));
		r = x;
	} else if (!strcmp(op, "Max") || !strcmp(op, "Min") || !strcmp(op, "Sum") || !strcmp(op, "Mean")) {
		if (e->nop == 1) {
			r = inc(e, 0, ct);
		} else {
			r = binary_inputs(e, bop, 0, 1, ct);
			for (int i = 2; i < e->nop; i++) {
				double s;
				r = imm_of(e, i, &s) ? bin_imm(e, bop, r, s, false) : bin(e, bop, r, inc(e, i, ct));
			}
		}
		if (!strcmp(op, "Mean"))
			r = vs(e, SINAN_VS_DIV, r, (double)e->nop);
	} else if (bop >= 0 && n->nin == 2) {
		if ((bop == SINAN_VB_AND || bop == SINAN_VB_OR))
			r = bin(e, bop, in(e, 0), in(e, 1));
		else
			r = binary_inputs(e, bop, 0, 1, ct);
	} else if (cop >= 0) {
		r = cmp(e, cop, inc(e, 0, ct), inc(e, 1, ct));
	} else if (n->nin == 1) {
		r = unary_expr(e, op, inc(e, 0, ct), n);
	} else {
		return fail(e, "no vector lowering");
	}
	if (e->bad)
		return -1;
	r = cvt(e, r, ydt, ydt == SINAN_DT_BF16 || !is_float_dt(ydt) ? SINAN_RND_ZERO : SINAN_RND_EVEN);
	if (!is_float_dt(ydt) && is_float_dt(e->v[r].dt))
		r = cvt(e, r, ydt, SINAN_RND_ZERO);
	e->out = mk_full(e, r);
	return e->bad ? -1 : 0;
}

/* ---- support ----------------------------------------------------------------------------------- */
static const char *const elem_ops[] = {
	"Abs", "Neg", "Sign", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Erf",
	"Sin", "Cos", "Tan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Relu", "Sigmoid", "Tanh",
	"LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign",
	"ThresholdedRelu", "Shrink", "Not", "IsNaN", "IsInf", "Clip", "PRelu", "Add", "Sub", "Mul",
	"Div", "Pow", "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor",
	"Max", "Min", "Sum", "Mean", "Where", "Cast", "CastLike", "QuantizeLinear", "DequantizeLinear",
	"Identity", "Dropout", "Expand", "Gelu", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
};

bool cc_is_elem(const struct cc_node *n)
{
	if (!strcmp(n->domain, "sinan"))
		return !strcmp(n->op, "Gelu") || !strcmp(n->op, "QuantizeLinear");
	for (size_t i = 0; i < CC_ARRAY_SIZE(elem_ops); i++)
		if (!strcmp(elem_ops[i], n->op))
			return true;
	return false;
}

int cc_elem_supported(struct cc_graph *g, struct cc_node *n, int precision)
{
	struct ex e;
	struct cc_tensor *saved[CC_MAX_IO];

	(void)precision;
	memset(&e, 0, sizeof(e));
	e.n = n;
	if (!cc_is_elem(n))
		return NERR(g, n, ENOTSUP, "no device lowering for this operator");
	cc_views5(g, n, saved);		/* NC1HWC0 operands: their stored shape */
	int rc = build(&e);
	cc_unviews5(n, saved);
	if (rc)
		return NERR(g, n, ENOTSUP, "%s", e.why);
	return 0;
}

/* ---- emission -------------------------------------------------------------------------------------- */
struct regs {
	unsigned int it, hi, o, rb, cb, nr, ncl, t0, t1, len;
};

static uint32_t vbytes(const struct ex *e, const struct ev *v)
{
	int64_t sz;
	if (v->cls == C_FULL)
		sz = e->rc * e->pe * esz(v->dt);
	else if (v->cls == C_ROW)
		sz = e->pe * esz(v->dt);
	else
		sz = CC_ALIGN(e->rc * esz(v->dt), 32);
	return (uint32_t)CC_ALIGN(sz, 32);
}

/* Tile size and UB layout; returns false if nothing fits. */
static bool plan(struct ex *e, uint32_t ub)
{
	/* values that live across the pipeline (inputs, output) are double-buffered */
	int64_t colcap = 8192;
	for (;;) {
		e->nc = CC_MIN(e->cols, colcap);
		e->pe = CC_ALIGN(e->nc, 32);
		for (int64_t rc = CC_MIN(e->rows, 4096); rc >= 1; rc = rc > 8 ? rc * 3 / 4 : rc - 1) {
			e->rc = rc;
			uint64_t tot = 0;
			for (int i = 0; i < e->nv; i++) {
				struct ev *v = &e->v[i];
				v->slotted = v->kind == E_IN || i == e->out;
				tot += (uint64_t)vbytes(e, v) * (v->slotted ? 2 : 1);
			}
			if (tot <= ub)
				goto fits;
		}
		if (colcap <= 32)
			return false;
		colcap /= 2;
	}
fits:;
	uint32_t off = 0;
	for (int i = 0; i < e->nv; i++) {
		struct ev *v = &e->v[i];
		uint32_t b = vbytes(e, v);
		v->off[0] = off;
		off += b;
		if (v->slotted) {
			v->off[1] = off;
			off += b;
		} else {
			v->off[1] = v->off[0];
		}
	}
	return true;
}

/* vector operand helpers */
static uint64_t vstride(const struct ex *e, const struct ev *v)
{
	return v->cls == C_FULL ? (uint64_t)(e->pe * esz(v->dt)) : 0;
}

static void emit_value(struct ex *e, int idx, int s, const struct regs *R)
{
	struct cg *c = e->c;
	struct ev *v = &e->v[idx];
	struct ev *a = v->a >= 0 ? &e->v[v->a] : NULL, *b = v->b >= 0 ? &e->v[v->b] : NULL;
	struct cg_v dst = CG_I(v->off[s]);
	/* geometry of the result */
	struct cg_v n = v->cls == C_COL ? CG_R(R->nr) : CG_R(R->ncl);
	struct cg_v rows = v->cls == C_FULL ? CG_R(R->nr) : CG_I(1);

	switch (v->kind) {
	case E_IN:
		break;
	case E_DUP:
		cg_vdup(c, (unsigned int)v->dt, dst, CG_I(cg_scalar_bits(v->dt, v->imm)), CG_I(e->pe), CG_I(1), 0);
		break;
	case E_UN:
		cg_vun(c, (unsigned int)v->op, (unsigned int)v->dt, dst, CG_I(a->off[s]), n, rows,
		       vstride(e, v), vstride(e, a));
		break;
	case E_VS:
		cg_vscalar(c, (unsigned int)v->op, (unsigned int)v->dt, dst, CG_I(a->off[s]),
			   CG_I(cg_scalar_bits(v->dt, v->imm)), n, rows, vstride(e, v), vstride(e, a));
		break;
	case E_CVT:
		cg_vcvt(c, (unsigned int)a->dt, (unsigned int)v->dt, (unsigned int)v->rnd, 0, dst,
			CG_I(a->off[s]), n, rows, vstride(e, v), vstride(e, a));
		break;
	case E_BIN:
	case E_CMP: {
		unsigned int fl = b->cls == C_COL && v->cls != C_COL ? SINAN_V_F_ROWSCALAR : 0;
		if (v->kind == E_BIN)
			cg_vbin(c, (unsigned int)v->op, (unsigned int)a->dt, fl, dst, CG_I(a->off[s]),
				CG_I(b->off[s]), n, rows, vstride(e, v), vstride(e, a), fl ? 0 : vstride(e, b));
		else
			cg_vcmp(c, (unsigned int)v->op, (unsigned int)a->dt, fl, dst, CG_I(a->off[s]),
				CG_I(b->off[s]), n, rows, vstride(e, v), vstride(e, a), fl ? 0 : vstride(e, b));
		break;
	}
	case E_FULL:
		if (a->cls == C_ROW) {
			cg_vun(c, SINAN_VU_COPY, (unsigned int)a->dt, dst, CG_I(a->off[s]), CG_R(R->ncl), CG_R(R->nr),
			       vstride(e, v), 0);
		} else {	/* COL: zeros (row, stride 0) + rowscalar */
			cg_vbin(c, SINAN_VB_ADD, (unsigned int)a->dt, SINAN_V_F_ROWSCALAR, dst, CG_I(b->off[0]),
				CG_I(a->off[s]), CG_R(R->ncl), CG_R(R->nr), vstride(e, v), 0, 0);
		}
		break;
	case E_SEL:
		cg_vsel(c, (unsigned int)v->dt, dst, CG_I(e->v[v->a].off[s]), CG_I(e->v[v->b].off[s]),
			CG_I(e->v[v->c].off[s]), CG_I(e->pe), CG_R(R->nr));
		break;
	}
}

/* GM byte offset of operand @k for outer index R->o, row block R->rb, col block R->cb into R->t0. */
static void operand_addr(struct ex *e, int k, const struct regs *R, bool is_out)
{
	struct cg *c = e->c;
	const int64_t *st = is_out ? e->ost : e->op[k].st;
	unsigned int base = is_out ? e->op[MAXIN - 1].reg : e->op[k].reg;
	int esize = esz(is_out ? e->odt : e->op[k].dt);
	int r = e->r;

	/* t0 = base; outer dims: decompose o */
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, base, 0);
	if (r > 2) {
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->o, 0);	/* remaining index */
		for (int i = r - 3; i >= 0; i--) {
			unsigned int q = R->ncl;	/* borrow: ncl is recomputed after */
			(void)q;
			if (st[i]) {
				/* coord = t1 % d[i]; t0 += coord * st * es */
				unsigned int tmp = 26;	/* scratch register, free at this point */
				cg_li(c, 27, (uint64_t)e->d[i]);
				sinan_asm_alu(c->a, SINAN_ALU_REMU, tmp, R->t1, 27);
				cg_li(c, 28, (uint64_t)(st[i] * esize));
				sinan_asm_alu(c->a, SINAN_ALU_MUL, tmp, tmp, 28);
				sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, tmp);
			}
			if (i > 0) {
				cg_li(c, 27, (uint64_t)e->d[i]);
				sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->t1, R->t1, 27);
			}
		}
	}
	int64_t rs = r >= 2 ? st[r - 2] : 0, cs = st[r - 1];
	if (rs) {	/* rows: rb * rc * rs * es */
		cg_li(c, 27, (uint64_t)(e->rc * rs * esize));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, 26, R->rb, 27);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, 26);
	}
	if (cs) {
		cg_li(c, 27, (uint64_t)(e->nc * cs * esize));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, 26, R->cb, 27);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, 26);
	}
}

static void body(struct ex *e, int s, const struct regs *R, int64_t RB, int64_t CB)
{
	struct cg *c = e->c;
	int r = e->r;

	/* it -> (o, rb, cb); nrows, ncols */
	cg_li(c, 27, (uint64_t)CB);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->cb, R->it, 27);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->o, R->it, 27);
	cg_li(c, 27, (uint64_t)RB);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->rb, R->o, 27);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->o, R->o, 27);
	/* nr = min(rc, rows - rb * rc); ncl = min(nc, cols - cb * nc) */
	cg_li(c, 27, (uint64_t)e->rc);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->nr, R->rb, 27);
	cg_li(c, 28, (uint64_t)e->rows);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->nr, 28, R->nr);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->nr, R->nr, 27);
	cg_li(c, 27, (uint64_t)e->nc);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->ncl, R->cb, 27);
	cg_li(c, 28, (uint64_t)e->cols);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->ncl, 28, R->ncl);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->ncl, R->ncl, 27);

	/* MTE2: inputs */
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, (unsigned int)s);
	for (int i = 0; i < e->nv; i++) {
		struct ev *v = &e->v[i];
		if (v->kind != E_IN)
			continue;
		struct operand *o = &e->op[v->in];
		int es = esz(o->dt);
		int64_t rs = r >= 2 ? o->st[r - 2] : 0;
		operand_addr(e, v->in, R, false);
		if (v->cls == C_FULL) {
			/* len = ncl * es (R->len); nburst = nr */
			cg_li(c, 28, (uint64_t)es);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->ncl, 28);
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(v->off[s]), CG_R(R->t0), CG_R(R->nr), CG_R(R->len),
			       CG_I((uint64_t)(rs * es)), CG_I((uint64_t)(e->pe * es)));
		} else if (v->cls == C_ROW) {
			cg_li(c, 28, (uint64_t)es);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->ncl, 28);
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(v->off[s]), CG_R(R->t0), CG_I(1), CG_R(R->len),
			       CG_I(0), CG_I(0));
		} else if (rs == 1) {	/* COL, contiguous */
			cg_li(c, 28, (uint64_t)es);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->nr, 28);
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(v->off[s]), CG_R(R->t0), CG_I(1), CG_R(R->len),
			       CG_I(0), CG_I(0));
		} else {		/* COL, strided or repeated (rs == 0) */
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(v->off[s]), CG_R(R->t0), CG_R(R->nr),
			       CG_I((uint64_t)es), CG_I((uint64_t)(rs * es)), CG_I((uint64_t)es));
		}
	}
	cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, (unsigned int)s);
	/* V */
	cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, (unsigned int)s);
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, (unsigned int)s);
	for (int i = 0; i < e->nv; i++)
		if (e->v[i].kind != E_DUP)
			emit_value(e, i, s, R);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, (unsigned int)s);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, (unsigned int)s);
	/* MTE3: output */
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, (unsigned int)s);
	operand_addr(e, 0, R, true);
	int oes = esz(e->odt);
	cg_li(c, 28, (uint64_t)oes);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->ncl, 28);
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_I(e->v[e->out].off[s]), CG_R(R->nr), CG_R(R->len),
	       CG_I((uint64_t)(e->pe * oes)), CG_I((uint64_t)((r >= 2 ? e->ost[r - 2] : 0) * oes)));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, (unsigned int)s);
}

static int lower_elem(struct cg *c, struct cc_node *n);

int cc_lower_elem(struct cg *c, struct cc_node *n)
{
	struct cc_tensor *saved[CC_MAX_IO];
	cc_views5(c->g, n, saved);	/* NC1HWC0 operands: their stored shape */
	int rc = lower_elem(c, n);
	cc_unviews5(n, saved);
	return rc;
}

static int lower_elem(struct cg *c, struct cc_node *n)
{
	struct ex *e = calloc(1, sizeof(*e));
	int rc;

	if (!e)
		return cc_err(c->g, ENOMEM, "out of memory");
	e->c = c;
	e->n = n;
	if (build(e)) {
		rc = NERR(c->g, n, ENOTSUP, "%s", e->why);
		goto out;
	}
	if (!plan(e, c->tgt->ub)) {
		rc = NERR(c->g, n, ENOTSUP, "expression does not fit the unified buffer");
		goto out;
	}
	int64_t outer = 1;
	for (int i = 0; i + 2 < e->r; i++)
		outer *= e->d[i];
	int64_t RB = CC_DIV_UP(e->rows, e->rc), CB = CC_DIV_UP(e->cols, e->nc);
	uint64_t items = (uint64_t)(outer * RB * CB);

	rc = cg_begin(c, n->op, NULL);
	if (rc)
		goto out;
	struct regs R;
	R.it = cg_reg(c);
	R.hi = cg_reg(c);
	R.o = cg_reg(c);
	R.rb = cg_reg(c);
	R.cb = cg_reg(c);
	R.nr = cg_reg(c);
	R.ncl = cg_reg(c);
	R.t0 = cg_reg(c);
	R.t1 = cg_reg(c);
	R.len = cg_reg(c);
	/* operand bases; the output's in op[MAXIN - 1] */
	for (int k = 0; k < e->nop; k++) {
		if (e->op[k].cls == C_IMM)
			continue;
		e->op[k].arg = cg_arg(c, e->op[k].t, 0, false);
		e->op[k].reg = cg_reg(c);
		cg_ldarg(c, e->op[k].reg, e->op[k].arg);
	}
	if (e->nop >= MAXIN) {
		rc = NERR(c->g, n, ENOTSUP, "too many operands");
		goto out_k;
	}
	e->op[MAXIN - 1].arg = cg_arg(c, n->out[0], 0, true);
	e->op[MAXIN - 1].reg = cg_reg(c);
	cg_ldarg(c, e->op[MAXIN - 1].reg, e->op[MAXIN - 1].arg);
	/* constant rows, once */
	for (int i = 0; i < e->nv; i++)
		if (e->v[i].kind == E_DUP)
			emit_value(e, i, 0, &R);
	/* prime the back edges */
	for (unsigned int s = 0; s < 2; s++) {
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, s);
		cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, s);
	}
	cg_block_range(c, R.it, R.hi, items);
	int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a);
	sinan_asm_bind(c->a, top);
	sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
	body(e, 0, &R, RB, CB);
	sinan_asm_alui(c->a, SINAN_ALU_ADD, R.it, R.it, 1);
	sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
	body(e, 1, &R, RB, CB);
	sinan_asm_alui(c->a, SINAN_ALU_ADD, R.it, R.it, 1);
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, end);
	c->k->bytes = (uint64_t)cc_tensor_elems(n->out[0]) * (uint64_t)esz(e->odt);
	for (int k = 0; k < e->nop; k++)
		if (e->op[k].cls != C_IMM)
			c->k->bytes += cc_tensor_elems(e->op[k].t) * (uint64_t)esz(e->op[k].dt);
	rc = cg_end(c, cg_blocks(c, items));
	goto out;
out_k:
	sinan_asm_free(c->a);
	c->a = NULL;
out:
	free(e);
	return rc;
}

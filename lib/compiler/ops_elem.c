// SPDX-License-Identifier: MIT
/*
 * Elementwise operators: shape inference, checks and plain-C references.
 * References compute in double (floats) or int64 (integers) and round once
 * to the output type.
 */
#include "ops_int.h"

#include <math.h>
#include <stdlib.h>

enum uop {
	U_ABS, U_NEG, U_SIGN, U_EXP, U_LOG, U_SQRT, U_RECIP, U_FLOOR, U_CEIL, U_ROUND, U_ERF,
	U_SIN, U_COS, U_TAN, U_ASIN, U_ACOS, U_ATAN, U_SINH, U_COSH, U_ASINH, U_ACOSH, U_ATANH,
	U_RELU, U_SIGMOID, U_TANH, U_LRELU, U_ELU, U_SELU, U_CELU, U_HSIG, U_HSWISH, U_SOFTPLUS,
	U_SOFTSIGN, U_TRELU, U_SHRINK, U_NOT, U_ISNAN, U_ISINF, U_GELU, U_GELU_TANH,
	U_COUNT
};

static const char *const uop_names[U_COUNT] = {
	"Abs", "Neg", "Sign", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Erf",
	"Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
	"Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
	"Softplus", "Softsign", "ThresholdedRelu", "Shrink", "Not", "IsNaN", "IsInf", "Gelu", "",
};

static int uop_of(const struct cc_node *n)
{
	for (int i = 0; i < U_COUNT; i++)
		if (!strcmp(uop_names[i], n->op)) {
			if (i == U_GELU && !strcmp(cc_attr_s(n, "approximate", "none"), "tanh"))
				return U_GELU_TANH;
			return i;
		}
	return -1;
}

struct uparams {
	double alpha, beta, gamma;
	bool neg, pos;
};

static double sigmoid(double x)
{
	return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

static double ueval(int op, double x, const struct uparams *p)
{
	switch (op) {
	case U_ABS: return fabs(x);
	case U_NEG: return -x;
	case U_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;	/* keeps 0 and NaN */
	case U_EXP: return exp(x);
	case U_LOG: return log(x);
	case U_SQRT: return sqrt(x);
	case U_RECIP: return 1.0 / x;
	case U_FLOOR: return floor(x);
	case U_CEIL: return ceil(x);
	case U_ROUND: return nearbyint(x);	/* half to even */
	case U_ERF: return erf(x);
	case U_SIN: return sin(x);
	case U_COS: return cos(x);
	case U_TAN: return tan(x);
	case U_ASIN: return asin(x);
	case U_ACOS: return acos(x);
	case U_ATAN: return atan(x);
	case U_SINH: return sinh(x);
	case U_COSH: return cosh(x);
	case U_ASINH: return asinh(x);
	case U_ACOSH: return acosh(x);
	case U_ATANH: return atanh(x);
	case U_RELU: return x > 0 ? x : 0;
	case U_SIGMOID: return sigmoid(x);
	case U_TANH: return tanh(x);
	case U_LRELU: return x < 0 ? p->alpha * x : x;
	case U_ELU: return x < 0 ? p->alpha * (exp(x) - 1) : x;
	case U_SELU: return x <= 0 ? p->gamma * (p->alpha * exp(x) - p->alpha) : p->gamma * x;
	case U_CELU: return fmax(0, x) + fmin(0, p->alpha * (exp(x / p->alpha) - 1));
	case U_HSIG: return fmax(0, fmin(1, p->alpha * x + p->beta));
	case U_HSWISH: return x * fmax(0, fmin(1, x / 6 + 0.5));
	case U_SOFTPLUS: return x > 30 ? x : log1p(exp(x));
	case U_SOFTSIGN: return x / (1 + fabs(x));
	case U_TRELU: return x > p->alpha ? x : 0;
	case U_SHRINK: return x < -p->gamma ? x + p->beta : x > p->gamma ? x - p->beta : 0;
	case U_NOT: return x == 0;
	case U_ISNAN: return isnan(x);
	case U_ISINF: return isinf(x) && ((x > 0 && p->pos) || (x < 0 && p->neg));
	case U_GELU: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
	case U_GELU_TANH:
		return 0.5 * x * (1 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
	default: return NAN;
	}
}

static bool is_num(int dt)
{
	return cc_dtype_valid(dt);
}

int check_unary_float(struct cc_graph *g, struct cc_node *n)
{
	return cc_need_type(g, n, 0, cc_dtype_is_float, "a floating-point type");
}

static bool is_bool(int dt)
{
	return dt == SINAN_TYPE_BOOL;
}

int check_unary_num(struct cc_graph *g, struct cc_node *n)
{
	if (!strcmp(n->op, "Not"))
		return cc_need_type(g, n, 0, is_bool, "bool");
	if (!strcmp(n->op, "Relu") || !strcmp(n->op, "Abs") || !strcmp(n->op, "Neg") ||
	    !strcmp(n->op, "Sign") || !strcmp(n->op, "Clip")) {
		if (IN(n, 0)->dtype == SINAN_TYPE_BOOL)
			return NERR(g, n, EINVAL, "bool input");
	}
	return cc_need_type(g, n, 0, is_num, "a numeric type");
}

int infer_unary(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	int op = uop_of(n);
	int dt = (op == U_ISNAN || op == U_ISINF) ? SINAN_TYPE_BOOL : x->dtype;
	return cc_set_out(g, n, 0, dt, x->rank, x->dims);
}

int ref_unary(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	int op = uop_of(n);
	struct uparams p = { 0 };
	uint64_t ne = cc_view_elems(&in[0]);
	int dt = in[0].dtype;

	if (op < 0)
		return NERR(g, n, ENOTSUP, "no reference");
	switch (op) {
	case U_LRELU: p.alpha = cc_attr_f(n, "alpha", 0.01f); break;
	case U_ELU: case U_CELU: case U_TRELU: p.alpha = cc_attr_f(n, "alpha", 1.0f); break;
	case U_SELU:
		p.alpha = cc_attr_f(n, "alpha", 1.67326319217681884765625f);
		p.gamma = cc_attr_f(n, "gamma", 1.05070102214813232421875f);
		break;
	case U_HSIG:
		p.alpha = cc_attr_f(n, "alpha", 0.2f);
		p.beta = cc_attr_f(n, "beta", 0.5f);
		break;
	case U_SHRINK:
		p.beta = cc_attr_f(n, "bias", 0.0f);
		p.gamma = cc_attr_f(n, "lambd", 0.5f);
		break;
	case U_ISINF:
		p.neg = cc_attr_i(n, "detect_negative", 1) != 0;
		p.pos = cc_attr_i(n, "detect_positive", 1) != 0;
		break;
	default: break;
	}
	if (cc_dtype_is_int(dt) && (op == U_ABS || op == U_NEG || op == U_SIGN || op == U_RELU)) {
		for (uint64_t i = 0; i < ne; i++) {
			int64_t x = cc_ldi(dt, in[0].data, i), y;
			switch (op) {
			case U_ABS: y = x < 0 ? (int64_t)(0 - (uint64_t)x) : x; break;
			case U_NEG: y = (int64_t)(0 - (uint64_t)x); break;
			case U_SIGN: y = (x > 0) - (x < 0); break;
			default: y = x > 0 ? x : 0; break;
			}
			cc_sti(out[0].dtype, out[0].data, i, y);
		}
		return 0;
	}
	for (uint64_t i = 0; i < ne; i++)
		cc_st(out[0].dtype, out[0].data, i, ueval(op, cc_ld(dt, in[0].data, i), &p));
	return 0;
}

/* ---- binary --------------------------------------------------------------------- */
enum bop {
	B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MOD, B_SHIFT, B_EQ, B_GT, B_LT, B_GE, B_LE,
	B_AND, B_OR, B_XOR, B_PRELU, B_MAX, B_MIN, B_SUM, B_MEAN, B_COUNT
};
static const char *const bop_names[B_COUNT] = {
	"Add", "Sub", "Mul", "Div", "Pow", "Mod", "BitShift", "Equal", "Greater", "Less",
	"GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor", "PRelu", "Max", "Min", "Sum", "Mean",
};

static int bop_of(const char *op)
{
	for (int i = 0; i < B_COUNT; i++)
		if (!strcmp(bop_names[i], op))
			return i;
	return -1;
}

static bool is_cmp(int op)
{
	return op >= B_EQ && op <= B_LE;
}

static bool is_logic(int op)
{
	return op >= B_AND && op <= B_XOR;
}

int check_binary(struct cc_graph *g, struct cc_node *n)
{
	int op = bop_of(n->op);
	int da = IN(n, 0)->dtype;

	if (op != B_POW) {
		int rc = cc_same_type(g, n, 0, 1);
		if (rc)
			return rc;
	}
	if (is_logic(op) && da != SINAN_TYPE_BOOL)
		return NERR(g, n, EINVAL, "inputs must be bool, are %s", cc_dtype_name(da));
	if (!is_logic(op) && op != B_EQ && da == SINAN_TYPE_BOOL)
		return NERR(g, n, EINVAL, "bool inputs are not allowed");
	if (op == B_MOD && cc_dtype_is_float(da) && cc_attr_i(n, "fmod", 0) != 1)
		return NERR(g, n, EINVAL, "floating-point Mod requires fmod=1");
	if (op == B_SHIFT) {
		const char *d = cc_attr_s(n, "direction", "");
		if (strcmp(d, "LEFT") && strcmp(d, "RIGHT"))
			return NERR(g, n, EINVAL, "attribute 'direction' must be LEFT or RIGHT");
		if (cc_dtype_is_signed(da))
			return NERR(g, n, EINVAL, "BitShift needs unsigned integers");
	}
	if (op == B_PRELU && !cc_dtype_is_float(da) && da != SINAN_TYPE_INT32 &&
	    da != SINAN_TYPE_INT64 && da != SINAN_TYPE_UINT32 && da != SINAN_TYPE_UINT64)
		return NERR(g, n, EINVAL, "PRelu of %s", cc_dtype_name(da));
	return 0;
}

/*
 * Opsets < 7: without 'broadcast' the shapes must be equal; with it B's
 * dims line up with A's starting at 'axis' (default: suffix). Gives B's
 * dims in numpy terms (rank of A).
 */
int cc_legacy_bdims(struct cc_graph *g, const struct cc_node *n, int ra, const int64_t *da, int rb,
		    const int64_t *db, int64_t *out)
{
	int64_t axis = cc_attr_i(n, "axis", ra - rb);

	if (!cc_attr_i(n, "broadcast", 0)) {
		if (ra != rb || memcmp(da, db, sizeof(int64_t) * (size_t)ra))
			return NERR(g, n, EINVAL, "shapes differ and 'broadcast' is not set (opset %d)", n->ver);
		memcpy(out, db, sizeof(int64_t) * (size_t)rb);
		return 0;
	}
	if (axis < 0)
		axis += ra;
	if (axis < 0 || axis + rb > ra)
		return NERR(g, n, EINVAL, "legacy broadcast axis %lld does not fit", (long long)axis);
	for (int i = 0; i < ra; i++)
		out[i] = i >= axis && i < axis + rb ? db[i - axis] : 1;
	for (int i = 0; i < rb; i++)
		if (db[i] != 1 && db[i] != da[axis + i])
			return NERR(g, n, EINVAL, "legacy broadcast: dims differ");
	return 0;
}

bool cc_legacy_bcast(const struct cc_node *n)
{
	return n->ver < 7 && n->def && n->def->check == check_binary &&
	       (cc_attr_find(n, "broadcast") || cc_attr_find(n, "axis"));
}

int infer_binary(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *a = IN(n, 0), *b = IN(n, 1);
	int64_t d[CC_MAX_RANK], bd[CC_MAX_RANK];
	int r, op = bop_of(n->op), rb = b->rank;
	const int64_t *bdims = b->dims;

	if (cc_legacy_bcast(n)) {
		if (cc_legacy_bdims(g, n, a->rank, a->dims, b->rank, b->dims, bd))
			return -g->err_code;
		rb = a->rank;
		bdims = bd;
	}
	if (cc_broadcast(a->rank, a->dims, rb, bdims, &r, d))
		return NERR(g, n, EINVAL, "inputs '%s' and '%s' do not broadcast", a->name, b->name);
	return cc_set_out(g, n, 0, is_cmp(op) || is_logic(op) ? SINAN_TYPE_BOOL : a->dtype, r, d);
}

/* PRelu-6: a 1-D slope of C elements is per channel (dim 1). */
static bool prelu_legacy(const struct cc_node *n, int xr, const int64_t *xd, int sr, const int64_t *sd)
{
	return n->ver < 7 && sr == 1 && xr > 2 && sd[0] == xd[1] && sd[0] != xd[xr - 1];
}

int infer_prelu(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0), *s = IN(n, 1);
	int64_t d[CC_MAX_RANK], sd[CC_MAX_RANK];
	int r, sr = s->rank;

	memcpy(sd, s->dims, sizeof(sd));
	if (prelu_legacy(n, x->rank, x->dims, s->rank, s->dims)) {
		sr = x->rank - 1;
		for (int i = 1; i < sr; i++)
			sd[i] = 1;
	}
	/* slope broadcasts to X (unidirectional) */
	if (cc_broadcast(x->rank, x->dims, sr, sd, &r, d) || r != x->rank ||
	    memcmp(d, x->dims, sizeof(int64_t) * (size_t)r))
		return NERR(g, n, EINVAL, "slope '%s' does not broadcast to X", s->name);
	return cc_set_out(g, n, 0, x->dtype, x->rank, x->dims);
}

static double bevalf(int op, double a, double b, const struct cc_node *n)
{
	switch (op) {
	case B_ADD: case B_SUM: case B_MEAN: return a + b;
	case B_SUB: return a - b;
	case B_MUL: return a * b;
	case B_DIV: return a / b;
	case B_POW: return pow(a, b);
	case B_MOD: return fmod(a, b);
	case B_EQ: return a == b;
	case B_GT: return a > b;
	case B_LT: return a < b;
	case B_GE: return a >= b;
	case B_LE: return a <= b;
	case B_AND: return (a != 0) && (b != 0);
	case B_OR: return (a != 0) || (b != 0);
	case B_XOR: return (a != 0) != (b != 0);
	case B_PRELU: return a < 0 ? a * b : a;
	case B_MAX: return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
	case B_MIN: return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
	default: (void)n; return NAN;
	}
}

static int64_t bevali(int op, int64_t a, int64_t b, bool left, int dt, bool cmod)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
	switch (op) {
	case B_ADD: case B_SUM: case B_MEAN: return (int64_t)(ua + ub);
	case B_SUB: return (int64_t)(ua - ub);
	case B_MUL: return (int64_t)(ua * ub);
	case B_DIV:
		if (b == 0 || (a == INT64_MIN && b == -1))
			return 0;
		if (dt == SINAN_TYPE_UINT64)
			return (int64_t)(ua / ub);
		return a / b;
	case B_MOD: {
		if (b == 0 || (a == INT64_MIN && b == -1))
			return 0;
		int64_t r = a % b;
		if (r && !cmod && ((r < 0) != (b < 0)))
			r += b;
		return r;
	}
	case B_POW: {
		int64_t r = 1;
		if (b < 0)
			return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
		for (int64_t i = 0; i < b && i < 64; i++)
			r = (int64_t)((uint64_t)r * (uint64_t)a);
		return r;
	}
	case B_SHIFT:
		if (ub >= 64)
			return 0;
		return left ? (int64_t)(ua << ub) : (int64_t)(ua >> ub);
	case B_EQ: return a == b;
	case B_GT: return a > b;
	case B_LT: return a < b;
	case B_GE: return a >= b;
	case B_LE: return a <= b;
	case B_AND: return a && b;
	case B_OR: return a || b;
	case B_XOR: return !a != !b;
	case B_PRELU: return a < 0 ? (int64_t)(ua * ub) : a;
	case B_MAX: return a > b ? a : b;
	case B_MIN: return a < b ? a : b;
	default: return 0;
	}
}

static void bin_apply(int op, const struct cc_node *n, const struct cc_view *a, const struct cc_view *b,
		      struct cc_view *o)
{
	const struct cc_view *ops[2] = { a, b };
	struct cc_bcast bc;
	uint64_t ne = cc_view_elems(o), off[2];
	bool fl = cc_dtype_is_float(a->dtype) || (op == B_POW && cc_dtype_is_float(b->dtype));
	bool left = op == B_SHIFT && !strcmp(cc_attr_s(n, "direction", ""), "LEFT");
	bool cmod = op == B_MOD && cc_attr_i(n, "fmod", 0) != 0;

	cc_bcast_init(&bc, o->rank, o->dims, 2, ops);
	for (uint64_t i = 0; i < ne; i++) {
		cc_bcast_offsets(&bc, i, off);
		if (fl)
			cc_st(o->dtype, o->data, i, bevalf(op, cc_ld(a->dtype, a->data, off[0]),
							    cc_ld(b->dtype, b->data, off[1]), n));
		else
			cc_sti(o->dtype, o->data, i, bevali(op, cc_ldi(a->dtype, a->data, off[0]),
							     cc_ldi(b->dtype, b->data, off[1]), left,
							     a->dtype, cmod));
	}
}

int ref_binary(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	       struct cc_view *out)
{
	int op = bop_of(n->op);
	struct cc_view b = in[1];

	if (op < 0)
		return NERR(g, n, ENOTSUP, "no reference");
	if (cc_legacy_bcast(n)) {
		if (cc_legacy_bdims(g, n, in[0].rank, in[0].dims, in[1].rank, in[1].dims, b.dims))
			return -g->err_code;
		b.rank = in[0].rank;
	}
	if (op == B_PRELU && prelu_legacy(n, in[0].rank, in[0].dims, in[1].rank, in[1].dims)) {
		b.rank = in[0].rank - 1;
		for (int i = 1; i < b.rank; i++)
			b.dims[i] = 1;
	}
	bin_apply(op, n, &in[0], &b, &out[0]);
	return 0;
}

/* ---- variadic Max/Min/Sum/Mean ------------------------------------------------------- */
int infer_variadic(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x0 = n->in[0];
	int r = x0->rank;
	int64_t d[CC_MAX_RANK];

	memcpy(d, x0->dims, sizeof(d));
	if (IN(n, 0)->dtype == SINAN_TYPE_BOOL)
		return NERR(g, n, EINVAL, "bool inputs");
	if (!strcmp(n->op, "Sum") || !strcmp(n->op, "Mean"))
		if (!cc_dtype_is_float(IN(n, 0)->dtype))
			return NERR(g, n, EINVAL, "%s of %s", n->op, cc_dtype_name(IN(n, 0)->dtype));
	for (int i = 1; i < n->nin; i++) {
		const struct cc_tensor *t = IN(n, i);
		int64_t e[CC_MAX_RANK];
		if (!t)
			return NERR(g, n, EINVAL, "input %d missing", i);
		if (t->dtype != IN(n, 0)->dtype)
			return NERR(g, n, EINVAL, "inputs have different types");
		if (cc_broadcast(r, d, t->rank, t->dims, &r, e))
			return NERR(g, n, EINVAL, "inputs do not broadcast");
		memcpy(d, e, sizeof(d));
	}
	return cc_set_out(g, n, 0, IN(n, 0)->dtype, r, d);
}

int ref_variadic(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		 struct cc_view *out)
{
	int op = bop_of(n->op);
	struct cc_view acc = out[0];
	uint64_t ne = cc_view_elems(&out[0]);

	(void)g;
	/* acc = broadcast(in[0]), then fold the others in */
	struct cc_view zero = in[0];
	bin_apply(B_MAX, n, &in[0], &in[0], &acc);	/* copy with broadcast */
	(void)zero;
	for (int i = 1; i < n->nin; i++)
		bin_apply(op, n, &acc, &in[i], &acc);
	if (op == B_MEAN)
		for (uint64_t i = 0; i < ne; i++)
			cc_st(acc.dtype, acc.data, i, cc_ld(acc.dtype, acc.data, i) / n->nin);
	return 0;
}

/* ---- Where ------------------------------------------------------------------------------ */
int infer_where(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *c = IN(n, 0), *x = IN(n, 1), *y = IN(n, 2);
	int64_t d[CC_MAX_RANK], e[CC_MAX_RANK];
	int r;

	if (c->dtype != SINAN_TYPE_BOOL)
		return NERR(g, n, EINVAL, "condition must be bool");
	if (cc_same_type(g, n, 1, 2))
		return -g->err_code;
	if (cc_broadcast(c->rank, c->dims, x->rank, x->dims, &r, d) ||
	    cc_broadcast(r, d, y->rank, y->dims, &r, e))
		return NERR(g, n, EINVAL, "inputs do not broadcast");
	return cc_set_out(g, n, 0, x->dtype, r, e);
}

int ref_where(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	const struct cc_view *ops[3] = { &in[0], &in[1], &in[2] };
	struct cc_bcast bc;
	uint64_t ne = cc_view_elems(&out[0]), off[3];
	size_t es = cc_dtype_size(out[0].dtype);

	(void)g;
	(void)n;
	cc_bcast_init(&bc, out[0].rank, out[0].dims, 3, ops);
	for (uint64_t i = 0; i < ne; i++) {
		cc_bcast_offsets(&bc, i, off);
		bool c = ((const uint8_t *)in[0].data)[off[0]] != 0;
		memcpy((char *)out[0].data + i * es,
		       (const char *)(c ? in[1].data : in[2].data) + (c ? off[1] : off[2]) * es, es);
	}
	return 0;
}

/* ---- Clip ----------------------------------------------------------------------------------- */
int infer_clip(struct cc_graph *g, struct cc_node *n)
{
	for (int i = 1; i < 3; i++) {
		const struct cc_tensor *t = IN(n, i);
		if (!t)
			continue;
		if (t->dtype != IN(n, 0)->dtype)
			return NERR(g, n, EINVAL, "min/max type differs from the input");
		if (cc_tensor_elems(t) != 1)
			return NERR(g, n, EINVAL, "min/max must be scalars");
	}
	return cc_set_out(g, n, 0, IN(n, 0)->dtype, IN(n, 0)->rank, IN(n, 0)->dims);
}

int ref_clip(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	uint64_t ne = cc_view_elems(&in[0]);
	int dt = in[0].dtype;
	bool hlo = n->nin > 1 && n->in[1], hhi = n->nin > 2 && n->in[2];

	(void)g;
	if (cc_dtype_is_float(dt)) {
		double lo = hlo ? cc_ld(dt, in[1].data, 0) : -INFINITY;
		double hi = hhi ? cc_ld(dt, in[2].data, 0) : INFINITY;
		for (uint64_t i = 0; i < ne; i++) {
			double x = cc_ld(dt, in[0].data, i);
			if (!isnan(x))
				x = fmin(fmax(x, lo), hi);
			cc_st(dt, out[0].data, i, x);
		}
	} else {
		int64_t lo = hlo ? cc_ldi(dt, in[1].data, 0) : INT64_MIN;
		int64_t hi = hhi ? cc_ldi(dt, in[2].data, 0) : INT64_MAX;
		for (uint64_t i = 0; i < ne; i++) {
			int64_t x = cc_ldi(dt, in[0].data, i);
			x = x < lo ? lo : x;
			x = x > hi ? hi : x;
			cc_sti(dt, out[0].data, i, x);
		}
	}
	return 0;
}

/* ---- Cast / CastLike ------------------------------------------------------------------------ */
static int cast_to(const struct cc_node *n)
{
	if (!strcmp(n->op, "CastLike"))
		return n->in[1]->dtype;
	return (int)cc_attr_i(n, "to", 0);
}

int check_cast(struct cc_graph *g, struct cc_node *n)
{
	int to = cast_to(n);
	if (!strcmp(n->op, "Cast") && !cc_attr_find(n, "to"))
		return NERR(g, n, EINVAL, "attribute 'to' is required");
	if (to == SINAN_TYPE_STRING)
		return NERR(g, n, ENOTSUP, "attribute 'to': casts to string are not supported");
	if (!cc_dtype_valid(to))
		return NERR(g, n, ENOTSUP, "attribute 'to': element type %d (%s) not supported", to,
			    cc_dtype_name(to));
	return 0;
}

int infer_cast(struct cc_graph *g, struct cc_node *n)
{
	return cc_set_out(g, n, 0, cast_to(n), IN(n, 0)->rank, IN(n, 0)->dims);
}

int ref_cast(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	     struct cc_view *out)
{
	uint64_t ne = cc_view_elems(&in[0]);
	int sd = in[0].dtype, dd = out[0].dtype;

	(void)g;
	(void)n;
	for (uint64_t i = 0; i < ne; i++) {
		if (dd == SINAN_TYPE_BFLOAT16 && sd != SINAN_TYPE_BFLOAT16) {
			/* ONNX 1.12 (its test data) truncates to bfloat16; the device
			 * converts with SINAN_RND_ZERO to match */
			float f = (float)cc_ld(sd, in[0].data, i);
			uint32_t b;
			memcpy(&b, &f, 4);
			((uint16_t *)out[0].data)[i] = (uint16_t)(b >> 16);
		} else if (cc_dtype_is_float(sd) && dd == SINAN_TYPE_BOOL)
			cc_sti(dd, out[0].data, i, cc_ld(sd, in[0].data, i) != 0);
		else if (cc_dtype_is_float(sd) || cc_dtype_is_float(dd))
			cc_st(dd, out[0].data, i, cc_ld(sd, in[0].data, i));
		else
			cc_sti(dd, out[0].data, i, cc_ldi(sd, in[0].data, i));
	}
	return 0;
}

/* ---- QuantizeLinear / DequantizeLinear -------------------------------------------------------- */
static int qparams_check(struct cc_graph *g, struct cc_node *n, int *axis)
{
	const struct cc_tensor *x = IN(n, 0), *s = IN(n, 1), *z = IN(n, 2);
	uint64_t ns = cc_tensor_elems(s);

	if (!cc_dtype_is_float(s->dtype))
		return NERR(g, n, EINVAL, "scale must be floating point");
	if (z && cc_tensor_elems(z) != ns)
		return NERR(g, n, EINVAL, "zero point and scale differ in size");
	if (s->rank > 1)
		return NERR(g, n, EINVAL, "scale must be a scalar or 1-D");
	*axis = -1;
	if (s->rank == 1 && !(ns == 1 && n->ver < 13)) {
		if (n->ver < 13 && ns != 1)
			return NERR(g, n, EINVAL, "per-axis scales need opset 13");
		if (cc_axis(g, n, cc_attr_i(n, "axis", 1), x->rank, false, axis))
			return -g->err_code;
		if (x->dims[*axis] != (int64_t)ns)
			return NERR(g, n, EINVAL, "scale has %llu elements, axis %d has %lld",
				    (unsigned long long)ns, *axis, (long long)x->dims[*axis]);
	} else if (ns != 1) {
		return NERR(g, n, EINVAL, "scale must have one element");
	}
	return 0;
}

int infer_quant(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *z = IN(n, 2);
	int axis, dt = z ? z->dtype : SINAN_TYPE_UINT8;

	if (qparams_check(g, n, &axis))
		return -g->err_code;
	if (dt != SINAN_TYPE_UINT8 && dt != SINAN_TYPE_INT8)
		return NERR(g, n, ENOTSUP, "zero point of type %s (uint8/int8 supported)", cc_dtype_name(dt));
	if (!cc_dtype_is_float(IN(n, 0)->dtype) && IN(n, 0)->dtype != SINAN_TYPE_INT32 &&
	    (strcmp(n->domain, "sinan") || IN(n, 0)->dtype == SINAN_TYPE_BOOL))
		return NERR(g, n, EINVAL, "input must be float or int32");
	return cc_set_out(g, n, 0, dt, IN(n, 0)->rank, IN(n, 0)->dims);
}

static uint64_t chan_of(const struct cc_view *x, int axis, uint64_t i)
{
	uint64_t inner = 1;
	for (int k = axis + 1; k < x->rank; k++)
		inner *= (uint64_t)x->dims[k];
	return (i / inner) % (uint64_t)x->dims[axis];
}

int ref_quant(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
	      struct cc_view *out)
{
	uint64_t ne = cc_view_elems(&in[0]);
	int axis = -1;
	bool hz = n->nin > 2 && n->in[2];
	int dt = out[0].dtype;
	double lo = dt == SINAN_TYPE_UINT8 ? 0 : -128, hi = dt == SINAN_TYPE_UINT8 ? 255 : 127;

	if (qparams_check(g, (struct cc_node *)n, &axis))
		return -g->err_code;
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t c = axis >= 0 ? chan_of(&in[0], axis, i) : 0;
		double s = cc_ld(in[1].dtype, in[1].data, c);
		double z = hz ? (double)cc_ldi(in[2].dtype, in[2].data, c) : 0;
		double q = cc_ld(in[0].dtype, in[0].data, i) / s;
		if (in[0].dtype != SINAN_TYPE_DOUBLE)
			q = (float)q;	/* the division happens in fp32 (ties round as on fp32) */
		double y = nearbyint(q) + z;
		y = isnan(y) ? 0 : y < lo ? lo : y > hi ? hi : y;
		cc_sti(dt, out[0].data, i, (int64_t)y);
	}
	return 0;
}

int infer_dequant(struct cc_graph *g, struct cc_node *n)
{
	int axis;
	int dt = IN(n, 0)->dtype;

	if (qparams_check(g, n, &axis))
		return -g->err_code;
	if (dt != SINAN_TYPE_UINT8 && dt != SINAN_TYPE_INT8 && dt != SINAN_TYPE_INT32)
		return NERR(g, n, EINVAL, "input must be int8, uint8 or int32");
	if (IN(n, 2) && IN(n, 2)->dtype != dt)
		return NERR(g, n, EINVAL, "zero point type differs from the input");
	return cc_set_out(g, n, 0, IN(n, 1)->dtype, IN(n, 0)->rank, IN(n, 0)->dims);
}

int ref_dequant(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		struct cc_view *out)
{
	uint64_t ne = cc_view_elems(&in[0]);
	int axis = -1;
	bool hz = n->nin > 2 && n->in[2];

	if (qparams_check(g, (struct cc_node *)n, &axis))
		return -g->err_code;
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t c = axis >= 0 ? chan_of(&in[0], axis, i) : 0;
		double s = cc_ld(in[1].dtype, in[1].data, c);
		double z = hz ? (double)cc_ldi(in[2].dtype, in[2].data, c) : 0;
		cc_st(out[0].dtype, out[0].data, i, ((double)cc_ldi(in[0].dtype, in[0].data, i) - z) * s);
	}
	return 0;
}

/* ---- Identity / Dropout ------------------------------------------------------------------------ */
int infer_identity(struct cc_graph *g, struct cc_node *n)
{
	return cc_set_out(g, n, 0, IN(n, 0)->dtype, IN(n, 0)->rank, IN(n, 0)->dims);
}

int ref_identity(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		 struct cc_view *out)
{
	(void)g;
	(void)n;
	memcpy(out[0].data, in[0].data, cc_view_elems(&in[0]) * cc_dtype_size(in[0].dtype));
	return 0;
}

int check_dropout(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *tm = IN(n, 2);
	if (tm) {
		if (!tm->data || tm->dtype != SINAN_TYPE_BOOL || cc_tensor_elems(tm) != 1)
			return NERR(g, n, ENOTSUP, "input 'training_mode' must be a constant bool");
		if (((const uint8_t *)tm->data)[0])
			return NERR(g, n, ENOTSUP, "training_mode=true is not supported (inference only)");
	}
	return 0;
}

int infer_dropout(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_tensor *x = IN(n, 0);
	if (cc_set_out(g, n, 0, x->dtype, x->rank, x->dims))
		return -g->err_code;
	return cc_set_out(g, n, 1, SINAN_TYPE_BOOL, x->rank, x->dims);
}

int ref_dropout(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		struct cc_view *out)
{
	ref_identity(g, n, in, out);
	if (n->nout > 1 && n->out[1])
		memset(out[1].data, 1, cc_view_elems(&out[1]));
	return 0;
}

/* ---- fused epilogue activations ------------------------------------------------------------ */
int cc_act_code(const char *name)
{
	if (!name || !*name)
		return CC_ACT_NONE;
	if (!strcmp(name, "Clip"))
		return CC_ACT_CLIP;
	for (int i = 0; i < U_COUNT; i++)
		if (!strcmp(uop_names[i], name))
			return i;
	if (!strcmp(name, "GeluTanh"))
		return U_GELU_TANH;
	return CC_ACT_INVALID;
}

const char *cc_act_name(int code)
{
	if (code == CC_ACT_NONE)
		return "";
	if (code == CC_ACT_CLIP)
		return "Clip";
	if (code == U_GELU_TANH)
		return "GeluTanh";
	return code >= 0 && code < U_COUNT ? uop_names[code] : "?";
}

/* Activations usable as an epilogue: float in, float out, elementwise, with
 * at most two float parameters (alpha, beta). */
bool cc_act_fusable(int code)
{
	switch (code) {
	case U_RELU: case U_SIGMOID: case U_TANH: case U_LRELU: case U_HSIG: case U_HSWISH:
	case U_GELU: case U_GELU_TANH: case CC_ACT_CLIP:
		return true;
	default:
		return false;
	}
}

double cc_act_apply(int code, double x, double alpha, double beta)
{
	struct uparams p = { .alpha = alpha, .beta = beta, .gamma = beta };

	if (code == CC_ACT_NONE)
		return x;
	if (code == CC_ACT_CLIP)
		return isnan(x) ? x : fmin(fmax(x, alpha), beta);
	return ueval(code, x, &p);
}

/* Default alpha/beta of an activation node, as the unfused op would use them. */
void cc_act_params(const struct cc_node *n, int code, float *alpha, float *beta)
{
	*alpha = 0;
	*beta = 0;
	switch (code) {
	case U_LRELU: *alpha = cc_attr_f(n, "alpha", 0.01f); break;
	case U_ELU: case U_CELU: case U_TRELU: *alpha = cc_attr_f(n, "alpha", 1.0f); break;
	case U_SELU:
		*alpha = cc_attr_f(n, "alpha", 1.67326319217681884765625f);
		*beta = cc_attr_f(n, "gamma", 1.05070102214813232421875f);
		break;
	case U_HSIG:
		*alpha = cc_attr_f(n, "alpha", 0.2f);
		*beta = cc_attr_f(n, "beta", 0.5f);
		break;
	default: break;
	}
}

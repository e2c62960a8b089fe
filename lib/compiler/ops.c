// SPDX-License-Identifier: MIT
/*
 * The op table: for every operator the compiler knows, its arity, attributes
 * (name and type), the oldest operator version whose semantics we implement,
 * and its shape inference, checks and plain-C reference.
 *
 * Versions: a model importing opset O binds an op to its newest version
 * <= O. We implement the semantics of the versions current in opsets 11..17
 * (choosing by n->ver where they differ); models with older opsets are
 * accepted for ops whose semantics did not change since min_ver.
 */
#include "ops_int.h"

#include <stdio.h>
#include <stdlib.h>

#define A(nm, ty)	{ nm, SINAN_ATTR_##ty }
#define END		{ NULL, 0 }

static const struct cc_attrdef a_none[] = { END };
static const struct cc_attrdef a_alpha[] = { A("alpha", FLOAT), END };
static const struct cc_attrdef a_selu[] = { A("alpha", FLOAT), A("gamma", FLOAT), END };
static const struct cc_attrdef a_hsig[] = { A("alpha", FLOAT), A("beta", FLOAT), END };
static const struct cc_attrdef a_shrink[] = { A("bias", FLOAT), A("lambd", FLOAT), END };
static const struct cc_attrdef a_isinf[] = { A("detect_negative", INT), A("detect_positive", INT), END };
static const struct cc_attrdef a_gelu[] = { A("approximate", STRING), END };
/* opsets < 7: legacy broadcasting attributes */
static const struct cc_attrdef a_bcast[] = { A("broadcast", INT), A("axis", INT), END };
static const struct cc_attrdef a_mod[] = { A("fmod", INT), END };
static const struct cc_attrdef a_bitshift[] = { A("direction", STRING), END };
static const struct cc_attrdef a_cast[] = { A("to", INT), END };
static const struct cc_attrdef a_dropout[] = { A("ratio", FLOAT), A("seed", INT), END };
static const struct cc_attrdef a_axis[] = { A("axis", INT), END };
static const struct cc_attrdef a_const[] = {
	A("value", TENSOR), A("value_float", FLOAT), A("value_floats", FLOATS), A("value_int", INT),
	A("value_ints", INTS), A("value_string", STRING), A("value_strings", STRINGS),
	{ "sparse_value", 11 /* SPARSE_TENSOR */ }, END };
static const struct cc_attrdef a_cofs[] = { A("value", TENSOR), END };
static const struct cc_attrdef a_shape[] = { A("start", INT), A("end", INT), END };
static const struct cc_attrdef a_reshape[] = { A("allowzero", INT), END };
static const struct cc_attrdef a_axes[] = { A("axes", INTS), END };
static const struct cc_attrdef a_perm[] = { A("perm", INTS), END };
static const struct cc_attrdef a_split[] = { A("axis", INT), A("split", INTS), END };
static const struct cc_attrdef a_pad[] = { A("mode", STRING), A("pads", INTS) /* < 11 */,
	A("value", FLOAT) /* < 11 */, END };
static const struct cc_attrdef a_slice[] = { A("starts", INTS), A("ends", INTS), A("axes", INTS),
	END };	/* < 10 */
static const struct cc_attrdef a_trilu[] = { A("upper", INT), END };
static const struct cc_attrdef a_d2s[] = { A("blocksize", INT), A("mode", STRING), END };
static const struct cc_attrdef a_gemm[] = {
	A("alpha", FLOAT), A("beta", FLOAT), A("transA", INT), A("transB", INT),
	A("broadcast", INT) /* < 7 */, END };
static const struct cc_attrdef a_conv[] = {
	A("auto_pad", STRING), A("dilations", INTS), A("group", INT), A("kernel_shape", INTS),
	A("pads", INTS), A("strides", INTS), END };
static const struct cc_attrdef a_convtr[] = {
	A("auto_pad", STRING), A("dilations", INTS), A("group", INT), A("kernel_shape", INTS),
	A("pads", INTS), A("strides", INTS), A("output_padding", INTS), A("output_shape", INTS), END };
static const struct cc_attrdef a_maxpool[] = {
	A("auto_pad", STRING), A("ceil_mode", INT), A("dilations", INTS), A("kernel_shape", INTS),
	A("pads", INTS), A("storage_order", INT), A("strides", INTS), END };
static const struct cc_attrdef a_avgpool[] = {
	A("auto_pad", STRING), A("ceil_mode", INT), A("count_include_pad", INT),
	A("kernel_shape", INTS), A("pads", INTS), A("strides", INTS), END };
static const struct cc_attrdef a_bn[] = {
	A("epsilon", FLOAT), A("momentum", FLOAT), A("training_mode", INT),
	A("spatial", INT) /* 7, 8 */, A("is_test", INT) /* 6 */, END };
static const struct cc_attrdef a_eps[] = { A("epsilon", FLOAT), END };
static const struct cc_attrdef a_ln[] = {
	A("axis", INT), A("epsilon", FLOAT), A("stash_type", INT), END };
static const struct cc_attrdef a_reduce[] = { A("axes", INTS), A("keepdims", INT), END };
static const struct cc_attrdef a_reduce13[] = {
	A("axes", INTS), A("keepdims", INT), A("noop_with_empty_axes", INT), END };
static const struct cc_attrdef a_argmax[] = {
	A("axis", INT), A("keepdims", INT), A("select_last_index", INT), END };

/* name, domain, min_ver, in min/max, out min/max, attrs, flags, check, infer, ref */
#define OPX(nm, mv, i0, i1, o0, o1, at, fl, ck, inf, rf) \
	{ nm, "", mv, i0, i1, o0, o1, at, fl, ck, inf, rf }
#define UNF(nm, mv, at)	OPX(nm, mv, 1, 1, 1, 1, at, CC_OP_FOLD, check_unary_float, infer_unary, ref_unary)
#define UNN(nm, mv, at)	OPX(nm, mv, 1, 1, 1, 1, at, CC_OP_FOLD, check_unary_num, infer_unary, ref_unary)
#define BIN(nm, mv, at)	OPX(nm, mv, 2, 2, 1, 1, at, CC_OP_FOLD, check_binary, infer_binary, ref_binary)
#define VAR(nm, mv)	OPX(nm, mv, 1, CC_MAX_IO, 1, 1, a_none, CC_OP_FOLD, NULL, infer_variadic, ref_variadic)
#define RED(nm, mv, at)	OPX(nm, mv, 1, 2, 1, 1, at, CC_OP_FOLD, NULL, infer_reduce, ref_reduce)

static const struct cc_opdef ops[] = {
	/* unary elementwise */
	UNN("Abs", 6, a_none), UNN("Neg", 6, a_none), UNN("Sign", 9, a_none),
	UNF("Exp", 6, a_none), UNF("Log", 6, a_none), UNF("Sqrt", 6, a_none),
	UNF("Reciprocal", 6, a_none), UNF("Floor", 6, a_none), UNF("Ceil", 6, a_none),
	UNF("Round", 11, a_none), UNF("Erf", 9, a_none),
	UNF("Sin", 7, a_none), UNF("Cos", 7, a_none), UNF("Tan", 7, a_none),
	UNF("Asin", 7, a_none), UNF("Acos", 7, a_none), UNF("Atan", 7, a_none),
	UNF("Sinh", 9, a_none), UNF("Cosh", 9, a_none), UNF("Asinh", 9, a_none),
	UNF("Acosh", 9, a_none), UNF("Atanh", 9, a_none),
	UNN("Relu", 6, a_none), UNF("Sigmoid", 6, a_none), UNF("Tanh", 6, a_none),
	UNF("LeakyRelu", 6, a_alpha), UNF("Elu", 6, a_alpha), UNF("Selu", 6, a_selu),
	UNF("Celu", 12, a_alpha), UNF("HardSigmoid", 6, a_hsig), UNF("HardSwish", 14, a_none),
	UNF("Softplus", 1, a_none), UNF("Softsign", 1, a_none), UNF("ThresholdedRelu", 10, a_alpha),
	UNF("Shrink", 9, a_shrink), UNN("Not", 1, a_none), UNF("IsNaN", 9, a_none),
	UNF("IsInf", 10, a_isinf),
	OPX("Clip", 11, 1, 3, 1, 1, a_none, CC_OP_FOLD, check_unary_num, infer_clip, ref_clip),
	OPX("PRelu", 6, 2, 2, 1, 1, a_none, CC_OP_FOLD, check_binary, infer_prelu, ref_binary),
	/* binary elementwise (numpy broadcasting) */
	BIN("Add", 6, a_bcast), BIN("Sub", 6, a_bcast), BIN("Mul", 6, a_bcast), BIN("Div", 6, a_bcast),
	BIN("Pow", 1, a_bcast), BIN("Mod", 10, a_mod), BIN("BitShift", 11, a_bitshift),
	BIN("Equal", 1, a_bcast), BIN("Greater", 1, a_bcast), BIN("Less", 1, a_bcast),
	BIN("GreaterOrEqual", 12, a_none), BIN("LessOrEqual", 12, a_none),
	BIN("And", 1, a_bcast), BIN("Or", 1, a_bcast), BIN("Xor", 1, a_bcast),
	VAR("Max", 8), VAR("Min", 8), VAR("Sum", 8), VAR("Mean", 8),
	OPX("Where", 9, 3, 3, 1, 1, a_none, CC_OP_FOLD, NULL, infer_where, ref_where),
	OPX("Cast", 6, 1, 1, 1, 1, a_cast, CC_OP_FOLD, check_cast, infer_cast, ref_cast),
	OPX("CastLike", 15, 2, 2, 1, 1, a_none, CC_OP_FOLD, check_cast, infer_cast, ref_cast),
	OPX("QuantizeLinear", 10, 2, 3, 1, 1, a_axis, CC_OP_FOLD, NULL, infer_quant, ref_quant),
	OPX("DequantizeLinear", 10, 2, 3, 1, 1, a_axis, CC_OP_FOLD, NULL, infer_dequant, ref_dequant),
	OPX("Identity", 1, 1, 1, 1, 1, a_none, CC_OP_FOLD | CC_OP_ALIAS, NULL, infer_identity, ref_identity),
	OPX("Dropout", 7, 1, 3, 1, 2, a_dropout, CC_OP_FOLD | CC_OP_ALIAS, check_dropout, infer_dropout,
	    ref_dropout),
	/* reductions, softmax, normalization */
	RED("ReduceSum", 1, a_reduce13), RED("ReduceMean", 1, a_reduce), RED("ReduceMax", 1, a_reduce),
	RED("ReduceMin", 1, a_reduce), RED("ReduceProd", 1, a_reduce), RED("ReduceL1", 1, a_reduce),
	RED("ReduceL2", 1, a_reduce), RED("ReduceSumSquare", 1, a_reduce),
	RED("ReduceLogSum", 1, a_reduce), RED("ReduceLogSumExp", 1, a_reduce),
	OPX("ArgMax", 1, 1, 1, 1, 1, a_argmax, CC_OP_FOLD, NULL, infer_argmax, ref_argmax),
	OPX("ArgMin", 1, 1, 1, 1, 1, a_argmax, CC_OP_FOLD, NULL, infer_argmax, ref_argmax),
	OPX("Softmax", 1, 1, 1, 1, 1, a_axis, CC_OP_FOLD, check_unary_float, infer_softmax, ref_softmax),
	OPX("LogSoftmax", 1, 1, 1, 1, 1, a_axis, CC_OP_FOLD, check_unary_float, infer_softmax, ref_softmax),
	OPX("Hardmax", 1, 1, 1, 1, 1, a_axis, CC_OP_FOLD, check_unary_float, infer_softmax, ref_softmax),
	OPX("BatchNormalization", 6, 5, 5, 1, 3, a_bn, CC_OP_FOLD, check_batchnorm, infer_batchnorm,
	    ref_batchnorm),
	OPX("InstanceNormalization", 6, 3, 3, 1, 1, a_eps, CC_OP_FOLD, NULL, infer_instnorm, ref_instnorm),
	OPX("LayerNormalization", 17, 2, 3, 1, 3, a_ln, CC_OP_FOLD, NULL, infer_layernorm, ref_layernorm),
	/* matrix, convolution, pooling */
	OPX("MatMul", 1, 2, 2, 1, 1, a_none, CC_OP_FOLD, NULL, infer_matmul, ref_matmul),
	OPX("MatMulInteger", 10, 2, 4, 1, 1, a_none, CC_OP_FOLD, NULL, infer_matmul, ref_matmul),
	OPX("QLinearMatMul", 10, 8, 8, 1, 1, a_none, CC_OP_FOLD, NULL, infer_matmul, ref_matmul),
	OPX("Gemm", 6, 2, 3, 1, 1, a_gemm, CC_OP_FOLD, NULL, infer_gemm, ref_gemm),
	OPX("Conv", 1, 2, 3, 1, 1, a_conv, CC_OP_FOLD, check_conv, infer_conv, ref_conv),
	OPX("ConvInteger", 10, 2, 4, 1, 1, a_conv, CC_OP_FOLD, check_conv, infer_conv, ref_conv),
	OPX("QLinearConv", 10, 8, 9, 1, 1, a_conv, CC_OP_FOLD, check_conv, infer_conv, ref_conv),
	OPX("ConvTranspose", 1, 2, 3, 1, 1, a_convtr, CC_OP_FOLD, check_conv, infer_convtr, ref_convtr),
	OPX("MaxPool", 1, 1, 1, 1, 2, a_maxpool, CC_OP_FOLD, check_pool, infer_pool, ref_pool),
	OPX("AveragePool", 1, 1, 1, 1, 1, a_avgpool, CC_OP_FOLD, check_pool, infer_pool, ref_pool),
	OPX("GlobalAveragePool", 1, 1, 1, 1, 1, a_none, CC_OP_FOLD, check_unary_float, infer_gpool, ref_gpool),
	OPX("GlobalMaxPool", 1, 1, 1, 1, 1, a_none, CC_OP_FOLD, check_unary_float, infer_gpool, ref_gpool),
	/* shapes and data movement */
	OPX("Constant", 1, 0, 0, 1, 1, a_const, CC_OP_FOLD, check_constant, infer_constant, ref_constant),
	OPX("ConstantOfShape", 9, 1, 1, 1, 1, a_cofs, CC_OP_FOLD, NULL, infer_cofs, ref_cofs),
	OPX("Shape", 1, 1, 1, 1, 1, a_shape, CC_OP_FOLD | CC_OP_SHAPE_ONLY, NULL, infer_shape, ref_shape),
	OPX("Size", 1, 1, 1, 1, 1, a_none, CC_OP_FOLD | CC_OP_SHAPE_ONLY, NULL, infer_size, ref_size),
	OPX("Range", 11, 3, 3, 1, 1, a_none, CC_OP_FOLD, NULL, infer_range, ref_range),
	OPX("Reshape", 5, 2, 2, 1, 1, a_reshape, CC_OP_FOLD | CC_OP_ALIAS, NULL, infer_reshape, ref_copy),
	OPX("Flatten", 1, 1, 1, 1, 1, a_axis, CC_OP_FOLD | CC_OP_ALIAS, NULL, infer_flatten, ref_copy),
	OPX("Squeeze", 1, 1, 2, 1, 1, a_axes, CC_OP_FOLD | CC_OP_ALIAS, NULL, infer_squeeze, ref_copy),
	OPX("Unsqueeze", 1, 1, 2, 1, 1, a_axes, CC_OP_FOLD | CC_OP_ALIAS, NULL, infer_unsqueeze, ref_copy),
	OPX("Transpose", 1, 1, 1, 1, 1, a_perm, CC_OP_FOLD, NULL, infer_transpose, ref_transpose),
	OPX("Concat", 1, 1, CC_MAX_IO, 1, 1, a_axis, CC_OP_FOLD, NULL, infer_concat, ref_concat),
	OPX("Split", 2, 1, 2, 1, CC_MAX_IO, a_split, CC_OP_FOLD, NULL, infer_split, ref_split),
	OPX("Slice", 1, 1, 5, 1, 1, a_slice, CC_OP_FOLD, NULL, infer_slice, ref_slice),
	OPX("Gather", 1, 2, 2, 1, 1, a_axis, CC_OP_FOLD, NULL, infer_gather, ref_gather),
	OPX("GatherElements", 11, 2, 2, 1, 1, a_axis, CC_OP_FOLD, NULL, infer_gather_el, ref_gather_el),
	OPX("Pad", 2, 1, 3, 1, 1, a_pad, CC_OP_FOLD, check_pad, infer_pad, ref_pad),
	OPX("Expand", 8, 2, 2, 1, 1, a_none, CC_OP_FOLD, NULL, infer_expand, ref_expand),
	OPX("Tile", 6, 2, 2, 1, 1, a_none, CC_OP_FOLD, NULL, infer_tile, ref_tile),
	OPX("Trilu", 14, 1, 2, 1, 1, a_trilu, CC_OP_FOLD, NULL, infer_trilu, ref_trilu),
	OPX("DepthToSpace", 11, 1, 1, 1, 1, a_d2s, CC_OP_FOLD, NULL, infer_d2s, ref_d2s),
	OPX("SpaceToDepth", 1, 1, 1, 1, 1, a_d2s, CC_OP_FOLD, NULL, infer_d2s, ref_d2s),
};

#define EPI A("activation", STRING), A("act_alpha", FLOAT), A("act_beta", FLOAT)
static const struct cc_attrdef a_fconv[] = {
	A("auto_pad", STRING), A("dilations", INTS), A("group", INT), A("kernel_shape", INTS),
	A("pads", INTS), A("strides", INTS), EPI, END };
static const struct cc_attrdef a_fmm[] = {
	A("alpha", FLOAT), A("beta", FLOAT), A("transA", INT), A("transB", INT), EPI, END };
static const struct cc_attrdef a_attn[] = { A("scale", FLOAT), A("k_trans", INT), END };

/* Sinan-internal ops (domain "sinan"), produced by fusion or the builder (ops_fused.c). */
#define SOP(nm, i0, i1, o0, o1, at, ck, inf, rf) \
	{ nm, "sinan", 1, i0, i1, o0, o1, at, CC_OP_FOLD | CC_OP_INTERNAL, ck, inf, rf }
static const struct cc_opdef sinan_ops[] = {
	SOP("Gelu", 1, 1, 1, 1, a_gelu, check_unary_float, infer_unary, ref_unary),
	SOP("Conv", 2, 4, 1, 1, a_fconv, check_fused, infer_fconv, ref_fconv),
	SOP("MatMul", 2, 4, 1, 1, a_fmm, check_fused, infer_fmatmul, ref_fmatmul),
	SOP("LayerNormalization", 2, 3, 1, 3, a_ln, NULL, infer_layernorm, ref_layernorm),
	SOP("Softmax", 1, 1, 1, 1, a_axis, check_unary_float, infer_softmax, ref_softmax),
	SOP("Attention", 3, 4, 1, 1, a_attn, NULL, infer_attention, ref_attention),
	/* integer lowering (pass_qlegal.c): QuantizeLinear of any numeric input; the int8
	 * convolution whose padding takes the value of input 2 (no zero-point subtraction) */
	SOP("QuantizeLinear", 2, 3, 1, 1, a_axis, NULL, infer_quant, ref_quant),
	SOP("ConvInteger", 2, 3, 1, 1, a_conv, check_conv, infer_conv, ref_conv),
	/* layout conversions (pass_layout.c): NCHW <-> NC1HWC0, values unchanged */
	SOP("To5HD", 1, 1, 1, 1, a_none, NULL, infer_identity, ref_identity),
	SOP("From5HD", 1, 1, 1, 1, a_none, NULL, infer_identity, ref_identity),
};

const struct cc_opdef *cc_op_lookup(const char *domain, const char *name)
{
	const struct cc_opdef *tab = ops;
	size_t n = CC_ARRAY_SIZE(ops);

	if (domain && !strcmp(domain, "sinan")) {
		tab = sinan_ops;
		n = CC_ARRAY_SIZE(sinan_ops);
	} else if (domain && *domain && strcmp(domain, "ai.onnx")) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name))
			return &tab[i];
	return NULL;
}

static const char *attr_type_name(int t)
{
	static const char *const nm[] = { "UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH",
					  "FLOATS", "INTS", "STRINGS", "TENSORS", "GRAPHS",
					  "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO",
					  "TYPE_PROTOS" };
	return t >= 0 && t < (int)CC_ARRAY_SIZE(nm) ? nm[t] : "?";
}

/* Attributes of old operator versions: the opset from which they are gone (0 = current). */
static int legacy_only(const struct cc_opdef *d, const char *attr)
{
	if (!strcmp(attr, "broadcast") || (!strcmp(attr, "axis") && d->check == check_binary))
		return 7;
	if (!strcmp(d->name, "Pad") && (!strcmp(attr, "pads") || !strcmp(attr, "value")))
		return 11;
	if (!strcmp(d->name, "Slice"))
		return 10;
	if (!strcmp(attr, "spatial"))
		return 9;
	if (!strcmp(attr, "is_test"))
		return 7;
	return 0;
}

int cc_node_bind(struct cc_graph *g, struct cc_node *n)
{
	const struct cc_opdef *d;
	int nin = n->nin, nout = n->nout;

	if (n->domain[0] && strcmp(n->domain, "sinan") && strcmp(n->domain, "ai.onnx"))
		return NERR(g, n, ENOTSUP, "operator domain '%s' is not supported", n->domain);
	d = cc_op_lookup(n->domain, n->op);
	if (!d)
		return NERR(g, n, ENOTSUP, "operator is not supported");
	n->def = d;
	if (d->flags & CC_OP_INTERNAL) {
		n->ver = 17;	/* internal ops follow the current semantics */
	} else {
		n->ver = n->ver_fixed ? n->ver_fixed : g->opset;
		if (n->ver < d->min_ver)
			return NERR(g, n, ENOTSUP, "opset %d binds an operator version older than %d, "
					"whose semantics are not implemented", n->ver, d->min_ver);
	}
	/* trailing omitted optionals do not count */
	while (nin > 0 && !n->in[nin - 1])
		nin--;
	while (nout > 0 && !n->out[nout - 1])
		nout--;
	if (nin < d->min_in || nin > d->max_in)
		return NERR(g, n, EINVAL, "%d inputs, expected %d..%d", nin, d->min_in, d->max_in);
	if (nout < d->min_out || nout > d->max_out)
		return NERR(g, n, EINVAL, "%d outputs, expected %d..%d", nout, d->min_out, d->max_out);
	for (int i = 0; i < d->min_in; i++)
		if (!n->in[i])
			return NERR(g, n, EINVAL, "required input %d is missing", i);
	for (int i = 0; i < n->nattr; i++) {
		const struct cc_attr *a = &n->attr[i];
		const struct cc_attrdef *ad = d->attrs;
		for (; ad && ad->name; ad++)
			if (!strcmp(ad->name, a->name))
				break;
		if (!ad || !ad->name)
			return NERR(g, n, ENOTSUP, "attribute '%s' is not supported", a->name);
		if (legacy_only(d, a->name) && n->ver >= legacy_only(d, a->name))
			return NERR(g, n, EINVAL, "attribute '%s' was removed in opset %d", a->name,
				    legacy_only(d, a->name));
		if (ad->type != a->type)
			return NERR(g, n, EINVAL, "attribute '%s' has type %s, expected %s", a->name,
				    attr_type_name(a->type), attr_type_name(ad->type));
	}
	/* Every input must have a known type by now (topological order). */
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && !cc_dtype_valid(n->in[i]->dtype))
			return NERR(g, n, n->in[i]->dtype == SINAN_TYPE_STRING ? ENOTSUP : EINVAL,
				    "input %d ('%s') has element type %s", i, n->in[i]->name,
				    cc_dtype_name(n->in[i]->dtype));
	return 0;
}

int cc_node_check(struct cc_graph *g, struct cc_node *n)
{
	return n->def->check ? n->def->check(g, n) : 0;
}

int cc_node_infer(struct cc_graph *g, struct cc_node *n)
{
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && n->in[i]->rank < 0)
			return NERR(g, n, ENOTSUP, "input '%s' has an unknown shape (bind the graph "
					"inputs' dimensions first)", n->in[i]->name);
	int rc = n->def->infer(g, n);
	if (rc)
		return rc;
	for (int i = 0; i < n->nout; i++) {
		struct cc_tensor *t = n->out[i];
		bool ovf;
		if (!t)
			continue;
		if (!cc_shape_known(t))
			return NERR(g, n, EINVAL, "could not infer the shape of output '%s'", t->name);
		uint64_t e = cc_dims_elems(t->rank, t->dims, &ovf);
		if (ovf || e * cc_dtype_size(t->dtype) > CC_MAX_TENSOR_BYTES)
			return NERR(g, n, ERANGE, "output '%s' is too large", t->name);
	}
	return 0;
}

int cc_view_alloc(struct cc_view *v)
{
	uint64_t bytes = cc_view_elems(v) * cc_dtype_size(v->dtype);
	v->data = calloc(1, bytes ? bytes : 1);
	return v->data ? 0 : -ENOMEM;
}

int cc_node_ref(struct cc_graph *g, struct cc_node *n, const struct cc_view *in, struct cc_view *out)
{
	int rc;

	if (!n->def->ref)
		return NERR(g, n, ENOTSUP, "no reference implementation");
	for (int i = 0; i < n->nout; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (!n->out[i])
			continue;
		cc_view_of(&out[i], n->out[i]);
		out[i].data = NULL;
		if (cc_view_alloc(&out[i])) {
			for (int j = 0; j < i; j++)
				free(out[j].data);
			return cc_err(g, ENOMEM, "out of memory");
		}
	}
	rc = n->def->ref(g, n, in, out);
	if (rc)
		for (int i = 0; i < n->nout; i++) {
			free(out[i].data);
			out[i].data = NULL;
		}
	return rc;
}

/* ---- helpers shared by the op files ------------------------------------------------ */
int cc_set_out(struct cc_graph *g, struct cc_node *n, int i, int dtype, int rank, const int64_t *dims)
{
	struct cc_tensor *t = OUT(n, i);

	if (!t)
		return 0;
	if (rank < 0 || rank > CC_MAX_RANK)
		return NERR(g, n, ENOTSUP, "output rank %d exceeds %d", rank, CC_MAX_RANK);
	for (int k = 0; k < rank; k++)
		if (dims[k] < 0 || dims[k] > CC_MAX_DIM)
			return NERR(g, n, EINVAL, "output '%s' dim %d would be %lld", t->name, k,
				    (long long)dims[k]);
	t->dtype = dtype;
	t->rank = rank;
	for (int k = 0; k < CC_MAX_RANK; k++)
		t->dims[k] = k < rank ? dims[k] : -1;
	return 0;
}

int cc_need_type(struct cc_graph *g, struct cc_node *n, int i, bool (*ok)(int), const char *what)
{
	struct cc_tensor *t = IN(n, i);
	if (t && !ok(t->dtype))
		return NERR(g, n, ENOTSUP, "input %d ('%s') is %s, expected %s", i, t->name,
			    cc_dtype_name(t->dtype), what);
	return 0;
}

int cc_same_type(struct cc_graph *g, struct cc_node *n, int a, int b)
{
	struct cc_tensor *x = IN(n, a), *y = IN(n, b);
	if (x && y && x->dtype != y->dtype)
		return NERR(g, n, EINVAL, "inputs %d and %d have different types (%s, %s)", a, b,
			    cc_dtype_name(x->dtype), cc_dtype_name(y->dtype));
	return 0;
}

int cc_broadcast(int ra, const int64_t *da, int rb, const int64_t *db, int *rout, int64_t *dout)
{
	int r = CC_MAX(ra, rb);
	for (int i = 0; i < r; i++) {
		int64_t a = i - (r - ra) >= 0 ? da[i - (r - ra)] : 1;
		int64_t b = i - (r - rb) >= 0 ? db[i - (r - rb)] : 1;
		if (a != b && a != 1 && b != 1)
			return -EINVAL;
		dout[i] = a == 1 ? b : a;
	}
	*rout = r;
	return 0;
}

int cc_axis(struct cc_graph *g, const struct cc_node *n, int64_t axis, int rank, bool plus1, int *out)
{
	int r = rank + (plus1 ? 1 : 0);
	if (axis < -r || axis >= r)
		return NERR(g, n, EINVAL, "axis %lld out of range for rank %d", (long long)axis, rank);
	*out = (int)(axis < 0 ? axis + r : axis);
	return 0;
}

int cc_const_ints(struct cc_graph *g, const struct cc_node *n, int idx, int64_t *out, int max,
		  bool required)
{
	const struct cc_tensor *t = IN(n, idx);

	if (!t) {
		if (required)
			return NERR(g, n, EINVAL, "input %d is required", idx);
		return -ENOENT;
	}
	if (!t->data)
		return NERR(g, n, ENOTSUP, "input %d ('%s') must be a constant (computed shapes are not "
				"supported)", idx, t->name);
	if (t->dtype != SINAN_TYPE_INT64 && t->dtype != SINAN_TYPE_INT32)
		return NERR(g, n, EINVAL, "input %d ('%s') must be int64, is %s", idx, t->name,
			    cc_dtype_name(t->dtype));
	if (t->rank > 1)
		return NERR(g, n, EINVAL, "input %d ('%s') must be 1-D", idx, t->name);
	uint64_t e = cc_tensor_elems(t);
	if (e > (uint64_t)max)
		return NERR(g, n, EINVAL, "input %d ('%s') has %llu elements, at most %d", idx, t->name,
			    (unsigned long long)e, max);
	for (uint64_t i = 0; i < e; i++)
		out[i] = cc_ldi(t->dtype, t->data, i);
	return (int)e;
}

void cc_strides(int rank, const int64_t *dims, int64_t *st)
{
	int64_t s = 1;
	for (int i = rank - 1; i >= 0; i--) {
		st[i] = s;
		s *= dims[i];
	}
}

void cc_bcast_init(struct cc_bcast *b, int rank, const int64_t *out, int nop,
		   const struct cc_view *const *in)
{
	memset(b, 0, sizeof(*b));
	b->rank = rank;
	b->nop = nop;
	for (int i = 0; i < rank; i++)
		b->dims[i] = out[i];
	for (int k = 0; k < nop; k++) {
		const struct cc_view *v = in[k];
		int64_t st[CC_MAX_RANK];
		cc_strides(v->rank, v->dims, st);
		for (int i = 0; i < rank; i++) {
			int j = i - (rank - v->rank);
			b->st[k][i] = (j >= 0 && v->dims[j] != 1) ? st[j] : 0;
		}
	}
}

void cc_bcast_offsets(const struct cc_bcast *b, uint64_t lin, uint64_t *off)
{
	for (int k = 0; k < b->nop; k++)
		off[k] = 0;
	for (int i = b->rank - 1; i >= 0; i--) {
		uint64_t d = (uint64_t)b->dims[i];
		uint64_t x = d ? lin % d : 0;
		lin = d ? lin / d : 0;
		for (int k = 0; k < b->nop; k++)
			off[k] += x * (uint64_t)b->st[k][i];
	}
}

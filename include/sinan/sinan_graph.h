/* SPDX-License-Identifier: MIT */
/*
 * Sinan tensor compiler: graphs, ONNX import, operator support.
 *
 * A graph holds tensors (shape, element type, quantization parameters) and
 * nodes (ONNX operators, by name, with attributes). Build one with the
 * builder calls below, or import an ONNX model. Then ask which nodes the
 * device supports (sinan_op_supported(), sinan_graph_check()) and compile it
 * (sinan_model.h).
 *
 * Nothing runs on the CPU behind your back: an operator, attribute value or
 * element type that the device cannot execute is an error naming the node,
 * the operator and the attribute.
 *
 * Example: y = relu(x @ w + b)
 *
 *	sinan_graph_t g = sinan_graph_create();
 *	int64_t xd[2] = { 1, 64 }, wd[2] = { 64, 32 }, bd[1] = { 32 };
 *	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, xd);
 *	sinan_tensor_t w = sinan_graph_constant(g, "w", SINAN_TYPE_FLOAT, 2, wd, wdata);
 *	sinan_tensor_t b = sinan_graph_constant(g, "b", SINAN_TYPE_FLOAT, 1, bd, bdata);
 *	sinan_tensor_t ins[2] = { x, w };
 *	sinan_tensor_t y = sinan_graph_op(g, "MatMul", 2, ins, 0, NULL);
 *	ins[0] = y; ins[1] = b;
 *	y = sinan_graph_op(g, "Add", 2, ins, 0, NULL);
 *	y = sinan_graph_op(g, "Relu", 1, &y, 0, NULL);
 *	if (!y || sinan_graph_output(g, y, "y"))
 *		fprintf(stderr, "%s\n", sinan_graph_error(g));
 *
 * Errors: calls returning int give 0 or a negative errno (-EINVAL malformed,
 * -ENOTSUP unsupported, -ENOMEM, -EIO, -ERANGE too large); calls returning a
 * handle give NULL. The first error's message is kept in the graph
 * (sinan_graph_error()); later calls fail until sinan_graph_clear_error().
 */
#ifndef SINAN_GRAPH_H
#define SINAN_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SINAN_API
#define SINAN_API __attribute__((visibility("default")))
#endif

typedef struct cc_graph *sinan_graph_t;
typedef struct cc_tensor *sinan_tensor_t;

/** Element types: ONNX TensorProto.DataType numbering. Append only. */
enum sinan_type {
	SINAN_TYPE_UNDEFINED	= 0,
	SINAN_TYPE_FLOAT	= 1,
	SINAN_TYPE_UINT8	= 2,
	SINAN_TYPE_INT8		= 3,
	SINAN_TYPE_UINT16	= 4,
	SINAN_TYPE_INT16	= 5,
	SINAN_TYPE_INT32	= 6,
	SINAN_TYPE_INT64	= 7,
	SINAN_TYPE_STRING	= 8,
	SINAN_TYPE_BOOL		= 9,
	SINAN_TYPE_FLOAT16	= 10,
	SINAN_TYPE_DOUBLE	= 11,
	SINAN_TYPE_UINT32	= 12,
	SINAN_TYPE_UINT64	= 13,
	SINAN_TYPE_BFLOAT16	= 16,
};

/** Attribute types: ONNX AttributeProto.AttributeType numbering. */
enum sinan_attr_type {
	SINAN_ATTR_FLOAT	= 1,
	SINAN_ATTR_INT		= 2,
	SINAN_ATTR_STRING	= 3,
	SINAN_ATTR_TENSOR	= 4,
	SINAN_ATTR_GRAPH	= 5,
	SINAN_ATTR_FLOATS	= 6,
	SINAN_ATTR_INTS		= 7,
	SINAN_ATTR_STRINGS	= 8,
};

#define SINAN_MAX_RANK	8

/**
 * struct sinan_attr - one node attribute for the builder.
 * @name: attribute name, as in the ONNX operator specification.
 * @type: which of the value fields is used.
 * @i, @f, @s: INT, FLOAT, STRING values.
 * @n, @ints, @floats: INTS/FLOATS elements.
 * @t: TENSOR value (a constant tensor of the same graph).
 */
struct sinan_attr {
	const char *name;
	enum sinan_attr_type type;
	int64_t i;
	float f;
	const char *s;
	size_t n;
	const int64_t *ints;
	const float *floats;
	sinan_tensor_t t;
};

#define SINAN_ATTR_I(nm, v)	{ .name = (nm), .type = SINAN_ATTR_INT, .i = (v) }
#define SINAN_ATTR_F(nm, v)	{ .name = (nm), .type = SINAN_ATTR_FLOAT, .f = (v) }
#define SINAN_ATTR_S(nm, v)	{ .name = (nm), .type = SINAN_ATTR_STRING, .s = (v) }
#define SINAN_ATTR_IS(nm, cnt, p) { .name = (nm), .type = SINAN_ATTR_INTS, .n = (cnt), .ints = (p) }
#define SINAN_ATTR_FS(nm, cnt, p) { .name = (nm), .type = SINAN_ATTR_FLOATS, .n = (cnt), .floats = (p) }

/* ---- graphs ---------------------------------------------------------------- */
SINAN_API sinan_graph_t sinan_graph_create(void);
SINAN_API void sinan_graph_destroy(sinan_graph_t g);
/** The first error's message, or "" if none. */
SINAN_API const char *sinan_graph_error(sinan_graph_t g);
SINAN_API void sinan_graph_clear_error(sinan_graph_t g);
/** Operator-set version the graph's nodes follow (default 17, range 11..17). */
SINAN_API int sinan_graph_set_opset(sinan_graph_t g, int version);

/** A graph input; dims may be -1 (bound later with sinan_graph_bind_input). */
SINAN_API sinan_tensor_t sinan_graph_input(sinan_graph_t g, const char *name, enum sinan_type type,
					   int rank, const int64_t *dims);
/** A constant; @data (packed, row-major, little-endian) is copied. */
SINAN_API sinan_tensor_t sinan_graph_constant(sinan_graph_t g, const char *name, enum sinan_type type,
					      int rank, const int64_t *dims, const void *data);
/**
 * Add a node with one output and return it. @op is an ONNX operator
 * (default domain) or a Sinan one ("sinan:Gelu"). NULL inputs in @in stand
 * for omitted optional inputs.
 */
SINAN_API sinan_tensor_t sinan_graph_op(sinan_graph_t g, const char *op, int nin,
					const sinan_tensor_t *in, int nattr,
					const struct sinan_attr *attrs);
/** Same with @nout outputs written to @out. */
SINAN_API int sinan_graph_op_multi(sinan_graph_t g, const char *op, int nin, const sinan_tensor_t *in,
				   int nattr, const struct sinan_attr *attrs, int nout,
				   sinan_tensor_t *out);
/** Mark @t as a graph output named @name (NULL keeps its name). */
SINAN_API int sinan_graph_output(sinan_graph_t g, sinan_tensor_t t, const char *name);
/** Per-tensor (n == 1) or per-channel quantization parameters of @t. */
SINAN_API int sinan_tensor_set_quant(sinan_graph_t g, sinan_tensor_t t, int n, const float *scale,
				     const int32_t *zero_point, int axis);

/** Fix the dims of input @name (symbolic or not), e.g. a batch size. */
SINAN_API int sinan_graph_bind_input(sinan_graph_t g, const char *name, int rank, const int64_t *dims);

/**
 * struct sinan_tensor_info - what a tensor looks like.
 * @dims: -1 where unknown.
 */
struct sinan_tensor_info {
	const char *name;
	enum sinan_type type;
	int rank;
	int64_t dims[SINAN_MAX_RANK];
};
SINAN_API int sinan_tensor_get_info(sinan_tensor_t t, struct sinan_tensor_info *info);
SINAN_API int sinan_graph_num_inputs(sinan_graph_t g);
SINAN_API int sinan_graph_num_outputs(sinan_graph_t g);
SINAN_API sinan_tensor_t sinan_graph_get_input(sinan_graph_t g, int i);
SINAN_API sinan_tensor_t sinan_graph_get_output(sinan_graph_t g, int i);
SINAN_API const char *sinan_type_name(enum sinan_type type);
/** Bytes of one element, 0 for STRING/UNDEFINED. */
SINAN_API size_t sinan_type_size(enum sinan_type type);

/* ---- ONNX ------------------------------------------------------------------ */
/**
 * Import an ONNX model (opsets 11..17; older versions of operators whose
 * semantics did not change are accepted). Malformed models are rejected
 * with a message in @err; nothing is assumed about the bytes.
 */
SINAN_API int sinan_graph_import_onnx(const void *data, size_t size, sinan_graph_t *out,
				      char *err, size_t errlen);
/** Same from a file; external tensor data is read relative to its folder. */
SINAN_API int sinan_graph_import_onnx_file(const char *path, sinan_graph_t *out, char *err,
					   size_t errlen);

/* ---- operator support ------------------------------------------------------ */
/** Compilation precision modes. */
enum sinan_precision {
	SINAN_PRECISION_FP32 = 0,	/* the model's types */
	SINAN_PRECISION_FP16 = 1,	/* fp16 cube operands, fp32 accumulation */
	SINAN_PRECISION_BF16 = 2,
	SINAN_PRECISION_INT8 = 3,	/* quantized cube operands (QDQ or calibration scales) */
};

/**
 * struct sinan_tensor_desc - an operand for sinan_op_supported().
 * @data: constant contents (needed for shape-like inputs such as Reshape's), or NULL.
 */
struct sinan_tensor_desc {
	enum sinan_type type;
	int rank;
	const int64_t *dims;
	const void *data;
};

/**
 * struct sinan_op_desc - one operator occurrence.
 * @size: sizeof(struct sinan_op_desc).
 * @op: operator name; @domain NULL or "" for ONNX, "sinan" for Sinan ops.
 * @opset: operator-set version of the model (0 = 17).
 * @inputs: @nin operands (type == UNDEFINED for omitted optional ones).
 */
struct sinan_op_desc {
	uint32_t size;
	const char *op;
	const char *domain;
	int opset;
	int nin;
	const struct sinan_tensor_desc *inputs;
	int nattr;
	const struct sinan_attr *attrs;
	enum sinan_precision precision;
};

/**
 * Can the device execute this operator? Answers before compiling; when not,
 * @reason (if not NULL) says why: unknown operator, attribute, attribute
 * value, element type, or no device lowering.
 */
SINAN_API bool sinan_op_supported(const struct sinan_op_desc *desc, char *reason, size_t len);

/**
 * Check a whole graph (after import): shape inference, constant folding and
 * per-node support. Returns 0 if everything can run on the device; else
 * -ENOTSUP (or another error) with every offending node listed in @report.
 */
SINAN_API int sinan_graph_check(sinan_graph_t g, enum sinan_precision precision, char *report,
				size_t len);

#ifdef __cplusplus
}
#endif
#endif /* SINAN_GRAPH_H */

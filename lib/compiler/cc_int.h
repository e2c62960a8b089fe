/* SPDX-License-Identifier: MIT */
/*
 * Sinan tensor compiler: internal interfaces.
 *
 * Layers (docs/compiler.md):
 *   frontend   onnx_import.c, graph.c (builder API)      -> IR
 *   IR         ir.c: tensors, nodes, attributes, dtypes
 *   ops        ops.c: the op table (arity, attributes, versions, shape
 *              inference, validation), ref_*.c: plain-C reference kernels
 *   passes     pass_*.c: shape inference + constant folding, simplification,
 *              fusion, precision, layout, memory planning
 *   lowering   lower_*.c: cube / vector / MTE code per op, into the AI-core ISA
 *   emitter    emit_*.c: model ELF
 *
 * Errors: every fallible function returns 0 or a negative errno (-EINVAL bad
 * model, -ENOTSUP unsupported, -ENOMEM, -EIO, -ERANGE too large) and records
 * the first message in the graph (cc_err()).
 */
#ifndef SINAN_CC_INT_H
#define SINAN_CC_INT_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sinan/sinan_graph.h>

#define CC_MAX_RANK		8
#define CC_MAX_NAME		1024		/* bytes of a tensor/node/attr name */
#define CC_MAX_NODES		(1 << 20)
#define CC_MAX_TENSORS		(1 << 21)
#define CC_MAX_ATTR_ELEMS	(1 << 24)
#define CC_MAX_TENSOR_BYTES	(1ULL << 32)	/* one tensor, host or device */
#define CC_MAX_ELEMS		(1ULL << 31)
#define CC_MAX_DIM		(1LL << 31)
#define CC_MAX_IO		1024		/* inputs/outputs of one node */

#define CC_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define CC_MIN(a, b)		((a) < (b) ? (a) : (b))
#define CC_MAX(a, b)		((a) > (b) ? (a) : (b))
#define CC_ALIGN(x, a)		(((x) + (a) - 1) / (a) * (a))
#define CC_DIV_UP(x, a)		(((x) + (a) - 1) / (a))

#if defined(__GNUC__)
#define CC_PRINTF(f, a)		__attribute__((format(printf, f, a)))
#else
#define CC_PRINTF(f, a)
#endif

/* ---- dtypes (ONNX TensorProto.DataType numbering = enum sinan_type) ---- */
size_t cc_dtype_size(int dt);		/* 0 for unknown/unsupported */
const char *cc_dtype_name(int dt);
bool cc_dtype_is_float(int dt);		/* f16, bf16, f32, f64 */
bool cc_dtype_is_int(int dt);		/* signed/unsigned integers and bool */
bool cc_dtype_is_signed(int dt);
bool cc_dtype_valid(int dt);		/* numeric type we can hold */

/* Element access by index, converting through double / int64. */
double cc_ld(int dt, const void *p, size_t i);
int64_t cc_ldi(int dt, const void *p, size_t i);
void cc_st(int dt, void *p, size_t i, double v);	/* float -> int truncates toward 0 as C */
void cc_sti(int dt, void *p, size_t i, int64_t v);

uint16_t cc_f32_to_f16(float f);
float cc_f16_to_f32(uint16_t h);
uint16_t cc_f32_to_bf16(float f);
float cc_bf16_to_f32(uint16_t h);

/* ---- arena --------------------------------------------------------------- */
struct cc_arena_chunk;
struct cc_arena {
	struct cc_arena_chunk *head;
	size_t used;			/* bytes handed out */
	size_t limit;			/* 0 = unlimited */
};
void *cc_arena_alloc(struct cc_arena *a, size_t size);	/* zeroed, 16-aligned */
char *cc_arena_strndup(struct cc_arena *a, const char *s, size_t n);
char *cc_arena_strdup(struct cc_arena *a, const char *s);
void cc_arena_free(struct cc_arena *a);

/* ---- IR -------------------------------------------------------------------- */
enum cc_tkind {
	CC_T_ACT,		/* produced by a node */
	CC_T_INPUT,		/* graph input */
	CC_T_CONST,		/* initializer or folded constant: data != NULL */
};

/* Where a tensor lives on the device (pass_memplan.c). */
enum cc_memclass {
	CC_MEM_NONE = 0,	/* not on the device (folded away, unused) */
	CC_MEM_ARENA,		/* activations: liveness-planned offsets in one buffer */
	CC_MEM_CONST,		/* weights and other constants */
	CC_MEM_INPUT,		/* graph input #mem_off (offset 0 of the caller's buffer) */
	CC_MEM_OUTPUT,		/* graph output #mem_off */
};

/* Device layouts (pass_layout.c). */
enum cc_layout {
	CC_LAYOUT_ND = 0,	/* row-major, as ONNX */
	CC_LAYOUT_NZ,		/* fractal: [n1][m1*16][16] (cube B operand, constants only) */
};

struct cc_quant {
	int n;			/* 0: none; 1: per tensor; >1: per channel along axis */
	int axis;
	float *scale;
	int32_t *zero;
	int zero_dtype;		/* dtype of the zero point (int8/uint8/int32) */
};

struct cc_node;

struct cc_tensor {
	int id;
	char *name;
	int dtype;			/* SINAN_TYPE_* */
	int rank;			/* -1 unknown */
	int64_t dims[CC_MAX_RANK];	/* -1 unknown */
	char *dim_param[CC_MAX_RANK];	/* symbolic dims of inputs, or NULL */
	enum cc_tkind kind;
	bool is_output;
	void *data;			/* CC_T_CONST: host data, dtype/dims */
	struct cc_node *producer;
	int nuse;			/* consumers (cc_graph_uses()) */
	struct cc_quant q;
	/* filled by passes */
	int dev_dtype;			/* device element type, SINAN_TYPE_* */
	int layout;			/* enum cc_layout */
	int64_t mem_off;		/* offset in its memory class, -1 = none */
	int mem_class;			/* enum cc_memclass */
	uint64_t dev_bytes;
	struct cc_tensor *alias;	/* shares storage with this tensor (reshape-like ops) */
	int c0;				/* stored as NC1HWC0 with C0 = c0 (pass_layout.c), 0: as its shape */
	uint64_t io_index;		/* CC_MEM_INPUT/OUTPUT: which one */
};

struct cc_attr {
	char *name;
	int type;			/* SINAN_ATTR_* (ONNX AttributeType numbering) */
	int64_t i;
	float f;
	char *s;
	size_t slen;
	int n;				/* elements of ints/floats/strs */
	int64_t *ints;
	float *floats;
	char **strs;
	struct cc_tensor *t;		/* TENSOR: not in the graph's tensor list */
};

struct cc_node {
	int id;
	char *name;
	char *op;
	char *domain;
	const struct cc_opdef *def;
	int ver;			/* resolved operator-set version of the op */
	int ver_fixed;			/* rewritten to this version's form (pass_legacy.c), or 0 */
	int nin, nout;
	struct cc_tensor **in;		/* NULL: omitted optional input */
	struct cc_tensor **out;		/* NULL: omitted optional output */
	int nattr;
	struct cc_attr *attr;
	bool dead;
	void *priv;			/* pass/lowering data (arena) */
};

struct cc_graph {
	struct cc_arena arena;
	struct cc_tensor **tensors;
	int ntensors, tcap;
	struct cc_node **nodes;
	int nnodes, ncap;
	struct cc_tensor **inputs;
	int ninputs, icap;
	struct cc_tensor **outputs;
	int noutputs, ocap;
	int opset;			/* default domain version */
	int ir_version;
	char *name;
	char *model_dir;		/* for external data, may be NULL */
	/* name -> tensor, open addressing */
	struct cc_tensor **hash;
	uint32_t hcap;
	int err_code;
	char err[1024];
	uint64_t const_bytes;		/* host bytes of constant data */
	/* memory plan (pass_memplan.c) */
	uint64_t arena_bytes;		/* peak of the activation arena */
	uint64_t weights_bytes;		/* constants on the device */
	uint64_t io_bytes;		/* graph inputs and outputs */
	uint64_t naive_bytes;		/* activations without reuse, for comparison */
	unsigned int name_seq;		/* generated names */
	bool keep_dq;			/* do not fold DequantizeLinear of int8/uint8 constants */
	void **blobs;			/* malloc'd data owned by the graph (attribute tensors) */
	int nblobs, bcap;
};

struct cc_graph *cc_graph_new(void);
void cc_graph_free(struct cc_graph *g);
/* First error wins; returns -code. */
int cc_err(struct cc_graph *g, int code, const char *fmt, ...) CC_PRINTF(3, 4);
void cc_err_clear(struct cc_graph *g);
/* The graph frees @p when destroyed (on failure @p is freed now and -ENOMEM returned). */
int cc_graph_own(struct cc_graph *g, void *p);

struct cc_tensor *cc_tensor_new(struct cc_graph *g, const char *name, int dtype, int rank,
				const int64_t *dims);
struct cc_tensor *cc_tensor_find(struct cc_graph *g, const char *name);
int cc_tensor_rename(struct cc_graph *g, struct cc_tensor *t, const char *name);
/* A fresh unique name "<base>:<n>". */
char *cc_name_gen(struct cc_graph *g, const char *base);
/* Give @t data (takes ownership of malloc'd @data) and make it a constant. */
int cc_tensor_set_data(struct cc_graph *g, struct cc_tensor *t, void *data);
uint64_t cc_tensor_elems(const struct cc_tensor *t);	/* 0 if unknown */
uint64_t cc_tensor_bytes(const struct cc_tensor *t);
bool cc_shape_known(const struct cc_tensor *t);
int cc_shape_str(const struct cc_tensor *t, char *buf, size_t len);
int cc_graph_add_input(struct cc_graph *g, struct cc_tensor *t);
int cc_graph_add_output(struct cc_graph *g, struct cc_tensor *t);

struct cc_node *cc_node_new(struct cc_graph *g, const char *op, const char *domain,
			    const char *name, int nin, int nout);
struct cc_attr *cc_node_add_attr(struct cc_graph *g, struct cc_node *n, const char *name, int type);
const struct cc_attr *cc_attr_find(const struct cc_node *n, const char *name);
/* Attribute getters with defaults; type mismatches were rejected by validation. */
int64_t cc_attr_i(const struct cc_node *n, const char *name, int64_t def);
float cc_attr_f(const struct cc_node *n, const char *name, float def);
const char *cc_attr_s(const struct cc_node *n, const char *name, const char *def);
/* INTS: copies up to max elements, returns count or -1 if absent. */
int cc_attr_ints(const struct cc_node *n, const char *name, int64_t *out, int max);

/* Recompute producers/use counts; drop dead nodes; check the order is topological. */
int cc_graph_refresh(struct cc_graph *g);
/* Topologically sort the nodes (error on cycles). */
int cc_graph_toposort(struct cc_graph *g);
/* Replace every use of @from by @to (node inputs and graph outputs). */
void cc_graph_replace_uses(struct cc_graph *g, struct cc_tensor *from, struct cc_tensor *to);
int cc_node_index(const struct cc_graph *g, const struct cc_node *n);
const char *cc_node_label(const struct cc_node *n);	/* name or "#id" */

/* Number of elements of dims[0..rank). 0 on overflow past CC_MAX_ELEMS with *ovf set. */
uint64_t cc_dims_elems(int rank, const int64_t *dims, bool *ovf);

/* ---- views: plain tensors for the reference executor ---------------------- */
struct cc_view {
	int dtype;
	int rank;
	int64_t dims[CC_MAX_RANK];
	void *data;
};
void cc_view_of(struct cc_view *v, const struct cc_tensor *t);
uint64_t cc_view_elems(const struct cc_view *v);
/* The elements of @v as doubles (malloc'd), or NULL if out of memory: references read
 * them instead of converting element by element, which changes no result. */
double *cc_view_doubles(const struct cc_view *v);
/* c[M][N] = sum over k, in order, of A(i, k) * B(k, j) in double (A, B transposed if
 * @ta, @tb): the same sums as the references' (i, j, k) loops, in a cache-friendly order. */
void cc_ref_gemm(const double *a, const double *b, double *c, int64_t M, int64_t N, int64_t K, bool ta, bool tb);

/* ---- op table (ops.c) ------------------------------------------------------- */
enum {
	CC_A_OPT = 0x1,		/* optional (always) */
};

struct cc_attrdef {
	const char *name;
	int type;		/* SINAN_ATTR_* */
};

struct cc_ctx;

/* Op flags */
#define CC_OP_FOLD		0x01	/* evaluate at compile time when inputs are constant */
#define CC_OP_SHAPE_ONLY	0x02	/* output depends on shapes only (Shape, Size) */
#define CC_OP_INTERNAL		0x04	/* Sinan-internal op (domain "sinan"): fusion results */
#define CC_OP_ALIAS		0x08	/* output is the input's storage reinterpreted */

struct cc_opdef {
	const char *name;
	const char *domain;		/* "" or "sinan" */
	int min_ver;			/* oldest op version whose semantics we implement */
	int min_in, max_in, min_out, max_out;
	const struct cc_attrdef *attrs;	/* NULL-terminated */
	unsigned int flags;
	/* Attribute values and input types beyond the schema; -ENOTSUP with reason. */
	int (*check)(struct cc_graph *g, struct cc_node *n);
	/* Output dtypes/shapes from inputs (constants available). */
	int (*infer)(struct cc_graph *g, struct cc_node *n);
	/* Plain-C reference: out[] are allocated by the caller with inferred shapes. */
	int (*ref)(struct cc_graph *g, const struct cc_node *n, const struct cc_view *in,
		   struct cc_view *out);
};

const struct cc_opdef *cc_op_lookup(const char *domain, const char *name);
/* Resolve version and check arity, attribute names and types. */
int cc_node_bind(struct cc_graph *g, struct cc_node *n);
/* Op-level check: attribute values, dtypes (cc_opdef.check). */
int cc_node_check(struct cc_graph *g, struct cc_node *n);
int cc_node_infer(struct cc_graph *g, struct cc_node *n);
/* Run the reference of one node on views; allocates outputs (malloc'd data). */
int cc_node_ref(struct cc_graph *g, struct cc_node *n, const struct cc_view *in,
		struct cc_view *out);

/* Broadcast: out dims of numpy-style broadcast of a and b. */
int cc_broadcast(int ra, const int64_t *da, int rb, const int64_t *db, int *rout, int64_t *dout);
/* Normalize an axis in [-rank, rank) (or [-rank-1, rank] with @plus1). */
int cc_axis(struct cc_graph *g, const struct cc_node *n, int64_t axis, int rank, bool plus1,
	    int *out);

/* Read a constant 1-D integer input as int64 (count returned, -errno on error). */
int cc_const_ints(struct cc_graph *g, const struct cc_node *n, int idx, int64_t *out, int max,
		  bool required);

/* ---- reference executor (ref_exec.c) ---------------------------------------- */
/* Run the whole graph on the host: inputs in graph input order, outputs malloc'd. */
int cc_ref_run(struct cc_graph *g, const struct cc_view *inputs, struct cc_view *outputs);
/* The same, calling @obs with every graph input and every computed node output (in
 * execution order, while the value is alive); a non-zero return stops the run with it. */
typedef int (*cc_ref_observer)(void *ctx, const struct cc_tensor *t, const struct cc_view *v);
int cc_ref_run_observe(struct cc_graph *g, const struct cc_view *inputs, struct cc_view *outputs,
		       cc_ref_observer obs, void *ctx);

/* ---- ONNX helpers (onnx_import.c) ------------------------------------------------ */
/* Decode an Onnx__TensorProto (@tensor_proto) into a malloc'd view. */
int cc_onnx_tensor_decode(const void *tensor_proto, const char *dir, struct cc_view *v, char *err,
			  size_t errlen);
/* Decode a serialized TensorProto (test_data_set_N/input_K.pb); *name malloc'd. */
int cc_onnx_tensor_file(const void *data, size_t size, struct cc_view *v, char **name, char *err,
			size_t errlen);
int cc_read_file(const char *path, void **data, size_t *size, uint64_t max, char *err,
		 size_t errlen);

/* ---- passes ------------------------------------------------------------------- */
/* Bind symbolic input dims: name=value pairs; inputs not listed keep their dims. */
int cc_bind_input_shape(struct cc_graph *g, const char *input, int rank, const int64_t *dims);
int cc_pass_infer_fold(struct cc_graph *g);	/* shape inference + constant folding */
/* Fold one inferred node if its inputs allow (outputs become constants). */
int cc_node_try_fold(struct cc_graph *g, struct cc_node *n);
int cc_pass_legacy(struct cc_graph *g);	/* opset < 11 forms -> current forms */
int cc_pass_simplify(struct cc_graph *g);	/* legacy forms, identity removal, dead code */
/* A new constant (copy of @data, or zeros) with a generated name. */
struct cc_tensor *cc_const_new(struct cc_graph *g, const char *base, int dtype, int rank,
			       const int64_t *dims, const void *data);
/* @x with new dims: a constant copy, or the output of a new Reshape node. */
struct cc_tensor *cc_reshaped(struct cc_graph *g, struct cc_tensor *x, int rank, const int64_t *dims);
/*
 * Shape-defining inputs: graph inputs whose values decide shapes (Reshape's
 * shape, Slice's starts, ...). The device runs static shapes, so such inputs
 * are bound to values at compile time (specialization, like TensorRT's
 * shape tensors); at run time the supplied value must match.
 * cc_spec_inputs() sets mask[i] for each graph input i that needs a value.
 */
int cc_spec_inputs(struct cc_graph *g, bool *mask);
int cc_bind_input_value(struct cc_graph *g, const char *input, const struct cc_view *v);
int cc_pass_fuse(struct cc_graph *g);		/* pattern fusion */
int cc_pass_legalize(struct cc_graph *g);	/* ops the device runs through others */
int cc_qlegal_node(struct cc_graph *g, struct cc_node *n);	/* integer ops -> int8 cube form */
int cc_pass_layout(struct cc_graph *g);		/* NC1HWC0 between convolutions (device types set) */
/* Precision int8: Conv/MatMul/Gemm with constant weights onto the int8 cube (scales from
 * QDQ nodes or the calibration file); *quantized counts them. */
int cc_pass_int8(struct cc_graph *g, const char *calibration, int *quantized);
int cc_pass_precision(struct cc_graph *g, int precision);	/* fp16/bf16 mixed precision */
/*
 * Memory planning: decide where every tensor lives; activations share one
 * arena by liveness (greedy by size, TFLite-style), reshape-like ops alias
 * their input. @align is the byte alignment of every tensor. Uses
 * t->dev_dtype for sizes (the precision pass sets it; defaults to dtype).
 */
int cc_pass_memplan(struct cc_graph *g, uint64_t align);
/* Bytes of @t on the device. */
uint64_t cc_dev_bytes(const struct cc_tensor *t);
/* Storage root of an aliasing chain. */
struct cc_tensor *cc_storage(struct cc_tensor *t);

/* ---- device support (lower.c) ------------------------------------------------------------ */
/* 0 if the device can execute @n (bound and inferred) at @precision, else
 * -ENOTSUP with the reason recorded in the graph. */
struct cc_target;
/* @t: the device (buffer sizes); NULL checks against the default configuration. */
int cc_dev_supported(struct cc_graph *g, struct cc_node *n, int precision, const struct cc_target *t);

/* Stats/reporting of fusion for tests. */
int cc_graph_count_op(const struct cc_graph *g, const char *op);

#endif /* SINAN_CC_INT_H */

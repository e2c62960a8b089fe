/* SPDX-License-Identifier: MIT */
/*
 * Op implementations shared by ops.c (table) and the ops_*.c / ref_*.c files:
 * shape inference ("infer_*"), attribute checks ("check_*"), plain-C
 * references ("ref_*").
 */
#ifndef SINAN_CC_OPS_INT_H
#define SINAN_CC_OPS_INT_H

#include "cc_int.h"

/* Error for a node: "node 'name' (Op): ..." */
#define NERR(g, n, code, fmt, ...)						\
	cc_err((g), (code), "node '%s' (%s): " fmt, cc_node_label(n), (n)->op, ##__VA_ARGS__)

#define IN(n, i)	((i) < (n)->nin ? (n)->in[i] : NULL)
#define OUT(n, i)	((i) < (n)->nout ? (n)->out[i] : NULL)

/* Set output @i's type and shape. */
int cc_set_out(struct cc_graph *g, struct cc_node *n, int i, int dtype, int rank, const int64_t *dims);
/* Require input @i's shape to be known. */
int cc_need_shape(struct cc_graph *g, struct cc_node *n, int i);
int cc_need_type(struct cc_graph *g, struct cc_node *n, int i, bool (*ok)(int), const char *what);
int cc_same_type(struct cc_graph *g, struct cc_node *n, int a, int b);

/* Broadcast iteration: offsets of an input in the output's index space. */
struct cc_bcast {
	int rank;
	int64_t dims[CC_MAX_RANK];	/* output dims */
	int64_t st[4][CC_MAX_RANK];	/* element strides per operand, 0 where broadcast */
	int nop;
};
/* Set up for @nop inputs of view dims (right-aligned numpy broadcast to @out). */
void cc_bcast_init(struct cc_bcast *b, int rank, const int64_t *out, int nop, const struct cc_view *const *in);
/* Walk: call with idx[] = 0..., returns offsets for each operand. */
void cc_bcast_offsets(const struct cc_bcast *b, uint64_t lin, uint64_t *off);

/* Strides of a row-major shape. */
void cc_strides(int rank, const int64_t *dims, int64_t *st);

/* Allocate a view's data (zeroed) with dims/dtype set. */
int cc_view_alloc(struct cc_view *v);

/* ---- infer/check/ref families ------------------------------------------------------ */
/* elementwise (ops_elem.c) */
int infer_unary(struct cc_graph *, struct cc_node *);
int check_unary_float(struct cc_graph *, struct cc_node *);
int check_unary_num(struct cc_graph *, struct cc_node *);
int ref_unary(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_binary(struct cc_graph *, struct cc_node *);
int check_binary(struct cc_graph *, struct cc_node *);
int ref_binary(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_variadic(struct cc_graph *, struct cc_node *);
int ref_variadic(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_where(struct cc_graph *, struct cc_node *);
int ref_where(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_clip(struct cc_graph *, struct cc_node *);
int ref_clip(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_cast(struct cc_graph *, struct cc_node *);
int check_cast(struct cc_graph *, struct cc_node *);
int ref_cast(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_quant(struct cc_graph *, struct cc_node *);
int ref_quant(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_dequant(struct cc_graph *, struct cc_node *);
int ref_dequant(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_prelu(struct cc_graph *, struct cc_node *);
int infer_identity(struct cc_graph *, struct cc_node *);
int ref_identity(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_dropout(struct cc_graph *, struct cc_node *);
int check_dropout(struct cc_graph *, struct cc_node *);
int ref_dropout(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);

/* reductions and normalization (ops_reduce.c) */
int infer_reduce(struct cc_graph *, struct cc_node *);
int ref_reduce(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_argmax(struct cc_graph *, struct cc_node *);
int ref_argmax(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_softmax(struct cc_graph *, struct cc_node *);
int ref_softmax(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_batchnorm(struct cc_graph *, struct cc_node *);
int check_batchnorm(struct cc_graph *, struct cc_node *);
int ref_batchnorm(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_instnorm(struct cc_graph *, struct cc_node *);
int ref_instnorm(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_layernorm(struct cc_graph *, struct cc_node *);
int ref_layernorm(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);

/* matrix, convolution, pooling (ops_nn.c) */
int infer_matmul(struct cc_graph *, struct cc_node *);
int ref_matmul(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_gemm(struct cc_graph *, struct cc_node *);
int ref_gemm(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_conv(struct cc_graph *, struct cc_node *);
int check_conv(struct cc_graph *, struct cc_node *);
int ref_conv(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_convtr(struct cc_graph *, struct cc_node *);
int ref_convtr(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_pool(struct cc_graph *, struct cc_node *);
int check_pool(struct cc_graph *, struct cc_node *);
int ref_pool(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_gpool(struct cc_graph *, struct cc_node *);
int ref_gpool(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);

/* shape and data movement (ops_tensor.c) */
int infer_constant(struct cc_graph *, struct cc_node *);
int check_constant(struct cc_graph *, struct cc_node *);
int ref_constant(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_cofs(struct cc_graph *, struct cc_node *);
int ref_cofs(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_shape(struct cc_graph *, struct cc_node *);
int ref_shape(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_size(struct cc_graph *, struct cc_node *);
int ref_size(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_range(struct cc_graph *, struct cc_node *);
int ref_range(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_reshape(struct cc_graph *, struct cc_node *);
int infer_flatten(struct cc_graph *, struct cc_node *);
int infer_squeeze(struct cc_graph *, struct cc_node *);
int infer_unsqueeze(struct cc_graph *, struct cc_node *);
int ref_copy(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_transpose(struct cc_graph *, struct cc_node *);
int ref_transpose(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_concat(struct cc_graph *, struct cc_node *);
int ref_concat(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_split(struct cc_graph *, struct cc_node *);
int ref_split(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_slice(struct cc_graph *, struct cc_node *);
int ref_slice(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_gather(struct cc_graph *, struct cc_node *);
int ref_gather(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_gather_el(struct cc_graph *, struct cc_node *);
int ref_gather_el(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_pad(struct cc_graph *, struct cc_node *);
int check_pad(struct cc_graph *, struct cc_node *);
int ref_pad(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_expand(struct cc_graph *, struct cc_node *);
int ref_expand(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_tile(struct cc_graph *, struct cc_node *);
int ref_tile(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_trilu(struct cc_graph *, struct cc_node *);
int ref_trilu(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_d2s(struct cc_graph *, struct cc_node *);
int ref_d2s(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);

/* Activation epilogues of fused ops (ops_elem.c): codes are unary op codes. */
#define CC_ACT_NONE	(-1)
#define CC_ACT_INVALID	(-2)
#define CC_ACT_CLIP	1000
int cc_act_code(const char *name);
const char *cc_act_name(int code);
bool cc_act_fusable(int code);
double cc_act_apply(int code, double x, double alpha, double beta);
void cc_act_params(const struct cc_node *n, int code, float *alpha, float *beta);

/* Fused internal ops (ops_fused.c) */
int infer_fconv(struct cc_graph *, struct cc_node *);
int ref_fconv(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int infer_fmatmul(struct cc_graph *, struct cc_node *);
int ref_fmatmul(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);
int check_fused(struct cc_graph *, struct cc_node *);
int infer_attention(struct cc_graph *, struct cc_node *);
int ref_attention(struct cc_graph *, const struct cc_node *, const struct cc_view *, struct cc_view *);

/* Legacy (opset < 7) broadcasting of binary ops (ops_elem.c). */
bool cc_legacy_bcast(const struct cc_node *n);
int cc_legacy_bdims(struct cc_graph *g, const struct cc_node *n, int ra, const int64_t *da, int rb,
		    const int64_t *db, int64_t *out);

/* Slice parameters resolved against a shape (ops_tensor.c). */
int cc_slice_params(struct cc_graph *g, struct cc_node *n, int rank, const int64_t *dims,
		    int64_t *start, int64_t *step, int64_t *count);
/* Pads of Pad resolved: begin[rank], end[rank] (negative = crop). */
int cc_pad_params(struct cc_graph *g, struct cc_node *n, int rank, int64_t *pb, int64_t *pe);
/* Reduction axes (bitmask) of a Reduce* node; *noop if it reduces nothing. */
int cc_reduce_axes(struct cc_graph *g, const struct cc_node *n, int rank, unsigned *mask, bool *noop);

/* Conv/pool geometry (ops_nn.c). */
struct cc_convgeo {
	int nsp;				/* spatial dims */
	int64_t n, c, m, group;			/* batch, in channels, out channels */
	int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3], opad[3];
};
int cc_conv_geo(struct cc_graph *g, struct cc_node *n, bool transpose, struct cc_convgeo *cg);
int cc_pool_geo(struct cc_graph *g, struct cc_node *n, struct cc_convgeo *cg);

#endif /* SINAN_CC_OPS_INT_H */

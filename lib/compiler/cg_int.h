/* SPDX-License-Identifier: MIT */
/*
 * Sinan compiler: code generation for the AI core (lowering and emitter).
 *
 * A compiled model is a program: an ordered list of kernels, each one
 * AI-core program launched with some number of blocks, whose argument block
 * holds the device addresses of the tensors it touches (8 bytes each, in
 * cc_kernel.args order). Kernels run one after another on a queue; inside
 * a kernel, blocks are independent and split the work.
 *
 * Code is emitted with lib/isa's assembler. Register conventions (besides
 * the ISA's x1 args, x2 block, x3 blocks, x4 core): x5..x25 are allocated
 * by cg_reg(); x26..x31 are scratch for materializing immediates (CG_I()).
 */
#ifndef SINAN_CG_INT_H
#define SINAN_CG_INT_H

#include "ops_int.h"

#include <isa/sinan_asm.h>
#include <sinan_hw/sinan_isa.h>
#include <sinan/sinan.h>

#define CG_MAX_ARGS	64

/* ---- target --------------------------------------------------------------------- */
/* What the code is generated for: from the device's capability registers. */
struct cc_target {
	uint32_t cores;
	uint32_t l1, l0a, l0b, l0c, ub;		/* bytes per core */
	uint32_t clock_mhz;
	uint32_t devmem_bw_mbps;
	uint32_t caps;				/* SINAN_CAP_* */
	uint32_t isa_major, isa_minor;
};
/* The default chip (the simulator's default configuration). */
void cc_target_default(struct cc_target *t);

/* ---- kernels and programs ---------------------------------------------------------- */
struct cc_karg {
	struct cc_tensor *t;	/* its storage (mem_class/mem_off) gives the address */
	uint64_t off;		/* bytes added to the tensor's address */
	bool write;
	bool scratch;		/* the program's scratch area instead of a tensor */
};

struct cc_kernel {
	char name[64];
	uint64_t *code;
	size_t ncode;
	struct cc_karg args[CG_MAX_ARGS];
	int nargs;
	uint32_t blocks;
	int node;		/* index of the op (cc_program.ops) */
	/* analytical figures, for the performance report */
	uint64_t macs;		/* cube multiply-accumulates */
	int cube_dt;		/* their operand type (SINAN_DT_*) */
	uint64_t bytes;		/* device-memory bytes moved (ideal) */
};

/* One op of the compiled graph, for profiling (modeled cycles per op). */
struct cc_opinfo {
	char name[128];
	char op[48];
	int first_kernel, nkernels;
};

struct cc_program {
	struct cc_target tgt;
	int precision;
	struct cc_kernel *k;
	int nk, kcap;
	struct cc_opinfo *ops;
	int nops, opscap;
	uint64_t scratch_bytes;		/* kernel scratch in device memory (shared, sequential) */
	int int8_ops;			/* int8 mode: products moved to the int8 cube */
	bool kernel_ops;		/* SINAN_MODEL_F_KERNEL_OPS: one op entry per kernel */
};

void cc_program_free(struct cc_program *p);

/* ---- kernel builder ------------------------------------------------------------------ */
struct cg {
	struct cc_graph *g;
	struct cc_program *p;
	const struct cc_target *tgt;
	struct cc_kernel *k;		/* kernel being built */
	struct sinan_asm *a;
	uint32_t regs;			/* allocated registers */
	int tmp;			/* next scratch register */
	int rc;				/* first error */
};

/* An instruction operand: a register, or an immediate put in a scratch register. */
struct cg_v {
	bool imm;
	uint64_t v;
};
#define CG_R(r)		((struct cg_v){ .imm = false, .v = (uint64_t)(r) })
#define CG_I(x)		((struct cg_v){ .imm = true, .v = (uint64_t)(x) })

int cg_begin(struct cg *c, const char *name, const char *suffix);
int cg_end(struct cg *c, uint32_t blocks);
/* Add a tensor argument; returns its index. */
int cg_arg(struct cg *c, struct cc_tensor *t, uint64_t off, bool write);
int cg_arg_scratch(struct cg *c, uint64_t off);
/* Load argument @idx's address into @r. */
void cg_ldarg(struct cg *c, unsigned int r, int idx);
unsigned int cg_reg(struct cg *c);
void cg_free(struct cg *c, unsigned int r);
void cg_li(struct cg *c, unsigned int r, uint64_t v);
/* r = a <fn> b */
void cg_alu(struct cg *c, unsigned int fn, unsigned int rd, unsigned int ra, struct cg_v b);
void cg_mov(struct cg *c, unsigned int src_buf, unsigned int dst_buf, unsigned int flags,
	    struct cg_v dst, struct cg_v src, struct cg_v nburst, struct cg_v len, struct cg_v sstride,
	    struct cg_v dstride);
void cg_loadf(struct cg *c, unsigned int buf, unsigned int dt, unsigned int flags, struct cg_v dst,
	      struct cg_v src, struct cg_v rows, struct cg_v cols, struct cg_v stride);
void cg_img2col(struct cg *c, unsigned int dt, struct cg_v dst, struct cg_v src, struct cg_v pos,
		struct cg_v rows, struct cg_v kcol, struct cg_v kcols);
void cg_mmad(struct cg *c, unsigned int dt, unsigned int flags, struct cg_v dst, struct cg_v a,
	     struct cg_v b, struct cg_v m, struct cg_v n, struct cg_v k);
void cg_fixp(struct cg *c, unsigned int buf, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v src, struct cg_v m, struct cg_v n, struct cg_v stride, struct cg_v n1);
void cg_setcfg(struct cg *c, unsigned int cfg, struct cg_v v);
/* Vector instructions; strides are bytes (dst, src0, src1). */
void cg_vbin(struct cg *c, unsigned int op, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v s0, struct cg_v s1, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss0,
	     uint64_t ss1);
void cg_vscalar(struct cg *c, unsigned int op, unsigned int dt, struct cg_v dst, struct cg_v src,
		struct cg_v scalar, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss);
void cg_vun(struct cg *c, unsigned int op, unsigned int dt, struct cg_v dst, struct cg_v src,
	    struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss);
void cg_vcvt(struct cg *c, unsigned int sdt, unsigned int ddt, unsigned int rnd, unsigned int flags,
	     struct cg_v dst, struct cg_v src, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss);
void cg_vred(struct cg *c, unsigned int op, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v src, struct cg_v n, struct cg_v rows, uint64_t ss);
void cg_vdup(struct cg *c, unsigned int dt, struct cg_v dst, struct cg_v scalar, struct cg_v n,
	     struct cg_v rows, uint64_t sd);
void cg_vcmp(struct cg *c, unsigned int cmp, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v s0, struct cg_v s1, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss0,
	     uint64_t ss1);
void cg_vsel(struct cg *c, unsigned int dt, struct cg_v dst, struct cg_v mask, struct cg_v s0,
	     struct cg_v s1, struct cg_v n, struct cg_v rows);
void cg_set(struct cg *c, unsigned int src, unsigned int dst, unsigned int ev);
void cg_wait(struct cg *c, unsigned int src, unsigned int dst, unsigned int ev);
void cg_barrier(struct cg *c, unsigned int pipe);

/* Blocks: this block's share [*lo, *hi) of @items (registers). */
void cg_block_range(struct cg *c, unsigned int lo, unsigned int hi, uint64_t items);
/* Number of blocks for @items work items. */
uint32_t cg_blocks(const struct cg *c, uint64_t items);

/* fp32 bits of a value (for VSCALAR/VDUP scalars of float dtypes). */
uint64_t cg_fbits(double v);
/* The cube's MACs per core per cycle for operands of @dt (the cost model's block step:
 * 16x16x16 fp16/bf16, 16x32x16 int8, fp32 at a quarter of fp16). */
uint64_t cg_mac_rate(int dt);
/* Scalar register value of @v for dtype @dt (SINAN_DT_*). */
uint64_t cg_scalar_bits(int dt, double v);

/* ---- dtypes ------------------------------------------------------------------------------ */
/* The device dtype (SINAN_DT_*) for a graph element type, -1 if the device has none. */
int cc_hw_dtype(int onnx_dtype);
/* The graph dtype a tensor has on the device (int64 -> int32, bool -> uint8). */
int cc_dev_type(int onnx_dtype);

/* ---- lowering ------------------------------------------------------------------------------ */
/* Emit the kernels of node @n (after memory planning). */
int cc_lower_node(struct cg *c, struct cc_node *n);
/* Families (lower_*.c): support check and emission. */
bool cc_is_elem(const struct cc_node *n);
bool cc_is_conv(const struct cc_node *n);
int cc_conv_supported(struct cc_graph *g, struct cc_node *n, int precision);
int cc_prelower_conv(struct cc_graph *g, const struct cc_target *t, struct cc_node *n);
int cc_lower_conv(struct cg *c, struct cc_node *n);
bool cc_is_pool(const struct cc_node *n);
int cc_pool_supported(struct cc_graph *g, struct cc_node *n, int precision, const struct cc_target *t);
int cc_prelower_pool(struct cc_graph *g, const struct cc_target *t, struct cc_node *n);
int cc_lower_pool(struct cg *c, struct cc_node *n);
bool cc_is_move(const struct cc_node *n);
int cc_move_supported(struct cc_graph *g, struct cc_node *n, int precision);
int cc_lower_move(struct cg *c, struct cc_node *n);
bool cc_is_reduce(const struct cc_node *n);
int cc_reduce_supported(struct cc_graph *g, struct cc_node *n, int precision, const struct cc_target *t);
int cc_lower_reduce(struct cg *c, struct cc_node *n);
int cc_mm_supported(struct cc_graph *g, struct cc_node *n, int precision);
int cc_lower_mm(struct cg *c, struct cc_node *n);
int cc_prelower_mm(struct cc_graph *g, const struct cc_target *t, struct cc_node *n);
/* Decisions that change tensors (packed weights) before memory planning. */
int cc_prelower_node(struct cc_graph *g, const struct cc_target *t, struct cc_node *n);
int cc_elem_supported(struct cc_graph *g, struct cc_node *n, int precision);
int cc_lower_elem(struct cg *c, struct cc_node *n);

/* Strided copies (lower_move.c): an output region filled from the input at
 * base + sum(index * stride); element strides, offsets in elements. */
#define CC_VIEW_RANK	(2 * CC_MAX_RANK + 2)
struct view {
	int rank;
	int64_t d[CC_VIEW_RANK];
	int64_t si[CC_VIEW_RANK], so[CC_VIEW_RANK];
	int64_t ioff, ooff;
};
int cc_emit_copy(struct cg *c, struct cc_node *n, struct cc_tensor *x, struct cc_tensor *y, struct view *v,
		 const char *suffix);
int cc_emit_copies(struct cg *c, struct cc_node *n, struct cc_tensor *x, struct cc_tensor *y, struct view *vs,
		   int nv, const char *suffix);
/* Fill all of @y with @value. */
int cc_emit_fill(struct cg *c, struct cc_node *n, struct cc_tensor *y, double value);
/*
 * NC1HWC0 operands (pass_layout.c) seen with their stored shape: cc_views5()
 * replaces every input/output of @n stored as 5HD by a view of shape
 * [N, C1, H, W, C0] sharing its storage, saving the originals in @saved
 * (CC_MAX_IO entries); cc_unviews5() puts them back. Returns whether any was.
 */
bool cc_views5(struct cc_graph *g, struct cc_node *n, struct cc_tensor **saved);
void cc_unviews5(struct cc_node *n, struct cc_tensor *const *saved);

/* x NCHW [N, C, HW] -> y NC1HWC0 (to), or back; with @ident (cc_identity(), a constant the
 * node reads) the cube transposes at device-memory speed, else strided copies */
int cc_emit_5hd(struct cg *c, struct cc_node *n, struct cc_tensor *x, struct cc_tensor *y, bool to, int64_t N,
		int64_t C, int64_t HW, int64_t c0, struct cc_tensor *ident, const char *suffix);
struct cc_tensor *cc_identity(struct cc_graph *g, int dtype, bool to);
/* cc_identity() for @x's device type if the cube can transpose it, else NULL (no error) */
struct cc_tensor *cc_layout_identity(struct cc_graph *g, const struct cc_tensor *x, bool to);
int cc_prelower_move(struct cc_graph *g, struct cc_node *n);

/* Compile a graph (after import) for a target: passes, lowering, emission. */
struct cc_copts {
	int precision;			/* SINAN_PRECISION_* */
	uint32_t flags;			/* SINAN_MODEL_F_* */
	const char *calibration;	/* int8: calibration file, or NULL */
};
int cc_compile(struct cc_graph *g, const struct cc_target *tgt, const struct cc_copts *o, struct cc_program **out);
/* cc_compile() and the model image (*image malloc'ed); for tests, any target. */
int cc_compile_image(struct cc_graph *g, const struct cc_target *t, const struct cc_copts *co, void **image,
		     size_t *bytes);
/* 0 or -errno of the compiler -> the API's status (model.c). */
sinan_status cc_status(int rc);

#endif /* SINAN_CG_INT_H */

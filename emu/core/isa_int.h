/* SPDX-License-Identifier: MIT */
/*
 * Sinan device model core: AI-core internals shared by emu_launch.c and the
 * isa_*.c files (interpreter, cost model, numerics). The ISA is specified in
 * include/sinan_hw/sinan_isa.h.
 *
 * The functional model executes each block's instructions one at a time in
 * program order (isa_exec.c dispatches to isa_mte.c, isa_cube.c, isa_vec.c).
 * The cost model (isa_cost.c) is separate: every instruction is also handed
 * to a per-pipe timeline that computes when it would start and complete on
 * the modeled chip, and to the hazard tracker that checks that pipes which
 * touch the same bytes are ordered by flags.
 */
#ifndef SINAN_ISA_INT_H
#define SINAN_ISA_INT_H

#include "emu_int.h"
#include <sinan_hw/sinan_isa.h>

/* Accesses through these types may alias anything (UB is untyped memory). */
typedef float __attribute__((may_alias)) f32_a;
typedef uint16_t __attribute__((may_alias)) u16_a;
typedef int16_t __attribute__((may_alias)) i16_a;
typedef int32_t __attribute__((may_alias)) i32_a;
typedef uint32_t __attribute__((may_alias)) u32_a;

/* One operand's bytes: @n bursts of @len bytes at @base + i * @stride. */
struct isa_acc {
	uint8_t buf;		/* SINAN_BUF_* (GM: base is a VA) */
	uint8_t write;
	uint64_t base, n, len, stride;
};

/*
 * The hazard tracker's accesses in flight (isa_cost.c): a pool of records,
 * each in the scan list of its buffer, kind (read or write) and pipe (what
 * a new access is compared with), in the expiry queue of its pipe, and in
 * the order list (whose order decides which conflict is reported first).
 */
struct isa_rec {
	uint64_t lo, hi;	/* first and last byte */
	uint64_t end;		/* modeled completion */
	struct isa_acc a;
	uint32_t gpos;		/* position in the order list */
	uint32_t lpos;		/* position in its scan list */
	uint8_t list;		/* its scan list */
	uint8_t pipe;
};

struct isa_ids {		/* a growable array of record ids */
	uint32_t *v;
	uint32_t n, cap;
};

#define ISA_REC_LISTS	(2 * SINAN_BUF_COUNT * SINAN_PIPE_COUNT)

struct isa_hazards {
	struct isa_rec *rec;	/* the pool */
	uint32_t nrec, caprec;
	struct isa_ids free;	/* unused pool entries */
	struct isa_ids order;	/* the order list */
	struct isa_ids list[ISA_REC_LISTS];	/* [(buf * 2 + write) * SINAN_PIPE_COUNT + pipe] */
	uint64_t list_max_end[ISA_REC_LISTS];	/* no record of the list completes after */
	struct isa_ids fifo[SINAN_PIPE_COUNT];	/* per pipe, by completion (a ring) */
	uint32_t fifo_head[SINAN_PIPE_COUNT];
	struct isa_ids late;	/* records completing before one issued earlier on their pipe */
	struct isa_ids gone;	/* prune: positions of completed records */
	uint64_t min_end;	/* no record completes before */
};

struct isa_pipe {
	uint64_t free;		/* next instruction may start */
	uint64_t done;		/* every issued instruction completed */
	uint64_t qstart[SINAN_ISA_PIPE_QUEUE];	/* start times of the last instructions */
	unsigned int qpos;
};

struct emu_launch_ctx;

struct emu_core {
	struct sinan_emu *emu;
	unsigned int id;
	uint8_t *lb[SINAN_BUF_COUNT];	/* local buffers (NULL for GM) */
	uint64_t lsize[SINAN_BUF_COUNT];
	void *scratch;			/* cube operand conversion */
	size_t scratch_size;

	/* per launch */
	struct emu_launch_ctx *L;
	struct emu_actor actor;
	struct emu_tlb tlb;
	struct emu_span span;		/* the GM range of the instruction being executed */
	uint64_t base_cycles;		/* modeled cycles of this core's earlier blocks */

	/* per block: architectural state */
	uint64_t x[SINAN_NUM_XREGS];
	uint64_t pc;
	uint64_t cfg[SINAN_CFG_COUNT];
	uint64_t insn;			/* instruction being executed */
	unsigned int op;

	/* per block: cost model */
	uint64_t t_issue;
	uint64_t gm_free;		/* this core's device-memory port is next free */
	struct isa_pipe pipe[SINAN_PIPE_COUNT];
	uint64_t flag[SINAN_PIPE_COUNT][SINAN_PIPE_COUNT][SINAN_NUM_EVENTS];	/* time + 1; 0 = clear */
	struct isa_hazards hz;

	struct emu_fault fault;
	unsigned int poll;
};

/* One LAUNCH packet being executed. */
struct emu_launch_ctx {
	struct emu_queue *q;
	uint64_t prog_va;
	uint64_t prog_size;
	const uint8_t *prog;		/* host copy of the program */
	uint64_t prog_valid;		/* bytes readable; a fetch beyond faults with prog_fault */
	struct emu_fault prog_fault;
	uint64_t args;
	uint32_t blocks;
	unsigned int ncores;		/* cores with blocks: min(blocks, num_cores) */
	uint64_t wd_limit;		/* modeled cycles a core may use, 0 = unlimited */
	bool strict_sync;
	int abort;			/* atomic: some core failed, or the queue stops */

	/* under the pool's lock */
	int err;			/* first error, 0 if none */
	struct emu_fault fault;
	unsigned int next_core;
	unsigned int done_cores;
	uint64_t core_cycles[SINAN_MAX_CORES];
};

/* ---- isa_exec.c ---------------------------------------------------------------- */
int isa_run_block(struct emu_core *c, uint32_t block);
int isa_fail(struct emu_core *c, unsigned int err, uint64_t addr, unsigned int access,
	     unsigned int what, unsigned int pipe);
int isa_fail_gm(struct emu_core *c, const struct emu_fault *f);
bool isa_should_stop(struct emu_core *c);
/* Bounds and alignment of a local operand; 0 or a stopping error. */
int isa_check_local(struct emu_core *c, unsigned int buf, uint64_t off, uint64_t n, uint64_t len,
		    uint64_t stride, uint64_t align, unsigned int access);

/* ---- isa_cost.c: timing and hazards ---------------------------------------------- */
void isa_cost_block_start(struct emu_core *c);
/* Cycles of a GM transfer of @bytes (already rounded to sectors) for this launch. */
uint64_t isa_cost_gm_xfer(struct emu_core *c, uint64_t bytes);
/* Bytes charged for @n bursts of @len at VA @va every @stride (32-byte sectors). */
uint64_t isa_cost_gm_bytes(uint64_t va, uint64_t n, uint64_t len, uint64_t stride);
/* Schedule a pipe instruction and check its accesses; 0 or a stopping error. */
int isa_cost_issue(struct emu_core *c, unsigned int pipe, uint64_t occ, uint64_t lat,
		   const struct isa_acc *acc, unsigned int nacc);
/* The same for an instruction that streams through the core's device-memory
 * port for @gm_occ of its @occ cycles (MTE2, MTE3, FIXP to GM). */
int isa_cost_issue_gm(struct emu_core *c, unsigned int pipe, uint64_t occ, uint64_t gm_occ,
		      uint64_t lat, const struct isa_acc *acc, unsigned int nacc);
int isa_cost_scalar(struct emu_core *c, uint64_t stall, const struct isa_acc *gm);
int isa_cost_set_flag(struct emu_core *c, unsigned int src, unsigned int dst, unsigned int id);
int isa_cost_wait_flag(struct emu_core *c, unsigned int src, unsigned int dst, unsigned int id);
void isa_cost_barrier(struct emu_core *c, unsigned int pipe);
uint64_t isa_cost_block_end(struct emu_core *c);
void isa_cost_free(struct emu_core *c);
/* Per-instruction costs (occupancy, latency) */
void isa_cost_mov(struct emu_core *c, unsigned int pipe, uint64_t gm_va, uint64_t nburst,
		  uint64_t len, uint64_t gm_stride, uint64_t *occ, uint64_t *gm_occ, uint64_t *lat);
void isa_cost_fractals(uint64_t blocks, uint64_t *occ, uint64_t *lat);
void isa_cost_mmad(unsigned int dt, uint64_t m1, uint64_t n1, uint64_t k1, uint64_t *occ, uint64_t *lat);
void isa_cost_fixp(struct emu_core *c, bool to_gm, uint64_t blocks, uint64_t gm_bytes,
		   uint64_t *occ, uint64_t *gm_occ, uint64_t *lat);
void isa_cost_vec(unsigned int weight, uint64_t rows, uint64_t row_bytes, uint64_t *occ, uint64_t *lat);
uint64_t isa_cost_s_ld(void);
#define ISA_VW_SIMPLE	1
#define ISA_VW_SLOW	2	/* div, sqrt, rsqrt, recip */
#define ISA_VW_TRANS	4	/* exp, log, tanh, erf, sigmoid, sin, cos, pow */

/* ---- isa_mte.c, isa_cube.c, isa_vec.c ---------------------------------------------- */
int isa_mov(struct emu_core *c);
int isa_loadf(struct emu_core *c);
/* fp32 values stored as @dt (fp32, fp16, bf16) the way the vector unit stores them */
void isa_store_f(uint8_t *p, unsigned int dt, const float *v, size_t n);
int isa_img2col(struct emu_core *c);
int isa_fixp(struct emu_core *c);
int isa_mmad(struct emu_core *c);
int isa_vector(struct emu_core *c);

/* Host SIMD levels: AVX2 + FMA + F16C (with YMM state enabled by the OS),
 * and AVX-512F on top of it (with ZMM state). */
#define EMU_SIMD_NONE	0
#define EMU_SIMD_AVX2	1
#define EMU_SIMD_AVX512	2
/* The best level the host has. */
int emu_host_simd(void);

/* Select the host SIMD paths (cube kernels, vector fp16 conversions):
 * 0 portable C, EMU_SIMD_AVX2 or EMU_SIMD_AVX512 at most that level (as far
 * as the CPU has it), -1 automatic (default: the best the host has).
 * Returns the level now in use. For tests that compare the paths. */
int emu_simd_select(int mode);
bool emu_use_simd(void);
int emu_simd_level(void);

/* ---- isa_fp.c: numerics ---------------------------------------------------------------- */
float emu_f16_to_f32(uint16_t h);
uint16_t emu_f32_to_f16(float f);		/* nearest even, default NaN */

static inline float emu_bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	__builtin_memcpy(&f, &u, 4);
	return f;
}

/* nearest even, default NaN */
static inline uint16_t emu_f32_to_bf16(float f)
{
	uint32_t u;

	__builtin_memcpy(&u, &f, 4);
	if ((u & 0x7fffffff) > 0x7f800000)
		return 0x7fc0;
	u += 0x7fff + ((u >> 16) & 1);	/* overflow carries into infinity */
	return (uint16_t)(u >> 16);
}
/* NaN -> default NaN */
static inline float emu_f32_canon(float f)
{
	return f != f ? __builtin_nanf("") : f;
}
/* Round an exact value to a float dtype (fp32, fp16, bf16) with a rounding
 * mode; returns the dtype's bits in the low bits. */
uint32_t emu_round_float(double v, unsigned int dt, unsigned int rnd);
/* Round to an integer dtype with a rounding mode, saturating; NaN -> 0. */
int64_t emu_round_int(double v, unsigned int dt, unsigned int rnd);
int64_t emu_int_min(unsigned int dt);
int64_t emu_int_max(unsigned int dt);
int64_t emu_sat(int64_t v, unsigned int dt);
/* Element access by dtype: exact value of element @i. */
double emu_elem_get(const uint8_t *p, unsigned int dt, uint64_t i);
/* Store an exact value (already representable or rounded/saturated by
 * emu_round_*) into element @i. */
void emu_elem_put_bits(uint8_t *p, unsigned int dt, uint64_t i, uint64_t bits);
/* Convert an exact value to dtype bits with a rounding mode (floats round,
 * integers round and saturate, NaN -> default NaN or 0). */
uint64_t emu_convert(double v, unsigned int dt, unsigned int rnd);
/* The fp32 requantize step: fp32(x) * scale + fp32(zero), each rounded. */
float emu_quant(double x, uint64_t cfg_scale, uint64_t cfg_zero);

#endif /* SINAN_ISA_INT_H */

/* SPDX-License-Identifier: MIT */
/*
 * Sinan AI-core instruction set, version 1.0.
 * Mirrors docs/hw-spec.md ("AI core"). Shared by emu/ (interpreter and cost
 * model) and lib/ (compiler, assembler, disassembler).
 *
 * Every instruction is one little-endian 64-bit word.
 *
 *   R form: op[7:0] rd[12:8] ra[17:13] rb[22:18] rc[27:23] re[32:28] rf[37:33]
 *           func[47:38] imm16[63:48] (signed)
 *   I form: op[7:0] rd[12:8] ra[17:13] func[31:18] imm32[63:32] (signed)
 *
 * 32 scalar registers x0..x31 of 64 bits; x0 reads as zero. At block start
 * x1 = argument block VA, x2 = block index, x3 = block count, x4 = core id,
 * all others 0. Buffers are addressed by byte offsets (local) or VAs (GM).
 */
#ifndef SINAN_HW_ISA_H
#define SINAN_HW_ISA_H

#include <linux/types.h>

#define SINAN_ISA_MAJOR		1
#define SINAN_ISA_MINOR		0
#define SINAN_NUM_XREGS		32
#define SINAN_NUM_EVENTS	8	/* flag ids per (src, dst) pipe pair */

/* Memory spaces */
enum sinan_buf {
	SINAN_BUF_GM	= 0,	/* device memory through the MMU */
	SINAN_BUF_L1	= 1,
	SINAN_BUF_L0A	= 2,
	SINAN_BUF_L0B	= 3,
	SINAN_BUF_L0C	= 4,
	SINAN_BUF_UB	= 5,
	SINAN_BUF_COUNT,
};

/* Pipes */
enum sinan_pipe {
	SINAN_PIPE_S	= 0,	/* scalar */
	SINAN_PIPE_MTE1	= 1,	/* L1 -> L0A/L0B, L1 <-> UB */
	SINAN_PIPE_MTE2	= 2,	/* GM -> L1/UB/L0A/L0B */
	SINAN_PIPE_MTE3	= 3,	/* UB/L1 -> GM */
	SINAN_PIPE_M	= 4,	/* cube */
	SINAN_PIPE_V	= 5,	/* vector */
	SINAN_PIPE_FIX	= 6,	/* L0C -> UB/GM */
	SINAN_PIPE_COUNT,
	SINAN_PIPE_ALL	= 15,	/* BARRIER only */
};

/* Data types */
enum sinan_dtype {
	SINAN_DT_FP32	= 0,
	SINAN_DT_FP16	= 1,
	SINAN_DT_BF16	= 2,
	SINAN_DT_INT32	= 3,
	SINAN_DT_INT8	= 4,
	SINAN_DT_UINT8	= 5,
	SINAN_DT_INT16	= 6,
	SINAN_DT_COUNT,
};

static inline unsigned int sinan_dtype_size(unsigned int dt)
{
	static const unsigned char sz[SINAN_DT_COUNT] = { 4, 2, 2, 4, 1, 1, 2 };

	return dt < SINAN_DT_COUNT ? sz[dt] : 0;
}

enum sinan_isa_op {
	/* scalar pipe */
	SINAN_I_NOP	= 0x00,
	SINAN_I_LI	= 0x01,	/* I: rd = sext(imm32) */
	SINAN_I_LUI	= 0x02,	/* I: rd = (imm32 << 32) | (rd & 0xffffffff) */
	SINAN_I_ALU	= 0x03,	/* R: rd = ra <func> rb */
	SINAN_I_ALUI	= 0x04,	/* I: rd = ra <func> sext(imm32) */
	SINAN_I_LD	= 0x05,	/* I: rd = GM[ra + imm32], func = SINAN_LDST_* */
	SINAN_I_ST	= 0x06,	/* I: GM[ra + imm32] = rd, func = SINAN_LDST_* */
	SINAN_I_BR	= 0x07,	/* I: if (rd <func> ra) pc += imm32 instructions */
	SINAN_I_END	= 0x08,	/* block done */
	SINAN_I_TRAP	= 0x09,	/* raise SINAN_ERR_ILLEGAL_INSTR, imm32 = code */
	SINAN_I_SETCFG	= 0x0a,	/* I: config register func = ra (SINAN_CFG_*) */
	/* synchronization */
	SINAN_I_SET_FLAG	= 0x10,	/* R: func = src[3:0] | dst[7:4], imm16 = event */
	SINAN_I_WAIT_FLAG	= 0x11,	/* R: same */
	SINAN_I_BARRIER		= 0x12,	/* R: func = pipe or SINAN_PIPE_ALL */
	/* data movement */
	SINAN_I_MOV	= 0x20,	/* R: bursts, see below */
	SINAN_I_LOADF	= 0x21,	/* R: L1 ND tile -> L0A/L0B fractal */
	SINAN_I_IMG2COL	= 0x22,	/* R: L1 NC1HWC0 feature map -> L0A fractal */
	SINAN_I_MMAD	= 0x23,	/* R: cube L0C (+)= L0A x L0B */
	SINAN_I_FIXP	= 0x24,	/* R: L0C fractal -> UB/GM ND, convert */
	/* vector pipe (UB only) */
	SINAN_I_VBIN	= 0x30,	/* R: dst = src0 op src1 */
	SINAN_I_VSCALAR	= 0x31,	/* R: dst = src op scalar */
	SINAN_I_VUN	= 0x32,	/* R: dst = op(src) */
	SINAN_I_VCVT	= 0x33,	/* R: dst = convert(src) */
	SINAN_I_VRED	= 0x34,	/* R: dst[r] = reduce(src row r) */
	SINAN_I_VDUP	= 0x35,	/* R: dst = scalar */
	SINAN_I_VCMP	= 0x36,	/* R: dst(u8) = src0 cmp src1 */
	SINAN_I_VSEL	= 0x37,	/* R: dst = mask ? src0 : src1 */
	SINAN_I_COUNT,
};

/* ---- encoding ---------------------------------------------------------------- */
#define SINAN_ENC_R(op, rd, ra, rb, rc, re, rf, func, imm16)			\
	((__u64)((op) & 0xff) | ((__u64)((rd) & 31) << 8) |			\
	 ((__u64)((ra) & 31) << 13) | ((__u64)((rb) & 31) << 18) |		\
	 ((__u64)((rc) & 31) << 23) | ((__u64)((re) & 31) << 28) |		\
	 ((__u64)((rf) & 31) << 33) | ((__u64)((func) & 0x3ff) << 38) |		\
	 ((__u64)((imm16) & 0xffff) << 48))
#define SINAN_ENC_I(op, rd, ra, func, imm32)					\
	((__u64)((op) & 0xff) | ((__u64)((rd) & 31) << 8) |			\
	 ((__u64)((ra) & 31) << 13) | ((__u64)((func) & 0x3fff) << 18) |	\
	 ((__u64)((__u32)(imm32)) << 32))

#define SINAN_DEC_OP(w)		((unsigned int)((w) & 0xff))
#define SINAN_DEC_RD(w)		((unsigned int)(((w) >> 8) & 31))
#define SINAN_DEC_RA(w)		((unsigned int)(((w) >> 13) & 31))
#define SINAN_DEC_RB(w)		((unsigned int)(((w) >> 18) & 31))
#define SINAN_DEC_RC(w)		((unsigned int)(((w) >> 23) & 31))
#define SINAN_DEC_RE(w)		((unsigned int)(((w) >> 28) & 31))
#define SINAN_DEC_RF(w)		((unsigned int)(((w) >> 33) & 31))
#define SINAN_DEC_FUNC_R(w)	((unsigned int)(((w) >> 38) & 0x3ff))
#define SINAN_DEC_IMM16(w)	((__s16)((w) >> 48))
#define SINAN_DEC_FUNC_I(w)	((unsigned int)(((w) >> 18) & 0x3fff))
#define SINAN_DEC_IMM32(w)	((__s32)((w) >> 32))

/* ---- scalar ALU (func of ALU/ALUI) ------------------------------------------- */
enum sinan_alu {
	SINAN_ALU_ADD, SINAN_ALU_SUB, SINAN_ALU_MUL, SINAN_ALU_DIVU, SINAN_ALU_REMU,
	SINAN_ALU_AND, SINAN_ALU_OR, SINAN_ALU_XOR, SINAN_ALU_SHL, SINAN_ALU_SHR,
	SINAN_ALU_SRA, SINAN_ALU_MIN, SINAN_ALU_MAX, SINAN_ALU_MINU, SINAN_ALU_MAXU,
	SINAN_ALU_SLT, SINAN_ALU_SLTU, SINAN_ALU_SEQ,
	SINAN_ALU_COUNT,
};
/* DIVU/REMU by zero give all-ones / the dividend (no trap), as RISC-V. */

/* LD/ST func: size[1:0] (1, 2, 4, 8 bytes), bit 2 sign-extend (LD) */
#define SINAN_LDST_SIZE_MASK	0x3
#define SINAN_LDST_SIGNED	0x4

/* BR func: condition on (rd, ra) */
enum sinan_brcond {
	SINAN_BR_EQ, SINAN_BR_NE, SINAN_BR_LT, SINAN_BR_GE, SINAN_BR_LTU,
	SINAN_BR_GEU, SINAN_BR_ALWAYS,
	SINAN_BR_COUNT,
};

/* SETCFG config registers (I form: func = id, value = ra) */
enum sinan_cfg {
	SINAN_CFG_FMAP,		/* H[15:0] W[31:16] C1[47:32] */
	SINAN_CFG_KERNEL,	/* KH[7:0] KW[15:8] SH[23:16] SW[31:24] DH[39:32] DW[47:40] */
	SINAN_CFG_PAD,		/* top[7:0] bottom[15:8] left[23:16] right[31:24] */
	SINAN_CFG_QSCALE,	/* FIXP/VCVT requantize scale, fp32 bits */
	SINAN_CFG_QZERO,	/* requantize zero point, signed */
	SINAN_CFG_COUNT,
};

/* ---- MOV: rd = dst, ra = src, rb = nburst, rc = burst bytes,
 *           re = src stride, rf = dst stride (bytes between burst starts)
 * func: src buf[2:0] | dst buf[5:3] | SINAN_MOV_F_*
 * Pipe: GM->L1/UB/L0A/L0B MTE2; L1->UB, UB->L1 MTE1; UB/L1->GM MTE3.
 */
#define SINAN_MOV_FUNC(src, dst, flags)	((src) | ((dst) << 3) | (flags))
#define SINAN_MOV_SRC(func)		((func) & 7)
#define SINAN_MOV_DST(func)		(((func) >> 3) & 7)
#define SINAN_MOV_F_ZPAD		0x40	/* bursts read past nothing: dst zero-filled to dst stride */

/* ---- LOADF: rd = dst L0 offset, ra = src L1 offset, rb = rows, rc = cols,
 *             re = src row stride (bytes), rf unused
 * func: dst buf (SINAN_BUF_L0A/L0B)[2:0] | dtype[5:3] | SINAN_LOADF_F_*
 * Destination layout: blocks row-major; L0A blocks are 16 x k0, L0B blocks
 * are k0 x 16 (k0 = 32 bytes / element size). Rows and cols are rounded up
 * to whole blocks; elements past rows/cols are zero.
 */
#define SINAN_LOADF_FUNC(buf, dt, flags)	((buf) | ((dt) << 3) | (flags))
#define SINAN_LOADF_BUF(func)		((func) & 7)
#define SINAN_LOADF_DT(func)		(((func) >> 3) & 7)
#define SINAN_LOADF_F_TRANS		0x40	/* source is stored transposed: src(c, r) */

/* ---- IMG2COL: rd = dst L0A, ra = src L1 fmap, rb = first output position,
 *               rc = rows (output positions), re = first K column, rf = K columns
 * func: dtype[2:0]. Geometry from SINAN_CFG_FMAP/KERNEL/PAD.
 * K index = ((c1 * KH + kh) * KW + kw) * C0 + c0.
 */

/* ---- MMAD: rd = L0C, ra = L0A, rb = L0B, rc = m, re = n, rf = k (elements)
 * func: dtype[2:0] of A and B (fp16/bf16 -> fp32, int8 -> int32, fp32 -> fp32)
 *       | SINAN_MMAD_F_ACC (accumulate into L0C, else overwrite)
 */
#define SINAN_MMAD_F_ACC		0x8

/* ---- FIXP: rd = dst (UB offset or GM VA), ra = L0C offset, rb = m, rc = n,
 *            re = dst row stride (bytes), rf = n1 (column blocks in the L0C tile)
 * func: dst buf[2:0] (UB or GM) | out dtype[5:3] | SINAN_FIXP_F_*
 */
#define SINAN_FIXP_FUNC(buf, dt, flags)	((buf) | ((dt) << 3) | (flags))
#define SINAN_FIXP_BUF(func)		((func) & 7)
#define SINAN_FIXP_DT(func)		(((func) >> 3) & 7)
#define SINAN_FIXP_F_RELU		0x40
#define SINAN_FIXP_F_QUANT		0x80	/* x * QSCALE + QZERO before conversion */

/* ---- vector: rd = dst, ra = src0, rb = src1 / scalar reg, rc = n (elements
 *      per row), re = rows, rf = strides: dst[19:0] src0[39:20] src1[59:40] (bytes)
 * func: op[5:0] | dtype[8:6] | SINAN_V_F_ROWSCALAR (src1 is one element per row)
 */
#define SINAN_V_FUNC(op, dt, flags)	((op) | ((dt) << 6) | (flags))
#define SINAN_V_OP(func)		((func) & 0x3f)
#define SINAN_V_DT(func)		(((func) >> 6) & 7)
#define SINAN_V_F_ROWSCALAR		0x200
#define SINAN_V_STRIDES(d, s0, s1)	\
	(((__u64)(d) & 0xfffff) | (((__u64)(s0) & 0xfffff) << 20) | (((__u64)(s1) & 0xfffff) << 40))

enum sinan_vbin {
	SINAN_VB_ADD, SINAN_VB_SUB, SINAN_VB_MUL, SINAN_VB_DIV, SINAN_VB_MAX,
	SINAN_VB_MIN, SINAN_VB_PRELU, SINAN_VB_POW, SINAN_VB_AND, SINAN_VB_OR,
	SINAN_VB_COUNT,
};
/* VSCALAR: scalar = register rb taken as the dtype's bits (fp32 bits for fp16/bf16) */
enum sinan_vscalar {
	SINAN_VS_ADD, SINAN_VS_MUL, SINAN_VS_MAX, SINAN_VS_MIN, SINAN_VS_RSUB,
	SINAN_VS_LRELU, SINAN_VS_POW, SINAN_VS_DIVR /* scalar / x */,
	SINAN_VS_COUNT,
};
enum sinan_vun {
	SINAN_VU_COPY, SINAN_VU_EXP, SINAN_VU_LOG, SINAN_VU_SQRT, SINAN_VU_RSQRT,
	SINAN_VU_RECIP, SINAN_VU_TANH, SINAN_VU_ERF, SINAN_VU_SIGMOID, SINAN_VU_RELU,
	SINAN_VU_ABS, SINAN_VU_NEG, SINAN_VU_FLOOR, SINAN_VU_CEIL, SINAN_VU_ROUND,
	SINAN_VU_NOT, SINAN_VU_SIN, SINAN_VU_COS,
	SINAN_VU_COUNT,
};
/* VCVT func: src dtype[2:0] | dst dtype[5:3] | round[7:6] | SINAN_CVT_F_QUANT */
#define SINAN_CVT_FUNC(src, dst, rnd, flags)	((src) | ((dst) << 3) | ((rnd) << 6) | (flags))
#define SINAN_CVT_SRC(func)		((func) & 7)
#define SINAN_CVT_DST(func)		(((func) >> 3) & 7)
#define SINAN_CVT_RND(func)		(((func) >> 6) & 3)
#define SINAN_CVT_F_QUANT		0x100	/* x * QSCALE + QZERO before conversion */
enum sinan_round { SINAN_RND_EVEN, SINAN_RND_ZERO, SINAN_RND_FLOOR, SINAN_RND_CEIL };
/* Float -> integer conversions saturate; NaN converts to 0. */

enum sinan_vred { SINAN_VR_SUM, SINAN_VR_MAX, SINAN_VR_MIN, SINAN_VR_COUNT };
#define SINAN_VR_F_ACC			0x200	/* dst[r] = op(dst[r], reduce(row)) */
enum sinan_vcmp { SINAN_VC_GT, SINAN_VC_GE, SINAN_VC_LT, SINAN_VC_LE, SINAN_VC_EQ,
		  SINAN_VC_NE, SINAN_VC_COUNT };
/* VSEL: rd = dst, ra = mask (u8, one per element), rb = src0, rc = src1, re = n,
 *       rf = rows; rows are contiguous (stride n elements). func: dtype[8:6]. */

/* Alignment rules (violations raise SINAN_ERR_ALIGN):
 * GM bursts: any alignment (cost model charges 32-byte sectors);
 * L1, UB: 32 bytes for vector and fractal operands; L0A/L0B: 512 bytes;
 * L0C: 1024 bytes (one fp32 16 x 16 block).
 */
#define SINAN_ALIGN_UB		32
#define SINAN_ALIGN_L1		32
#define SINAN_ALIGN_L0AB	512
#define SINAN_ALIGN_L0C		1024

#endif /* SINAN_HW_ISA_H */

/* SPDX-License-Identifier: MIT */
/*
 * Sinan AI-core instruction set, version 1.0.
 * Mirrors docs/isa.md (folded into docs/hw-spec.md, "AI core"). Shared by
 * emu/ (interpreter and cost model) and lib/ (compiler, assembler,
 * disassembler). The comments in this file are normative.
 *
 * ---- Machine ------------------------------------------------------------------
 * An AI core has a scalar unit that fetches and issues instructions in
 * program order, and six execution pipes (enum sinan_pipe): MTE1/MTE2/MTE3
 * move data, M is the cube (matrix unit), V the vector unit, FIX the
 * fixpipe (L0C -> UB/GM). Local buffers (enum sinan_buf) are private to the
 * core and addressed by byte offsets from 0; their sizes are in the
 * SINAN_REG_*_SIZE registers. Device memory ("GM") is addressed by device
 * VAs through the queue's MMU context; an AI core reaches only device
 * memory (a SINAN_PTE_SYSMEM page faults). The cube reads only L0A/L0B and
 * writes only L0C, the vector unit works only on UB, and only MOV, FIXP (to
 * GM) and the scalar LD/ST touch GM.
 *
 * Every instruction is one little-endian 64-bit word.
 *
 *   R form: op[7:0] rd[12:8] ra[17:13] rb[22:18] rc[27:23] re[32:28] rf[37:33]
 *           func[47:38] imm16[63:48] (signed)
 *   I form: op[7:0] rd[12:8] ra[17:13] func[31:18] imm32[63:32] (signed)
 *
 * Fields an instruction does not use (listed per instruction below) must be
 * zero; an unknown opcode, a non-zero unused field or a bad func value is
 * SINAN_ERR_ILLEGAL_INSTR (SINAN_EXC_OPCODE / SINAN_EXC_FUNC).
 *
 * 32 scalar registers x0..x31 of 64 bits; x0 reads as zero and ignores
 * writes. At block start x1 = argument block VA, x2 = block index, x3 =
 * block count, x4 = core id, all others 0; the config registers (SETCFG)
 * have their reset values and all event flags are clear. Local buffers keep
 * whatever earlier blocks left (undefined at launch).
 *
 * The program counter is a byte offset into the program (LAUNCH prog,
 * prog_size); fetching outside it is SINAN_EXC_PC. Blocks of one launch run
 * on cores (block b on core b % cores), a core's blocks one after another.
 * Blocks must not depend on each other: the ISA has no inter-core
 * synchronization, and blocks that write the same GM bytes race.
 *
 * Register operands are unsigned 64-bit values unless said otherwise (sizes,
 * counts, offsets, strides); a size or count of 0 makes the instruction move
 * or compute nothing (it still takes its pipe's fixed latency).
 *
 * ---- Errors -------------------------------------------------------------------
 * A core error stops the launch and the queue (sinan_pkt.h SINAN_ERR_*).
 * SINAN_Q_FAULT_ADDR / sinan_cqe.fault_addr holds:
 *   SINAN_ERR_MMU_FAULT, SINAN_ERR_ECC: the faulting VA;
 *   SINAN_ERR_CORE_BOUNDS, SINAN_ERR_ALIGN, SINAN_ERR_SYNC_HAZARD: the byte
 *     offset in the local buffer (or the VA for GM) of the offending operand
 *     (for a hazard: the first byte both accesses touch);
 *   SINAN_ERR_ILLEGAL_INSTR, SINAN_ERR_WATCHDOG: the VA of the instruction.
 * fault_info = access[3:0] | unit[15:8] (SINAN_FAULT_UNIT_CORE(core)) |
 *   detail[31:16] with SINAN_CORE_DETAIL() below: the local buffer (or the
 *   SINAN_EXC_* cause for ILLEGAL_INSTR), the other pipe of a hazard, and the
 *   opcode (for TRAP: the low 8 bits of the trap code).
 * Destinations of the faulting instruction may be partly written. If several
 * cores fault, one of them is reported.
 *
 * ---- Numerics -----------------------------------------------------------------
 * fp16 is IEEE binary16, bf16 the top half of binary32. Conversions round to
 * nearest even unless a rounding mode says otherwise, keep denormals (no
 * flush to zero), and turn overflow into infinity (into the largest finite
 * value for SINAN_RND_ZERO, and toward it for FLOOR/CEIL as IEEE directed
 * rounding does). Float -> integer conversions saturate; NaN converts to 0.
 * Every floating-point result that is a NaN is the default NaN (fp32
 * 0x7fc00000, fp16 0x7e00, bf16 0x7fc0); bit operations (MOV, COPY, NEG, ABS,
 * AND, OR, NOT, VSEL, VDUP of an fp32 value) keep NaN payloads.
 * Vector arithmetic on fp16/bf16 is done in fp32 and rounded once to the
 * dtype (this is correctly rounded for + - * / sqrt). Transcendentals are
 * computed in fp32 with the C library's functions and rounded to the dtype.
 * Integer vector arithmetic saturates to the dtype's range.
 */
#ifndef SINAN_HW_ISA_H
#define SINAN_HW_ISA_H

#include <linux/types.h>

#define SINAN_ISA_MAJOR		1
#define SINAN_ISA_MINOR		0
#define SINAN_NUM_XREGS		32
#define SINAN_NUM_EVENTS	8	/* flag ids per (src, dst) pipe pair */
#define SINAN_INSN_SIZE		8

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
	SINAN_PIPE_MTE1	= 1,	/* L1 -> L0A/L0B/UB, UB -> L1 */
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

static inline int sinan_dtype_is_float(unsigned int dt)
{
	return dt == SINAN_DT_FP32 || dt == SINAN_DT_FP16 || dt == SINAN_DT_BF16;
}

enum sinan_isa_op {
	/* scalar pipe */
	SINAN_I_NOP	= 0x00,	/* nothing used */
	SINAN_I_LI	= 0x01,	/* I: rd = sext(imm32); uses rd, imm32 */
	SINAN_I_LUI	= 0x02,	/* I: rd = (imm32 << 32) | (rd & 0xffffffff); uses rd, imm32 */
	SINAN_I_ALU	= 0x03,	/* R: rd = ra <func> rb; uses rd, ra, rb, func */
	SINAN_I_ALUI	= 0x04,	/* I: rd = ra <func> sext(imm32); uses rd, ra, func, imm32 */
	SINAN_I_LD	= 0x05,	/* I: rd = GM[ra + sext(imm32)], func = SINAN_LDST_* */
	SINAN_I_ST	= 0x06,	/* I: GM[ra + sext(imm32)] = rd, func = size (no SIGNED) */
	SINAN_I_BR	= 0x07,	/* I: if (rd <func> ra) pc += imm32 instructions */
	SINAN_I_END	= 0x08,	/* block done once every pipe drained; nothing used */
	SINAN_I_TRAP	= 0x09,	/* I: stop with SINAN_ERR_ILLEGAL_INSTR / SINAN_EXC_TRAP, imm32 = code */
	SINAN_I_SETCFG	= 0x0a,	/* I: config register func (SINAN_CFG_*) = ra; uses ra, func */
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

/* Field masks, for checking that unused fields are zero. */
#define SINAN_F_RD		(0x1fULL << 8)
#define SINAN_F_RA		(0x1fULL << 13)
#define SINAN_F_RB		(0x1fULL << 18)
#define SINAN_F_RC		(0x1fULL << 23)
#define SINAN_F_RE		(0x1fULL << 28)
#define SINAN_F_RF		(0x1fULL << 33)
#define SINAN_F_FUNC_R		(0x3ffULL << 38)
#define SINAN_F_IMM16		(0xffffULL << 48)
#define SINAN_F_FUNC_I		(0x3fffULL << 18)
#define SINAN_F_IMM32		(0xffffffffULL << 32)

/* ---- scalar ALU (func of ALU/ALUI) ------------------------------------------- */
enum sinan_alu {
	SINAN_ALU_ADD, SINAN_ALU_SUB, SINAN_ALU_MUL, SINAN_ALU_DIVU, SINAN_ALU_REMU,
	SINAN_ALU_AND, SINAN_ALU_OR, SINAN_ALU_XOR, SINAN_ALU_SHL, SINAN_ALU_SHR,
	SINAN_ALU_SRA, SINAN_ALU_MIN, SINAN_ALU_MAX, SINAN_ALU_MINU, SINAN_ALU_MAXU,
	SINAN_ALU_SLT, SINAN_ALU_SLTU, SINAN_ALU_SEQ,
	SINAN_ALU_COUNT,
};
/*
 * 64-bit two's complement, results wrap. MUL gives the low 64 bits. Shifts
 * use the low 6 bits of the amount; SRA is arithmetic. MIN/MAX/SLT compare
 * signed, MINU/MAXU/SLTU unsigned; SLT/SLTU/SEQ give 0 or 1.
 * DIVU/REMU by zero give all-ones / the dividend (no trap), as RISC-V.
 */

/*
 * LD/ST func: size[1:0] (1, 2, 4, 8 bytes), bit 2 sign-extend (LD only;
 * otherwise zero-extend). The address must be aligned to the size
 * (SINAN_ERR_ALIGN). LD stalls the scalar unit for the GM latency.
 */
#define SINAN_LDST_SIZE_MASK	0x3
#define SINAN_LDST_SIGNED	0x4

/*
 * BR func: condition on (rd, ra), LT/GE signed, LTU/GEU unsigned. The
 * target is the branch's own address + imm32 * 8. SINAN_BR_ALWAYS needs
 * rd = ra = 0.
 */
enum sinan_brcond {
	SINAN_BR_EQ, SINAN_BR_NE, SINAN_BR_LT, SINAN_BR_GE, SINAN_BR_LTU,
	SINAN_BR_GEU, SINAN_BR_ALWAYS,
	SINAN_BR_COUNT,
};

/*
 * SETCFG config registers (I form: func = id, value = ra). Reset to 0 at
 * block start except QSCALE (1.0f). An instruction uses the values set by
 * SETCFGs before it in program order (they are latched at issue; no flags
 * are needed).
 */
enum sinan_cfg {
	SINAN_CFG_FMAP,		/* H[15:0] W[31:16] C1[47:32] */
	SINAN_CFG_KERNEL,	/* KH[7:0] KW[15:8] SH[23:16] SW[31:24] DH[39:32] DW[47:40] */
	SINAN_CFG_PAD,		/* top[7:0] bottom[15:8] left[23:16] right[31:24] */
	SINAN_CFG_QSCALE,	/* FIXP/VCVT requantize scale: fp32 bits in [31:0] */
	SINAN_CFG_QZERO,	/* requantize zero point: signed int32 in [31:0] */
	SINAN_CFG_PADVAL,	/* IMG2COL padding value: the dtype's bits in [31:0] */
	SINAN_CFG_COUNT,
};
#define SINAN_CFG_QSCALE_RESET	0x3f800000u	/* 1.0f */

/*
 * ---- Synchronization ------------------------------------------------------------
 * The scalar unit issues one instruction per cycle, in program order, into
 * the queue of the instruction's pipe (SINAN_ISA_PIPE_QUEUE entries; issue
 * stalls while it is full). Each pipe executes its queue in order; pipes run
 * in parallel. A pipe always sees its own earlier results; between pipes
 * only flags order accesses:
 *
 * SET_FLAG(src, dst, id) enters src's queue and sets flag (src, dst, id)
 * when every earlier src instruction has completed. WAIT_FLAG(src, dst, id)
 * enters dst's queue: dst starts nothing after it before the flag is set,
 * then clears the flag. src and dst must differ; either may be S (a WAIT
 * into S stalls the scalar unit itself). Flags are binary: a SET_FLAG of a
 * flag that is already set and not yet waited for is SINAN_EXC_FLAG; a
 * WAIT_FLAG must come after its SET_FLAG in program order, and a WAIT_FLAG
 * of a flag that no earlier SET_FLAG set would wait forever: it stops the
 * launch with SINAN_EXC_DEADLOCK. Flags left set at END are dropped.
 * BARRIER(pipe) stalls the scalar unit until that pipe (every pipe for
 * SINAN_PIPE_ALL) has completed everything issued before it. END waits for
 * every pipe.
 *
 * A program that lets two pipes touch the same bytes (a write and a read,
 * or two writes, in either order) without a flag chain or barrier ordering
 * them has a hazard: real hardware would compute garbage. With the device's
 * strict-sync option (default on) the device detects it from the modeled
 * times and stops with SINAN_ERR_SYNC_HAZARD; GM accesses of one core are
 * checked too.
 */
#define SINAN_ISA_PIPE_QUEUE	32
#define SINAN_FLAG_FUNC(src, dst)	((src) | ((dst) << 4))
#define SINAN_FLAG_SRC(func)		((func) & 15)
#define SINAN_FLAG_DST(func)		(((func) >> 4) & 15)

/*
 * ---- MOV: rd = dst, ra = src, rb = nburst, rc = burst bytes,
 *           re = src stride, rf = dst stride (bytes between burst starts)
 * func: src buf[2:0] | dst buf[5:3] | SINAN_MOV_F_*
 * Pairs and pipes: GM -> L1/UB/L0A/L0B on MTE2; L1 -> UB/L0A/L0B and
 * UB -> L1 on MTE1; UB/L1 -> GM on MTE3; anything else is SINAN_EXC_FUNC.
 * Burst i copies burst bytes from src + i * src stride to dst + i * dst
 * stride, bursts in order. A local start offset must be aligned to the
 * buffer (SINAN_ALIGN_*); strides, burst sizes and GM addresses may be
 * anything. Local regions are bounds-checked as a whole before anything
 * moves (SINAN_ERR_CORE_BOUNDS).
 */
#define SINAN_MOV_FUNC(src, dst, flags)	((src) | ((dst) << 3) | (flags))
#define SINAN_MOV_SRC(func)		((func) & 7)
#define SINAN_MOV_DST(func)		(((func) >> 3) & 7)
#define SINAN_MOV_F_ZPAD		0x40	/* local dst only: each dst burst is zero-filled
						 * from burst bytes up to dst stride (>= burst) */

/*
 * ---- Fractal layouts (L0A, L0B, L0C) -------------------------------------------
 * k0 = 32 bytes / element size (16 for fp16/bf16, 32 for int8, 8 for fp32).
 * A (m x k) in L0A: blocks of 16 rows x k0 columns, M1 = ceil(m/16) by
 *   K1 = ceil(k/k0) blocks stored row-major (block (i, kb) at
 *   (i * K1 + kb) * 512 bytes), each block row-major.
 * B (k x n) in L0B: blocks of k0 rows x 16 columns, K1 by N1 = ceil(n/16)
 *   blocks row-major (block (kb, j) at (kb * N1 + j) * 512), each row-major.
 * C (m x n, fp32 or int32) in L0C: blocks of 16 x 16, M1 by N1 row-major
 *   (block (i, j) at (i * N1 + j) * 1024), each row-major.
 *
 * ---- LOADF: rd = dst L0 offset, ra = src L1 offset, rb = rows, rc = cols,
 *             re = src stride (bytes), rf unused
 * func: dst buf (SINAN_BUF_L0A/L0B)[2:0] | dtype[5:3] | SINAN_LOADF_F_*
 * Writes the rows x cols tile as A (L0A) or B (L0B) above; rows and cols
 * are rounded up to whole blocks and the padding is zero. Element (r, c) is
 * read from src + r * stride + c * esize, or with SINAN_LOADF_F_TRANS from
 * src + c * stride + r * esize. dtype: fp32, fp16, bf16, int8. src must be
 * 32-byte aligned, stride a multiple of the element size. Pipe MTE1.
 */
#define SINAN_LOADF_FUNC(buf, dt, flags)	((buf) | ((dt) << 3) | (flags))
#define SINAN_LOADF_BUF(func)		((func) & 7)
#define SINAN_LOADF_DT(func)		(((func) >> 3) & 7)
#define SINAN_LOADF_F_TRANS		0x40	/* source is stored transposed: src(c, r) */

/*
 * ---- IMG2COL: rd = dst L0A, ra = src L1 fmap, rb = first output position,
 *               rc = rows (output positions), re = first K column, rf = K columns
 * func: dtype[2:0] (fp32, fp16, bf16, int8). Geometry from SINAN_CFG_FMAP
 * (H, W, C1 >= 1), SINAN_CFG_KERNEL (all six >= 1) and SINAN_CFG_PAD.
 * The feature map is NC1HWC0 for one image: element (c1, h, w, c0) at
 * src + ((c1 * H + h) * W + w) * 32 + c0 * esize, C0 = k0.
 * OH = (H + top + bottom - DH * (KH - 1) - 1) / SH + 1, OW likewise.
 * Output row p = oh * OW + ow, K index = ((c1 * KH + kh) * KW + kw) * C0 + c0
 * reads input (c1, oh * SH - top + kh * DH, ow * SW - left + kw * DW, c0);
 * outside the input it is SINAN_CFG_PADVAL. Rows p >= OH * OW and columns
 * with c1 >= C1 are zero. The rows x K-columns tile is written as A in L0A
 * (see fractal layouts). The first K column must be a multiple of C0.
 * Pipe MTE1.
 */

/*
 * ---- MMAD: rd = L0C, ra = L0A, rb = L0B, rc = m, re = n, rf = k (elements)
 * func: dtype[2:0] of A and B (fp16/bf16 -> fp32, int8 -> int32, fp32 -> fp32)
 *       | SINAN_MMAD_F_ACC (accumulate into L0C, else overwrite)
 * The cube works on whole blocks: it writes all M1 x N1 blocks of C and
 * reduces over K1 * k0 (padding elements take part; LOADF and IMG2COL make
 * them zero). For each C element, starting from its L0C value (ACC) or +0,
 * the products are added one at a time in increasing k order, each step a
 * fused multiply-add rounded to fp32 (for fp16/bf16 the product is exact,
 * so this is also "multiply, then add"); int8 products accumulate in int32,
 * wrapping modulo 2^32. NaN results are the default NaN.
 * Pipe M.
 */
#define SINAN_MMAD_F_ACC		0x8

/*
 * ---- FIXP: rd = dst (UB offset or GM VA), ra = L0C offset, rb = m, rc = n,
 *            re = dst row stride (bytes), rf = n1 (column blocks in the L0C tile)
 * func: dst buf[2:0] (UB or GM) | out dtype[5:3] | SINAN_FIXP_F_*
 * Element (r, c) of the m x n result comes from L0C block (r/16, c/16) at
 * ra + ((r/16) * n1 + c/16) * 1024 (n1 >= ceil(n/16)) and goes to
 * dst + r * stride + c * out esize. Each value (fp32, or int32 with
 * SINAN_FIXP_F_S32) gets: RELU (x < 0 -> 0), then QUANT (fp32(x) * QSCALE,
 * then + fp32(QZERO), each rounded to fp32), then conversion to the out
 * dtype (round to nearest even, saturating). An int32 value without QUANT
 * converts to an integer dtype by saturation and to a float dtype via fp32.
 * UB destinations: dst and stride 32-byte aligned. Pipe FIX.
 */
#define SINAN_FIXP_FUNC(buf, dt, flags)	((buf) | ((dt) << 3) | (flags))
#define SINAN_FIXP_BUF(func)		((func) & 7)
#define SINAN_FIXP_DT(func)		(((func) >> 3) & 7)
#define SINAN_FIXP_F_RELU		0x40
#define SINAN_FIXP_F_QUANT		0x80	/* x * QSCALE + QZERO before conversion */
#define SINAN_FIXP_F_S32		0x100	/* L0C holds int32 (int8 MMAD), else fp32 */

/*
 * ---- vector: rd = dst, ra = src0, rb = src1 / scalar reg, rc = n (elements
 *      per row), re = rows, rf = strides: dst[19:0] src0[39:20] src1[59:40] (bytes)
 * func: op[5:0] | dtype[8:6] | SINAN_V_F_ROWSCALAR (src1 is one element per row)
 * Row r of an operand starts at its offset + r * its stride. Every operand
 * offset and stride must be a multiple of 32 (a stride of 0 repeats a row).
 * With SINAN_V_F_ROWSCALAR (VBIN, VCMP) src1 holds one element per row,
 * contiguous: row r uses the element at src1 + r * esize. dst may be the
 * same range as a source; other overlaps give undefined values.
 * Unused: VUN/VCVT/VRED rb; VDUP ra (rb is the scalar).
 * Pipe V.
 */
#define SINAN_V_FUNC(op, dt, flags)	((op) | ((dt) << 6) | (flags))
#define SINAN_V_OP(func)		((func) & 0x3f)
#define SINAN_V_DT(func)		(((func) >> 6) & 7)
#define SINAN_V_F_ROWSCALAR		0x200
#define SINAN_V_STRIDES(d, s0, s1)	\
	(((__u64)(d) & 0xfffff) | (((__u64)(s0) & 0xfffff) << 20) | (((__u64)(s1) & 0xfffff) << 40))
#define SINAN_V_STRIDE_DST(r)		((r) & 0xfffff)
#define SINAN_V_STRIDE_SRC0(r)		(((r) >> 20) & 0xfffff)
#define SINAN_V_STRIDE_SRC1(r)		(((r) >> 40) & 0xfffff)

/*
 * VBIN: every dtype for ADD SUB MUL DIV MAX MIN AND OR (AND/OR on the raw
 * bits); PRELU (x > 0 ? x : x * slope) and POW float only. Integer DIV
 * truncates; x / 0 saturates by the sign of x (0 / 0 = 0). MAX/MIN: a NaN
 * operand gives NaN, and -0 < +0.
 */
enum sinan_vbin {
	SINAN_VB_ADD, SINAN_VB_SUB, SINAN_VB_MUL, SINAN_VB_DIV, SINAN_VB_MAX,
	SINAN_VB_MIN, SINAN_VB_PRELU, SINAN_VB_POW, SINAN_VB_AND, SINAN_VB_OR,
	SINAN_VB_COUNT,
};
/*
 * VSCALAR: scalar = register rb taken as the dtype's bits (fp32 bits in
 * [31:0] for fp16/bf16, used in fp32 without rounding; integers take the
 * low bits). ADD MUL MAX MIN RSUB (scalar - x) on every dtype; LRELU
 * (x > 0 ? x : x * s), POW (x^s), DIVR (s / x) and DIV (x / s) float only.
 */
enum sinan_vscalar {
	SINAN_VS_ADD, SINAN_VS_MUL, SINAN_VS_MAX, SINAN_VS_MIN, SINAN_VS_RSUB,
	SINAN_VS_LRELU, SINAN_VS_POW, SINAN_VS_DIVR /* scalar / x */,
	SINAN_VS_DIV /* x / scalar */,
	SINAN_VS_COUNT,
};
/*
 * VUN: COPY, RELU, ABS, NEG, NOT on every dtype (NOT on the raw bits; float
 * ABS/NEG change the sign bit; integer ABS/NEG saturate); the rest float
 * only. ROUND is half to even. RSQRT = 1 / sqrtf(x), SIGMOID = 1 / (1 +
 * expf(-x)), in fp32.
 */
enum sinan_vun {
	SINAN_VU_COPY, SINAN_VU_EXP, SINAN_VU_LOG, SINAN_VU_SQRT, SINAN_VU_RSQRT,
	SINAN_VU_RECIP, SINAN_VU_TANH, SINAN_VU_ERF, SINAN_VU_SIGMOID, SINAN_VU_RELU,
	SINAN_VU_ABS, SINAN_VU_NEG, SINAN_VU_FLOOR, SINAN_VU_CEIL, SINAN_VU_ROUND,
	SINAN_VU_NOT, SINAN_VU_SIN, SINAN_VU_COS,
	SINAN_VU_COUNT,
};
/*
 * VCVT func: src dtype[2:0] | dst dtype[5:3] | round[7:6] | SINAN_CVT_F_QUANT
 * (replaces the op/dtype fields; strides as other vector ops, src1 unused).
 * Any pair of dtypes. The exact source value is rounded once to the
 * destination with the rounding mode (float -> narrower float, integer ->
 * float, float -> integer); integers saturate; NaN -> 0 for integers.
 * With QUANT the value is first fp32(x) * QSCALE + fp32(QZERO) (each step
 * rounded to nearest even in fp32), then converted with the mode.
 * The cost counts the wider of the two element sizes.
 */
#define SINAN_CVT_FUNC(src, dst, rnd, flags)	((src) | ((dst) << 3) | ((rnd) << 6) | (flags))
#define SINAN_CVT_SRC(func)		((func) & 7)
#define SINAN_CVT_DST(func)		(((func) >> 3) & 7)
#define SINAN_CVT_RND(func)		(((func) >> 6) & 3)
#define SINAN_CVT_F_QUANT		0x100	/* x * QSCALE + QZERO before conversion */
enum sinan_round { SINAN_RND_EVEN, SINAN_RND_ZERO, SINAN_RND_FLOOR, SINAN_RND_CEIL };
/* Float -> integer conversions saturate; NaN converts to 0. */

/*
 * VRED: dst[r] (contiguous, dst + r * esize; the dst stride is unused) =
 * reduce(src0 row r), dtype = source dtype. Float SUM is computed in fp32 in
 * a fixed order: 64 lane sums s[j] = x[j] + x[j + 64] + ... (in increasing
 * index order, starting from +0), then folded s[j] += s[j + h] for h = 32,
 * 16, 8, 4, 2, 1 (j < h); with SINAN_VR_F_ACC the old dst value is added
 * last, and the result is rounded to the dtype. Integer SUM is exact
 * (64-bit) and saturates once at the end. MAX/MIN as VBIN. An empty row
 * (n = 0) gives the identity (0, -inf / minimum, +inf / maximum) or, with
 * ACC, leaves dst as it is.
 */
enum sinan_vred { SINAN_VR_SUM, SINAN_VR_MAX, SINAN_VR_MIN, SINAN_VR_COUNT };
#define SINAN_VR_F_ACC			0x200	/* dst[r] = op(dst[r], reduce(row)) */
#define SINAN_VRED_LANES		64
/* VCMP: dst elements are uint8 1 (true) or 0; NaN compares unequal to everything. */
enum sinan_vcmp { SINAN_VC_GT, SINAN_VC_GE, SINAN_VC_LT, SINAN_VC_LE, SINAN_VC_EQ,
		  SINAN_VC_NE, SINAN_VC_COUNT };
/*
 * VDUP: rd = dst, rb = scalar register (as VSCALAR; fp16/bf16 round the
 * fp32 scalar to nearest even), rc = n, re = rows, rf = strides (dst only).
 * VSEL: rd = dst, ra = mask (u8, one per element), rb = src0, rc = src1, re = n,
 *       rf = rows; rows are contiguous (stride n elements). func: dtype[8:6].
 *       dst = mask != 0 ? src0 : src1. All four offsets 32-byte aligned.
 */

/* Alignment rules (violations raise SINAN_ERR_ALIGN):
 * GM bursts: any alignment (cost model charges 32-byte sectors);
 * L1, UB: 32 bytes for vector and fractal operands; L0A/L0B: 512 bytes;
 * L0C: 1024 bytes (one fp32 16 x 16 block).
 */
#define SINAN_ALIGN_UB		32
#define SINAN_ALIGN_L1		32
#define SINAN_ALIGN_L0AB	512
#define SINAN_ALIGN_L0C		1024
#define SINAN_FRACTAL_BYTES	512

/*
 * ---- Exceptions (SINAN_ERR_ILLEGAL_INSTR causes, fault_info detail) ------------
 */
enum sinan_exc {
	SINAN_EXC_NONE		= 0,
	SINAN_EXC_OPCODE	= 1,	/* unknown opcode or non-zero unused field */
	SINAN_EXC_FUNC		= 2,	/* bad func value (op, dtype, buffer pair, pipe) */
	SINAN_EXC_PC		= 3,	/* fetch outside the program */
	SINAN_EXC_TRAP		= 4,	/* TRAP instruction */
	SINAN_EXC_DEADLOCK	= 5,	/* WAIT_FLAG of a flag no SET_FLAG set */
	SINAN_EXC_FLAG		= 6,	/* SET_FLAG of a flag already set */
	SINAN_EXC_OPERAND	= 7,	/* bad operand value (geometry, n1, ZPAD stride) */
};

/*
 * ---- Static checks ----------------------------------------------------------------
 * sinan_insn_fields(op): the fields an opcode uses (0: no such opcode).
 * sinan_insn_check(w): SINAN_EXC_NONE if @w is a well-formed instruction,
 * else the SINAN_EXC_* the core raises when it executes it. Operand values
 * (registers) are checked at run time only.
 */
#define SINAN_F_R_ALL	(SINAN_F_RD | SINAN_F_RA | SINAN_F_RB | SINAN_F_RC | SINAN_F_RE | \
			 SINAN_F_RF | SINAN_F_FUNC_R)

static inline __u64 sinan_insn_fields(unsigned int op)
{
	switch (op) {
	case SINAN_I_NOP: case SINAN_I_END: return 0xff;
	case SINAN_I_LI: case SINAN_I_LUI: return 0xff | SINAN_F_RD | SINAN_F_IMM32;
	case SINAN_I_ALU: return 0xff | SINAN_F_RD | SINAN_F_RA | SINAN_F_RB | SINAN_F_FUNC_R;
	case SINAN_I_ALUI: case SINAN_I_LD: case SINAN_I_ST: case SINAN_I_BR:
		return 0xff | SINAN_F_RD | SINAN_F_RA | SINAN_F_FUNC_I | SINAN_F_IMM32;
	case SINAN_I_TRAP: return 0xff | SINAN_F_IMM32;
	case SINAN_I_SETCFG: return 0xff | SINAN_F_RA | SINAN_F_FUNC_I;
	case SINAN_I_SET_FLAG: case SINAN_I_WAIT_FLAG: return 0xff | SINAN_F_FUNC_R | SINAN_F_IMM16;
	case SINAN_I_BARRIER: return 0xff | SINAN_F_FUNC_R;
	case SINAN_I_LOADF: return 0xff | (SINAN_F_R_ALL & ~SINAN_F_RF);
	case SINAN_I_VUN: case SINAN_I_VCVT: case SINAN_I_VRED: return 0xff | (SINAN_F_R_ALL & ~SINAN_F_RB);
	case SINAN_I_VDUP: return 0xff | (SINAN_F_R_ALL & ~SINAN_F_RA);
	case SINAN_I_MOV: case SINAN_I_IMG2COL: case SINAN_I_MMAD: case SINAN_I_FIXP:
	case SINAN_I_VBIN: case SINAN_I_VSCALAR: case SINAN_I_VCMP: case SINAN_I_VSEL:
		return 0xff | SINAN_F_R_ALL;
	}
	return 0;
}

/* MOV: the pipe of a buffer pair, or -1 if the pair does not exist. */
static inline int sinan_mov_pipe(unsigned int src, unsigned int dst)
{
	int l0ab = dst == SINAN_BUF_L0A || dst == SINAN_BUF_L0B;

	if (src == SINAN_BUF_GM && (dst == SINAN_BUF_L1 || dst == SINAN_BUF_UB || l0ab))
		return SINAN_PIPE_MTE2;
	if ((src == SINAN_BUF_L1 && (dst == SINAN_BUF_UB || l0ab)) ||
	    (src == SINAN_BUF_UB && dst == SINAN_BUF_L1))
		return SINAN_PIPE_MTE1;
	if ((src == SINAN_BUF_UB || src == SINAN_BUF_L1) && dst == SINAN_BUF_GM)
		return SINAN_PIPE_MTE3;
	return -1;
}

static inline int sinan_cube_dtype(unsigned int dt)
{
	return dt == SINAN_DT_FP32 || dt == SINAN_DT_FP16 || dt == SINAN_DT_BF16 || dt == SINAN_DT_INT8;
}

static inline int sinan_vun_float_only(unsigned int op)
{
	return !(op == SINAN_VU_COPY || op == SINAN_VU_RELU || op == SINAN_VU_ABS ||
		 op == SINAN_VU_NEG || op == SINAN_VU_NOT);
}

static inline unsigned int sinan_insn_check(__u64 w)
{
	unsigned int op = SINAN_DEC_OP(w), fr = SINAN_DEC_FUNC_R(w), fi = SINAN_DEC_FUNC_I(w);
	unsigned int vop = SINAN_V_OP(fr), vdt = SINAN_V_DT(fr), vfl = fr & SINAN_V_F_ROWSCALAR;
	__u64 used = sinan_insn_fields(op);
	int fl = sinan_dtype_is_float(vdt);

	if (!used || (w & ~used))
		return SINAN_EXC_OPCODE;
	switch (op) {
	case SINAN_I_ALU:
		return fr < SINAN_ALU_COUNT ? SINAN_EXC_NONE : SINAN_EXC_FUNC;
	case SINAN_I_ALUI:
		return fi < SINAN_ALU_COUNT ? SINAN_EXC_NONE : SINAN_EXC_FUNC;
	case SINAN_I_LD:
		return fi <= (SINAN_LDST_SIZE_MASK | SINAN_LDST_SIGNED) ? SINAN_EXC_NONE : SINAN_EXC_FUNC;
	case SINAN_I_ST:
		return fi <= SINAN_LDST_SIZE_MASK ? SINAN_EXC_NONE : SINAN_EXC_FUNC;
	case SINAN_I_BR:
		if (fi >= SINAN_BR_COUNT)
			return SINAN_EXC_FUNC;
		return fi == SINAN_BR_ALWAYS && (SINAN_DEC_RD(w) || SINAN_DEC_RA(w)) ?
		       SINAN_EXC_OPCODE : SINAN_EXC_NONE;
	case SINAN_I_SETCFG:
		return fi < SINAN_CFG_COUNT ? SINAN_EXC_NONE : SINAN_EXC_FUNC;
	case SINAN_I_SET_FLAG:
	case SINAN_I_WAIT_FLAG:
		return (fr >> 8) || SINAN_FLAG_SRC(fr) >= SINAN_PIPE_COUNT ||
		       SINAN_FLAG_DST(fr) >= SINAN_PIPE_COUNT || SINAN_FLAG_SRC(fr) == SINAN_FLAG_DST(fr) ||
		       (__u16)SINAN_DEC_IMM16(w) >= SINAN_NUM_EVENTS ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_BARRIER:
		return fr == SINAN_PIPE_ALL || (fr > SINAN_PIPE_S && fr < SINAN_PIPE_COUNT) ?
		       SINAN_EXC_NONE : SINAN_EXC_FUNC;
	case SINAN_I_MOV:
		return (fr & ~(0x3fu | SINAN_MOV_F_ZPAD)) ||
		       sinan_mov_pipe(SINAN_MOV_SRC(fr), SINAN_MOV_DST(fr)) < 0 ||
		       ((fr & SINAN_MOV_F_ZPAD) && SINAN_MOV_DST(fr) == SINAN_BUF_GM) ?
		       SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_LOADF:
		return (fr & ~(0x3fu | SINAN_LOADF_F_TRANS)) ||
		       (SINAN_LOADF_BUF(fr) != SINAN_BUF_L0A && SINAN_LOADF_BUF(fr) != SINAN_BUF_L0B) ||
		       !sinan_cube_dtype(SINAN_LOADF_DT(fr)) ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_IMG2COL:
		return (fr & ~7u) || !sinan_cube_dtype(fr & 7) ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_MMAD:
		return (fr & ~(7u | SINAN_MMAD_F_ACC)) || !sinan_cube_dtype(fr & 7) ?
		       SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_FIXP:
		return (fr & ~0x1ffu) || (SINAN_FIXP_BUF(fr) != SINAN_BUF_UB &&
					  SINAN_FIXP_BUF(fr) != SINAN_BUF_GM) ||
		       SINAN_FIXP_DT(fr) >= SINAN_DT_COUNT ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VBIN:
		return vdt >= SINAN_DT_COUNT || vop >= SINAN_VB_COUNT ||
		       (!fl && (vop == SINAN_VB_PRELU || vop == SINAN_VB_POW)) ?
		       SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VSCALAR:
		return vdt >= SINAN_DT_COUNT || vop >= SINAN_VS_COUNT || vfl ||
		       (!fl && vop >= SINAN_VS_LRELU) ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VUN:
		return vdt >= SINAN_DT_COUNT || vop >= SINAN_VU_COUNT || vfl ||
		       (!fl && sinan_vun_float_only(vop)) ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VCVT:
		return (fr & ~0x1ffu) || SINAN_CVT_SRC(fr) >= SINAN_DT_COUNT ||
		       SINAN_CVT_DST(fr) >= SINAN_DT_COUNT ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VRED:
		return vdt >= SINAN_DT_COUNT || vop >= SINAN_VR_COUNT ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VDUP:
		return vdt >= SINAN_DT_COUNT || vop || vfl ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VCMP:
		return vdt >= SINAN_DT_COUNT || vop >= SINAN_VC_COUNT ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	case SINAN_I_VSEL:
		return vdt >= SINAN_DT_COUNT || vop || vfl ? SINAN_EXC_FUNC : SINAN_EXC_NONE;
	}
	return SINAN_EXC_NONE;
}

/*
 * fault_info[31:16] of AI-core errors: what[3:0] is the local buffer
 * (SINAN_BUF_*) for CORE_BOUNDS/ALIGN/SYNC_HAZARD/MMU_FAULT, or the
 * SINAN_EXC_* cause for ILLEGAL_INSTR; pipe[7:4] the other pipe of a sync
 * hazard; op[15:8] the opcode (TRAP: the low 8 bits of the trap code).
 */
#define SINAN_CORE_DETAIL(what, pipe, op)	\
	((((__u32)(what) & 15) | (((__u32)(pipe) & 15) << 4) | (((__u32)(op) & 0xff) << 8)) << 16)
#define SINAN_CORE_DETAIL_WHAT(info)	(((info) >> 16) & 15)
#define SINAN_CORE_DETAIL_PIPE(info)	(((info) >> 20) & 15)
#define SINAN_CORE_DETAIL_OP(info)	(((info) >> 24) & 0xff)

#endif /* SINAN_HW_ISA_H */

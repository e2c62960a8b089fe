/* SPDX-License-Identifier: MIT */
/*
 * Sinan AI-core assembler and disassembler (libsinan-isa.a).
 *
 * The instruction set is include/sinan_hw/sinan_isa.h. This library emits
 * instruction words from C (one function per instruction form, labels with
 * branch fixups), turns a word back into text, and assembles that text.
 *
 * Emitting from C (the compiler, tests):
 *
 *	struct sinan_asm *a = sinan_asm_new();
 *	int loop = sinan_asm_label(a);
 *
 *	sinan_asm_li(a, 5, 0);				// x5 = 0
 *	sinan_asm_bind(a, loop);
 *	sinan_asm_alui(a, SINAN_ALU_ADD, 5, 5, 1);	// x5 += 1
 *	sinan_asm_br(a, SINAN_BR_LTU, 5, 3, loop);	// while (x5 < x3)
 *	sinan_asm_end(a);
 *	size_t n;
 *	const uint64_t *code = sinan_asm_finish(a, &n);	// NULL: see sinan_asm_error()
 *	...
 *	sinan_asm_free(a);
 *
 * Errors (a register out of range, an unbound label, a branch too far, a
 * syntax error in text) are sticky: the first one is kept, later calls do
 * nothing, and sinan_asm_finish() returns NULL.
 *
 * Text syntax (what sinan_disasm() prints), one instruction per line,
 * "name:" defines a label, '#' or ';' starts a comment, registers are x0..x31
 * (aliases: zero = x0, args = x1, blk = x2, nblk = x3, core = x4):
 *
 *	li x5, -12			lui x5, 0x1			add x5, x6, x7
 *	addi x5, x6, 4			ld.u32 x5, [x6+16]		st.64 x5, [x1-8]
 *	blt x5, x6, loop		b .-3				end
 *	trap 7				setcfg qscale, x5
 *	set_flag mte2, v, 0		wait_flag mte2, v, 0		barrier all
 *	mov.gm.ub.zpad ub[x5], gm[x6], n=x7 len=x8 ss=x9 ds=x10
 *	loadf.l0a.fp16.t l0a[x5], l1[x6], rows=x7 cols=x8 stride=x9
 *	img2col.fp16 l0a[x5], l1[x6], pos=x7 rows=x8 kcol=x9 kcols=x10
 *	mmad.fp16.acc l0c[x5], l0a[x6], l0b[x7], m=x8 n=x9 k=x10
 *	fixp.ub.fp16.s32.relu.quant ub[x5], l0c[x6], m=x7 n=x8 stride=x9 n1=x10
 *	vadd.fp16.rs ub[x5], ub[x6], ub[x7], n=x8 rows=x9 strides=x10
 *	vmuls.fp32 ub[x5], ub[x6], x7, n=x8 rows=x9 strides=x10
 *	vexp.bf16 ub[x5], ub[x6], n=x8 rows=x9 strides=x10
 *	vcvt.fp32.s8.even.quant ub[x5], ub[x6], n=x8 rows=x9 strides=x10
 *	vrsum.fp32.acc ub[x5], ub[x6], n=x8 rows=x9 strides=x10
 *	vdup.fp16 ub[x5], x6, n=x8 rows=x9 strides=x10
 *	vcmp.gt.fp32.rs ub[x5], ub[x6], ub[x7], n=x8 rows=x9 strides=x10
 *	vsel.fp16 ub[x5], ub[x6], ub[x7], ub[x8], n=x9 rows=x10
 *
 * Dtypes: fp32 fp16 bf16 s32 s8 u8 s16. Pipes: s mte1 mte2 mte3 m v fix
 * (all). Rounding: even zero floor ceil. Branch targets: a label or .+N / .-N
 * instructions relative to the branch.
 */
#ifndef SINAN_ASM_H
#define SINAN_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sinan_hw/sinan_isa.h>

struct sinan_asm;

struct sinan_asm *sinan_asm_new(void);
void sinan_asm_free(struct sinan_asm *a);
/* The code so far (valid until the next emit); NULL after an error. */
const uint64_t *sinan_asm_finish(struct sinan_asm *a, size_t *nwords);
/* First error message, or NULL. */
const char *sinan_asm_error(const struct sinan_asm *a);
/* Instructions emitted so far (the index of the next one). */
size_t sinan_asm_pos(const struct sinan_asm *a);

/* Labels: create, then bind to the next instruction; use before or after binding. */
int sinan_asm_label(struct sinan_asm *a);
void sinan_asm_bind(struct sinan_asm *a, int label);

/* Any word, unchecked (for tests of illegal encodings). */
void sinan_asm_word(struct sinan_asm *a, uint64_t word);

/* ---- scalar ---- */
void sinan_asm_nop(struct sinan_asm *a);
void sinan_asm_li(struct sinan_asm *a, unsigned int rd, int32_t imm);
void sinan_asm_lui(struct sinan_asm *a, unsigned int rd, uint32_t imm);
/* rd = any 64-bit constant (LI, plus LUI when the value is not sext(imm32)) */
void sinan_asm_li64(struct sinan_asm *a, unsigned int rd, uint64_t v);
void sinan_asm_alu(struct sinan_asm *a, unsigned int fn, unsigned int rd, unsigned int ra,
		   unsigned int rb);
void sinan_asm_alui(struct sinan_asm *a, unsigned int fn, unsigned int rd, unsigned int ra,
		    int32_t imm);
/* size in bytes: 1, 2, 4 or 8 */
void sinan_asm_ld(struct sinan_asm *a, unsigned int size, bool sign, unsigned int rd,
		  unsigned int ra, int32_t off);
void sinan_asm_st(struct sinan_asm *a, unsigned int size, unsigned int rs, unsigned int ra,
		  int32_t off);
void sinan_asm_br(struct sinan_asm *a, unsigned int cond, unsigned int rd, unsigned int ra,
		  int label);
void sinan_asm_jmp(struct sinan_asm *a, int label);
void sinan_asm_end(struct sinan_asm *a);
void sinan_asm_trap(struct sinan_asm *a, int32_t code);
void sinan_asm_setcfg(struct sinan_asm *a, unsigned int cfg, unsigned int ra);

/* ---- synchronization ---- */
void sinan_asm_set_flag(struct sinan_asm *a, unsigned int src, unsigned int dst, unsigned int id);
void sinan_asm_wait_flag(struct sinan_asm *a, unsigned int src, unsigned int dst, unsigned int id);
void sinan_asm_barrier(struct sinan_asm *a, unsigned int pipe);

/* ---- data movement and cube (register operands as in sinan_isa.h) ---- */
void sinan_asm_mov(struct sinan_asm *a, unsigned int src_buf, unsigned int dst_buf, unsigned int flags,
		   unsigned int rdst, unsigned int rsrc, unsigned int rnburst, unsigned int rlen,
		   unsigned int rsstride, unsigned int rdstride);
void sinan_asm_loadf(struct sinan_asm *a, unsigned int buf, unsigned int dt, unsigned int flags,
		     unsigned int rdst, unsigned int rsrc, unsigned int rrows, unsigned int rcols,
		     unsigned int rstride);
void sinan_asm_img2col(struct sinan_asm *a, unsigned int dt, unsigned int rdst, unsigned int rsrc,
		       unsigned int rpos, unsigned int rrows, unsigned int rkcol, unsigned int rkcols);
void sinan_asm_mmad(struct sinan_asm *a, unsigned int dt, unsigned int flags, unsigned int rc,
		    unsigned int ra, unsigned int rb, unsigned int rm, unsigned int rn, unsigned int rk);
void sinan_asm_fixp(struct sinan_asm *a, unsigned int buf, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc, unsigned int rm, unsigned int rn,
		    unsigned int rstride, unsigned int rn1);

/* ---- vector: rstrides holds SINAN_V_STRIDES(dst, src0, src1) ---- */
void sinan_asm_vbin(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc0, unsigned int rsrc1, unsigned int rn,
		    unsigned int rrows, unsigned int rstrides);
void sinan_asm_vscalar(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int rdst,
		       unsigned int rsrc, unsigned int rscalar, unsigned int rn, unsigned int rrows,
		       unsigned int rstrides);
void sinan_asm_vun(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int rdst,
		   unsigned int rsrc, unsigned int rn, unsigned int rrows, unsigned int rstrides);
void sinan_asm_vcvt(struct sinan_asm *a, unsigned int src_dt, unsigned int dst_dt, unsigned int rnd,
		    unsigned int flags, unsigned int rdst, unsigned int rsrc, unsigned int rn,
		    unsigned int rrows, unsigned int rstrides);
void sinan_asm_vred(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc, unsigned int rn, unsigned int rrows,
		    unsigned int rstrides);
void sinan_asm_vdup(struct sinan_asm *a, unsigned int dt, unsigned int rdst, unsigned int rscalar,
		    unsigned int rn, unsigned int rrows, unsigned int rstrides);
void sinan_asm_vcmp(struct sinan_asm *a, unsigned int cmp, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc0, unsigned int rsrc1, unsigned int rn,
		    unsigned int rrows, unsigned int rstrides);
void sinan_asm_vsel(struct sinan_asm *a, unsigned int dt, unsigned int rdst, unsigned int rmask,
		    unsigned int rsrc0, unsigned int rsrc1, unsigned int rn, unsigned int rrows);

/* ---- text ---- */
/* Assemble @text (any number of lines) onto @a. Returns 0, or -1 with the
 * error (and line number) in sinan_asm_error(). */
int sinan_asm_text(struct sinan_asm *a, const char *text);

/* ---- disassembler ---- */
/* Write @word as text into @buf (always NUL-terminated). Returns 0 for a
 * valid instruction, -1 for a word the core would reject as illegal
 * (written as ".word 0x..." with the reason in a comment). */
int sinan_disasm(uint64_t word, char *buf, size_t size);
/* Is @word a valid instruction (every field the core checks statically)?
 * On false, *why (if not NULL) names the problem. */
bool sinan_insn_valid(uint64_t word, const char **why);
/* Name tables, NULL if out of range. */
const char *sinan_dtype_name(unsigned int dt);
const char *sinan_pipe_name(unsigned int pipe);
const char *sinan_buf_name(unsigned int buf);
const char *sinan_exc_name(unsigned int exc);

#endif /* SINAN_ASM_H */

// SPDX-License-Identifier: MIT
/*
 * Sinan AI-core disassembler: one instruction word to the text syntax of
 * sinan_asm.h (which sinan_asm_text() reads back). Validity is the ISA
 * header's own sinan_insn_check(), so the disassembler calls a word invalid
 * exactly when the core would trap on it before looking at registers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sinan_asm_int.h"

const char *const sinan_n_dtype[SINAN_DT_COUNT] = { "fp32", "fp16", "bf16", "s32", "s8", "u8", "s16" };
const char *const sinan_n_pipe[SINAN_PIPE_COUNT] = { "s", "mte1", "mte2", "mte3", "m", "v", "fix" };
const char *const sinan_n_buf[SINAN_BUF_COUNT] = { "gm", "l1", "l0a", "l0b", "l0c", "ub" };
const char *const sinan_n_alu[SINAN_ALU_COUNT] = {
	"add", "sub", "mul", "divu", "remu", "and", "or", "xor", "shl", "shr", "sra",
	"min", "max", "minu", "maxu", "slt", "sltu", "seq",
};
const char *const sinan_n_br[SINAN_BR_COUNT] = { "beq", "bne", "blt", "bge", "bltu", "bgeu", "b" };
const char *const sinan_n_cfg[SINAN_CFG_COUNT] = { "fmap", "kernel", "pad", "qscale", "qzero", "padval" };
const char *const sinan_n_vbin[SINAN_VB_COUNT] = {
	"vadd", "vsub", "vmul", "vdiv", "vmax", "vmin", "vprelu", "vpow", "vand", "vor",
};
const char *const sinan_n_vs[SINAN_VS_COUNT] = {
	"vadds", "vmuls", "vmaxs", "vmins", "vrsubs", "vlrelus", "vpows", "vdivrs", "vdivs",
};
const char *const sinan_n_vun[SINAN_VU_COUNT] = {
	"vcopy", "vexp", "vlog", "vsqrt", "vrsqrt", "vrecip", "vtanh", "verf", "vsigmoid", "vrelu",
	"vabs", "vneg", "vfloor", "vceil", "vround", "vnot", "vsin", "vcos",
};
const char *const sinan_n_vred[SINAN_VR_COUNT] = { "vrsum", "vrmax", "vrmin" };
const char *const sinan_n_vcmp[SINAN_VC_COUNT] = { "gt", "ge", "lt", "le", "eq", "ne" };
const char *const sinan_n_rnd[4] = { "even", "zero", "floor", "ceil" };

const char *const sinan_k_mov[4] = { "n", "len", "ss", "ds" };
const char *const sinan_k_loadf[3] = { "rows", "cols", "stride" };
const char *const sinan_k_img2col[4] = { "pos", "rows", "kcol", "kcols" };
const char *const sinan_k_mmad[3] = { "m", "n", "k" };
const char *const sinan_k_fixp[4] = { "m", "n", "stride", "n1" };
const char *const sinan_k_vec[3] = { "n", "rows", "strides" };
const char *const sinan_k_vsel[2] = { "n", "rows" };

static const char *const n_exc[] = {
	"none", "illegal opcode or non-zero unused field", "bad func value", "pc outside the program",
	"trap", "deadlock (wait on a flag never set)", "flag set twice", "bad operand value",
};

const char *sinan_dtype_name(unsigned int dt)
{
	return dt < SINAN_DT_COUNT ? sinan_n_dtype[dt] : NULL;
}

const char *sinan_pipe_name(unsigned int pipe)
{
	return pipe < SINAN_PIPE_COUNT ? sinan_n_pipe[pipe] : pipe == SINAN_PIPE_ALL ? "all" : NULL;
}

const char *sinan_buf_name(unsigned int buf)
{
	return buf < SINAN_BUF_COUNT ? sinan_n_buf[buf] : NULL;
}

const char *sinan_exc_name(unsigned int exc)
{
	return exc < NAMES(n_exc) ? n_exc[exc] : NULL;
}

bool sinan_insn_valid(uint64_t word, const char **why)
{
	unsigned int exc = sinan_insn_check(word);

	if (why)
		*why = exc ? n_exc[exc] : NULL;
	return exc == SINAN_EXC_NONE;
}

/* Append to a bounded buffer, keeping it NUL-terminated. */
struct out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!o->size || o->len >= o->size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->size ? o->len + (size_t)n : o->size - 1;
}

/* " k0=xA k1=xB ..." for the registers of fields rb.. (first = index of rb..rf) */
static void keys(struct out *o, uint64_t w, const char *const *k, unsigned int nk, unsigned int first)
{
	unsigned int regs[5] = { SINAN_DEC_RB(w), SINAN_DEC_RC(w), SINAN_DEC_RE(w), SINAN_DEC_RF(w), 0 };

	for (unsigned int i = 0; i < nk; i++)
		put(o, "%s%s=x%u", i ? " " : ", ", k[i], regs[first + i]);
}

static void vec_tail(struct out *o, uint64_t w)
{
	put(o, ", n=x%u rows=x%u strides=x%u", SINAN_DEC_RC(w), SINAN_DEC_RE(w), SINAN_DEC_RF(w));
}

int sinan_disasm(uint64_t w, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	unsigned int op = SINAN_DEC_OP(w), rd = SINAN_DEC_RD(w), ra = SINAN_DEC_RA(w);
	unsigned int rb = SINAN_DEC_RB(w), fr = SINAN_DEC_FUNC_R(w), fi = SINAN_DEC_FUNC_I(w);
	int32_t imm = SINAN_DEC_IMM32(w);
	unsigned int exc = sinan_insn_check(w);
	const char *dt = sinan_n_dtype[SINAN_V_DT(fr) < SINAN_DT_COUNT ? SINAN_V_DT(fr) : 0];

	if (size)
		buf[0] = 0;
	if (exc) {
		put(&o, ".word 0x%016llx  # %s", (unsigned long long)w, n_exc[exc]);
		return -1;
	}
	switch (op) {
	case SINAN_I_NOP: put(&o, "nop"); break;
	case SINAN_I_END: put(&o, "end"); break;
	case SINAN_I_LI: put(&o, "li x%u, %d", rd, imm); break;
	case SINAN_I_LUI: put(&o, "lui x%u, 0x%x", rd, (uint32_t)imm); break;
	case SINAN_I_ALU: put(&o, "%s x%u, x%u, x%u", sinan_n_alu[fr], rd, ra, rb); break;
	case SINAN_I_ALUI: put(&o, "%si x%u, x%u, %d", sinan_n_alu[fi], rd, ra, imm); break;
	case SINAN_I_LD:
		put(&o, "ld.%c%u x%u, [x%u%+d]", fi & SINAN_LDST_SIGNED ? 's' : 'u',
		    8u << (fi & SINAN_LDST_SIZE_MASK), rd, ra, imm);
		break;
	case SINAN_I_ST:
		put(&o, "st.%u x%u, [x%u%+d]", 8u << (fi & SINAN_LDST_SIZE_MASK), rd, ra, imm);
		break;
	case SINAN_I_BR:
		if (fi == SINAN_BR_ALWAYS)
			put(&o, "b .%+d", imm);
		else
			put(&o, "%s x%u, x%u, .%+d", sinan_n_br[fi], rd, ra, imm);
		break;
	case SINAN_I_TRAP: put(&o, "trap %d", imm); break;
	case SINAN_I_SETCFG: put(&o, "setcfg %s, x%u", sinan_n_cfg[fi], ra); break;
	case SINAN_I_SET_FLAG:
	case SINAN_I_WAIT_FLAG:
		put(&o, "%s %s, %s, %u", op == SINAN_I_SET_FLAG ? "set_flag" : "wait_flag",
		    sinan_n_pipe[SINAN_FLAG_SRC(fr)], sinan_n_pipe[SINAN_FLAG_DST(fr)],
		    (unsigned int)(uint16_t)SINAN_DEC_IMM16(w));
		break;
	case SINAN_I_BARRIER: put(&o, "barrier %s", sinan_pipe_name(fr)); break;
	case SINAN_I_MOV: {
		const char *s = sinan_n_buf[SINAN_MOV_SRC(fr)], *d = sinan_n_buf[SINAN_MOV_DST(fr)];

		put(&o, "mov.%s.%s%s %s[x%u], %s[x%u]", s, d, fr & SINAN_MOV_F_ZPAD ? ".zpad" : "",
		    d, rd, s, ra);
		keys(&o, w, sinan_k_mov, 4, 0);
		break;
	}
	case SINAN_I_LOADF: {
		const char *d = sinan_n_buf[SINAN_LOADF_BUF(fr)];

		put(&o, "loadf.%s.%s%s %s[x%u], l1[x%u]", d, sinan_n_dtype[SINAN_LOADF_DT(fr)],
		    fr & SINAN_LOADF_F_TRANS ? ".t" : "", d, rd, ra);
		keys(&o, w, sinan_k_loadf, 3, 0);
		break;
	}
	case SINAN_I_IMG2COL:
		put(&o, "img2col.%s l0a[x%u], l1[x%u]", sinan_n_dtype[fr & 7], rd, ra);
		keys(&o, w, sinan_k_img2col, 4, 0);
		break;
	case SINAN_I_MMAD:
		put(&o, "mmad.%s%s l0c[x%u], l0a[x%u], l0b[x%u]", sinan_n_dtype[fr & 7],
		    fr & SINAN_MMAD_F_ACC ? ".acc" : "", rd, ra, rb);
		keys(&o, w, sinan_k_mmad, 3, 1);
		break;
	case SINAN_I_FIXP: {
		const char *d = sinan_n_buf[SINAN_FIXP_BUF(fr)];

		put(&o, "fixp.%s.%s%s%s%s %s[x%u], l0c[x%u]", d, sinan_n_dtype[SINAN_FIXP_DT(fr)],
		    fr & SINAN_FIXP_F_S32 ? ".s32" : "", fr & SINAN_FIXP_F_RELU ? ".relu" : "",
		    fr & SINAN_FIXP_F_QUANT ? ".quant" : "", d, rd, ra);
		keys(&o, w, sinan_k_fixp, 4, 0);
		break;
	}
	case SINAN_I_VBIN:
		put(&o, "%s.%s%s ub[x%u], ub[x%u], ub[x%u]", sinan_n_vbin[SINAN_V_OP(fr)], dt,
		    fr & SINAN_V_F_ROWSCALAR ? ".rs" : "", rd, ra, rb);
		vec_tail(&o, w);
		break;
	case SINAN_I_VSCALAR:
		put(&o, "%s.%s ub[x%u], ub[x%u], x%u", sinan_n_vs[SINAN_V_OP(fr)], dt, rd, ra, rb);
		vec_tail(&o, w);
		break;
	case SINAN_I_VUN:
		put(&o, "%s.%s ub[x%u], ub[x%u]", sinan_n_vun[SINAN_V_OP(fr)], dt, rd, ra);
		vec_tail(&o, w);
		break;
	case SINAN_I_VCVT:
		put(&o, "vcvt.%s.%s.%s%s ub[x%u], ub[x%u]", sinan_n_dtype[SINAN_CVT_SRC(fr)],
		    sinan_n_dtype[SINAN_CVT_DST(fr)], sinan_n_rnd[SINAN_CVT_RND(fr)],
		    fr & SINAN_CVT_F_QUANT ? ".quant" : "", rd, ra);
		vec_tail(&o, w);
		break;
	case SINAN_I_VRED:
		put(&o, "%s.%s%s ub[x%u], ub[x%u]", sinan_n_vred[SINAN_V_OP(fr)], dt,
		    fr & SINAN_VR_F_ACC ? ".acc" : "", rd, ra);
		vec_tail(&o, w);
		break;
	case SINAN_I_VDUP:
		put(&o, "vdup.%s ub[x%u], x%u", dt, rd, rb);
		vec_tail(&o, w);
		break;
	case SINAN_I_VCMP:
		put(&o, "vcmp.%s.%s%s ub[x%u], ub[x%u], ub[x%u]", sinan_n_vcmp[SINAN_V_OP(fr)], dt,
		    fr & SINAN_V_F_ROWSCALAR ? ".rs" : "", rd, ra, rb);
		vec_tail(&o, w);
		break;
	case SINAN_I_VSEL:
		put(&o, "vsel.%s ub[x%u], ub[x%u], ub[x%u], ub[x%u]", dt, rd, ra, rb, SINAN_DEC_RC(w));
		keys(&o, w, sinan_k_vsel, 2, 2);
		break;
	}
	return 0;
}

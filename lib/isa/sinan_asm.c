// SPDX-License-Identifier: MIT
/*
 * Sinan AI-core assembler: instruction emitters with labels and branch
 * fixups, and a small text assembler for the syntax sinan_disasm() prints
 * (sinan_asm.h). Every emitted word is checked with the ISA header's
 * sinan_insn_check(), so the C emitters cannot produce an illegal encoding
 * by accident (sinan_asm_word() can, on purpose).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinan_asm_int.h"

struct fixup {
	size_t at;		/* instruction index of the branch */
	int label;
};

struct name {
	char *name;
	int label;
};

struct sinan_asm {
	uint64_t *code;
	size_t n, cap;
	long *labels;		/* instruction index, -1 while unbound */
	size_t nlabels, caplabels;
	struct fixup *fix;
	size_t nfix, capfix;
	struct name *names;	/* text labels */
	size_t nnames, capnames;
	unsigned int line;	/* text line being assembled, 0 outside */
	bool failed;
	char err[200];
};

__attribute__((format(printf, 2, 3)))
static void fail(struct sinan_asm *a, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (a->failed)
		return;
	a->failed = true;
	if (a->line)
		n = snprintf(a->err, sizeof(a->err), "line %u: ", a->line);
	va_start(ap, fmt);
	vsnprintf(a->err + n, sizeof(a->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

static bool grow(struct sinan_asm *a, void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * elem);
	if (!q) {
		fail(a, "out of memory");
		return false;
	}
	*p = q;
	*cap = c;
	return true;
}

struct sinan_asm *sinan_asm_new(void)
{
	return calloc(1, sizeof(struct sinan_asm));
}

void sinan_asm_free(struct sinan_asm *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nnames; i++)
		free(a->names[i].name);
	free(a->names);
	free(a->code);
	free(a->labels);
	free(a->fix);
	free(a);
}

const char *sinan_asm_error(const struct sinan_asm *a)
{
	return a->failed ? a->err : NULL;
}

size_t sinan_asm_pos(const struct sinan_asm *a)
{
	return a->n;
}

int sinan_asm_label(struct sinan_asm *a)
{
	if (!grow(a, (void **)&a->labels, &a->caplabels, a->nlabels + 1, sizeof(*a->labels)))
		return -1;
	a->labels[a->nlabels] = -1;
	return (int)a->nlabels++;
}

void sinan_asm_bind(struct sinan_asm *a, int label)
{
	if (label < 0 || (size_t)label >= a->nlabels)
		return fail(a, "bind of an unknown label %d", label);
	if (a->labels[label] >= 0)
		return fail(a, "label %d bound twice", label);
	a->labels[label] = (long)a->n;
}

static void raw(struct sinan_asm *a, uint64_t w)
{
	if (a->failed || !grow(a, (void **)&a->code, &a->cap, a->n + 1, sizeof(*a->code)))
		return;
	a->code[a->n++] = w;
}

void sinan_asm_word(struct sinan_asm *a, uint64_t w)
{
	raw(a, w);
}

/* Emit a checked word; registers are checked by the callers' reg(). */
static void emit(struct sinan_asm *a, uint64_t w)
{
	const char *why;

	if (a->failed)
		return;
	if (!sinan_insn_valid(w, &why)) {
		char text[96];

		sinan_disasm(w, text, sizeof(text));
		return fail(a, "invalid instruction (%s): %s", why, text);
	}
	raw(a, w);
}

/* Every register operand goes through here. */
static unsigned int reg(struct sinan_asm *a, unsigned int r)
{
	if (r >= SINAN_NUM_XREGS) {
		fail(a, "register x%u out of range", r);
		return 0;
	}
	return r;
}

const uint64_t *sinan_asm_finish(struct sinan_asm *a, size_t *nwords)
{
	for (size_t i = 0; i < a->nfix && !a->failed; i++) {
		long to = a->labels[a->fix[i].label];

		if (to < 0) {
			for (size_t j = 0; j < a->nnames; j++)
				if (a->names[j].label == a->fix[i].label)
					return fail(a, "label '%s' used but not defined", a->names[j].name), NULL;
			fail(a, "label %d used but not bound", a->fix[i].label);
			break;
		}
		a->code[a->fix[i].at] = (a->code[a->fix[i].at] & 0xffffffffULL) |
					((uint64_t)(uint32_t)(int32_t)(to - (long)a->fix[i].at) << 32);
	}
	a->nfix = 0;
	if (a->failed)
		return NULL;
	*nwords = a->n;
	return a->code;
}

/* ---- scalar --------------------------------------------------------------------------- */

void sinan_asm_nop(struct sinan_asm *a)
{
	emit(a, SINAN_ENC_R(SINAN_I_NOP, 0, 0, 0, 0, 0, 0, 0, 0));
}

void sinan_asm_li(struct sinan_asm *a, unsigned int rd, int32_t imm)
{
	emit(a, SINAN_ENC_I(SINAN_I_LI, reg(a, rd), 0, 0, imm));
}

void sinan_asm_lui(struct sinan_asm *a, unsigned int rd, uint32_t imm)
{
	emit(a, SINAN_ENC_I(SINAN_I_LUI, reg(a, rd), 0, 0, imm));
}

void sinan_asm_li64(struct sinan_asm *a, unsigned int rd, uint64_t v)
{
	sinan_asm_li(a, rd, (int32_t)(uint32_t)v);
	if ((uint64_t)(int64_t)(int32_t)(uint32_t)v != v)
		sinan_asm_lui(a, rd, (uint32_t)(v >> 32));
}

void sinan_asm_alu(struct sinan_asm *a, unsigned int fn, unsigned int rd, unsigned int ra,
		   unsigned int rb)
{
	emit(a, SINAN_ENC_R(SINAN_I_ALU, reg(a, rd), reg(a, ra), reg(a, rb), 0, 0, 0, fn, 0));
}

void sinan_asm_alui(struct sinan_asm *a, unsigned int fn, unsigned int rd, unsigned int ra, int32_t imm)
{
	emit(a, SINAN_ENC_I(SINAN_I_ALUI, reg(a, rd), reg(a, ra), fn, imm));
}

static unsigned int size_code(struct sinan_asm *a, unsigned int size)
{
	switch (size) {
	case 1: return 0;
	case 2: return 1;
	case 4: return 2;
	case 8: return 3;
	}
	fail(a, "load/store size %u (1, 2, 4 or 8)", size);
	return 0;
}

void sinan_asm_ld(struct sinan_asm *a, unsigned int size, bool sign, unsigned int rd,
		  unsigned int ra, int32_t off)
{
	emit(a, SINAN_ENC_I(SINAN_I_LD, reg(a, rd), reg(a, ra),
			    size_code(a, size) | (sign ? SINAN_LDST_SIGNED : 0), off));
}

void sinan_asm_st(struct sinan_asm *a, unsigned int size, unsigned int rs, unsigned int ra, int32_t off)
{
	emit(a, SINAN_ENC_I(SINAN_I_ST, reg(a, rs), reg(a, ra), size_code(a, size), off));
}

void sinan_asm_br(struct sinan_asm *a, unsigned int cond, unsigned int rd, unsigned int ra, int label)
{
	if (label < 0 || (size_t)label >= a->nlabels)
		return fail(a, "branch to an unknown label %d", label);
	if (!grow(a, (void **)&a->fix, &a->capfix, a->nfix + 1, sizeof(*a->fix)))
		return;
	a->fix[a->nfix].at = a->n;
	a->fix[a->nfix].label = label;
	emit(a, SINAN_ENC_I(SINAN_I_BR, reg(a, rd), reg(a, ra), cond, 0));
	if (!a->failed)
		a->nfix++;
}

void sinan_asm_jmp(struct sinan_asm *a, int label)
{
	sinan_asm_br(a, SINAN_BR_ALWAYS, 0, 0, label);
}

void sinan_asm_end(struct sinan_asm *a)
{
	emit(a, SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0));
}

void sinan_asm_trap(struct sinan_asm *a, int32_t code)
{
	emit(a, SINAN_ENC_I(SINAN_I_TRAP, 0, 0, 0, code));
}

void sinan_asm_setcfg(struct sinan_asm *a, unsigned int cfg, unsigned int ra)
{
	emit(a, SINAN_ENC_I(SINAN_I_SETCFG, 0, reg(a, ra), cfg, 0));
}

/* ---- synchronization --------------------------------------------------------------------- */

void sinan_asm_set_flag(struct sinan_asm *a, unsigned int src, unsigned int dst, unsigned int id)
{
	emit(a, SINAN_ENC_R(SINAN_I_SET_FLAG, 0, 0, 0, 0, 0, 0, SINAN_FLAG_FUNC(src, dst), id));
}

void sinan_asm_wait_flag(struct sinan_asm *a, unsigned int src, unsigned int dst, unsigned int id)
{
	emit(a, SINAN_ENC_R(SINAN_I_WAIT_FLAG, 0, 0, 0, 0, 0, 0, SINAN_FLAG_FUNC(src, dst), id));
}

void sinan_asm_barrier(struct sinan_asm *a, unsigned int pipe)
{
	emit(a, SINAN_ENC_R(SINAN_I_BARRIER, 0, 0, 0, 0, 0, 0, pipe, 0));
}

/* ---- data movement and cube ---------------------------------------------------------------- */

static void r6(struct sinan_asm *a, unsigned int op, unsigned int func, unsigned int rd, unsigned int ra,
	       unsigned int rb, unsigned int rc, unsigned int re, unsigned int rf)
{
	emit(a, SINAN_ENC_R(op, reg(a, rd), reg(a, ra), reg(a, rb), reg(a, rc), reg(a, re), reg(a, rf),
			    func, 0));
}

void sinan_asm_mov(struct sinan_asm *a, unsigned int src_buf, unsigned int dst_buf, unsigned int flags,
		   unsigned int rdst, unsigned int rsrc, unsigned int rnburst, unsigned int rlen,
		   unsigned int rsstride, unsigned int rdstride)
{
	r6(a, SINAN_I_MOV, SINAN_MOV_FUNC(src_buf, dst_buf, flags), rdst, rsrc, rnburst, rlen, rsstride,
	   rdstride);
}

void sinan_asm_loadf(struct sinan_asm *a, unsigned int buf, unsigned int dt, unsigned int flags,
		     unsigned int rdst, unsigned int rsrc, unsigned int rrows, unsigned int rcols,
		     unsigned int rstride)
{
	r6(a, SINAN_I_LOADF, SINAN_LOADF_FUNC(buf, dt, flags), rdst, rsrc, rrows, rcols, rstride, 0);
}

void sinan_asm_img2col(struct sinan_asm *a, unsigned int dt, unsigned int rdst, unsigned int rsrc,
		       unsigned int rpos, unsigned int rrows, unsigned int rkcol, unsigned int rkcols)
{
	r6(a, SINAN_I_IMG2COL, dt, rdst, rsrc, rpos, rrows, rkcol, rkcols);
}

void sinan_asm_mmad(struct sinan_asm *a, unsigned int dt, unsigned int flags, unsigned int rc,
		    unsigned int ra, unsigned int rb, unsigned int rm, unsigned int rn, unsigned int rk)
{
	r6(a, SINAN_I_MMAD, dt | flags, rc, ra, rb, rm, rn, rk);
}

void sinan_asm_fixp(struct sinan_asm *a, unsigned int buf, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc, unsigned int rm, unsigned int rn,
		    unsigned int rstride, unsigned int rn1)
{
	r6(a, SINAN_I_FIXP, SINAN_FIXP_FUNC(buf, dt, flags), rdst, rsrc, rm, rn, rstride, rn1);
}

/* ---- vector ---------------------------------------------------------------------------------- */

void sinan_asm_vbin(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc0, unsigned int rsrc1, unsigned int rn,
		    unsigned int rrows, unsigned int rstrides)
{
	r6(a, SINAN_I_VBIN, SINAN_V_FUNC(op, dt, flags), rdst, rsrc0, rsrc1, rn, rrows, rstrides);
}

void sinan_asm_vscalar(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int rdst,
		       unsigned int rsrc, unsigned int rscalar, unsigned int rn, unsigned int rrows,
		       unsigned int rstrides)
{
	r6(a, SINAN_I_VSCALAR, SINAN_V_FUNC(op, dt, 0), rdst, rsrc, rscalar, rn, rrows, rstrides);
}

void sinan_asm_vun(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int rdst,
		   unsigned int rsrc, unsigned int rn, unsigned int rrows, unsigned int rstrides)
{
	r6(a, SINAN_I_VUN, SINAN_V_FUNC(op, dt, 0), rdst, rsrc, 0, rn, rrows, rstrides);
}

void sinan_asm_vcvt(struct sinan_asm *a, unsigned int src_dt, unsigned int dst_dt, unsigned int rnd,
		    unsigned int flags, unsigned int rdst, unsigned int rsrc, unsigned int rn,
		    unsigned int rrows, unsigned int rstrides)
{
	r6(a, SINAN_I_VCVT, SINAN_CVT_FUNC(src_dt, dst_dt, rnd, flags), rdst, rsrc, 0, rn, rrows, rstrides);
}

void sinan_asm_vred(struct sinan_asm *a, unsigned int op, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc, unsigned int rn, unsigned int rrows,
		    unsigned int rstrides)
{
	r6(a, SINAN_I_VRED, SINAN_V_FUNC(op, dt, flags), rdst, rsrc, 0, rn, rrows, rstrides);
}

void sinan_asm_vdup(struct sinan_asm *a, unsigned int dt, unsigned int rdst, unsigned int rscalar,
		    unsigned int rn, unsigned int rrows, unsigned int rstrides)
{
	r6(a, SINAN_I_VDUP, SINAN_V_FUNC(0, dt, 0), rdst, 0, rscalar, rn, rrows, rstrides);
}

void sinan_asm_vcmp(struct sinan_asm *a, unsigned int cmp, unsigned int dt, unsigned int flags,
		    unsigned int rdst, unsigned int rsrc0, unsigned int rsrc1, unsigned int rn,
		    unsigned int rrows, unsigned int rstrides)
{
	r6(a, SINAN_I_VCMP, SINAN_V_FUNC(cmp, dt, flags), rdst, rsrc0, rsrc1, rn, rrows, rstrides);
}

void sinan_asm_vsel(struct sinan_asm *a, unsigned int dt, unsigned int rdst, unsigned int rmask,
		    unsigned int rsrc0, unsigned int rsrc1, unsigned int rn, unsigned int rrows)
{
	r6(a, SINAN_I_VSEL, SINAN_V_FUNC(0, dt, 0), rdst, rmask, rsrc0, rsrc1, rn, rrows);
}

/* ---- text ------------------------------------------------------------------------------------ */

#define MAXTOK	16
#define MAXPART	6

struct line {
	char *part[MAXPART];	/* mnemonic split on '.' */
	unsigned int nparts;
	char *tok[MAXTOK];	/* operands */
	unsigned int ntok;
};

static int lookup(const char *s, const char *const *names, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -1;
}

static int text_label(struct sinan_asm *a, const char *name)
{
	int l;

	for (size_t i = 0; i < a->nnames; i++)
		if (!strcmp(a->names[i].name, name))
			return a->names[i].label;
	if (!grow(a, (void **)&a->names, &a->capnames, a->nnames + 1, sizeof(*a->names)))
		return -1;
	l = sinan_asm_label(a);
	a->names[a->nnames].name = strdup(name);
	if (!a->names[a->nnames].name) {
		fail(a, "out of memory");
		return -1;
	}
	a->names[a->nnames++].label = l;
	return l;
}

static int p_reg(struct sinan_asm *a, const char *t)
{
	static const char *const alias[] = { "zero", "args", "blk", "nblk", "core" };
	char *end;
	long v;
	int i = lookup(t, alias, NAMES(alias));

	if (i >= 0)
		return i;
	if (t[0] == 'x' && isdigit((unsigned char)t[1])) {
		v = strtol(t + 1, &end, 10);
		if (!*end && v >= 0 && v < SINAN_NUM_XREGS)
			return (int)v;
	}
	fail(a, "'%s' is not a register", t);
	return 0;
}

static bool p_long(const char *t, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(t, &end, 0);
	if (errno || end == t || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int32_t p_imm(struct sinan_asm *a, const char *t, bool unsig)
{
	long long v = 0;

	if (!p_long(t, unsig ? 0 : INT32_MIN, unsig ? UINT32_MAX : INT32_MAX, &v))
		fail(a, "'%s' is not a 32-bit %s immediate", t, unsig ? "unsigned" : "signed");
	return (int32_t)(uint32_t)v;
}

/* "buf[xN]" */
static int p_bufreg(struct sinan_asm *a, const char *t, const char *buf)
{
	size_t n = strlen(buf), l = strlen(t);
	char r[16];

	if (strncmp(t, buf, n) || t[n] != '[' || t[l - 1] != ']' || l - n - 2 >= sizeof(r)) {
		fail(a, "expected %s[xN], got '%s'", buf, t);
		return 0;
	}
	memcpy(r, t + n + 1, l - n - 2);
	r[l - n - 2] = 0;
	return p_reg(a, r);
}

/* "key=xN" */
static int p_key(struct sinan_asm *a, const char *t, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(t, key, n) || t[n] != '=') {
		fail(a, "expected %s=xN, got '%s'", key, t);
		return 0;
	}
	return p_reg(a, t + n + 1);
}

static bool want(struct sinan_asm *a, const struct line *L, unsigned int ntok, unsigned int nparts)
{
	if (L->ntok != ntok)
		fail(a, "%s: %u operands expected, %u given", L->part[0], ntok, L->ntok);
	else if (L->nparts < nparts)
		fail(a, "%s: missing suffix", L->part[0]);
	return !a->failed;
}

/* Suffixes from index @from: each must be one of @flags (bits) */
static unsigned int p_flags(struct sinan_asm *a, const struct line *L, unsigned int from,
			    const char *const *names, const unsigned int *bits, unsigned int n)
{
	unsigned int f = 0;

	for (unsigned int i = from; i < L->nparts; i++) {
		int k = lookup(L->part[i], names, n);

		if (k < 0) {
			fail(a, "%s: unknown suffix '.%s'", L->part[0], L->part[i]);
			return 0;
		}
		f |= bits[k];
	}
	return f;
}

static int p_dtype(struct sinan_asm *a, const char *s)
{
	int d = lookup(s, sinan_n_dtype, SINAN_DT_COUNT);

	if (d < 0)
		fail(a, "unknown dtype '%s'", s);
	return d < 0 ? 0 : d;
}

static int p_name(struct sinan_asm *a, const char *s, const char *const *names, unsigned int n,
		  const char *what)
{
	int d = lookup(s, names, n);

	if (d < 0)
		fail(a, "unknown %s '%s'", what, s);
	return d < 0 ? 0 : d;
}

static void vec_regs(struct sinan_asm *a, const struct line *L, unsigned int at, unsigned int *r)
{
	for (unsigned int i = 0; i < 3; i++)
		r[i] = (unsigned int)p_key(a, L->tok[at + i], sinan_k_vec[i]);
}

static void assemble_line(struct sinan_asm *a, struct line *L)
{
	const char *m = L->part[0];
	char **t = L->tok;
	unsigned int v[3];
	int k;

	if (!*m && L->nparts == 2 && !strcmp(L->part[1], "word") && L->ntok == 1) {
		unsigned long long w;
		char *end;

		errno = 0;
		w = strtoull(t[0], &end, 0);
		if (errno || *end || end == t[0])
			return fail(a, ".word: bad value '%s'", t[0]);
		return raw(a, w);
	}
	if (!strcmp(m, "nop") && want(a, L, 0, 1))
		return sinan_asm_nop(a);
	if (!strcmp(m, "end") && want(a, L, 0, 1))
		return sinan_asm_end(a);
	if (!strcmp(m, "li") && want(a, L, 2, 1))
		return sinan_asm_li(a, (unsigned int)p_reg(a, t[0]), p_imm(a, t[1], false));
	if (!strcmp(m, "lui") && want(a, L, 2, 1))
		return sinan_asm_lui(a, (unsigned int)p_reg(a, t[0]), (uint32_t)p_imm(a, t[1], true));
	if ((k = lookup(m, sinan_n_alu, SINAN_ALU_COUNT)) >= 0 && want(a, L, 3, 1))
		return sinan_asm_alu(a, (unsigned int)k, (unsigned int)p_reg(a, t[0]),
				     (unsigned int)p_reg(a, t[1]), (unsigned int)p_reg(a, t[2]));
	if (m[0] && m[strlen(m) - 1] == 'i') {
		char base[16];

		snprintf(base, sizeof(base), "%.*s", (int)strlen(m) - 1, m);
		if ((k = lookup(base, sinan_n_alu, SINAN_ALU_COUNT)) >= 0 && want(a, L, 3, 1))
			return sinan_asm_alui(a, (unsigned int)k, (unsigned int)p_reg(a, t[0]),
					      (unsigned int)p_reg(a, t[1]), p_imm(a, t[2], false));
	}
	if ((!strcmp(m, "ld") || !strcmp(m, "st")) && want(a, L, 2, 2)) {
		const char *s = L->part[1];
		bool ld = m[0] == 'l', sign = false;
		long long size = 0, off = 0;
		char r[16], *plus;
		size_t len = strlen(t[1]);

		if (ld) {
			if (*s != 'u' && *s != 's')
				return fail(a, "ld: suffix .u<bits> or .s<bits>");
			sign = *s++ == 's';
		}
		if (!p_long(s, 8, 64, &size) || (size != 8 && size != 16 && size != 32 && size != 64))
			return fail(a, "%s: bad size suffix '.%s'", m, L->part[1]);
		if (t[1][0] != '[' || t[1][len - 1] != ']' || len - 2 >= sizeof(r))
			return fail(a, "%s: expected [xN+offset], got '%s'", m, t[1]);
		memcpy(r, t[1] + 1, len - 2);
		r[len - 2] = 0;
		plus = strpbrk(r, "+-");
		if (plus) {
			if (!p_long(plus, INT32_MIN, INT32_MAX, &off))
				return fail(a, "%s: bad offset in '%s'", m, t[1]);
			*plus = 0;
		}
		if (ld)
			return sinan_asm_ld(a, (unsigned int)size / 8, sign, (unsigned int)p_reg(a, t[0]),
					    (unsigned int)p_reg(a, r), (int32_t)off);
		return sinan_asm_st(a, (unsigned int)size / 8, (unsigned int)p_reg(a, t[0]),
				    (unsigned int)p_reg(a, r), (int32_t)off);
	}
	if ((k = lookup(m, sinan_n_br, SINAN_BR_COUNT)) >= 0) {
		bool always = k == SINAN_BR_ALWAYS;
		const char *tgt;
		unsigned int rd = 0, ra = 0;

		if (!want(a, L, always ? 1 : 3, 1))
			return;
		tgt = t[always ? 0 : 2];
		if (!always) {
			rd = (unsigned int)p_reg(a, t[0]);
			ra = (unsigned int)p_reg(a, t[1]);
		}
		if (tgt[0] == '.' && (tgt[1] == '+' || tgt[1] == '-'))
			return emit(a, SINAN_ENC_I(SINAN_I_BR, rd, ra, (unsigned int)k, p_imm(a, tgt + 1, false)));
		if (!isalpha((unsigned char)tgt[0]) && tgt[0] != '_')
			return fail(a, "%s: bad branch target '%s'", m, tgt);
		return sinan_asm_br(a, (unsigned int)k, rd, ra, text_label(a, tgt));
	}
	if (!strcmp(m, "trap") && want(a, L, 1, 1))
		return sinan_asm_trap(a, p_imm(a, t[0], false));
	if (!strcmp(m, "setcfg") && want(a, L, 2, 1))
		return sinan_asm_setcfg(a, (unsigned int)p_name(a, t[0], sinan_n_cfg, SINAN_CFG_COUNT, "config"),
					(unsigned int)p_reg(a, t[1]));
	if ((!strcmp(m, "set_flag") || !strcmp(m, "wait_flag")) && want(a, L, 3, 1)) {
		unsigned int s = (unsigned int)p_name(a, t[0], sinan_n_pipe, SINAN_PIPE_COUNT, "pipe");
		unsigned int d = (unsigned int)p_name(a, t[1], sinan_n_pipe, SINAN_PIPE_COUNT, "pipe");
		long long id = 0;

		if (!p_long(t[2], 0, 0xffff, &id))
			return fail(a, "%s: bad flag id '%s'", m, t[2]);
		if (m[0] == 's')
			return sinan_asm_set_flag(a, s, d, (unsigned int)id);
		return sinan_asm_wait_flag(a, s, d, (unsigned int)id);
	}
	if (!strcmp(m, "barrier") && want(a, L, 1, 1))
		return sinan_asm_barrier(a, !strcmp(t[0], "all") ? SINAN_PIPE_ALL :
					 (unsigned int)p_name(a, t[0], sinan_n_pipe, SINAN_PIPE_COUNT, "pipe"));
	if (!strcmp(m, "mov") && want(a, L, 6, 3)) {
		static const char *const fn[] = { "zpad" };
		static const unsigned int fb[] = { SINAN_MOV_F_ZPAD };
		int s = p_name(a, L->part[1], sinan_n_buf, SINAN_BUF_COUNT, "buffer");
		int d = p_name(a, L->part[2], sinan_n_buf, SINAN_BUF_COUNT, "buffer");
		unsigned int f = p_flags(a, L, 3, fn, fb, 1);

		if (a->failed)
			return;
		return sinan_asm_mov(a, (unsigned int)s, (unsigned int)d, f,
				     (unsigned int)p_bufreg(a, t[0], sinan_n_buf[d]),
				     (unsigned int)p_bufreg(a, t[1], sinan_n_buf[s]),
				     (unsigned int)p_key(a, t[2], sinan_k_mov[0]), (unsigned int)p_key(a, t[3], sinan_k_mov[1]),
				     (unsigned int)p_key(a, t[4], sinan_k_mov[2]), (unsigned int)p_key(a, t[5], sinan_k_mov[3]));
	}
	if (!strcmp(m, "loadf") && want(a, L, 5, 3)) {
		static const char *const fn[] = { "t" };
		static const unsigned int fb[] = { SINAN_LOADF_F_TRANS };
		int d = p_name(a, L->part[1], sinan_n_buf, SINAN_BUF_COUNT, "buffer");
		int dt = p_dtype(a, L->part[2]);
		unsigned int f = p_flags(a, L, 3, fn, fb, 1);

		if (a->failed)
			return;
		return sinan_asm_loadf(a, (unsigned int)d, (unsigned int)dt, f,
				       (unsigned int)p_bufreg(a, t[0], sinan_n_buf[d]), (unsigned int)p_bufreg(a, t[1], "l1"),
				       (unsigned int)p_key(a, t[2], sinan_k_loadf[0]),
				       (unsigned int)p_key(a, t[3], sinan_k_loadf[1]),
				       (unsigned int)p_key(a, t[4], sinan_k_loadf[2]));
	}
	if (!strcmp(m, "img2col") && want(a, L, 6, 2) && L->nparts == 2)
		return sinan_asm_img2col(a, (unsigned int)p_dtype(a, L->part[1]),
					 (unsigned int)p_bufreg(a, t[0], "l0a"), (unsigned int)p_bufreg(a, t[1], "l1"),
					 (unsigned int)p_key(a, t[2], sinan_k_img2col[0]),
					 (unsigned int)p_key(a, t[3], sinan_k_img2col[1]),
					 (unsigned int)p_key(a, t[4], sinan_k_img2col[2]),
					 (unsigned int)p_key(a, t[5], sinan_k_img2col[3]));
	if (!strcmp(m, "mmad") && want(a, L, 6, 2)) {
		static const char *const fn[] = { "acc" };
		static const unsigned int fb[] = { SINAN_MMAD_F_ACC };
		unsigned int f = p_flags(a, L, 2, fn, fb, 1);

		return sinan_asm_mmad(a, (unsigned int)p_dtype(a, L->part[1]), f,
				      (unsigned int)p_bufreg(a, t[0], "l0c"), (unsigned int)p_bufreg(a, t[1], "l0a"),
				      (unsigned int)p_bufreg(a, t[2], "l0b"), (unsigned int)p_key(a, t[3], "m"),
				      (unsigned int)p_key(a, t[4], "n"), (unsigned int)p_key(a, t[5], "k"));
	}
	if (!strcmp(m, "fixp") && want(a, L, 6, 3)) {
		static const char *const fn[] = { "s32", "relu", "quant" };
		static const unsigned int fb[] = { SINAN_FIXP_F_S32, SINAN_FIXP_F_RELU, SINAN_FIXP_F_QUANT };
		int d = p_name(a, L->part[1], sinan_n_buf, SINAN_BUF_COUNT, "buffer");
		int dt = p_dtype(a, L->part[2]);
		unsigned int f = p_flags(a, L, 3, fn, fb, 3);

		if (a->failed)
			return;
		return sinan_asm_fixp(a, (unsigned int)d, (unsigned int)dt, f,
				      (unsigned int)p_bufreg(a, t[0], sinan_n_buf[d]), (unsigned int)p_bufreg(a, t[1], "l0c"),
				      (unsigned int)p_key(a, t[2], sinan_k_fixp[0]), (unsigned int)p_key(a, t[3], sinan_k_fixp[1]),
				      (unsigned int)p_key(a, t[4], sinan_k_fixp[2]), (unsigned int)p_key(a, t[5], sinan_k_fixp[3]));
	}
	if ((k = lookup(m, sinan_n_vbin, SINAN_VB_COUNT)) >= 0 && want(a, L, 6, 2)) {
		static const char *const fn[] = { "rs" };
		static const unsigned int fb[] = { SINAN_V_F_ROWSCALAR };
		unsigned int f = p_flags(a, L, 2, fn, fb, 1);

		vec_regs(a, L, 3, v);
		return sinan_asm_vbin(a, (unsigned int)k, (unsigned int)p_dtype(a, L->part[1]), f,
				      (unsigned int)p_bufreg(a, t[0], "ub"), (unsigned int)p_bufreg(a, t[1], "ub"),
				      (unsigned int)p_bufreg(a, t[2], "ub"), v[0], v[1], v[2]);
	}
	if ((k = lookup(m, sinan_n_vs, SINAN_VS_COUNT)) >= 0 && want(a, L, 6, 2) && L->nparts == 2) {
		vec_regs(a, L, 3, v);
		return sinan_asm_vscalar(a, (unsigned int)k, (unsigned int)p_dtype(a, L->part[1]),
					 (unsigned int)p_bufreg(a, t[0], "ub"), (unsigned int)p_bufreg(a, t[1], "ub"),
					 (unsigned int)p_reg(a, t[2]), v[0], v[1], v[2]);
	}
	if ((k = lookup(m, sinan_n_vun, SINAN_VU_COUNT)) >= 0 && want(a, L, 5, 2) && L->nparts == 2) {
		vec_regs(a, L, 2, v);
		return sinan_asm_vun(a, (unsigned int)k, (unsigned int)p_dtype(a, L->part[1]),
				     (unsigned int)p_bufreg(a, t[0], "ub"), (unsigned int)p_bufreg(a, t[1], "ub"),
				     v[0], v[1], v[2]);
	}
	if (!strcmp(m, "vcvt") && want(a, L, 5, 4)) {
		static const char *const fn[] = { "quant" };
		static const unsigned int fb[] = { SINAN_CVT_F_QUANT };
		unsigned int f = p_flags(a, L, 4, fn, fb, 1);

		vec_regs(a, L, 2, v);
		return sinan_asm_vcvt(a, (unsigned int)p_dtype(a, L->part[1]), (unsigned int)p_dtype(a, L->part[2]),
				      (unsigned int)p_name(a, L->part[3], sinan_n_rnd, 4, "rounding"), f,
				      (unsigned int)p_bufreg(a, t[0], "ub"), (unsigned int)p_bufreg(a, t[1], "ub"),
				      v[0], v[1], v[2]);
	}
	if ((k = lookup(m, sinan_n_vred, SINAN_VR_COUNT)) >= 0 && want(a, L, 5, 2)) {
		static const char *const fn[] = { "acc" };
		static const unsigned int fb[] = { SINAN_VR_F_ACC };
		unsigned int f = p_flags(a, L, 2, fn, fb, 1);

		vec_regs(a, L, 2, v);
		return sinan_asm_vred(a, (unsigned int)k, (unsigned int)p_dtype(a, L->part[1]), f,
				      (unsigned int)p_bufreg(a, t[0], "ub"), (unsigned int)p_bufreg(a, t[1], "ub"),
				      v[0], v[1], v[2]);
	}
	if (!strcmp(m, "vdup") && want(a, L, 5, 2) && L->nparts == 2) {
		vec_regs(a, L, 2, v);
		return sinan_asm_vdup(a, (unsigned int)p_dtype(a, L->part[1]), (unsigned int)p_bufreg(a, t[0], "ub"),
				      (unsigned int)p_reg(a, t[1]), v[0], v[1], v[2]);
	}
	if (!strcmp(m, "vcmp") && want(a, L, 6, 3)) {
		static const char *const fn[] = { "rs" };
		static const unsigned int fb[] = { SINAN_V_F_ROWSCALAR };
		unsigned int f = p_flags(a, L, 3, fn, fb, 1);

		vec_regs(a, L, 3, v);
		return sinan_asm_vcmp(a, (unsigned int)p_name(a, L->part[1], sinan_n_vcmp, SINAN_VC_COUNT, "comparison"),
				      (unsigned int)p_dtype(a, L->part[2]), f,
				      (unsigned int)p_bufreg(a, t[0], "ub"), (unsigned int)p_bufreg(a, t[1], "ub"),
				      (unsigned int)p_bufreg(a, t[2], "ub"), v[0], v[1], v[2]);
	}
	if (!strcmp(m, "vsel") && want(a, L, 6, 2) && L->nparts == 2)
		return sinan_asm_vsel(a, (unsigned int)p_dtype(a, L->part[1]),
				      (unsigned int)p_bufreg(a, t[0], "ub"), (unsigned int)p_bufreg(a, t[1], "ub"),
				      (unsigned int)p_bufreg(a, t[2], "ub"), (unsigned int)p_bufreg(a, t[3], "ub"),
				      (unsigned int)p_key(a, t[4], "n"), (unsigned int)p_key(a, t[5], "rows"));
	if (!a->failed)
		fail(a, "unknown instruction '%s' (or wrong suffixes)", m);
}

int sinan_asm_text(struct sinan_asm *a, const char *text)
{
	const char *p = text;

	a->line = 0;
	while (*p && !a->failed) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char buf[512], *s, *c;
		struct line L = { .nparts = 0 };

		a->line++;
		if (len >= sizeof(buf)) {
			fail(a, "line too long");
			break;
		}
		memcpy(buf, p, len);
		buf[len] = 0;
		p += len + (eol != NULL);
		c = strpbrk(buf, "#;");
		if (c)
			*c = 0;
		s = buf;
		/* labels */
		for (;;) {
			char *colon;

			while (isspace((unsigned char)*s))
				s++;
			colon = strchr(s, ':');
			if (!colon || colon == s)
				break;
			*colon = 0;
			for (char *q = s; *q; q++)
				if (!isalnum((unsigned char)*q) && *q != '_') {
					fail(a, "bad label '%s'", s);
					goto out;
				}
			sinan_asm_bind(a, text_label(a, s));
			s = colon + 1;
		}
		if (!*s)
			continue;
		/* mnemonic */
		c = s;
		while (*c && !isspace((unsigned char)*c))
			c++;
		if (*c)
			*c++ = 0;
		for (char *q = s; q && L.nparts < MAXPART; ) {
			L.part[L.nparts++] = q;
			q = strchr(q, '.');
			if (q)
				*q++ = 0;
		}
		/* operands: split on commas and blanks */
		for (char *q = strtok(c, ", \t\r"); q; q = strtok(NULL, ", \t\r")) {
			if (L.ntok == MAXTOK) {
				fail(a, "too many operands");
				goto out;
			}
			L.tok[L.ntok++] = q;
		}
		assemble_line(a, &L);
	}
out:
	a->line = 0;
	return a->failed ? -1 : 0;
}

// SPDX-License-Identifier: MIT
/*
 * Kernel builder: registers, arguments, operands, blocks; the program
 * container; device dtypes.
 */
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sinan_emu.h>
#include <sinan_hw/sinan_regs.h>

#define REG_FIRST	5
#define REG_LAST	25
#define TMP_FIRST	26
#define TMP_LAST	31

void cc_target_default(struct cc_target *t)
{
	struct sinan_emu_config cfg;

	sinan_emu_config_default(&cfg);
	memset(t, 0, sizeof(*t));
	t->cores = cfg.num_cores;
	t->l1 = cfg.l1_size;
	t->l0a = cfg.l0a_size;
	t->l0b = cfg.l0b_size;
	t->l0c = cfg.l0c_size;
	t->ub = cfg.ub_size;
	t->clock_mhz = cfg.clock_mhz;
	t->devmem_bw_mbps = cfg.devmem_bw_mbps;
	t->caps = SINAN_CAP_FP16 | SINAN_CAP_BF16 | SINAN_CAP_INT8 | SINAN_CAP_FP32_CUBE;
	t->isa_major = SINAN_ISA_MAJOR;
	t->isa_minor = SINAN_ISA_MINOR;
}

void cc_program_free(struct cc_program *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nk; i++)
		free(p->k[i].code);
	free(p->k);
	free(p->ops);
	free(p);
}

int cc_hw_dtype(int dt)
{
	switch (dt) {
	case SINAN_TYPE_FLOAT: return SINAN_DT_FP32;
	case SINAN_TYPE_FLOAT16: return SINAN_DT_FP16;
	case SINAN_TYPE_BFLOAT16: return SINAN_DT_BF16;
	case SINAN_TYPE_INT32: case SINAN_TYPE_INT64: return SINAN_DT_INT32;
	case SINAN_TYPE_INT8: return SINAN_DT_INT8;
	case SINAN_TYPE_UINT8: case SINAN_TYPE_BOOL: return SINAN_DT_UINT8;
	case SINAN_TYPE_INT16: return SINAN_DT_INT16;
	default: return -1;
	}
}

int cc_dev_type(int dt)
{
	switch (dt) {
	case SINAN_TYPE_INT64: return SINAN_TYPE_INT32;
	case SINAN_TYPE_BOOL: return SINAN_TYPE_UINT8;
	default: return dt;
	}
}

static struct cc_tensor *view5(struct cc_graph *g, struct cc_tensor *t)
{
	struct cc_tensor *v = cc_arena_alloc(&g->arena, sizeof(*v));
	if (!v)
		return t;
	*v = *t;
	v->rank = 5;
	v->dims[0] = t->dims[0];
	v->dims[1] = CC_DIV_UP(t->dims[1], t->c0);
	v->dims[2] = t->dims[2];
	v->dims[3] = t->dims[3];
	v->dims[4] = t->c0;
	v->c0 = 0;
	v->alias = t;		/* cc_storage(): the original's buffer */
	return v;
}

bool cc_views5(struct cc_graph *g, struct cc_node *n, struct cc_tensor **saved)
{
	bool any = false;
	for (int i = 0; i < n->nin && i < CC_MAX_IO; i++) {
		saved[i] = n->in[i];
		if (n->in[i] && n->in[i]->c0 && n->in[i]->rank == 4) {
			n->in[i] = view5(g, n->in[i]);
			any = true;
		}
	}
	for (int i = 0; i < n->nout && n->nin + i < CC_MAX_IO; i++) {
		saved[n->nin + i] = n->out[i];
		if (n->out[i] && n->out[i]->c0 && n->out[i]->rank == 4) {
			n->out[i] = view5(g, n->out[i]);
			any = true;
		}
	}
	return any;
}

void cc_unviews5(struct cc_node *n, struct cc_tensor *const *saved)
{
	for (int i = 0; i < n->nin && i < CC_MAX_IO; i++)
		n->in[i] = saved[i];
	for (int i = 0; i < n->nout && n->nin + i < CC_MAX_IO; i++)
		n->out[i] = saved[n->nin + i];
}

uint64_t cg_mac_rate(int dt)
{
	return dt == SINAN_DT_INT8 ? 8192 : dt == SINAN_DT_FP32 ? 1024 : 4096;
}

uint64_t cg_fbits(double v)
{
	float f = (float)v;
	uint32_t b;
	memcpy(&b, &f, 4);
	return b;
}

uint64_t cg_scalar_bits(int dt, double v)
{
	switch (dt) {
	case SINAN_DT_FP32: case SINAN_DT_FP16: case SINAN_DT_BF16:
		return cg_fbits(v);
	default: {
		int64_t i = (int64_t)v;
		return (uint64_t)i;
	}
	}
}

/* ---- kernel lifecycle ------------------------------------------------------------------------ */
int cg_begin(struct cg *c, const char *name, const char *suffix)
{
	struct cc_program *p = c->p;

	if (p->nk == p->kcap) {
		int nc = p->kcap ? p->kcap * 2 : 64;
		struct cc_kernel *k = realloc(p->k, sizeof(*k) * (size_t)nc);
		if (!k)
			return cc_err(c->g, ENOMEM, "out of memory");
		p->k = k;
		p->kcap = nc;
	}
	c->k = &p->k[p->nk];
	memset(c->k, 0, sizeof(*c->k));
	snprintf(c->k->name, sizeof(c->k->name), "k%d_%.40s%s%s", p->nk, name, suffix ? "_" : "",
		 suffix ? suffix : "");
	c->k->node = p->nops - 1;
	c->a = sinan_asm_new();
	if (!c->a)
		return cc_err(c->g, ENOMEM, "out of memory");
	c->regs = 0;
	c->tmp = TMP_FIRST;
	c->rc = 0;
	return 0;
}

int cg_end(struct cg *c, uint32_t blocks)
{
	size_t n;
	const uint64_t *code;
	int rc = 0;

	sinan_asm_end(c->a);
	code = sinan_asm_finish(c->a, &n);
	if (c->rc) {
		rc = c->rc;
	} else if (!code) {
		rc = cc_err(c->g, EINVAL, "kernel %s: assembler: %s", c->k->name, sinan_asm_error(c->a));
	} else {
		c->k->code = malloc(n * sizeof(uint64_t));
		if (!c->k->code) {
			rc = cc_err(c->g, ENOMEM, "out of memory");
		} else {
			memcpy(c->k->code, code, n * sizeof(uint64_t));
			c->k->ncode = n;
			c->k->blocks = blocks ? blocks : 1;
			c->p->nk++;
			if (c->p->nops)
				c->p->ops[c->p->nops - 1].nkernels++;
		}
	}
	sinan_asm_free(c->a);
	c->a = NULL;
	return rc;
}

int cg_arg(struct cg *c, struct cc_tensor *t, uint64_t off, bool write)
{
	struct cc_kernel *k = c->k;
	t = cc_storage(t);
	for (int i = 0; i < k->nargs; i++)
		if (k->args[i].t == t && k->args[i].off == off && !k->args[i].scratch) {
			k->args[i].write |= write;
			return i;
		}
	if (k->nargs >= CG_MAX_ARGS) {
		c->rc = cc_err(c->g, ENOTSUP, "kernel %s: too many arguments", k->name);
		return 0;
	}
	k->args[k->nargs] = (struct cc_karg){ .t = t, .off = off, .write = write };
	return k->nargs++;
}

int cg_arg_scratch(struct cg *c, uint64_t off)
{
	struct cc_kernel *k = c->k;
	if (k->nargs >= CG_MAX_ARGS) {
		c->rc = cc_err(c->g, ENOTSUP, "kernel %s: too many arguments", k->name);
		return 0;
	}
	k->args[k->nargs] = (struct cc_karg){ .off = off, .write = true, .scratch = true };
	return k->nargs++;
}

void cg_ldarg(struct cg *c, unsigned int r, int idx)
{
	sinan_asm_ld(c->a, 8, false, r, 1, idx * 8);
}

unsigned int cg_reg(struct cg *c)
{
	for (unsigned int r = REG_FIRST; r <= REG_LAST; r++)
		if (!(c->regs & (1u << r))) {
			c->regs |= 1u << r;
			return r;
		}
	if (!c->rc)
		c->rc = cc_err(c->g, ENOTSUP, "kernel %s: out of registers", c->k->name);
	return REG_LAST;
}

void cg_free(struct cg *c, unsigned int r)
{
	c->regs &= ~(1u << r);
}

void cg_li(struct cg *c, unsigned int r, uint64_t v)
{
	sinan_asm_li64(c->a, r, v);
}

/* Register for an operand (scratch registers are reused per instruction). */
static unsigned int opnd(struct cg *c, struct cg_v v)
{
	if (!v.imm)
		return (unsigned int)v.v;
	if (v.v == 0)
		return 0;	/* x0 */
	unsigned int r = (unsigned int)c->tmp;
	if (c->tmp > TMP_LAST) {
		if (!c->rc)
			c->rc = cc_err(c->g, ENOTSUP, "kernel %s: too many immediate operands", c->k->name);
		return TMP_LAST;
	}
	c->tmp++;
	cg_li(c, r, v.v);
	return r;
}

static void done(struct cg *c)
{
	c->tmp = TMP_FIRST;
}

void cg_alu(struct cg *c, unsigned int fn, unsigned int rd, unsigned int ra, struct cg_v b)
{
	if (b.imm && (int64_t)b.v == (int64_t)(int32_t)b.v)
		sinan_asm_alui(c->a, fn, rd, ra, (int32_t)b.v);
	else
		sinan_asm_alu(c->a, fn, rd, ra, opnd(c, b));
	done(c);
}

void cg_mov(struct cg *c, unsigned int sb, unsigned int db, unsigned int flags, struct cg_v dst,
	    struct cg_v src, struct cg_v nb, struct cg_v len, struct cg_v ss, struct cg_v ds)
{
	unsigned int rd = opnd(c, dst), rs = opnd(c, src), rn = opnd(c, nb), rl = opnd(c, len);
	unsigned int rss = opnd(c, ss), rds = opnd(c, ds);
	sinan_asm_mov(c->a, sb, db, flags, rd, rs, rn, rl, rss, rds);
	done(c);
}

void cg_loadf(struct cg *c, unsigned int buf, unsigned int dt, unsigned int flags, struct cg_v dst,
	      struct cg_v src, struct cg_v rows, struct cg_v cols, struct cg_v stride)
{
	unsigned int rd = opnd(c, dst), rs = opnd(c, src), rr = opnd(c, rows), rc = opnd(c, cols);
	unsigned int rst = opnd(c, stride);
	sinan_asm_loadf(c->a, buf, dt, flags, rd, rs, rr, rc, rst);
	done(c);
}

void cg_img2col(struct cg *c, unsigned int dt, struct cg_v dst, struct cg_v src, struct cg_v pos,
		struct cg_v rows, struct cg_v kcol, struct cg_v kcols)
{
	unsigned int rd = opnd(c, dst), rs = opnd(c, src), rp = opnd(c, pos), rr = opnd(c, rows);
	unsigned int rk = opnd(c, kcol), rks = opnd(c, kcols);
	sinan_asm_img2col(c->a, dt, rd, rs, rp, rr, rk, rks);
	done(c);
}

void cg_mmad(struct cg *c, unsigned int dt, unsigned int flags, struct cg_v dst, struct cg_v a,
	     struct cg_v b, struct cg_v m, struct cg_v n, struct cg_v k)
{
	unsigned int rd = opnd(c, dst), ra = opnd(c, a), rb = opnd(c, b), rm = opnd(c, m);
	unsigned int rn = opnd(c, n), rk = opnd(c, k);
	sinan_asm_mmad(c->a, dt, flags, rd, ra, rb, rm, rn, rk);
	done(c);
}

void cg_fixp(struct cg *c, unsigned int buf, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v src, struct cg_v m, struct cg_v n, struct cg_v stride, struct cg_v n1)
{
	unsigned int rd = opnd(c, dst), rs = opnd(c, src), rm = opnd(c, m), rn = opnd(c, n);
	unsigned int rst = opnd(c, stride), rn1 = opnd(c, n1);
	sinan_asm_fixp(c->a, buf, dt, flags, rd, rs, rm, rn, rst, rn1);
	done(c);
}

void cg_setcfg(struct cg *c, unsigned int cfg, struct cg_v v)
{
	sinan_asm_setcfg(c->a, cfg, opnd(c, v));
	done(c);
}

void cg_vbin(struct cg *c, unsigned int op, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v s0, struct cg_v s1, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss0,
	     uint64_t ss1)
{
	unsigned int rd = opnd(c, dst), ra = opnd(c, s0), rb = opnd(c, s1), rn = opnd(c, n);
	unsigned int rr = opnd(c, rows), rs = opnd(c, CG_I(SINAN_V_STRIDES(sd, ss0, ss1)));
	sinan_asm_vbin(c->a, op, dt, flags, rd, ra, rb, rn, rr, rs);
	done(c);
}

void cg_vscalar(struct cg *c, unsigned int op, unsigned int dt, struct cg_v dst, struct cg_v src,
		struct cg_v scalar, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss)
{
	unsigned int rd = opnd(c, dst), ra = opnd(c, src), rb = opnd(c, scalar), rn = opnd(c, n);
	unsigned int rr = opnd(c, rows), rs = opnd(c, CG_I(SINAN_V_STRIDES(sd, ss, 0)));
	sinan_asm_vscalar(c->a, op, dt, rd, ra, rb, rn, rr, rs);
	done(c);
}

void cg_vun(struct cg *c, unsigned int op, unsigned int dt, struct cg_v dst, struct cg_v src,
	    struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss)
{
	unsigned int rd = opnd(c, dst), ra = opnd(c, src), rn = opnd(c, n), rr = opnd(c, rows);
	unsigned int rs = opnd(c, CG_I(SINAN_V_STRIDES(sd, ss, 0)));
	sinan_asm_vun(c->a, op, dt, rd, ra, rn, rr, rs);
	done(c);
}

void cg_vcvt(struct cg *c, unsigned int sdt, unsigned int ddt, unsigned int rnd, unsigned int flags,
	     struct cg_v dst, struct cg_v src, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss)
{
	unsigned int rd = opnd(c, dst), ra = opnd(c, src), rn = opnd(c, n), rr = opnd(c, rows);
	unsigned int rs = opnd(c, CG_I(SINAN_V_STRIDES(sd, ss, 0)));
	sinan_asm_vcvt(c->a, sdt, ddt, rnd, flags, rd, ra, rn, rr, rs);
	done(c);
}

void cg_vred(struct cg *c, unsigned int op, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v src, struct cg_v n, struct cg_v rows, uint64_t ss)
{
	unsigned int rd = opnd(c, dst), ra = opnd(c, src), rn = opnd(c, n), rr = opnd(c, rows);
	unsigned int rs = opnd(c, CG_I(SINAN_V_STRIDES(0, ss, 0)));
	sinan_asm_vred(c->a, op, dt, flags, rd, ra, rn, rr, rs);
	done(c);
}

void cg_vdup(struct cg *c, unsigned int dt, struct cg_v dst, struct cg_v scalar, struct cg_v n,
	     struct cg_v rows, uint64_t sd)
{
	unsigned int rd = opnd(c, dst), rb = opnd(c, scalar), rn = opnd(c, n), rr = opnd(c, rows);
	unsigned int rs = opnd(c, CG_I(SINAN_V_STRIDES(sd, 0, 0)));
	sinan_asm_vdup(c->a, dt, rd, rb, rn, rr, rs);
	done(c);
}

void cg_vcmp(struct cg *c, unsigned int cmp, unsigned int dt, unsigned int flags, struct cg_v dst,
	     struct cg_v s0, struct cg_v s1, struct cg_v n, struct cg_v rows, uint64_t sd, uint64_t ss0,
	     uint64_t ss1)
{
	unsigned int rd = opnd(c, dst), ra = opnd(c, s0), rb = opnd(c, s1), rn = opnd(c, n);
	unsigned int rr = opnd(c, rows), rs = opnd(c, CG_I(SINAN_V_STRIDES(sd, ss0, ss1)));
	sinan_asm_vcmp(c->a, cmp, dt, flags, rd, ra, rb, rn, rr, rs);
	done(c);
}

void cg_vsel(struct cg *c, unsigned int dt, struct cg_v dst, struct cg_v mask, struct cg_v s0,
	     struct cg_v s1, struct cg_v n, struct cg_v rows)
{
	unsigned int rd = opnd(c, dst), rm = opnd(c, mask), ra = opnd(c, s0), rb = opnd(c, s1);
	unsigned int rn = opnd(c, n), rr = opnd(c, rows);
	sinan_asm_vsel(c->a, dt, rd, rm, ra, rb, rn, rr);
	done(c);
}

void cg_set(struct cg *c, unsigned int src, unsigned int dst, unsigned int ev)
{
	sinan_asm_set_flag(c->a, src, dst, ev);
}

void cg_wait(struct cg *c, unsigned int src, unsigned int dst, unsigned int ev)
{
	sinan_asm_wait_flag(c->a, src, dst, ev);
}

void cg_barrier(struct cg *c, unsigned int pipe)
{
	sinan_asm_barrier(c->a, pipe);
}

uint32_t cg_blocks(const struct cg *c, uint64_t items)
{
	uint64_t b = c->tgt->cores ? c->tgt->cores : 1;
	return (uint32_t)(items < b ? (items ? items : 1) : b);
}

/* lo = b * items / B, hi = (b + 1) * items / B */
void cg_block_range(struct cg *c, unsigned int lo, unsigned int hi, uint64_t items)
{
	cg_li(c, lo, items);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, hi, 2, lo);		/* hi = b * items */
	sinan_asm_alu(c->a, SINAN_ALU_ADD, hi, hi, lo);		/* hi = (b + 1) * items */
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, hi, hi, 3);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, lo, 2, lo);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, lo, lo, 3);
}

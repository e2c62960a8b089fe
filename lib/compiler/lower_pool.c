// SPDX-License-Identifier: MIT
/*
 * MaxPool and AveragePool (1-D and 2-D) on the vector unit, in NC1HWC0.
 *
 * In 5HD the C0 channels of a pixel are 32 contiguous bytes, so for one
 * kernel tap (kh, kw) the inputs of a whole output row are rows of 32 bytes
 * at a stride of SW pixels: one VBIN (rows = OW, n = C0) folds a tap into
 * the output row. A band of input rows is placed in the unified buffer with
 * its padding (the pad value: -inf for max, 0 for average); average pooling
 * pools a plane of ones the same way to get each window's divisor (ones on
 * the input, or on the padded input for count_include_pad).
 */
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct pp {
	bool avg, incl;
	int64_t N, C, C1, c0, es, H, W, OH, OW, KH, KW, SH, SW, DH, DW, pt, pb, pl, pr;
	int64_t Hp, Wp;		/* padded extents covering every window (ceil mode included) */
	int64_t band, brows;	/* output rows per band, padded input rows per band */
	int dt;
	struct cc_tensor *x5, *y5;
	struct cc_tensor *id_in, *id_out;	/* identity blocks of the cube transposes, or NULL */
};

static int esz(int dt)
{
	return (int)sinan_dtype_size((unsigned int)dt);
}

bool cc_is_pool(const struct cc_node *n)
{
	return !n->domain[0] && (!strcmp(n->op, "MaxPool") || !strcmp(n->op, "AveragePool"));
}

static int geometry(struct cc_graph *g, struct cc_node *n, struct pp *p, const struct cc_target *t)
{
	struct cc_convgeo cg;
	memset(p, 0, sizeof(*p));
	if (cc_pool_geo(g, n, &cg))
		return -g->err_code;
	if (cg.nsp > 2)
		return NERR(g, n, ENOTSUP, "3-D pooling is not supported on the device");
	if (n->nout > 1 && n->out[1])
		return NERR(g, n, ENOTSUP, "output 'Indices' is not supported on the device");
	p->dt = cc_hw_dtype(n->in[0]->dtype);
	if (p->dt != SINAN_DT_FP32 && p->dt != SINAN_DT_FP16 && p->dt != SINAN_DT_BF16)
		return NERR(g, n, ENOTSUP, "pooling of %s is not supported on the device", cc_dtype_name(n->in[0]->dtype));
	p->avg = !strcmp(n->op, "AveragePool");
	p->incl = p->avg && cc_attr_i(n, "count_include_pad", 0);
	p->es = esz(p->dt);
	p->c0 = 32 / p->es;
	p->N = cg.n;
	p->C = cg.c;
	p->C1 = CC_DIV_UP(p->C, p->c0);
	bool one = cg.nsp == 1;
	p->H = one ? 1 : cg.in[0];
	p->W = cg.in[one ? 0 : 1];
	p->OH = one ? 1 : cg.out[0];
	p->OW = cg.out[one ? 0 : 1];
	p->KH = one ? 1 : cg.k[0];
	p->KW = cg.k[one ? 0 : 1];
	p->SH = one ? 1 : cg.s[0];
	p->SW = cg.s[one ? 0 : 1];
	p->DH = one ? 1 : cg.d[0];
	p->DW = cg.d[one ? 0 : 1];
	p->pt = one ? 0 : cg.pb[0];
	p->pb = one ? 0 : cg.pe[0];
	p->pl = cg.pb[one ? 0 : 1];
	p->pr = cg.pe[one ? 0 : 1];
	p->Wp = CC_MAX(p->W + p->pl + p->pr, (p->OW - 1) * p->SW + (p->KW - 1) * p->DW + 1);
	p->Hp = CC_MAX(p->H + p->pt + p->pb, (p->OH - 1) * p->SH + (p->KH - 1) * p->DH + 1);
	/* band: padded input rows + (ones) + output rows in half the UB */
	int64_t budget = (int64_t)t->ub - 4096;
	int64_t planes = p->avg ? 2 : 1;
	p->band = p->OH;
	for (;;) {
		p->brows = (p->band - 1) * p->SH + (p->KH - 1) * p->DH + 1;
		int64_t need = planes * (p->brows * p->Wp * 32 + p->band * p->OW * 32) + p->band * p->OW * 32;
		if (need <= budget)
			break;
		if (p->band == 1)
			return NERR(g, n, ENOTSUP, "rows of %lld pixels do not fit the unified buffer", (long long)p->Wp);
		p->band = (p->band + 1) / 2;
	}
	return 0;
}

int cc_pool_supported(struct cc_graph *g, struct cc_node *n, int precision, const struct cc_target *t)
{
	struct pp p;
	(void)precision;
	return geometry(g, n, &p, t);
}

int cc_prelower_pool(struct cc_graph *g, const struct cc_target *t, struct cc_node *n)
{
	struct pp *p = cc_arena_alloc(&g->arena, sizeof(*p));
	if (!p)
		return cc_err(g, ENOMEM, "out of memory");
	if (geometry(g, n, p, t))
		return -g->err_code;
	int dt = n->in[0]->dtype;
	int64_t xd[5] = { p->N, p->C1, p->H, p->W, p->c0 }, yd[5] = { p->N, p->C1, p->OH, p->OW, p->c0 };
	/* NC1HWC0 input/output (pass_layout.c) are used as they are; else 5HD scratch */
	bool in5 = n->in[0]->c0 != 0, out5 = n->out[0]->c0 != 0;
	if ((in5 && n->in[0]->c0 != p->c0) || (out5 && n->out[0]->c0 != p->c0))
		return NERR(g, n, EINVAL, "internal: NC1HWC0 block differs from the pooling's");
	p->x5 = in5 ? n->in[0] : cc_tensor_new(g, cc_name_gen(g, "x5hd"), dt, 5, xd);
	p->y5 = out5 ? n->out[0] : cc_tensor_new(g, cc_name_gen(g, "y5hd"), dt, 5, yd);
	if (!p->x5 || !p->y5)
		return -g->err_code;
	if (!in5)
		p->x5->dev_dtype = cc_dev_type(dt);
	if (!out5)
		p->y5->dev_dtype = cc_dev_type(dt);
	struct cc_tensor **in = cc_arena_alloc(&g->arena, sizeof(*in) * 5);
	struct cc_tensor **out = cc_arena_alloc(&g->arena, sizeof(*out) * 3);
	if (!in || !out)
		return cc_err(g, ENOMEM, "out of memory");
	int ni = 1, no = 1;
	in[0] = n->in[0];
	out[0] = n->out[0];
	if (!in5 && (p->id_in = cc_layout_identity(g, n->in[0], true)))
		in[ni++] = p->id_in;
	if (!out5 && (p->id_out = cc_layout_identity(g, n->in[0], false)))
		in[ni++] = p->id_out;
	if (g->err_code)
		return -g->err_code;
	if (!in5) {
		in[ni++] = p->x5;
		out[no++] = p->x5;
		p->x5->producer = n;
	}
	if (!out5) {
		in[ni++] = p->y5;
		out[no++] = p->y5;
		p->y5->producer = n;
	}
	n->in = in;
	n->nin = ni;
	n->out = out;
	n->nout = no;
	n->priv = p;
	return 0;
}

struct prg {
	unsigned int it, hi, pl, bnd, t0, t1, xb, yb, oh, k, len, top, bot;
};

/* Pool one plane at @src (brows x Wp pixels) into @dst (band rows x OW pixels), for @rows output rows. */
static void pool_plane(struct cg *c, const struct pp *p, const struct prg *R, uint32_t src, uint32_t dst, bool avg)
{
	unsigned int op = avg ? SINAN_VB_ADD : SINAN_VB_MAX;
	int top = sinan_asm_label(c->a), done = sinan_asm_label(c->a);
	cg_li(c, R->oh, 0);
	cg_li(c, R->t1, dst);			/* output row address */
	cg_li(c, R->k, src);			/* first input row of this output row */
	sinan_asm_bind(c->a, top);
	sinan_asm_br(c->a, SINAN_BR_GEU, R->oh, R->len, done);
	for (int64_t kh = 0; kh < p->KH; kh++)
		for (int64_t kw = 0; kw < p->KW; kw++) {
			uint64_t off = (uint64_t)((kh * p->DH * p->Wp + kw * p->DW) * 32);
			cg_alu(c, SINAN_ALU_ADD, R->t0, R->k, CG_I(off));
			if (kh == 0 && kw == 0)
				cg_vun(c, SINAN_VU_COPY, (unsigned int)p->dt, CG_R(R->t1), CG_R(R->t0), CG_I((uint64_t)p->c0),
				       CG_I((uint64_t)p->OW), 32, (uint64_t)(p->SW * 32));
			else
				cg_vbin(c, op, (unsigned int)p->dt, 0, CG_R(R->t1), CG_R(R->t1), CG_R(R->t0),
					CG_I((uint64_t)p->c0), CG_I((uint64_t)p->OW), 32, 32, (uint64_t)(p->SW * 32));
		}
	cg_alu(c, SINAN_ALU_ADD, R->oh, R->oh, CG_I(1));
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I((uint64_t)(p->OW * 32)));
	cg_alu(c, SINAN_ALU_ADD, R->k, R->k, CG_I((uint64_t)(p->SH * p->Wp * 32)));
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, done);
}

int cc_lower_pool(struct cg *c, struct cc_node *n)
{
	struct pp *p = n->priv;
	struct cc_graph *g = c->g;
	int rc;

	if (!p)
		return NERR(g, n, EINVAL, "internal: pooling not planned");
	/* x -> x5 (channel padding zeros), unless x is stored NC1HWC0 already */
	int64_t HW = p->H * p->W, P = p->OH * p->OW;
	if (p->x5 != n->in[0]) {
		rc = cc_emit_5hd(c, n, n->in[0], p->x5, true, p->N, p->C, HW, p->c0, p->id_in, "in");
		if (rc)
			return rc;
	}

	/* UB: padded input band, (ones band), output band, (count band) */
	uint32_t bx = 0, bxb = (uint32_t)(p->brows * p->Wp * 32);
	uint32_t bo = bx + bxb, bob = (uint32_t)(p->band * p->OW * 32);
	uint32_t b1 = bo + bob, bc = b1 + bxb;
	int64_t nbands = CC_DIV_UP(p->OH, p->band);
	uint64_t items = (uint64_t)(p->N * p->C1 * nbands);
	double padv = p->avg ? 0.0 : -INFINITY;

	rc = cg_begin(c, n->op, NULL);
	if (rc)
		return rc;
	struct prg R;
	unsigned int *rp = (unsigned int *)&R;
	for (size_t i = 0; i < sizeof(R) / sizeof(unsigned int); i++)
		rp[i] = cg_reg(c);
	cg_ldarg(c, R.xb, cg_arg(c, p->x5, 0, false));
	cg_ldarg(c, R.yb, cg_arg(c, p->y5, 0, true));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_block_range(c, R.it, R.hi, items);
	int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a);
	sinan_asm_bind(c->a, top);
	sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
	/* item -> plane (n, c1), band */
	cg_li(c, 26, (uint64_t)nbands);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R.bnd, R.it, 26);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R.pl, R.it, 26);
	/* oh0 = bnd * band; rows = min(band, OH - oh0) -> len; ih0 = oh0 * SH - pt (signed) */
	cg_alu(c, SINAN_ALU_MUL, R.t0, R.bnd, CG_I((uint64_t)p->band));
	cg_li(c, R.len, (uint64_t)p->OH);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R.len, R.len, R.t0);
	cg_alu(c, SINAN_ALU_MINU, R.len, R.len, CG_I((uint64_t)p->band));
	cg_alu(c, SINAN_ALU_MUL, R.t0, R.t0, CG_I((uint64_t)p->SH));
	cg_alu(c, SINAN_ALU_SUB, R.t0, R.t0, CG_I((uint64_t)p->pt));	/* ih0, may be < 0 */
	/* valid input rows [max(ih0, 0), min(ih0 + brows, H)): top = max(0, -ih0) rows of padding first */
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R.top, 0, R.t0);
	sinan_asm_alu(c->a, SINAN_ALU_MAX, R.top, R.top, 0);
	sinan_asm_alu(c->a, SINAN_ALU_MAX, R.t1, R.t0, 0);		/* first valid input row */
	cg_alu(c, SINAN_ALU_ADD, R.bot, R.t0, CG_I((uint64_t)p->brows));
	cg_alu(c, SINAN_ALU_MIN, R.bot, R.bot, CG_I((uint64_t)p->H));
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R.bot, R.bot, R.t1);		/* valid rows (may be <= 0) */
	sinan_asm_alu(c->a, SINAN_ALU_MAX, R.bot, R.bot, 0);
	/* V: pad value everywhere, ones (count plane) over the counted region */
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);	/* the previous output band is stored */
	cg_vdup(c, (unsigned int)p->dt, CG_I(bx), CG_I(cg_scalar_bits(p->dt, padv)),
		CG_I((uint64_t)(p->brows * p->Wp * p->c0)), CG_I(1), 0);
	if (p->avg) {
		cg_vdup(c, (unsigned int)p->dt, CG_I(b1), CG_I(0), CG_I((uint64_t)(p->brows * p->Wp * p->c0)), CG_I(1), 0);
		/* ones: rows [top, top + valid) x columns [pl, pl + W) (or the padded region with incl) */
		if (p->incl) {	/* padded rows: band rows whose input index is in [-pt, H + pb) */
			cg_alu(c, SINAN_ALU_ADD, R.k, R.t0, CG_I((uint64_t)p->brows));
			cg_alu(c, SINAN_ALU_MIN, R.k, R.k, CG_I((uint64_t)(p->H + p->pb)));
			cg_alu(c, SINAN_ALU_MAX, R.oh, R.t0, CG_I((uint64_t)-p->pt));
			sinan_asm_alu(c->a, SINAN_ALU_SUB, R.k, R.k, R.oh);	/* rows counted */
			sinan_asm_alu(c->a, SINAN_ALU_SUB, R.oh, R.oh, R.t0);	/* first counted row in the band */
			cg_alu(c, SINAN_ALU_MUL, R.oh, R.oh, CG_I((uint64_t)(p->Wp * 32)));
			cg_alu(c, SINAN_ALU_ADD, R.oh, R.oh, CG_I(b1));
			cg_vdup(c, (unsigned int)p->dt, CG_R(R.oh), CG_I(cg_scalar_bits(p->dt, 1.0)),
				CG_I((uint64_t)((p->W + p->pl + p->pr) * p->c0)), CG_R(R.k), (uint64_t)(p->Wp * 32));
		} else {
			cg_alu(c, SINAN_ALU_MUL, R.oh, R.top, CG_I((uint64_t)(p->Wp * 32)));
			cg_alu(c, SINAN_ALU_ADD, R.oh, R.oh, CG_I(b1 + (uint32_t)(p->pl * 32)));
			cg_vdup(c, (unsigned int)p->dt, CG_R(R.oh), CG_I(cg_scalar_bits(p->dt, 1.0)),
				CG_I((uint64_t)(p->W * p->c0)), CG_R(R.bot), (uint64_t)(p->Wp * 32));
		}
	}
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	/* MTE2: the valid input rows into the padded band */
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 0);
	/* src = x5 + (pl * H + first valid row) * W * 32 */
	cg_alu(c, SINAN_ALU_MUL, R.k, R.pl, CG_I((uint64_t)p->H));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R.k, R.k, R.t1);
	cg_alu(c, SINAN_ALU_MUL, R.k, R.k, CG_I((uint64_t)(p->W * 32)));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R.k, R.k, R.xb);
	cg_alu(c, SINAN_ALU_MUL, R.oh, R.top, CG_I((uint64_t)(p->Wp * 32)));
	cg_alu(c, SINAN_ALU_ADD, R.oh, R.oh, CG_I(bx + (uint32_t)(p->pl * 32)));
	cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_R(R.oh), CG_R(R.k), CG_R(R.bot), CG_I((uint64_t)(p->W * 32)),
	       CG_I((uint64_t)(p->W * 32)), CG_I((uint64_t)(p->Wp * 32)));
	cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	/* V: pool */
	cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 0);
	pool_plane(c, p, &R, bx, bo, p->avg);
	if (p->avg) {
		pool_plane(c, p, &R, b1, bc, true);
		cg_alu(c, SINAN_ALU_MUL, R.k, R.len, CG_I((uint64_t)p->OW));
		cg_vbin(c, SINAN_VB_DIV, (unsigned int)p->dt, 0, CG_I(bo), CG_I(bo), CG_I(bc), CG_I((uint64_t)p->c0), CG_R(R.k),
			32, 32, 32);
	}
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	/* MTE3: output rows [oh0, + len) of the plane */
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_alu(c, SINAN_ALU_MUL, R.k, R.pl, CG_I((uint64_t)p->OH));
	cg_alu(c, SINAN_ALU_MUL, R.t0, R.bnd, CG_I((uint64_t)p->band));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R.k, R.k, R.t0);
	cg_alu(c, SINAN_ALU_MUL, R.k, R.k, CG_I((uint64_t)(p->OW * 32)));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R.k, R.k, R.yb);
	cg_alu(c, SINAN_ALU_MUL, R.t0, R.len, CG_I((uint64_t)(p->OW * 32)));
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R.k), CG_I(bo), CG_I(1), CG_R(R.t0), CG_I(0), CG_I(0));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_alu(c, SINAN_ALU_ADD, R.it, R.it, CG_I(1));
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, end);
	c->k->bytes = cc_tensor_bytes(p->x5) + cc_tensor_bytes(p->y5);
	rc = cg_end(c, cg_blocks(c, items));
	if (rc)
		return rc;
	/* y5 -> y, unless y is stored NC1HWC0 */
	if (p->y5 == n->out[0])
		return 0;
	return cc_emit_5hd(c, n, p->y5, n->out[0], false, p->N, p->C, P, p->c0, p->id_out, "out");
}

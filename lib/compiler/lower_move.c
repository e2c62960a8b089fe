// SPDX-License-Identifier: MIT
/*
 * Data movement: Transpose, Slice, Concat, Split, Tile, Pad (constant),
 * DepthToSpace/SpaceToDepth, Gather, and copies. Each is one or more
 * strided copies: an output region (row-major, possibly a sub-block of the
 * output tensor) filled from the input at base + sum(index * stride), any
 * strides (0 repeats, a step, a permutation). A copy streams tiles through
 * the unified buffer: MTE2 gathers a tile (whole rows when the input's inner
 * stride is 1, else element bursts row by row), MTE3 writes it out; two
 * buffers, flags MTE2->MTE3 and MTE3->MTE2.
 */
#include "cg_int.h"

#include <stdio.h>
#include <stdlib.h>

#define VR	CC_VIEW_RANK

static int esz(int dt)
{
	return (int)sinan_dtype_size((unsigned int)dt);
}

static void view_merge(struct view *v)
{
	struct view m;
	int r = 0;
	memset(&m, 0, sizeof(m));
	for (int i = 0; i < v->rank; i++) {
		if (v->d[i] == 1)
			continue;
		if (r && m.si[r - 1] == v->si[i] * v->d[i] && m.so[r - 1] == v->so[i] * v->d[i]) {
			m.d[r - 1] *= v->d[i];
			m.si[r - 1] = v->si[i];
			m.so[r - 1] = v->so[i];
			continue;
		}
		m.d[r] = v->d[i];
		m.si[r] = v->si[i];
		m.so[r] = v->so[i];
		r++;
	}
	if (!r) {
		m.d[0] = 1;
		m.si[0] = m.so[0] = 1;
		r = 1;
	}
	m.rank = r;
	m.ioff = v->ioff;
	m.ooff = v->ooff;
	*v = m;
}

/* A row longer than @maxcols elements becomes rows of a divisor of its length
 * (at least 64 elements); false if there is none. */
static bool view_split_row(struct view *v, int64_t maxcols)
{
	int r = v->rank;
	int64_t n = v->d[r - 1];

	if (r >= VR)
		return false;
	for (int64_t b = CC_MIN(maxcols, n / 2); b >= 64; b--)
		if (n % b == 0) {
			v->d[r] = b;
			v->si[r] = v->si[r - 1];
			v->so[r] = v->so[r - 1];
			v->d[r - 1] = n / b;
			v->si[r - 1] *= b;
			v->so[r - 1] *= b;
			v->rank = r + 1;
			return true;
		}
	return false;
}

struct mr {
	unsigned int it, hi, o, rb, nr, t0, t1, t2, xb, yb, len, k;
};

/* t0 = base + (ooff/ioff + outer coords . strides) * es; uses x26-28 */
static void addr(struct cg *c, const struct view *v, const struct mr *R, bool out, int es, int64_t rows_per)
{
	const int64_t *st = out ? v->so : v->si;
	int r = v->rank;
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, out ? R->yb : R->xb, 0);
	cg_alu(c, SINAN_ALU_ADD, R->t0, R->t0, CG_I((uint64_t)((out ? v->ooff : v->ioff) * es)));
	if (r > 2) {
		sinan_asm_alu(c->a, SINAN_ALU_ADD, 28, R->o, 0);
		for (int i = r - 3; i >= 0; i--) {
			if (st[i]) {
				cg_li(c, 27, (uint64_t)v->d[i]);
				sinan_asm_alu(c->a, SINAN_ALU_REMU, 26, 28, 27);
				cg_li(c, 27, (uint64_t)(st[i] * es));
				sinan_asm_alu(c->a, SINAN_ALU_MUL, 26, 26, 27);
				sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, 26);
			}
			if (i) {
				cg_li(c, 27, (uint64_t)v->d[i]);
				sinan_asm_alu(c->a, SINAN_ALU_DIVU, 28, 28, 27);
			}
		}
	}
	if (r >= 2 && st[r - 2]) {
		cg_li(c, 27, (uint64_t)(rows_per * st[r - 2] * es));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, 26, R->rb, 27);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, 26);
	}
}

static void copy_body(struct cg *c, const struct view *v, const struct mr *R, int s, int es, int64_t rows,
		      int64_t RB, uint32_t buf, uint64_t pitch)
{
	int r = v->rank;
	int64_t n = v->d[r - 1], rs_in = r >= 2 ? v->si[r - 2] : 0, rs_out = r >= 2 ? v->so[r - 2] : 0;

	cg_li(c, 26, (uint64_t)RB);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->rb, R->it, 26);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->o, R->it, 26);
	cg_alu(c, SINAN_ALU_MUL, R->nr, R->rb, CG_I((uint64_t)rows));
	cg_li(c, 26, (uint64_t)(r >= 2 ? v->d[r - 2] : 1));
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->nr, 26, R->nr);
	cg_alu(c, SINAN_ALU_MINU, R->nr, R->nr, CG_I((uint64_t)rows));
	/* MTE2 */
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, (unsigned int)s);
	addr(c, v, R, false, es, rows);
	if (v->si[r - 1] == 1) {
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(buf), CG_R(R->t0), CG_R(R->nr), CG_I((uint64_t)(n * es)),
		       CG_I((uint64_t)(rs_in * es)), CG_I(pitch));
	} else {	/* element bursts, one row at a time */
		int top = sinan_asm_label(c->a), done = sinan_asm_label(c->a);
		cg_li(c, R->k, 0);
		cg_li(c, R->t1, buf);
		sinan_asm_bind(c->a, top);
		sinan_asm_br(c->a, SINAN_BR_GEU, R->k, R->nr, done);
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_R(R->t1), CG_R(R->t0), CG_I((uint64_t)n), CG_I((uint64_t)es),
		       CG_I((uint64_t)(v->si[r - 1] * es)), CG_I((uint64_t)es));
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->t0, CG_I((uint64_t)(rs_in * es)));
		cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(pitch));
		cg_alu(c, SINAN_ALU_ADD, R->k, R->k, CG_I(1));
		sinan_asm_jmp(c->a, top);
		sinan_asm_bind(c->a, done);
	}
	cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE3, (unsigned int)s);
	/* MTE3 */
	cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE3, (unsigned int)s);
	addr(c, v, R, true, es, rows);
	if (v->so[r - 1] == 1) {
		cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_I(buf), CG_R(R->nr), CG_I((uint64_t)(n * es)),
		       CG_I(pitch), CG_I((uint64_t)(rs_out * es)));
	} else {	/* element bursts, one row at a time */
		int top = sinan_asm_label(c->a), done = sinan_asm_label(c->a);
		cg_li(c, R->t2, 0);
		cg_li(c, R->t1, buf);
		sinan_asm_bind(c->a, top);
		sinan_asm_br(c->a, SINAN_BR_GEU, R->t2, R->nr, done);
		cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_R(R->t1), CG_I((uint64_t)n), CG_I((uint64_t)es),
		       CG_I((uint64_t)es), CG_I((uint64_t)(v->so[r - 1] * es)));
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->t0, CG_I((uint64_t)(rs_out * es)));
		cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(pitch));
		cg_alu(c, SINAN_ALU_ADD, R->t2, R->t2, CG_I(1));
		sinan_asm_jmp(c->a, top);
		sinan_asm_bind(c->a, done);
	}
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, (unsigned int)s);
}

/* One kernel: copy view @v from @x to @y. */
/* One kernel running several copies of @x into @y, one after another (their outputs must not overlap). */
int cc_emit_copies(struct cg *c, struct cc_node *n, struct cc_tensor *x, struct cc_tensor *y, struct view *vs,
		   int nv, const char *suffix)
{
	int es = esz(cc_hw_dtype(x->dtype));
	uint64_t half = (c->tgt->ub - 1024) / 2, maxitems = 1, bytes = 0;
	int rc = cg_begin(c, n->op, suffix);
	if (rc)
		return rc;
	struct mr R;
	unsigned int *rp = (unsigned int *)&R;
	for (size_t i = 0; i < sizeof(R) / sizeof(unsigned int); i++)
		rp[i] = cg_reg(c);
	cg_ldarg(c, R.xb, cg_arg(c, x, 0, false));
	cg_ldarg(c, R.yb, cg_arg(c, y, 0, true));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 0);
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 1);
	for (int k = 0; k < nv; k++) {
		struct view *v = &vs[k];
		view_merge(v);
		if ((uint64_t)CC_ALIGN(v->d[v->rank - 1] * es, 32) > half)	/* one long row: several */
			view_split_row(v, (int64_t)(half / (uint64_t)es));
		int r = v->rank;
		int64_t cols = v->d[r - 1];
		uint64_t pitch = (uint64_t)CC_ALIGN(cols * es, 32);
		if (!pitch)	/* empty: nothing to move (and no division by it) */
			continue;
		if (pitch > half) {
			c->rc = NERR(c->g, n, ENOTSUP, "rows of %lld elements do not fit the unified buffer",
				     (long long)cols);
			break;
		}
		int64_t rows = CC_MIN((int64_t)(half / pitch), r >= 2 ? v->d[r - 2] : 1);
		if (v->si[r - 1] != 1 || v->so[r - 1] != 1)
			rows = CC_MIN(rows, 256);	/* element bursts: keep tiles moderate */
		int64_t RB = CC_DIV_UP(r >= 2 ? v->d[r - 2] : 1, rows), outer = 1;
		for (int i = 0; i + 2 < r; i++)
			outer *= v->d[i];
		uint64_t items = (uint64_t)(outer * RB);
		uint32_t buf[2] = { 0, (uint32_t)CC_ALIGN((uint64_t)rows * pitch, 32) };
		cg_block_range(c, R.it, R.hi, items);
		int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a);
		sinan_asm_bind(c->a, top);
		sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
		copy_body(c, v, &R, 0, es, rows, RB, buf[0], pitch);
		cg_alu(c, SINAN_ALU_ADD, R.it, R.it, CG_I(1));
		sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
		copy_body(c, v, &R, 1, es, rows, RB, buf[1], pitch);
		cg_alu(c, SINAN_ALU_ADD, R.it, R.it, CG_I(1));
		sinan_asm_jmp(c->a, top);
		sinan_asm_bind(c->a, end);
		uint64_t ne = 1;
		for (int i = 0; i < r; i++)
			ne *= (uint64_t)v->d[i];
		bytes += 2 * ne * (uint64_t)es;
		maxitems = CC_MAX(maxitems, items);
	}
	c->k->bytes = bytes;
	return cg_end(c, cg_blocks(c, maxitems));
}

int cc_emit_copy(struct cg *c, struct cc_node *n, struct cc_tensor *x, struct cc_tensor *y, struct view *v,
		 const char *suffix)
{
	return cc_emit_copies(c, n, x, y, v, 1, suffix);
}

/* Fill @y's region (view with only output strides) with a constant. */
int cc_emit_fill(struct cg *c, struct cc_node *n, struct cc_tensor *y, double value)
{
	int dt = cc_hw_dtype(y->dtype), es = esz(dt);
	uint64_t total = cc_dev_bytes(y);
	uint64_t chunk = CC_MIN((uint64_t)(c->tgt->ub / 2) & ~31ULL, CC_ALIGN(total, 32));
	if (!total)	/* an empty tensor: nothing to fill (chunk 0 divided below) */
		return 0;
	int rc = cg_begin(c, n->op, "fill");
	if (rc)
		return rc;
	unsigned int it = cg_reg(c), hi = cg_reg(c), t0 = cg_reg(c), len = cg_reg(c), yb = cg_reg(c);
	cg_ldarg(c, yb, cg_arg(c, y, 0, true));
	cg_vdup(c, (unsigned int)dt, CG_I(0), CG_I(cg_scalar_bits(dt, value)), CG_I(chunk / (uint64_t)es), CG_I(1), 0);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	uint64_t items = CC_DIV_UP(total, chunk);
	cg_block_range(c, it, hi, items);
	int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a);
	sinan_asm_bind(c->a, top);
	sinan_asm_br(c->a, SINAN_BR_GEU, it, hi, end);
	cg_alu(c, SINAN_ALU_MUL, t0, it, CG_I(chunk));
	cg_li(c, len, total);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, len, len, t0);
	cg_alu(c, SINAN_ALU_MINU, len, len, CG_I(chunk));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, t0, t0, yb);
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(t0), CG_I(0), CG_I(1), CG_R(len), CG_I(0), CG_I(0));
	cg_alu(c, SINAN_ALU_ADD, it, it, CG_I(1));
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, end);
	c->k->bytes = total;
	return cg_end(c, cg_blocks(c, items));
}

/*
 * The transpose between NCHW and NC1HWC0 on the cube, at device-memory speed: per tile of pl
 * positions of one channel block, MTE2 loads contiguous rows into L1, LOADF (transposed) makes
 * the fractal operand, MMAD multiplies it by an identity block and the fixpipe writes the
 * result rows straight to device memory:
 *   to 5HD:  A = x[c][p] read transposed (pl x k0), C = A x I  (pl x C0 rows of 32 bytes)
 *   to NCHW: B = x5[p][c] read transposed (k0 x pl), C = I x B (C0 x pl, one row per channel)
 * The products are exact (x * 1 + 0 * others, fp32 accumulation) for finite values; an
 * infinity or NaN in one channel of a position turns the others of that position into NaN
 * (0 x inf), a -0 becomes +0. Missing channels of the last block are zero (LOADF pads).
 * Flags per slot s: MTE1->MTE2 (L1 free), MTE2->MTE1 (L1 loaded), M->MTE1 (L0 free),
 * MTE1->M (L0 loaded), FIX->M (L0C free), M->FIX (L0C done); MTE2->M 7 (identity).
 */
/* t0 += ((img * C + c1 * c0) * HW + p0) * es: the NCHW address of a tile (t1 and r28 scratch) */
static void nchw_tile_addr(struct cg *c, unsigned int t0, unsigned int t1, unsigned int img, unsigned int c1,
			   unsigned int p0, int64_t C, int64_t c0, int64_t HW, int64_t es)
{
	cg_alu(c, SINAN_ALU_MUL, t1, img, CG_I((uint64_t)C));
	cg_alu(c, SINAN_ALU_MUL, 28, c1, CG_I((uint64_t)c0));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, t1, t1, 28);
	cg_alu(c, SINAN_ALU_MUL, t1, t1, CG_I((uint64_t)HW));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, t1, t1, p0);
	cg_alu(c, SINAN_ALU_MUL, t1, t1, CG_I((uint64_t)es));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, t0, t0, t1);
}

static int emit_5hd_cube(struct cg *c, struct cc_node *n, struct cc_tensor *x, struct cc_tensor *y, bool to,
			 int64_t N, int64_t C, int64_t HW, int64_t c0, struct cc_tensor *ident, const char *suffix)
{
	const struct cc_target *t = c->tgt;
	int dt = cc_hw_dtype(x->dtype), es = esz(dt);
	int64_t C1 = CC_DIV_UP(C, c0);
	/* positions per tile: L0A/L0B slot pl * 32 bytes, L0C slot pl * 64, L1 slot c0 rows of pl or pl * 32 */
	int64_t pt = 1024;
	while (pt > 16 && (2 * pt * 32 > (int64_t)(to ? t->l0a : t->l0b) || 2 * pt * 64 > (int64_t)t->l0c ||
			   2 * c0 * CC_ALIGN(pt * es, 32) > (int64_t)t->l1))
		pt /= 2;
	pt = CC_MIN(pt, CC_ALIGN(HW, 16));
	int64_t PT = CC_DIV_UP(HW, pt), pitch = CC_ALIGN(pt * es, 32);
	uint64_t items = (uint64_t)(N * C1 * PT);
	uint32_t l1s = (uint32_t)CC_ALIGN(to ? c0 * pitch : pt * 32, 512), l0s = (uint32_t)(pt * 32);
	uint32_t l0cs = (uint32_t)(pt * 64);
	int rc = cg_begin(c, n->op, suffix);
	if (rc)
		return rc;
	unsigned int it = cg_reg(c), hi = cg_reg(c), t0 = cg_reg(c), t1 = cg_reg(c), pl = cg_reg(c), cc = cg_reg(c);
	unsigned int img = cg_reg(c), c1 = cg_reg(c), p0 = cg_reg(c);
	int ax = cg_arg(c, x, 0, false), ay = cg_arg(c, y, 0, true), ai = cg_arg(c, ident, 0, false);
	/* the identity at 0 of the other operand buffer: to -> L0B (k0 x 16); from -> L0A (16 x k0) */
	cg_ldarg(c, t0, ai);
	cg_mov(c, SINAN_BUF_GM, to ? SINAN_BUF_L0B : SINAN_BUF_L0A, 0, CG_I(0), CG_R(t0), CG_I(1), CG_I(512), CG_I(0),
	       CG_I(0));
	cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, 7);
	cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, 7);
	for (unsigned int s = 0; s < 2; s++) {
		cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, s);
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, s);
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, s);
	}
	cg_block_range(c, it, hi, items);
	int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a);
	sinan_asm_bind(c->a, top);
	for (unsigned int s = 0; s < 2; s++) {
		uint32_t l1 = s * l1s, l0 = s * l0s, l0c = s * l0cs;
		sinan_asm_br(c->a, SINAN_BR_GEU, it, hi, end);
		/* item -> img, c1, p0; pl positions, cc channels */
		cg_alu(c, SINAN_ALU_REMU, p0, it, CG_I((uint64_t)PT));
		cg_alu(c, SINAN_ALU_MUL, p0, p0, CG_I((uint64_t)pt));
		cg_alu(c, SINAN_ALU_DIVU, t0, it, CG_I((uint64_t)PT));
		cg_alu(c, SINAN_ALU_REMU, c1, t0, CG_I((uint64_t)C1));
		cg_alu(c, SINAN_ALU_DIVU, img, t0, CG_I((uint64_t)C1));
		cg_li(c, pl, (uint64_t)HW);
		sinan_asm_alu(c->a, SINAN_ALU_SUB, pl, pl, p0);
		cg_alu(c, SINAN_ALU_MINU, pl, pl, CG_I((uint64_t)pt));
		cg_alu(c, SINAN_ALU_MUL, cc, c1, CG_I((uint64_t)c0));
		cg_li(c, t1, (uint64_t)C);
		sinan_asm_alu(c->a, SINAN_ALU_SUB, cc, t1, cc);
		cg_alu(c, SINAN_ALU_MINU, cc, cc, CG_I((uint64_t)c0));
		/* MTE2: the tile into L1 slot s */
		cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, s);
		cg_ldarg(c, t0, ax);
		if (to) {	/* x + ((img * C + c1 * c0) * HW + p0) * es: cc rows of pl */
			nchw_tile_addr(c, t0, t1, img, c1, p0, C, c0, HW, (int64_t)es);
			cg_alu(c, SINAN_ALU_MUL, t1, pl, CG_I((uint64_t)es));
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_I(l1), CG_R(t0), CG_R(cc), CG_R(t1),
			       CG_I((uint64_t)(HW * es)), CG_I((uint64_t)pitch));
		} else {	/* x5 + ((img * C1 + c1) * HW + p0) * 32: one burst of pl * 32 */
			cg_alu(c, SINAN_ALU_MUL, t1, img, CG_I((uint64_t)C1));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, t1, t1, c1);
			cg_alu(c, SINAN_ALU_MUL, t1, t1, CG_I((uint64_t)HW));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, t1, t1, p0);
			cg_alu(c, SINAN_ALU_SHL, t1, t1, CG_I(5));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, t0, t0, t1);
			cg_alu(c, SINAN_ALU_SHL, t1, pl, CG_I(5));
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_I(l1), CG_R(t0), CG_I(1), CG_R(t1), CG_I(0), CG_I(0));
		}
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, s);
		/* MTE1: the transposed operand */
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, s);
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, s);
		if (to)	/* A (pl x cc): element (p, ch) at l1 + ch * pitch + p * es */
			cg_loadf(c, SINAN_BUF_L0A, (unsigned int)dt, SINAN_LOADF_F_TRANS, CG_I(l0), CG_I(l1), CG_R(pl), CG_R(cc),
				 CG_I((uint64_t)pitch));
		else	/* B (c0 x pl): element (ch, p) at l1 + p * 32 + ch * es */
			cg_loadf(c, SINAN_BUF_L0B, (unsigned int)dt, SINAN_LOADF_F_TRANS, CG_I(l0), CG_I(l1),
				 CG_I((uint64_t)c0), CG_R(pl), CG_I(32));
		cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, s);
		cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_M, s);
		/* M: times the identity */
		cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_M, s);
		cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, s);
		if (to)
			cg_mmad(c, (unsigned int)dt, 0, CG_I(l0c), CG_I(l0), CG_I(0), CG_R(pl), CG_I((uint64_t)c0),
				CG_I((uint64_t)c0));
		else
			cg_mmad(c, (unsigned int)dt, 0, CG_I(l0c), CG_I(0), CG_I(l0), CG_I((uint64_t)c0), CG_R(pl),
				CG_I((uint64_t)c0));
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, s);
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_FIX, s);
		/* FIX: rows to device memory */
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, s);
		cg_ldarg(c, t0, ay);
		if (to) {	/* y5 + ((img * C1 + c1) * HW + p0) * 32; pl rows of c0 */
			cg_alu(c, SINAN_ALU_MUL, t1, img, CG_I((uint64_t)C1));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, t1, t1, c1);
			cg_alu(c, SINAN_ALU_MUL, t1, t1, CG_I((uint64_t)HW));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, t1, t1, p0);
			cg_alu(c, SINAN_ALU_SHL, t1, t1, CG_I(5));
			sinan_asm_alu(c->a, SINAN_ALU_ADD, t0, t0, t1);
			cg_fixp(c, SINAN_BUF_GM, (unsigned int)dt, 0, CG_R(t0), CG_I(l0c), CG_R(pl), CG_I((uint64_t)c0), CG_I(32),
				CG_I(1));
		} else {	/* y + ((img * C + c1 * c0) * HW + p0) * es; cc rows of pl, stride HW */
			nchw_tile_addr(c, t0, t1, img, c1, p0, C, c0, HW, (int64_t)es);
			cg_alu(c, SINAN_ALU_ADD, t1, pl, CG_I(15));
			cg_alu(c, SINAN_ALU_SHR, t1, t1, CG_I(4));
			cg_fixp(c, SINAN_BUF_GM, (unsigned int)dt, 0, CG_R(t0), CG_I(l0c), CG_R(cc), CG_R(pl),
				CG_I((uint64_t)(HW * es)), CG_R(t1));
		}
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, s);
		cg_alu(c, SINAN_ALU_ADD, it, it, CG_I(1));
	}
	sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, end);
	c->k->bytes = cc_dev_bytes(x) + cc_dev_bytes(y);
	return cg_end(c, cg_blocks(c, items));
}

/* The identity block the cube transposes with: to 5HD a k0 x 16 L0B block, back an 16 x k0
 * L0A block (k0 = 32 bytes of @dtype), one per graph and kind. */
struct cc_tensor *cc_identity(struct cc_graph *g, int dtype, bool to)
{
	int k0 = 32 / (int)cc_dtype_size(dtype);
	char name[32];
	snprintf(name, sizeof(name), "identity_%s_%s", to ? "b" : "a", cc_dtype_name(dtype));
	for (int i = 0; i < g->ntensors; i++)
		if (g->tensors[i]->data && !strcmp(g->tensors[i]->name, name))
			return g->tensors[i];
	int64_t d[1] = { 512 / (int64_t)cc_dtype_size(dtype) };
	struct cc_tensor *t = cc_tensor_new(g, name, dtype, 1, d);
	void *data = t ? calloc(1, 512) : NULL;
	if (!data) {
		cc_err(g, ENOMEM, "out of memory");
		return NULL;
	}
	for (int r = 0; r < k0; r++)	/* to: row r of 16 columns; back: row r of k0 columns */
		cc_st(dtype, data, (uint64_t)(to ? r * 16 + r : r * k0 + r), 1.0);
	cc_tensor_set_data(g, t, data);
	t->kind = CC_T_CONST;
	t->dev_dtype = dtype;
	return t;
}

/* NCHW x [N, C, HW] <-> NC1HWC0 y (to) or back: zeros in the padding channels, then the channels.
 * With an identity block (cc_identity) the cube transposes; else strided copies. */
int cc_emit_5hd(struct cg *c, struct cc_node *n, struct cc_tensor *x, struct cc_tensor *y, bool to, int64_t N,
		int64_t C, int64_t HW, int64_t c0, struct cc_tensor *ident, const char *suffix)
{
	if (ident)
		return emit_5hd_cube(c, n, x, y, to, N, C, HW, c0, ident, suffix);

	int64_t full = C / c0, part = C % c0, C1 = CC_DIV_UP(C, c0);
	struct view vs[2];
	int nv = 0, rc;

	if (to && part) {
		rc = cc_emit_fill(c, n, y, 0);
		if (rc)
			return rc;
	}
	for (int k = 0; k < 2; k++) {
		int64_t nc1 = k ? (part ? 1 : 0) : full, ncc = k ? part : c0;
		if (!nc1)
			continue;
		struct view *v = &vs[nv++];
		memset(v, 0, sizeof(*v));
		v->rank = 4;
		int64_t nchw[4] = { C * HW, c0 * HW, 1, HW }, hd[4] = { C1 * HW * c0, HW * c0, c0, 1 };
		if (to) {	/* output order n, c1, hw, c */
			int64_t d[4] = { N, nc1, HW, ncc };
			memcpy(v->d, d, sizeof(d));
			memcpy(v->si, nchw, sizeof(nchw));
			memcpy(v->so, hd, sizeof(hd));
			v->ioff = k ? full * c0 * HW : 0;
			v->ooff = k ? full * HW * c0 : 0;
		} else {	/* output order n, c1, c, hw */
			int64_t d[4] = { N, nc1, ncc, HW };
			int64_t si[4] = { C1 * HW * c0, HW * c0, 1, c0 }, so[4] = { C * HW, c0 * HW, HW, 1 };
			memcpy(v->d, d, sizeof(d));
			memcpy(v->si, si, sizeof(si));
			memcpy(v->so, so, sizeof(so));
			v->ioff = k ? full * HW * c0 : 0;
			v->ooff = k ? full * c0 * HW : 0;
		}
	}
	return cc_emit_copies(c, n, x, y, vs, nv, suffix);
}

/* ---- ops as views ------------------------------------------------------------------------------ */
static void dense(struct view *v, int rank, const int64_t *dims)
{
	memset(v, 0, sizeof(*v));
	v->rank = rank;
	for (int i = 0; i < rank; i++)
		v->d[i] = dims[i];
	cc_strides(rank, dims, v->si);
	cc_strides(rank, dims, v->so);
}

static const char *const move_ops[] = { "Transpose", "Slice", "Concat", "Split", "Tile", "Pad", "DepthToSpace",
					"SpaceToDepth", "Gather", "Trilu" };

static bool cube_dt(int dtype)
{
	return dtype == SINAN_TYPE_FLOAT || dtype == SINAN_TYPE_FLOAT16 || dtype == SINAN_TYPE_BFLOAT16;
}

/* An identity block for the cube's NCHW <-> NC1HWC0 transpose (float types), or NULL. */
struct cc_tensor *cc_layout_identity(struct cc_graph *g, const struct cc_tensor *x, bool to)
{
	int dt = x->dev_dtype ? x->dev_dtype : x->dtype;
	return cube_dt(dt) ? cc_identity(g, dt, to) : NULL;
}

/* Before memory planning: To5HD/From5HD read an identity block (a constant). */
int cc_prelower_move(struct cc_graph *g, struct cc_node *n)
{
	if (strcmp(n->domain, "sinan") || n->nin != 1)
		return 0;
	struct cc_tensor *id = cc_layout_identity(g, n->in[0], !strcmp(n->op, "To5HD"));
	if (!id)
		return -g->err_code;
	struct cc_tensor **in = cc_arena_alloc(&g->arena, sizeof(*in) * 2);
	if (!in)
		return cc_err(g, ENOMEM, "out of memory");
	in[0] = n->in[0];
	in[1] = id;
	n->in = in;
	n->nin = 2;
	return 0;
}

bool cc_is_move(const struct cc_node *n)
{
	if (!strcmp(n->domain, "sinan"))
		return !strcmp(n->op, "To5HD") || !strcmp(n->op, "From5HD");
	if (n->domain[0])
		return false;
	for (size_t i = 0; i < CC_ARRAY_SIZE(move_ops); i++)
		if (!strcmp(move_ops[i], n->op))
			return true;
	return false;
}

int cc_move_supported(struct cc_graph *g, struct cc_node *n, int precision)
{
	(void)precision;
	if (cc_hw_dtype(n->in[0]->dtype) < 0)
		return NERR(g, n, ENOTSUP, "element type %s is not supported on the device",
			    cc_dtype_name(n->in[0]->dtype));
	if (!strcmp(n->op, "Pad") && strcmp(cc_attr_s(n, "mode", "constant"), "constant"))
		return NERR(g, n, ENOTSUP, "attribute 'mode' value '%s' is not supported on the device",
			    cc_attr_s(n, "mode", ""));
	if (!strcmp(n->op, "Trilu"))
		return NERR(g, n, ENOTSUP, "Trilu is lowered through Where (internal error)");
	if (!strcmp(n->op, "Gather") && !n->in[1]->data)
		return NERR(g, n, ENOTSUP, "Gather with run-time indices is not supported on the device yet");
	return 0;
}

int cc_lower_move(struct cg *c, struct cc_node *n)
{
	struct cc_graph *g = c->g;
	struct cc_tensor *x = n->in[0], *y = n->out[0];
	struct view v;
	const char *op = n->op;

	if (!strcmp(n->domain, "sinan")) {	/* To5HD / From5HD */
		bool to = !strcmp(op, "To5HD");
		const struct cc_tensor *t5 = to ? y : x;
		if (x->rank != 4 || !t5->c0)
			return NERR(g, n, EINVAL, "internal: layout conversion of a tensor without NC1HWC0 storage");
		return cc_emit_5hd(c, n, x, y, to, x->dims[0], x->dims[1], x->dims[2] * x->dims[3], t5->c0,
				   n->nin > 1 ? n->in[1] : NULL,
				   to ? "to5hd" : "from5hd");
	}
	if (!strcmp(op, "Transpose")) {
		int64_t p[CC_MAX_RANK], xs[CC_MAX_RANK];
		int np = cc_attr_ints(n, "perm", p, CC_MAX_RANK);
		if (np < 0)
			for (int i = 0; i < x->rank; i++)
				p[i] = x->rank - 1 - i;
		dense(&v, y->rank, y->dims);
		cc_strides(x->rank, x->dims, xs);
		for (int i = 0; i < y->rank; i++)
			v.si[i] = xs[p[i]];
		return cc_emit_copy(c, n, x, y, &v, NULL);
	}
	if (!strcmp(op, "Slice")) {
		int64_t st[CC_MAX_RANK], sp[CC_MAX_RANK], cnt[CC_MAX_RANK], xs[CC_MAX_RANK];
		if (cc_slice_params(g, n, x->rank, x->dims, st, sp, cnt))
			return -g->err_code;
		dense(&v, y->rank, y->dims);
		cc_strides(x->rank, x->dims, xs);
		v.ioff = 0;
		for (int i = 0; i < x->rank; i++) {
			v.si[i] = xs[i] * sp[i];
			v.ioff += st[i] * xs[i];
		}
		return cc_emit_copy(c, n, x, y, &v, NULL);
	}
	if (!strcmp(op, "Concat") || !strcmp(op, "Split")) {
		bool concat = op[0] == 'C';
		struct cc_tensor *big = concat ? y : x;
		int axis, nparts = concat ? n->nin : n->nout;
		int64_t bs[CC_MAX_RANK], pos = 0;
		if (cc_axis(g, n, cc_attr_i(n, "axis", concat ? 1 : 0), big->rank, false, &axis))
			return -g->err_code;
		cc_strides(big->rank, big->dims, bs);
		for (int k = 0; k < nparts; k++) {
			struct cc_tensor *part = concat ? n->in[k] : n->out[k];
			char sfx[16];
			if (!part) {
				continue;
			}
			dense(&v, part->rank, part->dims);
			if (concat) {
				memcpy(v.so, bs, sizeof(int64_t) * (size_t)big->rank);
				v.ooff = pos * bs[axis];
			} else {
				memcpy(v.si, bs, sizeof(int64_t) * (size_t)big->rank);
				v.ioff = pos * bs[axis];
			}
			pos += part->dims[axis];
			if (!cc_tensor_elems(part))
				continue;
			snprintf(sfx, sizeof(sfx), "%d", k);
			int rc = concat ? cc_emit_copy(c, n, part, y, &v, sfx) : cc_emit_copy(c, n, x, part, &v, sfx);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (!strcmp(op, "Tile")) {	/* y viewed as [rep0, d0, rep1, d1, ...] */
		int64_t xs[CC_MAX_RANK], ys[CC_MAX_RANK];
		int r = x->rank;
		cc_strides(r, x->dims, xs);
		cc_strides(r, y->dims, ys);
		memset(&v, 0, sizeof(v));
		v.rank = 2 * r;
		for (int i = 0; i < r; i++) {
			v.d[2 * i] = y->dims[i] / (x->dims[i] ? x->dims[i] : 1);
			v.d[2 * i + 1] = x->dims[i];
			v.si[2 * i] = 0;
			v.si[2 * i + 1] = xs[i];
			v.so[2 * i] = ys[i] * x->dims[i];
			v.so[2 * i + 1] = ys[i];
		}
		/* output strides are not row-major in this order: copy one repetition block at a time */
		/* simplest correct form: iterate repetitions with separate views on the inner block */
		int64_t reps = 1;
		for (int i = 0; i < r; i++)
			reps *= v.d[2 * i];
		if (reps > 4096)
			return NERR(g, n, ENOTSUP, "Tile with %lld repetitions", (long long)reps);
		for (int64_t t = 0; t < reps; t++) {
			struct view w;
			int64_t rem = t, off = 0;
			for (int i = r - 1; i >= 0; i--) {
				int64_t ri = rem % v.d[2 * i];
				rem /= v.d[2 * i];
				off += ri * v.so[2 * i];
			}
			dense(&w, r, x->dims);
			memcpy(w.so, ys, sizeof(int64_t) * (size_t)r);
			w.ooff = off;
			char sfx[24];
			snprintf(sfx, sizeof(sfx), "%lld", (long long)t);
			int rc = cc_emit_copy(c, n, x, y, &w, sfx);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (!strcmp(op, "Pad")) {
		int64_t pb[CC_MAX_RANK], pe[CC_MAX_RANK], ys[CC_MAX_RANK], xs[CC_MAX_RANK];
		double cv = 0;
		if (cc_pad_params(g, n, x->rank, pb, pe))
			return -g->err_code;
		if (n->nin > 2 && n->in[2])
			cv = cc_ld(n->in[2]->dtype, n->in[2]->data, 0);
		int rc = cc_emit_fill(c, n, y, cv);
		if (rc)
			return rc;
		/* interior: input cropped by negative pads, placed at max(pb, 0) */
		cc_strides(y->rank, y->dims, ys);
		cc_strides(x->rank, x->dims, xs);
		memset(&v, 0, sizeof(v));
		v.rank = x->rank;
		for (int i = 0; i < x->rank; i++) {
			int64_t lo = pb[i] < 0 ? -pb[i] : 0, hi = pe[i] < 0 ? -pe[i] : 0;
			v.d[i] = x->dims[i] - lo - hi;
			if (v.d[i] <= 0)
				return 0;
			v.si[i] = xs[i];
			v.so[i] = ys[i];
			v.ioff += lo * xs[i];
			v.ooff += (pb[i] > 0 ? pb[i] : 0) * ys[i];
		}
		return cc_emit_copy(c, n, x, y, &v, "copy");
	}
	if (!strcmp(op, "DepthToSpace") || !strcmp(op, "SpaceToDepth")) {
		/* y[n][c][h*b+bh][w*b+bw] = x[n][(DCR: (bh*b+bw)*C + c | CRD: (c*b+bh)*b+bw)][h][w] as a 6-D copy */
		bool d2s = op[0] == 'D';
		int64_t b = cc_attr_i(n, "blocksize", 1);
		bool crd = !strcmp(cc_attr_s(n, "mode", "DCR"), "CRD");
		const struct cc_tensor *big = d2s ? y : x, *sm = d2s ? x : y;
		int64_t N = big->dims[0], C = big->dims[1], H = sm->dims[2], W = sm->dims[3];
		/* index space of the spatial-large tensor: [N, C, H, bh, W, bw] */
		int64_t bstr[6], sstr[6];
		int64_t Cs = sm->dims[1];
		bstr[0] = C * H * b * W * b;
		bstr[1] = H * b * W * b;
		bstr[2] = b * W * b;
		bstr[3] = W * b;
		bstr[4] = b;
		bstr[5] = 1;
		sstr[0] = Cs * H * W;
		sstr[1] = crd ? b * b * H * W : H * W;
		sstr[2] = W;
		sstr[3] = crd ? b * H * W : b * C * H * W;
		sstr[4] = 1;
		sstr[5] = crd ? H * W : C * H * W;
		memset(&v, 0, sizeof(v));
		v.rank = 6;
		int64_t d6[6] = { N, C, H, b, W, b };
		memcpy(v.d, d6, sizeof(d6));
		memcpy(v.si, d2s ? sstr : bstr, sizeof(bstr));
		memcpy(v.so, d2s ? bstr : sstr, sizeof(bstr));
		if (!d2s) {	/* output (small side) must be written row-major: reorder to its order */
			/* SpaceToDepth output [N, Cs, H, W] with Cs = (DCR) bh, bw, c: iterate in y's order */
			struct view w;
			memset(&w, 0, sizeof(w));
			w.rank = 6;
			int64_t od[6] = { N, b, b, C, H, W };
			int64_t oi[6] = { bstr[0], bstr[3], bstr[5], bstr[1], bstr[2], bstr[4] };
			memcpy(w.d, od, sizeof(od));
			memcpy(w.si, oi, sizeof(oi));
			cc_strides(6, od, w.so);
			if (crd)
				return NERR(g, n, ENOTSUP, "SpaceToDepth CRD mode is not supported on the device");
			return cc_emit_copy(c, n, x, y, &w, NULL);
		}
		/* DepthToSpace: iterate in y's row-major order [N, C, H, bh, W, bw] */
		cc_strides(6, d6, v.so);
		return cc_emit_copy(c, n, x, y, &v, NULL);
	}
	if (!strcmp(op, "Gather")) {	/* constant indices: one copy per index */
		const struct cc_tensor *idx = n->in[1];
		int axis;
		if (cc_axis(g, n, cc_attr_i(n, "axis", 0), x->rank, false, &axis))
			return -g->err_code;
		int64_t outer = 1, inner = 1, len = x->dims[axis];
		uint64_t ni = cc_tensor_elems(idx);
		for (int i = 0; i < axis; i++)
			outer *= x->dims[i];
		for (int i = axis + 1; i < x->rank; i++)
			inner *= x->dims[i];
		if (ni > 1024)
			return NERR(g, n, ENOTSUP, "Gather of %llu constant indices", (unsigned long long)ni);
		for (uint64_t j = 0; j < ni; j++) {
			int64_t k = cc_ldi(idx->dtype, idx->data, j);
			if (k < 0)
				k += len;
			memset(&v, 0, sizeof(v));
			v.rank = 2;
			v.d[0] = outer;
			v.d[1] = inner;
			v.si[0] = len * inner;
			v.si[1] = 1;
			v.so[0] = (int64_t)ni * inner;
			v.so[1] = 1;
			v.ioff = k * inner;
			v.ooff = (int64_t)j * inner;
			char sfx[24];
			snprintf(sfx, sizeof(sfx), "%llu", (unsigned long long)j);
			int rc = cc_emit_copy(c, n, x, y, &v, sfx);
			if (rc)
				return rc;
		}
		return 0;
	}
	return NERR(g, n, ENOTSUP, "no device lowering");
}

// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: data movement instructions (sinan_isa.h): MOV
 * (bursts between GM and local buffers), LOADF (ND tile -> cube fractals),
 * IMG2COL (feature map -> im2col fractals) and FIXP (L0C -> UB/GM with
 * conversion). Each instruction checks its operands, hands its cost and
 * accesses to the cost model, then moves the data.
 */
#include <math.h>
#include <string.h>

#include "isa_int.h"

#define BURST_POLL	4096	/* bursts between checks of the stop request */

static uint64_t buf_align(unsigned int buf)
{
	switch (buf) {
	case SINAN_BUF_L1: return SINAN_ALIGN_L1;
	case SINAN_BUF_UB: return SINAN_ALIGN_UB;
	case SINAN_BUF_L0A: case SINAN_BUF_L0B: return SINAN_ALIGN_L0AB;
	case SINAN_BUF_L0C: return SINAN_ALIGN_L0C;
	}
	return 1;
}

static int bad_operand(struct emu_core *c, const char *what)
{
	emu_guest_error(c->emu, "sinan-npu: core %u: pc 0x%llx: %s", c->id, (unsigned long long)c->pc, what);
	return isa_fail(c, SINAN_ERR_ILLEGAL_INSTR, c->L->prog_va + c->pc, SINAN_FAULT_FETCH,
			SINAN_EXC_OPERAND, 0);
}

static bool mul_ok(uint64_t a, uint64_t b, uint64_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

/* a * b, or UINT64_MAX (which no bounds check accepts) on overflow */
static uint64_t mulsat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return mul_ok(a, b, &r) ? r : UINT64_MAX;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* ---- MOV ---------------------------------------------------------------------------- */

int isa_mov(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w);
	unsigned int src = SINAN_MOV_SRC(fn), dst = SINAN_MOV_DST(fn);
	bool zpad = fn & SINAN_MOV_F_ZPAD;
	uint64_t d = c->x[SINAN_DEC_RD(w)], s = c->x[SINAN_DEC_RA(w)];
	uint64_t n = c->x[SINAN_DEC_RB(w)], len = c->x[SINAN_DEC_RC(w)];
	uint64_t ss = c->x[SINAN_DEC_RE(w)], ds = c->x[SINAN_DEC_RF(w)];
	uint64_t dlen = zpad ? ds : len, occ, gm_occ, lat;
	struct isa_acc acc[2];
	struct emu_fault f;
	int pipe = sinan_mov_pipe(src, dst);
	bool span = false;

	if (zpad && n && ds < len)
		return bad_operand(c, "MOV: ZPAD destination stride shorter than the burst");
	if (src != SINAN_BUF_GM &&
	    isa_check_local(c, src, s, n, len, ss, buf_align(src), SINAN_FAULT_READ))
		return -1;
	if (dst != SINAN_BUF_GM &&
	    isa_check_local(c, dst, d, n, dlen, ds, buf_align(dst), SINAN_FAULT_WRITE))
		return -1;
	acc[0] = (struct isa_acc){ .buf = (uint8_t)src, .base = s, .n = n, .len = len, .stride = ss };
	acc[1] = (struct isa_acc){ .buf = (uint8_t)dst, .write = 1, .base = d, .n = n, .len = dlen,
				   .stride = ds };
	if (pipe == SINAN_PIPE_MTE2)
		isa_cost_mov(c, (unsigned int)pipe, s, n, len, ss, &occ, &gm_occ, &lat);
	else
		isa_cost_mov(c, (unsigned int)pipe, d, n, len, ds, &occ, &gm_occ, &lat);
	if (isa_cost_issue_gm(c, (unsigned int)pipe, occ, gm_occ, lat, acc, 2))
		return -1;
	if (!len)
		n = zpad ? n : 0;
	/* GM through the instruction's span when it can be translated at once */
	if (src == SINAN_BUF_GM)
		span = emu_span_map(&c->actor, &c->span, s, n, len, ss, EMU_ACCESS_READ);
	else if (dst == SINAN_BUF_GM)
		span = emu_span_map(&c->actor, &c->span, d, n, len, ds, EMU_ACCESS_WRITE);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t sa = s + i * ss, da = d + i * ds;

		if (i % BURST_POLL == BURST_POLL - 1 && isa_should_stop(c))
			return isa_fail(c, SINAN_ERR_ABORTED, c->L->prog_va + c->pc, 0, 0, 0);
		if (src == SINAN_BUF_GM) {
			if (span)
				emu_span_read(&c->span, sa, c->lb[dst] + da, len);
			else if (emu_va_read(&c->actor, sa, c->lb[dst] + da, len, EMU_ACCESS_READ, &f))
				return isa_fail_gm(c, &f);
		} else if (dst == SINAN_BUF_GM) {
			if (span)
				emu_span_write(&c->span, da, c->lb[src] + sa, len);
			else if (emu_va_write(&c->actor, da, c->lb[src] + sa, len, &f))
				return isa_fail_gm(c, &f);
		} else {
			emu_copy(c->lb[dst] + da, c->lb[src] + sa, len);
		}
		if (zpad)
			memset(c->lb[dst] + da + len, 0, ds - len);
	}
	return 0;
}

/* ---- LOADF ---------------------------------------------------------------------------- */

int isa_loadf(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w);
	unsigned int buf = SINAN_LOADF_BUF(fn), dt = SINAN_LOADF_DT(fn);
	bool trans = fn & SINAN_LOADF_F_TRANS;
	uint64_t d = c->x[SINAN_DEC_RD(w)], s = c->x[SINAN_DEC_RA(w)];
	uint64_t rows = c->x[SINAN_DEC_RB(w)], cols = c->x[SINAN_DEC_RC(w)];
	uint64_t st = c->x[SINAN_DEC_RE(w)];
	unsigned int es, k0, R0, C0;
	uint64_t R1, C1, blocks, bytes, occ, lat, srow;
	struct isa_acc acc[2];
	uint8_t *dp, *sp;

	es = sinan_dtype_size(dt);
	k0 = 32 / es;
	R0 = buf == SINAN_BUF_L0A ? 16 : k0;
	C0 = buf == SINAN_BUF_L0A ? k0 : 16;
	if (!rows || !cols)
		rows = cols = 0;
	R1 = div_up(rows, R0);
	C1 = div_up(cols, C0);
	if (!mul_ok(R1, C1, &blocks) || !mul_ok(blocks, SINAN_FRACTAL_BYTES, &bytes))
		bytes = UINT64_MAX;
	if (st % es)
		return isa_fail(c, SINAN_ERR_ALIGN, s, SINAN_FAULT_READ, SINAN_BUF_L1, 0);
	if (isa_check_local(c, buf, d, 1, bytes, 0, SINAN_ALIGN_L0AB, SINAN_FAULT_WRITE))
		return -1;
	/* source rows as stored: cols elements per row (or rows per column) */
	srow = mulsat(trans ? rows : cols, es);
	acc[0] = (struct isa_acc){ .buf = SINAN_BUF_L1, .base = s, .n = trans ? cols : rows,
				   .len = srow, .stride = st };
	if (isa_check_local(c, SINAN_BUF_L1, s, acc[0].n, srow, st, SINAN_ALIGN_L1, SINAN_FAULT_READ))
		return -1;
	acc[1] = (struct isa_acc){ .buf = (uint8_t)buf, .write = 1, .base = d, .n = 1, .len = bytes };
	isa_cost_fractals(blocks, &occ, &lat);
	if (isa_cost_issue(c, SINAN_PIPE_MTE1, occ, lat, acc, 2))
		return -1;

	dp = c->lb[buf] + d;
	sp = c->lb[SINAN_BUF_L1] + s;
	for (uint64_t bi = 0; bi < R1; bi++) {
		for (unsigned int r = 0; r < R0; r++) {
			uint64_t gr = bi * R0 + r;

			if (gr >= rows) {
				/* this and the block's later rows are padding: one memset per block */
				for (uint64_t bj = 0; bj < C1; bj++)
					memset(dp + (bi * C1 + bj) * SINAN_FRACTAL_BYTES + (uint64_t)r * C0 * es, 0,
					       (size_t)(R0 - r) * C0 * es);
				break;
			}
			for (uint64_t bj = 0; bj < C1; bj++) {
				uint8_t *o = dp + ((bi * C1 + bj) * SINAN_FRACTAL_BYTES) + (uint64_t)r * C0 * es;
				uint64_t c0 = bj * C0, nc = cols - c0 < C0 ? cols - c0 : C0;

				if (!trans && nc == C0 && C0 * es == 32) {
					memcpy(o, sp + gr * st + c0 * es, 32);	/* whole 32-byte block row */
					continue;
				}
				if (!trans && nc == C0 && C0 * es == 64) {
					memcpy(o, sp + gr * st + c0 * es, 64);	/* whole 64-byte block row */
					continue;
				}
				if (!trans) {
					emu_copy(o, sp + gr * st + c0 * es, nc * es);
				} else {
					const uint8_t *q = sp + c0 * st + gr * es;

					/* one element per source row, by element size (no memcpy call each) */
					switch (es) {
					case 4:
						for (uint64_t k = 0; k < nc; k++)
							((u32_a *)o)[k] = *(const u32_a *)(q + k * st);
						break;
					case 2:
						for (uint64_t k = 0; k < nc; k++)
							((u16_a *)o)[k] = *(const u16_a *)(q + k * st);
						break;
					case 1:
						for (uint64_t k = 0; k < nc; k++)
							o[k] = q[k * st];
						break;
					default:
						for (uint64_t k = 0; k < nc; k++)
							memcpy(o + k * es, q + k * st, es);
					}
				}
				memset(o + nc * es, 0, (C0 - nc) * es);
			}
		}
	}
	return 0;
}

/* ---- IMG2COL -------------------------------------------------------------------------- */

int isa_img2col(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w), dt = fn & 7;
	uint64_t d = c->x[SINAN_DEC_RD(w)], s = c->x[SINAN_DEC_RA(w)];
	uint64_t p0 = c->x[SINAN_DEC_RB(w)], np = c->x[SINAN_DEC_RC(w)];
	uint64_t kc0 = c->x[SINAN_DEC_RE(w)], nk = c->x[SINAN_DEC_RF(w)];
	uint64_t fm = c->cfg[SINAN_CFG_FMAP], kr = c->cfg[SINAN_CFG_KERNEL], pd = c->cfg[SINAN_CFG_PAD];
	int64_t H = fm & 0xffff, W = (fm >> 16) & 0xffff, C1 = (fm >> 32) & 0xffff;
	int64_t KH = kr & 0xff, KW = (kr >> 8) & 0xff, SH = (kr >> 16) & 0xff, SW = (kr >> 24) & 0xff;
	int64_t DH = (kr >> 32) & 0xff, DW = (kr >> 40) & 0xff;
	int64_t pt = pd & 0xff, pb = (pd >> 8) & 0xff, pl = (pd >> 16) & 0xff, pr = (pd >> 24) & 0xff;
	int64_t eh, ew, OH, OW;
	unsigned int es, C0;
	uint64_t M1, K1, blocks, bytes, fbytes, occ, lat, npos, nvalid;
	uint8_t padrow[32];
	struct isa_acc acc[2];

	es = sinan_dtype_size(dt);
	C0 = 32 / es;
	if (!H || !W || !C1 || !KH || !KW || !SH || !SW || !DH || !DW)
		return bad_operand(c, "IMG2COL: feature map or kernel geometry has a zero");
	if (kc0 % C0)
		return bad_operand(c, "IMG2COL: first K column not a multiple of C0");
	eh = DH * (KH - 1) + 1;
	ew = DW * (KW - 1) + 1;
	OH = H + pt + pb >= eh ? (H + pt + pb - eh) / SH + 1 : 0;
	OW = W + pl + pr >= ew ? (W + pl + pr - ew) / SW + 1 : 0;
	npos = (uint64_t)(OH * OW);
	if (!np || !nk)
		np = nk = 0;
	M1 = div_up(np, 16);
	K1 = div_up(nk, C0);
	if (!mul_ok(M1, K1, &blocks) || !mul_ok(blocks, SINAN_FRACTAL_BYTES, &bytes))
		bytes = UINT64_MAX;
	fbytes = (uint64_t)(C1 * H * W) * 32;
	if (isa_check_local(c, SINAN_BUF_L0A, d, 1, bytes, 0, SINAN_ALIGN_L0AB, SINAN_FAULT_WRITE) ||
	    isa_check_local(c, SINAN_BUF_L1, s, np ? 1 : 0, fbytes, 0, SINAN_ALIGN_L1, SINAN_FAULT_READ))
		return -1;
	acc[0] = (struct isa_acc){ .buf = SINAN_BUF_L1, .base = s, .n = np ? 1 : 0, .len = fbytes };
	acc[1] = (struct isa_acc){ .buf = SINAN_BUF_L0A, .write = 1, .base = d, .n = 1, .len = bytes };
	isa_cost_fractals(blocks, &occ, &lat);
	if (isa_cost_issue(c, SINAN_PIPE_MTE1, occ, lat, acc, 2))
		return -1;

	for (unsigned int i = 0; i < C0; i++)
		memcpy(padrow + i * es, &c->cfg[SINAN_CFG_PADVAL], es);	/* little-endian host */
	/* rows [0, nvalid) are output positions p0 + row < npos; the rest are zero */
	nvalid = p0 < npos ? (np < npos - p0 ? np : npos - p0) : 0;
	/*
	 * One K block (kernel tap kh, kw of channel block c1) at a time, its rows
	 * walking the output positions in order: the same 32-byte rows as row by
	 * row, written in another order (L1 and L0A are distinct buffers).
	 */
	for (uint64_t kb = 0; kb < K1; kb++) {
		uint64_t t = kc0 / C0 + kb;
		int64_t kw = (int64_t)(t % (uint64_t)KW), kh = (int64_t)((t / (uint64_t)KW) % (uint64_t)KH);
		uint64_t c1 = t / (uint64_t)(KW * KH);
		uint64_t nc = nk - kb * C0 < C0 ? nk - kb * C0 : C0;
		uint8_t *ob = c->lb[SINAN_BUF_L0A] + d + kb * SINAN_FRACTAL_BYTES;
		const uint8_t *plane = c->lb[SINAN_BUF_L1] + s;
		uint64_t nrows = c1 < (uint64_t)C1 ? nvalid : 0;
		int64_t oh = nrows ? (int64_t)(p0 / (uint64_t)OW) : 0, ow = nrows ? (int64_t)(p0 % (uint64_t)OW) : 0;
		int64_t ih0 = kh * DH - pt, iw0 = kw * DW - pl;

		if (nrows)
			plane += (uint64_t)c1 * (uint64_t)(H * W) * 32;
		for (uint64_t row = 0; row < M1 * 16; row++) {
			uint8_t *o = ob + (row / 16) * K1 * SINAN_FRACTAL_BYTES + (row % 16) * 32;

			if (row >= nrows) {
				memset(o, 0, 32);
			} else {
				int64_t ih = oh * SH + ih0, iw = ow * SW + iw0;

				if (ih < 0 || ih >= H || iw < 0 || iw >= W)
					memcpy(o, padrow, 32);
				else
					memcpy(o, plane + (ih * W + iw) * 32, 32);
				if (++ow == OW) {
					ow = 0;
					oh++;
				}
			}
			if (nc < C0)
				memset(o + nc * es, 0, (C0 - nc) * es);
		}
	}
	return 0;
}

/* ---- FIXP ------------------------------------------------------------------------------ */

#define FIXP_CHUNK	1024
#define FIXP_ROW_CHUNK	256

static void fixp_row(struct emu_core *c, const uint8_t *l0c, uint64_t n, uint64_t n1_bytes,
		     unsigned int r, unsigned int fn, uint8_t *out, uint64_t c0)
{
	unsigned int dt = SINAN_FIXP_DT(fn);
	bool s32 = fn & SINAN_FIXP_F_S32, relu = fn & SINAN_FIXP_F_RELU, quant = fn & SINAN_FIXP_F_QUANT;
	const uint8_t *row = l0c + (uint64_t)(r / 16) * n1_bytes + (r % 16) * 64;

	if (!s32 && !quant && sinan_dtype_is_float(dt)) {
		/*
		 * fp32 -> float: the common case. The row's fp32 values (ReLU
		 * applied) gathered a chunk at a time, one 16-column block row
		 * after another, then stored as the vector unit stores them
		 * (isa_store_f: NaN -> default NaN, nearest even).
		 */
		float fv[FIXP_ROW_CHUNK];
		unsigned int es = dt == SINAN_DT_FP32 ? 4 : 2;

		for (uint64_t k0 = 0; k0 < n; k0 += FIXP_ROW_CHUNK) {
			uint64_t kn = n - k0 < FIXP_ROW_CHUNK ? n - k0 : FIXP_ROW_CHUNK;

			for (uint64_t k = 0; k < kn;) {
				uint64_t col = c0 + k0 + k, m = 16 - col % 16 < kn - k ? 16 - col % 16 : kn - k;
				const f32_a *e = (const f32_a *)(row + (col / 16) * 1024 + (col % 16) * 4);

				if (relu) {
					for (uint64_t i = 0; i < m; i++) {
						float v = e[i];

						fv[k + i] = v < 0 ? 0.0f : v;
					}
				} else if (m == 16) {
					memcpy(fv + k, (const void *)e, 64);	/* a whole block row */
				} else {
					memcpy(fv + k, (const void *)e, m * 4);
				}
				k += m;
			}
			isa_store_f(out + k0 * es, dt, fv, (size_t)kn);
		}
		return;
	}
	if (!s32 && quant && sinan_dtype_is_float(dt)) {
		/*
		 * fp32 -> x * QSCALE + QZERO (emu_quant: an fp32 value) -> float:
		 * rounding an fp32 value to nearest even is what the vector unit's
		 * store does (isa_store_f), as emu_round_float would.
		 */
		float fv[FIXP_ROW_CHUNK];
		unsigned int es = dt == SINAN_DT_FP32 ? 4 : 2;
		uint64_t qs = c->cfg[SINAN_CFG_QSCALE], qz = c->cfg[SINAN_CFG_QZERO];

		for (uint64_t k0 = 0; k0 < n; k0 += FIXP_ROW_CHUNK) {
			uint64_t kn = n - k0 < FIXP_ROW_CHUNK ? n - k0 : FIXP_ROW_CHUNK;

			for (uint64_t k = 0; k < kn; k++) {
				uint64_t col = c0 + k0 + k;
				float v = *(const f32_a *)(row + (col / 16) * 1024 + (col % 16) * 4);

				if (relu && v < 0)
					v = 0;
				fv[k] = emu_quant(v, qs, qz);
			}
			isa_store_f(out + k0 * es, dt, fv, (size_t)kn);
		}
		return;
	}
	for (uint64_t k = 0; k < n; k++) {
		uint64_t col = c0 + k;
		const uint8_t *e = row + (col / 16) * 1024 + (col % 16) * 4;
		double x;
		uint64_t bits;

		if (s32) {
			int32_t v;

			memcpy(&v, e, 4);
			x = v;
		} else {
			float v;

			memcpy(&v, e, 4);
			x = v;
		}
		if (relu && x < 0)
			x = 0;
		if (quant)
			x = emu_quant(x, c->cfg[SINAN_CFG_QSCALE], c->cfg[SINAN_CFG_QZERO]);
		if (sinan_dtype_is_float(dt))
			bits = emu_round_float(s32 && !quant ? (double)(float)x : x, dt, SINAN_RND_EVEN);
		else if (s32 && !quant)
			bits = (uint64_t)emu_sat((int64_t)x, dt);
		else
			bits = (uint64_t)emu_round_int(x, dt, SINAN_RND_EVEN);
		emu_elem_put_bits(out, dt, k, bits);
	}
}

int isa_fixp(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w);
	unsigned int buf = SINAN_FIXP_BUF(fn), dt = SINAN_FIXP_DT(fn);
	uint64_t d = c->x[SINAN_DEC_RD(w)], src = c->x[SINAN_DEC_RA(w)];
	uint64_t m = c->x[SINAN_DEC_RB(w)], n = c->x[SINAN_DEC_RC(w)];
	uint64_t st = c->x[SINAN_DEC_RE(w)], n1 = c->x[SINAN_DEC_RF(w)];
	uint64_t M1, N1, n1b, es, rowb, occ, gm_occ, lat;
	struct isa_acc acc[2];
	uint8_t tmp[FIXP_CHUNK * 4];
	struct emu_fault f;
	bool span;

	if (!m || !n)
		m = n = 0;
	M1 = div_up(m, 16);
	N1 = div_up(n, 16);
	if (n1 < N1)
		return bad_operand(c, "FIXP: n1 smaller than the tile's column blocks");
	es = sinan_dtype_size(dt);
	n1b = mulsat(n1, 1024);
	rowb = mulsat(n, es);
	if (isa_check_local(c, SINAN_BUF_L0C, src, M1, mulsat(N1, 1024), n1b, SINAN_ALIGN_L0C, SINAN_FAULT_READ))
		return -1;
	if (buf == SINAN_BUF_UB) {
		if (m > 1 && st % SINAN_ALIGN_UB)
			return isa_fail(c, SINAN_ERR_ALIGN, d, SINAN_FAULT_WRITE, SINAN_BUF_UB, 0);
		if (isa_check_local(c, SINAN_BUF_UB, d, m, rowb, st, SINAN_ALIGN_UB, SINAN_FAULT_WRITE))
			return -1;
	}
	acc[0] = (struct isa_acc){ .buf = SINAN_BUF_L0C, .base = src, .n = M1, .len = N1 * 1024,
				   .stride = n1b };
	acc[1] = (struct isa_acc){ .buf = (uint8_t)buf, .write = 1, .base = d, .n = m, .len = rowb,
				   .stride = st };
	isa_cost_fixp(c, buf == SINAN_BUF_GM, M1 * N1,
		      isa_cost_gm_bytes(d, m, rowb, st), &occ, &gm_occ, &lat);
	if (isa_cost_issue_gm(c, SINAN_PIPE_FIX, occ, gm_occ, lat, acc, 2))
		return -1;

	span = buf == SINAN_BUF_GM && emu_span_map(&c->actor, &c->span, d, m, rowb, st, EMU_ACCESS_WRITE);
	for (uint64_t r = 0; r < m; r++) {
		const uint8_t *l0c = c->lb[SINAN_BUF_L0C] + src;

		if (buf == SINAN_BUF_UB) {
			fixp_row(c, l0c, n, n1b, (unsigned int)r, fn, c->lb[SINAN_BUF_UB] + d + r * st, 0);
			continue;
		}
		for (uint64_t c0 = 0; c0 < n; c0 += FIXP_CHUNK) {
			uint64_t k = n - c0 < FIXP_CHUNK ? n - c0 : FIXP_CHUNK;

			fixp_row(c, l0c, k, n1b, (unsigned int)r, fn, tmp, c0);
			if (span)
				emu_span_write(&c->span, d + r * st + c0 * es, tmp, k * es);
			else if (emu_va_write(&c->actor, d + r * st + c0 * es, tmp, k * es, &f))
				return isa_fail_gm(c, &f);
		}
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Matrix products on the cube: MatMul, Gemm and sinan:MatMul (alpha, bias,
 * residual and activation epilogue), batched with numpy broadcasting, and
 * MatMulInteger of int8 operands without zero points (int32 accumulation,
 * the form pass_qlegal.c leaves).
 *
 * Work items are output tiles (batch, tm x tn); blocks take contiguous
 * ranges of items. Per item the K dimension streams in chunks of tk:
 *
 *   MTE2  A[tm x tk], B[tk x tn] device memory -> L1 (ND rows)     slot s
 *   MTE1  LOADF L1 -> L0A / L0B (fractal; transposed operands via TRANS)
 *   M     MMAD L0C (+)= L0A x L0B
 *
 * with two slots per buffer, so chunk i+1 loads while chunk i multiplies
 * (flags MTE2->MTE1, MTE1->M forward; MTE1->MTE2, M->MTE1 free a slot).
 * After the last chunk the fixpipe takes L0C out: when the epilogue is at
 * most Relu and a positive alpha (FIXP's RELU and QUANT scale, which also
 * converts to the output type) into a UB slot, stored by MTE3 in row pieces
 * between the next items' loads (the device-memory port serves transfers in
 * program order; see emit_stage), or straight to device memory; else to the unified
 * buffer in row chunks where the vector unit applies alpha, beta * C,
 * the residual and the activation, and MTE3 stores (two output buffers).
 * Tile sizes come from the target's buffer sizes.
 *
 * With a constant B (packed as L0B images) the A panel of an m tile
 * (tm x K) stays in L1 across the n tiles, so each core reads A once and
 * streams B. When the panel does not fit L1 the K dimension is split into
 * parts whose panels do (split-K): items run panel by panel, part by part,
 * n tile by n tile; part 0 writes its fp32 partial sums to the kernel's
 * scratch with the fixpipe, middle parts add theirs to them through the UB,
 * the last part adds them before the epilogue. The partial sums cost
 * (parts - 1) x tm x tn x 4 bytes read per tile, against re-reading the
 * whole A panel for every n tile; blocks take whole panels.
 */
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct mm {
	struct cc_node *n;
	struct cc_tensor *a, *b, *c, *r, *y;
	bool ta, tb;
	int64_t M, N, K;
	int rb;				/* batch rank of the output */
	int64_t bd[CC_MAX_RANK];	/* output batch dims */
	int64_t ast[CC_MAX_RANK], bst[CC_MAX_RANK], cst[CC_MAX_RANK];
	int64_t cms, cns;		/* C strides for m and n (elements, 0 = broadcast) */
	bool c_imm;			/* C is one constant value */
	double c_val;
	uint64_t batches;
	double alpha, beta;
	int act;
	float act_a, act_b;
	int dt, odt, cdt, rdt;		/* hw dtypes: cube operands, output, C, R */
	int es, oes;
	/* tiles */
	int64_t tm, tn, tk, rc;
	int ns;				/* operand slots (pipelining depth of the K loop) */
	int S;				/* K parts (split-K), 1 if not split */
	int64_t g0;			/* split-K: K-loop groups before the previous item's epilogue is done */
	bool midfull;			/* split-K middle parts add and store whole tiles in the UB */
	int64_t dualg;			/* > 0: the first item of a panel also runs the next item's first
					 * 1 + ns * dualg chunks (emit_kloop) */
	int64_t Kp, KCp, KCl;		/* K per part (but the last), chunks per part, chunks of the last */
	bool direct;			/* FIXP straight to device memory */
	bool defer;			/* direct, one part: the tile goes out in row pieces of dpiece
					 * during the next item's K loop (emit_pend_fixp) */
	int64_t dpiece;
	bool stage;			/* direct, one part, two tiles fit the UB: the fixpipe puts a tile in
					 * the UB (slot by item parity) and MTE3 stores it in row pieces of
					 * dpiece during the next items' K loops (emit_stage); the block's
					 * last tile goes straight to device memory */
	uint32_t slot;			/* UB bytes per staged tile */
	int64_t MT;
	bool defer0;			/* split-K: part 0's fixpipe (fp32 partial sums) goes out during the
					 * next item's K loop when that is part 0 of the same panel too */
	int argscr;			/* the scratch argument (split-K) */
	int argy;			/* the output argument */
	bool deferl;			/* split-K: the last part's epilogue of an item runs in the next
					 * item's K loop after its first group, when that is the last part
					 * of the same panel too (emit_defer_epi) */
	const int *args;
	bool inlast, inmid;		/* emitting the last (a middle) part's K loop */
	const struct mmplan *pl;
	int64_t KC, NT, kp;		/* K chunks, N tiles, A panel pitch (elements) */
};

struct lay {
	uint32_t l1a[4], l1b[4], l0a[4], l0b[8];	/* l0b[4..7]: the next item's B (dual chunks) */
	uint32_t panel;			/* resident A panel in L1 */
	uint32_t l0c[2];		/* two accumulator buffers: FIXP of a tile overlaps the next */
	int cur;			/* L0C buffer of the item being emitted */
	uint32_t res, tmp, c, r, pt, out[2];
	uint32_t full;			/* split-K middle parts: the whole tile (over res..out) */
};

/* Decided before memory planning (cc_prelower_mm), kept in n->priv. */
enum { MM_GEN, MM_NZ };
struct mmplan {
	int path;
	bool resident;			/* A panel kept in L1 across n tiles */
	struct cc_tensor bview;		/* the original B (shape/type) when B was packed */
	struct cc_tensor *bnz;		/* packed B: [NT][KC] L0B images */
	int64_t tm, tn, tk;
	int ns;
	int parts;			/* split-K: K parts of kpart (resident panels of parts) */
	int64_t kpart;
};

struct mmr {
	unsigned int it, hi, bt, mt, nt, ml, nl, k0, kl, t0, t1, aoff, boff, yoff, cnt, rows, r0, cur, kb, cbc, len;
};

static int esz(int dt)
{
	return (int)sinan_dtype_size((unsigned int)dt);
}

static int64_t pitch(int64_t n, int es)
{
	return CC_ALIGN(n * es, 32) / es;
}

static bool epi_act(int act)
{
	static const char *const ok[] = { "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Gelu", "GeluTanh",
					  "HardSigmoid", "HardSwish" };
	if (act == CC_ACT_NONE)
		return true;
	for (size_t i = 0; i < CC_ARRAY_SIZE(ok); i++)
		if (act == cc_act_code(ok[i]))
			return true;
	return false;
}

static int geo(struct cc_graph *g, struct mm *m)
{
	struct cc_node *n = m->n;
	bool fused = !strcmp(n->domain, "sinan");
	bool gemm = !strcmp(n->op, "Gemm");
	struct cc_tensor *a = n->in[0], *b = n->in[1];
	m->pl = n->priv;
	if (m->pl && m->pl->bnz)
		b = (struct cc_tensor *)&m->pl->bview;
	int ra = a->rank, rbk = b->rank;
	int64_t ad[CC_MAX_RANK + 1], bdm[CC_MAX_RANK + 1], st[CC_MAX_RANK + 2];

	m->a = a;
	m->b = b;
	m->y = n->out[0];
	m->c = (fused || gemm) && n->nin > 2 ? n->in[2] : NULL;
	m->r = fused && n->nin > 3 ? n->in[3] : NULL;
	m->ta = (fused || gemm) && cc_attr_i(n, "transA", 0);
	m->tb = (fused || gemm) && cc_attr_i(n, "transB", 0);
	m->alpha = fused || gemm ? cc_attr_f(n, "alpha", 1.0f) : 1.0;
	m->beta = fused || gemm ? cc_attr_f(n, "beta", 1.0f) : 1.0;
	m->act = fused ? cc_act_code(cc_attr_s(n, "activation", "")) : CC_ACT_NONE;
	m->act_a = fused ? cc_attr_f(n, "act_alpha", 0) : 0;
	m->act_b = fused ? cc_attr_f(n, "act_beta", 0) : 0;
	memcpy(ad, a->dims, sizeof(int64_t) * (size_t)ra);
	memcpy(bdm, b->dims, sizeof(int64_t) * (size_t)rbk);
	if (ra == 1) {
		ad[1] = ad[0];
		ad[0] = 1;
		ra = 2;
	}
	if (rbk == 1) {
		bdm[1] = 1;
		rbk = 2;
	}
	m->M = ad[ra - (m->ta ? 1 : 2)];
	m->K = ad[ra - (m->ta ? 2 : 1)];
	m->N = bdm[rbk - (m->tb ? 2 : 1)];
	if (cc_broadcast(ra - 2, ad, rbk - 2, bdm, &m->rb, m->bd))
		return NERR(g, n, EINVAL, "batch dimensions do not broadcast");
	cc_strides(ra, ad, st);
	for (int i = 0; i < m->rb; i++) {
		int j = i - (m->rb - (ra - 2));
		m->ast[i] = j >= 0 && ad[j] != 1 ? st[j] : 0;
	}
	cc_strides(rbk, bdm, st);
	for (int i = 0; i < m->rb; i++) {
		int j = i - (m->rb - (rbk - 2));
		m->bst[i] = j >= 0 && bdm[j] != 1 ? st[j] : 0;
	}
	m->batches = 1;
	for (int i = 0; i < m->rb; i++)
		m->batches *= (uint64_t)m->bd[i];
	if (m->c) {
		const struct cc_tensor *c = m->c;
		int orank = m->rb + 2;
		int64_t cd[CC_MAX_RANK + 2];
		if (c->data && cc_tensor_elems(c) == 1) {
			m->c_imm = true;
			m->c_val = cc_ld(c->dtype, c->data, 0);
		}
		if (c->rank > orank)
			return NERR(g, n, EINVAL, "bias rank");
		for (int i = 0; i < orank; i++) {
			int j = i - (orank - c->rank);
			cd[i] = j >= 0 ? c->dims[j] : 1;
		}
		cc_strides(orank, cd, st);
		for (int i = 0; i < m->rb; i++)
			m->cst[i] = cd[i] != 1 ? st[i] : 0;
		m->cms = cd[orank - 2] != 1 ? st[orank - 2] : 0;
		m->cns = cd[orank - 1] != 1 ? 1 : 0;
	}
	m->dt = cc_hw_dtype(a->dtype);
	m->odt = cc_hw_dtype(m->y->dtype);
	m->es = esz(m->dt);
	m->oes = esz(m->odt);
	m->cdt = m->c ? cc_hw_dtype(m->c->dtype) : -1;
	m->rdt = m->r ? cc_hw_dtype(m->r->dtype) : -1;
	return 0;
}

int cc_mm_supported(struct cc_graph *g, struct cc_node *n, int precision)
{
	struct mm m;
	(void)precision;
	memset(&m, 0, sizeof(m));
	m.n = n;
	if (geo(g, &m))
		return -g->err_code;
	if (!strcmp(n->op, "MatMulInteger")) {
		if (m.dt != SINAN_DT_INT8 || n->in[1]->dtype != SINAN_TYPE_INT8 || (n->nin > 2 && n->in[2]) ||
		    (n->nin > 3 && n->in[3]))
			return NERR(g, n, ENOTSUP, "integer matrix product not in the cube's form (int8 operands, "
					"no zero points)");
	} else if (m.dt != SINAN_DT_FP32 && m.dt != SINAN_DT_FP16 && m.dt != SINAN_DT_BF16) {
		return NERR(g, n, ENOTSUP, "matrix product of %s is not supported on the device (float only)",
			    cc_dtype_name(n->in[0]->dtype));
	}
	if (n->in[1]->dtype != n->in[0]->dtype)
		return NERR(g, n, ENOTSUP, "operands of different types");
	if (!epi_act(m.act))
		return NERR(g, n, ENOTSUP, "epilogue activation '%s' not supported", cc_attr_s(n, "activation", ""));
	if (m.c && !m.c_imm && m.cms && !m.cns)
		return NERR(g, n, ENOTSUP, "bias of shape [M, 1] is not supported on the device");
	if (m.r && m.r->rank != m.rb + 2)
		return NERR(g, n, ENOTSUP, "residual shape not supported");
	if (m.M > (1LL << 30) || m.N > (1LL << 30) || m.K > (1LL << 30))
		return NERR(g, n, ENOTSUP, "dimensions too large");
	return 0;
}

/* ---- tiling ----------------------------------------------------------------------------------------- */
/* tk for tiles tm x tn: each of the ns slots of L0A / L0B holds a chunk (and of L1 without packed B) */
static void choose_tk(struct mm *m, const struct cc_target *t, bool nz)
{
	int es = m->es;
	int64_t k0 = 32 / es;
	int ns = 4;	/* four slots: hides the device-memory latency behind three MMADs */
	int64_t tk = CC_ALIGN(m->K, k0);
	/* two slots in L0A/L0B; without packed B also two A and B slots in L1 */
	while (tk > k0 && (m->tm * tk * es > (int64_t)t->l0a / ns || tk * m->tn * es > (int64_t)t->l0b / ns ||
			   (!nz && ns * (pitch(m->tm, es) + pitch(m->tn, es)) * pitch(tk, es) * es > (int64_t)t->l1)))
		tk = CC_ALIGN(tk / 2, k0);
	m->tk = tk;
	m->ns = ns;
}

static void choose_tiles(struct mm *m, const struct cc_target *t, bool nz)
{
	int64_t cap = m->es == 4 ? 128 : 256;

	m->tm = CC_MIN(CC_ALIGN(m->M, 16), cap);
	m->tn = CC_MIN(CC_ALIGN(m->N, 16), cap);
	while (m->tm * m->tn * 4 > (int64_t)t->l0c / 2)
		m->tn > 16 ? (m->tn /= 2) : (m->tm /= 2);
	choose_tk(m, t, nz);
}

static bool plan(struct mm *m, const struct cc_target *t, struct lay *L)
{
	int es = m->es;
	int64_t k0 = 32 / es;
	bool nz = m->pl && m->pl->path == MM_NZ;

	m->direct = !m->c && !m->r && (m->act == CC_ACT_NONE || m->act == cc_act_code("Relu")) &&
		    m->alpha > 0;
	if (m->pl) {
		m->tm = m->pl->tm;
		m->tn = m->pl->tn;
		m->tk = m->pl->tk;
		m->ns = m->pl->ns;
	} else {
		choose_tiles(m, t, false);
	}
	int64_t tk = m->tk;
	m->KC = CC_DIV_UP(m->K, tk);
	m->NT = CC_DIV_UP(m->N, m->tn);
	m->S = 1;
	m->Kp = m->K;
	m->KCp = m->KCl = m->KC;
	if (nz && m->pl->parts > 1) {
		m->S = m->pl->parts;
		m->Kp = m->pl->kpart;
		m->KCp = m->Kp / tk;
		m->KCl = m->KC - (m->S - 1) * m->KCp;
		if (m->Kp % tk || m->KCl < 1 || m->KCl > m->KCp)
			return false;
		m->direct = false;	/* the last part adds the partial sums in the UB */
	}
	m->slot = (uint32_t)CC_ALIGN(m->tm * pitch(m->tn, m->oes) * m->oes, 32);
	m->MT = CC_DIV_UP(m->M, m->tm);
	m->stage = m->direct && m->S == 1 && 2 * (uint64_t)m->slot <= t->ub;
	m->defer = m->direct && m->S == 1 && !m->stage;
	m->defer0 = m->S > 1 && m->NT > 1;
	m->deferl = m->defer0;
	{
		int64_t G = CC_MAX((m->KC - 1) / m->ns, 1);
		m->dpiece = m->stage ? CC_ALIGN(CC_DIV_UP(m->tm, G + 1), 16) : CC_MAX(16, m->tm / G / 16 * 16);
	}
	memset(L, 0, sizeof(*L));
	/* L1: A slot = max(tm x tkp, tk x tmp), B slot = max(tk x tnp, tn x tkp); or the A panel */
	uint32_t asz = (uint32_t)CC_ALIGN(CC_MAX(m->tm * pitch(tk, es), tk * pitch(m->tm, es)) * es, 512);
	uint32_t bsz = nz ? 0 : (uint32_t)CC_ALIGN(CC_MAX(tk * pitch(m->tn, es), m->tn * pitch(tk, es)) * es, 512);
	if (nz && (m->pl->resident || m->S > 1)) {
		m->kp = m->ta ? pitch(m->tm, es) : pitch(m->Kp, es);
		uint64_t psz = (uint64_t)(m->ta ? m->Kp : m->tm) * (uint64_t)m->kp * (uint64_t)es;
		if (psz > t->l1)
			return false;
		L->panel = 0;
	} else {
		if ((uint64_t)m->ns * (asz + bsz) > t->l1)
			return false;
		for (int i = 0; i < m->ns; i++) {
			L->l1a[i] = (uint32_t)i * asz;
			L->l1b[i] = (uint32_t)m->ns * asz + (uint32_t)i * bsz;
		}
	}
	uint32_t a0 = (uint32_t)CC_ALIGN(CC_ALIGN(m->tm, 16) * CC_ALIGN(tk, k0) * es, SINAN_ALIGN_L0AB);
	uint32_t b0 = (uint32_t)CC_ALIGN(CC_ALIGN(tk, k0) * CC_ALIGN(m->tn, 16) * es, SINAN_ALIGN_L0AB);
	if ((uint64_t)m->ns * a0 > t->l0a || (uint64_t)m->ns * b0 > t->l0b)
		return false;
	for (int i = 0; i < m->ns; i++) {
		L->l0a[i] = (uint32_t)i * a0;
		L->l0b[i] = (uint32_t)i * b0;
	}
	/*
	 * A new panel's first item waits for the panel to arrive from device memory, and the
	 * cube idles. It also runs the next item's first chunks into the other L0C buffer (B
	 * of both; A once), up to where the next item's remaining chunks outlast this item's
	 * fixpipe (so the item after waits for nothing).
	 */
	int64_t M1 = CC_DIV_UP(m->tm, 16), N1 = CC_DIV_UP(m->tn, 16), K1 = CC_DIV_UP(tk, k0);
	int64_t mm = m->dt == SINAN_DT_FP32 ? 2 * M1 * N1 * CC_DIV_UP(tk, 8) : M1 * N1 * K1;	/* cycles per chunk */
	double bw = (double)t->devmem_bw_mbps / (t->clock_mhz ? t->clock_mhz : 1) / (t->cores ? t->cores : 1);
	/* the fixpipe's time on the tile: straight to device memory (split-K part 0: fp32 partial
	 * sums), or to the UB in row chunks each followed by the vector unit (about as long again) */
	int64_t gm = CC_MAX(4 * M1 * N1, (int64_t)((double)(m->tm * m->tn * (m->S > 1 ? 4 : m->oes)) / bw));
	int64_t fix = (m->direct || m->S > 1 ? CC_MAX(gm, 8 * M1 * N1) : 8 * M1 * N1) + 300 + 16;
	/* split-K: the previous item's epilogue (to the UB, then the vector unit) lets go of the UB's
	 * partial sums that long after its last product */
	m->g0 = CC_DIV_UP(8 * M1 * N1 + 300 + 16, (int64_t)m->ns * mm);
	m->dualg = 0;
	if (nz && (m->pl->resident || m->S > 1) && (uint64_t)2 * (uint64_t)m->ns * b0 <= t->l0b && m->ns == 4) {
		int64_t tail = m->stage ? 0 : CC_DIV_UP(fix, mm) + 1, nch = CC_MIN(m->KCp, m->KCl);
		if (nch - 1 - tail >= m->ns)
			m->dualg = (nch - 1 - tail) / m->ns;
		for (int i = 0; i < m->ns; i++)
			L->l0b[m->ns + i] = (uint32_t)(m->ns + i) * b0;
	}
	L->l0c[0] = 0;
	L->l0c[1] = (uint32_t)CC_ALIGN(CC_ALIGN(m->tm, 16) * CC_ALIGN(m->tn, 16) * 4, SINAN_ALIGN_L0C);
	if (2 * L->l0c[1] > t->l0c)
		return false;
	/* UB: res, tmp (fp32, for activations that need it), C, R (fp32 after conversion), 2 x
	 * partial sums, 2 x out (fp32 partial sums of middle parts too); rows of tn */
	int64_t p4 = pitch(m->tn, 4) * 4, po = pitch(m->tn, m->oes) * m->oes;
	int64_t ptb = m->S > 1 ? CC_ALIGN(m->tm, 16) * p4 : 0;	/* the tile's partial sums */
	/* middle parts: the whole tile next to the partial sums, when no C or R needs the room */
	m->midfull = m->S > 2 && (!m->c || m->c_imm) && !m->r && 2 * (uint64_t)ptb <= t->ub;
	if (m->S > 2 && !m->midfull)
		po = CC_MAX(po, p4);
	bool tmp = m->act == cc_act_code("Gelu") || m->act == cc_act_code("GeluTanh") ||
		   m->act == cc_act_code("HardSwish");
	int64_t per = p4 * (tmp ? 2 : 1) + (m->c && !m->c_imm ? p4 * 2 : 0) + (m->r ? p4 * 2 : 0) + 2 * po;
	int64_t rows = (((int64_t)t->ub - ptb) / per) / 16 * 16;
	if (rows < 16)
		return false;
	m->rc = CC_MIN(rows, m->tm);
	uint32_t off = 0, rp4 = (uint32_t)(m->rc * p4);
	L->pt = off;	/* first: the whole tile of a middle part follows it */
	off += (uint32_t)ptb;
	L->full = off;
	L->res = off;
	off += rp4;
	L->tmp = off;
	if (tmp)
		off += rp4;
	L->c = off;	/* loaded in its own type, converted to fp32 next to it */
	if (m->c && !m->c_imm)
		off += 2 * rp4;
	L->r = off;
	if (m->r)
		off += 2 * rp4;
	L->out[0] = off;
	off += (uint32_t)CC_ALIGN(m->rc * po, 32);
	L->out[1] = off;
	off += (uint32_t)CC_ALIGN(m->rc * po, 32);
	return off <= t->ub;
}

/* ---- packing constant B as L0B images ---------------------------------------------------------------- */
/*
 * For n tile nt and K chunk kc, the image MMAD wants in L0B: blocks of
 * k0 x 16, ceil(tk / k0) by N1 = ceil(nl / 16) of them, row-major; zeros past
 * K and N. Tile nt starts at nt * KC * tk * tn elements, chunk kc of it at
 * kc * tk * N1 * 16 (the last tile may be narrower).
 */
static int pack_b(struct cc_graph *g, struct mm *m, struct mmplan *pl, const struct cc_tensor *b)
{
	int es = m->es;
	int64_t k0 = 32 / es, tk = pl->tk, tn = pl->tn;
	int64_t KC = CC_DIV_UP(m->K, tk), NT = CC_DIV_UP(m->N, tn);
	int64_t total = 0;
	for (int64_t nt = 0; nt < NT; nt++)
		total += KC * tk * CC_ALIGN(CC_MIN(tn, m->N - nt * tn), 16);
	int64_t dims[1] = { total };
	struct cc_tensor *p = cc_const_new(g, b->name, b->dtype, 1, dims, NULL);
	if (!p)
		return -g->err_code;
	uint8_t *dst = p->data;
	const uint8_t *src = b->data;
	int64_t off = 0;
	for (int64_t nt = 0; nt < NT; nt++) {
		int64_t nl = CC_MIN(tn, m->N - nt * tn), N1 = CC_DIV_UP(nl, 16);
		for (int64_t kc = 0; kc < KC; kc++) {
			for (int64_t kb = 0; kb < tk / k0; kb++)
				for (int64_t j = 0; j < N1; j++)
					for (int64_t r = 0; r < k0; r++)
						for (int64_t cc = 0; cc < 16; cc++) {
							int64_t k = kc * tk + kb * k0 + r, n = nt * tn + j * 16 + cc;
							int64_t at = off + ((kb * N1 + j) * k0 + r) * 16 + cc;
							if (k < m->K && n < m->N) {
								int64_t si = m->tb ? n * m->K + k : k * m->N + n;
								memcpy(dst + at * es, src + si * es, (size_t)es);
							}
						}
			off += tk * N1 * 16;
		}
	}
	p->layout = CC_LAYOUT_NZ;
	pl->bnz = p;
	return 0;
}

/*
 * Split-K for a constant B whose A panel (tm x K) does not fit L1: the
 * fewest parts whose panels do, when the cost model's figures predict it
 * beats streaming A for every item. Per core (all cores streaming, so each
 * gets 1/cores of the device-memory bandwidth): streaming takes
 * max(cube, (tm + tn) x K bytes) per item; split-K takes, per panel, the
 * panel once (the cube mostly waits for it) plus per n tile max(cube, K x tn
 * bytes of B + the partial sums read back). Loads near the cube's time do
 * not hide behind it entirely: they count 10 % more.
 */
static void choose_parts(const struct mm *m, const struct cc_target *t, struct mmplan *pl)
{
	int es = m->es;
	int64_t KC = CC_DIV_UP(m->K, m->tk), MT = CC_DIV_UP(m->M, m->tm), NT = CC_DIV_UP(m->N, m->tn);
	int64_t rowb = m->ta ? pitch(m->tm, es) * es : m->tm * es;	/* L1 bytes per K element of a panel */
	int64_t maxc = (int64_t)t->l1 / rowb / m->tk;

	pl->parts = 1;
	pl->kpart = m->K;
	if (m->dt == SINAN_DT_INT8 || maxc < 1 || KC <= maxc || NT < 2)
		return;
	int64_t KCp = CC_DIV_UP(KC, CC_DIV_UP(KC, maxc));
	int S = (int)CC_DIV_UP(KC, KCp);
	double P = (double)m->batches * (double)MT, items = P * (double)NT, cores = t->cores ? t->cores : 1;
	double bw = (double)t->devmem_bw_mbps / (t->clock_mhz ? t->clock_mhz : 1) / 1.1;	/* bytes per cycle */
	double cube = (double)m->tm * (double)m->tn * (double)m->K / (double)cg_mac_rate(m->dt);
	double as = fmin(items, cores), ap = fmin(P, cores);
	double stream = ceil(items / cores) * fmax(cube, (double)((m->tm + m->tn) * m->K * es) * as / bw);
	double split = ceil(P / cores) * ((double)(m->tm * m->K * es) * ap / bw +
					  (double)NT * fmax(cube, ((double)(m->K * m->tn * es) +
								   (S - 1) * (double)(m->tm * m->tn) * 4.0) * ap / bw));
	if (split < 0.95 * stream) {
		pl->parts = S;
		pl->kpart = KCp * m->tk;
	}
}

/* Before memory planning: choose the path and tiles; pack a constant B. */
int cc_prelower_mm(struct cc_graph *g, const struct cc_target *t, struct cc_node *n)
{
	struct mm m;
	memset(&m, 0, sizeof(m));
	m.n = n;
	n->priv = NULL;
	if (geo(g, &m))
		return -g->err_code;
	struct cc_tensor *b = n->in[1];
	struct mmplan *pl = cc_arena_alloc(&g->arena, sizeof(*pl));
	if (!pl)
		return cc_err(g, ENOMEM, "out of memory");
	bool nz = b->data && b->rank >= 2 && cc_tensor_elems(b) == (uint64_t)(m.K * m.N) &&
		  b->dtype == n->in[0]->dtype;
	choose_tiles(&m, t, nz);
	pl->parts = 1;
	pl->kpart = m.K;
	pl->tm = m.tm;
	pl->tn = m.tn;
	pl->tk = m.tk;
	pl->ns = m.ns;
	pl->path = nz ? MM_NZ : MM_GEN;
	if (nz) {
		int64_t kp = m.ta ? pitch(m.tm, m.es) : pitch(m.K, m.es);
		uint64_t psz = (uint64_t)(m.ta ? m.K : m.tm) * (uint64_t)kp * (uint64_t)m.es;
		pl->resident = psz <= t->l1;
		if (!pl->resident)
			choose_parts(&m, t, pl);
		pl->bview = *b;
		if (pack_b(g, &m, pl, b))
			return -g->err_code;
		n->in[1] = pl->bnz;
	}
	n->priv = pl;
	return 0;
}

/* ---- emission ------------------------------------------------------------------------------------------ */
/* dst += offset of the batch index in R->bt along strides @st (elements) * es. Uses x26-x28. */
static void batch_off(struct cg *c, const struct mm *m, const struct mmr *R, unsigned int dst,
		      const int64_t *st, int es)
{
	bool any = false;
	for (int i = 0; i < m->rb; i++)
		any |= st[i] != 0;
	if (!any)
		return;
	sinan_asm_alu(c->a, SINAN_ALU_ADD, 28, R->bt, 0);
	for (int i = m->rb - 1; i >= 0; i--) {
		if (st[i]) {
			cg_li(c, 27, (uint64_t)m->bd[i]);
			sinan_asm_alu(c->a, SINAN_ALU_REMU, 26, 28, 27);
			cg_li(c, 27, (uint64_t)(st[i] * es));
			sinan_asm_alu(c->a, SINAN_ALU_MUL, 26, 26, 27);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, dst, dst, 26);
		}
		if (i) {
			cg_li(c, 27, (uint64_t)m->bd[i]);
			sinan_asm_alu(c->a, SINAN_ALU_DIVU, 28, 28, 27);
		}
	}
}

enum { CH_GEN, CH_NZ_STREAM, CH_NZ_FIRST, CH_NZ_REST };

/* @dual: also the next item's product of this chunk (its B at dB further in the packed B, full
 * width tn) into the other L0C buffer */
static void emit_chunk(struct cg *c, const struct mm *m, const struct mmr *R, const struct lay *L, int s,
		       bool acc, int mode, bool dual)
{
	int es = m->es;
	uint64_t tkp = (uint64_t)pitch(m->tk, es) * (uint64_t)es;
	bool nz = mode != CH_GEN, panel = mode == CH_NZ_FIRST || mode == CH_NZ_REST;

	/* kl = min(tk, K - k0) */
	cg_li(c, 26, (uint64_t)m->K);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->kl, 26, R->k0);
	cg_li(c, 26, (uint64_t)m->tk);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->kl, R->kl, 26);
	/* MTE2: the A tile, into an L1 slot or its place in the resident panel */
	if (mode != CH_NZ_REST) {
		uint32_t dst = panel ? L->panel : L->l1a[s];
		uint64_t dstride = panel ? (uint64_t)(m->kp * es) : m->ta ? (uint64_t)(pitch(m->tm, es) * es) : tkp;
		if (!panel)
			cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, (unsigned int)s);
		cg_li(c, 26, (uint64_t)(m->ta ? m->M * es : es));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->k0, 26);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->aoff);
		if (panel) {	/* t1 = panel + (ta ? (k0 - kb) * kp : k0 - kb) * es */
			cg_li(c, 26, (uint64_t)(m->ta ? m->kp * es : es));
			sinan_asm_alu(c->a, SINAN_ALU_SUB, R->t1, R->k0, R->kb);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->t1, 26);
			cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(dst));
		} else {
			cg_li(c, R->t1, dst);
		}
		cg_li(c, 26, (uint64_t)es);
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, m->ta ? R->ml : R->kl, 26);
		if (!m->ta)	/* rows m, bursts of kl */
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_R(R->t1), CG_R(R->t0), CG_R(R->ml), CG_R(R->len),
			       CG_I((uint64_t)(m->K * es)), CG_I(dstride));
		else		/* rows k, bursts of ml */
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_R(R->t1), CG_R(R->t0), CG_R(R->kl), CG_R(R->len),
			       CG_I((uint64_t)(m->M * es)), CG_I(dstride));
		if (!nz)
			;	/* B follows, one flag for both */
		else
			cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, (unsigned int)s);
	}
	/* MTE2: the B tile */
	if (!nz) {
		cg_li(c, 26, (uint64_t)(m->tb ? es : m->N * es));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->k0, 26);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->boff);
		cg_li(c, 26, (uint64_t)es);
		if (!m->tb) {	/* rows k, bursts of nl */
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->nl, 26);
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_I(L->l1b[s]), CG_R(R->t0), CG_R(R->kl), CG_R(R->t1),
			       CG_I((uint64_t)(m->N * es)), CG_I((uint64_t)(pitch(m->tn, es) * es)));
		} else {	/* rows n, bursts of kl */
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->kl, 26);
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L1, 0, CG_I(L->l1b[s]), CG_R(R->t0), CG_R(R->nl), CG_R(R->t1),
			       CG_I((uint64_t)(m->K * es)), CG_I(tkp));
		}
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, (unsigned int)s);
	} else {	/* packed image straight into L0B slot s */
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, (unsigned int)s);
		cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L0B, 0, CG_I(L->l0b[s]), CG_R(R->boff), CG_I(1), CG_R(R->cbc),
		       CG_I(0), CG_I(0));
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, (unsigned int)s);
		if (dual) {	/* the next n tile's image of this chunk */
			unsigned int s2 = (unsigned int)(m->ns + s);
			cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, s2);
			cg_alu(c, SINAN_ALU_ADD, R->t0, R->boff, CG_I((uint64_t)(m->KC * m->tk * m->tn * es)));
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_L0B, 0, CG_I(L->l0b[s2]), CG_R(R->t0), CG_I(1), CG_R(R->cbc),
			       CG_I(0), CG_I(0));
			cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, s2);
		}
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->boff, R->boff, R->cbc);
	}
	/* MTE1: LOADF into L0A (and L0B) slot s */
	if (mode != CH_NZ_REST)
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_MTE1, (unsigned int)s);
	cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, (unsigned int)s);
	if (panel) {
		cg_li(c, 26, (uint64_t)(m->ta ? m->kp * es : es));
		sinan_asm_alu(c->a, SINAN_ALU_SUB, R->t1, R->k0, R->kb);
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->t1, 26);
		cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(L->panel));
	} else {
		cg_li(c, R->t1, L->l1a[s]);
	}
	if (!m->ta)
		cg_loadf(c, SINAN_BUF_L0A, (unsigned int)m->dt, 0, CG_I(L->l0a[s]), CG_R(R->t1), CG_R(R->ml),
			 CG_R(R->kl), CG_I(panel ? (uint64_t)(m->kp * es) : tkp));
	else
		cg_loadf(c, SINAN_BUF_L0A, (unsigned int)m->dt, SINAN_LOADF_F_TRANS, CG_I(L->l0a[s]), CG_R(R->t1),
			 CG_R(R->ml), CG_R(R->kl), CG_I((uint64_t)((panel ? m->kp : pitch(m->tm, es)) * es)));
	if (!nz) {
		if (!m->tb)
			cg_loadf(c, SINAN_BUF_L0B, (unsigned int)m->dt, 0, CG_I(L->l0b[s]), CG_I(L->l1b[s]), CG_R(R->kl),
				 CG_R(R->nl), CG_I((uint64_t)(pitch(m->tn, es) * es)));
		else
			cg_loadf(c, SINAN_BUF_L0B, (unsigned int)m->dt, SINAN_LOADF_F_TRANS, CG_I(L->l0b[s]),
				 CG_I(L->l1b[s]), CG_R(R->kl), CG_R(R->nl), CG_I(tkp));
	}
	if (!panel)
		cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, (unsigned int)s);
	cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_M, (unsigned int)s);
	/* M */
	cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_M, (unsigned int)s);
	if (nz)
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, (unsigned int)s);
	cg_mmad(c, (unsigned int)m->dt, acc ? SINAN_MMAD_F_ACC : 0, CG_I(L->l0c[L->cur]), CG_I(L->l0a[s]), CG_I(L->l0b[s]),
		CG_R(R->ml), CG_R(R->nl), CG_R(R->kl));
	if (dual) {
		unsigned int s2 = (unsigned int)(m->ns + s);
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_M, s2);
		cg_mmad(c, (unsigned int)m->dt, acc ? SINAN_MMAD_F_ACC : 0, CG_I(L->l0c[1 - L->cur]), CG_I(L->l0a[s]),
			CG_I(L->l0b[s2]), CG_R(R->ml), CG_I((uint64_t)m->tn), CG_R(R->kl));
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, s2);
	}
	cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, (unsigned int)s);
	if (nz)
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, (unsigned int)s);
	cg_alu(c, SINAN_ALU_ADD, R->k0, R->k0, CG_I((uint64_t)m->tk));
}

/* dst = the partial sums of rows r0.. of the item: scratch + ((bt * M + mt * tm + r0) * N + nt * tn) * 4.
 * Uses x26. */
static void part_addr(struct cg *c, const struct mm *m, const struct mmr *R, unsigned int dst, int argp)
{
	cg_li(c, 26, (uint64_t)m->M);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, dst, R->bt, 26);
	cg_li(c, 26, (uint64_t)m->tm);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->mt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, dst, dst, R->len);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, dst, dst, R->r0);
	cg_li(c, 26, (uint64_t)m->N);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, dst, dst, 26);
	cg_li(c, 26, (uint64_t)m->tn);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->len, R->nt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, dst, dst, R->len);
	cg_li(c, 26, 4);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, dst, dst, 26);
	cg_ldarg(c, R->len, argp);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, dst, dst, R->len);
}

/* MTE2: up to @prow rows of the partial sums from row r0 into the UB (none once r0 >= ml). */
static void emit_part_load(struct cg *c, const struct mm *m, const struct mmr *R, const struct lay *L, int argp,
			   int64_t prow)
{
	int skip = sinan_asm_label(c->a);
	uint64_t p4 = (uint64_t)pitch(m->tn, 4) * 4;

	sinan_asm_br(c->a, SINAN_BR_GEU, R->r0, R->ml, skip);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->rows, R->ml, R->r0);
	cg_alu(c, SINAN_ALU_MINU, R->rows, R->rows, CG_I((uint64_t)prow));
	part_addr(c, m, R, R->t0, argp);
	cg_li(c, 26, p4);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->r0, 26);
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(L->pt));
	cg_alu(c, SINAN_ALU_MUL, R->len, R->nl, CG_I(4));
	cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_R(R->t1), CG_R(R->t0), CG_R(R->rows), CG_R(R->len),
	       CG_I((uint64_t)(m->N * 4)), CG_I(p4));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->r0, R->r0, R->rows);
	sinan_asm_bind(c->a, skip);
}

static unsigned int direct_flags(const struct mm *m)
{
	return (m->act != CC_ACT_NONE ? SINAN_FIXP_F_RELU : 0) | (m->alpha != 1.0 ? SINAN_FIXP_F_QUANT : 0) |
	       (m->dt == SINAN_DT_INT8 ? SINAN_FIXP_F_S32 : 0);
}

/*
 * Deferred fixpipe (m->defer): the previous item's tile goes to Y in row pieces during this
 * item's K loop, between its groups of loads, so that the device-memory port (which MTE2 and
 * FIXP->GM take in program order) never waits for the previous tile's last products and the
 * writes fill the time B's loads leave. R->rows = Y address of the next piece, R->r0 = L0C
 * offset | nl << 32 | rows left << 48. @P rows (0: all that are left). Uses kl, t0, t1, x26, x28.
 */
static void emit_pend_fixp(struct cg *c, const struct mm *m, const struct mmr *R, int64_t P)
{
	int skip = sinan_asm_label(c->a);
	uint64_t ys = (uint64_t)(m->N * m->oes);

	cg_alu(c, SINAN_ALU_SHR, R->kl, R->r0, CG_I(48));
	sinan_asm_br(c->a, SINAN_BR_EQ, R->kl, 0, skip);
	if (P)
		cg_alu(c, SINAN_ALU_MINU, R->kl, R->kl, CG_I((uint64_t)P));
	cg_alu(c, SINAN_ALU_SHL, R->t1, R->r0, CG_I(16));
	cg_alu(c, SINAN_ALU_SHR, R->t1, R->t1, CG_I(48));	/* nl */
	cg_alu(c, SINAN_ALU_SHL, R->t0, R->r0, CG_I(32));
	cg_alu(c, SINAN_ALU_SHR, R->t0, R->t0, CG_I(32));	/* L0C offset */
	cg_alu(c, SINAN_ALU_ADD, 28, R->t1, CG_I(15));
	cg_alu(c, SINAN_ALU_SHR, 28, 28, CG_I(4));		/* n1 */
	cg_fixp(c, SINAN_BUF_GM, (unsigned int)m->odt, direct_flags(m), CG_R(R->rows), CG_R(R->t0), CG_R(R->kl),
		CG_R(R->t1), CG_I(ys), CG_R(28));
	if (P) {	/* Y += kl rows; L0C += kl / 16 block rows; rows left -= kl */
		cg_alu(c, SINAN_ALU_MUL, R->t0, R->kl, CG_I(ys));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->rows, R->rows, R->t0);
		cg_alu(c, SINAN_ALU_SHR, R->t0, R->kl, CG_I(4));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->t0, 28);
		cg_alu(c, SINAN_ALU_SHL, R->t0, R->t0, CG_I(10));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->r0, R->r0, R->t0);
		cg_alu(c, SINAN_ALU_SHL, R->t0, R->kl, CG_I(48));
		sinan_asm_alu(c->a, SINAN_ALU_SUB, R->r0, R->r0, R->t0);
	} else {
		cg_li(c, R->r0, 0);
	}
	sinan_asm_bind(c->a, skip);
}

/* One staged piece (emit_stage) of tile wi (in kl) from UB slot @s; R->r0 = wi << 16 | slot << 15 |
 * rows stored. Uses bt, mt, rows, t0, t1, x26-x28. */
static void emit_stage_slot(struct cg *c, const struct mm *m, const struct mmr *R, int64_t P, unsigned int s)
{
	int nowait = sinan_asm_label(c->a), more = sinan_asm_label(c->a);
	uint64_t po = (uint64_t)(pitch(m->tn, m->oes) * m->oes), No = (uint64_t)(m->N * m->oes);

	cg_li(c, 26, (uint64_t)m->NT);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->t1, R->kl, 26);		/* nt */
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->mt, R->kl, 26);		/* panel */
	cg_li(c, 26, (uint64_t)m->MT);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->bt, R->mt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->mt, R->mt, 26);
	cg_alu(c, SINAN_ALU_AND, R->rows, R->r0, CG_I(0x7fff));	/* rows stored */
	/* t0 = rows left = min(tm, M - mt * tm) - stored */
	cg_alu(c, SINAN_ALU_MUL, R->t0, R->mt, CG_I((uint64_t)m->tm));
	cg_li(c, 26, (uint64_t)m->M);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->t0, 26, R->t0);
	cg_alu(c, SINAN_ALU_MINU, R->t0, R->t0, CG_I((uint64_t)m->tm));
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->t0, R->t0, R->rows);
	sinan_asm_br(c->a, SINAN_BR_NE, R->rows, 0, nowait);
	cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_MTE3, s);
	sinan_asm_bind(c->a, nowait);
	/* bt = Y + bt * M * N + (mt * tm + stored) * N + nt * tn (elements of oes) */
	cg_alu(c, SINAN_ALU_MUL, R->bt, R->bt, CG_I((uint64_t)m->M * No));
	cg_alu(c, SINAN_ALU_MUL, R->mt, R->mt, CG_I((uint64_t)m->tm));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->mt, R->mt, R->rows);
	cg_alu(c, SINAN_ALU_MUL, R->mt, R->mt, CG_I(No));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->bt, R->bt, R->mt);
	/* x28 = min(tn, N - nt * tn) * oes */
	cg_alu(c, SINAN_ALU_MUL, R->mt, R->t1, CG_I((uint64_t)m->tn));
	cg_li(c, 26, (uint64_t)m->N);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->mt, 26, R->mt);
	cg_alu(c, SINAN_ALU_MINU, R->mt, R->mt, CG_I((uint64_t)m->tn));
	cg_alu(c, SINAN_ALU_MUL, 28, R->mt, CG_I((uint64_t)m->oes));
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I((uint64_t)(m->tn * m->oes)));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->bt, R->bt, R->t1);
	cg_ldarg(c, 27, m->argy);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->bt, R->bt, 27);
	/* t1 = the UB rows */
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->rows, CG_I(po));
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I((uint64_t)s * m->slot));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->mt, R->t0, 0);
	if (P)
		cg_alu(c, SINAN_ALU_MINU, R->mt, R->mt, CG_I((uint64_t)P));
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->bt), CG_R(R->t1), CG_R(R->mt), CG_R(28), CG_I(po), CG_I(No));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->r0, R->r0, R->mt);
	sinan_asm_br(c->a, SINAN_BR_LTU, R->mt, R->t0, more);
	/* the tile is stored: its slot is free; the next tile (other slot) */
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, s);
	cg_alu(c, SINAN_ALU_ADD, R->r0, R->kl, CG_I(1));
	cg_alu(c, SINAN_ALU_SHL, R->r0, R->r0, CG_I(16));
	if (!s)
		cg_alu(c, SINAN_ALU_OR, R->r0, R->r0, CG_I(0x8000));
	sinan_asm_bind(c->a, more);
}

/*
 * Staged epilogue (m->stage): a piece of @P rows (0: the rest of a tile) of the oldest tile the
 * fixpipe put in the UB and MTE3 has not stored yet, if any (tiles before the current item;
 * @flush: at the end, every tile but the block's last, which stays in L0C). Between the K
 * loop's groups of loads, so the stores fill the device-memory port's time between loads and
 * never wait for a tile's last products.
 */
static void emit_stage(struct cg *c, const struct mm *m, const struct mmr *R, int64_t P, bool flush)
{
	int skip = sinan_asm_label(c->a), s1 = sinan_asm_label(c->a), top = sinan_asm_label(c->a);

	sinan_asm_bind(c->a, top);
	cg_alu(c, SINAN_ALU_SHR, R->kl, R->r0, CG_I(16));	/* wi */
	if (flush) {
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->kl, CG_I(1));
		sinan_asm_br(c->a, SINAN_BR_GEU, R->t0, R->hi, skip);
	} else {
		sinan_asm_br(c->a, SINAN_BR_GEU, R->kl, R->it, skip);
	}
	cg_alu(c, SINAN_ALU_AND, R->t0, R->r0, CG_I(0x8000));
	sinan_asm_br(c->a, SINAN_BR_NE, R->t0, 0, s1);
	emit_stage_slot(c, m, R, P, 0);
	sinan_asm_jmp(c->a, flush ? top : skip);
	sinan_asm_bind(c->a, s1);
	emit_stage_slot(c, m, R, P, 1);
	if (flush)
		sinan_asm_jmp(c->a, top);
	sinan_asm_bind(c->a, skip);
}

/*
 * Split-K (m->defer0): the previous item's part-0 fixpipe, when this item is part 0 of the same
 * panel and not its first (item index in the panel 1..NT-1): its tile is full width and its rows
 * are this item's. It goes out in pieces of @P rows (0: the rest) between this item's groups of
 * loads, so the device-memory port neither waits for the previous item's products nor holds
 * this item's loads back for long. R->r0 = its rows out so far. Uses kl, t0, t1, x26-x29.
 */
static void emit_defer0(struct cg *c, const struct mm *m, const struct mmr *R, const struct lay *L, int64_t P)
{
	int skip = sinan_asm_label(c->a), nowait = sinan_asm_label(c->a);
	unsigned int q = (unsigned int)(1 - L->cur);
	uint64_t n1 = (uint64_t)CC_DIV_UP(m->tn, 16);

	cg_li(c, 26, (uint64_t)(m->S * m->NT));
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->t0, R->it, 26);
	sinan_asm_br(c->a, SINAN_BR_EQ, R->t0, 0, skip);
	cg_li(c, 26, (uint64_t)m->NT);
	sinan_asm_br(c->a, SINAN_BR_GEU, R->t0, 26, skip);
	sinan_asm_br(c->a, SINAN_BR_GEU, R->r0, R->ml, skip);
	sinan_asm_br(c->a, SINAN_BR_NE, R->r0, 0, nowait);
	cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, q);
	sinan_asm_bind(c->a, nowait);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->kl, R->ml, R->r0);
	if (P)
		cg_alu(c, SINAN_ALU_MINU, R->kl, R->kl, CG_I((uint64_t)P));
	/* scratch + ((bt * M + mt * tm + r0) * N + (nt - 1) * tn) * 4 */
	cg_li(c, 26, (uint64_t)m->M);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->bt, 26);
	cg_li(c, 26, (uint64_t)m->tm);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->mt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->r0);
	cg_li(c, 26, (uint64_t)m->N);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->t0, 26);
	cg_alu(c, SINAN_ALU_SUB, R->t1, R->nt, CG_I(1));
	cg_li(c, 26, (uint64_t)m->tn);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->t1, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
	cg_alu(c, SINAN_ALU_SHL, R->t0, R->t0, CG_I(2));
	cg_ldarg(c, R->t1, m->argscr);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
	/* L0C: + r0 / 16 block rows of n1 blocks */
	cg_alu(c, SINAN_ALU_SHR, R->t1, R->r0, CG_I(4));
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->t1, CG_I(n1 * 1024));
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->t1, CG_I(L->l0c[q]));
	cg_fixp(c, SINAN_BUF_GM, SINAN_DT_FP32, 0, CG_R(R->t0), CG_R(R->t1), CG_R(R->kl), CG_I((uint64_t)m->tn),
		CG_I((uint64_t)(m->N * 4)), CG_I(n1));
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->r0, R->r0, R->kl);
	sinan_asm_br(c->a, SINAN_BR_LTU, R->r0, R->ml, skip);
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_MTE2, 6 + q);
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 6 + q);
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, q);
	sinan_asm_bind(c->a, skip);
}

static void emit_item_epi(struct cg *c, struct mm *m, struct mmr *R, struct lay *L, const int *args, int argp,
			  bool mid);
static void emit_mid_full(struct cg *c, struct mm *m, struct mmr *R, struct lay *L, int argp);

/*
 * Split-K (m->deferl): the previous item's epilogue, when this item is in the same part (the
 * last or a middle one) of the same panel and not its first n tile: the previous tile is full
 * width, one n tile to the left. After this item's first group of loads, so the
 * device-memory port does not wait for the previous tile's products, fixpipe and vector work.
 */
static void emit_defer_epi(struct cg *c, const struct mm *cm, const struct mmr *cR, const struct lay *cL)
{
	struct mm *m = (struct mm *)cm;
	struct mmr *R = (struct mmr *)cR;
	struct lay *L = (struct lay *)cL;
	int skip = sinan_asm_label(c->a), cur = L->cur;
	unsigned int q = (unsigned int)(1 - cur);
	uint64_t to = (uint64_t)(m->tn * m->oes);

	cg_li(c, 26, (uint64_t)m->NT);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->t0, R->it, 26);
	sinan_asm_br(c->a, SINAN_BR_EQ, R->t0, 0, skip);	/* the first n tile of its part */
	cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, q);
	cg_alu(c, SINAN_ALU_SUB, R->nt, R->nt, CG_I(1));
	cg_alu(c, SINAN_ALU_SUB, R->yoff, R->yoff, CG_I(to));
	cg_li(c, R->nl, (uint64_t)m->tn);
	L->cur = (int)q;
	if (m->inmid && m->midfull)
		emit_mid_full(c, m, R, L, m->args[5]);
	else
		emit_item_epi(c, m, R, L, m->args, m->args[5], m->inmid);
	L->cur = cur;
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_MTE2, 6 + q);
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 6 + q);
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, q);
	cg_alu(c, SINAN_ALU_ADD, R->nt, R->nt, CG_I(1));
	cg_alu(c, SINAN_ALU_ADD, R->yoff, R->yoff, CG_I(to));
	cg_li(c, 26, (uint64_t)m->tn);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->nl, R->nt, 26);
	cg_li(c, 27, (uint64_t)m->N);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->nl, 27, R->nl);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->nl, R->nl, 26);
	sinan_asm_bind(c->a, skip);
}

/* K loops: an item's whole loop; a new panel's first item that also runs the next item's first
 * chunks (m->dualg groups after chunk 0); the next item then, from the chunk after those. */
enum { KL_ALL, KL_DUAL, KL_FROM };

/*
 * The K loop of one item (@nch chunks from kb): chunk 0 overwrites L0C, the rest accumulate;
 * slots alternate. Split-K: once the first groups have gone by (the previous item's epilogue
 * has then let go of the UB; the one before it has written its partial sums), MTE2 waits for
 * that and then (@argp >= 0) spreads the loads of this tile's partial sums over the rest of
 * the loop, where they fill the time B's loads leave.
 */
static void emit_kloop(struct cg *c, const struct mm *m, const struct mmr *R, const struct lay *L, int mode,
		       int64_t nch, int argp, int kind)
{
	int ns = m->ns;
	int64_t j = 1 + ns * m->dualg;	/* first chunk after the dual ones */
	int64_t G = (nch - 1) / ns, rest = (nch - 1) % ns;

	if (kind == KL_FROM) {
		cg_alu(c, SINAN_ALU_ADD, R->k0, R->kb, CG_I((uint64_t)(j * m->tk)));
		cg_alu(c, SINAN_ALU_MUL, R->t0, R->cbc, CG_I((uint64_t)j));
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->boff, R->boff, R->t0);
		G -= m->dualg;
	} else {
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->k0, R->kb, 0);
		emit_chunk(c, m, R, L, 0, false, mode, kind == KL_DUAL);
	}
	int64_t nd = kind == KL_DUAL ? m->dualg : 0;	/* dual groups first */
	/* then loads from group g0 on (without loads: wait at the end) */
	/* the last part's K loop with the previous item's epilogue after its first group */
	bool dl = m->deferl && (m->inlast || m->inmid) && argp >= 0 && kind == KL_ALL && G >= 2;
	int64_t g0 = m->S > 1 && argp >= 0 ? CC_MIN(G, m->g0 + (dl ? 2 : 0)) : G;
	int64_t prow = CC_DIV_UP(m->tm, CC_MAX(G - g0, 1));
	int64_t cuts[4] = { 0, CC_MIN(nd, g0), CC_MAX(nd, g0), G };
	bool waited = m->S == 1;
	bool d0 = m->defer0 && argp < 0 && kind != KL_DUAL;	/* a part-0 item after another */
	if (dl && g0 >= 1) {
		for (int i = 1; i <= ns; i++)
			emit_chunk(c, m, R, L, i % ns, true, mode, false);
		emit_defer_epi(c, m, R, L);
		cuts[0] = cuts[1] = 1;
	}
	int64_t P0 = CC_MAX(16, m->tm / CC_MAX(G, 1) / 16 * 16);
	for (int seg = 0; seg < 3; seg++) {
		int64_t lo = cuts[seg], hi = cuts[seg + 1];
		if (!waited && lo == g0) {
			waited = true;
			cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_MTE2, 6 + (unsigned int)L->cur);
			cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 6 + (unsigned int)L->cur);
			if (argp >= 0) {
				cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 3);
				cg_li(c, R->r0, 0);
			}
		}
		if (hi <= lo)
			continue;
		bool dual = lo < nd, loads = argp >= 0 && lo >= g0;
		int kt = sinan_asm_label(c->a);
		cg_li(c, R->cnt, (uint64_t)(hi - lo));
		sinan_asm_bind(c->a, kt);
		for (int i = 1; i <= ns; i++)
			emit_chunk(c, m, R, L, i % ns, true, mode, dual);
		if (loads)
			emit_part_load(c, m, R, L, argp, prow);
		if (m->defer)
			emit_pend_fixp(c, m, R, m->dpiece);
		if (m->stage)
			emit_stage(c, m, R, m->dpiece, false);
		if (d0)
			emit_defer0(c, m, R, L, P0);
		cg_alu(c, SINAN_ALU_SUB, R->cnt, R->cnt, CG_I(1));
		sinan_asm_br(c->a, SINAN_BR_NE, R->cnt, 0, kt);
	}
	for (int i = 1; i <= rest; i++)
		emit_chunk(c, m, R, L, i % ns, true, mode, false);
	if (d0)
		emit_defer0(c, m, R, L, 0);
	if (m->stage && G >= 1)	/* a larger piece: more than a tile per item, so a backlog drains
				 * (not right after a few chunks: the tile may be still on its way to the UB) */
		for (int i = 0; i < 3; i++)
			emit_stage(c, m, R, m->dpiece, false);
	if (argp >= 0) {	/* what is left, then the UB has them */
		emit_part_load(c, m, R, L, argp, m->tm);
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 3);
	}
}

/* Activation in place on the fp32 rows at @x (scratch at @t). */
static void emit_act(struct cg *c, const struct mm *m, uint32_t x, uint32_t t, struct cg_v n, struct cg_v r,
		     uint64_t p)
{
	const int f = SINAN_DT_FP32;
	struct cg_v X = CG_I(x), T = CG_I(t);
	int a = m->act;

	if (a == CC_ACT_NONE)
		return;
	if (a == CC_ACT_CLIP) {
		if (m->act_a > -INFINITY)
			cg_vscalar(c, SINAN_VS_MAX, f, X, X, CG_I(cg_fbits(m->act_a)), n, r, p, p);
		if (m->act_b < INFINITY)
			cg_vscalar(c, SINAN_VS_MIN, f, X, X, CG_I(cg_fbits(m->act_b)), n, r, p, p);
	} else if (a == cc_act_code("Relu")) {
		cg_vun(c, SINAN_VU_RELU, f, X, X, n, r, p, p);
	} else if (a == cc_act_code("Sigmoid")) {
		cg_vun(c, SINAN_VU_SIGMOID, f, X, X, n, r, p, p);
	} else if (a == cc_act_code("Tanh")) {
		cg_vun(c, SINAN_VU_TANH, f, X, X, n, r, p, p);
	} else if (a == cc_act_code("LeakyRelu")) {
		cg_vscalar(c, SINAN_VS_LRELU, f, X, X, CG_I(cg_fbits(m->act_a)), n, r, p, p);
	} else if (a == cc_act_code("HardSigmoid") || a == cc_act_code("HardSwish")) {
		bool sw = a == cc_act_code("HardSwish");
		struct cg_v D = sw ? T : X;
		cg_vscalar(c, SINAN_VS_MUL, f, D, X, CG_I(cg_fbits(sw ? 1.0 / 6 : m->act_a)), n, r, p, p);
		cg_vscalar(c, SINAN_VS_ADD, f, D, D, CG_I(cg_fbits(sw ? 0.5 : m->act_b)), n, r, p, p);
		cg_vscalar(c, SINAN_VS_MAX, f, D, D, CG_I(cg_fbits(0)), n, r, p, p);
		cg_vscalar(c, SINAN_VS_MIN, f, D, D, CG_I(cg_fbits(1)), n, r, p, p);
		if (sw)
			cg_vbin(c, SINAN_VB_MUL, f, 0, X, X, T, n, r, p, p, p);
	} else if (a == cc_act_code("Gelu")) {	/* 0.5 x (1 + erf(x / sqrt 2)) */
		cg_vscalar(c, SINAN_VS_MUL, f, T, X, CG_I(cg_fbits(M_SQRT1_2)), n, r, p, p);
		cg_vun(c, SINAN_VU_ERF, f, T, T, n, r, p, p);
		cg_vscalar(c, SINAN_VS_ADD, f, T, T, CG_I(cg_fbits(1)), n, r, p, p);
		cg_vbin(c, SINAN_VB_MUL, f, 0, X, X, T, n, r, p, p, p);
		cg_vscalar(c, SINAN_VS_MUL, f, X, X, CG_I(cg_fbits(0.5)), n, r, p, p);
	} else if (a == cc_act_code("GeluTanh")) {	/* 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) */
		cg_vbin(c, SINAN_VB_MUL, f, 0, T, X, X, n, r, p, p, p);
		cg_vbin(c, SINAN_VB_MUL, f, 0, T, T, X, n, r, p, p, p);
		cg_vscalar(c, SINAN_VS_MUL, f, T, T, CG_I(cg_fbits(0.044715)), n, r, p, p);
		cg_vbin(c, SINAN_VB_ADD, f, 0, T, T, X, n, r, p, p, p);
		cg_vscalar(c, SINAN_VS_MUL, f, T, T, CG_I(cg_fbits(sqrt(2.0 / M_PI))), n, r, p, p);
		cg_vun(c, SINAN_VU_TANH, f, T, T, n, r, p, p);
		cg_vscalar(c, SINAN_VS_ADD, f, T, T, CG_I(cg_fbits(1)), n, r, p, p);
		cg_vbin(c, SINAN_VB_MUL, f, 0, X, X, T, n, r, p, p, p);
		cg_vscalar(c, SINAN_VS_MUL, f, X, X, CG_I(cg_fbits(0.5)), n, r, p, p);
	}
}

/*
 * One row chunk of the epilogue: rows [r0, r0 + rows) of the item. @argp >= 0: the
 * split-K partial sums (fp32, in the scratch) are added first; @mid: a middle part, whose
 * sum goes back to the scratch (fp32) instead of through the epilogue to Y.
 */
static void emit_epi_chunk(struct cg *c, const struct mm *m, const struct mmr *R, const struct lay *L, int s,
			   int argc_, int argr, int argp, bool mid)
{
	const int f = SINAN_DT_FP32;
	uint64_t p4 = (uint64_t)pitch(m->tn, 4) * 4;
	int oes = mid ? 4 : m->oes, odt = mid ? f : m->odt;
	uint64_t po = mid ? p4 : (uint64_t)pitch(m->tn, oes) * (uint64_t)oes;
	struct cg_v n = CG_R(R->nl), rr = CG_R(R->rows);

	/* rows = min(rc, ml - r0) */
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->rows, R->ml, R->r0);
	cg_li(c, 26, (uint64_t)m->rc);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->rows, R->rows, 26);
	/* MTE2: C and R rows (the partial sums are in the UB already, emit_kloop) */
	bool cin = !mid && m->c && !m->c_imm, rin = !mid && m->r != NULL, pin = argp >= 0;
	if (cin || rin) {
		cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 2);
		if (cin) {
			int ces = esz(m->cdt);
			cg_ldarg(c, R->t0, argc_);
			batch_off(c, m, R, R->t0, m->cst, ces);
			if (m->cms) {	/* t0 += (m0 + r0) * cms * es */
				cg_li(c, 26, (uint64_t)m->tm);
				sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->mt, 26);
				sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->t1, R->r0);
				cg_li(c, 26, (uint64_t)(m->cms * ces));
				sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->t1, 26);
				sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
			}
			if (m->cns) {	/* t0 += n0 * es */
				cg_li(c, 26, (uint64_t)(m->tn * ces));
				sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->nt, 26);
				sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
				cg_li(c, 26, (uint64_t)ces);
				sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->nl, 26);
			} else {	/* [.., M, 1]-like is refused; a scalar row: repeat one element */
				cg_li(c, R->t1, (uint64_t)ces);
			}
			uint64_t cp = (uint64_t)pitch(m->tn, ces) * (uint64_t)ces;
			if (m->cns)
				cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(L->c), CG_R(R->t0),
				       m->cms ? rr : CG_I(1), CG_R(R->t1), CG_I((uint64_t)(m->cms * ces)), CG_I(cp));
			else
				cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(L->c), CG_R(R->t0), n, CG_I((uint64_t)ces),
				       CG_I(0), CG_I((uint64_t)ces));
		}
		if (rin) {
			int res_ = esz(m->rdt);
			cg_ldarg(c, R->t0, argr);
			/* t0 += (bt * M * N + (m0 + r0) * N + n0) * es */
			cg_li(c, 26, (uint64_t)(m->M * m->N * res_));
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->bt, 26);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
			cg_li(c, 26, (uint64_t)m->tm);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->mt, 26);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->t1, R->r0);
			cg_li(c, 26, (uint64_t)(m->N * res_));
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->t1, 26);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
			cg_li(c, 26, (uint64_t)(m->tn * res_));
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->nt, 26);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->t1);
			cg_li(c, 26, (uint64_t)res_);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->nl, 26);
			cg_mov(c, SINAN_BUF_GM, SINAN_BUF_UB, 0, CG_I(L->r), CG_R(R->t0), rr, CG_R(R->t1),
			       CG_I((uint64_t)(m->N * res_)), CG_I((uint64_t)pitch(m->tn, res_) * (uint64_t)res_));
		}
		cg_set(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 2);
	}
	/* FIX: L0C rows r0.. -> UB res (fp32). L0C offset = (r0 / 16) * N1 * 1024 */
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_FIX, 0);
	cg_li(c, 26, 15);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->nl, 26);
	cg_li(c, 26, 4);
	sinan_asm_alu(c->a, SINAN_ALU_SHR, R->t1, R->t1, 26);		/* N1 */
	sinan_asm_alu(c->a, SINAN_ALU_SHR, R->t0, R->r0, 26);		/* r0 / 16 */
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->t0, R->t1);
	cg_li(c, 26, 10);
	sinan_asm_alu(c->a, SINAN_ALU_SHL, R->t0, R->t0, 26);		/* * 1024 */
	cg_alu(c, SINAN_ALU_ADD, R->t0, R->t0, CG_I(L->l0c[L->cur]));
	cg_fixp(c, SINAN_BUF_UB, f, 0, CG_I(L->res), CG_R(R->t0), rr, n, CG_I(p4), CG_R(R->t1));
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_V, 0);
	/* V */
	cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_V, 0);
	if (cin || rin)
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 2);
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, (unsigned int)s);
	struct cg_v res = CG_I(L->res);
	if (pin) {	/* rows r0.. of the partial sums */
		cg_li(c, 26, p4);
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->r0, 26);
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->t0, CG_I(L->pt));
		cg_vbin(c, SINAN_VB_ADD, f, 0, res, res, CG_R(R->t0), n, rr, p4, p4, p4);
	}
	if (mid)
		goto out;
	if (m->alpha != 1.0)
		cg_vscalar(c, SINAN_VS_MUL, f, res, res, CG_I(cg_fbits(m->alpha)), n, rr, p4, p4);
	if (m->c) {
		if (m->c_imm) {
			cg_vscalar(c, SINAN_VS_ADD, f, res, res, CG_I(cg_fbits(m->beta * m->c_val)), n, rr, p4, p4);
		} else {
			struct cg_v C = CG_I(L->c);
			struct cg_v cn = m->cns ? n : CG_R(R->nl);
			struct cg_v crow = m->cms ? rr : CG_I(1);
			if (m->cdt != f) {	/* convert in place: low half -> fp32 rows at the same pitch */
				uint64_t cp = (uint64_t)pitch(m->tn, esz(m->cdt)) * (uint64_t)esz(m->cdt);
				cg_vcvt(c, (unsigned int)m->cdt, f, SINAN_RND_EVEN, 0, CG_I(L->c + (uint32_t)(m->rc * p4)),
					C, cn, crow, p4, cp);
				C = CG_I(L->c + (uint32_t)(m->rc * p4));
			}
			if (m->beta != 1.0)
				cg_vscalar(c, SINAN_VS_MUL, f, C, C, CG_I(cg_fbits(m->beta)), cn, crow, p4, p4);
			cg_vbin(c, SINAN_VB_ADD, f, 0, res, res, C, n, rr, p4, p4, m->cms ? p4 : 0);
		}
	}
	if (m->r) {
		struct cg_v Rv = CG_I(L->r);
		if (m->rdt != f) {
			uint64_t rp = (uint64_t)pitch(m->tn, esz(m->rdt)) * (uint64_t)esz(m->rdt);
			cg_vcvt(c, (unsigned int)m->rdt, f, SINAN_RND_EVEN, 0, CG_I(L->r + (uint32_t)(m->rc * p4)), Rv, n,
				rr, p4, rp);
			Rv = CG_I(L->r + (uint32_t)(m->rc * p4));
		}
		cg_vbin(c, SINAN_VB_ADD, f, 0, res, res, Rv, n, rr, p4, p4, p4);
	}
	emit_act(c, m, L->res, L->tmp, n, rr, p4);
out:
	if (odt == f)
		cg_vun(c, SINAN_VU_COPY, f, CG_I(L->out[s]), res, n, rr, po, p4);
	else
		cg_vcvt(c, f, (unsigned int)odt, SINAN_RND_EVEN, 0, CG_I(L->out[s]), res, n, rr, po, p4);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_FIX, 0);
	if (cin || rin)
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 2);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, (unsigned int)s);
	/* MTE3: rows to Y + r0 * N * oes (middle parts: back to the partial sums) */
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, (unsigned int)s);
	if (mid) {
		part_addr(c, m, R, R->t0, argp);
	} else {
		cg_li(c, 26, (uint64_t)(m->N * oes));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->r0, 26);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t0, R->t0, R->yoff);
	}
	cg_li(c, 26, (uint64_t)oes);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t1, R->nl, 26);
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_I(L->out[s]), rr, CG_R(R->t1), CG_I(po),
	       CG_I((uint64_t)(m->N * oes)));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, (unsigned int)s);
	cg_alu(c, SINAN_ALU_ADD, R->r0, R->r0, CG_I((uint64_t)m->rc));
}

/*
 * The K loop of the item (L0C buffer @p), with its resident panel (part) loaded by the first
 * item that uses it. The block's first item also runs the next item's first chunks when the
 * next item is in this block and panel and full width (emit_kloop KL_DUAL), and leaves
 * R->cnt = 1 for it (else 0): the next item then runs only its remaining chunks.
 */
static void emit_item_k(struct cg *c, struct mm *m, struct mmr *R, struct lay *L, int64_t nch, int argp, int p)
{
	bool nz = m->pl && m->pl->path == MM_NZ, res = nz && (m->pl->resident || m->S > 1);

	if (!res) {
		cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)p);
		emit_kloop(c, m, R, L, nz ? CH_NZ_STREAM : CH_GEN, nch, argp, KL_ALL);
		return;
	}
	int same = sinan_asm_label(c->a), done = sinan_asm_label(c->a), first = sinan_asm_label(c->a);
	int single = sinan_asm_label(c->a), pre = sinan_asm_label(c->a);
	/* panel (part) id = it / NT: (bt, mt, part) */
	cg_li(c, 26, (uint64_t)m->NT);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->t1, R->it, 26);
	sinan_asm_br(c->a, SINAN_BR_EQ, R->t1, R->cur, same);
	/* a new panel: once the previous one's LOADFs are done, load it chunk by chunk */
	cg_li(c, R->t0, UINT64_MAX);
	sinan_asm_br(c->a, SINAN_BR_EQ, R->cur, R->t0, first);
	cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 6);
	cg_wait(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, 6);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->cur, R->t1, 0);
	sinan_asm_jmp(c->a, single);
	/* the block's first item: both L0C buffers are free (later, the other one is still
	 * going to device memory, which the dual chunks would wait for) */
	sinan_asm_bind(c->a, first);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->cur, R->t1, 0);
	if (m->dualg) {
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->it, CG_I(1));
		sinan_asm_br(c->a, SINAN_BR_GEU, R->t0, R->hi, single);
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->nt, CG_I(m->N % m->tn ? 2 : 1));
		cg_li(c, 26, (uint64_t)m->NT);
		sinan_asm_br(c->a, SINAN_BR_GEU, R->t0, 26, single);
		cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)p);
		if (!m->defer)	/* deferred: the other buffer's flag is set at this item's end */
			cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)(1 - p));
		emit_kloop(c, m, R, L, CH_NZ_FIRST, nch, argp, KL_DUAL);
		cg_li(c, R->cnt, 1);
		sinan_asm_jmp(c->a, done);
	}
	sinan_asm_bind(c->a, single);
	cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)p);
	emit_kloop(c, m, R, L, CH_NZ_FIRST, nch, argp, KL_ALL);
	cg_li(c, R->cnt, 0);
	sinan_asm_jmp(c->a, done);
	sinan_asm_bind(c->a, same);
	if (m->dualg)
		sinan_asm_br(c->a, SINAN_BR_NE, R->cnt, 0, pre);
	cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)p);
	emit_kloop(c, m, R, L, CH_NZ_REST, nch, argp, KL_ALL);
	cg_li(c, R->cnt, 0);
	if (m->dualg) {
		sinan_asm_jmp(c->a, done);
		sinan_asm_bind(c->a, pre);	/* its buffer was waited for by the item before */
		if (m->defer)
			cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)p);
		emit_kloop(c, m, R, L, CH_NZ_REST, nch, argp, KL_FROM);
		cg_li(c, R->cnt, 0);
	}
	sinan_asm_bind(c->a, done);
}

/*
 * The epilogue of a middle split-K part, the whole tile at once: L0C -> UB, + the partial sums
 * (which the next item may then load over), back to the partial sums. Every epilogue through
 * the UB waits (MTE3 -> FIX 2) until this store has read the tile, which lies over their rows.
 */
static void emit_mid_full(struct cg *c, struct mm *m, struct mmr *R, struct lay *L, int argp)
{
	const int f = SINAN_DT_FP32;
	uint64_t p4 = (uint64_t)pitch(m->tn, 4) * 4;

	cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 3);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_FIX, 0);
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, 2);
	cg_alu(c, SINAN_ALU_ADD, R->t1, R->nl, CG_I(15));
	cg_alu(c, SINAN_ALU_SHR, R->t1, R->t1, CG_I(4));
	cg_fixp(c, SINAN_BUF_UB, f, 0, CG_I(L->full), CG_I(L->l0c[L->cur]), CG_R(R->ml), CG_R(R->nl), CG_I(p4),
		CG_R(R->t1));
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_V, 0);
	cg_wait(c, SINAN_PIPE_FIX, SINAN_PIPE_V, 0);
	cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_vbin(c, SINAN_VB_ADD, f, 0, CG_I(L->full), CG_I(L->full), CG_I(L->pt), CG_R(R->nl), CG_R(R->ml), p4, p4, p4);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 3);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_FIX, 0);
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_wait(c, SINAN_PIPE_V, SINAN_PIPE_MTE3, 0);
	cg_li(c, R->r0, 0);
	part_addr(c, m, R, R->t0, argp);
	cg_alu(c, SINAN_ALU_MUL, R->t1, R->nl, CG_I(4));
	cg_mov(c, SINAN_BUF_UB, SINAN_BUF_GM, 0, CG_R(R->t0), CG_I(L->full), CG_R(R->ml), CG_R(R->t1), CG_I(p4),
	       CG_I((uint64_t)(m->N * 4)));
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, 0);
	cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, 2);
}

/* The epilogue of the item (all of it through the UB, row chunk by row chunk). */
static void emit_item_epi(struct cg *c, struct mm *m, struct mmr *R, struct lay *L, const int *args, int argp,
			  bool mid)
{
	int et = sinan_asm_label(c->a), ee = sinan_asm_label(c->a);
	if (argp >= 0)	/* the partial sums are in the UB (emit_kloop) */
		cg_wait(c, SINAN_PIPE_MTE2, SINAN_PIPE_V, 3);
	if (m->midfull)	/* a middle part's store has read its tile (emit_mid_full) */
		cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, 2);
	cg_li(c, R->r0, 0);
	sinan_asm_bind(c->a, et);
	sinan_asm_br(c->a, SINAN_BR_GEU, R->r0, R->ml, ee);
	emit_epi_chunk(c, m, R, L, 0, args[3], args[4], argp, mid);
	sinan_asm_br(c->a, SINAN_BR_GEU, R->r0, R->ml, ee);
	emit_epi_chunk(c, m, R, L, 1, args[3], args[4], argp, mid);
	sinan_asm_jmp(c->a, et);
	sinan_asm_bind(c->a, ee);
	if (argp >= 0)
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 3);
	if (m->midfull)
		cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, 2);
}

/*
 * One item: output tile (bt, mt, nt) over K part kb.. (items of a panel: parts outer, n tiles
 * inner; without split-K one part). args: A, B, Y, C, R, scratch.
 */
static void emit_item(struct cg *c, struct mm *m, struct mmr *R, struct lay *L, int p, const int *args,
		      int64_t MT, int64_t NT)
{
	bool nz = m->pl && m->pl->path == MM_NZ;
	int S = m->S;

	L->cur = p;
	/* item -> panel (bt, mt), part, nt; ml, nl */
	cg_li(c, 26, (uint64_t)(S * NT));
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->t0, R->it, 26);		/* panel */
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->kb, R->it, 26);
	cg_li(c, 26, (uint64_t)NT);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->nt, R->kb, 26);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->kb, R->kb, 26);		/* part */
	cg_li(c, 26, (uint64_t)m->Kp);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->kb, R->kb, 26);		/* kb = part * Kp */
	cg_li(c, 26, (uint64_t)MT);
	sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->bt, R->t0, 26);
	sinan_asm_alu(c->a, SINAN_ALU_REMU, R->mt, R->t0, 26);
	cg_li(c, 26, (uint64_t)m->tm);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->ml, R->mt, 26);
	cg_li(c, 27, (uint64_t)m->M);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->ml, 27, R->ml);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->ml, R->ml, 26);
	cg_li(c, 26, (uint64_t)m->tn);
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->nl, R->nt, 26);
	cg_li(c, 27, (uint64_t)m->N);
	sinan_asm_alu(c->a, SINAN_ALU_SUB, R->nl, 27, R->nl);
	sinan_asm_alu(c->a, SINAN_ALU_MINU, R->nl, R->nl, 26);
	/* aoff = A + batch + m0 part */
	cg_ldarg(c, R->aoff, args[0]);
	batch_off(c, m, R, R->aoff, m->ast, m->es);
	cg_li(c, 26, (uint64_t)(m->tm * (m->ta ? 1 : m->K) * m->es));
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->mt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->aoff, R->aoff, R->t0);
	cg_ldarg(c, R->boff, args[1]);
	if (nz) {	/* boff = Bnz + nt * KC * tk * tn * es + (kb / tk) * cbc; cbc = tk * align16(nl) * es */
		cg_li(c, 26, (uint64_t)(m->KC * m->tk * m->tn * m->es));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->nt, 26);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->boff, R->boff, R->t0);
		cg_alu(c, SINAN_ALU_ADD, R->cbc, R->nl, CG_I(15));
		cg_alu(c, SINAN_ALU_SHR, R->cbc, R->cbc, CG_I(4));
		cg_alu(c, SINAN_ALU_MUL, R->cbc, R->cbc, CG_I((uint64_t)(16 * m->tk * m->es)));
		if (S > 1) {
			cg_li(c, 26, (uint64_t)m->tk);
			sinan_asm_alu(c->a, SINAN_ALU_DIVU, R->t0, R->kb, 26);
			sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->t0, R->cbc);
			sinan_asm_alu(c->a, SINAN_ALU_ADD, R->boff, R->boff, R->t0);
		}
	} else {
		batch_off(c, m, R, R->boff, m->bst, m->es);
		cg_li(c, 26, (uint64_t)(m->tn * (m->tb ? m->K : 1) * m->es));
		sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->nt, 26);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->boff, R->boff, R->t0);
	}
	cg_ldarg(c, R->yoff, args[2]);
	cg_li(c, 26, (uint64_t)(m->M * m->N * m->oes));
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->bt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->yoff, R->yoff, R->t0);
	cg_li(c, 26, (uint64_t)(m->tm * m->N * m->oes));
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->mt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->yoff, R->yoff, R->t0);
	cg_li(c, 26, (uint64_t)(m->tn * m->oes));
	sinan_asm_alu(c->a, SINAN_ALU_MUL, R->t0, R->nt, 26);
	sinan_asm_alu(c->a, SINAN_ALU_ADD, R->yoff, R->yoff, R->t0);
	/* K loop; the MMADs of this item wait until the fixpipe took the previous L0C */
	if (m->defer0)	/* rows of the previous item's part-0 tile out (emit_defer0) */
		cg_li(c, R->r0, 0);
	if (m->defer)	/* the previous item's products are done before its pieces go out */
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)(1 - p));
	if (S == 1) {
		emit_item_k(c, m, R, L, m->KC, -1, p);
	} else {	/* part 0; middle parts; the last part (which may have fewer chunks) */
		int k_last = sinan_asm_label(c->a), k_mid = sinan_asm_label(c->a), kdone = sinan_asm_label(c->a);
		cg_li(c, 26, (uint64_t)((S - 1) * m->Kp));
		sinan_asm_br(c->a, SINAN_BR_EQ, R->kb, 26, k_last);
		sinan_asm_br(c->a, SINAN_BR_NE, R->kb, 0, k_mid);
		emit_item_k(c, m, R, L, m->KCp, -1, p);
		sinan_asm_jmp(c->a, kdone);
		sinan_asm_bind(c->a, k_mid);
		if (S > 2) {
			m->inmid = true;
			emit_item_k(c, m, R, L, m->KCp, args[5], p);
			m->inmid = false;
		}
		sinan_asm_jmp(c->a, kdone);
		sinan_asm_bind(c->a, k_last);
		m->inlast = true;
		emit_item_k(c, m, R, L, m->KCl, args[5], p);
		m->inlast = false;
		sinan_asm_bind(c->a, kdone);
	}
	if (m->defer) {	/* the rest of the previous tile; this one goes out during the next item */
		emit_pend_fixp(c, m, R, 0);
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)(1 - p));
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)p);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->rows, R->yoff, 0);
		cg_alu(c, SINAN_ALU_SHL, R->r0, R->ml, CG_I(16));
		sinan_asm_alu(c->a, SINAN_ALU_OR, R->r0, R->r0, R->nl);
		cg_alu(c, SINAN_ALU_SHL, R->r0, R->r0, CG_I(32));
		cg_alu(c, SINAN_ALU_OR, R->r0, R->r0, CG_I(L->l0c[p]));
		return;
	}
	cg_set(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)p);
	if (S == 1)
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)p);
	if (m->stage) {	/* L0C -> UB slot p (but the block's last tile), stored by emit_stage */
		int last = sinan_asm_label(c->a);
		cg_alu(c, SINAN_ALU_ADD, R->t0, R->it, CG_I(1));
		sinan_asm_br(c->a, SINAN_BR_GEU, R->t0, R->hi, last);
		cg_wait(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, (unsigned int)p);
		cg_alu(c, SINAN_ALU_ADD, R->t1, R->nl, CG_I(15));
		cg_alu(c, SINAN_ALU_SHR, R->t1, R->t1, CG_I(4));
		cg_fixp(c, SINAN_BUF_UB, (unsigned int)m->odt, direct_flags(m), CG_I((uint64_t)p * m->slot),
			CG_I(L->l0c[p]), CG_R(R->ml), CG_R(R->nl), CG_I((uint64_t)(pitch(m->tn, m->oes) * m->oes)),
			CG_R(R->t1));
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_MTE3, (unsigned int)p);
		sinan_asm_bind(c->a, last);
	} else if (m->direct) {
		/* L0C -> Y: Relu and alpha in the fixpipe, which also converts */
		unsigned int fl = direct_flags(m);
		cg_li(c, 26, 15);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->nl, 26);
		cg_li(c, 26, 4);
		sinan_asm_alu(c->a, SINAN_ALU_SHR, R->t1, R->t1, 26);
		cg_fixp(c, SINAN_BUF_GM, (unsigned int)m->odt, fl, CG_R(R->yoff), CG_I(L->l0c[p]), CG_R(R->ml), CG_R(R->nl),
			CG_I((uint64_t)(m->N * m->oes)), CG_R(R->t1));
	} else if (S == 1) {
		emit_item_epi(c, m, R, L, args, -1, false);
	} else {
		int e_last = sinan_asm_label(c->a), e_done = sinan_asm_label(c->a);
		cg_li(c, 26, (uint64_t)((S - 1) * m->Kp));
		sinan_asm_br(c->a, SINAN_BR_EQ, R->kb, 26, e_last);
		int e_mid = sinan_asm_label(c->a);
		sinan_asm_br(c->a, SINAN_BR_NE, R->kb, 0, e_mid);
		/* part 0: L0C -> the partial sums (fp32), straight; or by the next item (emit_defer0) */
		int e_skip = sinan_asm_label(c->a);
		if (m->defer0) {
			cg_li(c, 26, (uint64_t)(S * NT));
			sinan_asm_alu(c->a, SINAN_ALU_REMU, R->t0, R->it, 26);
			cg_li(c, 26, (uint64_t)(NT - 1));
			sinan_asm_br(c->a, SINAN_BR_LTU, R->t0, 26, e_skip);
		}
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)p);
		cg_li(c, R->r0, 0);
		part_addr(c, m, R, R->t0, args[5]);
		cg_li(c, 26, 15);
		sinan_asm_alu(c->a, SINAN_ALU_ADD, R->t1, R->nl, 26);
		cg_li(c, 26, 4);
		sinan_asm_alu(c->a, SINAN_ALU_SHR, R->t1, R->t1, 26);
		cg_fixp(c, SINAN_BUF_GM, SINAN_DT_FP32, 0, CG_R(R->t0), CG_I(L->l0c[p]), CG_R(R->ml), CG_R(R->nl),
			CG_I((uint64_t)(m->N * 4)), CG_R(R->t1));
		sinan_asm_jmp(c->a, e_done);
		sinan_asm_bind(c->a, e_mid);
		if (S > 2 && m->deferl && m->KCp - 1 >= 2 * m->ns) {	/* by the next item (emit_defer_epi) */
			cg_li(c, 26, (uint64_t)NT);
			sinan_asm_alu(c->a, SINAN_ALU_REMU, R->t0, R->it, 26);
			cg_li(c, 26, (uint64_t)(NT - 1));
			sinan_asm_br(c->a, SINAN_BR_LTU, R->t0, 26, e_skip);
		}
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)p);
		if (S > 2 && m->midfull)	/* middle parts: partial sums += this part's */
			emit_mid_full(c, m, R, L, args[5]);
		else if (S > 2)
			emit_item_epi(c, m, R, L, args, args[5], true);
		sinan_asm_jmp(c->a, e_done);
		sinan_asm_bind(c->a, e_last);
		if (m->deferl && m->KCl - 1 >= 2 * m->ns) {	/* by the next item (emit_defer_epi) */
			cg_li(c, 26, (uint64_t)(S * NT));
			sinan_asm_alu(c->a, SINAN_ALU_REMU, R->t0, R->it, 26);
			cg_li(c, 26, (uint64_t)(S * NT - 1));
			sinan_asm_br(c->a, SINAN_BR_LTU, R->t0, 26, e_skip);
		}
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, (unsigned int)p);
		emit_item_epi(c, m, R, L, args, args[5], false);
		sinan_asm_bind(c->a, e_done);
		/* the item after next (the same L0C buffer) waits in its K loop for this item's partial
		 * sums to be written: a part reads those of the part before, at least 2 items back */
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_MTE2, 6 + (unsigned int)p);
		cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, 6 + (unsigned int)p);
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)p);
		sinan_asm_bind(c->a, e_skip);
		return;
	}
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, (unsigned int)p);
}

int cc_lower_mm(struct cg *c, struct cc_node *n)
{
	struct mm m;
	struct lay L;
	struct mmr R;
	int rc;

	memset(&m, 0, sizeof(m));
	m.n = n;
	if (geo(c->g, &m))
		return -c->g->err_code;
	if (!plan(&m, c->tgt, &L))
		return NERR(c->g, n, ENOTSUP, "matrix product does not fit the on-chip buffers");
	int64_t MT = CC_DIV_UP(m.M, m.tm), NT = CC_DIV_UP(m.N, m.tn);
	uint64_t panels = m.batches * (uint64_t)MT, items = panels * (uint64_t)(NT * m.S);

	rc = cg_begin(c, "matmul", NULL);
	if (rc)
		return rc;
	unsigned int *rr = (unsigned int *)&R;
	for (size_t i = 0; i < sizeof(R) / sizeof(unsigned int); i++)
		rr[i] = cg_reg(c);
	int arg_a = cg_arg(c, m.a, 0, false), arg_b = cg_arg(c, n->in[1], 0, false);
	int arg_c = m.c && !m.c_imm ? cg_arg(c, m.c, 0, false) : -1;
	int arg_r = m.r ? cg_arg(c, m.r, 0, false) : -1;
	int arg_y = cg_arg(c, m.y, 0, true);
	int arg_p = -1;
	if (m.S > 1) {	/* fp32 partial sums of every output element, in the program's scratch */
		uint64_t sb = m.batches * (uint64_t)m.M * (uint64_t)m.N * 4;
		c->p->scratch_bytes = CC_MAX(c->p->scratch_bytes, sb);
		arg_p = cg_arg_scratch(c, 0);
	}
	int args[6] = { arg_a, arg_b, arg_y, arg_c, arg_r, arg_p };
	m.argscr = arg_p;
	m.argy = arg_y;
	m.args = args;
	bool nz = m.pl && m.pl->path == MM_NZ, res = nz && (m.pl->resident || m.S > 1);
	/* prime the back edges */
	for (unsigned int s = 0; s < (unsigned int)m.ns; s++) {
		if (!res)
			cg_set(c, SINAN_PIPE_MTE1, SINAN_PIPE_MTE2, s);
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE1, s);
		if (nz)
			cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, s);
		if (m.dualg)
			cg_set(c, SINAN_PIPE_M, SINAN_PIPE_MTE2, (unsigned int)m.ns + s);
	}
	for (unsigned int s = 0; s < 2; s++)
		cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_V, s);
	cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, 0);
	if (m.stage) {	/* both UB slots free */
		cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, 0);
		cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, 1);
	}
	if (m.defer) {	/* no previous tile: its products are done, nothing pending */
		cg_set(c, SINAN_PIPE_M, SINAN_PIPE_FIX, 1);
		cg_li(c, R.r0, 0);
	} else {
		cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_M, 1);
	}
	cg_set(c, SINAN_PIPE_V, SINAN_PIPE_FIX, 0);
	if (!m.direct && ((m.c && !m.c_imm) || m.r))
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 2);
	if (m.S > 1) {	/* the UB's partial sums are free; no partial sums are being written */
		cg_set(c, SINAN_PIPE_V, SINAN_PIPE_MTE2, 3);
		for (unsigned int i = 6; i < 8; i++) {
			cg_set(c, SINAN_PIPE_FIX, SINAN_PIPE_MTE2, i);
			cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_MTE2, i);
		}
		if (m.midfull)
			cg_set(c, SINAN_PIPE_MTE3, SINAN_PIPE_FIX, 2);
	}
	if (m.direct && (m.alpha != 1.0))
		cg_setcfg(c, SINAN_CFG_QSCALE, CG_I(cg_fbits(m.alpha)));
	cg_li(c, R.cur, UINT64_MAX);
	if (m.S > 1) {	/* blocks take whole panels: a part reads the partial sums of the one before */
		cg_block_range(c, R.it, R.hi, panels);
		cg_alu(c, SINAN_ALU_MUL, R.it, R.it, CG_I((uint64_t)(NT * m.S)));
		cg_alu(c, SINAN_ALU_MUL, R.hi, R.hi, CG_I((uint64_t)(NT * m.S)));
	} else {
		cg_block_range(c, R.it, R.hi, items);
	}
	if (m.stage)	/* the first tile to store: this block's first, UB slot 0 */
		cg_alu(c, SINAN_ALU_SHL, R.r0, R.it, CG_I(16));
	int top = sinan_asm_label(c->a), end = sinan_asm_label(c->a), end0 = sinan_asm_label(c->a);
	sinan_asm_bind(c->a, top);
	sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, end);
	emit_item(c, &m, &R, &L, 0, args, MT, NT);
	cg_alu(c, SINAN_ALU_ADD, R.it, R.it, CG_I(1));
	sinan_asm_br(c->a, SINAN_BR_GEU, R.it, R.hi, m.defer || m.stage ? end0 : end);
	emit_item(c, &m, &R, &L, 1, args, MT, NT);
	cg_alu(c, SINAN_ALU_ADD, R.it, R.it, CG_I(1));
	sinan_asm_jmp(c->a, top);
	if (m.defer) {	/* the last tile (buffer 1 after an odd item count or none, else 0) */
		int fin = sinan_asm_label(c->a);
		sinan_asm_bind(c->a, end0);
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, 0);
		emit_pend_fixp(c, &m, &R, 0);
		sinan_asm_jmp(c->a, fin);
		sinan_asm_bind(c->a, end);
		cg_wait(c, SINAN_PIPE_M, SINAN_PIPE_FIX, 1);
		emit_pend_fixp(c, &m, &R, 0);
		sinan_asm_bind(c->a, fin);
	} else if (m.stage) {	/* the stores left, then the last tile (L0C buffer 0 or 1) straight */
		int fin = sinan_asm_label(c->a), none = sinan_asm_label(c->a);
		for (int q = 0; q < 2; q++) {
			sinan_asm_bind(c->a, q ? end : end0);
			emit_stage(c, &m, &R, 0, true);
			cg_alu(c, SINAN_ALU_SHR, R.kl, R.r0, CG_I(16));
			sinan_asm_br(c->a, SINAN_BR_GEU, R.kl, R.hi, none);
			cg_alu(c, SINAN_ALU_ADD, R.t1, R.nl, CG_I(15));
			cg_alu(c, SINAN_ALU_SHR, R.t1, R.t1, CG_I(4));
			cg_fixp(c, SINAN_BUF_GM, (unsigned int)m.odt, direct_flags(&m), CG_R(R.yoff), CG_I(L.l0c[q]),
				CG_R(R.ml), CG_R(R.nl), CG_I((uint64_t)(m.N * m.oes)), CG_R(R.t1));
			sinan_asm_jmp(c->a, fin);
		}
		sinan_asm_bind(c->a, none);
		sinan_asm_bind(c->a, fin);
	} else {
		sinan_asm_bind(c->a, end);
	}
	c->k->macs = m.batches * (uint64_t)(m.M * m.N * m.K);
	c->k->cube_dt = m.dt;
	c->k->bytes = cc_tensor_elems(m.a) * (uint64_t)m.es + cc_tensor_elems(n->in[1]) * (uint64_t)m.es +
		      cc_tensor_elems(m.y) * (uint64_t)m.oes;
	return cg_end(c, cg_blocks(c, m.S > 1 ? panels : items));
}

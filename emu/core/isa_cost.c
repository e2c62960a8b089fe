// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: the AI-core cost model (docs/isa.md, "Cost
 * model"). It is separate from the functional model: the interpreter hands
 * it every instruction with its cost, and it computes when the instruction
 * would start and complete on the modeled chip.
 *
 * Timelines: the scalar unit issues one instruction per cycle in program
 * order into the in-order queue of the instruction's pipe (S, MTE1, MTE2,
 * MTE3, M, V, FIX). An instruction starts at max(its issue time, its pipe's
 * free time, any WAIT_FLAG before it in that pipe); it occupies the pipe for
 * its occupancy (throughput) and completes a fixed latency later (pipeline
 * depth, memory latency). The issue stalls while the pipe's queue is full
 * (SINAN_ISA_PIPE_QUEUE), at an LD, at a WAIT_FLAG into S and at BARRIER.
 *
 * Hazards: every local-buffer and GM access of a pipe instruction is kept,
 * with the pipe and completion time, until it can no longer conflict (its
 * completion is not after the current issue time, which only grows). A new
 * access that overlaps an access of another pipe, one of them a write, that
 * completes after the new instruction starts means the program did not
 * order the two with flags: SINAN_ERR_SYNC_HAZARD (with cfg.strict_sync).
 *
 * Every figure is below, with its calibration (see also
 * ../shared/REFERENCES.md, "Calibrating the default Sinan chip's cost
 * model"). The cost model is a measuring instrument: change a figure only to
 * make it more faithful, and write down why in docs/hw-spec.md.
 */
#include <stdlib.h>
#include <string.h>

#include "isa_int.h"

/* ---- figures ---------------------------------------------------------------------- */
/* Scalar unit: one instruction issued per cycle (DaVinci's scalar unit is a
 * simple in-order core dispatching to the pipe queues). */
#define COST_ISSUE		1
/* LD stalls the scalar unit for a scalar data-cache hit; the cache itself is
 * not modeled (kernels read a few arguments per block). */
#define COST_S_LD		30
/* Device memory: a transfer completes COST_GM_LATENCY cycles after its data
 * streamed (HBM/LPDDR access plus interconnect, a few hundred ns on real
 * NPUs); the stream runs at this core's share of cfg.devmem_bw_mbps, in
 * 32-byte sectors per burst. */
#define COST_GM_LATENCY		300
#define COST_GM_SECTOR		32
/* MTE1 (L1 -> L0A/L0B/UB, UB -> L1): one 512-byte fractal per cycle, enough
 * to feed the cube one operand block per cycle from L1 (REFERENCES.md). */
#define COST_MTE1_BYTES		512
#define COST_MTE1_LATENCY	8
/* Cube: one 16x16x16 fp16/bf16 (16x32x16 int8) block step per cycle, fp32 at
 * a quarter of the fp16 MAC rate (Hot Chips 31 DaVinci figures). */
#define COST_CUBE_LATENCY	16
/* Fixpipe: 256 bytes of L0C per cycle (4 cycles per 16x16 fp32 block). */
#define COST_FIX_BYTES		256
#define COST_FIX_LATENCY	16
/* Vector unit: 256 bytes per cycle per row of an instruction (2048-bit
 * datapath); slow ops (div, sqrt, rsqrt, recip) take 2x, transcendentals
 * 4x (ISA_VW_*). */
#define COST_VEC_BYTES		256
#define COST_VEC_LATENCY	8

#define COST_MAX		(UINT64_MAX / 4)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > COST_MAX - b ? COST_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) || r > COST_MAX ? COST_MAX : r;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t isa_cost_s_ld(void)
{
	return COST_S_LD;
}

/* ---- per-instruction costs ----------------------------------------------------------- */

/* 32-byte sectors of one burst of @len bytes at @a */
static uint64_t sectors(uint64_t a, uint64_t len)
{
	uint64_t last = a + len - 1;

	if (last < a)	/* wraps around: the access faults anyway */
		return div_up(len, COST_GM_SECTOR);
	return last / COST_GM_SECTOR - a / COST_GM_SECTOR + 1;
}

uint64_t isa_cost_gm_bytes(uint64_t va, uint64_t n, uint64_t len, uint64_t stride)
{
	uint64_t period, per = 0;

	if (!n || !len)
		return 0;
	/*
	 * A burst's sector count depends only on its start modulo 32, which
	 * repeats every 32 / gcd(stride, 32) bursts: sum one period (closed
	 * form, whatever the burst count).
	 */
	period = COST_GM_SECTOR / (stride % COST_GM_SECTOR ? 1u << __builtin_ctzll(stride | COST_GM_SECTOR)
							    : COST_GM_SECTOR);
	if (period > n)
		period = n;
	for (uint64_t i = 0; i < period; i++)
		per += sectors(va + i * stride, len);
	{
		uint64_t full = n / period, rest = n % period, tail = 0;

		for (uint64_t i = 0; i < rest; i++)
			tail += sectors(va + i * stride, len);
		return sat_mul(sat_add(sat_mul(full, per), tail), COST_GM_SECTOR);
	}
}

uint64_t isa_cost_gm_xfer(struct emu_core *c, uint64_t bytes)
{
	const struct sinan_emu_config *cfg = &c->emu->cfg;
	unsigned int active = c->L->ncores;

	/* This core's share of the shared bandwidth, in bytes per cycle, is
	 * devmem_bw_mbps / active / clock_mhz. */
	return div_up(sat_mul(sat_mul(bytes, cfg->clock_mhz), active), cfg->devmem_bw_mbps);
}

void isa_cost_mov(struct emu_core *c, unsigned int pipe, uint64_t gm_va, uint64_t nburst,
		  uint64_t len, uint64_t gm_stride, uint64_t *occ, uint64_t *gm_occ, uint64_t *lat)
{
	if (pipe == SINAN_PIPE_MTE1) {
		uint64_t bytes = sat_mul(nburst, div_up(len, 32) * 32);

		*occ = max64(1, div_up(bytes, COST_MTE1_BYTES));
		*gm_occ = 0;
		*lat = COST_MTE1_LATENCY;
		return;
	}
	*occ = max64(1, isa_cost_gm_xfer(c, isa_cost_gm_bytes(gm_va, nburst, len, gm_stride)));
	*gm_occ = *occ;
	*lat = COST_GM_LATENCY;
}

void isa_cost_fractals(uint64_t blocks, uint64_t *occ, uint64_t *lat)
{
	*occ = max64(1, blocks);
	*lat = COST_MTE1_LATENCY;
}

void isa_cost_mmad(unsigned int dt, uint64_t m1, uint64_t n1, uint64_t k1, uint64_t *occ,
		   uint64_t *lat)
{
	/* k1 counts blocks of k0 = 32 bytes of K: 16 fp16, 32 int8, 8 fp32. An fp32
	 * block step is half the K of an fp16 one, at a quarter of the MAC rate. */
	uint64_t steps = sat_mul(sat_mul(m1, n1), max64(k1, 1));

	*occ = max64(1, dt == SINAN_DT_FP32 ? sat_mul(steps, 2) : steps);
	*lat = COST_CUBE_LATENCY;
}

void isa_cost_fixp(struct emu_core *c, bool to_gm, uint64_t blocks, uint64_t gm_bytes,
		   uint64_t *occ, uint64_t *gm_occ, uint64_t *lat)
{
	uint64_t conv = sat_mul(blocks, 1024 / COST_FIX_BYTES);

	if (to_gm) {
		*gm_occ = max64(1, isa_cost_gm_xfer(c, gm_bytes));
		*occ = max64(conv, *gm_occ);
		*lat = COST_GM_LATENCY;
	} else {
		*occ = max64(1, conv);
		*gm_occ = 0;
		*lat = COST_FIX_LATENCY;
	}
}

void isa_cost_vec(unsigned int weight, uint64_t rows, uint64_t row_bytes, uint64_t *occ,
		  uint64_t *lat)
{
	*occ = max64(1, sat_mul(sat_mul(rows, div_up(row_bytes, COST_VEC_BYTES)), weight));
	*lat = COST_VEC_LATENCY;
}

/* ---- hazards -------------------------------------------------------------------------- */

static uint64_t acc_last(const struct isa_acc *a)
{
	uint64_t span;

	if (__builtin_mul_overflow(a->n - 1, a->stride, &span) ||
	    __builtin_add_overflow(span, a->len - 1, &span) ||
	    __builtin_add_overflow(a->base, span, &span))
		return UINT64_MAX;
	return span;
}

/* Does burst [lo, hi] meet any burst of @y? Sets *first to the lowest common byte. */
static bool burst_meets(uint64_t lo, uint64_t hi, const struct isa_acc *y, uint64_t *first)
{
	uint64_t ylo = y->base, yhi = acc_last(y), k_lo, k_hi;

	if (hi < ylo || lo > yhi)
		return false;
	if (y->n == 1 || y->stride < y->len) {
		/* contiguous (or a single burst, or stride 0 repeating one) */
		uint64_t last = y->stride == 0 || y->n == 1 ? y->base + y->len - 1 : yhi;

		if (hi < ylo || lo > last)
			return false;
		*first = lo > ylo ? lo : ylo;
		return true;
	}
	/* bursts k with ylo + k*st <= hi and ylo + k*st + len - 1 >= lo */
	k_hi = (hi - ylo) / y->stride;
	if (k_hi > y->n - 1)
		k_hi = y->n - 1;
	k_lo = lo < ylo + y->len ? 0 : (lo - ylo - y->len) / y->stride + 1;
	if (k_lo > k_hi)
		return false;
	*first = lo > ylo + k_lo * y->stride ? lo : ylo + k_lo * y->stride;
	return true;
}

/* Bursts compared one by one at most; beyond, the access counts as its whole span. */
#define EXACT_BURSTS	65536

static bool acc_overlap(const struct isa_acc *a, const struct isa_acc *b, uint64_t *first)
{
	const struct isa_acc *x = a, *y = b;
	uint64_t best = UINT64_MAX, f;

	if (!a->n || !a->len || !b->n || !b->len)
		return false;
	if (acc_last(a) < b->base || acc_last(b) < a->base)
		return false;
	if (b->n < a->n) {
		x = b;
		y = a;
	}
	if (x->stride < x->len || x->n == 1 || x->n > EXACT_BURSTS) {
		uint64_t last = x->stride == 0 || x->n == 1 ? x->base + x->len - 1 : acc_last(x);

		return burst_meets(x->base, last, y, first);
	}
	for (uint64_t i = 0; i < x->n; i++) {
		uint64_t lo = x->base + i * x->stride;

		if (burst_meets(lo, lo + x->len - 1, y, &f) && f < best)
			best = f;
		if (lo > acc_last(y))
			break;
	}
	*first = best;
	return best != UINT64_MAX;
}

/*
 * The records. Every access of a pipe instruction in flight is a record in
 * a pool, listed:
 *  - in the scan list of its buffer, kind and pipe: a new access is
 *    compared with the lists it can conflict with only (same buffer, other
 *    pipes, writes only for a read), skipping a list whose records all
 *    complete before the new instruction starts;
 *  - in the expiry queue of its pipe: a pipe's records complete in the
 *    order they were issued, except after a shorter latency (those few go
 *    to the 'late' list), so the completed ones are found at the fronts;
 *  - in the order list, which decides which conflict is reported when
 *    several are: the first record in that order, then the new
 *    instruction's first access. A record is appended when added; when
 *    records complete (at the issue of an instruction that may conflict:
 *    the issue time only grows, and a completed record can no longer
 *    conflict), the list is walked from the front and each completed record
 *    replaced by the last one, which is looked at in turn.
 * Only the positions of completed records are visited: prune costs the
 * number of records removed, a check the records of the lists it reads.
 */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Room for @want ids; false if the host is out of memory. */
static bool ids_reserve(struct isa_ids *v, uint32_t want)
{
	uint32_t cap = v->cap;
	uint32_t *p;

	if (want <= cap)
		return true;
	while (cap < want) {
		if (cap >= UINT32_MAX / 4)
			return false;
		cap = cap ? 2 * cap : 64;
	}
	p = realloc(v->v, (size_t)cap * sizeof(*p));
	if (!p)
		return false;
	v->v = p;
	v->cap = cap;
	return true;
}

/* Room for one more id. */
static bool ids_grow(struct isa_ids *v)
{
	return v->n < UINT32_MAX && ids_reserve(v, v->n + 1);
}

/* Remove the record @id from its scan list (the list's last record takes its place). */
static void rec_unlist(struct isa_hazards *h, uint32_t id)
{
	struct isa_ids *l = &h->list[h->rec[id].list];
	uint32_t k = h->rec[id].lpos;

	if (k != --l->n) {
		l->v[k] = l->v[l->n];
		h->rec[l->v[k]].lpos = k;
	} else if (!l->n) {
		h->list_max_end[h->rec[id].list] = 0;
	}
	h->free.v[h->free.n++] = id;	/* room was made when it was added */
}

static void sort_u32(uint32_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = v[i], j = i;

		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void recs_prune(struct emu_core *c, uint64_t now)
{
	struct isa_hazards *h = &c->hz;
	uint64_t min_end = UINT64_MAX;
	uint32_t *ord = h->order.v;

	if (now < h->min_end)
		return;
	/* the positions of the completed records, from the pipes' queues ... */
	h->gone.n = 0;
	for (unsigned int p = 0; p < SINAN_PIPE_COUNT; p++) {
		struct isa_ids *f = &h->fifo[p];
		uint32_t *head = &h->fifo_head[p];

		while (*head < f->n && h->rec[f->v[*head]].end <= now)
			h->gone.v[h->gone.n++] = h->rec[f->v[(*head)++]].gpos;
		if (*head == f->n)
			*head = f->n = 0;
		else if (h->rec[f->v[*head]].end < min_end)
			min_end = h->rec[f->v[*head]].end;
	}
	/* ... and the late list */
	for (uint32_t k = 0; k < h->late.n;) {
		const struct isa_rec *r = &h->rec[h->late.v[k]];

		if (r->end <= now) {
			h->gone.v[h->gone.n++] = r->gpos;
			h->late.v[k] = h->late.v[--h->late.n];
		} else {
			min_end = r->end < min_end ? r->end : min_end;
			k++;
		}
	}
	h->min_end = min_end;
	/*
	 * Walking the order list from the front, only positions that held a
	 * completed record can change: a record moves in only to fill the
	 * position being looked at, so any later position still holds its own
	 * record when the walk reaches it (unless the list ended before).
	 */
	if (h->gone.n < 64)
		sort_u32(h->gone.v, h->gone.n);
	else
		qsort(h->gone.v, h->gone.n, sizeof(uint32_t), cmp_u32);
	for (uint32_t k = 0; k < h->gone.n; k++) {
		uint32_t i = h->gone.v[k];

		if (i >= h->order.n)
			break;
		while (i < h->order.n && h->rec[ord[i]].end <= now) {
			rec_unlist(h, ord[i]);
			if (i != --h->order.n) {
				ord[i] = ord[h->order.n];
				h->rec[ord[i]].gpos = i;
			}
		}
	}
}

static int recs_check(struct emu_core *c, unsigned int pipe, uint64_t start,
		      const struct isa_acc *acc, unsigned int nacc)
{
	struct isa_hazards *h = &c->hz;
	const struct isa_rec *hit = NULL;
	uint64_t hit_first = 0;
	unsigned int hit_j = 0;

	if (!h->order.n)
		return 0;
	for (unsigned int j = 0; j < nacc; j++) {
		const struct isa_acc *a = &acc[j];
		uint64_t lo = a->base, hi;

		if (!a->n || !a->len || a->buf >= SINAN_BUF_COUNT)
			continue;
		hi = acc_last(a);
		/* a read meets writes only; a write meets both; never its own pipe */
		for (unsigned int w = a->write ? 0 : 1; w < 2; w++) {
			for (unsigned int p = 0; p < SINAN_PIPE_COUNT; p++) {
				unsigned int li = (a->buf * 2 + w) * SINAN_PIPE_COUNT + p;
				const struct isa_ids *l = &h->list[li];

				if (p == pipe || h->list_max_end[li] <= start)
					continue;
				for (uint32_t k = 0; k < l->n; k++) {
					const struct isa_rec *r = &h->rec[l->v[k]];
					uint64_t first;

					if ((r->end <= start) | (r->lo > hi) | (r->hi < lo))
						continue;
					/* the first in the order list, then the lowest j */
					if (hit && (r->gpos > hit->gpos || (r->gpos == hit->gpos && j >= hit_j)))
						continue;
					if (!acc_overlap(&r->a, a, &first))
						continue;
					hit = r;
					hit_j = j;
					hit_first = first;
				}
			}
		}
	}
	if (!hit)
		return 0;
	emu_guest_error(c->emu, "sinan-npu: core %u: sync hazard on %s at 0x%llx: "
			"pipe %u %s it at cycle %llu while pipe %u's %s completes at %llu",
			c->id, acc[hit_j].buf == SINAN_BUF_GM ? "GM" : "local buffer",
			(unsigned long long)hit_first, pipe, acc[hit_j].write ? "writes" : "reads",
			(unsigned long long)start, hit->pipe, hit->a.write ? "write" : "read",
			(unsigned long long)hit->end);
	return isa_fail(c, SINAN_ERR_SYNC_HAZARD, hit_first,
			acc[hit_j].write ? SINAN_FAULT_WRITE : SINAN_FAULT_READ, acc[hit_j].buf, hit->pipe);
}

/* A pool entry with room for it in every list; UINT32_MAX if the host is out of memory. */
static uint32_t rec_alloc(struct isa_hazards *h, unsigned int list, unsigned int pipe)
{
	struct isa_ids *f = &h->fifo[pipe];

	if (!h->free.n) {
		if (h->nrec == h->caprec) {
			uint32_t cap = h->caprec ? 2 * h->caprec : 64;
			struct isa_rec *r = cap > h->caprec ? realloc(h->rec, (size_t)cap * sizeof(*r)) : NULL;

			if (!r)
				return UINT32_MAX;
			h->rec = r;
			h->caprec = cap;
		}
		/* every record may be on the free, gone and late lists at once */
		if (!ids_reserve(&h->free, h->caprec) || !ids_reserve(&h->gone, h->caprec) ||
		    !ids_reserve(&h->late, h->caprec))
			return UINT32_MAX;
		h->free.v[h->free.n++] = h->nrec++;
	}
	if (f->n == f->cap && h->fifo_head[pipe]) {	/* reuse the popped front */
		f->n -= h->fifo_head[pipe];
		memmove(f->v, f->v + h->fifo_head[pipe], (size_t)f->n * sizeof(*f->v));
		h->fifo_head[pipe] = 0;
	}
	if (!ids_grow(&h->order) || !ids_grow(&h->list[list]) || !ids_grow(f))
		return UINT32_MAX;
	return h->free.v[--h->free.n];
}

static int recs_add(struct emu_core *c, unsigned int pipe, uint64_t end,
		    const struct isa_acc *acc, unsigned int nacc)
{
	struct isa_hazards *h = &c->hz;

	for (unsigned int j = 0; j < nacc; j++) {
		unsigned int li = (acc[j].buf * 2u + (acc[j].write != 0)) * SINAN_PIPE_COUNT + pipe;
		struct isa_ids *f = &h->fifo[pipe];
		struct isa_rec *r;
		uint32_t id;

		if (!acc[j].n || !acc[j].len || acc[j].buf >= SINAN_BUF_COUNT)
			continue;
		id = rec_alloc(h, li, pipe);
		if (id == UINT32_MAX)	/* host out of memory: give up tracking, never crash */
			return 0;
		r = &h->rec[id];
		r->a = acc[j];
		r->lo = acc[j].base;
		r->hi = acc_last(&acc[j]);
		r->end = end;
		r->pipe = (uint8_t)pipe;
		r->list = (uint8_t)li;
		r->gpos = h->order.n;
		h->order.v[h->order.n++] = id;
		r->lpos = h->list[li].n;
		h->list[li].v[h->list[li].n++] = id;
		if (end > h->list_max_end[li])
			h->list_max_end[li] = end;
		if (h->fifo_head[pipe] < f->n && end < h->rec[f->v[f->n - 1]].end)
			h->late.v[h->late.n++] = id;
		else
			f->v[f->n++] = id;
		if (end < h->min_end)
			h->min_end = end;
	}
	return 0;
}

static void recs_reset(struct isa_hazards *h)
{
	h->free.n = 0;
	for (uint32_t i = 0; i < h->nrec; i++)
		h->free.v[h->free.n++] = i;
	h->order.n = 0;
	for (unsigned int i = 0; i < ISA_REC_LISTS; i++) {
		h->list[i].n = 0;
		h->list_max_end[i] = 0;
	}
	for (unsigned int p = 0; p < SINAN_PIPE_COUNT; p++)
		h->fifo[p].n = h->fifo_head[p] = 0;
	h->late.n = 0;
	h->min_end = UINT64_MAX;
}

void isa_cost_free(struct emu_core *c)
{
	struct isa_hazards *h = &c->hz;

	free(h->rec);
	free(h->free.v);
	free(h->order.v);
	free(h->gone.v);
	free(h->late.v);
	for (unsigned int i = 0; i < ISA_REC_LISTS; i++)
		free(h->list[i].v);
	for (unsigned int p = 0; p < SINAN_PIPE_COUNT; p++)
		free(h->fifo[p].v);
	memset(h, 0, sizeof(*h));
}

/* ---- timelines ---------------------------------------------------------------------- */

void isa_cost_block_start(struct emu_core *c)
{
	c->t_issue = 0;
	c->gm_free = 0;
	memset(c->pipe, 0, sizeof(c->pipe));
	memset(c->flag, 0, sizeof(c->flag));
	recs_reset(&c->hz);
}

static int watchdog(struct emu_core *c, uint64_t t)
{
	if (c->L->wd_limit && sat_add(c->base_cycles, t) > c->L->wd_limit) {
		emu_guest_error(c->emu, "sinan-npu: core %u: watchdog: block runs past %llu modeled cycles",
				c->id, (unsigned long long)c->L->wd_limit);
		return isa_fail(c, SINAN_ERR_WATCHDOG, c->L->prog_va + c->pc, SINAN_FAULT_FETCH, 0, 0);
	}
	return 0;
}

/*
 * Device-memory bandwidth: a core's share (isa_cost_gm_xfer) is one port
 * that its MTE2 reads, MTE3 writes and FIXP writes to GM take turns on, so
 * reads and writes of one core do not each get the full share at once (as
 * device memory itself serves reads and writes from one bandwidth).
 */
int isa_cost_issue_gm(struct emu_core *c, unsigned int pipe, uint64_t occ, uint64_t gm_occ,
		      uint64_t lat, const struct isa_acc *acc, unsigned int nacc)
{
	struct isa_pipe *P = &c->pipe[pipe];
	uint64_t issue = max64(c->t_issue, P->qstart[P->qpos]);
	uint64_t start, end;

	c->t_issue = issue + COST_ISSUE;
	start = max64(issue, P->free);
	if (gm_occ) {
		start = max64(start, c->gm_free);
		c->gm_free = sat_add(start, gm_occ);
	}
	P->free = sat_add(start, occ);
	end = sat_add(P->free, lat);
	P->done = max64(P->done, end);
	P->qstart[P->qpos] = start;
	P->qpos = (P->qpos + 1) % SINAN_ISA_PIPE_QUEUE;
	if (watchdog(c, end))
		return -1;
	if (!c->L->strict_sync)
		return 0;
	recs_prune(c, issue);
	if (recs_check(c, pipe, start, acc, nacc))
		return -1;
	return recs_add(c, pipe, end, acc, nacc);
}

int isa_cost_issue(struct emu_core *c, unsigned int pipe, uint64_t occ, uint64_t lat,
		   const struct isa_acc *acc, unsigned int nacc)
{
	return isa_cost_issue_gm(c, pipe, occ, 0, lat, acc, nacc);
}

int isa_cost_scalar(struct emu_core *c, uint64_t stall, const struct isa_acc *gm)
{
	uint64_t issue = c->t_issue;

	c->t_issue = sat_add(issue, COST_ISSUE + stall);
	if (!gm || !c->L->strict_sync)
		return 0;
	/* Scalar GM accesses complete before the next instruction issues, so
	 * they never need a record; they only meet other pipes' accesses. */
	recs_prune(c, issue);
	return recs_check(c, SINAN_PIPE_S, issue, gm, 1);
}

static uint64_t pipe_drained(const struct isa_pipe *P)
{
	return max64(P->done, P->free);
}

int isa_cost_set_flag(struct emu_core *c, unsigned int src, unsigned int dst, unsigned int id)
{
	uint64_t *f = &c->flag[src][dst][id];
	uint64_t t = c->t_issue;

	if (*f) {
		emu_guest_error(c->emu, "sinan-npu: core %u: SET_FLAG(%u -> %u, %u) of a flag already set",
				c->id, src, dst, id);
		return isa_fail(c, SINAN_ERR_ILLEGAL_INSTR, c->L->prog_va + c->pc, SINAN_FAULT_FETCH,
				SINAN_EXC_FLAG, 0);
	}
	if (src != SINAN_PIPE_S)
		t = max64(t, pipe_drained(&c->pipe[src]));
	*f = t + 1;
	c->t_issue += COST_ISSUE;
	return 0;
}

int isa_cost_wait_flag(struct emu_core *c, unsigned int src, unsigned int dst, unsigned int id)
{
	uint64_t *f = &c->flag[src][dst][id];
	uint64_t t;

	if (!*f) {
		emu_guest_error(c->emu, "sinan-npu: core %u: WAIT_FLAG(%u -> %u, %u) with no SET_FLAG "
				"before it: deadlock", c->id, src, dst, id);
		return isa_fail(c, SINAN_ERR_ILLEGAL_INSTR, c->L->prog_va + c->pc, SINAN_FAULT_FETCH,
				SINAN_EXC_DEADLOCK, 0);
	}
	t = *f - 1;
	*f = 0;
	c->t_issue += COST_ISSUE;
	if (dst == SINAN_PIPE_S)
		c->t_issue = max64(c->t_issue, t);
	else
		c->pipe[dst].free = max64(c->pipe[dst].free, t);
	return 0;
}

void isa_cost_barrier(struct emu_core *c, unsigned int pipe)
{
	c->t_issue += COST_ISSUE;
	for (unsigned int p = 1; p < SINAN_PIPE_COUNT; p++)
		if (pipe == SINAN_PIPE_ALL || pipe == p)
			c->t_issue = max64(c->t_issue, pipe_drained(&c->pipe[p]));
}

uint64_t isa_cost_block_end(struct emu_core *c)
{
	uint64_t t = c->t_issue + COST_ISSUE;

	for (unsigned int p = 1; p < SINAN_PIPE_COUNT; p++)
		t = max64(t, pipe_drained(&c->pipe[p]));
	return t;
}

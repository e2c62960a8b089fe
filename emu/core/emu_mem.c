// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: memory accesses through a queue's address space.
 * Every access is translated page by page; device memory is reached through
 * the lazily backed mapping, system memory through the host's DMA callbacks.
 * AI cores (actor without sysmem_ok) reach only device memory.
 */
#include <string.h>

#include "emu_int.h"

/* noipa (GCC) / noinline (clang, which has no noipa): callers never see the size */
#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noipa))
#endif
void emu_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

bool emu_pa_ok(struct sinan_emu *emu, uint64_t pa, uint64_t len)
{
	return pa <= emu->devmem_size && len <= emu->devmem_size - pa;
}

/* Translate one page-bounded chunk, applying injected DMA/ECC errors. */
static int chunk(struct emu_actor *a, uint64_t va, uint64_t len, unsigned int access,
		 uint64_t *pa, bool *sys, struct emu_fault *f)
{
	struct emu_queue *q = a->q;

	if (emu_inject_take(q, SINAN_INJECT_MMU_FAULT)) {
		f->err = SINAN_ERR_MMU_FAULT;
		f->addr = va;
		f->info = access | (a->unit << 8);
		return -1;
	}
	if (emu_translate(q, a->tlb ? a->tlb : &q->tlb, va, access, a->unit, pa, sys, f))
		return -1;
	if (*sys && !a->sysmem_ok) {
		f->err = SINAN_ERR_MMU_FAULT;
		f->addr = va;
		f->info = access | (a->unit << 8);
		return -1;
	}
	if (*sys && emu_inject_take(q, SINAN_INJECT_DMA_ERROR)) {
		f->err = SINAN_ERR_DMA;
		f->addr = va;
		f->info = access | (a->unit << 8);
		return -1;
	}
	if (!*sys && access != EMU_ACCESS_WRITE && emu_inject_take(q, SINAN_INJECT_ECC)) {
		struct sinan_emu *emu = q->emu;

		/* The ECC cause and interrupt are raised when the error is delivered. */
		pthread_mutex_lock(&emu->lock);
		emu->ecc_addr = *pa;
		pthread_mutex_unlock(&emu->lock);
		f->err = SINAN_ERR_ECC;
		f->addr = va;
		f->info = access | (a->unit << 8);
		return -1;
	}
	(void)len;
	return 0;
}

static uint64_t page_left(uint64_t va, uint64_t len)
{
	uint64_t left = SINAN_PAGE_SIZE - (va & (SINAN_PAGE_SIZE - 1));

	return left < len ? left : len;
}

static int dma_err(struct emu_actor *a, uint64_t va, unsigned int access, struct emu_fault *f)
{
	f->err = SINAN_ERR_DMA;
	f->addr = va;
	f->info = access | (a->unit << 8);
	return -1;
}

int emu_va_read(struct emu_actor *a, uint64_t va, void *buf, uint64_t len,
		unsigned int access, struct emu_fault *f)
{
	struct sinan_emu *emu = a->q->emu;
	uint8_t *p = buf;

	while (len) {
		uint64_t n = page_left(va, len), pa;
		bool sys;

		if (chunk(a, va, n, access, &pa, &sys, f))
			return -1;
		if (sys) {
			a->sys_read = true;
			if (emu->ops->dma_read(emu->opaque, pa, p, n))
				return dma_err(a, va, access, f);
		} else {
			emu_copy(p, emu->devmem + pa, n);
		}
		va += n;
		p += n;
		len -= n;
	}
	return 0;
}

int emu_va_write(struct emu_actor *a, uint64_t va, const void *buf, uint64_t len,
		 struct emu_fault *f)
{
	struct sinan_emu *emu = a->q->emu;
	const uint8_t *p = buf;

	while (len) {
		uint64_t n = page_left(va, len), pa;
		bool sys;

		if (chunk(a, va, n, EMU_ACCESS_WRITE, &pa, &sys, f))
			return -1;
		if (sys) {
			a->sys_write = true;
			if (emu->ops->dma_write(emu->opaque, pa, p, n))
				return dma_err(a, va, EMU_ACCESS_WRITE, f);
		} else {
			emu_copy(emu->devmem + pa, p, n);
		}
		va += n;
		p += n;
		len -= n;
	}
	return 0;
}

int emu_va_fill(struct emu_actor *a, uint64_t va, uint32_t pattern, uint64_t len,
		struct emu_fault *f)
{
	uint8_t buf[SINAN_PAGE_SIZE];

	for (unsigned int i = 0; i < sizeof(buf); i += 4)
		memcpy(buf + i, &pattern, 4);
	while (len) {
		uint64_t n = page_left(va, len);

		/* FILL destinations are 4-byte aligned, so the phase is always 0. */
		if (emu_va_write(a, va, buf, n, f))
			return -1;
		va += n;
		len -= n;
	}
	return 0;
}

/* Copy through a bounce buffer, one page at a time on both sides. */
int emu_va_copy(struct emu_actor *a, uint64_t dst, uint64_t src, uint64_t len,
		struct emu_fault *f)
{
	uint8_t buf[16 * SINAN_PAGE_SIZE];

	while (len) {
		uint64_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (emu_va_read(a, src, buf, n, EMU_ACCESS_READ, f))
			return -1;
		if (emu_va_write(a, dst, buf, n, f))
			return -1;
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/* ---- spans: a whole instruction's GM range at once ------------------------------------------ */

struct tlb_undo {
	unsigned int slot;
	struct emu_tlb_entry e;
};

bool emu_span_map(struct emu_actor *a, struct emu_span *s, uint64_t va, uint64_t n, uint64_t len,
		  uint64_t stride, unsigned int access)
{
	struct emu_queue *q = a->q;
	struct sinan_emu *emu = q->emu;
	struct emu_tlb *tlb = a->tlb;
	struct tlb_undo undo[EMU_SPAN_PAGES];
	struct emu_walk walk[EMU_SPAN_PAGES];
	unsigned int nundo = 0, nwalk = 0, gen;
	uint64_t last, first_vpn;

	if (!tlb || !n || !len)
		return false;
	/* bursts in order, each page touched: no overlap, gaps under a page */
	if (n > 1 && (stride < len || stride - len >= SINAN_PAGE_SIZE))
		return false;
	if (__builtin_mul_overflow(n - 1, stride, &last) || __builtin_add_overflow(last, len - 1, &last) ||
	    __builtin_add_overflow(last, va, &last))
		return false;
	first_vpn = va >> SINAN_PAGE_SHIFT;
	s->va = first_vpn << SINAN_PAGE_SHIFT;
	s->npages = (last >> SINAN_PAGE_SHIFT) - first_vpn + 1;
	if (s->npages > EMU_SPAN_PAGES)
		return false;
	if (__atomic_load_n(&q->inject, __ATOMIC_RELAXED) != SINAN_INJECT_NONE)
		return false;
	gen = atomic_load(&emu->tlb_gen);
	if (gen != tlb->gen)	/* let the per-access path flush it */
		return false;
	for (uint64_t i = 0; i < s->npages; i++) {
		uint64_t vpn = first_vpn + i, pa;
		unsigned int slot = vpn % EMU_TLB_SIZE;
		struct emu_fault f;
		bool sys, miss = tlb->e[slot].vpn != vpn;

		if (miss)
			undo[nundo++] = (struct tlb_undo){ slot, tlb->e[slot] };
		if (emu_translate_walk(q, tlb, vpn << SINAN_PAGE_SHIFT, access, a->unit, &pa, &sys, &f,
				       miss ? &walk[nwalk] : NULL) || sys)
			goto undo;
		nwalk += miss;
		s->page[i] = emu->devmem + pa;
	}
	/* a write must not reach the table entries just read */
	if (access == EMU_ACCESS_WRITE) {
		for (unsigned int w = 0; w < nwalk; w++)
			for (unsigned int k = 0; k < walk[w].n; k++) {
				uint64_t e = walk[w].pa[k];

				for (uint64_t i = 0; i < s->npages; i++) {
					uint64_t p = (uint64_t)(s->page[i] - emu->devmem);

					if (e + 8 > p && e < p + SINAN_PAGE_SIZE)
						goto undo;
				}
			}
	}
	return true;

undo:
	/* the TLB as it was (unless another thread's invalidation flushed it meanwhile) */
	if (tlb->gen == gen)
		while (nundo--)
			tlb->e[undo[nundo].slot] = undo[nundo].e;
	return false;
}

void emu_span_read(const struct emu_span *s, uint64_t va, void *buf, uint64_t len)
{
	uint64_t off = va - s->va;
	uint8_t *p = buf;

	while (len) {
		uint64_t in = off & (SINAN_PAGE_SIZE - 1), n = SINAN_PAGE_SIZE - in;

		n = n < len ? n : len;
		emu_copy(p, s->page[off >> SINAN_PAGE_SHIFT] + in, n);
		off += n;
		p += n;
		len -= n;
	}
}

void emu_span_write(const struct emu_span *s, uint64_t va, const void *buf, uint64_t len)
{
	uint64_t off = va - s->va;
	const uint8_t *p = buf;

	while (len) {
		uint64_t in = off & (SINAN_PAGE_SIZE - 1), n = SINAN_PAGE_SIZE - in;

		n = n < len ? n : len;
		emu_copy(s->page[off >> SINAN_PAGE_SHIFT] + in, p, n);
		off += n;
		p += n;
		len -= n;
	}
}

// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: memory accesses through a queue's address space.
 * Every access is translated page by page; device memory is reached through
 * the lazily backed mapping, system memory through the host's DMA callbacks.
 * AI cores (actor without sysmem_ok) reach only device memory.
 */
#include <string.h>

#include "emu_int.h"

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
			memcpy(p, emu->devmem + pa, n);
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
			memcpy(emu->devmem + pa, p, n);
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

// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: the per-context device MMU (docs/hw-spec.md,
 * "Device MMU"). Three-level walk of tables in device memory, with a small
 * per-queue TLB that is dropped whenever the global generation changes
 * (MMU_INV, MMU_CTRL, context-table writes, reset).
 */
#include <string.h>

#include "emu_int.h"

void emu_tlb_flush(struct emu_tlb *tlb)
{
	for (unsigned int i = 0; i < EMU_TLB_SIZE; i++)
		tlb->e[i].vpn = UINT64_MAX;
}

static uint64_t rd64(struct sinan_emu *emu, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, emu->devmem + pa, sizeof(v));
	return v;
}

static int fault(struct emu_fault *f, unsigned int err, uint64_t va, unsigned int access,
		 unsigned int unit)
{
	f->err = err;
	f->addr = va;
	f->info = access | (unit << 8);
	return -1;
}

/*
 * Translate @va for the queue's address space, caching in @tlb (owned by the
 * calling thread). On success *pa is a device physical address (device
 * memory) or a host bus address (*sysmem). A walk notes the addresses of the
 * table entries it read in @walk (if not NULL).
 */
int emu_translate_walk(struct emu_queue *q, struct emu_tlb *tlb, uint64_t va, unsigned int access,
		       unsigned int unit, uint64_t *pa, bool *sysmem, struct emu_fault *f,
		       struct emu_walk *walk)
{
	struct sinan_emu *emu = q->emu;
	unsigned int gen = atomic_load(&emu->tlb_gen);
	uint64_t vpn = va >> SINAN_PAGE_SHIFT;
	struct emu_tlb_entry *t = &tlb->e[vpn % EMU_TLB_SIZE];
	uint64_t desc, table, pte = 0, page_pa;
	unsigned int level;

	if (gen != tlb->gen) {
		emu_tlb_flush(tlb);
		tlb->gen = gen;
	}
	if (t->vpn == vpn)
		goto hit;

	if (!(emu->mmu_ctrl & SINAN_MMU_CTRL_ENABLE) || va >> SINAN_VA_BITS ||
	    q->asid >= emu->cfg.num_asids || !emu_pa_ok(emu, emu->ctx_table, 16 * (q->asid + 1ULL)))
		return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
	if (walk)
		walk->n = 0;
	desc = rd64(emu, emu->ctx_table + 16ULL * q->asid);
	if (walk)
		walk->pa[walk->n++] = emu->ctx_table + 16ULL * q->asid;
	if (!(desc & SINAN_CTX_VALID))
		return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
	table = desc & SINAN_CTX_ROOT_MASK;
	for (level = 0; level < SINAN_PT_LEVELS; level++) {
		if (!emu_pa_ok(emu, table, SINAN_PT_SIZE))
			return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
		pte = rd64(emu, table + 8 * SINAN_VA_INDEX(va, level));
		if (walk)
			walk->pa[walk->n++] = table + 8 * SINAN_VA_INDEX(va, level);
		if (!(pte & SINAN_PTE_VALID) || (pte & SINAN_PTE_RSVD_MASK))
			return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
		if (pte & SINAN_PTE_LEAF) {
			if (level == 0)
				return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
			break;
		}
		if (level == SINAN_PT_LEVELS - 1)	/* L2 entries must be leaves */
			return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
		table = pte & SINAN_PTE_ADDR_MASK;
	}
	page_pa = pte & SINAN_PTE_ADDR_MASK;
	if (level == 1) {
		if (page_pa & (SINAN_BLOCK_SIZE - 1))
			return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
		page_pa += va & (SINAN_BLOCK_SIZE - 1) & ~(SINAN_PAGE_SIZE - 1);
	}
	t->vpn = vpn;
	t->pa = page_pa;
	t->flags = pte & (SINAN_PTE_WRITE | SINAN_PTE_SYSMEM);
hit:
	if (access == EMU_ACCESS_WRITE && !(t->flags & SINAN_PTE_WRITE))
		return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
	*sysmem = t->flags & SINAN_PTE_SYSMEM;
	*pa = t->pa | (va & (SINAN_PAGE_SIZE - 1));
	if (!*sysmem && !emu_pa_ok(emu, *pa & ~(SINAN_PAGE_SIZE - 1), SINAN_PAGE_SIZE))
		return fault(f, SINAN_ERR_MMU_FAULT, va, access, unit);
	return 0;
}

int emu_translate(struct emu_queue *q, struct emu_tlb *tlb, uint64_t va, unsigned int access,
		  unsigned int unit, uint64_t *pa, bool *sysmem, struct emu_fault *f)
{
	return emu_translate_walk(q, tlb, va, access, unit, pa, sysmem, f, NULL);
}

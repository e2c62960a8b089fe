/* SPDX-License-Identifier: MIT */
/*
 * Sinan NPU device MMU: context table and page-table format.
 * Mirrors docs/hw-spec.md ("Device MMU").
 *
 * 39-bit device virtual addresses, 4 KiB granule, three levels of 512
 * 8-byte entries (L0 covers 512 GiB per table, L1 1 GiB per entry, L2
 * 2 MiB per entry). An L1 entry may be a 2 MiB block (SINAN_PTE_LEAF).
 * Page tables and the context table live in device memory.
 */
#ifndef SINAN_HW_MMU_H
#define SINAN_HW_MMU_H

#include <linux/types.h>

#define SINAN_VA_BITS		39
#define SINAN_PAGE_SHIFT	12
#define SINAN_PAGE_SIZE		(1ULL << SINAN_PAGE_SHIFT)
#define SINAN_BLOCK_SHIFT	21
#define SINAN_BLOCK_SIZE	(1ULL << SINAN_BLOCK_SHIFT)
#define SINAN_PT_LEVELS		3
#define SINAN_PT_ENTRIES	512
#define SINAN_PT_SIZE		4096
#define SINAN_VA_INDEX(va, level) \
	(((va) >> (SINAN_PAGE_SHIFT + 9 * (SINAN_PT_LEVELS - 1 - (level)))) & 511)

/* Page-table entry */
#define SINAN_PTE_VALID		(1ULL << 0)
#define SINAN_PTE_LEAF		(1ULL << 1)	/* L1: 2 MiB block; required on L2 */
#define SINAN_PTE_WRITE		(1ULL << 2)	/* leaf: writable */
#define SINAN_PTE_SYSMEM	(1ULL << 3)	/* leaf: address is a host bus address */
#define SINAN_PTE_ADDR_MASK	0x000ffffffffff000ULL
#define SINAN_PTE_RSVD_MASK	0xfff0000000000ff0ULL	/* must be 0, else fault */

/* Context table: SINAN_REG_NUM_ASIDS entries of 16 bytes at SINAN_REG_MMU_CTX_TABLE. */
struct sinan_ctx_desc {
	__u64 root;		/* SINAN_CTX_VALID | device PA of the L0 table */
	__u64 rsvd;		/* must be 0 */
};
#define SINAN_CTX_VALID		(1ULL << 0)
#define SINAN_CTX_ROOT_MASK	SINAN_PTE_ADDR_MASK

#endif /* SINAN_HW_MMU_H */

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: guest-controlled input to the device model.
 *
 * Everything a guest can do to the chip — register writes and reads of any
 * width anywhere in BAR 0, writes to device memory (page tables, rings,
 * command buffers, packets), doorbells, time passing, fault injection — is
 * driven by the fuzz input. The device must never crash, hang, leak or
 * touch memory it doesn't own (ASan/UBSan), whatever the guest does.
 *
 * To reach deep into queue processing the device is first brought to a
 * working state (firmware booted, an identity-mapped address space, queue 0
 * enabled with its ring and completion ring; VA = PA for the first 64 MiB,
 * VA 1 GiB = 256 KiB of host memory); the input then mutates it.
 *
 * Input: a sequence of operations, each one opcode byte and its operands:
 *   0 mmio write: u32 offset, u8 size, u64 value
 *   1 mmio read:  u32 offset, u8 size
 *   2 devmem write: u32 offset (within the first 8 MiB), u8 len, bytes
 *   3 packet: u8 queue, 64 bytes → written at the queue's ring tail, doorbell
 *   4 time: u16 microseconds of virtual time, then deliver completions
 *   5 inject: u8 kind, u8 queue
 *   6 host memory write: u16 offset, u8 len, bytes
 *   7 wait: let the workers run (bounded)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinan_emu.h"
#include <sinan_hw/sinan_regs.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_mmu.h>
#include <sinan_hw/sinan_fw_if.h>

#define HOST_BASE	0x10000000ULL
#define HOST_SIZE	(256 * 1024)
#define NQUEUES		2
#define RING_PA		0x300000ULL
#define CQ_PA		0x301000ULL
#define CTX_PA		0x200000ULL
#define PT_PA		0x201000ULL
#define RING_SIZE	4096

struct env {
	struct sinan_emu *emu;
	uint8_t *dm;
	uint8_t host[HOST_SIZE];
	uint64_t now;
	uint32_t tail[NQUEUES];
};

static int h_dma(struct env *e, uint64_t addr, void *buf, uint64_t len, int wr)
{
	if (addr < HOST_BASE || addr - HOST_BASE > HOST_SIZE || len > HOST_SIZE - (addr - HOST_BASE))
		return -1;
	if (wr)
		memcpy(e->host + (addr - HOST_BASE), buf, len);
	else
		memcpy(buf, e->host + (addr - HOST_BASE), len);
	return 0;
}

static int dma_read(void *o, uint64_t a, void *b, uint64_t l) { return h_dma(o, a, b, l, 0); }
static int dma_write(void *o, uint64_t a, const void *b, uint64_t l) { return h_dma(o, a, (void *)b, l, 1); }
static void irq(void *o, int v, bool l) { (void)o; (void)v; (void)l; }
static bool msix(void *o) { (void)o; return true; }
static uint64_t now(void *o) { return __atomic_load_n(&((struct env *)o)->now, __ATOMIC_RELAXED); }
static void arm(void *o, uint64_t w) { (void)o; (void)w; }

static const struct sinan_emu_host_ops ops = {
	.dma_read = dma_read, .dma_write = dma_write, .irq = irq, .msix_enabled = msix,
	.now_ns = now, .timer_arm = arm,
};

static void w64(struct env *e, uint64_t pa, uint64_t v) { memcpy(e->dm + pa, &v, 8); }

/* Firmware, MMU (ASID 0: VA = PA for the first 64 MiB in 2 MiB blocks, and
 * VA 1 GiB = host memory), queues 0..1 on ASID 0. */
static void bring_up(struct env *e)
{
	struct sinan_fw_boot_hdr h = { 0 };

	h.magic = SINAN_FW_MAGIC;
	h.api_major = SINAN_FWIF_MAJOR;
	h.hdr_size = sizeof(h);
	h.image_size = 8192;
	h.log_offset = 4096;
	h.log_size = 4096;
	memcpy(e->dm, &h, sizeof(h));
	{
		/* CRC-32 over the image with the crc field 0 (as the boot ROM). */
		uint32_t crc = ~0u;

		for (size_t i = 0; i < h.image_size; i++) {
			crc ^= e->dm[i];
			for (int k = 0; k < 8; k++)
				crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
		}
		h.crc32 = ~crc;
		memcpy(e->dm, &h, sizeof(h));
	}
	sinan_emu_mmio_write(e->emu, SINAN_REG_FW_BOOT_ADDR, 0, 8);
	sinan_emu_mmio_write(e->emu, SINAN_REG_FW_BOOT, SINAN_FW_BOOT_GO, 4);

	w64(e, CTX_PA, PT_PA | SINAN_CTX_VALID);
	w64(e, PT_PA, (PT_PA + 0x1000) | SINAN_PTE_VALID);		/* L0[0] -> L1 */
	for (uint64_t i = 0; i < 32; i++)				/* 64 MiB in blocks */
		w64(e, PT_PA + 0x1000 + 8 * i, (i << 21) | SINAN_PTE_VALID | SINAN_PTE_LEAF |
		    SINAN_PTE_WRITE);
	w64(e, PT_PA + 0x1000 + 8 * 512 - 8, 0);			/* keep the rest invalid */
	w64(e, PT_PA + 0x1000 + 8 * 1, (PT_PA + 0x2000) | SINAN_PTE_VALID);	/* 2..4 MiB via L2 */
	for (uint64_t i = 0; i < 512; i++)
		w64(e, PT_PA + 0x2000 + 8 * i, ((1ULL << 21) + (i << 12)) | SINAN_PTE_VALID |
		    SINAN_PTE_LEAF | SINAN_PTE_WRITE);
	/* VA 1 GiB: host memory, 4 KiB system-memory pages (L0[1] -> L1 -> L2). */
	w64(e, PT_PA + 8, (PT_PA + 0x3000) | SINAN_PTE_VALID);
	w64(e, PT_PA + 0x3000, (PT_PA + 0x4000) | SINAN_PTE_VALID);
	for (uint64_t i = 0; i < HOST_SIZE / 4096; i++)
		w64(e, PT_PA + 0x4000 + 8 * i, (HOST_BASE + (i << 12)) | SINAN_PTE_VALID |
		    SINAN_PTE_LEAF | SINAN_PTE_WRITE | SINAN_PTE_SYSMEM);
	sinan_emu_mmio_write(e->emu, SINAN_REG_MMU_CTX_TABLE, CTX_PA, 8);
	sinan_emu_mmio_write(e->emu, SINAN_REG_MMU_CTRL, SINAN_MMU_CTRL_ENABLE, 4);
	for (unsigned int q = 0; q < NQUEUES; q++) {
		sinan_emu_mmio_write(e->emu, SINAN_QREG(q, SINAN_Q_RING_BASE), RING_PA + q * 0x2000, 8);
		sinan_emu_mmio_write(e->emu, SINAN_QREG(q, SINAN_Q_RING_SIZE), RING_SIZE, 4);
		sinan_emu_mmio_write(e->emu, SINAN_QREG(q, SINAN_Q_CQ_BASE), CQ_PA + q * 0x2000, 8);
		sinan_emu_mmio_write(e->emu, SINAN_QREG(q, SINAN_Q_CQ_SIZE), 4096, 4);
		sinan_emu_mmio_write(e->emu, SINAN_QREG(q, SINAN_Q_CONFIG), SINAN_Q_CONFIG_IRQ_MASK, 4);
		sinan_emu_mmio_write(e->emu, SINAN_QREG(q, SINAN_Q_CTRL), SINAN_Q_CTRL_ENABLE, 4);
	}
}

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct cursor *c, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && c->left; i++, c->left--)
		v |= (uint64_t)*c->p++ << (8 * i);
	return v;
}

static void settle(struct env *e)
{
	struct timespec ts = { 0, 200000 };

	nanosleep(&ts, NULL);
	__atomic_add_fetch(&e->now, 1000000, __ATOMIC_RELAXED);
	sinan_emu_timer(e->emu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int widths[4] = { 1, 2, 4, 8 };
	struct sinan_emu_config cfg;
	struct env *e = calloc(1, sizeof(*e));
	struct cursor c = { data, size };
	unsigned int ops_done = 0;

	sinan_emu_config_default(&cfg);
	cfg.num_cores = 2;
	cfg.num_queues = NQUEUES;
	cfg.num_msix = NQUEUES + 1;
	cfg.devmem_size = 64ULL << 20;
	cfg.debug_regs = true;
	cfg.host_threads = 1;
	e->emu = sinan_emu_create(&cfg, &ops, e);
	if (!e->emu)
		abort();
	e->dm = sinan_emu_devmem(e->emu);
	bring_up(e);

	while (c.left && ops_done++ < 256) {
		switch (take(&c, 1) % 8) {
		case 0: {
			uint32_t off = (uint32_t)take(&c, 4) % SINAN_BAR_REGS_SIZE;
			unsigned int w = widths[take(&c, 1) & 3];

			/* Not a full device reset every time: it undoes the bring-up. */
			if (off == SINAN_REG_CTRL && (c.left & 7))
				break;
			sinan_emu_mmio_write(e->emu, off, take(&c, 8), w);
			break;
		}
		case 1: {
			uint32_t off = (uint32_t)take(&c, 4) % SINAN_BAR_REGS_SIZE;

			(void)sinan_emu_mmio_read(e->emu, off, widths[take(&c, 1) & 3]);
			break;
		}
		case 2: {
			uint32_t off = (uint32_t)take(&c, 4) % (8u << 20);
			unsigned int len = (unsigned int)take(&c, 1);

			for (unsigned int i = 0; i < len && c.left; i++)
				e->dm[(off + i) % (8u << 20)] = (uint8_t)take(&c, 1);
			break;
		}
		case 3: {
			unsigned int q = (unsigned int)take(&c, 1) % NQUEUES;
			uint8_t pkt[SINAN_PKT_SIZE] = { 0 };
			uint64_t pa = RING_PA + q * 0x2000 + (e->tail[q] % RING_SIZE);

			for (unsigned int i = 0; i < SINAN_PKT_SIZE && c.left; i++)
				pkt[i] = (uint8_t)take(&c, 1);
			memcpy(e->dm + pa, pkt, sizeof(pkt));
			e->tail[q] += SINAN_PKT_SIZE;
			sinan_emu_mmio_write(e->emu, SINAN_DOORBELL(q) + SINAN_DB_TAIL, e->tail[q], 4);
			break;
		}
		case 4:
			__atomic_add_fetch(&e->now, 1000 * take(&c, 2), __ATOMIC_RELAXED);
			sinan_emu_timer(e->emu);
			break;
		case 5: {
			unsigned int kind = (unsigned int)take(&c, 1) % 8;

			(void)sinan_emu_inject(e->emu, kind, (unsigned int)take(&c, 1) % (NQUEUES + 1));
			break;
		}
		case 6: {
			unsigned int off = (unsigned int)take(&c, 2) % HOST_SIZE;
			unsigned int len = (unsigned int)take(&c, 1);

			for (unsigned int i = 0; i < len && c.left; i++)
				e->host[(off + i) % HOST_SIZE] = (uint8_t)take(&c, 1);
			break;
		}
		case 7:
			settle(e);
			break;
		}
	}
	settle(e);
	sinan_emu_destroy(e->emu);
	free(e);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: cost model for queue packets and copy engines
 * (docs/hw-spec.md, "Cost model"). Figures are calibrated in
 * ../shared/REFERENCES.md; change them only to be more faithful, and write
 * the reason in docs/hw-spec.md.
 */
#include "emu_int.h"
#include <sinan_hw/sinan_isa.h>

/* Packet processor: fetch and decode of one 64-byte packet. */
#define COST_PACKET		50
/* INDIRECT: command-buffer fetch start (device-memory latency). */
#define COST_INDIRECT		500
/* LAUNCH: dispatch of blocks to the AI cores (~2 us, as on real NPUs). */
#define COST_LAUNCH		2000
/* FENCE: completion record write and interrupt. */
#define COST_FENCE		300
/* Copy-engine setup and device-memory access latency. */
#define COST_DMA_SETUP		500
#define COST_HOST_LATENCY	1000	/* PCIe round trip for host memory */

uint64_t emu_cost_packet(struct sinan_emu *emu, unsigned int opcode)
{
	(void)emu;
	switch (opcode) {
	case SINAN_OP_INDIRECT: return COST_INDIRECT;
	case SINAN_OP_LAUNCH: return COST_LAUNCH;
	case SINAN_OP_FENCE: return COST_FENCE;
	default: return COST_PACKET;
	}
}

/* Cycles to move @bytes at @mbps (MB/s) with the chip's clock. */
static uint64_t xfer_cycles(struct sinan_emu *emu, uint64_t bytes, uint64_t mbps)
{
	/* bytes / (mbps * 1e6 B/s) * (clock_mhz * 1e6 cycles/s) */
	return (bytes * emu->cfg.clock_mhz + mbps - 1) / mbps;
}

uint64_t emu_cost_copy(struct sinan_emu *emu, uint64_t bytes, bool src_sys, bool dst_sys)
{
	uint64_t c = COST_DMA_SETUP;

	if (src_sys || dst_sys) {
		/* The host link is the bottleneck; device memory keeps up. */
		c += COST_HOST_LATENCY + xfer_cycles(emu, bytes, emu->cfg.hostlink_bw_mbps);
		if (src_sys && dst_sys)
			c += xfer_cycles(emu, bytes, emu->cfg.hostlink_bw_mbps);
	} else {
		/* Device to device: read and write both cross device memory. */
		c += xfer_cycles(emu, 2 * bytes, emu->cfg.devmem_bw_mbps);
	}
	return c;
}

uint64_t emu_cost_fill(struct sinan_emu *emu, uint64_t bytes, bool dst_sys)
{
	return COST_DMA_SETUP + (dst_sys ? COST_HOST_LATENCY + xfer_cycles(emu, bytes, emu->cfg.hostlink_bw_mbps)
					 : xfer_cycles(emu, bytes, emu->cfg.devmem_bw_mbps));
}

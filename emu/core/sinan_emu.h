/* SPDX-License-Identifier: MIT */
/*
 * Sinan NPU device model core: the chip of docs/hw-spec.md in plain C.
 *
 * No QEMU headers: the same code runs inside QEMU (emu/qemu/sinan_npu.c) and
 * in-process as libsinan's simulator backend (lib/backend_sim.c). The host
 * environment is reached only through struct sinan_emu_host_ops: DMA to host
 * memory, interrupts, time, timers, logging and tracing.
 *
 * Threading: MMIO calls and sinan_emu_timer() are serialized by the caller
 * (QEMU's big lock, or the simulator's lock). Queues execute packets on their
 * own worker threads, and AI cores on a pool of host threads; workers never
 * call irq() — interrupts and completion records become visible only in
 * sinan_emu_timer(), at max(host time, modeled time).
 */
#ifndef SINAN_EMU_H
#define SINAN_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sinan_emu;

/** Chip configuration; sinan_emu_config_default() gives the default chip. */
struct sinan_emu_config {
	uint32_t num_cores;		/* AI cores */
	uint32_t num_queues;		/* hardware queues (<= SINAN_MAX_QUEUES) */
	uint32_t num_asids;		/* address spaces (<= SINAN_MAX_ASIDS) */
	uint32_t clock_mhz;
	uint64_t devmem_size;		/* bytes, multiple of 2 MiB */
	uint32_t l1_size, l0a_size, l0b_size, l0c_size, ub_size;
	uint32_t devmem_bw_mbps;	/* shared by all cores */
	uint32_t hostlink_bw_mbps;	/* per direction */
	uint32_t num_msix;		/* vectors the PCI glue implements */
	bool debug_regs;		/* fault-injection page */
	bool strict_sync;		/* SINAN_ERR_SYNC_HAZARD on unsynchronized pipes */
	uint32_t host_threads;		/* AI-core worker threads, 0 = one per host CPU */
};

void sinan_emu_config_default(struct sinan_emu_config *cfg);
/* Returns NULL if valid, else a static message naming the bad field. */
const char *sinan_emu_config_check(const struct sinan_emu_config *cfg);

/* Trace points the host may turn into its own tracing (QEMU trace-events). */
enum sinan_emu_trace_kind {
	SINAN_TRACE_MMIO_READ,		/* a = addr, b = value, c = size */
	SINAN_TRACE_MMIO_WRITE,		/* a = addr, b = value, c = size */
	SINAN_TRACE_DOORBELL,		/* a = queue, b = tail */
	SINAN_TRACE_PACKET,		/* a = queue, b = opcode, c = modeled cycles */
	SINAN_TRACE_COMPLETE,		/* a = queue, b = seq, c = status */
	SINAN_TRACE_IRQ,		/* a = vector */
	SINAN_TRACE_FW_BOOT,		/* a = status, b = fw version */
	SINAN_TRACE_RESET,		/* a = 0 device, 1 queue; b = queue */
	SINAN_TRACE_ERR_QUEUE,		/* a = queue, b = SINAN_ERR_*, c = address */
	SINAN_TRACE_ERR_PROG,		/* a = SINAN_PROG_ERR_*, b = addr, c = value */
	SINAN_TRACE_UB_ACCESS,		/* a = addr, b = size: undefined access, ignored */
	SINAN_TRACE_INJECT,		/* a = kind, b = queue */
};

struct sinan_emu_host_ops {
	/* Host (system) memory at bus address @addr; return 0 or -1 on error. */
	int (*dma_read)(void *opaque, uint64_t addr, void *buf, uint64_t len);
	int (*dma_write)(void *opaque, uint64_t addr, const void *buf, uint64_t len);
	/* Raise MSI-X @vector, or (vector == -1) set the INTx level to @level. */
	void (*irq)(void *opaque, int vector, bool level);
	/* Is MSI-X enabled (per-vector interrupts) or INTx (one level)? */
	bool (*msix_enabled)(void *opaque);
	/* Host time in nanoseconds (QEMU_CLOCK_VIRTUAL in QEMU). */
	uint64_t (*now_ns)(void *opaque);
	/* Call sinan_emu_timer() at or after @when_ns. Called from any thread. */
	void (*timer_arm)(void *opaque, uint64_t when_ns);
	/* A guest programming error (LOG_GUEST_ERROR in QEMU). */
	void (*guest_error)(void *opaque, const char *msg);
	/* Optional trace hook. */
	void (*trace)(void *opaque, enum sinan_emu_trace_kind kind, uint64_t a, uint64_t b, uint64_t c);
};

struct sinan_emu *sinan_emu_create(const struct sinan_emu_config *cfg,
				   const struct sinan_emu_host_ops *ops, void *opaque);
void sinan_emu_destroy(struct sinan_emu *emu);

/* Device memory (BAR 4): a lazily backed host mapping of cfg.devmem_size. */
void *sinan_emu_devmem(struct sinan_emu *emu);
uint64_t sinan_emu_devmem_size(struct sinan_emu *emu);

/* BAR 0 accesses. @size is 1, 2, 4 or 8. */
uint64_t sinan_emu_mmio_read(struct sinan_emu *emu, uint64_t addr, unsigned int size);
void sinan_emu_mmio_write(struct sinan_emu *emu, uint64_t addr, uint64_t val, unsigned int size);

/* Deliver completions and interrupts that are due; call when timer_arm fires. */
void sinan_emu_timer(struct sinan_emu *emu);

/* Device reset (PCI reset, FLR): stops every queue and waits for the workers. */
void sinan_emu_reset(struct sinan_emu *emu);

/* Fault injection (QOM property / debug register). Returns 0 or -1 if invalid. */
int sinan_emu_inject(struct sinan_emu *emu, unsigned int kind, unsigned int queue);
/* Parse "kind[:queue]" (kinds: hang, dma, ecc, fw-crash, illegal, mmu). */
int sinan_emu_inject_str(struct sinan_emu *emu, const char *spec);

/* Recompute the INTx level after the host switched interrupt modes. */
void sinan_emu_irq_update(struct sinan_emu *emu);

/* Statistics for tests and the simulator. */
struct sinan_emu_stats {
	uint64_t packets;
	uint64_t jobs;
	uint64_t errors;
	uint64_t irqs;
	uint64_t modeled_cycles;	/* summed over queues */
	uint64_t injected;
};
void sinan_emu_get_stats(struct sinan_emu *emu, struct sinan_emu_stats *st);

#endif /* SINAN_EMU_H */

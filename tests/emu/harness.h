/* SPDX-License-Identifier: MIT */
/*
 * Host test harness for the Sinan device model core (emu/core).
 *
 * Creates a device in-process with host callbacks backed by a plain buffer
 * ("system memory" at bus address H_SYS_BUS), a fake clock that only moves
 * when the harness delivers completions, and recorded interrupts and guest
 * errors. It boots the firmware by writing a valid boot header (its CRC
 * computed with zlib, independently of the device) into device memory,
 * builds page tables for ASID 0 in device memory (its own walker-free
 * writer, following sinan_mmu.h), and submits packets to queues.
 *
 * Device memory layout: firmware at 0, context table and page tables from
 * 2 MiB, data from 8 MiB (bump allocated). Buffers from h_buf() are mapped
 * at VA = H_VA_BASE + PA.
 *
 * Every helper that must succeed asserts with cmocka (a broken harness is a
 * failed test, never a skipped one).
 */
#ifndef SINAN_TEST_HARNESS_H
#define SINAN_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "sinan_emu.h"
#include <sinan_hw/sinan_regs.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_mmu.h>
#include <sinan_hw/sinan_fw_if.h>
#include <sinan_hw/sinan_isa.h>

#define H_VA_BASE	0x1000000000ULL		/* VA of device PA 0 for h_buf() */
#define H_SYS_BUS	0x80000000ULL		/* bus address of system memory */
#define H_SYS_SIZE	(16u << 20)
#define H_SYS_VA	0x4000000000ULL		/* where h_sys_buf() maps system memory */
#define H_RING_SIZE	4096
#define H_CQ_SIZE	4096

struct h_dev;

/* Result of a job: the error (0 = success) and its completion record. */
struct h_result {
	uint32_t err;		/* SINAN_Q_ERROR */
	uint64_t fault_addr;
	uint32_t fault_info;
	uint64_t cycles;	/* busy cycles of the job (completion record) */
	struct sinan_cqe cqe;
};

/* A device with @cfg (NULL: the default chip with small test settings). */
struct h_dev *h_new(const struct sinan_emu_config *cfg);
void h_free(struct h_dev *h);
/* After a device reset: boot the firmware and set up the MMU again (queues must be re-created). */
void h_reinit(struct h_dev *h);
struct sinan_emu *h_emu(struct h_dev *h);
void h_test_config(struct sinan_emu_config *cfg);	/* default chip, 4 queues, 2 threads */

/* ---- memory ---- */
uint64_t h_alloc_pa(struct h_dev *h, uint64_t size, uint64_t align);
void *h_pa(struct h_dev *h, uint64_t pa);
/* Map [va, va+size) -> pa with 4 KiB pages in @asid (flags: SINAN_PTE_WRITE/SYSMEM). */
void h_map(struct h_dev *h, unsigned int asid, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);
/* Map one 2 MiB block. */
void h_map_block(struct h_dev *h, unsigned int asid, uint64_t va, uint64_t pa, uint64_t flags);
/* Write a raw PTE at level @level for @va (creates the tables above it). */
void h_set_pte(struct h_dev *h, unsigned int asid, uint64_t va, unsigned int level, uint64_t pte);
/* Device memory, mapped read-write in ASID 0; returns its VA. */
uint64_t h_buf(struct h_dev *h, uint64_t size);
/* System memory (host buffer), mapped with SINAN_PTE_SYSMEM; returns its VA. */
uint64_t h_sys_buf(struct h_dev *h, uint64_t size);
/* Host pointer of a VA returned by h_buf() or h_sys_buf(). */
void *h_va(struct h_dev *h, uint64_t va);
/* Invalidate the device TLBs after changing page tables. */
void h_mmu_inv(struct h_dev *h);

/* ---- registers ---- */
uint64_t h_rd(struct h_dev *h, uint64_t addr, unsigned int size);
void h_wr(struct h_dev *h, uint64_t addr, uint64_t val, unsigned int size);
uint64_t h_qrd(struct h_dev *h, unsigned int q, unsigned int reg);	/* 4 or 8 bytes as the register */

/* ---- time, interrupts, errors ---- */
uint64_t h_now(struct h_dev *h);
void h_advance(struct h_dev *h, uint64_t ns);
/* Deliver every completion the device has armed a timer for. */
void h_deliver(struct h_dev *h);
unsigned int h_irqs(struct h_dev *h, unsigned int vector);
unsigned int h_guest_errors(struct h_dev *h);
const char *h_last_guest_error(struct h_dev *h);
/* Print guest errors as they happen (for debugging a test). */
void h_verbose(struct h_dev *h, bool on);

/* ---- queues ---- */
/* Ring and completion ring in device memory, engine SINAN_Q_CONFIG_ENGINE_*, enabled. */
void h_queue(struct h_dev *h, unsigned int q, unsigned int engine);
/* Append packets (64 bytes each) without ringing the doorbell. */
void h_push(struct h_dev *h, unsigned int q, const void *pkt);
void h_doorbell(struct h_dev *h, unsigned int q);
/* Wait (wall time, 30 s at most) until the queue is idle or stopped, then
 * deliver completions. Returns SINAN_Q_STATUS. */
unsigned int h_wait(struct h_dev *h, unsigned int q);
/* Completion record number @idx of queue @q. */
void h_cqe(struct h_dev *h, unsigned int q, unsigned int idx, struct sinan_cqe *out);
unsigned int h_cqe_count(struct h_dev *h, unsigned int q);
/* Push @pkt, a FENCE, ring, wait; result from the completion record. */
void h_job(struct h_dev *h, unsigned int q, const void *pkt, struct h_result *r);
/* Reset a queue (SINAN_Q_CTRL_RESET) and enable it again. */
void h_queue_reset(struct h_dev *h, unsigned int q);

/* ---- AI-core launches ---- */
/* Run @n instruction words as a LAUNCH of @blocks blocks on queue @q (a
 * compute queue set up on first use), with x1 = @args. */
void h_launch(struct h_dev *h, unsigned int q, const uint64_t *code, size_t n, uint64_t args,
	      uint32_t blocks, struct h_result *r);
/* Finish @a (failing the test on an assembler error) and h_launch() it. */
struct sinan_asm;
void h_launch_asm(struct h_dev *h, unsigned int q, struct sinan_asm *a, uint64_t args, uint32_t blocks,
		  struct h_result *r);
/* The same, failing the test unless the launch succeeds. */
void h_launch_ok(struct h_dev *h, unsigned int q, struct sinan_asm *a, uint64_t args, uint32_t blocks,
		 struct h_result *r);
/* VA of the program buffer of queue @q's launches (instruction i at + 8 * i) */
uint64_t h_prog_va(struct h_dev *h, unsigned int q);
/* Modeled cycles of the cores alone: the job's busy cycles minus those of a
 * one-instruction (END) launch, plus that END's one cycle. */
uint64_t h_core_cycles(struct h_dev *h, unsigned int q, const struct h_result *r);

/* Small helpers */
uint64_t h_rand64(void);
void h_srand(uint64_t seed);

#endif /* SINAN_TEST_HARNESS_H */

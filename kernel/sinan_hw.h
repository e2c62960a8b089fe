/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Register access and the hardware operations built on it. The register
 * map is include/sinan_hw/sinan_regs.h; fields are read and written with
 * SINAN_FLD_GET()/SINAN_FLD_PREP(), which name the register and the field.
 */
#ifndef __SINAN_HW_H__
#define __SINAN_HW_H__

#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>

#include "sinan_drv.h"

static inline u32 sinan_rd32(struct sinan_device *sdev, u32 reg)
{
	return readl(sdev->regs + reg);
}

static inline void sinan_wr32(struct sinan_device *sdev, u32 reg, u32 val)
{
	writel(val, sdev->regs + reg);
}

/* 64-bit registers take one 8-byte access (two halves would tear). */
static inline u64 sinan_rd64(struct sinan_device *sdev, u32 reg)
{
	return readq(sdev->regs + reg);
}

static inline void sinan_wr64(struct sinan_device *sdev, u32 reg, u64 val)
{
	writeq(val, sdev->regs + reg);
}

#define sinan_qrd32(sdev, q, r)		sinan_rd32(sdev, SINAN_QREG(q, SINAN_Q_##r))
#define sinan_qrd64(sdev, q, r)		sinan_rd64(sdev, SINAN_QREG(q, SINAN_Q_##r))
#define sinan_qwr32(sdev, q, r, v)	sinan_wr32(sdev, SINAN_QREG(q, SINAN_Q_##r), v)
#define sinan_qwr64(sdev, q, r, v)	sinan_wr64(sdev, SINAN_QREG(q, SINAN_Q_##r), v)

/*
 * Version registers are major[31:16] minor[15:0]. (Pasted here rather than
 * passed on to SINAN_FLD_GET(), which would see the register's value.)
 */
#define SINAN_VER_MAJOR(reg, v)	\
	((u32)(((u64)(v) & reg##_MAJOR_MASK) >> __builtin_ctzll(reg##_MAJOR_MASK)))
#define SINAN_VER_MINOR(reg, v)	\
	((u32)(((u64)(v) & reg##_MINOR_MASK) >> __builtin_ctzll(reg##_MINOR_MASK)))

/**
 * struct sinan_hwq_config - what a hardware queue is programmed with.
 * @ring_va: device VA of the ring (64-byte aligned).
 * @ring_size: bytes, power of two.
 * @cq_va: device VA of the completion ring.
 * @cq_size: bytes, power of two.
 * @asid: address space.
 * @engine: SINAN_Q_CONFIG_ENGINE_*.
 * @priority: 0..3.
 * @watchdog_kc: longest packet, in modeled kilocycles (0: no limit).
 */
struct sinan_hwq_config {
	u64 ring_va;
	u32 ring_size;
	u64 cq_va;
	u32 cq_size;
	u32 asid;
	u32 engine;
	u32 priority;
	u32 watchdog_kc;
};

int sinan_hw_init(struct sinan_device *sdev);
void sinan_hw_fini(struct sinan_device *sdev);
int sinan_hw_reset(struct sinan_device *sdev);
bool sinan_hw_alive(struct sinan_device *sdev);
void sinan_hw_log_config(struct sinan_device *sdev);

int sinan_irq_init(struct sinan_device *sdev);
void sinan_irq_fini(struct sinan_device *sdev);
void sinan_irq_enable(struct sinan_device *sdev);
void sinan_irq_disable(struct sinan_device *sdev);

void sinan_hw_mmu_enable(struct sinan_device *sdev);
int sinan_hw_mmu_invalidate(struct sinan_device *sdev, u32 asid);

int sinan_hw_queue_start(struct sinan_device *sdev, u32 hwq, const struct sinan_hwq_config *cfg);
int sinan_hw_queue_reset(struct sinan_device *sdev, u32 hwq);
void sinan_hw_queue_doorbell(struct sinan_device *sdev, u32 hwq, u32 tail);

const char *sinan_hw_err_str(u32 err);

#endif /* __SINAN_HW_H__ */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The Sinan authors
 *
 * Hardware: identification and capabilities, device reset, interrupts,
 * MMU registers and hardware queue programming.
 */
#include <linux/interrupt.h>
#include <linux/iopoll.h>

#include <sinan_hw/sinan_pkt.h>

#include "sinan_drv.h"
#include "sinan_fw.h"
#include "sinan_hw.h"
#include "sinan_job.h"

#define SINAN_POLL_US		10
#define SINAN_INV_TIMEOUT_US	10000

static const char * const sinan_err_names[SINAN_ERR_COUNT] = {
	[SINAN_ERR_NONE] = "none",
	[SINAN_ERR_BAD_PACKET] = "bad packet",
	[SINAN_ERR_MMU_FAULT] = "MMU fault",
	[SINAN_ERR_DMA] = "DMA error",
	[SINAN_ERR_ILLEGAL_INSTR] = "illegal instruction",
	[SINAN_ERR_WATCHDOG] = "watchdog",
	[SINAN_ERR_ECC] = "uncorrectable ECC error",
	[SINAN_ERR_ABORTED] = "aborted",
	[SINAN_ERR_BAD_RING] = "bad ring configuration",
	[SINAN_ERR_ALIGN] = "misaligned address",
	[SINAN_ERR_CORE_BOUNDS] = "AI core out of bounds",
	[SINAN_ERR_SYNC_HAZARD] = "pipe sync hazard",
};

const char *sinan_hw_err_str(u32 err)
{
	if (err < ARRAY_SIZE(sinan_err_names) && sinan_err_names[err])
		return sinan_err_names[err];
	return "unknown error";
}

bool sinan_hw_alive(struct sinan_device *sdev)
{
	return sinan_rd32(sdev, SINAN_REG_ID) == SINAN_ID_MAGIC;
}

/* Read the capability registers; refuse a device this driver does not speak. */
int sinan_hw_init(struct sinan_device *sdev)
{
	struct sinan_hw_info *hw = &sdev->hw;
	u32 id = sinan_rd32(sdev, SINAN_REG_ID);

	if (id != SINAN_ID_MAGIC) {
		sinan_err(sdev, "ID register reads 0x%08x, expected 0x%08x: not a Sinan NPU\n",
			  id, SINAN_ID_MAGIC);
		return -ENODEV;
	}
	hw->hw_version = sinan_rd32(sdev, SINAN_REG_HW_VERSION);
	if (SINAN_VER_MAJOR(SINAN_REG_HW_VERSION, hw->hw_version) != SINAN_HW_VERSION_MAJOR) {
		sinan_err(sdev, "hardware version %u.%u, driver supports %u.x\n",
			  SINAN_VER_MAJOR(SINAN_REG_HW_VERSION, hw->hw_version),
			  SINAN_VER_MINOR(SINAN_REG_HW_VERSION, hw->hw_version),
			  SINAN_HW_VERSION_MAJOR);
		return -ENODEV;
	}
	hw->num_cores = sinan_rd32(sdev, SINAN_REG_NUM_CORES);
	hw->num_queues = sinan_rd32(sdev, SINAN_REG_NUM_QUEUES);
	hw->clock_mhz = sinan_rd32(sdev, SINAN_REG_CLOCK_MHZ);
	hw->isa_version = sinan_rd32(sdev, SINAN_REG_ISA_VERSION);
	hw->caps = sinan_rd32(sdev, SINAN_REG_CAPS);
	hw->num_asids = sinan_rd32(sdev, SINAN_REG_NUM_ASIDS);
	hw->devmem_size = sinan_rd64(sdev, SINAN_REG_DEVMEM_SIZE);
	hw->l1_size = sinan_rd32(sdev, SINAN_REG_L1_SIZE);
	hw->l0a_size = sinan_rd32(sdev, SINAN_REG_L0A_SIZE);
	hw->l0b_size = sinan_rd32(sdev, SINAN_REG_L0B_SIZE);
	hw->l0c_size = sinan_rd32(sdev, SINAN_REG_L0C_SIZE);
	hw->ub_size = sinan_rd32(sdev, SINAN_REG_UB_SIZE);
	hw->cube_shape = sinan_rd32(sdev, SINAN_REG_CUBE_SHAPE);
	hw->vec_bytes = sinan_rd32(sdev, SINAN_REG_VEC_BYTES);
	hw->devmem_bw = sinan_rd32(sdev, SINAN_REG_DEVMEM_BW);
	hw->hostlink_bw = sinan_rd32(sdev, SINAN_REG_HOSTLINK_BW);
	hw->va_bits = sinan_rd32(sdev, SINAN_REG_VA_BITS);
	hw->num_msix = sinan_rd32(sdev, SINAN_REG_NUM_MSIX);

	/* Values the rest of the driver divides by, indexes with or maps. */
	if (!hw->num_queues || hw->num_queues > SINAN_MAX_QUEUES ||
	    !hw->num_asids || hw->num_asids > SINAN_MAX_ASIDS || !hw->clock_mhz ||
	    hw->va_bits != SINAN_VA_BITS || hw->devmem_size <= SINAN_FW_RESERVED ||
	    !IS_ALIGNED(hw->devmem_size, SZ_2M)) {
		sinan_err(sdev, "implausible capabilities: %u queues, %u ASIDs, %u MHz, %u VA bits, %llu bytes of device memory\n",
			  hw->num_queues, hw->num_asids, hw->clock_mhz, hw->va_bits,
			  hw->devmem_size);
		return -ENODEV;
	}
	if (pci_resource_len(sdev->pdev, SINAN_BAR_DEVMEM) < hw->devmem_size) {
		sinan_err(sdev, "BAR %d holds %llu bytes, the device reports %llu bytes of memory\n",
			  SINAN_BAR_DEVMEM,
			  (u64)pci_resource_len(sdev->pdev, SINAN_BAR_DEVMEM), hw->devmem_size);
		return -ENODEV;
	}
	return 0;
}

void sinan_hw_fini(struct sinan_device *sdev)
{
	/* Stop every queue and the firmware: nothing may DMA after unbind. */
	if (sinan_hw_alive(sdev))
		sinan_wr32(sdev, SINAN_REG_CTRL, SINAN_CTRL_RESET);
}

void sinan_hw_log_config(struct sinan_device *sdev)
{
	const struct sinan_hw_info *hw = &sdev->hw;

	sinan_info(sdev,
		   "Sinan NPU hw %u.%u: %u AI cores @ %u MHz (cube %llux%llux%llu, vector %u B/cycle), %u queues, %u ASIDs, %llu MiB device memory, ISA %u.%u, caps 0x%x%s%s\n",
		   SINAN_VER_MAJOR(SINAN_REG_HW_VERSION, hw->hw_version),
		   SINAN_VER_MINOR(SINAN_REG_HW_VERSION, hw->hw_version),
		   hw->num_cores, hw->clock_mhz,
		   SINAN_FLD_GET(SINAN_REG_CUBE_SHAPE, M, hw->cube_shape),
		   SINAN_FLD_GET(SINAN_REG_CUBE_SHAPE, N, hw->cube_shape),
		   SINAN_FLD_GET(SINAN_REG_CUBE_SHAPE, K, hw->cube_shape),
		   hw->vec_bytes, hw->num_queues, hw->num_asids, hw->devmem_size >> 20,
		   SINAN_VER_MAJOR(SINAN_REG_ISA_VERSION, hw->isa_version),
		   SINAN_VER_MINOR(SINAN_REG_ISA_VERSION, hw->isa_version), hw->caps,
		   hw->caps & SINAN_CAP_ECC ? " ecc" : "",
		   hw->caps & SINAN_CAP_DEBUG_REGS ? " debug-regs" : "");
	sinan_info(sdev, "per core: L1 %u KiB, L0A %u KiB, L0B %u KiB, L0C %u KiB, UB %u KiB; device memory %u MB/s, host link %u MB/s\n",
		   hw->l1_size >> 10, hw->l0a_size >> 10, hw->l0b_size >> 10,
		   hw->l0c_size >> 10, hw->ub_size >> 10, hw->devmem_bw, hw->hostlink_bw);
}

/*
 * Full device reset: stops every queue and the firmware and clears the
 * registers (device memory is kept). The caller reboots the firmware and
 * reprograms the MMU and the queues.
 */
int sinan_hw_reset(struct sinan_device *sdev)
{
	u32 status;

	sinan_wr32(sdev, SINAN_REG_CTRL, SINAN_CTRL_RESET);
	if (!sinan_hw_alive(sdev)) {
		sinan_err(sdev, "device does not answer after reset\n");
		return -ENODEV;
	}
	status = sinan_rd32(sdev, SINAN_REG_FW_STATUS);
	if (status != SINAN_FW_STATUS_OFF) {
		sinan_err(sdev, "firmware status %u after reset, expected off\n", status);
		return -EIO;
	}
	return 0;
}

/* ---- interrupts ---------------------------------------------------------- */

static void sinan_irq_global(struct sinan_device *sdev)
{
	u32 cause = sinan_rd32(sdev, SINAN_REG_GLOBAL_CAUSE);

	sinan_wr32(sdev, SINAN_REG_GLOBAL_CAUSE, cause);
	sinan_dbg(sdev, IRQ, "global cause 0x%x\n", cause);
	if (cause & SINAN_CAUSE_ECC)
		sinan_err_ratelimited(sdev, "uncorrectable ECC error at device address 0x%llx\n",
				      sinan_rd64(sdev, SINAN_REG_ECC_ADDR));
	if (cause & SINAN_CAUSE_FW_CRASH)
		sinan_device_request_reset(sdev, "firmware crashed");
	if (cause & SINAN_CAUSE_FW_ERROR)
		sinan_dbg(sdev, FW, "firmware reported a boot error\n");
	if (cause & SINAN_CAUSE_QUEUE_ERROR)
		sinan_queues_check_errors(sdev);
}

static void sinan_irq_queues(struct sinan_device *sdev, u64 queues)
{
	while (queues) {
		unsigned int q = __ffs64(queues);

		queues &= ~BIT_ULL(q);
		if (q < sdev->hw.num_queues)
			sinan_queue_irq(sdev, q);
	}
}

/*
 * Queue completions are handled here, in the hard handler: it signals the
 * jobs' hardware fences (dma_fence_signal is IRQ-safe; drm_sched's done
 * callback and the syncobj waiters only wake others), which spares the
 * waiter the switch to the thread. A global cause (errors, firmware,
 * resets) goes to the thread, which handles whatever is pending then.
 */
static irqreturn_t sinan_irq_hard(int irq, void *arg)
{
	struct sinan_device *sdev = arg;
	bool shared = !sdev->pdev->msix_enabled && !sdev->pdev->msi_enabled;
	u64 status = sinan_rd64(sdev, SINAN_REG_IRQ_STATUS);

	/* A shared INTx line: only claim it when the device has something. */
	if (!status || status == U64_MAX)	/* nothing, or the device is gone */
		return shared ? IRQ_NONE : IRQ_HANDLED;
	if (status & SINAN_IRQ_GLOBAL)
		return IRQ_WAKE_THREAD;
	/* W1C before handling, so that an event arriving meanwhile raises a new interrupt. */
	sinan_wr64(sdev, SINAN_REG_IRQ_STATUS, status);
	sinan_irq_queues(sdev, status >> 1);
	return IRQ_HANDLED;
}

/*
 * Every vector runs the same thread: it acknowledges whatever is pending
 * (W1C before handling, so that an event arriving meanwhile raises a new
 * interrupt) and handles it. Queue completions are idempotent, so two
 * vectors handling the same queue is harmless.
 */
static irqreturn_t sinan_irq_thread(int irq, void *arg)
{
	struct sinan_device *sdev = arg;
	unsigned int loops = 0;
	u64 status;

	while (loops++ < 16) {
		status = sinan_rd64(sdev, SINAN_REG_IRQ_STATUS);
		if (!status || status == U64_MAX)	/* nothing, or the device is gone */
			break;
		sinan_wr64(sdev, SINAN_REG_IRQ_STATUS, status);
		if (status & SINAN_IRQ_GLOBAL)
			sinan_irq_global(sdev);
		sinan_irq_queues(sdev, status >> 1);
	}
	return IRQ_HANDLED;
}

int sinan_irq_init(struct sinan_device *sdev)
{
	struct pci_dev *pdev = sdev->pdev;
	int want = min_t(int, sdev->hw.num_msix, 1 + sdev->hw.num_queues);
	unsigned long flags;
	int i, ret;

	/* Mask everything until the driver is ready for it. */
	sinan_wr64(sdev, SINAN_REG_IRQ_MASK, U64_MAX);
	ret = pci_alloc_irq_vectors(pdev, 1, max(want, 1), PCI_IRQ_ALL_TYPES);
	if (ret < 0) {
		sinan_err(sdev, "no interrupt vector: %d\n", ret);
		return ret;
	}
	sdev->nvec = ret;
	/* Only the INTx line may be shared; it stays masked until the thread ran. */
	flags = IRQF_ONESHOT;
	if (!pdev->msix_enabled && !pdev->msi_enabled)
		flags |= IRQF_SHARED;
	for (i = 0; i < sdev->nvec; i++) {
		ret = request_threaded_irq(pci_irq_vector(pdev, i), sinan_irq_hard,
					   sinan_irq_thread, flags, DRIVER_NAME, sdev);
		if (ret) {
			sinan_err(sdev, "cannot request interrupt vector %d: %d\n", i, ret);
			goto err_free_irqs;
		}
	}
	sinan_dbg(sdev, IRQ, "%d %s vector(s)\n", sdev->nvec,
		  pdev->msix_enabled ? "MSI-X" : pdev->msi_enabled ? "MSI" : "INTx");
	return 0;

err_free_irqs:
	while (--i >= 0)
		free_irq(pci_irq_vector(pdev, i), sdev);
	pci_free_irq_vectors(pdev);
	return ret;
}

void sinan_irq_fini(struct sinan_device *sdev)
{
	int i;

	for (i = 0; i < sdev->nvec; i++)
		free_irq(pci_irq_vector(sdev->pdev, i), sdev);
	pci_free_irq_vectors(sdev->pdev);
	sdev->nvec = 0;
}

void sinan_irq_enable(struct sinan_device *sdev)
{
	sinan_wr64(sdev, SINAN_REG_IRQ_MASK, 0);
}

void sinan_irq_disable(struct sinan_device *sdev)
{
	int i;

	sinan_wr64(sdev, SINAN_REG_IRQ_MASK, U64_MAX);
	for (i = 0; i < sdev->nvec; i++)
		synchronize_irq(pci_irq_vector(sdev->pdev, i));
}

/* ---- MMU ----------------------------------------------------------------- */

void sinan_hw_mmu_enable(struct sinan_device *sdev)
{
	sinan_wr64(sdev, SINAN_REG_MMU_CTX_TABLE, sdev->ctx_table_pa);
	sinan_wr32(sdev, SINAN_REG_MMU_CTRL, SINAN_MMU_CTRL_ENABLE);
}

/* Drop the device's cached translations of @asid; wait until it is done. */
int sinan_hw_mmu_invalidate(struct sinan_device *sdev, u32 asid)
{
	u32 st;
	int ret;

	sinan_wr32(sdev, SINAN_REG_MMU_INV, SINAN_FLD_PREP(SINAN_MMU_INV, ASID, asid));
	ret = readl_poll_timeout(sdev->regs + SINAN_REG_MMU_INV_STATUS, st, !(st & BIT(0)),
				 SINAN_POLL_US, SINAN_INV_TIMEOUT_US);
	if (ret)
		sinan_err(sdev, "TLB invalidation of ASID %u did not complete\n", asid);
	return ret;
}

/* ---- hardware queues ----------------------------------------------------- */

int sinan_hw_queue_start(struct sinan_device *sdev, u32 hwq, const struct sinan_hwq_config *cfg)
{
	u32 status;

	sinan_qwr32(sdev, hwq, CTRL, SINAN_Q_CTRL_RESET);
	sinan_qwr64(sdev, hwq, RING_BASE, cfg->ring_va);
	sinan_qwr32(sdev, hwq, RING_SIZE, cfg->ring_size);
	sinan_qwr32(sdev, hwq, ASID, cfg->asid);
	sinan_qwr64(sdev, hwq, CQ_BASE, cfg->cq_va);
	sinan_qwr32(sdev, hwq, CQ_SIZE, cfg->cq_size);
	sinan_qwr32(sdev, hwq, CONFIG,
		    SINAN_FLD_PREP(SINAN_Q_CONFIG, ENGINE, cfg->engine) |
		    SINAN_FLD_PREP(SINAN_Q_CONFIG, PRIORITY, cfg->priority) |
		    SINAN_FLD_PREP(SINAN_Q_CONFIG, IRQ, 1));
	sinan_qwr32(sdev, hwq, WATCHDOG, cfg->watchdog_kc);
	sinan_qwr32(sdev, hwq, CTRL, SINAN_Q_CTRL_ENABLE);
	sinan_dbg(sdev, REG, "queue %u: ring 0x%llx+0x%x, completions 0x%llx+0x%x, ASID %u\n",
		  hwq, cfg->ring_va, cfg->ring_size, cfg->cq_va, cfg->cq_size, cfg->asid);
	status = sinan_qrd32(sdev, hwq, STATUS);
	if (status != SINAN_QS_IDLE) {
		u32 err = sinan_qrd32(sdev, hwq, ERROR);

		sinan_err(sdev, "hardware queue %u did not start: status %u, error %u (%s), programming error %u\n",
			  hwq, status, err, sinan_hw_err_str(err),
			  sinan_rd32(sdev, SINAN_REG_PROG_ERROR));
		return -EIO;
	}
	return 0;
}

/* Stop the queue and clear its error and pointers; -EIO if it did not. */
int sinan_hw_queue_reset(struct sinan_device *sdev, u32 hwq)
{
	u32 status;

	sinan_qwr32(sdev, hwq, CTRL, SINAN_Q_CTRL_RESET);
	status = sinan_qrd32(sdev, hwq, STATUS);
	if (status != SINAN_QS_DISABLED || sinan_qrd32(sdev, hwq, HEAD)) {
		sinan_err(sdev, "hardware queue %u did not reset (status %u)\n", hwq, status);
		return -EIO;
	}
	return 0;
}

void sinan_hw_queue_doorbell(struct sinan_device *sdev, u32 hwq, u32 tail)
{
	/* Ring and command-buffer writes must reach the device first. */
	wmb();
	sinan_wr32(sdev, SINAN_DOORBELL(hwq) + SINAN_DB_TAIL, tail);
}

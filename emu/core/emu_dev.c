// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: configuration, BAR 0 register dispatch,
 * interrupts, completion delivery, reset and fault injection.
 * The register map is include/sinan_hw/sinan_regs.h (docs/hw-spec.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "emu_int.h"
#include <sinan_hw/sinan_isa.h>

void sinan_emu_config_default(struct sinan_emu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->num_cores = 8;
	cfg->num_queues = 16;
	cfg->num_asids = 64;
	cfg->clock_mhz = 1000;
	cfg->devmem_size = 1ULL << 30;
	cfg->l1_size = 1u << 20;
	cfg->l0a_size = 64u << 10;
	cfg->l0b_size = 64u << 10;
	cfg->l0c_size = 256u << 10;
	cfg->ub_size = 256u << 10;
	cfg->devmem_bw_mbps = 300000;	/* 300 GB/s: ~218 flop/byte like Ascend 910 */
	cfg->hostlink_bw_mbps = 25000;	/* PCIe 4.0 x16, per direction */
	cfg->num_msix = 1 + 16;
	cfg->strict_sync = true;
}

const char *sinan_emu_config_check(const struct sinan_emu_config *c)
{
	if (c->num_cores < 1 || c->num_cores > SINAN_MAX_CORES)
		return "cores must be 1..64";
	if (c->num_queues < 1 || c->num_queues > SINAN_MAX_QUEUES)
		return "queues must be 1..64";
	if (c->num_asids < 1 || c->num_asids > SINAN_MAX_ASIDS)
		return "asids must be 1..256";
	if (c->clock_mhz < 1 || c->clock_mhz > 10000)
		return "clock-mhz must be 1..10000";
	if (c->devmem_size < (64ULL << 20) || c->devmem_size > (64ULL << 30) ||
	    (c->devmem_size & (c->devmem_size - 1)))
		return "devmem-size must be a power of two from 64 MiB to 64 GiB";
	if (c->l1_size < 64 * 1024 || c->l1_size > (16u << 20) || c->l1_size % 1024)
		return "l1-size must be 64 KiB..16 MiB, KiB multiple";
	if (c->l0a_size < 4096 || c->l0a_size > (4u << 20) || c->l0a_size % SINAN_ALIGN_L0AB)
		return "l0a-size must be 4 KiB..4 MiB, 512-byte multiple";
	if (c->l0b_size < 4096 || c->l0b_size > (4u << 20) || c->l0b_size % SINAN_ALIGN_L0AB)
		return "l0b-size must be 4 KiB..4 MiB, 512-byte multiple";
	if (c->l0c_size < 4096 || c->l0c_size > (16u << 20) || c->l0c_size % SINAN_ALIGN_L0C)
		return "l0c-size must be 4 KiB..16 MiB, KiB multiple";
	if (c->ub_size < 4096 || c->ub_size > (16u << 20) || c->ub_size % SINAN_ALIGN_UB)
		return "ub-size must be 4 KiB..16 MiB, 32-byte multiple";
	if (c->devmem_bw_mbps < 100 || c->hostlink_bw_mbps < 100)
		return "bandwidths must be at least 100 MB/s";
	if (c->num_msix > 1 + SINAN_MAX_QUEUES)
		return "too many MSI-X vectors";
	return NULL;
}

void emu_guest_error(struct sinan_emu *emu, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!emu->ops->guest_error)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emu->ops->guest_error(emu->opaque, buf);
}

void emu_trace(struct sinan_emu *emu, enum sinan_emu_trace_kind k, uint64_t a, uint64_t b, uint64_t c)
{
	if (emu->ops->trace)
		emu->ops->trace(emu->opaque, k, a, b, c);
}

uint64_t emu_now_cycles(struct sinan_emu *emu)
{
	uint64_t ns = emu->ops->now_ns(emu->opaque);

	ns = ns > emu->ts_base_ns ? ns - emu->ts_base_ns : 0;
	return ns * emu->cfg.clock_mhz / 1000;
}

uint64_t emu_cycles_to_ns(struct sinan_emu *emu, uint64_t cycles)
{
	return emu->ts_base_ns + cycles * 1000 / emu->cfg.clock_mhz;
}

static void prog_error(struct sinan_emu *emu, uint32_t code, uint64_t addr, uint64_t val,
		       const char *what)
{
	emu->prog_error = code;
	emu_trace(emu, SINAN_TRACE_ERR_PROG, code, addr, val);
	emu_guest_error(emu, "sinan-npu: %s (offset 0x%llx, value 0x%llx)", what,
			(unsigned long long)addr, (unsigned long long)val);
}

/* ---- interrupts ----------------------------------------------------------- */

static void intx_update_locked(struct sinan_emu *emu)
{
	bool level = (emu->irq_status & ~emu->irq_mask) != 0;

	if (emu->ops->msix_enabled && emu->ops->msix_enabled(emu->opaque))
		level = false;
	if (level != emu->intx_level) {
		emu->intx_level = level;
		emu->ops->irq(emu->opaque, -1, level);
	}
}

/*
 * Latch interrupt sources. With MSI-X each newly raised, unmasked source
 * sends its vector (queues beyond the implemented vectors share vector 0);
 * with INTx the line follows (status & ~mask).
 */
void emu_raise_locked(struct sinan_emu *emu, uint64_t bits)
{
	uint64_t fire = bits & ~emu->irq_mask;

	emu->irq_status |= bits;
	if (emu->ops->msix_enabled && emu->ops->msix_enabled(emu->opaque)) {
		for (unsigned int i = 0; fire && i <= SINAN_MAX_QUEUES; i++) {
			if (!(fire & SINAN_BIT(i)))
				continue;
			fire &= ~SINAN_BIT(i);
			unsigned int vec = i < emu->cfg.num_msix ? i : SINAN_MSIX_VEC_GLOBAL;

			emu->stats.irqs++;
			emu_trace(emu, SINAN_TRACE_IRQ, vec, 0, 0);
			emu->ops->irq(emu->opaque, (int)vec, true);
		}
	} else {
		if (fire)
			emu->stats.irqs++;
		intx_update_locked(emu);
	}
}

void emu_global_cause_locked(struct sinan_emu *emu, uint32_t cause)
{
	emu->global_cause |= cause;
	emu_raise_locked(emu, SINAN_IRQ_GLOBAL);
}

void sinan_emu_irq_update(struct sinan_emu *emu)
{
	pthread_mutex_lock(&emu->lock);
	intx_update_locked(emu);
	pthread_mutex_unlock(&emu->lock);
}

/* ---- completions ------------------------------------------------------------ */

/* Queue a completion/error for delivery at its modeled time. */
void emu_post_locked(struct sinan_emu *emu, struct emu_pending *p)
{
	struct emu_pending **pp = &emu->pending;

	while (*pp && (*pp)->due_ns <= p->due_ns)
		pp = &(*pp)->next;
	p->next = *pp;
	*pp = p;
	if (p->due_ns < emu->armed_ns) {
		emu->armed_ns = p->due_ns;
		emu->ops->timer_arm(emu->opaque, p->due_ns);
	}
}

void sinan_emu_timer(struct sinan_emu *emu)
{
	uint64_t now;

	pthread_mutex_lock(&emu->lock);
	now = emu->ops->now_ns(emu->opaque);
	emu->armed_ns = UINT64_MAX;
	while (emu->pending && emu->pending->due_ns <= now) {
		struct emu_pending *p = emu->pending;

		emu->pending = p->next;
		emu_deliver_locked(emu, p);
		free(p);
	}
	if (emu->pending) {
		emu->armed_ns = emu->pending->due_ns;
		emu->ops->timer_arm(emu->opaque, emu->armed_ns);
	}
	pthread_mutex_unlock(&emu->lock);
}

/* ---- register access ---------------------------------------------------------- */

/* 64-bit registers of the global/MMU/firmware pages (offset of the low half). */
static const uint32_t regs64[] = {
	SINAN_REG_DEVMEM_SIZE, SINAN_REG_ECC_ADDR, SINAN_REG_IRQ_STATUS, SINAN_REG_IRQ_MASK,
	SINAN_REG_TIMESTAMP, SINAN_REG_MMU_CTX_TABLE, SINAN_REG_FW_BOOT_ADDR,
	SINAN_REG_FW_LOG_ADDR,
};

static bool is_reg64(uint64_t off)
{
	for (size_t i = 0; i < sizeof(regs64) / sizeof(regs64[0]); i++)
		if (off == regs64[i])
			return true;
	return false;
}

/*
 * Check the access width and find the register: returns the register's
 * offset and sets *shift to 32 for the high half of a 64-bit register.
 * Returns UINT64_MAX (after logging) for an access the spec does not allow.
 */
static uint64_t global_decode(struct sinan_emu *emu, uint64_t addr, unsigned int size,
			      unsigned int *shift, uint64_t val, bool write)
{
	*shift = 0;
	if (size == 8) {
		if (is_reg64(addr))
			return addr;
	} else if (size == 4) {
		if (is_reg64(addr))
			return addr;
		if ((addr & 4) && is_reg64(addr - 4)) {
			*shift = 32;
			return addr - 4;
		}
		return addr;
	}
	prog_error(emu, SINAN_PROG_ERR_ACCESS_SIZE, addr, val,
		   write ? "write of a bad width" : "read of a bad width");
	return UINT64_MAX;
}

static uint64_t global_read_locked(struct sinan_emu *emu, uint64_t reg)
{
	const struct sinan_emu_config *c = &emu->cfg;

	switch (reg) {
	case SINAN_REG_ID: return SINAN_ID_MAGIC;
	case SINAN_REG_HW_VERSION: return (SINAN_HW_VERSION_MAJOR << 16) | SINAN_HW_VERSION_MINOR;
	case SINAN_REG_NUM_CORES: return c->num_cores;
	case SINAN_REG_NUM_QUEUES: return c->num_queues;
	case SINAN_REG_CLOCK_MHZ: return c->clock_mhz;
	case SINAN_REG_ISA_VERSION: return (SINAN_ISA_MAJOR << 16) | SINAN_ISA_MINOR;
	case SINAN_REG_CAPS:
		return SINAN_CAP_FP16 | SINAN_CAP_BF16 | SINAN_CAP_INT8 | SINAN_CAP_FP32_CUBE |
		       SINAN_CAP_ECC | (c->debug_regs ? SINAN_CAP_DEBUG_REGS : 0);
	case SINAN_REG_NUM_ASIDS: return c->num_asids;
	case SINAN_REG_DEVMEM_SIZE: return emu->devmem_size;
	case SINAN_REG_L1_SIZE: return c->l1_size;
	case SINAN_REG_L0A_SIZE: return c->l0a_size;
	case SINAN_REG_L0B_SIZE: return c->l0b_size;
	case SINAN_REG_L0C_SIZE: return c->l0c_size;
	case SINAN_REG_UB_SIZE: return c->ub_size;
	case SINAN_REG_CUBE_SHAPE: return 16 | (16 << 8) | (16 << 16);
	case SINAN_REG_VEC_BYTES: return 256;
	case SINAN_REG_DEVMEM_BW: return c->devmem_bw_mbps;
	case SINAN_REG_HOSTLINK_BW: return c->hostlink_bw_mbps;
	case SINAN_REG_VA_BITS: return SINAN_VA_BITS;
	case SINAN_REG_NUM_MSIX: return c->num_msix;
	case SINAN_REG_CTRL: return 0;
	case SINAN_REG_STATUS: return emu->status;
	case SINAN_REG_GLOBAL_CAUSE: return emu->global_cause;
	case SINAN_REG_ECC_ADDR: return emu->ecc_addr;
	case SINAN_REG_IRQ_STATUS: return emu->irq_status;
	case SINAN_REG_IRQ_MASK: return emu->irq_mask;
	case SINAN_REG_TIMESTAMP: return emu_now_cycles(emu);
	case SINAN_REG_SCRATCH: return emu->scratch;
	case SINAN_REG_PROG_ERROR: return emu->prog_error;
	case SINAN_REG_MMU_CTX_TABLE: return emu->ctx_table;
	case SINAN_REG_MMU_CTRL: return emu->mmu_ctrl;
	case SINAN_REG_MMU_INV: return 0;
	case SINAN_REG_MMU_INV_STATUS: return 0;
	case SINAN_REG_MMU_INV_COUNT: return emu->inv_count;
	case SINAN_REG_FW_BOOT_ADDR: return emu->fw_boot_addr;
	case SINAN_REG_FW_BOOT: return 0;
	case SINAN_REG_FW_STATUS: return emu->fw_status;
	case SINAN_REG_FW_ERROR: return emu->fw_error;
	case SINAN_REG_FW_VERSION: return emu->fw_version;
	case SINAN_REG_FW_API_VERSION: return emu->fw_api;
	case SINAN_REG_FW_FEATURES: return emu->fw_features;
	case SINAN_REG_FW_HEARTBEAT: return emu_fw_heartbeat_locked(emu);
	case SINAN_REG_FW_LOG_ADDR: return emu->fw_log_addr;
	case SINAN_REG_FW_LOG_SIZE: return emu->fw_log_size;
	case SINAN_REG_FW_LOG_WPTR: return emu->fw_log_wptr;
	case SINAN_REG_MBOX_CMD: return emu->mbox_cmd;
	case SINAN_REG_MBOX_ARG(0): case SINAN_REG_MBOX_ARG(1):
	case SINAN_REG_MBOX_ARG(2): case SINAN_REG_MBOX_ARG(3):
		return emu->mbox_arg[(reg - SINAN_REG_MBOX_ARG(0)) / 4];
	case SINAN_REG_MBOX_STATUS: return emu->mbox_status;
	case SINAN_REG_MBOX_RESP(0): case SINAN_REG_MBOX_RESP(1):
	case SINAN_REG_MBOX_RESP(2): case SINAN_REG_MBOX_RESP(3):
		return emu->mbox_resp[(reg - SINAN_REG_MBOX_RESP(0)) / 4];
	case SINAN_REG_DBG_INJECT:
		return 0;
	case SINAN_REG_DBG_INJECT_COUNT:
		return emu->inject_count;
	}
	return UINT64_MAX;
}

static void device_reset_locked(struct sinan_emu *emu);

static void global_write_locked(struct sinan_emu *emu, uint64_t reg, uint64_t v, uint64_t addr)
{
	switch (reg) {
	case SINAN_REG_CTRL:
		if (v & ~SINAN_CTRL_RESET)
			prog_error(emu, SINAN_PROG_ERR_BAD_VALUE, addr, v, "CTRL: reserved bits set");
		if (v & SINAN_CTRL_RESET)
			device_reset_locked(emu);
		return;
	case SINAN_REG_GLOBAL_CAUSE:
		emu->global_cause &= ~(uint32_t)v;
		return;
	case SINAN_REG_IRQ_STATUS:
		emu->irq_status &= ~v;
		intx_update_locked(emu);
		return;
	case SINAN_REG_IRQ_MASK: {
		uint64_t unmasked = emu->irq_mask & ~v;

		emu->irq_mask = v;
		/* Sources pending while masked fire when unmasked. */
		if (emu->irq_status & unmasked)
			emu_raise_locked(emu, emu->irq_status & unmasked);
		intx_update_locked(emu);
		return;
	}
	case SINAN_REG_SCRATCH:
		emu->scratch = (uint32_t)v;
		return;
	case SINAN_REG_MMU_CTX_TABLE:
		if (v & (SINAN_PAGE_SIZE - 1) || !emu_pa_ok(emu, v, emu->cfg.num_asids * 16ULL)) {
			prog_error(emu, SINAN_PROG_ERR_BAD_VALUE, addr, v,
				   "MMU_CTX_TABLE: misaligned or outside device memory");
			return;
		}
		emu->ctx_table = v;
		atomic_fetch_add(&emu->tlb_gen, 1);
		return;
	case SINAN_REG_MMU_CTRL:
		emu->mmu_ctrl = (uint32_t)(v & SINAN_MMU_CTRL_ENABLE);
		atomic_fetch_add(&emu->tlb_gen, 1);
		return;
	case SINAN_REG_MMU_INV:
		/* Workers compare the generation before every translation. */
		atomic_fetch_add(&emu->tlb_gen, 1);
		emu->inv_count++;
		return;
	case SINAN_REG_FW_BOOT_ADDR:
		emu->fw_boot_addr = v;
		return;
	case SINAN_REG_FW_BOOT:
		if (v == SINAN_FW_BOOT_GO)
			emu_fw_boot_locked(emu);
		else
			prog_error(emu, SINAN_PROG_ERR_BAD_VALUE, addr, v, "FW_BOOT: bad value");
		return;
	case SINAN_REG_MBOX_CMD:
		emu_mbox_cmd_locked(emu, (uint32_t)v);
		return;
	case SINAN_REG_MBOX_ARG(0): case SINAN_REG_MBOX_ARG(1):
	case SINAN_REG_MBOX_ARG(2): case SINAN_REG_MBOX_ARG(3):
		emu->mbox_arg[(reg - SINAN_REG_MBOX_ARG(0)) / 4] = (uint32_t)v;
		return;
	case SINAN_REG_DBG_INJECT:
		if (sinan_emu_inject_locked(emu, SINAN_FLD_GET(SINAN_REG_DBG_INJECT, KIND, v),
					    SINAN_FLD_GET(SINAN_REG_DBG_INJECT, QUEUE, v)))
			prog_error(emu, SINAN_PROG_ERR_BAD_VALUE, addr, v, "DBG_INJECT: bad kind or queue");
		return;
	}
	if (global_read_locked(emu, reg) != UINT64_MAX)
		prog_error(emu, SINAN_PROG_ERR_READ_ONLY, addr, v, "write to a read-only register");
	else
		prog_error(emu, SINAN_PROG_ERR_BAD_OFFSET, addr, v, "write to an unknown register");
}

static bool is_debug_page(uint64_t addr)
{
	return addr >= 0x3000 && addr < 0x4000;
}

uint64_t sinan_emu_mmio_read(struct sinan_emu *emu, uint64_t addr, unsigned int size)
{
	uint64_t val = 0;
	unsigned int shift;

	pthread_mutex_lock(&emu->lock);
	if (addr >= SINAN_DOORBELL_BASE &&
	    addr < SINAN_DOORBELL_BASE + (uint64_t)emu->cfg.num_queues * SINAN_DOORBELL_STRIDE) {
		unsigned int q = (addr - SINAN_DOORBELL_BASE) / SINAN_DOORBELL_STRIDE;
		unsigned int r = (addr - SINAN_DOORBELL_BASE) % SINAN_DOORBELL_STRIDE;

		if (size == 4 || (size == 8 && r == SINAN_DB_DONE_SEQ))
			val = emu_doorbell_read(emu, q, r);
		else
			prog_error(emu, SINAN_PROG_ERR_ACCESS_SIZE, addr, 0, "doorbell read of a bad width");
		if (size == 4 && r == SINAN_DB_DONE_SEQ + 4)
			val = emu_doorbell_read(emu, q, SINAN_DB_DONE_SEQ) >> 32;
	} else if (addr >= SINAN_QREG_BASE &&
		   addr < SINAN_QREG_BASE + (uint64_t)emu->cfg.num_queues * SINAN_QREG_STRIDE) {
		unsigned int q = (addr - SINAN_QREG_BASE) / SINAN_QREG_STRIDE;
		unsigned int r = (addr - SINAN_QREG_BASE) % SINAN_QREG_STRIDE;

		val = emu_queue_reg_read(emu, q, r, size);
	} else if (is_debug_page(addr) && !emu->cfg.debug_regs) {
		emu_trace(emu, SINAN_TRACE_UB_ACCESS, addr, size, 0);
	} else {
		uint64_t reg = global_decode(emu, addr, size, &shift, 0, false);

		if (reg != UINT64_MAX) {
			val = global_read_locked(emu, reg);
			if (val == UINT64_MAX && !(reg == SINAN_REG_IRQ_STATUS || reg == SINAN_REG_IRQ_MASK ||
						   reg == SINAN_REG_TIMESTAMP)) {
				emu_trace(emu, SINAN_TRACE_UB_ACCESS, addr, size, 0);
				val = 0;
			} else {
				val >>= shift;
				if (size == 4)
					val &= 0xffffffffu;
			}
		}
	}
	emu_trace(emu, SINAN_TRACE_MMIO_READ, addr, val, size);
	pthread_mutex_unlock(&emu->lock);
	return val;
}

void sinan_emu_mmio_write(struct sinan_emu *emu, uint64_t addr, uint64_t val, unsigned int size)
{
	unsigned int shift;

	pthread_mutex_lock(&emu->lock);
	emu_trace(emu, SINAN_TRACE_MMIO_WRITE, addr, val, size);
	if (addr >= SINAN_DOORBELL_BASE &&
	    addr < SINAN_DOORBELL_BASE + (uint64_t)emu->cfg.num_queues * SINAN_DOORBELL_STRIDE) {
		unsigned int q = (addr - SINAN_DOORBELL_BASE) / SINAN_DOORBELL_STRIDE;
		unsigned int r = (addr - SINAN_DOORBELL_BASE) % SINAN_DOORBELL_STRIDE;

		if (size != 4)
			prog_error(emu, SINAN_PROG_ERR_ACCESS_SIZE, addr, val, "doorbell write of a bad width");
		else if (r != SINAN_DB_TAIL)
			prog_error(emu, SINAN_PROG_ERR_READ_ONLY, addr, val, "doorbell page: read-only register");
		else
			emu_doorbell_write(emu, q, r, val);
	} else if (addr >= SINAN_QREG_BASE &&
		   addr < SINAN_QREG_BASE + (uint64_t)emu->cfg.num_queues * SINAN_QREG_STRIDE) {
		unsigned int q = (addr - SINAN_QREG_BASE) / SINAN_QREG_STRIDE;
		unsigned int r = (addr - SINAN_QREG_BASE) % SINAN_QREG_STRIDE;

		emu_queue_reg_write(emu, q, r, val, size);
	} else if (is_debug_page(addr) && !emu->cfg.debug_regs) {
		emu_trace(emu, SINAN_TRACE_UB_ACCESS, addr, size, val);
	} else {
		uint64_t reg = global_decode(emu, addr, size, &shift, val, true);

		if (reg != UINT64_MAX) {
			if (size == 4 && is_reg64(reg)) {
				/* Merge a 32-bit half into the 64-bit register. */
				uint64_t old = global_read_locked(emu, reg);
				uint64_t mask = 0xffffffffULL << shift;

				if (reg == SINAN_REG_IRQ_STATUS)
					old = 0;	/* W1C: untouched half clears nothing */
				val = (old & ~mask) | ((val << shift) & mask);
			}
			global_write_locked(emu, reg, val, addr);
		}
	}
	pthread_mutex_unlock(&emu->lock);
}

/* ---- reset -------------------------------------------------------------------- */

static void pending_drop_locked(struct sinan_emu *emu)
{
	while (emu->pending) {
		struct emu_pending *p = emu->pending;

		emu->pending = p->next;
		free(p);
	}
}

static void device_reset_locked(struct sinan_emu *emu)
{
	emu_trace(emu, SINAN_TRACE_RESET, 0, 0, 0);
	emu_queues_stop_all_locked(emu, SINAN_ERR_ABORTED, false);
	pending_drop_locked(emu);
	for (unsigned int i = 0; i < emu->cfg.num_queues; i++) {
		struct emu_queue *q = &emu->queues[i];

		q->ring_base = q->cq_base = 0;
		q->ring_size = q->cq_size = 0;
		q->asid = q->config = q->watchdog_kc = 0;
		q->status = SINAN_QS_DISABLED;
		q->error = q->err_pkt = q->fault_info = 0;
		q->fault_addr = 0;
		q->head = q->tail = q->cq_wptr = q->cq_written = 0;
		q->done_seq = q->cur_seq = 0;
		q->busy_cycles = q->jobs = 0;
		/* modeled time restarts with the device clock (ts_base_ns below) */
		q->t_cycles = q->job_start = q->job_busy = 0;
		q->enabled = q->hung = false;
		__atomic_store_n(&q->stop_req, false, __ATOMIC_RELAXED);
		__atomic_store_n(&q->inject, SINAN_INJECT_NONE, __ATOMIC_RELAXED);
		q->ib.active = false;
		q->epoch++;
	}
	emu->status = 0;
	emu->global_cause = 0;
	emu->irq_status = 0;
	emu->irq_mask = 0;
	emu->scratch = 0;
	emu->prog_error = 0;
	emu->ecc_addr = 0;
	emu->ctx_table = 0;
	emu->mmu_ctrl = 0;
	atomic_fetch_add(&emu->tlb_gen, 1);
	emu->ts_base_ns = emu->ops->now_ns(emu->opaque);
	pthread_mutex_lock(&emu->signal_lock);
	emu->last_signal_cycles = 0;	/* modeled time restarts */
	pthread_mutex_unlock(&emu->signal_lock);
	emu_fw_reset_locked(emu);
	intx_update_locked(emu);
}

void sinan_emu_reset(struct sinan_emu *emu)
{
	pthread_mutex_lock(&emu->lock);
	device_reset_locked(emu);
	pthread_mutex_unlock(&emu->lock);
}

/* ---- fault injection ------------------------------------------------------------ */

int sinan_emu_inject_locked(struct sinan_emu *emu, unsigned int kind, unsigned int queue)
{
	if (kind == SINAN_INJECT_NONE || kind > SINAN_INJECT_MMU_FAULT)
		return -1;
	if (kind != SINAN_INJECT_FW_CRASH && queue >= emu->cfg.num_queues)
		return -1;
	emu->inject_count++;
	emu->stats.injected++;
	emu_trace(emu, SINAN_TRACE_INJECT, kind, queue, 0);
	switch (kind) {
	case SINAN_INJECT_FW_CRASH:
		emu_fw_crash_locked(emu);
		break;
	case SINAN_INJECT_HANG:
		emu->queues[queue].hung = true;
		break;
	default:
		__atomic_store_n(&emu->queues[queue].inject, kind, __ATOMIC_RELAXED);
		break;
	}
	return 0;
}

int sinan_emu_inject(struct sinan_emu *emu, unsigned int kind, unsigned int queue)
{
	int ret;

	pthread_mutex_lock(&emu->lock);
	ret = sinan_emu_inject_locked(emu, kind, queue);
	pthread_mutex_unlock(&emu->lock);
	return ret;
}

int sinan_emu_inject_str(struct sinan_emu *emu, const char *spec)
{
	static const struct { const char *name; unsigned int kind; } kinds[] = {
		{ "hang", SINAN_INJECT_HANG }, { "dma", SINAN_INJECT_DMA_ERROR },
		{ "ecc", SINAN_INJECT_ECC }, { "fw-crash", SINAN_INJECT_FW_CRASH },
		{ "illegal", SINAN_INJECT_ILLEGAL_INSTR }, { "mmu", SINAN_INJECT_MMU_FAULT },
	};
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long queue = 0;

	if (colon) {
		char *end;

		errno = 0;
		queue = strtoul(colon + 1, &end, 0);
		if (errno || *end || end == colon + 1 || queue >= SINAN_MAX_QUEUES)
			return -1;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].name) == len && !strncmp(spec, kinds[i].name, len))
			return sinan_emu_inject(emu, kinds[i].kind, (unsigned int)queue);
	return -1;
}

/* ---- lifetime -------------------------------------------------------------------- */

struct sinan_emu *sinan_emu_create(const struct sinan_emu_config *cfg,
				   const struct sinan_emu_host_ops *ops, void *opaque)
{
	struct sinan_emu *emu;

	if (sinan_emu_config_check(cfg))
		return NULL;
	emu = calloc(1, sizeof(*emu));
	if (!emu)
		return NULL;
	emu->cfg = *cfg;
	emu->ops = ops;
	emu->opaque = opaque;
	emu->devmem_size = cfg->devmem_size;
	emu->armed_ns = UINT64_MAX;
	/* Lazily backed: an idle device costs no host RAM. */
	emu->devmem = mmap(NULL, emu->devmem_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (emu->devmem == MAP_FAILED)
		goto err_free;
	pthread_mutex_init(&emu->lock, NULL);
	pthread_mutex_init(&emu->signal_lock, NULL);
	pthread_cond_init(&emu->idle_cond, NULL);
	if (emu_queues_init(emu))
		goto err_unmap;
	if (emu_corepool_init(emu))
		goto err_queues;
	sinan_emu_reset(emu);
	return emu;

err_queues:
	emu_queues_fini(emu);
err_unmap:
	pthread_mutex_destroy(&emu->signal_lock);
	pthread_cond_destroy(&emu->idle_cond);
	pthread_mutex_destroy(&emu->lock);
	munmap(emu->devmem, emu->devmem_size);
err_free:
	free(emu);
	return NULL;
}

void sinan_emu_destroy(struct sinan_emu *emu)
{
	if (!emu)
		return;
	pthread_mutex_lock(&emu->lock);
	emu_queues_stop_all_locked(emu, SINAN_ERR_ABORTED, false);
	pending_drop_locked(emu);
	pthread_mutex_unlock(&emu->lock);
	emu_corepool_fini(emu);
	emu_queues_fini(emu);
	pthread_cond_destroy(&emu->idle_cond);
	pthread_mutex_destroy(&emu->signal_lock);
	pthread_mutex_destroy(&emu->lock);
	munmap(emu->devmem, emu->devmem_size);
	free(emu);
}

void *sinan_emu_devmem(struct sinan_emu *emu)
{
	return emu->devmem;
}

uint64_t sinan_emu_devmem_size(struct sinan_emu *emu)
{
	return emu->devmem_size;
}

void sinan_emu_get_stats(struct sinan_emu *emu, struct sinan_emu_stats *st)
{
	pthread_mutex_lock(&emu->lock);
	*st = emu->stats;
	pthread_mutex_unlock(&emu->lock);
}

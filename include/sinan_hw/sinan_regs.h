/* SPDX-License-Identifier: MIT */
/*
 * Sinan NPU register map.
 *
 * This header mirrors docs/hw-spec.md ("Register map") and is shared verbatim
 * by kernel/, emu/, firmware-stubs/ and lib/. Change the two together.
 *
 * Conventions: all registers are little-endian. 32-bit registers take 4-byte
 * accesses only; 64-bit registers take one 8-byte access or two 4-byte
 * accesses (low half at the register's offset, high half at +4). Any other
 * access size is ignored on write and reads as 0 (and is logged as a guest
 * error by the device model).
 */
#ifndef SINAN_HW_REGS_H
#define SINAN_HW_REGS_H

#include <linux/types.h>

#define SINAN_BIT(n)		(1ULL << (n))
#define SINAN_GENMASK(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))

/* Field helpers: REG_FLD naming, e.g. SINAN_FLD_GET(SINAN_Q_CONFIG, ENGINE, v). */
#define SINAN_FLD_MASK(reg, fld)	(reg##_##fld##_MASK)
#define SINAN_FLD_SHIFT(reg, fld)	(__builtin_ctzll(reg##_##fld##_MASK))
#define SINAN_FLD_GET(reg, fld, v)	\
	(((__u64)(v) & reg##_##fld##_MASK) >> __builtin_ctzll(reg##_##fld##_MASK))
#define SINAN_FLD_PREP(reg, fld, x)	\
	(((__u64)(x) << __builtin_ctzll(reg##_##fld##_MASK)) & reg##_##fld##_MASK)

/* ---- PCI identity ------------------------------------------------------- */
#define SINAN_PCI_VENDOR_ID		0x1234	/* QEMU's test vendor */
#define SINAN_PCI_DEVICE_ID		0x51a0
#define SINAN_PCI_SUBSYS_VENDOR_ID	0x1234
#define SINAN_PCI_SUBSYS_ID		0x0001
#define SINAN_PCI_REVISION		0x01
#define SINAN_PCI_CLASS			0x1200	/* processing accelerator */

#define SINAN_BAR_REGS			0	/* 64-bit MMIO, registers */
#define SINAN_BAR_MSIX			2	/* 32-bit MMIO, MSI-X table + PBA */
#define SINAN_BAR_DEVMEM		4	/* 64-bit prefetchable, device memory */
#define SINAN_BAR_REGS_SIZE		0x80000	/* 512 KiB */

/* ---- limits ---------------------------------------------------------------- */
#define SINAN_MAX_QUEUES		64
#define SINAN_MAX_CORES			64
#define SINAN_MAX_ASIDS			256
#define SINAN_MSIX_VEC_GLOBAL		0	/* errors, firmware, mailbox */
#define SINAN_MSIX_VEC_QUEUE(q)		(1 + (q)) /* queue q's completions */
#define SINAN_DOORBELL_STRIDE		0x1000	/* one doorbell per 4 KiB page */

/* ---- global identification and capabilities (read-only) ------------------- */
#define SINAN_REG_ID			0x0000	/* SINAN_ID_MAGIC */
#define SINAN_ID_MAGIC			0x534e5055	/* "SNPU" */
#define SINAN_REG_HW_VERSION		0x0004	/* major[31:16] minor[15:0] */
#define SINAN_HW_VERSION_MAJOR		1
#define SINAN_HW_VERSION_MINOR		0
#define SINAN_REG_NUM_CORES		0x0008
#define SINAN_REG_NUM_QUEUES		0x000c
#define SINAN_REG_CLOCK_MHZ		0x0010
#define SINAN_REG_ISA_VERSION		0x0014	/* major[31:16] minor[15:0] */
#define SINAN_REG_CAPS			0x0018	/* SINAN_CAP_* */
#define SINAN_REG_NUM_ASIDS		0x001c
#define SINAN_REG_DEVMEM_SIZE		0x0020	/* 64-bit, bytes */
#define SINAN_REG_L1_SIZE		0x0028	/* bytes, per core */
#define SINAN_REG_L0A_SIZE		0x002c
#define SINAN_REG_L0B_SIZE		0x0030
#define SINAN_REG_L0C_SIZE		0x0034
#define SINAN_REG_UB_SIZE		0x0038
#define SINAN_REG_CUBE_SHAPE		0x003c	/* m[7:0] n[15:8] k[23:16] fp16 MACs */
#define SINAN_REG_VEC_BYTES		0x0040	/* vector unit bytes per cycle */
#define SINAN_REG_DEVMEM_BW		0x0044	/* device-memory bandwidth, MB/s */
#define SINAN_REG_HOSTLINK_BW		0x0048	/* host link bandwidth per direction, MB/s */
#define SINAN_REG_VA_BITS		0x004c	/* device virtual address width */
#define SINAN_REG_NUM_MSIX		0x0050	/* MSI-X vectors implemented */

#define SINAN_CAP_FP16			SINAN_BIT(0)
#define SINAN_CAP_BF16			SINAN_BIT(1)
#define SINAN_CAP_INT8			SINAN_BIT(2)
#define SINAN_CAP_FP32_CUBE		SINAN_BIT(3)
#define SINAN_CAP_DEBUG_REGS		SINAN_BIT(4)	/* fault-injection page present */
#define SINAN_CAP_ECC			SINAN_BIT(5)

/* Version registers: major[31:16] minor[15:0] (FW_VERSION: see below). */
#define SINAN_REG_HW_VERSION_MAJOR_MASK		0xffff0000ULL
#define SINAN_REG_HW_VERSION_MINOR_MASK		0x0000ffffULL
#define SINAN_REG_ISA_VERSION_MAJOR_MASK	0xffff0000ULL
#define SINAN_REG_ISA_VERSION_MINOR_MASK	0x0000ffffULL

#define SINAN_REG_CUBE_SHAPE_M_MASK	0x000000ffULL
#define SINAN_REG_CUBE_SHAPE_N_MASK	0x0000ff00ULL
#define SINAN_REG_CUBE_SHAPE_K_MASK	0x00ff0000ULL

/* ---- global control and status -------------------------------------------- */
#define SINAN_REG_CTRL			0x0100	/* W: SINAN_CTRL_* (self-clearing) */
#define SINAN_CTRL_RESET		SINAN_BIT(0)	/* full device reset */
#define SINAN_REG_STATUS		0x0104	/* RO: SINAN_STATUS_* */
#define SINAN_STATUS_FW_READY		SINAN_BIT(0)
#define SINAN_STATUS_HALTED		SINAN_BIT(1)	/* fatal error, needs reset */
#define SINAN_REG_GLOBAL_CAUSE		0x0108	/* W1C: SINAN_CAUSE_* */
#define SINAN_CAUSE_FW_READY		SINAN_BIT(0)
#define SINAN_CAUSE_FW_ERROR		SINAN_BIT(1)	/* boot failed */
#define SINAN_CAUSE_FW_CRASH		SINAN_BIT(2)
#define SINAN_CAUSE_MBOX		SINAN_BIT(3)	/* mailbox response ready */
#define SINAN_CAUSE_ECC			SINAN_BIT(4)	/* uncorrectable ECC error */
#define SINAN_CAUSE_QUEUE_ERROR		SINAN_BIT(5)	/* some queue stopped on error */
#define SINAN_CAUSE_PROG_ERROR		SINAN_BIT(6)	/* bad register programming */
#define SINAN_REG_ECC_ADDR		0x0110	/* 64-bit RO: device PA of last ECC error */
#define SINAN_REG_IRQ_STATUS		0x0118	/* 64-bit W1C: bit 0 global, bit 1+q queue q */
#define SINAN_REG_IRQ_MASK		0x0120	/* 64-bit RW: 1 = masked */
#define SINAN_REG_TIMESTAMP		0x0128	/* 64-bit RO: modeled cycles since reset */
#define SINAN_REG_SCRATCH		0x0130	/* RW, no effect */
#define SINAN_REG_PROG_ERROR		0x0134	/* RO: last SINAN_PROG_ERR_* (cleared by reset) */

#define SINAN_IRQ_GLOBAL		SINAN_BIT(0)
#define SINAN_IRQ_QUEUE(q)		SINAN_BIT(1 + (q))

/* Bad register programming (SINAN_REG_PROG_ERROR). */
#define SINAN_PROG_ERR_NONE		0
#define SINAN_PROG_ERR_ACCESS_SIZE	1	/* access of the wrong width */
#define SINAN_PROG_ERR_BAD_OFFSET	2	/* no register there */
#define SINAN_PROG_ERR_READ_ONLY	3	/* write to a read-only register */
#define SINAN_PROG_ERR_BAD_VALUE	4	/* value out of range, ignored */
#define SINAN_PROG_ERR_NOT_READY	5	/* queue enabled before firmware booted */
#define SINAN_PROG_ERR_QUEUE_BUSY	6	/* queue reconfigured while enabled */

/* ---- device MMU -------------------------------------------------------------- */
#define SINAN_REG_MMU_CTX_TABLE		0x1000	/* 64-bit: device PA of the context table */
#define SINAN_REG_MMU_CTRL		0x1008	/* RW: SINAN_MMU_CTRL_* */
#define SINAN_MMU_CTRL_ENABLE		SINAN_BIT(0)
#define SINAN_REG_MMU_INV		0x100c	/* W: SINAN_MMU_INV_* */
#define SINAN_MMU_INV_ASID_MASK		0x0000ffffULL
#define SINAN_MMU_INV_ALL		SINAN_BIT(31)
#define SINAN_REG_MMU_INV_STATUS	0x1010	/* RO: bit 0 busy; invalidation done when 0 */
#define SINAN_REG_MMU_INV_COUNT		0x1014	/* RO: invalidations performed */

/* ---- firmware boot, mailbox, heartbeat ---------------------------------------- */
#define SINAN_REG_FW_BOOT_ADDR		0x2000	/* 64-bit: device PA of the boot header */
#define SINAN_REG_FW_BOOT		0x2008	/* W: SINAN_FW_BOOT_GO starts the boot */
#define SINAN_FW_BOOT_GO		0x1
#define SINAN_REG_FW_STATUS		0x200c	/* RO: SINAN_FW_STATUS_* */
#define SINAN_FW_STATUS_OFF		0
#define SINAN_FW_STATUS_BOOTING		1
#define SINAN_FW_STATUS_READY		2
#define SINAN_FW_STATUS_ERROR		3	/* boot failed, SINAN_REG_FW_ERROR says why */
#define SINAN_FW_STATUS_CRASHED		4
#define SINAN_REG_FW_ERROR		0x2010	/* RO: SINAN_FW_ERR_* */
#define SINAN_FW_ERR_NONE		0
#define SINAN_FW_ERR_BAD_ADDR		1	/* header outside device memory / misaligned */
#define SINAN_FW_ERR_BAD_MAGIC		2
#define SINAN_FW_ERR_BAD_VERSION	3	/* firmware-interface major not supported */
#define SINAN_FW_ERR_BAD_SIZE		4
#define SINAN_FW_ERR_BAD_CRC		5
#define SINAN_REG_FW_VERSION		0x2014	/* RO: major[31:16] minor[15:8] patch[7:0] */
#define SINAN_REG_FW_API_VERSION	0x2018	/* RO: firmware interface major[31:16] minor[15:0] */
#define SINAN_REG_FW_FEATURES		0x201c	/* RO: SINAN_FW_FEAT_* (sinan_fw_if.h) */
#define SINAN_REG_FW_HEARTBEAT		0x2020	/* RO: +1 per modeled millisecond while alive */
#define SINAN_REG_FW_LOG_ADDR		0x2028	/* 64-bit RO: device PA of the log ring */
#define SINAN_REG_FW_LOG_SIZE		0x2030	/* RO: bytes */
#define SINAN_REG_FW_LOG_WPTR		0x2034	/* RO: bytes written (free-running) */
#define SINAN_REG_MBOX_CMD		0x2040	/* W: SINAN_MBOX_CMD_* starts a command */
#define SINAN_REG_MBOX_ARG(i)		(0x2044 + 4 * (i))	/* RW, i < 4 */
#define SINAN_REG_MBOX_STATUS		0x2054	/* RO: SINAN_MBOX_ST_* */
#define SINAN_REG_MBOX_RESP(i)		(0x2058 + 4 * (i))	/* RO, i < 4 */

#define SINAN_REG_FW_VERSION_MAJOR_MASK		0xffff0000ULL
#define SINAN_REG_FW_VERSION_MINOR_MASK		0x0000ff00ULL
#define SINAN_REG_FW_VERSION_PATCH_MASK		0x000000ffULL
#define SINAN_REG_FW_API_VERSION_MAJOR_MASK	0xffff0000ULL
#define SINAN_REG_FW_API_VERSION_MINOR_MASK	0x0000ffffULL

#define SINAN_MBOX_CMD_PING		1	/* resp0 = arg0 + 1 */
#define SINAN_MBOX_CMD_GET_INFO		2	/* resp0..3 = fw version, api, features, boot count */
#define SINAN_MBOX_CMD_SET_HB_PERIOD	3	/* arg0 = heartbeat period in microseconds */

#define SINAN_MBOX_ST_IDLE		0
#define SINAN_MBOX_ST_BUSY		1
#define SINAN_MBOX_ST_DONE		2
#define SINAN_MBOX_ST_ERROR		3	/* unknown command or firmware not ready */

/* ---- debug page: fault injection (present only with SINAN_CAP_DEBUG_REGS) ------- */
#define SINAN_REG_DBG_INJECT		0x3000	/* W: kind[7:0] queue[15:8] */
#define SINAN_REG_DBG_INJECT_KIND_MASK	0x000000ffULL
#define SINAN_REG_DBG_INJECT_QUEUE_MASK	0x0000ff00ULL
#define SINAN_REG_DBG_INJECT_COUNT	0x3004	/* RO: faults injected so far */

#define SINAN_INJECT_NONE		0
#define SINAN_INJECT_HANG		1	/* queue stops making progress, silently */
#define SINAN_INJECT_DMA_ERROR		2	/* next host-memory access of the queue fails */
#define SINAN_INJECT_ECC		3	/* next device-memory read of the queue: uncorrectable */
#define SINAN_INJECT_FW_CRASH		4	/* firmware dies: heartbeat stops, queues halt */
#define SINAN_INJECT_ILLEGAL_INSTR	5	/* next LAUNCH of the queue traps */
#define SINAN_INJECT_MMU_FAULT		6	/* next translation of the queue faults */

/* ---- per-queue configuration (privileged page) ------------------------------- */
#define SINAN_QREG_BASE			0x4000
#define SINAN_QREG_STRIDE		0x100
#define SINAN_QREG(q, r)		(SINAN_QREG_BASE + (q) * SINAN_QREG_STRIDE + (r))

#define SINAN_Q_RING_BASE		0x00	/* 64-bit: device VA, 64-byte aligned */
#define SINAN_Q_RING_SIZE		0x08	/* bytes: power of two, 256..16 MiB */
#define SINAN_Q_ASID			0x0c	/* address space of everything the queue does */
#define SINAN_Q_CQ_BASE			0x10	/* 64-bit: device VA of the completion ring */
#define SINAN_Q_CQ_SIZE			0x18	/* bytes: power of two, 64..16 MiB */
#define SINAN_Q_CONFIG			0x1c	/* RW: SINAN_Q_CONFIG_* */
#define SINAN_Q_CONFIG_ENGINE_MASK	0x00000003ULL
#define SINAN_Q_CONFIG_PRIORITY_MASK	0x00000030ULL
#define SINAN_Q_CONFIG_IRQ_MASK		0x00000100ULL	/* raise IRQ on FENCE with IRQ flag and on error */
#define SINAN_Q_CTRL			0x20	/* W: SINAN_Q_CTRL_* */
#define SINAN_Q_CTRL_ENABLE		SINAN_BIT(0)	/* start fetching */
#define SINAN_Q_CTRL_DISABLE		SINAN_BIT(1)	/* stop after the current packet */
#define SINAN_Q_CTRL_RESET		SINAN_BIT(2)	/* stop, clear error and pointers */
#define SINAN_Q_STATUS			0x24	/* RO: SINAN_QS_* */
#define SINAN_Q_ERROR			0x28	/* RO: SINAN_ERR_* of the stopping error */
#define SINAN_Q_ERR_PKT			0x2c	/* RO: index of the failing packet in its buffer */
#define SINAN_Q_FAULT_ADDR		0x30	/* 64-bit RO: faulting VA */
#define SINAN_Q_FAULT_INFO		0x38	/* RO: SINAN_FAULT_* access[3:0] unit[15:8] detail[31:16] */
#define SINAN_Q_WATCHDOG		0x3c	/* RW: max modeled kilocycles per packet, 0 = off */
#define SINAN_Q_HEAD			0x40	/* RO: ring bytes consumed (free-running) */
#define SINAN_Q_TAIL			0x44	/* RO: last doorbell value */
#define SINAN_Q_DONE_SEQ		0x48	/* 64-bit RO: seq of the last FENCE executed */
#define SINAN_Q_CUR_SEQ			0x50	/* 64-bit RO: seq of the running INDIRECT */
#define SINAN_Q_CQ_WPTR			0x58	/* RO: completion bytes written (free-running) */
#define SINAN_Q_BUSY_CYCLES		0x60	/* 64-bit RO: modeled cycles spent executing */
#define SINAN_Q_JOBS			0x68	/* 64-bit RO: FENCEs executed */

#define SINAN_Q_CONFIG_ENGINE_COMPUTE	0	/* every packet */
#define SINAN_Q_CONFIG_ENGINE_COPY	1	/* no LAUNCH */

#define SINAN_QS_DISABLED		0
#define SINAN_QS_IDLE			1	/* enabled, ring empty */
#define SINAN_QS_RUNNING		2
#define SINAN_QS_WAITING		3	/* blocked on a WAIT packet */
#define SINAN_QS_ERROR			4	/* stopped on an error; reset to restart */

#define SINAN_FAULT_ACCESS_MASK		0x0000000fULL
#define SINAN_FAULT_UNIT_MASK		0x0000ff00ULL
#define SINAN_FAULT_DETAIL_MASK		0xffff0000ULL	/* AI cores: SINAN_CORE_DETAIL() (sinan_isa.h) */
#define SINAN_FAULT_READ		0
#define SINAN_FAULT_WRITE		1
#define SINAN_FAULT_FETCH		2	/* packet or program fetch */
#define SINAN_FAULT_UNIT_QUEUE		0	/* packet processor */
#define SINAN_FAULT_UNIT_COPY		1	/* copy engine */
#define SINAN_FAULT_UNIT_CORE(c)	(0x10 + (c))	/* AI core c */

/* ---- doorbells (one 4 KiB page per queue, mappable to user space) ---------------- */
#define SINAN_DOORBELL_BASE		0x10000
#define SINAN_DOORBELL(q)		(SINAN_DOORBELL_BASE + (q) * SINAN_DOORBELL_STRIDE)
#define SINAN_DB_TAIL			0x00	/* W: new ring tail (bytes, free-running) */
#define SINAN_DB_HEAD			0x08	/* RO: mirror of SINAN_Q_HEAD */
#define SINAN_DB_DONE_SEQ		0x10	/* 64-bit RO: mirror of SINAN_Q_DONE_SEQ */

#endif /* SINAN_HW_REGS_H */

/* SPDX-License-Identifier: MIT */
/*
 * Sinan NPU queue packets, completion records and error codes.
 * Mirrors docs/hw-spec.md ("Queues", "Packets", "Errors").
 *
 * Every packet is 64 bytes, little-endian, 64-byte aligned. The first
 * 32-bit word is the header: opcode[7:0], flags[15:8], bits [31:16] must be
 * zero. A packet whose reserved fields are not zero, or whose opcode is
 * unknown, stops the queue with SINAN_ERR_BAD_PACKET.
 */
#ifndef SINAN_HW_PKT_H
#define SINAN_HW_PKT_H

#include <linux/types.h>

#define SINAN_PKT_SIZE		64
#define SINAN_CQE_SIZE		64

#define SINAN_PKT_HDR(op, flags)	((__u32)(op) | ((__u32)(flags) << 8))
#define SINAN_PKT_OPCODE(hdr)		((hdr) & 0xff)
#define SINAN_PKT_FLAGS(hdr)		(((hdr) >> 8) & 0xff)
#define SINAN_PKT_HDR_RSVD_MASK		0xffff0000u

enum sinan_opcode {
	SINAN_OP_NOP		= 0x00,
	SINAN_OP_COPY		= 0x01,
	SINAN_OP_FILL		= 0x02,
	SINAN_OP_LAUNCH		= 0x03,
	SINAN_OP_SIGNAL		= 0x04,
	SINAN_OP_WAIT		= 0x05,
	SINAN_OP_BARRIER	= 0x06,
	SINAN_OP_TIMESTAMP	= 0x07,
	SINAN_OP_INDIRECT	= 0x08,	/* ring only: run a command buffer */
	SINAN_OP_FENCE		= 0x09,	/* ring only: write a completion record */
	SINAN_OP_COUNT,
};

/* COPY flags */
#define SINAN_COPY_F_SG		0x01	/* src = descriptor table VA, size = descriptor count */
/* SIGNAL flags */
#define SINAN_SIGNAL_F_IRQ	0x01	/* raise the queue's interrupt after the write */
#define SINAN_SIGNAL_F_ADD	0x02	/* atomically add value instead of storing it */
/* WAIT flags: condition */
#define SINAN_WAIT_F_GE		0x00	/* *addr >= value (unsigned) */
#define SINAN_WAIT_F_EQ		0x01	/* *addr == value */
#define SINAN_WAIT_F_NE		0x02
#define SINAN_WAIT_F_COND_MASK	0x03
/* FENCE flags */
#define SINAN_FENCE_F_IRQ	0x01

/* Common view: header plus opcode-specific words. */
struct sinan_pkt {
	__u32 header;
	__u32 dw1;
	__u64 q[7];
};

/* NOP: header only; dw1 and q[] must be zero. */

/**
 * struct sinan_pkt_copy - copy @size bytes from @src to @dst (device VAs).
 * With SINAN_COPY_F_SG, @src is the VA of @size struct sinan_sg_desc.
 * Ranges may be device or system memory; overlapping ranges are undefined.
 */
struct sinan_pkt_copy {
	__u32 header;
	__u32 rsvd0;
	__u64 dst;
	__u64 src;
	__u64 size;
	__u64 rsvd[4];
};

struct sinan_sg_desc {
	__u64 dst;
	__u64 src;
	__u64 size;
	__u64 rsvd;	/* must be 0 */
};
#define SINAN_SG_MAX		4096

/** struct sinan_pkt_fill - fill @size bytes at @dst with the 32-bit @pattern (size % 4 == 0). */
struct sinan_pkt_fill {
	__u32 header;
	__u32 pattern;
	__u64 dst;
	__u64 size;
	__u64 rsvd[5];
};

/**
 * struct sinan_pkt_launch - run an AI-core program.
 * @prog: VA of the first instruction (device memory, 8-byte aligned).
 * @prog_size: bytes of code (at most SINAN_LAUNCH_MAX_PROG_SIZE); the program
 *   counter must stay inside.
 * @args: VA of the argument block, passed to every block in x1.
 * @args_size: bytes of the argument block (for bounds, may be 0).
 * @blocks: number of blocks; block b runs on core (b % cores), x2 = b, x3 = @blocks.
 */
struct sinan_pkt_launch {
	__u32 header;
	__u32 blocks;
	__u64 prog;
	__u64 prog_size;
	__u64 args;
	__u64 args_size;
	__u64 rsvd[3];
};
#define SINAN_LAUNCH_MAX_BLOCKS	65536
#define SINAN_LAUNCH_MAX_PROG_SIZE	(16u << 20)

/** struct sinan_pkt_signal - store (or add) the 64-bit @value at @addr (8-byte aligned). */
struct sinan_pkt_signal {
	__u32 header;
	__u32 rsvd0;
	__u64 addr;
	__u64 value;
	__u64 rsvd[5];
};

/** struct sinan_pkt_wait - block the queue until the 64-bit word at @addr meets the condition. */
struct sinan_pkt_wait {
	__u32 header;
	__u32 rsvd0;
	__u64 addr;
	__u64 value;
	__u64 rsvd[5];
};

/** struct sinan_pkt_timestamp - store the 64-bit device timestamp (modeled cycles) at @addr. */
struct sinan_pkt_timestamp {
	__u32 header;
	__u32 rsvd0;
	__u64 addr;
	__u64 rsvd[6];
};

/**
 * struct sinan_pkt_indirect - execute @size bytes of packets at @addr (ring only).
 * @seq: job sequence number, latched in SINAN_Q_CUR_SEQ and reported on error.
 */
struct sinan_pkt_indirect {
	__u32 header;
	__u32 rsvd0;
	__u64 addr;
	__u64 size;
	__u64 seq;
	__u64 rsvd[4];
};
#define SINAN_INDIRECT_MAX_SIZE	(16u << 20)

/** struct sinan_pkt_fence - complete job @seq: write a completion record, update DONE_SEQ. */
struct sinan_pkt_fence {
	__u32 header;
	__u32 rsvd0;
	__u64 seq;
	__u64 rsvd[6];
};

/**
 * struct sinan_cqe - completion record written to the queue's completion ring.
 * @seq: job sequence (FENCE seq, or CUR_SEQ for an error record).
 * @status: SINAN_ERR_* (0 on success).
 * @err_pkt: index of the failing packet in its buffer.
 * @start_ts/@end_ts: device timestamps (modeled cycles) of the job.
 * @fault_addr: faulting VA on SINAN_ERR_MMU_FAULT.
 * @busy_cycles: modeled cycles the job spent on the queue.
 */
struct sinan_cqe {
	__u64 seq;
	__u32 status;
	__u32 err_pkt;
	__u64 start_ts;
	__u64 end_ts;
	__u64 fault_addr;
	__u64 busy_cycles;
	__u32 fault_info;
	__u32 flags;
	__u64 rsvd;
};
#define SINAN_CQE_F_ERROR	0x1	/* record written by an error stop, not a FENCE */

/* Queue error codes (SINAN_Q_ERROR, sinan_cqe.status). Append only. */
enum sinan_err {
	SINAN_ERR_NONE		= 0,
	SINAN_ERR_BAD_PACKET	= 1,	/* unknown opcode, reserved bits set, bad field */
	SINAN_ERR_MMU_FAULT	= 2,	/* translation or permission fault */
	SINAN_ERR_DMA		= 3,	/* host memory access failed */
	SINAN_ERR_ILLEGAL_INSTR	= 4,	/* AI core trapped */
	SINAN_ERR_WATCHDOG	= 5,	/* packet exceeded SINAN_Q_WATCHDOG */
	SINAN_ERR_ECC		= 6,	/* uncorrectable device-memory error */
	SINAN_ERR_ABORTED	= 7,	/* firmware crash or reset aborted the queue */
	SINAN_ERR_BAD_RING	= 8,	/* ring/CQ configuration invalid at enable */
	SINAN_ERR_ALIGN		= 9,	/* misaligned address or size */
	SINAN_ERR_CORE_BOUNDS	= 10,	/* AI core access outside a local buffer */
	SINAN_ERR_SYNC_HAZARD	= 11,	/* pipes raced on a buffer without flags */
	SINAN_ERR_COUNT,
};

#endif /* SINAN_HW_PKT_H */

/* SPDX-License-Identifier: MIT */
/*
 * Sinan firmware interface: image format and boot protocol.
 * Mirrors docs/hw-spec.md ("Firmware"). Shared by kernel/, emu/,
 * firmware-stubs/ and lib/.
 *
 * Version rules: the interface has a major and a minor number. A change of
 * major breaks compatibility: the driver refuses firmware whose major differs
 * from its own, and the device refuses to boot it. A minor bump only adds
 * (new features bits, new mailbox commands, reserved space taken into use);
 * a driver works with any minor and enables what SINAN_REG_FW_FEATURES says.
 *
 * The image is an ELF64 little-endian ET_EXEC file, e_machine SINAN_ELF_MACHINE,
 * with one PT_NOTE segment holding a SINAN_NOTE_FW note and PT_LOAD segments
 * whose p_paddr is a device-memory address. The first PT_LOAD segment starts
 * with struct sinan_fw_boot_hdr; the driver copies every PT_LOAD segment to
 * device memory and writes the header's address to SINAN_REG_FW_BOOT_ADDR.
 */
#ifndef SINAN_HW_FW_IF_H
#define SINAN_HW_FW_IF_H

#include <linux/types.h>

#define SINAN_FWIF_MAJOR	1
#define SINAN_FWIF_MINOR	0

#define SINAN_ELF_MACHINE	0x5a4e	/* private e_machine for Sinan images */
#define SINAN_NOTE_NAME		"Sinan"	/* n_namesz = 6 including NUL */
#define SINAN_NOTE_FW		1	/* desc: struct sinan_fw_note */
#define SINAN_NOTE_KERNEL	2	/* desc: struct sinan_kernel_note (AI-core binaries) */
#define SINAN_NOTE_MODEL	3	/* desc: struct sinan_model_note (compiled models) */

#define SINAN_FW_MAGIC		0x57464e53	/* "SNFW" */
#define SINAN_FW_LOAD_ADDR	0x0		/* where the stock image links */
#define SINAN_FW_RESERVED	(2u << 20)	/* device memory kept by firmware */
#define SINAN_FW_MAX_SIZE	SINAN_FW_RESERVED

/* Feature bits (SINAN_REG_FW_FEATURES, note and header). */
#define SINAN_FW_FEAT_HEARTBEAT	(1u << 0)
#define SINAN_FW_FEAT_LOG	(1u << 1)
#define SINAN_FW_FEAT_MBOX	(1u << 2)

/** struct sinan_fw_note - descriptor of the SINAN_NOTE_FW note. */
struct sinan_fw_note {
	__u32 magic;		/* SINAN_FW_MAGIC */
	__u16 api_major;
	__u16 api_minor;
	__u32 fw_version;	/* major[31:16] minor[15:8] patch[7:0] */
	__u32 features;
	char version[32];	/* NUL-terminated human-readable version */
};

/**
 * struct sinan_fw_boot_hdr - at the start of the first loadable segment.
 * @image_size: bytes from the header's start covered by @crc32 (header
 *   included, with @crc32 taken as 0 while computing).
 * @log_offset/@log_size: firmware log ring, relative to the header.
 */
struct sinan_fw_boot_hdr {
	__u32 magic;
	__u16 api_major;
	__u16 api_minor;
	__u32 fw_version;
	__u32 features;
	__u32 hdr_size;		/* sizeof(struct sinan_fw_boot_hdr) */
	__u32 crc32;		/* IEEE 802.3 CRC-32 */
	__u64 image_size;
	__u64 log_offset;
	__u64 log_size;
	char version[32];
	__u64 rsvd[4];		/* must be 0 */
};

#endif /* SINAN_HW_FW_IF_H */

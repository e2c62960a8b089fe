/* SPDX-License-Identifier: MIT */
/*
 * Sinan kernel binaries: the ELF format of AI-core programs.
 * Shared by lib/ (runtime loader and writer, compiler, sinan-objdump) and any
 * tool that produces kernels. docs/runtime-api.md ("Kernel binaries") has the
 * prose version.
 *
 * A kernel binary is an ELF64 little-endian ET_DYN file with e_machine
 * SINAN_ELF_MACHINE (sinan_fw_if.h) and these sections:
 *
 *   .note.sinan     one note, name "Sinan", type SINAN_NOTE_KERNEL,
 *                   desc struct sinan_kernel_note: the ISA version the code
 *                   needs and the kernel ABI version (argument-block rules).
 *   .text           the code of every kernel, 64-bit instruction words;
 *                   each kernel starts 8-byte aligned.
 *   .rodata         optional read-only data, loaded with the code; a kernel
 *                   finds it through a SINAN_KBIN_ARG_DATA argument.
 *   .sinan.kernels  array of struct sinan_kbin_kernel.
 *   .sinan.args     array of struct sinan_kbin_arg, each kernel's arguments
 *                   in order (first_arg .. first_arg + num_args - 1).
 *   .symtab/.strtab one STT_FUNC symbol per kernel (st_value = offset in
 *                   .text, st_size = bytes), for generic ELF tools.
 *
 * Versions: a loader refuses a binary whose ISA major differs from the
 * device's, whose ISA minor is newer than the device's, or whose ABI
 * version differs from its own, before anything runs. The ABI version
 * changes when the argument-block convention does.
 *
 * Kernel ABI 1: at block start x1 holds the device VA of the argument block,
 * x2 the block index, x3 the block count, x4 the core id (sinan_isa.h). The
 * argument block is laid out by the .sinan.args records (offset, bytes);
 * buffers and data pointers are 8-byte device VAs, values little-endian.
 */
#ifndef SINAN_HW_KBIN_H
#define SINAN_HW_KBIN_H

#include <linux/types.h>

#include "sinan_fw_if.h"

#define SINAN_KBIN_ABI_VERSION		1
#define SINAN_KBIN_MAX_KERNELS		4096
#define SINAN_KBIN_MAX_ARGS		256	/* per kernel */
#define SINAN_KBIN_MAX_ARGS_BYTES	4096	/* argument block */
#define SINAN_KBIN_NAME_LEN		64

#define SINAN_KBIN_SEC_TEXT		".text"
#define SINAN_KBIN_SEC_RODATA		".rodata"
#define SINAN_KBIN_SEC_NOTE		".note.sinan"
#define SINAN_KBIN_SEC_KERNELS		".sinan.kernels"
#define SINAN_KBIN_SEC_ARGS		".sinan.args"

/** struct sinan_kernel_note - descriptor of the SINAN_NOTE_KERNEL note. */
struct sinan_kernel_note {
	__u32 isa_major;
	__u32 isa_minor;
	__u32 abi_version;	/* SINAN_KBIN_ABI_VERSION */
	__u32 flags;		/* must be 0 */
	char producer[32];	/* NUL-terminated name of the tool that wrote it */
};

/** struct sinan_kbin_kernel - one kernel (.sinan.kernels). */
struct sinan_kbin_kernel {
	char name[SINAN_KBIN_NAME_LEN];	/* NUL-terminated, unique in the binary */
	__u64 code_offset;		/* bytes into .text, multiple of 8 */
	__u64 code_bytes;		/* multiple of 8, not 0 */
	__u32 first_arg;		/* index into .sinan.args */
	__u32 num_args;
	__u32 args_bytes;		/* size of the argument block */
	__u32 flags;			/* must be 0 */
};

/* Argument kinds (struct sinan_kbin_arg.kind). Append only. */
#define SINAN_KBIN_ARG_BUFFER		0	/* 8-byte device VA */
#define SINAN_KBIN_ARG_VALUE		1	/* 1, 2, 4 or 8 bytes */
#define SINAN_KBIN_ARG_DATA		2	/* 8-byte VA of .rodata + value */
#define SINAN_KBIN_ARG_KINDS		3

#define SINAN_KBIN_ARG_F_READ		(1u << 0)
#define SINAN_KBIN_ARG_F_WRITE		(1u << 1)
#define SINAN_KBIN_ARG_FLAGS		(SINAN_KBIN_ARG_F_READ | SINAN_KBIN_ARG_F_WRITE)

/** struct sinan_kbin_arg - one argument (.sinan.args). */
struct sinan_kbin_arg {
	char name[32];		/* NUL-terminated */
	__u32 kind;		/* SINAN_KBIN_ARG_* */
	__u32 flags;		/* SINAN_KBIN_ARG_F_* */
	__u32 offset;		/* in the argument block, aligned to bytes */
	__u32 bytes;
	__u64 value;		/* SINAN_KBIN_ARG_DATA: offset into .rodata; else 0 */
};

#endif /* SINAN_HW_KBIN_H */

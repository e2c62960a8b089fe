/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the reliability programs (tests/reliability/): the
 * driver's leak counters (debugfs "counts"), the kernel-log check, guest
 * memory figures, a deterministic random generator and the small command
 * builders the kernel tests' helpers (tests/kernel/ktest.h) do not have.
 * Every program runs in the emulated machine as root and prints its figures
 * and a "SINAN-TEST: N passed, N failed" line for scripts/run-tests.sh.
 */
#ifndef SINAN_REL_COMMON_H
#define SINAN_REL_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "ktest.h"

/* The driver's debugfs "counts". */
struct rel_counts {
	long long contexts, queues, bos, devmem_used, hostmem_used, devmem_free, resets;
};
int rel_read_counts(struct rel_counts *c);
/*
 * Wait (at most @ms) until no context, queue or BO is left and device
 * memory is back to @base_free bytes free; print what is left; 0 if clean.
 */
int rel_counts_settle(long long base_free, int64_t ms, const char *who);

/* /proc/meminfo field in KiB (-1 if missing). */
long long rel_meminfo(const char *field);

/*
 * Kernel log since the last call (dmesg -c): count splats (BUG, WARNING,
 * oops, KFENCE/slub reports, list corruption, hung tasks, lockups, RCU
 * stalls) and print them. Returns the number found.
 */
int rel_dmesg_splats(const char *who);

/* xorshift64*: reproducible runs from a seed. */
static inline uint64_t rel_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t rel_range(uint64_t *s, uint64_t n)
{
	return n ? rel_rand(s) % n : 0;
}

/* A LAUNCH with an argument block. */
void rel_cmd_launch_args(struct kt_cmd *c, uint64_t prog, uint64_t prog_size, uint32_t blocks,
			 uint64_t args, uint64_t args_size);
/* A scatter-gather COPY of @n descriptors at @table. */
void rel_cmd_copy_sg(struct kt_cmd *c, uint64_t table, uint32_t n);

/*
 * AI-core program builders (8-byte instruction words) into @w; return the
 * number of words. Scalar registers x5.. are scratch (x1 = args, x2 = block).
 */
/* Every block b stores the 64-bit @value + b at @dst + 8 * b, then END. */
unsigned int rel_prog_store(uint64_t *w, uint64_t dst, uint64_t value);
/* Load the 64-bit word at @src and store it at @dst, then END. */
unsigned int rel_prog_load_store(uint64_t *w, uint64_t src, uint64_t dst);

/* Integer option from the command line ("--name N") or its default. */
long rel_opt(int argc, char **argv, const char *name, long def);

/* Print the score line and return the process status. */
int rel_finish(const char *what, int passed, int failed);

#endif /* SINAN_REL_COMMON_H */

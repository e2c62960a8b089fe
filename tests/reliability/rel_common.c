// SPDX-License-Identifier: MIT
/* Shared pieces of the reliability programs: see rel_common.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sinan_hw/sinan_isa.h>

#include "rel_common.h"

int rel_read_counts(struct rel_counts *c)
{
	char path[400], key[64];
	long long v;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->devmem_free = -1;
	if (!kt_debugfs_dir()[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/counts", kt_debugfs_dir());
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "contexts"))
			c->contexts = v;
		else if (!strcmp(key, "queues"))
			c->queues = v;
		else if (!strcmp(key, "bos"))
			c->bos = v;
		else if (!strcmp(key, "devmem_used"))
			c->devmem_used = v;
		else if (!strcmp(key, "hostmem_used"))
			c->hostmem_used = v;
		else if (!strcmp(key, "devmem_free"))
			c->devmem_free = v;
		else if (!strcmp(key, "resets"))
			c->resets = v;
	}
	fclose(f);
	return 0;
}

static int counts_clean(const struct rel_counts *c, long long base_free)
{
	return !c->contexts && !c->queues && !c->bos && !c->devmem_used && !c->hostmem_used &&
	       (base_free < 0 || c->devmem_free == base_free);
}

int rel_counts_settle(long long base_free, int64_t ms, const char *who)
{
	int64_t deadline = kt_deadline(ms);
	struct rel_counts c;

	for (;;) {
		if (rel_read_counts(&c)) {
			printf("%s: cannot read debugfs counts (no Sinan debugfs?)\n", who);
			return -1;
		}
		if (counts_clean(&c, base_free) || kt_now_ns() > deadline)
			break;
		usleep(20000);
	}
	printf("%s: after: contexts %lld, queues %lld, BOs %lld, device memory used %lld, host memory used %lld, device memory free %lld (baseline %lld)\n",
	       who, c.contexts, c.queues, c.bos, c.devmem_used, c.hostmem_used, c.devmem_free,
	       base_free);
	return counts_clean(&c, base_free) ? 0 : -1;
}

long long rel_meminfo(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = atoll(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

/* What a kernel splat looks like on Debian's kernels (no KASAN, no lockdep). */
static const char *const splat_patterns[] = {
	"BUG:", "BUG ", "WARNING:", "Oops", "general protection fault", "kernel BUG",
	"KFENCE:", "list_add corruption", "list_del corruption", "refcount_t:",
	"INFO: task", "soft lockup", "hard LOCKUP", "rcu_sched detected stall",
	"rcu: INFO", "Call Trace", "UBSAN:", "Poison overwritten", "Redzone",
	"Object already free", "slab_free", "unreferenced object", "double free",
};

int rel_dmesg_splats(const char *who)
{
	char path[64], line[1024];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/rel-dmesg.%d", (int)getpid());
	if (kt_sh("dmesg -c > %s 2>&1", path)) {
		printf("%s: dmesg failed\n", who);
		return 1;
	}
	f = fopen(path, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(splat_patterns) / sizeof(splat_patterns[0]); i++) {
			if (strstr(line, splat_patterns[i])) {
				if (found < 40)
					printf("%s: kernel log: %s", who, line);
				found++;
				break;
			}
		}
	}
	fclose(f);
	unlink(path);
	return found;
}

void rel_cmd_launch_args(struct kt_cmd *c, uint64_t prog, uint64_t prog_size, uint32_t blocks,
			 uint64_t args, uint64_t args_size)
{
	struct sinan_pkt_launch *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_LAUNCH, 0);
	p->blocks = blocks;
	p->prog = prog;
	p->prog_size = prog_size;
	p->args = args;
	p->args_size = args_size;
}

void rel_cmd_copy_sg(struct kt_cmd *c, uint64_t table, uint32_t n)
{
	struct sinan_pkt_copy *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_COPY, SINAN_COPY_F_SG);
	p->src = table;
	p->size = n;
}

/* rd = the 64-bit constant @v (LI sign-extends the low half, LUI sets the high one). */
static unsigned int li64(uint64_t *w, unsigned int rd, uint64_t v)
{
	w[0] = SINAN_ENC_I(SINAN_I_LI, rd, 0, 0, (uint32_t)v);
	w[1] = SINAN_ENC_I(SINAN_I_LUI, rd, 0, 0, (uint32_t)(v >> 32));
	return 2;
}

unsigned int rel_prog_store(uint64_t *w, uint64_t dst, uint64_t value)
{
	unsigned int n = 0;

	n += li64(w + n, 5, dst);
	n += li64(w + n, 6, value);
	/* x6 += block; x7 = block * 8; x5 += x7 */
	w[n++] = SINAN_ENC_R(SINAN_I_ALU, 6, 6, 2, 0, 0, 0, SINAN_ALU_ADD, 0);
	w[n++] = SINAN_ENC_I(SINAN_I_ALUI, 7, 2, SINAN_ALU_SHL, 3);
	w[n++] = SINAN_ENC_R(SINAN_I_ALU, 5, 5, 7, 0, 0, 0, SINAN_ALU_ADD, 0);
	w[n++] = SINAN_ENC_I(SINAN_I_ST, 6, 5, 3, 0);
	w[n++] = SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0);
	return n;
}

unsigned int rel_prog_load_store(uint64_t *w, uint64_t src, uint64_t dst)
{
	unsigned int n = 0;

	n += li64(w + n, 5, src);
	n += li64(w + n, 6, dst);
	w[n++] = SINAN_ENC_I(SINAN_I_LD, 7, 5, 3, 0);
	w[n++] = SINAN_ENC_I(SINAN_I_ST, 7, 6, 3, 0);
	w[n++] = SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0);
	return n;
}

long rel_opt(int argc, char **argv, const char *name, long def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtol(argv[i + 1], NULL, 0);
	return def;
}

int rel_finish(const char *what, int passed, int failed)
{
	printf("%s: %s\n", what, failed ? "FAILED" : "ok");
	printf("SINAN-TEST: %d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}

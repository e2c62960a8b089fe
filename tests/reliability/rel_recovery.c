// SPDX-License-Identifier: MIT
/*
 * Recovery matrix, in the emulated machine (needs --npu-prop debug-regs=on).
 *
 *   test-rel-recovery [--count N] [--kinds hang,mmu,dma,ecc,fw-crash]
 *
 * Each fault kind N times in a row: a hang (injected: the hardware queue
 * stops), an MMU fault (a real one: a COPY from an unmapped VA), a DMA error,
 * an uncorrectable ECC error (injected through debugfs "inject") and a
 * firmware crash (injected; a device reset). Meanwhile an innocent process
 * runs jobs on its own context and verifies every result. After each fault:
 * the guilty job got the expected error and its queue is banned with the
 * expected code (a firmware crash: nobody is guilty, the job runs again and
 * completes), and the device works (a fresh queue runs a verified job). The
 * time from the injection to that working job is the recovery time
 * (median, max). Afterwards: the innocent saw no error, the driver's counts
 * are back to zero, no kernel splat.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel_common.h"

#define WAIT_MS		30000
#define HANG_MS		300

struct shared {
	volatile int done;
	volatile long long jobs, errors;
};

static void innocent(struct shared *sh)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_buf dev, host;
	struct kt_cmd cmd;
	uint32_t n = 0;

	kt_buf_new(fd, &dev, 65536, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &host, 65536, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, 4096);
	while (!sh->done) {
		uint32_t pat = 0x1000000 + n++;
		int st, bad = 0;

		/* Idempotent: a job re-run after a device reset gives the same result. */
		kt_cmd_reset(&cmd);
		kt_cmd_fill(&cmd, dev.va, pat, 65536);
		kt_cmd_copy(&cmd, host.va, dev.va, 65536);
		memset(host.map, 0, 65536);
		st = kt_wait(fd, q, kt_submit(fd, q, &cmd), WAIT_MS);
		for (int i = 0; i < 65536 / 4 && !st && !bad; i++)
			bad = ((uint32_t *)host.map)[i] != pat;
		sh->jobs++;
		if (st || bad) {
			printf("recovery: innocent job %u: status %d%s\n", n, st, bad ? ", wrong data" : "");
			sh->errors++;
			if (kt_queue_status(fd, q).state != DRM_SINAN_QUEUE_STATE_ACTIVE) {
				kt_queue_destroy(fd, q);
				q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
			}
		}
	}
	close(fd);
}

struct kind {
	const char *name;	/* also the debugfs inject word, except "mmu" */
	int status;		/* of the guilty job */
	uint32_t error;		/* DRM_SINAN_QUEUE_ERR_* */
	int device_reset;
};

static const struct kind kinds[] = {
	{ "hang", -ETIMEDOUT, DRM_SINAN_QUEUE_ERR_TIMEOUT, 0 },
	{ "mmu", -EFAULT, DRM_SINAN_QUEUE_ERR_MMU_FAULT, 0 },
	{ "dma", -EIO, DRM_SINAN_QUEUE_ERR_DMA, 0 },
	{ "ecc", -EIO, DRM_SINAN_QUEUE_ERR_ECC, 0 },
	{ "fw-crash", 0, 0, 1 },
};

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int inject(int fd, uint32_t q, const char *kind)
{
	char text[64];

	snprintf(text, sizeof(text), "%s %d", kind, kt_hwq_of(fd, q));
	return kt_debugfs_write("inject", text);
}

/* A fresh queue does verified work. */
static int device_works(int fd, struct kt_buf *dev, struct kt_buf *host, struct kt_cmd *cmd,
			uint32_t pat)
{
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	int st;

	kt_cmd_reset(cmd);
	kt_cmd_fill(cmd, dev->va, pat, 8192);
	kt_cmd_copy(cmd, host->va, dev->va, 8192);
	memset(host->map, 0, 8192);
	st = kt_wait(fd, q, kt_submit(fd, q, cmd), WAIT_MS);
	for (int i = 0; i < 2048 && !st; i++)
		if (((uint32_t *)host->map)[i] != pat)
			st = -EILSEQ;
	kt_queue_destroy(fd, q);
	return st;
}

/* One fault of @k; returns 0 if everything went as it should, *ms the recovery time. */
static int one(int fd, const struct kind *k, struct kt_buf *dev, struct kt_buf *host,
	       struct kt_cmd *cmd, uint32_t n, long long *us)
{
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, HANG_MS);
	uint64_t resets = kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT);
	struct drm_sinan_queue_status qs;
	int64_t t0;
	int st, ok = 1;

	kt_cmd_reset(cmd);
	if (!strcmp(k->name, "mmu")) {
		/* A real fault: below VA_START nothing is ever mapped. */
		kt_cmd_copy(cmd, host->va, 0x1000, 4096);
	} else {
		kt_cmd_copy(cmd, dev->va, host->va + 8192, 4096);
		kt_cmd_copy(cmd, host->va + 8192, dev->va, 4096);
	}
	t0 = kt_now_ns();
	if (strcmp(k->name, "mmu") && inject(fd, q, k->name)) {
		printf("recovery: %s: debugfs inject failed (device without debug-regs=on?)\n", k->name);
		kt_queue_destroy(fd, q);
		return -1;
	}
	st = kt_wait(fd, q, kt_submit(fd, q, cmd), WAIT_MS);
	qs = kt_queue_status(fd, q);
	if (st != k->status) {
		printf("recovery: %s #%u: job status %d, expected %d\n", k->name, n, st, k->status);
		ok = 0;
	}
	if (k->device_reset) {
		int64_t deadline = kt_deadline(WAIT_MS);

		while (kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT) == resets && kt_now_ns() < deadline)
			usleep(2000);
		if (kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT) != resets + 1 ||
		    qs.state != DRM_SINAN_QUEUE_STATE_ACTIVE || qs.guilty) {
			printf("recovery: %s #%u: resets %llu -> %llu, queue state %u guilty %u\n",
			       k->name, n, (unsigned long long)resets,
			       (unsigned long long)kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT), qs.state,
			       qs.guilty);
			ok = 0;
		}
	} else if (qs.state != DRM_SINAN_QUEUE_STATE_BANNED || !qs.guilty || qs.error != k->error) {
		printf("recovery: %s #%u: queue state %u guilty %u error %u, expected banned, guilty, %u\n",
		       k->name, n, qs.state, qs.guilty, qs.error, k->error);
		ok = 0;
	}
	st = device_works(fd, dev, host, cmd, 0x77000000 + n);
	*us = (kt_now_ns() - t0) / 1000;
	if (st) {
		printf("recovery: %s #%u: the device does not work afterwards (%d)\n", k->name, n, st);
		ok = 0;
	}
	kt_queue_destroy(fd, q);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	int count = (int)rel_opt(argc, argv, "--count", 3);
	const char *only = NULL;
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	long long *times = calloc((size_t)count, sizeof(long long));
	struct rel_counts c0;
	struct kt_buf dev, host;
	struct kt_cmd cmd;
	int fd, passed = 0, failed = 0, tried_all = 0, passed_all = 0, splats, st;
	pid_t ip;

	setvbuf(stdout, NULL, _IOLBF, 0);
	kt_child = 1;
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--kinds"))
			only = argv[i + 1];
	rel_dmesg_splats("recovery");
	if (rel_read_counts(&c0))
		return rel_finish("recovery", 0, 1);
	fd = kt_open();
	if (!(kt_param(fd, DRM_SINAN_PARAM_CAPS) & SINAN_CAP_DEBUG_REGS)) {
		printf("recovery: the device has no fault-injection page: run with --npu-prop debug-regs=on\n");
		return rel_finish("recovery", 0, 1);
	}
	memset(sh, 0, 4096);
	ip = kt_fork();
	if (ip == 0) {
		innocent(sh);
		_exit(0);
	}
	kt_buf_new(fd, &dev, 16384, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &host, 16384, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, 4096);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int ok = 0;

		if (only && !strstr(only, kinds[k].name))
			continue;
		for (int n = 0; n < count; n++)
			ok += one(fd, &kinds[k], &dev, &host, &cmd, (uint32_t)n, &times[n]) == 0;
		qsort(times, (size_t)count, sizeof(times[0]), cmp_ll);
		printf("recovery: %-8s %d/%d recovered, time to a working device: median %.1f ms, max %.1f ms\n",
		       kinds[k].name, ok, count, times[count / 2] / 1000.0, times[count - 1] / 1000.0);
		tried_all += count;
		passed_all += ok;
		if (ok == count)
			passed++;
		else
			failed++;
	}
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &host);
	kt_buf_free(fd, &dev);
	close(fd);
	sh->done = 1;
	waitpid(ip, &st, 0);
	printf("recovery: innocent: %lld jobs verified, %lld errors\n", sh->jobs - sh->errors,
	       sh->errors);
	if (!WIFEXITED(st) || WEXITSTATUS(st) || sh->errors || !sh->jobs)
		failed++;
	else
		passed++;
	if (rel_counts_settle(c0.devmem_free, 20000, "recovery"))
		failed++;
	else
		passed++;
	splats = rel_dmesg_splats("recovery");
	failed += splats != 0;
	passed += splats == 0;
	printf("recovery: %d recoveries passed out of %d tried\n", passed_all, tried_all);
	free(times);
	return rel_finish("recovery", passed, failed);
}

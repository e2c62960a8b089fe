// SPDX-License-Identifier: MIT
/*
 * Isolation between contexts, in the emulated machine.
 *
 *   test-rel-isolation [--pages N] [--seed S]
 *
 * A victim process keeps its data in device and host BOs (every word tagged
 * 0x5EC7xxxx) and runs verifying jobs on them without pause. An attacker
 * process, which knows the victim's exact device VAs (published through
 * shared memory: the strongest attacker), tries to read and write them from
 * its own context, with every means a job has:
 *   copy-read, copy-write, fill, SG copy read and write, AI-core LD and ST,
 *   the victim's code as the attacker's LAUNCH program, the victim's
 *   command buffer as the attacker's command buffer, WAIT on victim memory,
 * and the same at unmapped addresses: below VA_START, random holes, the
 * driver's ring area above VA_END (every hardware queue's slot), beyond the
 * 39-bit space. The attacker's own buffers sit at fixed VAs far from the
 * victim's, so every target is unmapped in the attacker's address space.
 *
 * Each attempt must fail on the attacker's queue (MMU fault, banned), the
 * attacker's buffers must never hold a victim word, the victim's queue must
 * stay active with every job bit-exact, and its data unchanged at the end.
 * --pages N: attack every page of the victim's buffers (default: first,
 * last and a few random pages of each).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sinan_hw/sinan_isa.h>

#include "rel_common.h"

#define VTAG		0x5ec70000u
#define ATAG		0xa77a0000u
#define VBUF		(64 * 1024)
#define NVBUF		4
#define WAIT_MS		20000

struct shared {
	volatile int ready, done;
	uint64_t va[NVBUF], size[NVBUF];
	volatile long long victim_jobs, victim_errors;
	volatile long long victim_data_bad;
};

static uint32_t vword(unsigned int buf, uint32_t i)
{
	return VTAG | ((buf << 14) + (i & 0x3fff));
}

/* ---- victim -------------------------------------------------------------- */

static int victim(struct shared *sh)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_buf dev, host, out;
	struct kt_cmd cmd;
	uint32_t *h, *o;

	kt_buf_new(fd, &dev, VBUF, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &host, VBUF, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &out, VBUF, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, VBUF);
	h = host.map;
	o = out.map;
	for (uint32_t i = 0; i < VBUF / 4; i++)
		h[i] = vword(1, i);
	/* Device data: from the host buffer, with a tag of its own. */
	{
		struct kt_cmd init;

		kt_cmd_new(fd, &init, 4096);
		for (uint32_t i = 0; i < VBUF / 4; i++)
			o[i] = vword(0, i);
		kt_cmd_copy(&init, dev.va, out.va, VBUF);
		KT_EQ(kt_wait(fd, q, kt_submit(fd, q, &init), WAIT_MS), 0);
		kt_cmd_free(fd, &init);
	}
	/* The command buffer: the job, then the rest tagged too. */
	for (uint32_t i = 0; i < VBUF / 4; i++)
		((uint32_t *)cmd.buf.map)[i] = vword(3, i);
	kt_cmd_reset(&cmd);
	kt_cmd_copy(&cmd, out.va, dev.va, VBUF / 2);
	kt_cmd_copy(&cmd, out.va + VBUF / 2, host.va + VBUF / 2, VBUF / 2);
	sh->va[0] = dev.va;
	sh->va[1] = host.va;
	sh->va[2] = out.va;
	sh->va[3] = cmd.buf.va;
	for (int i = 0; i < NVBUF; i++)
		sh->size[i] = VBUF;
	__sync_synchronize();
	sh->ready = 1;
	while (!sh->done) {
		uint64_t seq;
		int st, bad = 0;

		memset(o, 0, VBUF);
		seq = kt_submit(fd, q, &cmd);
		st = kt_wait(fd, q, seq, WAIT_MS);
		for (uint32_t i = 0; i < VBUF / 4 && !st && !bad; i++)
			bad = o[i] != (i < VBUF / 8 ? vword(0, i) : vword(1, i));
		sh->victim_jobs++;
		if (st || bad) {
			printf("isolation: victim job %llu: status %d, %s\n", (unsigned long long)seq,
			       st, bad ? "wrong data" : "data ok");
			sh->victim_errors++;
		}
	}
	/* Everything the victim owns is as it was. */
	for (uint32_t i = 0; i < VBUF / 4; i++)
		if (h[i] != vword(1, i))
			sh->victim_data_bad++;
	for (uint32_t i = 2 * 64 / 4; i < VBUF / 4; i++)
		if (((uint32_t *)cmd.buf.map)[i] != vword(3, i))
			sh->victim_data_bad++;
	if (kt_queue_status(fd, q).state != DRM_SINAN_QUEUE_STATE_ACTIVE ||
	    kt_queue_status(fd, q).reset_count) {
		printf("isolation: the victim's queue was disturbed\n");
		sh->victim_errors++;
	}
	close(fd);
	return 0;
}

/* ---- attacker ------------------------------------------------------------ */

struct attacker {
	int fd;
	uint32_t q;
	struct kt_buf dst, src, ddst, prog, sgt;	/* at fixed VAs, far from the victim's */
	struct kt_cmd cmd;
	long long attempts, faults, denied, leaks, own, writes;
};

static void buf_fixed(int fd, struct kt_buf *b, uint64_t size, uint32_t placement, uint64_t va)
{
	b->size = size;
	b->handle = kt_bo_create(fd, size, placement);
	b->map = kt_bo_mmap(fd, b->handle, size);
	b->va = va;
	KT_EQ(kt_try_bind(fd, b->handle, DRM_SINAN_VM_BIND_FIXED, &b->va, 0, 0), 0);
	KT_EQ(b->va, va);
}

static int has_victim_word(const void *p, size_t n)
{
	const uint32_t *w = p;

	for (size_t i = 0; i < n / 4; i++)
		if ((w[i] & 0xffff0000u) == VTAG)
			return 1;
	return 0;
}

enum method {
	M_COPY_READ, M_COPY_WRITE, M_FILL, M_SG_READ, M_SG_WRITE, M_CORE_LD, M_CORE_ST,
	M_CORE_PROG, M_CMDBUF, M_WAIT, M_COUNT,
};
static const char *const method_names[M_COUNT] = {
	"copy-read", "copy-write", "fill", "sg-read", "sg-write", "core-ld", "core-st",
	"core-prog", "cmdbuf", "wait",
};

/* One attempt at @target with @m. @victim_va: the target is a victim mapping. */
static void attempt(struct attacker *a, uint64_t target, enum method m, int victim_va)
{
	struct drm_sinan_submit s;
	struct drm_sinan_queue_status qs;
	int st, ret;

	for (uint32_t i = 0; i < a->dst.size / 4; i++)
		((uint32_t *)a->dst.map)[i] = ATAG | (i & 0xffff);
	kt_cmd_reset(&a->cmd);
	switch (m) {
	case M_COPY_READ:
		kt_cmd_copy(&a->cmd, a->dst.va, target, 4096);
		break;
	case M_COPY_WRITE:
		kt_cmd_copy(&a->cmd, target, a->src.va, 4096);
		break;
	case M_FILL:
		kt_cmd_fill(&a->cmd, target, ATAG | 0xdead, 4096);
		break;
	case M_SG_READ:
	case M_SG_WRITE: {
		struct sinan_sg_desc *d = a->sgt.map;

		/* A harmless piece first, then the one aimed at the target. */
		d[0] = (struct sinan_sg_desc){ .dst = a->dst.va + 8192, .src = a->src.va, .size = 64 };
		if (m == M_SG_READ)
			d[1] = (struct sinan_sg_desc){ .dst = a->dst.va, .src = target, .size = 4096 };
		else
			d[1] = (struct sinan_sg_desc){ .dst = target, .src = a->src.va, .size = 4096 };
		rel_cmd_copy_sg(&a->cmd, a->sgt.va, 2);
		break;
	}
	case M_CORE_LD:
	case M_CORE_ST: {
		uint64_t *w = a->prog.map;
		unsigned int n;

		if (m == M_CORE_LD)
			n = rel_prog_load_store(w, target, a->ddst.va);
		else
			n = rel_prog_store(w, target, ATAG);
		rel_cmd_launch_args(&a->cmd, a->prog.va, n * 8ULL, 1, 0, 0);
		kt_cmd_copy(&a->cmd, a->dst.va, a->ddst.va, 4096);
		break;
	}
	case M_CORE_PROG:
		rel_cmd_launch_args(&a->cmd, target, 4096, 1, target, 4096);
		break;
	case M_CMDBUF:
		break;
	case M_WAIT:
		kt_cmd_wait(&a->cmd, target, 1);
		break;
	default:
		break;
	}
	s = (struct drm_sinan_submit){
		.queue_id = a->q,
		.cmdbuf_va = m == M_CMDBUF ? target : a->cmd.buf.va,
		.cmdbuf_size = m == M_CMDBUF ? 128 : a->cmd.len,
	};
	a->attempts++;
	ret = kt_try_submit(a->fd, &s);
	if (ret) {
		/* Refused at submission (e.g. a command buffer beyond the VA space). */
		a->denied++;
		return;
	}
	st = kt_wait(a->fd, a->q, s.seq, WAIT_MS);
	qs = kt_queue_status(a->fd, a->q);
	if (has_victim_word(a->dst.map, a->dst.size)) {
		printf("isolation: LEAK: %s at 0x%llx: victim data in the attacker's buffer\n",
		       method_names[m], (unsigned long long)target);
		a->leaks++;
	}
	if (st == 0) {
		/* It ran: only acceptable where the attacker itself has something. */
		if (victim_va) {
			printf("isolation: LEAK: %s at victim VA 0x%llx did not fault\n",
			       method_names[m], (unsigned long long)target);
			a->leaks++;
		} else if (m == M_COPY_READ || m == M_SG_READ || m == M_CORE_LD || m == M_WAIT ||
			   m == M_CORE_PROG || m == M_CMDBUF) {
			/* Reading its own queue's ring (read-only to the device). */
			a->own++;
		} else {
			printf("isolation: %s at 0x%llx (not the attacker's memory) did not fault\n",
			       method_names[m], (unsigned long long)target);
			a->writes++;
		}
		return;
	}
	if (qs.state != DRM_SINAN_QUEUE_STATE_BANNED) {
		printf("isolation: %s at 0x%llx: status %d but the queue is not banned\n",
		       method_names[m], (unsigned long long)target, st);
		a->leaks++;
	}
	if (st == -EFAULT && qs.error == DRM_SINAN_QUEUE_ERR_MMU_FAULT)
		a->faults++;
	else
		a->denied++;	/* stopped otherwise (bad address, alignment, timeout) */
	kt_queue_destroy(a->fd, a->q);
	a->q = kt_queue_create(a->fd, DRM_SINAN_ENGINE_COMPUTE, 300);
}

static int attacker(struct shared *sh, int all_pages, uint64_t seed)
{
	struct attacker a = { 0 };
	uint64_t va_start, va_end, hi, rng = seed | 1;
	uint32_t nq;
	int64_t t0;

	a.fd = kt_open();
	va_start = kt_param(a.fd, DRM_SINAN_PARAM_VA_START);
	va_end = kt_param(a.fd, DRM_SINAN_PARAM_VA_END);
	nq = (uint32_t)kt_param(a.fd, DRM_SINAN_PARAM_NUM_QUEUES);
	hi = va_end - (64ULL << 20);
	buf_fixed(a.fd, &a.dst, 16384, DRM_SINAN_BO_PLACEMENT_HOST, hi);
	buf_fixed(a.fd, &a.src, 8192, DRM_SINAN_BO_PLACEMENT_HOST, hi + (1 << 20));
	buf_fixed(a.fd, &a.ddst, 8192, DRM_SINAN_BO_PLACEMENT_DEVICE, hi + (2 << 20));
	buf_fixed(a.fd, &a.prog, 8192, DRM_SINAN_BO_PLACEMENT_DEVICE, hi + (3 << 20));
	buf_fixed(a.fd, &a.sgt, 4096, DRM_SINAN_BO_PLACEMENT_HOST, hi + (4 << 20));
	a.cmd.buf.size = 4096;
	buf_fixed(a.fd, &a.cmd.buf, 4096, DRM_SINAN_BO_PLACEMENT_HOST, hi + (5 << 20));
	for (uint32_t i = 0; i < a.src.size / 4; i++)
		((uint32_t *)a.src.map)[i] = ATAG | 0xbeef;
	a.q = kt_queue_create(a.fd, DRM_SINAN_ENGINE_COMPUTE, 300);
	while (!sh->ready)
		usleep(1000);
	t0 = kt_now_ns();

	/* Every page (or a sample) of every victim mapping, every method. */
	for (int b = 0; b < NVBUF; b++) {
		uint64_t pages = sh->size[b] / 4096;

		for (uint64_t p = 0; p < pages; p++) {
			if (!all_pages && p != 0 && p != pages - 1 && rel_range(&rng, pages) >= 2)
				continue;
			for (int m = 0; m < M_COUNT; m++)
				attempt(&a, sh->va[b] + p * 4096,
					(enum method)m, 1);
		}
	}
	/* Unmapped: the null guard, holes, the driver's ring slots, beyond the VA space. */
	{
		uint64_t targets[64];
		unsigned int n = 0;

		targets[n++] = 0;
		targets[n++] = va_start - 4096;
		targets[n++] = va_start;
		for (int i = 0; i < 8; i++)
			targets[n++] = va_start + (rel_range(&rng, (hi - va_start) >> 12) << 12);
		for (uint32_t i = 0; i < nq && n < 60; i++)
			targets[n++] = va_end + ((uint64_t)i << 20);
		targets[n++] = (1ULL << 39) - 4096;
		targets[n++] = 1ULL << 39;
		targets[n++] = 1ULL << 47;
		targets[n++] = UINT64_MAX - 4095;
		for (unsigned int i = 0; i < n; i++) {
			/* Skip the attacker's own mappings. */
			if (targets[i] >= hi && targets[i] < hi + (6 << 20))
				continue;
			for (int m = 0; m < M_COUNT; m++)
				attempt(&a, targets[i], (enum method)m, 0);
		}
	}
	sh->done = 1;
	printf("isolation: attacker: %lld attempts in %.1f s: %lld MMU faults, %lld stopped otherwise, %lld reads of its own ring, %lld writes outside its memory, %lld leaks\n",
	       a.attempts, (kt_now_ns() - t0) / 1e9, a.faults, a.denied, a.own, a.writes, a.leaks);
	close(a.fd);
	return a.leaks ? 3 : (a.writes ? 4 : 0);
}

int main(int argc, char **argv)
{
	int all_pages = (int)rel_opt(argc, argv, "--pages", 0) != 0;
	uint64_t seed = (uint64_t)rel_opt(argc, argv, "--seed", (long)time(NULL));
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	struct rel_counts c0;
	int passed = 0, failed = 0, st_att = 0, st_vic = 0, splats;
	pid_t vp, ap;

	setvbuf(stdout, NULL, _IOLBF, 0);
	kt_child = 1;
	rel_dmesg_splats("isolation");
	if (rel_read_counts(&c0))
		return rel_finish("isolation", 0, 1);
	memset(sh, 0, 4096);
	printf("isolation: seed %llu, %s pages of the victim's buffers\n", (unsigned long long)seed,
	       all_pages ? "all" : "sampled");
	vp = kt_fork();
	if (vp == 0)
		_exit(victim(sh));
	ap = kt_fork();
	if (ap == 0)
		_exit(attacker(sh, all_pages, seed));
	waitpid(ap, &st_att, 0);
	sh->done = 1;
	waitpid(vp, &st_vic, 0);
	if (!WIFEXITED(st_att) || WEXITSTATUS(st_att)) {
		printf("isolation: the attacker %s %d\n", WIFEXITED(st_att) ? "exited with" : "died of signal",
		       WIFEXITED(st_att) ? WEXITSTATUS(st_att) : WTERMSIG(st_att));
		failed++;
	} else {
		passed++;
	}
	if (!WIFEXITED(st_vic) || WEXITSTATUS(st_vic) || sh->victim_errors || sh->victim_data_bad ||
	    !sh->victim_jobs) {
		printf("isolation: victim: status %d, %lld errors, %lld words changed, %lld jobs\n",
		       st_vic, sh->victim_errors, sh->victim_data_bad, sh->victim_jobs);
		failed++;
	} else {
		passed++;
	}
	printf("isolation: victim: %lld jobs, all bit-exact: %s; its data unchanged: %s\n",
	       sh->victim_jobs, sh->victim_errors ? "no" : "yes", sh->victim_data_bad ? "no" : "yes");
	if (rel_counts_settle(c0.devmem_free, 20000, "isolation"))
		failed++;
	else
		passed++;
	splats = rel_dmesg_splats("isolation");
	failed += splats != 0;
	passed += splats == 0;
	return rel_finish("isolation", passed, failed);
}

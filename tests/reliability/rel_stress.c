// SPDX-License-Identifier: MIT
/*
 * Stress of sinan.ko and the device, in the emulated machine.
 *
 *   test-rel-stress [--seconds T] [--procs P] [--queues Q] [--depth D] [--seed N]
 *
 * P processes x Q queues (compute and copy engines), each keeping up to D
 * jobs in flight for T seconds. Every job is of a random kind, with random
 * sizes and offsets:
 *   fill     FILL device memory, COPY it to the host
 *   h2d2h    COPY host -> device -> host
 *   d2d      COPY device -> device, then to the host
 *   sg       one scatter-gather COPY of several pieces
 *   launch   an AI-core program (every block stores its own word), to the host
 *   chain    a job on another queue WAITs for a SIGNAL of this one (SIGNAL/WAIT
 *            across queues), and a syncobj timeline point links them too
 * and ends with a SIGNAL ADD of 1 to the queue's execution counter. Checks:
 * every result bit-exact; sequence numbers 1, 2, 3 ... without gaps or
 * repeats; each job's status 0; the execution counter equals the jobs
 * submitted (a lost or duplicated execution shows); QUEUE_STATUS last_seq ==
 * done_seq; each queue's timeline syncobj ends at its job count. Afterwards
 * the driver's counts are back to zero and device memory to its baseline;
 * the guest's MemAvailable and Slab are compared with a warm-up run's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "rel_common.h"

#define MAXQ		8
#define MAXD		8
#define SLOT		(64 * 1024)	/* per in-flight job: its part of each buffer */
#define WAIT_MS		30000

struct stats {
	long long jobs, verified, lost, dup, bad, kinds[6];
};

struct slot {
	uint64_t seq;
	int kind;
	uint32_t seed;
	uint32_t off, len;
	int chained_q;		/* queue whose job waits for this one, -1 */
	uint64_t chained_seq;
	uint64_t point;
};

struct queue {
	uint32_t id;
	int compute;
	uint64_t next_seq, submitted;
	struct kt_cmd cmd[MAXD];
	struct slot slot[MAXD];
	unsigned int head, count;
	uint32_t timeline;
	uint64_t points;
};

struct ctx {
	int fd;
	uint64_t rng;
	struct kt_buf host_in, host_out, dev, dev2, flags, prog, sgt;
	struct queue q[MAXQ];
	int nq, depth;
	struct stats *st;
};

static const char *const kind_names[] = { "fill", "h2d2h", "d2d", "sg", "launch", "chain" };

static uint8_t *slot_ptr(struct kt_buf *b, unsigned int qi, unsigned int si, int depth)
{
	return (uint8_t *)b->map + ((size_t)qi * depth + si) * SLOT;
}

static uint64_t slot_va(struct kt_buf *b, unsigned int qi, unsigned int si, int depth)
{
	return b->va + ((uint64_t)qi * depth + si) * SLOT;
}

static uint32_t word(uint32_t seed, uint32_t i)
{
	uint32_t x = seed ^ (i * 0x9e3779b1u);

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	return x;
}

/* Build and submit one job in slot @si of queue @qi. */
static void submit_one(struct ctx *c, unsigned int qi, unsigned int si)
{
	struct queue *q = &c->q[qi];
	struct slot *s = &q->slot[si];
	struct kt_cmd *cmd = &q->cmd[si];
	uint8_t *in = slot_ptr(&c->host_in, qi, si, c->depth);
	uint8_t *out = slot_ptr(&c->host_out, qi, si, c->depth);
	uint64_t in_va = slot_va(&c->host_in, qi, si, c->depth);
	uint64_t out_va = slot_va(&c->host_out, qi, si, c->depth);
	uint64_t dev_va = slot_va(&c->dev, qi, si, c->depth);
	uint64_t dev2_va = slot_va(&c->dev2, qi, si, c->depth);
	uint64_t counter_va = c->flags.va + 8 * qi;
	struct drm_sinan_sync out_sync = { .handle = q->timeline };
	struct drm_sinan_submit sub;
	int kinds = q->compute ? 5 : 4;

	s->kind = (int)rel_range(&c->rng, kinds + (c->nq > 1 ? 1 : 0));
	if (s->kind == kinds)
		s->kind = 5;
	s->seed = (uint32_t)rel_rand(&c->rng);
	s->off = (uint32_t)rel_range(&c->rng, 64) * 4;
	s->len = 4 * (1 + (uint32_t)rel_range(&c->rng, (SLOT - 512) / 4));
	s->chained_q = -1;
	memset(out, 0, SLOT);
	kt_cmd_reset(cmd);
	switch (s->kind) {
	case 0:	/* fill */
		kt_cmd_fill(cmd, dev_va + s->off, s->seed, s->len);
		kt_cmd_copy(cmd, out_va + s->off, dev_va + s->off, s->len);
		break;
	case 1:	/* host -> device -> host */
	case 5:	/* chain: the same data path, plus the cross-queue link */
		for (uint32_t i = 0; i < s->len / 4; i++)
			((uint32_t *)(in + s->off))[i] = word(s->seed, i);
		kt_cmd_copy(cmd, dev_va + s->off, in_va + s->off, s->len);
		kt_cmd_copy(cmd, out_va + s->off, dev_va + s->off, s->len);
		break;
	case 2:	/* device -> device */
		for (uint32_t i = 0; i < s->len / 4; i++)
			((uint32_t *)(in + s->off))[i] = word(s->seed, i);
		kt_cmd_copy(cmd, dev_va + s->off, in_va + s->off, s->len);
		kt_cmd_copy(cmd, dev2_va, dev_va + s->off, s->len);
		kt_cmd_copy(cmd, out_va + s->off, dev2_va, s->len);
		break;
	case 3: {	/* scatter-gather: pieces in reverse order */
		struct sinan_sg_desc *d = (struct sinan_sg_desc *)slot_ptr(&c->sgt, qi, si, c->depth);
		uint32_t n = 1 + (uint32_t)rel_range(&c->rng, 8), piece = s->len / n / 4 * 4;

		if (!piece) {
			n = 1;
			piece = s->len;
		}
		s->len = piece * n;
		for (uint32_t i = 0; i < s->len / 4; i++)
			((uint32_t *)(in + s->off))[i] = word(s->seed, i);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t j = n - 1 - i;

			d[i].dst = out_va + s->off + (uint64_t)j * piece;
			d[i].src = in_va + s->off + (uint64_t)j * piece;
			d[i].size = piece;
			d[i].rsvd = 0;
		}
		rel_cmd_copy_sg(cmd, slot_va(&c->sgt, qi, si, c->depth), n);
		break;
	}
	case 4: {	/* launch: blocks store value + b at dev + 8 b */
		uint64_t *w = (uint64_t *)slot_ptr(&c->prog, qi, si, c->depth);
		uint64_t pva = slot_va(&c->prog, qi, si, c->depth);
		unsigned int nw, blocks = 1 + (unsigned int)rel_range(&c->rng, 16);

		nw = rel_prog_store(w, dev_va, ((uint64_t)s->seed << 32) | 0x1234);
		s->len = blocks * 8;
		s->off = 0;
		rel_cmd_launch_args(cmd, pva, nw * 8ULL, blocks, 0, 0);
		kt_cmd_copy(cmd, out_va, dev_va, s->len);
		break;
	}
	}
	kt_cmd_signal_add(cmd, counter_va, 1);
	if (s->kind == 5) {
		/* This job signals a flag word; a job on the next queue waits for it. */
		kt_cmd_signal(cmd, c->flags.va + 4096 + 8 * (qi * MAXD + si), q->next_seq);
	}
	q->points++;
	s->point = q->points;
	out_sync.point = s->point;
	sub = (struct drm_sinan_submit){
		.queue_id = q->id, .cmdbuf_va = cmd->buf.va, .cmdbuf_size = cmd->len,
		.out_sync_count = 1, .out_syncs = (uintptr_t)&out_sync,
	};
	KT_EQ(kt_try_submit(c->fd, &sub), 0);
	s->seq = sub.seq;
	if (sub.seq != q->next_seq) {
		printf("stress: queue %u: sequence %llu, expected %llu\n", q->id,
		       (unsigned long long)sub.seq, (unsigned long long)q->next_seq);
		if (sub.seq < q->next_seq)
			c->st->dup++;
		else
			c->st->lost++;
	}
	q->next_seq = sub.seq + 1;
	q->submitted++;
	c->st->jobs++;
	c->st->kinds[s->kind]++;
}

/* A job on another queue that waits (device WAIT) for the chain job's flag. */
static void submit_waiter(struct ctx *c, unsigned int qi, unsigned int si, struct kt_cmd *wcmd,
			  uint32_t wq, uint64_t *seq)
{
	struct slot *s = &c->q[qi].slot[si];
	struct drm_sinan_sync in = { .handle = c->q[qi].timeline, .point = s->point };
	struct drm_sinan_submit sub;

	kt_cmd_reset(wcmd);
	kt_cmd_wait(wcmd, c->flags.va + 4096 + 8 * (qi * MAXD + si), s->seq);
	/* Odd points also go through the kernel: the syncobj timeline. */
	sub = (struct drm_sinan_submit){
		.queue_id = wq, .cmdbuf_va = wcmd->buf.va, .cmdbuf_size = wcmd->len,
		.in_sync_count = (s->point & 1), .in_syncs = (uintptr_t)&in,
	};
	KT_EQ(kt_try_submit(c->fd, &sub), 0);
	*seq = sub.seq;
}

static void verify_one(struct ctx *c, unsigned int qi, unsigned int si)
{
	struct queue *q = &c->q[qi];
	struct slot *s = &q->slot[si];
	uint8_t *out = slot_ptr(&c->host_out, qi, si, c->depth);
	int st = kt_wait(c->fd, q->id, s->seq, WAIT_MS), ok = 1;

	if (st) {
		printf("stress: queue %u job %llu (%s): status %d\n", q->id,
		       (unsigned long long)s->seq, kind_names[s->kind], st);
		c->st->bad++;
		return;
	}
	if (s->kind == 0) {
		for (uint32_t i = 0; i < s->len / 4 && ok; i++)
			ok = ((uint32_t *)(out + s->off))[i] == s->seed;
	} else if (s->kind == 4) {
		for (uint32_t b = 0; b < s->len / 8 && ok; b++)
			ok = ((uint64_t *)out)[b] == (((uint64_t)s->seed << 32) | 0x1234) + b;
	} else {
		for (uint32_t i = 0; i < s->len / 4 && ok; i++)
			ok = ((uint32_t *)(out + s->off))[i] == word(s->seed, i);
	}
	/* Nothing written outside the job's range. */
	for (uint32_t i = 0; i < s->off / 4 && ok; i++)
		ok = ((uint32_t *)out)[i] == 0;
	if (!ok) {
		printf("stress: queue %u job %llu (%s, %u bytes at +%u): wrong result\n", q->id,
		       (unsigned long long)s->seq, kind_names[s->kind], s->len, s->off);
		c->st->bad++;
	} else {
		c->st->verified++;
	}
}

static int worker(unsigned int id, int seconds, int nq, int depth, uint64_t seed,
		  struct stats *st)
{
	struct ctx c = { .nq = nq, .depth = depth, .st = st };
	size_t per = (size_t)nq * depth * SLOT;
	int64_t end = kt_deadline(seconds * 1000LL);
	struct kt_cmd wcmd;
	int failed = 0;

	c.rng = seed * 0x9e3779b97f4a7c15ULL + 77 * id + 1;
	c.fd = kt_open();
	kt_buf_new(c.fd, &c.host_in, per, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(c.fd, &c.host_out, per, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(c.fd, &c.dev, per, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(c.fd, &c.dev2, per, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(c.fd, &c.prog, per, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(c.fd, &c.sgt, per, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(c.fd, &c.flags, 4096 + 8 * MAXQ * MAXD, DRM_SINAN_BO_PLACEMENT_HOST);
	memset(c.flags.map, 0, c.flags.size);
	kt_cmd_new(c.fd, &wcmd, 4096);
	for (int i = 0; i < nq; i++) {
		struct queue *q = &c.q[i];

		q->compute = (i % 3) != 2;
		q->id = kt_queue_create(c.fd, q->compute ? DRM_SINAN_ENGINE_COMPUTE :
				     DRM_SINAN_ENGINE_COPY, 0);
		q->next_seq = 1;
		KT_EQ(drmSyncobjCreate(c.fd, 0, &q->timeline), 0);
		for (int d = 0; d < depth; d++)
			kt_cmd_new(c.fd, &q->cmd[d], 4096);
	}
	while (kt_now_ns() < end) {
		for (int i = 0; i < nq; i++) {
			struct queue *q = &c.q[i];
			unsigned int si;

			/* Retire the oldest job when the queue is full (or at random). */
			if (q->count == (unsigned int)depth ||
			    (q->count && rel_range(&c.rng, 4) == 0)) {
				verify_one(&c, i, q->head);
				q->head = (q->head + 1) % depth;
				q->count--;
			}
			si = (q->head + q->count) % depth;
			submit_one(&c, i, si);
			q->count++;
			if (q->slot[si].kind == 5) {
				/* The waiter runs on the next queue; wait for it at once. */
				uint32_t wq = c.q[(i + 1) % nq].id;
				uint64_t wseq;

				submit_waiter(&c, i, si, &wcmd, wq, &wseq);
				c.q[(i + 1) % nq].next_seq = wseq + 1;
				c.q[(i + 1) % nq].submitted++;
				if (kt_wait(c.fd, wq, wseq, WAIT_MS)) {
					printf("stress: chained waiter failed\n");
					st->bad++;
				}
			}
		}
	}
	/* Drain, then the end-of-run checks. */
	for (int i = 0; i < nq; i++) {
		struct queue *q = &c.q[i];
		struct drm_sinan_queue_status qs;
		uint64_t counter, point = 0;

		while (q->count) {
			verify_one(&c, i, q->head);
			q->head = (q->head + 1) % depth;
			q->count--;
		}
		qs = kt_queue_status(c.fd, q->id);
		if (qs.last_seq != qs.done_seq || qs.last_seq != q->submitted ||
		    qs.state != DRM_SINAN_QUEUE_STATE_ACTIVE) {
			printf("stress: queue %u: last_seq %llu done_seq %llu, submitted %llu, state %u\n",
			       q->id, (unsigned long long)qs.last_seq,
			       (unsigned long long)qs.done_seq, (unsigned long long)q->submitted,
			       qs.state);
			failed = 1;
		}
		counter = ((volatile uint64_t *)c.flags.map)[i];
		/* The waiters do not count; every other job adds exactly 1. */
		if (counter != q->points) {
			printf("stress: queue %u: %llu executions counted for %llu jobs\n", q->id,
			       (unsigned long long)counter, (unsigned long long)q->points);
			if (counter < q->points)
				st->lost += q->points - counter;
			else
				st->dup += counter - q->points;
		}
		KT_EQ(drmSyncobjQuery(c.fd, &q->timeline, &point, 1), 0);
		if (point != q->points) {
			printf("stress: queue %u: timeline at %llu, %llu points signalled\n", q->id,
			       (unsigned long long)point, (unsigned long long)q->points);
			failed = 1;
		}
	}
	/* Half the workers clean up, half leave it to exit(). */
	if (id & 1) {
		for (int i = 0; i < nq; i++) {
			for (int d = 0; d < depth; d++)
				kt_cmd_free(c.fd, &c.q[i].cmd[d]);
			drmSyncobjDestroy(c.fd, c.q[i].timeline);
			kt_queue_destroy(c.fd, c.q[i].id);
		}
		kt_cmd_free(c.fd, &wcmd);
		kt_buf_free(c.fd, &c.host_in);
		kt_buf_free(c.fd, &c.host_out);
		kt_buf_free(c.fd, &c.dev);
		kt_buf_free(c.fd, &c.dev2);
		kt_buf_free(c.fd, &c.prog);
		kt_buf_free(c.fd, &c.sgt);
		kt_buf_free(c.fd, &c.flags);
	}
	close(c.fd);
	return failed;
}

static int run(int procs, int seconds, int nq, int depth, uint64_t seed, struct stats *total)
{
	struct stats *st = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);
	int failed = 0;

	memset(st, 0, sizeof(*st) * procs);
	for (int i = 0; i < procs; i++)
		if (kt_fork() == 0)
			_exit(worker(i, seconds, nq, depth, seed + i, &st[i]));
	for (int i = 0; i < procs; i++) {
		int ws;

		if (wait(&ws) < 0)
			break;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws)) {
			printf("stress: a worker %s %d\n", WIFSIGNALED(ws) ? "was killed by signal" :
			       "exited with", WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
			failed++;
		}
	}
	for (int i = 0; i < procs; i++) {
		total->jobs += st[i].jobs;
		total->verified += st[i].verified;
		total->lost += st[i].lost;
		total->dup += st[i].dup;
		total->bad += st[i].bad;
		for (int k = 0; k < 6; k++)
			total->kinds[k] += st[i].kinds[k];
	}
	munmap(st, 4096 * 4);
	return failed;
}

int main(int argc, char **argv)
{
	int seconds = (int)rel_opt(argc, argv, "--seconds", 20);
	int procs = (int)rel_opt(argc, argv, "--procs", 3);
	int nq = (int)rel_opt(argc, argv, "--queues", 3);
	int depth = (int)rel_opt(argc, argv, "--depth", 4);
	uint64_t seed = (uint64_t)rel_opt(argc, argv, "--seed", (long)time(NULL));
	struct stats warm = { 0 }, total = { 0 };
	struct rel_counts c0;
	long long avail0, slab0, avail1, slab1, avail2, slab2;
	int passed = 0, failed = 0, splats;

	setvbuf(stdout, NULL, _IOLBF, 0);
	kt_child = 1;
	if (nq > MAXQ || depth > MAXD || procs > 16 || nq < 1 || depth < 1 || procs < 1) {
		printf("stress: at most 16 processes, %d queues, depth %d\n", MAXQ, MAXD);
		return rel_finish("stress", 0, 1);
	}
	rel_dmesg_splats("stress");
	if (rel_read_counts(&c0))
		return rel_finish("stress", 0, 1);
	printf("stress: %d processes x %d queues x depth %d for %d s, seed %llu\n", procs, nq,
	       depth, seconds, (unsigned long long)seed);
	/* Warm-up: the kernel's caches grow once; memory is measured after it. */
	failed += run(procs, 2, nq, depth, seed ^ 0xabcdef, &warm);
	rel_counts_settle(c0.devmem_free, 20000, "stress (warm-up)");
	avail0 = rel_meminfo("MemAvailable");
	slab0 = rel_meminfo("Slab");

	/*
	 * Two halves; memory after each. Caches may grow once (slub_debug's
	 * tracking, KFENCE, the shmem and DMA pools): a leak grows in both.
	 */
	failed += run(procs, (seconds + 1) / 2, nq, depth, seed, &total);
	if (rel_counts_settle(c0.devmem_free, 30000, "stress (first half)"))
		failed++;
	avail1 = rel_meminfo("MemAvailable");
	slab1 = rel_meminfo("Slab");
	failed += run(procs, (seconds + 1) / 2, nq, depth, seed + 1000, &total);
	if (rel_counts_settle(c0.devmem_free, 30000, "stress"))
		failed++;
	else
		passed++;
	avail2 = rel_meminfo("MemAvailable");
	slab2 = rel_meminfo("Slab");
	printf("stress: guest memory: MemAvailable %lld -> %lld -> %lld KiB, Slab %lld -> %lld -> %lld KiB\n",
	       avail0, avail1, avail2, slab0, slab1, slab2);
	if ((avail0 - avail1 > 4096 && avail1 - avail2 > 4096) ||
	    (slab1 - slab0 > 2048 && slab2 - slab1 > 2048)) {
		printf("stress: guest memory grows run after run\n");
		failed++;
	} else {
		passed++;
	}
	splats = rel_dmesg_splats("stress");
	failed += splats != 0;
	passed += splats == 0;
	printf("stress: jobs by kind:");
	for (int k = 0; k < 6; k++)
		printf(" %s %lld", kind_names[k], total.kinds[k]);
	printf("\n");
	printf("stress: %lld jobs submitted, %lld verified, %lld lost, %lld duplicated, %lld wrong, %d oopses/warnings\n",
	       total.jobs, total.verified, total.lost, total.dup, total.bad, splats);
	if (total.lost || total.dup || total.bad || total.verified + warm.verified == 0 ||
	    total.verified != total.jobs)
		failed++;
	else
		passed++;
	return rel_finish("stress", passed, failed);
}

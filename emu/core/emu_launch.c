// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: LAUNCH of AI-core programs (sinan_pkt.h
 * struct sinan_pkt_launch, sinan_isa.h).
 *
 * A launch reads the program once through the queue's MMU context, then
 * runs block b on core b % cores, a core's blocks one after another. Cores
 * run in parallel on a pool of host threads (cfg.host_threads, counting the
 * queue worker that submitted the launch, which runs cores too). One launch
 * uses the cores at a time; a queue waiting for them still honours a reset.
 *
 * Modeled time: each core's blocks add up (isa_cost.c); the launch takes
 * the longest core, after the packet's launch overhead (emu_cost.c). The
 * same program and inputs always give the same cycles: a core's timeline
 * depends only on its own instructions and the number of active cores.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "isa_int.h"

struct emu_corepool {
	struct sinan_emu *emu;
	struct emu_core *cores;
	unsigned int ncores;
	uint8_t *lbmem;			/* every core's local buffers, one mapping */
	size_t lbmem_size;
	pthread_t *threads;
	unsigned int nthreads;
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a launch has cores to hand out, or shutdown */
	pthread_cond_t done;		/* a core finished, or the pool became free */
	struct emu_launch_ctx *cur;	/* the launch running, NULL if none */
	bool busy;			/* a launch owns the cores */
	bool shutdown;
	uint8_t *prog;			/* program copy of the running launch */
	size_t prog_cap;
};

static void run_core(struct emu_corepool *pool, struct emu_launch_ctx *L, unsigned int i)
{
	struct emu_core *c = &pool->cores[i];

	for (uint64_t b = i; b < L->blocks; b += pool->ncores) {
		if (isa_should_stop(c)) {
			isa_fail(c, SINAN_ERR_ABORTED, L->prog_va, 0, 0, 0);
		} else if (!isa_run_block(c, (uint32_t)b)) {
			continue;
		} else {
			/* the failing block ran until its fault */
			c->base_cycles += isa_cost_block_end(c);
		}
		/* A core stopped because another failed reports ABORTED: keep the cause. */
		pthread_mutex_lock(&pool->lock);
		if (!L->err || (L->err == SINAN_ERR_ABORTED && c->fault.err != SINAN_ERR_ABORTED)) {
			L->err = (int)c->fault.err;
			L->fault = c->fault;
		}
		pthread_mutex_unlock(&pool->lock);
		__atomic_store_n(&L->abort, 1, __ATOMIC_RELAXED);
		break;
	}
	L->core_cycles[i] = c->base_cycles;
}

/* Hand out the launch's cores until none is left. Called with pool->lock held. */
static void claim_cores_locked(struct emu_corepool *pool, struct emu_launch_ctx *L)
{
	while (L->next_core < L->ncores) {
		unsigned int i = L->next_core++;

		pthread_mutex_unlock(&pool->lock);
		run_core(pool, L, i);
		pthread_mutex_lock(&pool->lock);
		if (++L->done_cores == L->ncores)
			pthread_cond_broadcast(&pool->done);
	}
}

static void *pool_thread(void *arg)
{
	struct emu_corepool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->shutdown && !(pool->cur && pool->cur->next_core < pool->cur->ncores))
			pthread_cond_wait(&pool->work, &pool->lock);
		if (pool->shutdown)
			break;
		claim_cores_locked(pool, pool->cur);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Wait until no launch owns the cores; false if the queue is told to stop. */
static bool pool_acquire(struct emu_corepool *pool, struct emu_queue *q)
{
	pthread_mutex_lock(&pool->lock);
	while (pool->busy) {
		struct timespec ts;

		if (__atomic_load_n(&q->stop_req, __ATOMIC_RELAXED)) {
			pthread_mutex_unlock(&pool->lock);
			return false;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pool->done, &pool->lock, &ts);
	}
	pool->busy = true;
	pthread_mutex_unlock(&pool->lock);
	return true;
}

static void pool_release(struct emu_corepool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->busy = false;
	pthread_cond_broadcast(&pool->done);
	pthread_mutex_unlock(&pool->lock);
}

static int launch_fail(struct emu_fault *f, unsigned int err, uint64_t addr)
{
	f->err = err;
	f->addr = addr;
	f->info = 0;
	return -1;
}

/* Copy the program; a fault only matters if a core fetches past prog_valid. */
static int load_program(struct emu_corepool *pool, struct emu_launch_ctx *L)
{
	struct emu_tlb tlb;
	struct emu_actor a = { .q = L->q, .tlb = &tlb, .unit = SINAN_FAULT_UNIT_CORE(0) };

	if (pool->prog_cap < L->prog_size) {
		uint8_t *p = realloc(pool->prog, L->prog_size);

		if (!p)
			return -1;
		pool->prog = p;
		pool->prog_cap = L->prog_size;
	}
	emu_tlb_flush(&tlb);
	tlb.gen = atomic_load(&pool->emu->tlb_gen);
	L->prog = pool->prog;
	L->prog_valid = L->prog_size;
	if (emu_va_read(&a, L->prog_va, pool->prog, L->prog_size, EMU_ACCESS_FETCH, &L->prog_fault))
		L->prog_valid = L->prog_fault.addr - L->prog_va;
	return 0;
}

int emu_launch(struct emu_queue *q, const struct sinan_pkt_launch *p, uint64_t *cycles,
	       struct emu_fault *f)
{
	struct sinan_emu *emu = q->emu;
	struct emu_corepool *pool = emu->pool;
	struct emu_launch_ctx L;
	uint64_t wd = (uint64_t)__atomic_load_n(&q->watchdog_kc, __ATOMIC_RELAXED) * 1000;
	uint64_t overhead = emu_cost_packet(emu, SINAN_OP_LAUNCH);
	uint64_t max = 0;

	*cycles = 0;
	if (p->blocks == 0 || p->blocks > SINAN_LAUNCH_MAX_BLOCKS || p->prog_size == 0 ||
	    p->prog_size > SINAN_LAUNCH_MAX_PROG_SIZE) {
		emu_guest_error(emu, "sinan-npu: queue %u: LAUNCH of %u blocks, %llu bytes of program: "
				"out of range", q->id, p->blocks, (unsigned long long)p->prog_size);
		return launch_fail(f, SINAN_ERR_BAD_PACKET, p->prog);
	}
	if ((p->prog & 7) || (p->prog_size & 7))
		return launch_fail(f, SINAN_ERR_ALIGN, p->prog);
	if (!pool_acquire(pool, q))
		return launch_fail(f, SINAN_ERR_ABORTED, p->prog);

	memset(&L, 0, sizeof(L));
	L.q = q;
	L.prog_va = p->prog;
	L.prog_size = p->prog_size;
	L.args = p->args;
	L.blocks = p->blocks;
	L.ncores = p->blocks < pool->ncores ? p->blocks : pool->ncores;
	/* The packet's own overhead counts against the watchdog too. */
	L.wd_limit = wd ? (wd > overhead ? wd - overhead : 1) : 0;
	L.strict_sync = emu->cfg.strict_sync;
	if (load_program(pool, &L)) {
		pool_release(pool);
		emu_guest_error(emu, "sinan-npu: queue %u: LAUNCH: host out of memory", q->id);
		return launch_fail(f, SINAN_ERR_ABORTED, p->prog);
	}
	for (unsigned int i = 0; i < L.ncores; i++) {
		struct emu_core *c = &pool->cores[i];

		c->L = &L;
		c->actor = (struct emu_actor){ .q = q, .tlb = &c->tlb, .unit = SINAN_FAULT_UNIT_CORE(i) };
		emu_tlb_flush(&c->tlb);
		c->tlb.gen = atomic_load(&emu->tlb_gen);
		c->base_cycles = 0;
		memset(&c->fault, 0, sizeof(c->fault));
	}

	pthread_mutex_lock(&pool->lock);
	pool->cur = &L;
	pthread_cond_broadcast(&pool->work);
	claim_cores_locked(pool, &L);
	while (L.done_cores < L.ncores)
		pthread_cond_wait(&pool->done, &pool->lock);
	pool->cur = NULL;
	pthread_mutex_unlock(&pool->lock);
	pool_release(pool);

	for (unsigned int i = 0; i < L.ncores; i++)
		if (L.core_cycles[i] > max)
			max = L.core_cycles[i];
	*cycles = max;
	if (L.err) {
		*f = L.fault;
		return -1;
	}
	return 0;
}

/* ---- pool lifetime ----------------------------------------------------------------- */

static void free_cores(struct emu_corepool *pool)
{
	for (unsigned int i = 0; i < pool->ncores; i++) {
		free(pool->cores[i].scratch);
		isa_cost_free(&pool->cores[i]);
	}
	if (pool->lbmem)
		munmap(pool->lbmem, pool->lbmem_size);
	free(pool->cores);
}

int emu_corepool_init(struct sinan_emu *emu)
{
	const struct sinan_emu_config *cfg = &emu->cfg;
	struct emu_corepool *pool = calloc(1, sizeof(*pool));
	uint64_t sizes[SINAN_BUF_COUNT] = {
		0, cfg->l1_size, cfg->l0a_size, cfg->l0b_size, cfg->l0c_size, cfg->ub_size,
	};
	size_t per_core = 0, off = 0;
	long ncpu;
	unsigned int threads;

	if (!pool)
		return -1;
	pool->emu = emu;
	pool->ncores = cfg->num_cores;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->done, NULL);
	pool->cores = calloc(pool->ncores, sizeof(*pool->cores));
	if (!pool->cores)
		goto err;
	for (unsigned int b = 0; b < SINAN_BUF_COUNT; b++)
		per_core += sizes[b];
	/* Lazily backed and zero-filled: untouched buffers cost no host RAM. */
	pool->lbmem_size = per_core * pool->ncores;
	pool->lbmem = mmap(NULL, pool->lbmem_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pool->lbmem == MAP_FAILED) {
		pool->lbmem = NULL;
		goto err;
	}
	for (unsigned int i = 0; i < pool->ncores; i++) {
		struct emu_core *c = &pool->cores[i];

		c->emu = emu;
		c->id = i;
		for (unsigned int b = 1; b < SINAN_BUF_COUNT; b++) {
			c->lb[b] = pool->lbmem + off;
			c->lsize[b] = sizes[b];
			off += sizes[b];
		}
		/* Cube operands widened to 32 bits (fp32 or int16 pairs): 2x L0A/L0B. */
		c->scratch_size = 2 * ((size_t)cfg->l0a_size + cfg->l0b_size);
		if (posix_memalign(&c->scratch, 64, c->scratch_size))
			goto err;
	}

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	threads = cfg->host_threads ? cfg->host_threads : (ncpu > 0 ? (unsigned int)ncpu : 1);
	if (threads > pool->ncores)
		threads = pool->ncores;
	/* The queue worker that submits a launch runs cores too. */
	pool->threads = calloc(threads, sizeof(*pool->threads));
	if (!pool->threads)
		goto err;
	for (unsigned int i = 0; i + 1 < threads; i++) {
		if (pthread_create(&pool->threads[i], NULL, pool_thread, pool))
			break;
		pool->nthreads++;
	}
	emu->pool = pool;
	return 0;

err:
	free_cores(pool);
	free(pool->threads);
	pthread_cond_destroy(&pool->work);
	pthread_cond_destroy(&pool->done);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
	return -1;
}

void emu_corepool_fini(struct sinan_emu *emu)
{
	struct emu_corepool *pool = emu->pool;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->shutdown = true;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	free(pool->threads);
	free_cores(pool);
	free(pool->prog);
	pthread_cond_destroy(&pool->work);
	pthread_cond_destroy(&pool->done);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
	emu->pool = NULL;
}

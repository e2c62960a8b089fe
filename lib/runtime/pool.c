// SPDX-License-Identifier: MIT
/*
 * libsinan caching pool allocator: tensors and small runtime objects
 * (command memory, argument blocks, events) without a driver call each.
 *
 *  - small requests (up to block_size / 4) are rounded up to a power of two
 *    (at least 256 bytes) and carved out of blocks: one driver buffer of
 *    block_size bytes per block, split into equal slots of one class;
 *  - larger requests get a driver buffer of their own, which goes to a
 *    cache when released and is reused for a request of up to its size
 *    (and at least half of it);
 *  - free blocks and cached buffers beyond max_cached go back to the driver.
 *
 * A released piece is reused only once every job that used it has retired
 * (the buffer's references include its jobs), so reuse never races the device.
 */
#include <stdlib.h>
#include <string.h>

#include <sinan_hw/sinan_mmu.h>

#include "sinan_int.h"

#define POOL_MIN_CLASS_SHIFT	8	/* 256 bytes */
#define POOL_CLASSES		24

struct pool_block {
	struct list link;		/* pool->blocks[class] */
	struct sinan_bo *bo;
	uint32_t cls;
	uint32_t nslots, nfree;
	uint64_t *bitmap;		/* 1 = used */
};

struct cached_bo {
	struct list link;
	struct sinan_bo *bo;
};

struct sinan_pool {
	uint32_t magic;
	struct sinan_device *dev;
	pthread_mutex_t lock;
	uint32_t placement, flags;
	uint64_t block_size, max_cached;
	bool internal;
	bool user_destroyed;
	struct list blocks[POOL_CLASSES];
	struct list cache;		/* struct cached_bo, most recent last */
	uint64_t outstanding;		/* pieces not yet released */
	uint64_t user_live;		/* pieces the user has not destroyed */
	struct sinan_pool_stats st;
	struct list link;
};

static unsigned int class_of(uint64_t bytes)
{
	unsigned int c = 0;

	while ((1ULL << (c + POOL_MIN_CLASS_SHIFT)) < bytes)
		c++;
	return c;
}

static uint64_t class_bytes(unsigned int c)
{
	return 1ULL << (c + POOL_MIN_CLASS_SHIFT);
}

struct sinan_pool *pool_new(struct sinan_device *dev, const struct sinan_pool_options *o, bool internal)
{
	struct sinan_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->magic = MAGIC_POOL;
	p->dev = dev;
	pthread_mutex_init(&p->lock, NULL);
	p->placement = o->placement;
	p->flags = o->flags;
	p->block_size = o->block_size ? ALIGN_UP(o->block_size, SINAN_PAGE_SIZE) : (4u << 20);
	p->max_cached = o->max_cached ? o->max_cached : (256u << 20);
	p->internal = internal;
	for (unsigned int i = 0; i < POOL_CLASSES; i++)
		list_init(&p->blocks[i]);
	list_init(&p->cache);
	p->st.size = sizeof(p->st);
	if (!internal) {
		pthread_mutex_lock(&dev->lock);
		list_add_tail(&dev->pools, &p->link);
		pthread_mutex_unlock(&dev->lock);
	} else {
		list_init(&p->link);
	}
	return p;
}

static void block_free(struct sinan_pool *p, struct pool_block *b)
{
	list_del(&b->link);
	p->st.reserved -= b->bo->size;
	bo_unref(b->bo);
	free(b->bitmap);
	free(b);
}

/* Give back free blocks and cached buffers until at most @keep bytes are held. */
static void pool_shrink_locked(struct sinan_pool *p, uint64_t keep)
{
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, &p->cache) {
		struct cached_bo *c = container_of(it, struct cached_bo, link);

		if (p->st.cached <= keep)
			return;
		list_del(&c->link);
		p->st.cached -= c->bo->size;
		p->st.reserved -= c->bo->size;
		bo_unref(c->bo);
		free(c);
	}
	for (unsigned int i = 0; i < POOL_CLASSES; i++) {
		list_for_each_safe(it, tmp, &p->blocks[i]) {
			struct pool_block *b = container_of(it, struct pool_block, link);

			if (p->st.cached <= keep)
				return;
			if (b->nfree != b->nslots)
				continue;
			p->st.cached -= b->bo->size;
			block_free(p, b);
		}
	}
}

void pool_free_all(struct sinan_pool *p)
{
	struct list *it, *tmp;

	pthread_mutex_lock(&p->lock);
	list_for_each_safe(it, tmp, &p->cache) {
		struct cached_bo *c = container_of(it, struct cached_bo, link);

		list_del(&c->link);
		bo_unref(c->bo);
		free(c);
	}
	for (unsigned int i = 0; i < POOL_CLASSES; i++)
		list_for_each_safe(it, tmp, &p->blocks[i])
			block_free(p, container_of(it, struct pool_block, link));
	pthread_mutex_unlock(&p->lock);
	if (!p->internal) {
		pthread_mutex_lock(&p->dev->lock);
		list_del(&p->link);
		pthread_mutex_unlock(&p->dev->lock);
	}
	pthread_mutex_destroy(&p->lock);
	p->magic = MAGIC_DEAD;
	free(p);
}

static sinan_status zero_piece(struct sinan_buffer *b)
{
	void *cpu;
	sinan_status st = bo_map(b->bo, &cpu);

	if (!st)
		memset((uint8_t *)cpu + b->offset, 0, b->size);
	return st;
}

static sinan_status pool_alloc_locked(struct sinan_pool *p, uint64_t bytes, struct sinan_buffer *b)
{
	sinan_status st;

	p->st.allocs++;
	if (bytes <= p->block_size / 4) {
		unsigned int c = class_of(bytes);
		struct pool_block *blk = NULL;
		struct list *it, *tmp;
		uint32_t slot;

		list_for_each_safe(it, tmp, &p->blocks[c]) {
			struct pool_block *x = container_of(it, struct pool_block, link);

			if (x->nfree) {
				blk = x;
				break;
			}
		}
		if (blk) {
			p->st.hits++;
			if (blk->nfree == blk->nslots)
				p->st.cached -= blk->bo->size;
		} else {
			blk = calloc(1, sizeof(*blk));
			if (!blk)
				return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
			blk->cls = c;
			blk->nslots = (uint32_t)(p->block_size / class_bytes(c));
			blk->nfree = blk->nslots;
			blk->bitmap = calloc((blk->nslots + 63) / 64, sizeof(uint64_t));
			st = blk->bitmap ? bo_create(p->dev, p->block_size, p->placement, 0, &blk->bo) :
					   sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
			if (st) {
				free(blk->bitmap);
				free(blk);
				return st;
			}
			p->st.driver_allocs++;
			p->st.reserved += blk->bo->size;
			list_add_tail(&p->blocks[c], &blk->link);
		}
		for (slot = 0; slot < blk->nslots; slot++)
			if (!(blk->bitmap[slot / 64] & (1ULL << (slot % 64))))
				break;
		blk->bitmap[slot / 64] |= 1ULL << (slot % 64);
		blk->nfree--;
		b->bo = blk->bo;
		b->block = blk;
		b->pool_class = c;
		b->offset = slot * class_bytes(c);
		b->size = bytes;
		p->st.in_use += class_bytes(c);
	} else {
		uint64_t need = ALIGN_UP(bytes, SINAN_PAGE_SIZE);
		struct cached_bo *best = NULL;
		struct list *it, *tmp;

		list_for_each_safe(it, tmp, &p->cache) {
			struct cached_bo *c = container_of(it, struct cached_bo, link);

			if (c->bo->size >= need && c->bo->size / 2 <= need && (!best || c->bo->size < best->bo->size))
				best = c;
		}
		if (best) {
			p->st.hits++;
			list_del(&best->link);
			p->st.cached -= best->bo->size;
			b->bo = best->bo;
			free(best);
		} else {
			st = bo_create(p->dev, need, p->placement, 0, &b->bo);
			if (st == SINAN_E_OUT_OF_DEVICE_MEMORY && p->st.cached) {
				/* Cached memory of other sizes may be what is missing. */
				pool_shrink_locked(p, 0);
				st = bo_create(p->dev, need, p->placement, 0, &b->bo);
			}
			if (st)
				return st;
			p->st.driver_allocs++;
			p->st.reserved += b->bo->size;
		}
		b->block = NULL;
		b->offset = 0;
		b->size = bytes;
		p->st.in_use += b->bo->size;
	}
	p->outstanding++;
	p->user_live++;
	return SINAN_OK;
}

/* A piece of @p of @bytes as a buffer handle; @user: counted as a handle the user must destroy. */
static sinan_status pool_piece(struct sinan_pool *p, uint64_t bytes, bool user, struct sinan_buffer **out)
{
	struct sinan_buffer *b = calloc(1, sizeof(*b));
	sinan_status st;

	if (!b)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	b->magic = MAGIC_BUFFER;
	b->kind = BUF_POOL;
	b->dev = p->dev;
	b->pool = p;
	atomic_init(&b->refs, 1);
	pthread_mutex_lock(&p->lock);
	st = pool_alloc_locked(p, bytes, b);
	if (!st && !user)
		p->user_live--;
	pthread_mutex_unlock(&p->lock);
	if (st) {
		free(b);
		return st;
	}
	buffer_track(b);
	*out = b;
	return SINAN_OK;
}

sinan_status internal_alloc(struct sinan_device *dev, uint32_t placement, uint64_t size, struct sinan_buffer **out)
{
	return pool_piece(placement == SINAN_MEM_HOST ? dev->pool_host : dev->pool_dev, size, false, out);
}

void pool_release(struct sinan_buffer *b)
{
	struct sinan_pool *p = b->pool;
	bool free_pool;

	pthread_mutex_lock(&p->lock);
	if (b->block) {
		struct pool_block *blk = b->block;
		uint64_t slot = b->offset / class_bytes(blk->cls);

		blk->bitmap[slot / 64] &= ~(1ULL << (slot % 64));
		blk->nfree++;
		p->st.in_use -= class_bytes(blk->cls);
		if (blk->nfree == blk->nslots)
			p->st.cached += blk->bo->size;
	} else {
		struct cached_bo *c = calloc(1, sizeof(*c));

		p->st.in_use -= b->bo->size;
		if (c) {
			c->bo = b->bo;
			list_add_tail(&p->cache, &c->link);
			p->st.cached += b->bo->size;
		} else {
			p->st.reserved -= b->bo->size;
			bo_unref(b->bo);
		}
	}
	if (p->st.cached > p->max_cached)
		pool_shrink_locked(p, p->max_cached);
	p->outstanding--;
	free_pool = p->user_destroyed && !p->outstanding;
	pthread_mutex_unlock(&p->lock);
	if (free_pool)
		pool_free_all(p);
}

/* ---- API ------------------------------------------------------------------------------ */

static struct sinan_pool *pool_get(sinan_pool_t p)
{
	if (!p || p->magic != MAGIC_POOL || p->internal || p->user_destroyed) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "pool handle is NULL or destroyed");
		return NULL;
	}
	return p;
}

SINAN_API sinan_status sinan_pool_create(sinan_device_t d, const struct sinan_pool_options *opts, sinan_pool_t *out)
{
	struct sinan_pool_options o = { .size = sizeof(o) };
	struct sinan_device *dev;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "pool is NULL");
	*out = NULL;
	if (opts) {
		CHECK_ARG(opts->size >= offsetof(struct sinan_pool_options, flags) + sizeof(uint32_t),
			  "opts->size is %zu: set it to sizeof(struct sinan_pool_options)", opts->size);
		memcpy(&o, opts, MIN(opts->size, sizeof(o)));
	}
	CHECK_ARG(o.placement <= SINAN_MEM_HOST, "placement %u is not SINAN_MEM_DEVICE or SINAN_MEM_HOST", o.placement);
	CHECK_ARG(!(o.flags & ~SINAN_BUFFER_ZERO), "flags 0x%x: only SINAN_BUFFER_ZERO is allowed", o.flags);
	CHECK_ARG(!o.block_size || (o.block_size >= 64 * 1024 && o.block_size <= (1ULL << 30)),
		  "block_size %llu: use 0 or 64 KiB .. 1 GiB", (unsigned long long)o.block_size);
	*out = pool_new(dev, &o, false);
	return *out ? SINAN_OK : sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
}

SINAN_API sinan_status sinan_pool_destroy(sinan_pool_t pool)
{
	struct sinan_pool *p;
	bool now;

	API_ENTER();
	p = pool_get(pool);
	if (!p)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&p->lock);
	if (p->user_live) {
		uint64_t n = p->user_live;

		pthread_mutex_unlock(&p->lock);
		return sinan_error(SINAN_E_BUSY, "%llu buffers of this pool are not destroyed yet",
				   (unsigned long long)n);
	}
	p->user_destroyed = true;
	now = !p->outstanding;	/* else the last job to retire frees it */
	pthread_mutex_unlock(&p->lock);
	if (now)
		pool_free_all(p);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_pool_alloc(sinan_pool_t pool, uint64_t bytes, sinan_buffer_t *out)
{
	struct sinan_pool *p;
	struct sinan_buffer *b;
	sinan_status st;

	API_ENTER();
	p = pool_get(pool);
	if (!p)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "buf is NULL");
	*out = NULL;
	CHECK_ARG(bytes, "bytes is 0");
	CHECK_ARG(bytes <= p->dev->props.va_end - p->dev->props.va_start, "bytes %llu is too large",
		  (unsigned long long)bytes);
	st = pool_piece(p, bytes, true, &b);
	if (st)
		return st;
	if (p->flags & SINAN_BUFFER_ZERO) {
		st = zero_piece(b);
		if (st) {
			b->user_destroyed = true;
			pool_user_release(b);
			buffer_unref(b);
			return st;
		}
	}
	*out = b;
	return SINAN_OK;
}

/* Called by sinan_buffer_destroy() for pool pieces: the user's part is over. */
void pool_user_release(struct sinan_buffer *b)
{
	pthread_mutex_lock(&b->pool->lock);
	b->pool->user_live--;
	pthread_mutex_unlock(&b->pool->lock);
}

SINAN_API sinan_status sinan_pool_trim(sinan_pool_t pool)
{
	struct sinan_pool *p;

	API_ENTER();
	p = pool_get(pool);
	if (!p)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&p->lock);
	pool_shrink_locked(p, 0);
	pthread_mutex_unlock(&p->lock);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_pool_get_stats(sinan_pool_t pool, struct sinan_pool_stats *stats)
{
	struct sinan_pool_stats s;
	struct sinan_pool *p;

	API_ENTER();
	p = pool_get(pool);
	if (!p)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&p->lock);
	s = p->st;
	pthread_mutex_unlock(&p->lock);
	return COPY_OUT(stats, s, allocs);
}

/* Device close: pools the user did not destroy. */
void pool_free_user_pools(struct sinan_device *dev)
{
	while (!list_empty(&dev->pools))
		pool_free_all(container_of(dev->pools.next, struct sinan_pool, link));
}

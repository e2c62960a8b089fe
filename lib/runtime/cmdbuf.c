// SPDX-License-Identifier: MIT
/*
 * libsinan command buffers: record once, replay many times.
 *
 * sinan_cmdbuf_end() uploads the packets (host memory) and argument blocks
 * (device memory) once; sinan_queue_exec() then submits that memory as a
 * job as it is: one driver call per replay. Slots make replays differ:
 *
 *  - a slot buffer (sinan_cmdbuf_slot) stands for a buffer bound later with
 *    sinan_cmdbuf_bind(); every packet field and argument that uses it is
 *    rewritten in place when the binding changes;
 *  - a value slot (sinan_arg.slot of a value argument) is rewritten by
 *    sinan_cmdbuf_set_value().
 *
 * Patching is refused (SINAN_E_BUSY) while an execution is in flight: the
 * device reads the same memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinan_int.h"

static struct sinan_cmdbuf *cmdbuf_get(sinan_cmdbuf_t c)
{
	if (!c || c->magic != MAGIC_CMDBUF || c->user_destroyed) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "command buffer handle is NULL or destroyed");
		return NULL;
	}
	return c;
}

struct sinan_cmdbuf *cmdbuf_get_ended(sinan_cmdbuf_t c)
{
	struct sinan_cmdbuf *cb = cmdbuf_get(c);

	if (cb && !cb->ended) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "the command buffer is still recording: sinan_cmdbuf_end() first");
		return NULL;
	}
	return cb;
}

SINAN_API sinan_status sinan_cmdbuf_create(sinan_device_t d, sinan_cmdbuf_t *out)
{
	struct sinan_device *dev;
	struct sinan_cmdbuf *cb;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "cmdbuf is NULL");
	*out = NULL;
	cb = calloc(1, sizeof(*cb));
	if (!cb)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	cb->magic = MAGIC_CMDBUF;
	cb->dev = dev;
	pthread_mutex_init(&cb->lock, NULL);
	rec_init(&cb->rec, dev, true);
	atomic_init(&cb->refs, 1);
	pthread_mutex_lock(&dev->sched_lock);
	list_add_tail(&dev->cmdbufs, &cb->link);
	pthread_mutex_unlock(&dev->sched_lock);
	*out = cb;
	return SINAN_OK;
}

void cmdbuf_unref(struct sinan_cmdbuf *cb)
{
	if (atomic_fetch_sub(&cb->refs, 1) != 1)
		return;
	rec_fini(&cb->rec);
	if (cb->cmd)
		buffer_unref(cb->cmd);
	if (cb->args)
		buffer_unref(cb->args);
	if (cb->ts)
		buffer_unref(cb->ts);
	free(cb->desc);
	pthread_mutex_destroy(&cb->lock);
	cb->magic = MAGIC_DEAD;
	free(cb);
}

void cmdbuf_destroy_internal(struct sinan_cmdbuf *cb)
{
	pthread_mutex_lock(&cb->dev->sched_lock);
	cb->user_destroyed = true;
	list_del(&cb->link);
	pthread_mutex_unlock(&cb->dev->sched_lock);
	cmdbuf_unref(cb);
}

SINAN_API sinan_status sinan_cmdbuf_destroy(sinan_cmdbuf_t c)
{
	struct sinan_cmdbuf *cb;

	API_ENTER();
	cb = cmdbuf_get(c);
	if (!cb)
		return SINAN_E_INVALID_ARGUMENT;
	cmdbuf_destroy_internal(cb);
	return SINAN_OK;
}

static struct slot_def *slot_find(struct recorder *r, uint32_t slot)
{
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].slot == slot)
			return &r->slots[i];
	return NULL;
}

static struct slot_def *slot_add(struct recorder *r, uint32_t slot)
{
	if (r->nslots == r->slots_cap) {
		uint32_t nc = r->slots_cap ? r->slots_cap * 2 : 8;
		struct slot_def *n = realloc(r->slots, nc * sizeof(*n));

		if (!n) {
			sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
			return NULL;
		}
		r->slots = n;
		r->slots_cap = nc;
	}
	memset(&r->slots[r->nslots], 0, sizeof(r->slots[0]));
	r->slots[r->nslots].slot = slot;
	return &r->slots[r->nslots++];
}

SINAN_API sinan_status sinan_cmdbuf_slot(sinan_cmdbuf_t c, uint32_t slot, uint64_t bytes, sinan_buffer_t *out)
{
	struct sinan_cmdbuf *cb;
	struct sinan_buffer *b;
	struct slot_def *def;
	sinan_status st = SINAN_OK;

	API_ENTER();
	cb = cmdbuf_get(c);
	if (!cb)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "slot_buffer is NULL");
	*out = NULL;
	CHECK_ARG(slot, "slot 0 is reserved (it means 'not a slot')");
	CHECK_ARG(bytes, "bytes is 0");
	pthread_mutex_lock(&cb->lock);
	if (cb->ended) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "the command buffer has ended: slots are declared while recording");
		goto out;
	}
	if (slot_find(&cb->rec, slot)) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "slot %u is already declared", slot);
		goto out;
	}
	b = calloc(1, sizeof(*b));
	def = b ? slot_add(&cb->rec, slot) : NULL;
	if (!def) {
		free(b);
		st = sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		goto out;
	}
	b->magic = MAGIC_BUFFER;
	b->kind = BUF_SLOT;
	b->dev = cb->dev;
	b->size = bytes;
	b->cb = cb;
	b->slot = slot;
	atomic_init(&b->refs, 1);
	def->bytes = bytes;
	def->placeholder = b;
	*out = b;
out:
	pthread_mutex_unlock(&cb->lock);
	return st;
}

#define RECORD(ch, body)						\
	do {								\
		struct sinan_cmdbuf *cb_ = cmdbuf_get(ch);		\
		sinan_status st_;					\
									\
		if (!cb_)						\
			return SINAN_E_INVALID_ARGUMENT;		\
		pthread_mutex_lock(&cb_->lock);				\
		if (cb_->ended)						\
			st_ = sinan_error(SINAN_E_INVALID_ARGUMENT,	\
				"the command buffer has ended: record into a new one"); \
		else							\
			st_ = (body);					\
		pthread_mutex_unlock(&cb_->lock);			\
		return st_;						\
	} while (0)

SINAN_API sinan_status sinan_cmdbuf_copy(sinan_cmdbuf_t cmdbuf, sinan_buffer_t dst, uint64_t dst_offset,
					 sinan_buffer_t src, uint64_t src_offset, uint64_t size)
{
	API_ENTER();
	RECORD(cmdbuf, rec_copy(&cb_->rec, dst, dst_offset, src, src_offset, size));
}

SINAN_API sinan_status sinan_cmdbuf_fill(sinan_cmdbuf_t cmdbuf, sinan_buffer_t dst, uint64_t offset, uint64_t size,
					 uint32_t pattern)
{
	API_ENTER();
	RECORD(cmdbuf, rec_fill(&cb_->rec, dst, offset, size, pattern));
}

SINAN_API sinan_status sinan_cmdbuf_launch(sinan_cmdbuf_t cmdbuf, sinan_kernel_t kernel, const struct sinan_launch *launch)
{
	API_ENTER();
	RECORD(cmdbuf, rec_launch(&cb_->rec, kernel, launch, SINAN_ENGINE_COMPUTE));
}

SINAN_API sinan_status sinan_cmdbuf_barrier(sinan_cmdbuf_t cmdbuf)
{
	API_ENTER();
	RECORD(cmdbuf, rec_barrier(&cb_->rec));
}

SINAN_API sinan_status sinan_cmdbuf_timestamp(sinan_cmdbuf_t cmdbuf, sinan_event_t event)
{
	API_ENTER();
	RECORD(cmdbuf, cmdbuf_record_event(&cb_->rec, event));
}

/* Value slots are declared by use; a slot id names one kind of slot. */
static sinan_status check_slots(struct recorder *r)
{
	for (uint32_t i = 0; i < r->nuses; i++) {
		const struct slot_use *u = &r->uses[i];
		struct slot_def *def = slot_find(r, u->slot);
		bool value = u->where == PATCH_VALUE;

		if (!def) {
			def = slot_add(r, u->slot);
			if (!def)
				return SINAN_E_OUT_OF_MEMORY;
			def->is_value = true;
			def->bytes = u->size;
			memcpy(&def->value, r->args + u->pos, u->size);
		}
		if (def->is_value != value)
			return sinan_error(SINAN_E_INVALID_ARGUMENT, "slot %u is used both as a buffer slot and as a "
					   "value slot", u->slot);
	}
	return SINAN_OK;
}

SINAN_API sinan_status sinan_cmdbuf_end(sinan_cmdbuf_t c)
{
	struct sinan_cmdbuf *cb;
	uint64_t ts_va = 0;
	sinan_status st;
	void *p;

	API_ENTER();
	cb = cmdbuf_get(c);
	if (!cb)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&cb->lock);
	if (cb->ended) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "the command buffer has already ended");
		goto out;
	}
	if (!cb->rec.npkts) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "the command buffer is empty");
		goto out;
	}
	st = check_slots(&cb->rec);
	if (st)
		goto out;
	if (sinan_trace_on()) {
		st = internal_alloc(cb->dev, SINAN_MEM_HOST, 16, &cb->ts);
		if (st)
			goto out;
		ts_va = cb->ts->bo->va + cb->ts->offset;
		cb->cmd_shift = SINAN_PKT_SIZE;
	}
	st = rec_upload(&cb->rec, ts_va, &cb->cmd, &cb->args, &cb->desc, &cb->ndesc);
	if (st)
		goto out;
	st = bo_map(cb->cmd->bo, &p);
	if (st)
		goto out;
	cb->cmd_cpu = (uint8_t *)p + cb->cmd->offset;
	if (cb->args) {
		st = bo_map(cb->args->bo, &p);
		if (st)
			goto out;
		cb->args_cpu = (uint8_t *)p + cb->args->offset;
	}
	cb->ended = true;
out:
	pthread_mutex_unlock(&cb->lock);
	return st;
}

/* Is an execution in flight? Retire what completed first, so a finished replay does not count. */
static bool cmdbuf_busy(struct sinan_cmdbuf *cb)
{
	struct sinan_device *dev = cb->dev;
	struct sinan_queue *qs[64];
	unsigned int n = 0;
	struct list *it, *tmp;

	if (!atomic_load(&cb->inflight))
		return false;
	pthread_mutex_lock(&dev->sched_lock);
	list_for_each_safe(it, tmp, &dev->queues) {
		if (n < ARRAY_SIZE(qs))
			qs[n++] = container_of(it, struct sinan_queue, link);
	}
	pthread_mutex_unlock(&dev->sched_lock);
	for (unsigned int i = 0; i < n; i++)
		queue_job_status(qs[i], 0, 0);
	return atomic_load(&cb->inflight) != 0;
}

SINAN_API sinan_status sinan_cmdbuf_bind(sinan_cmdbuf_t c, uint32_t slot, sinan_buffer_t buffer, uint64_t offset)
{
	struct sinan_cmdbuf *cb;
	struct sinan_buffer *b;
	struct slot_def *def;
	sinan_status st = SINAN_OK;

	API_ENTER();
	cb = cmdbuf_get(c);
	if (!cb)
		return SINAN_E_INVALID_ARGUMENT;
	b = buffer_get(buffer, "buffer");
	if (!b)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(b->dev == cb->dev, "buffer belongs to another device");
	CHECK_ARG(b->kind != BUF_SLOT, "a slot buffer cannot be bound to a slot");
	pthread_mutex_lock(&cb->lock);
	def = slot_find(&cb->rec, slot);
	if (!def || def->is_value) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "slot %u is not a slot buffer of this command buffer", slot);
		goto out;
	}
	if (offset > b->size || def->bytes > b->size - offset) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "slot %u needs %llu bytes, the buffer has %llu after offset %llu",
				 slot, (unsigned long long)def->bytes, (unsigned long long)(offset <= b->size ? b->size - offset : 0),
				 (unsigned long long)offset);
		goto out;
	}
	for (uint32_t i = 0; i < cb->rec.nuses; i++) {
		if (cb->rec.uses[i].slot == slot && cb->rec.uses[i].where == PATCH_ARGS &&
		    b->bo->placement != SINAN_MEM_DEVICE) {
			st = sinan_error(SINAN_E_INVALID_ARGUMENT, "slot %u is a kernel argument: bind a device buffer "
					 "(AI cores reach device memory only)", slot);
			goto out;
		}
	}
	if (cmdbuf_busy(cb)) {
		st = sinan_error(SINAN_E_BUSY, "the command buffer is executing: wait for it before patching slot %u", slot);
		goto out;
	}
	buffer_ref(b);
	if (def->bound)
		buffer_unref(def->bound);
	def->bound = b;
	def->bound_offset = offset;
	def->set = true;
	if (cb->ended)
		rec_patch_slot(&cb->rec, def, cb->cmd_cpu, cb->cmd_shift, cb->args_cpu);
out:
	pthread_mutex_unlock(&cb->lock);
	return st;
}

SINAN_API sinan_status sinan_cmdbuf_set_value(sinan_cmdbuf_t c, uint32_t slot, uint64_t value)
{
	struct sinan_cmdbuf *cb;
	struct slot_def *def;
	sinan_status st = SINAN_OK;

	API_ENTER();
	cb = cmdbuf_get(c);
	if (!cb)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(slot, "slot 0 is reserved");
	pthread_mutex_lock(&cb->lock);
	def = slot_find(&cb->rec, slot);
	if (!def && !cb->ended) {
		def = slot_add(&cb->rec, slot);
		if (!def) {
			st = SINAN_E_OUT_OF_MEMORY;
			goto out;
		}
		def->is_value = true;
		def->bytes = 8;
	}
	if (!def || !def->is_value) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "slot %u is not a value slot of this command buffer", slot);
		goto out;
	}
	for (uint32_t i = 0; i < cb->rec.nuses; i++) {
		const struct slot_use *u = &cb->rec.uses[i];

		if (u->slot == slot && u->where == PATCH_VALUE && u->size < 8 && (value >> (8 * u->size)) &&
		    (int64_t)value >> (8 * u->size - 1) != -1) {
			st = sinan_error(SINAN_E_INVALID_ARGUMENT, "value 0x%llx does not fit slot %u (%u bytes)",
					 (unsigned long long)value, slot, u->size);
			goto out;
		}
	}
	if (cmdbuf_busy(cb)) {
		st = sinan_error(SINAN_E_BUSY, "the command buffer is executing: wait for it before patching slot %u", slot);
		goto out;
	}
	def->value = value;
	def->set = true;
	if (cb->ended)
		rec_patch_slot(&cb->rec, def, cb->cmd_cpu, cb->cmd_shift, cb->args_cpu);
out:
	pthread_mutex_unlock(&cb->lock);
	return st;
}

/* A job that executes @cb as it is (no copy of its packets). */
struct job *cmdbuf_make_job(struct sinan_cmdbuf *cb)
{
	struct job *j;

	pthread_mutex_lock(&cb->lock);
	for (uint32_t i = 0; i < cb->rec.nslots; i++) {
		if (!cb->rec.slots[i].is_value && !cb->rec.slots[i].set) {
			sinan_error(SINAN_E_INVALID_ARGUMENT, "slot %u of the command buffer is not bound: "
				    "sinan_cmdbuf_bind() first", cb->rec.slots[i].slot);
			pthread_mutex_unlock(&cb->lock);
			return NULL;
		}
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		goto oom;
	for (uint32_t i = 0; i < cb->rec.refs.n; i++)
		if (reflist_add(&j->refs, cb->rec.refs.v[i]))
			goto oom;
	for (uint32_t i = 0; i < cb->rec.nslots; i++)
		if (cb->rec.slots[i].bound && reflist_add(&j->refs, cb->rec.slots[i].bound))
			goto oom;
	if (cb->rec.nevs) {
		j->evs = malloc(cb->rec.nevs * sizeof(*j->evs));
		if (!j->evs)
			goto oom;
		for (uint32_t i = 0; i < cb->rec.nevs; i++) {
			j->evs[i] = cb->rec.evs[i];
			j->evs[i].pkt += (uint32_t)(cb->cmd_shift / SINAN_PKT_SIZE);
			event_ref(j->evs[i].ev);
		}
		j->nevs = cb->rec.nevs;
	}
	buffer_ref(cb->cmd);
	j->cmd = cb->cmd;
	if (cb->args) {
		buffer_ref(cb->args);
		j->args = cb->args;
	}
	if (cb->ts) {
		buffer_ref(cb->ts);
		j->ts = cb->ts;
	}
	j->cmd_va = cb->cmd->bo->va + cb->cmd->offset;
	j->cmd_bytes = cb->ndesc * SINAN_PKT_SIZE;
	j->desc = cb->desc;
	j->ndesc = cb->ndesc;
	j->name = job_name(cb->desc, cb->ndesc, j->name_buf, sizeof(j->name_buf));
	atomic_fetch_add(&cb->refs, 1);
	atomic_fetch_add(&cb->inflight, 1);
	j->cb = cb;
	pthread_mutex_unlock(&cb->lock);
	return j;
oom:
	if (j) {
		reflist_release(&j->refs);
		free(j->evs);
		free(j);
	}
	pthread_mutex_unlock(&cb->lock);
	sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	return NULL;
}

// SPDX-License-Identifier: MIT
/*
 * libsinan queues: jobs, submission, dependencies, retirement and error
 * reporting; timeline semaphores; events.
 *
 * A queue records verbs into its next job; sinan_queue_submit() uploads the
 * packets (host memory), the argument blocks (device memory) and hands the
 * job to the driver in one SUBMIT with its buffers, the semaphore values it
 * waits for (in-syncs) and signals (out-syncs). A job that waits for a value
 * nobody has submitted a signal for yet is held here (the driver would
 * refuse it) and submitted as soon as someone does: waiting before
 * signalling works, across queues and with the host.
 *
 * Completed jobs are retired lazily (submit, waits, queries): their buffers
 * are released, events become readable, the trace gets their device time.
 * The first failed job of a queue sets the queue's sticky error with every
 * detail the driver gives: hardware error, packet index (and which verb and
 * kernel it was), fault address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan_hw/sinan_regs.h>
#include <uapi/drm/sinan_accel.h>

#include "sinan_int.h"

static struct sinan_queue *queue_get(sinan_queue_t q)
{
	if (!q || q->magic != MAGIC_QUEUE) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "queue handle is NULL or destroyed");
		return NULL;
	}
	return q;
}

/* ---- semaphores and events: references ------------------------------------------- */

void sem_ref(struct sinan_semaphore *s)
{
	atomic_fetch_add(&s->refs, 1);
}

void sem_unref(struct sinan_semaphore *s)
{
	struct drm_syncobj_destroy d = { .handle = s->handle };
	struct list *it, *tmp;

	if (atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	sinan_ioctl(s->dev, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
	list_for_each_safe(it, tmp, &s->signals) {
		list_del(it);
		free(container_of(it, struct sem_signal, link));
	}
	s->magic = MAGIC_DEAD;
	free(s);
}

void event_ref(struct sinan_event *e)
{
	atomic_fetch_add(&e->refs, 1);
}

void event_unref(struct sinan_event *e)
{
	if (atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	buffer_unref(e->mem);
	e->magic = MAGIC_DEAD;
	free(e);
}

static void deps_release(struct sem_dep *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		sem_unref(d[i].sem);
	free(d);
}

/* ---- jobs ------------------------------------------------------------------------ */

static void job_free(struct job *j)
{
	reflist_release(&j->refs);
	for (uint32_t i = 0; i < j->nmods; i++)
		module_unref(j->mods[i]);
	free(j->mods);
	if (j->cmd)
		buffer_unref(j->cmd);
	if (j->args)
		buffer_unref(j->args);
	if (j->ts)
		buffer_unref(j->ts);
	if (j->cb) {
		atomic_fetch_sub(&j->cb->inflight, 1);
		cmdbuf_unref(j->cb);
	}
	if (j->own_desc)
		free(j->desc);
	deps_release(j->waits, j->nwaits);
	deps_release(j->signals, j->nsignals);
	for (uint32_t i = 0; i < j->nevs; i++)
		event_unref(j->evs[i].ev);
	free(j->evs);
	free(j);
}

static const char *opcode_name(unsigned int op)
{
	static const char *const n[] = { "NOP", "COPY", "FILL", "LAUNCH", "SIGNAL", "WAIT", "BARRIER",
					 "TIMESTAMP", "INDIRECT", "FENCE" };

	return op < ARRAY_SIZE(n) ? n[op] : "?";
}

static sinan_status status_of_hw(int fence_status, uint32_t hw)
{
	switch (fence_status) {
	case -ECANCELED: return SINAN_E_CANCELED;
	case -ENODEV: return SINAN_E_DEVICE_LOST;
	case -ETIMEDOUT: return SINAN_E_HANG;
	}
	switch (hw) {
	case SINAN_ERR_MMU_FAULT: return SINAN_E_MMU_FAULT;
	case SINAN_ERR_ILLEGAL_INSTR: return SINAN_E_ILLEGAL_INSTRUCTION;
	case SINAN_ERR_WATCHDOG: return SINAN_E_HANG;
	case DRM_SINAN_QUEUE_ERR_TIMEOUT: return SINAN_E_HANG;
	case SINAN_ERR_ABORTED: return SINAN_E_CANCELED;
	}
	if (fence_status == -EFAULT)
		return SINAN_E_MMU_FAULT;
	return SINAN_E_DEVICE_ERROR;
}

static const char *hw_error_text(uint32_t hw)
{
	switch (hw) {
	case SINAN_ERR_BAD_PACKET: return "the device rejected a malformed packet";
	case SINAN_ERR_MMU_FAULT: return "access to an address with no mapping (or writing a read-only one)";
	case SINAN_ERR_DMA: return "host memory access over the bus failed";
	case SINAN_ERR_ILLEGAL_INSTR: return "an AI core trapped on an illegal instruction";
	case SINAN_ERR_WATCHDOG: return "the job ran longer than allowed";
	case SINAN_ERR_ECC: return "uncorrectable device-memory error";
	case SINAN_ERR_ABORTED: return "aborted by a firmware crash or a reset";
	case SINAN_ERR_BAD_RING: return "bad queue configuration";
	case SINAN_ERR_ALIGN: return "misaligned address or size";
	case SINAN_ERR_CORE_BOUNDS: return "an AI core accessed outside a local buffer";
	case SINAN_ERR_SYNC_HAZARD: return "AI-core pipes raced on a buffer without synchronization";
	case DRM_SINAN_QUEUE_ERR_TIMEOUT: return "the job ran longer than its queue's timeout";
	}
	return "the driver stopped the job";
}

const char *job_name(const struct pkt_desc *d, uint32_t n, char *buf, size_t len)
{
	static const struct { uint8_t op; const char *name; } verbs[] = {
		{ SINAN_OP_COPY, "copy" }, { SINAN_OP_FILL, "fill" }, { SINAN_OP_BARRIER, "barrier" },
		{ SINAN_OP_TIMESTAMP, "timestamp" },
	};
	size_t used = 0;

	for (uint32_t i = 0; i < n; i++)
		if (d[i].opcode == SINAN_OP_LAUNCH && d[i].what)
			return d[i].what;
	buf[0] = 0;
	for (size_t v = 0; v < ARRAY_SIZE(verbs); v++) {
		for (uint32_t i = 0; i < n; i++) {
			/* The trace's own timestamps do not name a job. */
			if (d[i].opcode != verbs[v].op || (d[i].what && !strcmp(d[i].what, "trace timestamp")))
				continue;
			if (used + strlen(verbs[v].name) + 2 < len)
				used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "+" : "", verbs[v].name);
			break;
		}
	}
	return buf[0] ? buf : "job";
}

/* Job @j of @q failed with fence status @fs: make it the queue's sticky error. */
static void job_failed_locked(struct sinan_queue *q, struct job *j, int fs, const struct drm_sinan_queue_status *qs)
{
	struct sinan_error_info *e = &q->err;
	uint32_t hw = qs ? qs->error : 0, pkt = qs ? qs->err_pkt : 0;
	char where[160] = "";
	char fault[96] = "";
	char what[96];
	sinan_status st = status_of_hw(fs, hw);

	if (q->failed)
		return;
	q->failed = true;
	memset(e, 0, sizeof(*e));
	e->size = sizeof(*e);
	e->status = st;
	e->sys_errno = -fs;
	e->queue = q->id;
	e->job = j->seq;
	e->hw_error = hw;
	e->packet_index = pkt;
	e->fault_addr = qs ? qs->fault_addr : 0;
	e->fault_info = qs ? qs->fault_info : 0;
	/* Which packet, for errors the hardware pins to one (not the driver's timeout). */
	if (qs && hw && hw < SINAN_ERR_COUNT && pkt < j->ndesc) {
		const struct pkt_desc *d = &j->desc[pkt];

		snprintf(where, sizeof(where), " at packet %u (%s%s%s%s)", pkt, opcode_name(d->opcode),
			 d->what ? " '" : "", d->what ? d->what : "", d->what ? "'" : "");
	} else if (qs && hw && hw < SINAN_ERR_COUNT) {
		snprintf(where, sizeof(where), " at packet %u", pkt);
	}
	if (qs && (hw == SINAN_ERR_MMU_FAULT || hw == SINAN_ERR_DMA || hw == SINAN_ERR_ECC || hw == SINAN_ERR_ALIGN))
		snprintf(fault, sizeof(fault), ", address 0x%llx (%s)", (unsigned long long)qs->fault_addr,
			 (qs->fault_info & 0xf) == SINAN_FAULT_WRITE ? "write" :
			 (qs->fault_info & 0xf) == SINAN_FAULT_FETCH ? "fetch" : "read");
	if (st == SINAN_E_HANG)
		snprintf(what, sizeof(what), "ran longer than the queue's timeout (%u ms%s) and was stopped",
			 q->opts.timeout_ms, q->opts.timeout_ms ? "" : ": the driver default");
	else if (st == SINAN_E_CANCELED)
		snprintf(what, sizeof(what), "was canceled (a device reset or an earlier failure)");
	else
		snprintf(what, sizeof(what), "failed");
	snprintf_cut(e->message, sizeof(e->message),
		     "queue %u job %llu%s%s%s %s: %s%s%s%s%s; the queue is stopped: call sinan_queue_recover() to "
		     "use it again", q->id, (unsigned long long)j->seq, j->name ? " (" : "", j->name ? j->name : "",
		     j->name ? ")" : "", what, hw ? sinan_hw_error_name(hw) : sinan_strerror(st), hw ? " - " : "",
		     hw ? hw_error_text(hw) : "", where, fault);
}

/* Events, trace: a job is over. */
static void job_retired_locked(struct sinan_queue *q, struct job *j, sinan_status st)
{
	if (j->ts && sinan_trace_on()) {
		uint64_t *t;

		if (!bo_map(j->ts->bo, (void **)&t)) {
			t = (uint64_t *)((uint8_t *)t + j->ts->offset);
			sinan_trace_device(q->dev, q->id, j->seq, j->name, t[0], t[1], st);
		}
	}
	q->completed = j->seq;
}

/*
 * Ask the driver how far @q got and retire what completed. The first failed
 * job becomes the sticky error. sched_lock held.
 */
static sinan_status queue_retire_locked(struct sinan_queue *q, struct list *done)
{
	struct drm_sinan_queue_status qs = { .queue_id = q->kq };
	struct list *it, *tmp;
	bool banned;
	int ret;

	if (list_empty(&q->jobs))
		return SINAN_OK;
	ret = sinan_ioctl(q->dev, DRM_IOCTL_SINAN_QUEUE_STATUS, &qs);
	if (ret)
		return sinan_error_errno(sinan_status_from_errno(ret), -ret, "queue %u: QUEUE_STATUS: %s", q->id,
					 strerror(-ret));
	banned = qs.state == DRM_SINAN_QUEUE_STATE_BANNED;
	list_for_each_safe(it, tmp, &q->jobs) {
		struct job *j = container_of(it, struct job, link);
		sinan_status st = SINAN_OK;

		if (banned) {
			/* Every job of a banned queue ends: ask each one how. */
			struct drm_sinan_wait w = { .kind = DRM_SINAN_WAIT_SEQ, .id = q->kq, .seq = j->seq,
						    .timeout_ns = 0 };

			ret = sinan_ioctl(q->dev, DRM_IOCTL_SINAN_WAIT, &w);
			if (ret)
				break;	/* not signaled yet */
			if (w.status && !q->failed)
				job_failed_locked(q, j, w.status, &qs);
			if (w.status)
				st = q->err.job == j->seq ? q->err.status : SINAN_E_CANCELED;
		} else if (j->seq > qs.done_seq) {
			break;
		}
		job_retired_locked(q, j, st);
		list_del(&j->link);
		list_add_tail(done, &j->link);
	}
	if (banned && !q->failed) {
		/* Banned with no job of ours named guilty (a reset took it down). */
		struct job fake = { .seq = qs.done_seq + 1 };

		job_failed_locked(q, &fake, -ECANCELED, &qs);
	}
	return SINAN_OK;
}

/*
 * Job @seq of @q succeeded: so did every job before it (a failure bans the
 * queue and cancels the jobs after it), and they are all over. Retire them
 * without asking the driver how far the queue got. sched_lock held.
 */
static void queue_retire_upto_locked(struct sinan_queue *q, uint64_t seq, struct list *done)
{
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, &q->jobs) {
		struct job *j = container_of(it, struct job, link);

		if (j->seq > seq)
			break;
		job_retired_locked(q, j, SINAN_OK);
		list_del(&j->link);
		list_add_tail(done, &j->link);
	}
}

static void free_done(struct list *done)
{
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, done) {
		list_del(it);
		job_free(container_of(it, struct job, link));
	}
}

/*
 * Wait for job @seq (0: none) of @q and retire; returns that job's status.
 * When the job succeeded this is one system call (the wait, which says how
 * the job ended); QUEUE_STATUS is asked only when it did not, or for @seq 0.
 */
sinan_status queue_job_status(struct sinan_queue *q, uint64_t seq, int64_t deadline)
{
	struct sinan_device *dev = q->dev;
	struct list done = LIST_INIT(done);
	sinan_status st = SINAN_OK;
	bool succeeded = false;
	uint32_t kq;
	int ret;

	pthread_mutex_lock(&dev->sched_lock);
	kq = q->kq;
	pthread_mutex_unlock(&dev->sched_lock);
	if (seq) {
		struct drm_sinan_wait w = { .kind = DRM_SINAN_WAIT_SEQ, .id = kq, .seq = seq, .timeout_ns = deadline };

		ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_WAIT, &w);
		if (ret == -ETIME)
			return sinan_error_errno(SINAN_E_TIMEOUT, ETIME,
						 "queue %u job %llu did not complete in time (it keeps running; the "
						 "queue's own timeout, if it hangs, is %u ms%s)", q->id,
						 (unsigned long long)seq, q->opts.timeout_ms,
						 q->opts.timeout_ms ? "" : ": the driver default");
		if (ret && ret != -EINVAL)
			return sinan_error_errno(sinan_status_from_errno(ret), -ret, "queue %u: WAIT: %s", q->id,
						 strerror(-ret));
		succeeded = !ret && !w.status;
	}
	pthread_mutex_lock(&dev->sched_lock);
	if (succeeded && q->kq == kq)
		queue_retire_upto_locked(q, seq, &done);
	else
		st = queue_retire_locked(q, &done);
	if (!st && q->failed && seq && seq >= q->err.job) {
		if (seq == q->err.job) {
			st = sinan_error_set(&q->err);
		} else {
			st = sinan_error(SINAN_E_CANCELED, "queue %u job %llu did not run: job %llu failed before it (%s)",
					 q->id, (unsigned long long)seq, (unsigned long long)q->err.job,
					 q->err.message);
			sinan_error_tls()->queue = q->id;
			sinan_error_tls()->job = seq;
		}
	}
	pthread_mutex_unlock(&dev->sched_lock);
	free_done(&done);
	return st;
}

/* ---- submission ---------------------------------------------------------------------- */

static bool deps_submitted(struct job *j)
{
	for (uint32_t i = 0; i < j->nwaits; i++)
		if (j->waits[i].value > j->waits[i].sem->submitted)
			return false;
	return true;
}

static sinan_status collect_handles(struct job *j, uint32_t **out, uint32_t *n)
{
	uint32_t cap = j->refs.n + 4, k = 0;
	uint32_t *h = malloc(cap * sizeof(*h));
	struct sinan_buffer *extra[3] = { j->cmd, j->args, j->ts };

	if (!h)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	for (uint32_t i = 0; i < j->refs.n + 3; i++) {
		struct sinan_buffer *b = i < j->refs.n ? j->refs.v[i] : extra[i - j->refs.n];
		uint32_t handle;
		bool dup = false;

		if (!b || !b->bo)
			continue;
		handle = b->bo->handle;
		for (uint32_t x = 0; x < k && !dup; x++)
			dup = h[x] == handle;
		if (!dup)
			h[k++] = handle;
	}
	if (k > DRM_SINAN_SUBMIT_MAX_BOS) {
		free(h);
		return sinan_error(SINAN_E_QUEUE_FULL, "one job uses %u buffers, the driver takes at most %u: "
				   "submit in smaller pieces or use a pool", k, DRM_SINAN_SUBMIT_MAX_BOS);
	}
	*out = h;
	*n = k;
	return SINAN_OK;
}

/* Hand @j to the driver. sched_lock held. On success @j is in flight. */
static sinan_status job_submit_locked(struct sinan_queue *q, struct job *j)
{
	struct sinan_device *dev = q->dev;
	struct drm_sinan_sync in[DRM_SINAN_SUBMIT_MAX_SYNCS], out[DRM_SINAN_SUBMIT_MAX_SYNCS];
	struct drm_sinan_submit s = { .queue_id = q->kq };
	uint32_t *handles = NULL, nh = 0;
	sinan_status st;
	int ret;

	if (j->nwaits > DRM_SINAN_SUBMIT_MAX_SYNCS || j->nsignals > DRM_SINAN_SUBMIT_MAX_SYNCS)
		return sinan_error(SINAN_E_QUEUE_FULL, "more than %u semaphore waits or signals in one job",
				   DRM_SINAN_SUBMIT_MAX_SYNCS);
	st = collect_handles(j, &handles, &nh);
	if (st)
		return st;
	for (uint32_t i = 0; i < j->nwaits; i++)
		in[i] = (struct drm_sinan_sync){ .handle = j->waits[i].sem->handle, .point = j->waits[i].value };
	for (uint32_t i = 0; i < j->nsignals; i++)
		out[i] = (struct drm_sinan_sync){ .handle = j->signals[i].sem->handle, .point = j->signals[i].value };
	s.cmdbuf_va = j->cmd_va;
	s.cmdbuf_size = j->cmd_bytes;
	s.bo_count = nh;
	s.bo_handles = (uintptr_t)handles;
	s.in_sync_count = j->nwaits;
	s.in_syncs = (uintptr_t)in;
	s.out_sync_count = j->nsignals;
	s.out_syncs = (uintptr_t)out;
	ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_SUBMIT, &s);
	free(handles);
	if (ret == -ECANCELED) {
		struct list done = LIST_INIT(done);

		queue_retire_locked(q, &done);
		if (!q->failed) {
			struct job fake = { .seq = q->last_seq + 1 };

			job_failed_locked(q, &fake, -ECANCELED, NULL);
		}
		free_done(&done);
		return sinan_error_set(&q->err);
	}
	if (ret)
		return sinan_error_errno(sinan_status_from_errno(ret), -ret, "queue %u: SUBMIT: %s", q->id,
					 strerror(-ret));
	j->seq = s.seq;
	q->last_seq = s.seq;
	q->submitted++;
	list_add_tail(&q->jobs, &j->link);
	for (uint32_t i = 0; i < j->nevs; i++) {
		j->evs[i].ev->queue = q;
		j->evs[i].ev->seq = s.seq;
	}
	for (uint32_t i = 0; i < j->nsignals; i++) {
		struct sinan_semaphore *sem = j->signals[i].sem;
		struct sem_signal *sig = calloc(1, sizeof(*sig));

		if (j->signals[i].value > sem->submitted)
			sem->submitted = j->signals[i].value;
		if (sig) {
			sig->value = j->signals[i].value;
			sig->queue = q;
			sig->queue_id = q->id;
			sig->kq = q->kq;
			sig->seq = s.seq;
			list_add_tail(&sem->signals, &sig->link);
		} else {
			sem->untracked = true;
		}
	}
	if (j->nsignals) {
		queue_release_held_locked(dev);
		pthread_cond_broadcast(&dev->sched_cond);
	}
	return SINAN_OK;
}

void queue_release_held_locked(struct sinan_device *dev)
{
	struct list *qi, *qt, *it, *tmp;

	list_for_each_safe(qi, qt, &dev->queues) {
		struct sinan_queue *q = container_of(qi, struct sinan_queue, link);

		list_for_each_safe(it, tmp, &q->held) {
			struct job *j = container_of(it, struct job, link);
			sinan_status st;

			if (!deps_submitted(j))
				break;
			list_del(&j->link);
			st = job_submit_locked(q, j);
			if (st) {
				if (!q->failed) {
					q->failed = true;
					q->err = *sinan_error_tls();
					q->err.queue = q->id;
				}
				job_free(j);
			}
		}
	}
}

/* Submit @j now, or hold it until its waits are submitted. q->lock held; consumes @j. */
sinan_status queue_submit_job(struct sinan_queue *q, struct job *j)
{
	struct sinan_device *dev = q->dev;
	sinan_status st = SINAN_OK;

	pthread_mutex_lock(&dev->sched_lock);
	if (q->failed) {
		st = sinan_error_set(&q->err);
		job_free(j);
	} else if (!list_empty(&q->held) || !deps_submitted(j)) {
		list_add_tail(&q->held, &j->link);
	} else {
		st = job_submit_locked(q, j);
		if (st)
			job_free(j);
	}
	pthread_mutex_unlock(&dev->sched_lock);
	return st;
}

static struct job *job_new(void)
{
	return calloc(1, sizeof(struct job));
}

/* Turn what the queue recorded (plus its waits and @signals) into a job. q->lock held. */
static sinan_status queue_flush(struct sinan_queue *q, struct sem_dep *signals, uint32_t nsignals)
{
	struct recorder *r = &q->rec;
	struct job *j;
	uint64_t ts_va = 0;
	sinan_status st;

	if (!r->npkts && !q->nwaits && !nsignals)
		return SINAN_OK;
	j = job_new();
	if (!j) {
		deps_release(signals, nsignals);
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	}
	j->signals = signals;
	j->nsignals = nsignals;
	if (!r->npkts) {
		struct sinan_pkt nop = { .header = SINAN_PKT_HDR(SINAN_OP_NOP, 0) };

		st = rec_raw(r, &nop);
		if (st)
			goto err;
		r->desc[0].what = NULL;
	}
	if (sinan_trace_on()) {
		st = internal_alloc(q->dev, SINAN_MEM_HOST, 16, &j->ts);
		if (st)
			goto err;
		ts_va = j->ts->bo->va + j->ts->offset;
	}
	st = rec_upload(r, ts_va, &j->cmd, &j->args, &j->desc, &j->ndesc);
	if (st)
		goto err;
	j->own_desc = true;
	j->cmd_va = j->cmd->bo->va + j->cmd->offset;
	j->cmd_bytes = j->ndesc * SINAN_PKT_SIZE;
	j->name = job_name(r->desc, r->npkts, j->name_buf, sizeof(j->name_buf));
	/* The job takes over the recording's references. */
	j->refs = r->refs;
	memset(&r->refs, 0, sizeof(r->refs));
	j->mods = r->mods;
	j->nmods = r->nmods;
	r->mods = NULL;
	r->nmods = r->mods_cap = 0;
	j->evs = r->evs;
	j->nevs = r->nevs;
	r->evs = NULL;
	r->nevs = r->evs_cap = 0;
	j->waits = q->waits;
	j->nwaits = q->nwaits;
	q->waits = NULL;
	q->nwaits = q->waits_cap = 0;
	rec_reset(r);
	return queue_submit_job(q, j);
err:
	job_free(j);
	return st;
}

/* ---- queues: API ---------------------------------------------------------------------- */

static sinan_status kq_create(struct sinan_queue *q)
{
	struct drm_sinan_queue_create c = { .engine = q->opts.engine, .priority = q->opts.priority,
					    .timeout_ms = q->opts.timeout_ms };
	int ret = sinan_ioctl(q->dev, DRM_IOCTL_SINAN_QUEUE_CREATE, &c);

	if (ret == -EBUSY || ret == -ENOSPC)
		return sinan_error_errno(SINAN_E_BUSY, -ret, "no free hardware queue (the device has %u): destroy "
					 "unused queues", q->dev->props.num_queues);
	if (ret)
		return sinan_error_errno(sinan_status_from_errno(ret), -ret, "QUEUE_CREATE: %s", strerror(-ret));
	q->kq = c.queue_id;
	return SINAN_OK;
}

static void kq_destroy(struct sinan_queue *q)
{
	struct drm_sinan_queue_destroy d = { .queue_id = q->kq };

	sinan_ioctl(q->dev, DRM_IOCTL_SINAN_QUEUE_DESTROY, &d);
}

SINAN_API sinan_status sinan_queue_create(sinan_device_t d, const struct sinan_queue_options *opts,
					  sinan_queue_t *out)
{
	struct sinan_queue_options o = { .size = sizeof(o), .priority = SINAN_PRIORITY_NORMAL };
	struct sinan_device *dev;
	struct sinan_queue *q;
	sinan_status st;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "queue is NULL");
	*out = NULL;
	if (opts) {
		CHECK_ARG(opts->size >= offsetof(struct sinan_queue_options, flags) + sizeof(uint32_t),
			  "opts->size is %zu: set it to sizeof(struct sinan_queue_options)", opts->size);
		memcpy(&o, opts, MIN(opts->size, sizeof(o)));
		o.size = sizeof(o);
	}
	CHECK_ARG(o.engine <= SINAN_ENGINE_COPY, "engine %u: use SINAN_ENGINE_COMPUTE or SINAN_ENGINE_COPY", o.engine);
	CHECK_ARG(o.priority <= SINAN_PRIORITY_HIGH, "priority %u: use SINAN_PRIORITY_LOW..HIGH", o.priority);
	CHECK_ARG(!o.flags, "opts->flags must be 0");
	q = calloc(1, sizeof(*q));
	if (!q)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	q->magic = MAGIC_QUEUE;
	q->dev = dev;
	q->opts = o;
	pthread_mutex_init(&q->lock, NULL);
	rec_init(&q->rec, dev, false);
	list_init(&q->jobs);
	list_init(&q->held);
	st = kq_create(q);
	if (st) {
		pthread_mutex_destroy(&q->lock);
		free(q);
		return st;
	}
	pthread_mutex_lock(&dev->sched_lock);
	q->id = dev->next_queue_id++;
	list_add_tail(&dev->queues, &q->link);
	pthread_mutex_unlock(&dev->sched_lock);
	*out = q;
	return SINAN_OK;
}

/* The sticky error, if the queue failed. */
static sinan_status queue_sticky(struct sinan_queue *q)
{
	sinan_status st = SINAN_OK;

	pthread_mutex_lock(&q->dev->sched_lock);
	if (q->failed)
		st = sinan_error_set(&q->err);
	pthread_mutex_unlock(&q->dev->sched_lock);
	return st;
}

#define QUEUE_VERB(qh, body)					\
	do {							\
		struct sinan_queue *q_ = queue_get(qh);		\
		sinan_status st_;				\
								\
		if (!q_)					\
			return SINAN_E_INVALID_ARGUMENT;	\
		st_ = queue_sticky(q_);				\
		if (st_)					\
			return st_;				\
		pthread_mutex_lock(&q_->lock);			\
		st_ = (body);					\
		pthread_mutex_unlock(&q_->lock);		\
		return st_;					\
	} while (0)

SINAN_API sinan_status sinan_queue_copy(sinan_queue_t queue, sinan_buffer_t dst, uint64_t dst_offset,
					sinan_buffer_t src, uint64_t src_offset, uint64_t size)
{
	API_ENTER();
	QUEUE_VERB(queue, rec_copy(&q_->rec, dst, dst_offset, src, src_offset, size));
}

SINAN_API sinan_status sinan_queue_fill(sinan_queue_t queue, sinan_buffer_t dst, uint64_t offset, uint64_t size,
					uint32_t pattern)
{
	API_ENTER();
	QUEUE_VERB(queue, rec_fill(&q_->rec, dst, offset, size, pattern));
}

SINAN_API sinan_status sinan_queue_launch(sinan_queue_t queue, sinan_kernel_t kernel, const struct sinan_launch *launch)
{
	API_ENTER();
	QUEUE_VERB(queue, rec_launch(&q_->rec, kernel, launch, q_->opts.engine));
}

SINAN_API sinan_status sinan_queue_barrier(sinan_queue_t queue)
{
	API_ENTER();
	QUEUE_VERB(queue, rec_barrier(&q_->rec));
}

static struct sinan_event *event_get(sinan_event_t e)
{
	if (!e || e->magic != MAGIC_EVENT || e->user_destroyed) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "event handle is NULL or destroyed");
		return NULL;
	}
	return e;
}

static sinan_status rec_event(struct recorder *r, sinan_event_t e)
{
	struct sinan_event *ev = event_get(e);
	sinan_status st;

	if (!ev)
		return SINAN_E_INVALID_ARGUMENT;
	if (ev->dev != r->dev)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "event belongs to another device");
	st = rec_timestamp(r, ev);
	if (!st)
		event_ref(ev);
	return st;
}

SINAN_API sinan_status sinan_queue_timestamp(sinan_queue_t queue, sinan_event_t event)
{
	API_ENTER();
	QUEUE_VERB(queue, rec_event(&q_->rec, event));
}

sinan_status cmdbuf_record_event(struct recorder *r, sinan_event_t e)
{
	return rec_event(r, e);
}

static struct sinan_semaphore *sem_get(sinan_semaphore_t s)
{
	if (!s || s->magic != MAGIC_SEM || s->user_destroyed) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "semaphore handle is NULL or destroyed");
		return NULL;
	}
	return s;
}

static sinan_status do_signal(struct sinan_queue *q, sinan_semaphore_t sh, uint64_t value)
{
	struct sinan_semaphore *s = sem_get(sh);
	struct sem_dep *d;
	uint64_t cur;

	if (!s)
		return SINAN_E_INVALID_ARGUMENT;
	if (s->dev != q->dev)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "semaphore belongs to another device");
	pthread_mutex_lock(&q->dev->sched_lock);
	cur = s->submitted;
	pthread_mutex_unlock(&q->dev->sched_lock);
	if (value <= cur)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "semaphore values only grow: %llu is not above %llu, "
				   "the highest value already signaled or submitted", (unsigned long long)value,
				   (unsigned long long)cur);
	d = malloc(sizeof(*d));
	if (!d)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	sem_ref(s);
	d->sem = s;
	d->value = value;
	return queue_flush(q, d, 1);
}

SINAN_API sinan_status sinan_queue_signal(sinan_queue_t queue, sinan_semaphore_t sem, uint64_t value)
{
	API_ENTER();
	QUEUE_VERB(queue, do_signal(q_, sem, value));
}

static sinan_status do_wait(struct sinan_queue *q, sinan_semaphore_t sh, uint64_t value)
{
	struct sinan_semaphore *s = sem_get(sh);
	sinan_status st;

	if (!s)
		return SINAN_E_INVALID_ARGUMENT;
	if (s->dev != q->dev)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "semaphore belongs to another device");
	if (!value)
		return SINAN_OK;	/* every timeline is at least 0 */
	if (q->rec.npkts) {
		st = queue_flush(q, NULL, 0);
		if (st)
			return st;
	}
	if (q->nwaits == q->waits_cap) {
		uint32_t nc = q->waits_cap ? q->waits_cap * 2 : 4;
		struct sem_dep *w = realloc(q->waits, nc * sizeof(*w));

		if (!w)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		q->waits = w;
		q->waits_cap = nc;
	}
	sem_ref(s);
	q->waits[q->nwaits++] = (struct sem_dep){ .sem = s, .value = value };
	return SINAN_OK;
}

SINAN_API sinan_status sinan_queue_wait(sinan_queue_t queue, sinan_semaphore_t sem, uint64_t value)
{
	API_ENTER();
	QUEUE_VERB(queue, do_wait(q_, sem, value));
}

static sinan_status do_exec(struct sinan_queue *q, sinan_cmdbuf_t c)
{
	struct sinan_cmdbuf *cb = cmdbuf_get_ended(c);
	struct job *j;
	sinan_status st;

	if (!cb)
		return sinan_error_tls()->status;
	if (cb->dev != q->dev)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "command buffer belongs to another device");
	if (cb->rec.has_launch && q->opts.engine != SINAN_ENGINE_COMPUTE)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "the command buffer launches kernels: a copy-engine "
				   "queue cannot run it");
	if (q->rec.npkts) {
		st = queue_flush(q, NULL, 0);
		if (st)
			return st;
	}
	j = cmdbuf_make_job(cb);
	if (!j)
		return sinan_error_tls()->status;
	j->waits = q->waits;
	j->nwaits = q->nwaits;
	q->waits = NULL;
	q->nwaits = q->waits_cap = 0;
	return queue_submit_job(q, j);
}

SINAN_API sinan_status sinan_queue_exec(sinan_queue_t queue, sinan_cmdbuf_t cmdbuf)
{
	API_ENTER();
	QUEUE_VERB(queue, do_exec(q_, cmdbuf));
}

SINAN_API sinan_status sinan_queue_submit(sinan_queue_t queue)
{
	API_ENTER();
	QUEUE_VERB(queue, queue_flush(q_, NULL, 0));
}

sinan_status sinan_test_queue_raw(sinan_queue_t queue, const struct sinan_pkt *pkt)
{
	API_ENTER();
	QUEUE_VERB(queue, rec_raw(&q_->rec, pkt));
}

/* Wait until the queue has no held job (their waits got submitted), or @deadline. */
static sinan_status wait_held(struct sinan_queue *q, int64_t deadline)
{
	struct sinan_device *dev = q->dev;
	sinan_status st = SINAN_OK;

	pthread_mutex_lock(&dev->sched_lock);
	while (!list_empty(&q->held) && !q->failed) {
		struct job *j = container_of(q->held.next, struct job, link);
		struct timespec ts;
		int64_t now = (int64_t)sinan_now_ns();

		if (now >= deadline) {
			struct sem_dep *w = NULL;

			for (uint32_t i = 0; i < j->nwaits && !w; i++)
				if (j->waits[i].value > j->waits[i].sem->submitted)
					w = &j->waits[i];
			st = sinan_error(SINAN_E_TIMEOUT, "queue %u: a job waits for semaphore value %llu, which nobody "
					 "has signaled (highest submitted: %llu)", q->id,
					 w ? (unsigned long long)w->value : 0ULL,
					 w ? (unsigned long long)w->sem->submitted : 0ULL);
			break;
		}
		if (deadline - now > 100000000LL)
			now = now + 100000000LL;	/* wake up now and then */
		else
			now = deadline;
		ts.tv_sec = now / 1000000000LL;
		ts.tv_nsec = now % 1000000000LL;
		pthread_cond_timedwait(&dev->sched_cond, &dev->sched_lock, &ts);
	}
	pthread_mutex_unlock(&dev->sched_lock);
	return st;
}

static sinan_status queue_finish_internal(struct sinan_queue *q, int64_t deadline)
{
	sinan_status st;
	uint64_t seq;

	pthread_mutex_lock(&q->lock);
	st = queue_flush(q, NULL, 0);
	pthread_mutex_unlock(&q->lock);
	if (st)
		return st;
	st = wait_held(q, deadline);
	if (st)
		return st;
	pthread_mutex_lock(&q->dev->sched_lock);
	seq = q->last_seq;
	pthread_mutex_unlock(&q->dev->sched_lock);
	st = queue_job_status(q, seq, deadline);
	if (st == SINAN_E_TIMEOUT)
		return st;
	return queue_sticky(q) ? sinan_error_tls()->status : st;
}

SINAN_API sinan_status sinan_queue_finish(sinan_queue_t queue, uint64_t timeout_ns)
{
	struct sinan_queue *q;

	API_ENTER();
	q = queue_get(queue);
	if (!q)
		return SINAN_E_INVALID_ARGUMENT;
	return queue_finish_internal(q, sinan_deadline(timeout_ns));
}

/* Every job done, nothing held: a new driver queue can replace the old one. */
static sinan_status queue_replace_kq(struct sinan_queue *q, bool need_idle)
{
	struct sinan_device *dev = q->dev;
	struct list done = LIST_INIT(done);
	sinan_status st;

	if (need_idle) {
		pthread_mutex_lock(&dev->sched_lock);
		st = queue_retire_locked(q, &done);
		if (!st && (!list_empty(&q->jobs) || !list_empty(&q->held)))
			st = sinan_error(SINAN_E_BUSY, "queue %u still has unfinished jobs: sinan_queue_finish() first",
					 q->id);
		pthread_mutex_unlock(&dev->sched_lock);
		free_done(&done);
		if (st)
			return st;
	}
	kq_destroy(q);
	st = kq_create(q);
	pthread_mutex_lock(&dev->sched_lock);
	q->last_seq = 0;
	q->completed = 0;
	if (st) {
		q->failed = true;
		q->err = *sinan_error_tls();
	}
	pthread_mutex_unlock(&dev->sched_lock);
	return st;
}

SINAN_API sinan_status sinan_queue_set_timeout(sinan_queue_t queue, uint32_t timeout_ms)
{
	struct sinan_queue *q;
	uint32_t old;
	sinan_status st;

	API_ENTER();
	q = queue_get(queue);
	if (!q)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&q->lock);
	old = q->opts.timeout_ms;
	q->opts.timeout_ms = timeout_ms;
	st = queue_replace_kq(q, true);
	if (st == SINAN_E_BUSY)
		q->opts.timeout_ms = old;
	pthread_mutex_unlock(&q->lock);
	return st;
}

/* Jobs still held never ran: drop them. sched_lock held. */
static void drop_held_locked(struct sinan_queue *q, struct list *done)
{
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, &q->held) {
		list_del(it);
		list_add_tail(done, it);
	}
}

SINAN_API sinan_status sinan_queue_recover(sinan_queue_t queue)
{
	struct sinan_queue *q;
	struct list done = LIST_INIT(done);
	sinan_status st;
	uint64_t seq;

	API_ENTER();
	q = queue_get(queue);
	if (!q)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&q->lock);
	rec_reset(&q->rec);
	deps_release(q->waits, q->nwaits);
	q->waits = NULL;
	q->nwaits = q->waits_cap = 0;
	pthread_mutex_lock(&q->dev->sched_lock);
	drop_held_locked(q, &done);
	seq = q->last_seq;
	pthread_mutex_unlock(&q->dev->sched_lock);
	free_done(&done);
	/* Jobs in flight end (a failed queue ends them at once; others run to completion). */
	st = queue_job_status(q, seq, INT64_MAX);
	(void)st;
	pthread_mutex_lock(&q->dev->sched_lock);
	queue_retire_locked(q, &done);
	/* Whatever did not end belongs to the old driver queue, which goes away now. */
	while (!list_empty(&q->jobs)) {
		struct list *it = q->jobs.next;

		list_del(it);
		list_add_tail(&done, it);
	}
	pthread_mutex_unlock(&q->dev->sched_lock);
	free_done(&done);
	st = queue_replace_kq(q, false);
	if (!st) {
		pthread_mutex_lock(&q->dev->sched_lock);
		q->failed = false;
		memset(&q->err, 0, sizeof(q->err));
		q->reset_count++;
		pthread_mutex_unlock(&q->dev->sched_lock);
	}
	pthread_mutex_unlock(&q->lock);
	return st;
}

SINAN_API sinan_status sinan_queue_get_info(sinan_queue_t queue, struct sinan_queue_info *info)
{
	struct sinan_queue_info i = { .size = sizeof(i) };
	struct drm_sinan_queue_status qs = { 0 };
	struct list done = LIST_INIT(done);
	struct sinan_queue *q;

	API_ENTER();
	q = queue_get(queue);
	if (!q)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&q->dev->sched_lock);
	queue_retire_locked(q, &done);
	qs.queue_id = q->kq;
	sinan_ioctl(q->dev, DRM_IOCTL_SINAN_QUEUE_STATUS, &qs);
	i.id = q->id;
	i.engine = q->opts.engine;
	i.priority = q->opts.priority;
	i.timeout_ms = q->opts.timeout_ms;
	i.state = q->failed ? SINAN_QUEUE_FAILED : SINAN_QUEUE_OK;
	if (q->failed) {
		i.error = q->err.status;
		i.hw_error = q->err.hw_error;
		i.packet_index = q->err.packet_index;
		i.failed_job = q->err.job;
		i.fault_addr = q->err.fault_addr;
	}
	i.submitted = q->submitted;
	i.completed = q->completed;
	i.busy_cycles = qs.busy_cycles;
	i.reset_count = q->reset_count;
	pthread_mutex_unlock(&q->dev->sched_lock);
	free_done(&done);
	return COPY_OUT(info, i, id);
}

void queue_destroy_internal(struct sinan_queue *q)
{
	struct sinan_device *dev = q->dev;
	struct list done = LIST_INIT(done);
	struct list *it, *tmp;
	uint64_t seq;

	/* Recorded work is submitted; jobs still held (waiting for a value nobody signaled) never will be. */
	pthread_mutex_lock(&q->lock);
	queue_flush(q, NULL, 0);
	pthread_mutex_unlock(&q->lock);
	pthread_mutex_lock(&dev->sched_lock);
	q->destroying = true;
	drop_held_locked(q, &done);
	seq = q->last_seq;
	pthread_mutex_unlock(&dev->sched_lock);
	free_done(&done);
	/* What the driver has ends on its own (the queue's timeout bounds it). */
	queue_job_status(q, seq, INT64_MAX);
	pthread_mutex_lock(&dev->sched_lock);
	queue_retire_locked(q, &done);
	while (!list_empty(&q->jobs)) {
		it = q->jobs.next;
		list_del(it);
		list_add_tail(&done, it);
	}
	list_del(&q->link);
	/* Records that name this queue outlive it: they now mean "completed". */
	list_for_each_safe(it, tmp, &dev->sems) {
		struct sinan_semaphore *s = container_of(it, struct sinan_semaphore, link_dev);
		struct list *si, *st;

		list_for_each_safe(si, st, &s->signals) {
			struct sem_signal *sig = container_of(si, struct sem_signal, link);

			if (sig->queue == q)
				sig->queue = NULL;
		}
	}
	list_for_each_safe(it, tmp, &dev->events) {
		struct sinan_event *e = container_of(it, struct sinan_event, link);

		if (e->queue == q)
			e->queue = NULL;
	}
	pthread_mutex_unlock(&dev->sched_lock);
	free_done(&done);
	kq_destroy(q);
	pthread_mutex_lock(&q->lock);
	rec_fini(&q->rec);
	deps_release(q->waits, q->nwaits);
	pthread_mutex_unlock(&q->lock);
	pthread_mutex_destroy(&q->lock);
	q->magic = MAGIC_DEAD;
	free(q);
}

SINAN_API sinan_status sinan_queue_destroy(sinan_queue_t queue)
{
	struct sinan_queue *q;

	API_ENTER();
	q = queue_get(queue);
	if (!q)
		return SINAN_E_INVALID_ARGUMENT;
	q->magic = MAGIC_DEAD;	/* no new calls */
	queue_destroy_internal(q);
	return SINAN_OK;
}

/* ---- semaphores: API ------------------------------------------------------------------ */

SINAN_API sinan_status sinan_semaphore_create(sinan_device_t d, uint64_t initial, sinan_semaphore_t *out)
{
	struct drm_syncobj_create c = { 0 };
	struct sinan_device *dev;
	struct sinan_semaphore *s;
	int ret;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "sem is NULL");
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	ret = sinan_ioctl(dev, DRM_IOCTL_SYNCOBJ_CREATE, &c);
	if (ret) {
		free(s);
		return sinan_error_errno(sinan_status_from_errno(ret), -ret, "SYNCOBJ_CREATE: %s", strerror(-ret));
	}
	s->magic = MAGIC_SEM;
	s->dev = dev;
	s->handle = c.handle;
	atomic_init(&s->refs, 1);
	list_init(&s->signals);
	if (initial) {
		uint64_t point = initial;
		struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&s->handle, .points = (uintptr_t)&point,
							.count_handles = 1 };

		ret = sinan_ioctl(dev, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
		if (ret) {
			sem_unref(s);
			return sinan_error_errno(sinan_status_from_errno(ret), -ret, "SYNCOBJ_TIMELINE_SIGNAL: %s",
						 strerror(-ret));
		}
		s->submitted = initial;
	}
	pthread_mutex_lock(&dev->sched_lock);
	list_add_tail(&dev->sems, &s->link_dev);
	pthread_mutex_unlock(&dev->sched_lock);
	*out = s;
	return SINAN_OK;
}

void sem_destroy_internal(struct sinan_semaphore *s)
{
	pthread_mutex_lock(&s->dev->sched_lock);
	s->user_destroyed = true;
	list_del(&s->link_dev);
	pthread_mutex_unlock(&s->dev->sched_lock);
	sem_unref(s);
}

SINAN_API sinan_status sinan_semaphore_destroy(sinan_semaphore_t sem)
{
	struct sinan_semaphore *s;

	API_ENTER();
	s = sem_get(sem);
	if (!s)
		return SINAN_E_INVALID_ARGUMENT;
	sem_destroy_internal(s);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_semaphore_signal(sinan_semaphore_t sem, uint64_t value)
{
	struct sinan_semaphore *s;
	struct drm_syncobj_timeline_array a = { .count_handles = 1 };
	struct sem_signal *sig;
	sinan_status st = SINAN_OK;
	int ret;

	API_ENTER();
	s = sem_get(sem);
	if (!s)
		return SINAN_E_INVALID_ARGUMENT;
	a.handles = (uintptr_t)&s->handle;
	a.points = (uintptr_t)&value;
	pthread_mutex_lock(&s->dev->sched_lock);
	if (value <= s->submitted) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "semaphore values only grow: %llu is not above %llu, the "
				 "highest value already signaled or submitted", (unsigned long long)value,
				 (unsigned long long)s->submitted);
		goto out;
	}
	ret = sinan_ioctl(s->dev, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
	if (ret) {
		st = sinan_error_errno(sinan_status_from_errno(ret), -ret, "SYNCOBJ_TIMELINE_SIGNAL: %s", strerror(-ret));
		goto out;
	}
	s->submitted = value;
	sig = calloc(1, sizeof(*sig));
	if (sig) {
		sig->value = value;
		sig->queue_id = SINAN_NONE32;
		list_add_tail(&s->signals, &sig->link);
	} else {
		s->untracked = true;
	}
	queue_release_held_locked(s->dev);
	pthread_cond_broadcast(&s->dev->sched_cond);
out:
	pthread_mutex_unlock(&s->dev->sched_lock);
	return st;
}

SINAN_API sinan_status sinan_semaphore_get_value(sinan_semaphore_t sem, uint64_t *value)
{
	struct sinan_semaphore *s;
	struct drm_syncobj_timeline_array a = { .count_handles = 1 };
	int ret;

	API_ENTER();
	s = sem_get(sem);
	if (!s)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(value, "value is NULL");
	a.handles = (uintptr_t)&s->handle;
	a.points = (uintptr_t)value;
	ret = sinan_ioctl(s->dev, DRM_IOCTL_SYNCOBJ_QUERY, &a);
	if (ret)
		return sinan_error_errno(sinan_status_from_errno(ret), -ret, "SYNCOBJ_QUERY: %s", strerror(-ret));
	return SINAN_OK;
}

/* The timeout error of a semaphore wait, with where the semaphore is. */
static sinan_status sem_timeout(struct sinan_semaphore *s, uint64_t value)
{
	uint64_t cur = 0, sub;
	struct drm_syncobj_timeline_array a = { .handles = (uintptr_t)&s->handle, .points = (uintptr_t)&cur,
						.count_handles = 1 };

	sinan_ioctl(s->dev, DRM_IOCTL_SYNCOBJ_QUERY, &a);
	pthread_mutex_lock(&s->dev->sched_lock);
	sub = s->submitted;
	pthread_mutex_unlock(&s->dev->sched_lock);
	return sinan_error_errno(SINAN_E_TIMEOUT, ETIME, "semaphore did not reach %llu in time: it is at %llu; "
				 "the highest value signaled or submitted is %llu%s", (unsigned long long)value,
				 (unsigned long long)cur, (unsigned long long)sub,
				 sub < value ? " (nobody has signaled it yet)" : "");
}

/* The submitted signal that makes @s reach @value (the lowest value at or above it), or NULL. sched_lock held. */
static struct sem_signal *sem_signaler_locked(struct sinan_semaphore *s, uint64_t value)
{
	struct sem_signal *who = NULL;
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, &s->signals) {
		struct sem_signal *sig = container_of(it, struct sem_signal, link);

		if (sig->value >= value && (!who || sig->value < who->value))
			who = sig;
	}
	return who;
}

/*
 * Is waiting for the job of @who the same as waiting for the timeline to
 * reach its value? Yes when every lower value still on record was signaled
 * by the host (at once), by a destroyed queue (whose jobs all ended) or by
 * the same queue (whose jobs end in order), and no signal went unrecorded;
 * and the job is on the queue's current driver queue (a recovery replaced
 * the one it ran on). sched_lock held.
 */
static bool sem_job_decides_locked(struct sinan_semaphore *s, const struct sem_signal *who)
{
	struct list *it, *tmp;

	if (!who->queue || s->untracked || who->kq != who->queue->kq)
		return false;
	list_for_each_safe(it, tmp, &s->signals) {
		const struct sem_signal *sig = container_of(it, struct sem_signal, link);

		if (sig->value < who->value && sig->queue && sig->queue != who->queue)
			return false;
	}
	return true;
}

SINAN_API sinan_status sinan_semaphore_wait(sinan_semaphore_t sem, uint64_t value, uint64_t timeout_ns)
{
	struct drm_syncobj_timeline_wait w = { .count_handles = 1,
					       .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
							DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT };
	struct sinan_semaphore *s;
	struct sem_signal *who;
	struct sinan_queue *q = NULL;
	int64_t deadline = sinan_deadline(timeout_ns);
	uint64_t seq = 0, val = value, who_value = 0;
	uint32_t qid = SINAN_NONE32;
	struct list *it, *tmp;
	sinan_status st;
	bool fast;
	int ret;

	API_ENTER();
	s = sem_get(sem);
	if (!s)
		return SINAN_E_INVALID_ARGUMENT;
	if (!value)
		return SINAN_OK;
	pthread_mutex_lock(&s->dev->sched_lock);
	who = sem_signaler_locked(s, value);
	fast = who && sem_job_decides_locked(s, who);
	if (fast) {
		q = who->queue;
		seq = who->seq;
		qid = who->queue_id;
		who_value = who->value;
	}
	pthread_mutex_unlock(&s->dev->sched_lock);
	if (fast) {
		/* One system call: the job's own wait, which also says how it ended. */
		st = queue_job_status(q, seq, deadline);
		if (st == SINAN_E_TIMEOUT)
			return sem_timeout(s, value);
	} else {
		w.handles = (uintptr_t)&s->handle;
		w.points = (uintptr_t)&val;
		w.timeout_nsec = deadline;
		ret = sinan_ioctl(s->dev, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
		if (ret == -ETIME)
			return sem_timeout(s, value);
		if (ret)
			return sinan_error_errno(sinan_status_from_errno(ret), -ret, "SYNCOBJ_TIMELINE_WAIT: %s",
						 strerror(-ret));
		/* Reached: did the job that signaled it succeed? */
		pthread_mutex_lock(&s->dev->sched_lock);
		who = sem_signaler_locked(s, value);
		if (who) {
			q = who->queue;
			seq = who->seq;
			qid = who->queue_id;
			who_value = who->value;
		}
		pthread_mutex_unlock(&s->dev->sched_lock);
		/* Destroying the queue while another thread waits for its signal is the caller's race. */
		st = q ? queue_job_status(q, seq, deadline) : SINAN_OK;
	}
	/* Reached: older signals cannot be asked about any more. */
	pthread_mutex_lock(&s->dev->sched_lock);
	list_for_each_safe(it, tmp, &s->signals) {
		struct sem_signal *sig = container_of(it, struct sem_signal, link);

		if (sig->value < who_value) {
			list_del(it);
			free(sig);
		}
	}
	pthread_mutex_unlock(&s->dev->sched_lock);
	if (st && st != SINAN_E_TIMEOUT) {
		struct sinan_error_info e = *sinan_error_tls();

		snprintf_cut(e.message, sizeof(e.message), "semaphore value %llu was signaled by queue %u job %llu, which "
			 "did not succeed: %s", (unsigned long long)value, qid, (unsigned long long)seq,
			 sinan_error_tls()->message);
		sinan_error_set(&e);
	}
	return st;
}

/* ---- events: API ------------------------------------------------------------------------- */

SINAN_API sinan_status sinan_event_create(sinan_device_t d, sinan_event_t *out)
{
	struct sinan_device *dev;
	struct sinan_event *e;
	sinan_status st;
	void *cpu;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "event is NULL");
	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	st = internal_alloc(dev, SINAN_MEM_HOST, 8, &e->mem);
	if (!st)
		st = bo_map(e->mem->bo, &cpu);
	if (st) {
		if (e->mem)
			buffer_unref(e->mem);
		free(e);
		return st;
	}
	memset((uint8_t *)cpu + e->mem->offset, 0, 8);
	e->magic = MAGIC_EVENT;
	e->dev = dev;
	atomic_init(&e->refs, 1);
	pthread_mutex_lock(&dev->sched_lock);
	list_add_tail(&dev->events, &e->link);
	pthread_mutex_unlock(&dev->sched_lock);
	*out = e;
	return SINAN_OK;
}

void event_destroy_internal(struct sinan_event *e)
{
	pthread_mutex_lock(&e->dev->sched_lock);
	e->user_destroyed = true;
	list_del(&e->link);
	pthread_mutex_unlock(&e->dev->sched_lock);
	event_unref(e);
}

SINAN_API sinan_status sinan_event_destroy(sinan_event_t event)
{
	struct sinan_event *e;

	API_ENTER();
	e = event_get(event);
	if (!e)
		return SINAN_E_INVALID_ARGUMENT;
	event_destroy_internal(e);
	return SINAN_OK;
}

/* Where the event was last recorded; NOT_READY if never submitted. */
static sinan_status event_where(struct sinan_event *e, struct sinan_queue **q, uint64_t *seq)
{
	pthread_mutex_lock(&e->dev->sched_lock);
	*q = e->queue;
	*seq = e->seq;
	pthread_mutex_unlock(&e->dev->sched_lock);
	if (!*seq)
		return sinan_error(SINAN_E_NOT_READY, "the event was never recorded by a submitted job");
	return SINAN_OK;
}

SINAN_API sinan_status sinan_event_wait(sinan_event_t event, uint64_t timeout_ns)
{
	struct sinan_event *e;
	struct sinan_queue *q;
	uint64_t seq;
	sinan_status st;

	API_ENTER();
	e = event_get(event);
	if (!e)
		return SINAN_E_INVALID_ARGUMENT;
	st = event_where(e, &q, &seq);
	if (st || !q)
		return st;
	return queue_job_status(q, seq, sinan_deadline(timeout_ns));
}

static sinan_status event_read(struct sinan_event *e, uint64_t *cycles)
{
	struct sinan_queue *q;
	uint64_t seq;
	sinan_status st = event_where(e, &q, &seq);
	void *cpu;

	if (st)
		return st;
	if (q) {
		st = queue_job_status(q, 0, 0);
		if (st)
			return st;
		pthread_mutex_lock(&e->dev->sched_lock);
		st = q->completed < seq && !(q->failed && q->err.job <= seq) ?
		     sinan_error(SINAN_E_NOT_READY, "the job that records the event (queue %u job %llu) has not "
				 "completed: sinan_event_wait() first", q->id, (unsigned long long)seq) : SINAN_OK;
		if (!st && q->failed && q->err.job <= seq)
			st = sinan_error(SINAN_E_CANCELED, "the job that records the event (queue %u job %llu) did not "
					 "complete: %s", q->id, (unsigned long long)seq, q->err.message);
		pthread_mutex_unlock(&e->dev->sched_lock);
		if (st)
			return st;
	}
	st = bo_map(e->mem->bo, &cpu);
	if (st)
		return st;
	memcpy(cycles, (uint8_t *)cpu + e->mem->offset, 8);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_event_elapsed(sinan_event_t start, sinan_event_t end, uint64_t *ns, uint64_t *cycles)
{
	struct sinan_event *a, *b;
	uint64_t ta, tb;
	sinan_status st;

	API_ENTER();
	a = event_get(start);
	b = a ? event_get(end) : NULL;
	if (!a || !b)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(a->dev == b->dev, "the events belong to different devices");
	st = event_read(a, &ta);
	if (!st)
		st = event_read(b, &tb);
	if (st)
		return st;
	if (tb < ta)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "end (%llu cycles) is before start (%llu cycles)",
				   (unsigned long long)tb, (unsigned long long)ta);
	if (cycles)
		*cycles = tb - ta;
	if (ns)
		*ns = (tb - ta) * 1000 / (a->dev->props.clock_mhz ? a->dev->props.clock_mhz : 1000);
	return SINAN_OK;
}

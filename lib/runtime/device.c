// SPDX-License-Identifier: MIT
/*
 * libsinan devices: backend selection, the one wrapper every driver call
 * goes through, enumeration, open with version checks, properties, close.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan_hw/sinan_fw_if.h>
#include <sinan_hw/sinan_isa.h>
#include <sinan_hw/sinan_regs.h>
#include <uapi/drm/sinan_accel.h>

#include "sinan_int.h"

/* ---- backends ---------------------------------------------------------------- */

const struct sinan_backend_ops *sinan_backend_find(const char *name)
{
	if (!name || !*name)
		name = getenv("SINAN_BACKEND");
	if (!name || !*name || !strcmp(name, "drm"))
		return &sinan_backend_drm;
	if (!strcmp(name, "sim"))
		return &sinan_backend_sim;
	return NULL;
}

static sinan_status backend_or_error(const char *name, const struct sinan_backend_ops **ops)
{
	*ops = sinan_backend_find(name);
	if (!*ops)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "unknown backend '%s' (SINAN_BACKEND or "
				   "sinan_open_options.backend): use drm or sim", name ? name : getenv("SINAN_BACKEND"));
	return SINAN_OK;
}

/* ---- the driver-call wrapper ---------------------------------------------------- */

const char *sinan_ioctl_name(unsigned long req)
{
	switch (req) {
	case DRM_IOCTL_SINAN_GET_PARAM: return "SINAN_GET_PARAM";
	case DRM_IOCTL_SINAN_QUERY: return "SINAN_QUERY";
	case DRM_IOCTL_SINAN_BO_CREATE: return "SINAN_BO_CREATE";
	case DRM_IOCTL_SINAN_BO_INFO: return "SINAN_BO_INFO";
	case DRM_IOCTL_SINAN_VM_BIND: return "SINAN_VM_BIND";
	case DRM_IOCTL_SINAN_VM_UNBIND: return "SINAN_VM_UNBIND";
	case DRM_IOCTL_SINAN_QUEUE_CREATE: return "SINAN_QUEUE_CREATE";
	case DRM_IOCTL_SINAN_QUEUE_DESTROY: return "SINAN_QUEUE_DESTROY";
	case DRM_IOCTL_SINAN_SUBMIT: return "SINAN_SUBMIT";
	case DRM_IOCTL_SINAN_WAIT: return "SINAN_WAIT";
	case DRM_IOCTL_SINAN_QUEUE_STATUS: return "SINAN_QUEUE_STATUS";
	case DRM_IOCTL_GEM_CLOSE: return "GEM_CLOSE";
	case DRM_IOCTL_PRIME_HANDLE_TO_FD: return "PRIME_HANDLE_TO_FD";
	case DRM_IOCTL_PRIME_FD_TO_HANDLE: return "PRIME_FD_TO_HANDLE";
	case DRM_IOCTL_SYNCOBJ_CREATE: return "SYNCOBJ_CREATE";
	case DRM_IOCTL_SYNCOBJ_DESTROY: return "SYNCOBJ_DESTROY";
	case DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL: return "SYNCOBJ_TIMELINE_SIGNAL";
	case DRM_IOCTL_SYNCOBJ_QUERY: return "SYNCOBJ_QUERY";
	case DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT: return "SYNCOBJ_TIMELINE_WAIT";
	case DRM_IOCTL_VERSION: return "VERSION";
	}
	return "?";
}

/* The interesting fields of a call, for the trace. */
static void ioctl_describe(unsigned long req, const void *arg, bool after, char *buf, size_t len)
{
	buf[0] = 0;
	switch (req) {
	case DRM_IOCTL_SINAN_GET_PARAM: {
		const struct drm_sinan_get_param *a = arg;

		if (after)
			snprintf(buf, len, "param=%u value=0x%llx", a->param, (unsigned long long)a->value);
		else
			snprintf(buf, len, "param=%u", a->param);
		break;
	}
	case DRM_IOCTL_SINAN_BO_CREATE: {
		const struct drm_sinan_bo_create *a = arg;

		int n = snprintf(buf, len, "size=%llu placement=%u flags=0x%x", (unsigned long long)a->size,
				 a->placement, a->flags);

		if (after && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " handle=%u", a->handle);
		break;
	}
	case DRM_IOCTL_SINAN_VM_BIND: {
		const struct drm_sinan_vm_bind *a = arg;

		snprintf(buf, len, "handle=%u flags=0x%x va=0x%llx offset=%llu size=%llu", a->handle, a->flags,
			 (unsigned long long)a->va, (unsigned long long)a->offset, (unsigned long long)a->size);
		break;
	}
	case DRM_IOCTL_SINAN_VM_UNBIND:
		snprintf(buf, len, "va=0x%llx", (unsigned long long)((const struct drm_sinan_vm_unbind *)arg)->va);
		break;
	case DRM_IOCTL_SINAN_SUBMIT: {
		const struct drm_sinan_submit *a = arg;

		int n = snprintf(buf, len, "queue=%u cmdbuf=0x%llx+%u bos=%u in=%u out=%u", a->queue_id,
				 (unsigned long long)a->cmdbuf_va, a->cmdbuf_size, a->bo_count, a->in_sync_count,
				 a->out_sync_count);

		if (after && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " seq=%llu", (unsigned long long)a->seq);
		break;
	}
	case DRM_IOCTL_SINAN_WAIT: {
		const struct drm_sinan_wait *a = arg;

		int n = snprintf(buf, len, "kind=%u id=%u seq=%llu", a->kind, a->id, (unsigned long long)a->seq);

		if (after && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " status=%d", a->status);
		break;
	}
	case DRM_IOCTL_SINAN_QUEUE_CREATE: {
		const struct drm_sinan_queue_create *a = arg;

		int n = snprintf(buf, len, "engine=%u priority=%u timeout_ms=%u", a->engine, a->priority,
				 a->timeout_ms);

		if (after && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " queue=%u", a->queue_id);
		break;
	}
	case DRM_IOCTL_SINAN_QUEUE_STATUS: {
		const struct drm_sinan_queue_status *a = arg;

		if (after)
			snprintf(buf, len, "queue=%u state=%u error=%u pkt=%u done=%llu/%llu", a->queue_id,
				 a->state, a->error, a->err_pkt, (unsigned long long)a->done_seq,
				 (unsigned long long)a->last_seq);
		else
			snprintf(buf, len, "queue=%u", a->queue_id);
		break;
	}
	case DRM_IOCTL_GEM_CLOSE:
		snprintf(buf, len, "handle=%u", ((const struct drm_gem_close *)arg)->handle);
		break;
	}
}

static atomic_uint_fast64_t ioctl_count;

uint64_t sinan_test_ioctl_count(void)
{
	return atomic_load(&ioctl_count);
}

int sinan_ioctl(struct sinan_device *dev, unsigned long req, void *arg)
{
	char before[160], after[160];
	uint64_t t0 = 0;
	int ret;

	atomic_fetch_add_explicit(&ioctl_count, 1, memory_order_relaxed);

	if (sinan_debug_ioctl) {
		ioctl_describe(req, arg, false, before, sizeof(before));
		t0 = sinan_now_ns();
	}
	do {
		ret = dev->ops->ioctl(dev, req, arg);
	} while (ret == -EINTR || ret == -EAGAIN);
	if (sinan_debug_ioctl) {
		ioctl_describe(req, arg, true, after, sizeof(after));
		sinan_dbg("%s ioctl %s(%s) = %d%s%s%s [%.1f us]", dev->ops->name, sinan_ioctl_name(req), before, ret,
			  ret ? " (" : "", ret ? strerror(-ret) : "", ret ? ")" : "",
			  (double)(sinan_now_ns() - t0) / 1000.0);
		if (!ret && after[0] && strcmp(before, after))
			sinan_dbg("    -> %s", after);
	}
	return ret;
}

int sinan_mmap(struct sinan_device *dev, uint64_t offset, uint64_t len, void **ptr)
{
	int ret = dev->ops->mmap(dev, offset, len, ptr);

	sinan_dbg("%s mmap(offset=0x%llx len=%llu) = %d", dev->ops->name, (unsigned long long)offset,
		  (unsigned long long)len, ret);
	return ret;
}

void sinan_munmap(struct sinan_device *dev, void *ptr, uint64_t len)
{
	dev->ops->munmap(dev, ptr, len);
}

/* ---- enumeration ------------------------------------------------------------------ */

SINAN_API sinan_status sinan_device_enumerate(const char *backend, struct sinan_device_info *infos,
					      uint32_t capacity, uint32_t *count)
{
	const struct sinan_backend_ops *ops;
	sinan_status st;

	API_ENTER();
	CHECK_ARG(count, "count is NULL");
	CHECK_ARG(infos || !capacity, "infos is NULL but capacity is %u", capacity);
	st = backend_or_error(backend, &ops);
	if (st)
		return st;
	for (uint32_t i = 0; i < capacity; i++)
		CHECK_ARG(infos[i].size >= offsetof(struct sinan_device_info, index),
			  "infos[%u].size is %zu: set it to sizeof(struct sinan_device_info)", i, infos[i].size);
	return ops->enumerate(infos, capacity, count);
}

/* ---- open, versions, properties ----------------------------------------------------- */

struct sinan_device *device_get(sinan_device_t d)
{
	if (!d || d->magic != MAGIC_DEVICE) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "device handle is NULL or closed");
		return NULL;
	}
	return d;
}

static int get_param(struct sinan_device *dev, uint32_t p, uint64_t *v)
{
	struct drm_sinan_get_param a = { .param = p };
	int ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_GET_PARAM, &a);

	*v = ret ? 0 : a.value;
	return ret;
}

/* Refresh the parameters that change (memory use, resets, firmware heartbeat). */
static sinan_status props_read(struct sinan_device *dev)
{
	struct sinan_device_props *p = &dev->props;
	struct drm_sinan_fw_info fi = { 0 };
	struct drm_sinan_query qa = { .query = DRM_SINAN_QUERY_FW_INFO, .size = sizeof(fi),
				      .data = (uintptr_t)&fi };
	static const struct { uint32_t param; size_t off; unsigned int bytes; } map[] = {
#define P(param, field) { DRM_SINAN_PARAM_##param, offsetof(struct sinan_device_props, field), \
			  sizeof(((struct sinan_device_props *)0)->field) }
		P(UAPI_VERSION, uapi_version), P(HW_VERSION, hw_version), P(NUM_CORES, num_cores),
		P(NUM_QUEUES, num_queues), P(CLOCK_MHZ, clock_mhz), P(ISA_VERSION, isa_version),
		P(FW_VERSION, fw_version), P(FW_API_VERSION, fw_api_version), P(CAPS, caps),
		P(DEVMEM_SIZE, devmem_size), P(DEVMEM_USED, devmem_used), P(VA_START, va_start),
		P(VA_END, va_end), P(L1_SIZE, l1_size), P(L0A_SIZE, l0a_size), P(L0B_SIZE, l0b_size),
		P(L0C_SIZE, l0c_size), P(UB_SIZE, ub_size), P(VEC_BYTES, vec_bytes),
		P(DEVMEM_BW, devmem_bw_mbps), P(HOSTLINK_BW, hostlink_bw_mbps), P(RESET_COUNT, reset_count),
		P(ASID, asid), P(CTX_MEM_USED, ctx_mem_used),
#undef P
	};
	uint64_t v;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		ret = get_param(dev, map[i].param, &v);
		if (ret)
			return sinan_error_errno(sinan_status_from_errno(ret) == SINAN_E_DEVICE_LOST ?
						 SINAN_E_DEVICE_LOST : SINAN_E_VERSION_MISMATCH, -ret,
						 "the driver does not answer parameter %u (%s): is it a Sinan driver "
						 "of uAPI %u.x?", map[i].param, strerror(-ret), DRM_SINAN_UAPI_MAJOR);
		if (map[i].bytes == 8)
			memcpy((char *)p + map[i].off, &v, 8);
		else {
			uint32_t v32 = (uint32_t)v;

			memcpy((char *)p + map[i].off, &v32, 4);
		}
	}
	if (!get_param(dev, DRM_SINAN_PARAM_CUBE_SHAPE, &v)) {
		p->cube_m = (uint32_t)SINAN_FLD_GET(SINAN_REG_CUBE_SHAPE, M, v);
		p->cube_n = (uint32_t)SINAN_FLD_GET(SINAN_REG_CUBE_SHAPE, N, v);
		p->cube_k = (uint32_t)SINAN_FLD_GET(SINAN_REG_CUBE_SHAPE, K, v);
	}
	if (!sinan_ioctl(dev, DRM_IOCTL_SINAN_QUERY, &qa)) {
		p->fw_features = fi.features;
		p->fw_boot_count = fi.boot_count;
		p->fw_heartbeat = fi.heartbeat;
		memcpy(p->fw_version_str, fi.version_str, sizeof(p->fw_version_str));
		p->fw_version_str[sizeof(p->fw_version_str) - 1] = 0;
	}
	p->runtime_version = SINAN_VERSION;
	return SINAN_OK;
}

#define VMAJ(v)	((v) >> 16)
#define VMIN(v)	((v) & 0xffff)

/* Every version that must fit, checked now rather than at first use. */
static sinan_status check_versions(struct sinan_device *dev)
{
	const struct sinan_device_props *p = &dev->props;

	if (VMAJ(p->uapi_version) != DRM_SINAN_UAPI_MAJOR)
		return sinan_error(SINAN_E_VERSION_MISMATCH,
				   "%s: the driver speaks uAPI %u.%u, this libsinan %u.%u speaks uAPI %u.%u: "
				   "install a libsinan and a sinan.ko whose uAPI majors match",
				   p->node, VMAJ(p->uapi_version), VMIN(p->uapi_version), SINAN_VERSION_MAJOR,
				   SINAN_VERSION_MINOR, DRM_SINAN_UAPI_MAJOR, DRM_SINAN_UAPI_MINOR);
	if (VMAJ(p->hw_version) != SINAN_HW_VERSION_MAJOR)
		return sinan_error(SINAN_E_VERSION_MISMATCH,
				   "%s: hardware version %u.%u, this libsinan supports %u.x", p->node,
				   VMAJ(p->hw_version), VMIN(p->hw_version), SINAN_HW_VERSION_MAJOR);
	if (VMAJ(p->fw_api_version) != SINAN_FWIF_MAJOR)
		return sinan_error(SINAN_E_VERSION_MISMATCH,
				   "%s: the firmware implements interface %u.%u (version %s), this libsinan needs "
				   "%u.x: install matching firmware (/lib/firmware/sinan/sinan_fw.elf)", p->node,
				   VMAJ(p->fw_api_version), VMIN(p->fw_api_version), p->fw_version_str,
				   SINAN_FWIF_MAJOR);
	if (VMAJ(p->isa_version) != SINAN_ISA_MAJOR)
		return sinan_error(SINAN_E_VERSION_MISMATCH,
				   "%s: the AI cores implement ISA %u.%u, this libsinan generates ISA %u.x",
				   p->node, VMAJ(p->isa_version), VMIN(p->isa_version), SINAN_ISA_MAJOR);
	return SINAN_OK;
}

static void device_free(struct sinan_device *dev)
{
	pthread_mutex_destroy(&dev->lock);
	pthread_mutex_destroy(&dev->sched_lock);
	pthread_cond_destroy(&dev->sched_cond);
	dev->magic = MAGIC_DEAD;
	free(dev);
}

static uint32_t index_from_env(uint32_t idx)
{
	const char *e = getenv("SINAN_DEVICE");

	if (idx != SINAN_NONE32)
		return idx;
	return e && *e ? (uint32_t)strtoul(e, NULL, 0) : 0;
}

/* The options actually used: NULL and unset fields replaced by the defaults. */
sinan_status device_resolve_options(const struct sinan_open_options *opts, struct sinan_open_options *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->index = SINAN_NONE32;
	if (opts) {
		CHECK_ARG(opts->size >= offsetof(struct sinan_open_options, index) + sizeof(uint32_t),
			  "opts->size is %zu: set it to sizeof(struct sinan_open_options)", opts->size);
		memcpy(o, opts, MIN(opts->size, sizeof(*o)));
		o->size = sizeof(*o);
		CHECK_ARG(!o->flags, "opts->flags must be 0");
	}
	o->index = index_from_env(o->index);
	return SINAN_OK;
}

sinan_status device_open_internal(const struct sinan_open_options *o, struct sinan_device **out)
{
	const struct sinan_backend_ops *ops;
	struct sinan_device *dev;
	char simopts[1024];
	const char *env = getenv("SINAN_SIM");
	sinan_status st;

	st = backend_or_error(o->backend, &ops);
	if (st)
		return st;
	snprintf(simopts, sizeof(simopts), "%s%s%s", env ? env : "", env && *env && o->sim_options ? "," : "",
		 o->sim_options ? o->sim_options : "");
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	dev->magic = MAGIC_DEVICE;
	dev->ops = ops;
	pthread_mutex_init(&dev->lock, NULL);
	pthread_mutex_init(&dev->sched_lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&dev->sched_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	list_init(&dev->bos);
	list_init(&dev->buffers);
	list_init(&dev->queues);
	list_init(&dev->sems);
	list_init(&dev->events);
	list_init(&dev->cmdbufs);
	list_init(&dev->modules);
	list_init(&dev->pools);
	dev->props.size = sizeof(dev->props);
	snprintf(dev->props.backend, sizeof(dev->props.backend), "%s", ops->name);
	st = ops->open(dev, o->index, simopts);
	if (st) {
		device_free(dev);
		return st;
	}
	st = props_read(dev);
	if (!st)
		st = check_versions(dev);
	if (st) {
		ops->close(dev);
		device_free(dev);
		return st;
	}
	*out = dev;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_device_open(const struct sinan_open_options *opts, sinan_device_t *out)
{
	struct sinan_open_options o;
	struct sinan_device *dev;
	struct sinan_pool_options po = { .size = sizeof(po) };
	sinan_status st;
	uint64_t ts;

	API_ENTER();
	CHECK_ARG(out, "dev is NULL");
	*out = NULL;
	st = device_resolve_options(opts, &o);
	if (st)
		return st;
	st = device_open_internal(&o, &dev);
	if (st)
		return st;
	po.placement = SINAN_MEM_HOST;
	po.block_size = 1u << 20;
	po.max_cached = 16u << 20;
	dev->pool_host = pool_new(dev, &po, true);
	po.placement = SINAN_MEM_DEVICE;
	dev->pool_dev = pool_new(dev, &po, true);
	if (!dev->pool_host || !dev->pool_dev) {
		device_close_internal(dev);
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	}
	dev->ts_host_ns = sinan_now_ns();
	get_param(dev, DRM_SINAN_PARAM_TIMESTAMP, &ts);
	dev->ts_dev_cycles = ts;
	*out = dev;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_device_close(sinan_device_t d)
{
	struct sinan_device *dev;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	device_close_internal(dev);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_device_get_props(sinan_device_t d, struct sinan_device_props *props)
{
	struct sinan_device *dev;
	struct sinan_device_props p;
	sinan_status st;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	pthread_mutex_lock(&dev->lock);
	st = props_read(dev);
	p = dev->props;
	pthread_mutex_unlock(&dev->lock);
	if (st)
		return st;
	return COPY_OUT(props, p, name);
}

SINAN_API sinan_status sinan_device_get_timestamp(sinan_device_t d, uint64_t *cycles)
{
	struct sinan_device *dev;
	int ret;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(cycles, "cycles is NULL");
	ret = get_param(dev, DRM_SINAN_PARAM_TIMESTAMP, cycles);
	if (ret)
		return sinan_error_errno(sinan_status_from_errno(ret), -ret, "cannot read the device timestamp: %s",
					 strerror(-ret));
	return SINAN_OK;
}

/* Destroy what is left on a device, in dependency order (queues first: they hold the rest). */
void device_destroy_objects(struct sinan_device *dev)
{
	struct list *it;

	for (;;) {
		struct sinan_queue *q = NULL;

		pthread_mutex_lock(&dev->sched_lock);
		if (!list_empty(&dev->queues))
			q = container_of(dev->queues.next, struct sinan_queue, link);
		pthread_mutex_unlock(&dev->sched_lock);
		if (!q)
			break;
		q->magic = MAGIC_DEAD;
		queue_destroy_internal(q);
	}
#define DRAIN(list_, type, member, destroy)						\
	for (;;) {									\
		type *o_ = NULL;							\
											\
		pthread_mutex_lock(&dev->sched_lock);					\
		if (!list_empty(&dev->list_))						\
			o_ = container_of(dev->list_.next, type, member);		\
		pthread_mutex_unlock(&dev->sched_lock);					\
		if (!o_)								\
			break;								\
		destroy(o_);								\
	}
	DRAIN(cmdbufs, struct sinan_cmdbuf, link, cmdbuf_destroy_internal);
	DRAIN(events, struct sinan_event, link, event_destroy_internal);
	DRAIN(sems, struct sinan_semaphore, link_dev, sem_destroy_internal);
	DRAIN(modules, struct sinan_module, link, module_destroy_internal);
#undef DRAIN
	/* Buffer handles the user did not destroy (nothing else holds them any more). */
	while (!list_empty(&dev->buffers)) {
		struct sinan_buffer *b = container_of(dev->buffers.next, struct sinan_buffer, link);

		list_del(&b->link);
		b->magic = MAGIC_DEAD;
		free(b);
	}
	pool_free_user_pools(dev);
	if (dev->pool_host)
		pool_free_all(dev->pool_host);
	if (dev->pool_dev)
		pool_free_all(dev->pool_dev);
	dev->pool_host = dev->pool_dev = NULL;
	/* Their memory: unmapped here, released by the driver with the device. */
	while (!list_empty(&dev->bos)) {
		struct sinan_bo *bo;

		it = dev->bos.next;
		bo = container_of(it, struct sinan_bo, link);
		list_del(it);
		if (bo->cpu)
			sinan_munmap(dev, bo->cpu, bo->size);
		free(bo);
	}
}

void device_close_internal(struct sinan_device *dev)
{
	device_destroy_objects(dev);
	dev->ops->close(dev);
	device_free(dev);
}

// SPDX-License-Identifier: MIT
/*
 * Simulator backend: the driver interface (include/uapi/drm/sinan_accel.h
 * plus the DRM core ioctls the runtime uses) implemented in-process on the
 * device model. Argument checking follows the uAPI's rules (unknown flags,
 * non-zero padding, bad handles: -EINVAL/-ENOENT before anything is
 * allocated), so the runtime above sees the same answers as from sinan.ko.
 *
 * Options (sinan_open_options.sim_options, $SINAN_SIM), comma-separated:
 *   cores=N queues=N asids=N clock=MHZ devmem=SIZE[K|M|G] threads=N
 *   firmware=PATH     firmware image (default: build/fw/sinan_fw.elf next to
 *                     the library, /lib/firmware/sinan/sinan_fw.elf, else a
 *                     built-in boot header)
 *   timeout=MS        default job timeout (5000)
 *   debug=1           fault-injection registers
 *   uapi=MAJOR.MINOR  report another uAPI version (tests of version checks)
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sinan_hw/sinan_isa.h>

#include "sim_int.h"

#define SIM(dev)	((struct sim *)(dev)->be)

/* ---- buffer objects -------------------------------------------------------------- */

static struct sim_bo *bo_lookup(struct sim *s, uint32_t handle)
{
	if (!handle || handle > s->nbos || !s->bos[handle - 1])
		return NULL;
	return s->bos[handle - 1];
}

static int handle_alloc(void ***table, uint32_t *n, void *obj, uint32_t *handle)
{
	for (uint32_t i = 0; i < *n; i++) {
		if (!(*table)[i]) {
			(*table)[i] = obj;
			*handle = i + 1;
			return 0;
		}
	}
	{
		uint32_t nn = *n ? *n * 2 : 64;
		void **t = realloc(*table, nn * sizeof(void *));

		if (!t)
			return -ENOMEM;
		memset(t + *n, 0, (nn - *n) * sizeof(void *));
		*table = t;
		t[*n] = obj;
		*handle = *n + 1;
		*n = nn;
	}
	return 0;
}

static int host_register(struct sim *s, struct sim_bo *bo)
{
	uint32_t i;
	int ret = 0;

	pthread_rwlock_wrlock(&s->host_lock);
	if (s->nhost == s->host_cap) {
		uint32_t nc = s->host_cap ? s->host_cap * 2 : 64;
		struct sim_bo **h = realloc(s->host, nc * sizeof(*h));

		if (!h) {
			ret = -ENOMEM;
			goto out;
		}
		s->host = h;
		s->host_cap = nc;
	}
	for (i = s->nhost; i > 0 && s->host[i - 1]->bus > bo->bus; i--)
		s->host[i] = s->host[i - 1];
	s->host[i] = bo;
	s->nhost++;
out:
	pthread_rwlock_unlock(&s->host_lock);
	return ret;
}

static void host_unregister(struct sim *s, struct sim_bo *bo)
{
	pthread_rwlock_wrlock(&s->host_lock);
	for (uint32_t i = 0; i < s->nhost; i++) {
		if (s->host[i] == bo) {
			memmove(&s->host[i], &s->host[i + 1], (s->nhost - i - 1) * sizeof(*s->host));
			s->nhost--;
			break;
		}
	}
	pthread_rwlock_unlock(&s->host_lock);
}

void sim_bo_unref(struct sim *s, struct sim_bo *bo)
{
	if (--bo->refs)
		return;
	if (bo->placement == DRM_SINAN_BO_PLACEMENT_HOST) {
		host_unregister(s, bo);
		ra_free(&s->bus, bo->bus, bo->size + SINAN_PAGE_SIZE);
		munmap(bo->host, bo->size);
		close(bo->memfd);
	} else {
		ra_free(&s->devmem, bo->pa, bo->size);
	}
	s->ctx_mem_used -= bo->size;
	free(bo);
}

/* A host buffer object around a shareable memory file (created here or imported). */
static int bo_host_init(struct sim *s, struct sim_bo *bo, int memfd)
{
	struct stat st;
	int ret;

	bo->memfd = memfd;
	bo->host = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (bo->host == MAP_FAILED)
		return -errno;
	if (!fstat(memfd, &st)) {
		bo->ino = st.st_ino;
		bo->dev_no = st.st_dev;
	}
	/* A guard page between buffers: an overrun is a DMA error, never another buffer. */
	ret = ra_alloc(&s->bus, bo->size + SINAN_PAGE_SIZE,
		       bo->size >= SINAN_BLOCK_SIZE ? SINAN_BLOCK_SIZE : SINAN_PAGE_SIZE, &bo->bus);
	if (ret)
		goto err_unmap;
	ret = host_register(s, bo);
	if (ret)
		goto err_bus;
	return 0;
err_bus:
	ra_free(&s->bus, bo->bus, bo->size + SINAN_PAGE_SIZE);
err_unmap:
	munmap(bo->host, bo->size);
	return ret;
}

static int ioc_bo_create(struct sim *s, struct drm_sinan_bo_create *a)
{
	struct sim_bo *bo;
	uint64_t size;
	int ret;

	if (a->flags & ~DRM_SINAN_BO_FLAGS || a->pad || a->handle)
		return -EINVAL;
	if (a->placement > DRM_SINAN_BO_PLACEMENT_HOST || !a->size || a->size > (1ULL << SINAN_VA_BITS))
		return -EINVAL;
	size = ALIGN_UP(a->size, SINAN_PAGE_SIZE);
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	bo->size = size;
	bo->placement = a->placement;
	bo->refs = 1;
	if (a->placement == DRM_SINAN_BO_PLACEMENT_DEVICE) {
		ret = ra_alloc(&s->devmem, size, size >= SINAN_BLOCK_SIZE ? SINAN_BLOCK_SIZE : SINAN_PAGE_SIZE,
			       &bo->pa);
		if (ret)
			goto err_free;
		if (a->flags & DRM_SINAN_BO_FLAG_ZERO)
			memset((uint8_t *)sinan_emu_devmem(s->emu) + bo->pa, 0, size);
	} else {
		int fd = memfd_create("sinan-sim-bo", MFD_CLOEXEC);

		if (fd < 0) {
			ret = -errno;
			goto err_free;
		}
		if (ftruncate(fd, (off_t)size)) {
			ret = -errno;
			close(fd);
			goto err_free;
		}
		ret = bo_host_init(s, bo, fd);
		if (ret) {
			close(fd);
			goto err_free;
		}
	}
	ret = handle_alloc((void ***)&s->bos, &s->nbos, bo, &bo->handle);
	if (ret) {
		bo->refs = 1;
		sim_bo_unref(s, bo);
		return ret;
	}
	s->ctx_mem_used += size;
	a->handle = bo->handle;
	return 0;
err_free:
	free(bo);
	return ret;
}

static int ioc_gem_close(struct sim *s, struct drm_gem_close *a)
{
	struct sim_bo *bo = bo_lookup(s, a->handle);

	if (a->pad)
		return -EINVAL;
	if (!bo)
		return -EINVAL;
	s->bos[a->handle - 1] = NULL;
	bo->handle = 0;
	sim_bo_unref(s, bo);
	return 0;
}

static int ioc_bo_info(struct sim *s, struct drm_sinan_bo_info *a)
{
	struct sim_bo *bo = bo_lookup(s, a->handle);

	if (a->flags || a->pad)
		return -EINVAL;
	if (!bo)
		return -ENOENT;
	a->mmap_offset = (uint64_t)a->handle << 32;
	a->size = bo->size;
	a->placement = bo->placement;
	return 0;
}

static int ioc_vm_bind(struct sim *s, struct drm_sinan_vm_bind *a)
{
	struct sim_bo *bo = bo_lookup(s, a->handle);
	struct sim_mapping *m;
	uint64_t size, addr, flags;
	int ret;

	if (a->flags & ~DRM_SINAN_VM_BIND_FLAGS)
		return -EINVAL;
	if (!bo)
		return -ENOENT;
	size = a->size ? a->size : (a->offset < bo->size ? bo->size - a->offset : 0);
	if ((a->offset | size) & (SINAN_PAGE_SIZE - 1) || !size || a->offset > bo->size ||
	    size > bo->size - a->offset)
		return -EINVAL;
	if (a->flags & DRM_SINAN_VM_BIND_FIXED) {
		if (a->va & (SINAN_PAGE_SIZE - 1) || a->va < SIM_VA_START || a->va > SIM_VA_END ||
		    size > SIM_VA_END - a->va)
			return -EINVAL;
		ret = ra_take(&s->va, a->va, size);
		if (ret)
			return ret;
	} else {
		uint64_t va;

		ret = ra_alloc(&s->va, size, size >= SINAN_BLOCK_SIZE ? SINAN_BLOCK_SIZE : SINAN_PAGE_SIZE, &va);
		if (ret)
			return -ENOSPC;
		a->va = va;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		ra_free(&s->va, a->va, size);
		return -ENOMEM;
	}
	flags = (a->flags & DRM_SINAN_VM_BIND_READ_ONLY) ? 0 : SINAN_PTE_WRITE;
	if (bo->placement == DRM_SINAN_BO_PLACEMENT_HOST) {
		flags |= SINAN_PTE_SYSMEM;
		addr = bo->bus + a->offset;
	} else {
		addr = bo->pa + a->offset;
	}
	ret = sim_pt_map(s, a->va, addr, size, flags);
	if (ret) {
		sim_pt_unmap(s, a->va, size);
		sim_mmu_invalidate(s);
		ra_free(&s->va, a->va, size);
		free(m);
		return ret;
	}
	sim_mmu_invalidate(s);
	m->va = a->va;
	m->size = size;
	m->bo = bo;
	m->offset = a->offset;
	m->flags = a->flags;
	m->next = s->maps;
	s->maps = m;
	bo->refs++;
	return 0;
}

static int ioc_vm_unbind(struct sim *s, struct drm_sinan_vm_unbind *a)
{
	if (a->flags || a->pad)
		return -EINVAL;
	for (struct sim_mapping **pp = &s->maps; *pp; pp = &(*pp)->next) {
		struct sim_mapping *m = *pp;

		if (m->va != a->va)
			continue;
		*pp = m->next;
		sim_pt_unmap(s, m->va, m->size);
		sim_mmu_invalidate(s);
		ra_free(&s->va, m->va, m->size);
		sim_bo_unref(s, m->bo);
		free(m);
		return 0;
	}
	return -ENOENT;
}

static int ioc_prime_to_fd(struct sim *s, struct drm_prime_handle *a)
{
	struct sim_bo *bo = bo_lookup(s, a->handle);

	if (a->flags & ~(DRM_CLOEXEC | DRM_RDWR))
		return -EINVAL;
	if (!bo)
		return -ENOENT;
	if (bo->placement != DRM_SINAN_BO_PLACEMENT_HOST)
		return -EOPNOTSUPP;	/* device memory lives inside the model: nothing to share */
	a->fd = fcntl(bo->memfd, (a->flags & DRM_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	return a->fd < 0 ? -errno : 0;
}

static int ioc_prime_to_handle(struct sim *s, struct drm_prime_handle *a)
{
	struct stat st;
	struct sim_bo *bo;
	int fd, ret;

	if (fstat(a->fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size % SINAN_PAGE_SIZE)
		return -EINVAL;
	/* Our own export: the same object, like DRM's self-import. */
	for (uint32_t i = 0; i < s->nbos; i++) {
		bo = s->bos[i];
		if (bo && bo->placement == DRM_SINAN_BO_PLACEMENT_HOST && bo->ino == st.st_ino &&
		    bo->dev_no == st.st_dev) {
			a->handle = bo->handle;
			return 0;
		}
	}
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	fd = fcntl(a->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		free(bo);
		return -errno;
	}
	bo->size = (uint64_t)st.st_size;
	bo->placement = DRM_SINAN_BO_PLACEMENT_HOST;
	bo->refs = 1;
	ret = bo_host_init(s, bo, fd);
	if (ret) {
		close(fd);
		free(bo);
		return ret;
	}
	ret = handle_alloc((void ***)&s->bos, &s->nbos, bo, &bo->handle);
	if (ret) {
		sim_bo_unref(s, bo);
		return ret;
	}
	s->ctx_mem_used += bo->size;
	a->handle = bo->handle;
	return 0;
}

/* ---- parameters ------------------------------------------------------------------------ */

static int ioc_get_param(struct sim *s, struct drm_sinan_get_param *a)
{
	struct sinan_emu_config *c = &s->cfg;

	if (a->pad)
		return -EINVAL;
	switch (a->param) {
	case DRM_SINAN_PARAM_UAPI_VERSION: a->value = s->uapi_version; break;
	case DRM_SINAN_PARAM_DEVICE_ID:
		a->value = ((uint64_t)SINAN_PCI_VENDOR_ID << 16) | SINAN_PCI_DEVICE_ID;
		break;
	case DRM_SINAN_PARAM_HW_VERSION: a->value = sim_rd32(s, SINAN_REG_HW_VERSION); break;
	case DRM_SINAN_PARAM_NUM_CORES: a->value = sim_rd32(s, SINAN_REG_NUM_CORES); break;
	case DRM_SINAN_PARAM_NUM_QUEUES: a->value = sim_rd32(s, SINAN_REG_NUM_QUEUES); break;
	case DRM_SINAN_PARAM_CLOCK_MHZ: a->value = sim_rd32(s, SINAN_REG_CLOCK_MHZ); break;
	case DRM_SINAN_PARAM_ISA_VERSION: a->value = sim_rd32(s, SINAN_REG_ISA_VERSION); break;
	case DRM_SINAN_PARAM_FW_VERSION: a->value = sim_rd32(s, SINAN_REG_FW_VERSION); break;
	case DRM_SINAN_PARAM_FW_API_VERSION: a->value = sim_rd32(s, SINAN_REG_FW_API_VERSION); break;
	case DRM_SINAN_PARAM_CAPS: a->value = sim_rd32(s, SINAN_REG_CAPS); break;
	case DRM_SINAN_PARAM_DEVMEM_SIZE: a->value = sim_rd64(s, SINAN_REG_DEVMEM_SIZE); break;
	case DRM_SINAN_PARAM_DEVMEM_USED: a->value = s->devmem.used + SINAN_FW_RESERVED; break;
	case DRM_SINAN_PARAM_VA_START: a->value = SIM_VA_START; break;
	case DRM_SINAN_PARAM_VA_END: a->value = SIM_VA_END; break;
	case DRM_SINAN_PARAM_L1_SIZE: a->value = sim_rd32(s, SINAN_REG_L1_SIZE); break;
	case DRM_SINAN_PARAM_L0A_SIZE: a->value = sim_rd32(s, SINAN_REG_L0A_SIZE); break;
	case DRM_SINAN_PARAM_L0B_SIZE: a->value = sim_rd32(s, SINAN_REG_L0B_SIZE); break;
	case DRM_SINAN_PARAM_L0C_SIZE: a->value = sim_rd32(s, SINAN_REG_L0C_SIZE); break;
	case DRM_SINAN_PARAM_UB_SIZE: a->value = sim_rd32(s, SINAN_REG_UB_SIZE); break;
	case DRM_SINAN_PARAM_CUBE_SHAPE: a->value = sim_rd32(s, SINAN_REG_CUBE_SHAPE); break;
	case DRM_SINAN_PARAM_VEC_BYTES: a->value = sim_rd32(s, SINAN_REG_VEC_BYTES); break;
	case DRM_SINAN_PARAM_DEVMEM_BW: a->value = sim_rd32(s, SINAN_REG_DEVMEM_BW); break;
	case DRM_SINAN_PARAM_HOSTLINK_BW: a->value = sim_rd32(s, SINAN_REG_HOSTLINK_BW); break;
	case DRM_SINAN_PARAM_RESET_COUNT: a->value = s->reset_count; break;
	case DRM_SINAN_PARAM_TIMESTAMP: a->value = sim_rd64(s, SINAN_REG_TIMESTAMP); break;
	case DRM_SINAN_PARAM_ASID: a->value = SIM_ASID; break;
	case DRM_SINAN_PARAM_CTX_MEM_USED: a->value = s->ctx_mem_used; break;
	default:
		(void)c;
		return -EINVAL;
	}
	return 0;
}

static int ioc_query(struct sim *s, struct drm_sinan_query *a)
{
	struct drm_sinan_fw_info fi = { 0 };

	if (a->flags || a->pad)
		return -EINVAL;
	if (a->query != DRM_SINAN_QUERY_FW_INFO)
		return -EINVAL;
	if (!a->size) {
		a->size = sizeof(fi);
		return 0;
	}
	if (a->size < sizeof(fi) || !a->data)
		return -EINVAL;
	fi.version = sim_rd32(s, SINAN_REG_FW_VERSION);
	fi.api_version = sim_rd32(s, SINAN_REG_FW_API_VERSION);
	fi.features = sim_rd32(s, SINAN_REG_FW_FEATURES);
	sim_wr32(s, SINAN_REG_MBOX_CMD, SINAN_MBOX_CMD_GET_INFO);
	fi.boot_count = sim_rd32(s, SINAN_REG_MBOX_STATUS) == SINAN_MBOX_ST_DONE ?
			sim_rd32(s, SINAN_REG_MBOX_RESP(3)) : 0;
	sim_wr32(s, SINAN_REG_GLOBAL_CAUSE, (uint32_t)SINAN_CAUSE_MBOX);
	fi.heartbeat = sim_rd32(s, SINAN_REG_FW_HEARTBEAT);
	memcpy(fi.version_str, s->fw_version_str, sizeof(fi.version_str));
	memcpy((void *)(uintptr_t)a->data, &fi, sizeof(fi));
	a->size = sizeof(fi);
	return 0;
}

/* ---- queues -------------------------------------------------------------------------------- */

static struct sim_queue *queue_lookup(struct sim *s, uint32_t id)
{
	if (id >= s->cfg.num_queues || !s->queues[id].used)
		return NULL;
	return &s->queues[id];
}

static int ioc_queue_create(struct sim *s, struct drm_sinan_queue_create *a)
{
	struct sim_queue *q = NULL;
	struct drm_sinan_vm_bind b;
	int ret;

	if (a->flags || a->pad || a->engine > DRM_SINAN_ENGINE_COPY || a->priority > DRM_SINAN_PRIORITY_HIGH)
		return -EINVAL;
	for (unsigned int i = 0; i < s->cfg.num_queues; i++) {
		if (!s->queues[i].used) {
			q = &s->queues[i];
			memset(q, 0, sizeof(*q));
			q->id = i;
			break;
		}
	}
	if (!q)
		return -EBUSY;
	q->engine = a->engine;
	q->priority = a->priority;
	q->timeout_ms = a->timeout_ms;
	q->jobs_tail = &q->jobs;
	ret = ra_alloc(&s->devmem, SIM_RING_SIZE + SIM_CQ_SIZE, SINAN_PAGE_SIZE, &q->ring_pa);
	if (ret)
		return -ENOMEM;
	q->cq_pa = q->ring_pa + SIM_RING_SIZE;
	ret = ra_alloc(&s->kva, SIM_RING_SIZE + SIM_CQ_SIZE, SINAN_PAGE_SIZE, &q->ring_va);
	if (ret)
		goto err_mem;
	q->cq_va = q->ring_va + SIM_RING_SIZE;
	ret = sim_pt_map(s, q->ring_va, q->ring_pa, SIM_RING_SIZE + SIM_CQ_SIZE, SINAN_PTE_WRITE);
	if (ret)
		goto err_va;
	sim_mmu_invalidate(s);
	(void)b;
	ret = sim_queue_hw_start(s, q);
	if (ret)
		goto err_map;
	q->used = true;
	a->queue_id = q->id;
	return 0;
err_map:
	sim_pt_unmap(s, q->ring_va, SIM_RING_SIZE + SIM_CQ_SIZE);
	sim_mmu_invalidate(s);
err_va:
	ra_free(&s->kva, q->ring_va, SIM_RING_SIZE + SIM_CQ_SIZE);
err_mem:
	ra_free(&s->devmem, q->ring_pa, SIM_RING_SIZE + SIM_CQ_SIZE);
	return ret;
}

static int sim_wait_queue_idle(struct sim *s, struct sim_queue *q, int64_t deadline)
{
	for (;;) {
		sim_settle(s);
		if (!q->jobs)
			return 0;
		if ((int64_t)sim_real_ns() >= deadline)
			return -ETIME;
		sim_wait_change(s, deadline);
	}
}

static int ioc_queue_destroy(struct sim *s, struct drm_sinan_queue_destroy *a)
{
	struct sim_queue *q = queue_lookup(s, a->queue_id);

	if (a->pad)
		return -EINVAL;
	if (!q)
		return -ENOENT;
	/* "after its jobs finished": jobs stuck behind a hang are ended by the queue timeout. */
	sim_wait_queue_idle(s, q, INT64_MAX);
	sim_queue_hw_stop(s, q);
	sim_pt_unmap(s, q->ring_va, SIM_RING_SIZE + SIM_CQ_SIZE);
	sim_mmu_invalidate(s);
	ra_free(&s->kva, q->ring_va, SIM_RING_SIZE + SIM_CQ_SIZE);
	ra_free(&s->devmem, q->ring_pa, SIM_RING_SIZE + SIM_CQ_SIZE);
	q->used = false;
	return 0;
}

static int ioc_queue_status(struct sim *s, struct drm_sinan_queue_status *a)
{
	struct sim_queue *q = queue_lookup(s, a->queue_id);

	if (a->flags)
		return -EINVAL;
	if (!q)
		return -ENOENT;
	sim_settle(s);
	a->state = q->banned ? DRM_SINAN_QUEUE_STATE_BANNED : DRM_SINAN_QUEUE_STATE_ACTIVE;
	a->guilty = q->guilty;
	a->error = q->error;
	a->err_pkt = q->err_pkt;
	a->fault_addr = q->fault_addr;
	a->fault_info = q->fault_info;
	a->reset_count = q->reset_count;
	a->last_seq = q->last_seq;
	a->done_seq = q->banned ? q->last_seq : q->done_seq;
	a->busy_cycles = q->busy_base + (q->banned ? 0 : sim_rd64(s, SINAN_QREG(q->id, SINAN_Q_BUSY_CYCLES)));
	return 0;
}

/* ---- syncobjs ---------------------------------------------------------------------------- */

static struct sim_syncobj *so_lookup(struct sim *s, uint32_t handle)
{
	if (!handle || handle > s->nsyncobjs || !s->syncobjs[handle - 1])
		return NULL;
	return s->syncobjs[handle - 1];
}

void sim_syncobj_unref(struct sim *s, struct sim_syncobj *so)
{
	(void)s;
	if (--so->refs)
		return;
	while (so->points) {
		struct sim_point *p = so->points;

		so->points = p->next;
		free(p);
	}
	if (so->bin_job)
		sim_job_unref(s, so->bin_job);
	free(so);
}

static int ioc_syncobj_create(struct sim *s, struct drm_syncobj_create *a)
{
	struct sim_syncobj *so;
	int ret;

	if (a->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED)
		return -EINVAL;
	so = calloc(1, sizeof(*so));
	if (!so)
		return -ENOMEM;
	so->refs = 1;
	if (a->flags & DRM_SYNCOBJ_CREATE_SIGNALED)
		so->bin_has_fence = so->bin_signaled = true;
	ret = handle_alloc((void ***)&s->syncobjs, &s->nsyncobjs, so, &so->handle);
	if (ret) {
		free(so);
		return ret;
	}
	a->handle = so->handle;
	return 0;
}

static int ioc_syncobj_destroy(struct sim *s, struct drm_syncobj_destroy *a)
{
	struct sim_syncobj *so = so_lookup(s, a->handle);

	if (a->pad)
		return -EINVAL;
	if (!so)
		return -EINVAL;
	s->syncobjs[a->handle - 1] = NULL;
	sim_syncobj_unref(s, so);
	return 0;
}

static struct sim_point *point_append(struct sim_syncobj *so, uint64_t point, bool done)
{
	struct sim_point *p = calloc(1, sizeof(*p)), **pp = &so->points;

	if (!p)
		return NULL;
	p->point = point;
	p->done = done;
	while (*pp)
		pp = &(*pp)->next;
	*pp = p;
	if (point > so->submitted)
		so->submitted = point;
	return p;
}

static int ioc_syncobj_signal(struct sim *s, struct drm_syncobj_timeline_array *a)
{
	const uint32_t *h = (const uint32_t *)(uintptr_t)a->handles;
	const uint64_t *pts = (const uint64_t *)(uintptr_t)a->points;

	if (a->flags || !a->count_handles || !h || !pts)
		return -EINVAL;
	for (uint32_t i = 0; i < a->count_handles; i++)
		if (!so_lookup(s, h[i]))
			return -ENOENT;
	for (uint32_t i = 0; i < a->count_handles; i++) {
		struct sim_syncobj *so = so_lookup(s, h[i]);

		if (!pts[i]) {
			so->bin_has_fence = so->bin_signaled = true;
			continue;
		}
		if (!point_append(so, pts[i], true))
			return -ENOMEM;
		sim_syncobj_advance(so);
	}
	sim_settle(s);
	sim_kick(s);
	return 0;
}

static int ioc_syncobj_query(struct sim *s, struct drm_syncobj_timeline_array *a)
{
	const uint32_t *h = (const uint32_t *)(uintptr_t)a->handles;
	uint64_t *pts = (uint64_t *)(uintptr_t)a->points;

	if (a->flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED || !a->count_handles || !h || !pts)
		return -EINVAL;
	sim_settle(s);
	for (uint32_t i = 0; i < a->count_handles; i++) {
		struct sim_syncobj *so = so_lookup(s, h[i]);

		if (!so)
			return -ENOENT;
		pts[i] = (a->flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) ? so->submitted : so->value;
	}
	return 0;
}

static int ioc_syncobj_wait(struct sim *s, struct drm_syncobj_timeline_wait *a)
{
	const uint32_t *h = (const uint32_t *)(uintptr_t)a->handles;
	const uint64_t *pts = (const uint64_t *)(uintptr_t)a->points;
	uint32_t all = a->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;

	if (a->flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
			 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) || !a->count_handles || !h || !pts)
		return -EINVAL;
	for (uint32_t i = 0; i < a->count_handles; i++) {
		struct sim_syncobj *so = so_lookup(s, h[i]);

		if (!so)
			return -ENOENT;
		if (!(a->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) &&
		    (pts[i] ? pts[i] > so->submitted : !so->bin_has_fence))
			return -EINVAL;
	}
	for (;;) {
		uint32_t n = 0, first = UINT32_MAX;

		sim_settle(s);
		for (uint32_t i = 0; i < a->count_handles; i++) {
			struct sim_syncobj *so = so_lookup(s, h[i]);

			if (!so)
				return -ENOENT;	/* destroyed by another thread meanwhile */
			if (sim_point_signaled(so, pts[i])) {
				n++;
				if (first == UINT32_MAX)
					first = i;
			}
		}
		if (all ? n == a->count_handles : n > 0) {
			a->first_signaled = first;
			return 0;
		}
		if ((int64_t)sim_real_ns() >= a->timeout_nsec)
			return -ETIME;
		sim_wait_change(s, a->timeout_nsec);
	}
}

/* ---- submission ---------------------------------------------------------------------------- */

static int sync_refs(struct sim *s, uint64_t uptr, uint32_t n, struct sim_sync_ref **out, bool in)
{
	const struct drm_sinan_sync *v = (const struct drm_sinan_sync *)(uintptr_t)uptr;
	struct sim_sync_ref *r;

	*out = NULL;
	if (!n)
		return 0;
	if (!v)
		return -EFAULT;
	for (uint32_t i = 0; i < n; i++) {
		struct sim_syncobj *so = so_lookup(s, v[i].handle);

		if (v[i].flags)
			return -EINVAL;
		if (!so)
			return -ENOENT;
		/* Like drm_syncobj_find_fence(): a point nobody submitted yet is an error. */
		if (in && (v[i].point ? v[i].point > so->submitted : !so->bin_has_fence))
			return -EINVAL;
	}
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		r[i].so = so_lookup(s, v[i].handle);
		r[i].point = v[i].point;
		r[i].so->refs++;
	}
	*out = r;
	return 0;
}

static int ioc_submit(struct sim *s, struct drm_sinan_submit *a)
{
	struct sim_queue *q = queue_lookup(s, a->queue_id);
	const uint32_t *handles = (const uint32_t *)(uintptr_t)a->bo_handles;
	struct sim_job *j;
	int ret;

	if (a->flags)
		return -EINVAL;
	if (!q)
		return -ENOENT;
	if (a->cmdbuf_va & 63 || a->cmdbuf_size % SINAN_PKT_SIZE || !a->cmdbuf_size ||
	    a->cmdbuf_size > SINAN_INDIRECT_MAX_SIZE)
		return -EINVAL;
	if (a->bo_count > DRM_SINAN_SUBMIT_MAX_BOS || a->in_sync_count > DRM_SINAN_SUBMIT_MAX_SYNCS ||
	    a->out_sync_count > DRM_SINAN_SUBMIT_MAX_SYNCS)
		return -EINVAL;
	if (a->bo_count && !handles)
		return -EFAULT;
	for (uint32_t i = 0; i < a->bo_count; i++)
		if (!bo_lookup(s, handles[i]))
			return -ENOENT;
	sim_settle(s);
	if (q->banned)
		return -ECANCELED;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->refs = 1;
	j->q = q;
	j->cmd_va = a->cmdbuf_va;
	j->cmd_size = a->cmdbuf_size;
	ret = sync_refs(s, a->in_syncs, a->in_sync_count, &j->in, true);
	if (ret)
		goto err;
	j->nin = a->in_sync_count;
	ret = sync_refs(s, a->out_syncs, a->out_sync_count, &j->out, false);
	if (ret)
		goto err;
	j->nout = a->out_sync_count;
	if (a->bo_count) {
		j->bos = calloc(a->bo_count, sizeof(*j->bos));
		if (!j->bos) {
			ret = -ENOMEM;
			goto err;
		}
	}
	for (uint32_t i = 0; i < j->nout; i++) {
		struct sim_syncobj *so = j->out[i].so;

		if (j->out[i].point) {
			j->out[i].pt = point_append(so, j->out[i].point, false);
			if (!j->out[i].pt) {
				ret = -ENOMEM;
				goto err;
			}
		}
	}
	/* Committed: nothing fails from here on. */
	for (uint32_t i = 0; i < a->bo_count; i++) {
		j->bos[i] = bo_lookup(s, handles[i]);
		j->bos[i]->refs++;
	}
	j->nbos = a->bo_count;
	for (uint32_t i = 0; i < j->nout; i++) {
		struct sim_syncobj *so = j->out[i].so;

		if (!j->out[i].point) {
			if (so->bin_job)
				sim_job_unref(s, so->bin_job);
			so->bin_job = j;
			j->refs++;
			so->bin_has_fence = true;
			so->bin_signaled = false;
		}
	}
	j->seq = ++q->last_seq;
	j->state = JOB_QUEUED;
	*q->jobs_tail = j;
	q->jobs_tail = &j->next;
	a->seq = j->seq;
	sim_settle(s);
	return 0;
err:
	/* Undo the chain nodes added (they are the last ones of their timelines). */
	for (uint32_t i = 0; i < j->nout; i++) {
		struct sim_syncobj *so = j->out[i].so;

		if (j->out[i].pt) {
			struct sim_point **pp = &so->points;

			while (*pp && *pp != j->out[i].pt)
				pp = &(*pp)->next;
			if (*pp)
				*pp = j->out[i].pt->next;
			free(j->out[i].pt);
		}
	}
	j->nbos = 0;
	sim_job_unref(s, j);
	return ret;
}

static int ioc_wait(struct sim *s, struct drm_sinan_wait *a)
{
	if (a->flags)
		return -EINVAL;
	if (a->kind == DRM_SINAN_WAIT_SEQ) {
		struct sim_queue *q = queue_lookup(s, a->id);

		if (!q)
			return -ENOENT;
		if (!a->seq || a->seq > q->last_seq)
			return -EINVAL;
		for (;;) {
			bool done;
			int st;

			sim_settle(s);
			st = sim_job_status(q, a->seq, &done);
			if (done) {
				a->status = st;
				return 0;
			}
			if ((int64_t)sim_real_ns() >= a->timeout_ns)
				return -ETIME;
			sim_wait_change(s, a->timeout_ns);
		}
	}
	if (a->kind == DRM_SINAN_WAIT_BO) {
		struct sim_bo *bo = bo_lookup(s, a->id);

		if (a->seq)
			return -EINVAL;
		if (!bo)
			return -ENOENT;
		for (;;) {
			bool busy = false;
			int st = 0;

			sim_settle(s);
			for (unsigned int i = 0; i < s->cfg.num_queues && !busy; i++) {
				for (struct sim_job *j = s->queues[i].used ? s->queues[i].jobs : NULL; j; j = j->next) {
					for (uint32_t k = 0; k < j->nbos; k++)
						if (j->bos[k] == bo && j->state != JOB_DONE)
							busy = true;
				}
			}
			if (!busy) {
				a->status = st;
				return 0;
			}
			if ((int64_t)sim_real_ns() >= a->timeout_ns)
				return -ETIME;
			sim_wait_change(s, a->timeout_ns);
		}
	}
	return -EINVAL;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static int sim_ioctl(struct sinan_device *dev, unsigned long req, void *arg)
{
	struct sim *s = SIM(dev);
	int ret;

	pthread_mutex_lock(&s->lock);
	switch (req) {
	case DRM_IOCTL_SINAN_GET_PARAM: ret = ioc_get_param(s, arg); break;
	case DRM_IOCTL_SINAN_QUERY: ret = ioc_query(s, arg); break;
	case DRM_IOCTL_SINAN_BO_CREATE: ret = ioc_bo_create(s, arg); break;
	case DRM_IOCTL_SINAN_BO_INFO: ret = ioc_bo_info(s, arg); break;
	case DRM_IOCTL_SINAN_VM_BIND: ret = ioc_vm_bind(s, arg); break;
	case DRM_IOCTL_SINAN_VM_UNBIND: ret = ioc_vm_unbind(s, arg); break;
	case DRM_IOCTL_SINAN_QUEUE_CREATE: ret = ioc_queue_create(s, arg); break;
	case DRM_IOCTL_SINAN_QUEUE_DESTROY: ret = ioc_queue_destroy(s, arg); break;
	case DRM_IOCTL_SINAN_SUBMIT: ret = ioc_submit(s, arg); break;
	case DRM_IOCTL_SINAN_WAIT: ret = ioc_wait(s, arg); break;
	case DRM_IOCTL_SINAN_QUEUE_STATUS: ret = ioc_queue_status(s, arg); break;
	case DRM_IOCTL_GEM_CLOSE: ret = ioc_gem_close(s, arg); break;
	case DRM_IOCTL_PRIME_HANDLE_TO_FD: ret = ioc_prime_to_fd(s, arg); break;
	case DRM_IOCTL_PRIME_FD_TO_HANDLE: ret = ioc_prime_to_handle(s, arg); break;
	case DRM_IOCTL_SYNCOBJ_CREATE: ret = ioc_syncobj_create(s, arg); break;
	case DRM_IOCTL_SYNCOBJ_DESTROY: ret = ioc_syncobj_destroy(s, arg); break;
	case DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL: ret = ioc_syncobj_signal(s, arg); break;
	case DRM_IOCTL_SYNCOBJ_QUERY: ret = ioc_syncobj_query(s, arg); break;
	case DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT: ret = ioc_syncobj_wait(s, arg); break;
	default: ret = -ENOTTY; break;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int sim_mmap(struct sinan_device *dev, uint64_t offset, uint64_t len, void **ptr)
{
	struct sim *s = SIM(dev);
	struct sim_bo *bo;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	bo = (offset & 0xffffffffULL) ? NULL : bo_lookup(s, (uint32_t)(offset >> 32));
	if (!bo || !len || len > bo->size)
		ret = -EINVAL;
	else if (bo->placement == DRM_SINAN_BO_PLACEMENT_HOST)
		*ptr = bo->host;
	else
		*ptr = (uint8_t *)sinan_emu_devmem(s->emu) + bo->pa;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int sim_munmap(struct sinan_device *dev, void *ptr, uint64_t len)
{
	/* Mappings are views of the object's own memory: nothing to undo. */
	(void)dev;
	(void)ptr;
	(void)len;
	return 0;
}

/* ---- open and close ------------------------------------------------------------------------ */

static int parse_size(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || end == v)
		return -1;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	if (*end)
		return -1;
	*out = n;
	return 0;
}

/* The firmware image nearest to this library: the build tree, then the system. */
static void default_fw_path(char *buf, size_t len)
{
	Dl_info info;

	buf[0] = 0;
	if (dladdr((void *)default_fw_path, &info) && info.dli_fname) {
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", info.dli_fname);
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = 0;
			/* build/<flavour>/lib/libsinan.so or build/<flavour>/bin/x -> build/fw */
			snprintf(buf, len, "%s/../../fw/sinan_fw.elf", dir);
			if (!access(buf, R_OK))
				return;
			snprintf(buf, len, "%s/../fw/sinan_fw.elf", dir);
			if (!access(buf, R_OK))
				return;
			/* tests: build/<flavour>/tests/x */
			snprintf(buf, len, "%s/../../../fw/sinan_fw.elf", dir);
			if (!access(buf, R_OK))
				return;
		}
	}
	snprintf(buf, len, "/lib/firmware/sinan/sinan_fw.elf");
	if (access(buf, R_OK))
		buf[0] = 0;
}

struct sim_opts {
	char fw[PATH_MAX];
	bool fw_explicit;
	uint32_t uapi;
	uint32_t timeout_ms;
};

static sinan_status parse_options(const char *str, struct sinan_emu_config *cfg, struct sim_opts *o)
{
	char *copy, *save = NULL;
	sinan_status st = SINAN_OK;

	if (!str || !*str)
		return SINAN_OK;
	copy = strdup(str);
	if (!copy)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t n = 0;
		const char *k = tok, *v;

		if (!eq) {
			st = sinan_error(SINAN_E_INVALID_ARGUMENT, "sim option '%s': expected key=value", tok);
			break;
		}
		*eq = 0;
		v = eq + 1;
		if (!strcmp(k, "firmware")) {
			snprintf(o->fw, sizeof(o->fw), "%s", v);
			o->fw_explicit = true;
			continue;
		}
		if (!strcmp(k, "uapi")) {
			unsigned int ma, mi;

			if (sscanf(v, "%u.%u", &ma, &mi) != 2 || ma > 0xffff || mi > 0xffff) {
				st = sinan_error(SINAN_E_INVALID_ARGUMENT, "sim option uapi=%s: expected MAJOR.MINOR", v);
				break;
			}
			o->uapi = (ma << 16) | mi;
			continue;
		}
		if (parse_size(v, &n)) {
			st = sinan_error(SINAN_E_INVALID_ARGUMENT, "sim option %s=%s: not a number", k, v);
			break;
		}
		if (!strcmp(k, "cores")) cfg->num_cores = (uint32_t)n;
		else if (!strcmp(k, "queues")) cfg->num_queues = (uint32_t)n;
		else if (!strcmp(k, "asids")) cfg->num_asids = (uint32_t)n;
		else if (!strcmp(k, "clock")) cfg->clock_mhz = (uint32_t)n;
		else if (!strcmp(k, "devmem")) cfg->devmem_size = n;
		else if (!strcmp(k, "threads")) cfg->host_threads = (uint32_t)n;
		else if (!strcmp(k, "debug")) cfg->debug_regs = n != 0;
		else if (!strcmp(k, "timeout")) o->timeout_ms = (uint32_t)n;
		else {
			st = sinan_error(SINAN_E_INVALID_ARGUMENT,
					 "unknown sim option '%s' (cores, queues, asids, clock, devmem, threads, "
					 "debug, timeout, firmware, uapi)", k);
			break;
		}
		if (n > UINT32_MAX && strcmp(k, "devmem")) {
			st = sinan_error(SINAN_E_INVALID_ARGUMENT, "sim option %s=%s: too large", k, v);
			break;
		}
	}
	free(copy);
	return st;
}

static void sim_free(struct sim *s)
{
	if (s->emu)
		sinan_emu_destroy(s->emu);
	while (s->maps) {
		struct sim_mapping *m = s->maps;

		s->maps = m->next;
		free(m);
	}
	free(s->bos);
	free(s->syncobjs);
	free(s->host);
	ra_fini(&s->va);
	ra_fini(&s->kva);
	ra_fini(&s->bus);
	sim_hw_fini(s);
	pthread_rwlock_destroy(&s->host_lock);
	pthread_cond_destroy(&s->arm_cond);
	pthread_mutex_destroy(&s->arm_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static sinan_status sim_open(struct sinan_device *dev, uint32_t index, const char *options)
{
	struct sim_opts o = { .uapi = (DRM_SINAN_UAPI_MAJOR << 16) | DRM_SINAN_UAPI_MINOR };
	pthread_condattr_t ca;
	struct sim *s;
	const char *why;
	sinan_status st;

	if (index != 0)
		return sinan_error(SINAN_E_NO_DEVICE, "sim: there is one simulated device (index 0), not %u", index);
	s = calloc(1, sizeof(*s));
	if (!s)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->arm_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->arm_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_rwlock_init(&s->host_lock, NULL);
	s->armed_ns = UINT64_MAX;
	sinan_emu_config_default(&s->cfg);
	st = parse_options(options, &s->cfg, &o);
	if (st)
		goto err;
	s->uapi_version = o.uapi;
	s->default_timeout_ms = o.timeout_ms ? o.timeout_ms : SIM_DEFAULT_TIMEOUT_MS;
	why = sinan_emu_config_check(&s->cfg);
	if (why) {
		st = sinan_error(SINAN_E_INVALID_ARGUMENT, "sim: bad device configuration: %s", why);
		goto err;
	}
	if (ra_init(&s->va, SIM_VA_START, SIM_VA_END) || ra_init(&s->kva, SIM_KVA_START, SIM_KVA_END) ||
	    ra_init(&s->bus, SIM_BUS_BASE, SIM_BUS_BASE + (1ULL << 46))) {
		st = sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		goto err;
	}
	s->emu = sinan_emu_create(&s->cfg, &sim_host_ops, s);
	if (!s->emu) {
		st = sinan_error(SINAN_E_OUT_OF_MEMORY, "sim: cannot create the device model (%llu MiB of "
				 "address space for device memory)", (unsigned long long)(s->cfg.devmem_size >> 20));
		goto err;
	}
	if (!o.fw_explicit)
		default_fw_path(o.fw, sizeof(o.fw));
	if (sim_hw_init(s, o.fw[0] ? o.fw : NULL, o.fw_explicit)) {
		st = sinan_error_tls()->status ? sinan_error_tls()->status : SINAN_E_DEVICE_ERROR;
		goto err;
	}
	dev->be = s;
	snprintf(dev->props.name, sizeof(dev->props.name), "Sinan NPU (simulated, %u cores)", s->cfg.num_cores);
	snprintf(dev->props.node, sizeof(dev->props.node), "sim");
	dev->props.vendor_id = SINAN_PCI_VENDOR_ID;
	dev->props.device_id = SINAN_PCI_DEVICE_ID;
	sinan_dbg("sim: device up, firmware: %s", s->fw_source);
	return SINAN_OK;
err:
	sim_free(s);
	return st;
}

static void sim_close(struct sinan_device *dev)
{
	struct sim *s = SIM(dev);

	if (!s)
		return;
	/* The runtime destroyed its objects; drop whatever is left with the model. */
	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < s->cfg.num_queues; i++) {
		struct sim_queue *q = &s->queues[i];

		if (!q->used)
			continue;
		sim_queue_hw_stop(s, q);
		while (q->jobs) {
			struct sim_job *j = q->jobs;

			q->jobs = j->next;
			for (uint32_t k = 0; k < j->nbos; k++)
				sim_bo_unref(s, j->bos[k]);
			j->nbos = 0;
			sim_job_unref(s, j);
		}
	}
	while (s->maps) {
		struct sim_mapping *m = s->maps;

		s->maps = m->next;
		sim_bo_unref(s, m->bo);
		free(m);
	}
	for (uint32_t i = 0; i < s->nsyncobjs; i++)
		if (s->syncobjs[i])
			sim_syncobj_unref(s, s->syncobjs[i]);
	for (uint32_t i = 0; i < s->nbos; i++)
		if (s->bos[i])
			sim_bo_unref(s, s->bos[i]);
	pthread_mutex_unlock(&s->lock);
	sim_free(s);
	dev->be = NULL;
}

static sinan_status sim_enumerate(struct sinan_device_info *infos, uint32_t cap, uint32_t *count)
{
	*count = 1;
	if (cap >= 1 && infos) {
		struct sinan_device_info i = { .size = sizeof(i) };

		snprintf(i.backend, sizeof(i.backend), "sim");
		snprintf(i.node, sizeof(i.node), "sim");
		snprintf(i.driver, sizeof(i.driver), "sim");
		i.vendor_id = SINAN_PCI_VENDOR_ID;
		i.device_id = SINAN_PCI_DEVICE_ID;
		return sinan_copy_out(infos, &i, sizeof(i), offsetof(struct sinan_device_info, index), "infos");
	}
	return SINAN_OK;
}

const struct sinan_backend_ops sinan_backend_sim = {
	.name = "sim",
	.enumerate = sim_enumerate,
	.open = sim_open,
	.close = sim_close,
	.ioctl = sim_ioctl,
	.mmap = sim_mmap,
	.munmap = sim_munmap,
};

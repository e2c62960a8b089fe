// SPDX-License-Identifier: MIT
/*
 * libsinan memory: buffer objects (driver allocations bound into the
 * device's address space), the buffer handles users see (whole, sub-buffer,
 * pool piece, command-buffer slot), CPU mappings and dma-buf sharing.
 *
 * Lifetime: a buffer is referenced by its user handle, by its sub-buffers
 * and by every job that uses it; memory goes back (to the driver or to its
 * pool) only when the last of them lets go, so destroying a buffer while
 * the device still works on it is safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan_hw/sinan_mmu.h>
#include <uapi/drm/sinan_accel.h>

#include "sinan_int.h"

static const char *placement_name(uint32_t p)
{
	return p == SINAN_MEM_HOST ? "host" : "device";
}

sinan_status bo_create(struct sinan_device *dev, uint64_t size, uint32_t placement, uint32_t flags,
		       struct sinan_bo **out)
{
	struct drm_sinan_bo_create c = { .size = size, .placement = placement };
	struct drm_sinan_vm_bind b = { 0 };
	struct drm_gem_close gc = { 0 };
	struct sinan_bo *bo;
	int ret;

	if (flags & SINAN_BUFFER_ZERO)
		c.flags |= DRM_SINAN_BO_FLAG_ZERO;
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_BO_CREATE, &c);
	if (ret) {
		free(bo);
		if ((ret == -ENOMEM || ret == -ENOSPC) && placement == SINAN_MEM_HOST)
			return sinan_error_errno(SINAN_E_OUT_OF_MEMORY, -ret,
						 "cannot allocate %llu bytes of host memory (%s); the driver caps "
						 "the pinned host memory of a device at sinan.host_mem_limit_mb "
						 "(default: half of RAM)",
						 (unsigned long long)size, strerror(-ret));
		if (ret == -ENOMEM || ret == -ENOSPC)
			return sinan_error_errno(SINAN_E_OUT_OF_DEVICE_MEMORY, -ret,
						 "cannot allocate %llu bytes of %s memory (%s)",
						 (unsigned long long)size, placement_name(placement), strerror(-ret));
		return sinan_error_errno(sinan_status_from_errno(ret), -ret, "BO_CREATE of %llu bytes of %s memory: %s",
					 (unsigned long long)size, placement_name(placement), strerror(-ret));
	}
	b.handle = c.handle;
	if (flags & SINAN_BUFFER_READ_ONLY)
		b.flags |= DRM_SINAN_VM_BIND_READ_ONLY;
	ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_VM_BIND, &b);
	if (ret) {
		gc.handle = c.handle;
		sinan_ioctl(dev, DRM_IOCTL_GEM_CLOSE, &gc);
		free(bo);
		return sinan_error_errno(ret == -ENOSPC || ret == -ENOMEM ? SINAN_E_OUT_OF_DEVICE_MEMORY :
					 sinan_status_from_errno(ret), -ret,
					 "cannot map %llu bytes into the device address space: %s",
					 (unsigned long long)size, strerror(-ret));
	}
	bo->dev = dev;
	bo->handle = c.handle;
	bo->placement = placement;
	bo->flags = flags;
	bo->size = ALIGN_UP(size, SINAN_PAGE_SIZE);
	bo->va = b.va;
	atomic_init(&bo->refs, 1);
	pthread_mutex_lock(&dev->lock);
	list_add_tail(&dev->bos, &bo->link);
	pthread_mutex_unlock(&dev->lock);
	*out = bo;
	return SINAN_OK;
}

void bo_unref(struct sinan_bo *bo)
{
	struct sinan_device *dev = bo->dev;
	struct drm_sinan_vm_unbind u = { .va = bo->va };
	struct drm_gem_close gc = { .handle = bo->handle };

	if (atomic_fetch_sub(&bo->refs, 1) != 1)
		return;
	pthread_mutex_lock(&dev->lock);
	list_del(&bo->link);
	pthread_mutex_unlock(&dev->lock);
	if (bo->cpu)
		sinan_munmap(dev, bo->cpu, bo->size);
	if (bo->va)
		sinan_ioctl(dev, DRM_IOCTL_SINAN_VM_UNBIND, &u);
	sinan_ioctl(dev, DRM_IOCTL_GEM_CLOSE, &gc);
	free(bo);
}

sinan_status bo_map(struct sinan_bo *bo, void **ptr)
{
	struct sinan_device *dev = bo->dev;
	struct drm_sinan_bo_info i = { .handle = bo->handle };
	sinan_status st = SINAN_OK;
	void *p;
	int ret;

	pthread_mutex_lock(&dev->lock);
	if (!bo->cpu) {
		ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_BO_INFO, &i);
		if (!ret)
			ret = sinan_mmap(dev, i.mmap_offset, bo->size, &p);
		if (ret)
			st = sinan_error_errno(sinan_status_from_errno(ret) == SINAN_E_DEVICE_LOST ?
					       SINAN_E_DEVICE_LOST : SINAN_E_IO, -ret,
					       "cannot map the buffer for the CPU: %s", strerror(-ret));
		else
			bo->cpu = p;
	}
	*ptr = bo->cpu;
	pthread_mutex_unlock(&dev->lock);
	return st;
}

/* ---- buffers -------------------------------------------------------------------------- */

static struct sinan_buffer *buffer_new(struct sinan_device *dev, enum buffer_kind kind)
{
	struct sinan_buffer *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->magic = MAGIC_BUFFER;
	b->kind = kind;
	b->dev = dev;
	atomic_init(&b->refs, 1);
	buffer_track(b);
	return b;
}

/* Every handle is on its device's list, so closing the device frees what the user left. */
void buffer_track(struct sinan_buffer *b)
{
	pthread_mutex_lock(&b->dev->lock);
	list_add_tail(&b->dev->buffers, &b->link);
	pthread_mutex_unlock(&b->dev->lock);
}

static void buffer_untrack(struct sinan_buffer *b)
{
	pthread_mutex_lock(&b->dev->lock);
	list_del(&b->link);
	pthread_mutex_unlock(&b->dev->lock);
}

void buffer_ref(struct sinan_buffer *b)
{
	atomic_fetch_add(&b->refs, 1);
}

void buffer_unref(struct sinan_buffer *b)
{
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	switch (b->kind) {
	case BUF_ROOT:
		bo_unref(b->bo);
		break;
	case BUF_SUB:
		buffer_unref(b->parent);
		break;
	case BUF_POOL:
		pool_release(b);
		break;
	case BUF_SLOT:
		break;
	}
	if (b->kind != BUF_SLOT)
		buffer_untrack(b);
	b->magic = MAGIC_DEAD;
	free(b);
}

struct sinan_buffer *buffer_get(sinan_buffer_t b, const char *what)
{
	if (!b || b->magic != MAGIC_BUFFER) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "%s: buffer handle is NULL or not a buffer", what);
		return NULL;
	}
	if (b->user_destroyed) {
		sinan_error(SINAN_E_INVALID_ARGUMENT, "%s: buffer was destroyed", what);
		return NULL;
	}
	return b;
}

SINAN_API sinan_status sinan_buffer_create(sinan_device_t d, uint64_t size, enum sinan_mem_placement placement,
					   uint32_t flags, sinan_buffer_t *out)
{
	struct sinan_device *dev;
	struct sinan_buffer *b;
	sinan_status st;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "buf is NULL");
	*out = NULL;
	CHECK_ARG(size, "size is 0");
	CHECK_ARG(size <= dev->props.va_end - dev->props.va_start,
		  "size %llu is larger than the device address space", (unsigned long long)size);
	CHECK_ARG((unsigned int)placement <= SINAN_MEM_HOST, "placement %u is not SINAN_MEM_DEVICE or SINAN_MEM_HOST",
		  (unsigned int)placement);
	CHECK_ARG(!(flags & ~(SINAN_BUFFER_ZERO | SINAN_BUFFER_READ_ONLY)), "unknown flags 0x%x",
		  flags & ~(SINAN_BUFFER_ZERO | SINAN_BUFFER_READ_ONLY));
	if (placement == SINAN_MEM_DEVICE && size > dev->props.devmem_size)
		return sinan_error(SINAN_E_OUT_OF_DEVICE_MEMORY, "%llu bytes is more than the device has (%llu MiB of "
				   "device memory)", (unsigned long long)size,
				   (unsigned long long)(dev->props.devmem_size >> 20));
	b = buffer_new(dev, BUF_ROOT);
	if (!b)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	st = bo_create(dev, size, placement, flags, &b->bo);
	if (st) {
		buffer_untrack(b);
		free(b);
		return st;
	}
	b->size = size;
	*out = b;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_buffer_create_sub(sinan_buffer_t parent, uint64_t offset, uint64_t size,
					       sinan_buffer_t *out)
{
	struct sinan_buffer *p, *b;

	API_ENTER();
	p = buffer_get(parent, "parent");
	if (!p)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "sub is NULL");
	*out = NULL;
	CHECK_ARG(p->kind != BUF_SLOT, "parent is a command-buffer slot: bind a real buffer to the slot instead");
	CHECK_ARG(size, "size is 0");
	CHECK_ARG(offset <= p->size && size <= p->size - offset,
		  "range [%llu, +%llu) is outside the parent's %llu bytes", (unsigned long long)offset,
		  (unsigned long long)size, (unsigned long long)p->size);
	b = buffer_new(p->dev, BUF_SUB);
	if (!b)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	buffer_ref(p);
	b->parent = p;
	b->bo = p->bo;
	b->offset = p->offset + offset;
	b->size = size;
	*out = b;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_buffer_destroy(sinan_buffer_t buf)
{
	struct sinan_buffer *b;

	API_ENTER();
	b = buffer_get(buf, "buf");
	if (!b)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(b->kind != BUF_SLOT, "slot buffers belong to their command buffer (sinan_cmdbuf_destroy)");
	b->user_destroyed = true;
	if (b->kind == BUF_POOL)
		pool_user_release(b);
	buffer_unref(b);
	return SINAN_OK;
}

SINAN_API sinan_status sinan_buffer_map(sinan_buffer_t buf, void **ptr)
{
	struct sinan_buffer *b;
	sinan_status st;
	void *p;

	API_ENTER();
	b = buffer_get(buf, "buf");
	if (!b)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(ptr, "ptr is NULL");
	*ptr = NULL;
	CHECK_ARG(b->kind != BUF_SLOT, "a slot buffer has no memory of its own");
	st = bo_map(b->bo, &p);
	if (st)
		return st;
	*ptr = (uint8_t *)p + b->offset;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_buffer_get_info(sinan_buffer_t buf, struct sinan_buffer_info *info)
{
	struct sinan_buffer_info i = { .size = sizeof(i) };
	struct sinan_buffer *b;

	API_ENTER();
	b = buffer_get(buf, "buf");
	if (!b)
		return SINAN_E_INVALID_ARGUMENT;
	i.bytes = b->size;
	if (b->bo) {
		i.placement = b->bo->placement;
		i.flags = b->bo->flags;
		i.device_va = b->bo->va + b->offset;
		i.imported = b->bo->imported;
	}
	i.offset = b->offset;
	i.is_sub = b->kind == BUF_SUB;
	i.from_pool = b->kind == BUF_POOL;
	return COPY_OUT(info, i, bytes);
}

SINAN_API sinan_status sinan_buffer_export(sinan_buffer_t buf, int *fd)
{
	struct sinan_buffer *b;
	struct drm_prime_handle h = { .flags = DRM_CLOEXEC | DRM_RDWR };
	int ret;

	API_ENTER();
	b = buffer_get(buf, "buf");
	if (!b)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(fd, "fd is NULL");
	*fd = -1;
	CHECK_ARG(b->kind == BUF_ROOT, "only whole buffers from sinan_buffer_create()/import can be exported "
		  "(this is a %s)", b->kind == BUF_SUB ? "sub-buffer" : b->kind == BUF_POOL ? "pool buffer" : "slot");
	h.handle = b->bo->handle;
	ret = sinan_ioctl(b->dev, DRM_IOCTL_PRIME_HANDLE_TO_FD, &h);
	if (ret)
		return sinan_error_errno(ret == -EOPNOTSUPP ? SINAN_E_NOT_SUPPORTED : sinan_status_from_errno(ret), -ret,
					 "cannot export the %s buffer as a dma-buf: %s%s", placement_name(b->bo->placement),
					 strerror(-ret), ret == -EOPNOTSUPP && !strcmp(b->dev->ops->name, "sim") ?
					 " (the simulator shares host buffers only)" : "");
	*fd = h.fd;
	return SINAN_OK;
}

SINAN_API sinan_status sinan_buffer_import(sinan_device_t d, int fd, sinan_buffer_t *out)
{
	struct sinan_device *dev;
	struct drm_prime_handle h = { .fd = fd };
	struct drm_sinan_bo_info info = { 0 };
	struct drm_sinan_vm_bind vb = { 0 };
	struct sinan_bo *bo = NULL;
	struct sinan_buffer *b;
	struct list *it, *tmp;
	int ret;

	API_ENTER();
	dev = device_get(d);
	if (!dev)
		return SINAN_E_INVALID_ARGUMENT;
	CHECK_ARG(out, "buf is NULL");
	*out = NULL;
	CHECK_ARG(fd >= 0, "fd %d is not a file descriptor", fd);
	b = buffer_new(dev, BUF_ROOT);
	if (!b)
		return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
	ret = sinan_ioctl(dev, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h);
	if (ret) {
		buffer_untrack(b);
		free(b);
		return sinan_error_errno(sinan_status_from_errno(ret) == SINAN_E_NOT_FOUND ? SINAN_E_INVALID_ARGUMENT :
					 sinan_status_from_errno(ret), -ret, "cannot import fd %d: %s", fd, strerror(-ret));
	}
	/* Importing our own export gives back the same handle: share the object. */
	pthread_mutex_lock(&dev->lock);
	list_for_each_safe(it, tmp, &dev->bos) {
		struct sinan_bo *o = container_of(it, struct sinan_bo, link);

		if (o->handle == h.handle && atomic_load(&o->refs) > 0) {
			atomic_fetch_add(&o->refs, 1);
			bo = o;
			break;
		}
	}
	pthread_mutex_unlock(&dev->lock);
	if (!bo) {
		struct drm_gem_close gc = { .handle = h.handle };

		info.handle = h.handle;
		ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_BO_INFO, &info);
		if (!ret) {
			vb.handle = h.handle;
			ret = sinan_ioctl(dev, DRM_IOCTL_SINAN_VM_BIND, &vb);
		}
		bo = ret ? NULL : calloc(1, sizeof(*bo));
		if (!bo) {
			if (!ret) {
				struct drm_sinan_vm_unbind u = { .va = vb.va };

				sinan_ioctl(dev, DRM_IOCTL_SINAN_VM_UNBIND, &u);
			}
			sinan_ioctl(dev, DRM_IOCTL_GEM_CLOSE, &gc);
			buffer_untrack(b);
			free(b);
			if (!ret)
				return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
			return sinan_error_errno(sinan_status_from_errno(ret), -ret, "cannot map the imported buffer: %s",
						 strerror(-ret));
		}
		bo->dev = dev;
		bo->handle = h.handle;
		bo->placement = info.placement;
		bo->size = info.size;
		bo->va = vb.va;
		bo->imported = true;
		atomic_init(&bo->refs, 1);
		pthread_mutex_lock(&dev->lock);
		list_add_tail(&dev->bos, &bo->link);
		pthread_mutex_unlock(&dev->lock);
	}
	b->bo = bo;
	b->size = bo->size;
	*out = b;
	return SINAN_OK;
}

/* ---- reference lists --------------------------------------------------------------------- */

sinan_status reflist_add(struct reflist *r, struct sinan_buffer *b)
{
	/* The last few entries catch the common repeats cheaply. */
	for (uint32_t i = r->n; i > 0 && i + 8 > r->n; i--)
		if (r->v[i - 1] == b)
			return SINAN_OK;
	if (r->n == r->cap) {
		uint32_t nc = r->cap ? r->cap * 2 : 16;
		struct sinan_buffer **v = realloc(r->v, nc * sizeof(*v));

		if (!v)
			return sinan_error(SINAN_E_OUT_OF_MEMORY, "out of memory");
		r->v = v;
		r->cap = nc;
	}
	buffer_ref(b);
	r->v[r->n++] = b;
	return SINAN_OK;
}

void reflist_release(struct reflist *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		buffer_unref(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

sinan_status sinan_test_buffer_va(sinan_buffer_t b, uint64_t *va)
{
	if (!b || !b->bo)
		return SINAN_E_INVALID_ARGUMENT;
	*va = b->bo->va + b->offset;
	return SINAN_OK;
}

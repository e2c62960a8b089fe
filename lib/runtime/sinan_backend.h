/* SPDX-License-Identifier: MIT */
/*
 * libsinan backends: the one internal device interface.
 *
 * A backend speaks the driver interface of include/uapi/drm/sinan_accel.h:
 * the DRM_IOCTL_SINAN_* ioctls, the DRM core ioctls the runtime uses
 * (GEM_CLOSE, SYNCOBJ_*, PRIME_*) and mmap of buffer objects. "drm" passes
 * them to the kernel driver; "sim" implements them in-process on the device
 * model (emu/core), with a small driver of its own (memory allocator, page
 * tables, rings, completion handling, firmware boot), so everything above
 * this table is the same code for both.
 *
 * Every call goes through sinan_ioctl()/sinan_mmap() (lib/runtime/device.c),
 * which retries EINTR/EAGAIN and traces with SINAN_DEBUG=ioctl. Calls return
 * 0 or a negative errno, with the kernel's meaning.
 */
#ifndef SINAN_BACKEND_H
#define SINAN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include <sinan/sinan.h>

struct sinan_device;

struct sinan_backend_ops {
	const char *name;
	/* List devices; fills up to @cap entries, sets *count to all found. */
	sinan_status (*enumerate)(struct sinan_device_info *infos, uint32_t cap, uint32_t *count);
	/*
	 * Open device @index with backend options @options (sim: "key=val,...").
	 * On failure records the error (sinan_error()) and returns its status.
	 * Fills dev->props.name/node/pci_slot/vendor_id/device_id.
	 */
	sinan_status (*open)(struct sinan_device *dev, uint32_t index, const char *options);
	void (*close)(struct sinan_device *dev);
	int (*ioctl)(struct sinan_device *dev, unsigned long req, void *arg);
	int (*mmap)(struct sinan_device *dev, uint64_t offset, uint64_t len, void **ptr);
	int (*munmap)(struct sinan_device *dev, void *ptr, uint64_t len);
};

extern const struct sinan_backend_ops sinan_backend_drm;
extern const struct sinan_backend_ops sinan_backend_sim;

/* Find a backend by name (NULL: $SINAN_BACKEND, default drm). */
const struct sinan_backend_ops *sinan_backend_find(const char *name);

#endif /* SINAN_BACKEND_H */

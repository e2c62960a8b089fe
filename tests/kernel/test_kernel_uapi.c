// SPDX-License-Identifier: MIT
/*
 * Guest tests of the Sinan driver: argument validation of every ioctl
 * (unknown flags, non-zero padding, sizes 0 and UINT64_MAX, misaligned
 * values, overflowing ranges, handles and queue ids of another file or
 * process). Each rejected call must leave no trace: the valid call that
 * follows still gets the first sequence number, the first handle, etc.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "ktest.h"

static void test_get_param(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	struct drm_sinan_get_param p = { 0 };

	(void)state;
	p.param = DRM_SINAN_PARAM_COUNT;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_GET_PARAM, &p), -EINVAL);
	p.param = UINT32_MAX;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_GET_PARAM, &p), -EINVAL);
	p.param = DRM_SINAN_PARAM_UAPI_VERSION;
	p.pad = 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_GET_PARAM, &p), -EINVAL);

	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_UAPI_VERSION),
			 DRM_SINAN_UAPI_MAJOR << 16 | DRM_SINAN_UAPI_MINOR);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_DEVICE_ID),
			 (uint64_t)SINAN_PCI_VENDOR_ID << 16 | SINAN_PCI_DEVICE_ID);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_HW_VERSION) >> 16, SINAN_HW_VERSION_MAJOR);
	assert_true(kt_param(fd, DRM_SINAN_PARAM_NUM_CORES) >= 1);
	assert_true(kt_param(fd, DRM_SINAN_PARAM_NUM_QUEUES) >= 1);
	assert_true(kt_param(fd, DRM_SINAN_PARAM_NUM_QUEUES) <= SINAN_MAX_QUEUES);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_FW_API_VERSION) >> 16, SINAN_FWIF_MAJOR);
	assert_true(kt_param(fd, DRM_SINAN_PARAM_DEVMEM_SIZE) > SINAN_FW_RESERVED);
	assert_true(kt_param(fd, DRM_SINAN_PARAM_VA_START) < kt_param(fd, DRM_SINAN_PARAM_VA_END));
	assert_true(kt_param(fd, DRM_SINAN_PARAM_VA_END) <= 1ULL << SINAN_VA_BITS);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_VA_START) % SINAN_PAGE_SIZE, 0);
	/* Every file is its own address space. */
	assert_int_not_equal(kt_param(fd, DRM_SINAN_PARAM_ASID), kt_param(fd2, DRM_SINAN_PARAM_ASID));
	/* The device timestamp moves. */
	{
		uint64_t t0 = kt_param(fd, DRM_SINAN_PARAM_TIMESTAMP);

		usleep(2000);
		assert_true(kt_param(fd, DRM_SINAN_PARAM_TIMESTAMP) > t0);
	}
	close(fd2);
	close(fd);
}

static void test_mem_accounting(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	uint64_t dev0 = kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED);
	uint32_t h, hh;

	(void)state;
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_CTX_MEM_USED), 0);
	h = kt_bo_create(fd, 3 * 4096 + 1, DRM_SINAN_BO_PLACEMENT_DEVICE);
	hh = kt_bo_create(fd, 8192, DRM_SINAN_BO_PLACEMENT_HOST);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED) - dev0, 4 * 4096);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_CTX_MEM_USED), 4 * 4096 + 8192);
	/* Per file: the other context has nothing. */
	assert_int_equal(kt_param(fd2, DRM_SINAN_PARAM_CTX_MEM_USED), 0);
	kt_bo_close(fd, h);
	kt_bo_close(fd, hh);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_CTX_MEM_USED), 0);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED), dev0);
	close(fd2);
	close(fd);
}

static void test_query(void **state)
{
	int fd = kt_open();
	struct drm_sinan_fw_info info[2];
	struct drm_sinan_query q = { .query = DRM_SINAN_QUERY_FW_INFO };

	(void)state;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), 0);
	assert_int_equal(q.size, sizeof(struct drm_sinan_fw_info));

	q.size = sizeof(info[0]) - 1;
	q.data = (uintptr_t)info;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), -EINVAL);
	q.size = sizeof(info[0]);
	q.flags = 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), -EINVAL);
	q.flags = 0;
	q.pad = 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), -EINVAL);
	q.pad = 0;
	q.query = 1000;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), -EINVAL);
	q.query = DRM_SINAN_QUERY_FW_INFO;
	q.data = 8;	/* not a user address */
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), -EFAULT);

	/* A larger buffer is fine: the size that was written comes back. */
	memset(info, 0xa5, sizeof(info));
	q.data = (uintptr_t)info;
	q.size = sizeof(info);
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), 0);
	assert_int_equal(q.size, sizeof(info[0]));
	assert_int_equal(info[0].version, kt_param(fd, DRM_SINAN_PARAM_FW_VERSION));
	assert_int_equal(info[0].api_version, kt_param(fd, DRM_SINAN_PARAM_FW_API_VERSION));
	assert_true(info[0].boot_count >= 1);
	assert_int_equal(info[0].pad, 0);
	assert_non_null(memchr(info[0].version_str, '\0', sizeof(info[0].version_str)));
	assert_true(info[0].version_str[0] >= '0' && info[0].version_str[0] <= '9');
	close(fd);
}

static void test_bo_create(void **state)
{
	int fd = kt_open();
	uint64_t devmem = kt_param(fd, DRM_SINAN_PARAM_DEVMEM_SIZE);
	struct drm_sinan_bo_info info = { 0 };
	uint32_t h;

	(void)state;
	for (uint32_t pl = 0; pl <= DRM_SINAN_BO_PLACEMENT_HOST; pl++) {
		assert_int_equal(kt_try_bo_create(fd, 0, pl, 0, &h), -EINVAL);
		assert_int_equal(kt_try_bo_create(fd, UINT64_MAX, pl, 0, &h), -EINVAL);
		assert_int_equal(kt_try_bo_create(fd, UINT64_MAX - 4094, pl, 0, &h), -EINVAL);
		assert_int_equal(kt_try_bo_create(fd, UINT64_MAX - 4095, pl, 0, &h), -ENOMEM);
		assert_int_equal(kt_try_bo_create(fd, 4096, pl, 1u << 1, &h), -EINVAL);
		assert_int_equal(kt_try_bo_create(fd, 4096, pl, 1u << 31, &h), -EINVAL);
	}
	assert_int_equal(kt_try_bo_create(fd, 4096, 2, 0, &h), -EINVAL);
	assert_int_equal(kt_try_bo_create(fd, 4096, UINT32_MAX, 0, &h), -EINVAL);
	/* More than the placement can ever hold: out of memory. */
	assert_int_equal(kt_try_bo_create(fd, devmem, DRM_SINAN_BO_PLACEMENT_DEVICE, 0, &h),
			 -ENOMEM);
	assert_int_equal(kt_try_bo_create(fd, 1ULL << 60, DRM_SINAN_BO_PLACEMENT_HOST, 0, &h),
			 -ENOMEM);
	{
		struct drm_sinan_bo_create c = { .size = 4096, .pad = 1 };

		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_CREATE, &c), -EINVAL);
	}

	/* None of that created anything: the first BO gets handle 1. */
	assert_int_equal(kt_try_bo_create(fd, 1, DRM_SINAN_BO_PLACEMENT_DEVICE,
					  DRM_SINAN_BO_FLAG_ZERO, &h), 0);
	assert_int_equal(h, 1);
	info.handle = h;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), 0);
	assert_int_equal(info.size, 4096);	/* rounded up to a page */
	assert_int_equal(info.placement, DRM_SINAN_BO_PLACEMENT_DEVICE);
	assert_int_not_equal(info.mmap_offset, 0);
	kt_bo_close(fd, h);
	close(fd);
}

static void test_bo_info(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	struct drm_sinan_bo_info info = { 0 };
	uint32_t h = kt_bo_create(fd, 4096, DRM_SINAN_BO_PLACEMENT_HOST);

	(void)state;
	info.handle = 0;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), -ENOENT);
	info.handle = h + 100;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), -ENOENT);
	info.handle = h;
	info.flags = 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), -EINVAL);
	info.flags = 0;
	info.pad = 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), -EINVAL);
	info.pad = 0;
	/* The handle means nothing in another file. */
	assert_int_equal(kt_ioctl(fd2, DRM_IOCTL_SINAN_BO_INFO, &info), -ENOENT);
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), 0);
	assert_int_equal(info.placement, DRM_SINAN_BO_PLACEMENT_HOST);
	assert_int_equal(info.size, 4096);
	close(fd2);
	close(fd);
}

static void test_vm_bind(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	uint64_t start = kt_param(fd, DRM_SINAN_PARAM_VA_START);
	uint64_t end = kt_param(fd, DRM_SINAN_PARAM_VA_END);
	uint32_t h = kt_bo_create(fd, 4 * 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	const uint32_t fixed = DRM_SINAN_VM_BIND_FIXED;
	uint64_t va;

	(void)state;
	va = 0;
	assert_int_equal(kt_try_bind(fd, h, 1u << 2, &va, 0, 0), -EINVAL);
	assert_int_equal(kt_try_bind(fd, h, 1u << 31, &va, 0, 0), -EINVAL);
	/* offset and size: misaligned, past the end, overflowing */
	assert_int_equal(kt_try_bind(fd, h, 0, &va, 1, 0), -EINVAL);
	assert_int_equal(kt_try_bind(fd, h, 0, &va, 0, 100), -EINVAL);
	assert_int_equal(kt_try_bind(fd, h, 0, &va, 4 * 4096, 0), -EINVAL);
	assert_int_equal(kt_try_bind(fd, h, 0, &va, 0, 5 * 4096), -EINVAL);
	assert_int_equal(kt_try_bind(fd, h, 0, &va, 4096, UINT64_MAX & ~4095ULL), -EINVAL);
	assert_int_equal(kt_try_bind(fd, h, 0, &va, UINT64_MAX & ~4095ULL, 4096), -EINVAL);
	assert_int_equal(kt_try_bind(fd, h, 0, &va, 0, UINT64_MAX), -EINVAL);
	/* fixed addresses: misaligned, outside [VA_START, VA_END), overflowing */
	va = start + 8;
	assert_int_equal(kt_try_bind(fd, h, fixed, &va, 0, 0), -EINVAL);
	va = 0;
	assert_int_equal(kt_try_bind(fd, h, fixed, &va, 0, 0), -EINVAL);
	va = start - 4096;
	assert_int_equal(kt_try_bind(fd, h, fixed, &va, 0, 0), -EINVAL);
	va = end;
	assert_int_equal(kt_try_bind(fd, h, fixed, &va, 0, 0), -EINVAL);
	va = end - 4096;
	assert_int_equal(kt_try_bind(fd, h, fixed, &va, 0, 2 * 4096), -EINVAL);
	va = UINT64_MAX & ~4095ULL;
	assert_int_equal(kt_try_bind(fd, h, fixed, &va, 0, 0), -EINVAL);
	/* handles of another file, unknown handles */
	va = 0;
	assert_int_equal(kt_try_bind(fd2, h, 0, &va, 0, 0), -ENOENT);
	assert_int_equal(kt_try_bind(fd, h + 1, 0, &va, 0, 0), -ENOENT);

	/* Kernel-chosen: inside the range, aligned; size 0 is the whole BO. */
	va = 0;
	assert_int_equal(kt_try_bind(fd, h, 0, &va, 0, 0), 0);
	assert_true(va >= start && va + 4 * 4096 <= end && va % 4096 == 0);
	/* Fixed, overlapping it: busy; next to it: fine. */
	{
		uint64_t v2 = va + 4096;

		assert_int_equal(kt_try_bind(fd, h, fixed, &v2, 0, 4096), -EBUSY);
		v2 = va + 4 * 4096;
		assert_int_equal(kt_try_bind(fd, h, fixed | DRM_SINAN_VM_BIND_READ_ONLY, &v2,
					     2 * 4096, 2 * 4096), 0);
		assert_int_equal(v2, va + 4 * 4096);
		kt_unbind(fd, v2);
	}

	/* unbind: flags, padding, misaligned, not a mapping's start, another file */
	{
		struct drm_sinan_vm_unbind u = { .va = va, .flags = 1 };

		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), -EINVAL);
		u.flags = 0;
		u.pad = 1;
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), -EINVAL);
		u.pad = 0;
		u.va = va + 8;
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), -EINVAL);
		u.va = va + 4096;
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), -ENOENT);
		u.va = va;
		assert_int_equal(kt_ioctl(fd2, DRM_IOCTL_SINAN_VM_UNBIND, &u), -ENOENT);
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), 0);
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), -ENOENT);
	}
	/* A fixed mapping where the old one was. */
	assert_int_equal(kt_try_bind(fd, h, fixed, &va, 0, 0), 0);
	kt_unbind(fd, va);
	kt_bo_close(fd, h);
	close(fd2);
	close(fd);
}

/*
 * Bug found by the ioctl fuzzer (make ioctl-fuzz): VM_UNBIND of an aligned
 * VA at or above VA_END walked the VA allocator's node list forever under
 * the context's vm_lock (drm_mm_for_each_node_in_range() past the range's
 * end): a soft lockup from one ioctl. Now -ENOENT, at any address.
 */
static void test_regress_unbind_above_va_end(void **state)
{
	int fd = kt_open();
	uint64_t va_end = kt_param(fd, DRM_SINAN_PARAM_VA_END);
	uint32_t h = kt_bo_create(fd, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	uint64_t va = kt_bind(fd, h, 0, 0);	/* a mapping, so that the list is not empty */
	const uint64_t vas[] = { va_end, va_end + 4096, 1ULL << 40, 0xffffffff00000000ULL,
				 UINT64_MAX - 4095, 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
		struct drm_sinan_vm_unbind u = { .va = vas[i] };

		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), -ENOENT);
	}
	kt_unbind(fd, va);
	kt_bo_close(fd, h);
	close(fd);
}

/*
 * Bug found by the ioctl fuzzer: a submit whose bo_handles held a valid
 * handle followed by an unknown one failed with -ENOENT but kept the
 * reference drm_gem_objects_lookup() had taken on the valid BO: the BO (and
 * its device memory) was never freed, even after the file was closed.
 */
static void test_regress_submit_bo_lookup_leak(void **state)
{
	int fd = kt_open();
	uint64_t used = kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED);
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint32_t h = kt_bo_create(fd, 1 << 20, DRM_SINAN_BO_PLACEMENT_DEVICE);
	uint32_t handles[3] = { h, h, 0xdead };
	struct kt_cmd cmd;
	struct drm_sinan_submit s;

	(void)state;
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_nop(&cmd);
	s = (struct drm_sinan_submit){ .queue_id = q, .cmdbuf_va = cmd.buf.va, .cmdbuf_size = 64,
				       .bo_count = 3, .bo_handles = (uintptr_t)handles };
	assert_int_equal(kt_try_submit(fd, &s), -ENOENT);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED), used + (1 << 20));
	kt_bo_close(fd, h);
	/* The BO is gone with its handle: nothing else holds it. */
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED), used);
	kt_cmd_free(fd, &cmd);
	kt_queue_destroy(fd, q);
	close(fd);
}

/*
 * Found by the isolation test (make isolation): a queue's ring was mapped
 * writable in its context, so the context's own jobs could write packets
 * into the ring the driver feeds. The ring is read-only to the device now
 * (the completion ring after it must stay writable).
 */
static void test_regress_ring_writable(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint32_t attacker = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	int hwq = kt_hwq_of(fd, q);
	uint64_t ring = kt_param(fd, DRM_SINAN_PARAM_VA_END) + (uint64_t)hwq * (1 << 20);
	struct kt_cmd cmd;

	(void)state;
	assert_true(hwq >= 0);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_fill(&cmd, ring, 0, 4096);
	assert_int_equal(kt_wait(fd, attacker, kt_submit(fd, attacker, &cmd), 20000), -EFAULT);
	assert_int_equal(kt_queue_status(fd, attacker).error, DRM_SINAN_QUEUE_ERR_MMU_FAULT);
	assert_int_equal(kt_queue_status(fd, attacker).fault_addr, ring);
	/* The queue whose ring it is still works. */
	kt_cmd_reset(&cmd);
	kt_cmd_nop(&cmd);
	assert_int_equal(kt_wait(fd, q, kt_submit(fd, q, &cmd), 20000), 0);
	kt_cmd_free(fd, &cmd);
	close(fd);
}

static void test_queue_create_destroy(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	uint32_t nq = (uint32_t)kt_param(fd, DRM_SINAN_PARAM_NUM_QUEUES);
	struct drm_sinan_queue_create c;
	struct drm_sinan_queue_destroy d = { 0 };
	uint32_t ids[SINAN_MAX_QUEUES];
	uint32_t i;

	(void)state;
#define TRY_CREATE(field, value, err) do {						\
		memset(&c, 0, sizeof(c));						\
		c.field = value;							\
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_CREATE, &c), err);	\
	} while (0)
	TRY_CREATE(flags, 1, -EINVAL);
	TRY_CREATE(flags, 1u << 31, -EINVAL);
	TRY_CREATE(pad, 1, -EINVAL);
	TRY_CREATE(engine, DRM_SINAN_ENGINE_COPY + 1, -EINVAL);
	TRY_CREATE(engine, UINT32_MAX, -EINVAL);
	TRY_CREATE(priority, DRM_SINAN_PRIORITY_HIGH + 1, -EINVAL);
	TRY_CREATE(timeout_ms, UINT32_MAX, -EINVAL);
#undef TRY_CREATE

	/* Every hardware queue, then one too many. */
	for (i = 0; i < nq; i++)
		ids[i] = kt_queue_create(fd, i & 1 ? DRM_SINAN_ENGINE_COPY : DRM_SINAN_ENGINE_COMPUTE,
					 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(kt_ioctl(fd2, DRM_IOCTL_SINAN_QUEUE_CREATE, &c), -EBUSY);

	d.queue_id = ids[0];
	d.pad = 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_DESTROY, &d), -EINVAL);
	d.pad = 0;
	/* Queue ids of another file. */
	assert_int_equal(kt_ioctl(fd2, DRM_IOCTL_SINAN_QUEUE_DESTROY, &d), -ENOENT);
	d.queue_id = UINT32_MAX;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_DESTROY, &d), -ENOENT);
	kt_queue_destroy(fd, ids[0]);
	d.queue_id = ids[0];
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_DESTROY, &d), -ENOENT);
	/* The freed hardware queue serves the other file. */
	assert_int_equal(kt_ioctl(fd2, DRM_IOCTL_SINAN_QUEUE_CREATE, &c), 0);
	/* Closing the file gives its queues back. */
	close(fd);
	fd = kt_open();
	for (i = 1; i < nq - 1; i++)
		kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	close(fd2);
	close(fd);
}

static void test_queue_status(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct drm_sinan_queue_status s = { .queue_id = q, .flags = 1 };

	(void)state;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_STATUS, &s), -EINVAL);
	s.flags = 0;
	assert_int_equal(kt_ioctl(fd2, DRM_IOCTL_SINAN_QUEUE_STATUS, &s), -ENOENT);
	s.queue_id = q + 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_STATUS, &s), -ENOENT);
	s = kt_queue_status(fd, q);
	assert_int_equal(s.state, DRM_SINAN_QUEUE_STATE_ACTIVE);
	assert_int_equal(s.guilty, 0);
	assert_int_equal(s.error, 0);
	assert_int_equal(s.last_seq, 0);
	assert_int_equal(s.done_seq, 0);
	close(fd2);
	close(fd);
}

static void test_submit(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	uint64_t end = kt_param(fd, DRM_SINAN_PARAM_VA_END);
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint32_t q2 = kt_queue_create(fd2, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint32_t bad_handles[2] = { 0, 0 };
	struct drm_sinan_sync sync = { 0 };
	struct drm_sinan_submit s;
	struct kt_cmd cmd;
	uint32_t handles[2];
	uint32_t syncobj;

	(void)state;
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_nop(&cmd);
	handles[0] = cmd.buf.handle;
	handles[1] = cmd.buf.handle;
	assert_int_equal(drmSyncobjCreate(fd, 0, &syncobj), 0);

#define RESET() do {						\
		memset(&s, 0, sizeof(s));			\
		s.queue_id = q;					\
		s.cmdbuf_va = cmd.buf.va;			\
		s.cmdbuf_size = cmd.len;			\
	} while (0)
#define TRY(stmt, err) do {					\
		RESET();					\
		stmt;						\
		assert_int_equal(kt_try_submit(fd, &s), err);	\
	} while (0)
	TRY(s.flags = 1, -EINVAL);
	TRY(s.flags = 1u << 31, -EINVAL);
	TRY(s.cmdbuf_size = 0, -EINVAL);
	TRY(s.cmdbuf_size = 63, -EINVAL);
	TRY(s.cmdbuf_size = 65, -EINVAL);
	TRY(s.cmdbuf_size = UINT32_MAX, -EINVAL);
	TRY(s.cmdbuf_size = SINAN_INDIRECT_MAX_SIZE + 64, -EINVAL);
	TRY(s.cmdbuf_va += 8, -EINVAL);
	TRY(s.cmdbuf_va = 0, -EINVAL);
	TRY(s.cmdbuf_va = end, -EINVAL);
	TRY(s.cmdbuf_va = UINT64_MAX & ~63ULL, -EINVAL);
	TRY((s.cmdbuf_va = end - 64, s.cmdbuf_size = 128), -EINVAL);
	TRY(s.bo_count = DRM_SINAN_SUBMIT_MAX_BOS + 1, -EINVAL);
	TRY(s.bo_count = UINT32_MAX, -EINVAL);
	TRY(s.in_sync_count = DRM_SINAN_SUBMIT_MAX_SYNCS + 1, -EINVAL);
	TRY(s.out_sync_count = UINT32_MAX, -EINVAL);
	/* queue ids: unknown, of another file */
	TRY(s.queue_id = q + 100, -ENOENT);
	TRY(s.queue_id = q2 + 1000, -ENOENT);
	/* BO handles: unknown, from another file, bad pointer, listed twice */
	TRY((s.bo_count = 1, s.bo_handles = (uintptr_t)bad_handles), -ENOENT);
	{
		uint32_t other = kt_bo_create(fd2, 4096, DRM_SINAN_BO_PLACEMENT_HOST);

		bad_handles[0] = other + 10;
		TRY((s.bo_count = 1, s.bo_handles = (uintptr_t)bad_handles), -ENOENT);
	}
	TRY((s.bo_count = 1, s.bo_handles = 8), -EFAULT);
	TRY((s.bo_count = 2, s.bo_handles = (uintptr_t)handles), -EINVAL);
	/* syncobjs: unknown, flags, bad pointer */
	sync.handle = syncobj + 100;
	TRY((s.in_sync_count = 1, s.in_syncs = (uintptr_t)&sync), -ENOENT);
	TRY((s.out_sync_count = 1, s.out_syncs = (uintptr_t)&sync), -ENOENT);
	sync.handle = syncobj;
	sync.flags = 1;
	TRY((s.in_sync_count = 1, s.in_syncs = (uintptr_t)&sync), -EINVAL);
	TRY((s.out_sync_count = 1, s.out_syncs = (uintptr_t)&sync), -EINVAL);
	sync.flags = 0;
	TRY((s.in_sync_count = 1, s.in_syncs = 8), -EFAULT);
	/* An in-sync with no fence yet is not something to wait for. */
	TRY((s.in_sync_count = 1, s.in_syncs = (uintptr_t)&sync), -EINVAL);

	/* None of that consumed a sequence number. */
	RESET();
	s.bo_count = 1;
	s.bo_handles = (uintptr_t)handles;
	s.out_sync_count = 1;
	s.out_syncs = (uintptr_t)&sync;
	assert_int_equal(kt_try_submit(fd, &s), 0);
	assert_int_equal(s.seq, 1);
	assert_int_equal(kt_wait(fd, q, 1, 10000), 0);
	assert_int_equal(drmSyncobjWait(fd, &syncobj, 1, kt_deadline(10000), 0, NULL), 0);
	assert_int_equal(kt_queue_status(fd, q).last_seq, 1);
	assert_int_equal(kt_queue_status(fd, q).done_seq, 1);
#undef TRY
#undef RESET
	drmSyncobjDestroy(fd, syncobj);
	kt_cmd_free(fd, &cmd);
	close(fd2);
	close(fd);
}

static void test_wait(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint32_t h = kt_bo_create(fd, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	struct drm_sinan_wait w;
	struct kt_cmd cmd;
	int32_t st = 1;
	uint64_t seq;

	(void)state;
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_nop(&cmd);
	seq = kt_submit(fd, q, &cmd);

	memset(&w, 0, sizeof(w));
	w.kind = 2;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_WAIT, &w), -EINVAL);
	w.kind = UINT32_MAX;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_WAIT, &w), -EINVAL);
	w.kind = DRM_SINAN_WAIT_SEQ;
	w.id = q;
	w.seq = seq;
	w.flags = 1;
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_WAIT, &w), -EINVAL);
	w.flags = 0;
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, 0, kt_deadline(1000), &st), -EINVAL);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, seq + 1, kt_deadline(1000), &st),
			 -EINVAL);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, UINT64_MAX, kt_deadline(1000), &st),
			 -EINVAL);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q + 1, seq, kt_deadline(1000), &st),
			 -ENOENT);
	assert_int_equal(kt_try_wait(fd2, DRM_SINAN_WAIT_SEQ, q, seq, kt_deadline(1000), &st),
			 -ENOENT);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_BO, h, 1, kt_deadline(1000), &st), -EINVAL);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_BO, h + 10, 0, kt_deadline(1000), &st),
			 -ENOENT);
	assert_int_equal(kt_try_wait(fd2, DRM_SINAN_WAIT_BO, h, 0, kt_deadline(1000), &st),
			 -ENOENT);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, seq, kt_deadline(10000), &st), 0);
	assert_int_equal(st, 0);
	/* A finished job with a deadline in the past: polls, succeeds. */
	st = 1;
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, seq, 0, &st), 0);
	assert_int_equal(st, 0);
	/* An idle BO. */
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_BO, h, 0, 0, &st), 0);

	/* A job blocked on a WAIT packet: the deadline passes with -ETIME. */
	{
		struct kt_buf flag;

		kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
		memset(flag.map, 0, 4096);
		kt_cmd_reset(&cmd);
		kt_cmd_wait(&cmd, flag.va, 1);
		seq = kt_submit(fd, q, &cmd);
		assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, seq, kt_deadline(50), &st),
				 -ETIME);
		*(volatile uint64_t *)flag.map = 1;
		assert_int_equal(kt_wait(fd, q, seq, 10000), 0);
		kt_buf_free(fd, &flag);
	}
	kt_bo_close(fd, h);
	kt_cmd_free(fd, &cmd);
	close(fd2);
	close(fd);
}

/* Queue ids and handles of another process mean nothing here. */
static void test_other_process(void **state)
{
	int up[2], down[2], status;
	uint32_t ids[2];
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = kt_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = kt_open();
		uint32_t out[2], go;

		out[0] = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
		out[1] = kt_bo_create(fd, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
		if (write(up[1], out, sizeof(out)) != sizeof(out))
			_exit(2);
		/* Stay alive (queue and BO exist) until the parent is done. */
		if (read(down[0], &go, sizeof(go)) < 0)
			_exit(3);
		close(fd);
		_exit(0);
	}
	assert_int_equal(read(up[0], ids, sizeof(ids)), sizeof(ids));
	{
		int fd = kt_open();
		struct drm_sinan_queue_status st = { .queue_id = ids[0] };
		struct drm_sinan_queue_destroy d = { .queue_id = ids[0] };
		struct drm_sinan_submit s = {
			.queue_id = ids[0], .cmdbuf_va = kt_param(fd, DRM_SINAN_PARAM_VA_START),
			.cmdbuf_size = 64,
		};
		struct drm_sinan_bo_info info = { .handle = ids[1] };
		uint32_t go = 1;

		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_STATUS, &st), -ENOENT);
		assert_int_equal(kt_try_submit(fd, &s), -ENOENT);
		assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, ids[0], 1, 0, NULL), -ENOENT);
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_DESTROY, &d), -ENOENT);
		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), -ENOENT);
		close(fd);
		assert_int_equal(write(down[1], &go, sizeof(go)), sizeof(go));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

/*
 * Regression (found by a 300 s run of the ioctl fuzzer: the guest ran out
 * of memory and panicked, "System is deadlocked on memory"): host BOs are
 * pinned out of reach of reclaim, so their total per device is limited
 * (module parameter host_mem_limit_mb, default half of RAM); past it
 * BO_CREATE fails with -ENOMEM, and freeing gives the room back.
 */
static void test_regress_host_mem_limit(void **state)
{
	const char *param = "/sys/module/sinan/parameters/host_mem_limit_mb";
	int fd = kt_open();
	uint32_t h[4], extra;

	(void)state;
	assert_int_equal(kt_write_file(param, "64"), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(kt_try_bo_create(fd, 16 << 20, DRM_SINAN_BO_PLACEMENT_HOST, 0, &h[i]), 0);
	assert_int_equal(kt_try_bo_create(fd, 4096, DRM_SINAN_BO_PLACEMENT_HOST, 0, &extra), -ENOMEM);
	/* Device memory is not host memory: unaffected. */
	assert_int_equal(kt_try_bo_create(fd, 16 << 20, DRM_SINAN_BO_PLACEMENT_DEVICE, 0, &extra), 0);
	kt_bo_close(fd, extra);
	kt_bo_close(fd, h[0]);
	assert_int_equal(kt_try_bo_create(fd, 16 << 20, DRM_SINAN_BO_PLACEMENT_HOST, 0, &h[0]), 0);
	for (int i = 0; i < 4; i++)
		kt_bo_close(fd, h[i]);
	assert_int_equal(kt_write_file(param, "0"), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_param),
		cmocka_unit_test(test_mem_accounting),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_bo_create),
		cmocka_unit_test(test_bo_info),
		cmocka_unit_test(test_vm_bind),
		cmocka_unit_test(test_regress_unbind_above_va_end),
		cmocka_unit_test(test_regress_submit_bo_lookup_leak),
		cmocka_unit_test(test_regress_ring_writable),
		cmocka_unit_test(test_regress_host_mem_limit),
		cmocka_unit_test(test_queue_create_destroy),
		cmocka_unit_test(test_queue_status),
		cmocka_unit_test(test_submit),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_other_process),
	};

	return cmocka_run_group_tests_name("kernel-uapi", tests, NULL, NULL);
}

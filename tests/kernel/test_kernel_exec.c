// SPDX-License-Identifier: MIT
/*
 * Guest tests of the Sinan driver: buffer objects, CPU and device mappings,
 * execution of NOP/COPY/FILL/SIGNAL/WAIT/LAUNCH, errors that stop a queue,
 * syncobj chains across queues, dma-buf, concurrency and isolation between
 * processes. Runs in the emulated machine (tools/sinan-vm) against sinan.ko.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include <sinan_hw/sinan_isa.h>

#include "ktest.h"

#define WAIT_MS	20000

static void expect_job_error(int fd, uint32_t q, uint64_t seq, int err, uint32_t hw_err)
{
	struct drm_sinan_queue_status st;

	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), err);
	st = kt_queue_status(fd, q);
	assert_int_equal(st.state, DRM_SINAN_QUEUE_STATE_BANNED);
	assert_int_equal(st.guilty, 1);
	assert_int_equal(st.error, hw_err);
	assert_true(st.done_seq >= seq);
}

/* The walking skeleton: host BO -> device BO -> host BO with COPY. */
static void test_copy_host_device_host(void **state)
{
	int fd = kt_open();
	struct kt_buf src, dev, dst;
	struct kt_cmd cmd;
	uint32_t q;
	uint64_t seq;

	(void)state;
	kt_buf_new(fd, &src, 64 * 1024, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &dev, 64 * 1024, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &dst, 64 * 1024, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, 4096);
	kt_pattern(src.map, src.size, 1);
	memset(dst.map, 0, dst.size);

	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	kt_cmd_copy(&cmd, dev.va, src.va, src.size);
	kt_cmd_copy(&cmd, dst.va, dev.va, src.size);
	seq = kt_submit(fd, q, &cmd);
	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), 0);

	/* Through the device BO's own CPU mapping (BAR 4) and the round trip. */
	assert_true(kt_pattern_check(dev.map, dev.size, 1));
	assert_true(kt_pattern_check(dst.map, dst.size, 1));
	assert_true(kt_queue_status(fd, q).busy_cycles > 0);

	kt_queue_destroy(fd, q);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &dst);
	kt_buf_free(fd, &dev);
	kt_buf_free(fd, &src);
	close(fd);
}

/* BOs outlive their handle while mapped; every mapping shares the pages. */
static void test_bo_lifecycle_mmap(void **state)
{
	int fd = kt_open();
	uint64_t used0 = kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED);

	(void)state;
	for (uint32_t pl = 0; pl <= DRM_SINAN_BO_PLACEMENT_HOST; pl++) {
		uint32_t h = kt_bo_create(fd, 3 * 4096, pl);
		struct drm_sinan_bo_info info = { .handle = h };
		static uint8_t ref[3 * 4096];
		uint8_t *all, *first;

		assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), 0);
		all = kt_bo_mmap(fd, h, 3 * 4096);
		/* New BOs are zeroed, in both placements. */
		for (int i = 0; i < 3 * 4096; i++)
			assert_int_equal(all[i], 0);
		kt_pattern(all, 3 * 4096, 7 + pl);
		kt_pattern(ref, 3 * 4096, 7 + pl);
		/* A second, shorter mapping of the same BO. */
		first = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			     (off_t)info.mmap_offset);
		assert_true(first != MAP_FAILED);
		assert_memory_equal(first, ref, 4096);
		/* Larger than the BO: refused. */
		assert_true(mmap(NULL, 4 * 4096, PROT_READ, MAP_SHARED, fd,
				 (off_t)info.mmap_offset) == MAP_FAILED);
		kt_bo_close(fd, h);
		/* The mappings keep the BO alive, and share its pages. */
		first[100] ^= 0xff;
		ref[100] ^= 0xff;
		assert_memory_equal(all, ref, 3 * 4096);
		munmap(first, 4096);
		munmap(all, 3 * 4096);
	}
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED), used0);
	close(fd);
}

static void test_nop_fill_signal(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COPY, 0);
	struct kt_buf dev, host;
	struct kt_cmd cmd;
	uint64_t seq;

	(void)state;
	kt_buf_new(fd, &dev, 8192, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &host, 8192, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_nop(&cmd);
	seq = kt_submit(fd, q, &cmd);
	assert_int_equal(seq, 1);
	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), 0);

	kt_cmd_reset(&cmd);
	kt_cmd_fill(&cmd, dev.va, 0xdeadbeef, 8192);
	kt_cmd_fill(&cmd, host.va + 4096, 0x01020304, 4096);
	kt_cmd_copy(&cmd, host.va, dev.va + 4096, 64);
	kt_cmd_signal(&cmd, host.va + 64, 0x1122334455667788ULL);
	seq = kt_submit(fd, q, &cmd);
	assert_int_equal(seq, 2);
	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), 0);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(((uint32_t *)dev.map)[i], 0xdeadbeef);
	for (int i = 0; i < 16; i++)
		assert_int_equal(((uint32_t *)host.map)[i], 0xdeadbeef);
	assert_int_equal(((uint64_t *)host.map)[8], 0x1122334455667788ULL);
	for (int i = 1024; i < 2048; i++)
		assert_int_equal(((uint32_t *)host.map)[i], 0x01020304);
	assert_int_equal(kt_queue_status(fd, q).done_seq, 2);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &host);
	kt_buf_free(fd, &dev);
	close(fd);
}

/* One BO at two addresses; an unmapped address faults. */
static void test_bind_alias_unbind_fault(void **state)
{
	int fd = kt_open();
	uint32_t h = kt_bo_create(fd, 8192, DRM_SINAN_BO_PLACEMENT_DEVICE);
	uint64_t va1 = kt_bind(fd, h, 0, 0);
	uint64_t va2 = kt_bind(fd, h, DRM_SINAN_VM_BIND_READ_ONLY, 0);
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct drm_sinan_queue_status st;
	struct kt_buf out;
	struct kt_cmd cmd;
	uint64_t seq;

	(void)state;
	assert_int_not_equal(va1, va2);
	kt_buf_new(fd, &out, 8192, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_fill(&cmd, va1, 0x5a5a5a5a, 8192);
	kt_cmd_copy(&cmd, out.va, va2, 8192);
	seq = kt_submit(fd, q, &cmd);
	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), 0);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(((uint32_t *)out.map)[i], 0x5a5a5a5a);

	/* Writing through the read-only alias: a permission fault. */
	kt_cmd_reset(&cmd);
	kt_cmd_nop(&cmd);
	kt_cmd_fill(&cmd, va2 + 4096, 0, 64);
	seq = kt_submit(fd, q, &cmd);
	expect_job_error(fd, q, seq, -EFAULT, DRM_SINAN_QUEUE_ERR_MMU_FAULT);
	st = kt_queue_status(fd, q);
	assert_int_equal(st.fault_addr, va2 + 4096);
	assert_int_equal(st.err_pkt, 1);
	assert_int_equal(st.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_WRITE);
	/* A banned queue takes nothing more. */
	{
		struct drm_sinan_submit s = {
			.queue_id = q, .cmdbuf_va = cmd.buf.va, .cmdbuf_size = 64,
		};

		assert_int_equal(kt_try_submit(fd, &s), -ECANCELED);
	}

	/* After unbind the address faults, on a new queue. */
	kt_queue_destroy(fd, q);
	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	kt_unbind(fd, va1);
	kt_cmd_reset(&cmd);
	kt_cmd_copy(&cmd, out.va, va1, 64);
	seq = kt_submit(fd, q, &cmd);
	expect_job_error(fd, q, seq, -EFAULT, DRM_SINAN_QUEUE_ERR_MMU_FAULT);
	st = kt_queue_status(fd, q);
	assert_int_equal(st.fault_addr, va1);
	assert_int_equal(st.fault_info & SINAN_FAULT_ACCESS_MASK, SINAN_FAULT_READ);
	kt_unbind(fd, va2);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &out);
	kt_bo_close(fd, h);
	close(fd);
}

/* Errors the hardware reports: each bans its queue, with the right code. */
static void test_device_errors(void **state)
{
	int fd = kt_open();
	struct kt_buf dev;
	struct kt_cmd cmd;
	uint32_t q;
	uint64_t seq;

	(void)state;
	kt_buf_new(fd, &dev, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_cmd_new(fd, &cmd, 4096);

	/* misaligned FILL */
	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	kt_cmd_nop(&cmd);
	kt_cmd_nop(&cmd);
	kt_cmd_fill(&cmd, dev.va + 2, 0, 64);
	seq = kt_submit(fd, q, &cmd);
	expect_job_error(fd, q, seq, -EIO, DRM_SINAN_QUEUE_ERR_ALIGN);
	assert_int_equal(kt_queue_status(fd, q).err_pkt, 2);
	kt_queue_destroy(fd, q);

	/* unknown opcode */
	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	kt_cmd_reset(&cmd);
	((struct sinan_pkt *)kt_cmd_pkt(&cmd))->header = SINAN_PKT_HDR(0x7f, 0);
	seq = kt_submit(fd, q, &cmd);
	expect_job_error(fd, q, seq, -EIO, DRM_SINAN_QUEUE_ERR_BAD_PACKET);
	kt_queue_destroy(fd, q);

	/* a command buffer that is not mapped at all */
	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	{
		struct drm_sinan_submit s = {
			.queue_id = q, .cmdbuf_va = kt_param(fd, DRM_SINAN_PARAM_VA_END) - 4096,
			.cmdbuf_size = 64,
		};

		assert_int_equal(kt_try_submit(fd, &s), 0);
		expect_job_error(fd, q, s.seq, -EFAULT, DRM_SINAN_QUEUE_ERR_MMU_FAULT);
		assert_int_equal(kt_queue_status(fd, q).fault_info & SINAN_FAULT_ACCESS_MASK,
				 SINAN_FAULT_FETCH);
	}
	kt_queue_destroy(fd, q);

	/* LAUNCH on a copy queue */
	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COPY, 0);
	kt_cmd_reset(&cmd);
	kt_cmd_launch(&cmd, dev.va, 8, 1);
	seq = kt_submit(fd, q, &cmd);
	expect_job_error(fd, q, seq, -EIO, DRM_SINAN_QUEUE_ERR_BAD_PACKET);
	kt_queue_destroy(fd, q);

	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &dev);
	close(fd);
}

static uint64_t launch_one(int fd, uint32_t q, struct kt_cmd *cmd, struct kt_buf *prog,
			   uint64_t insn)
{
	((volatile uint64_t *)prog->map)[0] = insn;
	kt_cmd_reset(cmd);
	kt_cmd_launch(cmd, prog->va, 8, 1);
	return kt_submit(fd, q, cmd);
}

/* An AI-core program of one END runs; one TRAP is an illegal instruction. */
static void test_launch(void **state)
{
	int fd = kt_open();
	struct kt_buf prog;
	struct kt_cmd cmd;
	uint32_t q;
	uint64_t seq;

	(void)state;
	kt_buf_new(fd, &prog, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_cmd_new(fd, &cmd, 4096);
	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	seq = launch_one(fd, q, &cmd, &prog, SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0));
	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), 0);
	kt_queue_destroy(fd, q);

	q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	seq = launch_one(fd, q, &cmd, &prog, SINAN_ENC_I(SINAN_I_TRAP, 0, 0, 0, 42));
	expect_job_error(fd, q, seq, -EIO, DRM_SINAN_QUEUE_ERR_ILLEGAL_INSTR);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &prog);
	close(fd);
}

/* Device-side sync: a WAIT on one queue released by a SIGNAL on another. */
static void test_cross_queue_signal_wait(void **state)
{
	int fd = kt_open();
	uint32_t qa = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint32_t qb = kt_queue_create(fd, DRM_SINAN_ENGINE_COPY, 0);
	struct kt_buf flag, data, out;
	struct kt_cmd ca, cb;
	uint64_t sa, sb;
	int32_t st;

	(void)state;
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &data, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &out, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &ca, 4096);
	kt_cmd_new(fd, &cb, 4096);
	kt_cmd_wait(&ca, flag.va, 1);
	kt_cmd_copy(&ca, out.va, data.va, 4096);
	sa = kt_submit(fd, qa, &ca);
	/* Blocked until B signals: still running. */
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, qa, sa, kt_deadline(20), &st), -ETIME);
	kt_cmd_fill(&cb, data.va, 0xcafef00d, 4096);
	kt_cmd_signal(&cb, flag.va, 1);
	sb = kt_submit(fd, qb, &cb);
	assert_int_equal(kt_wait(fd, qb, sb, WAIT_MS), 0);
	assert_int_equal(kt_wait(fd, qa, sa, WAIT_MS), 0);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(((uint32_t *)out.map)[i], 0xcafef00d);
	kt_cmd_free(fd, &cb);
	kt_cmd_free(fd, &ca);
	kt_buf_free(fd, &out);
	kt_buf_free(fd, &data);
	kt_buf_free(fd, &flag);
	close(fd);
}

static uint64_t submit_sync(int fd, uint32_t q, struct kt_cmd *c, struct drm_sinan_sync *in,
			    struct drm_sinan_sync *out)
{
	struct drm_sinan_submit s = {
		.queue_id = q, .cmdbuf_va = c->buf.va, .cmdbuf_size = c->len,
		.in_sync_count = in ? 1 : 0, .in_syncs = (uintptr_t)in,
		.out_sync_count = out ? 1 : 0, .out_syncs = (uintptr_t)out,
	};

	assert_int_equal(kt_try_submit(fd, &s), 0);
	return s.seq;
}

/*
 * A chain across three queues, held at its start by a WAIT on a host flag:
 * nothing downstream may run before it, everything runs after.
 */
static void chain(int fd, int timeline)
{
	uint32_t q[3];
	struct kt_buf flag, x, y, z;
	struct kt_cmd c[3];
	struct drm_sinan_sync s[3] = { 0 };
	uint32_t so[3];
	uint64_t seq[3];
	int32_t st;

	for (int i = 0; i < 3; i++) {
		q[i] = kt_queue_create(fd, i ? DRM_SINAN_ENGINE_COPY : DRM_SINAN_ENGINE_COMPUTE, 0);
		kt_cmd_new(fd, &c[i], 4096);
		if (!timeline || i == 0)
			assert_int_equal(drmSyncobjCreate(fd, 0, &so[i]), 0);
		else
			so[i] = so[0];
		s[i].handle = so[i];
		s[i].point = timeline ? i + 1 : 0;
	}
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &x, 16384, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &y, 16384, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &z, 16384, DRM_SINAN_BO_PLACEMENT_HOST);
	memset(flag.map, 0, 4096);
	memset(z.map, 0, 16384);

	kt_cmd_wait(&c[0], flag.va, 1);
	kt_cmd_fill(&c[0], x.va, 0x600d0000 + timeline, 16384);
	kt_cmd_copy(&c[1], y.va, x.va, 16384);
	kt_cmd_copy(&c[2], z.va, y.va, 16384);
	seq[0] = submit_sync(fd, q[0], &c[0], NULL, &s[0]);
	seq[1] = submit_sync(fd, q[1], &c[1], &s[0], &s[1]);
	seq[2] = submit_sync(fd, q[2], &c[2], &s[1], &s[2]);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q[2], seq[2], kt_deadline(50), &st),
			 -ETIME);
	assert_int_equal(((uint32_t *)z.map)[0], 0);
	*(volatile uint64_t *)flag.map = 1;
	if (timeline) {
		uint64_t point = 3;

		assert_int_equal(drmSyncobjTimelineWait(fd, &so[0], &point, 1, kt_deadline(WAIT_MS),
							0, NULL), 0);
	} else {
		assert_int_equal(drmSyncobjWait(fd, &so[2], 1, kt_deadline(WAIT_MS), 0, NULL), 0);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(kt_wait(fd, q[i], seq[i], WAIT_MS), 0);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(((uint32_t *)z.map)[i], 0x600d0000 + timeline);
	for (int i = 0; i < 3; i++) {
		kt_cmd_free(fd, &c[i]);
		if (!timeline || i == 0)
			drmSyncobjDestroy(fd, so[i]);
	}
	kt_buf_free(fd, &z);
	kt_buf_free(fd, &y);
	kt_buf_free(fd, &x);
	kt_buf_free(fd, &flag);
}

static void test_syncobj_chain_binary(void **state)
{
	int fd = kt_open();

	(void)state;
	chain(fd, 0);
	close(fd);
}

static void test_syncobj_chain_timeline(void **state)
{
	int fd = kt_open();

	(void)state;
	chain(fd, 1);
	close(fd);
}

/* WAIT_BO: the job's fence sits on the BOs it listed. */
static void test_wait_bo(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_buf flag, dst;
	struct kt_cmd cmd;
	uint32_t handles[2];
	int32_t st = 1;

	(void)state;
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &dst, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	memset(flag.map, 0, 4096);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_wait(&cmd, flag.va, 1);
	kt_cmd_fill(&cmd, dst.va, 0x77777777, 4096);
	handles[0] = dst.handle;
	handles[1] = cmd.buf.handle;
	{
		struct drm_sinan_submit s = {
			.queue_id = q, .cmdbuf_va = cmd.buf.va, .cmdbuf_size = cmd.len,
			.bo_count = 2, .bo_handles = (uintptr_t)handles,
		};

		assert_int_equal(kt_try_submit(fd, &s), 0);
	}
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_BO, dst.handle, 0, kt_deadline(20), &st),
			 -ETIME);
	*(volatile uint64_t *)flag.map = 1;
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_BO, dst.handle, 0, kt_deadline(WAIT_MS),
				     &st), 0);
	assert_int_equal(st, 0);
	assert_int_equal(((uint32_t *)dst.map)[1023], 0x77777777);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &dst);
	kt_buf_free(fd, &flag);
	close(fd);
}

/* Host BO shared through a dma-buf: with another file and another process. */
static void test_dmabuf_roundtrip(void **state)
{
	int fd = kt_open(), fd2 = kt_open();
	uint32_t h = kt_bo_create(fd, 16384, DRM_SINAN_BO_PLACEMENT_HOST);
	uint8_t *map = kt_bo_mmap(fd, h, 16384);
	uint32_t dh, imported;
	struct kt_buf dev, back;
	struct kt_cmd cmd;
	uint32_t q;
	uint64_t va;
	int dmabuf, status;
	pid_t pid;

	(void)state;
	kt_pattern(map, 16384, 99);
	assert_int_equal(drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	/* Device BOs are not host pages: no export. */
	dh = kt_bo_create(fd, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	{
		int bad = -1;

		assert_int_not_equal(drmPrimeHandleToFD(fd, dh, DRM_CLOEXEC, &bad), 0);
		assert_int_equal(bad, -1);
	}
	kt_bo_close(fd, dh);

	/* Another file of this process: import, copy through the device, modify. */
	assert_int_equal(drmPrimeFDToHandle(fd2, dmabuf, &imported), 0);
	va = kt_bind(fd2, imported, 0, 0);
	kt_buf_new(fd2, &dev, 16384, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd2, &back, 16384, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd2, &cmd, 4096);
	q = kt_queue_create(fd2, DRM_SINAN_ENGINE_COMPUTE, 0);
	kt_cmd_copy(&cmd, dev.va, va, 16384);
	kt_cmd_copy(&cmd, back.va, dev.va, 16384);
	kt_cmd_fill(&cmd, va, 0xabababab, 4096);
	assert_int_equal(kt_wait(fd2, q, kt_submit(fd2, q, &cmd), WAIT_MS), 0);
	assert_true(kt_pattern_check(back.map, 16384, 99));
	/* The exporter sees the device's write through its own mapping. */
	for (int i = 0; i < 4096; i++)
		assert_int_equal(map[i], 0xab);

	/* A child process imports the same dma-buf in its own context. */
	pid = kt_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd = kt_open();
		uint32_t ch;
		uint32_t *p;
		struct drm_sinan_bo_info info = { 0 };

		if (drmPrimeFDToHandle(cfd, dmabuf, &ch))
			_exit(2);
		info.handle = ch;
		if (kt_ioctl(cfd, DRM_IOCTL_SINAN_BO_INFO, &info) || info.size != 16384 ||
		    info.placement != DRM_SINAN_BO_PLACEMENT_HOST)
			_exit(3);
		p = mmap(NULL, 16384, PROT_READ, MAP_SHARED, cfd, (off_t)info.mmap_offset);
		if (p == MAP_FAILED || p[0] != 0xabababab)
			_exit(4);
		/* Past the page the device filled, the exporter's pattern. */
		{
			static uint8_t ref[16384];

			kt_pattern(ref, sizeof(ref), 99);
			_exit(memcmp((uint8_t *)p + 4096, ref + 4096, 12288) ? 5 : 0);
		}
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	kt_cmd_free(fd2, &cmd);
	kt_buf_free(fd2, &back);
	kt_buf_free(fd2, &dev);
	kt_unbind(fd2, va);
	kt_bo_close(fd2, imported);
	close(dmabuf);
	munmap(map, 16384);
	kt_bo_close(fd, h);
	close(fd2);
	close(fd);
}

/* More jobs than the ring holds: each writes its own word. */
static void test_many_jobs(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COPY, 0);
	const int n = 400;
	struct kt_buf out;
	struct kt_cmd cmd;
	uint64_t last = 0;

	(void)state;
	kt_buf_new(fd, &out, n * 4, DRM_SINAN_BO_PLACEMENT_HOST);
	memset(out.map, 0, n * 4);
	kt_cmd_new(fd, &cmd, n * SINAN_PKT_SIZE);
	for (int i = 0; i < n; i++) {
		struct drm_sinan_submit s = { .queue_id = q, .cmdbuf_size = SINAN_PKT_SIZE };

		kt_cmd_fill(&cmd, out.va + 4 * i, 0x1000 + i, 4);
		s.cmdbuf_va = cmd.buf.va + (uint64_t)i * SINAN_PKT_SIZE;
		assert_int_equal(kt_try_submit(fd, &s), 0);
		assert_int_equal(s.seq, (uint64_t)i + 1);
		last = s.seq;
	}
	assert_int_equal(kt_wait(fd, q, last, 60000), 0);
	assert_int_equal(kt_wait(fd, q, 1, 0), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(((uint32_t *)out.map)[i], 0x1000 + i);
	assert_int_equal(kt_queue_status(fd, q).done_seq, (uint64_t)n);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &out);
	close(fd);
}

/* One process's work: two queues, several jobs each, results checked. */
static int worker(int id, int jobs)
{
	int fd = kt_open();
	uint32_t q[2];
	struct kt_buf src, dev, dst;
	struct kt_cmd cmd[2];
	uint64_t seq[2] = { 0, 0 };
	const uint64_t sz = 32768;

	q[0] = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	q[1] = kt_queue_create(fd, DRM_SINAN_ENGINE_COPY, 0);
	kt_buf_new(fd, &src, sz, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &dev, 2 * sz, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &dst, 2 * sz, DRM_SINAN_BO_PLACEMENT_HOST);
	for (int j = 0; j < 2; j++)
		kt_cmd_new(fd, &cmd[j], 4096);
	for (int it = 0; it < jobs; it++) {
		uint32_t seed = (uint32_t)(id * 1000 + it);

		kt_pattern(src.map, sz, seed);
		for (int j = 0; j < 2; j++) {
			kt_cmd_reset(&cmd[j]);
			kt_cmd_copy(&cmd[j], dev.va + j * sz, src.va, sz);
			kt_cmd_copy(&cmd[j], dst.va + j * sz, dev.va + j * sz, sz);
			seq[j] = kt_submit(fd, q[j], &cmd[j]);
		}
		for (int j = 0; j < 2; j++) {
			if (kt_wait(fd, q[j], seq[j], WAIT_MS))
				return 10 + j;
			if (!kt_pattern_check((uint8_t *)dst.map + j * sz, sz, seed))
				return 20 + j;
		}
	}
	close(fd);
	return 0;
}

static void test_concurrency(void **state)
{
	const int procs = 4;
	pid_t pids[4];
	int status;

	(void)state;
	for (int i = 0; i < procs; i++) {
		pids[i] = kt_fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(worker(i + 1, 6));
	}
	for (int i = 0; i < procs; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

/*
 * Isolation: process B touches an address only A has mapped. B's queue
 * faults; A's data, queue and further work are untouched.
 */
static void test_isolation(void **state)
{
	int up[2], down[2], status;
	uint64_t xva = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = kt_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A */
		int fd = kt_open();
		uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
		struct kt_buf x, out;
		struct kt_cmd cmd;
		uint64_t go;
		struct drm_sinan_queue_status st;

		/*
		 * At an address B has nothing at (B's own kernel-chosen
		 * mappings start at the bottom of the range).
		 */
		x.size = 65536;
		x.handle = kt_bo_create(fd, x.size, DRM_SINAN_BO_PLACEMENT_DEVICE);
		x.map = kt_bo_mmap(fd, x.handle, x.size);
		x.va = kt_bind(fd, x.handle, DRM_SINAN_VM_BIND_FIXED,
			       kt_param(fd, DRM_SINAN_PARAM_VA_END) - 1024ULL * 1024 * 1024);
		kt_buf_new(fd, &out, 65536, DRM_SINAN_BO_PLACEMENT_HOST);
		kt_cmd_new(fd, &cmd, 4096);
		kt_pattern(out.map, 65536, 4242);
		kt_cmd_copy(&cmd, x.va, out.va, 65536);
		if (kt_wait(fd, q, kt_submit(fd, q, &cmd), WAIT_MS))
			_exit(2);
		if (write(up[1], &x.va, sizeof(x.va)) != sizeof(x.va))
			_exit(3);
		if (read(down[0], &go, sizeof(go)) != sizeof(go))
			_exit(4);
		/* B has faulted: A's memory and queue are as they were. */
		if (!kt_pattern_check(x.map, 65536, 4242))
			_exit(5);
		st = kt_queue_status(fd, q);
		if (st.state != DRM_SINAN_QUEUE_STATE_ACTIVE || st.reset_count || st.error)
			_exit(6);
		memset(out.map, 0, 65536);
		kt_cmd_reset(&cmd);
		kt_cmd_copy(&cmd, out.va, x.va, 65536);
		if (kt_wait(fd, q, kt_submit(fd, q, &cmd), WAIT_MS))
			_exit(7);
		_exit(kt_pattern_check(out.map, 65536, 4242) ? 0 : 8);
	}
	/* B */
	assert_int_equal(read(up[0], &xva, sizeof(xva)), sizeof(xva));
	{
		int fd = kt_open();
		uint32_t qr = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
		uint32_t qw = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
		struct kt_buf mine;
		struct kt_cmd cmd;
		uint64_t seq, go = 1;

		kt_buf_new(fd, &mine, 65536, DRM_SINAN_BO_PLACEMENT_HOST);
		kt_cmd_new(fd, &cmd, 4096);
		/* Read A's address: nothing is mapped there in B's space. */
		kt_cmd_copy(&cmd, mine.va, xva, 65536);
		seq = kt_submit(fd, qr, &cmd);
		expect_job_error(fd, qr, seq, -EFAULT, DRM_SINAN_QUEUE_ERR_MMU_FAULT);
		assert_int_equal(kt_queue_status(fd, qr).fault_addr, xva);
		/* Write it: faults too. */
		kt_cmd_reset(&cmd);
		kt_cmd_fill(&cmd, xva, 0, 65536);
		seq = kt_submit(fd, qw, &cmd);
		expect_job_error(fd, qw, seq, -EFAULT, DRM_SINAN_QUEUE_ERR_MMU_FAULT);
		kt_cmd_free(fd, &cmd);
		kt_buf_free(fd, &mine);
		close(fd);
		assert_int_equal(write(down[1], &go, sizeof(go)), sizeof(go));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

static uint64_t sysfs_u64(const char *attr)
{
	char cmd[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cat /sys/bus/pci/drivers/sinan/0000:*/%s", attr);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &v), 1);
	pclose(f);
	return v;
}

static int file_has(const char *path, const char *text)
{
	return kt_sh("grep -q '%s' %s", text, path) == 0;
}

/* sysfs and debugfs say what the device is doing. */
static void test_observability(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint64_t busy0 = sysfs_u64("busy_time_us");
	char path[400], text[128];
	struct kt_buf dev;
	struct kt_cmd cmd;

	(void)state;
	/* sysfs: device memory in use follows BO creation. */
	assert_int_equal(sysfs_u64("mem_used"), kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED));
	kt_buf_new(fd, &dev, 1 << 20, DRM_SINAN_BO_PLACEMENT_DEVICE);
	assert_int_equal(sysfs_u64("mem_used"), kt_param(fd, DRM_SINAN_PARAM_DEVMEM_USED));
	assert_true(sysfs_u64("mem_used") >= 1 << 20);
	assert_int_equal(kt_sh("grep -q 'interface 1\\.' /sys/bus/pci/drivers/sinan/0000:*/fw_version"),
			 0);
	/* Busy time grows with work: 1 MiB filled in device memory. */
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_fill(&cmd, dev.va, 1, 1 << 20);
	assert_int_equal(kt_wait(fd, q, kt_submit(fd, q, &cmd), WAIT_MS), 0);
	assert_true(sysfs_u64("busy_time_us") > busy0);

	/* debugfs: the queue, the BOs and the mapping, the firmware log. */
	assert_true(kt_debugfs_dir()[0]);
	assert_true(kt_hwq_of(fd, q) >= 0);
	snprintf(path, sizeof(path), "%s/bos", kt_debugfs_dir());
	snprintf(text, sizeof(text), "handle %u: device BO, 1048576 bytes", dev.handle);
	assert_true(file_has(path, text));
	snprintf(text, sizeof(text), "0x%010llx-0x%010llx rw device", (unsigned long long)dev.va,
		 (unsigned long long)dev.va + (1 << 20));
	assert_true(file_has(path, text));
	snprintf(path, sizeof(path), "%s/fw_log", kt_debugfs_dir());
	assert_true(file_has(path, "sinan-fw .* booted"));
	snprintf(path, sizeof(path), "%s/fw_info", kt_debugfs_dir());
	assert_true(file_has(path, "^heartbeat: "));
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &dev);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_host_device_host),
		cmocka_unit_test(test_bo_lifecycle_mmap),
		cmocka_unit_test(test_nop_fill_signal),
		cmocka_unit_test(test_bind_alias_unbind_fault),
		cmocka_unit_test(test_device_errors),
		cmocka_unit_test(test_launch),
		cmocka_unit_test(test_cross_queue_signal_wait),
		cmocka_unit_test(test_syncobj_chain_binary),
		cmocka_unit_test(test_syncobj_chain_timeline),
		cmocka_unit_test(test_wait_bo),
		cmocka_unit_test(test_dmabuf_roundtrip),
		cmocka_unit_test(test_many_jobs),
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_observability),
	};

	return cmocka_run_group_tests_name("kernel-exec", tests, NULL, NULL);
}

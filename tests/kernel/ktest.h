/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the guest tests of the Sinan driver (tests/kernel/). They talk
 * to the driver with plain ioctls (libdrm's drmIoctl), not libsinan, so that
 * the tests check the kernel interface itself. Each helper asserts (cmocka)
 * on anything unexpected; the kt_try_*() variants return -errno instead.
 */
#ifndef SINAN_KTEST_H
#define SINAN_KTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include <sinan_hw/sinan_fw_if.h>
#include <sinan_hw/sinan_mmu.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_regs.h>
#include <uapi/drm/sinan_accel.h>

#define KT_SEC_NS	1000000000LL

/*
 * Assertions of the helpers. In a child process (kt_fork()) a failure must
 * not unwind into cmocka's runner, which would go on with the parent's
 * remaining tests: the child prints the failure and exits with status 99.
 */
extern int kt_child;
void kt_child_fail(const char *file, int line, const char *what);
#define KT_TRUE(c) do {								\
		if (kt_child) {							\
			if (!(c))						\
				kt_child_fail(__FILE__, __LINE__, #c);		\
		} else {							\
			assert_true(c);						\
		}								\
	} while (0)
#define KT_EQ(a, b) do {							\
		if (kt_child) {							\
			if ((a) != (b))						\
				kt_child_fail(__FILE__, __LINE__, #a " == " #b);	\
		} else {							\
			assert_int_equal(a, b);					\
		}								\
	} while (0)
#define KT_NE(a, b) KT_TRUE((a) != (b))

/* fork() for tests: the child's helper failures exit instead of unwinding. */
pid_t kt_fork(void);

/* Open the Sinan device node (/dev/accel/accel* or /dev/dri/renderD*). */
int kt_open(void);
/* Path of the node kt_open() uses. */
const char *kt_node_path(void);
/* ioctl that returns 0 or -errno (EINTR/EAGAIN retried). */
int kt_ioctl(int fd, unsigned long req, void *arg);

uint64_t kt_param(int fd, uint32_t param);
int64_t kt_now_ns(void);
/* Absolute CLOCK_MONOTONIC deadline @ms from now. */
int64_t kt_deadline(int64_t ms);

uint32_t kt_bo_create(int fd, uint64_t size, uint32_t placement);
int kt_try_bo_create(int fd, uint64_t size, uint32_t placement, uint32_t flags, uint32_t *handle);
void *kt_bo_mmap(int fd, uint32_t handle, uint64_t size);
void kt_bo_close(int fd, uint32_t handle);

uint64_t kt_bind(int fd, uint32_t handle, uint32_t flags, uint64_t va);
int kt_try_bind(int fd, uint32_t handle, uint32_t flags, uint64_t *va, uint64_t offset,
		uint64_t size);
void kt_unbind(int fd, uint64_t va);

uint32_t kt_queue_create(int fd, uint32_t engine, uint32_t timeout_ms);
void kt_queue_destroy(int fd, uint32_t queue);
struct drm_sinan_queue_status kt_queue_status(int fd, uint32_t queue);

/* A BO created, CPU-mapped and bound in one go. */
struct kt_buf {
	uint32_t handle;
	uint64_t size;
	uint64_t va;
	void *map;
};
void kt_buf_new(int fd, struct kt_buf *b, uint64_t size, uint32_t placement);
void kt_buf_free(int fd, struct kt_buf *b);

/* A command buffer: a host BO of packets, bound in the context. */
struct kt_cmd {
	struct kt_buf buf;
	uint32_t len;	/* bytes of packets written */
};
void kt_cmd_new(int fd, struct kt_cmd *c, uint64_t size);
void kt_cmd_free(int fd, struct kt_cmd *c);
void kt_cmd_reset(struct kt_cmd *c);
void *kt_cmd_pkt(struct kt_cmd *c);	/* next zeroed 64-byte slot */
void kt_cmd_nop(struct kt_cmd *c);
void kt_cmd_copy(struct kt_cmd *c, uint64_t dst, uint64_t src, uint64_t size);
void kt_cmd_fill(struct kt_cmd *c, uint64_t dst, uint32_t pattern, uint64_t size);
void kt_cmd_signal(struct kt_cmd *c, uint64_t addr, uint64_t value);
void kt_cmd_signal_add(struct kt_cmd *c, uint64_t addr, uint64_t value);
void kt_cmd_wait(struct kt_cmd *c, uint64_t addr, uint64_t value);
void kt_cmd_launch(struct kt_cmd *c, uint64_t prog, uint64_t prog_size, uint32_t blocks);

/* Submit the whole command buffer; returns the sequence number. */
uint64_t kt_submit(int fd, uint32_t queue, struct kt_cmd *c);
int kt_try_submit(int fd, struct drm_sinan_submit *s);
/* Wait for job @seq (at most @ms); returns the job's status (0 or -errno). */
int kt_wait(int fd, uint32_t queue, uint64_t seq, int64_t ms);
int kt_try_wait(int fd, uint32_t kind, uint32_t id, uint64_t seq, int64_t deadline,
		int32_t *status);

/* Wait (at most @ms) until the 64-bit counter @p reaches @n; assert it did. */
void kt_wait_count(volatile uint64_t *p, uint64_t n, int64_t ms);
/* A new queue does real work (fill device memory, copy it to the host). */
void kt_device_works(int fd);

/* Fill @n bytes at @p with a pattern derived from @seed; check it. */
void kt_pattern(void *p, size_t n, uint32_t seed);
int kt_pattern_check(const void *p, size_t n, uint32_t seed);

/* Write @text to a (sysfs, debugfs) file; 0 or -errno. */
int kt_write_file(const char *path, const char *text);
/* debugfs directory of the device ("" if none); write a debugfs file. */
const char *kt_debugfs_dir(void);
int kt_debugfs_write(const char *file, const char *text);
/* The hardware queue behind @queue of this process (from debugfs "queues"). */
int kt_hwq_of(int fd, uint32_t queue);

/* Kernel uevents: open a listener; wait (at most @ms) for one containing @key. */
int kt_uevent_open(void);
int kt_uevent_expect(int sock, const char *key, int64_t ms);

/* Run a shell command in the guest; returns its exit status. */
int kt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SINAN_KTEST_H */

// SPDX-License-Identifier: MIT
/* Helpers for the Sinan driver's guest tests: see ktest.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "ktest.h"

static char node_path[300];
int kt_child;

void kt_child_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: child %d: check failed: %s\n", file, line, (int)getpid(), what);
	_exit(99);
}

pid_t kt_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		kt_child = 1;
	return pid;
}

/* Is @fd a Sinan device? */
static int is_sinan(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	int ok = v && v->name && !strcmp(v->name, "sinan");

	drmFreeVersion(v);
	return ok;
}

static int open_in(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int fd = -1;

	if (!d)
		return -1;
	while ((de = readdir(d)) && fd < 0) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(node_path, sizeof(node_path), "%s/%s", dir, de->d_name);
		fd = open(node_path, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && !is_sinan(fd)) {
			close(fd);
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

int kt_open(void)
{
	int fd = open_in("/dev/accel", "accel");

	if (fd < 0)
		fd = open_in("/dev/dri", "renderD");
	if (fd < 0 && kt_child)
		kt_child_fail(__FILE__, __LINE__, "no Sinan device node");
	if (fd < 0)
		fail_msg("no Sinan device node in /dev/accel or /dev/dri (is sinan.ko loaded?)");
	return fd;
}

const char *kt_node_path(void)
{
	return node_path;
}

int kt_ioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

uint64_t kt_param(int fd, uint32_t param)
{
	struct drm_sinan_get_param p = { .param = param };

	KT_EQ(kt_ioctl(fd, DRM_IOCTL_SINAN_GET_PARAM, &p), 0);
	return p.value;
}

int64_t kt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * KT_SEC_NS + ts.tv_nsec;
}

int64_t kt_deadline(int64_t ms)
{
	return kt_now_ns() + ms * 1000000LL;
}

int kt_try_bo_create(int fd, uint64_t size, uint32_t placement, uint32_t flags, uint32_t *handle)
{
	struct drm_sinan_bo_create c = { .size = size, .placement = placement, .flags = flags };
	int ret = kt_ioctl(fd, DRM_IOCTL_SINAN_BO_CREATE, &c);

	if (!ret && handle)
		*handle = c.handle;
	return ret;
}

uint32_t kt_bo_create(int fd, uint64_t size, uint32_t placement)
{
	uint32_t h = 0;

	KT_EQ(kt_try_bo_create(fd, size, placement, 0, &h), 0);
	KT_NE(h, 0);
	return h;
}

void *kt_bo_mmap(int fd, uint32_t handle, uint64_t size)
{
	struct drm_sinan_bo_info info = { .handle = handle };
	void *p;

	KT_EQ(kt_ioctl(fd, DRM_IOCTL_SINAN_BO_INFO, &info), 0);
	KT_TRUE(info.size >= size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.mmap_offset);
	KT_TRUE(p != MAP_FAILED);
	return p;
}

void kt_bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	KT_EQ(kt_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c), 0);
}

int kt_try_bind(int fd, uint32_t handle, uint32_t flags, uint64_t *va, uint64_t offset,
		uint64_t size)
{
	struct drm_sinan_vm_bind b = {
		.handle = handle, .flags = flags, .va = *va, .offset = offset, .size = size,
	};
	int ret = kt_ioctl(fd, DRM_IOCTL_SINAN_VM_BIND, &b);

	if (!ret)
		*va = b.va;
	return ret;
}

uint64_t kt_bind(int fd, uint32_t handle, uint32_t flags, uint64_t va)
{
	KT_EQ(kt_try_bind(fd, handle, flags, &va, 0, 0), 0);
	return va;
}

void kt_unbind(int fd, uint64_t va)
{
	struct drm_sinan_vm_unbind u = { .va = va };

	KT_EQ(kt_ioctl(fd, DRM_IOCTL_SINAN_VM_UNBIND, &u), 0);
}

uint32_t kt_queue_create(int fd, uint32_t engine, uint32_t timeout_ms)
{
	struct drm_sinan_queue_create c = {
		.engine = engine, .priority = DRM_SINAN_PRIORITY_NORMAL, .timeout_ms = timeout_ms,
	};

	KT_EQ(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_CREATE, &c), 0);
	return c.queue_id;
}

void kt_queue_destroy(int fd, uint32_t queue)
{
	struct drm_sinan_queue_destroy d = { .queue_id = queue };

	KT_EQ(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_DESTROY, &d), 0);
}

struct drm_sinan_queue_status kt_queue_status(int fd, uint32_t queue)
{
	struct drm_sinan_queue_status s = { .queue_id = queue };

	KT_EQ(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_STATUS, &s), 0);
	return s;
}

void kt_buf_new(int fd, struct kt_buf *b, uint64_t size, uint32_t placement)
{
	b->size = size;
	b->handle = kt_bo_create(fd, size, placement);
	b->map = kt_bo_mmap(fd, b->handle, size);
	b->va = kt_bind(fd, b->handle, 0, 0);
}

void kt_buf_free(int fd, struct kt_buf *b)
{
	kt_unbind(fd, b->va);
	munmap(b->map, b->size);
	kt_bo_close(fd, b->handle);
	memset(b, 0, sizeof(*b));
}

void kt_cmd_new(int fd, struct kt_cmd *c, uint64_t size)
{
	kt_buf_new(fd, &c->buf, size, DRM_SINAN_BO_PLACEMENT_HOST);
	c->len = 0;
}

void kt_cmd_free(int fd, struct kt_cmd *c)
{
	kt_buf_free(fd, &c->buf);
}

void kt_cmd_reset(struct kt_cmd *c)
{
	c->len = 0;
}

void *kt_cmd_pkt(struct kt_cmd *c)
{
	void *p;

	KT_TRUE(c->len + SINAN_PKT_SIZE <= c->buf.size);
	p = (char *)c->buf.map + c->len;
	memset(p, 0, SINAN_PKT_SIZE);
	c->len += SINAN_PKT_SIZE;
	return p;
}

void kt_cmd_nop(struct kt_cmd *c)
{
	struct sinan_pkt *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_NOP, 0);
}

void kt_cmd_copy(struct kt_cmd *c, uint64_t dst, uint64_t src, uint64_t size)
{
	struct sinan_pkt_copy *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_COPY, 0);
	p->dst = dst;
	p->src = src;
	p->size = size;
}

void kt_cmd_fill(struct kt_cmd *c, uint64_t dst, uint32_t pattern, uint64_t size)
{
	struct sinan_pkt_fill *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_FILL, 0);
	p->pattern = pattern;
	p->dst = dst;
	p->size = size;
}

void kt_cmd_signal(struct kt_cmd *c, uint64_t addr, uint64_t value)
{
	struct sinan_pkt_signal *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, 0);
	p->addr = addr;
	p->value = value;
}

void kt_cmd_signal_add(struct kt_cmd *c, uint64_t addr, uint64_t value)
{
	struct sinan_pkt_signal *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_SIGNAL, SINAN_SIGNAL_F_ADD);
	p->addr = addr;
	p->value = value;
}

void kt_cmd_wait(struct kt_cmd *c, uint64_t addr, uint64_t value)
{
	struct sinan_pkt_wait *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_WAIT, SINAN_WAIT_F_GE);
	p->addr = addr;
	p->value = value;
}

void kt_cmd_launch(struct kt_cmd *c, uint64_t prog, uint64_t prog_size, uint32_t blocks)
{
	struct sinan_pkt_launch *p = kt_cmd_pkt(c);

	p->header = SINAN_PKT_HDR(SINAN_OP_LAUNCH, 0);
	p->blocks = blocks;
	p->prog = prog;
	p->prog_size = prog_size;
}

int kt_try_submit(int fd, struct drm_sinan_submit *s)
{
	return kt_ioctl(fd, DRM_IOCTL_SINAN_SUBMIT, s);
}

uint64_t kt_submit(int fd, uint32_t queue, struct kt_cmd *c)
{
	struct drm_sinan_submit s = {
		.queue_id = queue, .cmdbuf_va = c->buf.va, .cmdbuf_size = c->len,
	};

	KT_EQ(kt_try_submit(fd, &s), 0);
	KT_NE(s.seq, 0);
	return s.seq;
}

int kt_try_wait(int fd, uint32_t kind, uint32_t id, uint64_t seq, int64_t deadline,
		int32_t *status)
{
	struct drm_sinan_wait w = { .kind = kind, .id = id, .seq = seq, .timeout_ns = deadline };
	int ret = kt_ioctl(fd, DRM_IOCTL_SINAN_WAIT, &w);

	if (!ret && status)
		*status = w.status;
	return ret;
}

int kt_wait(int fd, uint32_t queue, uint64_t seq, int64_t ms)
{
	int32_t status = 1;

	KT_EQ(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, queue, seq, kt_deadline(ms), &status),
			 0);
	return status;
}

void kt_wait_count(volatile uint64_t *p, uint64_t n, int64_t ms)
{
	int64_t deadline = kt_deadline(ms);

	while (*p < n && kt_now_ns() < deadline)
		usleep(1000);
	KT_EQ(*p, n);
}

void kt_device_works(int fd)
{
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_buf dev, host;
	struct kt_cmd cmd;

	kt_buf_new(fd, &dev, 8192, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &host, 8192, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_fill(&cmd, dev.va, 0x13572468, 8192);
	kt_cmd_copy(&cmd, host.va, dev.va, 8192);
	KT_EQ(kt_wait(fd, q, kt_submit(fd, q, &cmd), 20000), 0);
	for (int i = 0; i < 2048; i++)
		KT_EQ(((uint32_t *)host.map)[i], 0x13572468);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &host);
	kt_buf_free(fd, &dev);
	kt_queue_destroy(fd, q);
}

static uint32_t pattern_word(uint32_t seed, size_t i)
{
	uint32_t x = seed * 2654435761u + (uint32_t)i * 40503u + 0x9e3779b9u;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return x;
}

void kt_pattern(void *p, size_t n, uint32_t seed)
{
	uint32_t *w = p;

	for (size_t i = 0; i < n / 4; i++)
		w[i] = pattern_word(seed, i);
}

int kt_pattern_check(const void *p, size_t n, uint32_t seed)
{
	const uint32_t *w = p;

	for (size_t i = 0; i < n / 4; i++) {
		if (w[i] != pattern_word(seed, i)) {
			print_error("pattern mismatch at byte %zu: 0x%08x, expected 0x%08x\n", i * 4,
				    w[i], pattern_word(seed, i));
			return 0;
		}
	}
	return 1;
}

/* The debugfs directory holding our files (render node or accel node). */
const char *kt_debugfs_dir(void)
{
	static char dir[300];
	static const char *const roots[] = { "/sys/kernel/debug/accel", "/sys/kernel/debug/dri" };
	char probe[320];

	if (dir[0])
		return dir;
	for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); r++) {
		DIR *d = opendir(roots[r]);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(probe, sizeof(probe), "%s/%s/force_recovery", roots[r], de->d_name);
			if (!access(probe, F_OK)) {
				snprintf(dir, sizeof(dir), "%s/%s", roots[r], de->d_name);
				break;
			}
		}
		closedir(d);
		if (dir[0])
			break;
	}
	return dir;
}

int kt_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int kt_debugfs_write(const char *file, const char *text)
{
	char path[340];

	snprintf(path, sizeof(path), "%s/%s", kt_debugfs_dir(), file);
	return kt_write_file(path, text);
}

int kt_hwq_of(int fd, uint32_t queue)
{
	unsigned int hwq, asid, q;
	char path[340], line[512];
	int pid, found = -1;
	uint64_t my_asid = kt_param(fd, DRM_SINAN_PARAM_ASID);
	FILE *f;

	snprintf(path, sizeof(path), "%s/queues", kt_debugfs_dir());
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "hwq %u: pid %d asid %u queue %u", &hwq, &pid, &asid, &q) == 4 &&
		    asid == my_asid && q == queue)
			found = (int)hwq;
	fclose(f);
	return found;
}

int kt_uevent_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	KT_TRUE(sock >= 0);
	KT_EQ(bind(sock, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return sock;
}

/* A uevent is NUL-separated KEY=VALUE strings after an "action@path" header. */
int kt_uevent_expect(int sock, const char *key, int64_t ms)
{
	int64_t deadline = kt_deadline(ms);
	char buf[4096];

	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int64_t left = (deadline - kt_now_ns()) / 1000000;
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return 0;
		n = recv(sock, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			return 0;
		buf[n] = '\0';
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
			if (!strcmp(buf + i, key))
				return 1;
	}
}

int kt_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

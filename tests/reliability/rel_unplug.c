// SPDX-License-Identifier: MIT
/*
 * Device removal under load, in the emulated machine.
 *
 *   test-rel-unplug --mode qmp|sysfs [--procs P] [--wait S]
 *
 * P processes run verified jobs in a loop with files open, BOs bound and
 * device memory CPU-mapped; one more only sits in a long WAIT. Then the
 * device goes:
 *   qmp    the host hot-unplugs it (device_del over QMP, scripts/rel-unplug.sh,
 *          after this program prints "unplug: workload running"); the
 *          program waits (at most S s) for the device node to vanish;
 *   sysfs  the program removes it itself (/sys/bus/pci/devices/.../remove).
 * Each process must then get an error (-ENODEV from an ioctl, or a job
 * status -ENODEV/-ECANCELED), not a hang, and exit within 30 s; no kernel
 * splat. In sysfs mode the module is then unloaded (it must be refused
 * while a process still holds a file: a process keeps one open meanwhile),
 * loaded again, a rescan brings the device back, and it works.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rel_common.h"

#define MAXP	16

struct shared {
	volatile int running[MAXP];
	volatile int err[MAXP];		/* -errno that ended it */
	volatile long long jobs[MAXP];
};

static int worker(struct shared *sh, int id, int waiter)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 60000);
	struct kt_buf dev, host, flag;
	struct kt_cmd cmd;
	struct drm_sinan_submit s;
	int ret;

	kt_buf_new(fd, &dev, 65536, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &host, 65536, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_cmd_new(fd, &cmd, 4096);
	memset(flag.map, 0, 4096);
	((volatile uint32_t *)dev.map)[0] = 1;	/* device memory mapped and touched */
	for (;;) {
		int32_t status = 0;

		kt_cmd_reset(&cmd);
		if (waiter) {
			kt_cmd_wait(&cmd, flag.va, 1);	/* never released */
		} else {
			kt_cmd_fill(&cmd, dev.va, 0x600d0000u + id, 65536);
			kt_cmd_copy(&cmd, host.va, dev.va, 65536);
		}
		s = (struct drm_sinan_submit){ .queue_id = q, .cmdbuf_va = cmd.buf.va,
					       .cmdbuf_size = cmd.len };
		ret = kt_try_submit(fd, &s);
		if (!ret) {
			sh->running[id] = 1;
			ret = kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, s.seq, kt_deadline(120000), &status);
			if (!ret)
				ret = status;
		}
		if (ret) {
			sh->err[id] = ret;
			break;
		}
		if (((uint32_t *)host.map)[16383] != 0x600d0000u + id) {
			sh->err[id] = -EILSEQ;
			break;
		}
		sh->jobs[id]++;
	}
	/* Every call now fails cleanly; closing everything works. */
	kt_try_submit(fd, &s);
	munmap(dev.map, dev.size);
	munmap(host.map, host.size);
	munmap(flag.map, flag.size);
	munmap(cmd.buf.map, cmd.buf.size);
	close(fd);
	return 0;
}

static int node_exists(void)
{
	glob_t g;
	int n = 0;

	if (glob("/sys/bus/pci/drivers/sinan/0000:*", 0, NULL, &g) == 0)
		n = (int)g.gl_pathc;
	globfree(&g);
	return n > 0;
}

static int bound_bdf(char *bdf, size_t len)
{
	glob_t g;
	int ok = 0;

	if (glob("/sys/bus/pci/drivers/sinan/0000:*", 0, NULL, &g) == 0 && g.gl_pathc) {
		snprintf(bdf, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
		ok = 1;
	}
	globfree(&g);
	return ok;
}

int main(int argc, char **argv)
{
	int procs = (int)rel_opt(argc, argv, "--procs", 3);
	int wait_s = (int)rel_opt(argc, argv, "--wait", 90);
	int sysfs = 0, passed = 0, failed = 0, splats, holder_pipe[2];
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	pid_t pids[MAXP + 1], holder = -1;
	char bdf[64] = "";
	int64_t t_gone, deadline;
	int hung = 0, good_err = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	kt_child = 1;
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--mode"))
			sysfs = !strcmp(argv[i + 1], "sysfs");
	if (procs < 1 || procs >= MAXP)
		procs = 3;
	rel_dmesg_splats("unplug");
	if (!bound_bdf(bdf, sizeof(bdf))) {
		printf("unplug: no device bound to sinan\n");
		return rel_finish("unplug", 0, 1);
	}
	memset(sh, 0, 4096);
	for (int i = 0; i <= procs; i++) {
		pids[i] = kt_fork();
		if (pids[i] == 0)
			_exit(worker(sh, i, i == procs));
	}
	/* In sysfs mode, one process keeps a file open across the removal. */
	if (sysfs && !pipe(holder_pipe)) {
		holder = kt_fork();
		if (holder == 0) {
			int fd = kt_open();
			char c;

			close(holder_pipe[1]);
			(void)!read(holder_pipe[0], &c, 1);
			close(fd);
			_exit(0);
		}
		close(holder_pipe[0]);
	}
	deadline = kt_deadline(30000);
	for (int i = 0; i <= procs; i++)
		while (!sh->running[i] && kt_now_ns() < deadline)
			usleep(10000);
	sleep(1);
	printf("unplug: workload running: %d processes with jobs, 1 in a long WAIT (device %s)\n",
	       procs, bdf);
	if (sysfs) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", bdf);
		if (kt_write_file(path, "1")) {
			printf("unplug: writing %s failed\n", path);
			failed++;
		}
	}
	deadline = kt_deadline(wait_s * 1000LL);
	while (node_exists() && kt_now_ns() < deadline)
		usleep(20000);
	if (node_exists()) {
		printf("unplug: the device is still there after %d s\n", wait_s);
		failed++;
	} else {
		printf("unplug: the device is gone\n");
		passed++;
	}
	t_gone = kt_now_ns();
	/* Every process gets an error and exits, none hangs. */
	deadline = kt_deadline(30000);
	for (int i = 0; i <= procs; i++) {
		int st;

		while (waitpid(pids[i], &st, WNOHANG) == 0 && kt_now_ns() < deadline)
			usleep(20000);
		if (kt_now_ns() >= deadline && waitpid(pids[i], &st, WNOHANG) == 0) {
			printf("unplug: process %d hangs\n", i);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &st, 0);
			hung++;
			continue;
		}
		if (sh->err[i] == -ENODEV || sh->err[i] == -ECANCELED || sh->err[i] == -EIO)
			good_err++;
		printf("unplug: process %d: %lld jobs, then %s\n", i, sh->jobs[i],
		       strerror(-sh->err[i]));
	}
	printf("unplug: %d of %d processes got a clean error, %d hung, %.1f s after the removal\n",
	       good_err, procs + 1, hung, (kt_now_ns() - t_gone) / 1e9);
	if (hung || good_err != procs + 1)
		failed++;
	else
		passed++;

	if (sysfs) {
		struct utsname u;
		char path[256];
		int fd, busy;

		/* The module stays while a file is open ... */
		busy = syscall(SYS_delete_module, "sinan", O_NONBLOCK) ? errno : 0;
		close(holder_pipe[1]);
		waitpid(holder, NULL, 0);
		/* ... and goes once it is closed. */
		if (busy != EWOULDBLOCK || syscall(SYS_delete_module, "sinan", O_NONBLOCK)) {
			printf("unplug: module unload: with a file open %s, then %s\n",
			       busy ? strerror(busy) : "unloaded", strerror(errno));
			failed++;
		} else {
			passed++;
		}
		uname(&u);
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/sinan.ko", u.release);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
			printf("unplug: reloading %s failed\n", path);
			failed++;
		}
		if (fd >= 0)
			close(fd);
		kt_write_file("/sys/bus/pci/rescan", "1");
		deadline = kt_deadline(20000);
		while (!node_exists() && kt_now_ns() < deadline)
			usleep(20000);
		fd = kt_open();
		kt_device_works(fd);
		close(fd);
		printf("unplug: unloaded, reloaded, rescanned: the device works\n");
		passed++;
	}
	splats = rel_dmesg_splats("unplug");
	failed += splats != 0;
	passed += splats == 0;
	printf("unplug: %d oopses/warnings in dmesg\n", splats);
	return rel_finish("unplug", passed, failed);
}

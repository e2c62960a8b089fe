// SPDX-License-Identifier: MIT
/*
 * Guest tests of the Sinan driver's lifetime: firmware probe failures (one
 * clear message, no oops), module unload with open files, load/unload
 * loops, and device removal under open files, mappings and waiters.
 * Destructive: it unbinds, unloads and removes the driver and the device,
 * and puts everything back. Run it last, as root, in its own machine:
 *
 *   SINAN_FW_TEST_DIR  directory with the defective firmware images
 *                      (build/fw/test: bad_crc.elf, bad_magic.elf,
 *                      truncated.elf, major2.elf, minor9.elf)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

#define WAIT_MS		20000
#define FW_PATH_PARAM	"/sys/module/firmware_class/parameters/path"
#define FW_DIR		"/tmp/kt-fw"
#define FW_FILE		"/lib/firmware/sinan/sinan_fw.elf"
#define DRV_DIR		"/sys/bus/pci/drivers/sinan"

static char bdf[64];

/* The PCI address of the (first) Sinan device, bound or not. */
static const char *sinan_bdf(void)
{
	glob_t g;

	if (bdf[0])
		return bdf;
	if (glob("/sys/bus/pci/devices/*/vendor", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && !bdf[0]; i++) {
			char path[300], buf[32] = "";
			FILE *f = fopen(g.gl_pathv[i], "r");
			unsigned int vendor = 0, device = 0;

			if (!f)
				continue;
			if (fgets(buf, sizeof(buf), f))
				vendor = (unsigned int)strtoul(buf, NULL, 0);
			fclose(f);
			snprintf(path, sizeof(path), "%.*s/device",
				 (int)(strlen(g.gl_pathv[i]) - strlen("/vendor")), g.gl_pathv[i]);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(buf, sizeof(buf), f))
				device = (unsigned int)strtoul(buf, NULL, 0);
			fclose(f);
			if (vendor == SINAN_PCI_VENDOR_ID && device == SINAN_PCI_DEVICE_ID) {
				const char *p = g.gl_pathv[i] + strlen("/sys/bus/pci/devices/");

				snprintf(bdf, sizeof(bdf), "%.*s", (int)(strchr(p, '/') - p), p);
			}
		}
		globfree(&g);
	}
	if (!bdf[0])
		fail_msg("no Sinan PCI device");
	return bdf;
}

static int is_bound(void)
{
	char path[128];

	snprintf(path, sizeof(path), DRV_DIR "/%s", sinan_bdf());
	return access(path, F_OK) == 0;
}

/* /dev/kmsg from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(lseek(fd, 0, SEEK_END) >= 0);
	return fd;
}

/*
 * Read the records logged since kmsg_open(); count the driver's own
 * error-level ones (level <= 3), copy the first into @first; fail on any
 * sign of a kernel problem. (Debian's 6.1 firmware loader adds lines of
 * its own for a missing file, whatever the driver asks: not counted.)
 */
static int kmsg_errors(int fd, char *first, size_t len)
{
	char rec[2048];
	int n = 0;
	ssize_t r;

	if (first)
		first[0] = '\0';
	while ((r = read(fd, rec, sizeof(rec) - 1)) > 0 || (r < 0 && errno == EPIPE)) {
		const char *msg;
		int prio;

		if (r < 0)
			continue;	/* overwritten records: go on */
		rec[r] = '\0';
		/* The message ends at the first newline; KEY=VALUE lines follow. */
		if (strchr(rec, '\n'))
			*strchr(rec, '\n') = '\0';
		msg = strchr(rec, ';');
		if (!msg || sscanf(rec, "%d", &prio) != 1)
			continue;
		msg++;
		if (strstr(msg, "Call Trace") || strstr(msg, "BUG:") || strstr(msg, "WARNING:") ||
		    strstr(msg, "Oops") || strstr(msg, "refcount_t") || strstr(msg, "UBSAN"))
			fail_msg("kernel trouble in dmesg: %s", msg);
		/* The driver's own messages: "sinan <bdf>: sinan_<function>(): ..." */
		if ((prio & 7) <= 3 && strstr(msg, ": sinan_") && strstr(msg, "(): ")) {
			if (!n && first)
				snprintf(first, len, "%s", msg);
			n++;
		}
	}
	return n;
}

/* Bind the driver to the device; 0 if it bound. */
static int bind_driver(void)
{
	char dev[128];

	kt_write_file(DRV_DIR "/bind", sinan_bdf());
	snprintf(dev, sizeof(dev), DRV_DIR "/%s", sinan_bdf());
	return access(dev, F_OK) == 0 ? 0 : -1;
}

static void unbind_driver(void)
{
	if (is_bound())
		assert_int_equal(kt_write_file(DRV_DIR "/unbind", sinan_bdf()), 0);
	assert_false(is_bound());
}

static void copy_file(const char *from, const char *to)
{
	assert_int_equal(kt_sh("mkdir -p $(dirname %s) && cp %s %s", to, from, to), 0);
}

/* Probe with the image @image (NULL: no firmware at all). */
static void probe_with(const char *image, const char *expect)
{
	char first[1024];
	int kmsg, n;

	unbind_driver();
	kt_sh("rm -rf " FW_DIR);
	if (image) {
		char from[512];
		const char *dir = getenv("SINAN_FW_TEST_DIR");

		if (!dir)
			fail_msg("SINAN_FW_TEST_DIR is not set (the defective images of build/fw/test)");
		snprintf(from, sizeof(from), "%s/%s", dir, image);
		if (access(from, R_OK))
			fail_msg("%s: %s (copy it into the guest with --bin)", from, strerror(errno));
		copy_file(from, FW_DIR "/sinan/sinan_fw.elf");
	} else {
		assert_int_equal(rename(FW_FILE, FW_FILE ".away"), 0);
	}
	kmsg = kmsg_open();
	assert_int_not_equal(bind_driver(), 0);
	n = kmsg_errors(kmsg, first, sizeof(first));
	close(kmsg);
	if (!image)
		assert_int_equal(rename(FW_FILE ".away", FW_FILE), 0);
	print_message("  %s: %s\n", image ? image : "(none)", first);
	/* Exactly one line from the driver, and it says what. */
	assert_int_equal(n, 1);
	assert_non_null(strstr(first, expect));
	assert_non_null(strstr(first, "sinan/sinan_fw.elf"));
}

static void test_fw_probe_failures(void **state)
{
	char first[1024];
	int kmsg, fd;

	(void)state;
	assert_int_equal(kt_write_file(FW_PATH_PARAM, FW_DIR), 0);
	probe_with("bad_crc.elf", "CRC-32 mismatch");
	probe_with("bad_magic.elf", "boot header magic");
	probe_with("truncated.elf", "truncated");
	probe_with("major2.elf", "firmware interface 2.");
	probe_with(NULL, "not found");

	/* A newer minor binds, and says which interface it speaks. */
	unbind_driver();
	kt_sh("rm -rf " FW_DIR);
	copy_file(getenv("SINAN_FW_TEST_DIR") ? "$SINAN_FW_TEST_DIR/minor9.elf" : "/nonexistent",
		  FW_DIR "/sinan/sinan_fw.elf");
	kmsg = kmsg_open();
	assert_int_equal(bind_driver(), 0);
	assert_int_equal(kmsg_errors(kmsg, first, sizeof(first)), 0);
	close(kmsg);
	assert_int_equal(kt_sh("dmesg | tail -n 20 | grep -q 'interface 1.9'"), 0);
	fd = kt_open();
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_FW_API_VERSION), 1 << 16 | 9);
	close(fd);

	/* And the stock image again. */
	unbind_driver();
	assert_int_equal(kt_write_file(FW_PATH_PARAM, "\n"), 0);
	kt_sh("rm -rf " FW_DIR);
	assert_int_equal(bind_driver(), 0);
	fd = kt_open();
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_FW_API_VERSION) >> 16, SINAN_FWIF_MAJOR);
	close(fd);
}

/* Whatever happened, leave the stock firmware and a bound driver behind. */
static int fw_teardown(void **state)
{
	(void)state;
	kt_write_file(FW_PATH_PARAM, "\n");
	kt_sh("rm -rf " FW_DIR);
	if (access(FW_FILE ".away", F_OK) == 0)
		rename(FW_FILE ".away", FW_FILE);
	if (!is_bound())
		bind_driver();
	return 0;
}

static void module_path(char *buf, size_t len)
{
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	snprintf(buf, len, "/lib/modules/%s/extra/sinan.ko", u.release);
}

static int module_unload(void)
{
	return syscall(SYS_delete_module, "sinan", O_NONBLOCK) ? -errno : 0;
}

static void module_load(void)
{
	char path[256];
	int fd;

	module_path(path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(syscall(SYS_finit_module, fd, "", 0), 0);
	close(fd);
	assert_true(is_bound());
}

/* The device is there and works. */
static void smoke(void)
{
	int fd = kt_open();

	kt_device_works(fd);
	close(fd);
}

/* The module stays while a file is open; unloads once it is closed. */
static void test_unload_with_open_file(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_buf b;

	(void)state;
	(void)q;
	kt_buf_new(fd, &b, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	assert_int_equal(module_unload(), -EWOULDBLOCK);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_NUM_QUEUES) > 0, 1);
	/* A mapping alone keeps the file, hence the module. */
	close(fd);
	assert_int_equal(module_unload(), -EWOULDBLOCK);
	munmap(b.map, b.size);
	assert_int_equal(module_unload(), 0);
	module_load();
	smoke();
}

static long meminfo(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key));
	fclose(f);
	return v;
}

/* Load, use, unload, a number of times: memory does not creep up. */
static void test_load_unload_loop(void **state)
{
	const int rounds = 8;
	long slab0 = 0, slab;

	(void)state;
	for (int i = 0; i < rounds; i++) {
		assert_int_equal(module_unload(), 0);
		module_load();
		smoke();
		if (i == 1) {
			kt_sh("sync; echo 3 > /proc/sys/vm/drop_caches");
			slab0 = meminfo("Slab:");
		}
	}
	kt_sh("sync; echo 3 > /proc/sys/vm/drop_caches");
	slab = meminfo("Slab:");
	print_message("  slab after round 2: %ld kB, after round %d: %ld kB\n", slab0, rounds, slab);
	/* Six more rounds: a leak of a few KiB per round would show. */
	assert_true(slab - slab0 < 6 * 64);
}

/*
 * Remove the device under an open file with a mapped device BO, a queue
 * with a job in flight and a process waiting for it; everything ends with
 * -ENODEV (the waiter wakes, touching the mapping is SIGBUS), closing is
 * clean, and a rescan brings the device back.
 */
static void test_remove_with_open_files(void **state)
{
	int fd = kt_open(), status, kmsg;
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 60000);
	struct drm_sinan_get_param p = { .param = DRM_SINAN_PARAM_NUM_CORES };
	struct kt_buf flag, dev;
	struct kt_cmd cmd;
	char path[128];
	uint64_t seq;
	pid_t waiter, toucher;

	(void)state;
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &dev, 4096, DRM_SINAN_BO_PLACEMENT_DEVICE);
	memset(flag.map, 0, 4096);
	((volatile uint32_t *)dev.map)[0] = 1;
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_wait(&cmd, flag.va, 1);
	seq = kt_submit(fd, q, &cmd);

	waiter = kt_fork();
	assert_true(waiter >= 0);
	if (waiter == 0) {
		int32_t st = 0;
		int ret = kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, seq, kt_deadline(60000), &st);

		_exit(ret == 0 && st == -ENODEV ? 0 : 10 + (ret ? -ret : 100 - st));
	}
	usleep(100000);	/* let it block */

	kmsg = kmsg_open();
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", sinan_bdf());
	assert_int_equal(kt_write_file(path, "1"), 0);
	assert_int_equal(waitpid(waiter, &status, 0), waiter);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_GET_PARAM, &p), -ENODEV);
	assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, seq, 0, NULL), -ENODEV);
	toucher = kt_fork();
	assert_true(toucher >= 0);
	if (toucher == 0) {
		/* Die of it: cmocka's own handler would carry on in the child. */
		signal(SIGBUS, SIG_DFL);
		_exit(((volatile uint32_t *)dev.map)[0] == 12345 ? 1 : 2);
	}
	assert_int_equal(waitpid(toucher, &status, 0), toucher);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
	/* Host memory stays host memory. */
	((volatile uint64_t *)flag.map)[0] = 1;

	munmap(dev.map, dev.size);
	munmap(flag.map, flag.size);
	munmap(cmd.buf.map, cmd.buf.size);
	close(fd);
	kmsg_errors(kmsg, NULL, 0);	/* no oops, no warning */
	close(kmsg);

	assert_int_equal(kt_write_file("/sys/bus/pci/rescan", "1"), 0);
	assert_true(is_bound());
	smoke();
}

/*
 * A device that does not come back from a reset is given up: jobs end
 * with -ENODEV, nothing new is accepted; rebinding the driver (no module
 * reload) brings it back.
 */
static void test_dead_device_rebind(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 60000);
	struct drm_sinan_queue_create qc = { 0 };
	struct kt_buf flag;
	struct kt_cmd cmd;
	uint64_t seq;

	(void)state;
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	memset(flag.map, 0, 4096);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_signal_add(&cmd, flag.va + 8, 1);
	kt_cmd_wait(&cmd, flag.va, 1);
	seq = kt_submit(fd, q, &cmd);
	kt_wait_count((uint64_t *)flag.map + 1, 1, WAIT_MS);

	assert_int_equal(kt_debugfs_write("fail_next_reset", "1"), 0);
	assert_int_equal(kt_debugfs_write("force_recovery", "1"), 0);
	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), -ENODEV);
	{
		struct drm_sinan_submit s = {
			.queue_id = q, .cmdbuf_va = cmd.buf.va, .cmdbuf_size = 64,
		};

		assert_int_equal(kt_try_submit(fd, &s), -ENODEV);
	}
	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUEUE_CREATE, &qc), -ENODEV);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &flag);
	close(fd);

	unbind_driver();
	assert_int_equal(bind_driver(), 0);
	smoke();
}

/*
 * Nothing in the whole log of this boot looks like a kernel problem, and
 * the driver never warned (a warning is a driver bug: a register write
 * the device refused, a completion ring overrun, ...).
 */
/*
 * A reset of the PCI function from outside the driver (FLR through sysfs,
 * as VFIO or an admin would do it) wipes the device; the driver takes it
 * down and brings it back (pci_error_handlers reset_prepare/reset_done):
 * device memory, open files, queues and mappings made before keep working.
 */
static void test_function_level_reset(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	uint64_t resets = kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT);
	struct kt_buf dev, host;
	struct kt_cmd cmd;
	char path[128];

	(void)state;
	kt_buf_new(fd, &dev, 65536, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_buf_new(fd, &host, 65536, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_pattern(host.map, 65536, 7);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_copy(&cmd, dev.va, host.va, 65536);
	assert_int_equal(kt_wait(fd, q, kt_submit(fd, q, &cmd), 20000), 0);
	memset(host.map, 0, 65536);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", sinan_bdf());
	assert_int_equal(kt_write_file(path, "1"), 0);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT), resets + 1);

	/* The device memory survived; the old queue, buffers and VAs work. */
	kt_cmd_reset(&cmd);
	kt_cmd_copy(&cmd, host.va, dev.va, 65536);
	assert_int_equal(kt_wait(fd, q, kt_submit(fd, q, &cmd), 20000), 0);
	assert_true(kt_pattern_check(host.map, 65536, 7));
	kt_device_works(fd);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &host);
	kt_buf_free(fd, &dev);
	kt_queue_destroy(fd, q);
	close(fd);
}

static void test_dmesg_clean(void **state)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	kmsg_errors(fd, NULL, 0);
	close(fd);
	assert_int_not_equal(kt_sh("dmesg -r | grep -E '^<4>.*: sinan_[a-z_]+\\(\\): '"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fw_probe_failures, fw_teardown),
		cmocka_unit_test(test_dead_device_rebind),
		cmocka_unit_test(test_unload_with_open_file),
		cmocka_unit_test(test_load_unload_loop),
		cmocka_unit_test(test_remove_with_open_files),
		cmocka_unit_test(test_function_level_reset),
		cmocka_unit_test(test_dmesg_clean),
	};

	return cmocka_run_group_tests_name("kernel-lifetime", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * sinan_device_diagnose(): one test per cause, each in a made-up system
 * (SINAN_SYSROOT points /sys, /dev and /lib/firmware at a temporary tree),
 * plus version skew and firmware trouble through the simulator, plus the
 * real system (which must open).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_common.h"

static char root[256];

static void mkpath(const char *rel, mode_t mode)
{
	char p[512], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, mode);
}

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, 0644);
}

static void link_to(const char *rel, const char *target)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	unlink(p);
	assert_int_equal(symlink(target, p), 0);
}

static int tree_setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/sinan-diag-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	chmod(root, 0755);
	setenv("SINAN_SYSROOT", root, 1);
	return 0;
}

static int tree_teardown(void **state)
{
	char cmd[300];

	(void)state;
	unsetenv("SINAN_SYSROOT");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static struct sinan_diagnosis diag_drm(uint32_t index)
{
	struct sinan_open_options o = { .size = sizeof(o), .backend = "drm", .index = index };
	struct sinan_diagnosis d = { .size = sizeof(d) };

	ASSERT_OK(sinan_device_diagnose(&o, &d));
	print_message("  [%s] %s\n  -> %s\n", sinan_diag_cause_name(d.cause), d.message, d.hint);
	return d;
}

#define PCI	"sys/bus/pci/devices/0000:00:04.0"

/* The chain, link by link, in the order a broken machine shows it. */
static void test_chain_of_causes(void **state)
{
	struct sinan_diagnosis d;
	sinan_device_t dev;

	(void)state;
	d = diag_drm(0);
	assert_int_equal(d.cause, SINAN_DIAG_NO_PCI_DEVICE);
	assert_int_equal(d.status, SINAN_E_NO_DEVICE);
	assert_non_null(strstr(d.message, "0x1234"));
	assert_non_null(strstr(d.hint, "lspci"));
	ASSERT_ST(SINAN_E_NO_DEVICE, sinan_device_open(&(struct sinan_open_options){ .size = sizeof(struct sinan_open_options),
				  .backend = "drm", .index = SINAN_NONE32 }, &dev));
	assert_non_null(strstr(sinan_last_error_message(), "diagnose"));

	mkpath(PCI, 0755);
	put(PCI "/vendor", "0x1234\n");
	put(PCI "/device", "0x51a0\n");
	d = diag_drm(0);
	assert_int_equal(d.cause, SINAN_DIAG_DRIVER_NOT_LOADED);
	assert_non_null(strstr(d.message, "0000:00:04.0"));
	assert_non_null(strstr(d.hint, "modprobe sinan"));

	mkpath("sys/module/sinan", 0755);
	d = diag_drm(0);
	assert_int_equal(d.cause, SINAN_DIAG_FIRMWARE_MISSING);
	assert_int_equal(d.status, SINAN_E_FIRMWARE);
	assert_non_null(strstr(d.message, "/lib/firmware/sinan/sinan_fw.elf"));

	mkpath("lib/firmware/sinan", 0755);
	put("lib/firmware/sinan/sinan_fw.elf", "an image\n");
	mkpath("dev", 0755);
	put("dev/kmsg", "6,1,100,-;pci 0000:00:04.0: [1234:51a0] type 00\n"
		       "3,2,200,-;sinan 0000:00:04.0: firmware refused: FW_ERROR 5 (CRC mismatch)\n"
		       "3,3,300,-;sinan 0000:00:04.0: probe failed with error -5\n");
	d = diag_drm(0);
	assert_int_equal(d.cause, SINAN_DIAG_FIRMWARE_FAILED);
	assert_non_null(strstr(d.log, "CRC mismatch"));
	assert_null(strstr(d.log, "type 00"));	/* only the driver's lines */

	put("dev/kmsg", "3,3,300,-;sinan 0000:00:04.0: BAR 4 too small\n");
	d = diag_drm(0);
	assert_int_equal(d.cause, SINAN_DIAG_DRIVER_NOT_BOUND);
	assert_non_null(strstr(d.log, "BAR 4"));

	mkpath("sys/bus/pci/drivers/sinan", 0755);
	link_to(PCI "/driver", "../../../bus/pci/drivers/sinan");
	d = diag_drm(0);
	assert_int_equal(d.cause, SINAN_DIAG_NO_DEVICE_NODE);
	assert_non_null(strstr(d.hint, "udev"));

	/* A node appears (here a plain file: not a working device). */
	mkpath("sys/class/accel/accel0", 0755);
	link_to("sys/class/accel/accel0/device", "../../../bus/pci/devices/0000:00:04.0");
	mkpath("dev/accel", 0755);
	put("dev/accel/accel0", "");
	d = diag_drm(3);
	assert_int_equal(d.cause, SINAN_DIAG_NO_SUCH_INDEX);
	assert_non_null(strstr(d.message, "1 Sinan device"));
	d = diag_drm(0);
	assert_int_equal(d.cause, SINAN_DIAG_OPEN_FAILED);
	assert_non_null(strstr(d.message, "not sinan"));
	/* The diagnosis is a result, not an error. */
	assert_string_equal(sinan_last_error_message(), "");
}

/* Permission: run as nobody against a node of group 'video'-like gid, mode 0660. */
static void test_permission(void **state)
{
	char path[512], msg[1600];
	int pfd[2], status;
	pid_t pid;
	ssize_t n;

	(void)state;
	if (geteuid() != 0) {
		/* Unprivileged runner: the node simply is not ours. */
		print_message("  (not root: testing with the caller's own credentials)\n");
	}
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", root);
	assert_int_equal(chown(path, 0, 4242), 0);
	assert_int_equal(chmod(path, 0660), 0);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sinan_diagnosis d;

		close(pfd[0]);
		if (geteuid() == 0 && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(3);
		d = diag_drm(0);
		n = snprintf(msg, sizeof(msg), "%u|%s|%s", d.cause, d.message, d.hint);
		if (write(pfd[1], msg, (size_t)n) != n)
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(n > 0);
	msg[n] = 0;
	print_message("  child: %s\n", msg);
	assert_int_equal(atoi(msg), SINAN_DIAG_PERMISSION);
	assert_non_null(strstr(msg, "gid 4242"));
	assert_non_null(strstr(msg, "mode 660"));
	assert_non_null(strstr(msg, "usermod -aG sinan"));
	assert_non_null(strstr(msg, "uid 65534"));
}

/* Versions and firmware through the simulator: open fails at once, the diagnosis explains. */
static void test_sim_causes(void **state)
{
	struct sinan_open_options o = { .size = sizeof(o), .backend = "sim", .index = 0 };
	struct sinan_diagnosis d = { .size = sizeof(d) };
	char bad[512];
	sinan_device_t dev;

	(void)state;
	o.sim_options = "uapi=2.3";
	ASSERT_ST(SINAN_E_VERSION_MISMATCH, sinan_device_open(&o, &dev));
	assert_non_null(strstr(sinan_last_error_message(), "uAPI 2.3"));
	ASSERT_OK(sinan_device_diagnose(&o, &d));
	assert_int_equal(d.cause, SINAN_DIAG_VERSION_SKEW);
	assert_non_null(strstr(d.message, "uAPI 2.3"));
	assert_non_null(strstr(d.hint, "same release"));

	o.sim_options = "firmware=/nonexistent/sinan_fw.elf";
	ASSERT_ST(SINAN_E_FIRMWARE, sinan_device_open(&o, &dev));
	ASSERT_OK(sinan_device_diagnose(&o, &d));
	assert_int_equal(d.cause, SINAN_DIAG_FIRMWARE_MISSING);
	assert_non_null(strstr(d.message, "/nonexistent/sinan_fw.elf"));

	snprintf(bad, sizeof(bad), "firmware=%s/lib/firmware/sinan/sinan_fw.elf", root);
	o.sim_options = bad;
	ASSERT_ST(SINAN_E_FIRMWARE, sinan_device_open(&o, &dev));
	ASSERT_OK(sinan_device_diagnose(&o, &d));
	assert_int_equal(d.cause, SINAN_DIAG_FIRMWARE_FAILED);
	assert_non_null(strstr(d.message, "not a Sinan firmware image"));

	o.sim_options = "cores=0";
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_open(&o, &dev));
	assert_non_null(strstr(sinan_last_error_message(), "cores"));
	o.sim_options = "colour=blue";
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_open(&o, &dev));
	o.sim_options = NULL;
	o.index = 1;
	ASSERT_ST(SINAN_E_NO_DEVICE, sinan_device_open(&o, &dev));
	ASSERT_OK(sinan_device_diagnose(&o, &d));
	assert_int_equal(d.cause, SINAN_DIAG_NO_SUCH_INDEX);
	o.index = 0;
	ASSERT_OK(sinan_device_diagnose(&o, &d));
	assert_int_equal(d.cause, SINAN_DIAG_OK);
}

/* The machine the test runs on: its device opens, and the diagnosis says so. */
static void test_real_system(void **state)
{
	struct sinan_diagnosis d = { .size = sizeof(d) };

	(void)state;
	unsetenv("SINAN_SYSROOT");
	ASSERT_OK(sinan_device_diagnose(NULL, &d));
	setenv("SINAN_SYSROOT", root, 1);
	print_message("  [%s] %s\n", sinan_diag_cause_name(d.cause), d.message);
	assert_int_equal(d.cause, SINAN_DIAG_OK);
	assert_int_equal(d.status, SINAN_OK);
	d.size = 3;
	ASSERT_ST(SINAN_E_INVALID_ARGUMENT, sinan_device_diagnose(NULL, &d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_of_causes),
		cmocka_unit_test(test_permission),
		cmocka_unit_test(test_sim_causes),
		cmocka_unit_test(test_real_system),
	};

	if (!getenv("SINAN_BACKEND"))
		setenv("SINAN_BACKEND", access("/sys/module/sinan", F_OK) == 0 ? "drm" : "sim", 1);
	return cmocka_run_group_tests_name("runtime-diag", tests, tree_setup, tree_teardown);
}

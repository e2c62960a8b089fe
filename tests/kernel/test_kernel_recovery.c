// SPDX-License-Identifier: MIT
/*
 * Guest tests of the Sinan driver's recovery: a hanging job, injected DMA,
 * ECC, MMU and illegal-instruction errors, a firmware crash and a forced
 * device reset. Each is recovered; the guilty job's fence says what
 * happened, innocent jobs complete, the device serves new work, and a
 * uevent announces the reset.
 *
 * Faults are injected through the device's debug page (debugfs "inject"),
 * which exists only when the machine runs with --npu-prop debug-regs=on
 * ('make check-kernel' does).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sinan_hw/sinan_isa.h>

#include "ktest.h"

#define WAIT_MS		20000
#define HANG_MS		300	/* queue timeout of the hang tests */

static void require_debug_regs(int fd)
{
	if (!(kt_param(fd, DRM_SINAN_PARAM_CAPS) & SINAN_CAP_DEBUG_REGS))
		fail_msg("the device has no fault-injection page: run the machine with --npu-prop debug-regs=on");
	if (!kt_debugfs_dir()[0])
		fail_msg("no Sinan debugfs directory (is debugfs mounted?)");
}

static void inject(int fd, uint32_t queue, const char *kind)
{
	char text[64];
	int hwq = kt_hwq_of(fd, queue);

	assert_true(hwq >= 0);
	snprintf(text, sizeof(text), "%s %d", kind, hwq);
	assert_int_equal(kt_debugfs_write("inject", text), 0);
}

static void expect_banned(int fd, uint32_t q, uint32_t error)
{
	struct drm_sinan_queue_status st = kt_queue_status(fd, q);
	struct drm_sinan_submit s = { .queue_id = q, .cmdbuf_size = 64 };

	assert_int_equal(st.state, DRM_SINAN_QUEUE_STATE_BANNED);
	assert_int_equal(st.guilty, 1);
	assert_int_equal(st.error, error);
	assert_true(st.reset_count >= 1);
	s.cmdbuf_va = kt_param(fd, DRM_SINAN_PARAM_VA_START);
	assert_int_equal(kt_try_submit(fd, &s), -ECANCELED);
}

/*
 * A WAIT on a value nobody writes: the queue's timeout fires, the job ends
 * with -ETIMEDOUT, the job queued behind it with -ECANCELED; a bystander
 * queue of the same context is not disturbed.
 */
static void test_hang_timeout(void **state)
{
	int fd = kt_open(), ev = kt_uevent_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, HANG_MS);
	uint32_t other = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_buf flag;
	struct kt_cmd hang, nop;
	uint64_t s1, s2;

	(void)state;
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	memset(flag.map, 0, 4096);
	kt_cmd_new(fd, &hang, 4096);
	kt_cmd_new(fd, &nop, 4096);
	kt_cmd_wait(&hang, flag.va, 1);
	kt_cmd_nop(&nop);
	s1 = kt_submit(fd, q, &hang);
	s2 = kt_submit(fd, q, &nop);
	assert_int_equal(kt_wait(fd, q, s1, WAIT_MS), -ETIMEDOUT);
	assert_int_equal(kt_wait(fd, q, s2, WAIT_MS), -ECANCELED);
	expect_banned(fd, q, DRM_SINAN_QUEUE_ERR_TIMEOUT);
	assert_true(kt_uevent_expect(ev, "SINAN_RESET_KIND=queue", 5000));

	/* The bystander: fine, and still works. */
	assert_int_equal(kt_queue_status(fd, other).state, DRM_SINAN_QUEUE_STATE_ACTIVE);
	assert_int_equal(kt_queue_status(fd, other).reset_count, 0);
	assert_int_equal(kt_wait(fd, other, kt_submit(fd, other, &nop), WAIT_MS), 0);
	kt_device_works(fd);
	kt_cmd_free(fd, &nop);
	kt_cmd_free(fd, &hang);
	kt_buf_free(fd, &flag);
	close(ev);
	close(fd);
}

/* A hardware queue that stops making progress (injected): same outcome. */
static void test_inject_hang(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, HANG_MS);
	struct kt_cmd cmd;

	(void)state;
	require_debug_regs(fd);
	kt_cmd_new(fd, &cmd, 4096);
	kt_cmd_nop(&cmd);
	assert_int_equal(kt_wait(fd, q, kt_submit(fd, q, &cmd), WAIT_MS), 0);
	inject(fd, q, "hang");
	assert_int_equal(kt_wait(fd, q, kt_submit(fd, q, &cmd), WAIT_MS), -ETIMEDOUT);
	expect_banned(fd, q, DRM_SINAN_QUEUE_ERR_TIMEOUT);
	kt_device_works(fd);
	kt_cmd_free(fd, &cmd);
	close(fd);
}

/* Inject @kind on a fresh queue, run @cmd, expect @err and @hw_err. */
static void inject_and_expect(const char *kind, int err, uint32_t hw_err, int launch)
{
	int fd = kt_open(), ev = kt_uevent_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_buf host, dev;
	struct kt_cmd cmd;

	require_debug_regs(fd);
	kt_buf_new(fd, &host, 8192, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &dev, 8192, DRM_SINAN_BO_PLACEMENT_DEVICE);
	kt_cmd_new(fd, &cmd, 4096);
	if (launch) {
		((volatile uint64_t *)dev.map)[0] = SINAN_ENC_R(SINAN_I_END, 0, 0, 0, 0, 0, 0, 0, 0);
		kt_cmd_launch(&cmd, dev.va, 8, 1);
	} else {
		kt_cmd_copy(&cmd, dev.va + 4096, host.va, 4096);
		kt_cmd_copy(&cmd, host.va + 4096, dev.va, 4096);
	}
	inject(fd, q, kind);
	assert_int_equal(kt_wait(fd, q, kt_submit(fd, q, &cmd), WAIT_MS), err);
	expect_banned(fd, q, hw_err);
	assert_true(kt_uevent_expect(ev, "SINAN_RESET_KIND=queue", 5000));
	kt_device_works(fd);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &dev);
	kt_buf_free(fd, &host);
	close(ev);
	close(fd);
}

static void test_inject_dma(void **state)
{
	(void)state;
	inject_and_expect("dma", -EIO, DRM_SINAN_QUEUE_ERR_DMA, 0);
}

static void test_inject_ecc(void **state)
{
	(void)state;
	inject_and_expect("ecc", -EIO, DRM_SINAN_QUEUE_ERR_ECC, 0);
}

static void test_inject_mmu(void **state)
{
	(void)state;
	inject_and_expect("mmu", -EFAULT, DRM_SINAN_QUEUE_ERR_MMU_FAULT, 0);
}

static void test_inject_illegal(void **state)
{
	(void)state;
	inject_and_expect("illegal", -EIO, DRM_SINAN_QUEUE_ERR_ILLEGAL_INSTR, 1);
}

static uint32_t fw_boot_count(int fd)
{
	struct drm_sinan_fw_info info;
	struct drm_sinan_query q = {
		.query = DRM_SINAN_QUERY_FW_INFO, .size = sizeof(info), .data = (uintptr_t)&info,
	};

	assert_int_equal(kt_ioctl(fd, DRM_IOCTL_SINAN_QUERY, &q), 0);
	return info.boot_count;
}

static uint64_t sysfs_reset_count(void)
{
	char path[128];
	unsigned long long n = 0;
	FILE *f;

	/* The device the test opened: the one bound to sinan. */
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/sinan");
	assert_int_equal(kt_sh("cat %s/0000:*/reset_count > /tmp/kt-resets", path), 0);
	f = fopen("/tmp/kt-resets", "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &n), 1);
	fclose(f);
	return n;
}

/*
 * A device reset with work in flight: two queues hold jobs blocked on a
 * host flag when the device goes down (firmware crash, or forced through
 * debugfs). Nobody is guilty: the jobs run again after the reset and
 * complete once the flag is set; the firmware was booted again.
 */
static void device_reset(const char *how)
{
	int fd = kt_open(), ev = kt_uevent_open();
	uint64_t resets = kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT);
	uint64_t sys_resets = sysfs_reset_count();
	uint32_t boots = fw_boot_count(fd);
	uint32_t q[2];
	struct kt_buf flag, out;
	struct kt_cmd cmd[2];
	uint64_t seq[2];
	int64_t deadline;

	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	kt_buf_new(fd, &out, 8192, DRM_SINAN_BO_PLACEMENT_HOST);
	memset(flag.map, 0, 4096);
	memset(out.map, 0, 8192);
	for (int i = 0; i < 2; i++) {
		q[i] = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
		kt_cmd_new(fd, &cmd[i], 4096);
		kt_cmd_signal_add(&cmd[i], flag.va + 8 * (1 + i), 1);
		kt_cmd_wait(&cmd[i], flag.va, 1);
		kt_cmd_fill(&cmd[i], out.va + 4096 * i, 0x5e5e0000 + i, 4096);
		seq[i] = kt_submit(fd, q[i], &cmd[i]);
		/* Running (blocked in its WAIT) when the device goes down. */
		kt_wait_count((uint64_t *)flag.map + 1 + i, 1, WAIT_MS);
	}
	if (!strcmp(how, "fw-crash"))
		inject(fd, q[0], "fw-crash");
	else
		assert_int_equal(kt_debugfs_write("force_recovery", "1"), 0);

	/* The reset happens on its own: wait for the counter. */
	deadline = kt_deadline(WAIT_MS);
	while (kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT) == resets && kt_now_ns() < deadline)
		usleep(10000);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT), resets + 1);
	assert_true(kt_uevent_expect(ev, "SINAN_RESET_KIND=device", 5000));
	assert_int_equal(sysfs_reset_count(), sys_resets + 1);
	assert_true(fw_boot_count(fd) > boots);

	/* Run again from the start on the new rings, then released: complete. */
	for (int i = 0; i < 2; i++)
		kt_wait_count((uint64_t *)flag.map + 1 + i, 2, WAIT_MS);
	*(volatile uint64_t *)flag.map = 1;
	for (int i = 0; i < 2; i++) {
		struct drm_sinan_queue_status st;

		assert_int_equal(kt_wait(fd, q[i], seq[i], WAIT_MS), 0);
		st = kt_queue_status(fd, q[i]);
		assert_int_equal(st.state, DRM_SINAN_QUEUE_STATE_ACTIVE);
		assert_int_equal(st.guilty, 0);
		assert_int_equal(st.reset_count, 1);
		for (int w = 0; w < 1024; w++)
			assert_int_equal(((uint32_t *)out.map)[1024 * i + w], 0x5e5e0000 + i);
		/* The old queues go on working. */
		kt_cmd_reset(&cmd[i]);
		kt_cmd_nop(&cmd[i]);
		assert_int_equal(kt_wait(fd, q[i], kt_submit(fd, q[i], &cmd[i]), WAIT_MS), 0);
	}
	kt_device_works(fd);
	for (int i = 0; i < 2; i++)
		kt_cmd_free(fd, &cmd[i]);
	kt_buf_free(fd, &out);
	kt_buf_free(fd, &flag);
	close(ev);
	close(fd);
}

static void test_fw_crash(void **state)
{
	int fd = kt_open();

	(void)state;
	require_debug_regs(fd);
	close(fd);
	device_reset("fw-crash");
}

static void test_force_recovery(void **state)
{
	int fd = kt_open();

	(void)state;
	assert_true(kt_debugfs_dir()[0]);
	close(fd);
	device_reset("force");
}

static void force_reset_and_wait(int fd)
{
	uint64_t resets = kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT);
	int64_t deadline = kt_deadline(WAIT_MS);

	assert_int_equal(kt_debugfs_write("force_recovery", "1"), 0);
	while (kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT) == resets && kt_now_ns() < deadline)
		usleep(10000);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT), resets + 1);
}

/*
 * A job on the hardware through one device reset after another is taken
 * for their cause: after SINAN_JOB_MAX_RESETS replays it fails with -EIO
 * and its queue is banned; other queues carry on.
 */
static void test_repeat_offender(void **state)
{
	int fd = kt_open();
	uint32_t q = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 60000);
	struct kt_buf flag;
	struct kt_cmd cmd;
	uint64_t seq;
	int32_t st;

	(void)state;
	kt_buf_new(fd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
	memset(flag.map, 0, 4096);
	kt_cmd_new(fd, &cmd, 4096);
	/* Count its runs in word 1, then block on word 0. */
	kt_cmd_signal_add(&cmd, flag.va + 8, 1);
	kt_cmd_wait(&cmd, flag.va, 1);
	seq = kt_submit(fd, q, &cmd);
	for (int i = 1; i <= 3; i++) {
		/* On the hardware (its i-th run) before the device goes down. */
		kt_wait_count((uint64_t *)flag.map + 1, i, WAIT_MS);
		force_reset_and_wait(fd);
		if (i < 3)
			assert_int_equal(kt_try_wait(fd, DRM_SINAN_WAIT_SEQ, q, seq, kt_deadline(20),
						     &st), -ETIME);
	}
	assert_int_equal(kt_wait(fd, q, seq, WAIT_MS), -EIO);
	expect_banned(fd, q, DRM_SINAN_QUEUE_ERR_ABORTED);
	kt_device_works(fd);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &flag);
	close(fd);
}

/*
 * The heartbeat watchdog: the firmware is told (mailbox) to beat once per
 * 10 s, which the driver must take for a stall and answer with a device
 * reset; the rebooted firmware beats normally again.
 */
static void test_heartbeat_stall(void **state)
{
	int fd = kt_open();
	uint64_t resets = kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT);
	char cmd[64], line[128] = "";
	int64_t deadline;
	FILE *f;

	(void)state;
	assert_true(kt_debugfs_dir()[0]);
	snprintf(cmd, sizeof(cmd), "%d 10000000", SINAN_MBOX_CMD_SET_HB_PERIOD);
	assert_int_equal(kt_debugfs_write("mbox", cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/mbox", kt_debugfs_dir());
	f = fopen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(line[0], '0');	/* the firmware took the command */

	deadline = kt_deadline(WAIT_MS);
	while (kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT) == resets && kt_now_ns() < deadline)
		usleep(10000);
	assert_int_equal(kt_param(fd, DRM_SINAN_PARAM_RESET_COUNT), resets + 1);
	assert_int_equal(kt_sh("dmesg | grep -q 'resetting the device: firmware heartbeat stalled'"),
			 0);
	kt_device_works(fd);
	close(fd);
}

/*
 * A process exits with a hung job in flight and another queued behind it:
 * closing its file waits for the timeout to end the job (no deadlock
 * between the context's destruction and the timeout handler), and the
 * device serves the others meanwhile and afterwards.
 */
static void test_exit_with_hung_job(void **state)
{
	int fd = kt_open(), status;
	uint32_t other = kt_queue_create(fd, DRM_SINAN_ENGINE_COMPUTE, 0);
	struct kt_cmd nop;
	pid_t pid;

	(void)state;
	kt_cmd_new(fd, &nop, 4096);
	kt_cmd_nop(&nop);
	pid = kt_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd = kt_open();
		uint32_t q = kt_queue_create(cfd, DRM_SINAN_ENGINE_COMPUTE, HANG_MS);
		struct kt_buf flag;
		struct kt_cmd cmd;

		kt_buf_new(cfd, &flag, 4096, DRM_SINAN_BO_PLACEMENT_HOST);
		memset(flag.map, 0, 4096);
		kt_cmd_new(cfd, &cmd, 4096);
		kt_cmd_signal_add(&cmd, flag.va + 8, 1);
		kt_cmd_wait(&cmd, flag.va, 1);
		kt_submit(cfd, q, &cmd);
		kt_submit(cfd, q, &cmd);
		kt_wait_count((uint64_t *)flag.map + 1, 1, WAIT_MS);
		_exit(0);	/* with everything open and in flight */
	}
	/* The others keep working while the child's job hangs. */
	assert_int_equal(kt_wait(fd, other, kt_submit(fd, other, &nop), WAIT_MS), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(kt_wait(fd, other, kt_submit(fd, other, &nop), WAIT_MS), 0);
	kt_device_works(fd);
	kt_cmd_free(fd, &nop);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hang_timeout),
		cmocka_unit_test(test_inject_hang),
		cmocka_unit_test(test_inject_dma),
		cmocka_unit_test(test_inject_ecc),
		cmocka_unit_test(test_inject_mmu),
		cmocka_unit_test(test_inject_illegal),
		cmocka_unit_test(test_fw_crash),
		cmocka_unit_test(test_force_recovery),
		cmocka_unit_test(test_repeat_offender),
		cmocka_unit_test(test_heartbeat_stall),
		cmocka_unit_test(test_exit_with_hung_job),
	};

	return cmocka_run_group_tests_name("kernel-recovery", tests, NULL, NULL);
}

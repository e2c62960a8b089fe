// SPDX-License-Identifier: MIT
/*
 * Guest tests of the Sinan driver: buffer objects, mappings and execution.
 * Runs in the emulated machine (tools/sinan-vm) against sinan.ko.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ktest.h"

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
	assert_int_equal(kt_wait(fd, q, seq, 10000), 0);

	/* Through the device BO's own CPU mapping (BAR 4) and the round trip. */
	assert_true(kt_pattern_check(dev.map, dev.size, 1));
	assert_true(kt_pattern_check(dst.map, dst.size, 1));

	kt_queue_destroy(fd, q);
	kt_cmd_free(fd, &cmd);
	kt_buf_free(fd, &dst);
	kt_buf_free(fd, &dev);
	kt_buf_free(fd, &src);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_host_device_host),
	};

	return cmocka_run_group_tests_name("kernel-exec", tests, NULL, NULL);
}

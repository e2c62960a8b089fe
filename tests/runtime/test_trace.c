// SPDX-License-Identifier: MIT
/*
 * Profiling: SINAN_TRACE=file.json writes one Chrome/Perfetto trace with
 * the host's API calls and the device's jobs (device timestamps, cycles).
 * The trace is opened once per process, so the traced work runs in a child.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_common.h"

static int traced_child(void)
{
	sinan_buffer_t h, d;
	sinan_queue_t q;
	sinan_cmdbuf_t cb;

	if (sinan_device_open(NULL, &rt_dev) || sinan_buffer_create(rt_dev, 1 << 20, SINAN_MEM_HOST, 0, &h) ||
	    sinan_buffer_create(rt_dev, 1 << 20, SINAN_MEM_DEVICE, 0, &d) || sinan_queue_create(rt_dev, NULL, &q))
		return 1;
	if (sinan_queue_copy(q, d, 0, h, 0, 1 << 20) || sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE))
		return 2;
	if (sinan_cmdbuf_create(rt_dev, &cb) || sinan_cmdbuf_copy(cb, h, 0, d, 0, 1 << 20) || sinan_cmdbuf_end(cb) ||
	    sinan_queue_exec(q, cb) || sinan_queue_exec(q, cb) || sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE))
		return 3;
	sinan_cmdbuf_destroy(cb);
	sinan_queue_destroy(q);
	sinan_buffer_destroy(d);
	sinan_buffer_destroy(h);
	return sinan_device_close(rt_dev) ? 4 : 0;
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_trace_file(void **state)
{
	char path[] = "/tmp/sinan-trace-XXXXXX";
	char *text;
	int fd, status, depth = 0;
	long n;
	pid_t pid;
	FILE *f;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("SINAN_TRACE", path, 1);
		exit(traced_child());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	/* A JSON array of objects, properly closed. */
	assert_int_equal(text[0], '[');
	for (long i = 0; i < n; i++) {
		depth += text[i] == '{' || text[i] == '[';
		depth -= text[i] == '}' || text[i] == ']';
		assert_true(depth >= 0);
	}
	assert_int_equal(depth, 0);
	/* Host calls, one event each, on the host process. */
	assert_true(count(text, "\"name\":\"sinan_queue_copy\",\"cat\":\"api\"") == 1);
	assert_true(count(text, "\"name\":\"sinan_queue_exec\",\"cat\":\"api\"") == 2);
	assert_true(count(text, "\"name\":\"sinan_device_open\"") == 1);
	/* Device jobs: the copy job and two replays, with their cycles. */
	assert_int_equal(count(text, "\"cat\":\"job\""), 3);
	assert_int_equal(count(text, "\"name\":\"copy\",\"cat\":\"job\""), 3);
	assert_true(count(text, "\"cycles\":") == 3);
	assert_null(strstr(text, "\"cycles\":0,"));
	assert_non_null(strstr(text, "\"process_name\""));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_file),
	};

	if (!getenv("SINAN_BACKEND"))
		setenv("SINAN_BACKEND", access("/sys/module/sinan", F_OK) == 0 ? "drm" : "sim", 1);
	return cmocka_run_group_tests_name("runtime-trace", tests, NULL, NULL);
}

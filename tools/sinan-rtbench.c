// SPDX-License-Identifier: MIT
/*
 * sinan-rtbench: what the runtime costs on the host, per operation.
 *
 *   sinan-rtbench [-n N]
 *
 * Host wall time per buffer allocation (driver) and per pool allocation,
 * per submitted job and per replayed command buffer (submission only, and
 * round trip), and the device's modeled copy bandwidth. Use SINAN_BACKEND
 * to pick the backend. Figures, not assertions: tests do not time anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sinan/sinan.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHECK(x)									\
	do {										\
		sinan_status s_ = (x);							\
		if (s_) {								\
			fprintf(stderr, "%s: %s: %s\n", #x, sinan_strerror(s_), sinan_last_error_message()); \
			exit(1);							\
		}									\
	} while (0)

int main(int argc, char **argv)
{
	struct sinan_pool_options po = { .size = sizeof(po), .placement = SINAN_MEM_DEVICE };
	struct sinan_device_props p = { .size = sizeof(p) };
	sinan_buffer_t h, d, b, big_h, big_d;
	sinan_event_t e0, e1;
	sinan_cmdbuf_t cb;
	sinan_device_t dev;
	sinan_queue_t q;
	sinan_pool_t pool;
	uint64_t ns, cyc;
	int n = 1000, c;
	double t;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n = atoi(optarg);
	CHECK(sinan_device_open(NULL, &dev));
	CHECK(sinan_device_get_props(dev, &p));
	printf("sinan-rtbench: %s backend (%s), %d iterations\n", p.backend, p.node, n);

	t = now();
	for (int i = 0; i < n; i++) {
		CHECK(sinan_buffer_create(dev, 64 << 10, SINAN_MEM_DEVICE, 0, &b));
		CHECK(sinan_buffer_destroy(b));
	}
	printf("  buffer create+destroy (64 KiB, driver)  %8.2f us\n", (now() - t) / n * 1e6);

	CHECK(sinan_pool_create(dev, &po, &pool));
	CHECK(sinan_pool_alloc(pool, 64 << 10, &b));
	CHECK(sinan_buffer_destroy(b));
	t = now();
	for (int i = 0; i < n; i++) {
		CHECK(sinan_pool_alloc(pool, 64 << 10, &b));
		CHECK(sinan_buffer_destroy(b));
	}
	printf("  pool alloc+destroy (64 KiB, cached)     %8.2f us\n", (now() - t) / n * 1e6);
	CHECK(sinan_pool_destroy(pool));

	CHECK(sinan_buffer_create(dev, 4096, SINAN_MEM_HOST, 0, &h));
	CHECK(sinan_buffer_create(dev, 4096, SINAN_MEM_DEVICE, 0, &d));
	CHECK(sinan_queue_create(dev, NULL, &q));
	CHECK(sinan_queue_copy(q, d, 0, h, 0, 256));
	CHECK(sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE));
	t = now();
	for (int i = 0; i < n; i++) {
		CHECK(sinan_queue_copy(q, d, 0, h, 0, 256));
		CHECK(sinan_queue_submit(q));
	}
	printf("  record + submit one small job            %8.2f us\n", (now() - t) / n * 1e6);
	CHECK(sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE));
	t = now();
	for (int i = 0; i < n; i++) {
		CHECK(sinan_queue_copy(q, d, 0, h, 0, 256));
		CHECK(sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE));
	}
	printf("  small job round trip (submit + wait)    %8.2f us\n", (now() - t) / n * 1e6);

	CHECK(sinan_cmdbuf_create(dev, &cb));
	for (int i = 0; i < 16; i++)
		CHECK(sinan_cmdbuf_copy(cb, d, 0, h, 0, 256));
	CHECK(sinan_cmdbuf_end(cb));
	t = now();
	for (int i = 0; i < n; i++)
		CHECK(sinan_queue_exec(q, cb));
	printf("  command buffer replay (16 packets)       %8.2f us\n", (now() - t) / n * 1e6);
	CHECK(sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE));
	t = now();
	for (int i = 0; i < n; i++) {
		CHECK(sinan_queue_exec(q, cb));
		CHECK(sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE));
	}
	printf("  command buffer replay round trip        %8.2f us\n", (now() - t) / n * 1e6);

	CHECK(sinan_buffer_create(dev, 64 << 20, SINAN_MEM_HOST, 0, &big_h));
	CHECK(sinan_buffer_create(dev, 64 << 20, SINAN_MEM_DEVICE, 0, &big_d));
	CHECK(sinan_event_create(dev, &e0));
	CHECK(sinan_event_create(dev, &e1));
	CHECK(sinan_queue_timestamp(q, e0));
	CHECK(sinan_queue_copy(q, big_d, 0, big_h, 0, 64 << 20));
	CHECK(sinan_queue_timestamp(q, e1));
	t = now();
	CHECK(sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE));
	t = now() - t;
	CHECK(sinan_event_elapsed(e0, e1, &ns, &cyc));
	printf("  64 MiB host->device: %llu cycles, %.1f GB/s device time; %.1f ms host time\n",
	       (unsigned long long)cyc, (64 << 20) / (double)ns, t * 1e3);
	sinan_device_close(dev);
	return 0;
}

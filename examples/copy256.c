// SPDX-License-Identifier: MIT
/*
 * copy256: copy 256 MiB host -> device -> host and check every byte.
 *
 * Built like any program using libsinan:
 *   cc -o copy256 copy256.c $(pkg-config --cflags --libs sinan)
 * Runs on the driver (default) or the simulator (SINAN_BACKEND=sim). When
 * the device cannot be opened it prints why (sinan_device_diagnose()).
 * Exit status 0 when the bytes come back unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan.h>

#define MIB		(1024ULL * 1024ULL)
#define SECONDS		1000000000ULL

static int fail(const char *what, sinan_status st)
{
	fprintf(stderr, "copy256: %s: %s: %s\n", what, sinan_strerror(st), sinan_last_error_message());
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t bytes = 256 * MIB, ns = 0, cycles = 0;
	sinan_buffer_t src, dst, dev;
	sinan_event_t t0, t1, t2;
	sinan_device_t d;
	sinan_queue_t q;
	uint64_t *s, *o, x = 0x9e3779b97f4a7c15ULL;
	sinan_status st;

	if (argc > 1)
		bytes = strtoull(argv[1], NULL, 0) * MIB;
	st = sinan_device_open(NULL, &d);
	if (st) {
		struct sinan_diagnosis diag = { .size = sizeof(diag) };

		fail("open", st);
		if (!sinan_device_diagnose(NULL, &diag))
			fprintf(stderr, "diagnosis: %s\nwhat to do: %s\n", diag.message, diag.hint);
		return 1;
	}
	if ((st = sinan_buffer_create(d, bytes, SINAN_MEM_HOST, 0, &src)) ||
	    (st = sinan_buffer_create(d, bytes, SINAN_MEM_HOST, 0, &dst)) ||
	    (st = sinan_buffer_create(d, bytes, SINAN_MEM_DEVICE, 0, &dev)))
		return fail("allocate", st);
	if ((st = sinan_buffer_map(src, (void **)&s)) || (st = sinan_buffer_map(dst, (void **)&o)))
		return fail("map", st);
	for (uint64_t i = 0; i < bytes / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s[i] = x;
	}
	memset(o, 0, bytes);
	if ((st = sinan_queue_create(d, NULL, &q)) || (st = sinan_event_create(d, &t0)) ||
	    (st = sinan_event_create(d, &t1)) || (st = sinan_event_create(d, &t2)))
		return fail("queue", st);
	if ((st = sinan_queue_timestamp(q, t0)) || (st = sinan_queue_copy(q, dev, 0, src, 0, bytes)) ||
	    (st = sinan_queue_timestamp(q, t1)) || (st = sinan_queue_copy(q, dst, 0, dev, 0, bytes)) ||
	    (st = sinan_queue_timestamp(q, t2)))
		return fail("record", st);
	if ((st = sinan_queue_finish(q, 300 * SECONDS)))
		return fail("run", st);
	if (memcmp(s, o, bytes)) {
		for (uint64_t i = 0; i < bytes / 8; i++) {
			if (s[i] != o[i]) {
				fprintf(stderr, "copy256: FAILED: first difference at byte %llu\n",
					(unsigned long long)(i * 8));
				break;
			}
		}
		return 1;
	}
	if (!sinan_event_elapsed(t0, t1, &ns, &cycles))
		printf("host->device: %llu cycles, %.3f ms device time, %.1f GB/s\n", (unsigned long long)cycles,
		       ns / 1e6, ns ? (double)bytes / ns : 0.0);
	if (!sinan_event_elapsed(t1, t2, &ns, &cycles))
		printf("device->host: %llu cycles, %.3f ms device time, %.1f GB/s\n", (unsigned long long)cycles,
		       ns / 1e6, ns ? (double)bytes / ns : 0.0);
	printf("copy256: OK: %llu MiB host->device->host, every byte back unchanged\n",
	       (unsigned long long)(bytes / MIB));
	sinan_event_destroy(t2);
	sinan_event_destroy(t1);
	sinan_event_destroy(t0);
	sinan_queue_destroy(q);
	sinan_buffer_destroy(dev);
	sinan_buffer_destroy(dst);
	sinan_buffer_destroy(src);
	sinan_device_close(d);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * libsinan profiling: SINAN_TRACE=file.json writes a Chrome/Perfetto trace
 * (JSON array format; open it in ui.perfetto.dev or chrome://tracing).
 *
 *   process 1 "host"    one track per thread: every public API call
 *   process 2+ "device" one track per queue: every job, from the device
 *                       timestamps taken at its start and end (modeled
 *                       cycles on the simulator), with its cycle count
 *
 * Device time is put on the host timeline with the pair (host time, device
 * timestamp) sampled when the device was opened. On the simulator the device
 * runs on a virtual clock, so device jobs show modeled time, not wall time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sinan_int.h"

static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *trace_file;
static bool trace_first = true;
static uint64_t trace_t0;
static unsigned int trace_devices;

static void trace_close(void)
{
	pthread_mutex_lock(&trace_lock);
	if (trace_file) {
		fputs("\n]\n", trace_file);
		fclose(trace_file);
		trace_file = NULL;
	}
	pthread_mutex_unlock(&trace_lock);
}

static void trace_open_once(void)
{
	const char *path = getenv("SINAN_TRACE");

	if (!path || !*path)
		return;
	trace_file = fopen(path, "we");
	if (!trace_file) {
		fprintf(stderr, "sinan: SINAN_TRACE=%s: cannot create the file\n", path);
		return;
	}
	trace_t0 = sinan_now_ns();
	fputs("[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"host (libsinan calls)\"}}",
	      trace_file);
	trace_first = false;
	atexit(trace_close);
}

bool sinan_trace_on(void)
{
	pthread_once(&trace_once, trace_open_once);
	return trace_file != NULL;
}

static void sep(void)
{
	if (!trace_first)
		fputs(",\n", trace_file);
	trace_first = false;
}

void sinan_trace_host(const char *name, uint64_t t0, uint64_t t1)
{
	pthread_mutex_lock(&trace_lock);
	if (trace_file) {
		sep();
		fprintf(trace_file, "{\"name\":\"%s\",\"cat\":\"api\",\"ph\":\"X\",\"pid\":1,\"tid\":%ld,"
			"\"ts\":%.3f,\"dur\":%.3f}", name, (long)syscall(SYS_gettid),
			(double)(t0 - trace_t0) / 1000.0, (double)(t1 - t0) / 1000.0);
	}
	pthread_mutex_unlock(&trace_lock);
}

/* Name the device's process and its queue tracks once. */
static unsigned int device_pid(struct sinan_device *dev)
{
	static struct sinan_device *known[64];
	unsigned int i;

	for (i = 0; i < trace_devices; i++)
		if (known[i] == dev)
			return 2 + i;
	if (trace_devices == ARRAY_SIZE(known))
		return 2 + ARRAY_SIZE(known) - 1;
	known[trace_devices] = dev;
	sep();
	fprintf(trace_file, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,\"args\":{\"name\":\"device %s (%s)\"}}",
		2 + trace_devices, dev->props.node, dev->props.backend);
	return 2 + trace_devices++;
}

void sinan_trace_device(struct sinan_device *dev, uint32_t queue, uint64_t seq, const char *name,
			uint64_t start_cycles, uint64_t end_cycles, sinan_status st)
{
	uint32_t mhz = dev->props.clock_mhz ? dev->props.clock_mhz : 1000;
	double ts, dur;
	unsigned int pid;

	if (end_cycles < start_cycles)
		end_cycles = start_cycles;
	ts = (double)dev->ts_host_ns + ((double)start_cycles - (double)dev->ts_dev_cycles) * 1000.0 / mhz;
	dur = (double)(end_cycles - start_cycles) * 1000.0 / mhz;
	pthread_mutex_lock(&trace_lock);
	if (trace_file) {
		pid = device_pid(dev);
		sep();
		fprintf(trace_file, "{\"name\":\"%s\",\"cat\":\"job\",\"ph\":\"X\",\"pid\":%u,\"tid\":%u,"
			"\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"queue\":%u,\"seq\":%llu,\"cycles\":%llu,"
			"\"start_cycles\":%llu,\"status\":\"%s\"}}",
			name ? name : "job", pid, queue, (ts - (double)trace_t0) / 1000.0, dur / 1000.0, queue,
			(unsigned long long)seq, (unsigned long long)(end_cycles - start_cycles),
			(unsigned long long)start_cycles, sinan_strerror(st));
	}
	pthread_mutex_unlock(&trace_lock);
}

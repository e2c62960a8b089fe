// SPDX-License-Identifier: MIT
/*
 * sinan-bench: Sinan's benchmarks (make bench, bench/run-bench.sh). Each
 * figure is printed as one JSON object per line on stdout:
 *
 *   {"id": "B1.gemm.2048x2048x2048.fp16", "value": 0.89, "target": 0.90,
 *    "better": "higher", "unit": "ratio", ...details}
 *
 * value is null when the figure could not be measured; "note" then says why.
 * Progress goes to stderr.
 *
 *   sinan-bench b1 [--max-gmac N]     compiler quality on the sim (modeled cycles)
 *   sinan-bench b2 [--max-gmac N]     simulator speed against OpenBLAS sgemm, one thread each
 *   sinan-bench b1b2 [--max-gmac N]   both from the same GEMM runs
 *   sinan-bench b3 [--nvme DEV]       submission path (run in the emulated machine, drm backend)
 *   sinan-bench b4 MODEL.onnx INPUT.bin --name NAME [--shapes S] [--precision P] [--ort-ms MS]
 *                                     latency of a model on the sim against ONNX Runtime's
 *   sinan-bench b5                    runtime overhead per op and per command buffer replay
 *
 * Every figure is a ratio of two things measured in the same run, or a
 * modeled (deterministic) quantity, so a noisy machine moves it little.
 * The chip's figures (cores, MACs per cycle, bandwidth, clock) are read
 * from the device, never assumed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sinan/sinan.h>
#include <sinan/sinan_graph.h>
#include <sinan/sinan_model.h>

#include "bench.h"

/* ---- output --------------------------------------------------------------------------------------- */

double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* JSON string contents: quotes, backslashes and control characters escaped. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.12g", v);
}

void emit(const struct rec *r)
{
	FILE *f = stdout;

	fputs("{\"id\": ", f);
	json_str(f, r->id);
	fputs(", \"value\": ", f);
	json_num(f, r->value);
	fputs(", \"target\": ", f);
	json_num(f, r->target);
	fputs(", \"better\": ", f);
	json_str(f, r->better ? r->better : "higher");
	fputs(", \"unit\": ", f);
	json_str(f, r->unit ? r->unit : "ratio");
	if (r->note[0]) {
		fputs(", \"note\": ", f);
		json_str(f, r->note);
	}
	for (int i = 0; i < r->nextra; i++) {
		fputs(", ", f);
		json_str(f, r->extra[i].key);
		fputs(": ", f);
		if (r->extra[i].str)
			json_str(f, r->extra[i].str);
		else
			json_num(f, r->extra[i].num);
	}
	fputs("}\n", f);
	fflush(f);
}

void rec_num(struct rec *r, const char *key, double v)
{
	if (r->nextra < REC_MAX_EXTRA)
		r->extra[r->nextra++] = (struct rec_extra){ .key = key, .num = v };
}

void rec_str(struct rec *r, const char *key, const char *s)
{
	if (r->nextra < REC_MAX_EXTRA)
		r->extra[r->nextra++] = (struct rec_extra){ .key = key, .str = s };
}

void rec_note(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(r->note);

	va_start(ap, fmt);
	vsnprintf(r->note + n, sizeof(r->note) - n, fmt, ap);
	va_end(ap);
}

/* ---- device --------------------------------------------------------------------------------------- */

int open_device(const char *backend, const char *sim_options, sinan_device_t *dev, struct sinan_device_props *p)
{
	struct sinan_open_options o = { .size = sizeof(o), .backend = backend, .index = SINAN_NONE32,
					.sim_options = sim_options };

	if (sinan_device_open(&o, dev) != SINAN_OK) {
		struct sinan_diagnosis d = { .size = sizeof(d) };

		say("cannot open a device: %s", sinan_last_error_message());
		if (sinan_device_diagnose(&o, &d) == SINAN_OK)
			say("%s %s", d.message, d.hint);
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	if (sinan_device_get_props(*dev, p) != SINAN_OK) {
		say("device properties: %s", sinan_last_error_message());
		sinan_device_close(*dev);
		return -1;
	}
	return 0;
}

/* fp16 MACs per cycle of the whole chip, from the device's cube geometry. */
double chip_macs_per_cycle(const struct sinan_device_props *p)
{
	return (double)p->num_cores * p->cube_m * p->cube_n * p->cube_k;
}

/* ---- main ----------------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: sinan-bench b1|b2|b1b2 [--max-gmac N] [--only SHAPE,...|conv] [--sim OPTIONS] [--tag T]\n"
		   "       sinan-bench b3 [--nvme DEV] [--iters N]\n"
		   "       sinan-bench b4 MODEL.onnx INPUT.bin --name NAME [--shapes S] [--precision fp32|fp16]\n"
		   "                      [--ort-ms MS] [--min-time S]\n"
		   "       sinan-bench b5\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];

	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	argv[1] = argv[0];
	argc--;
	argv++;
	if (!strcmp(cmd, "b1"))
		return bench_gemm(argc, argv, true, false);
	if (!strcmp(cmd, "b2"))
		return bench_gemm(argc, argv, false, true);
	if (!strcmp(cmd, "b1b2"))
		return bench_gemm(argc, argv, true, true);
	if (!strcmp(cmd, "b3"))
		return bench_submit(argc, argv);
	if (!strcmp(cmd, "b4"))
		return bench_model(argc, argv);
	if (!strcmp(cmd, "b5"))
		return bench_overhead(argc, argv);
	usage(stderr);
	return 2;
}

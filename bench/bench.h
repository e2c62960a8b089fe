/* SPDX-License-Identifier: MIT */
/* sinan-bench: shared helpers (sinan-bench.c) and the benchmark parts. */
#ifndef SINAN_BENCH_H
#define SINAN_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <sinan/sinan.h>

#define REC_MAX_EXTRA	16

struct rec_extra {
	const char *key;
	const char *str;	/* NULL: num */
	double num;
};

/* One figure of results.json; value/target NAN print as null. */
struct rec {
	char id[128];
	double value, target;
	const char *better;	/* "higher" (default) or "lower" */
	const char *unit;	/* "ratio" (default) */
	char note[512];
	int nextra;
	struct rec_extra extra[REC_MAX_EXTRA];
};

double now(void);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void emit(const struct rec *r);
void rec_num(struct rec *r, const char *key, double v);
void rec_str(struct rec *r, const char *key, const char *s);
void rec_note(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int open_device(const char *backend, const char *sim_options, sinan_device_t *dev, struct sinan_device_props *p);
double chip_macs_per_cycle(const struct sinan_device_props *p);

int bench_gemm(int argc, char **argv, bool b1, bool b2);
int bench_submit(int argc, char **argv);
int bench_model(int argc, char **argv);
int bench_overhead(int argc, char **argv);

#endif

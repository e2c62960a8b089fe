/* SPDX-License-Identifier: MIT */
/* Helpers shared by the compiler's cmocka tests. */
#ifndef SINAN_CC_TEST_H
#define SINAN_CC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cc_int.h"

/* Deterministic PRNG (xorshift64*), seeded per test. */
uint64_t t_rand(void);
void t_seed(uint64_t s);
/* Uniform in [lo, hi). */
double t_uniform(double lo, double hi);
int t_int(int lo, int hi);	/* inclusive */
/* Fill @n floats in [-1, 1). */
void t_fill(float *p, size_t n);

/* Run the reference executor of @g (after cc_pass_infer_fold) on its inputs
 * (random data, in @in; allocated here) and return the outputs. */
int t_ref(struct cc_graph *g, struct cc_view *in, struct cc_view *out);
/* Random inputs for every graph input: floats in [-2, 2), int8/uint8 over their whole
 * range, other integers in [0, 3]. */
void t_inputs(struct cc_graph *g, struct cc_view *in);
void t_free_views(struct cc_view *v, int n);
/* Max |a - b| / (atol + rtol * |b|) over two views of the same shape (<= 1 passes). */
double t_err(const struct cc_view *a, const struct cc_view *b, double rtol, double atol);

/* ---- device harness (cc_dev.c) ---- */
#include <sinan/sinan_graph.h>

typedef sinan_graph_t (*t_build_fn)(const void *args);
int t_dev_setup(void **state);	/* opens the device ($SINAN_BACKEND, default sim) */
int t_dev_teardown(void **state);
/* A constant of random values in [-1, 1) from @seed. */
sinan_tensor_t t_const_rand(sinan_graph_t g, int type, int rank, const int64_t *dims, uint64_t seed);
/* build(args) twice: the reference executor runs one (unfused), the device
 * the other (compiled with @precision); random inputs from @seed; fails the
 * test naming @what when an output is off by more than atol + rtol * |ref|. */
void t_check_prec(t_build_fn build, const void *args, const char *what, uint64_t seed, int precision, double rtol,
		  double atol);
/* int8 compiles use this calibration file (NULL: none) */
extern const char *t_calibration;
/* when set, the compiled model must contain an op of this type ("domain:Op" for Sinan ops) */
extern const char *t_expect_op;
/* ... and when set, exactly this many of them */
extern int t_expect_count;
/* when set, compile for this target instead of the device's (smaller buffers, other balance) */
struct cc_target;
extern const struct cc_target *t_target;
/* when set, the compiled model must use kernel scratch (split-K partial sums, say) */
extern bool t_expect_scratch;
void t_check(t_build_fn build, const void *args, const char *what, uint64_t seed, double rtol, double atol);

#endif

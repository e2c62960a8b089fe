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
/* Random inputs for every graph input. */
void t_inputs(struct cc_graph *g, struct cc_view *in);
void t_free_views(struct cc_view *v, int n);
/* Max |a - b| / (atol + rtol * |b|) over two views of the same shape (<= 1 passes). */
double t_err(const struct cc_view *a, const struct cc_view *b, double rtol, double atol);

#endif

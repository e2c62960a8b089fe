// SPDX-License-Identifier: MIT
#include "cc_test.h"

#include <math.h>
#include <stdlib.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

void t_seed(uint64_t s)
{
	state = s ? s : 1;
}

uint64_t t_rand(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

double t_uniform(double lo, double hi)
{
	return lo + (hi - lo) * ((double)(t_rand() >> 11) / 9007199254740992.0);
}

int t_int(int lo, int hi)
{
	return lo + (int)(t_rand() % (uint64_t)(hi - lo + 1));
}

void t_fill(float *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (float)t_uniform(-1, 1);
}

void t_inputs(struct cc_graph *g, struct cc_view *in)
{
	for (int i = 0; i < g->ninputs; i++) {
		cc_view_of(&in[i], g->inputs[i]);
		uint64_t n = cc_view_elems(&in[i]);
		in[i].data = malloc(n * cc_dtype_size(in[i].dtype) + 1);
		assert_non_null(in[i].data);
		for (uint64_t j = 0; j < n; j++) {
			if (cc_dtype_is_float(in[i].dtype))
				cc_st(in[i].dtype, in[i].data, j, t_uniform(-2, 2));
			else if (in[i].dtype == SINAN_TYPE_INT8)	/* quantized data: the whole range */
				cc_sti(in[i].dtype, in[i].data, j, t_int(-128, 127));
			else if (in[i].dtype == SINAN_TYPE_UINT8)
				cc_sti(in[i].dtype, in[i].data, j, t_int(0, 255));
			else
				cc_sti(in[i].dtype, in[i].data, j, t_int(0, 3));
		}
	}
}

void t_free_views(struct cc_view *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].data);
		v[i].data = NULL;
	}
}

int t_ref(struct cc_graph *g, struct cc_view *in, struct cc_view *out)
{
	return cc_ref_run(g, in, out);
}

double t_err(const struct cc_view *a, const struct cc_view *b, double rtol, double atol)
{
	double worst = 0;
	uint64_t n = cc_view_elems(b);

	assert_int_equal(a->rank, b->rank);
	for (int i = 0; i < a->rank; i++)
		assert_int_equal(a->dims[i], b->dims[i]);
	for (uint64_t i = 0; i < n; i++) {
		double x = cc_ld(a->dtype, a->data, i), y = cc_ld(b->dtype, b->data, i);
		if (isnan(x) || isnan(y)) {
			if (isnan(x) != isnan(y))
				return INFINITY;
			continue;
		}
		double e = fabs(x - y) / (atol + rtol * fabs(y));
		if (e > worst)
			worst = e;
	}
	return worst;
}

// SPDX-License-Identifier: MIT
/*
 * Device harness of the kernel tests: build a graph twice, run one copy on
 * the reference executor (unfused) and compile + run the other on the device
 * ($SINAN_BACKEND, the simulator by default), compare.
 */
#include "cc_test.h"
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>

static sinan_device_t dev;
const char *t_calibration;
const char *t_expect_op;
int t_expect_count;
const struct cc_target *t_target;
bool t_expect_scratch;

int t_dev_setup(void **state)
{
	(void)state;
	if (!getenv("SINAN_BACKEND"))
		setenv("SINAN_BACKEND", "sim", 1);
	if (sinan_device_open(NULL, &dev) != SINAN_OK) {
		print_error("cannot open the device: %s\n", sinan_last_error_message());
		return -1;
	}
	return 0;
}

int t_dev_teardown(void **state)
{
	(void)state;
	sinan_device_close(dev);
	return 0;
}

sinan_tensor_t t_const_rand(sinan_graph_t g, int type, int rank, const int64_t *dims, uint64_t seed)
{
	uint64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= (uint64_t)dims[i];
	void *d = malloc(n * sinan_type_size(type) + 8);
	assert_non_null(d);
	t_seed(seed);
	for (uint64_t i = 0; i < n; i++)
		cc_st(type, d, i, t_uniform(-1, 1));
	sinan_tensor_t t = sinan_graph_constant(g, NULL, type, rank, dims, d);
	free(d);
	return t;
}

/* Compile + run @g on the device with @in; outputs into @out (allocated). */
static void run_dev(const char *what, sinan_graph_t g, int precision, struct cc_view *in, struct cc_view *out, int nin, int nout)
{
	struct sinan_model_options opt = { .size = sizeof(opt), .precision = (enum sinan_precision)precision,
					   .calibration = t_calibration };
	void *img = NULL;
	size_t isz = 0;
	sinan_model_t m = NULL;

	if (t_target) {	/* another target than the device (which must be at least as big) */
		struct cc_copts co = { .precision = precision, .calibration = t_calibration };
		if (cc_compile_image(g, t_target, &co, &img, &isz))
			fail_msg("%s: compile: %s", what, sinan_graph_error(g));
	} else if (sinan_model_compile(g, dev, &opt, &img, &isz) != SINAN_OK) {
		fail_msg("%s: compile: %s", what, sinan_last_error_message());
	}
	if (sinan_model_load(dev, img, isz, &m) != SINAN_OK)
		fail_msg("%s: load: %s", what, sinan_last_error_message());
	sinan_free(img);
	struct sinan_model_io mi[8], mo[8];
	for (int i = 0; i < nin; i++)
		mi[i] = (struct sinan_model_io){ NULL, in[i].data, cc_view_elems(&in[i]) * cc_dtype_size(in[i].dtype) };
	for (int i = 0; i < nout; i++) {
		size_t b = out[i].dtype ? cc_view_elems(&out[i]) * cc_dtype_size(out[i].dtype) : 0;
		out[i].data = calloc(1, b + 8);
		mo[i] = (struct sinan_model_io){ NULL, out[i].data, b };
	}
	if (sinan_model_run(m, (uint32_t)nin, mi, (uint32_t)nout, mo) != SINAN_OK)
		fail_msg("%s: run: %s", what, sinan_last_error_message());
	if (t_expect_scratch) {
		struct sinan_model_info inf = { .size = sizeof(inf) };
		if (sinan_model_get_info(m, &inf) != SINAN_OK || !inf.scratch_bytes)
			fail_msg("%s: the model uses no kernel scratch", what);
	}
	if (t_expect_op) {
		int found = 0;
		struct sinan_model_op_stats st = { .size = sizeof(st) };
		for (uint32_t i = 0; sinan_model_get_op_stats(m, i, &st) == SINAN_OK; i++)
			found += !strcmp(st.op, t_expect_op);
		if (!found)
			fail_msg("%s: no %s op in the compiled model", what, t_expect_op);
		if (t_expect_count && found != t_expect_count)
			fail_msg("%s: %d %s ops in the compiled model, %d expected", what, found, t_expect_op,
				 t_expect_count);
	}
	sinan_model_destroy(m);
}

void t_check_prec(t_build_fn build, const void *args, const char *what, uint64_t seed, int precision, double rtol,
		  double atol)
{
	sinan_graph_t gr = build(args), gd = build(args);
	struct cc_view in[8], ref[8], got[8];

	assert_non_null(gr);
	assert_non_null(gd);
	if (cc_pass_infer_fold(gr))
		fail_msg("%s: %s", what, sinan_graph_error(gr));
	assert_true(gr->ninputs <= 8 && gr->noutputs <= 8);
	t_seed(seed + 99);
	t_inputs(gr, in);
	if (cc_ref_run(gr, in, ref))
		fail_msg("%s: reference: %s", what, sinan_graph_error(gr));
	for (int i = 0; i < gr->noutputs; i++)
		cc_view_of(&got[i], gr->outputs[i]);
	run_dev(what, gd, precision, in, got, gr->ninputs, gr->noutputs);
	for (int i = 0; i < gr->noutputs; i++) {
		double e = t_err(&got[i], &ref[i], rtol, atol);
		if (e > 1) {
			char sa[64] = "", sb[64] = "";
			if (gr->ninputs > 0)
				cc_shape_str(gr->inputs[0], sa, sizeof(sa));
			if (gr->ninputs > 1)
				cc_shape_str(gr->inputs[1], sb, sizeof(sb));
			fail_msg("%s %s %s: output %d off by %.3g x tolerance", what, sa, sb, i, e);
		}
	}
	t_free_views(in, gr->ninputs);
	t_free_views(ref, gr->noutputs);
	t_free_views(got, gr->noutputs);
	sinan_graph_destroy(gr);
	sinan_graph_destroy(gd);
}

void t_check(t_build_fn build, const void *args, const char *what, uint64_t seed, double rtol, double atol)
{
	t_check_prec(build, args, what, seed, SINAN_PRECISION_FP32, rtol, atol);
}

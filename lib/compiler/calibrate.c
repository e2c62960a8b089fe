// SPDX-License-Identifier: MIT
/*
 * Calibration for precision mode int8: run the plain-C reference executor
 * over sample inputs and write each float activation's scale, in the
 * calibration-file format pass_int8.c reads ("name scale [zero_point]").
 *
 * The graph goes through the passes an int8 compile runs before pass_int8
 * (shape inference and folding with quantized weights kept, simplification,
 * fusion), so the file names exactly the tensors that pass looks up, and
 * the values are those of the model's float32 arithmetic.
 *
 * Scales are symmetric int8 (zero point 0), one per tensor:
 *   max:        scale = max|x| / 127 over every element of every run, so
 *               nothing saturates on the calibration data;
 *   percentile: scale = P-th percentile of |x| / 127 (outliers saturate,
 *               the rest gets finer steps), from a histogram of |x| with
 *               CAL_BINS bins over [0, R], R doubling (pairs of bins
 *               merged, exactly) when a larger value arrives: the threshold
 *               is the upper edge of the bin where the cumulative count
 *               reaches P %, at most max|x|; its error is one bin, under
 *               max|x| / (CAL_BINS / 2).
 * Non-finite values (masks of -inf, say) are left out of the statistics
 * and counted in a comment.
 */
#include "cg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sinan/sinan_model.h>
#include <runtime/sinan_int.h>

#define CAL_BINS	2048

struct tstat {
	double maxabs;
	double range;		/* histogram: [0, range) in CAL_BINS bins; 0 before the first non-zero value */
	uint64_t count, nonfinite;
	uint64_t *hist;		/* percentile method only */
	bool seen;
};

struct calib {
	struct cc_graph *g;
	struct tstat *st;	/* by tensor id */
	bool percentile;
};

static void hist_grow(struct tstat *s, double mx)
{
	while (s->range < mx) {
		for (int i = 0; i < CAL_BINS / 2; i++)
			s->hist[i] = s->hist[2 * i] + s->hist[2 * i + 1];
		memset(s->hist + CAL_BINS / 2, 0, sizeof(*s->hist) * (CAL_BINS / 2));
		s->range *= 2;
	}
}

static int observe(void *ctx, const struct cc_tensor *t, const struct cc_view *v)
{
	struct calib *c = ctx;
	struct tstat *s = &c->st[t->id];
	uint64_t n = cc_view_elems(v);
	const float *x = v->data;
	double mx = 0;

	if (t->kind == CC_T_CONST || v->dtype != SINAN_TYPE_FLOAT)
		return 0;
	s->seen = true;
	for (uint64_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			mx = fmax(mx, fabs(x[i]));
		else
			s->nonfinite++;
	s->maxabs = fmax(s->maxabs, mx);
	s->count += n;
	if (!c->percentile)
		return 0;
	if (!s->hist) {
		s->hist = calloc(CAL_BINS, sizeof(*s->hist));
		if (!s->hist)
			return cc_err(c->g, ENOMEM, "out of memory");
	}
	if (s->range == 0)
		s->range = mx;
	else
		hist_grow(s, mx);
	for (uint64_t i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			continue;
		double a = fabs(x[i]);
		int b = s->range > 0 ? (int)(a / s->range * CAL_BINS) : 0;
		s->hist[b < CAL_BINS ? b : CAL_BINS - 1]++;
	}
	return 0;
}

/* |x| below which @pct percent of the finite values lie (see the top of the file). */
static double threshold(const struct tstat *s, double pct)
{
	uint64_t finite = s->count - s->nonfinite, cum = 0;
	double want = pct / 100.0 * (double)finite;

	if (!s->hist || s->range == 0)
		return s->maxabs;
	for (int b = 0; b < CAL_BINS; b++) {
		cum += s->hist[b];
		if ((double)cum >= want)
			return fmin(s->maxabs, (b + 1) * s->range / CAL_BINS);
	}
	return s->maxabs;
}

static bool plain_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s == '#' || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
			return false;
	return true;
}

static int write_file(struct calib *c, const char *path, const struct sinan_calibration_options *o, uint32_t runs)
{
	struct cc_graph *g = c->g;
	FILE *f = fopen(path, "w");
	int written = 0;

	if (!f)
		return cc_err(g, EIO, "cannot write %s: %s", path, strerror(errno));
	fprintf(f, "# Sinan int8 calibration (sinan_graph_calibrate): name scale [zero_point]\n");
	if (c->percentile)
		fprintf(f, "# method: symmetric, scale = %.9g-th percentile of |x| / 127, over %u run%s\n",
			o->percentile, runs, runs == 1 ? "" : "s");
	else
		fprintf(f, "# method: symmetric, scale = max|x| / 127, over %u run%s\n", runs, runs == 1 ? "" : "s");
	for (int i = 0; i < g->ntensors; i++) {
		const struct tstat *s = &c->st[i];
		const struct cc_tensor *t = g->tensors[i];
		if (!s->seen)
			continue;
		if (!plain_name(t->name)) {
			fprintf(f, "# a tensor whose name has white space or '#' cannot be named here (left out)\n");
			continue;
		}
		if (s->nonfinite)
			fprintf(f, "# %s: %llu non-finite values left out\n", t->name, (unsigned long long)s->nonfinite);
		double th = c->percentile ? threshold(s, o->percentile) : s->maxabs;
		if (!(th > 0)) {
			fprintf(f, "# %s: always zero (no scale)\n", t->name);
			continue;
		}
		fprintf(f, "%s %.9g 0\t# max|x| %.9g\n", t->name, th / 127.0, s->maxabs);
		written++;
	}
	if (fclose(f))
		return cc_err(g, EIO, "cannot write %s: %s", path, strerror(errno));
	return written;
}

static int calibrate(struct cc_graph *g, uint32_t runs, uint32_t nin, const struct sinan_model_io *io,
		     const struct sinan_calibration_options *o, const char *path)
{
	struct calib c = { .g = g, .percentile = o->method == SINAN_CALIBRATION_PERCENTILE };
	struct cc_view *in = NULL, *out = NULL;
	int rc;

	g->keep_dq = true;	/* as an int8 compile: the names pass_int8 sees */
	rc = cc_pass_infer_fold(g);
	if (!rc)
		rc = cc_pass_simplify(g);
	if (!rc && !(o->flags & SINAN_MODEL_F_NO_FUSION))
		rc = cc_pass_fuse(g);
	g->keep_dq = false;
	if (rc)
		return rc;
	if (nin != (uint32_t)g->ninputs)
		return cc_err(g, EINVAL, "%u inputs per run for a graph with %d", nin, g->ninputs);
	c.st = calloc((size_t)g->ntensors, sizeof(*c.st));
	in = calloc((size_t)g->ninputs + 1, sizeof(*in));
	out = calloc((size_t)g->noutputs + 1, sizeof(*out));
	if (!c.st || !in || !out) {
		rc = cc_err(g, ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t r = 0; r < runs && !rc; r++) {
		const struct sinan_model_io *ri = io + (size_t)r * nin;
		for (int i = 0; i < g->ninputs && !rc; i++) {
			struct cc_tensor *t = g->inputs[i];
			uint32_t k = (uint32_t)i;
			if (ri[0].name)
				for (k = 0; k < nin && (!ri[k].name || strcmp(ri[k].name, t->name)); k++)
					;
			if (k == nin) {
				rc = cc_err(g, EINVAL, "run %u: no value for input '%s'", r, t->name);
				break;
			}
			if (!cc_shape_known(t)) {
				rc = cc_err(g, EINVAL, "input '%s' has symbolic dimensions: bind them first", t->name);
				break;
			}
			if (!ri[k].data || ri[k].bytes != cc_tensor_bytes(t)) {
				rc = cc_err(g, EINVAL, "run %u, input '%s': %zu bytes given, %llu expected", r, t->name,
					    ri[k].bytes, (unsigned long long)cc_tensor_bytes(t));
				break;
			}
			cc_view_of(&in[i], t);
			in[i].data = ri[k].data;
		}
		if (!rc)
			rc = cc_ref_run_observe(g, in, out, observe, &c);
		if (!rc)
			for (int i = 0; i < g->noutputs; i++) {
				free(out[i].data);
				out[i].data = NULL;
			}
	}
	if (!rc) {
		rc = write_file(&c, path, o, runs);
		if (rc > 0)
			rc = 0;
		else if (rc == 0)
			rc = cc_err(g, EINVAL, "no float activation to calibrate");
	}
out:
	if (c.st)
		for (int i = 0; i < g->ntensors; i++)
			free(c.st[i].hist);
	free(c.st);
	free(in);
	free(out);
	return rc;
}

SINAN_API sinan_status sinan_graph_calibrate(sinan_graph_t graph, uint32_t num_runs, uint32_t num_inputs,
					     const struct sinan_model_io *inputs,
					     const struct sinan_calibration_options *opts, const char *path)
{
	static const struct sinan_calibration_options def = { .size = sizeof(def) };
	API_ENTER();
	CHECK_ARG(graph && path && (inputs || !num_inputs), "graph, inputs or path is NULL");
	CHECK_ARG(num_runs > 0, "no run");
	CHECK_ARG(!opts || opts->size >= sizeof(*opts), "options size");
	if (!opts)
		opts = &def;
	CHECK_ARG(opts->method == SINAN_CALIBRATION_MAX || opts->method == SINAN_CALIBRATION_PERCENTILE,
		  "unknown calibration method %d", (int)opts->method);
	CHECK_ARG(opts->method != SINAN_CALIBRATION_PERCENTILE || (opts->percentile > 0 && opts->percentile <= 100),
		  "percentile %g is not in (0, 100]", opts->percentile);
	CHECK_ARG(!(opts->flags & ~SINAN_MODEL_F_NO_FUSION), "unknown flags 0x%x", opts->flags);
	CHECK_ARG(num_runs <= UINT32_MAX / (num_inputs ? num_inputs : 1), "too many runs");
	if (graph->err_code)	/* an earlier builder error */
		return sinan_error(cc_status(-graph->err_code), "%s", graph->err);
	int rc = calibrate(graph, num_runs, num_inputs, inputs, opts, path);
	if (rc)
		return sinan_error(cc_status(rc), "%s", graph->err);
	return SINAN_OK;
}

// SPDX-License-Identifier: MIT
/*
 * B1 (compiler quality) and B2 (simulator speed), on the sim backend.
 *
 * B1: each shape is compiled for the default chip as a one-node graph
 * (MatMul with its weights as a constant, or Conv with weights and bias),
 * run once on the simulator, and its modeled cycles (first kernel to end of
 * the last, from the device's timestamps) are compared with the ideal:
 *   GEMM/Conv  MACs / (cores * cube_m * cube_n * cube_k)  cycles
 *   GEMV       bytes that must cross device memory / device-memory bandwidth
 * with the chip's figures read from the device. Some outputs are checked
 * against a double-precision reference, so a fast wrong kernel does not score.
 *
 * B2: host seconds of the same GEMM runs (fp16, and again in fp32) against
 * OpenBLAS sgemm on the same shape in this process, both on one thread:
 * value = OpenBLAS seconds / simulator seconds = the simulator's flop rate
 * as a fraction of OpenBLAS's.
 */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan.h>
#include <sinan/sinan_graph.h>
#include <sinan/sinan_model.h>

#include "bench.h"

/* Host time of a small run is averaged over repeats of at least this long. */
#define MIN_TIME	0.5
#define CHECK_POINTS	24

struct gemm_shape {
	int64_t M, N, K;
	bool gemv;
	double target;		/* NAN: no target for this shape */
};

static const struct gemm_shape gemm_shapes[] = {
	{ 16, 4096, 4096, false, NAN },
	{ 1, 4096, 4096, true, 0.85 },
	{ 512, 512, 512, false, NAN },
	{ 1, 11008, 4096, true, 0.85 },
	{ 1024, 1024, 1024, false, NAN },
	{ 128, 4096, 4096, false, NAN },
	{ 2048, 2048, 2048, false, 0.90 },
	{ 4096, 4096, 4096, false, 0.90 },
	{ 4096, 11008, 4096, false, 0.90 },
	{ 8192, 8192, 8192, false, 0.90 },
};

struct conv_shape {
	const char *name;	/* ResNet-50 layer */
	int64_t cin, cout, hw, k, stride, pad;
};

static const struct conv_shape conv_shapes[] = {
	{ "3x3.64-64.56x56", 64, 64, 56, 3, 1, 1 },
	{ "1x1.256-64.56x56", 256, 64, 56, 1, 1, 0 },
	{ "3x3.128-128.28x28", 128, 128, 28, 3, 1, 1 },
	{ "7x7s2.3-64.224x224", 3, 64, 224, 7, 2, 3 },
};
static const int64_t conv_batches[] = { 1, 32 };

/* ---- data ----------------------------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static float frand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* IEEE binary16, round to nearest even (no NaN/Inf inputs here). */
static uint16_t to_half(float f)
{
	union { float f; uint32_t u; } v = { f };
	uint32_t sign = (v.u >> 16) & 0x8000, mag = v.u & 0x7fffffff;

	if (mag >= 0x47800000)			/* >= 65536: overflow */
		return (uint16_t)(sign | 0x7c00);
	if (mag < 0x38800000) {			/* subnormal half */
		union { float f; uint32_t u; } h = { .f = fabsf(f) * 16777216.0f };	/* * 2^24 */
		return (uint16_t)(sign | (uint32_t)lrintf(h.f));
	}
	uint32_t r = mag + 0xfff + ((mag >> 13) & 1);
	return (uint16_t)(sign | ((r - 0x38000000) >> 13));
}

static float from_half(uint16_t h)
{
	uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
	float v = e == 0 ? ldexpf((float)m, -24) : e == 31 ? INFINITY : ldexpf((float)(m | 0x400), (int)e - 25);

	return h & 0x8000 ? -v : v;
}

/* @n random values in [-1, 1): as float in @f (exactly representable in
 * @type), and in @type's storage in the returned buffer. */
static void *random_tensor(size_t n, enum sinan_type type, float **f)
{
	size_t es = type == SINAN_TYPE_FLOAT16 ? 2 : 4;
	void *d = malloc(n * es);

	*f = malloc(n * sizeof(float));
	if (!d || !*f) {
		free(d);
		free(*f);
		*f = NULL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		float v = frand();

		if (type == SINAN_TYPE_FLOAT16) {
			uint16_t h = to_half(v);

			((uint16_t *)d)[i] = h;
			(*f)[i] = from_half(h);
		} else {
			((float *)d)[i] = v;
			(*f)[i] = v;
		}
	}
	return d;
}

static double load_out(const void *y, enum sinan_type type, size_t i)
{
	return type == SINAN_TYPE_FLOAT16 ? from_half(((const uint16_t *)y)[i]) : ((const float *)y)[i];
}

/* ---- one model ------------------------------------------------------------------------------------ */

struct run {
	bool ok;
	char err[400];
	double compile_s, host_s;	/* host_s: one run, averaged */
	uint64_t cycles;		/* modeled, first kernel to end of last */
	uint32_t kernels;
	int bad_points;
	char ops[256];			/* "op cycles, ..." of the run: where the cycles went */
	uint64_t mac_cycles;		/* kernels of the ops with MACs (with kernel_ops) */
};

/* Compile @g for @dev, run it with input @x (@xb bytes) into @y, time it. */
static void run_graph_opts(sinan_device_t dev, sinan_graph_t g, enum sinan_precision prec, uint32_t flags, void *x,
			   size_t xb, void *y, size_t yb, struct run *r)
{
	struct sinan_model_options o = { .size = sizeof(o), .precision = prec, .flags = flags };
	void *img = NULL;
	size_t bytes = 0;
	sinan_model_t m = NULL;
	double t0 = now();

	if (sinan_model_compile(g, dev, &o, &img, &bytes) != SINAN_OK ||
	    sinan_model_load(dev, img, bytes, &m) != SINAN_OK) {
		snprintf(r->err, sizeof(r->err), "%s", sinan_last_error_message());
		sinan_free(img);
		return;
	}
	sinan_free(img);
	r->compile_s = now() - t0;

	struct sinan_model_io in = { .data = x, .bytes = xb }, out = { .data = y, .bytes = yb };
	int n = 0;

	t0 = now();
	do {
		if (sinan_model_run(m, 1, &in, 1, &out) != SINAN_OK) {
			snprintf(r->err, sizeof(r->err), "run: %s", sinan_last_error_message());
			sinan_model_destroy(m);
			return;
		}
		n++;
	} while (now() - t0 < MIN_TIME);
	r->host_s = (now() - t0) / n;

	struct sinan_model_run_stats rs = { .size = sizeof(rs) };
	struct sinan_model_info mi = { .size = sizeof(mi) };

	sinan_model_get_run_stats(m, &rs);
	sinan_model_get_info(m, &mi);
	r->cycles = rs.device_cycles;
	r->kernels = mi.num_kernels;
	for (uint32_t i = 0, n = 0; i < mi.num_ops && n < sizeof(r->ops); i++) {
		struct sinan_model_op_stats os = { .size = sizeof(os) };

		if (sinan_model_get_op_stats(m, i, &os) != SINAN_OK)
			continue;
		n += (size_t)snprintf(r->ops + n, sizeof(r->ops) - n, "%s%s %llu", n ? ", " : "", os.op,
				      (unsigned long long)os.cycles);
		if (os.macs)
			r->mac_cycles += os.cycles;
	}
	r->ok = true;
	sinan_model_destroy(m);
}

static void run_graph(sinan_device_t dev, sinan_graph_t g, enum sinan_precision prec, void *x, size_t xb, void *y,
		      size_t yb, struct run *r)
{
	run_graph_opts(dev, g, prec, 0, x, xb, y, yb, r);
}

/* ---- GEMM ----------------------------------------------------------------------------------------- */

static void run_matmul(sinan_device_t dev, const struct gemm_shape *s, enum sinan_type type, struct run *r)
{
	int64_t ad[2] = { s->M, s->K }, bd[2] = { s->K, s->N };
	size_t es = type == SINAN_TYPE_FLOAT16 ? 2 : 4;
	float *af = NULL, *bf = NULL;
	void *a = random_tensor((size_t)(s->M * s->K), type, &af);
	void *b = random_tensor((size_t)(s->K * s->N), type, &bf);
	void *y = malloc((size_t)(s->M * s->N) * es);
	sinan_graph_t g = sinan_graph_create();

	memset(r, 0, sizeof(*r));
	if (!a || !b || !y || !g) {
		snprintf(r->err, sizeof(r->err), "out of host memory");
		goto out;
	}
	sinan_tensor_t in[2];

	in[0] = sinan_graph_input(g, "a", type, 2, ad);
	in[1] = sinan_graph_constant(g, "b", type, 2, bd, b);
	sinan_tensor_t t = in[0] && in[1] ? sinan_graph_op(g, "MatMul", 2, in, 0, NULL) : NULL;

	if (!t || sinan_graph_output(g, t, "y")) {
		snprintf(r->err, sizeof(r->err), "graph: %s", sinan_graph_error(g));
		goto out;
	}
	free(b);
	b = NULL;
	run_graph(dev, g, SINAN_PRECISION_FP32, a, (size_t)(s->M * s->K) * es, y, (size_t)(s->M * s->N) * es, r);
	if (!r->ok)
		goto out;
	/* Sampled outputs against double precision: fp32 accumulation and the
	 * output's rounding (2^-11 relative in fp16) are all that may differ. */
	for (int p = 0; p < CHECK_POINTS; p++) {
		int64_t i = (int64_t)((frand() + 1) / 2 * (double)s->M), j = (int64_t)((frand() + 1) / 2 * (double)s->N);
		double ref = 0, mag = 0;

		i = i < s->M ? i : s->M - 1;
		j = j < s->N ? j : s->N - 1;
		for (int64_t k = 0; k < s->K; k++) {
			double v = (double)af[i * s->K + k] * bf[k * s->N + j];

			ref += v;
			mag += fabs(v);
		}
		double got = load_out(y, type, (size_t)(i * s->N + j));
		double tol = (type == SINAN_TYPE_FLOAT16 ? 1e-3 : 0) * fabs(ref) + 1e-5 * mag + 1e-6;

		if (!(fabs(got - ref) <= tol))
			r->bad_points++;
	}
out:
	sinan_graph_destroy(g);
	free(a);
	free(b);
	free(y);
	free(af);
	free(bf);
}

/* OpenBLAS sgemm on one thread: seconds per call (averaged over repeats of MIN_TIME). */
static double blas_sgemm(const struct gemm_shape *s)
{
	size_t na = (size_t)(s->M * s->K), nb = (size_t)(s->K * s->N), nc = (size_t)(s->M * s->N);
	float *a = malloc(na * 4), *b = malloc(nb * 4), *c = malloc(nc * 4);
	double t0, t;
	int n = 0;

	if (!a || !b || !c) {
		free(a);
		free(b);
		free(c);
		return NAN;
	}
	for (size_t i = 0; i < na; i++)
		a[i] = frand();
	for (size_t i = 0; i < nb; i++)
		b[i] = frand();
	t0 = now();
	do {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s->M, (int)s->N, (int)s->K, 1.0f, a,
			    (int)s->K, b, (int)s->N, 0.0f, c, (int)s->N);
		n++;
	} while (now() - t0 < MIN_TIME);
	t = (now() - t0) / n;
	free(a);
	free(b);
	free(c);
	return t;
}

static void shape_name(char *buf, size_t n, const struct gemm_shape *s)
{
	snprintf(buf, n, "%lldx%lldx%lld", (long long)s->M, (long long)s->N, (long long)s->K);
}

/* The details every B1 record has: modeled and ideal cycles, the run's cost. */
static void rec_run(struct rec *rc, const struct run *r, double ideal_cycles, double gmac)
{
	rec_num(rc, "ideal_cycles", ideal_cycles);
	rec_num(rc, "modeled_cycles", r->ok ? (double)r->cycles : NAN);
	rec_num(rc, "kernels", r->kernels);
	if (r->ok)
		rec_str(rc, "op_cycles", r->ops);
	rec_num(rc, "host_s", r->ok ? r->host_s : NAN);
	rec_num(rc, "gmac", gmac);
}

static void note_failure(struct rec *rc, const struct run *r)
{
	if (!r->ok)
		rec_note(rc, "did not run: %s", r->err);
	else if (r->bad_points)
		rec_note(rc, "WRONG RESULTS: %d of %d sampled outputs off the double-precision reference",
			 r->bad_points, CHECK_POINTS);
}

/* ---- conv ----------------------------------------------------------------------------------------- */

/*
 * Conv layer @c at @batch, fp16. Alone (@chain false): a one-node model on NCHW
 * tensors, whose run includes the conversions to and from the cube's NC1HWC0
 * layout. In a chain: x -> Relu -> Conv -> Relu -> Relu, as between the layers
 * of a network, where activations stay NC1HWC0; r->mac_cycles is then the
 * convolution's own kernel.
 */
static void run_conv(sinan_device_t dev, const struct conv_shape *c, int64_t batch, bool chain, struct run *r,
		     double *macs)
{
	int64_t ho = (c->hw + 2 * c->pad - c->k) / c->stride + 1;
	int64_t xd[4] = { batch, c->cin, c->hw, c->hw }, wd[4] = { c->cout, c->cin, c->k, c->k }, bd[1] = { c->cout };
	size_t nx = (size_t)(batch * c->cin * c->hw * c->hw), nw = (size_t)(c->cout * c->cin * c->k * c->k);
	size_t ny = (size_t)(batch * c->cout * ho * ho);
	float *xf = NULL, *wf = NULL, *bf = NULL;
	void *x = random_tensor(nx, SINAN_TYPE_FLOAT16, &xf), *w = random_tensor(nw, SINAN_TYPE_FLOAT16, &wf);
	void *bias = random_tensor((size_t)c->cout, SINAN_TYPE_FLOAT16, &bf);
	void *y = malloc(ny * 2);
	sinan_graph_t g = sinan_graph_create();
	int64_t ks[2] = { c->k, c->k }, st[2] = { c->stride, c->stride }, pads[4] = { c->pad, c->pad, c->pad, c->pad };
	struct sinan_attr at[3] = { SINAN_ATTR_IS("kernel_shape", 2, ks), SINAN_ATTR_IS("strides", 2, st),
				    SINAN_ATTR_IS("pads", 4, pads) };

	memset(r, 0, sizeof(*r));
	*macs = (double)batch * c->cout * ho * ho * c->cin * c->k * c->k;
	if (!x || !w || !bias || !y || !g) {
		snprintf(r->err, sizeof(r->err), "out of host memory");
		goto out;
	}
	sinan_tensor_t in[3] = { sinan_graph_input(g, "x", SINAN_TYPE_FLOAT16, 4, xd),
				 sinan_graph_constant(g, "w", SINAN_TYPE_FLOAT16, 4, wd, w),
				 sinan_graph_constant(g, "b", SINAN_TYPE_FLOAT16, 1, bd, bias) };
	if (chain && in[0])
		in[0] = sinan_graph_op(g, "Relu", 1, &in[0], 0, NULL);
	sinan_tensor_t t = in[0] && in[1] && in[2] ? sinan_graph_op(g, "Conv", 3, in, 3, at) : NULL;

	for (int i = 0; chain && i < 2 && t; i++)
		t = sinan_graph_op(g, "Relu", 1, &t, 0, NULL);
	if (!t || sinan_graph_output(g, t, "y")) {
		snprintf(r->err, sizeof(r->err), "graph: %s", sinan_graph_error(g));
		goto out;
	}
	run_graph_opts(dev, g, SINAN_PRECISION_FP32, chain ? SINAN_MODEL_F_KERNEL_OPS : 0, x, nx * 2, y, ny * 2, r);
	if (!r->ok)
		goto out;
	for (int p = 0; p < CHECK_POINTS; p++) {
		int64_t n = (int64_t)((frand() + 1) / 2 * (double)batch), o = (int64_t)((frand() + 1) / 2 * (double)c->cout);
		int64_t oy = (int64_t)((frand() + 1) / 2 * (double)ho), ox = (int64_t)((frand() + 1) / 2 * (double)ho);
		double ref = bf[o], mag = fabs(bf[o]);

		n = n < batch ? n : batch - 1;
		o = o < c->cout ? o : c->cout - 1;
		oy = oy < ho ? oy : ho - 1;
		ox = ox < ho ? ox : ho - 1;
		for (int64_t ci = 0; ci < c->cin; ci++)
			for (int64_t ky = 0; ky < c->k; ky++)
				for (int64_t kx = 0; kx < c->k; kx++) {
					int64_t iy = oy * c->stride - c->pad + ky, ix = ox * c->stride - c->pad + kx;

					if (iy < 0 || ix < 0 || iy >= c->hw || ix >= c->hw)
						continue;
					double xv = xf[((n * c->cin + ci) * c->hw + iy) * c->hw + ix];
					double v = (chain ? fmax(xv, 0) : xv) *
						   wf[((o * c->cin + ci) * c->k + ky) * c->k + kx];
					ref += v;
					mag += fabs(v);
				}
		double got = load_out(y, SINAN_TYPE_FLOAT16, (size_t)(((n * c->cout + o) * ho + oy) * ho + ox));

		if (chain)
			ref = fmax(ref, 0);

		if (!(fabs(got - ref) <= 1e-3 * fabs(ref) + 1e-5 * mag + 1e-6))
			r->bad_points++;
	}
out:
	sinan_graph_destroy(g);
	free(x);
	free(w);
	free(bias);
	free(y);
	free(xf);
	free(wf);
	free(bf);
}

/*
 * The best utilization the chip's balance allows a standalone layer: its
 * operands and result must cross device memory at least once, so it takes
 * at least max(compute, memory) cycles.
 */
static double roofline(double compute_cycles, double memory_cycles)
{
	return compute_cycles / fmax(compute_cycles, memory_cycles);
}

/* fp16 bytes a conv layer must read and write at least: input, weights, bias, output. */
static double conv_bytes(const struct conv_shape *c, int64_t batch)
{
	int64_t ho = (c->hw + 2 * c->pad - c->k) / c->stride + 1;

	return 2.0 * ((double)batch * c->cin * c->hw * c->hw + (double)c->cout * c->cin * c->k * c->k + c->cout +
		      (double)batch * c->cout * ho * ho);
}

/* ---- driver --------------------------------------------------------------------------------------- */

static bool wanted(const char *only, const char *name)
{
	size_t n = strlen(name);

	if (!only)
		return true;
	for (const char *p = only; (p = strstr(p, name)); p += n)
		if ((p == only || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

int bench_gemm(int argc, char **argv, bool b1, bool b2)
{
	static const struct option lo[] = { { "max-gmac", required_argument, NULL, 'g' },
					    { "only", required_argument, NULL, 'o' },
					    { "sim", required_argument, NULL, 's' },
					    { "tag", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 } };
	double max_gmac = INFINITY;
	/* One host thread (B2 compares one thread with one); device memory for
	 * the largest shapes; a job watchdog (host time, default 5 s) long enough
	 * for the functional simulation of 8192^3, which is not a hang. */
	const char *only = NULL, *simopt = "threads=1,devmem=4G,timeout=3600000", *tag = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "g:o:s:t:", lo, NULL)) != -1) {
		switch (c) {
		case 'g': max_gmac = atof(optarg); break;
		case 'o': only = optarg; break;
		case 's': simopt = optarg; break;
		case 't': tag = optarg; break;
		default: return 2;
		}
	}
	sinan_device_t dev;
	struct sinan_device_props p;

	if (open_device("sim", simopt, &dev, &p))
		return 3;
	double peak = chip_macs_per_cycle(&p);		/* fp16 MACs per cycle */
	double bw = (double)p.devmem_bw_mbps * 1e6;	/* bytes per second */
	double hz = (double)p.clock_mhz * 1e6;
	const char *core = NULL;

	say("chip: %u cores x %ux%ux%u fp16 MAC/cycle at %u MHz, %.0f GB/s device memory", p.num_cores, p.cube_m,
	    p.cube_n, p.cube_k, p.clock_mhz, bw / 1e9);
	if (b2) {
		openblas_set_num_threads(1);
		core = openblas_get_corename();
		say("OpenBLAS %s, core %s, 1 thread", openblas_get_config(), core);
	}

	for (size_t i = 0; i < sizeof(gemm_shapes) / sizeof(gemm_shapes[0]); i++) {
		const struct gemm_shape *s = &gemm_shapes[i];
		double macs = (double)s->M * s->N * s->K;
		char nm[64];
		struct run r16, r32;

		shape_name(nm, sizeof(nm), s);
		if (!wanted(only, nm) || (s->gemv && !b1))
			continue;
		bool skip = macs / 1e9 > max_gmac;

		if (skip) {
			memset(&r16, 0, sizeof(r16));
			snprintf(r16.err, sizeof(r16.err), "skipped: %.0f GMAC is above this run's --max-gmac %.0f",
				 macs / 1e9, max_gmac);
		} else {
			say("%s %s fp16 ...", s->gemv ? "GEMV" : "GEMM", nm);
			run_matmul(dev, s, SINAN_TYPE_FLOAT16, &r16);
			if (r16.ok)
				say("  %llu modeled cycles, %.2f s host, %d bad points", (unsigned long long)r16.cycles,
				    r16.host_s, r16.bad_points);
			else
				say("  %s", r16.err);
		}
		bool good16 = r16.ok && !r16.bad_points;

		if (b1) {
			struct rec rc = { .value = NAN, .target = s->target };

			snprintf(rc.id, sizeof(rc.id), "B1.%s.%s.fp16", s->gemv ? "gemv" : "gemm", nm);
			if (s->gemv) {
				double bytes = 2.0 * ((double)s->K * s->N + s->K + s->N);

				if (good16)
					rc.value = bytes / ((double)r16.cycles / hz) / bw;
				rec_num(&rc, "bytes", bytes);
				rec_run(&rc, &r16, bytes / bw * hz, macs / 1e9);
			} else {
				double bytes = 2.0 * ((double)s->M * s->K + (double)s->K * s->N + (double)s->M * s->N);

				if (good16)
					rc.value = macs / peak / (double)r16.cycles;
				rec_num(&rc, "roofline_bound", roofline(macs / peak, bytes / bw * hz));
				rec_run(&rc, &r16, macs / peak, macs / 1e9);
			}
			note_failure(&rc, &r16);
			emit(&rc);
		}
		if (!b2 || s->gemv)
			continue;
		if (!skip) {
			say("GEMM %s fp32 ...", nm);
			run_matmul(dev, s, SINAN_TYPE_FLOAT, &r32);
			if (r32.ok)
				say("  %.2f s host, %d bad points", r32.host_s, r32.bad_points);
			else
				say("  %s", r32.err);
		} else {
			r32 = r16;
		}
		double tb = skip ? NAN : blas_sgemm(s);

		if (!skip)
			say("  OpenBLAS sgemm %.2f s (%.1f GFLOPS)", tb, 2 * macs / tb / 1e9);
		for (int k = 0; k < 2; k++) {
			const struct run *r = k ? &r32 : &r16;
			struct rec rc = { .value = NAN, .target = 0.5 };

			snprintf(rc.id, sizeof(rc.id), "B2.gemm.%s.%s%s%s", nm, k ? "fp32" : "fp16", tag ? "." : "",
				 tag ? tag : "");
			if (r->ok && !r->bad_points)
				rc.value = tb / r->host_s;
			rec_num(&rc, "sim_s", r->ok ? r->host_s : NAN);
			rec_num(&rc, "openblas_s", tb);
			rec_num(&rc, "sim_gflops", r->ok ? 2 * macs / r->host_s / 1e9 : NAN);
			rec_num(&rc, "openblas_gflops", 2 * macs / tb / 1e9);
			rec_str(&rc, "openblas_core", core);
			note_failure(&rc, r);
			emit(&rc);
		}
	}

	if (b1) {
		for (size_t i = 0; i < sizeof(conv_shapes) / sizeof(conv_shapes[0]); i++) {
			for (size_t j = 0; j < sizeof(conv_batches) / sizeof(conv_batches[0]); j++) {
				const struct conv_shape *cs = &conv_shapes[i];
				int64_t b = conv_batches[j];
				struct rec rc = { .value = NAN, .target = b == 32 ? 0.75 : NAN };
				struct run r;
				double macs;

				if (!wanted(only, "conv"))
					continue;
				for (int chain = 0; chain < 2; chain++) {
					snprintf(rc.id, sizeof(rc.id), "B1.conv.%s.b%lld.fp16%s", cs->name, (long long)b,
						 chain ? ".nc1hwc0" : "");
					rc.value = NAN;
					say("Conv %s batch %lld fp16%s ...", cs->name, (long long)b,
					    chain ? ", in an NC1HWC0 chain" : "");
					run_conv(dev, cs, b, chain, &r, &macs);
					uint64_t cyc = chain ? r.mac_cycles : r.cycles;

					if (r.ok)
						say("  %llu modeled cycles, %.2f s host, %d bad points",
						    (unsigned long long)cyc, r.host_s, r.bad_points);
					else
						say("  %s", r.err);
					if (r.ok && !r.bad_points && cyc)
						rc.value = macs / peak / (double)cyc;
					if (chain) {
						r.cycles = cyc;
						rec_note(&rc, "the Conv kernel alone, its activations NC1HWC0 as "
							 "between the layers of a network");
					}
					rec_num(&rc, "roofline_bound", roofline(macs / peak, conv_bytes(cs, b) / bw * hz));
					rec_run(&rc, &r, macs / peak, macs / 1e9);
					note_failure(&rc, &r);
					emit(&rc);
					rc = (struct rec){ .value = NAN, .target = b == 32 ? 0.75 : NAN };
				}
			}
		}
	}
	sinan_device_close(dev);
	return 0;
}

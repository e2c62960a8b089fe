// SPDX-License-Identifier: MIT
/*
 * sinan-demo: the main job of a Sinan NPU, end to end, with a short report.
 *
 *   sinan-demo --model-dir DIR [--data DIR] [--reference FILE]
 *              [--images N] [--batch N] [--cnn-precision fp32|fp16] [--no-encoder]
 *
 *  1. Classifies the Fashion-MNIST test set (IDX files of Debian's
 *     dataset-fashion-mnist) with DIR/fashion_cnn.onnx, compiled for the
 *     device, and prints the accuracy beside PyTorch's on the same model
 *     (--reference: one byte per test image from the first, the class
 *     PyTorch predicts; examples/demo/fashion_ref.py writes it), images per second and the
 *     modeled device time per image.
 *  2. Runs DIR/encoder.onnx, a 2-layer transformer encoder, in fp16 and
 *     prints the largest error against PyTorch's float32 output
 *     (DIR/encoder_input.bin, DIR/encoder_ref.bin; examples/demo/encoder_export.py)
 *     and the modeled latency.
 *
 * Every op runs on the device: a model the compiler cannot take entirely is
 * an error naming the operators that stop it. With SINAN_TRACE=FILE the
 * library writes a Perfetto trace of the run; the report says how to open it.
 * The backend is $SINAN_BACKEND: drm (the driver) or sim (in-process model).
 *
 * Exit status: 0 when both parts ran and agree with PyTorch (accuracy within
 * 0.1 point, encoder error within ENC_TOL); 1 when they ran and do not; 2 on
 * usage errors; 3 when something could not run (device, model, files).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <sinan/sinan.h>
#include <sinan/sinan_graph.h>
#include <sinan/sinan_model.h>

#define IMG_SIDE	28
#define IMG_PIXELS	(IMG_SIDE * IMG_SIDE)
#define CLASSES		10
/* Largest |device - PyTorch float32| accepted for the fp16 encoder: fp16
 * operands carry 11 significant bits (2^-11 relative), the outputs are
 * layer-normed (order 1, at most about 5), and two layers of 256- to
 * 1024-term dot products compound the rounding. */
#define ENC_TOL		0.05
/* Accuracy may differ from PyTorch's by this many percentage points. */
#define ACC_TOL_POINTS	0.1

enum { EXIT_MISMATCH = 1, EXIT_USAGE = 2, EXIT_CANNOT_RUN = 3 };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail_sinan(const char *what)
{
	fprintf(stderr, "sinan-demo: %s: %s\n", what, sinan_last_error_message());
}

/* ---- input files ---------------------------------------------------------------------------------- */

/* An unsigned-byte IDX file (gzip-compressed or not): its dims and data. */
static int read_idx(const char *path, int want_rank, uint32_t *dims, uint8_t **data, size_t *n)
{
	gzFile f = gzopen(path, "rb");
	uint8_t hdr[4], d[4];
	size_t total = 1;

	*data = NULL;
	if (!f) {
		fprintf(stderr, "sinan-demo: %s: %s\n", path, strerror(errno ? errno : ENOENT));
		return -1;
	}
	if (gzread(f, hdr, 4) != 4 || hdr[0] || hdr[1] || hdr[2] != 0x08 || hdr[3] != want_rank)
		goto bad;
	for (int i = 0; i < want_rank; i++) {
		if (gzread(f, d, 4) != 4)
			goto bad;
		dims[i] = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
		if (!dims[i] || dims[i] > 1000000)
			goto bad;
		total *= dims[i];
	}
	*data = malloc(total);
	if (!*data || gzread(f, *data, (unsigned int)total) != (int)total)
		goto bad;
	gzclose(f);
	*n = total;
	return 0;
bad:
	fprintf(stderr, "sinan-demo: %s: not an unsigned-byte IDX file of rank %d\n", path, want_rank);
	free(*data);
	*data = NULL;
	gzclose(f);
	return -1;
}

/* The whole of a file, which must be exactly @want bytes unless @want is 0. */
static int read_file(const char *path, void **data, size_t *bytes, size_t want)
{
	FILE *f = fopen(path, "rb");
	long n;

	*data = NULL;
	if (!f) {
		fprintf(stderr, "sinan-demo: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto bad;
	if (want && (size_t)n != want) {
		fprintf(stderr, "sinan-demo: %s: %ld bytes, expected %zu\n", path, n, want);
		fclose(f);
		return -1;
	}
	*data = malloc((size_t)n + 1);
	if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n)
		goto bad;
	fclose(f);
	*bytes = (size_t)n;
	return 0;
bad:
	fprintf(stderr, "sinan-demo: %s: cannot read\n", path);
	free(*data);
	*data = NULL;
	fclose(f);
	return -1;
}

/* ---- compiling ------------------------------------------------------------------------------------ */

/*
 * Import @path, bind input @input to @rank/@dims (if @input is not NULL),
 * and ask the compiler whether every node runs on the device; if not, print
 * its report (each offending node and operator) and fail. Then compile it
 * for @dev (through the library's cache) and load it.
 */
static int load_model(sinan_device_t dev, const char *path, enum sinan_precision prec, const char *input,
		      int rank, const int64_t *dims, sinan_model_t *m, double *seconds)
{
	struct sinan_model_options o = { .size = sizeof(o), .precision = prec };
	char err[1024], report[4096], shapes[256];
	sinan_graph_t g;
	double t0 = now();
	int rc;

	rc = sinan_graph_import_onnx_file(path, &g, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sinan-demo: %s: %s\n", path, err);
		return -1;
	}
	if (input) {
		size_t n = (size_t)snprintf(shapes, sizeof(shapes), "%s=", input);

		for (int i = 0; i < rank && n < sizeof(shapes); i++)
			n += (size_t)snprintf(shapes + n, sizeof(shapes) - n, "%s%lld", i ? "x" : "", (long long)dims[i]);
		o.shapes = shapes;
		if (sinan_graph_bind_input(g, input, rank, dims)) {
			fprintf(stderr, "sinan-demo: %s: %s\n", path, sinan_graph_error(g));
			sinan_graph_destroy(g);
			return -1;
		}
	}
	report[0] = 0;
	rc = sinan_graph_check(g, prec, report, sizeof(report));
	sinan_graph_destroy(g);
	if (rc) {
		fprintf(stderr, "sinan-demo: %s cannot run on the device (nothing falls back to the CPU):\n%s%s",
			path, report[0] ? report : strerror(-rc), report[0] && report[strlen(report) - 1] == '\n' ? "" : "\n");
		return -1;
	}
	if (sinan_model_load_file(dev, path, &o, m) != SINAN_OK) {
		fprintf(stderr, "sinan-demo: compiling %s: %s\n", path, sinan_last_error_message());
		return -1;
	}
	*seconds = now() - t0;
	return 0;
}

static const char *prec_name(enum sinan_precision p)
{
	return p == SINAN_PRECISION_FP16 ? "fp16" : p == SINAN_PRECISION_BF16 ? "bf16" :
	       p == SINAN_PRECISION_INT8 ? "int8" : "fp32";
}

/* ---- part 1: Fashion-MNIST ------------------------------------------------------------------------ */

struct cnn_result {
	bool ran;
	uint32_t images, correct;
	bool have_ref;
	uint32_t ref_correct, disagree;
	double seconds;			/* wall clock of the runs */
	double device_ns;		/* modeled, sum over runs */
	double total_ns;		/* modeled, with input/output copies */
	double compile_s;
};

/* One progress line, redrawn at most every 0.2 s (the guest's console is a serial port). */
static void progress(uint32_t done, uint32_t total, uint32_t correct, double t0)
{
	static double last;
	int width = 30, fill = (int)((uint64_t)done * (uint64_t)width / total);
	double t = now(), el = t - t0;

	if (done < total && t - last < 0.2)
		return;
	last = t;

	printf("\r  [%.*s%*s] %5u/%u images  accuracy so far %.4f  %6.1f images/s", fill,
	       "##############################", width - fill, "", done, total,
	       done ? (double)correct / done : 0.0, el > 0 ? done / el : 0.0);
	fflush(stdout);
}

static int run_cnn(sinan_device_t dev, const char *model, const char *data_dir, const char *ref_path,
		   uint32_t max_images, uint32_t batch, enum sinan_precision prec, struct cnn_result *r)
{
	char path[4096];
	uint32_t idims[3], ldims[1];
	uint8_t *images = NULL, *labels = NULL, *ref = NULL;
	size_t ni, nl, nref;
	float *in = NULL, *out = NULL;
	sinan_model_t m = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/t10k-images-idx3-ubyte.gz", data_dir);
	if (read_idx(path, 3, idims, &images, &ni))
		goto out;
	snprintf(path, sizeof(path), "%s/t10k-labels-idx1-ubyte.gz", data_dir);
	if (read_idx(path, 1, ldims, &labels, &nl))
		goto out;
	if (idims[1] != IMG_SIDE || idims[2] != IMG_SIDE || ldims[0] != idims[0]) {
		fprintf(stderr, "sinan-demo: %s: %ux%ux%u images and %u labels, expected N 28x28 images and N labels\n",
			data_dir, idims[0], idims[1], idims[2], ldims[0]);
		goto out;
	}
	r->images = idims[0] < max_images ? idims[0] : max_images;
	if (ref_path) {
		if (read_file(ref_path, (void **)&ref, &nref, 0))
			goto out;
		if (nref < r->images || nref > idims[0]) {
			fprintf(stderr, "sinan-demo: %s: %zu predictions, expected one byte for each of the first %u "
				"(at most %u) test images\n", ref_path, nref, r->images, idims[0]);
			goto out;
		}
		r->have_ref = true;
	}
	if (batch > r->images)
		batch = r->images;
	printf("Fashion-MNIST: %u test images (%s), model %s, %s, batch %u\n", r->images, data_dir, model,
	       prec_name(prec), batch);
	int64_t dims[4] = { batch, 1, IMG_SIDE, IMG_SIDE };
	if (load_model(dev, model, prec, "image", 4, dims, &m, &r->compile_s))
		goto out;
	struct sinan_model_info mi = { .size = sizeof(mi) };
	sinan_model_get_info(m, &mi);
	printf("  compiled (or loaded from the model cache) in %.1f s: %u ops in %u kernels, %.1f MB of device memory\n",
	       r->compile_s, mi.num_ops, mi.num_kernels, (double)mi.peak_bytes / 1e6);

	in = malloc(sizeof(float) * IMG_PIXELS * batch);
	out = malloc(sizeof(float) * CLASSES * batch);
	if (!in || !out) {
		fprintf(stderr, "sinan-demo: out of memory\n");
		goto out;
	}
	double t0 = now();
	for (uint32_t first = 0; first < r->images; first += batch) {
		uint32_t n = r->images - first < batch ? r->images - first : batch;
		struct sinan_model_io mi_in = { .name = "image", .data = in, .bytes = sizeof(float) * IMG_PIXELS * batch };
		struct sinan_model_io mi_out = { .name = "logits", .data = out, .bytes = sizeof(float) * CLASSES * batch };
		struct sinan_model_run_stats rs = { .size = sizeof(rs) };

		/* A short last batch is padded with blank images whose answers are ignored. */
		memset(in, 0, mi_in.bytes);
		for (size_t i = 0; i < (size_t)n * IMG_PIXELS; i++)
			in[i] = (float)images[(size_t)first * IMG_PIXELS + i] / 255.0f;
		if (sinan_model_run(m, 1, &mi_in, 1, &mi_out) != SINAN_OK) {
			printf("\n");
			fail_sinan("running the CNN");
			goto out;
		}
		sinan_model_get_run_stats(m, &rs);
		r->device_ns += (double)rs.device_ns;
		r->total_ns += rs.device_cycles ? (double)rs.total_cycles * rs.device_ns / rs.device_cycles : 0;
		for (uint32_t i = 0; i < n; i++) {
			const float *l = out + (size_t)i * CLASSES;
			uint32_t best = 0;

			for (uint32_t c = 1; c < CLASSES; c++)
				if (l[c] > l[best])
					best = c;
			r->correct += best == labels[first + i];
			if (ref) {
				r->ref_correct += ref[first + i] == labels[first + i];
				r->disagree += ref[first + i] != best;
			}
		}
		progress(first + n, r->images, r->correct, t0);
	}
	r->seconds = now() - t0;
	printf("\n");
	r->ran = true;
	rc = 0;
out:
	if (m)
		sinan_model_destroy(m);
	free(in);
	free(out);
	free(images);
	free(labels);
	free(ref);
	return rc;
}

/* ---- part 2: transformer encoder ------------------------------------------------------------------ */

struct enc_result {
	bool ran;
	double max_err, max_ref, rms_err;
	double device_ns, host_s, compile_s;
	uint64_t macs;
	double cube_util;
};

static int run_encoder(sinan_device_t dev, const char *dir, struct enc_result *r)
{
	char model[4096], path[4096];
	void *x = NULL, *ref = NULL, *y = NULL;
	size_t xb, rb;
	sinan_model_t m = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	snprintf(model, sizeof(model), "%s/encoder.onnx", dir);
	printf("Transformer encoder: 2 layers, sequence 128, width 256, fp16 (%s)\n", model);
	snprintf(path, sizeof(path), "%s/encoder_input.bin", dir);
	if (read_file(path, &x, &xb, 0))
		goto out;
	snprintf(path, sizeof(path), "%s/encoder_ref.bin", dir);
	if (read_file(path, &ref, &rb, xb))
		goto out;
	if (load_model(dev, model, SINAN_PRECISION_FP16, NULL, 0, NULL, &m, &r->compile_s))
		goto out;
	struct sinan_model_tensor ti = { .size = sizeof(ti) }, to = { .size = sizeof(to) };
	sinan_model_get_input(m, 0, &ti);
	sinan_model_get_output(m, 0, &to);
	if (ti.type != SINAN_TYPE_FLOAT || to.type != SINAN_TYPE_FLOAT || ti.bytes != xb || to.bytes != rb) {
		fprintf(stderr, "sinan-demo: %s: expected one float32 input of %zu bytes and output of %zu bytes\n",
			model, xb, rb);
		goto out;
	}
	y = malloc(rb);
	if (!y)
		goto out;
	struct sinan_model_io mi_in = { .data = x, .bytes = xb }, mi_out = { .data = y, .bytes = rb };
	double t0 = now();
	if (sinan_model_run(m, 1, &mi_in, 1, &mi_out) != SINAN_OK) {
		fail_sinan("running the encoder");
		goto out;
	}
	r->host_s = now() - t0;
	struct sinan_model_run_stats rs = { .size = sizeof(rs) };
	struct sinan_model_info mi = { .size = sizeof(mi) };
	sinan_model_get_run_stats(m, &rs);
	sinan_model_get_info(m, &mi);
	r->device_ns = (double)rs.device_ns;
	r->cube_util = rs.cube_utilization;
	r->macs = mi.macs;
	double se = 0;
	size_t n = rb / sizeof(float);
	for (size_t i = 0; i < n; i++) {
		double a = ((const float *)y)[i], b = ((const float *)ref)[i], e = fabs(a - b);

		if (!(e <= r->max_err))		/* NaN counts as the largest error */
			r->max_err = isnan(e) ? INFINITY : e;
		if (fabs(b) > r->max_ref)
			r->max_ref = fabs(b);
		se += isnan(e) ? INFINITY : e * e;
	}
	r->rms_err = sqrt(se / (double)n);
	printf("  compiled (or loaded from the model cache) in %.1f s: %u ops in %u kernels; ran in %.3f s (wall clock)\n",
	       r->compile_s, mi.num_ops, mi.num_kernels, r->host_s);
	r->ran = true;
	rc = 0;
out:
	if (m)
		sinan_model_destroy(m);
	free(x);
	free(ref);
	free(y);
	return rc;
}

/* ---- main ----------------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: sinan-demo --model-dir DIR [--data DIR] [--reference FILE] [--images N] [--batch N]\n"
		   "                  [--cnn-precision fp32|fp16] [--no-encoder]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "model-dir", required_argument, NULL, 'm' }, { "data", required_argument, NULL, 'd' },
		{ "reference", required_argument, NULL, 'r' }, { "images", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' }, { "cnn-precision", required_argument, NULL, 'p' },
		{ "encoder-dir", required_argument, NULL, 'e' }, { "no-encoder", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *model_dir = NULL, *enc_dir = NULL, *data_dir = "/usr/share/datasets/fashion-mnist";
	const char *ref = NULL;
	unsigned long images = 10000, batch = 100;
	enum sinan_precision cnn_prec = SINAN_PRECISION_FP32;
	bool encoder = true;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "m:d:r:n:b:p:e:Eh", lo, NULL)) != -1) {
		switch (c) {
		case 'm': model_dir = optarg; break;
		case 'e': enc_dir = optarg; break;
		case 'd': data_dir = optarg; break;
		case 'r': ref = optarg; break;
		case 'n':
		case 'b':
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > 1000000) {
				fprintf(stderr, "sinan-demo: --%s wants a positive number\n", c == 'n' ? "images" : "batch");
				return EXIT_USAGE;
			}
			*(c == 'n' ? &images : &batch) = v;
			break;
		case 'p':
			if (!strcmp(optarg, "fp32")) {
				cnn_prec = SINAN_PRECISION_FP32;
			} else if (!strcmp(optarg, "fp16")) {
				cnn_prec = SINAN_PRECISION_FP16;
			} else {
				fprintf(stderr, "sinan-demo: --cnn-precision fp32 or fp16\n");
				return EXIT_USAGE;
			}
			break;
		case 'E': encoder = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!model_dir || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!enc_dir)
		enc_dir = model_dir;
	/* the report and the errors (stderr) in the order they happen */
	setvbuf(stdout, NULL, _IOLBF, 0);

	sinan_device_t dev;
	struct sinan_open_options oo = { .size = sizeof(oo), .index = SINAN_NONE32 };
	if (sinan_device_open(&oo, &dev) != SINAN_OK) {
		struct sinan_diagnosis d = { .size = sizeof(d) };

		fail_sinan("cannot open a device");
		if (sinan_device_diagnose(&oo, &d) == SINAN_OK)
			fprintf(stderr, "%s\n%s\n", d.message, d.hint);
		return EXIT_CANNOT_RUN;
	}
	struct sinan_device_props p = { .size = sizeof(p) };
	sinan_device_get_props(dev, &p);
	printf("Sinan demo on %s (%s backend, %s): %u AI cores at %u MHz, %.0f TFLOPS fp16, %.0f GB/s device memory\n\n",
	       p.name, p.backend, p.node, p.num_cores, p.clock_mhz,
	       2.0 * p.num_cores * p.cube_m * p.cube_n * p.cube_k * p.clock_mhz / 1e6,
	       p.devmem_bw_mbps / 1e3);

	char cnn_path[4096];
	struct cnn_result cr;
	struct enc_result er = { 0 };
	int status = 0;

	snprintf(cnn_path, sizeof(cnn_path), "%s/fashion_cnn.onnx", model_dir);
	if (run_cnn(dev, cnn_path, data_dir, ref, (uint32_t)images, (uint32_t)batch, cnn_prec, &cr))
		status = EXIT_CANNOT_RUN;
	else
		printf("  %.1f images/s (wall clock), %.2f us of modeled device time per image "
		       "(%.2f us with input/output copies)\n\n", cr.images / cr.seconds, cr.device_ns / cr.images / 1e3,
		       cr.total_ns / cr.images / 1e3);
	if (encoder) {
		if (run_encoder(dev, enc_dir, &er))
			status = EXIT_CANNOT_RUN;
		else
			printf("  modeled latency %.1f us (%.2f GMAC, cube utilization %.3f)\n\n", er.device_ns / 1e3,
			       (double)er.macs / 1e9, er.cube_util);
	}
	sinan_device_close(dev);	/* flushes the trace */

	const char *trace = getenv("SINAN_TRACE");
	if (trace && *trace)
		printf("Trace: %s\n  open https://ui.perfetto.dev, then \"Open trace file\" and pick it "
		       "(API calls under \"host\", jobs per queue under \"device\")\n\n", trace);

	if (cr.ran) {
		double acc = 100.0 * cr.correct / cr.images;

		if (cr.have_ref) {
			double racc = 100.0 * cr.ref_correct / cr.images, diff = fabs(acc - racc);
			bool ok = diff <= ACC_TOL_POINTS + 1e-9;

			printf("Fashion-MNIST accuracy: %.2f%% (%u/%u) on the device, PyTorch %.2f%%: %s by %.2f points; "
			       "%u of %u predictions differ\n", acc, cr.correct, cr.images, racc,
			       ok ? "equal within 0.1 point, off" : "MISMATCH, off", diff, cr.disagree, cr.images);
			if (!ok && !status)
				status = EXIT_MISMATCH;
		} else {
			printf("Fashion-MNIST accuracy: %.2f%% (%u/%u) on the device (no PyTorch reference given)\n", acc,
			       cr.correct, cr.images);
		}
	}
	if (er.ran) {
		bool ok = er.max_err <= ENC_TOL;

		printf("Encoder fp16 max |error| vs PyTorch fp32: %.2e (RMS %.2e, outputs up to %.2f; %s %.2g)\n",
		       er.max_err, er.rms_err, er.max_ref, ok ? "within" : "MISMATCH, above", ENC_TOL);
		if (!ok && !status)
			status = EXIT_MISMATCH;
	}
	return status;
}

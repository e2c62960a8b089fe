// SPDX-License-Identifier: MIT
/*
 * sinan-run: run a model on a Sinan NPU.
 *
 *   sinan-run MODEL (.onnx or .sno) --input NAME=FILE ... --output NAME=FILE ...
 *             [--precision fp32|fp16|bf16|int8] [--calibration FILE] [--iters N] [--profile] [--kernels]
 *
 * Inputs and outputs are .npy files (NumPy format 1.0/2.0, C order) or raw
 * little-endian binaries (anything else; the model's shape and type). An
 * .onnx model is compiled for the device first (with the on-disk cache), its
 * symbolic input dimensions bound from the .npy shapes. Prints the wall-clock
 * latency per run and the modeled device time; --profile adds modeled cycles,
 * cube utilization and bytes per op.
 * The backend is $SINAN_BACKEND (drm, or sim for the in-process simulator).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>

#include "sinan-npy.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "input", required_argument, NULL, 'i' }, { "output", required_argument, NULL, 'o' },
		{ "precision", required_argument, NULL, 'p' }, { "iters", required_argument, NULL, 'n' },
		{ "profile", no_argument, NULL, 'P' }, { "help", no_argument, NULL, 'h' },
		{ "calibration", required_argument, NULL, 'c' }, { "kernels", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 } };
	struct arr in[MAXIO], out[MAXIO];
	void *bufs[MAXIO] = { 0 };
	int nin = 0, nout = 0, iters = 1, c, rc = 1;
	bool profile = false;
	struct sinan_model_options o = { .size = sizeof(o) };

	while ((c = getopt_long(argc, argv, "i:o:p:n:c:PKh", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (nin >= MAXIO || split_arg(optarg, &in[nin])) {
				fprintf(stderr, "sinan-run: --input NAME=FILE\n");
				return 2;
			}
			nin++;
			break;
		case 'o':
			if (nout >= MAXIO || split_arg(optarg, &out[nout])) {
				fprintf(stderr, "sinan-run: --output NAME=FILE\n");
				return 2;
			}
			nout++;
			break;
		case 'p':
			if (tool_parse_precision(optarg, &o.precision)) {
				fprintf(stderr, "sinan-run: unknown precision '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n': iters = atoi(optarg); break;
		case 'c': o.calibration = optarg; break;
		case 'P': profile = true; break;
		case 'K':	/* --profile per kernel: an .onnx compiled with one op entry per kernel */
			profile = true;
			o.flags |= SINAN_MODEL_F_KERNEL_OPS;
			break;
		case 'h':
			printf("usage: sinan-run MODEL --input NAME=FILE... --output NAME=FILE... [--precision P] [--calibration FILE] [--iters N] [--profile] [--kernels]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc - 1 || iters < 1) {
		fprintf(stderr, "usage: sinan-run MODEL --input NAME=FILE... --output NAME=FILE... [--precision P] [--calibration FILE] [--iters N] [--profile] [--kernels]\n");
		return 2;
	}
	const char *model = argv[optind];
	/* inputs first: .npy shapes bind symbolic dimensions when compiling */
	char shapes[8192] = "";
	for (int i = 0; i < nin; i++) {
		size_t sz = 0;
		int e = read_all(in[i].path, &bufs[i], &sz);
		if (e) {
			fprintf(stderr, "sinan-run: %s: %s\n", in[i].path, strerror(-e));
			goto out;
		}
		if (!npy_parse(&in[i], bufs[i], sz)) {
			size_t o2 = strlen(shapes);
			o2 += (size_t)snprintf(shapes + o2, sizeof(shapes) - o2, "%s%s=", o2 ? ";" : "", in[i].name);
			for (int k = 0; k < in[i].rank; k++)
				o2 += (size_t)snprintf(shapes + o2, sizeof(shapes) - o2, "%s%lld", k ? "x" : "",
						       (long long)in[i].dims[k]);
		} else if (ends(in[i].path, ".npy")) {
			fprintf(stderr, "sinan-run: %s: not a C-order .npy file of a supported type\n", in[i].path);
			goto out;
		} else {
			in[i].data = bufs[i];
			in[i].bytes = sz;
		}
	}
	o.shapes = shapes[0] ? shapes : NULL;
	sinan_device_t dev;
	if (sinan_device_open(NULL, &dev) != SINAN_OK) {
		struct sinan_diagnosis d = { .size = sizeof(d) };
		fprintf(stderr, "sinan-run: cannot open a device: %s\n", sinan_last_error_message());
		if (sinan_device_diagnose(NULL, &d) == SINAN_OK)
			fprintf(stderr, "%s\n%s\n", d.message, d.hint);
		goto out;
	}
	sinan_model_t m;
	double t0 = now();
	if (sinan_model_load_file(dev, model, &o, &m) != SINAN_OK) {
		fprintf(stderr, "sinan-run: %s\n", sinan_last_error_message());
		sinan_device_close(dev);
		goto out;
	}
	double tload = now() - t0;
	struct sinan_model_info mi = { .size = sizeof(mi) };
	sinan_model_get_info(m, &mi);
	struct sinan_model_io mio[MAXIO], moo[MAXIO];
	for (int i = 0; i < nin; i++)
		mio[i] = (struct sinan_model_io){ in[i].name, in[i].data, in[i].bytes };
	/* outputs: every requested one, sized from the model */
	for (int i = 0; i < nout; i++) {
		struct sinan_model_tensor t = { .size = sizeof(t) };
		uint32_t k;
		for (k = 0; k < mi.num_outputs; k++) {
			sinan_model_get_output(m, k, &t);
			if (!strcmp(t.name, out[i].name))
				break;
		}
		if (k == mi.num_outputs) {
			fprintf(stderr, "sinan-run: the model has no output '%s'\n", out[i].name);
			goto out_m;
		}
		out[i].data = calloc(1, t.bytes + 1);
		out[i].bytes = t.bytes;
		moo[i] = (struct sinan_model_io){ out[i].name, out[i].data, out[i].bytes };
	}
	double best = 1e30, total = 0;
	for (int it = 0; it < iters; it++) {
		double a = now();
		if (sinan_model_run(m, (uint32_t)nin, mio, (uint32_t)nout, moo) != SINAN_OK) {
			fprintf(stderr, "sinan-run: %s\n", sinan_last_error_message());
			goto out_m;
		}
		double d = now() - a;
		total += d;
		if (d < best)
			best = d;
	}
	struct sinan_model_run_stats rs = { .size = sizeof(rs) };
	sinan_model_get_run_stats(m, &rs);
	printf("model: %s (%u ops, %u kernels), loaded in %.1f ms\n", model, mi.num_ops, mi.num_kernels, tload * 1e3);
	printf("latency: %.3f ms mean, %.3f ms best over %d run%s (host wall clock)\n", total / iters * 1e3,
	       best * 1e3, iters, iters > 1 ? "s" : "");
	printf("device time (modeled): %.3f ms compute, %.3f ms with input/output copies, %llu cycles; cube utilization %.3f\n",
	       (double)rs.device_ns / 1e6, (double)rs.total_cycles * ((double)rs.device_ns / (rs.device_cycles ? rs.device_cycles : 1)) / 1e6,
	       (unsigned long long)rs.device_cycles, rs.cube_utilization);
	printf("device memory: peak %llu bytes (weights %llu, activations %llu, I/O %llu)\n",
	       (unsigned long long)mi.peak_bytes, (unsigned long long)mi.weights_bytes,
	       (unsigned long long)mi.arena_bytes, (unsigned long long)mi.io_bytes);
	if (profile) {
		printf("%-40s %-20s %12s %8s %12s\n", "op", "type", "cycles", "cube", "bytes");
		for (uint32_t i = 0; i < mi.num_ops; i++) {
			struct sinan_model_op_stats s = { .size = sizeof(s) };
			if (sinan_model_get_op_stats(m, i, &s) == SINAN_OK)
				printf("%-40.40s %-20.20s %12llu %8.3f %12llu\n", s.name, s.op, (unsigned long long)s.cycles,
				       s.cube_utilization, (unsigned long long)s.bytes);
		}
	}
	for (int i = 0; i < nout; i++) {
		struct sinan_model_tensor t = { .size = sizeof(t) };
		for (uint32_t k = 0; k < mi.num_outputs; k++) {
			sinan_model_get_output(m, k, &t);
			if (!strcmp(t.name, out[i].name))
				break;
		}
		int e;
		if (ends(out[i].path, ".npy")) {
			e = npy_write(out[i].path, &t, out[i].data);
		} else {
			FILE *f = fopen(out[i].path, "wb");
			e = !f || fwrite(out[i].data, 1, out[i].bytes, f) != out[i].bytes ? -EIO : 0;
			if (f && fclose(f))
				e = -EIO;
		}
		if (e) {
			fprintf(stderr, "sinan-run: cannot write %s\n", out[i].path);
			goto out_m;
		}
	}
	rc = 0;
out_m:
	sinan_model_destroy(m);
	sinan_device_close(dev);
out:
	for (int i = 0; i < nin; i++)
		free(bufs[i]);
	for (int i = 0; i < nout; i++)
		free(out[i].data);
	return rc;
}

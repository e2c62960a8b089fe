// SPDX-License-Identifier: MIT
/*
 * sinan-cc: compile an ONNX model for a Sinan NPU, offline (like Ascend's
 * atc or Cambricon's MagicMind builder).
 *
 *   sinan-cc model.onnx -o model.sno [--precision fp32|fp16|bf16|int8]
 *            [--shape NAME=DxDx...]... [--calibration FILE] [--target sim|device]
 *            [--no-fusion] [--check] [-v]
 *   sinan-cc model.onnx --calibrate OUT.txt --input NAME=FILE... [--percentile P]
 *            [--shape NAME=DxDx...]... [--no-fusion] [-o model.sno --precision int8 ...]
 *
 * --calibrate writes an int8 calibration file (for --calibration): the
 * model runs on the host's plain-C reference executor over the given inputs
 * and every float activation gets the symmetric scale max|x| / 127 (or, with
 * --percentile P, the P-th percentile of |x| / 127) over all runs. Inputs are
 * .npy or raw files in the model's types; give an input several times for
 * several runs (the k-th file of each input makes run k). With -o as well,
 * the model is then compiled with the new file.
 *
 * The target's core count and buffer sizes come from the default simulator
 * chip, or with --target device from the first device's capability
 * registers. --check only reports which nodes the device cannot run.
 * Exit status: 0 compiled, 1 error (the message names the node, operator and
 * attribute), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>

#include "sinan-npy.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sinan-cc MODEL.onnx -o OUT.sno [--precision fp32|fp16|bf16|int8]\n"
		   "                [--shape NAME=DxDx...]... [--calibration FILE] [--target sim|device]\n"
		   "                [--no-fusion] [--check] [-v]\n"
		   "       sinan-cc MODEL.onnx --calibrate OUT.txt --input NAME=FILE... [--percentile P]\n"
		   "                [--shape NAME=DxDx...]... [--no-fusion] [-o OUT.sno ...]\n");
}

/* Bind "NAME=DxDx..." (a --shape option) in @g. */
static int bind_shape_arg(sinan_graph_t g, const char *arg)
{
	char name[256];
	int64_t d[SINAN_MAX_RANK];
	int r = 0;
	const char *eq = strrchr(arg, '=');

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name))
		return -1;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = 0;
	for (const char *p = eq + 1; *p;) {
		char *e;
		long long v = strtoll(p, &e, 10);
		if (e == p || v < 0 || r >= SINAN_MAX_RANK || (*e && *e != 'x'))
			return -1;
		d[r++] = v;
		p = *e ? e + 1 : e;
	}
	return sinan_graph_bind_input(g, name, r, d) ? -1 : 0;
}

/*
 * --calibrate: the k-th --input of each name makes run k. Returns the exit
 * status (0, 1 error, 2 usage).
 */
static int calibrate(const char *model, const char *path, struct arr *in, int nin, const char *shapes,
		     const struct sinan_calibration_options *co)
{
	char err[1024];
	const char *names[MAXIO];
	int nnames = 0, runs = 0, count[MAXIO] = { 0 }, ret = 1;
	void *bufs[MAXIO * 4] = { 0 };
	struct sinan_model_io *io = NULL;
	sinan_graph_t g = NULL;

	if (nin > (int)(sizeof(bufs) / sizeof(bufs[0]))) {
		fprintf(stderr, "sinan-cc: too many --input files\n");
		return 2;
	}
	for (int i = 0; i < nin; i++) {	/* distinct names, files per name */
		int k;
		for (k = 0; k < nnames && strcmp(names[k], in[i].name); k++)
			;
		if (k == MAXIO) {
			fprintf(stderr, "sinan-cc: more than %d inputs\n", MAXIO);
			return 2;
		}
		if (k == nnames)
			names[nnames++] = in[i].name;
		count[k]++;
	}
	runs = count[0];
	for (int k = 1; k < nnames; k++)
		if (count[k] != runs) {
			fprintf(stderr, "sinan-cc: --calibrate: input '%s' has %d files, '%s' %d: give each input "
				"once per run\n", names[k], count[k], names[0], runs);
			return 2;
		}
	if (sinan_graph_import_onnx_file(model, &g, err, sizeof(err))) {
		fprintf(stderr, "sinan-cc: %s\n", err);
		return 1;
	}
	if (sinan_graph_num_inputs(g) != nnames) {
		fprintf(stderr, "sinan-cc: --calibrate: the model has %d inputs, %d given\n", sinan_graph_num_inputs(g),
			nnames);
		goto out;
	}
	for (char *sp = (char *)shapes; sp && *sp;) {	/* --shape options, ';'-separated */
		char one[512];
		size_t len = strcspn(sp, ";");
		snprintf(one, sizeof(one), "%.*s", (int)len, sp);
		if (bind_shape_arg(g, one)) {
			fprintf(stderr, "sinan-cc: --shape %s: %s\n", one, sinan_graph_error(g));
			goto out;
		}
		sp += len + (sp[len] == ';');
	}
	io = calloc((size_t)nin, sizeof(*io));
	if (!io) {
		fprintf(stderr, "sinan-cc: out of memory\n");
		goto out;
	}
	int seen[MAXIO] = { 0 };
	for (int i = 0; i < nin; i++) {
		size_t sz = 0;
		int e = read_all(in[i].path, &bufs[i], &sz), k;
		if (e) {
			fprintf(stderr, "sinan-cc: %s: %s\n", in[i].path, strerror(-e));
			goto out;
		}
		for (k = 0; strcmp(names[k], in[i].name); k++)
			;
		int run = seen[k]++;
		sinan_tensor_t t = NULL;
		for (int j = 0; j < sinan_graph_num_inputs(g); j++) {
			struct sinan_tensor_info ti;
			if (!sinan_tensor_get_info(sinan_graph_get_input(g, j), &ti) && !strcmp(ti.name, in[i].name))
				t = sinan_graph_get_input(g, j);
		}
		if (!t) {
			fprintf(stderr, "sinan-cc: the model has no input '%s'\n", in[i].name);
			goto out;
		}
		struct sinan_tensor_info ti;
		sinan_tensor_get_info(t, &ti);
		if (!npy_parse(&in[i], bufs[i], sz)) {
			if (in[i].type != ti.type) {
				fprintf(stderr, "sinan-cc: %s: %s values for input '%s' of type %s\n", in[i].path,
					sinan_type_name(in[i].type), in[i].name, sinan_type_name(ti.type));
				goto out;
			}
			bool same = in[i].rank == ti.rank;
			for (int d = 0; same && d < ti.rank; d++)
				same = ti.dims[d] == in[i].dims[d];
			if (!same && run == 0) {	/* the first run binds symbolic dimensions */
				if (sinan_graph_bind_input(g, in[i].name, in[i].rank, in[i].dims)) {
					fprintf(stderr, "sinan-cc: %s: %s\n", in[i].path, sinan_graph_error(g));
					goto out;
				}
			} else if (!same) {
				fprintf(stderr, "sinan-cc: %s: shape differs from the first run's (every run has the "
					"same shapes)\n", in[i].path);
				goto out;
			}
		} else if (ends(in[i].path, ".npy")) {
			fprintf(stderr, "sinan-cc: %s: not a C-order .npy file of a supported type\n", in[i].path);
			goto out;
		} else {
			in[i].data = bufs[i];
			in[i].bytes = sz;
		}
		io[run * nnames + k] = (struct sinan_model_io){ .name = in[i].name, .data = in[i].data,
							       .bytes = in[i].bytes };
	}
	if (sinan_graph_calibrate(g, (uint32_t)runs, (uint32_t)nnames, io, co, path) != SINAN_OK) {
		fprintf(stderr, "sinan-cc: %s\n", sinan_last_error_message());
		goto out;
	}
	if (co->method == SINAN_CALIBRATION_PERCENTILE)
		printf("%s: int8 scales from %d run%s (%g-th percentile of |x| / 127)\n", path, runs, runs > 1 ? "s" : "",
		       co->percentile);
	else
		printf("%s: int8 scales from %d run%s (max|x| / 127)\n", path, runs, runs > 1 ? "s" : "");
	ret = 0;
out:
	for (int i = 0; i < nin; i++)
		free(bufs[i]);
	free(io);
	sinan_graph_destroy(g);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' }, { "precision", required_argument, NULL, 'p' },
		{ "shape", required_argument, NULL, 's' }, { "calibration", required_argument, NULL, 'c' },
		{ "target", required_argument, NULL, 't' }, { "no-fusion", no_argument, NULL, 'F' },
		{ "check", no_argument, NULL, 'k' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { "calibrate", required_argument, NULL, 'C' },
		{ "input", required_argument, NULL, 'i' }, { "percentile", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 } };
	const char *out = NULL, *cal = NULL, *target = "sim", *calib_out = NULL;
	struct sinan_calibration_options co = { .size = sizeof(co) };
	static struct arr in[MAXIO * 4];
	int nin = 0;
	char shapes[4096] = "";
	struct sinan_model_options o = { .size = sizeof(o) };
	bool check = false, verbose = false;
	int c;

	while ((c = getopt_long(argc, argv, "o:p:s:c:t:Fkvh", lo, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'C': calib_out = optarg; break;
		case 'i':
			if (nin >= (int)(sizeof(in) / sizeof(in[0])) || split_arg(optarg, &in[nin])) {
				fprintf(stderr, "sinan-cc: --input NAME=FILE (at most %zu)\n", sizeof(in) / sizeof(in[0]));
				return 2;
			}
			nin++;
			break;
		case 'P':
			co.method = SINAN_CALIBRATION_PERCENTILE;
			co.percentile = strtod(optarg, &end);
			if (end == optarg || *end || !(co.percentile > 0 && co.percentile <= 100)) {
				fprintf(stderr, "sinan-cc: --percentile takes a number in (0, 100]\n");
				return 2;
			}
			break;
		case 'o': out = optarg; break;
		case 'p':
			if (tool_parse_precision(optarg, &o.precision)) {
				fprintf(stderr, "sinan-cc: unknown precision '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (strlen(shapes) + strlen(optarg) + 2 >= sizeof(shapes)) {
				fprintf(stderr, "sinan-cc: too many --shape options\n");
				return 2;
			}
			if (shapes[0])
				strcat(shapes, ";");
			strcat(shapes, optarg);
			break;
		case 'c': cal = optarg; break;
		case 't': target = optarg; break;
		case 'F': o.flags |= SINAN_MODEL_F_NO_FUSION; break;
		case 'k': check = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || (!out && !check && !calib_out) || (!calib_out && (nin || co.method)) ||
	    (calib_out && (!nin || check))) {
		usage(stderr);
		return 2;
	}
	const char *model = argv[optind];
	o.shapes = shapes[0] ? shapes : NULL;
	if (calib_out) {
		co.flags = o.flags & SINAN_MODEL_F_NO_FUSION;
		int st = calibrate(model, calib_out, in, nin, o.shapes, &co);
		if (st || !out)
			return st;
		if (!cal)	/* then compile with it */
			cal = calib_out;
	}
	o.calibration = cal;

	sinan_device_t dev = NULL;
	if (!strcmp(target, "device")) {
		if (sinan_device_open(NULL, &dev) != SINAN_OK) {
			fprintf(stderr, "sinan-cc: cannot open a device: %s\n", sinan_last_error_message());
			return 1;
		}
	} else if (strcmp(target, "sim")) {
		fprintf(stderr, "sinan-cc: --target is 'sim' (the default chip) or 'device'\n");
		return 2;
	}
	if (check) {
		char err[1024], *report = malloc(1 << 20);
		sinan_graph_t g;
		int rc = sinan_graph_import_onnx_file(model, &g, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "sinan-cc: %s\n", err);
			return 1;
		}
		rc = report ? sinan_graph_check(g, o.precision, report, 1 << 20) : -ENOMEM;
		if (rc == 0)
			printf("%s: every node runs on the device\n", model);
		else
			printf("%s: %s", model, report ? report : "out of memory\n");
		free(report);
		sinan_graph_destroy(g);
		return rc ? 1 : 0;
	}
	void *img = NULL;
	size_t bytes = 0;
	if (sinan_model_compile_onnx(model, dev, &o, &img, &bytes) != SINAN_OK) {
		fprintf(stderr, "sinan-cc: %s\n", sinan_last_error_message());
		return 1;
	}
	FILE *f = fopen(out, "wb");
	if (!f || fwrite(img, 1, bytes, f) != bytes || fclose(f)) {
		fprintf(stderr, "sinan-cc: cannot write %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (verbose) {
		/* load it on the simulator for the memory figures */
		sinan_device_t sim = dev;
		struct sinan_open_options oo = { .size = sizeof(oo), .backend = "sim", .index = SINAN_NONE32 };
		sinan_model_t m;
		if (sim || sinan_device_open(&oo, &sim) == SINAN_OK) {
			if (sinan_model_load(sim, img, bytes, &m) == SINAN_OK) {
				struct sinan_model_info mi = { .size = sizeof(mi) };
				sinan_model_get_info(m, &mi);
				printf("%s: %u ops in %u kernels, %llu MACs per run\n", out, mi.num_ops, mi.num_kernels,
				       (unsigned long long)mi.macs);
				printf("device memory: weights %llu, activations %llu (without reuse %llu), I/O %llu, "
				       "peak %llu bytes\n", (unsigned long long)mi.weights_bytes,
				       (unsigned long long)mi.arena_bytes, (unsigned long long)mi.arena_naive_bytes,
				       (unsigned long long)mi.io_bytes, (unsigned long long)mi.peak_bytes);
				sinan_model_destroy(m);
			}
			if (sim != dev)
				sinan_device_close(sim);
		}
	}
	printf("%s: %zu bytes\n", out, bytes);
	sinan_free(img);
	if (dev)
		sinan_device_close(dev);
	return 0;
}

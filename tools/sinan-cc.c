// SPDX-License-Identifier: MIT
/*
 * sinan-cc: compile an ONNX model for a Sinan NPU, offline (like Ascend's
 * atc or Cambricon's MagicMind builder).
 *
 *   sinan-cc model.onnx -o model.sno [--precision fp32|fp16|bf16|int8]
 *            [--shape NAME=DxDx...]... [--calibration FILE] [--target sim|device]
 *            [--no-fusion] [--check] [-v]
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

static void usage(FILE *f)
{
	fprintf(f, "usage: sinan-cc MODEL.onnx -o OUT.sno [--precision fp32|fp16|bf16|int8]\n"
		   "                [--shape NAME=DxDx...]... [--calibration FILE] [--target sim|device]\n"
		   "                [--no-fusion] [--check] [-v]\n");
}

int cc_parse_precision(const char *s, enum sinan_precision *p);
int cc_parse_precision(const char *s, enum sinan_precision *p)
{
	if (!strcmp(s, "fp32")) *p = SINAN_PRECISION_FP32;
	else if (!strcmp(s, "fp16")) *p = SINAN_PRECISION_FP16;
	else if (!strcmp(s, "bf16")) *p = SINAN_PRECISION_BF16;
	else if (!strcmp(s, "int8")) *p = SINAN_PRECISION_INT8;
	else return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' }, { "precision", required_argument, NULL, 'p' },
		{ "shape", required_argument, NULL, 's' }, { "calibration", required_argument, NULL, 'c' },
		{ "target", required_argument, NULL, 't' }, { "no-fusion", no_argument, NULL, 'F' },
		{ "check", no_argument, NULL, 'k' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *out = NULL, *cal = NULL, *target = "sim";
	char shapes[4096] = "";
	struct sinan_model_options o = { .size = sizeof(o) };
	bool check = false, verbose = false;
	int c;

	while ((c = getopt_long(argc, argv, "o:p:s:c:t:Fkvh", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'p':
			if (cc_parse_precision(optarg, &o.precision)) {
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
	if (optind != argc - 1 || (!out && !check)) {
		usage(stderr);
		return 2;
	}
	const char *in = argv[optind];
	o.shapes = shapes[0] ? shapes : NULL;
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
		int rc = sinan_graph_import_onnx_file(in, &g, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "sinan-cc: %s\n", err);
			return 1;
		}
		rc = report ? sinan_graph_check(g, o.precision, report, 1 << 20) : -ENOMEM;
		if (rc == 0)
			printf("%s: every node runs on the device\n", in);
		else
			printf("%s: %s", in, report ? report : "out of memory\n");
		free(report);
		sinan_graph_destroy(g);
		return rc ? 1 : 0;
	}
	void *img = NULL;
	size_t bytes = 0;
	if (sinan_model_compile_onnx(in, dev, &o, &img, &bytes) != SINAN_OK) {
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

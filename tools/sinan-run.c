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

#define MAXIO 64

struct arr {
	char name[128];
	const char *path;
	void *data;
	size_t bytes;
	int rank;
	int64_t dims[SINAN_MAX_RANK];
	enum sinan_type type;
	bool npy;
};

static const struct { const char *d; enum sinan_type t; } npy_types[] = {
	{ "<f4", SINAN_TYPE_FLOAT }, { "<f2", SINAN_TYPE_FLOAT16 }, { "<f8", SINAN_TYPE_DOUBLE },
	{ "|u1", SINAN_TYPE_UINT8 }, { "|i1", SINAN_TYPE_INT8 }, { "<i2", SINAN_TYPE_INT16 },
	{ "<u2", SINAN_TYPE_UINT16 }, { "<i4", SINAN_TYPE_INT32 }, { "<u4", SINAN_TYPE_UINT32 },
	{ "<i8", SINAN_TYPE_INT64 }, { "<u8", SINAN_TYPE_UINT64 }, { "|b1", SINAN_TYPE_BOOL },
};

static bool ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static int read_all(const char *path, void **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || ftell(f) < 0) {
		fclose(f);
		return -EIO;
	}
	long n = ftell(f);
	rewind(f);
	*data = malloc((size_t)n + 1);
	if (!*data) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(*data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*data);
		return -EIO;
	}
	fclose(f);
	*size = (size_t)n;
	return 0;
}

/* Parse a .npy file in place; *a gets a pointer into buf. */
static int npy_parse(struct arr *a, uint8_t *buf, size_t size)
{
	if (size < 10 || memcmp(buf, "\x93NUMPY", 6))
		return -1;
	size_t hl, off;
	if (buf[6] == 1) {
		hl = (size_t)buf[8] | (size_t)buf[9] << 8;
		off = 10;
	} else if (size >= 12) {
		hl = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
		off = 12;
	} else {
		return -1;
	}
	if (hl > size - off || hl > 65536)
		return -1;
	char h[65537];
	memcpy(h, buf + off, hl);
	h[hl] = 0;
	char *d = strstr(h, "'descr':");
	char *fo = strstr(h, "'fortran_order':");
	char *sh = strstr(h, "'shape':");
	if (!d || !fo || !sh || strstr(fo, "True") == fo + 17)
		return -1;
	d = strchr(d + 8, '\'');
	if (!d)
		return -1;
	a->type = SINAN_TYPE_UNDEFINED;
	for (size_t i = 0; i < sizeof(npy_types) / sizeof(npy_types[0]); i++)
		if (!strncmp(d + 1, npy_types[i].d, 3))
			a->type = npy_types[i].t;
	if (a->type == SINAN_TYPE_UNDEFINED)
		return -1;
	char *p = strchr(sh, '(');
	if (!p)
		return -1;
	p++;
	a->rank = 0;
	while (*p && *p != ')') {
		char *e;
		long long v = strtoll(p, &e, 10);
		if (e == p) {
			p++;
			continue;
		}
		if (a->rank >= SINAN_MAX_RANK || v < 0)
			return -1;
		a->dims[a->rank++] = v;
		p = e;
	}
	size_t n = 1;
	for (int i = 0; i < a->rank; i++)
		n *= (size_t)a->dims[i];
	size_t need = n * sinan_type_size(a->type);
	if (size - off - hl < need)
		return -1;
	a->data = buf + off + hl;
	a->bytes = need;
	a->npy = true;
	return 0;
}

static int npy_write(const char *path, const struct sinan_model_tensor *t, const void *data)
{
	const char *descr = NULL;
	for (size_t i = 0; i < sizeof(npy_types) / sizeof(npy_types[0]); i++)
		if (npy_types[i].t == t->type)
			descr = npy_types[i].d;
	if (!descr)
		return -EINVAL;
	char hdr[512], shp[256] = "";
	size_t o = 0;
	for (uint32_t i = 0; i < t->rank; i++)
		o += (size_t)snprintf(shp + o, sizeof(shp) - o, "%lld%s", (long long)t->dims[i],
				      t->rank == 1 || i + 1 < t->rank ? "," : "");
	int n = snprintf(hdr, sizeof(hdr), "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shp);
	int total = 10 + n + 1;
	int pad = (64 - total % 64) % 64;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	uint16_t hl = (uint16_t)(n + pad + 1);
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc(hl & 0xff, f);
	fputc(hl >> 8, f);
	fwrite(hdr, 1, (size_t)n, f);
	for (int i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	bool ok = fwrite(data, 1, t->bytes, f) == t->bytes;
	return fclose(f) || !ok ? -EIO : 0;
}

static int split_arg(const char *arg, struct arr *a)
{
	const char *eq = strchr(arg, '=');
	memset(a, 0, sizeof(*a));
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(a->name))
		return -1;
	memcpy(a->name, arg, (size_t)(eq - arg));
	a->path = eq + 1;
	return 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
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
			if (cc_parse_precision(optarg, &o.precision)) {
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

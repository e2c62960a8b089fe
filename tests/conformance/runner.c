// SPDX-License-Identifier: MIT
/*
 * ONNX conformance runner: executes ONNX's own backend test cases
 * (Debian libonnx-testdata: <case>/model.onnx + test_data_set_N/{input,output}_K.pb)
 * and compares with the expected outputs using ONNX's tolerances
 * (|got - want| <= atol + rtol * |want|, rtol 1e-3, atol 1e-7, NaN == NaN).
 *
 *   sinan-conformance [--reference] [--backend sim|drm] [--data DIR]...
 *                     [--filter SUBSTR] [--report-md FILE] [--report-json FILE] [-v]
 *
 * Default mode runs every case whose operators the device supports on the
 * device (simulator backend, or the driver with --backend drm, as make
 * check does for a subset in the emulated machine) in fp32 and counts the
 * others as "unsupported",
 * with the reason. --reference runs the plain-C reference executor instead:
 * that validates the frontend and the references the device tests compare
 * against; its results are never counted as device passes.
 */
#include "cc_int.h"

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_IO 64
#define RTOL 1e-3
#define ATOL 1e-7

enum result { R_PASS, R_FAIL, R_UNSUP };
static const char *const rname[] = { "passed", "FAILED", "unsupported" };

struct caseres {
	char *name;
	enum result r;
	char why[512];
	double ms;
};

static bool verbose;
static bool reference;
static sinan_device_t dev;

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of @dir starting with @prefix (NULL = all dirs). */
static int list_dir(const char *dir, const char *prefix, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	int n = 0, cap = 0;

	*out = NULL;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (prefix && strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nv = realloc(v, sizeof(*v) * (size_t)cap);
			if (!nv)
				break;
			v = nv;
		}
		v[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, (size_t)n, sizeof(*v), cmpstr);
	*out = v;
	return n;
}

static void free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int load_pb(const char *path, struct cc_view *v, char *err, size_t len)
{
	void *data;
	size_t size;
	int rc = cc_read_file(path, &data, &size, 1ULL << 31, err, len);
	if (rc)
		return rc;
	rc = cc_onnx_tensor_file(data, size, v, NULL, err, len);
	free(data);
	return rc;
}

/* index K of "input_K.pb" */
static int pb_index(const char *name, const char *prefix)
{
	return atoi(name + strlen(prefix));
}

static bool close_enough(int dt, const void *got, const void *want, uint64_t i, double *maxerr)
{
	if (cc_dtype_is_float(dt)) {
		double a = cc_ld(dt, got, i), b = cc_ld(dt, want, i);
		if (isnan(a) || isnan(b))
			return isnan(a) && isnan(b);
		if (isinf(a) || isinf(b))
			return a == b;
		double e = fabs(a - b);
		if (e > *maxerr)
			*maxerr = e;
		return e <= ATOL + RTOL * fabs(b);
	}
	return cc_ldi(dt, got, i) == cc_ldi(dt, want, i);
}

static enum result run_set(const char *casedir, const char *set, char *why, size_t wlen)
{
	char path[4096], err[512];
	struct cc_graph *g = NULL;
	struct cc_view in[MAX_IO], want[MAX_IO], got[MAX_IO];
	int nin = 0, nwant = 0, rc;
	enum result res = R_FAIL;
	char **files = NULL;
	int nf;

	memset(in, 0, sizeof(in));
	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	snprintf(path, sizeof(path), "%s/model.onnx", casedir);
	rc = sinan_graph_import_onnx_file(path, &g, err, sizeof(err));
	if (rc) {
		snprintf(why, wlen, "import: %s", err);
		return rc == -ENOTSUP ? R_UNSUP : R_FAIL;
	}
	snprintf(path, sizeof(path), "%s/%s", casedir, set);
	nf = list_dir(path, NULL, &files);
	for (int i = 0; i < nf; i++) {
		char fp[4096 + 256];
		bool isin = !strncmp(files[i], "input_", 6), isout = !strncmp(files[i], "output_", 7);
		if (!isin && !isout)
			continue;
		int k = pb_index(files[i], isin ? "input_" : "output_");
		if (k < 0 || k >= MAX_IO) {
			snprintf(why, wlen, "%s: too many tensors", set);
			goto out;
		}
		snprintf(fp, sizeof(fp), "%s/%s", path, files[i]);
		struct cc_view *v = isin ? &in[k] : &want[k];
		rc = load_pb(fp, v, err, sizeof(err));
		if (rc) {
			snprintf(why, wlen, "%s/%s: %s", set, files[i], err);
			res = rc == -ENOTSUP ? R_UNSUP : R_FAIL;
			goto out;
		}
		if (isin)
			nin = CC_MAX(nin, k + 1);
		else
			nwant = CC_MAX(nwant, k + 1);
	}
	if (nin != g->ninputs || nwant != g->noutputs) {
		snprintf(why, wlen, "%s: %d inputs/%d outputs, model has %d/%d", set, nin, nwant,
			 g->ninputs, g->noutputs);
		if (nin < g->ninputs)	/* optional inputs left out by the test */
			res = R_UNSUP;
		goto out;
	}
	/* numpy has no bfloat16: ONNX's test data stores it as uint16 bits */
	for (int i = 0; i < nin; i++)
		if (in[i].dtype == SINAN_TYPE_UINT16 && g->inputs[i]->dtype == SINAN_TYPE_BFLOAT16)
			in[i].dtype = SINAN_TYPE_BFLOAT16;
	for (int i = 0; i < nin; i++) {
		if (in[i].dtype != g->inputs[i]->dtype) {
			snprintf(why, wlen, "input %d: type %s, model says %s", i, cc_dtype_name(in[i].dtype),
				 cc_dtype_name(g->inputs[i]->dtype));
			goto out;
		}
		const struct cc_tensor *t = g->inputs[i];
		bool fits = t->rank < 0 || t->rank == in[i].rank;
		for (int k = 0; fits && k < t->rank; k++)
			fits = t->dims[k] < 0 || t->dims[k] == in[i].dims[k];
		if (!fits) {
			/* e.g. castlike_*: 'like' declared [3,4], stored as [1] */
			snprintf(why, wlen, "test data input %d does not match the model's declared shape", i);
			res = R_UNSUP;
			goto out;
		}
		if (cc_bind_input_shape(g, t->name, in[i].rank, in[i].dims)) {
			snprintf(why, wlen, "%s", g->err);
			goto out;
		}
	}
	/* shape-defining inputs (Reshape's shape, ...) are specialized: bound at compile time */
	bool spec[MAX_IO] = { false };
	if (cc_spec_inputs(g, spec)) {
		snprintf(why, wlen, "%s", g->err);
		goto out;
	}
	for (int i = 0; i < nin; i++)
		if (spec[i] && cc_bind_input_value(g, g->inputs[i]->name, &in[i])) {
			snprintf(why, wlen, "%s", g->err);
			goto out;
		}
	rc = cc_pass_infer_fold(g);
	if (!rc)
		rc = cc_pass_simplify(g);
	if (rc) {
		snprintf(why, wlen, "%s", g->err);
		res = rc == -ENOTSUP ? R_UNSUP : R_FAIL;
		goto out;
	}
	if (reference) {
		rc = cc_ref_run(g, in, got);
		if (rc) {
			snprintf(why, wlen, "reference: %s", g->err);
			res = rc == -ENOTSUP ? R_UNSUP : R_FAIL;
			goto out;
		}
	} else {
		/* the device: compile (fp32), load and run on the simulator; the compiler decides support */
		cc_err_clear(g);
		void *img = NULL;
		size_t isz = 0;
		struct sinan_model_options mo = { .size = sizeof(mo), .precision = SINAN_PRECISION_FP32 };
		sinan_status st = sinan_model_compile(g, dev, &mo, &img, &isz);
		if (st != SINAN_OK) {
			snprintf(why, wlen, "compile: %s", sinan_last_error_message());
			res = st == SINAN_E_NOT_SUPPORTED ? R_UNSUP : R_FAIL;
			goto out;
		}
		sinan_model_t m = NULL;
		st = sinan_model_load(dev, img, isz, &m);
		free(img);
		if (st != SINAN_OK) {
			snprintf(why, wlen, "load: %s", sinan_last_error_message());
			goto out;
		}
		struct sinan_model_io mi[MAX_IO], mout[MAX_IO];
		for (int i = 0; i < nin; i++) {
			mi[i].name = NULL;
			mi[i].data = in[i].data;
			mi[i].bytes = cc_view_elems(&in[i]) * cc_dtype_size(in[i].dtype);
		}
		for (int i = 0; i < nwant; i++) {
			struct cc_tensor *t = g->outputs[i];
			cc_view_of(&got[i], t);
			size_t b = cc_tensor_bytes(t);
			got[i].data = calloc(1, b ? b : 1);
			mout[i].name = NULL;
			mout[i].data = got[i].data;
			mout[i].bytes = b;
		}
		st = sinan_model_run(m, (uint32_t)nin, mi, (uint32_t)nwant, mout);
		sinan_model_destroy(m);
		if (st != SINAN_OK) {
			snprintf(why, wlen, "run: %s", sinan_last_error_message());
			goto out;
		}
	}
	for (int i = 0; i < nwant; i++) {
		uint64_t ne = cc_view_elems(&want[i]);
		double maxerr = 0;
		if (want[i].dtype == SINAN_TYPE_UINT16 && got[i].dtype == SINAN_TYPE_BFLOAT16)
			want[i].dtype = SINAN_TYPE_BFLOAT16;
		if (got[i].dtype != want[i].dtype || got[i].rank != want[i].rank ||
		    memcmp(got[i].dims, want[i].dims, sizeof(int64_t) * (size_t)want[i].rank)) {
			char a[128], b[128];
			struct cc_tensor ta = { .rank = got[i].rank }, tb = { .rank = want[i].rank };
			memcpy(ta.dims, got[i].dims, sizeof(ta.dims));
			memcpy(tb.dims, want[i].dims, sizeof(tb.dims));
			cc_shape_str(&ta, a, sizeof(a));
			cc_shape_str(&tb, b, sizeof(b));
			snprintf(why, wlen, "output %d: got %s%s, want %s%s", i, cc_dtype_name(got[i].dtype),
				 a, cc_dtype_name(want[i].dtype), b);
			goto out;
		}
		for (uint64_t j = 0; j < ne; j++)
			if (!close_enough(want[i].dtype, got[i].data, want[i].data, j, &maxerr)) {
				snprintf(why, wlen, "output %d element %llu: got %.9g, want %.9g", i,
					 (unsigned long long)j, cc_ld(got[i].dtype, got[i].data, j),
					 cc_ld(want[i].dtype, want[i].data, j));
				goto out;
			}
	}
	res = R_PASS;
out:
	for (int i = 0; i < MAX_IO; i++) {
		free(in[i].data);
		free(want[i].data);
		free(got[i].data);
	}
	free_list(files, nf > 0 ? nf : 0);
	cc_graph_free(g);
	return res;
}

static enum result run_case(const char *casedir, char *why, size_t wlen)
{
	char **sets;
	int ns = list_dir(casedir, "test_data_set_", &sets);
	enum result r = R_PASS;

	if (ns <= 0) {
		snprintf(why, wlen, "no test data sets");
		free_list(sets, ns > 0 ? ns : 0);
		return R_FAIL;
	}
	for (int i = 0; i < ns && r == R_PASS; i++) {
		r = run_set(casedir, sets[i], why, wlen);
		if (r != R_PASS && ns > 1) {
			char tmp[512];
			snprintf(tmp, sizeof(tmp), "%s: %s", sets[i], why);
			snprintf(why, wlen, "%s", tmp);
		}
	}
	free_list(sets, ns);
	return r;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int main(int argc, char **argv)
{
	const char *dirs[16];
	int ndirs = 0;
	const char *filter = NULL, *md = NULL, *js = NULL;
	static const char *const defdirs[] = {
		"/usr/share/libonnx-testdata/data/node",
		"/usr/share/libonnx-testdata/data/pytorch-converted",
		"/usr/share/libonnx-testdata/data/pytorch-operator",
		"/usr/share/libonnx-testdata/data/simple",
	};
	struct caseres *res = NULL;
	int nres = 0, cap = 0, cnt[3] = { 0 };
	const char *backend = "sim";

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reference"))
			reference = true;
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--data") && i + 1 < argc && ndirs < 16)
			dirs[ndirs++] = argv[++i];
		else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
			backend = argv[++i];
		else if (!strcmp(argv[i], "--filter") && i + 1 < argc)
			filter = argv[++i];
		else if (!strcmp(argv[i], "--report-md") && i + 1 < argc)
			md = argv[++i];
		else if (!strcmp(argv[i], "--report-json") && i + 1 < argc)
			js = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--reference] [--backend sim|drm] [--data DIR]... [--filter S] "
				"[--report-md F] [--report-json F] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (!ndirs)
		for (size_t i = 0; i < CC_ARRAY_SIZE(defdirs); i++)
			dirs[ndirs++] = defdirs[i];
	if (!reference) {
		struct sinan_open_options oo = { .size = sizeof(oo), .backend = backend, .index = SINAN_NONE32 };
		if (sinan_device_open(&oo, &dev) != SINAN_OK) {
			fprintf(stderr, "conformance: cannot open the %s device: %s\n", backend,
				sinan_last_error_message());
			return 1;
		}
	}
	for (int d = 0; d < ndirs; d++) {
		char **cases;
		int nc = list_dir(dirs[d], NULL, &cases);
		const char *sub = strrchr(dirs[d], '/');
		sub = sub ? sub + 1 : dirs[d];
		if (nc < 0) {
			fprintf(stderr, "conformance: cannot read %s (is libonnx-testdata installed?)\n", dirs[d]);
			return 1;
		}
		for (int c = 0; c < nc; c++) {
			char cd[4096], name[512], why[512] = "";
			struct timespec t0, t1;
			snprintf(name, sizeof(name), "%s/%s", sub, cases[c]);
			if (filter && !strstr(name, filter))
				continue;
			snprintf(cd, sizeof(cd), "%s/%s", dirs[d], cases[c]);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			enum result r = run_case(cd, why, sizeof(why));
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (nres == cap) {
				cap = cap ? cap * 2 : 256;
				res = realloc(res, sizeof(*res) * (size_t)cap);
				if (!res)
					return 1;
			}
			res[nres].name = strdup(name);
			res[nres].r = r;
			snprintf(res[nres].why, sizeof(res[nres].why), "%s", why);
			res[nres].ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
			cnt[r]++;
			if (verbose || r == R_FAIL)
				printf("%-60s %s%s%s\n", name, rname[r], why[0] ? ": " : "", why);
			nres++;
		}
		free_list(cases, nc);
	}
	const char *what = reference ? "onnx reference" : "onnx conformance";
	printf("%s: %d passed, %d failed, %d unsupported\n", what, cnt[R_PASS], cnt[R_FAIL], cnt[R_UNSUP]);
	printf("SINAN-TEST: %d passed, %d failed\n", cnt[R_PASS], cnt[R_FAIL]);
	if (md) {
		FILE *f = fopen(md, "w");
		if (f) {
			fprintf(f, "# ONNX %s%s%s (%s)\n\n%d passed, %d failed, %d unsupported\n\n",
				reference ? "reference-executor check" : "conformance on the device (",
				reference ? "" : backend, reference ? "" : ", fp32)",
				"libonnx-testdata 1.12", cnt[R_PASS], cnt[R_FAIL], cnt[R_UNSUP]);
			fprintf(f, "| case | result | ms | detail |\n|---|---|---|---|\n");
			for (int i = 0; i < nres; i++) {
				fprintf(f, "| %s | %s | %.1f | ", res[i].name, rname[res[i].r], res[i].ms);
				for (const char *s = res[i].why; *s; s++)
					fputs(*s == '|' ? "\\|" : (char[]){ *s, 0 }, f);
				fprintf(f, " |\n");
			}
			fclose(f);
		}
	}
	if (js) {
		FILE *f = fopen(js, "w");
		if (f) {
			fprintf(f, "{\"mode\":\"%s\",\"passed\":%d,\"failed\":%d,\"unsupported\":%d,\"cases\":[",
				reference ? "reference" : "device", cnt[R_PASS], cnt[R_FAIL], cnt[R_UNSUP]);
			for (int i = 0; i < nres; i++) {
				fprintf(f, "%s\n{\"name\":", i ? "," : "");
				json_str(f, res[i].name);
				fprintf(f, ",\"result\":\"%s\",\"ms\":%.2f,\"detail\":",
					res[i].r == R_PASS ? "passed" : res[i].r == R_FAIL ? "failed" : "unsupported",
					res[i].ms);
				json_str(f, res[i].why);
				fprintf(f, "}");
			}
			fprintf(f, "]}\n");
			fclose(f);
		}
	}
	for (int i = 0; i < nres; i++)
		free(res[i].name);
	free(res);
	if (dev)
		sinan_device_close(dev);
	return cnt[R_FAIL] ? 1 : 0;
}

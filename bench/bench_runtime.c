// SPDX-License-Identifier: MIT
/*
 * B3 (submission path, in the emulated machine), B4 (end-to-end model
 * latency) and B5 (runtime overhead).
 *
 * B3: a NOP job is what sinan_queue_signal() submits when nothing is
 * recorded: one NOP packet and the semaphore signal. Round trip = submit,
 * the device completes it, sinan_semaphore_wait() returns. Beside it, a
 * 4 KiB O_DIRECT read of an NVMe namespace in the same guest: the latency
 * of the fastest ordinary device a program waits for.
 *
 * B4: host latency of a model on the simulator with one host thread
 * (threads=1), against ONNX Runtime's CPU provider with one intra-op
 * thread (bench/ort-bench.js, run by bench/run-bench.sh), median of runs.
 *
 * B5: host time the runtime spends per op it records and submits as a job
 * of its own (eager dispatch), per launch in jobs of 64, and per replay of a
 * recorded command buffer (the device's work excluded: completion is
 * waited for outside the timed part; tools/sinan-rtbench has more figures).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>
#include <sinan_hw/sinan_isa.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double percentile(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)(p * (double)(n - 1))];
}

static int fail(const char *what)
{
	say("%s: %s", what, sinan_last_error_message());
	return 3;
}

/* ---- B3 ------------------------------------------------------------------------------------------- */

/* An NVMe namespace opened for 4 KiB O_DIRECT reads at scattered offsets. */
struct nvme {
	int fd;
	uint64_t blocks, x;
	void *buf;
};

static int nvme_open(struct nvme *d, const char *path, char *err, size_t errlen)
{
	uint64_t size = 0;

	memset(d, 0, sizeof(*d));
	d->x = 88172645463325252ULL;
	d->fd = open(path, O_RDONLY | O_DIRECT);
	if (d->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(d->fd, BLKGETSIZE64, &size) || size < 1 << 20) {
		snprintf(err, errlen, "%s: cannot read its size, or smaller than 1 MiB", path);
		close(d->fd);
		return -1;
	}
	d->blocks = size / 4096;
	if (posix_memalign(&d->buf, 4096, 4096)) {
		snprintf(err, errlen, "out of memory");
		close(d->fd);
		return -1;
	}
	return 0;
}

/* One read; its latency in us, or NAN (with @err) if it failed. */
static double nvme_read(struct nvme *d, char *err, size_t errlen)
{
	d->x ^= d->x << 13;
	d->x ^= d->x >> 7;
	d->x ^= d->x << 17;
	double t0 = now();

	if (pread(d->fd, d->buf, 4096, (off_t)(d->x % d->blocks * 4096)) != 4096) {
		snprintf(err, errlen, "read: %s", strerror(errno));
		return NAN;
	}
	return (now() - t0) * 1e6;
}

static void nvme_close(struct nvme *d)
{
	free(d->buf);
	close(d->fd);
}

int bench_submit(int argc, char **argv)
{
	static const struct option lo[] = { { "nvme", required_argument, NULL, 'n' },
					    { "iters", required_argument, NULL, 'i' }, { NULL, 0, NULL, 0 } };
	const char *nvme = "/dev/nvme0n1";
	int iters = 2000, c;

	while ((c = getopt_long(argc, argv, "n:i:", lo, NULL)) != -1) {
		switch (c) {
		case 'n': nvme = optarg; break;
		case 'i': iters = atoi(optarg); break;
		default: return 2;
		}
	}
	if (iters < 10)
		iters = 10;

	sinan_device_t dev;
	struct sinan_device_props p;
	sinan_queue_t q;
	sinan_semaphore_t sem;
	uint64_t v = 0;
	double *t = calloc((size_t)iters, sizeof(*t)), *ts = calloc((size_t)iters, sizeof(*ts));

	if (!t || !ts || open_device(NULL, NULL, &dev, &p))
		return 3;
	say("device %s (%s backend, %s)", p.name, p.backend, p.node);
	if (sinan_queue_create(dev, NULL, &q) != SINAN_OK || sinan_semaphore_create(dev, 0, &sem) != SINAN_OK)
		return fail("queue");

	/*
	 * single: submit one, wait for it, again. The NVMe reads are taken in
	 * blocks of 50 alternating with blocks of 50 round trips, so that both
	 * see the same machine (a busy host slows the emulated guest for both)
	 * without one disturbing the other's caches.
	 */
	char err[256] = "";
	struct nvme disk;
	bool have_disk = !nvme_open(&disk, nvme, err, sizeof(err));
	double *tn = calloc((size_t)iters, sizeof(*tn));
	const int blk = 50;

	if (!tn)
		return 3;
	for (int i0 = -blk; i0 < iters; i0 += blk) {	/* the first block warms up */
		for (int i = i0; i < i0 + blk && i < iters; i++) {
			double t0 = now(), t1;

			if (sinan_queue_signal(q, sem, ++v) != SINAN_OK)
				return fail("NOP job");
			t1 = now();
			if (sinan_semaphore_wait(sem, v, SINAN_TIMEOUT_INFINITE) != SINAN_OK)
				return fail("NOP job");
			if (i >= 0) {
				t[i] = (now() - t0) * 1e6;
				ts[i] = (t1 - t0) * 1e6;
			}
		}
		for (int i = i0; have_disk && i < i0 + blk && i < iters; i++) {
			double tr = nvme_read(&disk, err, sizeof(err));

			have_disk = !isnan(tr);
			if (i >= 0)
				tn[i] = tr;
		}
	}
	double nv = NAN, nv_p99 = NAN;

	if (have_disk) {
		nv_p99 = percentile(tn, (size_t)iters, 0.99);
		nv = median(tn, (size_t)iters);
		nvme_close(&disk);
	}
	free(tn);
	/* where the time goes: the submit call, and the wait until it returns */
	double submit_us = median(ts, (size_t)iters);
	double rt_p99 = percentile(t, (size_t)iters, 0.99), rt = median(t, (size_t)iters);
	double single_jps = 1e6 / rt;

	/* batched: 64 jobs in flight, then wait for the last */
	const int batch = 64;
	int rounds = iters / batch > 4 ? iters / batch : 4;
	double t0 = now();

	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < batch; i++)
			if (sinan_queue_signal(q, sem, ++v) != SINAN_OK)
				return fail("NOP job");
		if (sinan_semaphore_wait(sem, v, SINAN_TIMEOUT_INFINITE) != SINAN_OK)
			return fail("NOP job");
	}
	double batched_jps = rounds * batch / (now() - t0);

	sinan_semaphore_destroy(sem);
	sinan_queue_destroy(q);
	sinan_device_close(dev);
	say("NOP round trip %.1f us (p99 %.1f; submit call %.1f us), %.0f jobs/s single, %.0f jobs/s batched by %d",
	    rt, rt_p99, submit_us, single_jps, batched_jps, batch);

	if (err[0])
		say("NVMe: %s", err);
	else
		say("NVMe 4 KiB O_DIRECT read %.1f us (p99 %.1f)", nv, nv_p99);

	struct rec r1 = { .id = "B3.nop_roundtrip_vs_nvme_4k_read", .value = rt / nv, .target = 1.0,
			  .better = "lower" };
	rec_num(&r1, "nop_roundtrip_us", rt);
	rec_num(&r1, "nvme_read_us", nv);
	if (err[0])
		rec_note(&r1, "NVMe read not measured: %s", err);
	emit(&r1);
	struct rec r2 = { .id = "B3.nop_roundtrip_us", .value = rt, .target = NAN, .better = "lower", .unit = "us" };
	rec_num(&r2, "p99_us", rt_p99);
	rec_num(&r2, "submit_call_us", submit_us);
	emit(&r2);
	struct rec r3 = { .id = "B3.nvme_4k_read_us", .value = nv, .target = NAN, .better = "lower", .unit = "us" };
	rec_num(&r3, "p99_us", nv_p99);
	if (err[0])
		rec_note(&r3, "%s", err);
	emit(&r3);
	struct rec r4 = { .id = "B3.nop_jobs_per_s.single", .value = single_jps, .target = NAN, .unit = "jobs/s" };
	emit(&r4);
	struct rec r5 = { .id = "B3.nop_jobs_per_s.batched64", .value = batched_jps, .target = NAN, .unit = "jobs/s" };
	emit(&r5);
	free(t);
	free(ts);
	return 0;
}

/* ---- B4 ------------------------------------------------------------------------------------------- */

int bench_model(int argc, char **argv)
{
	static const struct option lo[] = { { "shapes", required_argument, NULL, 's' },
					    { "precision", required_argument, NULL, 'p' },
					    { "name", required_argument, NULL, 'n' },
					    { "ort-ms", required_argument, NULL, 'o' },
					    { "min-time", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 } };
	struct sinan_model_options o = { .size = sizeof(o), .flags = SINAN_MODEL_F_NO_CACHE };
	const char *name = NULL;
	double ort_ms = NAN, min_time = 3.0;
	int c;

	while ((c = getopt_long(argc, argv, "s:p:n:o:t:", lo, NULL)) != -1) {
		switch (c) {
		case 's': o.shapes = optarg; break;
		case 'p': o.precision = !strcmp(optarg, "fp16") ? SINAN_PRECISION_FP16 : SINAN_PRECISION_FP32; break;
		case 'n': name = optarg; break;
		case 'o': ort_ms = atof(optarg); break;
		case 't': min_time = atof(optarg); break;
		default: return 2;
		}
	}
	if (optind + 2 != argc || !name) {
		say("usage: b4 MODEL.onnx INPUT.bin --name NAME [--shapes S] [--precision P] [--ort-ms MS] [--min-time S]");
		return 2;
	}
	const char *model = argv[optind], *input = argv[optind + 1];
	struct rec r = { .value = NAN, .target = 3.0, .better = "lower" };
	sinan_device_t dev;
	struct sinan_device_props p;
	sinan_model_t m = NULL;
	void *x = NULL, *y = NULL;
	double *t = NULL;
	int n = 0, cap = 0;

	snprintf(r.id, sizeof(r.id), "B4.%s.latency_vs_onnxruntime", name);
	rec_num(&r, "onnxruntime_ms", ort_ms);
	if (open_device("sim", "threads=1", &dev, &p))
		return 3;
	double t0 = now();

	if (sinan_model_load_file(dev, model, &o, &m) != SINAN_OK) {
		rec_note(&r, "did not compile: %s", sinan_last_error_message());
		goto out;
	}
	double compile_s = now() - t0;
	struct sinan_model_tensor ti = { .size = sizeof(ti) }, to = { .size = sizeof(to) };

	sinan_model_get_input(m, 0, &ti);
	sinan_model_get_output(m, 0, &to);
	FILE *f = fopen(input, "rb");

	x = malloc(ti.bytes);
	y = malloc(to.bytes);
	if (!f || !x || !y || fread(x, 1, ti.bytes, f) != ti.bytes) {
		rec_note(&r, "%s: cannot read %llu bytes of input", input, (unsigned long long)ti.bytes);
		if (f)
			fclose(f);
		goto out;
	}
	fclose(f);
	struct sinan_model_io in = { .data = x, .bytes = ti.bytes }, out = { .data = y, .bytes = to.bytes };

	if (sinan_model_run(m, 1, &in, 1, &out) != SINAN_OK) {	/* warm-up */
		rec_note(&r, "run: %s", sinan_last_error_message());
		goto out;
	}
	t0 = now();
	while (n < 5 || now() - t0 < min_time) {
		double a = now();

		if (sinan_model_run(m, 1, &in, 1, &out) != SINAN_OK) {
			rec_note(&r, "run: %s", sinan_last_error_message());
			goto out;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			double *nt = realloc(t, sizeof(*t) * (size_t)cap);

			if (!nt)
				goto out;
			t = nt;
		}
		t[n++] = (now() - a) * 1e3;
	}
	double ms = median(t, (size_t)n);
	struct sinan_model_run_stats rs = { .size = sizeof(rs) };

	sinan_model_get_run_stats(m, &rs);
	r.value = ms / ort_ms;
	rec_num(&r, "sinan_sim_ms", ms);
	rec_num(&r, "modeled_device_us", (double)rs.device_ns / 1e3);
	rec_num(&r, "runs", n);
	rec_num(&r, "compile_s", compile_s);
	say("%s: sim %.2f ms per run (median of %d), ONNX Runtime %.2f ms, modeled device time %.1f us", name, ms, n,
	    ort_ms, (double)rs.device_ns / 1e3);
	if (isnan(ort_ms))
		rec_note(&r, "no ONNX Runtime latency given");
	emit(&r);
	struct rec d = { .value = (double)rs.device_ns / 1e3, .target = NAN, .better = "lower", .unit = "us" };

	snprintf(d.id, sizeof(d.id), "B4.%s.modeled_device_us", name);
	rec_num(&d, "device_cycles", (double)rs.device_cycles);
	rec_num(&d, "cube_utilization", rs.cube_utilization);
	emit(&d);
	free(t);
	free(x);
	free(y);
	sinan_model_destroy(m);
	sinan_device_close(dev);
	return 0;
out:
	say("%s: %s", name, r.note);
	emit(&r);
	struct rec d2 = { .value = NAN, .target = NAN, .better = "lower", .unit = "us" };

	snprintf(d2.id, sizeof(d2.id), "B4.%s.modeled_device_us", name);
	rec_note(&d2, "%s", r.note);
	emit(&d2);
	free(t);
	free(x);
	free(y);
	if (m)
		sinan_model_destroy(m);
	sinan_device_close(dev);
	return 1;
}

/* ---- B5 ------------------------------------------------------------------------------------------- */

int bench_overhead(int argc, char **argv)
{
	static const uint64_t end_code[] = { SINAN_ENC_I(SINAN_I_END, 0, 0, 0, 0) };
	const int ops = 4096, per_job = 64, replays = 2000, cb_launches = 16;
	sinan_device_t dev;
	struct sinan_device_props p;
	sinan_kbin_writer_t w;
	sinan_module_t mod;
	sinan_kernel_t k;
	sinan_queue_t q;
	sinan_cmdbuf_t cb;
	void *img;
	size_t bytes;

	(void)argc;
	(void)argv;
	if (open_device("sim", NULL, &dev, &p))
		return 3;
	if (sinan_kbin_writer_create(&w) != SINAN_OK ||
	    sinan_kbin_writer_add_kernel(w, "empty", end_code, 1, NULL, 0) != SINAN_OK ||
	    sinan_kbin_writer_finish(w, &img, &bytes) != SINAN_OK || sinan_kbin_writer_destroy(w) != SINAN_OK ||
	    sinan_module_load(dev, img, bytes, &mod) != SINAN_OK || sinan_module_get_kernel(mod, "empty", &k) != SINAN_OK ||
	    sinan_queue_create(dev, NULL, &q) != SINAN_OK)
		return fail("empty kernel");
	sinan_free(img);
	struct sinan_launch l = { .size = sizeof(l), .blocks = 1 };

	/*
	 * per op: record + submit, completion waited for untimed. Eager
	 * dispatch (each op its own job, the median), and ops recorded 64 to
	 * a job (the mean per launch).
	 */
	double *t1 = calloc((size_t)ops, sizeof(*t1)), api = 0;

	if (!t1)
		return 3;
	for (int i = 0; i < ops; i++) {
		double t0 = now();

		if (sinan_queue_launch(q, k, &l) != SINAN_OK || sinan_queue_submit(q) != SINAN_OK)
			return fail("launch");
		t1[i] = (now() - t0) * 1e6;
		if (sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE) != SINAN_OK)
			return fail("finish");
	}
	double per_op_us = median(t1, (size_t)ops);

	free(t1);
	for (int i = 0; i < ops; i += per_job) {
		double t0 = now();

		for (int j = 0; j < per_job; j++)
			if (sinan_queue_launch(q, k, &l) != SINAN_OK)
				return fail("launch");
		if (sinan_queue_submit(q) != SINAN_OK)
			return fail("submit");
		api += now() - t0;
		if (sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE) != SINAN_OK)
			return fail("finish");
	}
	double per_launch_us = api / ops * 1e6;

	/* per replay of a command buffer of 16 launches */
	if (sinan_cmdbuf_create(dev, &cb) != SINAN_OK)
		return fail("cmdbuf");
	for (int j = 0; j < cb_launches; j++)
		if (sinan_cmdbuf_launch(cb, k, &l) != SINAN_OK)
			return fail("cmdbuf launch");
	if (sinan_cmdbuf_end(cb) != SINAN_OK)
		return fail("cmdbuf end");
	double *t = calloc((size_t)replays, sizeof(*t)), *rt = calloc((size_t)replays, sizeof(*rt));

	if (!t || !rt)
		return 3;
	for (int i = 0; i < replays; i++) {
		double t0 = now();

		if (sinan_queue_exec(q, cb) != SINAN_OK)
			return fail("exec");
		double t1 = now();

		if (sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE) != SINAN_OK)
			return fail("finish");
		t[i] = (t1 - t0) * 1e6;
		rt[i] = (now() - t0) * 1e6;
	}
	double replay_us = median(t, (size_t)replays), replay_rt_us = median(rt, (size_t)replays);

	say("%.2f us per op dispatched as its own job, %.2f us per launch in jobs of %d; %.2f us per command-buffer "
	    "replay (%.1f us to completion)", per_op_us, per_launch_us, per_job, replay_us, replay_rt_us);
	struct rec r1 = { .id = "B5.host_us_per_dispatched_op", .value = per_op_us, .target = NAN, .better = "lower",
			  .unit = "us" };
	rec_num(&r1, "launches_per_job", 1);
	emit(&r1);
	struct rec r1b = { .id = "B5.host_us_per_launch_in_job_of_64", .value = per_launch_us, .target = NAN,
			   .better = "lower", .unit = "us" };
	rec_num(&r1b, "launches_per_job", per_job);
	emit(&r1b);
	struct rec r2 = { .id = "B5.host_us_per_cmdbuf_replay", .value = replay_us, .target = NAN, .better = "lower",
			  .unit = "us" };
	rec_num(&r2, "launches_per_cmdbuf", cb_launches);
	rec_num(&r2, "roundtrip_us", replay_rt_us);
	emit(&r2);
	free(t);
	free(rt);
	sinan_cmdbuf_destroy(cb);
	sinan_queue_destroy(q);
	sinan_module_destroy(mod);
	sinan_device_close(dev);
	return 0;
}

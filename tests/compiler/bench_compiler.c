// SPDX-License-Identifier: MIT
/*
 * Compiler benchmark (modeled cycles, not host time): fp16 GEMM, GEMV and
 * the convolution layers of ResNet-50 at batch 32, compiled and run on the
 * device ($SINAN_BACKEND, sim by default). Per case: modeled cycles of the
 * op's kernels, cube utilization (MACs / (cycles x cores x 4096)), and the
 * roofline bound of the device configuration: the cube, and the device-memory
 * bandwidth shared by all cores, which the cost model gives to reads (MTE2)
 * and writes (MTE3) each (operands read once, the result written once).
 *
 *   sinan-bench-compiler [--full]   --full adds 4096^3, 8192^3, 4096x11008x4096
 *
 * Convolutions are measured as in a network: their activations are NC1HWC0
 * (pass_layout.c), so the op is the convolution kernel alone; the network
 * figure weights each layer by how often ResNet-50 has it. The layers of
 * sinan-bench b1 (a one-node NCHW graph: Conv with weights and bias, fp16)
 * are measured both ways: the whole one-node model (NCHW <-> NC1HWC0
 * conversions included, as b1 counts it) and the convolution kernel inside
 * an NC1HWC0 chain; each with its roofline bound and what sets it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sinan/sinan.h>
#include <sinan/sinan_graph.h>
#include <sinan/sinan_model.h>

static sinan_device_t dev;
static struct sinan_device_props props = { .size = sizeof(props) };

struct meas {
	uint64_t cycles, macs, bytes;
	double util;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Compile and run @g once (inputs zero); the op with MACs (the cube's) is measured at kernel level,
 * or with @whole the run (first kernel to the end of the last). */
static int measure_run(sinan_graph_t g, struct meas *m, bool whole)
{
	struct sinan_model_options o = { .size = sizeof(o), .flags = SINAN_MODEL_F_KERNEL_OPS };
	void *img = NULL;
	size_t isz = 0;
	sinan_model_t md = NULL;
	int rc = 1;

	memset(m, 0, sizeof(*m));
	if (sinan_model_compile(g, dev, &o, &img, &isz) != SINAN_OK ||
	    sinan_model_load(dev, img, isz, &md) != SINAN_OK) {
		fprintf(stderr, "compile/load: %s\n", sinan_last_error_message());
		sinan_free(img);
		return 1;
	}
	sinan_free(img);
	struct sinan_model_io in[4], out[4];
	struct sinan_model_info mi = { .size = sizeof(mi) };
	sinan_model_get_info(md, &mi);
	for (uint32_t i = 0; i < mi.num_inputs && i < 4; i++) {
		struct sinan_model_tensor t = { .size = sizeof(t) };
		sinan_model_get_input(md, i, &t);
		in[i] = (struct sinan_model_io){ NULL, calloc(1, t.bytes + 1), t.bytes };
	}
	for (uint32_t i = 0; i < mi.num_outputs && i < 4; i++) {
		struct sinan_model_tensor t = { .size = sizeof(t) };
		sinan_model_get_output(md, i, &t);
		out[i] = (struct sinan_model_io){ NULL, calloc(1, t.bytes + 1), t.bytes };
	}
	if (sinan_model_run(md, mi.num_inputs, in, mi.num_outputs, out) != SINAN_OK) {
		fprintf(stderr, "run: %s\n", sinan_last_error_message());
		goto out;
	}
	struct sinan_model_op_stats s = { .size = sizeof(s) };
	for (uint32_t i = 0; sinan_model_get_op_stats(md, i, &s) == SINAN_OK; i++)
		if (s.macs) {
			m->cycles += s.cycles;
			m->macs += s.macs;
			m->util = s.cube_utilization;
		}
	if (whole) {
		struct sinan_model_run_stats rs = { .size = sizeof(rs) };
		sinan_model_get_run_stats(md, &rs);
		m->cycles = rs.device_cycles;
		m->util = (double)m->macs / ((double)m->cycles * props.num_cores * 4096.0);
	}
	rc = 0;
out:
	for (uint32_t i = 0; i < mi.num_inputs && i < 4; i++)
		free(in[i].data);
	for (uint32_t i = 0; i < mi.num_outputs && i < 4; i++)
		free(out[i].data);
	sinan_model_destroy(md);
	return rc;
}

static int measure(sinan_graph_t g, struct meas *m)
{
	return measure_run(g, m, false);
}

static sinan_tensor_t zconst(sinan_graph_t g, int rank, const int64_t *d)
{
	uint64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= (uint64_t)d[i];
	uint16_t *w = malloc(n * 2 + 2);
	for (uint64_t i = 0; i < n; i++)
		w[i] = (uint16_t)(0x2000 + i % 7);	/* small fp16 values */
	sinan_tensor_t t = sinan_graph_constant(g, NULL, SINAN_TYPE_FLOAT16, rank, d, w);
	free(w);
	return t;
}

/* roofline: cube cycles vs device-memory cycles (reads and writes each at the shared bandwidth) */
static double bound(uint64_t macs, uint64_t rd, uint64_t wr)
{
	double cube = (double)macs / (4096.0 * props.num_cores);
	double mem = (double)(rd > wr ? rd : wr) / ((double)props.devmem_bw_mbps / props.clock_mhz);
	return cube >= mem ? 1.0 : cube / mem;
}

static void gemm(int64_t M, int64_t N, int64_t K)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t ad[2] = { M, K }, bd[2] = { K, N };
	sinan_tensor_t a = sinan_graph_input(g, "a", SINAN_TYPE_FLOAT16, 2, ad);
	sinan_tensor_t y = sinan_graph_op(g, "MatMul", 2, (sinan_tensor_t[]){ a, zconst(g, 2, bd) }, 0, NULL);
	sinan_graph_output(g, y, "y");
	struct meas m;
	double t0 = now();
	if (!measure(g, &m)) {
		uint64_t bytes = (uint64_t)(M * K + K * N) * 2, wr = (uint64_t)(M * N) * 2;
		if (M == 1)
			printf("gemv  %5lldx%5lldx%5lld fp16  %10llu cycles  %.3f of device-memory bandwidth  (%.1f s)\n",
			       (long long)M, (long long)N, (long long)K, (unsigned long long)m.cycles,
			       (double)bytes / (double)m.cycles / ((double)props.devmem_bw_mbps / props.clock_mhz),
			       now() - t0);
		else
			printf("gemm  %5lldx%5lldx%5lld fp16  %10llu cycles  cube utilization %.3f  (bound %.2f; %.1f s)\n",
			       (long long)M, (long long)N, (long long)K, (unsigned long long)m.cycles, m.util,
			       bound(m.macs, bytes, wr), now() - t0);
	}
	sinan_graph_destroy(g);
}

struct layer {
	const char *name;
	int64_t c, hw, m, k, s;
	int count;	/* in ResNet-50 */
};

/* Conv of @l at batch @n, fp16 (weights and bias constant): alone on NCHW tensors (as sinan-bench
 * b1), or between layers in NC1HWC0 (x -> Relu -> Conv -> Relu -> Relu). */
static sinan_graph_t conv_graph(const struct layer *l, int64_t n, bool chain)
{
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[4] = { n, l->c, l->hw, l->hw }, wd[4] = { l->m, l->c, l->k, l->k }, bd[1] = { l->m };
	int64_t p = l->k / 2, pads[4] = { p, p, p, p }, st[2] = { l->s, l->s };
	struct sinan_attr at[2] = { SINAN_ATTR_IS("pads", 4, pads), SINAN_ATTR_IS("strides", 2, st) };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT16, 4, xd);
	if (chain)
		x = sinan_graph_op(g, "Relu", 1, &x, 0, NULL);	/* (the previous layer, in NC1HWC0) */
	sinan_tensor_t y = sinan_graph_op(g, "Conv", 3, (sinan_tensor_t[]){ x, zconst(g, 4, wd), zconst(g, 1, bd) },
					  2, at);
	if (chain) {
		y = sinan_graph_op(g, "Relu", 1, &y, 0, NULL);
		y = sinan_graph_op(g, "Relu", 1, &y, 0, NULL);	/* (the next layer) */
	}
	sinan_graph_output(g, y, "y");
	return g;
}

/*
 * The best cube utilization the convolution kernel of @l at batch @n can reach on this chip, and
 * what sets it: the cube; device memory (the NC1HWC0 input and output, channels padded to whole
 * C0 = 16 blocks, and the weights, each crossing once at the shared bandwidth); the input-channel
 * padding (the cube multiplies C1 x 16 channels for C); the work split (output tiles of 256
 * positions x 128 channels over the cores).
 */
static double conv_bound(const struct layer *l, int64_t n, char *why, size_t len)
{
	int64_t p = l->k / 2, oh = (l->hw + 2 * p - l->k) / l->s + 1;
	int64_t c16 = (l->c + 15) / 16 * 16, m16 = (l->m + 15) / 16 * 16;
	double macs = (double)n * l->m * oh * oh * l->c * l->k * l->k;
	double cube = macs / (4096.0 * props.num_cores);
	double bpc = (double)props.devmem_bw_mbps / props.clock_mhz;
	/* a 1x1 convolution of stride s reads the rows it uses, 1 / s of them */
	double rows = l->k == 1 && l->s > 1 ? (double)oh : (double)l->hw;
	double rd = 2.0 * ((double)n * c16 * rows * l->hw + (double)l->m * l->c * l->k * l->k);
	double wr = 2.0 * (double)n * m16 * oh * oh;
	double mem = (rd > wr ? rd : wr) / bpc;
	double pad = (double)l->c / (double)c16;
	double tiles = (double)n * ((oh * oh + 255) / 256) * ((l->m + 127) / 128);
	double par = tiles / (ceil(tiles / props.num_cores) * props.num_cores);
	double t_cube = cube / pad / par;
	double b = cube / (t_cube > mem ? t_cube : mem);
	if (mem >= t_cube)
		snprintf(why, len, "device memory: %.1f MB read, %.1f MB written at %.0f B/cycle", rd / 1e6, wr / 1e6, bpc);
	else if (pad < 1 && par < 1)
		snprintf(why, len, "channel padding %lld of %lld, %.0f tiles on %u cores", (long long)l->c, (long long)c16,
			 tiles, props.num_cores);
	else if (pad < 1)
		snprintf(why, len, "input channels padded: %lld of %lld multiply", (long long)l->c, (long long)c16);
	else if (par < 1)
		snprintf(why, len, "work split: %.0f output tiles on %u cores", tiles, props.num_cores);
	else
		snprintf(why, len, "cube");
	return b > 1 ? 1 : b;
}

/* The layers of sinan-bench b1: the one-node model (as b1 measures it) and the kernel in a chain. */
static void b1_conv(void)
{
	static const struct layer B[] = {
		{ "3x3.64-64.56x56", 64, 56, 64, 3, 1, 0 },
		{ "1x1.256-64.56x56", 256, 56, 64, 1, 1, 0 },
		{ "3x3.128-128.28x28", 128, 28, 128, 3, 1, 0 },
		{ "7x7s2.3-64.224x224", 3, 224, 64, 7, 2, 0 },
	};
	static const int64_t batches[] = { 1, 32 };
	printf("sinan-bench b1 convolutions, fp16: one-node NCHW model (b1's figure: the layout conversions\n"
	       "included) and the convolution kernel inside an NC1HWC0 chain, against the kernel's bound:\n");
	printf("%-20s %5s %10s %7s %10s %7s %6s  %s\n", "layer", "batch", "one-node", "cube", "in chain", "cube", "bound",
	       "set by");
	for (size_t i = 0; i < sizeof(B) / sizeof(B[0]); i++)
		for (size_t j = 0; j < sizeof(batches) / sizeof(batches[0]); j++) {
			struct meas one, ch;
			char why[160];
			sinan_graph_t g = conv_graph(&B[i], batches[j], false);
			int e1 = measure_run(g, &one, true);
			sinan_graph_destroy(g);
			g = conv_graph(&B[i], batches[j], true);
			int e2 = measure(g, &ch);
			sinan_graph_destroy(g);
			if (e1 || e2)
				continue;
			double b = conv_bound(&B[i], batches[j], why, sizeof(why));
			printf("%-20s %5lld %10llu %7.3f %10llu %7.3f %6.2f  %s\n", B[i].name, (long long)batches[j],
			       (unsigned long long)one.cycles, one.util, (unsigned long long)ch.cycles, ch.util, b, why);
		}
}

int main(int argc, char **argv)
{
	bool full = argc > 1 && !strcmp(argv[1], "--full");
	if (!getenv("SINAN_BACKEND"))
		setenv("SINAN_BACKEND", "sim", 1);
	if (sinan_device_open(NULL, &dev) != SINAN_OK || sinan_device_get_props(dev, &props) != SINAN_OK) {
		fprintf(stderr, "sinan-bench-compiler: %s\n", sinan_last_error_message());
		return 1;
	}
	printf("device: %u cores at %u MHz, %u MB/s device memory, L1 %u KiB, L0C %u KiB, UB %u KiB\n",
	       props.num_cores, props.clock_mhz, props.devmem_bw_mbps, props.l1_size >> 10, props.l0c_size >> 10,
	       props.ub_size >> 10);
	gemm(2048, 2048, 2048);
	if (full) {
		gemm(4096, 4096, 4096);
		gemm(4096, 11008, 4096);
		gemm(8192, 8192, 8192);
	}
	gemm(1, 4096, 4096);
	b1_conv();

	/* ResNet-50 v1.5 convolutions, batch 32 (input channels, input size, output channels, kernel, stride) */
	static const struct layer L[] = {
		{ "conv1 7x7/2", 3, 224, 64, 7, 2, 1 },
		{ "l1 1x1 64>64", 64, 56, 64, 1, 1, 1 },
		{ "l1 3x3 64", 64, 56, 64, 3, 1, 3 },
		{ "l1 1x1 64>256", 64, 56, 256, 1, 1, 4 },
		{ "l1 1x1 256>64", 256, 56, 64, 1, 1, 2 },
		{ "l2 1x1 256>128", 256, 56, 128, 1, 1, 1 },
		{ "l2 3x3 128/2", 128, 56, 128, 3, 2, 1 },
		{ "l2 1x1 256>512/2", 256, 56, 512, 1, 2, 1 },
		{ "l2 3x3 128", 128, 28, 128, 3, 1, 3 },
		{ "l2 1x1 128>512", 128, 28, 512, 1, 1, 4 },
		{ "l2 1x1 512>128", 512, 28, 128, 1, 1, 3 },
		{ "l3 1x1 512>256", 512, 28, 256, 1, 1, 1 },
		{ "l3 3x3 256/2", 256, 28, 256, 3, 2, 1 },
		{ "l3 1x1 512>1024/2", 512, 28, 1024, 1, 2, 1 },
		{ "l3 3x3 256", 256, 14, 256, 3, 1, 5 },
		{ "l3 1x1 256>1024", 256, 14, 1024, 1, 1, 6 },
		{ "l3 1x1 1024>256", 1024, 14, 256, 1, 1, 5 },
		{ "l4 1x1 1024>512", 1024, 14, 512, 1, 1, 1 },
		{ "l4 3x3 512/2", 512, 14, 512, 3, 2, 1 },
		{ "l4 1x1 1024>2048/2", 1024, 14, 2048, 1, 2, 1 },
		{ "l4 3x3 512", 512, 7, 512, 3, 1, 2 },
		{ "l4 1x1 512>2048", 512, 7, 2048, 1, 1, 3 },
		{ "l4 1x1 2048>512", 2048, 7, 512, 1, 1, 2 },
	};
	double ideal = 0, total = 0, tb = 0;
	printf("ResNet-50 convolutions, batch 32, fp16, NC1HWC0 activations:\n");
	printf("%-20s %4s %12s %8s %8s %8s  %s\n", "layer", "n", "cycles", "cube", "bound", "of bound", "set by");
	for (size_t i = 0; i < sizeof(L) / sizeof(L[0]); i++) {
		const struct layer *l = &L[i];
		sinan_graph_t g = conv_graph(l, 32, true);
		struct meas m;
		if (!measure(g, &m)) {
			char why[160];
			double b = conv_bound(l, 32, why, sizeof(why));
			double id = (double)m.macs / (4096.0 * props.num_cores);
			printf("%-20s %4d %12llu %8.3f %8.2f %8.2f  %s\n", l->name, l->count, (unsigned long long)m.cycles,
			       m.util, b, m.util / b, why);
			ideal += id * l->count;
			total += (double)m.cycles * l->count;
			tb += id / b * l->count;
		}
		sinan_graph_destroy(g);
	}
	printf("all %d convolutions: cube utilization %.3f (the roofline bound of the whole set %.3f, %.2f of it)\n", 53,
	       ideal / total, ideal / tb, tb / total);
	sinan_device_close(dev);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Sinan compiled models: compile a graph (or an ONNX file) for a device,
 * save it as an ELF image (.sno), load it and run it.
 *
 * A model image holds the weights, the AI-core programs (a kernel binary,
 * see sinan_kbin.h), the command stream (which kernel runs with which
 * tensors), the input/output descriptions and the versions it needs; its
 * ".note.sinan" note (type SINAN_NOTE_MODEL) is struct sinan_model_note.
 * Loading checks the format and ISA versions and that the device's cores
 * and buffers are at least what the model was compiled for, before
 * anything runs.
 *
 * Example: compile and run an ONNX model on the first device.
 *
 *	sinan_device_t dev;
 *	sinan_model_t m;
 *	struct sinan_model_options o = { .size = sizeof(o), .precision = SINAN_PRECISION_FP16 };
 *	sinan_device_open(NULL, &dev);
 *	if (sinan_model_load_file(dev, "resnet50.onnx", &o, &m) != SINAN_OK)
 *		fprintf(stderr, "%s\n", sinan_last_error_message());
 *	struct sinan_model_io in = { .name = "data", .data = image, .bytes = sizeof(image) };
 *	struct sinan_model_io out = { .name = NULL, .data = probs, .bytes = sizeof(probs) };
 *	sinan_model_run(m, 1, &in, 1, &out);
 *
 * Loading an .onnx file compiles it for the device, through an on-disk cache
 * ($SINAN_CACHE_DIR, default $XDG_CACHE_HOME/sinan or ~/.cache/sinan;
 * SINAN_CACHE_DIR=off disables it).
 *
 * Element types at the boundary: inputs and outputs have the model's ONNX
 * types. int64 tensors are int32 on the device: their values must fit
 * (-SINAN_E_INVALID_ARGUMENT otherwise), like the shape tensors of other
 * NPU runtimes; bool is one byte.
 */
#ifndef SINAN_MODEL_H
#define SINAN_MODEL_H

#include <sinan/sinan.h>
#include <sinan/sinan_graph.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sinan_model *sinan_model_t;

#define SINAN_MODEL_MAGIC		0x4d4f4e53	/* "SNOM" */
#define SINAN_MODEL_FORMAT_MAJOR	2
#define SINAN_MODEL_FORMAT_MINOR	0

/** struct sinan_model_note - descriptor of the model image's SINAN_NOTE_MODEL note. */
struct sinan_model_note {
	uint32_t magic;			/* SINAN_MODEL_MAGIC */
	uint16_t format_major;		/* a loader refuses another major */
	uint16_t format_minor;		/* ... and a newer minor */
	uint32_t isa_major, isa_minor;	/* instruction set of the code */
	uint32_t precision;		/* enum sinan_precision */
	uint32_t cores;			/* the target it was compiled for */
	uint32_t l1, l0a, l0b, l0c, ub;
	uint32_t flags;			/* 0 */
	char producer[32];
};

/**
 * struct sinan_model_options - how to compile.
 * @precision: SINAN_PRECISION_* (fp32 keeps the model's types).
 * @calibration: for int8, a calibration file ("name scale [zero_point]" per
 *   line) giving activation ranges that QuantizeLinear nodes do not; NULL if none.
 * @shapes: "name=1x3x224x224;other=..." binds symbolic input dimensions; NULL if none.
 * @flags: SINAN_MODEL_F_*.
 */
struct sinan_model_options {
	size_t size;
	enum sinan_precision precision;
	const char *calibration;
	const char *shapes;
	uint32_t flags;
};
#define SINAN_MODEL_F_NO_FUSION	(1u << 0)	/* keep every op (for debugging) */
#define SINAN_MODEL_F_NO_CACHE	(1u << 1)	/* compile .onnx without the on-disk cache */
#define SINAN_MODEL_F_KERNEL_OPS (1u << 2)	/* profiling: one op (stats entry) per kernel */

/**
 * Compile @graph to a model image for @dev (NULL: the default simulator
 * chip). *image is malloc'ed (sinan_free()). On failure the last error
 * names the node, operator and attribute that stopped it.
 */
SINAN_API sinan_status sinan_model_compile(sinan_graph_t graph, sinan_device_t dev,
					   const struct sinan_model_options *opts, void **image,
					   size_t *bytes);
/** Same from an ONNX file. */
SINAN_API sinan_status sinan_model_compile_onnx(const char *path, sinan_device_t dev,
						const struct sinan_model_options *opts, void **image,
						size_t *bytes);

/** Load a model image (.sno). */
SINAN_API sinan_status sinan_model_load(sinan_device_t dev, const void *image, size_t bytes,
					sinan_model_t *model);
/** Load a .sno file, or compile an .onnx file for @dev (@opts may be NULL). */
SINAN_API sinan_status sinan_model_load_file(sinan_device_t dev, const char *path,
					     const struct sinan_model_options *opts, sinan_model_t *model);
SINAN_API sinan_status sinan_model_destroy(sinan_model_t model);

/**
 * struct sinan_model_io - one input or output of a run.
 * @name: tensor name, or NULL to take the model's i-th input/output in order.
 * @data: host memory in the model's element type, row-major.
 * @bytes: size of @data (must equal the tensor's size).
 */
struct sinan_model_io {
	const char *name;
	void *data;
	size_t bytes;
};

/** Methods of sinan_graph_calibrate(). Append only. */
enum sinan_calibration_method {
	SINAN_CALIBRATION_MAX = 0,		/* scale = max|x| / 127 */
	SINAN_CALIBRATION_PERCENTILE = 1,	/* scale = percentile of |x| / 127 */
};

/**
 * struct sinan_calibration_options - how sinan_graph_calibrate() picks scales.
 * @size: sizeof(struct sinan_calibration_options).
 * @method: SINAN_CALIBRATION_*.
 * @percentile: SINAN_CALIBRATION_PERCENTILE: P in (0, 100], e.g. 99.99.
 * @flags: SINAN_MODEL_F_NO_FUSION if the model will be compiled with it
 *   (the file then names the unfused tensors).
 */
struct sinan_calibration_options {
	size_t size;
	enum sinan_calibration_method method;
	double percentile;
	uint32_t flags;
};

/**
 * Write a calibration file for precision mode int8 (the format of
 * sinan_model_options.calibration): runs @graph on the host's plain-C
 * reference executor over @num_runs sets of sample inputs and gives every
 * float32 activation a symmetric int8 scale (zero point 0): max|x| / 127
 * over all runs, or the chosen percentile of |x| / 127.
 * @inputs: @num_runs * @num_inputs values, run after run; in a run, names
 *   in any order, or all NULL for the graph's inputs in order. Every input
 *   needs fixed dimensions (sinan_graph_bind_input() symbolic ones first),
 *   the same in every run.
 * Like sinan_model_compile(), this transforms @graph (inference, fusion):
 * compile a fresh import or build of the model.
 */
SINAN_API sinan_status sinan_graph_calibrate(sinan_graph_t graph, uint32_t num_runs, uint32_t num_inputs,
					     const struct sinan_model_io *inputs,
					     const struct sinan_calibration_options *opts, const char *path);

/** Run the model once and wait: copies inputs in, runs, copies outputs out. */
SINAN_API sinan_status sinan_model_run(sinan_model_t model, uint32_t num_inputs,
				       const struct sinan_model_io *inputs, uint32_t num_outputs,
				       const struct sinan_model_io *outputs);

/**
 * Asynchronous form: the model's staging buffers (host memory, mapped) are
 * filled by the caller, sinan_model_enqueue() records one run on @queue
 * (input copies, kernels, output copies) and returns at once; after the
 * queue's work completes (sinan_queue_finish() or a semaphore signaled
 * after it) the outputs are in the output staging buffers.
 * Do not enqueue a model again before the previous run completed.
 */
SINAN_API sinan_status sinan_model_input_buffer(sinan_model_t model, uint32_t index, void **data,
						size_t *bytes);
SINAN_API sinan_status sinan_model_output_buffer(sinan_model_t model, uint32_t index, void **data,
						 size_t *bytes);
SINAN_API sinan_status sinan_model_enqueue(sinan_model_t model, sinan_queue_t queue);

/** struct sinan_model_tensor - a model input or output. */
struct sinan_model_tensor {
	size_t size;
	char name[128];
	enum sinan_type type;
	uint32_t rank;
	int64_t dims[SINAN_MAX_RANK];
	uint64_t bytes;
};

/**
 * struct sinan_model_info - what a loaded model is.
 * @weights_bytes/@arena_bytes/@io_bytes: device memory it uses; @arena_bytes
 *   is the activation arena after liveness-based reuse, @arena_naive_bytes
 *   what it would be without reuse.
 * @peak_bytes: all of the model's device memory.
 * @macs: cube multiply-accumulates of one run.
 */
struct sinan_model_info {
	size_t size;
	uint32_t num_inputs, num_outputs;
	uint32_t num_ops, num_kernels;
	uint32_t precision;
	uint64_t weights_bytes, arena_bytes, arena_naive_bytes, io_bytes, scratch_bytes, peak_bytes;
	uint64_t macs;
};
SINAN_API sinan_status sinan_model_get_info(sinan_model_t model, struct sinan_model_info *info);
SINAN_API sinan_status sinan_model_get_input(sinan_model_t model, uint32_t index,
					     struct sinan_model_tensor *t);
SINAN_API sinan_status sinan_model_get_output(sinan_model_t model, uint32_t index,
					      struct sinan_model_tensor *t);

/**
 * struct sinan_model_op_stats - performance counters of one op of the last run.
 * @cycles: modeled device cycles of its kernels (TIMESTAMP packets around them).
 * @macs: cube multiply-accumulates; @cube_utilization: macs / (cycles * cores *
 *   the cube's MACs per core per cycle for the operand type: 4096 fp16/bf16,
 *   8192 int8, 1024 fp32), 0 for ops without the cube.
 * @bytes: device-memory bytes the op reads and writes (ideal, no re-reads).
 */
struct sinan_model_op_stats {
	size_t size;
	char name[128];
	char op[48];
	uint32_t kernels;
	uint64_t cycles;
	uint64_t macs;
	uint64_t bytes;
	double cube_utilization;
};
/** Per-op counters of the last run (sinan_model_run). */
SINAN_API sinan_status sinan_model_get_op_stats(sinan_model_t model, uint32_t index,
						struct sinan_model_op_stats *stats);
/**
 * struct sinan_model_run_stats - the last run.
 * @device_cycles: modeled cycles from the first kernel to the end of the last.
 * @total_cycles: with the input and output copies.
 * @device_ns: device_cycles at the device clock.
 */
struct sinan_model_run_stats {
	size_t size;
	uint64_t device_cycles;
	uint64_t total_cycles;
	uint64_t device_ns;
	double cube_utilization;
};
SINAN_API sinan_status sinan_model_get_run_stats(sinan_model_t model, struct sinan_model_run_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* SINAN_MODEL_H */

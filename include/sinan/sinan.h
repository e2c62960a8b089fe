/* SPDX-License-Identifier: MIT */
/*
 * libsinan: the Sinan NPU runtime.
 *
 * Overview
 * --------
 * libsinan is what inference code calls to use a Sinan NPU: it finds and
 * opens devices, allocates memory, moves data, runs kernels and reports
 * what went wrong, with enough detail to act on.
 *
 *   device      an opened NPU: one context (address space) on the device.
 *               sinan_device_open() checks every version (driver uAPI,
 *               firmware interface, ISA, hardware) before it returns;
 *               sinan_device_diagnose() explains why a device cannot be
 *               opened and what to do about it.
 *   buffer      memory the device can reach: device memory (fast, on the
 *               card) or host memory (pinned, reached over PCIe). Buffers can
 *               be CPU-mapped, cut into sub-buffers and shared as dma-bufs.
 *               A pool caches buffers so tensors cost no system call.
 *   queue       an ordered stream of work on one hardware queue. The verbs
 *               are few: copy, fill, launch, signal, wait, barrier,
 *               timestamp, exec (a recorded command buffer) and submit.
 *               Work is recorded, then submitted as one job.
 *   semaphore   a 64-bit timeline: queues (and the host) signal values and
 *               wait for them; that is how queues depend on each other.
 *   event       a device timestamp taken on a queue; two of them give the
 *               elapsed device time between two points.
 *   cmdbuf      a command buffer recorded once and replayed many times with
 *               patched arguments (slots): a repeated inference is one submit.
 *   module      a kernel binary (ELF, see sinan_kbin_*) loaded on a device;
 *               its kernels are launched on queues. ISA and ABI versions are
 *               checked when the module is loaded, before anything runs.
 *
 * Backends: "drm" talks to the sinan.ko driver (/dev/accel/accel*, or a
 * render node on Linux 6.1); "sim" runs the device model in-process, with
 * the same command streams, results and modeled cycles. SINAN_BACKEND=drm|sim
 * picks one (default drm), or set sinan_open_options.backend.
 *
 * Errors: every call returns a sinan_status. On failure the calling thread's
 * last-error record (sinan_get_last_error()) says which call failed and why,
 * and for a job that failed on the device: the queue, the job, the index of
 * the failing packet, the hardware error and the faulting address. A failure
 * on a queue is sticky: later calls on the queue return it until
 * sinan_queue_recover().
 *
 * Extensible structures start with a size field that the caller sets to
 * sizeof(the structure); the library reads and writes only that many bytes,
 * so programs built against an older header keep working.
 *
 * Environment: SINAN_BACKEND (drm|sim), SINAN_DEVICE (index),
 * SINAN_DEBUG=ioctl (trace every driver call on stderr),
 * SINAN_TRACE=file.json (Chrome/Perfetto trace of API calls and device jobs),
 * SINAN_SIM (simulator options, see docs/runtime-api.md).
 *
 * Example: copy a buffer to the device and back.
 *
 *   sinan_device_t dev;
 *   sinan_buffer_t host, devbuf;
 *   sinan_queue_t q;
 *   void *p;
 *
 *   if (sinan_device_open(NULL, &dev) != SINAN_OK) {
 *           struct sinan_diagnosis d = { .size = sizeof(d) };
 *
 *           sinan_device_diagnose(NULL, &d);
 *           fprintf(stderr, "%s\n%s\n", d.message, d.hint);
 *           return 1;
 *   }
 *   sinan_buffer_create(dev, n, SINAN_MEM_HOST, 0, &host);
 *   sinan_buffer_create(dev, n, SINAN_MEM_DEVICE, 0, &devbuf);
 *   sinan_buffer_map(host, &p);
 *   memset(p, 42, n);
 *   sinan_queue_create(dev, NULL, &q);
 *   sinan_queue_copy(q, devbuf, 0, host, 0, n);      // host -> device
 *   sinan_queue_fill(q, host, 0, n, 0);              // clear the host copy
 *   sinan_queue_copy(q, host, 0, devbuf, 0, n);      // device -> host
 *   if (sinan_queue_finish(q, SINAN_TIMEOUT_INFINITE) != SINAN_OK)
 *           fprintf(stderr, "%s\n", sinan_last_error_message());
 *   // p holds 42s again
 *   sinan_queue_destroy(q);
 *   sinan_buffer_destroy(devbuf);
 *   sinan_buffer_destroy(host);
 *   sinan_device_close(dev);
 *
 * Thread safety: every object may be used from several threads; calls on
 * one queue are serialized by the library.
 */
#ifndef SINAN_SINAN_H
#define SINAN_SINAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SINAN_VERSION_MAJOR	0
#define SINAN_VERSION_MINOR	1
#define SINAN_VERSION_PATCH	0
/* major << 16 | minor << 8 | patch */
#define SINAN_VERSION		((SINAN_VERSION_MAJOR << 16) | (SINAN_VERSION_MINOR << 8) | SINAN_VERSION_PATCH)

#define SINAN_API __attribute__((visibility("default")))

/* ---- status ---------------------------------------------------------------- */

/** Result of every call. Append only: values never change meaning. */
typedef enum sinan_status {
	SINAN_OK = 0,
	SINAN_E_INVALID_ARGUMENT = 1,	/* a bad argument: the message names it */
	SINAN_E_OUT_OF_MEMORY = 2,	/* host memory */
	SINAN_E_OUT_OF_DEVICE_MEMORY = 3,
	SINAN_E_NO_DEVICE = 4,		/* no such device: sinan_device_diagnose() says why */
	SINAN_E_PERMISSION = 5,		/* the device node cannot be opened by this user */
	SINAN_E_VERSION_MISMATCH = 6,	/* driver, firmware, ISA or binary versions do not fit */
	SINAN_E_FIRMWARE = 7,		/* firmware missing, refused or crashed */
	SINAN_E_TIMEOUT = 8,		/* a host wait ran out of time; the work goes on */
	SINAN_E_HANG = 9,		/* a job exceeded its queue's timeout and was stopped */
	SINAN_E_MMU_FAULT = 10,		/* a job touched memory it has no mapping for */
	SINAN_E_ILLEGAL_INSTRUCTION = 11, /* an AI core trapped */
	SINAN_E_DEVICE_ERROR = 12,	/* another hardware error: see hw_error */
	SINAN_E_CANCELED = 13,		/* the job did not run: an earlier job of its queue failed, or a reset */
	SINAN_E_DEVICE_LOST = 14,	/* the device was removed or is halted */
	SINAN_E_NOT_SUPPORTED = 15,	/* not available on this backend or device */
	SINAN_E_BUSY = 16,		/* the object is in use by unfinished work */
	SINAN_E_NOT_READY = 17,		/* the result is not available yet (query without waiting) */
	SINAN_E_BAD_BINARY = 18,	/* malformed kernel binary */
	SINAN_E_NOT_FOUND = 19,		/* no object of that name */
	SINAN_E_IO = 20,		/* an operating-system call failed: see sys_errno */
	SINAN_E_QUEUE_FULL = 21,	/* too much work recorded in one job */
	SINAN_E_STATUS_COUNT		/* not a status: the number of them */
} sinan_status;

/** A short constant description of @s ("invalid argument"). Never NULL. */
SINAN_API const char *sinan_strerror(sinan_status s);
/**
 * The name of error code @hw_error: the hardware's SINAN_ERR_* ("MMU_FAULT"),
 * or the driver's own (DRM_SINAN_QUEUE_ERR_TIMEOUT: "TIMEOUT").
 */
SINAN_API const char *sinan_hw_error_name(uint32_t hw_error);

#define SINAN_NONE32	UINT32_MAX

/**
 * struct sinan_error_info - the calling thread's last error.
 * @status: the status returned (SINAN_OK if the last call succeeded).
 * @function: the API function that failed.
 * @message: what happened, and where it helps, what to do.
 * @sys_errno: the operating-system or driver errno behind it, or 0.
 * @queue: queue id (sinan_queue_info.id) of a failed job, or SINAN_NONE32.
 * @job: sequence number of the failed job on its queue, or 0.
 * @hw_error: hardware error code (sinan_hw_error_name()), 0 if none.
 * @packet_index: index of the failing packet in its command buffer.
 * @fault_addr: device virtual address of an MMU fault.
 * @fault_info: access kind [3:0] (0 read, 1 write, 2 fetch) and unit [15:8].
 */
struct sinan_error_info {
	size_t size;
	sinan_status status;
	char function[48];
	char message[512];
	int sys_errno;
	uint32_t queue;
	uint64_t job;
	uint32_t hw_error;
	uint32_t packet_index;
	uint64_t fault_addr;
	uint32_t fault_info;
};

/** Copy the calling thread's last error to @info (set info->size first). */
SINAN_API sinan_status sinan_get_last_error(struct sinan_error_info *info);
/** The message of the calling thread's last error ("" after a success). */
SINAN_API const char *sinan_last_error_message(void);
/** Runtime version: SINAN_VERSION of the library actually loaded. */
SINAN_API uint32_t sinan_version(void);
/** Free memory the library returned (sinan_kbin_writer_finish()). */
SINAN_API void sinan_free(void *p);

/* ---- devices --------------------------------------------------------------- */

typedef struct sinan_device *sinan_device_t;
typedef struct sinan_buffer *sinan_buffer_t;
typedef struct sinan_pool *sinan_pool_t;
typedef struct sinan_queue *sinan_queue_t;
typedef struct sinan_semaphore *sinan_semaphore_t;
typedef struct sinan_event *sinan_event_t;
typedef struct sinan_cmdbuf *sinan_cmdbuf_t;
typedef struct sinan_module *sinan_module_t;
typedef struct sinan_kernel *sinan_kernel_t;
typedef struct sinan_kbin_writer *sinan_kbin_writer_t;

/**
 * struct sinan_open_options - which device to open, and how.
 * @backend: "drm", "sim", or NULL for $SINAN_BACKEND (default "drm").
 * @index: device index among the backend's devices; SINAN_NONE32 for
 *   $SINAN_DEVICE (default 0).
 * @sim_options: simulator options ("cores=4,devmem=256M,firmware=PATH"; see
 *   docs/runtime-api.md), appended to $SINAN_SIM. Ignored by drm.
 * @flags: must be 0.
 */
struct sinan_open_options {
	size_t size;
	const char *backend;
	uint32_t index;
	const char *sim_options;
	uint32_t flags;
};

/**
 * struct sinan_device_info - a device found by sinan_device_enumerate().
 * @index: what to pass as sinan_open_options.index.
 * @backend: "drm" or "sim".
 * @node: device node ("/dev/accel/accel0", "/dev/dri/renderD128", "sim").
 * @pci_slot: PCI address ("0000:00:04.0"), "" if none.
 * @driver: kernel driver name ("sinan"), "sim" for the simulator.
 * @vendor_id/@device_id: PCI ids.
 */
struct sinan_device_info {
	size_t size;
	uint32_t index;
	char backend[8];
	char node[64];
	char pci_slot[32];
	char driver[32];
	uint32_t vendor_id;
	uint32_t device_id;
};

/**
 * sinan_device_enumerate - list the devices of a backend without opening them.
 * @backend: "drm", "sim" or NULL ($SINAN_BACKEND).
 * @infos: array of @capacity entries (each with .size set), or NULL.
 * @count: out: number of devices (may exceed @capacity).
 * No device is not an error: *count is 0 (sinan_device_diagnose() says why).
 */
SINAN_API sinan_status sinan_device_enumerate(const char *backend, struct sinan_device_info *infos,
					      uint32_t capacity, uint32_t *count);

/** Open a device (NULL options: the defaults). Versions are checked here. */
SINAN_API sinan_status sinan_device_open(const struct sinan_open_options *opts, sinan_device_t *dev);
/** Close a device: waits for its queues, frees everything still allocated on it. */
SINAN_API sinan_status sinan_device_close(sinan_device_t dev);

/* Capability bits (sinan_device_props.caps); same values as the hardware. */
#define SINAN_DEVCAP_FP16	(1u << 0)
#define SINAN_DEVCAP_BF16	(1u << 1)
#define SINAN_DEVCAP_INT8	(1u << 2)
#define SINAN_DEVCAP_FP32_CUBE	(1u << 3)
#define SINAN_DEVCAP_DEBUG	(1u << 4)	/* fault-injection registers */
#define SINAN_DEVCAP_ECC	(1u << 5)

/**
 * struct sinan_device_props - what a device is and can do.
 * Versions are major << 16 | minor (firmware: major << 16 | minor << 8 | patch).
 * @uapi_version: driver interface version (the sim reports the one it implements).
 * @runtime_version: sinan_version().
 * @devmem_used: bytes of device memory in use on the whole device.
 * @ctx_mem_used: bytes of buffers of this device handle.
 * @va_start/@va_end: device virtual addresses available to buffers.
 * @reset_count: device resets since the driver loaded.
 * @fw_boot_count: firmware boots since the driver loaded.
 * @fw_heartbeat: firmware heartbeat counter (advances while it is alive).
 * @asid: this context's address-space id.
 */
struct sinan_device_props {
	size_t size;
	char name[64];
	char backend[8];
	char node[64];
	char pci_slot[32];
	uint32_t vendor_id, device_id;
	uint32_t hw_version;
	uint32_t isa_version;
	uint32_t fw_version;
	uint32_t fw_api_version;
	uint32_t uapi_version;
	uint32_t runtime_version;
	char fw_version_str[32];
	uint32_t fw_features;
	uint32_t num_cores;
	uint32_t num_queues;
	uint32_t clock_mhz;
	uint32_t caps;
	uint64_t devmem_size;
	uint64_t devmem_used;
	uint64_t ctx_mem_used;
	uint32_t l1_size, l0a_size, l0b_size, l0c_size, ub_size;
	uint32_t cube_m, cube_n, cube_k;
	uint32_t vec_bytes;
	uint32_t devmem_bw_mbps;
	uint32_t hostlink_bw_mbps;
	uint64_t va_start, va_end;
	uint32_t reset_count;
	uint32_t fw_boot_count;
	uint32_t fw_heartbeat;
	uint32_t asid;
};

/** Read a device's properties (set props->size first). */
SINAN_API sinan_status sinan_device_get_props(sinan_device_t dev, struct sinan_device_props *props);
/** Current device timestamp (cycles of props.clock_mhz). */
SINAN_API sinan_status sinan_device_get_timestamp(sinan_device_t dev, uint64_t *cycles);

/** Why a device cannot be used (sinan_diagnosis.cause). Append only. */
enum sinan_diag_cause {
	SINAN_DIAG_OK = 0,			/* the device opens */
	SINAN_DIAG_NO_PCI_DEVICE = 1,		/* no Sinan device on the PCI bus */
	SINAN_DIAG_DRIVER_NOT_LOADED = 2,	/* sinan.ko is not loaded */
	SINAN_DIAG_DRIVER_NOT_BOUND = 3,	/* driver loaded, the device has no driver (probe failed) */
	SINAN_DIAG_FIRMWARE_MISSING = 4,	/* the driver found no firmware file */
	SINAN_DIAG_FIRMWARE_FAILED = 5,		/* the firmware was refused or crashed */
	SINAN_DIAG_NO_DEVICE_NODE = 6,		/* device bound but no /dev node (udev?) */
	SINAN_DIAG_PERMISSION = 7,		/* the node exists but this user may not open it */
	SINAN_DIAG_VERSION_SKEW = 8,		/* driver/firmware/runtime versions do not fit */
	SINAN_DIAG_OPEN_FAILED = 9,		/* another reason: see message */
	SINAN_DIAG_NO_SUCH_INDEX = 10,		/* fewer devices than the index asked for */
	SINAN_DIAG_COUNT
};

/**
 * struct sinan_diagnosis - result of sinan_device_diagnose().
 * @cause: SINAN_DIAG_*.
 * @status: what sinan_device_open() returns for these options.
 * @message: what is wrong, with the facts found (paths, groups, versions).
 * @hint: what to do about it.
 * @log: kernel log lines about sinan, when they could be read.
 */
struct sinan_diagnosis {
	size_t size;
	uint32_t cause;
	sinan_status status;
	char message[512];
	char hint[512];
	char log[1024];
};

/**
 * sinan_device_diagnose - explain why a device does (not) open.
 * Tries to open the device as sinan_device_open(@opts) would and walks the
 * chain PCI device -> driver -> firmware -> device node -> permission ->
 * versions. Returns SINAN_OK when the diagnosis was made (whatever it found).
 * $SINAN_SYSROOT prefixes /sys, /dev and /lib/firmware (for tests, containers).
 */
SINAN_API sinan_status sinan_device_diagnose(const struct sinan_open_options *opts,
					     struct sinan_diagnosis *diag);
/** The name of a diagnosis cause ("permission"). */
SINAN_API const char *sinan_diag_cause_name(uint32_t cause);

/* ---- memory ---------------------------------------------------------------- */

enum sinan_mem_placement {
	SINAN_MEM_DEVICE = 0,	/* device memory: AI cores and copy engines */
	SINAN_MEM_HOST = 1,	/* pinned host memory: copy engines only */
};

#define SINAN_BUFFER_ZERO	(1u << 0)	/* zero-filled (host buffers always are) */
#define SINAN_BUFFER_READ_ONLY	(1u << 1)	/* the device may only read it */

/** Allocate a buffer of @size bytes (rounded up to 4 KiB) and map it on the device. */
SINAN_API sinan_status sinan_buffer_create(sinan_device_t dev, uint64_t size, enum sinan_mem_placement placement,
					   uint32_t flags, sinan_buffer_t *buf);
/** A view of bytes [@offset, @offset + @size) of @parent; keeps @parent alive. */
SINAN_API sinan_status sinan_buffer_create_sub(sinan_buffer_t parent, uint64_t offset, uint64_t size,
					       sinan_buffer_t *sub);
/**
 * Release a buffer. Work already submitted that uses it completes first:
 * the memory is freed (or returned to its pool) when the last job using it
 * retires.
 */
SINAN_API sinan_status sinan_buffer_destroy(sinan_buffer_t buf);
/** CPU address of the buffer's first byte; valid until the buffer is destroyed. */
SINAN_API sinan_status sinan_buffer_map(sinan_buffer_t buf, void **ptr);

/**
 * struct sinan_buffer_info - a buffer's description.
 * @device_va: the device virtual address of the buffer's first byte.
 * @offset: offset in the root allocation (sub-buffers, pool buffers).
 */
struct sinan_buffer_info {
	size_t size;
	uint64_t bytes;
	uint32_t placement;
	uint32_t flags;
	uint64_t device_va;
	uint64_t offset;
	uint32_t is_sub;
	uint32_t from_pool;
	uint32_t imported;
};
SINAN_API sinan_status sinan_buffer_get_info(sinan_buffer_t buf, struct sinan_buffer_info *info);

/** Export a whole (not sub-) buffer as a dma-buf file descriptor (close it yourself). */
SINAN_API sinan_status sinan_buffer_export(sinan_buffer_t buf, int *fd);
/** Import a dma-buf (from sinan_buffer_export() or another driver) as a buffer. */
SINAN_API sinan_status sinan_buffer_import(sinan_device_t dev, int fd, sinan_buffer_t *buf);

/**
 * struct sinan_pool_options - a caching allocator.
 * @placement: SINAN_MEM_DEVICE or SINAN_MEM_HOST.
 * @block_size: small allocations are carved out of blocks of this many
 *   bytes (0: 4 MiB); larger ones get a buffer of their own.
 * @max_cached: bytes of free blocks and buffers kept for reuse (0: 256 MiB).
 * @flags: SINAN_BUFFER_ZERO (zero each allocation, costs a fill) or 0.
 */
struct sinan_pool_options {
	size_t size;
	uint32_t placement;
	uint32_t flags;
	uint64_t block_size;
	uint64_t max_cached;
};

/**
 * struct sinan_pool_stats - what a pool holds.
 * @allocs: sinan_pool_alloc() calls; @hits: of them served without a driver call.
 * @in_use: bytes handed out and not yet released.
 * @cached: bytes held for reuse.
 * @reserved: bytes of device/host memory the pool holds in total.
 * @driver_allocs: buffers the pool allocated from the driver.
 */
struct sinan_pool_stats {
	size_t size;
	uint64_t allocs;
	uint64_t hits;
	uint64_t in_use;
	uint64_t cached;
	uint64_t reserved;
	uint64_t driver_allocs;
};

SINAN_API sinan_status sinan_pool_create(sinan_device_t dev, const struct sinan_pool_options *opts,
					 sinan_pool_t *pool);
/** Destroy a pool: every buffer allocated from it must have been destroyed. */
SINAN_API sinan_status sinan_pool_destroy(sinan_pool_t pool);
/** A buffer of at least @bytes from the pool (256-byte aligned); release with sinan_buffer_destroy(). */
SINAN_API sinan_status sinan_pool_alloc(sinan_pool_t pool, uint64_t bytes, sinan_buffer_t *buf);
/** Give cached memory back to the driver. */
SINAN_API sinan_status sinan_pool_trim(sinan_pool_t pool);
SINAN_API sinan_status sinan_pool_get_stats(sinan_pool_t pool, struct sinan_pool_stats *stats);

/* ---- queues, semaphores, events ------------------------------------------------ */

enum sinan_engine {
	SINAN_ENGINE_COMPUTE = 0,	/* every verb */
	SINAN_ENGINE_COPY = 1,		/* no launch */
};

enum sinan_priority {
	SINAN_PRIORITY_LOW = 0,
	SINAN_PRIORITY_NORMAL = 1,
	SINAN_PRIORITY_HIGH = 2,
};

/**
 * struct sinan_queue_options - how to create a queue.
 * @engine: SINAN_ENGINE_*.
 * @priority: SINAN_PRIORITY_* (0 = low; use SINAN_PRIORITY_NORMAL).
 * @timeout_ms: a job running longer is stopped and fails with SINAN_E_HANG;
 *   0 for the driver's default.
 * @flags: must be 0.
 */
struct sinan_queue_options {
	size_t size;
	uint32_t engine;
	uint32_t priority;
	uint32_t timeout_ms;
	uint32_t flags;
};

/** Wait without limit. Timeouts are in nanoseconds, relative to the call. */
#define SINAN_TIMEOUT_INFINITE	UINT64_MAX

SINAN_API sinan_status sinan_queue_create(sinan_device_t dev, const struct sinan_queue_options *opts,
					  sinan_queue_t *queue);
/**
 * Submit what is recorded, wait for the queue's submitted work, destroy it.
 * Jobs still waiting for a semaphore value nobody has signaled are dropped.
 */
SINAN_API sinan_status sinan_queue_destroy(sinan_queue_t queue);

/* Recording verbs: they append to the queue's current job (see sinan_queue_submit). */

/** Copy @size bytes (any size and alignment); device<->host or within one placement. */
SINAN_API sinan_status sinan_queue_copy(sinan_queue_t queue, sinan_buffer_t dst, uint64_t dst_offset,
					sinan_buffer_t src, uint64_t src_offset, uint64_t size);
/** Fill @size bytes with the 32-bit @pattern; @offset and @size multiples of 4. */
SINAN_API sinan_status sinan_queue_fill(sinan_queue_t queue, sinan_buffer_t dst, uint64_t offset,
					uint64_t size, uint32_t pattern);

enum sinan_arg_kind {
	SINAN_ARG_BUFFER = 0,	/* device VA of buffer + offset */
	SINAN_ARG_VALUE = 1,	/* an integer (or bits of a float) */
};

/**
 * struct sinan_arg - one kernel argument, in the order of the kernel's metadata.
 * @slot: in a command buffer, a patchable slot id (not 0) whose value
 *   sinan_cmdbuf_set_value() replaces (SINAN_ARG_VALUE only); 0 otherwise.
 *   Buffer arguments are patched through slot buffers (sinan_cmdbuf_slot()).
 */
struct sinan_arg {
	uint32_t kind;
	uint32_t slot;
	sinan_buffer_t buffer;
	uint64_t offset;
	uint64_t value;
};

/**
 * struct sinan_launch - a kernel launch.
 * @blocks: number of blocks (1..65536); block b runs on core b % cores.
 * @num_args/@args: the arguments, checked against the kernel's metadata.
 */
struct sinan_launch {
	size_t size;
	uint32_t blocks;
	uint32_t num_args;
	const struct sinan_arg *args;
};

SINAN_API sinan_status sinan_queue_launch(sinan_queue_t queue, sinan_kernel_t kernel,
					  const struct sinan_launch *launch);
/** Everything recorded before completes before anything after starts. */
SINAN_API sinan_status sinan_queue_barrier(sinan_queue_t queue);
/** Record the device time at this point of the queue in @event. */
SINAN_API sinan_status sinan_queue_timestamp(sinan_queue_t queue, sinan_event_t event);
/**
 * Signal @value on @sem when everything recorded so far has completed.
 * Ends the current job: it is submitted now.
 */
SINAN_API sinan_status sinan_queue_signal(sinan_queue_t queue, sinan_semaphore_t sem, uint64_t value);
/** Nothing recorded after this starts before @sem reaches @value. Starts a new job. */
SINAN_API sinan_status sinan_queue_wait(sinan_queue_t queue, sinan_semaphore_t sem, uint64_t value);
/** Run a recorded (sinan_cmdbuf_end()) command buffer as one job. */
SINAN_API sinan_status sinan_queue_exec(sinan_queue_t queue, sinan_cmdbuf_t cmdbuf);
/** Submit what is recorded as one job (no-op when nothing is). */
SINAN_API sinan_status sinan_queue_submit(sinan_queue_t queue);
/**
 * Submit, then wait until every job of the queue has completed. Returns the
 * first failure of those jobs (with detail in the last error), SINAN_E_TIMEOUT
 * if @timeout_ns passed first.
 */
SINAN_API sinan_status sinan_queue_finish(sinan_queue_t queue, uint64_t timeout_ns);
/** Change the queue's job timeout (takes effect for jobs submitted after; the queue must be idle). */
SINAN_API sinan_status sinan_queue_set_timeout(sinan_queue_t queue, uint32_t timeout_ms);
/**
 * After a failure: drop what is recorded and not submitted, get a fresh
 * hardware queue and clear the sticky error. Waits for jobs still running.
 */
SINAN_API sinan_status sinan_queue_recover(sinan_queue_t queue);

/** Queue states (sinan_queue_info.state). */
enum sinan_queue_state {
	SINAN_QUEUE_OK = 0,
	SINAN_QUEUE_FAILED = 1,		/* a job failed; see the error fields; recover to reuse */
};

/**
 * struct sinan_queue_info - a queue's state.
 * @id: the queue's id (what error records name).
 * @submitted: jobs submitted; @completed: jobs known complete.
 * @busy_cycles: device cycles the hardware queue spent executing.
 * @error: the sticky error (SINAN_OK if none) and its detail.
 */
struct sinan_queue_info {
	size_t size;
	uint32_t id;
	uint32_t engine;
	uint32_t priority;
	uint32_t timeout_ms;
	uint32_t state;
	sinan_status error;
	uint32_t hw_error;
	uint32_t packet_index;
	uint64_t failed_job;
	uint64_t fault_addr;
	uint64_t submitted;
	uint64_t completed;
	uint64_t busy_cycles;
	uint32_t reset_count;
};
SINAN_API sinan_status sinan_queue_get_info(sinan_queue_t queue, struct sinan_queue_info *info);

/** A timeline semaphore with value @initial. */
SINAN_API sinan_status sinan_semaphore_create(sinan_device_t dev, uint64_t initial, sinan_semaphore_t *sem);
SINAN_API sinan_status sinan_semaphore_destroy(sinan_semaphore_t sem);
/** Signal @value from the host (must be greater than the current value). */
SINAN_API sinan_status sinan_semaphore_signal(sinan_semaphore_t sem, uint64_t value);
/**
 * Wait until the semaphore reaches @value. If the job that signals it
 * failed, returns that job's error (with detail).
 */
SINAN_API sinan_status sinan_semaphore_wait(sinan_semaphore_t sem, uint64_t value, uint64_t timeout_ns);
/** The current value. */
SINAN_API sinan_status sinan_semaphore_get_value(sinan_semaphore_t sem, uint64_t *value);

SINAN_API sinan_status sinan_event_create(sinan_device_t dev, sinan_event_t *event);
SINAN_API sinan_status sinan_event_destroy(sinan_event_t event);
/** Wait until the job that records @event completed. */
SINAN_API sinan_status sinan_event_wait(sinan_event_t event, uint64_t timeout_ns);
/**
 * Device time between two recorded events, in nanoseconds and cycles.
 * SINAN_E_NOT_READY if either is not recorded yet; does not wait.
 */
SINAN_API sinan_status sinan_event_elapsed(sinan_event_t start, sinan_event_t end, uint64_t *ns,
					   uint64_t *cycles);

/* ---- command buffers --------------------------------------------------------------- */

SINAN_API sinan_status sinan_cmdbuf_create(sinan_device_t dev, sinan_cmdbuf_t *cmdbuf);
/** Destroy; a command buffer that is still executing is freed when it completes. */
SINAN_API sinan_status sinan_cmdbuf_destroy(sinan_cmdbuf_t cmdbuf);
/**
 * A slot buffer: a stand-in for a buffer of at least @bytes that is bound
 * (and re-bound before each replay) with sinan_cmdbuf_bind(). Use it like
 * any buffer in this command buffer's verbs. @slot is any id but 0.
 */
SINAN_API sinan_status sinan_cmdbuf_slot(sinan_cmdbuf_t cmdbuf, uint32_t slot, uint64_t bytes,
					 sinan_buffer_t *slot_buffer);
SINAN_API sinan_status sinan_cmdbuf_copy(sinan_cmdbuf_t cmdbuf, sinan_buffer_t dst, uint64_t dst_offset,
					 sinan_buffer_t src, uint64_t src_offset, uint64_t size);
SINAN_API sinan_status sinan_cmdbuf_fill(sinan_cmdbuf_t cmdbuf, sinan_buffer_t dst, uint64_t offset,
					 uint64_t size, uint32_t pattern);
SINAN_API sinan_status sinan_cmdbuf_launch(sinan_cmdbuf_t cmdbuf, sinan_kernel_t kernel,
					   const struct sinan_launch *launch);
SINAN_API sinan_status sinan_cmdbuf_barrier(sinan_cmdbuf_t cmdbuf);
/** Record a timestamp into @event at each replay. */
SINAN_API sinan_status sinan_cmdbuf_timestamp(sinan_cmdbuf_t cmdbuf, sinan_event_t event);
/** Finish recording; the command buffer can then be executed any number of times. */
SINAN_API sinan_status sinan_cmdbuf_end(sinan_cmdbuf_t cmdbuf);
/**
 * Bind @buffer + @offset to slot buffer @slot (before the first execution and
 * between executions). SINAN_E_BUSY while an execution is in flight.
 */
SINAN_API sinan_status sinan_cmdbuf_bind(sinan_cmdbuf_t cmdbuf, uint32_t slot, sinan_buffer_t buffer,
					 uint64_t offset);
/** Set value slot @slot (sinan_arg.slot). SINAN_E_BUSY while executing. */
SINAN_API sinan_status sinan_cmdbuf_set_value(sinan_cmdbuf_t cmdbuf, uint32_t slot, uint64_t value);

/* ---- kernel binaries and modules ----------------------------------------------------- */

/*
 * A kernel binary is an ELF64 file for machine SINAN_ELF_MACHINE with a
 * "Sinan" note (ISA version and kernel ABI version), the code of its kernels
 * (.text), optional read-only data (.rodata) and argument metadata
 * (.sinan.args); see include/sinan_hw/sinan_kbin.h and docs/runtime-api.md.
 */

enum sinan_karg_kind {
	SINAN_KARG_BUFFER = 0,	/* 8-byte device VA, from a SINAN_ARG_BUFFER */
	SINAN_KARG_VALUE = 1,	/* 1, 2, 4 or 8 bytes, from a SINAN_ARG_VALUE */
	SINAN_KARG_DATA = 2,	/* 8-byte device VA of the module's .rodata + value; filled by the runtime */
};

#define SINAN_KARG_F_READ	(1u << 0)	/* buffer: the kernel reads it */
#define SINAN_KARG_F_WRITE	(1u << 1)	/* buffer: the kernel writes it */

/**
 * struct sinan_kernel_arg - one argument's metadata.
 * @offset: byte offset in the argument block (aligned to @bytes).
 * @bytes: 8 for buffers and data, 1/2/4/8 for values.
 * @value: for SINAN_KARG_DATA, the offset into .rodata.
 */
struct sinan_kernel_arg {
	char name[32];
	uint32_t kind;
	uint32_t flags;
	uint32_t offset;
	uint32_t bytes;
	uint64_t value;
};

/**
 * struct sinan_kernel_info - a kernel.
 * @num_instructions: 64-bit words of code.
 * @args_bytes: size of its argument block.
 */
struct sinan_kernel_info {
	size_t size;
	char name[64];
	uint32_t num_args;
	uint32_t args_bytes;
	uint64_t num_instructions;
	uint64_t code_offset;		/* in the module's .text, bytes */
};

/**
 * struct sinan_kbin_info - what a kernel binary says about itself.
 * @isa_major/@isa_minor: instruction set it needs.
 * @abi_version: kernel ABI (argument block convention), SINAN_KBIN_ABI_VERSION.
 * @num_kernels: kernels in it.
 */
struct sinan_kbin_info {
	size_t size;
	uint32_t isa_major;
	uint32_t isa_minor;
	uint32_t abi_version;
	uint32_t num_kernels;
	uint64_t text_bytes;
	uint64_t rodata_bytes;
	char producer[32];
};

/** Parse and check a kernel binary without a device (all checks but the device's ISA). */
SINAN_API sinan_status sinan_kbin_inspect(const void *image, size_t bytes, struct sinan_kbin_info *info);
/** Kernel @i of a binary (for tools): its info and, if @code is not NULL, a pointer into @image. */
SINAN_API sinan_status sinan_kbin_get_kernel(const void *image, size_t bytes, uint32_t i,
					     struct sinan_kernel_info *info, const uint64_t **code);
/** Argument @a of kernel @i of a binary. */
SINAN_API sinan_status sinan_kbin_get_arg(const void *image, size_t bytes, uint32_t i, uint32_t a,
					  struct sinan_kernel_arg *arg);

/** Load a kernel binary on a device; SINAN_E_VERSION_MISMATCH if the device cannot run it. */
SINAN_API sinan_status sinan_module_load(sinan_device_t dev, const void *image, size_t bytes,
					 sinan_module_t *module);
SINAN_API sinan_status sinan_module_load_file(sinan_device_t dev, const char *path, sinan_module_t *module);
/** Unload; kernels still running keep their code until they complete. */
SINAN_API sinan_status sinan_module_destroy(sinan_module_t module);
SINAN_API sinan_status sinan_module_get_kernel(sinan_module_t module, const char *name, sinan_kernel_t *kernel);
SINAN_API sinan_status sinan_kernel_get_info(sinan_kernel_t kernel, struct sinan_kernel_info *info);
SINAN_API sinan_status sinan_kernel_get_arg(sinan_kernel_t kernel, uint32_t index, struct sinan_kernel_arg *arg);

/** A writer of kernel binaries (what a compiler emits). */
SINAN_API sinan_status sinan_kbin_writer_create(sinan_kbin_writer_t *writer);
SINAN_API sinan_status sinan_kbin_writer_destroy(sinan_kbin_writer_t writer);
/** Override the versions written (default: this library's ISA and ABI). For tests and cross-builds. */
SINAN_API sinan_status sinan_kbin_writer_set_version(sinan_kbin_writer_t writer, uint32_t isa_major,
						     uint32_t isa_minor, uint32_t abi_version);
/** Add a kernel: @num_instructions 64-bit words and its arguments (offsets 0 = laid out in order). */
SINAN_API sinan_status sinan_kbin_writer_add_kernel(sinan_kbin_writer_t writer, const char *name,
						    const uint64_t *code, uint64_t num_instructions,
						    const struct sinan_kernel_arg *args, uint32_t num_args);
/** Set the module's read-only data (copied). */
SINAN_API sinan_status sinan_kbin_writer_set_rodata(sinan_kbin_writer_t writer, const void *data, uint64_t bytes);
/** Produce the ELF image: *image is malloc'ed (sinan_free()). */
SINAN_API sinan_status sinan_kbin_writer_finish(sinan_kbin_writer_t writer, void **image, size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* SINAN_SINAN_H */

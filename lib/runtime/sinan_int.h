/* SPDX-License-Identifier: MIT */
/*
 * libsinan internals: the objects behind the public handles, error and
 * trace helpers. Private to lib/runtime/ (and the tests, which link the
 * static library).
 */
#ifndef SINAN_INT_H
#define SINAN_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sinan/sinan.h>
#include <sinan_hw/sinan_pkt.h>
#include <sinan_hw/sinan_kbin.h>

#include "sinan_backend.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))

/* snprintf whose output may be cut short on purpose (messages quoting messages). */
void snprintf_cut(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copy a string, cut to fit (always terminated). */
static inline void strcopy(char *dst, size_t n, const char *src)
{
	size_t l = strnlen(src, n - 1);

	memcpy(dst, src, l);
	dst[l] = 0;
}

/* ---- lists ---------------------------------------------------------------- */
struct list {
	struct list *prev, *next;
};
#define LIST_INIT(l)	{ &(l), &(l) }
static inline void list_init(struct list *l) { l->prev = l->next = l; }
static inline bool list_empty(const struct list *l) { return l->next == l; }
static inline void list_add_tail(struct list *l, struct list *n)
{
	n->prev = l->prev;
	n->next = l;
	l->prev->next = n;
	l->prev = n;
}
static inline void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}
#define container_of(p, type, member)	((type *)((char *)(p) - offsetof(type, member)))
#define list_for_each_safe(pos, tmp, head) \
	for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)

/* ---- errors ------------------------------------------------------------------ */

/* Entry of every public function: names it in error records and traces it. */
struct api_scope {
	const char *func;
	uint64_t t0;
	bool traced;
};
void api_scope_end(struct api_scope *s);
void api_scope_begin(struct api_scope *s, const char *func);
#define API_ENTER()	\
	struct api_scope __api __attribute__((cleanup(api_scope_end))); \
	api_scope_begin(&__api, __func__)

/* Record an error for the calling thread and return it. */
sinan_status sinan_error(sinan_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with an errno that caused it. */
sinan_status sinan_error_errno(sinan_status s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy a full record (a queue's sticky error) to the thread, keep the function name. */
sinan_status sinan_error_set(const struct sinan_error_info *info);
/* Map a driver errno to a status. */
sinan_status sinan_status_from_errno(int err);
/* Accessor for the thread's record (to add detail after sinan_error()). */
struct sinan_error_info *sinan_error_tls(void);

/* Copy @full (of @full_size bytes) into a caller structure that declares its size. */
sinan_status sinan_copy_out(void *dst, const void *full, size_t full_size, size_t min_size, const char *what);
#define COPY_OUT(dst, full, first_field_after_size)	\
	sinan_copy_out((dst), &(full), sizeof(full), offsetof(__typeof__(full), first_field_after_size), #dst)

#define CHECK_ARG(cond, ...)	do { if (!(cond)) return sinan_error(SINAN_E_INVALID_ARGUMENT, __VA_ARGS__); } while (0)

uint64_t sinan_now_ns(void);	/* CLOCK_MONOTONIC */
/* Absolute CLOCK_MONOTONIC deadline for a relative timeout (INT64_MAX = never). */
int64_t sinan_deadline(uint64_t timeout_ns);

/* ---- debug and trace ------------------------------------------------------------- */
extern int sinan_debug_ioctl;	/* SINAN_DEBUG=ioctl */
void sinan_env_init(void);
void sinan_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool sinan_trace_on(void);
void sinan_trace_host(const char *name, uint64_t t0_ns, uint64_t t1_ns);
void sinan_trace_device(struct sinan_device *dev, uint32_t queue, uint64_t seq, const char *name,
			uint64_t start_cycles, uint64_t end_cycles, sinan_status st);

/* ---- objects -------------------------------------------------------------------- */

#define MAGIC_DEVICE	0x53444556u
#define MAGIC_BUFFER	0x53425546u
#define MAGIC_POOL	0x53504f4fu
#define MAGIC_QUEUE	0x53515545u
#define MAGIC_SEM	0x5353454du
#define MAGIC_EVENT	0x53455654u
#define MAGIC_CMDBUF	0x53434d44u
#define MAGIC_MODULE	0x534d4f44u
#define MAGIC_KERNEL	0x534b524eu
#define MAGIC_WRITER	0x534b5752u
#define MAGIC_DEAD	0xdeadbeefu

/* A driver buffer object, bound into the device address space. */
struct sinan_bo {
	struct sinan_device *dev;
	uint32_t handle;
	uint32_t placement;
	uint32_t flags;
	uint64_t size;
	uint64_t va;
	void *cpu;		/* CPU mapping, NULL until first needed */
	atomic_int refs;
	bool imported;
	struct list link;	/* dev->bos */
};

enum buffer_kind {
	BUF_ROOT,		/* owns a bo */
	BUF_SUB,		/* view of a parent buffer */
	BUF_POOL,		/* carved out of a pool block, or a cached pool bo */
	BUF_SLOT,		/* a command-buffer slot placeholder */
};

struct sinan_buffer {
	uint32_t magic;
	enum buffer_kind kind;
	struct sinan_device *dev;
	struct sinan_bo *bo;		/* backing bo (not for BUF_SLOT) */
	uint64_t offset;		/* in bo */
	uint64_t size;
	atomic_int refs;		/* the user's handle + subs + jobs */
	bool user_destroyed;
	struct sinan_buffer *parent;	/* BUF_SUB */
	struct sinan_pool *pool;	/* BUF_POOL */
	struct pool_block *block;	/* BUF_POOL: small allocation */
	uint32_t pool_class;
	struct sinan_cmdbuf *cb;	/* BUF_SLOT */
	uint32_t slot;
	struct list link;		/* dev->buffers (not slots) */
};

void buffer_ref(struct sinan_buffer *b);
void buffer_track(struct sinan_buffer *b);
void buffer_unref(struct sinan_buffer *b);
/* Validate a handle; returns NULL after recording an error naming @what. */
struct sinan_buffer *buffer_get(sinan_buffer_t b, const char *what);
sinan_status bo_create(struct sinan_device *dev, uint64_t size, uint32_t placement, uint32_t flags,
		       struct sinan_bo **out);
void bo_unref(struct sinan_bo *bo);
sinan_status bo_map(struct sinan_bo *bo, void **ptr);
/* Internal buffers (command memory, argument blocks): from the device's pools. */
sinan_status internal_alloc(struct sinan_device *dev, uint32_t placement, uint64_t size, struct sinan_buffer **out);
void pool_release(struct sinan_buffer *b);
void pool_user_release(struct sinan_buffer *b);

/* A reference list: buffers used by a job or a command buffer. */
struct reflist {
	struct sinan_buffer **v;
	uint32_t n, cap;
};
sinan_status reflist_add(struct reflist *r, struct sinan_buffer *b);
void reflist_release(struct reflist *r);

/* What each packet of a command stream is, to name it in error messages. */
struct pkt_desc {
	uint8_t opcode;
	const char *what;	/* kernel name for LAUNCH, or NULL */
};

/* Patch locations of slots. */
struct slot_use {
	uint32_t slot;
	uint8_t where;		/* PATCH_CMD: in the packet stream; PATCH_ARGS: in the argument block */
	uint8_t size;		/* value slots: bytes */
	uint64_t pos;		/* byte offset */
	uint64_t add;		/* offset added to the bound buffer's VA */
};
#define PATCH_CMD	0	/* buffer slot: VA in the packet stream */
#define PATCH_ARGS	1	/* buffer slot: VA in an argument block */
#define PATCH_VALUE	2	/* value slot: size bytes in an argument block */

struct slot_def {
	uint32_t slot;
	bool is_value;
	uint64_t bytes;
	struct sinan_buffer *placeholder;
	struct sinan_buffer *bound;	/* ref held */
	uint64_t bound_offset;
	uint64_t value;
	bool set;
};

/* A packet stream being recorded (a queue's next job, or a command buffer). */
struct recorder {
	struct sinan_device *dev;
	struct sinan_pkt *pkts;
	uint32_t npkts, cap;
	struct pkt_desc *desc;
	uint32_t desc_cap;
	uint8_t *args;			/* argument blocks, laid out at record time */
	uint64_t args_len, args_cap;
	struct reflist refs;		/* buffers the packets use */
	struct sinan_module **mods;	/* modules whose kernels are launched */
	uint32_t nmods, mods_cap;
	struct slot_use *uses;
	uint32_t nuses, uses_cap;
	struct slot_def *slots;		/* command buffers only */
	uint32_t nslots, slots_cap;
	bool allow_slots;
	bool has_launch;
	/* LAUNCH packets that need the argument block's VA: (packet index, offset) */
	struct argfix { uint32_t pkt; uint64_t off; } *argfix;
	uint32_t nargfix, argfix_cap;
	/* timestamps to write into events: (packet index, event) */
	struct evfix { uint32_t pkt; struct sinan_event *ev; } *evs;
	uint32_t nevs, evs_cap;
};

void rec_init(struct recorder *r, struct sinan_device *dev, bool allow_slots);
void rec_reset(struct recorder *r);	/* forget contents, keep capacity */
void rec_fini(struct recorder *r);
sinan_status rec_copy(struct recorder *r, struct sinan_buffer *dst, uint64_t doff, struct sinan_buffer *src,
		      uint64_t soff, uint64_t size);
sinan_status rec_fill(struct recorder *r, struct sinan_buffer *dst, uint64_t off, uint64_t size, uint32_t pattern);
sinan_status rec_launch(struct recorder *r, struct sinan_kernel *k, const struct sinan_launch *l, uint32_t engine);
sinan_status rec_barrier(struct recorder *r);
sinan_status rec_timestamp(struct recorder *r, struct sinan_event *ev);
/* Raw packet (tests: fault paths). */
sinan_status rec_raw(struct recorder *r, const struct sinan_pkt *pkt);
/*
 * Materialize: the packet stream in host memory (*cmd), the argument blocks
 * in device memory (*args, NULL if none), a copy of the packet descriptions.
 * With @ts_va, TIMESTAMP packets writing @ts_va and @ts_va + 8 frame the
 * stream (for the trace). Slots already set are patched in.
 */
sinan_status rec_upload(struct recorder *r, uint64_t ts_va, struct sinan_buffer **cmd, struct sinan_buffer **args,
			struct pkt_desc **desc, uint32_t *npkts);
void rec_patch_slot(struct recorder *r, const struct slot_def *def, uint8_t *cmd, uint64_t cmd_shift, uint8_t *args);

struct sinan_event {
	uint32_t magic;
	struct sinan_device *dev;
	struct sinan_buffer *mem;	/* 8 bytes: the timestamp */
	atomic_int refs;		/* user + recordings */
	bool user_destroyed;
	/* the last submitted recording (under dev->sched_lock) */
	struct sinan_queue *queue;
	uint64_t seq;			/* its job; 0 = not recorded */
	struct list link;		/* dev->events */
};
void event_ref(struct sinan_event *e);
void event_unref(struct sinan_event *e);

/* A signal submitted on a semaphore: who will signal which value. */
struct sem_signal {
	struct list link;
	uint64_t value;
	uint32_t queue_id;		/* SINAN_NONE32 for a host signal */
	struct sinan_queue *queue;	/* NULL for a host signal or a destroyed queue */
	uint32_t kq;			/* the driver queue @seq belongs to */
	uint64_t seq;
};

struct sinan_semaphore {
	uint32_t magic;
	struct sinan_device *dev;
	uint32_t handle;		/* syncobj */
	atomic_int refs;		/* user + jobs waiting or signalling */
	bool user_destroyed;
	uint64_t submitted;		/* highest value with a submitted signal (sched_lock) */
	struct list signals;		/* struct sem_signal, by value (sched_lock) */
	bool untracked;			/* a signal is missing from @signals (out of memory; sched_lock) */
	struct list link_dev;		/* dev->sems */
};
void sem_ref(struct sinan_semaphore *s);
void sem_unref(struct sinan_semaphore *s);

struct sem_dep {
	struct sinan_semaphore *sem;	/* ref held */
	uint64_t value;
};

/* A job: submitted (seq != 0, in flight) or held back (its waits are not submitted yet). */
struct job {
	struct list link;		/* q->jobs (in flight) or q->held */
	uint64_t seq;
	struct reflist refs;
	struct sinan_module **mods;
	uint32_t nmods;
	struct sinan_buffer *cmd, *args, *ts;
	uint64_t cmd_va;
	uint32_t cmd_bytes;
	struct sinan_cmdbuf *cb;	/* an executed command buffer (ref) */
	struct pkt_desc *desc;
	uint32_t ndesc;
	bool own_desc;
	struct sem_dep *waits, *signals;
	uint32_t nwaits, nsignals;
	struct evfix *evs;
	uint32_t nevs;
	const char *name;		/* for messages and the trace */
	char name_buf[40];
};
/* A job's name from its packets: the first kernel launched, else its verbs ("copy+fill"). */
const char *job_name(const struct pkt_desc *d, uint32_t n, char *buf, size_t len);

struct sinan_queue {
	uint32_t magic;
	struct sinan_device *dev;
	pthread_mutex_t lock;		/* recording */
	uint32_t id;			/* public id */
	struct sinan_queue_options opts;
	struct recorder rec;		/* the next job */
	struct sem_dep *waits;		/* waits of the next job */
	uint32_t nwaits, waits_cap;
	/* under dev->sched_lock: */
	uint32_t kq;			/* driver queue id */
	struct list jobs;		/* in flight, by seq */
	struct list held;
	uint64_t submitted, completed, last_seq;
	uint32_t reset_count;
	struct sinan_error_info err;	/* sticky error */
	bool failed;
	bool destroying;
	struct list link;		/* dev->queues */
};

struct sinan_cmdbuf {
	uint32_t magic;
	struct sinan_device *dev;
	pthread_mutex_t lock;
	struct recorder rec;
	bool ended;
	struct sinan_buffer *cmd, *args, *ts;	/* uploaded by sinan_cmdbuf_end() */
	uint8_t *cmd_cpu, *args_cpu;
	uint64_t cmd_shift;			/* bytes of trace packets before the recording */
	struct pkt_desc *desc;
	uint32_t ndesc;
	atomic_int refs;			/* user + jobs */
	atomic_int inflight;			/* jobs executing it */
	bool user_destroyed;
	struct list link;			/* dev->cmdbufs */
};
void cmdbuf_unref(struct sinan_cmdbuf *cb);
struct sinan_cmdbuf *cmdbuf_get_ended(sinan_cmdbuf_t c);
struct job *cmdbuf_make_job(struct sinan_cmdbuf *cb);
sinan_status cmdbuf_record_event(struct recorder *r, sinan_event_t e);
void cmdbuf_destroy_internal(struct sinan_cmdbuf *cb);
void sem_destroy_internal(struct sinan_semaphore *s);
void event_destroy_internal(struct sinan_event *e);
void module_destroy_internal(struct sinan_module *m);

struct sinan_kernel {
	uint32_t magic;
	struct sinan_module *mod;
	char name[64];
	uint64_t code_offset, code_bytes;
	uint32_t args_bytes;
	uint32_t num_args;
	struct sinan_kernel_arg *args;
};

struct sinan_module {
	uint32_t magic;
	struct sinan_device *dev;
	struct sinan_buffer *mem;	/* .text then .rodata, device memory */
	uint64_t rodata_offset;
	uint32_t num_kernels;
	struct sinan_kernel *kernels;
	atomic_int refs;		/* user + jobs/cmdbufs using it */
	bool user_destroyed;
	struct list link;
};
void module_ref(struct sinan_module *m);
void module_unref(struct sinan_module *m);

struct sinan_device {
	uint32_t magic;
	const struct sinan_backend_ops *ops;
	void *be;			/* backend private */
	pthread_mutex_t lock;		/* object lists, pools */
	struct sinan_device_props props;
	struct sinan_pool *pool_host;	/* internal: command memory, events */
	struct sinan_pool *pool_dev;	/* internal: argument blocks */
	struct list bos;
	struct list buffers;		/* every buffer handle but slots (dev->lock) */
	struct list queues;
	struct list sems;
	struct list events;
	struct list cmdbufs;
	struct list modules;
	struct list pools;
	uint32_t next_queue_id;
	pthread_mutex_t sched_lock;	/* submission, held jobs, retirement, semaphores */
	pthread_cond_t sched_cond;	/* held jobs released */
	/* trace: device cycles -> host ns */
	uint64_t ts_host_ns, ts_dev_cycles;
};

struct sinan_device *device_get(sinan_device_t d);
sinan_status device_resolve_options(const struct sinan_open_options *opts, struct sinan_open_options *o);
sinan_status device_open_internal(const struct sinan_open_options *o, struct sinan_device **out);
void device_destroy_objects(struct sinan_device *dev);
void device_close_internal(struct sinan_device *dev);

/* One place for every driver call: traced with SINAN_DEBUG=ioctl. Returns 0 or -errno. */
int sinan_ioctl(struct sinan_device *dev, unsigned long req, void *arg);
int sinan_mmap(struct sinan_device *dev, uint64_t offset, uint64_t len, void **ptr);
void sinan_munmap(struct sinan_device *dev, void *ptr, uint64_t len);
const char *sinan_ioctl_name(unsigned long req);

/* Queues (queue.c) */
/* Wait for job @seq of @q (0: no wait), retire what completed; the job's error if it failed. */
sinan_status queue_job_status(struct sinan_queue *q, uint64_t seq, int64_t deadline);
/* Submit held jobs whose waits have been submitted meanwhile. sched_lock held. */
void queue_release_held_locked(struct sinan_device *dev);
sinan_status queue_submit_job(struct sinan_queue *q, struct job *j);
void queue_destroy_internal(struct sinan_queue *q);

/* Pools (pool.c) */
struct sinan_pool *pool_new(struct sinan_device *dev, const struct sinan_pool_options *o, bool internal);
void pool_free_all(struct sinan_pool *p);
void pool_free_user_pools(struct sinan_device *dev);


/* Kernel binaries (kbin.c): parse into kernels. */
struct kbin_parsed {
	struct sinan_kernel_note note;
	const uint8_t *text;
	uint64_t text_bytes;
	const uint8_t *rodata;
	uint64_t rodata_bytes;
	uint32_t num_kernels;
	struct sinan_kbin_kernel *kernels;	/* copies */
	uint32_t num_args;
	struct sinan_kbin_arg *args;		/* copies */
	void *image;				/* private copy of the image */
};
sinan_status kbin_parse(const void *image, size_t bytes, struct kbin_parsed *p);
void kbin_parsed_free(struct kbin_parsed *p);

/* Test hooks (static library only; not exported from libsinan.so). */
sinan_status sinan_test_queue_raw(sinan_queue_t q, const struct sinan_pkt *pkt);
sinan_status sinan_test_buffer_va(sinan_buffer_t b, uint64_t *va);
/* System calls made to the driver (ioctls through sinan_ioctl()) so far, all threads. */
uint64_t sinan_test_ioctl_count(void);

#endif /* SINAN_INT_H */

// SPDX-License-Identifier: MIT
/*
 * libsinan: status strings, the per-thread last-error record, entry scopes
 * of API calls, environment, and small helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uapi/drm/sinan_accel.h>

#include "sinan_int.h"

static __thread struct sinan_error_info tls_err = { .size = sizeof(struct sinan_error_info) };
static __thread const char *tls_func;
static __thread int tls_depth;

static const char *const status_str[SINAN_E_STATUS_COUNT] = {
	[SINAN_OK] = "success",
	[SINAN_E_INVALID_ARGUMENT] = "invalid argument",
	[SINAN_E_OUT_OF_MEMORY] = "out of host memory",
	[SINAN_E_OUT_OF_DEVICE_MEMORY] = "out of device memory",
	[SINAN_E_NO_DEVICE] = "no such device",
	[SINAN_E_PERMISSION] = "permission denied",
	[SINAN_E_VERSION_MISMATCH] = "version mismatch",
	[SINAN_E_FIRMWARE] = "firmware error",
	[SINAN_E_TIMEOUT] = "timed out",
	[SINAN_E_HANG] = "job hung and was stopped",
	[SINAN_E_MMU_FAULT] = "device memory fault",
	[SINAN_E_ILLEGAL_INSTRUCTION] = "illegal instruction",
	[SINAN_E_DEVICE_ERROR] = "device error",
	[SINAN_E_CANCELED] = "canceled",
	[SINAN_E_DEVICE_LOST] = "device lost",
	[SINAN_E_NOT_SUPPORTED] = "not supported",
	[SINAN_E_BUSY] = "busy",
	[SINAN_E_NOT_READY] = "not ready",
	[SINAN_E_BAD_BINARY] = "malformed kernel binary",
	[SINAN_E_NOT_FOUND] = "not found",
	[SINAN_E_IO] = "system call failed",
	[SINAN_E_QUEUE_FULL] = "job too large",
};

SINAN_API const char *sinan_strerror(sinan_status s)
{
	if ((unsigned int)s < SINAN_E_STATUS_COUNT && status_str[s])
		return status_str[s];
	return "unknown status";
}

SINAN_API const char *sinan_hw_error_name(uint32_t e)
{
	static const char *const names[SINAN_ERR_COUNT] = {
		[SINAN_ERR_NONE] = "NONE",
		[SINAN_ERR_BAD_PACKET] = "BAD_PACKET",
		[SINAN_ERR_MMU_FAULT] = "MMU_FAULT",
		[SINAN_ERR_DMA] = "DMA",
		[SINAN_ERR_ILLEGAL_INSTR] = "ILLEGAL_INSTR",
		[SINAN_ERR_WATCHDOG] = "WATCHDOG",
		[SINAN_ERR_ECC] = "ECC",
		[SINAN_ERR_ABORTED] = "ABORTED",
		[SINAN_ERR_BAD_RING] = "BAD_RING",
		[SINAN_ERR_ALIGN] = "ALIGN",
		[SINAN_ERR_CORE_BOUNDS] = "CORE_BOUNDS",
		[SINAN_ERR_SYNC_HAZARD] = "SYNC_HAZARD",
	};

	if (e == DRM_SINAN_QUEUE_ERR_TIMEOUT)
		return "TIMEOUT";	/* the driver's own: the queue's timeout stopped the job */
	return e < SINAN_ERR_COUNT ? names[e] : "UNKNOWN";
}

static void err_reset(void)
{
	uint32_t keep = tls_err.size;

	memset(&tls_err, 0, sizeof(tls_err));
	tls_err.size = keep;
	tls_err.queue = SINAN_NONE32;
}

static sinan_status verror(sinan_status s, int err, const char *fmt, va_list ap)
{
	err_reset();
	tls_err.status = s;
	tls_err.sys_errno = err;
	snprintf(tls_err.function, sizeof(tls_err.function), "%s", tls_func ? tls_func : "");
	vsnprintf(tls_err.message, sizeof(tls_err.message), fmt, ap);
	if (sinan_debug_ioctl)
		sinan_dbg("error in %s: %s: %s", tls_err.function, sinan_strerror(s), tls_err.message);
	return s;
}

sinan_status sinan_error(sinan_status s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(s, 0, fmt, ap);
	va_end(ap);
	return s;
}

sinan_status sinan_error_errno(sinan_status s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(s, err, fmt, ap);
	va_end(ap);
	return s;
}

sinan_status sinan_error_set(const struct sinan_error_info *info)
{
	tls_err = *info;
	tls_err.size = sizeof(tls_err);
	snprintf(tls_err.function, sizeof(tls_err.function), "%s", tls_func ? tls_func : "");
	return info->status;
}

struct sinan_error_info *sinan_error_tls(void)
{
	return &tls_err;
}

sinan_status sinan_status_from_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return SINAN_OK;
	case EINVAL: case ERANGE: case EOVERFLOW: case E2BIG: return SINAN_E_INVALID_ARGUMENT;
	case ENOMEM: return SINAN_E_OUT_OF_DEVICE_MEMORY;
	case ENOSPC: return SINAN_E_OUT_OF_DEVICE_MEMORY;
	case ENOENT: return SINAN_E_NOT_FOUND;
	case ENODEV: case ENXIO: return SINAN_E_DEVICE_LOST;
	case EACCES: case EPERM: return SINAN_E_PERMISSION;
	case ETIME: return SINAN_E_TIMEOUT;
	case ETIMEDOUT: return SINAN_E_HANG;
	case EFAULT: return SINAN_E_MMU_FAULT;
	case ECANCELED: return SINAN_E_CANCELED;
	case EBUSY: return SINAN_E_BUSY;
	case EOPNOTSUPP: case ENOTTY: return SINAN_E_NOT_SUPPORTED;
	case EIO: return SINAN_E_DEVICE_ERROR;
	}
	return SINAN_E_IO;
}

SINAN_API sinan_status sinan_get_last_error(struct sinan_error_info *info)
{
	if (!info || info->size < offsetof(struct sinan_error_info, status) + sizeof(sinan_status))
		return SINAN_E_INVALID_ARGUMENT;	/* deliberately does not overwrite the record */
	memcpy((char *)info + sizeof(info->size), (const char *)&tls_err + sizeof(tls_err.size),
	       MIN(info->size, sizeof(tls_err)) - sizeof(info->size));
	return SINAN_OK;
}

SINAN_API const char *sinan_last_error_message(void)
{
	return tls_err.message;
}

SINAN_API uint32_t sinan_version(void)
{
	return SINAN_VERSION;
}

SINAN_API void sinan_free(void *p)
{
	free(p);
}

sinan_status sinan_copy_out(void *dst, const void *full, size_t full_size, size_t min_size, const char *what)
{
	size_t have;

	if (!dst)
		return sinan_error(SINAN_E_INVALID_ARGUMENT, "%s is NULL", what);
	memcpy(&have, dst, sizeof(have));
	if (have < min_size)
		return sinan_error(SINAN_E_INVALID_ARGUMENT,
				   "%s->size is %zu: set it to sizeof(*%s) (%zu in this library)", what, have,
				   what, full_size);
	memcpy((char *)dst + sizeof(size_t), (const char *)full + sizeof(size_t), MIN(have, full_size) - sizeof(size_t));
	return SINAN_OK;
}

uint64_t sinan_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int64_t sinan_deadline(uint64_t timeout_ns)
{
	uint64_t now = sinan_now_ns();

	if (timeout_ns >= (uint64_t)INT64_MAX - now)
		return INT64_MAX;
	return (int64_t)(now + timeout_ns);
}

/* ---- environment and debug output --------------------------------------------- */

int sinan_debug_ioctl;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void env_init_once(void)
{
	const char *d = getenv("SINAN_DEBUG");

	if (d && (strstr(d, "ioctl") || strstr(d, "all")))
		sinan_debug_ioctl = 1;
}

void sinan_env_init(void)
{
	pthread_once(&env_once, env_init_once);
}

void sinan_dbg(const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	if (!sinan_debug_ioctl)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sinan: %s\n", buf);
}

/* ---- API scopes ------------------------------------------------------------------- */

void api_scope_begin(struct api_scope *s, const char *func)
{
	sinan_env_init();
	s->func = func;
	s->traced = tls_depth == 0 && sinan_trace_on();
	s->t0 = s->traced ? sinan_now_ns() : 0;
	if (tls_depth++ == 0) {
		tls_func = func;
		err_reset();
	}
}

void api_scope_end(struct api_scope *s)
{
	if (--tls_depth == 0) {
		if (s->traced)
			sinan_trace_host(s->func, s->t0, sinan_now_ns());
		tls_func = NULL;
	}
}

void snprintf_cut(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the libsinan tests. The tests open the device the
 * environment names (SINAN_BACKEND=sim on the host, drm in the emulated
 * machine): the same binary, the same assertions, on both backends.
 */
#ifndef RT_COMMON_H
#define RT_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <sinan/sinan.h>

/* Assert a call succeeds; on failure print the library's last error. */
#define ASSERT_OK(call)								\
	do {									\
		sinan_status st__ = (call);					\
		if (st__ != SINAN_OK)						\
			print_message("%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call, \
				      sinan_strerror(st__), sinan_last_error_message()); \
		assert_int_equal(st__, SINAN_OK);				\
	} while (0)

/* Assert a call fails with @want and leaves a non-empty message. */
#define ASSERT_ST(want, call)							\
	do {									\
		sinan_status st__ = (call);					\
		if (st__ != (want))						\
			print_message("%s:%d: %s -> %s (%s), expected %s\n", __FILE__, __LINE__, #call, \
				      sinan_strerror(st__), sinan_last_error_message(), sinan_strerror(want)); \
		assert_int_equal(st__, (want));					\
		if ((want) != SINAN_OK)						\
			assert_true(sinan_last_error_message()[0] != 0);	\
	} while (0)

/* The device under test (opened once per group). */
extern sinan_device_t rt_dev;
int rt_setup(void **state);
int rt_teardown(void **state);
/* The backend in use ("sim" or "drm"). */
const char *rt_backend(void);

/* Fill @n bytes with a pattern derived from @seed; check it. */
void rt_pattern(void *p, size_t n, uint32_t seed);
int rt_check(const void *p, size_t n, uint32_t seed);

/* A host buffer mapped for the CPU. */
sinan_buffer_t rt_host(size_t n, void **map);
sinan_buffer_t rt_devbuf(size_t n);



/* A module with one kernel "k" of the given code and arguments (via the writer). */
sinan_module_t rt_module(const uint64_t *code, size_t n, const struct sinan_kernel_arg *args, uint32_t nargs,
			 sinan_kernel_t *k);
#endif /* RT_COMMON_H */

// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_common.h"

sinan_device_t rt_dev;

const char *rt_backend(void)
{
	const char *b = getenv("SINAN_BACKEND");

	return b && *b ? b : "drm";
}

int rt_setup(void **state)
{
	(void)state;
	if (!getenv("SINAN_BACKEND")) {
		/* make check sets it; by hand: the driver if it is loaded, else the simulator. */
		const char *b = access("/sys/module/sinan", F_OK) == 0 ? "drm" : "sim";

		print_message("SINAN_BACKEND is not set: testing the %s backend\n", b);
		setenv("SINAN_BACKEND", b, 1);
	}
	if (sinan_device_open(NULL, &rt_dev) != SINAN_OK) {
		struct sinan_diagnosis d = { .size = sizeof(d) };

		print_error("cannot open the %s device: %s\n", rt_backend(), sinan_last_error_message());
		if (sinan_device_diagnose(NULL, &d) == SINAN_OK)
			print_error("diagnosis: %s\nhint: %s\n%s", d.message, d.hint, d.log);
		return -1;
	}
	return 0;
}

int rt_teardown(void **state)
{
	(void)state;
	if (rt_dev && sinan_device_close(rt_dev) != SINAN_OK)
		return -1;
	rt_dev = NULL;
	return 0;
}

static uint8_t byte_at(size_t i, uint32_t seed)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ seed;

	x ^= x >> 15;
	return (uint8_t)(x * 2246822519u >> 24);
}

void rt_pattern(void *p, size_t n, uint32_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = byte_at(i, seed);
}

int rt_check(const void *p, size_t n, uint32_t seed)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != byte_at(i, seed)) {
			print_error("byte %zu is 0x%02x, expected 0x%02x\n", i, b[i], byte_at(i, seed));
			return 0;
		}
	}
	return 1;
}

sinan_buffer_t rt_host(size_t n, void **map)
{
	sinan_buffer_t b = NULL;

	ASSERT_OK(sinan_buffer_create(rt_dev, n, SINAN_MEM_HOST, 0, &b));
	if (map)
		ASSERT_OK(sinan_buffer_map(b, map));
	return b;
}

sinan_buffer_t rt_devbuf(size_t n)
{
	sinan_buffer_t b = NULL;

	ASSERT_OK(sinan_buffer_create(rt_dev, n, SINAN_MEM_DEVICE, 0, &b));
	return b;
}

sinan_module_t rt_module(const uint64_t *code, size_t n, const struct sinan_kernel_arg *args, uint32_t nargs,
			 sinan_kernel_t *k)
{
	sinan_kbin_writer_t w;
	sinan_module_t m = NULL;
	void *img;
	size_t bytes;

	ASSERT_OK(sinan_kbin_writer_create(&w));
	ASSERT_OK(sinan_kbin_writer_add_kernel(w, "k", code, n, args, nargs));
	ASSERT_OK(sinan_kbin_writer_finish(w, &img, &bytes));
	ASSERT_OK(sinan_kbin_writer_destroy(w));
	ASSERT_OK(sinan_module_load(rt_dev, img, bytes, &m));
	sinan_free(img);
	ASSERT_OK(sinan_module_get_kernel(m, "k", k));
	return m;
}

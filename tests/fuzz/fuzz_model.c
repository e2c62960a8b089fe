// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: model images (.sno) and kernel binaries given to the
 * runtime. The bytes go to sinan_model_load() on a simulator device (the
 * ELF model loader, lib/compiler/model.c), and, as a kernel binary, to
 * sinan_kbin_inspect(), sinan_kbin_get_kernel()/get_arg() and
 * sinan_module_load() (the runtime's own ELF loader, lib/runtime/kbin.c).
 * A malformed image must be refused with an error, never crash, leak or
 * read outside the buffer (ASan/UBSan). Seeds: tests/fuzz/corpus/model/
 * (scripts/gen-fuzz-seeds.sh: models compiled from ONNX test files).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan.h>
#include <sinan/sinan_model.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static sinan_device_t dev;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("SINAN_BACKEND", "sim", 1);
	setenv("SINAN_LOG", "off", 1);
	if (sinan_device_open(NULL, &dev) != SINAN_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly @size bytes: ASan sees any overread. */
	uint8_t *img = malloc(size ? size : 1);
	struct sinan_kbin_info info;
	sinan_model_t model;
	sinan_module_t mod;

	if (!img)
		return 0;
	memcpy(img, data, size);
	if (sinan_model_load(dev, img, size, &model) == SINAN_OK) {
		struct sinan_model_info mi = { .size = sizeof(mi) };
		struct sinan_model_tensor t = { .size = sizeof(t) };

		if (sinan_model_get_info(model, &mi) == SINAN_OK) {
			for (uint32_t i = 0; i < mi.num_inputs && i < 64; i++)
				sinan_model_get_input(model, i, &t);
			for (uint32_t i = 0; i < mi.num_outputs && i < 64; i++)
				sinan_model_get_output(model, i, &t);
		}
		sinan_model_destroy(model);
	}
	if (sinan_kbin_inspect(img, size, &info) == SINAN_OK) {
		for (uint32_t k = 0; k < info.num_kernels && k < 64; k++) {
			struct sinan_kernel_info ki;
			const uint64_t *code;

			if (sinan_kbin_get_kernel(img, size, k, &ki, &code) != SINAN_OK)
				continue;
			for (uint32_t a = 0; a < ki.num_args && a < 64; a++) {
				struct sinan_kernel_arg arg;

				sinan_kbin_get_arg(img, size, k, a, &arg);
			}
		}
	}
	if (sinan_module_load(dev, img, size, &mod) == SINAN_OK)
		sinan_module_destroy(mod);
	free(img);
	return 0;
}

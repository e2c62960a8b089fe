// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ONNX importer (lib/compiler/onnx_import.c) and, for
 * models it accepts, the compiler behind it. The bytes are a serialized
 * ModelProto given to sinan_graph_import_onnx(); an accepted graph is
 * compiled for the default simulator chip (sinan_model_compile()), so that
 * the passes meet adversarial graphs too (shapes, attributes, constants).
 * A malformed model must be refused with a message, never crash, leak or
 * read outside the buffer. Seeds: tests/fuzz/corpus/onnx/ (real models from
 * /usr/share/libonnx-testdata, scripts/gen-fuzz-seeds.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sinan/sinan.h>
#include <sinan/sinan_graph.h>
#include <sinan/sinan_model.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("SINAN_LOG", "off", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct sinan_model_options o = { .size = sizeof(o), .precision = SINAN_PRECISION_FP16 };
	sinan_graph_t g = NULL;
	char err[256];
	void *image = NULL;
	size_t bytes = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (sinan_graph_import_onnx(buf, size, &g, err, sizeof(err)) == 0 && g) {
		/* Compiling is slower: only small graphs, so that runs stay fast. */
		if (size < 16384 && sinan_model_compile(g, NULL, &o, &image, &bytes) == SINAN_OK)
			sinan_free(image);
		sinan_graph_destroy(g);
	}
	free(buf);
	return 0;
}

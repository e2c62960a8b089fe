// SPDX-License-Identifier: MIT
/*
 * Regression (found by the ONNX fuzzer, make fuzz): a Clip whose min/max are
 * graph inputs, not constants (ONNX's own node test test_clip), made the
 * compiler read the bounds' data through a NULL pointer: sinan-cc died with
 * SIGSEGV. It is now refused with a message naming the bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sinan/sinan.h>
#include <sinan/sinan_graph.h>
#include <sinan/sinan_model.h>

#define CLIP_MODEL "/usr/share/libonnx-testdata/data/node/test_clip/model.onnx"

static void test_regress_onnx_clip_bounds(void **state)
{
	struct sinan_model_options o = { .size = sizeof(o), .precision = SINAN_PRECISION_FP16 };
	sinan_graph_t g = NULL;
	char err[256];
	void *image = NULL;
	size_t bytes = 0;

	(void)state;
	assert_int_equal(sinan_graph_import_onnx_file(CLIP_MODEL, &g, err, sizeof(err)), 0);
	assert_int_not_equal(sinan_model_compile(g, NULL, &o, &image, &bytes), SINAN_OK);
	assert_null(image);
	assert_non_null(strstr(sinan_last_error_message(), "Clip bound"));
	sinan_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regress_onnx_clip_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

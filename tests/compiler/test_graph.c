// SPDX-License-Identifier: MIT
/*
 * Graph builder API, shape inference at build time, operator-support
 * queries and their reasons.
 */
#include "cc_test.h"

#include <stdlib.h>

static void builder_matmul_relu(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	int64_t xd[2] = { 3, 5 }, wd[2] = { 5, 7 }, bd[1] = { 7 };
	float w[35], b[7];
	t_fill(w, 35);
	t_fill(b, 7);
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, xd);
	sinan_tensor_t wt = sinan_graph_constant(g, "w", SINAN_TYPE_FLOAT, 2, wd, w);
	sinan_tensor_t bt = sinan_graph_constant(g, "b", SINAN_TYPE_FLOAT, 1, bd, b);
	sinan_tensor_t ins[2] = { x, wt };
	sinan_tensor_t y = sinan_graph_op(g, "MatMul", 2, ins, 0, NULL);
	assert_non_null(y);
	ins[0] = y;
	ins[1] = bt;
	y = sinan_graph_op(g, "Add", 2, ins, 0, NULL);
	y = sinan_graph_op(g, "Relu", 1, &y, 0, NULL);
	assert_non_null(y);
	assert_int_equal(sinan_graph_output(g, y, "y"), 0);

	struct sinan_tensor_info info;
	assert_int_equal(sinan_tensor_get_info(y, &info), 0);
	assert_string_equal(info.name, "y");
	assert_int_equal(info.rank, 2);
	assert_int_equal(info.dims[0], 3);
	assert_int_equal(info.dims[1], 7);
	assert_int_equal(info.type, SINAN_TYPE_FLOAT);

	/* the reference agrees with a direct computation */
	assert_int_equal(cc_pass_infer_fold(g), 0);
	struct cc_view in[1], out[1];
	t_inputs(g, in);
	assert_int_equal(cc_ref_run(g, in, out), 0);
	const float *xv = in[0].data, *yv = out[0].data;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 7; j++) {
			double acc = b[j];
			for (int k = 0; k < 5; k++)
				acc += xv[i * 5 + k] * w[k * 7 + j];
			assert_float_equal(yv[i * 7 + j], acc > 0 ? acc : 0, 1e-5);
		}
	t_free_views(in, 1);
	t_free_views(out, 1);
	sinan_graph_destroy(g);
}

static void builder_errors_name_node_op_attr(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	int64_t d[4] = { 1, 3, 8, 8 }, wd[4] = { 4, 3, 3, 3 };
	float w[108] = { 0 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 4, d);
	sinan_tensor_t wt = sinan_graph_constant(g, "w", SINAN_TYPE_FLOAT, 4, wd, w);
	sinan_tensor_t ins[2] = { x, wt };

	/* unknown attribute: names the attribute and the op */
	struct sinan_attr bad = SINAN_ATTR_I("bogus", 1);
	assert_null(sinan_graph_op(g, "Conv", 2, ins, 1, &bad));
	assert_non_null(strstr(sinan_graph_error(g), "bogus"));
	assert_non_null(strstr(sinan_graph_error(g), "Conv"));
	/* sticky until cleared */
	assert_null(sinan_graph_op(g, "Relu", 1, &x, 0, NULL));
	sinan_graph_clear_error(g);

	/* wrong attribute type */
	struct sinan_attr badt = SINAN_ATTR_F("group", 1.0f);
	assert_null(sinan_graph_op(g, "Conv", 2, ins, 1, &badt));
	assert_non_null(strstr(sinan_graph_error(g), "group"));
	sinan_graph_clear_error(g);

	/* unsupported op: names it */
	assert_null(sinan_graph_op(g, "NonMaxSuppression", 1, &x, 0, NULL));
	assert_non_null(strstr(sinan_graph_error(g), "NonMaxSuppression"));
	assert_non_null(strstr(sinan_graph_error(g), "not supported"));
	sinan_graph_clear_error(g);

	/* shape mismatch at build time */
	int64_t od[2] = { 5, 5 };
	sinan_tensor_t o = sinan_graph_input(g, "o", SINAN_TYPE_FLOAT, 2, od);
	ins[1] = o;
	assert_null(sinan_graph_op(g, "Add", 2, ins, 0, NULL));
	assert_non_null(strstr(sinan_graph_error(g), "broadcast"));
	sinan_graph_clear_error(g);

	/* duplicate names, bad dims */
	assert_null(sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 4, d));
	sinan_graph_clear_error(g);
	int64_t neg[1] = { -5 };
	assert_null(sinan_graph_constant(g, "c", SINAN_TYPE_FLOAT, 1, neg, w));
	sinan_graph_clear_error(g);
	assert_null(sinan_graph_input(g, "big", SINAN_TYPE_FLOAT, 9, d));
	sinan_graph_destroy(g);
}

static void builder_deferred_shapes(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	int64_t d[2] = { -1, 16 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 2, d);
	sinan_tensor_t y = sinan_graph_op(g, "Sigmoid", 1, &x, 0, NULL);
	assert_non_null(y);
	assert_int_equal(sinan_graph_output(g, y, "y"), 0);
	/* compiling without the batch dim is a clear error */
	assert_int_equal(cc_pass_infer_fold(g), -EINVAL);
	assert_non_null(strstr(sinan_graph_error(g), "'x'"));
	sinan_graph_clear_error(g);
	int64_t b[2] = { 4, 16 };
	assert_int_equal(sinan_graph_bind_input(g, "x", 2, b), 0);
	assert_int_equal(cc_pass_infer_fold(g), 0);
	assert_int_equal(y->dims[0], 4);
	/* binding a conflicting shape fails */
	int64_t c[2] = { 4, 8 };
	assert_int_not_equal(sinan_graph_bind_input(g, "x", 2, c), 0);
	sinan_graph_destroy(g);
}

static void op_supported_reasons(void **state)
{
	(void)state;
	char why[256];
	int64_t d[2] = { 4, 4 };
	struct sinan_tensor_desc in[2] = { { SINAN_TYPE_FLOAT, 2, d, NULL }, { SINAN_TYPE_FLOAT, 2, d, NULL } };
	struct sinan_op_desc od = { .size = sizeof(od), .op = "Einsum", .nin = 1, .inputs = in };

	assert_false(sinan_op_supported(&od, why, sizeof(why)));
	assert_non_null(strstr(why, "Einsum"));
	assert_non_null(strstr(why, "not supported"));

	od.op = "MaxPool";
	int64_t d4[4] = { 1, 1, 4, 4 }, ks[2] = { 2, 2 };
	struct sinan_tensor_desc x4 = { SINAN_TYPE_FLOAT, 4, d4, NULL };
	struct sinan_attr at[2] = { SINAN_ATTR_IS("kernel_shape", 2, ks), SINAN_ATTR_I("storage_order", 1) };
	od.inputs = &x4;
	od.nattr = 2;
	od.attrs = at;
	assert_false(sinan_op_supported(&od, why, sizeof(why)));
	assert_non_null(strstr(why, "storage_order"));

	/* a valid op: either supported, or the reason says what the device lacks */
	od.op = "Add";
	od.nin = 2;
	od.inputs = in;
	od.nattr = 0;
	bool ok = sinan_op_supported(&od, why, sizeof(why));
	if (!ok)
		assert_non_null(strstr(why, "Add"));

	/* bad descriptions are rejected, not crashed on */
	struct sinan_op_desc bad = { .size = 3 };
	assert_false(sinan_op_supported(&bad, why, sizeof(why)));
	assert_false(sinan_op_supported(NULL, why, sizeof(why)));
	/* string inputs */
	struct sinan_tensor_desc s = { SINAN_TYPE_STRING, 2, d, NULL };
	od.op = "Identity";
	od.nin = 1;
	od.inputs = &s;
	assert_false(sinan_op_supported(&od, why, sizeof(why)));
}

static void opset_and_legacy(void **state)
{
	(void)state;
	sinan_graph_t g = sinan_graph_create();
	assert_int_not_equal(sinan_graph_set_opset(g, 10), 0);
	sinan_graph_clear_error(g);
	assert_int_equal(sinan_graph_set_opset(g, 11), 0);
	int64_t d[3] = { 2, 3, 4 };
	sinan_tensor_t x = sinan_graph_input(g, "x", SINAN_TYPE_FLOAT, 3, d);
	/* Softmax-11 coerces to 2-D at axis 1: rows of 12 */
	struct sinan_attr ax = SINAN_ATTR_I("axis", 1);
	sinan_tensor_t y = sinan_graph_op(g, "Softmax", 1, &x, 1, &ax);
	assert_non_null(y);
	sinan_graph_output(g, y, "y");
	assert_int_equal(cc_pass_infer_fold(g), 0);
	struct cc_view in[1], out[1];
	t_inputs(g, in);
	assert_int_equal(cc_ref_run(g, in, out), 0);
	for (int b = 0; b < 2; b++) {
		double s = 0;
		for (int i = 0; i < 12; i++)
			s += ((float *)out[0].data)[b * 12 + i];
		assert_float_equal(s, 1.0, 1e-5);
	}
	t_free_views(in, 1);
	t_free_views(out, 1);
	sinan_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builder_matmul_relu),
		cmocka_unit_test(builder_errors_name_node_op_attr),
		cmocka_unit_test(builder_deferred_shapes),
		cmocka_unit_test(op_supported_reasons),
		cmocka_unit_test(opset_and_legacy),
	};
	return cmocka_run_group_tests_name("compiler-graph", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * ONNX import: well-formed models, every class of malformed model (clear
 * error, no crash), and a mutation fuzz loop over a valid model (runs under
 * ASan/UBSan in the asan flavour).
 */
#include "cc_test.h"
#include "onnx.pb-c.h"

#include <stdio.h>
#include <stdlib.h>

/* A small model: y = Relu(x @ W) with W an initializer. */
struct mb {
	Onnx__ModelProto m;
	Onnx__GraphProto g;
	Onnx__OperatorSetIdProto ops, *opsp[1];
	Onnx__NodeProto n[2], *np[2];
	Onnx__TensorProto w, *wp[1];
	Onnx__ValueInfoProto xi, yi, *xip[1], *yip[1];
	Onnx__TypeProto xt, yt;
	Onnx__TypeProto__Tensor xtt, ytt;
	Onnx__TensorShapeProto xs;
	Onnx__TensorShapeProto__Dimension d0, d1, *dp[2];
	char *n0in[2], *n0out[1], *n1in[1], *n1out[1];
	int64_t wdims[2];
	float wdata[6];
};

static void mb_init(struct mb *b)
{
	memset(b, 0, sizeof(*b));
	onnx__model_proto__init(&b->m);
	onnx__graph_proto__init(&b->g);
	onnx__operator_set_id_proto__init(&b->ops);
	b->m.has_ir_version = 1;
	b->m.ir_version = 8;
	b->ops.domain = "";
	b->ops.has_version = 1;
	b->ops.version = 13;
	b->opsp[0] = &b->ops;
	b->m.n_opset_import = 1;
	b->m.opset_import = b->opsp;
	b->m.graph = &b->g;
	b->g.name = "t";

	onnx__tensor_proto__init(&b->w);
	b->w.name = "W";
	b->wdims[0] = 2;
	b->wdims[1] = 3;
	b->w.n_dims = 2;
	b->w.dims = b->wdims;
	b->w.has_data_type = 1;
	b->w.data_type = SINAN_TYPE_FLOAT;
	for (int i = 0; i < 6; i++)
		b->wdata[i] = (float)(i - 2);
	b->w.n_float_data = 6;
	b->w.float_data = b->wdata;
	b->wp[0] = &b->w;
	b->g.n_initializer = 1;
	b->g.initializer = b->wp;

	onnx__tensor_shape_proto__dimension__init(&b->d0);
	onnx__tensor_shape_proto__dimension__init(&b->d1);
	b->d0.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
	b->d0.dim_param = "batch";
	b->d1.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
	b->d1.dim_value = 2;
	b->dp[0] = &b->d0;
	b->dp[1] = &b->d1;
	onnx__tensor_shape_proto__init(&b->xs);
	b->xs.n_dim = 2;
	b->xs.dim = b->dp;
	onnx__type_proto__tensor__init(&b->xtt);
	b->xtt.has_elem_type = 1;
	b->xtt.elem_type = SINAN_TYPE_FLOAT;
	b->xtt.shape = &b->xs;
	onnx__type_proto__init(&b->xt);
	b->xt.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	b->xt.tensor_type = &b->xtt;
	onnx__value_info_proto__init(&b->xi);
	b->xi.name = "x";
	b->xi.type = &b->xt;
	b->xip[0] = &b->xi;
	b->g.n_input = 1;
	b->g.input = b->xip;
	onnx__type_proto__tensor__init(&b->ytt);
	b->ytt.has_elem_type = 1;
	b->ytt.elem_type = SINAN_TYPE_FLOAT;
	onnx__type_proto__init(&b->yt);
	b->yt.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	b->yt.tensor_type = &b->ytt;
	onnx__value_info_proto__init(&b->yi);
	b->yi.name = "y";
	b->yi.type = &b->yt;
	b->yip[0] = &b->yi;
	b->g.n_output = 1;
	b->g.output = b->yip;

	for (int i = 0; i < 2; i++) {
		onnx__node_proto__init(&b->n[i]);
		b->np[i] = &b->n[i];
	}
	b->n0in[0] = "x";
	b->n0in[1] = "W";
	b->n0out[0] = "h";
	b->n[0].op_type = "MatMul";
	b->n[0].name = "mm";
	b->n[0].n_input = 2;
	b->n[0].input = b->n0in;
	b->n[0].n_output = 1;
	b->n[0].output = b->n0out;
	b->n1in[0] = "h";
	b->n1out[0] = "y";
	b->n[1].op_type = "Relu";
	b->n[1].name = "act";
	b->n[1].n_input = 1;
	b->n[1].input = b->n1in;
	b->n[1].n_output = 1;
	b->n[1].output = b->n1out;
	b->g.n_node = 2;
	b->g.node = b->np;
}

static uint8_t *mb_pack(struct mb *b, size_t *len)
{
	*len = onnx__model_proto__get_packed_size(&b->m);
	uint8_t *buf = malloc(*len + 1);
	assert_non_null(buf);
	assert_int_equal(onnx__model_proto__pack(&b->m, buf), *len);
	return buf;
}

static int import(struct mb *b, char *err, size_t errlen, sinan_graph_t *g)
{
	size_t len;
	uint8_t *buf = mb_pack(b, &len);
	int rc = sinan_graph_import_onnx(buf, len, g, err, errlen);
	free(buf);
	return rc;
}

static void valid_model(void **state)
{
	(void)state;
	struct mb b;
	char err[512];
	sinan_graph_t g;

	mb_init(&b);
	assert_int_equal(import(&b, err, sizeof(err), &g), 0);
	assert_int_equal(sinan_graph_num_inputs(g), 1);
	assert_int_equal(sinan_graph_num_outputs(g), 1);
	struct sinan_tensor_info info;
	sinan_tensor_get_info(sinan_graph_get_input(g, 0), &info);
	assert_string_equal(info.name, "x");
	assert_int_equal(info.dims[0], -1);	/* symbolic "batch" */
	int64_t d[2] = { 4, 2 };
	assert_int_equal(sinan_graph_bind_input(g, "x", 2, d), 0);
	assert_int_equal(cc_pass_infer_fold(g), 0);
	struct cc_view in[1], out[1];
	t_inputs(g, in);
	assert_int_equal(cc_ref_run(g, in, out), 0);
	const float *x = in[0].data, *y = out[0].data;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 3; j++) {
			double a = x[i * 2] * b.wdata[j] + x[i * 2 + 1] * b.wdata[3 + j];
			assert_float_equal(y[i * 3 + j], a > 0 ? a : 0, 1e-6);
		}
	t_free_views(in, 1);
	t_free_views(out, 1);
	sinan_graph_destroy(g);
}

#define EXPECT_ERR(b, code, needle)							\
	do {										\
		char e_[512] = "";							\
		sinan_graph_t g_ = NULL;						\
		assert_int_equal(import(b, e_, sizeof(e_), &g_), code);			\
		assert_null(g_);							\
		if (!strstr(e_, needle))						\
			fail_msg("error '%s' does not mention '%s'", e_, needle);	\
	} while (0)

static void malformed_models(void **state)
{
	(void)state;
	struct mb b;

	mb_init(&b);
	b.n1in[0] = "nowhere";
	EXPECT_ERR(&b, -EINVAL, "nowhere");

	mb_init(&b);
	b.n0out[0] = "W";	/* redefines an initializer */
	EXPECT_ERR(&b, -EINVAL, "already defined");

	mb_init(&b);
	b.w.n_float_data = 5;
	EXPECT_ERR(&b, -EINVAL, "'W'");

	mb_init(&b);
	b.wdims[0] = -3;
	EXPECT_ERR(&b, -EINVAL, "bad dim");

	mb_init(&b);
	b.wdims[0] = 1LL << 30;
	b.wdims[1] = 1LL << 30;
	EXPECT_ERR(&b, -ERANGE, "too large");

	mb_init(&b);
	b.w.n_float_data = 0;
	b.w.has_raw_data = 1;
	b.w.raw_data.len = 7;
	b.w.raw_data.data = (uint8_t *)"1234567";
	EXPECT_ERR(&b, -EINVAL, "raw_data");

	mb_init(&b);
	b.w.data_type = SINAN_TYPE_STRING;
	EXPECT_ERR(&b, -ENOTSUP, "string");

	mb_init(&b);
	b.ops.version = 99;
	EXPECT_ERR(&b, -ENOTSUP, "opset 99");

	mb_init(&b);
	b.g.n_output = 0;
	EXPECT_ERR(&b, -EINVAL, "no outputs");

	mb_init(&b);
	b.yi.name = "missing";
	EXPECT_ERR(&b, -EINVAL, "missing");

	mb_init(&b);
	b.m.graph = NULL;
	EXPECT_ERR(&b, -EINVAL, "no graph");

	/* a cycle */
	mb_init(&b);
	b.n0in[0] = "y";
	EXPECT_ERR(&b, -EINVAL, "cycle");

	/* external data escaping the model folder */
	mb_init(&b);
	Onnx__StringStringEntryProto kv, *kvp[1] = { &kv };
	onnx__string_string_entry_proto__init(&kv);
	kv.key = "location";
	kv.value = "../../etc/passwd";
	b.w.n_float_data = 0;
	b.w.has_data_location = 1;
	b.w.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	b.w.n_external_data = 1;
	b.w.external_data = kvp;
	EXPECT_ERR(&b, -ENOTSUP, "external");	/* from memory: no folder at all */

	/* not protobuf at all */
	char err[256];
	sinan_graph_t g = (sinan_graph_t)1;
	assert_int_equal(sinan_graph_import_onnx("\xff\xff\xff\xff\xff", 5, &g, err, sizeof(err)), -EINVAL);
	assert_null(g);
	assert_int_equal(sinan_graph_import_onnx(NULL, 0, &g, err, sizeof(err)), -EINVAL);
	assert_int_equal(sinan_graph_import_onnx_file("/nonexistent/model.onnx", &g, err, sizeof(err)), -EIO);
}

/* Prepend tag + varint(len of what follows) in front of buf[*start..end). */
static void wrap(uint8_t *buf, size_t *start, size_t end, uint8_t tag)
{
	uint8_t v[10];
	size_t n = 0, len = end - *start;
	do {
		v[n++] = (uint8_t)((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
		len >>= 7;
	} while (len);
	*start -= n;
	memcpy(buf + *start, v, n);
	buf[--*start] = tag;
}

/* Messages nested 3 x 5000 deep: ModelProto.graph -> node -> attribute.g -> node ... */
static void deep_nesting(void **state)
{
	(void)state;
	size_t cap = 1 << 20, end = cap, start = cap;
	uint8_t *buf = malloc(cap);

	assert_non_null(buf);
	for (int i = 0; i < 5000; i++) {
		wrap(buf, &start, end, 0x32);	/* AttributeProto.g */
		wrap(buf, &start, end, 0x2a);	/* NodeProto.attribute */
		wrap(buf, &start, end, 0x0a);	/* GraphProto.node */
	}
	wrap(buf, &start, end, 0x3a);		/* ModelProto.graph */
	buf[--start] = 8;			/* ir_version = 8 */
	buf[--start] = 0x08;
	char err[256];
	sinan_graph_t g = NULL;
	assert_int_equal(sinan_graph_import_onnx(buf + start, end - start, &g, err, sizeof(err)), -EINVAL);
	assert_null(g);
	assert_non_null(strstr(err, "nested"));
	free(buf);
}

static void fuzz_mutations(void **state)
{
	(void)state;
	struct mb b;
	size_t len;
	mb_init(&b);
	uint8_t *good = mb_pack(&b, &len);
	uint8_t *buf = malloc(len + 64);
	int ok = 0, bad = 0;

	t_seed(42);
	for (int it = 0; it < 20000; it++) {
		size_t n = len;
		memcpy(buf, good, len);
		int muts = t_int(1, 4);
		for (int k = 0; k < muts; k++) {
			switch (t_int(0, 3)) {
			case 0: buf[t_rand() % n] ^= (uint8_t)(1u << t_int(0, 7)); break;
			case 1: buf[t_rand() % n] = (uint8_t)t_rand(); break;
			case 2: n = (size_t)t_int(0, (int)n); break;
			case 3: if (n < len + 60) { buf[n] = (uint8_t)t_rand(); n++; } break;
			}
			if (!n)
				break;
		}
		char err[256];
		sinan_graph_t g = NULL;
		int rc = sinan_graph_import_onnx(buf, n, &g, err, sizeof(err));
		if (rc) {
			assert_null(g);
			assert_true(err[0] != 0);
			bad++;
			continue;
		}
		ok++;
		/* whatever imported must also survive the passes */
		int64_t d[2] = { 2, 2 };
		sinan_graph_bind_input(g, "x", 2, d);
		if (!cc_pass_infer_fold(g))
			cc_pass_simplify(g);
		sinan_graph_destroy(g);
	}
	assert_true(bad > 0);
	free(buf);
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_model),
		cmocka_unit_test(malformed_models),
		cmocka_unit_test(deep_nesting),
		cmocka_unit_test(fuzz_mutations),
	};
	return cmocka_run_group_tests_name("compiler-onnx", tests, NULL, NULL);
}

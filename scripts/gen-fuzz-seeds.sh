#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Seed corpora of the host fuzzers (make fuzz-seeds):
#   tests/fuzz/corpus/onnx/   real ONNX models from /usr/share/libonnx-testdata
#                             (Debian's libonnx-testdata): the node tests listed
#                             below, a spread of operators, attributes,
#                             initializers and types, plus a few real networks
#   tests/fuzz/corpus/model/  model images (.sno) compiled from some of them
#                             by sinan-cc, in several precisions
# The selection is fixed so that the corpus only changes when this list does.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/build/bin}
DATA=/usr/share/libonnx-testdata/data
OUT=$TOP/tests/fuzz/corpus
[ -d "$DATA" ] || { echo "gen-fuzz-seeds: $DATA missing (apt-get install libonnx-testdata)" >&2; exit 1; }

ONNX_NODES="test_add test_matmul_2d test_gemm_default_single_elem_vector_bias test_conv_with_strides_padding
test_maxpool_2d_pads test_averagepool_2d_strides test_relu test_softmax_axis_1 test_reshape_reordered_all_dims
test_transpose_all_permutations_0 test_concat_3d_axis_1 test_slice test_gather_0 test_reduce_mean_keepdims_example
test_batchnorm_epsilon test_layer_normalization_2d_axis0 test_sigmoid test_tanh test_clip test_cast_FLOAT_to_FLOAT16
test_where_example test_expand_dim_changed test_split_equal_parts_1d test_pad test_resize_upsample_scales_nearest
test_quantizelinear test_dequantizelinear test_qlinearmatmul_2D_uint8_float32 test_convtranspose test_lstm_defaults
test_constant test_shape test_squeeze test_unsqueeze_axis_0 test_flatten_axis0 test_argmax_default_axis_example
test_cumsum_1d test_einsum_batch_matmul test_topk test_erf"
MODEL_NODES="test_add test_matmul_2d test_conv_with_strides_padding test_relu test_softmax_axis_1
test_maxpool_2d_pads test_gemm_default_single_elem_vector_bias test_transpose_all_permutations_0"

mkdir -p "$OUT/onnx" "$OUT/model"
n=0
for t in $ONNX_NODES; do
	f=$DATA/node/$t/model.onnx
	[ -f "$f" ] || continue
	cp "$f" "$OUT/onnx/$t.onnx"
	n=$((n + 1))
done
echo "gen-fuzz-seeds: $n ONNX models in $OUT/onnx"
m=0
for t in $MODEL_NODES; do
	f=$DATA/node/$t/model.onnx
	[ -f "$f" ] || continue
	for p in fp32 fp16; do
		if SINAN_CACHE_DIR=off "$BIN/sinan-cc" "$f" -o "$OUT/model/$t-$p.sno" --precision $p >/dev/null 2>&1; then
			m=$((m + 1))
		else
			rm -f "$OUT/model/$t-$p.sno"
		fi
	done
done
echo "gen-fuzz-seeds: $m model images in $OUT/model"

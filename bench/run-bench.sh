#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make bench: run the benchmarks and write build/bench/results.{json,md}
# and plots (bench/report.py). Called by mk/area-demo.mk with BUILD, BIN,
# SINAN_VM and DEMO_DIR set; everything it needs is built by then.
#
#   B1, B2  sinan-bench b1b2 on the host (sim backend; OpenBLAS in-process)
#   B3      sinan-bench b3 in the emulated machine, with an emulated NVMe disk
#   B4      sinan-bench b4 (sim) against bench/ort-bench.js (ONNX Runtime CPU)
#   B5      sinan-bench b5 on the host (sim)
#
# Environment: BENCH_MAX_GMAC=N skips GEMMs above N GMAC (quick runs; the
# skipped figures are null with a note), BENCH_ONLY=B1,B3,... runs a subset
# (the other parts' records of the last run are kept, with their commit).
# A part that fails is reported and the others still run; the status is
# non-zero if any part could not run.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$TOP/build}" "${BIN:=$BUILD/bin}" "${DEMO_DIR:=$BUILD/demo}"
: "${SINAN_VM:=$TOP/tools/sinan-vm}" "${FASHION_DIR:=/usr/share/datasets/fashion-mnist}"
OUT=$BUILD/bench
RAW=$OUT/raw
NODE_MODULES=$OUT/node/node_modules
BENCH=$BIN/sinan-bench
PY=/usr/bin/python3
ONLY=${BENCH_ONLY:-B1,B2,B3,B4,B5}
failed=()

say() { printf 'bench: %s\n' "$*" >&2; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }
part() { # part NAME OUTFILE CMD...: run one benchmark program, keep its records
	local name=$1 out=$2 rc
	shift 2
	say "$name: $*"
	rm -f "$out"
	"$@" >"$out"
	rc=$?
	# The commit the figures come from (report.py stamps every record with it).
	{ git -C "$TOP" rev-parse HEAD 2>/dev/null || echo unknown
	  [ -z "$(git -C "$TOP" status --porcelain --untracked-files=no 2>/dev/null)" ] || echo dirty; } >"$out.commit"
	# status 1: ran, some figures not measured (their records say why)
	if [ $rc -gt 1 ]; then
		say "$name: failed with status $rc"
		failed+=("$name")
	fi
}

mkdir -p "$RAW"
# A partial run (BENCH_ONLY) keeps the other parts' last records, each with its commit.
[ -n "${BENCH_ONLY:-}" ] || rm -f "$RAW"/*.jsonl "$RAW"/*.commit
rm -f "$OUT"/*.png

# ---- B1, B2 -------------------------------------------------------------------
if want B1 || want B2; then
	mode=b1b2
	want B1 || mode=b2
	want B2 || mode=b1
	part "B1/B2" "$RAW/b1b2.jsonl" "$BENCH" "$mode" ${BENCH_MAX_GMAC:+--max-gmac "$BENCH_MAX_GMAC"}
fi

# Debian's OpenBLAS picks its kernel from the CPU model; on an unrecognized
# (virtual) CPU that is the generic one. For information, the same
# comparison against the kernel this CPU's instruction set allows.
if want B2; then
	best=
	grep -qw avx2 /proc/cpuinfo && best=Haswell
	grep -qw avx512f /proc/cpuinfo && best=SkylakeX
	if [ -n "$best" ]; then
		OPENBLAS_CORETYPE=$best part "B2 ($best)" "$RAW/b2-$best.jsonl" "$BENCH" b2 \
			--only 1024x1024x1024,2048x2048x2048,4096x4096x4096 --tag "openblas-$best"
	fi
fi

# ---- B5 -----------------------------------------------------------------------
if want B5; then
	part B5 "$RAW/b5.jsonl" "$BENCH" b5
fi

# ---- B4 -----------------------------------------------------------------------
if want B4; then
	# The CNN's inputs: the first test images, as the demo feeds them (pixel / 255).
	"$PY" - "$FASHION_DIR" "$OUT" <<'EOF' || failed+=("B4 inputs")
import gzip, sys
import numpy as np
data, out = sys.argv[1], sys.argv[2]
raw = gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read()
x = np.frombuffer(raw, dtype=np.uint8, offset=16).astype(np.float32) / np.float32(255)
for n in (1, 100):
    x[:n * 784].tofile(f"{out}/cnn_input_b{n}.bin")
EOF
	models=(
		"cnn_b1 $TOP/examples/demo/fashion_cnn.onnx $OUT/cnn_input_b1.bin 1x1x28x28 fp32"
		"cnn_b100 $TOP/examples/demo/fashion_cnn.onnx $OUT/cnn_input_b100.bin 100x1x28x28 fp32"
		"encoder $DEMO_DIR/encoder.onnx $DEMO_DIR/encoder_input.bin 1x128x256 fp16"
	)
	for m in "${models[@]}"; do
		read -r name model input dims prec <<<"$m"
		ort=
		if [ -d "$NODE_MODULES/onnxruntime-node" ]; then
			ort=$(node "$TOP/bench/ort-bench.js" "$NODE_MODULES" "$model" "$input" "$dims" 3 |
				"$PY" -c 'import json,sys; print(json.load(sys.stdin)["ort_ms"])') ||
				{ say "B4 $name: ONNX Runtime failed"; ort=; }
		else
			say "B4: $NODE_MODULES/onnxruntime-node missing (make bench installs it through make deps)"
		fi
		[ -n "$ort" ] && say "B4 $name: ONNX Runtime $ort ms"
		shapes=
		case $name in cnn*) shapes="image=$dims" ;; esac
		# OPENBLAS_NUM_THREADS=1: sinan-bench links OpenBLAS (B2), whose idle
		# worker would otherwise spin (sched_yield) on the other core beside the
		# simulator's one thread; B4 is one thread against one thread.
		part "B4 $name" "$RAW/b4-$name.jsonl" env OPENBLAS_NUM_THREADS=1 "$BENCH" b4 "$model" "$input" --name "$name" \
			--precision "$prec" ${shapes:+--shapes "$shapes"} ${ort:+--ort-ms "$ort"}
	done
fi

# ---- B3 -----------------------------------------------------------------------
if want B3; then
	img=$OUT/nvme.img
	if [ ! -s "$img" ]; then
		# Real data (not a sparse file, whose holes the host would not even read).
		head -c $((64 << 20)) /dev/urandom >"$img.tmp" && mv "$img.tmp" "$img"
	fi
	part B3 "$RAW/b3.jsonl" $SINAN_VM --timeout 900 --kmod nvme \
		--qemu-arg=-drive --qemu-arg="file=$img,if=none,id=d0,format=raw" \
		--qemu-arg=-device --qemu-arg=nvme,drive=d0,serial=sinanbench \
		--bin "$BENCH" -- "$BENCH" b3 --nvme /dev/nvme0n1
fi

# ---- report -------------------------------------------------------------------
(cd "$TOP" && "$PY" "$TOP/bench/report.py" "$OUT" "$RAW"/*.jsonl) || failed+=("report")
if [ ${#failed[@]} -gt 0 ]; then
	say "parts that did not run: ${failed[*]}"
	exit 1
fi

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Acceptance test: models exported from PyTorch, run through sinan-run in
every precision mode, against PyTorch's float32 outputs.

    /usr/bin/python3 tests/models/test_models.py --bin build/bin --demo-src examples/demo \\
        --encoder-dir build/demo --data /usr/share/datasets/fashion-mnist --work DIR

Models (on $SINAN_BACKEND, sim for make check):
  (a) examples/demo/fashion_cnn.onnx (two 3x3 convolutions, pooling, two
      linear layers) on a batch of real Fashion-MNIST test images;
  (b) the 2-layer transformer encoder of examples/demo/encoder_export.py
      (build/demo/encoder.onnx) on two inputs: the demo's and another.
PyTorch's float32 references are computed here, on the CPU, with Debian's
python3-torch, by the models' own torch modules (fashion.Net,
encoder_export.Encoder) holding the weights read from the ONNX files.
int8 uses a calibration file made by `sinan-cc --calibrate` from other
inputs than those tested (training images; other random encoder inputs).

Metrics (ref = PyTorch float32, out = device, scale = max|ref|):
  fp32: numpy.allclose(out, ref, rtol=1e-4, atol=1e-5 * scale), i.e. every
        element within 1e-4 relative, with an absolute floor of 1e-5 of the
        output's scale. The floor is needed and standard (numpy, ONNX's test
        runner and PyTorch's assert_close all use rtol + atol): an output
        near zero is a sum of terms much larger than itself, and float32
        dot products in another order (the cube's tiles, PyTorch's BLAS
        blocking) differ by ~K * 2^-24 * sum|terms|, not by a fraction of
        the result. 1e-5 of the scale is still ~100x the float32 rounding
        error of these models (measured ~3e-7).
  fp16, bf16, int8: max|out - ref| <= TOL * scale, TOL below (reported with
        the RMS error relative to the RMS of ref).
  CNN: top-1 agreement with PyTorch (reported for every mode; required
        to reach AGREE[mode]).
Prints one line per check and "SINAN-TEST: N passed, N failed".
"""
import argparse
import gzip
import os
import struct
import subprocess
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

MODES = ("fp32", "fp16", "bf16", "int8")
# Largest max|out - ref| / max|ref| accepted.
# fp16 (unit roundoff u = 2^-11) and bf16 (u = 2^-8): every tensor stored
# between ops is rounded once (relative error <= u) and the cube multiplies
# rounded weights; along the CNN an output sees ~5 such roundings, along
# the encoder ~14 (two layers of QKV, attention, projection, MLP), whose
# errors add up like a random walk partly damped by LayerNorm. Bound 8 u;
# measured 0.8 u (CNN) and 2.7 u (encoder), so ~3x headroom.
# int8: an activation quantized with step max|x| / 127 errs by up to
# max|x| / 254 (2^-8 of its range), the per-channel weights likewise; 4
# quantized products in a row in the CNN, 8 in the encoder (attention stays
# float). Bound 2^-4; measured 0.6 % (encoder) and 1.5 % (CNN).
# A broken kernel (a missed tile, a wrong scale or layout) errs by the order
# of the outputs themselves, >= 10 % of the scale, above every bound here.
TOL = {"fp16": 8 * 2.0 ** -11, "bf16": 8 * 2.0 ** -8, "int8": 2.0 ** -4}
# CNN top-1 agreement with PyTorch required: fp32 every image (errors ~1e-5
# cannot swap logits except on near-exact ties; the run is deterministic);
# rounded modes swap only images whose two best logits are closer than the
# errors above: measured 99.8-100 % on 1000 images.
AGREE = {"fp32": 1.0, "fp16": 0.995, "bf16": 0.98, "int8": 0.97}
CNN_IMAGES = 512	# test images (t10k, from the first)
CAL_IMAGES = 256	# training images for the CNN's calibration, in batches of 64
ENC_CAL_RUNS = 4	# random encoder inputs for its calibration

results = []


def check(name, ok, detail):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)


def idx_images(path, count):
    """The first @count images of an IDX3 unsigned-byte file (gzip), as uint8 [count, 28, 28]."""
    with gzip.open(path, "rb") as f:
        zero, dtype, rank = struct.unpack(">HBB", f.read(4))
        dims = struct.unpack(">" + "I" * rank, f.read(4 * rank))
        if zero != 0 or dtype != 0x08 or rank != 3 or dims[0] < count:
            raise ValueError(f"{path}: not an IDX3 file of at least {count} unsigned-byte images")
        n = dims[1] * dims[2]
        buf = f.read(count * n)
    return np.frombuffer(buf, dtype=np.uint8).reshape(count, dims[1], dims[2])


def initializers(path):
    proto = onnx.load(path)
    return proto, {i.name: numpy_helper.to_array(i).copy() for i in proto.graph.initializer}


def cnn_module(path, fashion):
    """fashion.Net with the weights of the ONNX file (as examples/demo/fashion_ref.py)."""
    _, w = initializers(path)
    model = fashion.Net().eval()
    if set(w) != set(model.state_dict()):
        sys.exit(f"{path}: initializers {sorted(w)} are not fashion.Net's parameters")
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.items()})
    return model


def encoder_module(path, encoder_export):
    """encoder_export.Encoder with the weights of the ONNX file. torch.onnx.export
    keeps biases and LayerNorm parameters under their names (or as Identity
    outputs when deduplicated) and stores each Linear weight transposed as the
    constant B of the MatMul whose output the bias is added to."""
    proto, w = initializers(path)
    producer = {o: n for n in proto.graph.node for o in n.output}
    alias = {n.output[0]: n.input[0] for n in proto.graph.node if n.op_type == "Identity" and n.input[0] in w}
    model = encoder_export.Encoder().eval()
    state = {}
    for key, p in model.state_dict().items():
        if key in w or key in alias:
            v = w[key if key in w else alias[key]]
        elif key.endswith(".weight"):
            bias = key[:-len("weight")] + "bias"
            v = None
            for n in proto.graph.node:
                if n.op_type != "Add" or bias not in n.input:
                    continue
                other = n.input[1] if n.input[0] == bias else n.input[0]
                mm = producer.get(other)
                if mm is not None and mm.op_type == "MatMul" and mm.input[1] in w:
                    v = w[mm.input[1]].T
            if v is None:
                sys.exit(f"{path}: no MatMul weight found for {key}")
        else:
            sys.exit(f"{path}: no initializer for {key}")
        if tuple(v.shape) != tuple(p.shape):
            sys.exit(f"{path}: {key} has shape {v.shape} in the ONNX file, {tuple(p.shape)} in the module")
        state[key] = torch.from_numpy(np.ascontiguousarray(v))
    model.load_state_dict(state)
    return model


def sinan_run(args, model, inputs, output, mode, cal=None):
    """Run sinan-run; @inputs: {name: .npy path}; returns (output array, seconds)."""
    out = os.path.join(args.work, f"out-{os.path.basename(model)}-{mode}-{len(os.listdir(args.work))}.npy")
    cmd = [os.path.join(args.bin, "sinan-run"), model, "--precision", mode, "--output", f"{output}={out}"]
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    if cal:
        cmd += ["--calibration", cal]
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        return None, f"sinan-run failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}"
    return np.load(out), time.time() - t


def compare(what, mode, out, ref):
    scale = float(np.abs(ref).max())
    err = np.abs(out.astype(np.float64) - ref.astype(np.float64))
    rms = float(np.sqrt((err ** 2).mean()) / np.sqrt((ref.astype(np.float64) ** 2).mean()))
    if mode == "fp32":
        ok = bool(np.allclose(out, ref, rtol=1e-4, atol=1e-5 * scale))
        worst = float((err / (1e-4 * np.abs(ref) + 1e-5 * scale)).max())
        check(f"{what} {mode}", ok, f"max|err| {err.max():.3g} (max|ref| {scale:.3g}), "
              f"worst element at {worst:.3f} of allclose(rtol=1e-4, atol=1e-5*max|ref|); rms rel {rms:.2g}")
    else:
        rel = float(err.max()) / scale
        check(f"{what} {mode}", rel <= TOL[mode], f"max|err| {err.max():.3g} = {rel:.3g} of max|ref| {scale:.3g} "
              f"(tolerance {TOL[mode]:.3g}); rms rel {rms:.2g}")


def calibrate(args, model, runs, out):
    """sinan-cc --calibrate with @runs: a list of {name: .npy path}."""
    cmd = [os.path.join(args.bin, "sinan-cc"), model, "--calibrate", out]
    for r in runs:
        for name, path in r.items():
            cmd += ["--input", f"{name}={path}"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    lines = sum(1 for ln in open(out) if ln.strip() and not ln.startswith("#")) if p.returncode == 0 else 0
    check(f"{os.path.basename(model)} calibration", p.returncode == 0 and lines > 0,
          f"{p.stdout.strip() or p.stderr.strip()}; {lines} scales")
    return out if p.returncode == 0 else None


def test_cnn(args, fashion):
    model_path = os.path.join(args.demo_src, "fashion_cnn.onnx")
    model = cnn_module(model_path, fashion)
    x = (idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"), CNN_IMAGES).astype(np.float32)
         / np.float32(255.0))[:, None]
    xin = os.path.join(args.work, "cnn-test.npy")
    np.save(xin, x)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    # calibration: training images, never the test images
    tr = idx_images(os.path.join(args.data, "train-images-idx3-ubyte.gz"), CAL_IMAGES).astype(np.float32) / 255.0
    runs = []
    for b in range(0, CAL_IMAGES, 64):
        p = os.path.join(args.work, f"cnn-cal-{b}.npy")
        np.save(p, tr[b:b + 64, None])
        runs.append({"image": p})
    cal = calibrate(args, model_path, runs, os.path.join(args.work, "cnn-cal.txt"))
    for mode in MODES:
        if mode == "int8" and not cal:
            check("fashion_cnn int8", False, "no calibration file")
            continue
        out, t = sinan_run(args, model_path, {"image": xin}, "logits", mode, cal if mode == "int8" else None)
        if out is None:
            check(f"fashion_cnn {mode}", False, t)
            continue
        compare(f"fashion_cnn ({CNN_IMAGES} images, {t:.2f} s)", mode, out, ref)
        agree = float((out.argmax(1) == ref.argmax(1)).mean())
        check(f"fashion_cnn {mode} top-1 agreement with PyTorch", agree >= AGREE[mode],
              f"{agree * 100:.1f} % of {CNN_IMAGES} images (required {AGREE[mode] * 100:.1f} %)")


def test_encoder(args, encoder_export):
    model_path = os.path.join(args.encoder_dir, "encoder.onnx")
    model = encoder_module(model_path, encoder_export)
    shape = (1, encoder_export.SEQ, encoder_export.WIDTH)
    demo_in = np.fromfile(os.path.join(args.encoder_dir, "encoder_input.bin"), dtype=np.float32).reshape(shape)
    demo_ref = np.fromfile(os.path.join(args.encoder_dir, "encoder_ref.bin"), dtype=np.float32).reshape(shape)
    # the module holding the ONNX weights reproduces the exporter's own output
    with torch.no_grad():
        mine = model(torch.from_numpy(demo_in)).numpy()
    d = float(np.abs(mine - demo_ref).max())
    check("encoder weights read from the ONNX file", d <= 1e-6 * float(np.abs(demo_ref).max()),
          f"PyTorch output differs from encoder_export.py's by {d:.3g}")
    gen = torch.Generator().manual_seed(7)
    tests = [("demo input", demo_in), ("seed-7 input", torch.randn(shape, generator=gen).numpy())]
    runs = []
    gen = torch.Generator().manual_seed(1000)
    for i in range(ENC_CAL_RUNS):
        p = os.path.join(args.work, f"enc-cal-{i}.npy")
        np.save(p, torch.randn(shape, generator=gen).numpy())
        runs.append({"x": p})
    cal = calibrate(args, model_path, runs, os.path.join(args.work, "enc-cal.txt"))
    for label, x in tests:
        xin = os.path.join(args.work, f"enc-{label.split()[0]}.npy")
        np.save(xin, x)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        for mode in MODES:
            if mode == "int8" and not cal:
                check(f"encoder {label} int8", False, "no calibration file")
                continue
            out, t = sinan_run(args, model_path, {"x": xin}, "y", mode, cal if mode == "int8" else None)
            if out is None:
                check(f"encoder {label} {mode}", False, t)
                continue
            compare(f"encoder ({label}, {t:.2f} s)", mode, out, ref)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--demo-src", required=True)
    ap.add_argument("--encoder-dir", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    for f in os.listdir(args.work):
        os.unlink(os.path.join(args.work, f))
    os.environ.setdefault("SINAN_BACKEND", "sim")
    os.environ["SINAN_CACHE_DIR"] = "off"	# compile every model here and now
    torch.set_num_threads(1)
    sys.path.insert(0, os.path.abspath(args.demo_src))
    import encoder_export
    import fashion
    t0 = time.time()
    test_cnn(args, fashion)
    test_encoder(args, encoder_export)
    failed = results.count(False)
    print(f"models: {time.time() - t0:.1f} s on the {os.environ['SINAN_BACKEND']} backend")
    print(f"SINAN-TEST: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch's answer on the demo's CNN, computed now from the ONNX file.

    /usr/bin/python3 examples/demo/fashion_ref.py MODEL.onnx OUT.bin

Loads the ONNX initializers into the same torch module the model was
trained as (fashion.Net), classifies the 10000 test images on the CPU in
float32 and writes one byte per image (the predicted class) to OUT.bin, for
sinan-demo to compare with the device's answers image by image. It then
checks the training record next to the model (fashion_cnn.json): another
ONNX digest is an error; other predictions (a PyTorch build that rounds
differently) are reported. Either way the reference the demo prints is the
one PyTorch gives today for these very weights.
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    path, out = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        raw = f.read()
    proto = onnx.load_from_string(raw)
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in proto.graph.initializer}
    model = fashion.Net()
    state = model.state_dict()
    if set(weights) != set(state):
        sys.exit(f"{path}: initializers {sorted(weights)} are not the parameters of fashion.Net {sorted(state)}")
    model.load_state_dict(weights)
    x, y = fashion.load("t10k")
    pred = fashion.predict(model, x).to(torch.uint8).numpy()
    correct = int((pred == y.numpy()).sum())
    with open(out, "wb") as f:
        f.write(pred.astype(np.uint8).tobytes())
    print(f"PyTorch {torch.__version__} (CPU, float32): accuracy {correct / len(y):.4f} ({correct}/{len(y)}) -> {out}")

    rec_path = os.path.join(os.path.dirname(os.path.abspath(path)), "fashion_cnn.json")
    if os.path.exists(rec_path):
        with open(rec_path) as f:
            rec = json.load(f)
        if rec["onnx_sha256"] != hashlib.sha256(raw).hexdigest():
            sys.exit(f"{path} is not the model {rec_path} records (ONNX digest differs)")
        if (rec["predictions_sha256"] != hashlib.sha256(pred.tobytes()).hexdigest()
                or rec.get("first_predictions", []) != pred[:len(rec.get("first_predictions", []))].tolist()):
            print(f"note: predictions differ from the training record ({rec['correct']} correct then, "
                  f"{correct} now): another PyTorch build rounds differently", file=sys.stderr)


if __name__ == "__main__":
    main()

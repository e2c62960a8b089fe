#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train the demo's Fashion-MNIST CNN with PyTorch on the CPU and export it.

    /usr/bin/python3 examples/demo/fashion_train.py [--epochs 2] [--out DIR]

Writes DIR/fashion_cnn.onnx (opset 17, batch dimension symbolic: "batch")
and DIR/fashion_cnn.json, the training record: the test accuracy PyTorch
reached with exactly these weights, a digest of its 10000 predictions (and the
first 64 of them) and of the ONNX file. fashion_ref.py recomputes both from the ONNX file, so the
record can be checked at any time. The committed model was made by this
script with its defaults (make demo does not retrain).
"""
import argparse
import hashlib
import json
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    xtr, ytr = fashion.load("train")
    xte, yte = fashion.load("t10k")
    model = fashion.Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    t0 = time.time()
    for ep in range(a.epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = lossf(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        acc = (fashion.predict(model, xte) == yte).float().mean().item()
        print(f"epoch {ep + 1}: loss {loss.item():.3f}, test accuracy {acc:.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)

    pred = fashion.predict(model, xte)
    correct = int((pred == yte).sum())
    path = os.path.join(a.out, "fashion_cnn.onnx")
    model.eval()
    torch.onnx.export(model, xte[:1], path, opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    with open(path, "rb") as f:
        onnx_sha = hashlib.sha256(f.read()).hexdigest()
    rec = {
        "model": "fashion_cnn.onnx",
        "onnx_sha256": onnx_sha,
        "test_images": len(yte),
        "correct": correct,
        "accuracy": correct / len(yte),
        "predictions_sha256": hashlib.sha256(pred.to(torch.uint8).numpy().tobytes()).hexdigest(),
        # for tests that classify a few images (tests/demo)
        "first_predictions": pred[:64].tolist(),
        "epochs": a.epochs,
        "seed": a.seed,
        "torch": torch.__version__,
        "train_seconds": round(time.time() - t0, 1),
    }
    with open(os.path.join(a.out, "fashion_cnn.json"), "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")
    print(f"wrote {path}: test accuracy {rec['accuracy']:.4f} ({correct}/{len(yte)})")


if __name__ == "__main__":
    main()

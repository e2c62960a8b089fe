#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The demo's transformer encoder: export it from PyTorch with its reference.

    /usr/bin/python3 examples/demo/encoder_export.py OUTDIR

Two post-norm encoder layers (multi-head self-attention with 4 heads, layer
norm, a GELU MLP of width 1024), sequence 128, width 256, batch 1, with
fixed random weights (torch.manual_seed(SEED)). Writes to OUTDIR:
  encoder.onnx         the model (opset 17), input "x" [1,128,256] float32
  encoder_input.bin    the input, float32, from the same seed
  encoder_ref.bin      PyTorch's float32 output for that input (CPU)
The weights are 6 MB, so the build makes them (the same bytes each time for
a given PyTorch build) rather than the repository carrying them.
"""
import math
import os
import sys

import torch
from torch import nn

SEED = 2024
SEQ, WIDTH, HEADS, MLP, LAYERS = 128, 256, 4, 1024, 2


class EncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.proj = nn.Linear(WIDTH, WIDTH)
        self.ln1 = nn.LayerNorm(WIDTH)
        self.fc1 = nn.Linear(WIDTH, MLP)
        self.fc2 = nn.Linear(MLP, WIDTH)
        self.ln2 = nn.LayerNorm(WIDTH)

    def forward(self, x):
        b, s, d = x.shape
        dh = WIDTH // HEADS
        q, k, v = self.qkv(x).split(d, dim=-1)
        q = q.reshape(b, s, HEADS, dh).transpose(1, 2)
        k = k.reshape(b, s, HEADS, dh).transpose(1, 2)
        v = v.reshape(b, s, HEADS, dh).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = self.ln1(x + self.proj(y))
        return self.ln2(x + self.fc2(nn.functional.gelu(self.fc1(x))))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer() for _ in range(LAYERS))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    model = Encoder().eval()
    x = torch.randn(1, SEQ, WIDTH)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, os.path.join(out, "encoder.onnx"), opset_version=17,
                      input_names=["x"], output_names=["y"])
    x.numpy().tofile(os.path.join(out, "encoder_input.bin"))
    y.numpy().tofile(os.path.join(out, "encoder_ref.bin"))
    print(f"wrote {out}/encoder.onnx ({LAYERS} layers, seq {SEQ}, width {WIDTH}, seed {SEED}) "
          f"with its input and PyTorch's float32 output")


if __name__ == "__main__":
    main()

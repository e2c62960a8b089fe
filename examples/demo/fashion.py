# SPDX-License-Identifier: MIT
"""The demo's Fashion-MNIST CNN and data, shared by fashion_train.py and
fashion_ref.py (run them with Debian's /usr/bin/python3: python3-torch,
python3-onnx, python3-numpy; installed by 'make deps').

Input: float32 [N, 1, 28, 28], pixel / 255 (no other normalization, so a C
program feeds the model with one division). Output: logits [N, 10].
"""
import gzip
import os
import struct

import numpy as np
import torch
from torch import nn

DATA = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(name):
    """An IDX file of Debian's dataset-fashion-mnist as a numpy array."""
    path = os.path.join(DATA, name)
    with gzip.open(path, "rb") as f:
        buf = f.read()
    zero, dtype, rank = struct.unpack(">HBB", buf[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, buf[4:4 + 4 * rank])
    data = np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data for dims {dims}")
    return data.reshape(dims)


def load(split):
    """(images float32 [N,1,28,28] in [0,1], labels int64 [N]) of 'train' or 't10k'."""
    x = read_idx(f"{split}-images-idx3-ubyte.gz")
    y = read_idx(f"{split}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(x.astype(np.float32) / np.float32(255.0)).unsqueeze(1)
    return x, torch.from_numpy(y.astype(np.int64))


class Net(nn.Module):
    """Two 3x3 convolutions with ReLU and 2x2 max pooling, two linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc2(torch.relu(self.fc1(x)))


def predict(model, x, batch=1000):
    """Class of each image, computed by PyTorch on the CPU in float32."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(x[i:i + batch]).argmax(1))
    return torch.cat(out)

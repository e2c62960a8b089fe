#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of fuzz_emu (tests/fuzz/corpus/emu/): small programs
# in the fuzzer's operation language that reach every packet type.
# Regenerate with: tests/fuzz/gen_seeds_emu.py
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "emu")
HOST = 0x10000000


def mmio_w(off, val, size=4):
    return bytes([0]) + struct.pack("<IBQ", off, {1: 0, 2: 1, 4: 2, 8: 3}[size], val)


def mmio_r(off, size=4):
    return bytes([1]) + struct.pack("<IB", off, {1: 0, 2: 1, 4: 2, 8: 3}[size])


def dm(off, data):
    out = b""
    while data:
        chunk, data = data[:255], data[255:]
        out += bytes([2]) + struct.pack("<IB", off, len(chunk)) + chunk
        off += len(chunk)
    return out


def pkt(q, op, flags=0, dw1=0, *q64):
    body = struct.pack("<II", op | (flags << 8), dw1) + b"".join(struct.pack("<Q", v) for v in q64)
    return bytes([3, q]) + body.ljust(64, b"\0")


def time(us):
    return bytes([4]) + struct.pack("<H", us)


def wait():
    return bytes([7])


NOP, COPY, FILL, LAUNCH, SIGNAL, WAIT, BARRIER, TS, INDIRECT, FENCE = range(10)
seeds = {
    "nop_fence": pkt(0, NOP) + pkt(0, FENCE, 1, 0, 1) + wait() + time(100),
    "copy_fill": pkt(0, FILL, 0, 0xabcdabcd, 0x400000, 4096) + pkt(0, COPY, 0, 0, 0x500000, 0x400000, 4096)
    + pkt(0, FENCE, 1, 0, 1) + wait() + time(500),
    "copy_sysmem": bytes([6]) + struct.pack("<HB", 0, 16) + b"0123456789abcdef"
    + pkt(1, COPY, 0, 0, 0x400000, 0x40000000, 16) + pkt(1, FENCE, 1, 0, 7) + wait(),
    "indirect": dm(0x600000, struct.pack("<II", FILL, 7) + struct.pack("<QQ", 0x610000, 64) + b"\0" * 40
                  + struct.pack("<II", SIGNAL | (3 << 8), 0) + struct.pack("<QQ", 0x620000, 5) + b"\0" * 40
                  + struct.pack("<II", TS, 0) + struct.pack("<Q", 0x620008) + b"\0" * 48)
    + pkt(0, INDIRECT, 0, 0, 0x600000, 192, 3) + pkt(0, FENCE, 1, 0, 3) + wait() + time(1000),
    "wait_signal": pkt(0, WAIT, 0, 0, 0x630000, 1) + pkt(1, SIGNAL, 0, 0, 0x630000, 1)
    + wait() + pkt(0, FENCE, 1, 0, 1) + wait() + time(100),
    "sg_copy": dm(0x640000, struct.pack("<QQQQ", 0x650000, 0x400000, 100, 0) * 2)
    + pkt(0, COPY, 1, 0, 0, 0x640000, 2) + wait(),
    "bad_regs": mmio_w(0x0, 1) + mmio_r(0x2, 2) + mmio_w(0x4000 + 0x20, 7) + mmio_w(0x10000, 0x12345, 4)
    + mmio_w(0x1000, 0x123, 8) + mmio_r(0x7fff0, 8) + mmio_w(0x3000, 0x0104) + wait(),
    "inject": bytes([5, 3, 0]) + pkt(0, COPY, 0, 0, 0x500000, 0x400000, 64) + wait()
    + bytes([5, 4, 0]) + wait() + mmio_w(0x100, 1) + wait(),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {OUT}")

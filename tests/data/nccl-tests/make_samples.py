#!/usr/bin/env python3
"""Writes the nccl-tests samples of this folder: the text nccl-tests 2.13 prints, with times
synthesised (NOT measured) from NCCL's own tuning model with known parameters, so that
`chimera-sim calibrate` has something realistic to read and a known answer to recover:

  all_reduce_perf-h100-ring.txt  8 x H100 SXM, NCCL_ALGO=RING: the best of LL / LL128 / Simple by
      NCCL 2.21's tuning.cc latencies (baseLat + 2(n-1) hwLat, NVLink) x LATENCY_SCALE, bus
      bandwidth 450 GB/s x SIMPLE_EFFICIENCY x the protocol factor (LL 1/4, LL128 0.92); the
      bus bandwidth at 2-4 GiB is the ~367 GB/s NCCL's maintainers quote for this machine
      (issue 16). A deterministic +-1.5 % ripple stands for run-to-run noise.
  sendrecv_perf-h100.txt  the same machine, every rank sends to the next: P2P_LATENCY_US +
      bytes / (450 GB/s x SIMPLE_EFFICIENCY).

Regenerate: python3 tests/data/nccl-tests/make_samples.py
"""
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
N = 8
PORT = 450e9
SIMPLE_EFFICIENCY = 0.8167
LATENCY_SCALE = 1.3
P2P_LATENCY_US = 6.0
BASE = {"LL": 6.6, "LL128": 14.0, "Simple": 8.4}
HW = {"LL": 0.6, "LL128": 1.9, "Simple": 3.4}
FACTOR = {"LL": 0.25, "LL128": 0.92, "Simple": 1.0}


def ripple(i):
    return 1 + 0.015 * math.sin(1.7 * i + 0.3)


def header(test, op):
    lines = [
        f"# nThread 1 nGpus {N} minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 "
        "validation: 1 graph: 0",
        "#",
        "# Using devices",
    ]
    for r in range(N):
        lines.append(f"#  Rank {r:2d} Group  0 Pid  48211 on dgx-h100-07 device {r:2d} [0x{0x18 + 0x12 * r:02x}] "
                     "NVIDIA H100 80GB HBM3")
    lines += [
        "#",
        "#                                                              out-of-place                       in-place          ",
        "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong",
        "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       ",
    ]
    return lines


def time_text(us):
    return f"{us:7.2f}" if us < 10000 else f"{us:7.0f}"


def row(size, op, time_us, bus_factor, in_place_us):
    algbw = size / time_us / 1e3
    algbw_in = size / in_place_us / 1e3
    return (f"{size:12d}  {size // 4:12d}  {'float':>8s}  {op:>6s}  {-1:6d}  {time_text(time_us)}  {algbw:6.2f}  "
            f"{algbw * bus_factor:6.2f}  {0:5d}  {time_text(in_place_us)}  {algbw_in:6.2f}  {algbw_in * bus_factor:6.2f}  "
            f"{0:5d}")


def all_reduce():
    lines = header("all_reduce_perf", "sum")
    total = []
    for i, e in enumerate(range(3, 34)):
        size = 2 ** e
        best = min(LATENCY_SCALE * (BASE[p] + 2 * (N - 1) * HW[p]) +
                   size * 2 * (N - 1) / N / (PORT * SIMPLE_EFFICIENCY * FACTOR[p]) * 1e6 for p in BASE)
        t = best * ripple(i)
        lines.append(row(size, "sum", t, 2 * (N - 1) / N, t * ripple(i + 11)))
        total.append(size / t / 1e3 * 2 * (N - 1) / N)
    lines += ["# Out of bounds values : 0 OK", f"# Avg bus bandwidth    : {sum(total) / len(total):.4f} ", "#", ""]
    return "\n".join(lines)


def sendrecv():
    lines = header("sendrecv_perf", "sum")
    total = []
    for i, e in enumerate(range(3, 34)):
        size = 2 ** e
        t = (P2P_LATENCY_US + size / (PORT * SIMPLE_EFFICIENCY) * 1e6) * ripple(i + 5)
        lines.append(row(size, "sum", t, 1.0, t * ripple(i + 7)))
        total.append(size / t / 1e3)
    lines += ["# Out of bounds values : 0 OK", f"# Avg bus bandwidth    : {sum(total) / len(total):.4f} ", "#", ""]
    return "\n".join(lines)


with open(os.path.join(HERE, "all_reduce_perf-h100-ring.txt"), "w") as f:
    f.write(all_reduce())
with open(os.path.join(HERE, "sendrecv_perf-h100.txt"), "w") as f:
    f.write(sendrecv())

#!/usr/bin/env python3
"""Which kernels cuBLAS and scaled_dot_product_attention run, for sourcing the gpu model's tiles.

Run on the device machine (PyTorch with CUDA):
    python3 results/realism/h200/probe_kernels.py --out DIR
Writes DIR/kernels.csv: for each case (GEMM shapes as measure_kernels.py runs them, bf16
torch.matmul / torch.bmm on random data; flash attention forward and forward+backward), the
CUDA kernels one call launched (torch.profiler, after 3 warm-up calls), their device time and
count. Kernel names carry the library's tile sizes (e.g. cuBLAS's ..._tilesize128x256x64_...).
"""
import argparse
import csv
import os

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--out", default=os.environ.get("OUT", "."))
args = p.parse_args()
os.makedirs(args.out, exist_ok=True)
dev = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False
torch.manual_seed(0)


def device_us(e):
    for attr in ("self_device_time_total", "self_cuda_time_total", "device_time_total", "cuda_time_total"):
        v = getattr(e, attr, None)
        if v:
            return float(v)
    return 0.0


def probe(case, fn, w):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    for e in prof.key_averages():
        us = device_us(e)
        if us > 0:
            w.writerow({"case": case, "kernel": e.key, "device_us": f"{us:.3f}", "calls": e.count})


f = open(os.path.join(args.out, "kernels.csv"), "w", newline="")
w = csv.DictWriter(f, fieldnames=["case", "kernel", "device_us", "calls"])
w.writeheader()
gemms = [(2048, 2048, 2048, 1), (4096, 4096, 4096, 1), (8192, 8192, 8192, 1), (8193, 8192, 8192, 1),
         (2048, 4608, 12288, 1), (4096, 4095, 4096, 1), (4096, 4094, 4096, 1), (64, 4096, 4096, 1),
         (1, 8192, 8192, 1), (2048, 128, 2048, 12)]
for m, n, k, b in gemms:
    try:
        if b == 1:
            A = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
            B = torch.randn(k, n, device=dev, dtype=torch.bfloat16)
            C = torch.empty(m, n, device=dev, dtype=torch.bfloat16)
            fn = lambda: torch.matmul(A, B, out=C)  # noqa: E731
        else:
            A = torch.randn(b, m, k, device=dev, dtype=torch.bfloat16)
            B = torch.randn(b, k, n, device=dev, dtype=torch.bfloat16)
            C = torch.empty(b, m, n, device=dev, dtype=torch.bfloat16)
            fn = lambda: torch.bmm(A, B, out=C)  # noqa: E731
        probe(f"gemm {m}x{n}x{k} b{b}", fn, w)
        f.flush()
        del A, B, C
    except Exception as ex:  # noqa: BLE001
        w.writerow({"case": f"gemm {m}x{n}x{k} b{b}", "kernel": f"failed: {ex}", "device_us": "", "calls": ""})
for b, h, kvh, s, d in ((1, 32, 32, 4096, 128),):
    for causal in (True,):
        try:
            q = torch.randn(b, h, s, d, device=dev, dtype=torch.bfloat16, requires_grad=True)
            kk = torch.randn(b, kvh, s, d, device=dev, dtype=torch.bfloat16, requires_grad=True)
            v = torch.randn(b, kvh, s, d, device=dev, dtype=torch.bfloat16, requires_grad=True)
            gqa = {"enable_gqa": True} if kvh != h else {}
            from torch.nn.attention import SDPBackend, sdpa_kernel
            with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]):
                name = f"attention b{b} h{h} kv{kvh} s{s} d{d} causal{int(causal)}"
                probe(name + " fwd", lambda: F.scaled_dot_product_attention(q, kk, v, is_causal=causal, **gqa), w)
                g = torch.randn(b, h, s, d, device=dev, dtype=torch.bfloat16)

                def fb():
                    F.scaled_dot_product_attention(q, kk, v, is_causal=causal, **gqa).backward(g)
                probe(name + " fwd+bwd", fb, w)
            f.flush()
            del q, kk, v
        except Exception as ex:  # noqa: BLE001
            w.writerow({"case": f"attention {b} {h} {s} {d} {causal}", "kernel": f"failed: {ex}", "device_us": "",
                        "calls": ""})
f.close()
print("probe done")

#!/usr/bin/env python3
"""Kernel measurements on one GPU, for calibrating chimera-sim's compute model.

Run on the device machine (PyTorch with CUDA):
    python3 results/realism/h200/measure_kernels.py --out DIR
Writes DIR/gemm.csv, DIR/elementwise.csv, DIR/attention.csv, DIR/layers.csv,
DIR/device.json and (while it runs) DIR/smi.csv (nvidia-smi clocks and power).

What is measured and how:
- every kernel is launched back to back after 3 warm-up calls; the time of a call is the
  CUDA-event time of the timed launches divided by their count (eager PyTorch, as Megatron
  runs), with enough launches to cover >= 25 ms (at least 5, at most 200);
- GEMMs are bf16 torch.matmul on random normal data (the "maximum achievable matmul FLOPS"
  convention), shapes: squares, tile-quantisation neighbours, transformer-layer shapes
  (forward, input-gradient and weight-gradient orientations) of GPT-3 175B, Llama 3 8B/70B,
  small-m shapes (launch/latency bound), a deterministic random set for validation, and
  batched (per-head attention) GEMMs;
- elementwise kernels: copy, add, GELU, LayerNorm, RMSNorm-like, softmax, dropout over
  1 MiB..2 GiB tensors; bytes = what the kernel must read + write once;
- attention: scaled_dot_product_attention (flash backend), causal and not, fwd and fwd+bwd;
- layers: whole transformer layers forward and forward+backward (validation only: never
  fitted).
"""
import argparse, csv, json, math, os, random, subprocess, sys, time

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--out", default=os.environ.get("OUT", "."))
p.add_argument("--quick", action="store_true", help="fewer shapes (smoke test)")
args = p.parse_args()
os.makedirs(args.out, exist_ok=True)
dev = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False
torch.manual_seed(0)
random.seed(0)

smi = None
try:
    smi = subprocess.Popen(["nvidia-smi", "--query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,utilization.gpu",
                            "--format=csv", "-lms", "500"], stdout=open(os.path.join(args.out, "smi.csv"), "w"),
                           stderr=subprocess.DEVNULL)
except Exception as e:  # noqa
    print("nvidia-smi not available:", e, file=sys.stderr)


def timed(fn, min_total_s=0.025, min_reps=5, max_reps=200):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); fn(); e.record(); torch.cuda.synchronize()
    one = max(s.elapsed_time(e) / 1e3, 1e-6)
    reps = int(min(max_reps, max(min_reps, math.ceil(min_total_s / one))))
    s.record()
    for _ in range(reps):
        fn()
    e.record()
    torch.cuda.synchronize()
    return s.elapsed_time(e) / 1e3 / reps, reps


def writer(name, fields):
    f = open(os.path.join(args.out, name), "w", newline="")
    w = csv.DictWriter(f, fieldnames=fields)
    w.writeheader()
    return f, w


props = torch.cuda.get_device_properties(0)
info = {"name": props.name, "multiprocessors": props.multi_processor_count,
        "memory_bytes": props.total_memory, "torch": torch.__version__, "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(), "capability": list(torch.cuda.get_device_capability(0))}
try:
    info["l2_bytes"] = props.L2_cache_size
except AttributeError:
    pass
try:
    info["nvidia_smi"] = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,power.limit",
                                         "--format=csv"], capture_output=True, text=True).stdout
except Exception:
    pass
print(json.dumps(info), file=sys.stderr)
t_start = time.time()

# ---------------------------------------------------------------- GEMMs
gemm_shapes = []  # (group, m, n, k, batch)
sq = [256, 512, 1024, 2048, 3072, 4096, 6144, 8192, 12288, 16384] if not args.quick else [1024, 8192]
gemm_shapes += [("square", s, s, s, 1) for s in sq]
if not args.quick:
    for s in (4096, 8192):
        for d in (-1, 1, 64, 127, 128, 129):
            gemm_shapes.append(("quantisation", s + d, s, s, 1))
            gemm_shapes.append(("quantisation", s, s + d, s, 1))
    # Transformer layers: (n, k) of the forward GEMMs of one rank; tokens = micro_batch x sequence.
    layers = {
        "gpt3-175b-tp8": [(4608, 12288), (12288, 1536), (6144, 12288), (12288, 6144)],
        "llama3-8b-tp1": [(6144, 4096), (4096, 4096), (28672, 4096), (4096, 14336)],
        "llama3-70b-tp8": [(1280, 8192), (8192, 1024), (7168, 8192), (8192, 3584)],
        "gpt2-medium-tp1": [(3072, 1024), (1024, 1024), (4096, 1024), (1024, 4096)],
    }
    for model, nks in layers.items():
        for tokens in (2048, 4096, 8192, 16384):
            for n, k in nks:
                gemm_shapes.append((f"{model}.fwd", tokens, n, k, 1))
                gemm_shapes.append((f"{model}.bwd_ig", tokens, k, n, 1))
                gemm_shapes.append((f"{model}.bwd_wg", k, n, tokens, 1))
    for m in (1, 8, 16, 32, 64, 128, 256):
        for nk in (1024, 4096, 8192):
            gemm_shapes.append(("small_m", m, nk, nk, 1))
    rng = random.Random(1234)
    for _ in range(60):
        gemm_shapes.append(("random", rng.randint(64, 12000), rng.randint(64, 12000), rng.randint(64, 12000), 1))
    # Per-head attention GEMMs: [s x d]*[d x s] (scores) and [s x s]*[s x d] (context).
    for heads, d, s in ((12, 128, 2048), (16, 64, 1024), (32, 128, 4096), (8, 128, 8192), (96, 128, 2048)):
        gemm_shapes.append(("attention_qk", s, s, d, heads))
        gemm_shapes.append(("attention_pv", s, d, s, heads))

f, w = writer("gemm.csv", ["group", "m", "n", "k", "batch", "seconds", "tflops", "reps"])
for group, m, n, k, b in gemm_shapes:
    try:
        if b == 1:
            A = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
            B = torch.randn(k, n, device=dev, dtype=torch.bfloat16)
            C = torch.empty(m, n, device=dev, dtype=torch.bfloat16)
            fn = lambda: torch.matmul(A, B, out=C)
        else:
            A = torch.randn(b, m, k, device=dev, dtype=torch.bfloat16)
            B = torch.randn(b, k, n, device=dev, dtype=torch.bfloat16)
            C = torch.empty(b, m, n, device=dev, dtype=torch.bfloat16)
            fn = lambda: torch.bmm(A, B, out=C)
        sec, reps = timed(fn)
        w.writerow({"group": group, "m": m, "n": n, "k": k, "batch": b, "seconds": f"{sec:.9g}",
                    "tflops": f"{2.0 * m * n * k * b / sec / 1e12:.4f}", "reps": reps})
        f.flush()
        del A, B, C
    except Exception as e:
        print("gemm", group, m, n, k, b, "failed:", e, file=sys.stderr)
f.close()
torch.cuda.empty_cache()
print(f"gemm done {time.time() - t_start:.1f} s", file=sys.stderr)

# ---------------------------------------------------------------- elementwise
f, w = writer("elementwise.csv", ["kernel", "elements", "bytes", "seconds", "gbps", "reps"])
sizes = [1 << 19, 1 << 21, 1 << 23, 1 << 25, 1 << 27, 1 << 29] if not args.quick else [1 << 21, 1 << 27]
for n in sizes:
    try:
        x = torch.randn(n, device=dev, dtype=torch.bfloat16)
        y = torch.randn(n, device=dev, dtype=torch.bfloat16)
        o = torch.empty_like(x)
        hidden = 4096
        rows = n // hidden
        x2 = x.view(rows, hidden)
        o2 = o.view(rows, hidden)
        wgt = torch.ones(hidden, device=dev, dtype=torch.bfloat16)
        bias = torch.zeros(hidden, device=dev, dtype=torch.bfloat16)
        e = 2  # bytes per element
        kernels = [
            ("copy", lambda: o.copy_(x), 2 * n * e),
            ("add", lambda: torch.add(x, y, out=o), 3 * n * e),
            ("gelu", lambda: F.gelu(x, approximate="tanh"), 2 * n * e),
            ("layernorm", lambda: F.layer_norm(x2, (hidden,), wgt, bias), 2 * n * e),
            ("rmsnorm", lambda: F.rms_norm(x2, (hidden,), wgt) if hasattr(F, "rms_norm") else x2 * torch.rsqrt(x2.float().pow(2).mean(-1, keepdim=True)).to(x2.dtype) * wgt, 2 * n * e),
            ("softmax", lambda: torch.softmax(x2, dim=-1), 2 * n * e),
            ("dropout", lambda: F.dropout(x, p=0.1, training=True), 2 * n * e),
        ]
        for name, fn, nbytes in kernels:
            sec, reps = timed(fn)
            w.writerow({"kernel": name, "elements": n, "bytes": nbytes, "seconds": f"{sec:.9g}",
                        "gbps": f"{nbytes / sec / 1e9:.2f}", "reps": reps})
            f.flush()
        del x, y, o, x2, o2
    except Exception as ex:
        print("elementwise", n, "failed:", ex, file=sys.stderr)
f.close()
torch.cuda.empty_cache()
print(f"elementwise done {time.time() - t_start:.1f} s", file=sys.stderr)

# ---------------------------------------------------------------- attention
f, w = writer("attention.csv", ["batch", "heads", "kv_heads", "sequence", "head_dim", "causal", "pass", "seconds",
                                "tflops", "flops", "backend", "reps"])
att_cases = [(1, 32, 32, 2048, 128), (1, 32, 32, 4096, 128), (1, 32, 8, 8192, 128), (1, 16, 16, 1024, 64),
             (4, 12, 12, 2048, 128), (1, 8, 8, 16384, 128), (2, 64, 8, 4096, 128)]
if args.quick:
    att_cases = att_cases[:2]
for b, h, kvh, s, d in att_cases:
    for causal in (False, True):
        try:
            q = torch.randn(b, h, s, d, device=dev, dtype=torch.bfloat16, requires_grad=True)
            kk = torch.randn(b, kvh, s, d, device=dev, dtype=torch.bfloat16, requires_grad=True)
            v = torch.randn(b, kvh, s, d, device=dev, dtype=torch.bfloat16, requires_grad=True)
            gqa = {"enable_gqa": True} if kvh != h else {}
            backend = "default"
            try:
                from torch.nn.attention import sdpa_kernel, SDPBackend
                ctx = lambda: sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.EFFICIENT_ATTENTION])
                backend = "flash|cudnn|efficient"
            except Exception:
                import contextlib
                ctx = contextlib.nullcontext
            flops_fwd = 4.0 * b * h * s * s * d * (0.5 if causal else 1.0)
            with ctx():
                fwd = lambda: F.scaled_dot_product_attention(q, kk, v, is_causal=causal, **gqa)
                sec, reps = timed(fwd)
                w.writerow({"batch": b, "heads": h, "kv_heads": kvh, "sequence": s, "head_dim": d, "causal": int(causal),
                            "pass": "fwd", "seconds": f"{sec:.9g}", "tflops": f"{flops_fwd / sec / 1e12:.3f}",
                            "flops": flops_fwd, "backend": backend, "reps": reps})
                out = fwd()
                g = torch.randn_like(out)

                def fb():
                    o = F.scaled_dot_product_attention(q, kk, v, is_causal=causal, **gqa)
                    o.backward(g)
                sec, reps = timed(fb)
                # backward = 2.5x forward FLOPs (dQ, dK, dV, and the recomputed scores)
                w.writerow({"batch": b, "heads": h, "kv_heads": kvh, "sequence": s, "head_dim": d, "causal": int(causal),
                            "pass": "fwd+bwd", "seconds": f"{sec:.9g}", "tflops": f"{3.5 * flops_fwd / sec / 1e12:.3f}",
                            "flops": 3.5 * flops_fwd, "backend": backend, "reps": reps})
            f.flush()
            del q, kk, v, out, g
        except Exception as ex:
            print("attention", b, h, s, d, causal, "failed:", ex, file=sys.stderr)
f.close()
torch.cuda.empty_cache()
print(f"attention done {time.time() - t_start:.1f} s", file=sys.stderr)


# ---------------------------------------------------------------- whole layers (validation only)
class Layer(torch.nn.Module):
    """A pre-norm transformer layer as one tensor-parallel rank runs it (no communication):
    Q/K/V and output projections over heads/tp, MLP over ffn/tp, flash attention."""

    def __init__(self, hidden, heads, kv_heads, ffn, tp, swiglu, bias):
        super().__init__()
        self.h, self.nh, self.nkv, self.d = hidden, heads // tp, max(1, kv_heads // tp), hidden // heads
        self.swiglu = swiglu
        self.norm1 = torch.nn.LayerNorm(hidden) if bias else torch.nn.RMSNorm(hidden)
        self.norm2 = torch.nn.LayerNorm(hidden) if bias else torch.nn.RMSNorm(hidden)
        self.qkv = torch.nn.Linear(hidden, (self.nh + 2 * self.nkv) * self.d, bias=bias)
        self.proj = torch.nn.Linear(self.nh * self.d, hidden, bias=bias)
        self.fc1 = torch.nn.Linear(hidden, (2 if swiglu else 1) * ffn // tp, bias=bias)
        self.fc2 = torch.nn.Linear(ffn // tp, hidden, bias=bias)

    def forward(self, x):  # x: [b, s, hidden]
        b, s, _ = x.shape
        y = self.norm1(x)
        qkv = self.qkv(y)
        q, k, v = qkv.split([self.nh * self.d, self.nkv * self.d, self.nkv * self.d], dim=-1)
        q = q.view(b, s, self.nh, self.d).transpose(1, 2)
        k = k.view(b, s, self.nkv, self.d).transpose(1, 2)
        v = v.view(b, s, self.nkv, self.d).transpose(1, 2)
        gqa = {"enable_gqa": True} if self.nkv != self.nh else {}
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True, **gqa)
        a = a.transpose(1, 2).reshape(b, s, self.nh * self.d)
        x = x + self.proj(a)
        y = self.norm2(x)
        if self.swiglu:
            g, u = self.fc1(y).chunk(2, dim=-1)
            y = F.silu(g) * u
        else:
            y = F.gelu(self.fc1(y), approximate="tanh")
        return x + self.fc2(y)


f, w = writer("layers.csv", ["layer", "hidden", "heads", "kv_heads", "ffn", "tp", "micro_batch", "sequence", "pass",
                             "seconds", "reps"])
layer_cases = [
    ("gpt3-175b-tp8", 12288, 96, 96, 49152, 8, False, True, 1, 2048),
    ("llama3-8b-tp1", 4096, 32, 8, 14336, 1, True, False, 1, 8192),
    ("llama3-70b-tp8", 8192, 64, 8, 28672, 8, True, False, 1, 8192),
    ("gpt2-medium-tp1", 1024, 16, 16, 4096, 1, False, True, 4, 1024),
]
if args.quick:
    layer_cases = layer_cases[:1]
for name, hid, nh, nkv, ffn, tp, swiglu, bias, mb, s in layer_cases:
    try:
        layer = Layer(hid, nh, nkv, ffn, tp, swiglu, bias).to(dev, torch.bfloat16)
        x = torch.randn(mb, s, hid, device=dev, dtype=torch.bfloat16, requires_grad=True)
        with torch.no_grad():
            sec, reps = timed(lambda: layer(x))
        w.writerow({"layer": name, "hidden": hid, "heads": nh, "kv_heads": nkv, "ffn": ffn, "tp": tp, "micro_batch": mb,
                    "sequence": s, "pass": "fwd", "seconds": f"{sec:.9g}", "reps": reps})
        g = torch.randn(mb, s, hid, device=dev, dtype=torch.bfloat16)

        def fb():
            layer(x).backward(g)
        sec, reps = timed(fb)
        w.writerow({"layer": name, "hidden": hid, "heads": nh, "kv_heads": nkv, "ffn": ffn, "tp": tp, "micro_batch": mb,
                    "sequence": s, "pass": "fwd+bwd", "seconds": f"{sec:.9g}", "reps": reps})
        f.flush()
        del layer, x, g
        torch.cuda.empty_cache()
    except Exception as ex:
        print("layer", name, "failed:", ex, file=sys.stderr)
f.close()
print(f"layers done {time.time() - t_start:.1f} s", file=sys.stderr)

info["wall_s"] = time.time() - t_start
if smi:
    smi.terminate()
with open(os.path.join(args.out, "device.json"), "w") as fh:
    json.dump(info, fh, indent=1)

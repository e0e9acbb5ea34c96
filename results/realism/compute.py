#!/usr/bin/python3
"""Calibration and validation of chimera-sim's "gpu" compute model on the H200 measurements.

    /usr/bin/python3 results/realism/compute.py [--binary build/chimera-sim] [--markdown]

Reads results/realism/h200/{gemm,elementwise,attention,layers}.csv (taken by
h200/measure_kernels.py), asks `chimera-sim gemm|kernel --json` for the model's terms and
predictions, and writes results/realism/compute.csv (one row per measured case: the role it
plays, fit or validation, the measurement, the prediction of the committed h200 preset and the
error) and results/realism/compute.png. Prints the fitted parameters next to the committed
preset's (compute/presets/h200.toml) and exits 1 when they disagree beyond their rounding, so
the preset cannot drift from the data. --markdown also prints the tables of README.md.

Fit subsets (everything else is validation):
  GEMM main loop, overhead, launch floor: squares + forward (`*.fwd`) transformer shapes;
  alignment penalties: quantisation neighbours with odd n (2-byte rows) and the first 30 of the
    60 random shapes (4- and 8-byte rows); the last 30 random shapes are validation;
  element-wise bandwidth: copy and add of >= 256 MiB; element-wise floor: the 1 MiB rows;
  attention: multi-head (heads == kv_heads) head-dim-128 cases; launch floors: the head-dim-64
    case (the only launch-bound one); grouped-query cases are validation;
  whole layers (layers.csv): validation only, never fitted.
"""
import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "h200")
PRESET = "h200"
E = 2  # bf16 bytes per element


def rows(name, run=""):
    with open(os.path.join(DATA, run, name), newline="") as f:
        return list(csv.DictReader(f))


class Sim:
    """`chimera-sim --json` calls, memoised."""

    def __init__(self, binary):
        self.binary = binary
        self.memo = {}

    def __call__(self, *args):
        if args not in self.memo:
            out = subprocess.run([self.binary, *map(str, args), "--json"], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"chimera-sim {' '.join(map(str, args))} failed: {out.stderr.strip()}")
            self.memo[args] = json.loads(out.stdout)
        return self.memo[args]

    def gemm(self, m, n, k, batch=1, preset=PRESET, model="gpu"):
        return self("gemm", "--preset", preset, "--model", model, "--m", m, "--n", n, "--k", k, "--batch", batch)

    def elementwise(self, nbytes, preset=PRESET):
        return self("kernel", "--preset", preset, "--model", "gpu", "--kind", "elementwise", "--bytes", int(nbytes))

    def attention(self, bh, s, d, causal, pass_, preset=PRESET):
        args = ["kernel", "--preset", preset, "--model", "gpu", "--kind", "attention", "--batch-heads", bh,
                "--seq", s, "--head-dim", d, "--pass", pass_]
        return self(*args, *(["--causal"] if causal else []))


def log_rms(pairs):
    return math.sqrt(sum(math.log(p / m) ** 2 for p, m in pairs) / len(pairs))


def grid_min(f, axes, rounds=4):
    """Minimise f over a box by repeated grid refinement. axes: [(lo, hi, steps)]."""
    best = None
    box = list(axes)
    for _ in range(rounds):
        pts = [[lo + (hi - lo) * i / steps for i in range(steps + 1)] for lo, hi, steps in box]
        idx = [0] * len(pts)
        while True:
            x = [pts[j][idx[j]] for j in range(len(pts))]
            v = f(*x)
            if best is None or v < best[0]:
                best = (v, x)
            j = 0
            while j < len(idx) and idx[j] == len(pts[j]) - 1:
                idx[j] = 0
                j += 1
            if j == len(idx):
                break
            idx[j] += 1
        box = [(max(lo0, b - (hi - lo) / steps), min(hi0, b + (hi - lo) / steps), steps)
               for (lo, hi, steps), b, (lo0, hi0, _) in zip(box, best[1], axes)]
    return best[1]


def align_bytes(n, k):
    def low(v):
        return v & -v
    return min(low(n * E), low(k * E), 16)


# ---------------------------------------------------------------------------- fits
def fit_elementwise(ew, overhead):
    big = [r for r in ew if r["kernel"] in ("copy", "add") and int(r["bytes"]) >= 256 * 2**20]
    bw = grid_min(lambda b: log_rms([(overhead + int(r["bytes"]) / (b * 1e9), float(r["seconds"])) for r in big]),
                  [(3000, 4800, 90)])[0] * 1e9
    smallest = min(int(r["elements"]) for r in ew)
    floor = statistics.median(float(r["seconds"]) for r in ew if int(r["elements"]) == smallest)
    return bw, floor


def gemm_pred(r, eff, ovh, floor, bw, align=1.0):
    mem = E * r["batch"] * (r["m"] * r["k"] + r["k"] * r["n"] + r["m"] * r["n"]) / bw
    return max(floor, ovh + max(r["peak_main"] / (eff * align), mem))


def attention_units(bh, s, block, causal, u0, sms):
    n = -(-s // block)
    if not causal:
        return -(-bh * n // sms) * (n + u0)
    pairs = bh * n * (n + 1) // 2
    return max((pairs + u0 * bh * n) / sms, n + u0)


def accumulation_bytes(r):
    """The measurement calls backward repeatedly, so q.grad, k.grad and v.grad accumulate: one add
    kernel each (read both, write one), in the measured fwd+bwd time (kernels.csv shows them)."""
    b, h, kvh, s, d = (int(r[x]) for x in ("batch", "heads", "kv_heads", "sequence", "head_dim"))
    return [3 * b * h * s * d * E, 3 * b * kvh * s * d * E, 3 * b * kvh * s * d * E]


def attention_pred(r, p, peak, sms, ovh, ew):
    """ew: (bandwidth, floor) of the element-wise kernels, for the accumulation adds."""
    fe, be, ce, u0, ff, bf = p
    bh, s, d, c = int(r["batch"]) * int(r["heads"]), int(r["sequence"]), int(r["head_dim"]), r["causal"] == "1"
    units = attention_units(bh, s, 128, c, u0, sms)
    rate = peak / sms * (ce if c else 1)
    fwd = max(ff, ovh + units * 4 * 128 * 128 * d / (rate * fe))
    bwd = max(bf, ovh + units * 2.5 * 4 * 128 * 128 * d / (rate * be))
    adds = sum(max(ew[1], ovh + x / ew[0]) for x in accumulation_bytes(r))
    return fwd if r["pass"] == "fwd" else fwd + bwd + adds


# ---------------------------------------------------------------------------- layers
def layer_kernels(L, with_grad):
    """The kernels of measure_kernels.py's Layer (forward, or forward + backward) as
    (kind, name, args): gemm (m, n, k), elementwise (bytes), attention (bh, s, d, causal, pass)."""
    h, heads, kvh, ffn, tp = (int(L[x]) for x in ("hidden", "heads", "kv_heads", "ffn", "tp"))
    mb, s = int(L["micro_batch"]), int(L["sequence"])
    swiglu = L["layer"].startswith("llama")
    bias = not swiglu
    T, d = mb * s, h // heads
    nh, nkv = heads // tp, max(1, kvh // tp)
    qkv, att, f = (nh + 2 * nkv) * d, nh * d, ffn // tp
    up = 2 * f if swiglu else f
    act = T * h * E
    K = []
    gemm = lambda name, m, n, k: K.append(("gemm", name, (m, n, k)))  # noqa: E731
    ew = lambda name, b: K.append(("elementwise", name, (b,)))  # noqa: E731
    linears = [("qkv", h, qkv), ("proj", att, h), ("fc1", h, up), ("fc2", f, h)]  # (name, in, out)
    # forward
    ew("norm1", 2 * act)
    gemm("qkv", T, qkv, h)  # bias: fused in the cuBLASLt epilogue
    K.append(("attention", "flash-attention", (mb * nh, s, d, True, "forward")))
    gemm("proj", T, h, att)
    ew("residual", 3 * act)
    ew("norm2", 2 * act)
    gemm("fc1", T, up, h)
    if swiglu:
        ew("silu", 2 * T * f * E)
        ew("mul", 3 * T * f * E)
    else:
        ew("gelu", 2 * T * f * E)
    gemm("fc2", T, h, f)
    ew("residual", 3 * act)
    if not with_grad:
        return K
    # backward (reverse order); Linear(in, out): dX = dY W (T, in, out), dW = dY^T X (out, in, T)
    def linear_bwd(name, fin, fout):
        gemm(name + " dgrad", T, fin, fout)
        gemm(name + " wgrad", fout, fin, T)
        if bias:
            ew(name + " bias-grad", T * fout * E)
    linear_bwd("fc2", f, h)
    if swiglu:
        ew("mul-bwd (du)", 3 * T * f * E)
        ew("mul-bwd (dsilu)", 3 * T * f * E)
        ew("silu-bwd", 3 * T * f * E)
        ew("chunk-bwd (cat)", 2 * T * up * E)
    else:
        ew("gelu-bwd", 3 * T * f * E)
    linear_bwd("fc1", h, up)
    ew("norm2-bwd (dx)", 3 * act)
    ew("norm2-bwd (dweight)", 2 * act)
    ew("residual-grad sum", 3 * act)
    linear_bwd("proj", att, h)
    K.append(("attention", "flash-attention bwd", (mb * nh, s, d, True, "backward")))
    ew("split-bwd (cat dq dk dv)", 2 * T * qkv * E)
    linear_bwd("qkv", h, qkv)
    ew("norm1-bwd (dx)", 3 * act)
    ew("norm1-bwd (dweight)", 2 * act)
    ew("residual-grad sum", 3 * act)
    # The measurement calls backward repeatedly: every parameter's .grad and x.grad accumulate
    # (one add kernel each: read both, write one).
    params = [(n_ + ".weight", fin * fout) for n_, fin, fout in linears]
    if bias:
        params += [(n_ + ".bias", fout) for n_, fin, fout in linears]
    params += [("norm1.weight", h), ("norm2.weight", h)] + ([("norm1.bias", h), ("norm2.bias", h)] if bias else [])
    for name, size in params:
        ew(".grad += " + name, 3 * size * E)
    ew(".grad += x", 3 * act)
    return K


def kernel_seconds(sim, kind, args):
    if kind == "gemm":
        return sim.gemm(*args)["seconds"]
    if kind == "elementwise":
        return sim.elementwise(args[0])["seconds"]
    bh, s, d, causal, pass_ = args
    return sim.attention(bh, s, d, causal, pass_)["seconds"]


def attention_seconds(sim, r):
    """chimera-sim's time of a row of attention.csv: the forward, or forward + backward + the three
    gradient-accumulation adds of the measurement."""
    bh, s, d, c = int(r["batch"]) * int(r["heads"]), int(r["sequence"]), int(r["head_dim"]), r["causal"] == "1"
    t = sim.attention(bh, s, d, c, "forward")["seconds"]
    if r["pass"] == "fwd+bwd":
        t += sim.attention(bh, s, d, c, "backward")["seconds"]
        t += sum(sim.elementwise(x)["seconds"] for x in accumulation_bytes(r))
    return t


# ---------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "chimera-sim"))
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    sim = Sim(args.binary)
    with open(os.path.join(ROOT, "compute", "presets", PRESET + ".toml"), "rb") as f:
        preset = tomllib.load(f)
    gpu = preset["gpu"]
    a = preset["array"]
    peak = 2.0 * a["rows"] * a["cols"] * a["count"] * a["clock_mhz"] * 1e6  # derived, as chimera-sim does
    sms = gpu["sms"]

    gemms = []
    for r in rows("gemm.csv"):
        g = {"group": r["group"], "m": int(r["m"]), "n": int(r["n"]), "k": int(r["k"]), "batch": int(r["batch"]),
             "seconds": float(r["seconds"]), "tflops": float(r["tflops"])}
        g["align"] = align_bytes(g["n"], g["k"])
        j = sim.gemm(g["m"], g["n"], g["k"], g["batch"])
        g["peak_main"], g["model"], g["tile"] = j["gpu"]["peak_main_seconds"], j["seconds"], j["gpu"]["tile"]
        gemms.append(g)
    randoms = [g for g in gemms if g["group"] == "random"]
    for i, g in enumerate(randoms):
        g["random_index"] = i

    def role(g):
        if g["group"] == "square" or g["group"].endswith(".fwd"):
            return "fit"
        if g["group"] == "quantisation" and g["align"] < 4:
            return "fit (alignment)"
        if g["group"] == "random" and g["random_index"] < 30 and 4 <= g["align"] < 16:
            return "fit (alignment)"
        return "validation"

    for g in gemms:
        g["role"] = role(g)

    # 1. GEMM main loop, overhead and floor (memory term with the element-wise bandwidth; the
    #    fit shapes are not memory-bound, so the two fits do not interact).
    ew = rows("elementwise.csv")
    fit = [g for g in gemms if g["role"] == "fit"]
    # The memory term takes the committed bandwidth: no fit shape is memory-bound.
    bw0 = float(gpu["elementwise_bandwidth"].rstrip("GBps")) * 1e9
    eff, ovh_us, floor_us = grid_min(
        lambda e, o, fl: log_rms([(gemm_pred(g, e, o * 1e-6, fl * 1e-6, bw0), g["seconds"]) for g in fit]),
        [(0.55, 0.85, 30), (0.0, 8.0, 16), (9.0, 15.0, 12)])
    ovh, floor = ovh_us * 1e-6, floor_us * 1e-6
    bw, ew_floor = fit_elementwise(ew, ovh)
    best_measured = max(g["tflops"] for g in gemms if g["align"] == 16) * 1e12
    sustained = eff * peak / best_measured
    # 2. alignment penalties, one factor per class, with the fitted main loop
    def fit_align(sel):
        pts = [g for g in gemms if g["role"] == "fit (alignment)" and sel(g["align"])]
        return grid_min(lambda a: log_rms([(gemm_pred(g, eff, ovh, floor, bw, a), g["seconds"]) for g in pts]),
                        [(0.05, 1.0, 95)])[0]
    misaligned = fit_align(lambda a: 4 <= a < 16)
    unaligned = fit_align(lambda a: a < 4)
    # 3. attention
    att = rows("attention.csv")
    att_fit = [r for r in att if r["heads"] == r["kv_heads"] and r["head_dim"] == "128"]
    small = [r for r in att if r["head_dim"] != "128"]
    fwd_floor = statistics.mean(float(r["seconds"]) for r in small if r["pass"] == "fwd")
    def adds(r):
        return sum(max(ew_floor, ovh + x / bw) for x in accumulation_bytes(r))
    bwd_floor = statistics.mean(float(r["seconds"]) - float(s["seconds"]) - adds(r) for r in small
                                if r["pass"] == "fwd+bwd" for s in small
                                if s["pass"] == "fwd" and s["causal"] == r["causal"])
    fe, be, ce, u0 = grid_min(
        lambda a, b, c, u: log_rms([(attention_pred(r, (a, b, c, round(u * 2) / 2, fwd_floor, bwd_floor), peak, sms, ovh,
                                                    (bw, ew_floor)), float(r["seconds"])) for r in att_fit]),
        [(0.5, 0.95, 18), (0.35, 0.8, 18), (0.6, 1.0, 8), (0.0, 8.0, 16)], rounds=3)
    u0 = round(u0 * 2) / 2

    def quantity(text):  # "3.2us", "4360GBps" -> us, GB/s (the units the table prints)
        return float(text.rstrip("usGBp")) if isinstance(text, str) else float(text)

    att_c = gpu["attention"]
    # name: (fitted, committed, how far apart they may be: about the precision the preset writes)
    fitted = {
        "best_gemm_flops [TFLOP/s]": (best_measured / 1e12, gpu["best_gemm_flops"] / 1e12, 0.05),
        "sustained_fraction": (sustained, gpu["sustained_fraction"], 0.0005),
        "kernel_overhead [us]": (ovh * 1e6, quantity(gpu["kernel_overhead"]), 0.05),
        "gemm_launch_floor [us]": (floor * 1e6, quantity(gpu["gemm_launch_floor"]), 0.05),
        "elementwise_bandwidth [GB/s]": (bw / 1e9, quantity(gpu["elementwise_bandwidth"]), 5),
        "elementwise_launch_floor [us]": (ew_floor * 1e6, quantity(gpu["elementwise_launch_floor"]), 0.05),
        "misaligned_efficiency": (misaligned, gpu["misaligned_efficiency"], 0.005),
        "unaligned_efficiency": (unaligned, gpu["unaligned_efficiency"], 0.005),
        "attention.forward_efficiency": (fe, att_c["forward_efficiency"], 0.005),
        "attention.backward_efficiency": (be, att_c["backward_efficiency"], 0.005),
        "attention.causal_efficiency": (ce, att_c["causal_efficiency"], 0.005),
        "attention.cta_overhead_blocks": (u0, att_c["cta_overhead_blocks"], 0.01),
        "attention.forward_launch_floor [us]": (fwd_floor * 1e6, quantity(att_c["forward_launch_floor"]), 0.5),
        "attention.backward_launch_floor [us]": (bwd_floor * 1e6, quantity(att_c["backward_launch_floor"]), 0.5),
    }
    drift = []
    print(f"{'parameter':<40} {'fitted':>12} {'h200.toml':>12}")
    for name, (value, committed, tol) in fitted.items():
        ok = abs(value - committed) <= tol * 1.0001
        print(f"{name:<40} {value:>12.5g} {committed:>12.5g}{'' if ok else '  <- differs'}")
        if not ok:
            drift.append(name)
    print(f"(tensor efficiency = best / peak x sustained = {eff:.4f}; GEMM fit log-rms "
          f"{log_rms([(g['model'], g['seconds']) for g in fit]):.3f}; attention fit log-rms "
          f"{log_rms([(attention_pred(r, (fe, be, ce, u0, fwd_floor, bwd_floor), peak, sms, ovh, (bw, ew_floor)), float(r['seconds'])) for r in att_fit]):.3f})")

    # Consistency: the attention replica above is the binary's formula for the committed preset.
    committed_p = (att_c["forward_efficiency"], att_c["backward_efficiency"], att_c["causal_efficiency"],
                   att_c["cta_overhead_blocks"], quantity(att_c["forward_launch_floor"]) * 1e-6,
                   quantity(att_c["backward_launch_floor"]) * 1e-6)
    c_ovh = quantity(gpu["kernel_overhead"]) * 1e-6
    c_ew = (quantity(gpu["elementwise_bandwidth"]) * 1e9, quantity(gpu["elementwise_launch_floor"]) * 1e-6)
    for r in att:
        got = attention_seconds(sim, r)
        want = attention_pred(r, committed_p, peak, sms, c_ovh, c_ew)
        if abs(got / want - 1) > 1e-9:
            sys.exit(f"attention replica disagrees with chimera-sim: {r} {got} vs {want}")

    # ------------------------------------------------------------------ predictions -> CSV
    out = []

    def add(source, group, role_, case, measured, predicted, **extra):
        out.append({"source": source, "group": group, "role": role_, "case": case, "measured_s": measured,
                    "predicted_s": predicted, "error_percent": 100 * (predicted / measured - 1), **extra})

    for g in gemms:
        add("h200/gemm.csv", g["group"], g["role"], f"{g['m']}x{g['n']}x{g['k']}" + (f" b{g['batch']}" if g["batch"] > 1 else ""),
            g["seconds"], g["model"], tile=g["tile"], align_bytes=g["align"], measured_tflops=g["tflops"],
            predicted_tflops=2 * g["m"] * g["n"] * g["k"] * g["batch"] / g["model"] / 1e12)
    smallest = min(int(r["elements"]) for r in ew)
    for r in ew:
        b = int(r["bytes"])
        rl = "fit" if (r["kernel"] in ("copy", "add") and b >= 256 * 2**20) or int(r["elements"]) == smallest else "validation"
        add("h200/elementwise.csv", r["kernel"], rl, f"{b / 2**20:g} MiB", float(r["seconds"]),
            sim.elementwise(b)["seconds"])
    for r in att:
        rl = "fit" if r in att_fit else ("fit (floors)" if r in small else "validation")
        add("h200/attention.csv", ("causal " if r["causal"] == "1" else "") + r["pass"], rl,
            f"b{r['batch']} h{r['heads']} kv{r['kv_heads']} s{r['sequence']} d{r['head_dim']}", float(r["seconds"]),
            attention_seconds(sim, r))
    layer_detail = {}
    for L in rows("layers.csv"):
        K = layer_kernels(L, L["pass"] == "fwd+bwd")
        secs = [kernel_seconds(sim, kind, a) for kind, _, a in K]
        layer_detail[(L["layer"], L["pass"])] = list(zip(K, secs))
        add("h200/layers.csv", L["layer"], "validation (end to end)", L["pass"], float(L["seconds"]), sum(secs),
            kernels=len(K), gemm_s=sum(t for (kind, _, _), t in zip(K, secs) if kind == "gemm"),
            attention_s=sum(t for (kind, _, _), t in zip(K, secs) if kind == "attention"),
            elementwise_s=sum(t for (kind, _, _), t in zip(K, secs) if kind == "elementwise"))

    # A second run of measure_kernels.py (another H200 machine, same image; h200/run2): all of it
    # validation, and its difference to the first run is the measurement's own spread.
    key = {"gemm.csv": ("group", "m", "n", "k", "batch"), "elementwise.csv": ("kernel", "elements"),
           "attention.csv": ("batch", "heads", "kv_heads", "sequence", "head_dim", "causal", "pass"),
           "layers.csv": ("layer", "pass")}
    for name, fields in key.items():
        first = {tuple(r[x] for x in fields): float(r["seconds"]) for r in rows(name)}
        for r in rows(name, "run2"):
            measured, run1 = float(r["seconds"]), first.get(tuple(r[x] for x in fields))
            if name == "gemm.csv":
                m, n, k, b = (int(r[x]) for x in ("m", "n", "k", "batch"))
                group, case, pred = r["group"], f"{m}x{n}x{k}" + (f" b{b}" if b > 1 else ""), sim.gemm(m, n, k, b)["seconds"]
                if align_bytes(n, k) < 16:
                    group += " misaligned"
            elif name == "elementwise.csv":
                group, case, pred = r["kernel"], f"{int(r['bytes']) / 2**20:g} MiB", sim.elementwise(int(r["bytes"]))["seconds"]
            elif name == "attention.csv":
                group = ("causal " if r["causal"] == "1" else "") + r["pass"]
                case = f"b{r['batch']} h{r['heads']} kv{r['kv_heads']} s{r['sequence']} d{r['head_dim']}"
                pred = attention_seconds(sim, r)
            else:
                group, case = r["layer"], r["pass"]
                pred = sum(kernel_seconds(sim, kind, a) for kind, _, a in layer_kernels(r, r["pass"] == "fwd+bwd"))
            add("h200/run2/" + name, group, "validation (second run)", case, measured, pred,
                first_run_s=run1, run_to_run_percent=100 * (measured / run1 - 1) if run1 else None)

    # Public best-shape numbers: predicted from the H200's best / peak, against what was published.
    public = [("h100", "H100 SXM", 794.5e12, 989.4e12), ("gh200", "GH200", 828.6e12, 989.4e12),
              ("a100", "A100 SXM", 271.2e12, 312e12), ("a100-pcie", "A100 PCIe", 252.9e12, 312e12)]
    for name, label, published, vpeak in public:
        predicted_flops = best_measured / peak * vpeak
        add("public best-shape GEMM", label, "validation (from H200 best/peak)", name, 1 / published,
            1 / predicted_flops, measured_tflops=published / 1e12, predicted_tflops=predicted_flops / 1e12)

    fields = ["source", "group", "role", "case", "measured_s", "predicted_s", "error_percent", "measured_tflops",
              "predicted_tflops", "tile", "align_bytes", "kernels", "gemm_s", "attention_s", "elementwise_s",
              "first_run_s", "run_to_run_percent"]
    with open(os.path.join(HERE, "compute.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in out:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else "" if v is None else v) for k, v in r.items()})

    summary(out, args.markdown, layer_detail)
    plot(out)
    if drift:
        print("the committed h200 preset differs from the fit in: " + ", ".join(drift), file=sys.stderr)
        return 1
    return 0


def summary(out, markdown, layer_detail):
    def bucket(r):
        if r["source"] == "h200/gemm.csv":
            g = r["group"]
            if "." in g:
                g = "layer shapes " + g.split(".")[1]
            if r["role"].startswith("fit (alignment)"):
                return "GEMM alignment (fit)"
            if r["align_bytes"] < 16:
                return "GEMM misaligned " + ("random" if g == "random" else g)
            return "GEMM " + g
        if r["source"] == "h200/elementwise.csv":
            return "elementwise " + r["group"]
        if r["source"] == "h200/attention.csv":
            return "attention " + r["group"]
        return r["source"]
    groups = {}
    for r in out:
        if not r["source"].startswith("h200/run2/"):
            groups.setdefault((bucket(r), r["role"]), []).append(r["error_percent"])
    lines = ["| cases | role | n | mean abs error | median error | worst |", "|---|---|---|---|---|---|"]
    for (b, rl), e in sorted(groups.items(), key=lambda x: (x[0][1] != "fit", x[0])):
        worst = max(e, key=abs)
        lines.append(f"| {b} | {rl} | {len(e)} | {statistics.mean(abs(x) for x in e):.1f} % | "
                     f"{statistics.median(e):+.1f} % | {worst:+.1f} % |")
    print("\n".join(lines))
    run2 = {}
    for r in out:
        if r["source"].startswith("h200/run2/"):
            kind = r["source"].split("/")[-1][:-4]
            g = r["group"].split(".")[0] if kind == "gemm" else r["group"]
            if kind == "gemm" and g.endswith("misaligned"):
                g = "misaligned"
            elif kind == "gemm" and "-" in g:
                g = "layer shapes"
            run2.setdefault((kind, g), []).append(r)
    lines = ["| second run | n | model: mean abs error | model: median | run 2 vs run 1: mean abs | median |",
             "|---|---|---|---|---|---|"]
    for (kind, g), rs in sorted(run2.items()):
        d = [r["run_to_run_percent"] for r in rs if r.get("run_to_run_percent") is not None]
        lines.append(f"| {kind} {g} | {len(rs)} | {statistics.mean(abs(r['error_percent']) for r in rs):.1f} % | "
                     f"{statistics.median(r['error_percent'] for r in rs):+.1f} % | "
                     f"{statistics.mean(abs(x) for x in d):.1f} % | {statistics.median(d):+.1f} % |")
    print("\n".join(lines))
    lines = ["| layer | pass | measured | predicted | error | GEMM | attention | element-wise | kernels |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in out:
        if r["source"] == "h200/layers.csv":
            lines.append(f"| {r['group']} | {r['case']} | {r['measured_s'] * 1e3:.3f} ms | {r['predicted_s'] * 1e3:.3f} ms | "
                         f"{r['error_percent']:+.1f} % | {r['gemm_s'] * 1e3:.3f} | {r['attention_s'] * 1e3:.3f} | "
                         f"{r['elementwise_s'] * 1e3:.3f} | {r['kernels']} |")
    print("\n".join(lines))
    lines = ["| GPU | published | predicted from H200 best/peak | error |", "|---|---|---|---|"]
    for r in out:
        if r["source"].startswith("public"):
            lines.append(f"| {r['group']} | {r['measured_tflops']:.1f} | {r['predicted_tflops']:.1f} | {r['error_percent'] * -1 / (1 + r['error_percent'] / 100):+.1f} % |")
    print("\n".join(lines))
    if markdown:
        for (name, p), ks in layer_detail.items():
            print(f"\n{name} {p}: " + ", ".join(f"{k[1]} {t * 1e6:.0f}" for k, t in ks))


def plot(out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 10))
    ax = axes[0][0]
    for role_, color, marker in (("fit", "tab:blue", "o"), ("fit (alignment)", "tab:purple", "s"),
                                 ("validation", "tab:orange", "^")):
        pts = [r for r in out if r["source"] == "h200/gemm.csv" and r["role"] == role_]
        ax.scatter([r["measured_s"] * 1e6 for r in pts], [r["predicted_s"] * 1e6 for r in pts], s=14, c=color,
                   marker=marker, label=f"{role_} ({len(pts)})", alpha=0.8)
    lim = [8, 2e4]
    ax.plot(lim, lim, "k-", lw=0.8)
    ax.plot(lim, [x * 1.2 for x in lim], "k:", lw=0.6)
    ax.plot(lim, [x / 1.2 for x in lim], "k:", lw=0.6)
    ax.set(xscale="log", yscale="log", xlim=lim, ylim=lim, xlabel="measured [us]", ylabel="predicted [us]",
           title="GEMMs on H200 (bf16, cuBLAS): gpu model vs measured (dotted: +-20 %)")
    ax.legend(fontsize=8)

    ax = axes[0][1]
    sq = sorted((r for r in out if r["source"] == "h200/gemm.csv" and r["group"] == "square"),
                key=lambda r: int(r["case"].split("x")[0]))
    xs = [int(r["case"].split("x")[0]) for r in sq]
    ax.plot(xs, [r["measured_tflops"] for r in sq], "o-", label="measured")
    ax.plot(xs, [r["predicted_tflops"] for r in sq], "s--", label="gpu model")
    ax.axhline(989.4, color="grey", lw=0.8, ls=":", label="peak 989.4")
    ax.set(xscale="log", xlabel="m = n = k", ylabel="TFLOP/s", title="square GEMMs")
    ax.legend(fontsize=8)

    ax = axes[1][0]
    kernels = sorted({r["group"] for r in out if r["source"] == "h200/elementwise.csv"})
    for i, kname in enumerate(kernels):
        pts = sorted((r for r in out if r["source"] == "h200/elementwise.csv" and r["group"] == kname),
                     key=lambda r: r["measured_s"])
        ax.plot([r["measured_s"] * 1e6 for r in pts], [r["error_percent"] for r in pts], "o-", ms=3, label=kname)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xscale="log", xlabel="measured [us]", ylabel="prediction error [%]",
           title="element-wise kernels: one achievable bandwidth for all")
    ax.legend(fontsize=8)

    ax = axes[1][1]
    lay = [r for r in out if r["source"] == "h200/layers.csv"]
    labels = [f"{r['group']}\n{r['case']}" for r in lay]
    ax.bar(range(len(lay)), [r["error_percent"] for r in lay], color="tab:green")
    ax.set_xticks(range(len(lay)), labels, fontsize=7, rotation=30, ha="right")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(ylabel="prediction error [%]",
           title=f"whole layers (validation only): sum of kernels vs measured")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "compute.png"), dpi=110)


if __name__ == "__main__":
    sys.exit(main())

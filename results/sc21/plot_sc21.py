#!/usr/bin/python3
"""Figures and the table of the SC'21 Chimera study from the sweep CSVs.

    /usr/bin/python3 results/sc21/plot_sc21.py             # bert48.png, gpt2.png
    /usr/bin/python3 results/sc21/plot_sc21.py --markdown  # also print the README tables

Reads results/sc21/{bert48,gpt2}.csv (written by `chimera-sim sweep scenarios/sc21/<name>.toml`)
and writes one PNG per CSV next to it: throughput per scheme (samples/s) and memory per rank
(weights, peak activations, peak total; the P100's 16 GB marked).
"""
import csv
import os
import sys
import tomllib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STUDIES = {"bert48": "BERT-48, 32 nodes", "gpt2": "GPT-2 (64 layers, 1.3 B), 512 nodes"}
CAPACITY_GB = 16


def rows(name):
    with open(os.path.join(HERE, name + ".csv"), newline="") as f:
        rs = list(csv.DictReader(f))
    # The shape of each scheme, from the sweep file that wrote the CSV.
    with open(os.path.join(HERE, "..", "..", "scenarios", "sc21", name + ".toml"), "rb") as f:
        axes = {a["name"]: a for a in tomllib.load(f)["axes"]["scheme"]}
    for r in rs:
        a = axes[r["scheme"]]
        r["shape"] = f"{a['parallel.dp']}×{a['parallel.pp']}"
        r["B"], r["N"] = a["model.micro_batch"], a["parallel.micro_batches"]
    return rs


def num(r, key, scale=1.0):
    return float(r[key]) / scale


def figure(name, title, rs):
    schemes = [r["scheme"] for r in rs]
    x = range(len(rs))
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 4.6))
    colours = ["tab:red" if s.startswith("chimera") else "tab:blue" for s in schemes]
    a.bar(x, [num(r, "throughput_samples_per_s") for r in rs], color=colours)
    a.set_xticks(list(x), schemes, rotation=35, ha="right")
    a.set_ylabel("throughput (samples/s)")
    a.set_title(f"{title}: throughput")
    for i, r in enumerate(rs):
        a.text(i, num(r, "throughput_samples_per_s"), f"{num(r, 'throughput_samples_per_s'):.0f}", ha="center",
               va="bottom", fontsize=8)
    w = 0.27
    b.bar([i - w for i in x], [num(r, "weights_bytes", 1e9) for r in rs], w, label="weights (max rank)")
    b.bar(list(x), [num(r, "peak_activation_bytes", 1e9) for r in rs], w, label="peak activations (max rank)")
    b.bar([i + w for i in x], [num(r, "peak_memory_bytes", 1e9) for r in rs], w, label="peak total (max rank)")
    b.axhline(CAPACITY_GB, color="black", linestyle="--", linewidth=1, label="P100 16 GB")
    b.set_xticks(list(x), schemes, rotation=35, ha="right")
    b.set_ylabel("GB per rank")
    b.set_title(f"{title}: memory")
    b.legend(fontsize=8)
    fig.tight_layout()
    out = os.path.join(HERE, name + ".png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print("wrote", out)


def markdown(name, rs):
    base = {r["scheme"]: num(r, "throughput_samples_per_s") for r in rs}
    chimera = base.get("chimera")
    print(f"\n{name}\n")
    print("| scheme | W×D | B | N | mini-batch | iteration (s) | throughput (samples/s) | Chimera ÷ scheme | bubble | "
          "weights (GB) | peak act. (GB) | peak memory (GB) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rs:
        t = num(r, "throughput_samples_per_s")
        print(f"| {r['scheme']} | {r.get('shape', '')} | {r.get('B', '')} | {r.get('N', '')} | {r['global_batch']} | "
              f"{num(r, 'iteration_time_s'):.3f} | {t:.1f} | {chimera / t:.2f} | {num(r, 'bubble_ratio'):.3f} | "
              f"{num(r, 'weights_bytes', 1e9):.2f} | {num(r, 'peak_activation_bytes', 1e9):.2f} | "
              f"{num(r, 'peak_memory_bytes', 1e9):.2f} |")


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--markdown", action="store_true", help="also print the README tables")
    args = ap.parse_args()
    for name, title in STUDIES.items():
        rs = rows(name)
        figure(name, title, rs)
        if args.markdown:
            markdown(name, rs)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Figures and tables of the fidelity study from the `chimera-sim fidelity --csv` tables.

    /usr/bin/python3 results/plot_fidelity.py            # results/fidelity/*.png
    /usr/bin/python3 results/plot_fidelity.py --markdown # also print the tables of the README

Reads results/fidelity/{collectives,pairs}.csv, writes collectives.png and pairs.png next to them.
"""
import csv
import math
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fidelity")
MODELS = ["CM02", "LV08", "ns-3"]
UNITS = {"KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}


def size(text):
    for unit, factor in UNITS.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def rows(name):
    with open(os.path.join(HERE, name + ".csv"), newline="") as f:
        return list(csv.DictReader(f))


def num(r, key):
    v = r.get(key, "")
    return float(v) if v not in ("", None) else float("nan")


def collectives(markdown):
    data = rows("collectives")
    cases = list(dict.fromkeys(r["case"] for r in data))
    platforms = list(dict.fromkeys(r["platform_name"] for r in data))
    fig, axes = plt.subplots(3, len(cases), figsize=(5 * len(cases), 10), sharex=True, squeeze=False)
    for j, case in enumerate(cases):
        for i, (key, label) in enumerate([("closed_form_s", "closed form / CM02"), ("LV08.time_s", "LV08 / CM02"),
                                          ("ns-3.time_s", "ns-3 / CM02")]):
            ax = axes[i][j]
            for p in platforms:
                pts = sorted((size(r["bytes"]), num(r, key) / num(r, "CM02.time_s"))
                             for r in data if r["case"] == case and r["platform_name"] == p)
                ax.plot([x for x, _ in pts], [y for _, y in pts], "o-", ms=3, label=p)
            ax.axhline(1.0, color="k", lw=0.8)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log", base=2)
            ax.grid(alpha=0.3)
            if i == 0:
                ax.set_title(case)
            if j == 0:
                ax.set_ylabel(label)
            if i == 2:
                ax.set_xlabel("bytes")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Collectives: closed form, LV08 and ns-3 relative to CM02 (flow level)")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "collectives.png"), dpi=100)
    if not markdown:
        return
    print("\n### Collectives: time relative to CM02 (closed form / LV08 / ns-3)\n")
    sizes = list(dict.fromkeys(r["bytes"] for r in data))
    print("| platform | case | " + " | ".join(sizes) + " |")
    print("|---|---|" + "---|" * len(sizes))
    for p in platforms:
        for case in cases:
            cells = []
            for s in sizes:
                r = next(r for r in data if r["platform_name"] == p and r["case"] == case and r["bytes"] == s)
                cm = num(r, "CM02.time_s")
                cells.append(" / ".join(f"{num(r, k) / cm:.2f}" if not math.isnan(num(r, k)) else "-"
                                        for k in ("closed_form_s", "LV08.time_s", "ns-3.time_s")))
            print(f"| {p} | {case} | " + " | ".join(cells) + " |")
    wall = defaultdict(list)
    for r in data:
        for m in MODELS:
            if not math.isnan(num(r, m + ".wall_s")) and not math.isnan(num(r, m + ".time_s")):
                wall[(m, r["bytes"])].append(num(r, m + ".wall_s"))
    print("\n### Wall time per collective point (mean over platforms and cases, seconds)\n")
    print("| model | " + " | ".join(sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for m in MODELS:
        print(f"| {m} | " + " | ".join(f"{sum(wall[(m, s)]) / len(wall[(m, s)]):.3f}" for s in sizes) + " |")


def pairs(markdown):
    data = rows("pairs")
    interconnects = list(dict.fromkeys(r["interconnect"] for r in data))
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), squeeze=False)
    ax = axes[0][0]
    for ic in interconnects:
        pts = [(num(r, "CM02.baseline_s") / num(r, "CM02.fused_s"), num(r, "ns-3.baseline_s") / num(r, "ns-3.fused_s"))
               for r in data if r["interconnect"] == ic]
        ax.scatter([x for x, _ in pts], [y for _, y in pts], s=14, label=ic)
    lo, hi = 0.25, 8
    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
    ax.axhline(1, color="grey", lw=0.6)
    ax.axvline(1, color="grey", lw=0.6)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("speedup under CM02 (baseline / fused)")
    ax.set_ylabel("speedup under ns-3")
    ax.set_title("Is the fusion speedup preserved at packet level?")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax = axes[0][1]
    sizes = list(dict.fromkeys(r["bytes"] for r in data))
    for m in MODELS:
        ys = [sum(num(r, m + ".wall_s") for r in data if r["bytes"] == s) / sum(1 for r in data if r["bytes"] == s)
              for s in sizes]
        ax.plot([size(s) for s in sizes], ys, "o-", label=m)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("M (bytes)")
    ax.set_ylabel("wall time per point (s), baseline + fused")
    ax.set_title("What each model costs")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "pairs.png"), dpi=100)
    if not markdown:
        return
    print("\n### Pairs: speedup (baseline / fused) under CM02 / LV08 / ns-3\n")
    pair_names = list(dict.fromkeys(r["pair"] for r in data))
    print("| interconnect | M | " + " | ".join(p.upper() for p in pair_names) + " |")
    print("|---|---|" + "---|" * len(pair_names))
    for ic in interconnects:
        for s in sizes:
            cells = []
            for p in pair_names:
                r = next(r for r in data if r["interconnect"] == ic and r["pair"] == p and r["bytes"] == s)
                sp = [num(r, m + ".baseline_s") / num(r, m + ".fused_s") for m in MODELS]
                flag = "" if all((x > 1) == (sp[0] > 1) for x in sp if not math.isnan(x)) else " ✗"
                cells.append(" / ".join("-" if math.isnan(x) else f"{x:.2f}" for x in sp) + flag)
            print(f"| {ic} | {s} | " + " | ".join(cells) + " |")


def main():
    markdown = "--markdown" in sys.argv
    collectives(markdown)
    pairs(markdown)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Figures and speedup tables of the ISCA'25 fusion study from the sweep CSVs.

    /usr/bin/python3 results/plot_isca25.py            # all figures present
    /usr/bin/python3 results/plot_isca25.py --markdown # also print the speedup tables

Reads results/isca25/{synthetic,forward,backward,backward-pipeline,scaling,realmachine,iteration,
iteration-schedules}.csv (written by `chimera-sim sweep scenarios/isca25/<sweep>.toml`), writes the
PNGs next to them.
"""
import csv
import math
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "isca25")
PAIRS = ["tp+pp", "tp+sp", "tp+ep", "pp+ep", "pp+sp", "sp+ep"]


def rows(name):
    path = os.path.join(HERE, name + ".csv")
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def speedup_bars(ax, groups, series):
    """Grouped bars of speedups: one group per entry of `groups`, one bar per series (label -> values)."""
    width = 0.8 / len(series)
    for i, (label, ys) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(groups))], ys, width, label=label)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(groups))])
    ax.set_xticklabels(groups, fontsize=8)
    ax.set_ylabel("speedup (baseline / fused)")
    ax.grid(axis="y", alpha=0.3)


def markdown_table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def synthetic(markdown):
    data = rows("synthetic")
    if not data:
        return
    interconnects = list(dict.fromkeys(r["interconnect"] for r in data))
    fig, axes = plt.subplots(len(interconnects), len(PAIRS), figsize=(3.0 * len(PAIRS), 2.6 * len(interconnects)),
                             sharex=True, squeeze=False)
    table = defaultdict(dict)
    for i, ic in enumerate(interconnects):
        for j, pair in enumerate(PAIRS):
            pts = sorted((float(r["bytes"]), r) for r in data if r["interconnect"] == ic and r["pair"] == pair)
            ax = axes[i][j]
            if not pts:
                ax.set_visible(False)
                continue
            x = [p[0] for p in pts]
            ax.plot(x, [float(r["baseline_Bps"]) / 1e9 for _, r in pts], "o-", ms=3, label="baseline")
            ax.plot(x, [float(r["fused_Bps"]) / 1e9 for _, r in pts], "s-", ms=3, label="fused")
            ax.set_xscale("log", base=2)
            ax.grid(alpha=0.3)
            if i == 0:
                ax.set_title(pair.upper())
            if j == 0:
                ax.set_ylabel(f"{ic}\nGB/s (M / time)")
            if i == len(interconnects) - 1:
                ax.set_xlabel("M (bytes)")
            sp = [float(r["speedup"]) for _, r in pts]
            table[ic][pair] = (geomean(sp), min(sp), max(sp), float(pts[-1][1]["speedup"]))
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Synthetic fusion study: message bandwidth, baseline vs fused (chimera-sim, CM02 flow model)")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "synthetic.png"), dpi=110)
    if markdown:
        rows_out = []
        for ic in interconnects:
            cells = []
            for p in PAIRS:
                g, lo, hi, big = table[ic].get(p, (float("nan"),) * 4)
                cells.append(f"{g:.2f} [{lo:.2f}, {hi:.2f}] / {big:.2f}")
            rows_out.append([ic] + cells)
        markdown_table("Synthetic: speedup (baseline / fused), geometric mean over the 14 sizes [min, max], at 32 MiB",
                       ["interconnect"] + [p.upper() for p in PAIRS], rows_out)


def e2e(name, title, markdown):
    data = rows(name)
    if not data:
        return
    groups = list(dict.fromkeys(r["model_pair"] for r in data))
    interconnects = list(dict.fromkeys(r["interconnect"] for r in data))
    speed = {}
    for r in data:
        key = (r["model_pair"], r["interconnect"], r["engine.compute_barrier"])
        speed.setdefault(key, {})[r["workload.variant"]] = float(r["iteration_time_s"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), squeeze=False)
    for k, barrier in enumerate(["false", "true"]):
        ax = axes[0][k]
        series = {}
        for ic in interconnects:
            series[ic] = []
            for g in groups:
                v = speed.get((g, ic, barrier), {})
                series[ic].append(v["baseline"] / v["fused"] if "baseline" in v and "fused" in v else 0)
        speedup_bars(ax, groups, series)
        ax.set_title("chimera-sim engine" if barrier == "false" else "with the original's global compute barrier")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, name + ".png"), dpi=110)
    if markdown:
        print(f"\n### {title}: speedup (baseline / fused); latency baseline -> fused in ms\n")
        print("| model / pair | engine | " + " | ".join(interconnects) + " |")
        print("|---|---|" + "---|" * len(interconnects))
        for g in groups:
            for barrier in ["false", "true"]:
                cells = []
                for ic in interconnects:
                    v = speed.get((g, ic, barrier), {})
                    if "baseline" in v and "fused" in v:
                        cells.append(f"{v['baseline'] / v['fused']:.3f} ({v['baseline'] * 1e3:.3f} -> {v['fused'] * 1e3:.3f})")
                    else:
                        cells.append("-")
                engine = "streams" if barrier == "false" else "compat barrier"
                print(f"| {g} | {engine} | " + " | ".join(cells) + " |")


def realmachine(markdown):
    data = rows("realmachine")
    if not data:
        return
    machines = list(dict.fromkeys(r["machine"] for r in data))
    speed = {(r["machine"], r["pair"]): r for r in data}
    fig, ax = plt.subplots(figsize=(11, 4))
    speedup_bars(ax, [p.upper() for p in PAIRS],
                 {m: [float(speed[(m, p)]["speedup"]) if (m, p) in speed else 0 for p in PAIRS] for m in machines})
    ax.legend(fontsize=8)
    fig.suptitle("Real-machine pair micro-benchmarks (Real_Perf tensor sizes), simulated")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "realmachine.png"), dpi=110)
    if markdown:
        rows_out = []
        for m in machines:
            cells = []
            for p in PAIRS:
                r = speed.get((m, p))
                cells.append("-" if r is None else
                             f"{float(r['speedup']):.2f} ({float(r['baseline_s']) * 1e3:.1f} -> {float(r['fused_s']) * 1e3:.1f})")
            rows_out.append([m] + cells)
        markdown_table("Real-machine micro-benchmarks: speedup (baseline / fused); time baseline -> fused in ms",
                       ["machine"] + [p.upper() for p in PAIRS], rows_out)


def iteration_schedules(markdown):
    data = rows("iteration-schedules")
    if not data:
        return
    interconnects = list(dict.fromkeys(r["interconnect"] for r in data))
    kinds = list(dict.fromkeys(r["schedule.kind"] for r in data))
    by = {(r["interconnect"], r["schedule.kind"], r["parallel.sequence_parallel"]): r for r in data}
    fig, ax = plt.subplots(figsize=(9, 4))
    speedup_bars(ax, interconnects,
                 {k: [float(by[(ic, k, "false")]["iteration_time_s"]) / float(by[(ic, k, "true")]["iteration_time_s"])
                      for ic in interconnects] for k in kinds})
    ax.legend(fontsize=8)
    fig.suptitle("GPT-2 medium training iteration (TP 2 x pipeline), baseline vs fused TP communication")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "iteration-schedules.png"), dpi=110)
    if markdown:
        print("\n### Training iteration under four schedules: baseline -> fused (ms); mean compute busy and exposed communication per rank\n")
        print("| interconnect | schedule | iteration | speedup | compute busy | exposed comm | of which waiting | peak memory (GiB) |")
        print("|---|---|---|---|---|---|---|---|")
        ms = lambda r, k: float(r[k]) * 1e3
        for ic in interconnects:
            for k in kinds:
                b, f = by[(ic, k, "false")], by[(ic, k, "true")]
                print(f"| {ic} | {k} | {ms(b, 'iteration_time_s'):.1f} -> {ms(f, 'iteration_time_s'):.1f} | "
                      f"{float(b['iteration_time_s']) / float(f['iteration_time_s']):.3f} | "
                      f"{ms(b, 'mean_compute_busy_s'):.1f} -> {ms(f, 'mean_compute_busy_s'):.1f} | "
                      f"{ms(b, 'mean_exposed_comm_s'):.1f} -> {ms(f, 'mean_exposed_comm_s'):.1f} | "
                      f"{ms(b, 'mean_peer_wait_s'):.1f} -> {ms(f, 'mean_peer_wait_s'):.1f} | "
                      f"{float(b['peak_memory_bytes']) / 2**30:.2f} -> {float(f['peak_memory_bytes']) / 2**30:.2f} |")


def iteration(markdown):
    """The six pairs in training iterations: speedup per case and interconnect, and where it comes from."""
    data = rows("iteration")
    if not data:
        return
    interconnects = list(dict.fromkeys(r["interconnect"] for r in data))
    cases = list(dict.fromkeys(r["case"] for r in data))
    by = {(r["interconnect"], r["case"], r["fusion.variant"]): r for r in data}
    ms = lambda r, k: float(r[k]) * 1e3
    network = lambda r: ms(r, "mean_exposed_comm_s") - ms(r, "mean_peer_wait_s")
    fig, ax = plt.subplots(figsize=(14, 4.5))
    speedup_bars(ax, cases,
                 {ic: [float(by[(ic, c, "baseline")]["iteration_time_s"]) / float(by[(ic, c, "fused")]["iteration_time_s"])
                       for c in cases] for ic in interconnects})
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax.set_ylim(0.95, None)
    ax.legend(fontsize=7, ncol=3)
    fig.suptitle("The six fusion pairs in training iterations (8 GPUs, 1F1B, 8 micro-batches): speedup baseline / fused")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "iteration.png"), dpi=110)
    if markdown:
        print("\n### The six pairs in training iterations: baseline -> fused; where the time went (ms, per-rank means)\n")
        print("| case | interconnect | iteration (ms) | speedup | compute busy | network (exposed, not waiting) | waiting for peers | bytes sent (GiB) |")
        print("|---|---|---|---|---|---|---|---|")
        for c in cases:
            for ic in interconnects:
                b, f = by[(ic, c, "baseline")], by[(ic, c, "fused")]
                print(f"| {c} | {ic} | {ms(b, 'iteration_time_s'):.1f} -> {ms(f, 'iteration_time_s'):.1f} | "
                      f"{float(b['iteration_time_s']) / float(f['iteration_time_s']):.3f} | "
                      f"{ms(b, 'mean_compute_busy_s'):.1f} -> {ms(f, 'mean_compute_busy_s'):.1f} | "
                      f"{network(b):.1f} -> {network(f):.1f} | "
                      f"{ms(b, 'mean_peer_wait_s'):.1f} -> {ms(f, 'mean_peer_wait_s'):.1f} | "
                      f"{float(b['bytes_sent']) / 2**30:.2f} -> {float(f['bytes_sent']) / 2**30:.2f} |")


def main():
    markdown = "--markdown" in sys.argv
    synthetic(markdown)
    e2e("forward", "Forward (Fig. 11)", markdown)
    e2e("backward", "Backward (Fig. 11a)", markdown)
    e2e("backward-pipeline", "Backward-Pipeline (Fig. 11b)", markdown)
    e2e("scaling", "Forward, 64-device interconnects (scaling)", markdown)
    realmachine(markdown)
    iteration(markdown)
    iteration_schedules(markdown)


if __name__ == "__main__":
    main()

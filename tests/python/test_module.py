#!/usr/bin/env python3
"""The Python module against the binary: the same scenario gives the same dict as `run --json`;
overrides act like editing the file; sweep rows are the CSV's; bad input raises ValueError.
Usage (ctest does this): PYTHONPATH=build/python python3 tests/python/test_module.py build/chimera-sim"""
import json
import subprocess
import sys

import chimera_sim

binary = sys.argv[1]


def cli_json(*args):
    out = subprocess.run([binary, *args, "--json", "--quiet"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAILED:", what, file=sys.stderr)


# run: the same report, bit for bit (the version string aside, both are this build).
py = chimera_sim.run("scenarios/default.toml")
cli = cli_json("run", "scenarios/default.toml")
check(py["iteration_time_s"] == cli["iteration_time_s"], "run: iteration_time_s equals run --json")
check(py == cli, "run: the whole dict equals run --json")

# Overrides: tp 4 on the default scenario is the same as a file saying tp = 4.
text = open("scenarios/default.toml").read()
tp4_text = text.replace("tp = 8", "tp = 4")
check(tp4_text != text, "the default scenario says tp = 8")
over = chimera_sim.run("scenarios/default.toml", overrides={"parallel.tp": 4})
from_text = chimera_sim.run(tp4_text.replace('kind = "nvswitch"', 'kind = "nvswitch"'))
check(over["inputs"]["parallel"]["tp"] == 4, "override parallel.tp = 4 applies")
check(over["iteration_time_s"] == from_text["iteration_time_s"], "override equals the edited TOML text")

# Bad input: ValueError with the one-line message.
try:
    chimera_sim.run("scenarios/default.toml", overrides={"parallel.tp": 3})
    check(False, "tp = 3 on 8 GPUs raises")
except ValueError as e:
    check("tp" in str(e), "the error names the key: " + str(e))

# sweep: one row per point with the sweep's columns.
rows = chimera_sim.sweep("tests/data/fidelity/collectives.toml")
check(len(rows) == 2, "two sweep points")
check([r["case"] for r in rows] == ["p2p", "ring8"], "axis labels in point order")
ring = cli_json("collective", "--op", "allreduce", "--algo", "ring", "--ranks", "0-7",
                "--platform", "tests/data/star8-50GBps-1us.xml", "--sizes", "1MiB")
check(rows[1]["time_s"] == ring["rows"][0]["time_s"], "sweep row time equals collective --json")

# collective and gemm: the command's JSON.
c = chimera_sim.collective("allreduce", "0-7", "tests/data/star8-50GBps-1us.xml", sizes="1MiB", algorithm="ring")
check(c["rows"][0]["time_s"] == ring["rows"][0]["time_s"], "collective equals collective --json")
check(c["resolved_algorithm"] == "ring", "collective says the algorithm that ran")
g = chimera_sim.gemm("h100", 4096, 4096, 4096)
check(g["flops"] == 2 * 4096 ** 3, "gemm FLOPs = 2 m n k")
gc = cli_json("gemm", "--preset", "h100", "--m", "4096", "--n", "4096", "--k", "4096")
check(abs(g["seconds"] - gc["seconds"]) <= 1e-12 * gc["seconds"], "gemm seconds equal gemm --json: %r vs %r" % (g["seconds"], gc.get("seconds")))

sys.exit(1 if failures else 0)

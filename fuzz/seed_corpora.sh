#!/bin/sh
# Writes the seed corpus of every fuzz target into OUT/<target>/ from the inputs the repository
# already holds (scenarios/, platforms/, tests/data/, compute/presets/, workloads/models/), so
# no seed is duplicated in git. Rewritten from scratch on every call.
#   fuzz/seed_corpora.sh SOURCE_DIR OUT
set -eu
SRC=$1
OUT=$2
rm -rf "$OUT"
for t in scenario sweep reference_csv schedule hardware_preset metis_hostfile metis_cluster metis_profile platform_xml nccl_tests; do
  mkdir -p "$OUT/$t"
done

# copy DIR FILE...: each file under a name that keeps its path readable.
copy() {
  dir=$1
  shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "$OUT/$dir/$(echo "${f#"$SRC"/}" | tr '/' '_')"
  done
}

# Scenarios, and scenarios whose [model] is a zoo model written out as explicit shape keys.
# Not scenarios/scale/: their thousands of generated GPUs take seconds per parse under the
# fuzz build's sanitizers, and every mutation of them as long; smaller clusters cover the same keys.
copy scenario "$SRC"/scenarios/*.toml $(ls "$SRC"/scenarios/*/*.toml | grep -v '/scenarios/scale/')
for m in "$SRC"/workloads/models/*.toml; do
  {
    echo 'schema = 1'
    echo '[model]'
    grep -v -E '^(name|description|source) *=' "$m"
    sed -n '/^\[parallel\]/,$p' "$SRC/scenarios/default.toml"
  } >"$OUT/scenario/model_$(basename "$m")"
done

# Sweeps of every kind.
copy sweep "$SRC"/scenarios/fidelity/*.toml "$SRC"/tests/data/fidelity/*.toml
cat >"$OUT/sweep/run.toml" <<'TOML'
schema = 1
kind = "run"
output = "run.csv"
[fixed]
scenario = "../default.toml"
[axes]
"parallel.tp" = [2, 4, 8]
"model.micro_batch" = [1, 4]
TOML

# nccl-tests output for fuzz/nccl_tests.cpp.
copy nccl_tests "$SRC"/tests/data/nccl-tests/*.txt
# Reference CSVs for the three sweeps of fuzz/reference_csv.cpp.
copy reference_csv "$SRC"/tests/data/fidelity/*.csv
printf 'interconnect,pair,bytes,variant,time_s\nmesh2d-5x5,tp+pp,4KiB,baseline,1.2e-06\nmesh2d-5x5,tp+pp,4096,fused,9.4e-07\n' \
  >"$OUT/reference_csv/fusion.csv"
printf '# cycles\ninterconnect,pair,bytes,variant,time_cycles,clock_ghz\ntorus2d-4x4,sp+ep,1MiB,fused,48337,2.0\n' \
  >"$OUT/reference_csv/fusion-cycles.csv"
printf 'time_s\n0.125\n' >"$OUT/reference_csv/single.csv"

# Pipeline schedules: the pipelined scenarios, and one small table per kind.
copy schedule "$SRC"/scenarios/pipeline/*.toml
for k in gpipe 1f1b zb-h1 gems pipedream pipedream-2bw; do
  printf '[parallel]\npp = 4\nmicro_batches = 8\n[schedule]\nkind = "%s"\nrecompute = true\noptimizer = "sgd"\n' "$k" \
    >"$OUT/schedule/$k.toml"
done
printf '[parallel]\npp = 4\nmicro_batches = 8\n[schedule]\nkind = "interleaved"\nchunks = 3\n[model]\nname = "gpt2-64"\n' \
  >"$OUT/schedule/interleaved.toml"
printf '[parallel]\npp = 8\nmicro_batches = 32\n[schedule]\nkind = "chimera"\npipes_per_direction = 2\nextend = "concat"\n' \
  >"$OUT/schedule/chimera-f2.toml"
printf '[parallel]\npp = 4\nmicro_batches = 16\n[schedule]\nkind = "chimera"\nextend = "doubling"\n' \
  >"$OUT/schedule/chimera-doubling.toml"

copy hardware_preset "$SRC"/compute/presets/*.toml

copy metis_hostfile "$SRC"/tests/data/metis/hostfiles/*
copy metis_cluster "$SRC"/tests/data/metis/clusterfile.json
# Profiles: the file name on the first line, then its JSON (fuzz/metis_profile.cpp).
for f in "$SRC"/tests/data/metis/layers10/*.json "$SRC"/tests/data/metis/layers20/*.json; do
  { basename "$f"; cat "$f"; } >"$OUT/metis_profile/$(basename "$(dirname "$f")")_$(basename "$f")"
done

# Platforms up to 64 KiB (a larger one costs a second per load), but not the 5760-node
# dragonfly, whose load outlasts fuzz/platform_xml.cpp's time per input.
for f in "$SRC"/platforms/*.xml "$SRC"/platforms/*/*.xml "$SRC"/platforms/*/*/*.xml "$SRC"/tests/data/*.xml; do
  [ -f "$f" ] && [ "$(wc -c <"$f")" -le 65536 ] && [ "$(basename "$f")" != piz-daint.xml ] && copy platform_xml "$f"
done
exit 0

#!/usr/bin/env bash
# Mutation smoke test: flips a handful of key constants and operators (the table below), one at a
# time, rebuilds incrementally, runs the tests that should notice, restores the file and reports
# whether the suite failed. Every mutation must be killed; one that survives marks a missing test.
#
#   scripts/mutation-smoke.sh [BUILD_DIR]          # default build; prints a Markdown table
#   MUTATIONS=3,7 scripts/mutation-smoke.sh        # only rows 3 and 7
#
# Files are restored on exit, also when interrupted (trap); the build is refreshed at the end so
# that it matches the sources again. Exit code: 0 when every mutation was killed, 1 otherwise,
# 2 when the table is wrong (a pattern not found exactly once) or a mutant does not compile.
#
# To retarget a site, edit its row: file, the exact text to replace (must occur exactly once in
# the file), the replacement, and a ctest regex of the tests expected to kill it (`.` runs all).
# Fields are separated by " @@ ".
set -u

MUTATIONS_TABLE=$(cat <<'EOF'
compute/systolic.cpp @@ f.fold_cycles = f.temporal + r + c - 2; @@ f.fold_cycles = f.temporal + r + c - 1; @@ unit:|e2e:.*(gemm|layer|isca25|schedule kind)
compute/systolic_gemm.cpp @@ g.compute_cycles = g.waves * g.mapping.fold_cycles - 1; @@ g.compute_cycles = g.waves * g.mapping.fold_cycles; @@ unit:|e2e:.*(gemm|layer|isca25|schedule kind)
collectives/ring.cpp @@ ring_rounds(c, c.group.ranks, 2 * (n - 1), chunk, n - 1, bidirectional); @@ ring_rounds(c, c.group.ranks, 2 * n - 1, chunk, n - 1, bidirectional); @@ e2e:.*(ring|algorithm|collective|fusion|fidelity)
collectives/ring.cpp @@ const double chunk = c.bytes / n; @@ const double chunk = c.bytes / (n - 1); @@ e2e:.*(ring|algorithm|collective|fusion|fidelity|volume)
collectives/closed_form.cpp @@ case K::all_reduce: return rings(2 * (n - 1), M / n); @@ case K::all_reduce: return rings(2 * n - 1, M / n); @@ unit:|e2e:.*fidelity
collectives/hierarchical.cpp @@ auto across_rs = [&] { ring_rounds(c, across, N - 1, M / L / N, N - 1); }; @@ auto across_rs = [&] { ring_rounds(c, across, N - 1, M / N, N - 1); }; @@ e2e:.*(hierarchical|collective)
collectives/comm_context.cpp @@ end = std::max(end, now + seconds + 1e-9); @@ end = std::max(end, now + seconds); @@ unit:.*barrier|e2e:.*isca25
collectives/comm_context.cpp @@ if (now >= end || now == start) return; @@ if (now >= end) return; @@ unit:.*barrier|e2e:.*isca25
workloads/schedules/gpipe_1f1b.cpp @@ const int warmup = std::min(D - 1 - w, N); @@ const int warmup = std::min(D - w, N); @@ unit:.*(1f1b|schedule|peak)|e2e:.*(schedule|1f1b)
workloads/schedules/chimera.cpp @@ const int a = w < h ? h - w : w - h + 1, b = h - a; @@ const int a = w < h ? h - w : w - h, b = h - a; @@ unit:.*(chimera|schedule)|e2e:.*(chimera|schedule)
workloads/fusion_pairs.cpp @@ b.collective("ep.alltoall", CollectiveKind::all_to_all, S, M * k * G / (N * N)); @@ b.collective("ep.alltoall", CollectiveKind::all_to_all, S, M * k * G / N); @@ e2e:.*(TP\+EP|fusion)
workloads/isca25_gpt.cpp @@ OpIndex g = coll("tp.allgather", K::all_gather, P, l, -1, {x}); @@ OpIndex g = coll("tp.allgather", K::all_gather, P / 2, l, -1, {x}); @@ e2e:.*isca25
EOF
)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
WORK=$(mktemp -d /tmp/mutation-smoke.XXXXXX)
CURRENT=""  # file under mutation, restored by the trap

restore() {
  if [ -n "$CURRENT" ] && [ -f "$WORK/original" ]; then
    cp "$WORK/original" "$ROOT/$CURRENT"  # a fresh mtime, so that the next build recompiles it
    echo "mutation-smoke: restored $CURRENT" >&2
  fi
  CURRENT=""
}
on_exit() {
  restore
  rm -rf "$WORK"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

build() { cmake --build "$BUILD" -j 2 --target chimera-sim unit_tests e2e_tests >"$WORK/build.log" 2>&1; }

# Replaces the only occurrence of $2 by $3 in file $1; prints the line number, fails otherwise.
mutate() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{path}: pattern found {text.count(old)} times (needs exactly 1): {old}")
line = text[: text.index(old)].count("\n") + 1
open(path, "w").write(text.replace(old, new))
print(line)
PY
}

if ! build; then
  echo "mutation-smoke: the unmutated tree does not build (see $WORK/build.log)" >&2
  cat "$WORK/build.log" >&2
  exit 2
fi

status=0
rows=()
index=0
while IFS= read -r row; do
  [ -z "$row" ] && continue
  index=$((index + 1))
  if [ -n "${MUTATIONS:-}" ] && ! echo ",$MUTATIONS," | grep -q ",$index,"; then continue; fi
  file=$(echo "$row" | awk -F ' @@ ' '{print $1}')
  old=$(echo "$row" | awk -F ' @@ ' '{print $2}')
  new=$(echo "$row" | awk -F ' @@ ' '{print $3}')
  tests=$(echo "$row" | awk -F ' @@ ' '{print $4}')

  cp -p "$ROOT/$file" "$WORK/original"
  CURRENT=$file
  if ! line=$(mutate "$ROOT/$file" "$old" "$new"); then
    restore
    exit 2
  fi
  echo "mutation-smoke: [$index] $file:$line" >&2
  if ! build; then
    echo "mutation-smoke: mutant $index does not compile; pick another site" >&2
    tail -20 "$WORK/build.log" >&2
    restore
    exit 2
  fi
  ctest --test-dir "$BUILD" -j 2 -R "$tests" >"$WORK/ctest.log" 2>&1
  ran=$(grep -Eo 'tests failed out of [0-9]+' "$WORK/ctest.log" | grep -Eo '[0-9]+$')
  failed=$(sed -n '/The following tests FAILED:/,$p' "$WORK/ctest.log" | grep -E '^\s+[0-9]+ - ' |
             sed -E 's/^\s+[0-9]+ - (.*) \((Failed|SEGFAULT|Timeout|Subprocess aborted|Exception|Not Run)\)$/\1/' |
             head -3 | paste -sd ';' | sed 's/;/; /g')
  restore
  if [ -n "$failed" ]; then
    rows+=("| \`$old\` -> \`$new\` | $file:$line | yes | $failed |")
  else
    rows+=("| \`$old\` -> \`$new\` | $file:$line | **no** | (${ran:-0} tests ran, none failed) |")
    status=1
  fi
done <<<"$MUTATIONS_TABLE"

echo "mutation-smoke: rebuilding the restored tree" >&2
build || { echo "mutation-smoke: the restored tree does not build" >&2; status=2; }

echo "| mutation | file:line | killed | by (first failing tests) |"
echo "|---|---|---|---|"
for r in "${rows[@]}"; do echo "$r"; done
exit $status

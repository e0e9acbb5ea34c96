#!/bin/sh
# Runs fuzz targets one after the other and fails if any finds a crash, a hang, a leak or a
# sanitizer report (fuzz/README.md).
#   fuzz/run.sh BUILD_DIR SECONDS RUNS TARGET...
# Each target runs until SECONDS have passed or RUNS inputs were tried (RUNS = -1: no limit).
# Under BUILD_DIR: fuzz-seeds/ (rewritten from the repository's inputs on every call),
# fuzz-corpus/<target>/ (what libFuzzer found interesting, kept between calls),
# fuzz-artifacts/<target>/ (crashing inputs), fuzz-logs/<target>.log. FUZZ_TIMEOUT: seconds one
# input may take (default 10; more on a loaded machine, where wall time is not CPU time).
set -u
BUILD=$1
SECONDS_PER_TARGET=$2
RUNS=$3
shift 3
SRC=$(cd "$(dirname "$0")/.." && pwd)

# FUZZ_KEEP_SEEDS=1: the seeds are already written (runs side by side must not rewrite them
# under each other).
[ "${FUZZ_KEEP_SEEDS:-0}" = 1 ] || "$SRC/fuzz/seed_corpora.sh" "$SRC" "$BUILD/fuzz-seeds"
mkdir -p "$BUILD/fuzz-logs"
failed=""
printf '%-16s %12s %8s %10s  %s\n' target executions wall_s exec/s result
for t in "$@"; do
  bin="$BUILD/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz/run.sh: no target $bin (build with make fuzz-build)" >&2
    exit 2
  fi
  case $t in
    scenario | sweep | schedule | hardware_preset) dict=toml.dict ;;
    platform_xml) dict=xml.dict ;;
    reference_csv) dict=csv.dict ;;
    metis_*) dict=metis.dict ;;
    *) dict="" ;;
  esac
  extra=""
  # A platform input is loaded by SimGrid in a child process: keep inputs to seed size.
  [ "$t" = platform_xml ] && extra="-max_len=65536"
  mkdir -p "$BUILD/fuzz-corpus/$t" "$BUILD/fuzz-artifacts/$t"
  log="$BUILD/fuzz-logs/$t.log"
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$SECONDS_PER_TARGET" -runs="$RUNS" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
    -use_value_profile=1 -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t/" ${dict:+-dict="$SRC/fuzz/$dict"} $extra \
    "$BUILD/fuzz-corpus/$t" "$BUILD/fuzz-seeds/$t" >"$log" 2>&1
  rc=$?
  wall=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc)"
    failed="$failed $t"
  fi
  printf '%-16s %12s %8s %10s  %s\n' "$t" "${execs:-?}" "$wall" "${rate:-?}" "$result"
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log" | sed 's/^/    /'
    echo "    log: $log; inputs: $(ls "$BUILD/fuzz-artifacts/$t" | tr '\n' ' ')"
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: findings in:$failed" >&2
  exit 1
fi

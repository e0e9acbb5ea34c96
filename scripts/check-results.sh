#!/bin/sh
# Re-runs every committed study sweep into a temporary folder and compares the CSVs with the
# committed ones (results/*/*.csv): "same" or "DIFFERS". A change that is meant to alter results
# regenerates them (rerun the sweep without --output) and says why in its commit.
#   scripts/check-results.sh [build/chimera-sim] [sweep files...]
set -u
BIN=${1:-build/chimera-sim}
[ $# -gt 0 ] && shift
SWEEPS=${*:-"scenarios/isca25/synthetic.toml scenarios/isca25/e2e-forward.toml scenarios/isca25/e2e-backward.toml
scenarios/isca25/e2e-backward-pipeline.toml scenarios/isca25/e2e-scaling.toml scenarios/isca25/realmachine.toml
scenarios/isca25/e2e-iteration.toml scenarios/isca25/e2e-iteration-pairs.toml scenarios/sc21/bert48.toml scenarios/sc21/gpt2.toml"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for sweep in $SWEEPS; do
  out=$(sed -n 's/^output *= *"\(.*\)"/\1/p' "$sweep")
  committed=$(cd "$(dirname "$sweep")" && realpath -m "$out")
  name=$(basename "$sweep" .toml)
  if ! "$BIN" sweep "$sweep" -j 2 --output "$tmp/$name.csv" >/dev/null 2>"$tmp/$name.err"; then
    echo "FAILED   $sweep (see below)"; cat "$tmp/$name.err"; status=1; continue
  fi
  if cmp -s "$tmp/$name.csv" "$committed"; then echo "same     $sweep"
  else echo "DIFFERS  $sweep -> $committed"; status=1; fi
done
exit $status

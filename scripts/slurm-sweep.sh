#!/bin/bash
# A sharded sweep on a SLURM cluster: one array task per shard, then one merge job.
#
#   scripts/slurm-sweep.sh SWEEP.toml SHARDS [OUT.csv]
#
# submits an array of SHARDS tasks (task i runs `chimera-sim sweep SWEEP --shard i/SHARDS`,
# writing OUT.shard-i.csv; each task is resumable: a requeued task skips the points it finished)
# and a merge job that starts when every task succeeded (`sweep merge` checks that the shards
# form the whole sweep). Run from the repository root after `make`. Cores per task: the sweep's
# points run in parallel processes, -j = SLURM_CPUS_PER_TASK (default 4 here).
#
# Without SLURM (a dry run that prints the commands): SLURM_DRY_RUN=1 scripts/slurm-sweep.sh ...
set -euo pipefail

if [ $# -lt 2 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
SWEEP=$1
SHARDS=$2
OUT=${3:-${SWEEP%.toml}.csv}
BIN=${CHIMERA_BIN:-build/chimera-sim}
CPUS=${CPUS_PER_TASK:-4}
LAST=$((SHARDS - 1))
BASE=${OUT%.csv}

shard_cmd='"'"$BIN"'" sweep "'"$SWEEP"'" -j "${SLURM_CPUS_PER_TASK:-1}" --shard "${SLURM_ARRAY_TASK_ID}/'"$SHARDS"'" --output "'"$BASE"'.shard-${SLURM_ARRAY_TASK_ID}.csv"'
parts=""
for i in $(seq 0 "$LAST"); do parts="$parts \"$BASE.shard-$i.csv\""; done
merge_cmd="\"$BIN\" sweep merge -o \"$OUT\"$parts"

if [ -n "${SLURM_DRY_RUN:-}" ]; then
  for i in $(seq 0 "$LAST"); do
    echo "$shard_cmd" | sed "s/\${SLURM_ARRAY_TASK_ID}/$i/g; s/\${SLURM_CPUS_PER_TASK:-1}/$CPUS/"
  done
  echo "$merge_cmd"
  exit 0
fi

array=$(sbatch --parsable --job-name=chimera-sweep --array="0-$LAST" --cpus-per-task="$CPUS" --requeue \
  --output="$BASE.shard-%a.log" --wrap="$shard_cmd")
sbatch --parsable --job-name=chimera-merge --dependency="afterok:$array" --output="$BASE.merge.log" --wrap="$merge_cmd"
echo "submitted array $array ($SHARDS shards) and its merge into $OUT" >&2

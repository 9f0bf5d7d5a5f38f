#!/bin/bash
# A sweep as a Slurm job array: one shard per array task, then one merge.
#
#   sbatch --array=0-7 tools/scale-out/slurm-sweep.sh data/examples/sweep_grid.yaml out
#   (when every task has finished)
#   ./simulation_worker sweep merge --out out/sweep.csv out/shard-*.csv
#
# Or chain the merge:  jid=$(sbatch --parsable --array=0-7 tools/scale-out/slurm-sweep.sh GRID out)
#                      sbatch --dependency=afterok:$jid --wrap "./simulation_worker sweep merge --out out/sweep.csv out/shard-*.csv"
# A task that was preempted or timed out is resubmitted as is: --resume
# continues its shard from out/shard-I.csv.partial.
#SBATCH --job-name=blis-sweep
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
#SBATCH --output=blis-sweep-%A_%a.log
set -euo pipefail
grid=${1:?usage: slurm-sweep.sh GRID.yaml OUTDIR}
out=${2:?usage: slurm-sweep.sh GRID.yaml OUTDIR}
mkdir -p "$out"
exec ./simulation_worker sweep --grid "$grid" \
    --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" \
    --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet --resume \
    --out "$out/shard-${SLURM_ARRAY_TASK_ID}.csv"

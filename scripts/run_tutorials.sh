#!/usr/bin/env bash
# Executes every tutorial notebook top to bottom with small parameters (quick=True), through
# papermill, on the JAX backend (override with KERAS_BACKEND). Fails on the first notebook that
# raises; prints the wall time of each. Executed notebooks go to a temporary folder, never into
# the repository.
#
#   bash scripts/run_tutorials.sh                    # all notebooks, quick=True, JAX
#   bash scripts/run_tutorials.sh 01 04              # only the notebooks whose names start so
#   KERAS_BACKEND=torch bash scripts/run_tutorials.sh
#   QUICK=False bash scripts/run_tutorials.sh 02     # the default (full) settings
#   OUT_DIR=/tmp/executed bash scripts/run_tutorials.sh   # keep the executed notebooks there
set -euo pipefail
cd "$(dirname "$0")/.."

export KERAS_BACKEND="${KERAS_BACKEND:-jax}"
export PYTHONUNBUFFERED=1
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
quick="${QUICK:-True}"
out_dir="${OUT_DIR:-$(mktemp -d -t keras_gan_tutorials.XXXXXX)}"
mkdir -p "$out_dir"

notebooks=()
if [ $# -eq 0 ]; then
  notebooks=(tutorials/[0-9][0-9]_*.ipynb)
else
  for prefix in "$@"; do
    notebooks+=(tutorials/"$prefix"*.ipynb)
  done
fi

echo "== executing ${#notebooks[@]} notebooks on $KERAS_BACKEND with quick=$quick into $out_dir"
total_start=$(date +%s)
summary=""
for notebook in "${notebooks[@]}"; do
  [ -f "$notebook" ] || { echo "no such notebook: $notebook"; exit 1; }
  name=$(basename "$notebook")
  start=$(date +%s)
  # --cwd tutorials: relative paths inside a notebook resolve as in Jupyter. /usr/bin/time also
  # records the CPU seconds of papermill and its kernel: on a shared machine they say more
  # about the cost than the wall time does.
  timing=()
  [ -x /usr/bin/time ] && timing=(/usr/bin/time -f "%U %S" -o "$out_dir/${name%.ipynb}.cpu")
  if ! "${timing[@]}" papermill "$notebook" "$out_dir/$name" -p quick "$quick" -k python3 \
      --cwd tutorials --no-progress-bar --log-level WARNING; then
    echo "== FAILED: $name after $(( $(date +%s) - start )) s (executed copy: $out_dir/$name)"
    exit 1
  fi
  seconds=$(( $(date +%s) - start ))
  cpu="n/a"
  if [ -f "$out_dir/${name%.ipynb}.cpu" ]; then
    cpu=$(awk 'END {printf "%.0f", $1 + $2}' "$out_dir/${name%.ipynb}.cpu")
  fi
  echo "== $name: ${seconds} s wall, ${cpu} s CPU"
  summary="$summary$(printf '%-40s %5d s wall %6s s CPU' "$name" "$seconds" "$cpu")\n"
done
echo "== per-notebook times (KERAS_BACKEND=$KERAS_BACKEND, quick=$quick)"
printf "%b" "$summary"
echo "== total: $(( $(date +%s) - total_start )) s"

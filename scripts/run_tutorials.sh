#!/usr/bin/env bash
# Executes every tutorial notebook top to bottom with small parameters (quick=True), through
# papermill, on the JAX backend (override with KERAS_BACKEND), two at a time (TUTORIAL_JOBS).
# Fails when any notebook raises (the tail of its log is printed); prints the wall time of each.
# Executed notebooks go to a temporary folder, never into the repository.
#
#   bash scripts/run_tutorials.sh                    # all notebooks, quick=True, JAX
#   bash scripts/run_tutorials.sh 01 04              # only the notebooks whose names start so
#   KERAS_BACKEND=torch bash scripts/run_tutorials.sh
#   QUICK=False bash scripts/run_tutorials.sh 02     # the default (full) settings
#   OUT_DIR=/tmp/executed bash scripts/run_tutorials.sh   # keep the executed notebooks there
#   TUTORIAL_JOBS=1 bash scripts/run_tutorials.sh         # one notebook at a time
set -euo pipefail
cd "$(dirname "$0")/.."

export KERAS_BACKEND="${KERAS_BACKEND:-jax}"
# The notebooks draw inline: a backend forced from outside (CI exports MPLBACKEND=Agg for the
# tests) would leave every executed notebook, and so every docs page, without a figure.
unset MPLBACKEND
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

jobs="${TUTORIAL_JOBS:-2}"
echo "== executing ${#notebooks[@]} notebooks on $KERAS_BACKEND with quick=$quick into $out_dir, $jobs at a time"
for notebook in "${notebooks[@]}"; do
  [ -f "$notebook" ] || { echo "no such notebook: $notebook"; exit 1; }
done

# One notebook: papermill in its own kernel; writes "<seconds> <cpu seconds> <exit code>" beside
# the executed copy. --cwd tutorials: relative paths inside a notebook resolve as in Jupyter.
# /usr/bin/time also records the CPU seconds of papermill and its kernel: on a shared machine they
# say more about the cost than the wall time does.
run_one() {
  local notebook=$1 name stem start code cpu="n/a"
  name=$(basename "$notebook"); stem="$out_dir/${name%.ipynb}"
  start=$(date +%s)
  local timing=()
  [ -x /usr/bin/time ] && timing=(/usr/bin/time -f "%U %S" -o "$stem.cpu")
  "${timing[@]}" papermill "$notebook" "$out_dir/$name" -p quick "$quick" -k python3 \
    --cwd tutorials --no-progress-bar --log-level WARNING > "$stem.log" 2>&1
  code=$?
  [ -f "$stem.cpu" ] && cpu=$(awk 'END {printf "%.0f", $1 + $2}' "$stem.cpu")
  echo "$(( $(date +%s) - start )) $cpu $code" > "$stem.result"
  if [ "$code" -eq 0 ]; then
    echo "== $name: $(( $(date +%s) - start )) s wall, $cpu s CPU"
  else
    echo "== FAILED: $name after $(( $(date +%s) - start )) s (executed copy: $out_dir/$name)"
    tail -n 40 "$stem.log"
  fi
  return "$code"
}
export -f run_one
export out_dir quick

# Two notebooks at a time on 2 cores: each kernel spends much of its time compiling on one core.
total_start=$(date +%s)
status=0
printf '%s\0' "${notebooks[@]}" | xargs -0 -n 1 -P "$jobs" bash -c 'run_one "$0"' || status=$?

echo "== per-notebook times (KERAS_BACKEND=$KERAS_BACKEND, quick=$quick, $jobs at a time)"
failed=0
for notebook in "${notebooks[@]}"; do
  name=$(basename "$notebook"); stem="$out_dir/${name%.ipynb}"
  read -r seconds cpu code < "$stem.result" 2>/dev/null || { seconds=0; cpu="n/a"; code="not run"; }
  [ "$code" != "0" ] && failed=$((failed + 1))
  printf '%-40s %5d s wall %6s s CPU%s\n' "$name" "$seconds" "$cpu" \
    "$([ "$code" != "0" ] && echo "  FAILED ($code)")"
done
echo "== total: $(( $(date +%s) - total_start )) s"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "== $failed of ${#notebooks[@]} notebooks failed"
  exit 1
fi

#!/usr/bin/env bash
# Installs keras_gan with every backend and the test tools, then runs the whole test suite once
# per backend, each in its own pytest process (KERAS_BACKEND is read when keras is first imported).
#
#   bash scripts/test.sh                      # tensorflow, jax and torch
#   BACKENDS="jax" bash scripts/test.sh       # one backend
#   bash scripts/test.sh -k dcgan             # extra arguments go to pytest
#   KERAS_GAN_TEST_WORKERS=0 bash scripts/test.sh   # in one process (2 worker processes by default)
#
# Real MNIST/Fashion-MNIST tests run when KERAS_GAN_DATA_DIR names a folder of the official raw
# files (see docs/datasets.md); without it they are skipped and the rest still runs.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${KERAS_GAN_SKIP_INSTALL:-0}" != "1" ]; then
  echo "== installing keras_gan[all,test]"
  python3 -m pip install --quiet --disable-pip-version-check -e ".[all,test]" || exit 1
fi

# Prepared tensorflow-datasets data is shared by the three backend runs.
export TFDS_DATA_DIR="${TFDS_DATA_DIR:-$HOME/tensorflow_datasets}"
# JAX compiles every model's step with XLA; tests build the same small models many times, and a
# persistent compilation cache turns those recompilations into disk reads.
export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$HOME/.cache/keras_gan/jax}"
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="${JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS:-0}"
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="${JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES:-0}"
export PYTHONUNBUFFERED=1
# Two pytest worker processes (pytest-xdist; 0 runs in one process): most tests are small models
# or command-line subprocesses that leave a core idle. On 2 cores the JAX suite took 663 s with
# 2 workers against 1063 s in one process (docs/performance.md, "The test suite").
workers="${KERAS_GAN_TEST_WORKERS:-2}"
status=0
summary=""
for backend in ${BACKENDS:-tensorflow jax torch}; do
  echo "== tests on the $backend backend"
  start=$(date +%s)
  report=$(mktemp)
  KERAS_BACKEND=$backend python3 -m pytest tests -q -n "$workers" --dist worksteal --durations=15 \
    --junitxml="$report" "$@"
  code=$?
  # pytest exits 5 when it collected nothing: that is a failure here too.
  [ $code -ne 0 ] && status=1
  counts=$(python3 - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 0 0"); raise SystemExit
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
s_ = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - s_, f, s_)
PY
)
  rm -f "$report"
  read -r passed failed skipped <<<"$counts"
  echo "== $backend: $passed passed, $failed failed, $skipped skipped in $(( $(date +%s) - start )) s"
  summary="$summary $passed:$failed:$skipped"
done

total_passed=0; total_failed=0; total_skipped=0
for entry in $summary; do
  IFS=: read -r p f s <<<"$entry"
  total_passed=$((total_passed + p)); total_failed=$((total_failed + f)); total_skipped=$((total_skipped + s))
done
[ "$total_passed" -eq 0 ] && status=1
echo "all backends: $total_passed passed, $total_failed failed, $total_skipped skipped"
exit $status

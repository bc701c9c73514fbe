#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU and cupy, torch and pytest installed:
# the test suite's cuda cases (the CPU cases run in CI), the benchmark with --device cuda,
# and the lesson 1 recipe on the GPU. Logs go to $OUT (default ./gpu-logs). Installs nothing.
#   bash benchmarks/gpu_check.sh                 # everything, about 6 minutes on an H100/H200
#   TESTS="-k cuda" bash benchmarks/gpu_check.sh   # pytest arguments for the test part
# Every step runs even when an earlier one fails; the exit status is 1 when any failed (pipefail: a
# failing pytest or benchmark is not hidden by the tee / tail after it).
set -u -o pipefail
status=0
failed() { echo "gpu_check.sh: FAILED: $1" >&2; status=1; }
OUT=${OUT:-gpu-logs}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MINIGRAD_CACHE="${MINIGRAD_CACHE:-/tmp/minigrad-cache}"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import cupy, torch, numpy; print('cupy', cupy.__version__, '| torch', torch.__version__, '| numpy', numpy.__version__)"
} 2>&1 | tee "$OUT/env.txt"
# shellcheck disable=SC2086
timeout "${TEST_TIMEOUT:-240}" python3 -m pytest -q -p no:cacheprovider -n 4 ${TESTS:--k "cuda or gpu or fused"} tests \
    2>&1 | tee "$OUT/tests.log" | tail -15 || failed "tests (or their timeout)"
# shellcheck disable=SC2086
timeout "${BENCH_TIMEOUT:-120}" python3 benchmarks/run.py --device cuda --repeat 10 --json "$OUT/bench_cuda.json" \
    ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench_cuda.log" || failed "benchmark"   # matched precision: FP32 on both sides
timeout "${BENCH_TIMEOUT:-120}" python3 benchmarks/run.py --device cuda --repeat 10 --only resnet --torch-tf32 \
    --json "$OUT/bench_cuda_tf32.json" 2>&1 | tee "$OUT/bench_cuda_tf32.log" || failed "benchmark --torch-tf32"   # PyTorch's default TF32
timeout "${RECIPE_TIMEOUT:-90}" python3 recipes/lesson1.py --device cuda --out "$OUT/lesson1" --workers 4 \
    > "$OUT/lesson1.log" 2>&1 || failed "recipes/lesson1.py"
grep -E "^ +[0-9]+ |accuracy|time:" "$OUT/lesson1.log" | tail -12
cp "$OUT/lesson1/metrics.json" "$OUT/lesson1_metrics.json" 2>/dev/null
rm -rf "$OUT/lesson1"
exit "$status"

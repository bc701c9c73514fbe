#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU and cupy, torch and pytest installed:
# the test suite (its cuda cases run there) and the benchmark with --device cuda.
# Logs go to $OUT (default ./gpu-logs). Installs nothing.
set -u
OUT=${OUT:-gpu-logs}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import cupy, torch, numpy; print('cupy', cupy.__version__, '| torch', torch.__version__, '| numpy', numpy.__version__)"
} 2>&1 | tee "$OUT/env.txt"
timeout "${TEST_TIMEOUT:-240}" python3 -m pytest -q -x -p no:cacheprovider tests 2>&1 | tee "$OUT/tests.log" | tail -25
timeout "${BENCH_TIMEOUT:-150}" python3 benchmarks/run.py --device cuda --repeat 10 --json "$OUT/bench_cuda.json" \
    ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench_cuda.log"

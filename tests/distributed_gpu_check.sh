#!/usr/bin/env bash
# The distributed GPU check, for a machine with NVIDIA GPU(s), cupy (with NCCL), mpi4py and an MPI library
# (e.g. `pip install mpi4py mpich`). Runs tests/test_distributed.py (its cuda cases: NCCL alone on one GPU,
# the 2-rank equivalence on GPUs: NCCL with 2+ GPUs, MPI through the host on one), then the lesson on
# 2 ranks with --device cuda. Logs go to $OUT (default ./gpu-logs). Installs nothing.
set -u
OUT=${OUT:-gpu-logs}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MINIGRAD_CACHE="${MINIGRAD_CACHE:-/tmp/minigrad-cache}"
PY=${PY:-$(command -v python3)}  # an absolute path: mpiexec may start ranks with another PATH
MPIEXEC=${MPIEXEC:-$(dirname "$(command -v $PY)")/mpiexec}
[ -x "$MPIEXEC" ] || MPIEXEC=mpiexec
{ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  $PY -c "import mpi4py, cupy; from cupy.cuda import nccl; from mpi4py import MPI; \
print('mpi4py', mpi4py.__version__, '|', MPI.Get_library_version().splitlines()[0], '| cupy', cupy.__version__, \
'| nccl', nccl.get_version() if nccl.available else 'missing')"
} 2>&1 | tee "$OUT/dist_env.txt"
timeout "${TEST_TIMEOUT:-300}" $PY -m pytest -q -p no:cacheprovider -rs tests/test_distributed.py 2>&1 \
    | tee "$OUT/dist_tests.log" | tail -12
# Open MPI run as root (a container) needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1,
# and passes the environment with -x (MPICH passes it all by default).
ENVFLAGS=""; "$MPIEXEC" --version 2>&1 | grep -q "Open MPI" && ENVFLAGS="-x PYTHONPATH -x MINIGRAD_CACHE -x PATH"
# shellcheck disable=SC2086
timeout "${RECIPE_TIMEOUT:-240}" "$MPIEXEC" -n 2 $ENVFLAGS $PY recipes/lesson1.py --device cuda --arch resnet18 --cycles 1 \
    --out "$OUT/dist_lesson1" --workers 4 > "$OUT/dist_lesson1.log" 2>&1
echo "lesson1, 2 ranks, cuda: exit $?"
grep -E "^distributed|^ +[0-9]+ |accuracy|time:|Error|error" "$OUT/dist_lesson1.log" | tail -14
rm -rf "$OUT/dist_lesson1"

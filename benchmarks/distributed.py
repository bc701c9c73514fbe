"""Data parallelism on one machine: does splitting a resnet training step over processes pay?

    python benchmarks/distributed.py                  # resnet18, 32px, batch 16 per process, 2 processes
    python benchmarks/distributed.py --size 64 --bs 32 --steps 5

Three ways to train on the same combined batch of 2B images per step, on this machine's cores:
  1 process,  1 core    batch B   (the unit: how fast one core is)
  1 process,  all cores batch 2B  (numpy/BLAS and minigrad's threads share the work)
  N processes, 1 core each, batch B each, gradients averaged by MPI (DistributedDataParallel)
Each process is pinned to its own core (os.sched_setaffinity, OMP/OPENBLAS_NUM_THREADS=1).
The all-reduce's share of the step: the same N-process step timed with the averaging switched off
(no_sync) gives the exposed communication cost, and a blocking Allreduce of all the gradients
alone (44 MB for resnet18) gives its raw cost. Each number is the median of --steps steps after
one warm-up. On a machine shared with other work the numbers are noisy: run it on a quiet one.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def worker(args):
    """One process's part: time training steps (and, with several ranks, the all-reduce)."""
    import numpy as np

    import minigrad
    import models
    from minigrad import distributed as dist
    from minigrad.nn import functional as F
    from minigrad.optim import SGD

    rank, world = dist.get_rank(), dist.get_world_size()
    if args.pin:
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[rank % len(cores)]})
    minigrad.manual_seed(0)
    model = models.resnet18(num_classes=2)
    ddp = dist.DistributedDataParallel(model)
    opt = SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    x = minigrad.tensor(rng.standard_normal((args.bs, 3, args.size, args.size)).astype(np.float32))
    y = minigrad.tensor(rng.integers(0, 2, args.bs))

    def step():
        opt.zero_grad()
        F.cross_entropy(ddp(x), y).backward()
        opt.step()

    def timed(fn):
        fn()  # warm-up
        times = []
        for _ in range(args.steps):
            dist.barrier()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    result = {"step": timed(step)}
    if world > 1:
        def local_step():
            with ddp.no_sync():
                step()
        result["step_no_sync"] = timed(local_step)
        grads = np.zeros(sum(p.array.size for p in model.parameters()), dtype=np.float32)
        result["allreduce"] = timed(lambda: dist.all_reduce(grads))
        result["allreduce_mb"] = grads.nbytes / 2**20
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def run(command, threads, timeout=900):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), MINIGRAD_NUM_THREADS=str(threads))
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    lines = [line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--bs", type=int, default=16, help="images per process (the combined batch is N times this)")
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("-n", type=int, default=None, help="processes (default: the number of cores, at least 2)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--pin", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    cores = len(os.sched_getaffinity(0))
    n = args.n or max(2, cores)
    me = [sys.executable, os.path.abspath(__file__), "--worker", "--size", str(args.size), "--steps", str(args.steps)]
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    mpiexec = mpiexec if os.path.exists(mpiexec) else shutil.which("mpiexec")
    if mpiexec is None:
        raise SystemExit("no mpiexec: pip install 'minigrad[dist]' (mpi4py, mpich)")
    one_core = run(me + ["--bs", str(args.bs), "--pin"], 1)
    all_cores = run(me + ["--bs", str(n * args.bs)], cores)
    ranks = run([mpiexec, "-n", str(n)] + me + ["--bs", str(args.bs), "--pin"], 1)
    total = n * args.bs
    print(f"resnet18, {args.size}px, combined batch {total} per step; {cores} cores; median of {args.steps} steps")
    print(f"{'how':<36} {'step (s)':>9} {'images/s':>9} {'vs 1 core':>9}")
    rows = [("1 process, 1 core, batch %d" % args.bs, one_core["step"], args.bs),
            (f"1 process, {cores} cores, batch {total}", all_cores["step"], total),
            (f"{n} processes x 1 core, batch {args.bs} each", ranks["step"], total)]
    base = args.bs / one_core["step"]
    for name, seconds, images in rows:
        print(f"{name:<36} {seconds:>9.3f} {images / seconds:>9.1f} {images / seconds / base:>8.2f}x")
    exposed = ranks["step"] - ranks["step_no_sync"]
    print(f"gradient averaging: {exposed:+.3f} s exposed per step ({100 * exposed / ranks['step']:.0f}% of it: "
          f"step with vs without it); a blocking all-reduce of all {ranks['allreduce_mb']:.0f} MB of gradients "
          f"alone takes {ranks['allreduce']:.3f} s ({100 * ranks['allreduce'] / ranks['step']:.0f}% of the step)")


if __name__ == "__main__":
    main()

"""minigrad against PyTorch, measured in the same process, on the same shapes.

    python benchmarks/run.py                 # every case, CPU
    python benchmarks/run.py --quick         # batch 4, 1/4 of resnet34's sizes (56px), ~a minute on 2 cores
    python benchmarks/run.py --reference     # also time the reference ops (minigrad.ops.use_reference)
    python benchmarks/run.py --only conv     # cases whose name contains "conv"
    python benchmarks/run.py --device cuda   # cupy against PyTorch on the GPU, both in FP32
    python benchmarks/run.py --device cuda --torch-tf32   # PyTorch's GPU default: TF32 convolutions
    python benchmarks/run.py --json out.json

Both frameworks get the same thread count, warm-up runs are excluded, and each
number is the median of several repetitions, run in rounds of minigrad, torch,
torch, minigrad so that drift affects both alike (short cases run more rounds). The table's header names the
machine, the threads and the BLAS numpy runs, since an OPENBLAS_CORETYPE
setting alone can halve numpy's matrix-product speed.

The machine may be shared: the run watches the load average (os.getloadavg) against
the cores it uses, and times a fixed numpy matrix product at the start, between the
groups and at the end. When other work was running, or the baseline drifted by more
than 15%, it says so under the table: compare ratios within one run, not times across runs.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import minigrad  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from steps import minigrad_step, torch_step  # noqa: E402 - beside this file

# resnet34's convolutions at 224px: (name, channels in, out, size, kernel, stride, padding);
# the label printed names the size actually run (--quick divides it by 4)
RESNET34_CONVS = [
    ("stem 7x7/2 3->64", 3, 64, 224, 7, 2, 3),
    ("layer1 3x3 64", 64, 64, 56, 3, 1, 1),
    ("layer2 3x3/2 64->128", 64, 128, 56, 3, 2, 1),
    ("layer2 3x3 128", 128, 128, 28, 3, 1, 1),
    ("layer2 1x1/2 downsample", 64, 128, 56, 1, 2, 0),
    ("layer3 3x3 256", 256, 256, 14, 3, 1, 1),
    ("layer4 3x3 512", 512, 512, 7, 3, 1, 1),
]


def set_precision(torch, device, tf32):
    """Both sides compute in float32. On the GPU PyTorch's cuDNN convolutions default to TF32
    (10-bit mantissa products) while cupy's matrix products are full FP32, so unless --torch-tf32
    asks for PyTorch's default, TF32 is turned off: the rows compare the same precision.
    Returns the header line that states each side's precision."""
    if device != "cuda":
        return "precision: float32 on both sides (CPU)"
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch_side = "TF32 convolutions and matmuls (PyTorch's default)" if tf32 else "FP32 (TF32 off: matched)"
    return f"precision: minigrad (cupy) FP32; torch {torch_side}"


# the vector extensions that decide how fast each library's kernels can be, as /proc/cpuinfo names them
VECTOR_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")


def cpu_name():
    """The CPU's model and its vector extensions, from /proc/cpuinfo (Linux), e.g.
    "AMD EPYC (avx2 fma)" or "Intel(R) Xeon(R) Platinum 8480+ (avx2 fma avx512f ... amx_tile)".
    The same numbers mean different things on AVX2 and AVX-512 machines: PyTorch's oneDNN
    convolutions use AVX-512 where it exists, numpy's GEMM only through OpenBLAS's kernel."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    vector = [flag for flag in VECTOR_FLAGS if flag in flags]
    return f"{model} ({' '.join(vector) or 'vector extensions unknown'})"


def machine_header(threads, device):
    lines = [f"machine: {cpu_name()}, {os.cpu_count()} cores; "
             f"python {platform.python_version()}, numpy {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            if pool["user_api"] == "blas":
                lines.append(f"BLAS: {pool['internal_api']} {pool.get('version')} kernel {pool.get('architecture')}, "
                             f"{pool['num_threads']} threads")
    except ImportError:
        lines.append("BLAS: unknown. WARNING: without threadpoolctl minigrad cannot hold BLAS to one thread "
                     "per worker, and its convolutions run slower: pip install threadpoolctl")
    core = os.environ.get("OPENBLAS_CORETYPE")
    if core:
        lines.append(f"note: OPENBLAS_CORETYPE={core} is set and may slow numpy's GEMM")
    page_faults = minigrad.ops.fast.page_faults
    if page_faults.policy("enabled") is not None:
        lines.append(f"transparent huge pages: enabled {page_faults.policy('enabled')}, defrag {page_faults.policy('defrag')}; "
                     f"numpy's madvise {'on' if page_faults.numpy_madvise() else 'off'} (minigrad/ops/fast/page_faults.py)")
    lines.append(f"threads: {threads}; device: {device}")
    return lines


WARMUP_S = 0.25  # longer than the other library's idle threads spin (OpenBLAS: ~0.1 s, blas.py)


def time_block(fn, sync, repeat):
    """Milliseconds of `repeat` calls, after warm-up calls (excluded) for at least WARMUP_S: caches,
    the allocator's free memory, and the other library's spinning threads, which a single call of
    20 ms would not outlast."""
    start = time.perf_counter()
    while True:
        fn()
        sync()
        if time.perf_counter() - start >= WARMUP_S:
            break
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000)
    return times


def time_reference(mg_fn, fw, repeat):
    """Median milliseconds of the same minigrad case with the reference ops."""
    with minigrad.ops.use_reference():
        return statistics.median(time_block(mg_fn, fw.mg_sync, repeat))


class LoadWatch:
    """Was the machine busy? The 1-minute load average, sampled after each case, against
    the threads this run uses; and a fixed numpy matrix product timed now and then, whose
    drift shows the machine getting faster or slower during the run."""

    def __init__(self, threads):
        self.threads, self.loads, self.baselines = threads, [], []
        self.matrix = np.random.default_rng(0).standard_normal((384, 384), dtype=np.float32)
        self.baseline()

    def sample(self):
        if hasattr(os, "getloadavg"):
            self.loads.append(os.getloadavg()[0])

    def baseline(self):
        self.baselines.append(statistics.median(time_block(lambda: self.matrix @ self.matrix, lambda: None, 15)))

    def warnings(self):
        cores, out = os.cpu_count() or 1, []
        if self.loads and max(self.loads) > self.threads + 0.5:
            out.append(f"WARNING: the machine was busy: load average up to {max(self.loads):.1f} on {cores} cores "
                       f"while this run uses {self.threads} threads; other work slowed some rows")
        if len(self.baselines) > 1:
            drift = max(self.baselines) / min(self.baselines) - 1
            if drift > 0.15:
                out.append(f"WARNING: the baseline matrix product drifted by {100 * drift:.0f}% during the run "
                           f"({', '.join(f'{b:.2f}' for b in self.baselines)} ms): compare ratios within a row, "
                           "not times across rows or runs")
        return out


MIN_PAIR_S = 4.0  # a case keeps running rounds until its timed blocks add up to this many seconds...
MAX_ROUNDS = 5  # ...up to this many rounds (a resnet34 step at b32 takes one: about 40 s)


def time_pair(mg_fn, t_fn, fw, repeat, max_rounds=MAX_ROUNDS):
    """Median milliseconds of each, in rounds of blocks ordered minigrad, torch, torch, minigrad,
    so that a machine that drifts slower or faster affects both alike. (Alternating
    single runs would be unfair: each library's idle threads spin for a while after
    it returns and slow the other one down.) A short case runs more rounds, until MIN_PAIR_S
    of timed calls: on a shared machine one slow second can move a median of six 30 ms calls."""
    half = max(1, (repeat + 1) // 2)
    mg_times, t_times = [], []
    for _ in range(max_rounds):
        mg_times += time_block(mg_fn, fw.mg_sync, half)
        t_times += time_block(t_fn, fw.t_sync, half) + time_block(t_fn, fw.t_sync, half)
        mg_times += time_block(mg_fn, fw.mg_sync, half)
        if (sum(mg_times) + sum(t_times)) / 1000 >= MIN_PAIR_S:
            break
    return statistics.median(mg_times), statistics.median(t_times)


class Frameworks:
    """The same case written twice: once with minigrad, once with torch."""

    def __init__(self, device):
        import torch
        self.torch, self.device = torch, device
        self.tdev = "cuda" if device == "cuda" else "cpu"
        if device == "cuda":
            import cupy
            self.mg_sync = lambda: cupy.cuda.Device().synchronize()
            self.t_sync = torch.cuda.synchronize
        else:
            self.mg_sync = self.t_sync = lambda: None

    def mg(self, array, grad=False):
        return minigrad.tensor(array, requires_grad=grad, device=self.device)

    def th(self, array, grad=False):
        return self.torch.tensor(array, device=self.tdev, requires_grad=grad)


def conv_cases(fw, batch, scale):
    rng = np.random.default_rng(0)
    for name, cin, cout, size, k, s, p in RESNET34_CONVS:
        size = max(k, size // scale)
        x = rng.standard_normal((batch, cin, size, size), dtype=np.float32)
        w = rng.standard_normal((cout, cin, k, k), dtype=np.float32) * 0.05
        mx, mw, tx, tw = fw.mg(x, True), fw.mg(w, True), fw.th(x, True), fw.th(w, True)

        def mg_fwd(mx=mx, mw=mw, s=s, p=p):
            with minigrad.no_grad():
                F.conv2d(mx, mw, stride=s, padding=p)

        def t_fwd(tx=tx, tw=tw, s=s, p=p):
            with fw.torch.no_grad():
                fw.torch.nn.functional.conv2d(tx, tw, stride=s, padding=p)

        def mg_fb(mx=mx, mw=mw, s=s, p=p):
            mx.grad = mw.grad = None
            out = F.conv2d(mx, mw, stride=s, padding=p)
            out.backward(out.array)

        def t_fb(tx=tx, tw=tw, s=s, p=p):
            tx.grad = tw.grad = None
            out = fw.torch.nn.functional.conv2d(tx, tw, stride=s, padding=p)
            out.backward(out.detach())

        shape = f"b{batch} {cin}x{size}x{size}"  # what runs, whatever the full-size layer is
        yield f"conv {name} fwd ({shape})", mg_fwd, t_fwd
        yield f"conv {name} fwd+bwd ({shape})", mg_fb, t_fb


def layer_cases(fw, batch, scale):
    """The other ops of a resnet step, at resnet34's layer1 activation size."""
    rng = np.random.default_rng(0)
    size = max(4, 56 // scale)
    x = rng.standard_normal((batch, 64, size, size), dtype=np.float32)
    logits = rng.standard_normal((batch * 8, 1000), dtype=np.float32)
    target = rng.integers(0, 1000, batch * 8)
    feats = rng.standard_normal((batch * 8, 512), dtype=np.float32)
    weight = rng.standard_normal((1000, 512), dtype=np.float32) * 0.05
    tF = fw.torch.nn.functional
    gamma, beta = np.ones(64, np.float32), np.zeros(64, np.float32)
    mg_stats = lambda: (fw.mg(np.zeros(64, np.float32)), fw.mg(np.ones(64, np.float32)))  # noqa: E731
    t_stats = lambda: (fw.th(np.zeros(64, np.float32)), fw.th(np.ones(64, np.float32)))  # noqa: E731
    cases = [
        (f"batch_norm train (b{batch} 64x{size}x{size})", [x, gamma, beta],
         lambda a, g, b: F.batch_norm(a, *mg_stats(), g, b, training=True),
         lambda a, g, b: tF.batch_norm(a, *t_stats(), g, b, training=True)),
        (f"relu (b{batch} 64x{size}x{size})", [x], F.relu, tF.relu),
        (f"max_pool2d 3/2 (b{batch} 64x{size}x{size})", [x], lambda a: F.max_pool2d(a, 3, 2, 1),
         lambda a: tF.max_pool2d(a, 3, 2, 1)),
        (f"linear 512->1000 (b{batch * 8})", [feats, weight], F.linear, tF.linear),
        (f"cross_entropy 1000 classes (b{batch * 8})", [logits], lambda a: F.cross_entropy(a, target),
         lambda a: tF.cross_entropy(a, fw.th(target))),
    ]
    for name, arrays, mg_op, t_op in cases:
        mg_in = [fw.mg(a, True) for a in arrays]
        t_in = [fw.th(a, True) for a in arrays]

        def mg_fb(mg_in=mg_in, mg_op=mg_op):
            for t in mg_in:
                t.grad = None
            out = mg_op(*mg_in)
            out.backward(out.array if out.ndim else None)

        def t_fb(t_in=t_in, t_op=t_op):
            for t in t_in:
                t.grad = None
            out = t_op(*t_in)
            out.backward(out.detach() if out.ndim else None)
        yield f"{name} fwd+bwd", mg_fb, t_fb


def resnet_cases(fw, batch, scale):
    """resnet34 eval forward at batch 8 and 32, and a training step (forward, backward, SGD) at 16 and 32,
    and at batch 8 on 112px images: the small-image regime the lesson runs in on a laptop, where
    each step's fixed costs (optimizer passes, thread hand-offs, small products) weigh most."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
    import models
    from torch_reference import torch_resnet
    mg_model = models.resnet34().to(fw.device)
    t_model = torch_resnet("resnet34").to(fw.tdev)
    rng = np.random.default_rng(0)
    for b, train, size in ((8, False, 224), (32, False, 224), (16, True, 224), (32, True, 224), (8, True, 112)):
        b, size = max(2, b * batch // 32), size // scale
        x = rng.standard_normal((b, 3, size, size), dtype=np.float32)
        y = rng.integers(0, 1000, b)
        mx, tx, ty = fw.mg(x), fw.th(x), fw.torch.tensor(y, device=fw.tdev)
        if not train:
            def mg_fn(mx=mx):
                with minigrad.no_grad():
                    mg_model.eval()(mx)

            def t_fn(tx=tx):
                with fw.torch.no_grad():
                    t_model.eval()(tx)
            yield f"resnet34 eval forward (b{b} {size}px)", mg_fn, t_fn
        else:
            mg_fn = minigrad_step(mg_model, mx, y, lr=1e-4, momentum=0.9)
            t_fn = torch_step(t_model, tx, ty, lr=1e-4, momentum=0.9)
            yield f"resnet34 training step (b{b} {size}px)", mg_fn, t_fn


def memory_rows(batch, size, threads):
    """Peak memory of a resnet34 training step, each framework in a fresh process."""
    import subprocess
    script = os.path.join(os.path.dirname(__file__), "memory.py")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = {}
    for framework in ("minigrad", "torch"):
        result = subprocess.run([sys.executable, script, framework, "resnet34", str(batch), str(size)],
                                capture_output=True, text=True, env=env)
        if result.returncode:
            raise RuntimeError(f"memory measurement failed:\n{result.stderr}")
        out[framework] = json.loads(result.stdout.strip().splitlines()[-1])["peak_step_mib"]
    return out


CASE_GROUPS = {"conv": conv_cases, "layers": layer_cases, "resnet": resnet_cases}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--quick", action="store_true", help="small shapes (batch 4, 1/4 of resnet34's sizes), 3 repetitions")
    parser.add_argument("--reference", action="store_true", help="also time minigrad's reference ops")
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    parser.add_argument("--batch", type=int, default=None, help="batch size (default 32, or 4 with --quick)")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    parser.add_argument("--torch-tf32", action="store_true",
                        help="on the GPU, leave PyTorch's TF32 convolutions on (its default; not matched precision)")
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        sys.exit("benchmarks need PyTorch as the baseline: pip install torch==2.13.0")
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass
    batch = args.batch or (4 if args.quick else 32)
    scale = 4 if args.quick else 1
    repeat = args.repeat or (3 if args.quick else 5)
    fw = Frameworks(args.device)

    header = machine_header(args.threads, args.device) + [set_precision(torch, args.device, args.torch_tf32)]
    if args.quick:
        header.append(f"quick: batch {batch}, resnet34's sizes / {scale} (224px -> {224 // scale}px); "
                      "the labels name the shapes run")
    print("\n".join(header))
    print()
    ref_col = " minigrad reference ms |" if args.reference else ""
    print(f"| case | minigrad ms | torch ms | ratio |{ref_col}")
    print("|---|---:|---:|---:|" + ("---:|" if args.reference else ""))
    results = []
    watch = LoadWatch(args.threads)
    for group in CASE_GROUPS.values():
        for name, mg_fn, t_fn in group(fw, batch, scale):
            if args.only and args.only not in name:
                continue
            mg_ms, t_ms = time_pair(mg_fn, t_fn, fw, repeat, 1 if args.quick else MAX_ROUNDS)
            row = {"case": name, "minigrad_ms": mg_ms, "torch_ms": t_ms, "ratio": mg_ms / t_ms}
            ref = ""
            if args.reference:
                row["minigrad_reference_ms"] = time_reference(mg_fn, fw, repeat)
                ref = f" {row['minigrad_reference_ms']:.1f} |"
            results.append(row)
            watch.sample()
            print(f"| {name} | {mg_ms:.1f} | {t_ms:.1f} | {mg_ms / t_ms:.2f}x |{ref}", flush=True)
        watch.baseline()
    if args.device == "cpu" and (not args.only or args.only in "resnet34 training step memory"):
        b = max(2, batch)
        size = 224 // scale
        mem = memory_rows(b, size, args.threads)
        ratio = mem["minigrad"] / mem["torch"] if mem["torch"] > 0 else float("nan")
        results.append({"case": f"resnet34 training step peak memory MiB (b{b} {size}px)",
                        "minigrad_mib": mem["minigrad"], "torch_mib": mem["torch"], "ratio": ratio})
        print(f"| resnet34 training step peak memory, MiB (b{b} {size}px) | {mem['minigrad']:.0f} | "
              f"{mem['torch']:.0f} | {ratio:.2f}x |", flush=True)
    warnings = watch.warnings()
    if warnings:
        print("\n" + "\n".join(warnings))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "results": results, "warnings": warnings,
                       "load_averages": watch.loads, "baseline_ms": watch.baselines}, f, indent=2)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()

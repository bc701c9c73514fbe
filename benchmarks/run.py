"""minigrad against PyTorch, measured in the same process, on the same shapes.

    python benchmarks/run.py                 # every case, CPU
    python benchmarks/run.py --quick         # small shapes, under a minute on 2 cores
    python benchmarks/run.py --only conv     # cases whose name contains "conv"
    python benchmarks/run.py --device cuda   # cupy against PyTorch on the GPU
    python benchmarks/run.py --json out.json

Both frameworks get the same thread count, warm-up runs are excluded, and each
number is the median of several repetitions, run in the order minigrad,
torch, torch, minigrad so that drift affects both alike. The table's header names the
machine, the threads and the BLAS numpy runs, since an OPENBLAS_CORETYPE
setting alone can halve numpy's matrix-product speed.
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

# resnet34's convolutions at batch 32, 224px: (name, channels in, out, size, kernel, stride, padding)
RESNET34_CONVS = [
    ("stem 7x7/2 3->64 @224", 3, 64, 224, 7, 2, 3),
    ("layer1 3x3 64 @56", 64, 64, 56, 3, 1, 1),
    ("layer2 3x3/2 64->128 @56", 64, 128, 56, 3, 2, 1),
    ("layer2 3x3 128 @28", 128, 128, 28, 3, 1, 1),
    ("layer2 1x1/2 downsample @56", 64, 128, 56, 1, 2, 0),
    ("layer3 3x3 256 @14", 256, 256, 14, 3, 1, 1),
    ("layer4 3x3 512 @7", 512, 512, 7, 3, 1, 1),
]


def machine_header(threads, device):
    lines = [f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
             f"python {platform.python_version()}, numpy {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            if pool["user_api"] == "blas":
                lines.append(f"BLAS: {pool['internal_api']} {pool.get('version')} kernel {pool.get('architecture')}, "
                             f"{pool['num_threads']} threads")
    except ImportError:
        lines.append("BLAS: unknown (pip install threadpoolctl to see it)")
    core = os.environ.get("OPENBLAS_CORETYPE")
    if core:
        lines.append(f"note: OPENBLAS_CORETYPE={core} is set and may slow numpy's GEMM")
    lines.append(f"threads: {threads}; device: {device}")
    return lines


def time_block(fn, sync, repeat):
    fn()  # warm-up, excluded: caches, allocator, the other library's spinning threads
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000)
    return times


def time_pair(mg_fn, t_fn, fw, repeat):
    """Median milliseconds of each, in blocks ordered minigrad, torch, torch, minigrad,
    so that a machine that drifts slower or faster affects both alike. (Alternating
    single runs would be unfair: each library's idle threads spin for a while after
    it returns and slow the other one down.)"""
    half = max(1, (repeat + 1) // 2)
    mg_times = time_block(mg_fn, fw.mg_sync, half)
    t_times = time_block(t_fn, fw.t_sync, half) + time_block(t_fn, fw.t_sync, half)
    mg_times += time_block(mg_fn, fw.mg_sync, half)
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
            out.backward(out.data)

        def t_fb(tx=tx, tw=tw, s=s, p=p):
            tx.grad = tw.grad = None
            out = fw.torch.nn.functional.conv2d(tx, tw, stride=s, padding=p)
            out.backward(out.detach())

        shape = f"b{batch} {cin}x{size}x{size}"
        yield f"conv {name} fwd ({shape})", mg_fwd, t_fwd
        yield f"conv {name} fwd+bwd ({shape})", mg_fb, t_fb


CASE_GROUPS = {"conv": conv_cases}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--quick", action="store_true", help="small shapes (batch 4, 1/4 size), 3 repetitions")
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    parser.add_argument("--batch", type=int, default=None, help="batch size (default 32, or 4 with --quick)")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
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

    header = machine_header(args.threads, args.device)
    print("\n".join(header))
    print()
    print("| case | minigrad ms | torch ms | ratio |")
    print("|---|---:|---:|---:|")
    results = []
    for group in CASE_GROUPS.values():
        for name, mg_fn, t_fn in group(fw, batch, scale):
            if args.only and args.only not in name:
                continue
            mg_ms, t_ms = time_pair(mg_fn, t_fn, fw, repeat)
            results.append({"case": name, "minigrad_ms": mg_ms, "torch_ms": t_ms, "ratio": mg_ms / t_ms})
            print(f"| {name} | {mg_ms:.1f} | {t_ms:.1f} | {mg_ms / t_ms:.2f}x |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "results": results}, f, indent=2)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()

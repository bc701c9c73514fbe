"""How fast the data pipeline feeds a resnet: images per second for decode + augment +
normalise at 224px on real photos, with 0, 1 and 2 worker threads, next to the time of
one resnet34 training step on a batch of the same size.

    python benchmarks/data.py --data ../shared/data/dogscats [--bs 32] [--size 224]
"""
import argparse
import os
import sys
import time


sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import minigrad  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
import models  # noqa: E402
from minigrad.data import ImageClassifierData  # noqa: E402


def images_per_second(data, workers):
    """One whole epoch of the training loader (so read-ahead is counted, not wasted)."""
    loader = data.trn_dl
    loader.num_workers = workers
    start, seen = time.perf_counter(), 0
    for x, _ in loader:
        seen += len(x)
    return seen / (time.perf_counter() - start)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "dogscats"))
    p.add_argument("--bs", type=int, default=32)
    p.add_argument("--size", type=int, default=224)
    args = p.parse_args(argv)
    data = ImageClassifierData.from_paths(args.data, size=args.size, bs=args.bs)
    print(f"data: {args.data} ({len(data.trn_ds)} training photos), {args.size}px, batches of {args.bs}, "
          f"{os.cpu_count()} cores\n")
    print("| pipeline | images/s | ms per batch |")
    print("|---|---:|---:|")
    for workers in (0, 1, 2):
        ips = images_per_second(data, workers)
        print(f"| decode + augment + normalise, {workers} workers | {ips:.0f} | {1000 * args.bs / ips:.0f} |", flush=True)
    model = models.resnet34(num_classes=data.c).train()
    x, y = next(iter(data.trn_dl))

    def step():
        model.zero_grad()
        F.cross_entropy(model(x), y).backward()
        with minigrad.no_grad():
            for q in model.parameters():
                q.data -= 1e-3 * q.grad.data
    step()
    start = time.perf_counter()
    step()
    seconds = time.perf_counter() - start
    print(f"| resnet34 training step (minigrad, CPU) | {args.bs / seconds:.0f} | {1000 * seconds:.0f} |")
    return seconds


if __name__ == "__main__":
    main()

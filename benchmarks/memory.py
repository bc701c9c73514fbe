"""Peak memory of one resnet training step, measured in a fresh process per framework.

    python benchmarks/memory.py minigrad resnet34 32 224
    python benchmarks/memory.py torch resnet34 32 224

Prints JSON: the process's peak resident memory during two training steps minus
what it held before the first one (model, input and libraries loaded), in MiB.
A fresh process per measurement keeps one framework's caches out of the other's figure.
"""
import json
import os
import resource
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))


def peak_mib():
    """This process's peak resident memory. /proc's VmHWM belongs to this program alone;
    ru_maxrss can carry over the parent's peak across fork and exec (it did here)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(framework, arch, batch, size, steps=2):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 3, size, size), dtype=np.float32)
    y = rng.integers(0, 1000, batch)
    if framework == "minigrad":
        import minigrad
        import minigrad.nn.functional as F
        import models
        model = getattr(models, arch)().train()
        xt = minigrad.tensor(x)

        def step():
            model.zero_grad()
            F.cross_entropy(model(xt), y).backward()
            with minigrad.no_grad():
                for p in model.parameters():
                    p.data -= 0.01 * p.grad.data
    else:
        import torch
        from torch_reference import torch_resnet
        model = torch_resnet(arch).train()
        xt, yt = torch.tensor(x), torch.tensor(y)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)

        def step():
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xt), yt).backward()
            opt.step()
    before = peak_mib()
    for _ in range(steps):
        step()
    print(json.dumps({"framework": framework, "peak_step_mib": peak_mib() - before, "peak_total_mib": peak_mib()}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))

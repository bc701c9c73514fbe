"""What each rank runs in tests/test_nn_parallel.py: `mpiexec -n 2 python parallel_worker.py`.

torch.nn.parallel.DistributedDataParallel(find_unused_parameters=True) on a model with two branches:
rank 0 prints `RESULT <json>` with every rank's gradients after backward (the test compares them with
the average it computes alone), and whether a second iteration ran (without find_unused_parameters, a
parameter that never gets a gradient stops the next backward)."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad  # noqa: E402
from minigrad import distributed as dist  # noqa: E402
from minigrad import nn  # noqa: E402


class TwoBranches(nn.Module):
    """forward(x, branch): only one of the two Linear layers takes part."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 3), nn.Linear(4, 3)

    def forward(self, x, branch):
        return (self.a if branch == "a" else self.b)(x)


def model():
    minigrad.manual_seed(0)
    return TwoBranches()


def data(rank):
    return minigrad.tensor(np.random.default_rng(10 + rank).standard_normal((2, 4)).astype(np.float32))


def grads(m):
    return {name: None if p.grad is None else p.grad.numpy().tolist() for name, p in m.named_parameters()}


if __name__ == "__main__":
    dist.init_process_group()
    rank = dist.get_rank()
    result = {"rank": rank}
    for case, branches in (("same", ("a", "a")), ("split", ("a", "b"))):
        ddp = nn.parallel.DistributedDataParallel(model(), find_unused_parameters=True)
        for step in range(2):  # the second step shows the first one left nothing pending
            ddp.zero_grad()
            ddp(data(rank), branches[rank]).square().sum().backward()
        result[case] = grads(ddp.module)
    everyone = dist.init_process_group().all_gather_object(result)  # rank 0 alone prints: lines never interleave
    if rank == 0:
        print("RESULT " + json.dumps(everyone), flush=True)

"""What each rank runs in tests/test_distributed.py, launched as `mpiexec -n 2 python distributed_worker.py MODE`.

Rank 0 prints one line `RESULT <json>` with what the test checks; any failure raises
(and the excepthook of minigrad.distributed aborts every rank, so nothing hangs).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad  # noqa: E402
from minigrad import distributed as dist  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402
from minigrad.array_module import to_device  # noqa: E402
from minigrad.optim import SGD  # noqa: E402

B, STEPS = 4, 4  # per-rank batch, SGD steps
DEVICE = os.environ.get("MINIGRAD_TEST_DEVICE", "cpu")  # "cuda": the same checks on GPUs
BACKEND = os.environ.get("MINIGRAD_TEST_BACKEND") or None  # "mpi" or "nccl" for GPU arrays; None: NCCL if there


def make_model(batchnorm):
    minigrad.manual_seed(0)
    if batchnorm:
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)).to(DEVICE)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)).to(DEVICE)


def data(batchnorm, n):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((STEPS, n, 3, 5, 5) if batchnorm else (STEPS, n, 6)).astype(np.float32)
    return x, rng.integers(0, 3, (STEPS, n))


def train(model, xs, ys, bucket_cap_mb=None, on_backward=None):
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    losses = []
    for x, y in zip(xs, ys):
        opt.zero_grad()
        loss = F.cross_entropy(model(minigrad.tensor(x, device=DEVICE)), minigrad.tensor(y, device=DEVICE))
        loss.backward()
        if on_backward:
            on_backward()
        opt.step()
        losses.append(loss.item())
    return losses


def state(model):
    return {k: np.asarray(to_device(v, "cpu"), dtype=np.float64).tolist() for k, v in model.state_dict().items()}


def equivalence(batchnorm, sync=True):
    """2 ranks x batch B against 1 process x batch 2B (computed by rank 0 alone, at the end)."""
    rank, world = dist.get_rank(), dist.get_world_size()
    xs, ys = data(batchnorm, B * world)
    model = make_model(batchnorm)
    if rank:  # a different start: broadcast_parameters must fix it
        for p in model.parameters():
            p.array += 1.0
    if batchnorm and sync:
        model = dist.convert_sync_batchnorm(model)
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1e-4)  # tiny buckets: several per backward
    started = []  # how many parameters had their gradient when each bucket started
    count = {"grads": 0}
    for p in model.parameters():
        p.register_post_accumulate_grad_hook(lambda p: count.__setitem__("grads", count["grads"] + 1))
    start = ddp._group.iall_reduce
    ddp._group.iall_reduce = lambda a: (started.append(count["grads"]), start(a))[1]

    def reset():
        count["grads"] = 0
    shard = slice(rank * B, (rank + 1) * B)
    train(ddp, xs[:, shard], ys[:, shard], on_backward=reset)
    mine = state(model)
    others = dist.group.group().all_gather_object(mine)
    if rank:
        return None
    reference = make_model(batchnorm)
    train(reference, xs, ys)
    ref = state(reference)
    gap = max(float(np.max(np.abs(np.subtract(mine[k], ref[k])))) for k in ref)
    ranks_gap = max(float(np.max(np.abs(np.subtract(o[k], mine[k])))) for o in others for k in mine)
    n_params = len(list(model.parameters()))
    return {"gap": gap, "ranks_gap": ranks_gap, "started": started[:8], "n_params": n_params,
            "keys": sorted(ref)}


def sampler(n, drop_last):
    rank, world = dist.get_rank(), dist.get_world_size()
    s = dist.DistributedSampler(range(n), shuffle=True, seed=3, drop_last=drop_last)
    epochs = []
    for epoch in range(2):
        s.set_epoch(epoch)
        epochs.append(dist.group.group().all_gather_object([int(i) for i in s]))
    return {"epochs": epochs, "len": len(s), "world": world} if rank == 0 else None


def nccl_alone():
    """One rank, NCCL forced: the communicator, all-reduce (blocking and on its stream), broadcast,
    SyncBatchNorm, all on the GPU. (Two ranks cannot share one GPU in NCCL.)"""
    import cupy
    from minigrad.distributed.sync_batchnorm import SyncBatchNormFunction
    pg = dist.group.group()
    a = cupy.arange(5, dtype=cupy.float32)
    pg.all_reduce(a)
    work = pg.iall_reduce(a)
    work.wait()
    pg.broadcast(a, 0)
    x = minigrad.tensor(np.random.default_rng(0).standard_normal((4, 3, 2, 2)), device="cuda", requires_grad=True)
    w = minigrad.tensor(np.ones(3), device="cuda", requires_grad=True)
    b = minigrad.tensor(np.zeros(3), device="cuda", requires_grad=True)
    out = SyncBatchNormFunction.apply(x, w, b, process_group=pg)
    ref = F.batch_norm(x, None, None, w, b, training=True)
    g = minigrad.tensor(np.random.default_rng(1).standard_normal((4, 3, 2, 2)), device="cuda")
    out.backward(g)
    gx = to_device(x.grad.array if isinstance(x.grad, minigrad.Tensor) else x.grad, "cpu")
    x.grad = None
    ref.backward(g)
    gx_ref = to_device(x.grad.array if isinstance(x.grad, minigrad.Tensor) else x.grad, "cpu")
    return {"nccl": type(pg._nccl).__name__, "sum": to_device(a, "cpu").tolist(),
            "forward_gap": float(np.abs(to_device(out.array - ref.array, "cpu")).max()),
            "grad_gap": float(np.abs(gx - gx_ref).max())}


def learner(out_dir):
    """The Learner under mpiexec: precompute, augmented, unfrozen fits and lr_find; the ranks must end
    identical, agree on every logged number, and rank 1 must write no file."""
    import builtins
    from minigrad.data import ImageClassifierData, make_shapes_dataset
    from minigrad.train import Learner
    from models import fastai_head
    from models.head import FEATURE_LAYERS
    rank = dist.get_rank()
    with dist.main_process_first():
        shapes = make_shapes_dataset(os.path.join(out_dir, "data"), n_train=12, n_valid=4, size=16)
    written = []
    if rank:  # matplotlib builds its font cache on a fresh machine's first import: do that before watching
        try:
            import matplotlib.pyplot  # noqa: F401
        except ImportError:
            pass
        real_open, real_replace = builtins.open, os.replace
        builtins.open = lambda f, mode="r", *a, **k: (written.append(str(f)) if set(mode) & set("wax+") else None,
                                                      real_open(f, mode, *a, **k))[1]
        os.replace = lambda a, b, *r, **k: (written.append(str(b)), real_replace(a, b, *r, **k))[1]
    minigrad.manual_seed(rank)  # different starts: the learner must broadcast rank 0's weights
    data = ImageClassifierData.from_paths(shapes, size=16, bs=8)
    body = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, 1, 1, bias=False))
    head = fastai_head(16, data.c)
    learn = Learner(body, head, data, [body[:4], body[4:], head], out_dir=os.path.join(out_dir, "run"),
                    feature_layers=FEATURE_LAYERS, verbose=True, models_name=os.path.join(out_dir, "run", "models"))
    learn.precompute = True
    learn.fit(0.01, 1, checkpoint="head")
    learn.precompute = False
    learn.fit(0.01, 1, cycle_len=1, checkpoint="augmented")
    learn.unfreeze()
    learn.lr_find(start_lr=[1e-4, 1e-3, 1e-2], plot=True)
    learn.fit([1e-3, 3e-3, 1e-2], 1, cycle_len=1, checkpoint="unfrozen")
    learn.save("final")
    learn.plot_losses()
    log_preds, targets = learn.predict_with_targs()  # sharded over the ranks, gathered
    from minigrad.train.parallel import SingleProcess
    strategy, learn.parallel = learn.parallel, SingleProcess()
    whole, whole_targets, _ = learn._evaluate(learn.val_batches())  # this rank alone, every image
    learn.parallel = strategy
    shadowed = sorted(k for k, v in vars(learn).items() if callable(v) and callable(getattr(type(learn), k, None)))
    tta_log_preds, tta_targets = learn.TTA(n_aug=2)
    predict_gap = float(np.abs(log_preds - whole).max()) if np.array_equal(targets, whole_targets) else -1.0
    mine = state(learn.model)
    everyone = dist.group.group().all_gather_object({"state": mine, "history": learn.history,
                                                    "steps": len(learn.train_batches()), "written": written})
    if rank:
        return None
    return {"ranks_gap": max(float(np.max(np.abs(np.subtract(o["state"][k], mine[k])))) for o in everyone for k in mine),
            "histories_equal": all(o["history"] == learn.history for o in everyone),
            "steps": [o["steps"] for o in everyone], "written_by_rank1": everyone[1]["written"],
            "files": sorted(os.listdir(os.path.join(out_dir, "run", "checkpoints"))), "predict_gap": predict_gap,
            "tta": [list(tta_log_preds.shape), int(np.array_equal(tta_targets, whole_targets))],
            "strategy": type(strategy).__name__, "shadowed": shadowed}


def fail(exit=False):
    """Rank 1 raises (an exception, or SystemExit with a message under distributed.run); rank 0 waits in
    an all-reduce that can never finish."""
    if dist.get_rank() == 1:
        if exit:
            raise SystemExit("rank 1 fails on purpose")
        raise ValueError("rank 1 fails on purpose")
    dist.all_reduce(np.ones(3, dtype=np.float32))
    return {"unreachable": True}


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "nccl_alone":
        dist.init_process_group("nccl")
        print("RESULT " + json.dumps(nccl_alone()), flush=True)
        raise SystemExit(0)
    dist.init_process_group(BACKEND)
    if dist.get_world_size() < 2:
        raise SystemExit("run me with mpiexec -n 2")
    modes = {"plain": lambda: equivalence(False), "syncbn": lambda: equivalence(True),
             "unsynced_bn": lambda: equivalence(True, sync=False),
             "sampler": lambda: sampler(11, False), "sampler_drop": lambda: sampler(11, True),
             "learner": lambda: learner(sys.argv[2]), "fail": fail,
             "fail_exit": lambda: dist.run(fail, exit=True)}
    if mode == "all":  # one launch for the quick checks: plain, syncbn, unsynced_bn, sampler, sampler_drop
        result = {m: modes[m]() for m in ("plain", "syncbn", "unsynced_bn", "sampler", "sampler_drop")}
        result = result if dist.get_rank() == 0 else None
    else:
        result = modes[mode]()
    if result is not None:
        print("RESULT " + json.dumps(result), flush=True)

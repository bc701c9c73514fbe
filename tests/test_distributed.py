"""minigrad.distributed: data parallelism is exactly training on the combined batch.

The multi-process tests launch `mpiexec -n 2 python tests/distributed_worker.py MODE` (2 ranks on the CPU,
MPI through mpi4py) with a timeout, and skip with a reason where mpi4py or mpiexec cannot start. The rest
run in this process, as a world of one.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import distributed as dist
from minigrad import nn
from minigrad.distributed.sync_batchnorm import SyncBatchNormFunction
from minigrad.nn import functional as F
from minigrad.optim import SGD

from helpers import check_op, randn

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "distributed_worker.py")


def _mpiexec():
    """The mpiexec beside this Python (the mpich wheel's), else on PATH; None when MPI cannot run here."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None, "mpi4py is not installed: `pip install 'minigrad[dist]'` (mpi4py and mpich)"
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    exe = exe if os.path.exists(exe) else shutil.which("mpiexec")
    if exe is None:
        return None, "no mpiexec found beside python or on PATH: `pip install mpich`"
    try:
        probe = subprocess.run([exe, "-n", "2", sys.executable, "-c", "from mpi4py import MPI; MPI.COMM_WORLD.Barrier()"],
                               capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "mpiexec -n 2 did not start within 60 s"
    if probe.returncode:
        return None, f"mpiexec -n 2 cannot start here: {(probe.stderr or probe.stdout).strip()[-300:]}"
    return exe, None


_MPI = None


def launch(mode, timeout=60, *args, **env):
    """Run the worker on 2 ranks; returns (returncode, stdout, stderr, rank 0's RESULT or None)."""
    global _MPI
    if _MPI is None:
        _MPI = _mpiexec()
    exe, why = _MPI
    if exe is None:
        pytest.skip(why)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MINIGRAD_NUM_THREADS="1", **env)
    done = subprocess.run([exe, "-n", "2", sys.executable, WORKER, mode, *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    lines = [line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    return done.returncode, done.stdout, done.stderr, json.loads(lines[0]) if lines else None


# ---- two ranks -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quick_checks():
    """One 2-rank launch runs the equivalence, control and sampler checks (each launch costs seconds)."""
    rc, out, err, result = launch("all", 90)
    assert rc == 0 and result is not None, err[-2000:]
    return result


@pytest.mark.parametrize("mode", ["plain", "syncbn"])
def test_two_ranks_equal_one_process_with_twice_the_batch(mode, quick_checks):
    """2 ranks x batch 4, 4 SGD steps (momentum, weight decay) == 1 process x batch 8: parameters and
    batch-norm statistics, starting from different weights on rank 1 (broadcast_parameters fixes them)."""
    result = quick_checks[mode]
    assert result["gap"] < 1e-5, result
    assert result["ranks_gap"] == 0, "the ranks' models drifted apart"
    if mode == "syncbn":
        assert "1.running_var" in result["keys"]
    # overlap: the first bucket's all-reduce started while backward still had gradients to compute
    assert 0 < result["started"][0] < result["n_params"], result["started"]


def test_plain_batchnorm_is_not_the_combined_batch(quick_checks):
    """The control: with per-rank batch statistics the result differs, so the SyncBatchNorm test can fail."""
    result = quick_checks["unsynced_bn"]
    assert result["gap"] > 1e-4


@pytest.mark.parametrize("mode, drop_last", [("sampler", False), ("sampler_drop", True)])
def test_sampler_shards_are_disjoint_and_cover_the_epoch(mode, drop_last, quick_checks):
    result = quick_checks[mode]
    first, second = result["epochs"]
    for shards in (first, second):
        assert len({len(s) for s in shards}) == 1  # every rank the same number of samples
        everything = [i for s in shards for i in s]
        if drop_last:  # 11 samples over 2 ranks: 10 distinct ones, none repeated
            assert len(everything) == 10 and len(set(everything)) == 10
        else:  # padded to 12 by repeating one: all 11 covered
            assert sorted(set(everything)) == list(range(11)) and len(everything) == 12
            assert len(set(shards[0]) & set(shards[1])) <= 1
    assert first != second, "set_epoch must give a new permutation"


def test_the_learner_under_mpiexec(tmp_path):
    """precompute, augmented and unfrozen fits and lr_find on 2 ranks: the ranks end identical (weights and
    batch-norm statistics), log the same numbers, split each epoch in two, and rank 1 writes no file;
    predict and TTA, sharded, give every image's prediction in order."""
    rc, out, err, result = launch("learner", 120, str(tmp_path), MINIGRAD_CACHE=str(tmp_path / "cache"))
    assert rc == 0 and result is not None, err[-2000:]
    assert result["ranks_gap"] == 0 and result["histories_equal"], result
    assert result["steps"] == [3, 3]  # 24 images, batch 8 split in two: 12 per rank, 3 mini-batches of 4
    assert result["written_by_rank1"] == [], result
    assert result["files"] == ["augmented.npz", "head.npz", "unfrozen.npz"], result
    assert out.count("fit: 1 epoch(s)") == 3, "rank 0 alone prints"
    assert 0 <= result["predict_gap"] < 1e-6, "predictions gathered from the shards, in order"
    assert result["tta"] == [[3, 8, 2], 1]
    # the seam, not a patch: learn.parallel does the parallel work and no method of the instance is replaced
    assert result["strategy"] == "DataParallel" and result["shadowed"] == [], result


@pytest.mark.parametrize("mode", ["fail", "fail_exit"])
def test_a_failing_rank_is_an_error_not_a_hang(mode):
    """An exception, or SystemExit with a message inside distributed.run (the recipe's way out)."""
    rc, out, err, result = launch(mode, timeout=60)  # a hang would raise TimeoutExpired here
    assert rc != 0 and result is None, (rc, out[-1000:], err[-2000:])
    assert "rank 1 fails on purpose" in err, (rc, out[-1000:], err[-2000:])


# ---- one process, no MPI ----------------------------------------------------------------------------

def test_world_of_one_without_mpi_costs_nothing():
    code = ("import sys; from minigrad import distributed as d; "
            "print(d.get_rank(), d.get_world_size(), d.is_main_process(), 'mpi4py' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=os.path.dirname(HERE), env=env)
    assert out.stdout.split() == ["0", "1", "True", "False"], out.stderr


def test_ddp_in_one_process_trains_as_the_plain_model():
    def run(wrap):
        minigrad.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 2))
        net = dist.DistributedDataParallel(model) if wrap else model
        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        rng = np.random.default_rng(0)
        for _ in range(3):
            opt.zero_grad()
            x, y = rng.standard_normal((8, 5)), rng.integers(0, 2, 8)
            F.cross_entropy(net(minigrad.tensor(x)), minigrad.tensor(y)).backward()
            opt.step()
        return model.state_dict()
    plain, wrapped = run(False), run(True)
    for k in plain:
        np.testing.assert_array_equal(plain[k], wrapped[k])


def test_state_dict_keys_are_prefixed_by_module_as_pytorch():
    ddp = dist.DistributedDataParallel(nn.Linear(2, 3))
    assert list(ddp.state_dict()) == ["module.weight", "module.bias"]


def test_post_accumulate_grad_hook_fires_once_with_the_whole_gradient():
    w = minigrad.tensor(np.ones(3), requires_grad=True)
    unused = minigrad.tensor(np.ones(3), requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(np.array(t.grad)))
    handle = unused.register_post_accumulate_grad_hook(lambda t: seen.append("unused"))
    x = minigrad.tensor(np.arange(3.0))
    ((w * x).sum() + (w * w).sum()).backward()  # w is used twice: one call, after both contributions
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], np.arange(3.0) + 2)
    handle.remove()
    with pytest.raises(RuntimeError, match="leaf"):
        (w * 2).register_post_accumulate_grad_hook(print)


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 4, False), (10, 4, True), (3, 4, False), (12, 3, False)])
def test_sampler_matches_torch_without_shuffle(n, replicas, drop_last):
    torch = pytest.importorskip("torch", reason="torch is the oracle for the padding rule")
    from torch.utils.data import DistributedSampler as TorchSampler
    for rank in range(replicas):
        ours = dist.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    del torch


def test_sampler_rejects_a_bad_rank():
    with pytest.raises(ValueError, match="rank"):
        dist.DistributedSampler(range(4), num_replicas=2, rank=2)


def test_sync_batchnorm_alone_is_batchnorm(device):
    torch = pytest.importorskip("torch", reason="torch is the batch norm oracle")
    pg = dist.group.group()

    def ours(x, w, b):
        return SyncBatchNormFunction.apply(x, w, b, process_group=pg)

    def theirs(x, w, b):
        return torch.nn.functional.batch_norm(x, None, None, w, b, training=True)
    check_op(ours, [randn(4, 3, 2, 2), randn(3) + 1, randn(3)], device, theirs)


def test_convert_sync_batchnorm_keeps_order_weights_and_mode():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.BatchNorm1d(4 * 9))
    model[1].eval()
    before = {k: v.array.ctypes.data for k, v in model.state_dict().items()}  # where each array lives
    weight = model[1].weight
    model = dist.convert_sync_batchnorm(model)
    assert [type(m).__name__ for m in model] == ["Conv2d", "SyncBatchNorm", "ReLU", "Flatten", "SyncBatchNorm"]
    assert model[1].weight is weight and not model[1].training and model[4].training
    assert {k: v.array.ctypes.data for k, v in model.state_dict().items()} == before  # the same arrays, same keys
    x = minigrad.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 5)))
    model.train()
    assert model(x).shape == (2, 36)


# ---- GPUs (NCCL) --------------------------------------------------------------------------------------

def _gpus():
    from minigrad.array_module import cuda_available
    if not cuda_available():
        pytest.skip("needs cupy and an NVIDIA GPU")
    import cupy
    return cupy.cuda.runtime.getDeviceCount()


def test_nccl_alone_on_the_gpu():
    """NCCL's communicator (unique id over MPI), all-reduce, broadcast and SyncBatchNorm on one GPU."""
    _gpus()
    from minigrad.distributed import nccl
    if not nccl.available():
        pytest.skip("cupy.cuda.nccl is not available (install nvidia-nccl for cupy's CUDA version)")
    if _mpiexec()[0] is None:
        pytest.skip("mpi4py cannot start here")
    done = subprocess.run([sys.executable, WORKER, "nccl_alone"], capture_output=True, text=True, timeout=120)
    lines = [line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-2000:]
    result = json.loads(lines[0])
    assert result["nccl"] == "Communicator" and result["sum"] == [0, 1, 2, 3, 4]
    assert result["forward_gap"] < 1e-5 and result["grad_gap"] < 1e-5, result


@pytest.mark.parametrize("mode", ["plain", "syncbn"])
def test_two_ranks_on_gpus_equal_one_process(mode, monkeypatch):
    """The equivalence on the GPU: NCCL between 2 GPUs, or (one GPU: NCCL cannot put two ranks on one
    device) MPI through host copies."""
    gpus = _gpus()
    monkeypatch.setenv("MINIGRAD_TEST_DEVICE", "cuda")
    monkeypatch.setenv("MINIGRAD_TEST_BACKEND", "nccl" if gpus >= 2 else "mpi")
    rc, out, err, result = launch(mode, timeout=180)
    assert rc == 0 and result is not None, err[-2000:]
    assert result["gap"] < 1e-5 and result["ranks_gap"] == 0, result

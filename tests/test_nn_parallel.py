"""torch.nn.parallel's names over minigrad.distributed: DataParallel as torch's runs with one
device or none (the module itself, under the name `module`), DistributedDataParallel with
torch's arguments, and find_unused_parameters on 2 ranks (mpiexec; skipped where MPI cannot start)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import nn

torch = pytest.importorskip("torch", reason="torch is the oracle for nn.DataParallel's behaviour")
HERE = os.path.dirname(os.path.abspath(__file__))


def twin_models():
    """The same small network in minigrad and torch, weights copied."""
    minigrad.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            q.copy_(torch.tensor(p.numpy()))
    return ours, theirs


def test_data_parallel_on_one_device_is_the_module_itself_as_torchs():
    ours, theirs = twin_models()
    wrapped, torch_wrapped = nn.DataParallel(ours), torch.nn.DataParallel(theirs)
    assert nn.DataParallel is nn.parallel.DataParallel and wrapped.module is ours
    assert list(wrapped.state_dict()) == list(torch_wrapped.state_dict())  # "module.0.weight", ...
    assert wrapped.device_ids == torch_wrapped.device_ids == []  # no GPU here: torch's too runs the module as is
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    out, torch_out = wrapped(minigrad.tensor(x)), torch_wrapped(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), torch_out.detach().numpy(), rtol=1e-6, atol=1e-6)
    out.sum().backward()
    torch_out.sum().backward()
    for (name, p), (_, q) in zip(wrapped.named_parameters(), torch_wrapped.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    plain = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    plain.load_state_dict({k[len("module."):]: v for k, v in wrapped.state_dict().items()})  # torch's idiom
    np.testing.assert_array_equal(plain(minigrad.tensor(x)).detach().numpy(), out.detach().numpy())
    wrapped.eval()
    assert not ours.training  # train()/eval() reach the module


def test_distributed_data_parallel_takes_torchs_arguments_in_a_world_of_one():
    ours, _ = twin_models()
    ddp = nn.parallel.DistributedDataParallel(ours, device_ids=None, output_device=None, broadcast_buffers=True,
                                              bucket_cap_mb=None, find_unused_parameters=True, static_graph=False,
                                              gradient_as_bucket_view=True)
    assert isinstance(ddp, minigrad.distributed.DistributedDataParallel) and ddp.module is ours
    assert list(ddp.state_dict())[0] == "module.0.weight"
    x = minigrad.ones(2, 4)
    np.testing.assert_array_equal(ddp(x).detach().numpy(), ours(x).detach().numpy())
    with pytest.raises(ValueError, match="device_ids and output_device arguments only work with single-device"):
        nn.parallel.DistributedDataParallel(ours, device_ids=[0])  # torch: a CPU model takes device_ids=None
    with ddp.no_sync():
        ddp(x).sum().backward()


def _mpiexec():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return exe if os.path.exists(exe) else None


def test_find_unused_parameters_averages_what_each_rank_used():
    """Two ranks, a model with branches a and b: each rank's gradients after backward must be the average
    over ranks, a parameter no rank used keeps .grad None, one used by one rank gets half its gradient
    (the other sent zeros), and the second iteration runs (nothing left pending)."""
    exe = _mpiexec()
    if exe is None:
        pytest.skip("mpi4py / mpiexec not installed: `pip install 'minigrad[dist]'`")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MINIGRAD_NUM_THREADS="1")
    try:
        done = subprocess.run([exe, "-n", "2", sys.executable, os.path.join(HERE, "parallel_worker.py")],
                              capture_output=True, text=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("a rank waited for a gradient that never came (find_unused_parameters did not send zeros)")
    if done.returncode and "RESULT" not in done.stdout and "mpi" in done.stderr.lower() and "Traceback" not in (
            done.stderr):
        pytest.skip(f"mpiexec -n 2 cannot start here: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line[7:]) for line in done.stdout.splitlines() if line.startswith("RESULT ")][0]
    assert [r["rank"] for r in results] == [0, 1]
    sys.path.insert(0, HERE)
    import parallel_worker as w

    def local(rank, branch):  # this rank's own gradients, alone
        m = w.model()
        m(w.data(rank), branch).square().sum().backward()
        return {name: None if p.grad is None else p.grad.numpy() for name, p in m.named_parameters()}

    same = [local(0, "a"), local(1, "a")]
    split = [local(0, "a"), local(1, "b")]
    for result in results:
        for name in ("a.weight", "a.bias"):
            np.testing.assert_allclose(result["same"][name], (same[0][name] + same[1][name]) / 2, rtol=1e-5)
            np.testing.assert_allclose(result["split"][name], split[0][name] / 2, rtol=1e-5)
        assert result["same"]["b.weight"] is None and result["same"]["b.bias"] is None  # no rank used b
        np.testing.assert_allclose(result["split"]["b.weight"], split[1]["b.weight"] / 2, rtol=1e-5)


def test_data_parallel_moves_inputs_to_the_models_device(device):
    wrapped = nn.DataParallel(nn.Linear(3, 2).to(device))
    assert wrapped.device_ids == ([0] if minigrad.cuda_available() else [])  # torch's: the GPUs there are
    if device == "cpu" and minigrad.cuda_available():
        with pytest.raises(RuntimeError, match="module must have its parameters and buffers on device cuda:0"):
            wrapped(minigrad.ones(4, 3))  # torch's rule: with a GPU, DataParallel wants the model there
        return
    out = wrapped(minigrad.ones(4, 3))  # host inputs: torch's DataParallel scatters them to the GPU
    assert minigrad.array_module.device_of(out.array) == device

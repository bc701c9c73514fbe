"""minigrad.multiprocessing as torch.multiprocessing: shared-memory tensors that real child processes
(fork and spawn) read and update in place, Module.share_memory() for Hogwild, tensors through a
Queue, and spawn() with torch's error reporting. Each test starts two real processes."""
import multiprocessing as std_mp
import os
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import minigrad
import minigrad.multiprocessing as mp
import minigrad.nn as nn
import minigrad.nn.functional as F

START_METHODS = [m for m in ("fork", "spawn") if m in std_mp.get_all_start_methods()]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="shared-memory tensors need POSIX")


def add_rank(param, rank, steps):
    """A child: add (rank + 1) to the shared parameter, one step at a time, in place."""
    with minigrad.no_grad():
        for _ in range(steps):
            param.add_(rank + 1)


def hogwild_train(rank, model, seed):
    """mnist_hogwild's train(): each process its own optimizer over the one shared model."""
    minigrad.manual_seed(seed + rank)
    opt = minigrad.optim.SGD(model.parameters(), lr=0.1)
    x, y = minigrad.randn(16, 4), minigrad.randint(0, 3, (16,))
    for _ in range(5):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()


def test_reexports_pythons_multiprocessing_as_torch():
    torch = pytest.importorskip("torch", reason="compares the names with torch.multiprocessing")
    for name in ("Process", "Queue", "Pool", "set_start_method", "get_start_method", "get_context", "cpu_count",
                 "spawn", "start_processes", "ProcessRaisedException", "get_sharing_strategy", "Manager", "Event"):
        assert hasattr(torch.multiprocessing, name) and hasattr(mp, name), name
    assert mp.Process is std_mp.Process and mp.cpu_count() == std_mp.cpu_count()
    assert mp.get_all_start_methods() == std_mp.get_all_start_methods()


def test_share_memory_moves_the_numbers_in_place_and_is_shared():
    t = minigrad.arange(6.0).reshape(2, 3)
    assert not t.is_shared()
    assert t.share_memory_() is t and t.is_shared()
    np.testing.assert_array_equal(t.numpy(), np.arange(6.0).reshape(2, 3))
    before = t.array
    t.share_memory_()  # a no-op the second time
    assert t.array is before and t.dtype == minigrad.float32 and t[1:].is_shared()
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.share_memory() is model
    assert all(p.is_shared() for p in model.parameters()) and model[1].running_mean.is_shared()


@pytest.mark.parametrize("method", START_METHODS)
def test_two_processes_update_one_shared_parameter(method):
    ctx = mp.get_context(method)
    param = nn.Parameter(minigrad.zeros(3)).share_memory_()
    children = [ctx.Process(target=add_rank, args=(param, rank, 10)) for rank in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
        assert child.exitcode == 0
    np.testing.assert_array_equal(param.numpy(), [30.0, 30.0, 30.0])  # 10 * 1 + 10 * 2, both seen here


@pytest.mark.parametrize("method", START_METHODS)
def test_hogwild_trains_one_shared_model_from_two_processes(method):
    minigrad.manual_seed(0)
    model = nn.Linear(4, 3)
    model.share_memory()
    start = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    ctx = mp.get_context(method)
    children = [ctx.Process(target=hogwild_train, args=(rank, model, 1)) for rank in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
        assert child.exitcode == 0
    for k, v in model.state_dict().items():  # the children's steps are in the parent's model
        assert not np.allclose(v.numpy(), start[k]), k


def put_back(queue_in, queue_out):
    t = queue_in.get()
    t.mul_(2)  # in place: the sender sees it
    queue_out.put(t.is_shared())


def test_a_tensor_through_a_queue_is_shared_as_torchs():
    ctx = mp.get_context(START_METHODS[-1])
    queue_in, queue_out = ctx.Queue(), ctx.Queue()
    t = minigrad.ones(4)
    child = ctx.Process(target=put_back, args=(queue_in, queue_out))
    child.start()
    queue_in.put(t)
    assert queue_out.get(timeout=120) is True
    child.join(timeout=120)
    assert t.is_shared()  # putting it on the queue moved it into shared memory, as torch does
    np.testing.assert_array_equal(t.numpy(), [2.0, 2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(minigrad.ones(2, requires_grad=True) * 2)  # what Queue.put's feeder thread does


def spawned_add(rank, param, steps):
    add_rank(param, rank, steps)


def fails_on_one(rank, message):
    if rank == 1:
        raise ValueError(message)


def test_spawn_runs_fn_with_the_index_and_reports_a_childs_exception():
    param = minigrad.zeros(2).share_memory_()
    mp.spawn(spawned_add, args=(param, 3), nprocs=2)
    np.testing.assert_array_equal(param.numpy(), [9.0, 9.0])  # 3 * 1 + 3 * 2
    with pytest.raises(mp.ProcessRaisedException, match=r"Process 1 terminated with the following error:"
                                                        r"(.|\n)*ValueError: boom"):
        mp.spawn(fails_on_one, args=("boom",), nprocs=2)
    context = mp.spawn(spawned_add, args=(param, 1), nprocs=2, join=False)
    while not context.join():
        pass
    np.testing.assert_array_equal(param.numpy(), [12.0, 12.0])

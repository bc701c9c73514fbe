"""The Learner's data-parallel seam (minigrad/train/parallel.py): one strategy object, `learn.parallel`,
that the Learner's own code calls; wrap_learner installs minigrad.distributed's DataParallel in it and
replaces no method, so what train/learner.py reads is what runs, on one process or many.

A world of two is faked in this process by a group whose other rank is this one's twin (its collectives
act as if the other rank held the same numbers); tests/test_distributed.py runs the real thing under mpiexec.
"""
import builtins
import inspect

import numpy as np
import pytest

import minigrad
from minigrad.data import ImageClassifierData, make_shapes_dataset
from minigrad.distributed import group
from minigrad.distributed.learner import DataParallel, ShardedLoader, wrap_learner
from minigrad.distributed.work import Work
from minigrad.train import Learner
from minigrad.train.parallel import SingleProcess
from models import fastai_head
from models.head import FEATURE_LAYERS

from test_learner import tiny_body


class TwinGroup:
    """A world of 2 in one process: the other rank holds the same numbers as this one."""

    def __init__(self, rank):
        self.rank, self.size, self.local_rank = rank, 2, 0
        self.calls = []

    def all_reduce(self, array, op="sum"):
        self.calls.append(("all_reduce", op))
        if op == "sum":
            array *= 2
        return array

    def iall_reduce(self, array):
        self.calls.append(("iall_reduce",))
        array *= 2
        return Work()

    def broadcast(self, array, src=0):
        return array

    def broadcast_object(self, obj, src=0):
        return obj

    def all_gather_object(self, obj):
        return [obj, obj]

    def barrier(self):
        self.calls.append(("barrier",))

    def dup(self):
        return self


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return make_shapes_dataset(str(tmp_path_factory.mktemp("data")), n_train=16, n_valid=8, size=16)


def make_learner(shapes, tmp_path):
    minigrad.manual_seed(0)
    data = ImageClassifierData.from_paths(shapes, size=16, bs=8)
    body, head = tiny_body(), fastai_head(16, data.c)
    return Learner(body, head, data, [body[:4], body[4:], head], out_dir=str(tmp_path / "run"),
                   feature_layers=FEATURE_LAYERS, verbose=True, models_name=str(tmp_path / "models"))


@pytest.fixture
def world_of_two(monkeypatch):
    """Run the Learner as rank `rank` of a TwinGroup; print and the group are put back afterwards."""
    def join(rank):
        pg = TwinGroup(rank)
        monkeypatch.setattr(group, "_group", pg)
        monkeypatch.setattr(builtins, "print", builtins.print)  # rank 1 quiets print: undone at teardown
        return pg
    return join


def shadowed_methods(learn):
    """Instance attributes that hide a method of the Learner's class: what runs would not be what reads."""
    return sorted(name for name, value in vars(learn).items()
                  if callable(value) and callable(getattr(type(learn), name, None)))


def seams(cls):
    return {name for name, _ in inspect.getmembers(cls) if not name.startswith("_")}


def test_one_process_is_the_default_strategy(shapes, tmp_path, capsys):
    learn = make_learner(shapes, tmp_path)
    assert type(learn.parallel) is SingleProcess and learn.parallel.is_main_process
    assert wrap_learner(learn) is learn and type(learn.parallel) is SingleProcess  # a world of one: nothing
    assert learn.train_batches() is learn.data.trn_dl
    assert shadowed_methods(learn) == []


def test_data_parallel_has_every_seam_of_single_process():
    missing = seams(SingleProcess) - seams(DataParallel)
    assert not missing, f"DataParallel lacks the seams {sorted(missing)}"


@pytest.mark.parametrize("rank", [0, 1])
def test_wrap_learner_installs_the_strategy_and_replaces_no_method(rank, shapes, tmp_path, world_of_two, capsys):
    pg = world_of_two(rank)
    learn = make_learner(shapes, tmp_path)  # Learner.__init__ calls wrap_learner
    assert isinstance(learn.parallel, DataParallel) and learn.parallel.world_size == 2
    assert shadowed_methods(learn) == [], "wrap_learner must set learn.parallel, not replace methods"
    assert learn.parallel.ddp.module is learn.model
    assert wrap_learner(learn).parallel is learn.parallel  # twice is once
    assert learn.parallel.is_main_process == (rank == 0)

    batches = learn.train_batches()  # the strategy shards: half the images, batch 8 split in two
    assert isinstance(batches, ShardedLoader) and batches.batch_size == 4
    assert len(batches) == len(learn.data.trn_ds) // 2 // 4
    x, y = next(iter(batches))
    pg.calls.clear()
    loss = learn.train_step(x, y, learn.make_optimizer([0.01] * 3))
    assert np.isfinite(loss)
    assert ("iall_reduce",) in pg.calls, "the gradients went through the group (DDP)"
    assert pg.calls[-1] == ("all_reduce", "mean"), "the loss is averaged over the ranks"

    path = learn.save("weights")
    assert path.endswith("weights.npz") and (tmp_path / "models" / "weights.npz").exists() == (rank == 0)
    learn.log("a line only rank 0 prints")
    assert ("a line only rank 0 prints" in capsys.readouterr().out) == (rank == 0)

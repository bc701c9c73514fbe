"""torch.utils.data as a package: the samplers, the DataLoader pulling batches lazily from them,
iterable data sets, default_collate / default_convert and the loader's torch attributes, each
compared with torch.utils.data (the orders of random samplers are numpy's, so those are checked
by what they must be: permutations, counts, reproducibility, frequencies)."""
import collections
import itertools
import time

import numpy as np
import pytest

import minigrad
from minigrad import random_source
from minigrad.utils import data as mdata

torch = pytest.importorskip("torch", reason="torch is the oracle for torch.utils.data's behaviour")
tdata = torch.utils.data


def raised(f):
    """(exception type name, message) of f(), or None."""
    try:
        f()
    except Exception as e:  # noqa: BLE001 - comparing whatever each library raises
        return type(e).__name__, str(e)
    return None


def same_error(f_torch, f_mini):
    want, got = raised(f_torch), raised(f_mini)
    assert want is not None and got is not None, (want, got)
    assert got[0] == want[0] and got[1].startswith(want[1][:40]), (want, got)


def as_plain(x):
    """A collated batch as plain Python (values, dtype names, container types), for comparing libraries."""
    if isinstance(x, (torch.Tensor, minigrad.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.numpy().tolist())
    if isinstance(x, np.ndarray):
        return ("ndarray", str(x.dtype), x.tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: as_plain(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [as_plain(v) for v in x])
    return x


def test_utils_data_is_a_package_with_torchs_submodules():
    from minigrad.utils.data.dataloader import DataLoader, default_collate
    from minigrad.utils.data.dataset import ChainDataset, IterableDataset, random_split  # noqa: F401
    from minigrad.utils.data.distributed import DistributedSampler
    from minigrad.utils.data.sampler import RandomSampler
    assert RandomSampler is mdata.RandomSampler is minigrad.data.RandomSampler
    assert DataLoader is minigrad.data.DataLoader and default_collate is minigrad.data.default_collate
    assert DistributedSampler is minigrad.distributed.DistributedSampler
    for module in ("dataloader", "dataset", "sampler", "distributed"):
        wanted = set(getattr(tdata, module).__all__)
        assert wanted <= set(getattr(mdata, module).__all__) and wanted <= set(mdata.__all__), module
    sd = mdata.StackDataset(np.arange(3), np.arange(3) * 2)
    assert [tuple(int(v) for v in sd[i]) for i in range(len(sd))] == [(0, 0), (1, 2), (2, 4)]
    assert mdata.StackDataset(a=[1, 2], b="xy")[1] == tdata.StackDataset(a=[1, 2], b="xy")[1] == {"a": 2, "b": "y"}


@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                                     (2, 5, True), (0, 2, False), (7, 1, True)])
def test_sequential_and_batch_samplers_are_torchs(n, batch_size, drop_last):
    ours = mdata.BatchSampler(mdata.SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    order = [4, 1, 3, 0, 2]  # any iterable of indices
    assert list(mdata.BatchSampler(order, 2, drop_last)) == list(tdata.BatchSampler(order, 2, drop_last))
    loader = mdata.DataLoader(list(range(n)), batch_size=batch_size, drop_last=drop_last)
    torch_loader = tdata.DataLoader(list(range(n)), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(torch_loader)
    assert [b.tolist() for b in loader] == [b.tolist() for b in torch_loader]


@pytest.mark.parametrize("make", [
    lambda d: d.RandomSampler(range(5), replacement=1), lambda d: d.RandomSampler(range(5), num_samples=0),
    lambda d: d.RandomSampler(range(0)), lambda d: d.RandomSampler(range(3), num_samples=5.0),
    lambda d: d.WeightedRandomSampler([1, 2], 0), lambda d: d.WeightedRandomSampler([1, 2], 2.0),
    lambda d: d.WeightedRandomSampler([[1, 2]], 2), lambda d: d.WeightedRandomSampler(5, 2),
    lambda d: d.WeightedRandomSampler([1, 2], 2, replacement=0),
    lambda d: list(d.WeightedRandomSampler([1, -2], 2)), lambda d: list(d.WeightedRandomSampler([0, 0], 2)),
    lambda d: list(d.WeightedRandomSampler([1, float("nan")], 2)),
    lambda d: list(d.WeightedRandomSampler([1, float("inf")], 2)),
    lambda d: list(d.WeightedRandomSampler([1, 0, 1], 4, replacement=False)),
    lambda d: d.BatchSampler(range(3), 0, False), lambda d: d.BatchSampler(range(3), 2, 0),
    lambda d: d.BatchSampler(range(3), True, False), lambda d: iter(d.Sampler()), lambda d: len(d.Sampler()),
    lambda d: len(d.BatchSampler(iter(range(3)), 2, False)),
    lambda d: d.DataLoader(range(5), batch_size=None, drop_last=True),
    lambda d: d.DataLoader(range(5), shuffle=True, sampler=[1]),
    lambda d: d.DataLoader(range(5), batch_size=2, batch_sampler=[[1]]),
    lambda d: d.DataLoader(range(5), num_workers=-1), lambda d: d.DataLoader(range(5), timeout=-1),
    lambda d: d.DataLoader(range(5), prefetch_factor=2), lambda d: d.DataLoader(range(5), persistent_workers=True),
    lambda d: d.DataLoader(range(5), batch_size=0), lambda d: d.DataLoader(range(5), batch_size=2.0),
    lambda d: d.DataLoader(range(5), batch_size=True), lambda d: d.DataLoader(range(0), shuffle=True),
    lambda d: setattr(d.DataLoader(range(5)), "batch_size", 3),
    lambda d: setattr(d.DataLoader(range(5)), "sampler", None),
    lambda d: setattr(d.DataLoader(range(5)), "drop_last", True),
    lambda d: setattr(d.DataLoader(range(5)), "dataset", range(3)),
    lambda d: d.ConcatDataset([]), lambda d: d.ConcatDataset([range(3)])[-5],
    lambda d: d.TensorDataset(*[(torch if d is tdata else minigrad).zeros(n) for n in (3, 2)]),
    lambda d: d.Dataset()[0],
])
def test_bad_arguments_raise_torchs_errors(make):
    same_error(lambda: make(tdata), lambda: make(mdata))


def test_random_sampler_permutes_repeats_and_draws_with_replacement():
    minigrad.manual_seed(0)
    epoch = list(mdata.RandomSampler(range(10)))
    assert sorted(epoch) == list(range(10)) and epoch != list(range(10))
    assert list(mdata.RandomSampler(range(10))) != epoch  # a new order each epoch
    longer = list(mdata.RandomSampler(range(3), num_samples=7))  # permutations one after the other, as torch's
    assert sorted(longer[:3]) == sorted(longer[3:6]) == [0, 1, 2] and len(longer) == 7 and len(set(longer[6:])) == 1
    drawn = list(mdata.RandomSampler(range(4), replacement=True, num_samples=1000))
    assert len(drawn) == 1000 and set(drawn) == {0, 1, 2, 3} and max(np.bincount(drawn)) < 320
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a, b = mdata.RandomSampler(range(20), generator=g1), mdata.RandomSampler(range(20), generator=g2)
    epochs = [list(a), list(a)]
    assert epochs == [list(b), list(b)] and epochs[0] != epochs[1]  # a generator's stream goes on, epoch to epoch
    minigrad.manual_seed(3)
    first = list(mdata.RandomSampler(range(20)))
    minigrad.manual_seed(3)
    assert list(mdata.RandomSampler(range(20))) == first  # minigrad.manual_seed repeats a run
    assert len(mdata.RandomSampler(range(5), replacement=True, num_samples=10**10)) == 10**10


def test_subset_and_weighted_samplers_draw_what_they_must():
    indices = [7, 3, 11, 5]
    subset = mdata.SubsetRandomSampler(indices, generator=np.random.default_rng(0))
    assert sorted(subset) == sorted(indices) and len(subset) == 4
    weights = [0.0, 1.0, 3.0, 0.0, 4.0]
    drawn = np.array(list(mdata.WeightedRandomSampler(weights, 40000, generator=np.random.default_rng(1))))
    frequency = np.bincount(drawn, minlength=5) / len(drawn)
    np.testing.assert_allclose(frequency, np.array(weights) / 8, atol=0.01)
    assert frequency[0] == frequency[3] == 0  # weight 0: never drawn
    without = list(mdata.WeightedRandomSampler(weights, 5, replacement=False, generator=np.random.default_rng(2)))
    assert sorted(without) == [0, 1, 2, 3, 4] and set(without[3:]) == {0, 3}  # zeros only once the rest is used up
    firsts = collections.Counter(list(mdata.WeightedRandomSampler([1.0, 3.0], 1, replacement=False))[0]
                                 for _ in range(4000))
    assert abs(firsts[1] / 4000 - 0.75) < 0.03
    assert mdata.WeightedRandomSampler([1, 2], 2).weights.dtype == np.float64  # torch keeps a float64 tensor


class Exhaustible(mdata.Sampler):
    """Declares 10**10 indices and fails the test if asked for more than `limit` of them."""

    def __init__(self, limit):
        self.limit, self.given = limit, 0

    def __len__(self):
        return 10**10

    def __iter__(self):
        for i in range(10**10):
            self.given += 1
            assert self.given <= self.limit, "the sampler was listed instead of iterated"
            yield i % 7


@pytest.mark.parametrize("num_workers", [0, 2])
def test_a_sampler_declaring_ten_billion_samples_is_iterated_lazily(num_workers):
    sampler = Exhaustible(limit=40)
    loader = mdata.DataLoader(list(range(7)), batch_size=4, sampler=sampler, num_workers=num_workers)
    assert len(loader) == 2_500_000_000
    batches = [b.tolist() for b in itertools.islice(loader, 3)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 0], [1, 2, 3, 4]] and sampler.given <= 40
    by_batch = mdata.DataLoader(list(range(7)), batch_sampler=mdata.BatchSampler(Exhaustible(40), 3, False))
    assert next(iter(by_batch)).tolist() == [0, 1, 2]
    start = time.perf_counter()
    huge = mdata.RandomSampler(range(100), replacement=True, num_samples=10**10)
    loader = mdata.DataLoader(list(range(100)), batch_size=8, sampler=huge, num_workers=num_workers)
    assert len(loader) == 1_250_000_000 and len(next(iter(loader))) == 8
    weighted = mdata.WeightedRandomSampler(np.ones(100), num_samples=10**10)
    assert len(list(itertools.islice(weighted, 5))) == 5
    assert time.perf_counter() - start < 5  # nothing of 10**10 was made


class Numbers(mdata.Dataset):
    def __len__(self):
        return 30

    def __getitem__(self, i):
        return np.float32(i), random_source.rng().random()


def test_loader_samplers_draw_from_the_epoch_generator_never_the_global_one():
    minigrad.manual_seed(4)
    loader = mdata.DataLoader(Numbers(), batch_size=5, sampler=mdata.RandomSampler(Numbers()))
    before = random_source.rng().bit_generator.state
    first, second = [np.concatenate([x.numpy() for x, _ in loader]) for _ in range(2)]
    assert random_source.rng().bit_generator.state == before
    assert sorted(first) == list(range(30)) and not np.array_equal(first, second)
    minigrad.manual_seed(4)
    again = mdata.DataLoader(Numbers(), batch_size=5, sampler=mdata.RandomSampler(Numbers()))
    np.testing.assert_array_equal(np.concatenate([x.numpy() for x, _ in again]), first)
    threaded = mdata.DataLoader(Numbers(), batch_size=5, sampler=mdata.RandomSampler(Numbers()), num_workers=3)
    minigrad.manual_seed(4)
    a = [np.concatenate([t.numpy() for t in b]) for b in mdata.DataLoader(
        Numbers(), batch_size=5, sampler=mdata.RandomSampler(Numbers()))]
    minigrad.manual_seed(4)
    b = [np.concatenate([t.numpy() for t in b]) for b in threaded]
    np.testing.assert_array_equal(np.concatenate(a), np.concatenate(b))  # same batches whatever the workers


@pytest.mark.parametrize("kwargs", [{"batch_size": 1}, {"batch_size": 2, "shuffle": True}, {"batch_size": None},
                                    {"batch_size": 2, "sampler": [3, 1, 2]}, {"batch_sampler": [[0, 1], [2]]},
                                    {"batch_size": 2, "drop_last": True}, {"batch_size": None, "sampler": [4, 0]}])
def test_loader_attributes_are_torchs(kwargs):
    ours, theirs = mdata.DataLoader(range(5), **kwargs), tdata.DataLoader(range(5), **kwargs)
    for name in ("sampler", "batch_sampler"):
        assert type(getattr(ours, name)).__name__ == type(getattr(theirs, name)).__name__, name
    assert (ours.batch_size, ours.drop_last, len(ours)) == (theirs.batch_size, theirs.drop_last, len(theirs))
    if not kwargs.get("shuffle"):
        assert as_plain(list(ours)) == as_plain(list(theirs))
    assert mdata.DataLoader(range(5)).batch_size == 64  # minigrad's default (API.md); torch's is 1
    ours.num_workers, ours.collate_fn = 1, mdata.default_collate  # allowed after construction, as torch


def _stream_methods():
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter([(i, np.float32(i) / 2) for i in range(self.n)])
    return {"__init__": __init__, "__iter__": __iter__}


Stream = type("Stream", (mdata.IterableDataset,), _stream_methods())  # the same stream, without a length
TorchStream = type("Stream", (tdata.IterableDataset,), _stream_methods())


class SizedStream(Stream):
    def __len__(self):
        return self.n


@pytest.mark.parametrize("kwargs", [{"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None},
                                    {"batch_size": 7}])
def test_iterable_datasets_give_batches_of_consecutive_items(kwargs):
    ours = list(mdata.DataLoader(Stream(7), **kwargs))
    theirs = list(tdata.DataLoader(TorchStream(7), **kwargs))
    assert as_plain(ours) == as_plain(theirs)
    assert len(mdata.DataLoader(SizedStream(7), **kwargs)) == len(theirs)
    assert type(mdata.DataLoader(Stream(7), **kwargs).sampler).__name__ == "_InfiniteConstantSampler"


def test_iterable_dataset_errors_chaining_and_workers():
    for bad in ({"shuffle": True}, {"sampler": [1]}, {"batch_sampler": [[1]]}):
        same_error(lambda: tdata.DataLoader(TorchStream(3), **bad), lambda: mdata.DataLoader(Stream(3), **bad))
    same_error(lambda: len(tdata.DataLoader(TorchStream(3))), lambda: len(mdata.DataLoader(Stream(3))))
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, mdata.ChainDataset) and [i for i, _ in chained] == [0, 1, 0, 1, 2]
    assert [b[0].tolist() for b in mdata.DataLoader(Stream(5), batch_size=2, num_workers=2)] == [[0, 1], [2, 3], [4]]
    same_error(lambda: tdata.ConcatDataset([TorchStream(2)]), lambda: mdata.ConcatDataset([Stream(2)]))


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("batch", [
    [(1, "a"), (2, "b")], [Point(1, np.float32(2.5)), Point(3, np.float32(4.5))],
    [collections.OrderedDict(a=1, b=[1, 2])] * 2,
    [{"x": np.arange(3), "y": True}, {"x": np.arange(3, 6), "y": False}], [2, 1.5], [True, 2], [[1, 2], [3, 4]],
    [np.int32(1), np.int32(2)], [np.arange(4).reshape(2, 2)] * 3, [b"a", b"b"], [np.uint8(3), np.uint8(4)],
])
def test_default_collate_is_torchs(batch):
    assert as_plain(mdata.default_collate(batch)) == as_plain(tdata.default_collate(batch))


def test_default_collate_differs_from_torch_only_by_minigrads_float32_rule():
    floats = mdata.default_collate([1.5, 2.0])
    assert floats.dtype == np.float32 and tdata.default_collate([1.5, 2.0]).dtype == torch.float64
    assert mdata.default_collate([np.zeros(2), np.ones(2)]).dtype == np.float32
    x64 = minigrad.tensor(np.zeros(2), dtype=np.float64)
    assert mdata.default_collate([x64, x64]).dtype == np.float64  # a float64 Tensor stays float64, as torch's


@pytest.mark.parametrize("bad", [[np.ones(2), np.ones(3)], [[1, 2], [3]], [(1, 2), (3,)], [None],
                                 [np.array(["a"])], [{1, 2}], [], [{"a": 1}, {"b": 2}]])
def test_default_collate_refuses_what_torch_refuses(bad):
    same_error(lambda: tdata.default_collate(bad), lambda: mdata.default_collate(bad))


@pytest.mark.parametrize("sample", [(np.ones(2, np.float32), 1.5, [np.int32(3)]), Point(np.array(0), 2),
                                    {"a": np.arange(2)}, [np.array(["s"]), "t"], np.bool_(True), 3])
def test_default_convert_is_torchs(sample):  # batch_size=None: tuples become lists, numpy becomes Tensors
    assert as_plain(mdata.default_convert(sample)) == as_plain(tdata.default_convert(sample))


def test_worker_info_inside_worker_threads():
    seen = []

    class Reporter(mdata.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            info = mdata.get_worker_info()
            seen.append((info.id, info.num_workers, info.dataset is self))
            return i

    assert mdata.get_worker_info() is None and tdata.get_worker_info() is None
    ids = []
    loader = mdata.DataLoader(Reporter(), batch_size=2, num_workers=2,
                              worker_init_fn=lambda k: ids.append((k, mdata.get_worker_info().id)))
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert {s[0] for s in seen} <= {0, 1} and all(s[1:] == (2, True) for s in seen)
    assert sorted(ids) == [(0, 0), (1, 1)] and mdata.get_worker_info() is None


def test_datasets_follow_torch():
    assert mdata.Subset(np.arange(10), [1, 2, 3])[[0, 2]].tolist() == [1, 3]  # a list of positions at once
    assert mdata.Subset(range(10), range(3)).indices == range(3)  # kept as given, as torch
    assert len(mdata.TensorDataset().tensors) == 0
    concat = mdata.ConcatDataset([range(3), range(10, 12)])
    assert [concat[i] for i in range(-5, 5)] == [0, 1, 2, 10, 11] * 2 and concat.cumulative_sizes == [3, 5]
    with pytest.raises(IndexError):
        concat[5]


def test_a_data_set_without_length_loads_through_its_sampler():
    class Squares(mdata.Dataset):  # no __len__: torch lets the sampler say which items there are
        def __getitem__(self, i):
            return i * i

    loader = mdata.DataLoader(Squares(), batch_size=2, sampler=[3, 1, 4])
    assert [b.tolist() for b in loader] == [[9, 1], [16]] and len(loader) == 2 and "unsized" in repr(loader)

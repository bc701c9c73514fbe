"""A data pipeline with no model: a Dataset of your own (tensors, Python numbers, numpy arrays and dicts
per sample), DataLoader's collation of each, a RandomSampler of 10**10 draws with replacement pulled
lazily for a few batches (makemore's infinite loader), BatchSampler over a SequentialSampler,
WeightedRandomSampler, and a loader driven by a batch_sampler. Returns what a program would see:
batch types, shapes, dtypes and the indices drawn."""
import numpy as np


def make_dataset(lib, n=12):
    torch, data = lib.torch, lib.data

    class Readings(data.Dataset):
        """Sample i: a float32 feature vector, a Python int label, a numpy row and a dict."""

        def __init__(self):
            self.features = np.arange(n * 3, dtype=np.float32).reshape(n, 3) / 10
            self.reads = []  # every index asked for, in order

        def __len__(self):
            return n

        def __getitem__(self, i):
            self.reads.append(int(i))
            return (torch.from_numpy(self.features[i]), i % 3, self.features[i].astype(np.float64),
                    {"id": i, "weight": float(i) / 2})

    return Readings()


def describe(x):
    """A batch's structure: its type, and each tensor's shape and dtype (named as torch names it)."""
    if isinstance(x, (list, tuple)):
        return [type(x).__name__] + [describe(v) for v in x]
    if isinstance(x, dict):
        return {k: describe(v) for k, v in x.items()}
    return (type(x).__name__.replace("Tensor", "tensor"), tuple(x.shape), str(x.dtype).replace("torch.", ""))


class Counting:
    """A sampler around another that counts the indices taken from it."""

    def __init__(self, sampler):
        self.sampler, self.drawn = sampler, 0

    def __iter__(self):
        for i in self.sampler:
            self.drawn += 1
            yield i

    def __len__(self):
        return len(self.sampler)


def run(lib, share, dtype="float64"):
    data = lib.data
    out = {}
    dataset = make_dataset(lib)

    # makemore: batches forever from a sampler that says it holds 10**10 indices
    sampler = Counting(data.RandomSampler(dataset, replacement=True, num_samples=int(1e10)))
    loader = data.DataLoader(dataset, batch_size=4, sampler=sampler)
    batch_iter = iter(loader)
    batches = [next(batch_iter) for _ in range(3)]
    out["infinite"] = [len(loader), len(sampler), sampler.drawn, len(dataset.reads), describe(batches[0])]
    out["infinite_values"] = [b[0].sum().item() for b in batches]
    features, labels, rows, extra = batches[1]
    out["infinite_consistent"] = [(labels == extra["id"] % 3).all().item(),
                                  (features.double() == rows).all().item(),
                                  extra["weight"].tolist() == [i / 2 for i in extra["id"].tolist()]]

    # a fixed order: every index once, in order, the last batch short
    dataset.reads.clear()
    sequential = data.BatchSampler(data.SequentialSampler(range(10)), batch_size=3, drop_last=False)
    out["batch_sampler"] = [list(sequential), len(sequential),
                            list(data.BatchSampler(range(10), batch_size=3, drop_last=True))]
    loader = data.DataLoader(dataset, batch_sampler=data.BatchSampler(data.SequentialSampler(dataset), 5, False))
    out["by_batch_sampler"] = [b[1].tolist() for b in loader] + [dataset.reads[:]]

    # weighted draws: never an index of weight 0; without replacement, each index at most once
    weights = [0.0, 2.0, 0.0, 1.0, 0.5, 0.0]
    draws = list(data.WeightedRandomSampler(weights, num_samples=50, replacement=True))
    once = list(data.WeightedRandomSampler(weights, num_samples=3, replacement=False))
    out["weighted"] = [len(draws), sorted(set(draws)), type(draws[0]).__name__, sorted(once),
                       len(data.WeightedRandomSampler(weights, 7))]
    return out

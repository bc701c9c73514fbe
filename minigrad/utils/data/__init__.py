"""`torch.utils.data`'s names, defined in minigrad.data: a PyTorch script's
`torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)` is
`minigrad.utils.data.DataLoader(...)` here, and its submodules are torch's: `dataloader`,
`dataset`, `sampler`, `distributed` (`from minigrad.utils.data.sampler import RandomSampler`).
Nothing is defined in this package: each name lives in minigrad/data/ (or, for
DistributedSampler, minigrad/distributed/) and is only re-exported here."""
from . import dataloader, dataset, distributed, sampler
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                      TensorDataset, random_split)
from .distributed import DistributedSampler
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "Subset", "ConcatDataset", "ChainDataset",
           "random_split", "DataLoader", "default_collate", "default_convert", "get_worker_info", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DistributedSampler", "dataloader", "dataset", "sampler", "distributed"]

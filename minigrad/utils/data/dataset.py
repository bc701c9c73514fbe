"""`torch.utils.data.dataset`: the data set classes and random_split, from minigrad/data/base.py."""
from ...data.base import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                          TensorDataset, random_split)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split"]

"""`torch.utils.data`'s names, defined in minigrad.data: a PyTorch script's
`torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)` is
`minigrad.utils.data.DataLoader(...)` here."""
from ..data.base import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from ..data.collate import default_collate, default_convert
from ..data.loader import DataLoader

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "DataLoader", "default_collate", "default_convert",
           "random_split"]

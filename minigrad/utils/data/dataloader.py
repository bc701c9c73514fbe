"""`torch.utils.data.dataloader`: the DataLoader and its collation, from minigrad/data/loader.py
and minigrad/data/collate.py."""
from ...data.collate import default_collate, default_convert
from ...data.loader import DataLoader, WorkerInfo, get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo"]

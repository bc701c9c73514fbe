"""`torch.utils.data.distributed`: each rank's shard of an epoch, from minigrad/distributed/sampler.py."""
from ... import nn  # noqa: F401  (nn whole first: nn.parallel subclasses minigrad.distributed's DDP, whose
#                                  module imports nn.module; entering by minigrad.distributed would go round)
from ...distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]

"""torch.utils.tensorboard's place: SummaryWriter, writing TensorBoard's event files.

As PyTorch's, this is a thin layer over the `tensorboard` package: its protocol buffers and its own
event file writer do the writing, so TensorBoard reads the files as any other (`pip install
tensorboard`, then `tensorboard --logdir runs`). Without the package, importing this module fails
as torch's does: ModuleNotFoundError: No module named 'tensorboard'.
"""
import tensorboard

if tuple(int(p) for p in getattr(tensorboard, "__version__", "0").split(".")[:2] if p.isdigit()) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")
del tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]

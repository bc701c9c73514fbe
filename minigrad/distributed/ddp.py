"""DistributedDataParallel: every rank trains the same model on its own shard of each batch.

Why averaging gradients is the same as training on the combined batch: the loss of
a batch is the MEAN of its samples' losses, and a gradient is linear, so for R ranks
each with B samples

    grad( (1/RB) sum over all RB samples of loss_i ) = (1/R) sum over ranks of grad( (1/B) sum over its B )

The right side is what each rank computes on its own shard, summed by an all-reduce
and divided by R. Every rank then holds the gradient of the combined batch of R*B,
takes the same optimizer step from the same weights, and the models stay identical
without ever being sent again (only at the start: broadcast_parameters).

Overlapping communication with computation (as PyTorch's DDP): backward produces
the gradients of the last layers first. The parameters are grouped, in reverse
order, into buckets of about bucket_cap_mb; a hook on each parameter copies its
gradient into its bucket's flat buffer as soon as backward has finished with it, and
a full bucket starts a non-blocking all-reduce (MPI Iallreduce, or NCCL on a stream
of its own) while backward goes on computing the earlier layers' gradients. The
last gradient waits for every bucket, divides by R and writes the averages back
into each parameter's .grad. Buckets start in the same order on every rank, which
collectives require.

Each backward must give a gradient to every parameter that requires one, or be
followed by finish_gradient_sync() before the optimizer step (it sends what is
left; a parameter no rank gave a gradient keeps .grad None). Frozen parameters
(requires_grad=False) take no part. no_sync() skips the averaging (gradient
accumulation): the next synchronised backward averages the accumulated sums.
"""
import contextlib

import numpy as np

from ..array_module import get_array_module
from ..nn.module import Module
from ..autograd import no_grad
from ..tensor import Tensor
from . import group
from .sync_batchnorm import SyncBatchNorm


def _grad_array(p):
    """p.grad as an array, whether the engine keeps it as an array or a Tensor."""
    return p.grad.array if isinstance(p.grad, Tensor) else p.grad


def broadcast_parameters(module, src=0, process_group=None):
    """Make every rank's parameters AND buffers (batch-norm statistics) equal to rank src's."""
    pg = process_group or group.group()
    if pg.size == 1:
        return module
    with no_grad():
        for t in list(module.parameters()) + [b for _, b in module.named_buffers()]:
            if not t.array.flags.c_contiguous:
                t.array = get_array_module(t.array).ascontiguousarray(t.array)
            pg.broadcast(t.array, src)
    return module


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer: their gradients, then one
    'had a gradient' flag per parameter (so a parameter no rank used keeps .grad None)."""

    def __init__(self, params):
        self.params = params
        self.offsets = np.cumsum([0] + [p.array.size for p in params]).tolist()
        xp = get_array_module(params[0].array)
        self.buffer = xp.zeros(self.offsets[-1] + len(params), dtype=params[0].dtype)
        self.ready, self.work = set(), None

    def put(self, i, p):
        """Copy parameter i's gradient (or zeros, if it has none) into the buffer."""
        a, b = self.offsets[i], self.offsets[i + 1]
        g = _grad_array(p) if p.grad is not None else None
        if g is None:
            self.buffer[a:b] = 0
        else:
            self.buffer[a:b] = g.reshape(-1)
        self.buffer[self.offsets[-1] + i] = g is not None
        self.ready.add(i)

    def write_back(self, world_size, used):
        """Averages into each .grad, in place (another grad array would break aliasing assumptions);
        `used`: the summed flags (used_flags), on the host."""
        for i, p in enumerate(self.params):
            if used[i] == 0:
                continue  # no rank gave it a gradient: leave .grad alone, as PyTorch
            avg = self.buffer[self.offsets[i]:self.offsets[i + 1]].reshape(p.shape) / world_size
            g = _grad_array(p) if p.grad is not None else None
            if g is None:
                p.grad = avg.astype(p.dtype, copy=False)
            else:
                g[...] = avg


def used_flags(buckets):
    """Every bucket's summed 'had a gradient' flags, in bucket order, on the host: one device-to-host
    copy (one wait for the GPU) a backward, not one a bucket."""
    flags = [b.buffer[b.offsets[-1]:] for b in buckets]
    used = get_array_module(flags[0]).concatenate(flags)
    return used.get() if hasattr(used, "get") else used  # cupy -> host, for the Python loop


class DistributedDataParallel(Module):
    """Wrap a model so that backward() leaves every rank the gradient of the combined batch."""

    def __init__(self, module, bucket_cap_mb=25, broadcast_buffers=True, process_group=None):
        super().__init__()
        self.module = module
        pg = process_group or group.group()
        # gradients travel on a group of their own, so that SyncBatchNorm's collectives inside
        # backward never interleave with the buckets in flight
        object.__setattr__(self, "_group", pg.dup() if hasattr(pg, "dup") else pg)
        if any(isinstance(m, SyncBatchNorm) for m in module.modules()):
            # NCCL kernels of two communicators on two streams could wait on each other across GPUs;
            # with SyncBatchNorm's collectives in backward, the buckets go on the main stream too
            self._group.cuda_side_stream = False
        object.__setattr__(self, "bucket_cap_mb", bucket_cap_mb)
        object.__setattr__(self, "broadcast_buffers", broadcast_buffers)
        object.__setattr__(self, "require_backward_grad_sync", True)
        object.__setattr__(self, "_buckets", None)
        object.__setattr__(self, "_key", None)
        object.__setattr__(self, "_next", 0)  # the first bucket not yet started
        broadcast_parameters(module, process_group=pg)
        if pg.size > 1:
            self._handles = [p.register_post_accumulate_grad_hook(self._on_grad) for p in module.parameters()]

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.training:
            self.sync_buffers()
        return self.module(*inputs, **kwargs)

    def sync_buffers(self):
        """Rank 0's buffers (batch-norm running statistics) everywhere, as PyTorch's DDP does before
        each training forward: one broadcast per dtype, of all buffers laid end to end."""
        if self._group.size == 1:
            return
        kinds = {}
        for _, b in self.module.named_buffers():
            kinds.setdefault((b.device, b.dtype), []).append(b)
        for buffers in kinds.values():
            xp = get_array_module(buffers[0].array)
            flat = xp.concatenate([b.array.reshape(-1) for b in buffers])
            self._group.broadcast(flat, 0)
            start = 0
            for b in buffers:
                b.array[...] = flat[start:start + b.array.size].reshape(b.shape)
                start += b.array.size

    @contextlib.contextmanager
    def no_sync(self):
        """Backward inside this block only accumulates gradients locally (no all-reduce)."""
        previous = self.require_backward_grad_sync
        object.__setattr__(self, "require_backward_grad_sync", False)
        try:
            yield
        finally:
            object.__setattr__(self, "require_backward_grad_sync", previous)

    # ---- buckets --------------------------------------------------------------------------------
    def _build_buckets(self):
        """Parameters that require a gradient, last first, cut into buckets of about bucket_cap_mb
        (one device and dtype per bucket). Rebuilt when freezing changes who takes part."""
        params = [p for p in self.module.parameters() if p.requires_grad]
        key = tuple(id(p) for p in params)
        if key == self._key:
            return
        cap = self.bucket_cap_mb * 2**20
        buckets, current, size = [], [], 0
        for p in reversed(params):
            if current and (size + p.array.nbytes > cap or (p.device, p.dtype) != (current[0].device, current[0].dtype)):
                buckets.append(current)
                current, size = [], 0
            current.append(p)
            size += p.array.nbytes
        if current:
            buckets.append(current)
        object.__setattr__(self, "_buckets", [_Bucket(b) for b in buckets])
        object.__setattr__(self, "_where", {id(p): (k, i) for k, b in enumerate(self._buckets)
                                            for i, p in enumerate(b.params)})
        object.__setattr__(self, "_key", key)

    def _on_grad(self, p):
        """The hook: p's gradient of this backward is complete."""
        if not self.require_backward_grad_sync or not p.requires_grad:
            return
        if self._next == 0 and not any(b.ready for b in self._buckets or ()):
            self._build_buckets()  # the first gradient of an iteration
        k, i = self._where[id(p)]
        bucket = self._buckets[k]
        if i in bucket.ready or bucket.work is not None:
            done = {id(b.params[j]) for b in self._buckets for j in b.ready}
            missing = [n for n, q in self.module.named_parameters() if q.requires_grad and id(q) not in done]
            raise RuntimeError(
                "DistributedDataParallel: a new backward started before the previous one's gradients were all "
                f"averaged; these parameters got no gradient: {', '.join(missing[:8])}"
                f"{' ...' if len(missing) > 8 else ''}. Call model.finish_gradient_sync() after backward when "
                "some parameters are unused, or freeze them (requires_grad=False)")
        bucket.put(i, p)
        self._start_ready_buckets()
        for b in self._buckets[:self._next]:
            b.work.test()  # let MPI move bytes of the buckets in flight
        if self._next == len(self._buckets):
            self.finish_gradient_sync()

    def _start_ready_buckets(self):
        """Start full buckets, strictly in order: every rank must issue the same collectives in the same order."""
        while self._next < len(self._buckets):
            bucket = self._buckets[self._next]
            if len(bucket.ready) < len(bucket.params):
                return
            bucket.work = self._group.iall_reduce(bucket.buffer)
            object.__setattr__(self, "_next", self._next + 1)

    def finish_gradient_sync(self, force=False):
        """Send what backward left (parameters without a gradient count as zeros), wait for every
        bucket, and write the averages into .grad. Does nothing when already done, unless `force`:
        a rank that skipped backward must still take part when the others did."""
        if self._group.size == 1:
            return
        if force:
            self._build_buckets()
        elif self._buckets is None or (self._next == 0 and not any(b.ready for b in self._buckets)):
            return
        for bucket in self._buckets:
            for i, p in enumerate(bucket.params):
                if i not in bucket.ready and bucket.work is None:
                    bucket.put(i, p)
        self._start_ready_buckets()
        for bucket in self._buckets:
            bucket.work.wait()
        used = used_flags(self._buckets)
        for bucket in self._buckets:
            bucket.write_back(self._group.size, used[:len(bucket.params)])
            used = used[len(bucket.params):]
            bucket.ready, bucket.work = set(), None
        object.__setattr__(self, "_next", 0)

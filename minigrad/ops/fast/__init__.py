"""The fast versions of conv2d, max pooling, batch norm, ReLU and the matrix products: the same
numbers as the reference ops one folder up (each class here is the reference one's name + Fast,
in a file of the same name; average and adaptive pooling exist once, pooling.py re-exports them), with threads, scratch memory, BLAS thread counts and fused GPU
kernels. ops/reference_switch.py's `pick` chooses between the two; MINIGRAD_REFERENCE_OPS=1 or
`minigrad.ops.use_reference()` selects the reference ones."""
from .page_faults import avoid_compaction_stalls, keep_freed_memory

avoid_compaction_stalls()  # fresh activations without waiting for the kernel: page_faults.py
keep_freed_memory()

"""The fast versions of conv2d, pooling, batch norm and ReLU: the same numbers as the
reference ops one folder up, with threads, scratch memory and fused GPU kernels.
ops/versions.py chooses between the two."""

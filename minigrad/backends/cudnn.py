"""NVIDIA's cuDNN: minigrad does not use it. Its GPU convolutions are its own im2col and col2im
kernels with cuBLAS matrix products (minigrad/ops/fast/conv_cuda.py), so `enabled` is False.
It exists so that the lecture's `torch.backends.cudnn.enabled` cell gets a true answer."""
enabled = False
benchmark = False
deterministic = True


def is_available():
    return False


def version():
    return None

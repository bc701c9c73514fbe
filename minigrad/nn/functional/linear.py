"""The linear layer's function (`F.linear`): x @ weight.T + bias (ops/matmul.py's Affine), and the
bilinear one (`F.bilinear`): x1^T W_k x2 + b_k per output feature k (ops/bilinear.py)."""
from ...ops.bilinear import BilinearForm
from ...ops.fast.matmul import AffineFast
from ...ops.matmul import Affine
from ...ops.reference_switch import pick
from ...tensor_math import same_dtype
from ...tensor_special import c_name


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight of shape (out_features, in_features): ops/matmul.py's Affine, or its
    fast twin (ops/fast/matmul.py, the default) as ops/reference_switch.py's `pick` chooses."""
    same_dtype("linear", x, weight, bias)
    return pick(Affine, AffineFast).apply(*((x, weight) if bias is None else (x, weight, bias)))


def bilinear(input1, input2, weight, bias=None):
    """out[..., k] = input1[..., i] weight[k, i, j] input2[..., j] (+ bias[k]): one bilinear form per
    output feature; the batch dims are flattened into one for the op, as PyTorch does."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for dim, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {dim}: got {a} and {b}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out_features, in1_features, in2_features), got shape "
                           f"{list(weight.shape)}")
    for name, x, axis in (("input1", input1, 1), ("input2", input2, 2)):
        if x.shape[-1] != weight.shape[axis]:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {x.shape[-1]} but expected "
                               f"{weight.shape[axis]}")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but expected "
                           f"{weight.shape[0]}")
    named = [("input1", input1), ("input2", input2), ("weight", weight)]
    named += [("bias", bias)] if bias is not None else []
    if len({t.dtype for _, t in named}) > 1:
        raise RuntimeError("All tensors must have the same dtype, got " +
                           ", ".join(f"{n}: {c_name(t.array.dtype)}" for n, t in named))
    out = BilinearForm.apply(input1.reshape(-1, input1.shape[-1]), weight, input2.reshape(-1, input2.shape[-1]))
    out = out.reshape(tuple(input1.shape[:-1]) + (weight.shape[0],))
    return out if bias is None else out + bias

"""one_hot, normalize, embedding, layer_norm (nn/functional/), nn.Embedding and nn.LayerNorm
(nn/sparse.py), random_split and Tensor.byte: gradchecked in float64 where differentiable, and
compared with PyTorch forward and backward (skipped where torch is absent)."""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from helpers import check_op, compare_with_torch, randn, torch

INDICES = np.array([[0, 2, 3], [1, 0, 3]])
CASES = {
    "normalize dim 1": (lambda m, x: m.nn.functional.normalize(x, dim=1), [randn(3, 4)]),
    "normalize p=1 dim 0": (lambda m, x: m.nn.functional.normalize(x, p=1, dim=0), [randn(3, 4, away_from=0)]),
    "embedding": (lambda m, w: m.nn.functional.embedding(m.tensor(INDICES), w), [randn(4, 3)]),
    "layer_norm": (lambda m, x, w, b: m.nn.functional.layer_norm(x, (3, 4), w, b), [randn(2, 3, 4), randn(3, 4),
                                                                                      randn(3, 4)]),
    "layer_norm no affine": (lambda m, x: m.nn.functional.layer_norm(x, (4,)), [randn(5, 4)]),
    "norm of a zero row": (lambda m, x: (x * m.tensor([[0.0], [1.0]], dtype=m.float64)).norm(dim=1), [randn(2, 3)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_torch(name, device):
    fn, arrays = CASES[name]
    check_op(lambda *xs: fn(minigrad, *xs), arrays, device,
             torch_fn=(lambda *xs: fn(torch, *xs)) if torch is not None else None)


def test_embedding_padding_row_gets_torchs_gradient(device):
    """Not a true derivative (the padding row's gradient is zero by design), so torch, not gradcheck."""
    compare_with_torch(lambda w: F.embedding(minigrad.tensor(INDICES, device=device), w, padding_idx=3),
                       lambda w: torch.nn.functional.embedding(torch.tensor(INDICES), w, padding_idx=3),
                       [randn(4, 3)], device)


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_one_hot_random_split_byte_and_module_reprs_as_torch():
    def story(m):
        m.manual_seed(0)
        parts = m.utils.data.random_split(m.utils.data.TensorDataset(m.arange(10)), [0.5, 0.3, 0.2])
        return (m.nn.functional.one_hot(m.tensor([0, 2, 1]), 4).tolist(), str(m.nn.functional.one_hot(m.tensor([1])).dtype)[-5:],
                [len(p) for p in parts], sorted(int(i) for p in parts for (i,) in p),
                m.tensor([300.0, 2.0]).byte().tolist(), repr(m.nn.Embedding(5, 3, padding_idx=-1)),
                repr(m.nn.LayerNorm([2, 3])), repr(m.nn.LayerNorm(3, elementwise_affine=False)), m.zeros(3, requires_grad=True).norm().item())
    assert story(minigrad) == story(torch)


@pytest.mark.parametrize("call, kind", [
    (lambda: F.one_hot(minigrad.tensor([0, 5]), 3), RuntimeError),
    (lambda: F.one_hot(minigrad.tensor([1.0])), RuntimeError),
    (lambda: F.embedding(minigrad.tensor([0.5]), minigrad.ones(3, 2)), RuntimeError),
    (lambda: F.layer_norm(minigrad.ones(2, 3), (4,)), RuntimeError),
    (lambda: minigrad.utils.data.random_split(list(range(5)), [2, 2]), ValueError),
])
def test_bad_arguments_are_refused(call, kind):
    with pytest.raises(kind):
        call()


def test_the_padding_row_is_zero_and_never_trained():
    emb = minigrad.nn.Embedding(4, 2, padding_idx=0)
    assert not emb.weight.numpy()[0].any()
    emb(minigrad.tensor([0, 1, 0])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy(), [[0, 0], [1, 1], [0, 0], [0, 0]])

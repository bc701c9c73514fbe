"""F.embedding and F.one_hot against torch 2.13: an index outside the table is torch's IndexError
(it used to wrap around to the other end), index dtypes, padding_idx, max_norm's in-place
renormalisation, scale_grad_by_freq's gradient, and one_hot's edge cases."""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from helpers import torch
from test_losses_more import _run

TF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")
W = np.arange(12.0).reshape(4, 3).astype(np.float32)

CASES = [
    ("negative index", lambda f, i, w: f.embedding(i, w), [np.array([-1]), W], "cg"),
    ("index past the end", lambda f, i, w: f.embedding(i, w), [np.array([4]), W], "cg"),
    ("int32 indices", lambda f, i, w: f.embedding(i, w), [np.array([[0, 3]], np.int32), W], "cg"),
    ("float indices", lambda f, i, w: f.embedding(i, w), [np.array([0.], np.float32), W], "cg"),
    ("uint8 indices", lambda f, i, w: f.embedding(i, w), [np.array([1], np.uint8), W], "cg"),
    ("0-d index", lambda f, i, w: f.embedding(i, w), [np.array(2), W], "cg"),
    ("no indices", lambda f, i, w: f.embedding(i, w), [np.zeros(0, np.int64), W], "cg"),
    ("padding_idx past the end", lambda f, i, w: f.embedding(i, w, padding_idx=4), [np.array([1]), W], "cg"),
    ("padding_idx before the start", lambda f, i, w: f.embedding(i, w, padding_idx=-5), [np.array([1]), W], "cg"),
    ("padding_idx -1", lambda f, i, w: f.embedding(i, w, padding_idx=-1), [np.array([1, 3, 3]), W], "cg"),
    ("1-D weight", lambda f, i, w: f.embedding(i, w), [np.array([1]), W[0]], "cg"),
    ("max_norm", lambda f, i, w: f.embedding(i, w * 1, max_norm=5.), [np.array([1, 1, 2]), W], "cg"),
    ("max_norm, p=1", lambda f, i, w: f.embedding(i, w * 1, max_norm=5., norm_type=1.), [np.array([1, 1, 2]), W],
     "cg"),
    ("scale_grad_by_freq", lambda f, i, w: f.embedding(i, w, scale_grad_by_freq=True),
     [np.array([1, 1, 2, 3, 3, 3]), W], "cg"),
    ("scale_grad_by_freq and padding", lambda f, i, w: f.embedding(i, w, padding_idx=3, scale_grad_by_freq=True),
     [np.array([[1, 1, 2], [3, 3, 3]]), W], "cg"),
]


@needs_torch
@pytest.mark.parametrize("name, fn, arrays, kinds", CASES, ids=[c[0] for c in CASES])
def test_embedding_matches_torch(name, fn, arrays, kinds, device):
    ours, theirs = _run("minigrad", fn, arrays, kinds, device), _run("torch", fn, arrays, kinds, device)
    if isinstance(theirs[0], type):
        assert ours[0] is theirs[0] and ours[1].startswith(theirs[1][:40]), (ours, theirs)
        return
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    for g, tg in zip(ours[2], theirs[2]):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_allclose(g, tg, rtol=1e-6)


def test_an_index_outside_the_table_no_longer_wraps_around():
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(minigrad.tensor([-1]), minigrad.tensor(W))  # gave the last row


def test_max_norm_renormalises_the_leaf_weight_in_place_as_torch():
    weight = minigrad.nn.Parameter(minigrad.tensor(W))
    F.embedding(minigrad.tensor([1, 1, 2]), weight, max_norm=5.0)
    norms = np.linalg.norm(weight.numpy(), axis=1)
    np.testing.assert_allclose(norms[1:3], [5.0, 5.0], rtol=1e-5)
    np.testing.assert_array_equal(weight.numpy()[[0, 3]], W[[0, 3]])  # rows not looked up are untouched
    if torch is not None:
        t_weight = torch.nn.Parameter(torch.tensor(W))
        TF.embedding(torch.tensor([1, 1, 2]), t_weight, max_norm=5.0)
        np.testing.assert_allclose(weight.numpy(), t_weight.detach().numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(minigrad.tensor([1]), weight, sparse=True)


ONE_HOTS = [("[0, 2]", -1), ("[0, 2]", 5), ("[0, 2]", 2), ("[-1, 2]", -1), ("2", -1), ("2", 4), ("[[0, 2]]", 3),
            ("[]", -1), ("[]", 3), ("[0, 2]", 0), ("[0, 2]", -2)]


@needs_torch
@pytest.mark.parametrize("values, num_classes", ONE_HOTS)
def test_one_hot_matches_torch(values, num_classes):
    def outcome(lib, f):
        try:
            out = f.one_hot(lib.tensor(eval(values), dtype=lib.int64), num_classes)
            return str(out.dtype).split(".")[-1], tuple(out.shape), out.tolist()
        except Exception as error:  # noqa: BLE001
            return type(error).__name__, str(error)
    assert outcome(minigrad, F) == outcome(torch, TF)


@pytest.mark.parametrize("dtype", ["int32", "uint8", "float32", "bool"])
def test_one_hot_takes_int64_only_as_torch(dtype):
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor"):
        F.one_hot(minigrad.tensor([0, 1], dtype=getattr(minigrad, dtype)))


def test_a_0d_index_gives_a_new_tensor_not_a_view_of_the_table(device):
    weight = minigrad.tensor(W, device=device)
    row = F.embedding(minigrad.tensor(3, device=device), weight)
    row.add_(100)  # torch's embedding returns new memory: the table is untouched
    np.testing.assert_array_equal(weight.numpy(), W)


@needs_torch
@pytest.mark.parametrize("options", [{}, {"max_norm": 1.0},
                                     {"padding_idx": 1, "max_norm": 0.5, "norm_type": 1.0, "scale_grad_by_freq": True}])
def test_the_embedding_module_passes_its_options_and_prints_as_torch(options):
    """nn.Embedding(max_norm=, norm_type=, scale_grad_by_freq=) refused these before F.embedding had them."""
    w = np.random.default_rng(0).standard_normal((5, 3))
    ours = minigrad.nn.Embedding(5, 3, _weight=minigrad.tensor(w), **options)
    theirs = torch.nn.Embedding(5, 3, _weight=torch.tensor(w, dtype=torch.float32), **options)
    out, t_out = ours(minigrad.tensor([0, 2, 2])), theirs(torch.tensor([0, 2, 2]))
    out.sum().backward()
    t_out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    assert repr(ours) == repr(theirs)
